//! The notebook's session over time, app and effect runner together against the test Livy
//! server (no terminal): keep-alive against Livy's idle-timeout rule, the log read only while
//! its pane shows and only for new lines, and a session deleted under a running cell.

mod support;

use crossterm::event::{KeyCode, KeyModifiers};
use livy_tui::app::{App, CellOutput, KeepAliveStatus, Outcome, Phase, RunState};
use livy_tui::livy::SessionState;
use std::time::{Duration, Instant};
use support::{HeadlessNotebook as Notebook, Reply, TestLivy, TestLivyConfig};

#[tokio::test]
async fn keep_alive_outlasts_livys_idle_timeout_and_without_it_the_session_is_deleted() {
    let livy = TestLivy::start_with(TestLivyConfig::default().start_ms(50).session_timeout_ms(700)).await;
    let mut kept = Notebook::start(&livy.url(), Some(Duration::from_millis(200)));
    kept.until_idle().await;
    let mut left = Notebook::start(&livy.url(), None);
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
async fn a_server_without_connect_is_asked_once_and_keep_alive_is_unavailable() {
    let livy = TestLivy::start_with(TestLivyConfig::default().start_ms(50)).await;
    // An older or vendor server: no such route (Jetty's HTML 404).
    livy.faults().fail_next_html(
        1000,
        "POST",
        "/sessions/0/connect",
        404,
        "<html><body>Not Found</body></html>",
    );
    let mut nb = Notebook::start(&livy.url(), Some(Duration::from_millis(200)));
    nb.until_idle().await;
    let unavailable = |app: &App| app.session.activity.unavailable.is_some();
    assert!(nb.run_until(Duration::from_secs(5), unavailable).await);
    nb.run_for(Duration::from_secs(1)).await;
    assert_eq!(
        livy.requests_to("POST", "/sessions/0/connect").len(),
        1,
        "no fake activity after"
    );
    assert_eq!(
        nb.app.session.phase,
        Phase::Server(SessionState::Idle),
        "the session is fine"
    );
    assert!(matches!(
        nb.app.keepalive_status(),
        Some(KeepAliveStatus::Unavailable(_))
    ));
}

#[tokio::test]
async fn the_log_is_read_only_while_its_pane_shows_and_only_for_new_lines() {
    let livy = TestLivy::start_with(TestLivyConfig::default().start_ms(50)).await;
    let mut nb = Notebook::start(&livy.url(), None);
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
    let mut nb = Notebook::start(&livy.url(), None);
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
