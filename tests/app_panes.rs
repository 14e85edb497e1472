//! The sessions (`S`) and batches (`B`) panes in the app: what they ask the runner for (a
//! listing or a log is watched only while shown), how reports change them, the questions
//! before attaching and killing, the forms, and the notebook following the session it is
//! attached to. Update logic only: effects are checked, not carried out.

mod app_keys;

use app_keys::{key, type_text};
use crossterm::event::KeyCode;
use livy_tui::app::panes::{Done, Pane, PaneKind, PaneMode, PaneReport, PaneRequest, PaneRow, Question, Seen};
use livy_tui::app::{
    App, AppEvent, Command, DeleteOnQuit, Effect, Keymap, Overlay, SessionEvent, SessionStart, SessionStartSpec,
    Settings,
};
use livy_tui::livy::{
    BatchId, CreateSession, LogDelta, LogSource, Resources, Session, SessionId, SessionKind, SessionState,
};
use std::time::Instant;

fn settings() -> Settings {
    Settings {
        server: "http://livy:8998".into(),
        default_kind: SessionKind::Spark,
        create: CreateSession {
            kind: Some(SessionKind::Spark),
            ..Default::default()
        },
        // the profile's defaults for a new session
        defaults: CreateSession {
            resources: Resources {
                driver_memory: Some("2g".into()),
                queue: Some("etl".into()),
                conf: [("spark.a".to_string(), "profile".to_string())].into(),
                ..Default::default()
            },
            ..Default::default()
        },
        delete_on_quit: DeleteOnQuit::Ask,
        keepalive: Default::default(),
    }
}

/// A notebook on session 3, which it created, in command mode.
fn app_on_session_3() -> App {
    let (mut app, _) = App::new(
        settings(),
        SessionStart::Create(Box::new(settings().create)),
        Keymap::default(),
        Instant::now(),
    );
    app.update(AppEvent::Session(
        1,
        SessionEvent::Ready {
            session: Box::new(Session {
                id: SessionId::from("3"),
                kind: SessionKind::Spark,
                state: SessionState::Idle,
                ..Default::default()
            }),
            created: true,
        },
    ));
    app.update(key(KeyCode::Esc));
    app
}

fn row(id: &str, state: SessionState) -> PaneRow {
    let session = Session {
        id: SessionId::from(id),
        name: Some(format!("job-{id}")),
        kind: SessionKind::PySpark,
        state,
        ..Default::default()
    };
    PaneRow::session(
        &session,
        Seen {
            since: Instant::now(),
            already_there: true,
        },
    )
}

fn pane(app: &App) -> &Pane {
    match app.overlay() {
        Some(Overlay::Pane(pane)) => pane,
        other => panic!("no pane on screen: {other:?}"),
    }
}

fn ids(app: &App) -> Vec<&str> {
    pane(app).rows.iter().map(|r| r.id.as_str()).collect()
}

fn selected(app: &App) -> &str {
    &pane(app).selected_row().expect("a selected row").id
}

/// The one listing watch in `effects`.
fn list_watch(effects: &[Effect], kind: PaneKind) -> u64 {
    match effects {
        [Effect::Pane(PaneRequest::List { watch, kind: k })] if *k == kind => *watch,
        other => panic!("expected one {kind:?} listing watch, got {other:?}"),
    }
}

fn listed(app: &mut App, watch: u64, rows: Vec<PaneRow>) -> Vec<Effect> {
    app.update(AppEvent::Pane(PaneReport::Listed {
        watch,
        rows,
        total: None,
    }))
}

/// Opens the sessions pane on sessions 3 (the notebook's) and 7 and selects 7.
fn pane_with_7(app: &mut App) -> u64 {
    let watch = list_watch(&app.update(key(KeyCode::Char('S'))), PaneKind::Sessions);
    let rows = vec![row("3", SessionState::Idle), row("7", SessionState::Idle)];
    listed(app, watch, rows);
    assert_eq!(selected(app), "7", "newest first");
    watch
}

#[test]
fn the_sessions_pane_is_listed_only_while_it_is_open() {
    let (mut app, _) = App::new(
        settings(),
        SessionStart::Create(Box::new(settings().create)),
        Keymap::default(),
        Instant::now(),
    );
    // While editing, S is a letter of the code.
    assert!(app.update(key(KeyCode::Char('S'))).is_empty());
    assert_eq!(app.notebook.cells[0].code(), "S");
    assert!(app.overlay().is_none());

    app.update(key(KeyCode::Esc));
    let watch = list_watch(&app.update(key(KeyCode::Char('S'))), PaneKind::Sessions);
    assert!(!pane(&app).listed);
    let mut dead = row("1", SessionState::Dead);
    dead.name = None;
    let rows = vec![dead, row("12", SessionState::Starting), row("7", SessionState::Busy)];
    assert!(listed(&mut app, watch, rows).is_empty());
    assert_eq!(ids(&app), ["12", "7", "1"], "newest first");

    // The selection stays on its row as the listing changes.
    app.update(key(KeyCode::Char('j')));
    assert_eq!(selected(&app), "7");
    let rows = vec![
        row("7", SessionState::Idle),
        row("12", SessionState::Idle),
        row("15", SessionState::Starting),
    ];
    listed(&mut app, watch, rows);
    assert_eq!((ids(&app), selected(&app)), (vec!["15", "12", "7"], "7"));

    // A report of another watch changes nothing; failing, it says why in one line.
    listed(&mut app, watch + 1000, Vec::new());
    assert_eq!(ids(&app).len(), 3);
    app.update(AppEvent::Pane(PaneReport::ListFailed {
        watch,
        message: "connection refused\u{1b}[2J".into(),
    }));
    assert_eq!(pane(&app).trouble.as_deref(), Some("connection refused"));

    // r lists again at once under a new watch; Esc closes and stops the watch.
    let again = list_watch(&app.update(key(KeyCode::Char('r'))), PaneKind::Sessions);
    assert_ne!(again, watch);
    assert_eq!(app.update(key(KeyCode::Esc)), [Effect::Pane(PaneRequest::Stop)]);
    assert!(app.overlay().is_none());
    // A watch that still reports while no pane is open is told to stop.
    assert_eq!(listed(&mut app, again, Vec::new()), [Effect::Pane(PaneRequest::Stop)]);
}

#[test]
fn server_text_in_a_row_is_made_safe() {
    let session = Session {
        id: SessionId::from("4"),
        name: Some("etl\u{1b}]0;pwned\u{7}\u{1b}[2J".into()),
        owner: Some("\u{1b}[31mann".into()),
        app_id: Some(String::new()),
        ..Default::default()
    };
    let row = PaneRow::session(
        &session,
        Seen {
            since: Instant::now(),
            already_there: false,
        },
    );
    assert_eq!(row.name.as_deref(), Some("etl"));
    assert_eq!(row.owner.as_deref(), Some("ann"));
    assert_eq!(row.app_id, None, "empty is unset");
}

#[test]
fn attaching_asks_first_then_the_notebook_and_its_binding_follow() {
    let mut app = app_on_session_3();
    pane_with_7(&mut app);
    assert!(!app.notebook.document.is_dirty());

    // Asked, and no is no.
    assert!(app.update(key(KeyCode::Char('a'))).is_empty());
    assert_eq!(pane(&app).mode, PaneMode::Ask(Question::Attach(SessionId::from("7"))));
    assert!(app.update(key(KeyCode::Char('n'))).is_empty());
    assert_eq!(pane(&app).mode, PaneMode::List);
    // A stray key leaves the question asked.
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Char('x')));
    assert!(matches!(pane(&app).mode, PaneMode::Ask(Question::Attach(_))));

    let effects = app.update(key(KeyCode::Char('y')));
    assert_eq!(
        effects,
        [
            Effect::StartSession {
                generation: 2,
                start: SessionStartSpec::Attach(SessionId::from("7")),
            },
            Effect::Pane(PaneRequest::Stop),
        ]
    );
    assert!(app.overlay().is_none(), "attaching closes the pane");
    let said = &app.message.as_ref().unwrap().text;
    assert!(said.contains("session 3, started here, keeps running"), "{said}");
    assert!(app.notebook.document.is_dirty(), "the file has a new binding to save");

    // The old session's reports are ignored; the new one's bind the notebook.
    app.update(AppEvent::Session(1, SessionEvent::Gone));
    assert!(!app.session.is_over());
    app.update(AppEvent::Session(
        2,
        SessionEvent::Ready {
            session: Box::new(Session {
                id: SessionId::from("7"),
                name: Some("job-7".into()),
                kind: SessionKind::PySpark,
                state: SessionState::Idle,
                ..Default::default()
            }),
            created: false,
        },
    ));
    assert_eq!(app.session.id, Some(SessionId::from("7")));
    assert!(!app.session.created_here, "attached: never deleted unasked");
    let binding = app.snapshot().into_notebook().binding.expect("a binding");
    assert_eq!(
        (binding.session_id.as_str(), binding.server.as_str()),
        ("7", "http://livy:8998")
    );
}

#[test]
fn attaching_is_refused_to_the_same_session_a_finished_one_or_while_cells_run() {
    let mut app = app_on_session_3();
    let watch = pane_with_7(&mut app);
    app.update(key(KeyCode::Char('j')));
    assert_eq!(selected(&app), "3");
    assert!(app.update(key(KeyCode::Char('a'))).is_empty());
    assert_eq!(pane(&app).mode, PaneMode::List);
    assert!(app.message.as_ref().unwrap().text.contains("on session 3 already"));

    listed(
        &mut app,
        watch,
        vec![row("3", SessionState::Idle), row("7", SessionState::Dead)],
    );
    app.update(key(KeyCode::Char('k')));
    app.update(key(KeyCode::Char('a')));
    assert!(app.message.as_ref().unwrap().text.contains("session 7 is dead"));

    // A cell queued on the notebook's session keeps it there.
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "1 + 1");
    app.update(key(KeyCode::Esc));
    app.run_command(Command::RunCell);
    let watch = pane_with_7(&mut app);
    assert!(watch > 0);
    app.update(key(KeyCode::Char('a')));
    assert_eq!(pane(&app).mode, PaneMode::List);
    let said = &app.message.as_ref().unwrap().text;
    assert!(said.contains("cancel them first (I)"), "{said}");
}

#[test]
fn killing_asks_then_deletes_and_the_listing_follows_at_once() {
    let mut app = app_on_session_3();
    pane_with_7(&mut app);
    assert!(app.update(key(KeyCode::Char('x'))).is_empty());
    assert_eq!(pane(&app).mode, PaneMode::Ask(Question::Kill("7".into())));
    assert!(app.update(key(KeyCode::Esc)).is_empty(), "Esc is no");
    // l shows the session's log instead of the listing; Esc lists again.
    let effects = app.update(key(KeyCode::Char('l')));
    assert!(
        matches!(&effects[..], [Effect::Pane(PaneRequest::FollowLog { source: LogSource::Session(id), .. })] if id.as_str() == "7"),
        "{effects:?}"
    );
    let watch = list_watch(&app.update(key(KeyCode::Esc)), PaneKind::Sessions);
    app.update(key(KeyCode::Char('x')));
    assert_eq!(
        app.update(key(KeyCode::Char('y'))),
        [Effect::Pane(PaneRequest::Kill {
            kind: PaneKind::Sessions,
            id: "7".into()
        })]
    );
    assert_eq!(app.message.as_ref().unwrap().text, "killing session 7 …");

    let done = |result| {
        AppEvent::Pane(PaneReport::Done {
            kind: PaneKind::Sessions,
            result,
        })
    };
    let again = list_watch(
        &app.update(done(Ok(Done {
            text: "session 7 killed".into(),
            id: None,
        }))),
        PaneKind::Sessions,
    );
    assert_ne!(again, watch);
    assert_eq!(app.message.as_ref().unwrap().text, "session 7 killed");
    listed(&mut app, again, vec![row("3", SessionState::Idle)]);
    assert_eq!((ids(&app), selected(&app)), (vec!["3"], "3"));

    // A failure is said in one line, as an error; the pane lists again all the same.
    app.update(done(Err("could not kill session 3: the server said 500".into())));
    let message = app.message.as_ref().unwrap();
    assert!(message.is_error && !message.text.contains('\n'));
    // Done with the pane closed: only the message.
    app.update(key(KeyCode::Esc));
    assert!(
        app.update(done(Ok(Done {
            text: "x".into(),
            id: None
        })))
        .is_empty()
    );
}

#[test]
fn a_new_session_from_the_form_has_the_profile_defaults_under_it() {
    let mut app = app_on_session_3();
    let watch = pane_with_7(&mut app);
    app.update(key(KeyCode::Char('n')));
    let PaneMode::Form(form) = &pane(&app).mode else {
        panic!("a form")
    };
    assert_eq!(form.fields[0].1, "spark", "the notebook's kind to start with");

    // kind, name, proxy user, driver memory, driver cores, executor memory, executor
    // cores, executors, queue, conf
    app.update(key(KeyCode::Tab));
    type_text(&mut app, "etl");
    for _ in 0..4 {
        app.update(key(KeyCode::Tab));
    }
    type_text(&mut app, "8g");
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    type_text(&mut app, "x");
    assert!(app.update(key(KeyCode::Enter)).is_empty(), "not a number: nothing sent");
    let PaneMode::Form(form) = &pane(&app).mode else {
        panic!("still the form")
    };
    assert_eq!(form.error.as_deref(), Some(r#"executors: "x" is not a whole number"#));
    app.update(key(KeyCode::Backspace));
    type_text(&mut app, "4");
    app.update(key(KeyCode::BackTab));
    app.update(key(KeyCode::Up));
    for _ in 0..4 {
        app.update(key(KeyCode::Down));
    }
    type_text(&mut app, r#"spark.b=2 "spark.c=a b""#);

    let effects = app.update(key(KeyCode::Enter));
    let [Effect::Pane(PaneRequest::CreateSession(body))] = &effects[..] else {
        panic!("one create, got {effects:?}")
    };
    assert_eq!(
        serde_json::to_value(body).unwrap(),
        serde_json::json!({
            "kind": "spark", "name": "etl", "driverMemory": "2g", "executorMemory": "8g",
            "numExecutors": 4, "queue": "etl",
            "conf": {"spark.a": "profile", "spark.b": "2", "spark.c": "a b"}
        })
    );
    assert_eq!(pane(&app).mode, PaneMode::List);

    // It is listed and selected as soon as the server has it; the notebook stays put.
    let again = list_watch(
        &app.update(AppEvent::Pane(PaneReport::Done {
            kind: PaneKind::Sessions,
            result: Ok(Done {
                text: "session 9 created (starting)".into(),
                id: Some("9".into()),
            }),
        })),
        PaneKind::Sessions,
    );
    assert!(again > watch);
    listed(
        &mut app,
        again,
        vec![row("3", SessionState::Idle), row("7", SessionState::Idle)],
    );
    assert_eq!(selected(&app), "7", "not listed yet");
    let rows = vec![
        row("3", SessionState::Idle),
        row("7", SessionState::Idle),
        row("9", SessionState::Starting),
    ];
    listed(&mut app, again, rows);
    assert_eq!(selected(&app), "9");
    assert_eq!(app.session.id, Some(SessionId::from("3")));

    // Esc leaves a form without sending anything.
    app.update(key(KeyCode::Char('n')));
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert_eq!(pane(&app).mode, PaneMode::List);
}

#[test]
fn the_batches_pane_follows_a_log_instead_of_the_listing_and_submits_a_batch() {
    let mut app = app_on_session_3();
    let watch = list_watch(&app.update(key(KeyCode::Char('B'))), PaneKind::Batches);
    let batch = |id: &str, state: &str| {
        let batch: livy_tui::livy::Batch =
            serde_json::from_value(serde_json::json!({"id": id.parse::<u64>().unwrap(), "state": state})).unwrap();
        PaneRow::batch(
            &batch,
            Seen {
                since: Instant::now(),
                already_there: false,
            },
        )
    };
    listed(&mut app, watch, vec![batch("0", "success"), batch("1", "running")]);
    assert_eq!(selected(&app), "1");

    // Enter follows the selected batch's log; the listing is no longer watched.
    let effects = app.update(key(KeyCode::Enter));
    let [
        Effect::Pane(PaneRequest::FollowLog {
            watch: log_watch,
            source,
        }),
    ] = &effects[..]
    else {
        panic!("one log watch, got {effects:?}")
    };
    assert_eq!(source, &LogSource::Batch(BatchId::from("1")));
    let log_watch = *log_watch;
    listed(&mut app, watch, Vec::new());
    assert_eq!(ids(&app), ["1", "0"], "the old listing watch is ignored");
    app.update(AppEvent::Pane(PaneReport::Log {
        watch: log_watch,
        delta: LogDelta {
            lines: vec![
                "stdout: ".into(),
                "\u{1b}[31mrows written: 10\u{1b}[0m".into(),
                "\nstderr: ".into(),
            ],
            gap: false,
        },
    }));
    let PaneMode::Log(log) = &pane(&app).mode else {
        panic!("the log")
    };
    assert_eq!(log.view.lines, ["stdout: ", "rows written: 10", "stderr: "]);
    app.update(AppEvent::Pane(PaneReport::LogFailed {
        watch: log_watch,
        message: "batch 1 is gone from the server".into(),
    }));
    let PaneMode::Log(log) = &pane(&app).mode else {
        panic!("the log")
    };
    assert_eq!(log.trouble.as_deref(), Some("batch 1 is gone from the server"));
    // Esc goes back to the listing, watched again.
    let back = list_watch(&app.update(key(KeyCode::Esc)), PaneKind::Batches);
    assert!(back > log_watch);
    assert_eq!(pane(&app).mode, PaneMode::List);

    // Submit: the file is needed; args and conf split at spaces, quotes keep them.
    app.update(key(KeyCode::Char('n')));
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    let PaneMode::Form(form) = &pane(&app).mode else {
        panic!("the form")
    };
    assert!(form.error.as_deref().unwrap().starts_with("file: "));
    // file, class, args, name, conf
    type_text(&mut app, "hdfs:///jobs/etl.py");
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    type_text(&mut app, r#"--day 2024-01-01 "two words""#);
    app.update(key(KeyCode::Tab));
    type_text(&mut app, "nightly");
    app.update(key(KeyCode::Tab));
    type_text(&mut app, "spark.x=1");
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::Pane(PaneRequest::SubmitBatch(body))] = &effects[..] else {
        panic!("one submit, got {effects:?}")
    };
    assert_eq!(
        serde_json::to_value(body).unwrap(),
        serde_json::json!({
            "file": "hdfs:///jobs/etl.py", "args": ["--day", "2024-01-01", "two words"],
            "name": "nightly", "conf": {"spark.x": "1"}
        }),
        "the form alone: the runner puts it over the profile's batch defaults"
    );

    // A batch the server refuses (here local mode's answer to a missing file) says so in
    // one line.
    app.update(AppEvent::Pane(PaneReport::Done {
        kind: PaneKind::Batches,
        result: Err("etl.py does not exist: local batches run a .py or .jar file on this machine".into()),
    }));
    let message = app.message.as_ref().unwrap();
    assert!(message.is_error && message.text.starts_with("etl.py does not exist"));
}

#[test]
fn the_panes_keys_come_from_the_command_table() {
    assert_eq!(Command::from_name("sessions-pane"), Some(Command::SessionsPane));
    assert_eq!(Command::from_name("batches-pane"), Some(Command::BatchesPane));
    let rows = Keymap::default().help_rows();
    for (keys, does) in [("S", "the server's sessions"), ("B", "the server's batches")] {
        assert!(
            rows.iter().any(|r| r.keys == keys && r.does.starts_with(does)),
            "{keys} in the help"
        );
    }
}

#[test]
fn the_quit_key_works_in_a_pane_and_stops_its_watch() {
    let mut app = app_on_session_3();
    pane_with_7(&mut app);
    app.update(key(KeyCode::Char('n')));
    let effects = app.update(AppEvent::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char('q'),
        crossterm::event::KeyModifiers::CONTROL,
    )));
    assert_eq!(effects, [Effect::Pane(PaneRequest::Stop)]);
    // the notebook created its session: quitting asks whether to delete it
    assert_eq!(
        app.overlay(),
        Some(&Overlay::ConfirmQuit {
            delete_by_default: true
        })
    );
}
