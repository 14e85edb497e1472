//! The notebook without a terminal: the app and its effect runner against a server, driven
//! as the event loop drives them, for tests and benchmarks of the notebook's IO (keep-alive,
//! polling, the log, a session that ends).

use crate::app::{App, AppEvent, DeleteOnQuit, Effect, KeepAliveSettings, Keymap, Phase, SessionStart, Settings};
use crate::livy::{ClientConfig, CreateSession, LivyClient, SessionKind, SessionState};
use crate::session::effect_runner::EffectRunner;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

/// The app and its runner. Needs a Tokio runtime; its tasks stop when it is dropped.
pub struct HeadlessNotebook {
    pub app: App,
    runner: EffectRunner,
    reports: UnboundedReceiver<AppEvent>,
}

impl HeadlessNotebook {
    /// A notebook on `url` that creates a pyspark session and keeps it alive every
    /// `keepalive` (`None`: off) for an hour without keys.
    pub fn start(url: &str, keepalive: Option<Duration>) -> HeadlessNotebook {
        let config = ClientConfig::new(url).expect("a valid server URL");
        Self::start_with(config, keepalive)
    }

    /// [`HeadlessNotebook::start`] with a client configured by the caller (timeouts,
    /// retries), on the server its `base_url` names.
    pub fn start_with(config: ClientConfig, keepalive: Option<Duration>) -> HeadlessNotebook {
        let url = config.base_url.as_str().trim_end_matches('/').to_string();
        let settings = Settings {
            server: url,
            default_kind: SessionKind::PySpark,
            create: CreateSession {
                kind: Some(SessionKind::PySpark),
                ..Default::default()
            },
            defaults: Default::default(),
            delete_on_quit: DeleteOnQuit::Never,
            keepalive: KeepAliveSettings {
                every: keepalive,
                for_idle: Duration::from_secs(3600),
            },
        };
        let (tx, reports) = tokio::sync::mpsc::unbounded_channel();
        let runner = EffectRunner::new(LivyClient::new(config).expect("a client"), tx);
        let start = SessionStart::Create(Box::new(settings.create.clone()));
        let (app, effects) = App::new(settings, start, Keymap::default(), Instant::now());
        let mut notebook = HeadlessNotebook { app, runner, reports };
        notebook.carry_out(effects);
        notebook
    }

    /// Effects go to the runner, except those that write files.
    fn carry_out(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            if !matches!(
                effect,
                Effect::Save { .. } | Effect::WriteRecovery { .. } | Effect::DiscardRecovery { .. }
            ) {
                self.runner.run(effect);
            }
        }
    }

    /// Hands the app an event, at the time now, and carries out what it asks for.
    pub fn update(&mut self, event: AppEvent) {
        self.app.now = Instant::now();
        let effects = self.app.update(event);
        self.carry_out(effects);
    }

    /// A key press.
    pub fn key(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        self.update(AppEvent::Key(KeyEvent::new(code, modifiers)));
    }

    /// Types `text`, one key at a time.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    /// Handles reports for `limit`, or until `done` holds; whether it did.
    pub async fn run_until(&mut self, limit: Duration, done: impl Fn(&App) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if done(&self.app) {
                return true;
            }
            tokio::select! {
                Some(report) = self.reports.recv() => self.update(report),
                _ = tokio::time::sleep_until(deadline) => return false,
            }
        }
    }

    /// Handles reports for `time`.
    pub async fn run_for(&mut self, time: Duration) {
        self.run_until(time, |_| false).await;
    }

    /// Handles reports until the session is idle; panics after 20 s.
    pub async fn until_idle(&mut self) {
        let idle = |app: &App| app.session.phase == Phase::Server(SessionState::Idle);
        assert!(
            self.run_until(Duration::from_secs(20), idle).await,
            "the session never became idle"
        );
    }
}

impl Drop for HeadlessNotebook {
    fn drop(&mut self) {
        self.runner.shutdown();
    }
}
