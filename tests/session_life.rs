//! The notebook's session over time, app and effect runner together against the test Livy
//! server (no terminal): keep-alive against Livy's idle-timeout rule, the log read only while
//! its pane shows and only for new lines, and a session deleted under a running cell.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use livy_tui::app::{
    App, AppEvent, CellOutput, DeleteOnQuit, Effect, KeepAliveSettings, Keymap, Outcome, Phase, RunState, SessionStart,
    Settings,
};
use livy_tui::livy::{ClientConfig, CreateSession, LivyClient, SessionKind, SessionState};
use livy_tui::session::effect_runner::EffectRunner;
use std::time::{Duration, Instant};
use support::{Reply, TestLivy, TestLivyConfig};
use tokio::sync::mpsc::UnboundedReceiver;

/// The app and its runner, driven as the event loop drives them (without a terminal).
struct Notebook {
    app: App,
    runner: EffectRunner,
    reports: UnboundedReceiver<AppEvent>,
}

impl Notebook {
    /// A notebook creating a pyspark session, keeping it alive every `keepalive`.
    fn start(livy: &TestLivy, keepalive: Option<Duration>) -> Notebook {
        let settings = Settings {
            server: livy.url(),
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
        let client = LivyClient::new(ClientConfig::new(&livy.url()).unwrap()).unwrap();
        let runner = EffectRunner::new(client, tx);
        let start = SessionStart::Create(Box::new(settings.create.clone()));
        let (app, effects) = App::new(settings, start, Keymap::default(), Instant::now());
        let mut notebook = Notebook { app, runner, reports };
        notebook.carry_out(effects);
        notebook
    }

    /// Effects go to the runner, except those that would write files.
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

    fn update(&mut self, event: AppEvent) {
        self.app.now = Instant::now();
        let effects = self.app.update(event);
        self.carry_out(effects);
    }

    fn key(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        self.update(AppEvent::Key(KeyEvent::new(code, modifiers)));
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    /// Handles reports for `limit`, or until `done` holds; whether it did.
    async fn run_until(&mut self, limit: Duration, done: impl Fn(&App) -> bool) -> bool {
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
    async fn run_for(&mut self, time: Duration) {
        self.run_until(time, |_| false).await;
    }

    async fn until_idle(&mut self) {
        let idle = |app: &App| app.session.phase == Phase::Server(SessionState::Idle);
        assert!(self.run_until(Duration::from_secs(10), idle).await, "never idle");
    }
}

impl Drop for Notebook {
    fn drop(&mut self) {
        self.runner.shutdown();
    }
}

#[tokio::test]
async fn keep_alive_outlasts_livys_idle_timeout_and_without_it_the_session_is_deleted() {
    let livy = TestLivy::start_with(TestLivyConfig::default().start_ms(50).session_timeout_ms(700)).await;
    let mut kept = Notebook::start(&livy, Some(Duration::from_millis(200)));
    kept.until_idle().await;
    let mut left = Notebook::start(&livy, None);
    left.until_idle().await;

    // Both are polled (GETs); only one sends keep-alives.
    let (mut kept_alive, mut timed_out) = (false, false);
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        kept.run_for(Duration::from_millis(50)).await;
        left.run_for(Duration::from_millis(50)).await;
        kept_alive = kept.app.session.phase == Phase::Server(SessionState::Idle);
        timed_out |= left.app.session.phase == Phase::Gone;
    }
    assert!(kept_alive && livy.session_state("0").as_deref() == Some("idle"));
    let connects = livy.requests_to("POST", "/sessions/0/connect").len();
    assert!(connects >= 8, "{connects} keep-alives in 3 s at one per 200 ms");
    assert!(livy.requests_to("POST", "/sessions/1/connect").is_empty());
    assert!(
        !livy.requests_to("GET", "/sessions/1").is_empty(),
        "polled, which is no activity"
    );
    assert!(
        timed_out,
        "the session without keep-alive was deleted by the idle timeout"
    );
    assert_eq!(livy.session_state("1"), None);
    let why = left.app.session.failure.clone().unwrap_or_default();
    assert!(
        why.starts_with("session 1 was deleted") && why.contains("keep-alive was off"),
        "{why}"
    );
}

#[tokio::test]
async fn the_log_is_read_only_while_its_pane_shows_and_only_for_new_lines() {
    let livy = TestLivy::start_with(TestLivyConfig::default().start_ms(50)).await;
    let mut nb = Notebook::start(&livy, None);
    nb.until_idle().await;
    livy.append_numbered_log("0", 0, 5);
    nb.run_for(Duration::from_millis(1500)).await;
    assert!(
        livy.requests_to("GET", "/sessions/0/log").is_empty(),
        "the pane is closed"
    );
    assert!(nb.app.log.lines.is_empty());

    nb.key(KeyCode::Esc, KeyModifiers::NONE);
    nb.key(KeyCode::Char('l'), KeyModifiers::NONE);
    let has = |n: usize| move |app: &App| app.log.lines.iter().filter(|l| l.contains("FakeLog")).count() >= n;
    assert!(
        nb.run_until(Duration::from_secs(5), has(5)).await,
        "the pane fills when it opens"
    );
    let first = livy.requests_to("GET", "/sessions/0/log");
    assert_eq!(first[0].query.as_deref(), Some("size=-1"), "the whole window once");

    livy.append_numbered_log("0", 5, 3);
    assert!(nb.run_until(Duration::from_secs(5), has(8)).await, "new lines arrive");
    let asked: Vec<String> = livy.requests_to("GET", "/sessions/0/log")[1..]
        .iter()
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert!(
        asked.iter().all(|q| q.starts_with("from=") && q.ends_with("&size=-1")),
        "then only from where it was: {asked:?}"
    );
    let lines: Vec<&String> = nb.app.log.lines.iter().filter(|l| l.contains("FakeLog")).collect();
    assert_eq!(lines.len(), 8, "each line once: {lines:?}");

    nb.key(KeyCode::Char('l'), KeyModifiers::NONE);
    nb.run_for(Duration::from_millis(100)).await;
    livy.clear_requests();
    nb.run_for(Duration::from_millis(2500)).await;
    assert!(
        livy.requests_to("GET", "/sessions/0/log").is_empty(),
        "closed again: no more reads"
    );
}

#[tokio::test]
async fn a_session_deleted_under_a_running_cell_is_said_at_once_and_no_cell_spins() {
    let livy = TestLivy::start_with(TestLivyConfig::default().start_ms(50)).await;
    livy.script("work()", Reply::text("done").taking_ms(30_000));
    let mut nb = Notebook::start(&livy, None);
    nb.until_idle().await;
    nb.type_text("work()");
    nb.key(KeyCode::Char('e'), KeyModifiers::CONTROL);
    let running = |app: &App| matches!(app.notebook.cells[0].run, RunState::Running { .. });
    assert!(nb.run_until(Duration::from_secs(5), running).await);
    // a second cell waits its turn
    nb.key(KeyCode::Esc, KeyModifiers::NONE);
    nb.key(KeyCode::Char('b'), KeyModifiers::NONE);
    nb.key(KeyCode::Enter, KeyModifiers::NONE);
    nb.type_text("1 + 1");
    nb.key(KeyCode::Char('e'), KeyModifiers::CONTROL);
    assert_eq!(nb.app.queued(), 1);
    nb.run_for(Duration::from_secs(1)).await;

    assert!(livy.server().delete_session(0));
    let deleted = Instant::now();
    let gone = |app: &App| app.session.phase == Phase::Gone;
    assert!(nb.run_until(Duration::from_secs(10), gone).await);
    let took = deleted.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "said after {took:?}, not at the watcher's next poll"
    );
    let cells = &nb.app.notebook.cells;
    assert!(matches!(
        cells[0].run,
        RunState::Finished {
            outcome: Outcome::Error,
            ..
        }
    ));
    assert!(matches!(
        (&cells[1].run, &cells[1].output.shown),
        (RunState::Finished { outcome: Outcome::Cancelled, .. }, Some(CellOutput::RequestError(why)))
            if why.contains("not run")
    ));
    assert_eq!(nb.app.queued(), 0);
}
