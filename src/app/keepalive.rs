//! Keeping the session alive while its user is there.
//!
//! Livy deletes a session that had no activity for `livy.server.session.timeout` (1 h by
//! default), and only a statement, a completion, a cancel, the REPL finishing its work and
//! `POST /sessions/{id}/connect` count: the GETs the notebook polls with do not. So while the
//! notebook is open and its user presses keys, the app asks for a connect ([`Effect::KeepAlive`])
//! once `keepalive` has passed since the session's last known activity. It stops once no key
//! has been pressed for `keepalive-for` (warning [`WARN_BEFORE`] ahead), so a forgotten notebook
//! does not hold the cluster forever; a key starts it again. A server without `/connect` gets
//! no fake activity: keep-alive is reported unavailable.
//!
//! Time is `App::now`, so all of it is decided in `update` and tested without sleeping; the
//! app asks to be woken ([`Effect::WakeAt`]) when something falls due.

use super::events::Effect;
use super::{App, Phase};
use crate::livy::SessionId;
use std::time::{Duration, Instant};

/// How the notebook keeps its session alive (`keepalive` and `keepalive-for`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeepAliveSettings {
    /// How often the session must see activity (`None`: keep-alive is off).
    pub every: Option<Duration>,
    /// Keep-alive stops after this long without a key.
    pub for_idle: Duration,
}

impl KeepAliveSettings {
    /// `keepalive`'s default: well inside Livy's default idle timeout of an hour, and inside
    /// the 10–30 min some shared clusters set.
    pub const EVERY: Duration = Duration::from_secs(5 * 60);
    /// `keepalive-for`'s default: a working day.
    pub const FOR_IDLE: Duration = Duration::from_secs(8 * 3600);
}

impl Default for KeepAliveSettings {
    fn default() -> Self {
        KeepAliveSettings {
            every: Some(Self::EVERY),
            for_idle: Self::FOR_IDLE,
        }
    }
}

/// The status bar warns this long before keep-alive stops.
pub const WARN_BEFORE: Duration = Duration::from_secs(10 * 60);

/// After a keep-alive that failed (the network), the next try waits at most this long.
const RETRY_AFTER: Duration = Duration::from_secs(30);

/// What the notebook knows of its session's activity, as the server counts it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Activity {
    /// When the server last counted activity on the session, as far as this notebook knows
    /// (creating it, a statement sent or finished, a cancel, a keep-alive); `None` for a
    /// session attached to and not used yet.
    pub last: Option<Instant>,
    /// A keep-alive is on its way.
    pub asking: bool,
    /// When the last keep-alive was sent.
    pub asked: Option<Instant>,
    /// Why keep-alive cannot work with this server (no `/connect`, refused), once known.
    pub unavailable: Option<String>,
}

/// What the status bar says about keep-alive.
#[derive(Clone, Debug, PartialEq)]
pub enum KeepAliveStatus {
    /// `keepalive = "off"`.
    Off,
    /// The server has no keep-alive: why.
    Unavailable(String),
    /// Keeping the session alive.
    On,
    /// Keeping it alive for `left` more, unless a key is pressed.
    Ending { left: Duration },
    /// Stopped: no key for `keepalive-for`; a key starts it again.
    Stopped,
}

impl App {
    /// Keep-alive as the status bar shows it, while the session is up (`None` otherwise).
    pub fn keepalive_status(&self) -> Option<KeepAliveStatus> {
        self.live_session()?;
        let settings = self.settings.keepalive;
        if settings.every.is_none() {
            return Some(KeepAliveStatus::Off);
        }
        if let Some(why) = &self.session.activity.unavailable {
            return Some(KeepAliveStatus::Unavailable(why.clone()));
        }
        let away = self.now.saturating_duration_since(self.last_input);
        Some(match settings.for_idle.checked_sub(away) {
            None | Some(Duration::ZERO) => KeepAliveStatus::Stopped,
            Some(left) if left <= WARN_BEFORE => KeepAliveStatus::Ending { left },
            Some(_) => KeepAliveStatus::On,
        })
    }

    /// The server counted activity on the session now.
    pub(super) fn note_activity(&mut self) {
        self.session.activity.last = Some(self.now);
    }

    /// After each event: a keep-alive if one is due, and a wake-up for the next thing due.
    pub(super) fn keepalive_effects(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(session) = self.keepalive_due() {
            let activity = &mut self.session.activity;
            activity.asking = true;
            activity.asked = Some(self.now);
            effects.push(Effect::KeepAlive {
                generation: self.session.generation,
                session,
            });
        }
        if let Some(at) = self.next_wake()
            && self.wake.is_none_or(|asked| asked <= self.now || at < asked)
        {
            self.wake = Some(at);
            effects.push(Effect::WakeAt(at));
        }
        effects
    }

    /// The session, while it runs (not starting, not over).
    fn live_session(&self) -> Option<&SessionId> {
        match &self.session.phase {
            Phase::Server(s) if !s.is_starting() && !s.is_finished() => self.session.id.as_ref(),
            _ => None,
        }
    }

    /// The session to keep alive now, if a keep-alive is due.
    fn keepalive_due(&self) -> Option<SessionId> {
        let id = self.live_session()?;
        let due = self.keepalive_due_at()?;
        (due <= self.now && self.keepalive_status() != Some(KeepAliveStatus::Stopped)).then(|| id.clone())
    }

    /// When the next keep-alive falls due (`None`: none will while nothing changes).
    fn keepalive_due_at(&self) -> Option<Instant> {
        let every = self.settings.keepalive.every?;
        let activity = &self.session.activity;
        if activity.asking || activity.unavailable.is_some() {
            return None;
        }
        let after_activity = activity.last.map_or(self.now, |last| last + every);
        let after_try = activity.asked.map_or(self.now, |asked| asked + RETRY_AFTER.min(every));
        Some(after_activity.max(after_try))
    }

    /// When to wake next: a keep-alive due, the warning, keep-alive stopping, and once a
    /// minute for the status bar's "active N min ago".
    fn next_wake(&self) -> Option<Instant> {
        self.live_session()?;
        let mut times = vec![self.now + Duration::from_secs(60)];
        let settings = self.settings.keepalive;
        if settings.every.is_some() && self.keepalive_status() != Some(KeepAliveStatus::Stopped) {
            times.extend(self.keepalive_due_at());
            let stop = self.last_input + settings.for_idle;
            times.push(stop);
            times.extend(stop.checked_sub(WARN_BEFORE));
        }
        times.into_iter().filter(|t| *t > self.now).min()
    }
}
