//! Adaptive polling: quick right after something happened, backing off while nothing does.
//!
//! Polling does not keep a Livy session alive in any useful way and costs the server work,
//! so the interval grows geometrically to a ceiling and resets when the caller sees change.

use std::time::{Duration, Instant};

/// A poll interval that starts short and grows to a ceiling.
#[derive(Clone, Debug, PartialEq)]
pub struct PollInterval {
    start: Duration,
    max: Duration,
    current: Duration,
}

impl PollInterval {
    /// Starts at `start`, grows by half each step, never past `max`.
    pub fn new(start: Duration, max: Duration) -> Self {
        Self {
            start,
            max,
            current: start,
        }
    }

    /// For a starting session: YARN takes minutes, so settle at two seconds.
    pub fn session_start() -> Self {
        Self::new(Duration::from_millis(250), Duration::from_secs(2))
    }

    /// The wait before the next poll; each call lengthens the following one.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.current;
        self.current = (self.current * 3 / 2).min(self.max);
        delay
    }

    /// Something changed: poll quickly again.
    pub fn reset(&mut self) {
        self.current = self.start;
    }
}

/// Polling a statement that was just sent: the wait before each poll is a tenth of the time
/// since the submit, at least [`StatementPace::MIN`] and at most [`StatementPace::MAX`]. A
/// result then shows at most about a tenth of its run time (and one request) after it is
/// ready, as soon as for a client that polls without pause on short statements, while a
/// statement of 10 s costs about 70 polls instead of the 2,000 of a client polling every 5 ms
/// (`benches/polling.rs`).
#[derive(Clone, Debug, PartialEq)]
pub struct StatementPace {
    since: Instant,
}

impl StatementPace {
    /// The shortest wait: a statement's first polls.
    pub const MIN: Duration = Duration::from_millis(5);
    /// The longest wait: a statement that has run for 20 s and more.
    pub const MAX: Duration = Duration::from_secs(2);

    /// For a statement sent at `since`.
    pub fn since(since: Instant) -> Self {
        Self { since }
    }

    /// The wait before the next poll, from the time now.
    pub fn next_delay(&self) -> Duration {
        Self::delay_after(self.since.elapsed())
    }

    /// The wait before a poll once the statement has run for `ran`.
    pub fn delay_after(ran: Duration) -> Duration {
        (ran / 10).clamp(Self::MIN, Self::MAX)
    }

    /// How many polls a statement that runs for `ran` gets (answers taking no time): a bound
    /// for tests and the benchmark's estimate.
    pub fn polls_within(ran: Duration) -> usize {
        let (mut at, mut polls) = (Duration::ZERO, 0);
        loop {
            at += Self::delay_after(at);
            polls += 1;
            if at >= ran {
                return polls;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_ceiling_and_resets() {
        let mut p = PollInterval::new(Duration::from_millis(100), Duration::from_millis(300));
        let delays: Vec<_> = (0..5).map(|_| p.next_delay().as_millis()).collect();
        assert_eq!(delays, vec![100, 150, 225, 300, 300]);
        p.reset();
        assert_eq!(p.next_delay().as_millis(), 100);
    }

    #[test]
    fn a_statement_is_polled_a_tenth_of_its_age_after_the_last_look() {
        let ms = Duration::from_millis;
        assert_eq!(StatementPace::delay_after(ms(0)), StatementPace::MIN);
        assert_eq!(StatementPace::delay_after(ms(400)), ms(40));
        assert_eq!(StatementPace::delay_after(Duration::from_secs(600)), StatementPace::MAX);
        // 10 polls in the first 50 ms, then ~1 in 10% more time: ~70 for 10 s.
        let ten_seconds = StatementPace::polls_within(Duration::from_secs(10));
        assert!((60..=80).contains(&ten_seconds), "{ten_seconds}");
        assert_eq!(StatementPace::polls_within(ms(20)), 4);
    }
}
