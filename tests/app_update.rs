//! The notebook's update logic: event in, state and effects out. No terminal, no network.

mod app_keys;

use app_keys::{ctrl, key, type_text};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use livy_tui::app::{
    App, AppEvent, CellOutput, Command, Effect, Keymap, Outcome, Phase, RunState, SessionEvent, SessionStart,
    SessionStartSpec, Settings, StatementEvent,
};
use livy_tui::app::{DeleteOnQuit, KeepAliveStatus, Overlay, QuitPlan};
use livy_tui::livy::{CreateSession, Session, SessionId, SessionKind, SessionState, Statement, StatementId};
use std::time::{Duration, Instant};

fn settings() -> Settings {
    Settings {
        server: "http://livy:8998".into(),
        default_kind: SessionKind::Spark,
        create: CreateSession {
            kind: Some(SessionKind::Spark),
            name: Some("nb".into()),
            ..Default::default()
        },
        defaults: Default::default(),
        delete_on_quit: DeleteOnQuit::Ask,
        keepalive: Default::default(),
    }
}

fn new_app() -> (App, Vec<Effect>) {
    App::new(
        settings(),
        SessionStart::Create(Box::new(settings().create)),
        Keymap::default(),
        Instant::now(),
    )
}

fn session(state: SessionState) -> Session {
    Session {
        id: SessionId::from("7"),
        kind: SessionKind::Spark,
        state,
        ..Default::default()
    }
}

fn ready(app: &mut App, state: SessionState) -> Vec<Effect> {
    app.update(AppEvent::Session(
        1,
        SessionEvent::Ready {
            session: Box::new(session(state)),
            created: true,
        },
    ))
}

fn statement(id: u64, state: &str, output: Option<serde_json::Value>) -> Statement {
    serde_json::from_value(serde_json::json!({
        "id": id, "code": "x", "state": state, "output": output, "progress": 0.5,
        "started": 1_000, "completed": if state == "available" || state == "cancelled" { 1_400 } else { 0 }
    }))
    .unwrap()
}

/// Updates, then does the work the runner would do on a worker (search, prepare) and feeds
/// the results back; returns the other effects.
fn update_with_workers(app: &mut App, event: AppEvent) -> Vec<Effect> {
    let mut pending = app.update(event);
    let mut rest = Vec::new();
    while let Some(effect) = pending.pop() {
        let report = match effect {
            Effect::Search { query, targets } => AppEvent::Searched {
                matches: livy_tui::app::search::find(&targets, &query),
                query,
            },
            Effect::Prepare { cell, raw, mime } => {
                let mut prepared = livy_tui::app::PreparedOutput::prepare(&raw, Some(&mime));
                prepared.raw = Some(raw);
                AppEvent::Prepared {
                    cell,
                    prepared: Box::new(prepared),
                }
            }
            other => {
                rest.push(other);
                continue;
            }
        };
        pending.extend(app.update(report));
    }
    rest
}

fn submitted_cell(effects: &[Effect]) -> livy_tui::app::CellId {
    match effects {
        [Effect::Submit { cell, .. }] => *cell,
        other => panic!("expected one submit, got {other:?}"),
    }
}

#[test]
fn a_new_notebook_starts_the_session_and_lets_you_type_at_once() {
    let (mut app, effects) = new_app();
    assert!(
        matches!(&effects[..], [Effect::StartSession { generation: 1, start: SessionStartSpec::Create(c) }] if c.name.as_deref() == Some("nb"))
    );
    assert_eq!(app.notebook.cells.len(), 1);
    assert!(app.notebook.editing, "one empty cell in edit mode");
    type_text(&mut app, "1 + 1");
    assert_eq!(app.notebook.cells[0].code(), "1 + 1");
}

#[test]
fn a_cell_run_while_starting_is_queued_then_sent_when_idle() {
    let (mut app, _) = new_app();
    type_text(&mut app, "1 + 1");
    assert!(app.update(ctrl('e')).is_empty(), "nothing to send yet");
    assert_eq!(app.notebook.cells[0].run, RunState::Queued);
    assert!(ready(&mut app, SessionState::Starting).is_empty());
    let effects = app.update(AppEvent::Session(
        1,
        SessionEvent::Updated(Box::new(session(SessionState::Idle))),
    ));
    // the session is up: the app also asks to be woken (keep-alive, the status bar)
    match &effects[..] {
        [
            Effect::Submit {
                session, code, kind, ..
            },
            Effect::WakeAt(_),
        ] => {
            assert_eq!(session.as_str(), "7");
            assert_eq!(code, "1 + 1");
            assert_eq!(*kind, None, "same language as the session: no per-statement kind");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn statements_run_in_order_and_outputs_land_on_their_cells() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "1 + 1");
    let first = submitted_cell(&app.update(ctrl('r')));
    assert_eq!(app.notebook.focus, 1, "run-and-advance made and focused a new cell");
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('4'))); // sql
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "select 1");
    assert!(app.update(ctrl('e')).is_empty(), "waits behind the first");
    assert_eq!(app.notebook.cells[1].run, RunState::Queued);

    app.update(AppEvent::Statement(
        1,
        first,
        Box::new(StatementEvent::Submitted(statement(0, "running", None))),
    ));
    assert!(matches!(app.notebook.cells[0].run, RunState::Running { .. }));
    let done = statement(
        0,
        "available",
        Some(serde_json::json!({"status": "ok", "execution_count": 0, "data": {"text/plain": "res0: Int = 2\n"}})),
    );
    let effects = app.update(AppEvent::Statement(1, first, Box::new(StatementEvent::Finished(done))));
    assert_eq!(
        app.notebook.cells[0].output.shown,
        Some(CellOutput::Text(vec!["res0: Int = 2".into()].into()))
    );
    assert_eq!(
        app.notebook.cells[0].run,
        RunState::Finished {
            duration: Some(Duration::from_millis(400)),
            outcome: Outcome::Ok
        }
    );
    assert_eq!(app.notebook.cells[0].output.execution_count.as_deref(), Some("0"));
    match &effects[..] {
        [Effect::Submit { kind, code, .. }] => {
            assert_eq!(
                *kind,
                Some(SessionKind::Sql),
                "a SQL cell in a Scala session names its kind"
            );
            assert_eq!(code, "select 1");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn failures_show_the_error_with_a_folded_traceback() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "1/0");
    let cell = submitted_cell(&app.update(ctrl('e')));
    let failed = statement(
        0,
        "available",
        Some(
            serde_json::json!({"status": "error", "ename": "ZeroDivisionError", "evalue": "division by zero", "traceback": ["Traceback (most recent call last):\n", "ZeroDivisionError: division by zero\n"]}),
        ),
    );
    app.update(AppEvent::Statement(1, cell, Box::new(StatementEvent::Finished(failed))));
    assert!(matches!(
        app.notebook.cells[0].run,
        RunState::Finished {
            outcome: Outcome::Error,
            ..
        }
    ));
    match &app.notebook.cells[0].output.shown {
        Some(CellOutput::Error { ename, traceback, .. }) => {
            assert_eq!(ename, "ZeroDivisionError");
            assert_eq!(traceback.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    assert!(!app.notebook.cells[0].view.unfolded);
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('o')));
    assert!(app.notebook.cells[0].view.unfolded);
}

#[test]
fn untrusted_output_is_stripped_of_control_sequences() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "x");
    let cell = submitted_cell(&app.update(ctrl('e')));
    let hostile = "ok\u{1b}]52;c;aGVsbG8=\u{7}\u{1b}[2J\u{1b}[31mred\u{1b}[0m\u{9b}H";
    let done = statement(
        0,
        "available",
        Some(serde_json::json!({"status": "ok", "data": {"text/plain": hostile}})),
    );
    app.update(AppEvent::Statement(1, cell, Box::new(StatementEvent::Finished(done))));
    // Only well-formed SGR colour survives (drawn as colour); clipboard, screen and C1 are gone.
    assert_eq!(
        app.notebook.cells[0].output.shown,
        Some(CellOutput::Text(vec!["ok\u{1b}[31mred\u{1b}[0m".into()].into()))
    );
}

#[test]
fn cancel_asks_the_server_and_cancel_all_drops_the_queue() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "Thread.sleep(60000)");
    let cell = submitted_cell(&app.update(ctrl('e')));
    // Ctrl+C before the server confirmed: remembered, sent once the id is known.
    assert!(app.update(ctrl('c')).is_empty());
    let effects = app.update(AppEvent::Statement(
        1,
        cell,
        Box::new(StatementEvent::Submitted(statement(3, "running", None))),
    ));
    assert_eq!(
        effects,
        vec![Effect::Cancel {
            session: SessionId::from("7"),
            statement: StatementId::from("3")
        }]
    );
    assert!(matches!(app.notebook.cells[0].run, RunState::Cancelling { .. }));
    app.update(AppEvent::Statement(
        1,
        cell,
        Box::new(StatementEvent::Finished(statement(3, "cancelled", None))),
    ));
    assert!(matches!(
        app.notebook.cells[0].run,
        RunState::Finished {
            outcome: Outcome::Cancelled,
            ..
        }
    ));

    // Queue two behind a running one, then cancel everything.
    app.update(ctrl('e'));
    let running = app.notebook.running_cell().unwrap().id;
    app.update(AppEvent::Statement(
        1,
        running,
        Box::new(StatementEvent::Submitted(statement(4, "running", None))),
    ));
    app.run_command(Command::InsertBelow);
    app.notebook.editing = true;
    type_text(&mut app, "1");
    app.update(ctrl('e'));
    assert_eq!(app.queued(), 1);
    app.update(key(KeyCode::Esc));
    let effects = app.update(key(KeyCode::Char('I')));
    assert_eq!(
        effects,
        vec![Effect::Cancel {
            session: SessionId::from("7"),
            statement: StatementId::from("4")
        }]
    );
    assert!((app.queued() == 0));
    assert_eq!(app.notebook.cells[1].run, RunState::Idle);
}

#[test]
fn a_dead_session_says_why_and_one_key_starts_a_new_one() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    let mut dead = session(SessionState::Dead);
    dead.log = vec![
        "\nstderr: ".into(),
        "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space".into(),
        "\tat x.y(Z.java:1)".into(),
    ];
    app.update(AppEvent::Session(1, SessionEvent::Updated(Box::new(dead))));
    assert!(app.session.is_over());
    assert_eq!(
        app.session.failure.as_deref(),
        Some("java.lang.OutOfMemoryError: Java heap space")
    );
    type_text(&mut app, "1");
    assert!(app.update(ctrl('e')).is_empty(), "nothing is sent to a dead session");
    assert!(
        app.message.as_ref().unwrap().text.contains("N"),
        "the message names the key"
    );
    app.update(key(KeyCode::Esc));
    let effects = app.update(ctrl('n'));
    match &effects[..] {
        [
            Effect::StartSession {
                generation: 2,
                start: SessionStartSpec::Create(c),
            },
        ] => {
            assert_eq!(c.kind, Some(SessionKind::Spark));
            assert_eq!(c.name, None, "the dead session may still hold the name");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.session.phase, Phase::Connecting);
    // Reports from the old session are ignored now.
    app.update(AppEvent::Session(1, SessionEvent::Gone));
    assert_eq!(app.session.phase, Phase::Connecting);
}

#[test]
fn a_vanished_session_is_gone() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Busy);
    app.update(AppEvent::Session(1, SessionEvent::Gone));
    assert_eq!(app.session.phase, Phase::Gone);
    assert!(app.session.failure.as_deref().unwrap().contains("no longer knows"));
}

/// Moves the app's clock on by `by` and delivers a tick; the effects.
fn later(app: &mut App, by: Duration) -> Vec<Effect> {
    app.now += by;
    app.update(AppEvent::Tick)
}

fn keepalives(effects: &[Effect]) -> usize {
    effects.iter().filter(|e| matches!(e, Effect::KeepAlive { .. })).count()
}

const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn keep_alive_is_sent_while_the_user_is_active_and_stops_after_keepalive_for() {
    let (mut app, _) = new_app();
    // defaults: every 5 min, for 8 h without a key
    let effects = ready(&mut app, SessionState::Idle);
    assert_eq!(keepalives(&effects), 0, "creating the session was activity");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::WakeAt(at) if *at <= app.now + MINUTE)),
        "the app asks to be woken: {effects:?}"
    );
    assert_eq!(app.keepalive_status(), Some(KeepAliveStatus::On));
    assert_eq!(keepalives(&later(&mut app, 4 * MINUTE)), 0);
    let effects = later(&mut app, MINUTE);
    assert_eq!(
        effects.iter().find(|e| matches!(e, Effect::KeepAlive { .. })),
        Some(&Effect::KeepAlive {
            generation: 1,
            session: SessionId::from("7")
        })
    );
    assert_eq!(keepalives(&later(&mut app, MINUTE)), 0, "one at a time");
    app.update(AppEvent::Session(1, SessionEvent::KeptAlive));
    assert_eq!(app.session.activity.last, Some(app.now));
    assert_eq!(keepalives(&later(&mut app, 4 * MINUTE)), 0);
    assert_eq!(keepalives(&later(&mut app, MINUTE)), 1);
    app.update(AppEvent::Session(1, SessionEvent::KeptAlive));

    // Nobody at the keyboard: the status bar warns 10 minutes ahead, then it stops.
    let since_key = app.now - app.last_input;
    app.now += Duration::from_secs(8 * 3600) - since_key - 7 * MINUTE;
    let effects = app.update(AppEvent::Tick);
    assert_eq!(keepalives(&effects), 1, "still kept alive in the last minutes");
    app.update(AppEvent::Session(1, SessionEvent::KeptAlive));
    assert_eq!(
        app.keepalive_status(),
        Some(KeepAliveStatus::Ending { left: 7 * MINUTE })
    );
    app.now += 7 * MINUTE;
    assert_eq!(app.keepalive_status(), Some(KeepAliveStatus::Stopped));
    for _ in 0..24 {
        assert_eq!(
            keepalives(&later(&mut app, 5 * MINUTE)),
            0,
            "a forgotten notebook holds nothing"
        );
    }
    // A key: kept alive again at once (the last activity is two hours old).
    let effects = app.update(key(KeyCode::Char('x')));
    assert_eq!(keepalives(&effects), 1);
    assert_eq!(app.keepalive_status(), Some(KeepAliveStatus::On));
}

#[test]
fn statements_are_activity_and_a_failed_keep_alive_is_tried_again() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    app.now += 4 * MINUTE;
    type_text(&mut app, "1 + 1");
    let cell = submitted_cell(&app.update(ctrl('e')));
    assert_eq!(app.session.activity.last, Some(app.now), "a statement sent is activity");
    assert_eq!(keepalives(&later(&mut app, 4 * MINUTE)), 0);
    let done = statement(
        0,
        "available",
        Some(serde_json::json!({"status": "ok", "data": {"text/plain": "2"}})),
    );
    app.update(AppEvent::Statement(1, cell, Box::new(StatementEvent::Finished(done))));
    assert_eq!(
        app.session.activity.last,
        Some(app.now),
        "so is its end (the REPL going idle)"
    );
    assert_eq!(keepalives(&later(&mut app, 4 * MINUTE)), 0);
    assert_eq!(keepalives(&later(&mut app, MINUTE)), 1);
    app.update(AppEvent::Session(
        1,
        SessionEvent::KeepAliveFailed("connection refused".into()),
    ));
    assert_eq!(keepalives(&later(&mut app, Duration::from_secs(10))), 0);
    assert_eq!(
        keepalives(&later(&mut app, Duration::from_secs(20))),
        1,
        "tried again after 30 s"
    );
}

#[test]
fn a_server_without_connect_gets_no_fake_activity() {
    let (mut app, _) = App::new(
        settings(),
        SessionStart::Attach(SessionId::from("7")),
        Keymap::default(),
        Instant::now(),
    );
    let effects = app.update(AppEvent::Session(
        1,
        SessionEvent::Ready {
            session: Box::new(session(SessionState::Idle)),
            created: false,
        },
    ));
    assert_eq!(
        keepalives(&effects),
        1,
        "an attached session's last activity is unknown: kept alive at once"
    );
    app.update(AppEvent::Session(
        1,
        SessionEvent::KeepAliveUnavailable("this server has no POST /connect".into()),
    ));
    assert_eq!(
        app.keepalive_status(),
        Some(KeepAliveStatus::Unavailable("this server has no POST /connect".into()))
    );
    assert!(app.message.as_ref().unwrap().text.contains("keep-alive is unavailable"));
    for _ in 0..12 {
        assert_eq!(keepalives(&later(&mut app, 5 * MINUTE)), 0);
    }
    app.update(AppEvent::Session(1, SessionEvent::Gone));
    assert!(
        app.session
            .failure
            .as_deref()
            .unwrap()
            .contains("this server has no keep-alive"),
        "{:?}",
        app.session.failure
    );

    // Off: nothing, ever.
    let mut off = settings();
    off.keepalive.every = None;
    let (mut app, _) = App::new(
        off.clone(),
        SessionStart::Create(Box::new(off.create)),
        Keymap::default(),
        Instant::now(),
    );
    assert_eq!(keepalives(&ready(&mut app, SessionState::Idle)), 0);
    assert_eq!(keepalives(&later(&mut app, 60 * MINUTE)), 0);
    assert_eq!(app.keepalive_status(), Some(KeepAliveStatus::Off));
}

#[test]
fn the_runner_hears_when_the_log_pane_opens_and_closes() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    app.update(key(KeyCode::Esc));
    let shown = |effects: &[Effect]| {
        effects.iter().find_map(|e| match e {
            Effect::LogPane { visible } => Some(*visible),
            _ => None,
        })
    };
    assert_eq!(shown(&app.update(key(KeyCode::Char('l')))), Some(true));
    assert_eq!(
        shown(&app.update(key(KeyCode::Char('+')))),
        None,
        "no news: nothing said"
    );
    assert_eq!(shown(&app.update(key(KeyCode::Char('l')))), Some(false));
    assert_eq!(
        shown(&app.update(key(KeyCode::Char('L')))),
        Some(true),
        "focusing shows it"
    );
}

/// Runs the focused cell and finishes its statement with `status` ("ok" or "error").
fn run_focused(app: &mut App, statement_id: u64, status: &str) -> livy_tui::app::CellId {
    let cell = submitted_cell(&app.update(ctrl('e')));
    let output = match status {
        "ok" => serde_json::json!({"status": "ok", "data": {"text/plain": "fine"}}),
        _ => serde_json::json!({"status": "error", "ename": "E", "evalue": "bad", "traceback": []}),
    };
    app.update(AppEvent::Statement(
        1,
        cell,
        Box::new(StatementEvent::Finished(statement(
            statement_id,
            "available",
            Some(output),
        ))),
    ));
    cell
}

/// Adds a cell below the focused one, with this code, in edit mode.
fn add_cell(app: &mut App, code: &str) {
    app.update(key(KeyCode::Esc));
    app.run_command(Command::InsertBelow);
    app.notebook.editing = true;
    type_text(app, code);
}

#[test]
fn a_session_that_dies_marks_its_cells_and_ctrl_n_offers_to_rerun_what_ran_well() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "a");
    let a = run_focused(&mut app, 0, "ok");
    add_cell(&mut app, "b");
    run_focused(&mut app, 1, "error");
    add_cell(&mut app, "c");
    let c = run_focused(&mut app, 2, "ok");
    // `a` again: the order they last ran in is c, a
    app.notebook.focus = 0;
    run_focused(&mut app, 3, "ok");
    app.notebook.focus = 2;
    add_cell(&mut app, "d");
    app.update(ctrl('e'));
    add_cell(&mut app, "e");
    app.update(ctrl('e'));
    assert_eq!(app.queued(), 1);

    let mut dead = session(SessionState::Dead);
    dead.log = vec!["\nstderr: ".into(), "YARN killed the container".into()];
    app.update(AppEvent::Session(1, SessionEvent::Updated(Box::new(dead))));
    assert_eq!(
        app.session.failure.as_deref(),
        Some("YARN killed the container"),
        "no exception in the log: its last line"
    );
    let (d, e) = (&app.notebook.cells[3], &app.notebook.cells[4]);
    assert!(matches!(
        d.run,
        RunState::Finished {
            outcome: Outcome::Error,
            ..
        }
    ));
    assert_eq!(
        d.output.shown,
        Some(CellOutput::RequestError("the session ended while this cell ran".into()))
    );
    assert!(matches!(
        e.run,
        RunState::Finished {
            outcome: Outcome::Cancelled,
            ..
        }
    ));
    assert_eq!(
        e.output.shown,
        Some(CellOutput::RequestError(
            "not run: the session ended before its turn".into()
        ))
    );
    assert_eq!(
        (app.queued(), app.notebook.running_cell().is_none()),
        (0, true),
        "nothing left spinning"
    );

    app.update(key(KeyCode::Esc));
    let effects = app.update(ctrl('n'));
    assert!(
        matches!(&effects[..], [Effect::StartSession { generation: 2, .. }]),
        "{effects:?}"
    );
    assert_eq!(
        app.overlay(),
        Some(&Overlay::Rerun {
            session: "7".into(),
            cells: vec![c, a]
        })
    );
    app.update(key(KeyCode::Char('y')));
    assert_eq!(app.queued(), 2, "queued until the new session is idle");
    let effects = app.update(AppEvent::Session(
        2,
        SessionEvent::Ready {
            session: Box::new(session(SessionState::Idle)),
            created: true,
        },
    ));
    assert!(
        matches!(&effects[..], [Effect::Submit { code, .. }, ..] if code == "c"),
        "{effects:?}"
    );
}

#[test]
fn a_new_session_that_never_starts_offers_the_same_rerun_next_time() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "a");
    let a = run_focused(&mut app, 0, "ok");
    app.update(AppEvent::Session(1, SessionEvent::Gone));
    app.update(key(KeyCode::Esc));
    app.update(ctrl('n'));
    app.update(key(KeyCode::Char('y')));
    app.update(AppEvent::Session(2, SessionEvent::Failed("queue is full".into())));
    assert!(matches!(
        app.notebook.cells[0].run,
        RunState::Finished {
            outcome: Outcome::Cancelled,
            ..
        }
    ));
    app.update(ctrl('n'));
    assert!(
        matches!(app.overlay(), Some(Overlay::Rerun { cells, .. }) if *cells == vec![a]),
        "{:?}",
        app.overlay()
    );
}

#[test]
fn a_failure_stops_the_rerun_and_says_where() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "a");
    run_focused(&mut app, 0, "ok");
    for code in ["b", "c"] {
        add_cell(&mut app, code);
        run_focused(&mut app, 0, "ok");
    }
    app.update(AppEvent::Session(1, SessionEvent::Gone));
    assert!(
        app.session
            .failure
            .as_deref()
            .unwrap()
            .starts_with("session 7 was deleted")
    );
    app.update(key(KeyCode::Esc));
    app.update(ctrl('n'));
    app.update(key(KeyCode::Char('y')));
    let ready2 = |app: &mut App| {
        app.update(AppEvent::Session(
            2,
            SessionEvent::Ready {
                session: Box::new(session(SessionState::Idle)),
                created: true,
            },
        ))
    };
    let first = submitted_cell(&ready2(&mut app)[..1]);
    app.update(AppEvent::Statement(
        2,
        first,
        Box::new(StatementEvent::Finished(statement(
            0,
            "available",
            Some(serde_json::json!({"status": "ok", "data": {"text/plain": "1"}})),
        ))),
    ));
    let effects = app.update(AppEvent::Statement(
        2,
        app.notebook.running_cell().unwrap().id,
        Box::new(StatementEvent::Finished(statement(
            1,
            "available",
            Some(serde_json::json!({"status": "error", "ename": "E", "evalue": "bad", "traceback": []})),
        ))),
    ));
    assert!(
        effects.iter().all(|e| !matches!(e, Effect::Submit { .. })),
        "{effects:?}"
    );
    assert_eq!(app.queued(), 0);
    assert_eq!(
        app.notebook.cells[2].run,
        RunState::Idle,
        "not run, and not marked as failed"
    );
    let message = app.message.as_ref().unwrap();
    assert!(message.is_error);
    assert_eq!(
        message.text,
        "the re-run stopped at cell 2, which failed; 1 cells after it were not run"
    );
}

#[test]
fn quitting_asks_before_deleting_a_session_it_created() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    app.update(ctrl('q'));
    assert_eq!(
        app.overlay(),
        Some(&Overlay::ConfirmQuit {
            delete_by_default: true
        })
    );
    app.update(key(KeyCode::Esc));
    assert_eq!((app.overlay().cloned(), app.quit.clone()), (None, None), "Esc stays");
    app.update(ctrl('q'));
    app.update(key(KeyCode::Char('n')));
    assert_eq!(app.quit, Some(QuitPlan { delete_session: None }));

    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    app.update(ctrl('q'));
    app.update(key(KeyCode::Enter));
    assert_eq!(
        app.quit,
        Some(QuitPlan {
            delete_session: Some(SessionId::from("7"))
        }),
        "yes is the default"
    );
}

#[test]
fn an_attached_session_is_never_deleted_unasked() {
    let (mut app, _) = App::new(
        settings(),
        SessionStart::Attach(SessionId::from("7")),
        Keymap::default(),
        Instant::now(),
    );
    app.update(AppEvent::Session(
        1,
        SessionEvent::Ready {
            session: Box::new(session(SessionState::Idle)),
            created: false,
        },
    ));
    app.update(ctrl('q'));
    assert_eq!(app.overlay(), None);
    assert_eq!(app.quit, Some(QuitPlan { delete_session: None }));
}

#[test]
fn cells_are_added_deleted_restored_moved_split_and_merged() {
    let (mut app, _) = new_app();
    type_text(&mut app, "a\nb");
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('b')));
    assert_eq!((app.notebook.cells.len(), app.notebook.focus), (2, 1));
    app.update(key(KeyCode::Char('x')));
    assert_eq!(app.notebook.cells.len(), 1);
    app.update(key(KeyCode::Char('z')));
    assert_eq!(app.notebook.cells.len(), 2);
    app.update(key(KeyCode::Char('K')));
    assert_eq!(app.notebook.cells[1].code(), "a\nb", "moved up");
    app.update(key(KeyCode::Char('j')));
    app.update(key(KeyCode::Char('M')));
    assert_eq!(app.notebook.cells.len(), 2, "nothing below to merge");
    app.update(key(KeyCode::Char('k')));
    app.update(key(KeyCode::Char('M')));
    assert_eq!(app.notebook.cells.len(), 1);
    assert_eq!(app.notebook.cells[0].code(), "\na\nb");
    app.update(key(KeyCode::Char('t')));
    assert_eq!(app.notebook.cells[0].kind, SessionKind::PySpark);
}

#[test]
fn the_log_follows_until_scrolled_back_and_pasted_text_is_inserted() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    let lines: Vec<String> = (0..30).map(|i| format!("line {i}")).collect();
    app.update(AppEvent::Log(
        1,
        livy_tui::livy::LogDelta {
            lines: lines.clone(),
            gap: false,
        },
    ));
    assert_eq!(app.log.lines.len(), 30);
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('L')));
    app.update(key(KeyCode::PageUp));
    let back = app.log.scroll_back;
    assert!(back > 0);
    app.update(AppEvent::Log(
        1,
        livy_tui::livy::LogDelta {
            lines: vec!["new".into()],
            gap: true,
        },
    ));
    assert_eq!(app.log.scroll_back, back + 2, "the view stays on the same lines");
    assert!(app.log.lines.iter().any(|l| l.contains("dropped")), "a gap is said");
    app.update(key(KeyCode::End));
    assert_eq!(app.log.scroll_back, 0);
    app.update(key(KeyCode::Esc));
    app.update(AppEvent::Paste("x = 1\r\ny = 2".into()));
    assert!(app.notebook.editing);
    assert_eq!(app.notebook.cells[0].code(), "x = 1\ny = 2");
}

#[test]
fn help_scrolls_and_any_other_key_closes_it() {
    let (mut app, _) = new_app();
    app.update(AppEvent::Key(KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE)));
    app.update(key(KeyCode::PageDown));
    assert_eq!(app.overlay(), Some(&Overlay::Help { scroll: 10 }));
    app.update(key(KeyCode::Up));
    assert_eq!(app.overlay(), Some(&Overlay::Help { scroll: 9 }));
    app.update(key(KeyCode::Char('x')));
    assert_eq!(app.overlay(), None);
    assert_eq!(app.notebook.cells[0].code(), "", "the closing key is not typed");
}

#[test]
fn a_click_focuses_the_cell_under_the_pointer() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let (mut app, _) = new_app();
    app.notebook.push_cell(SessionKind::Sql, "select 1");
    let cell_hits = vec![
        livy_tui::app::CellHit {
            cell: app.notebook.cells[0].id,
            top: 0,
            bottom: 3,
            code_bottom: 2,
        },
        livy_tui::app::CellHit {
            cell: app.notebook.cells[1].id,
            top: 3,
            bottom: 8,
            code_bottom: 5,
        },
    ];
    app.update(AppEvent::Drawn(livy_tui::app::ScreenLayout {
        cell_hits,
        ..Default::default()
    }));
    let click = |row| {
        AppEvent::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 5,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    app.update(click(4));
    assert_eq!(
        (app.notebook.focus, app.notebook.editing),
        (1, true),
        "a click on code edits it"
    );
    app.update(click(6));
    assert_eq!(
        (app.notebook.focus, app.notebook.editing),
        (1, false),
        "a click on the output selects the cell"
    );
    app.update(click(20));
    assert_eq!(app.notebook.focus, 1, "a click below the cells changes nothing");
}

#[test]
fn the_mouse_does_not_reach_the_cells_under_a_dialog() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let (mut app, _) = new_app();
    app.notebook.push_cell(SessionKind::Sql, "select 1");
    app.notebook.push_cell(SessionKind::Sql, "select 2");
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::F(1)));
    assert!(app.overlay().is_some());
    let mouse = |kind| {
        AppEvent::Mouse(MouseEvent {
            kind,
            column: 5,
            row: 4,
            modifiers: KeyModifiers::NONE,
        })
    };
    app.update(mouse(MouseEventKind::ScrollDown));
    app.update(mouse(MouseEventKind::ScrollDown));
    app.update(mouse(MouseEventKind::Down(MouseButton::Left)));
    assert_eq!(
        (app.notebook.focus, app.notebook.editing),
        (0, false),
        "the cells stay put under the help"
    );
    assert!(app.overlay().is_some(), "the dialog is still open");
    app.update(key(KeyCode::Esc));
    app.update(mouse(MouseEventKind::ScrollDown));
    assert_eq!(
        app.notebook.focus, 1,
        "without the dialog the wheel moves between cells"
    );
}

#[test]
fn ctrl_j_in_the_editor_is_a_new_line_and_letters_are_never_commands() {
    let (mut app, _) = new_app();
    type_text(&mut app, "val a = 1");
    app.update(ctrl('j'));
    type_text(&mut app, "rabbit");
    assert_eq!(
        app.notebook.cells[0].code(),
        "val a = 1\nrabbit",
        "nothing deleted, no command run"
    );
    assert_eq!(app.notebook.cells.len(), 1, "b (insert below) typed, not run");
}

#[test]
fn the_log_can_be_searched_older_and_newer() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    let lines: Vec<String> = (0..50)
        .map(|i| {
            if i % 10 == 3 {
                format!("{i} WARN disk")
            } else {
                format!("{i} INFO ok")
            }
        })
        .collect();
    app.update(AppEvent::Log(1, livy_tui::livy::LogDelta { lines, gap: false }));
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('L')));
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "warn");
    app.update(key(KeyCode::Enter));
    assert_eq!(
        app.log.search.as_ref().unwrap().current,
        Some(43),
        "the newest match first"
    );
    assert_eq!(app.log.scroll_back, 50 - 43 - 1, "scrolled so the match is in view");
    app.update(key(KeyCode::Char('n')));
    assert_eq!(app.log.search.as_ref().unwrap().current, Some(33));
    app.update(key(KeyCode::Char('N')));
    assert_eq!(app.log.search.as_ref().unwrap().current, Some(43));
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "nothing-like-this");
    app.update(key(KeyCode::Enter));
    assert!(app.message.as_ref().unwrap().text.contains("not in the log"));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.log.search, None);
}

#[test]
fn tables_come_from_livy_sql_and_show_and_any_carried_type_can_be_shown() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "df.show()");
    let cell = submitted_cell(&app.update(ctrl('e')));
    let show =
        "+---+-----+\n| id|twice|\n+---+-----+\n|  0|    0|\n|  1|    2|\n+---+-----+\nonly showing top 2 rows\n\n";
    let done = statement(
        0,
        "available",
        Some(serde_json::json!({"status": "ok", "data": {"text/plain": show}})),
    );
    app.update(AppEvent::Statement(1, cell, Box::new(StatementEvent::Finished(done))));
    match &app.notebook.cells[0].output.shown {
        Some(CellOutput::Table(t)) => {
            assert_eq!(t.table.rows.len(), 2);
            assert!(
                t.table.notes.iter().any(|n| n.contains("first 2 rows")),
                "{:?}",
                t.table.notes
            );
        }
        other => panic!("a show() table is a grid: {other:?}"),
    }

    // A bundle with a table and text: the table first, `m` shows the text, then back.
    app.update(key(KeyCode::Esc));
    app.notebook.editing = true;
    type_text(&mut app, "\n%table t");
    let cell = submitted_cell(&app.update(ctrl('e')));
    let bundle = serde_json::json!({"status": "ok", "data": {
        "application/vnd.livy.table.v1+json": {"headers": [{"name": "a", "type": "INT_TYPE"}], "data": [[1], [2], [3]]},
        "text/plain": "a = 1, 2, 3"}});
    app.update(AppEvent::Statement(
        1,
        cell,
        Box::new(StatementEvent::Finished(statement(1, "available", Some(bundle)))),
    ));
    assert!(matches!(app.notebook.cells[0].output.shown, Some(CellOutput::Table(_))));
    assert_eq!(
        app.notebook.cells[0].output.mimes,
        ["application/vnd.livy.table.v1+json", "text/plain"]
    );
    app.update(key(KeyCode::Esc));
    let effects = app.update(key(KeyCode::Char('m')));
    assert!(
        matches!(&effects[..], [Effect::Prepare { mime, .. }] if mime == "text/plain"),
        "another type is prepared on a worker: {effects:?}"
    );
    update_with_workers(&mut app, key(KeyCode::Char('m')));
    assert_eq!(
        app.notebook.cells[0].output.shown,
        Some(CellOutput::Text(vec!["a = 1, 2, 3".into()].into()))
    );
    update_with_workers(&mut app, key(KeyCode::Char('m')));
    assert!(matches!(app.notebook.cells[0].output.shown, Some(CellOutput::Table(_))));
    app.update(key(KeyCode::Right));
    app.update(key(KeyCode::PageDown));
    match &app.notebook.cells[0].output.shown {
        Some(CellOutput::Table(t)) => assert_eq!(t.cursor, (2, 0), "one column, three rows: the cursor stops"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn search_finds_code_output_and_table_cells_and_jumps_to_them() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "val needle = 1");
    let first = submitted_cell(&app.update(ctrl('r')));
    let text = statement(
        0,
        "available",
        Some(serde_json::json!({"status": "ok", "data": {"text/plain": "a\nb\nneedle: Int = 1"}})),
    );
    app.update(AppEvent::Statement(1, first, Box::new(StatementEvent::Finished(text))));
    type_text(&mut app, "%table t");
    let second = submitted_cell(&app.update(ctrl('e')));
    let rows: Vec<serde_json::Value> = (0..40)
        .map(|i| serde_json::json!([i, if i == 33 { "NEEDLE" } else { "hay" }]))
        .collect();
    let table = serde_json::json!({"status": "ok", "data": {"application/vnd.livy.table.v1+json": {
        "headers": [{"name": "n", "type": "INT_TYPE"}, {"name": "s", "type": "STRING_TYPE"}], "data": rows}}});
    app.update(AppEvent::Statement(
        1,
        second,
        Box::new(StatementEvent::Finished(statement(1, "available", Some(table)))),
    ));

    app.update(key(KeyCode::Esc));
    app.notebook.focus = 0;
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "needle");
    assert_eq!(
        app.notebook.cells[1].code(),
        "%table t",
        "the query is not typed into a cell"
    );
    let effects = app.update(key(KeyCode::Enter));
    assert!(
        matches!(&effects[..], [Effect::Search { query, .. }] if query == "needle"),
        "the scan runs on a worker: {effects:?}"
    );
    assert!(app.notebook.search.as_ref().unwrap().searching);
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "needle");
    update_with_workers(&mut app, key(KeyCode::Enter));
    let search = app.notebook.search.clone().unwrap();
    assert_eq!(
        search.matches.len(),
        3,
        "code, output line, table cell: {:?}",
        search.matches
    );
    assert_eq!(app.notebook.focus, 0);
    app.update(key(KeyCode::Char('n')));
    assert_eq!(app.notebook.cells[0].view.scroll, 2, "scrolled to the output line");
    app.update(key(KeyCode::Char('n')));
    let cursor = match &app.notebook.cells[1].output.shown {
        Some(CellOutput::Table(t)) => t.cursor,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        (app.notebook.focus, app.notebook.cells[1].view.scroll, cursor),
        (1, 33, (33, 1)),
        "table row and column"
    );
    app.update(key(KeyCode::Char('N')));
    assert_eq!(app.notebook.focus, 0);
    app.update(key(KeyCode::Esc));
    assert_eq!(app.notebook.search, None);
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "nowhere");
    update_with_workers(&mut app, key(KeyCode::Enter));
    assert!(app.message.as_ref().unwrap().text.contains("not found"));
}

#[test]
fn copy_and_export_are_effects_not_io_in_update() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "%table t");
    let cell = submitted_cell(&app.update(ctrl('e')));
    let table = serde_json::json!({"status": "ok", "data": {"application/vnd.livy.table.v1+json": {
        "headers": [{"name": "a", "type": "INT_TYPE"}], "data": [[1], [null]]}}});
    app.update(AppEvent::Statement(
        1,
        cell,
        Box::new(StatementEvent::Finished(statement(0, "available", Some(table)))),
    ));
    app.update(key(KeyCode::Esc));
    assert_eq!(
        app.update(key(KeyCode::Char('y'))),
        vec![Effect::Clipboard("a\n1\n\n".into())]
    );
    match &app.update(key(KeyCode::Char('e')))[..] {
        [
            Effect::Export {
                table,
                format: livy_tui::app::ExportFormat::Csv,
                base,
            },
        ] => {
            assert_eq!(table.rows.len(), 2);
            assert_eq!(base, "livy-cell1-run0");
        }
        other => panic!("{other:?}"),
    }
    app.run_command(Command::InsertBelow);
    assert!(
        app.update(key(KeyCode::Char('y'))).is_empty(),
        "nothing to copy in an empty cell"
    );
}

#[test]
fn json_outputs_are_trees_that_fold_expand_and_show_raw() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "%json d");
    let cell = submitted_cell(&app.update(ctrl('e')));
    let json =
        serde_json::json!({"status": "ok", "data": {"application/json": {"a": 1, "b": [1, 2, {"c": null}], "s": "x"}}});
    app.update(AppEvent::Statement(
        1,
        cell,
        Box::new(StatementEvent::Finished(statement(0, "available", Some(json)))),
    ));
    let rows = |app: &App| match &app.notebook.cells[0].output.shown {
        Some(CellOutput::Json(j)) => j.state.visible_rows(&j.tree),
        other => panic!("{other:?}"),
    };
    let folded = rows(&app);
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('O')));
    assert!(rows(&app) > folded, "expand all shows more rows");
    app.update(key(KeyCode::Char('O')));
    assert!(rows(&app) < folded + 1, "and collapses again");
    app.update(key(KeyCode::Char(']')));
    app.update(key(KeyCode::Char('v')));
    match &app.notebook.cells[0].output.shown {
        Some(CellOutput::Json(j)) => assert_eq!(j.raw.as_ref().unwrap().first().map(String::as_str), Some("{")),
        other => panic!("{other:?}"),
    }
    app.update(key(KeyCode::Char('v')));
    assert!(matches!(&app.notebook.cells[0].output.shown, Some(CellOutput::Json(j)) if j.raw.is_none()));
    match &app.update(key(KeyCode::Char('y')))[..] {
        [Effect::Clipboard(text)] => assert!(text.contains("\"c\": null")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_output_prepared_by_the_worker_keeps_its_error_and_is_shared_not_copied() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "1/0");
    let cell = submitted_cell(&app.update(ctrl('e')));
    let raw: livy_tui::livy::StatementOutput = serde_json::from_value(serde_json::json!(
        {"status": "error", "ename": "ZeroDivisionError", "evalue": "division by zero", "traceback": []}))
    .unwrap();
    let raw = std::sync::Arc::new(raw);
    let mut prepared = livy_tui::app::PreparedOutput::prepare(&raw, None);
    prepared.raw = Some(raw.clone());
    // The worker moved the output out of the statement.
    let statement = statement(0, "available", None);
    app.update(AppEvent::Statement(
        1,
        cell,
        Box::new(StatementEvent::FinishedPrepared(statement, Box::new(prepared))),
    ));
    assert!(matches!(
        app.notebook.cells[0].run,
        RunState::Finished {
            outcome: Outcome::Error,
            ..
        }
    ));
    assert!(
        std::sync::Arc::ptr_eq(app.notebook.cells[0].output.raw.as_ref().unwrap(), &raw),
        "shared, not copied"
    );
}

#[test]
fn search_finds_json_nodes_and_reveals_them() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "%json d");
    let cell = submitted_cell(&app.update(ctrl('e')));
    let json = serde_json::json!({"status": "ok", "data": {"application/json": {"outer": {"inner": {"deep": "a needle here"}}, "other": 1}}});
    app.update(AppEvent::Statement(
        1,
        cell,
        Box::new(StatementEvent::Finished(statement(0, "available", Some(json)))),
    ));
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "NEEDLE");
    update_with_workers(&mut app, key(KeyCode::Enter));
    let search = app.notebook.search.clone().unwrap();
    assert_eq!(search.matches.len(), 1, "{:?}", search.matches);
    match &app.notebook.cells[0].output.shown {
        Some(CellOutput::Json(j)) => {
            let selected = j.state.selected();
            assert_eq!(j.tree.key(selected), Some("deep"), "the deep node is selected");
            assert!(
                j.state.is_expanded(&j.tree, j.tree.parent(selected).unwrap()),
                "its parents are opened"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// A finished `%table` statement with `rows` rows of (n, long text) on cell 0.
fn app_with_table(rows: usize) -> App {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "%table t");
    let cell = submitted_cell(&app.update(ctrl('e')));
    let data: Vec<serde_json::Value> = (0..rows)
        .map(|i| {
            serde_json::json!([
                i,
                format!("line one of {i}\nline two \u{1b}]52;c;aGk=\u{7} {}", "x".repeat(300))
            ])
        })
        .collect();
    let table = serde_json::json!({"status": "ok", "data": {"application/vnd.livy.table.v1+json": {
        "headers": [{"name": "n", "type": "INT_TYPE"}, {"name": "s", "type": "STRING_TYPE"}], "data": data}}});
    app.update(AppEvent::Statement(
        1,
        cell,
        Box::new(StatementEvent::Finished(statement(0, "available", Some(table)))),
    ));
    app.update(key(KeyCode::Esc));
    app
}

fn cursor(app: &App) -> (usize, usize) {
    match &app.notebook.cells[0].output.shown {
        Some(CellOutput::Table(t)) => t.cursor,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_table_cell_is_selected_inspected_copied_and_its_column_resized() {
    let mut app = app_with_table(40);
    assert_eq!(cursor(&app), (0, 0));
    app.update(key(KeyCode::Right));
    app.update(key(KeyCode::Right));
    assert_eq!(cursor(&app), (0, 1), "stops at the last column");
    for _ in 0..20 {
        app.update(key(KeyCode::Char(']')));
    }
    assert_eq!(cursor(&app), (20, 1));
    assert_eq!(app.notebook.cells[0].view.scroll, 6, "the view follows the cursor down");
    app.update(key(KeyCode::PageUp));
    assert_eq!(cursor(&app), (6, 1));
    assert_eq!(app.notebook.cells[0].view.scroll, 6);
    app.update(key(KeyCode::Char('[')));
    assert_eq!((cursor(&app), app.notebook.cells[0].view.scroll), ((5, 1), 5), "and up");

    // the inspector shows the whole value, made safe
    app.update(key(KeyCode::Char(' ')));
    match app.overlay() {
        Some(Overlay::Inspect { title, text, .. }) => {
            assert_eq!(title, "row 6 · s (STRING_TYPE)");
            assert!(text.starts_with("line one of 5\nline two "), "{text}");
            assert!(text.ends_with(&"x".repeat(300)), "not cut");
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "no escapes: {text:?}"
            );
        }
        other => panic!("expected the inspector: {other:?}"),
    }
    app.update(key(KeyCode::Down));
    assert!(matches!(app.overlay(), Some(Overlay::Inspect { scroll: 1, .. })));
    let effects = app.update(key(KeyCode::Char('y')));
    match &effects[..] {
        [Effect::Clipboard(text)] => assert!(text.starts_with("line one of 5\n"), "{text}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(app.overlay(), None, "copying closes it");
    app.update(key(KeyCode::Char(' ')));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.overlay(), None);

    // Y copies the selected cell without opening anything
    app.update(key(KeyCode::Left));
    match &app.update(key(KeyCode::Char('Y')))[..] {
        [Effect::Clipboard(text)] => assert_eq!(text, "5"),
        other => panic!("{other:?}"),
    }

    // widths: the selected column grows and shrinks within limits
    let width = |app: &App| match &app.notebook.cells[0].output.shown {
        Some(CellOutput::Table(t)) => t.layout.widths[0],
        _ => unreachable!(),
    };
    let before = width(&app);
    app.update(key(KeyCode::Char('}')));
    assert_eq!(width(&app), before + 4);
    for _ in 0..10 {
        app.update(key(KeyCode::Char('{')));
    }
    assert_eq!(width(&app), 3, "never narrower than 3");
}

#[test]
fn a_json_value_is_inspected_and_copied_by_its_path() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "%json d");
    let cell = submitted_cell(&app.update(ctrl('e')));
    let json = serde_json::json!({"status": "ok", "data": {"application/json": {"a/b": {"list": [1, {"k": "v"}]}}}});
    app.update(AppEvent::Statement(
        1,
        cell,
        Box::new(StatementEvent::Finished(statement(0, "available", Some(json)))),
    ));
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char(']'))); // "a/b"
    app.update(key(KeyCode::Char(']'))); // list
    match &app.update(key(KeyCode::Char('Y')))[..] {
        [Effect::Clipboard(text)] => assert_eq!(text, "[\n  1,\n  {\n    \"k\": \"v\"\n  }\n]"),
        other => panic!("{other:?}"),
    }
    app.update(key(KeyCode::Char(' ')));
    assert!(
        matches!(app.overlay(), Some(Overlay::Inspect { title, .. }) if title == ".\"a/b\".list"),
        "{:?}",
        app.overlay()
    );
}

#[test]
fn a_type_prepared_for_an_older_output_is_dropped() {
    let (mut app, _) = new_app();
    ready(&mut app, SessionState::Idle);
    type_text(&mut app, "%table t");
    let cell = submitted_cell(&app.update(ctrl('e')));
    let bundle = |n: i64| {
        serde_json::json!({"status": "ok", "data": {
            "application/vnd.livy.table.v1+json": {"headers": [{"name": "a", "type": "INT_TYPE"}], "data": [[n]]},
            "text/plain": format!("a = {n}")}})
    };
    app.update(AppEvent::Statement(
        1,
        cell,
        Box::new(StatementEvent::Finished(statement(0, "available", Some(bundle(1))))),
    ));
    app.update(key(KeyCode::Esc));
    let stale = app.update(key(KeyCode::Char('m')));
    // the cell is run again before the worker answers
    let cell = submitted_cell(&app.update(key(KeyCode::Char('r'))));
    app.update(AppEvent::Statement(
        1,
        cell,
        Box::new(StatementEvent::Finished(statement(1, "available", Some(bundle(2))))),
    ));
    let [Effect::Prepare { cell, raw, mime }] = &stale[..] else {
        panic!("{stale:?}")
    };
    let mut prepared = livy_tui::app::PreparedOutput::prepare(raw, Some(mime));
    prepared.raw = Some(raw.clone());
    app.update(AppEvent::Prepared {
        cell: *cell,
        prepared: Box::new(prepared),
    });
    assert!(
        matches!(&app.notebook.cells[0].output.shown, Some(CellOutput::Table(t)) if t.table.rows.get(0).and_then(|r| r.get(0)).is_some_and(|v| *v == 2)),
        "the new run's table stays: {:?}",
        app.notebook.cells[0].output.shown
    );
}

/// A retry is news of the moment: it shows, then goes by itself once the server answers
/// again (it used to stay until Ctrl+N).
#[test]
fn a_retry_notice_goes_by_itself() {
    let (mut app, _) = new_app();
    let t0 = app.now;
    app.update(AppEvent::Retrying(
        "GET /sessions/3: cannot connect; retrying in 2s".into(),
    ));
    assert!(
        app.session
            .trouble
            .as_ref()
            .is_some_and(|t| t.contains("cannot connect"))
    );
    assert!(app.needs_ticks(), "so that it can go");
    app.now = t0 + std::time::Duration::from_secs(30);
    app.update(AppEvent::Tick);
    assert_eq!(app.session.trouble, None);
}
