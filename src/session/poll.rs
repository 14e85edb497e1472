//! Adaptive polling: quick right after something happened, backing off while nothing does.
//!
//! Polling does not keep a Livy session alive in any useful way and costs the server work,
//! so the interval grows geometrically to a ceiling and resets when the caller sees change.

use std::time::Duration;

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

    /// For a running statement: 100 ms at first, then up to about once a second.
    pub fn statement() -> Self {
        Self::new(Duration::from_millis(100), Duration::from_secs(1))
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
}
