//! The notebook's file handling in the app: dirty tracking, save and save as, quitting with
//! unsaved changes, recovery copies, sparkmagic cells, and the session the file was bound to.
//! Update logic only: effects are checked, not carried out.

mod app_keys;

use app_keys::{ctrl, key, type_text};
use crossterm::event::KeyCode;
use livy_tui::app::{
    App, AppEvent, CellOutput, DeleteOnQuit, Effect, Keymap, Overlay, SessionEvent, SessionStart, SessionStartSpec,
    Settings, StatementEvent,
};
use livy_tui::livy::{CreateSession, Session, SessionId, SessionKind, SessionState, Statement};
use livy_tui::notebook::{Notebook, NotebookCell, NotebookError};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn settings() -> Settings {
    Settings {
        server: "http://livy:8998".into(),
        default_kind: SessionKind::PySpark,
        create: CreateSession {
            kind: Some(SessionKind::PySpark),
            ..Default::default()
        },
        defaults: Default::default(),
        delete_on_quit: DeleteOnQuit::Never,
        keepalive: Default::default(),
    }
}

fn new_app() -> App {
    App::new(
        settings(),
        SessionStart::Create(Box::new(settings().create)),
        Keymap::default(),
        Instant::now(),
    )
    .0
}

fn ready(app: &mut App) -> Vec<Effect> {
    app.update(AppEvent::Session(
        1,
        SessionEvent::Ready {
            session: Box::new(Session {
                id: SessionId::from("7"),
                name: Some("etl".into()),
                kind: SessionKind::PySpark,
                state: SessionState::Idle,
                ..Default::default()
            }),
            created: true,
        },
    ))
}

fn save_effect(effects: &[Effect]) -> (PathBuf, Notebook, u64) {
    match effects {
        [
            Effect::Save {
                path,
                snapshot,
                version,
                ..
            },
        ] => (path.clone(), (**snapshot).clone().into_notebook(), *version),
        other => panic!("expected one save, got {other:?}"),
    }
}

/// Reports the cell's statement finished; returns what the app does next.
fn finished(app: &mut App, cell: livy_tui::app::CellId, output: serde_json::Value) -> Vec<Effect> {
    let statement: Statement = serde_json::from_value(serde_json::json!({
        "id": 0, "code": "x", "state": "available", "output": output, "progress": 1.0,
        "started": 1_763_700_000_000u64, "completed": 1_763_700_001_500u64
    }))
    .unwrap();
    app.update(AppEvent::Statement(
        1,
        cell,
        Box::new(StatementEvent::Finished(statement)),
    ))
}

#[test]
fn edits_make_the_notebook_dirty_and_a_save_makes_it_clean() {
    let mut app = new_app();
    app.open(
        Notebook::new(Some(SessionKind::PySpark)),
        Vec::new(),
        Some("nb.ipynb".into()),
    );
    assert!(!app.notebook.document.is_dirty(), "a freshly opened notebook is clean");
    type_text(&mut app, "x = 1");
    assert!(app.notebook.document.is_dirty());
    let (path, notebook, version) = save_effect(&app.update(ctrl('s')));
    assert_eq!(path, PathBuf::from("nb.ipynb"));
    assert_eq!(notebook.cells[0].source, "x = 1");
    assert_eq!(app.notebook.document.saving, Some(version));
    // typing on while the save is written: still dirty afterwards
    type_text(&mut app, "2");
    app.update(AppEvent::Saved {
        path: path.clone(),
        version,
        result: Ok(()),
    });
    assert!(app.notebook.document.is_dirty(), "the later edit is not saved yet");
    let (_, _, version) = save_effect(&app.update(ctrl('s')));
    app.update(AppEvent::Saved {
        path,
        version,
        result: Ok(()),
    });
    assert!(!app.notebook.document.is_dirty());
    assert!(app.message.as_ref().unwrap().text.contains("saved nb.ipynb"));

    // a failed save says why and stays dirty
    type_text(&mut app, "3");
    let (path, _, version) = save_effect(&app.update(ctrl('s')));
    let error = NotebookError::PermissionDenied {
        path: path.clone(),
        action: "write",
    };
    app.update(AppEvent::Saved {
        path,
        version,
        result: Err(error),
    });
    assert!(app.notebook.document.is_dirty());
    let message = app.message.as_ref().unwrap();
    assert!(
        message.is_error && message.text.contains("permission denied"),
        "{}",
        message.text
    );
}

#[test]
fn an_untitled_notebook_asks_for_a_name_and_checks_its_extension() {
    let mut app = new_app();
    type_text(&mut app, "1 + 1");
    assert!(app.update(ctrl('s')).is_empty());
    assert!(matches!(app.overlay(), Some(Overlay::SaveAs { .. })));
    type_text(&mut app, "report.txt");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(
        app.message.as_ref().unwrap().is_error,
        "an unknown extension is refused"
    );
    assert!(
        matches!(app.overlay(), Some(Overlay::SaveAs { input }) if input == "report.txt"),
        "kept to fix"
    );
    for _ in 0..3 {
        app.update(key(KeyCode::Backspace));
    }
    type_text(&mut app, "py");
    let (path, notebook, _) = save_effect(&app.update(key(KeyCode::Enter)));
    assert_eq!(path, PathBuf::from("report.py"));
    assert_eq!(notebook.cells[0].source, "1 + 1");
    assert_eq!(app.overlay(), None);
}

#[test]
fn quitting_with_unsaved_changes_offers_save_or_discard() {
    let mut app = new_app();
    app.open(
        Notebook::new(Some(SessionKind::PySpark)),
        Vec::new(),
        Some("nb.ipynb".into()),
    );
    type_text(&mut app, "x");
    app.update(key(KeyCode::Esc));
    app.update(ctrl('q'));
    assert_eq!(app.overlay(), Some(&Overlay::ConfirmUnsaved));
    app.update(key(KeyCode::Esc));
    assert_eq!((app.overlay().cloned(), app.quit.clone()), (None, None), "Esc stays");

    // save and quit: quits only once the save succeeded
    app.update(ctrl('q'));
    let (path, _, version) = save_effect(&app.update(key(KeyCode::Char('s'))));
    assert_eq!(app.quit, None);
    app.update(AppEvent::Saved {
        path,
        version,
        result: Ok(()),
    });
    assert!(app.quit.is_some(), "saved, then quit");

    // discard: quits at once and drops the recovery copy
    let mut app = new_app();
    app.open(
        Notebook::new(Some(SessionKind::PySpark)),
        Vec::new(),
        Some("nb.ipynb".into()),
    );
    type_text(&mut app, "x");
    app.update(ctrl('q'));
    let effects = app.update(key(KeyCode::Char('d')));
    assert_eq!(
        effects,
        vec![Effect::DiscardRecovery {
            key: PathBuf::from("nb.ipynb")
        }]
    );
    assert!(app.quit.is_some());
}

#[test]
fn unsaved_edits_are_copied_for_recovery_after_a_pause_or_every_few_seconds() {
    let mut app = new_app();
    app.open(
        Notebook::new(Some(SessionKind::PySpark)),
        Vec::new(),
        Some("nb.ipynb".into()),
    );
    let t0 = app.now;
    type_text(&mut app, "a");
    assert!(app.needs_ticks(), "ticks run while a recovery copy is due");
    app.now = t0 + Duration::from_millis(500);
    // a tick sets `now` itself; drive the due check through the document directly
    assert!(!app.notebook.document.recovery_due(app.now), "still typing");
    assert!(
        app.notebook.document.recovery_due(t0 + Duration::from_secs(3)),
        "a pause"
    );
    // typing on without a pause: a copy after at most five seconds
    for i in 1..=6u64 {
        app.now = t0 + Duration::from_secs(i);
        type_text(&mut app, "b");
    }
    assert!(
        app.notebook.document.recovery_due(app.now),
        "five seconds of unsaved typing"
    );
    let effects = app.update(AppEvent::Tick);
    match &effects[..] {
        [Effect::WriteRecovery { key, snapshot }] => {
            assert_eq!(key, &PathBuf::from("nb.ipynb"));
            assert_eq!((**snapshot).clone().into_notebook().cells[0].source, "abbbbbb");
        }
        other => panic!("expected a recovery copy: {other:?}"),
    }
    assert!(app.update(AppEvent::Tick).is_empty(), "not again without a change");
    assert!(!app.needs_ticks() || app.message.is_some() || app.session.is_starting());
    assert_eq!(
        app.notebook.document.recovered_version, app.notebook.document.version,
        "the copy covers every change, so no more recovery ticks are needed"
    );
}

#[test]
fn a_recovery_copy_is_offered_and_taken_back() {
    let mut app = new_app();
    let mut on_disk = Notebook::new(Some(SessionKind::PySpark));
    on_disk.cells.push(NotebookCell::code("old"));
    app.open(on_disk, Vec::new(), Some("nb.ipynb".into()));
    let mut copy = Notebook::new(Some(SessionKind::PySpark));
    copy.cells.push(NotebookCell::code("old"));
    copy.cells.push(NotebookCell::code("typed before the crash"));
    app.offer_recovery(std::time::SystemTime::now(), copy.clone());
    // its outputs are prepared on a worker, not on the UI loop; meanwhile nothing is typed
    // into cells about to be replaced
    let effects = app.update(key(KeyCode::Char('r')));
    let notebook = match &effects[..] {
        [Effect::PrepareNotebook(notebook)] => notebook.clone(),
        other => panic!("expected the notebook to be prepared on a worker: {other:?}"),
    };
    assert_eq!(app.notebook.cells.len(), 1, "not replaced before its outputs are ready");
    app.update(key(KeyCode::Char('i')));
    app.update(key(KeyCode::Char('x')));
    assert_eq!(app.notebook.cells[0].code(), "old", "keys wait for the recovery");
    let prepared = livy_tui::app::cell::prepare_saved_outputs(&notebook);
    app.update(AppEvent::NotebookPrepared { notebook, prepared });
    assert_eq!(app.notebook.cells.len(), 2);
    assert_eq!(app.notebook.cells[1].code(), "typed before the crash");
    assert!(app.notebook.document.is_dirty(), "recovered changes still need saving");
    assert_eq!(app.notebook.document.path, Some(PathBuf::from("nb.ipynb")));

    // dropping it deletes the copy
    app.offer_recovery(std::time::SystemTime::now(), copy);
    assert_eq!(
        app.update(key(KeyCode::Char('d'))),
        vec![Effect::DiscardRecovery {
            key: PathBuf::from("nb.ipynb")
        }]
    );
}

#[test]
fn sparkmagic_cells_run_as_sql_and_jupyter_only_magics_and_markdown_are_not_sent() {
    let mut app = new_app();
    ready(&mut app);
    let mut nb = Notebook::new(Some(SessionKind::PySpark));
    nb.cells.push(NotebookCell::markdown("# Title"));
    let mut sql = NotebookCell::code("SELECT 1");
    sql.magic = Some("%%sql -o df -q".into());
    nb.cells.push(sql);
    let mut info = NotebookCell::code("");
    info.magic = Some("%%info".into());
    nb.cells.push(info);
    let mut tagged = NotebookCell::code("spark.range(3).count()");
    tagged.tags = vec!["parameters".into()];
    tagged.metadata.insert("collapsed".into(), serde_json::json!(false));
    nb.cells.push(tagged);
    app.open(nb, Vec::new(), Some("spark.ipynb".into()));
    assert_eq!(
        app.notebook.cells[1].code(),
        "%%sql -o df -q\nSELECT 1",
        "the editor shows what Jupyter shows"
    );
    assert_eq!(app.notebook.cells[1].kind, SessionKind::Sql);

    app.notebook.focus = 0;
    assert!(app.update(key(KeyCode::Char('r'))).is_empty());
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .contains("markdown cells are not run")
    );
    app.notebook.focus = 2;
    assert!(app.update(key(KeyCode::Char('r'))).is_empty());
    assert!(app.message.as_ref().unwrap().text.contains("%%info"));

    // run all: markdown and %%info are skipped, %%sql is sent as SQL without its magic line
    let effects = app.update(key(KeyCode::Char('R')));
    match &effects[..] {
        [Effect::Submit { code, kind, cell, .. }] => {
            assert_eq!(code, "SELECT 1");
            assert_eq!(kind, &Some(SessionKind::Sql));
            finished(
                &mut app,
                *cell,
                serde_json::json!({"status": "ok", "execution_count": 0, "data": {"application/json": {
                    "schema": {"type": "struct", "fields": [{"name": "1", "type": "integer", "nullable": false, "metadata": {}}]},
                    "data": [[1]]}}}),
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(app.notebook.cells[1].output.shown, Some(CellOutput::Table(_))));

    // saved back: the magic line, tags and metadata as they were; the output as Jupyter's
    let notebook = app.snapshot().into_notebook();
    assert_eq!(notebook.cells[1].magic.as_deref(), Some("%%sql -o df -q"));
    assert_eq!(notebook.cells[1].source, "SELECT 1");
    assert_eq!(notebook.cells[1].outputs.len(), 1);
    assert_eq!(notebook.cells[1].execution_count, Some(0));
    assert_eq!(notebook.cells[1].timing.duration(), Some(Duration::from_millis(1500)));
    assert_eq!(notebook.cells[2].magic.as_deref(), Some("%%info"));
    assert_eq!(notebook.cells[3].tags, ["parameters"]);
    assert_eq!(notebook.cells[3].metadata["collapsed"], false);
    assert_eq!(notebook.cells[0].source, "# Title");
    let binding = notebook.binding.expect("the session is recorded");
    assert_eq!(
        (binding.server.as_str(), binding.session_id.as_str()),
        ("http://livy:8998", "7")
    );
}

#[test]
fn a_live_session_from_the_file_is_offered_and_a_gone_one_offers_a_rerun() {
    let mut app = new_app();
    app.ask_reattach(SessionId::from("12"), "idle".into());
    assert_eq!(
        app.update(key(KeyCode::Char('a'))),
        vec![Effect::StartSession {
            generation: 1,
            start: SessionStartSpec::Attach(SessionId::from("12"))
        }]
    );
    let mut app = new_app();
    app.ask_reattach(SessionId::from("12"), "idle".into());
    assert!(matches!(
        &app.update(key(KeyCode::Char('n')))[..],
        [Effect::StartSession {
            start: SessionStartSpec::Create(_),
            ..
        }]
    ));

    // gone: the cells that had run can be queued again
    let mut app = new_app();
    let mut nb = Notebook::new(Some(SessionKind::PySpark));
    let mut ran = NotebookCell::code("df = load()");
    ran.execution_count = Some(3);
    nb.cells.push(ran);
    nb.cells.push(NotebookCell::code("never ran"));
    app.open(nb, Vec::new(), Some("nb.ipynb".into()));
    app.offer_rerun("12".into());
    assert!(matches!(app.overlay(), Some(Overlay::Rerun { cells, .. }) if cells.len() == 1));
    // only its answers close the offer: a stray key (a habit, a mistyped letter) keeps it
    for stray in [KeyCode::Char('x'), KeyCode::Down, KeyCode::Char('j'), KeyCode::Tab] {
        assert!(app.update(key(stray)).is_empty());
        assert!(
            matches!(app.overlay(), Some(Overlay::Rerun { .. })),
            "{stray:?} keeps the offer"
        );
    }
    app.update(key(KeyCode::Char('r')));
    assert_eq!(app.queued(), 1, "queued until the new session is ready");
    let effects = ready(&mut app);
    assert!(
        matches!(&effects[..], [Effect::Submit { code, .. }, Effect::WakeAt(_)] if code == "df = load()"),
        "{effects:?}"
    );
}

#[test]
fn questions_wait_their_turn() {
    let mut app = new_app();
    app.ask_reattach(SessionId::from("12"), "idle".into());
    app.offer_recovery(std::time::SystemTime::now(), Notebook::new(None));
    assert!(matches!(app.overlay(), Some(Overlay::Reattach { .. })));
    app.update(key(KeyCode::Char('a')));
    assert!(
        matches!(app.overlay(), Some(Overlay::Recover { .. })),
        "the recovery question comes next, not lost"
    );
}

/// Every `.ipynb` under tests/fixtures/notebooks.
fn fixture_notebooks() -> Vec<PathBuf> {
    fn walk(dir: &std::path::Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "ipynb") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notebooks"),
        &mut found,
    );
    found.sort();
    found
}

#[test]
fn the_notebook_and_run_send_the_same_statements_for_every_fixture_cell() {
    use livy_tui::notebook::CellAction;
    let notebooks = fixture_notebooks();
    assert!(notebooks.len() >= 5, "{notebooks:?}");
    // The session `ready` reports speaks PySpark; a statement names its kind only when it
    // differs, in `run` as in the notebook.
    let session_kind = SessionKind::PySpark;
    for path in notebooks {
        let nb = livy_tui::notebook::load(&path).unwrap();
        let by_run: Vec<Option<(String, Option<SessionKind>)>> = (0..nb.cells.len())
            .map(|i| match nb.cell_action(i) {
                Some(CellAction::Run { kind, code }) => Some((code.to_string(), kind.filter(|k| *k != session_kind))),
                _ => None,
            })
            .collect();

        let mut app = new_app();
        app.open(nb.clone(), Vec::new(), Some(path.clone()));
        ready(&mut app);
        let mut by_notebook = vec![None; nb.cells.len()];
        let mut effects = app.run_command(livy_tui::app::Command::RunAll);
        // Run all sends one cell at a time, the next when the last has finished.
        while let [Effect::Submit { cell, code, kind, .. }] = &effects[..] {
            let cell = *cell;
            by_notebook[app.notebook.index_of(cell).unwrap()] = Some((code.clone(), kind.clone()));
            effects = finished(
                &mut app,
                cell,
                serde_json::json!({"status": "ok", "data": {"text/plain": ""}}),
            );
        }
        for (i, (run, notebook)) in by_run.iter().zip(&by_notebook).enumerate() {
            assert_eq!(run, notebook, "{} cell {i}", path.display());
        }
        assert!(by_run.iter().any(Option::is_some), "{}: something runs", path.display());
    }
}

#[test]
fn a_new_session_takes_the_configure_cells_as_they_are_now() {
    let mut app = new_app();
    let mut nb = Notebook::new(Some(SessionKind::PySpark));
    let mut configure = NotebookCell::code(r#"{"driverMemory": "2g", "name": "etl"}"#);
    configure.magic = Some("%%configure -f".into());
    nb.cells.push(configure);
    nb.cells.push(NotebookCell::code("x = 1"));
    app.open(nb, Vec::new(), Some("nb.ipynb".into()));
    ready(&mut app);
    let dead = Session {
        id: SessionId::from("7"),
        kind: SessionKind::PySpark,
        state: SessionState::Dead,
        ..Default::default()
    };
    app.update(AppEvent::Session(1, SessionEvent::Updated(Box::new(dead))));

    // edited since the file was opened: the new settings apply
    app.notebook.cells[0].editor = tui_textarea::TextArea::from(["%%configure -f", r#"{"driverMemory": "4g"}"#]);
    match &app.update(ctrl('n'))[..] {
        [
            Effect::StartSession {
                start: SessionStartSpec::Create(c),
                ..
            },
        ] => {
            assert_eq!(c.resources.driver_memory.as_deref(), Some("4g"));
            assert_eq!(c.kind, Some(SessionKind::PySpark), "the command line's kind stays");
        }
        other => panic!("{other:?}"),
    }

    // a cell that cannot be read stops the new session with a one-line reason
    app.update(AppEvent::Session(2, SessionEvent::Failed("no".into())));
    app.notebook.cells[0].editor = tui_textarea::TextArea::from(["%%configure -f", "{oops"]);
    assert!(app.update(ctrl('n')).is_empty());
    let text = &app.message.as_ref().unwrap().text;
    assert!(
        text.starts_with("cell 1: the %%configure cell is not valid JSON"),
        "{text}"
    );
    assert!(!text.contains('\n'), "{text}");
}

/// The statement a saved cell records as running (`metadata.livy_tui.running`), if any.
fn running_mark(cell: &NotebookCell) -> Option<serde_json::Value> {
    cell.metadata.get("livy_tui")?.get("running").cloned()
}

fn statement_report(id: u64, state: &str) -> Box<StatementEvent> {
    let statement: Statement =
        serde_json::from_value(serde_json::json!({"id": id, "code": "x", "state": state, "progress": 0.5})).unwrap();
    Box::new(StatementEvent::Submitted(statement))
}

#[test]
fn a_running_statement_is_recorded_at_once_and_forgotten_when_it_ends() {
    let mut app = new_app();
    ready(&mut app);
    let mut nb = Notebook::new(Some(SessionKind::PySpark));
    nb.cells.push(NotebookCell::code("spark.range(10).count()"));
    app.open(nb, Vec::new(), Some("nb.ipynb".into()));
    // nothing running: a save writes no mark
    let (_, saved, _) = save_effect(&app.update(ctrl('s')));
    assert!(
        !saved.cells[0].metadata.contains_key("livy_tui"),
        "{:?}",
        saved.cells[0].metadata
    );

    let cell = match &app.update(key(KeyCode::Char('r')))[..] {
        [Effect::Submit { cell, .. }] => *cell,
        other => panic!("expected a submit, got {other:?}"),
    };
    // the server took it: a recovery copy records it now, not after the typing pause
    let effects = app.update(AppEvent::Statement(1, cell, statement_report(3, "running")));
    let copy = match &effects[..] {
        [Effect::WriteRecovery { key, snapshot }] => {
            assert_eq!(key, &PathBuf::from("nb.ipynb"));
            (**snapshot).clone().into_notebook()
        }
        other => panic!("expected a recovery copy at once, got {other:?}"),
    };
    assert_eq!(
        running_mark(&copy.cells[0]),
        Some(serde_json::json!({"session": "7", "statement": "3"}))
    );
    // a save while it runs records it too
    app.notebook.document.saving = None;
    let (_, saved, _) = save_effect(&app.update(ctrl('s')));
    assert_eq!(running_mark(&saved.cells[0]).unwrap()["statement"], "3");

    finished(
        &mut app,
        cell,
        serde_json::json!({"status": "ok", "data": {"text/plain": "10"}}),
    );
    app.notebook.document.saving = None;
    let (_, saved, _) = save_effect(&app.update(ctrl('s')));
    assert!(
        !saved.cells[0].metadata.contains_key("livy_tui"),
        "the mark goes with the run"
    );
}

fn marked_notebook(session: &str, statement: &str) -> Notebook {
    let mut nb = Notebook::new(Some(SessionKind::PySpark));
    nb.cells.push(NotebookCell::code("x = 1"));
    let mut running = NotebookCell::code("spark.range(10).count()");
    running.metadata.insert(
        "livy_tui".into(),
        serde_json::json!({"running": {"session": session, "statement": statement}}),
    );
    nb.cells.push(running);
    nb.binding = Some(livy_tui::notebook::SessionBinding::new("http://livy:8998", session));
    nb
}

#[test]
fn reopening_attaches_and_follows_the_statement_left_running_into_its_cell() {
    let mut app = new_app();
    app.open(marked_notebook("7", "3"), Vec::new(), Some("nb.ipynb".into()));
    assert_eq!(app.marked_sessions(), vec!["7".to_string()]);
    let cell = app.notebook.cells[1].id;
    assert!(!app.notebook.cells[1].run.in_flight(), "not followed before the attach");
    // should the app go away again before attaching, the mark is kept
    assert_eq!(
        running_mark(&app.snapshot().into_notebook().cells[1]).unwrap()["statement"],
        "3"
    );
    assert_eq!(
        app.resume_session(SessionId::from("7")),
        vec![Effect::StartSession {
            generation: 1,
            start: SessionStartSpec::Attach(SessionId::from("7")),
        }]
    );
    let effects = ready(&mut app);
    let follows: Vec<_> = effects
        .into_iter()
        .filter(|e| !matches!(e, Effect::WakeAt(_)))
        .collect();
    assert_eq!(
        follows,
        vec![Effect::FollowStatement {
            generation: 1,
            session: SessionId::from("7"),
            cell,
            statement: livy_tui::livy::StatementId::from("3"),
        }]
    );
    assert!(app.notebook.cells[1].run.in_flight(), "the cell shows it running");
    // followed once: another report of the session does not follow it again
    assert!(
        !app.update(AppEvent::Session(1, SessionEvent::Recovered))
            .iter()
            .any(|e| matches!(e, Effect::FollowStatement { .. }))
    );
    finished(
        &mut app,
        cell,
        serde_json::json!({"status": "ok", "data": {"text/plain": "10"}}),
    );
    assert_eq!(
        app.notebook.cells[1].output.shown,
        Some(CellOutput::Text(vec!["10".into()].into()))
    );
    assert!(!app.notebook.cells[1].run.in_flight());
    assert_eq!(running_mark(&app.snapshot().into_notebook().cells[1]), None);
}

#[test]
fn a_statement_whose_session_is_gone_says_its_result_is_lost() {
    let mut app = new_app();
    app.open(marked_notebook("5", "2"), Vec::new(), Some("nb.ipynb".into()));
    app.lose_marked("5", true);
    match &app.notebook.cells[1].output.shown {
        Some(CellOutput::RequestError(why)) => assert_eq!(why, "its session 5 is gone: the result is lost"),
        other => panic!("expected the cell to say its result is lost, got {other:?}"),
    }
    assert!(app.marked_sessions().is_empty());
    assert_eq!(running_mark(&app.snapshot().into_notebook().cells[1]), None);
    // a recovery copy taken afterwards, made while it ran there, says the same
    app.offer_recovery(std::time::SystemTime::now(), marked_notebook("5", "2"));
    let notebook = match &app.update(key(KeyCode::Char('r')))[..] {
        [Effect::PrepareNotebook(notebook)] => notebook.clone(),
        other => panic!("expected the notebook to be prepared on a worker: {other:?}"),
    };
    let prepared = livy_tui::app::cell::prepare_saved_outputs(&notebook);
    let effects = app.update(AppEvent::NotebookPrepared { notebook, prepared });
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::FollowStatement { .. })),
        "{effects:?}"
    );
    match &app.notebook.cells[1].output.shown {
        Some(CellOutput::RequestError(why)) => assert_eq!(why, "its session 5 is gone: the result is lost"),
        other => panic!("expected the recovered cell to say its result is lost, got {other:?}"),
    }

    // a mark of another session than the one attached is not followed, and says so
    let mut app = new_app();
    app.open(marked_notebook("5", "2"), Vec::new(), Some("nb.ipynb".into()));
    let effects = ready(&mut app);
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::FollowStatement { .. })),
        "{effects:?}"
    );
    match &app.notebook.cells[1].output.shown {
        Some(CellOutput::RequestError(why)) => assert!(why.contains("session 5"), "{why}"),
        other => panic!("expected the cell to say why it is not followed, got {other:?}"),
    }
}
