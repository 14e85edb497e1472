//! Tab completion in the notebook's update logic: Tab after a name asks the session once
//! (an effect, nothing waits), the reply opens a popup that typing filters without asking
//! again, Enter inserts, Esc closes, a late reply is dropped, and Tab still indents at the
//! start of a line, after a space, and without a session.

mod app_keys;

use app_keys::{key, type_text};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use livy_tui::app::{App, AppEvent, DeleteOnQuit, Effect, Keymap, SessionEvent, SessionStart, Settings};
use livy_tui::livy::{CompletionRequest, CreateSession, Session, SessionId, SessionKind, SessionState};
use std::time::Instant;

/// A PySpark notebook, editing its empty first cell; its session `state` when given.
fn notebook(state: Option<SessionState>) -> App {
    let create = CreateSession {
        kind: Some(SessionKind::PySpark),
        ..Default::default()
    };
    let settings = Settings {
        server: "http://livy:8998".into(),
        default_kind: SessionKind::PySpark,
        create: create.clone(),
        defaults: Default::default(),
        delete_on_quit: DeleteOnQuit::Never,
        keepalive: Default::default(),
    };
    let (mut app, _) = App::new(
        settings,
        SessionStart::Create(Box::new(create)),
        Keymap::default(),
        Instant::now(),
    );
    if let Some(state) = state {
        let session = Session {
            id: SessionId::from("3"),
            kind: SessionKind::PySpark,
            state,
            ..Default::default()
        };
        app.update(AppEvent::Session(
            1,
            SessionEvent::Ready {
                session: Box::new(session),
                created: true,
            },
        ));
    }
    app
}

fn idle() -> App {
    notebook(Some(SessionState::Idle))
}

/// Presses Tab; returns the completion asked for, if any (`seq` and the request).
fn tab(app: &mut App) -> Option<(u64, CompletionRequest)> {
    match &app.update(key(KeyCode::Tab))[..] {
        [] => None,
        [Effect::Complete { seq, session, request }] => {
            assert_eq!(session.as_str(), "3");
            Some((*seq, request.clone()))
        }
        other => panic!("Tab asked for {other:?}"),
    }
}

fn reply(app: &mut App, seq: u64, candidates: &[&str]) {
    let result = Ok(candidates.iter().map(|c| c.to_string()).collect());
    assert!(app.update(AppEvent::Completions { seq, result }).is_empty());
}

fn shown(app: &App) -> Vec<String> {
    app.completion_popup()
        .map(|p| p.shown().map(str::to_string).collect())
        .unwrap_or_default()
}

fn code(app: &App) -> String {
    app.notebook.focused().code()
}

fn message(app: &App) -> String {
    app.message.as_ref().map(|m| m.text.clone()).unwrap_or_default()
}

#[test]
fn tab_after_a_name_asks_the_session_once_and_enter_inserts_the_choice() {
    let mut app = idle();
    type_text(&mut app, "df = spark.ran");
    let (seq, request) = tab(&mut app).expect("Tab after a name asks for completions");
    assert_eq!(
        request,
        CompletionRequest {
            code: "df = spark.ran".into(),
            kind: SessionKind::PySpark,
            cursor: 14,
        }
    );
    assert_eq!(code(&app), "df = spark.ran", "Tab inserted nothing");
    assert!(shown(&app).is_empty(), "no popup before the reply");

    // Python answers whole paths; they show as the names to put in
    reply(&mut app, seq, &["spark.range(", "spark.randomSplit"]);
    assert_eq!(shown(&app), ["range(", "randomSplit"]);
    let popup = app.completion_popup().unwrap();
    assert_eq!((popup.row, popup.start, popup.prefix()), (0, 11, "ran"));

    app.update(key(KeyCode::Enter));
    assert_eq!(code(&app), "df = spark.range(", "Enter inserted the first, no new line");
    assert!(app.completion_popup().is_none());
    assert!(app.notebook.editing);
    type_text(&mut app, "10)");
    assert_eq!(code(&app), "df = spark.range(10)");
    assert_eq!(app.completion.requests(), 1);
}

#[test]
fn typing_filters_the_popup_without_asking_again_and_keys_move_in_it() {
    let mut app = idle();
    type_text(&mut app, "sc.");
    let (seq, request) = tab(&mut app).expect("Tab after a dot asks");
    assert_eq!(request.cursor, 3);
    reply(
        &mut app,
        seq,
        &["parallelize", "range", "textFile", "setJobGroup", "stop"],
    );
    assert_eq!(shown(&app).len(), 5, "after a dot, every member");

    type_text(&mut app, "s");
    assert_eq!(shown(&app), ["setJobGroup", "stop"]);
    assert_eq!(app.completion.requests(), 1, "no request while filtering");
    // Tab and ↓ move down, ↑ and Shift+Tab up, wrapping
    assert!(app.update(key(KeyCode::Tab)).is_empty());
    assert_eq!(app.completion_popup().unwrap().selected(), 1);
    app.update(key(KeyCode::Down));
    assert_eq!(app.completion_popup().unwrap().selected(), 0);
    app.update(key(KeyCode::Up));
    app.update(AppEvent::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)));
    assert_eq!(app.completion_popup().unwrap().selected(), 0);
    app.update(key(KeyCode::Down));
    assert_eq!(app.completion.requests(), 1, "moving asks nothing either");

    // Backspace widens the filter again; past the name's start it closes the popup
    type_text(&mut app, "t");
    assert_eq!(shown(&app), ["stop"]);
    app.update(key(KeyCode::Backspace));
    assert_eq!(shown(&app), ["setJobGroup", "stop"]);
    assert_eq!(app.completion_popup().unwrap().selected(), 1, "stop stays selected");
    app.update(key(KeyCode::Enter));
    assert_eq!(code(&app), "sc.stop");

    // typing something no candidate starts with closes it, and the text is kept
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "sc.");
    let (seq, _) = tab(&mut app).unwrap();
    reply(&mut app, seq, &["parallelize", "range"]);
    type_text(&mut app, "q");
    assert!(app.completion_popup().is_none());
    assert_eq!(code(&app), "sc.stop\nsc.q");

    // Esc closes the popup and only the popup
    app.update(key(KeyCode::Backspace));
    let (seq, _) = tab(&mut app).unwrap();
    reply(&mut app, seq, &["parallelize", "range"]);
    app.update(key(KeyCode::Esc));
    assert!(app.completion_popup().is_none());
    assert!(app.notebook.editing, "Esc closed the popup, not the editor");
    assert_eq!(code(&app), "sc.stop\nsc.");
    assert_eq!(app.completion.requests(), 3, "one request per Tab that asked");
}

#[test]
fn a_reply_for_older_text_or_to_an_earlier_tab_is_dropped() {
    let mut app = idle();
    type_text(&mut app, "spark.r");
    let (first, _) = tab(&mut app).unwrap();
    type_text(&mut app, "a");
    reply(&mut app, first, &["spark.range("]);
    assert!(app.completion_popup().is_none(), "the text changed since");
    assert_eq!(code(&app), "spark.ra");

    let (second, _) = tab(&mut app).unwrap();
    let (third, _) = tab(&mut app).unwrap();
    assert!(third > second);
    reply(&mut app, second, &["spark.rand"]);
    assert!(app.completion_popup().is_none(), "an earlier Tab's reply");
    reply(&mut app, third, &["spark.range("]);
    assert_eq!(shown(&app), ["range("]);

    // the cursor moved away (same text): dropped too
    app.update(key(KeyCode::Esc));
    let (fourth, _) = tab(&mut app).unwrap();
    app.update(key(KeyCode::Left));
    reply(&mut app, fourth, &["spark.range("]);
    assert!(app.completion_popup().is_none());
    // and a reply to the same request twice does nothing more
    app.update(key(KeyCode::Right));
    reply(&mut app, fourth, &["spark.range("]);
    assert!(app.completion_popup().is_none());
}

#[test]
fn tab_indents_at_the_start_of_a_line_after_a_space_and_in_markdown() {
    let mut app = idle();
    assert_eq!(tab(&mut app), None);
    assert_eq!(code(&app), "    ");
    type_text(&mut app, "x = ");
    assert_eq!(tab(&mut app), None);
    assert_eq!(code(&app), "    x =     ");
    type_text(&mut app, "(");
    assert_eq!(tab(&mut app), None, "after punctuation other than a dot");

    let mut app = idle();
    app.notebook.editing = false;
    app.run_command(livy_tui::app::Command::MakeMarkdown);
    app.notebook.editing = true;
    type_text(&mut app, "word");
    assert_eq!(tab(&mut app), None, "markdown is not code");
    assert_eq!(code(&app), "word    ");
    assert_eq!(app.completion.requests(), 0);
}

#[test]
fn without_a_running_session_tab_indents_and_says_why_once() {
    for state in [None, Some(SessionState::Starting), Some(SessionState::Dead)] {
        let mut app = notebook(state.clone());
        type_text(&mut app, "spark");
        assert_eq!(tab(&mut app), None, "{state:?}");
        assert_eq!(code(&app), "spark   ", "to the next tab stop");
        assert_eq!(
            message(&app),
            "completion needs a running session: Tab indents until then"
        );
        app.message = None;
        type_text(&mut app, "x");
        assert_eq!(tab(&mut app), None);
        assert_eq!(message(&app), "", "said once");
    }
    // a busy session answers completions (Livy takes them while a statement runs)
    let mut app = notebook(Some(SessionState::Busy));
    type_text(&mut app, "spark");
    assert!(tab(&mut app).is_some());
}

#[test]
fn no_candidates_and_failures_are_said() {
    let mut app = idle();
    type_text(&mut app, "spark.zz");
    let (seq, _) = tab(&mut app).unwrap();
    reply(&mut app, seq, &[]);
    assert!(app.completion_popup().is_none());
    assert_eq!(message(&app), "no completions for spark.zz");

    let (seq, _) = tab(&mut app).unwrap();
    app.update(AppEvent::Completions {
        seq,
        result: Err("the server answered 500".into()),
    });
    assert!(app.completion_popup().is_none());
    let error = app.message.as_ref().unwrap();
    assert!(error.is_error && error.text == "completion failed: the server answered 500");
    assert_eq!(code(&app), "spark.zz");
}

#[test]
fn the_request_is_the_statement_s_code_kind_and_cursor() {
    // a %%sql cell sends its body as sql, the cursor counted from the body
    let mut app = idle();
    type_text(&mut app, "%%sql\nselect ab");
    let (_, request) = tab(&mut app).unwrap();
    assert_eq!(
        request,
        CompletionRequest {
            code: "select ab".into(),
            kind: SessionKind::Sql,
            cursor: 9,
        }
    );
    // a Scala cell in a PySpark session asks as spark; the cursor counts UTF-16 units
    let mut app = idle();
    app.notebook.editing = false;
    app.run_command(livy_tui::app::Command::KindSpark);
    app.notebook.editing = true;
    type_text(&mut app, "val s = \"😀\"\ns.len");
    app.update(key(KeyCode::Left));
    let (seq, request) = tab(&mut app).unwrap();
    assert_eq!(request.kind, SessionKind::Spark);
    assert_eq!(request.cursor, "val s = \"😀\"\ns.le".encode_utf16().count());
    // Scala answers names; the choice replaces the name up to the cursor only
    reply(&mut app, seq, &["length"]);
    assert_eq!(shown(&app), ["length"]);
    app.update(key(KeyCode::Enter));
    assert_eq!(code(&app), "val s = \"😀\"\ns.lengthn");
}

#[test]
fn a_candidate_that_does_not_start_with_the_name_replaces_it() {
    let mut app = idle();
    type_text(&mut app, "x = tF");
    let (seq, _) = tab(&mut app).unwrap();
    // some completers match inside names (camel humps)
    reply(&mut app, seq, &["textFile"]);
    assert_eq!(shown(&app), ["textFile"], "the server's answer shows whole");
    app.update(key(KeyCode::Enter));
    assert_eq!(code(&app), "x = textFile");
    // undo takes it back
    for _ in 0..2 {
        app.update(AppEvent::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)));
    }
    assert_eq!(code(&app), "x = tF");
}

#[test]
fn the_popup_goes_when_the_cell_changes_under_it() {
    let mut app = idle();
    type_text(&mut app, "spark.r");
    let (seq, _) = tab(&mut app).unwrap();
    reply(&mut app, seq, &["spark.range(", "spark.read"]);
    assert_eq!(shown(&app).len(), 2);
    // a paste moves the cursor on: the popup no longer fits and is not drawn
    app.update(AppEvent::Paste(" + 1".into()));
    assert!(app.completion_popup().is_none());
    // a command key closes it and does its work
    let mut app = idle();
    type_text(&mut app, "spark.r");
    let (seq, _) = tab(&mut app).unwrap();
    reply(&mut app, seq, &["spark.range("]);
    let effects = app.update(AppEvent::Key(KeyEvent::new(KeyCode::Char('e'), KeyModifiers::CONTROL)));
    assert!(app.completion_popup().is_none());
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Submit { .. })),
        "Ctrl+E ran the cell: {effects:?}"
    );
}
