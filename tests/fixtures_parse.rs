//! Every real Livy response in tests/fixtures/livy parses into the client's types, and the
//! notable ones mean what they should.

use livy_tui::livy::error::LivyError;
use livy_tui::livy::{
    Batch, Completion, LogPage, Outcome, Page, Session, SessionKind, SessionState, SessionStateReply, Statement,
    StatementList, StatementOutput, StatementState, VersionInfo,
};
use livy_tui::output::{Rendered, render};
use serde_json::Value;
use std::path::PathBuf;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/livy")
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures_dir().join(format!("{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn body(name: &str) -> Value {
    load(name)["response"]["body"].clone()
}

fn statement(name: &str) -> Statement {
    serde_json::from_value(body(name)).unwrap()
}

fn pyspark_output(name: &str) -> StatementOutput {
    serde_json::from_value(load(name)["livy_statement_output"].clone()).unwrap()
}

/// Parses a 2xx body as the type its request implies; errors become a `LivyError`.
fn parse_response(name: &str, fixture: &Value) -> Result<(), String> {
    let request = &fixture["request"];
    let method = request["method"].as_str().unwrap_or("GET");
    let path = request["path"]
        .as_str()
        .unwrap_or("")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let response = &fixture["response"];
    let status = response["status"].as_u64().unwrap() as u16;
    let body = response["body"].clone();
    if !(200..300).contains(&status) {
        let raw = match &body {
            Value::String(s) if response["body_kind"] == "text" => s.clone().into_bytes(),
            other => other.to_string().into_bytes(),
        };
        let content_type = response["headers"]["Content-Type"].as_str().unwrap_or("");
        let e = LivyError::from_reply(status, content_type, "", &raw, &format!("{method} {path}"));
        let line = e.to_string();
        if e.message.trim().is_empty() || line.contains('\n') {
            return Err(format!("{name}: error is not one clear line: {line:?}"));
        }
        return Ok(());
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let check = |r: Result<(), serde_json::Error>| r.map_err(|e| format!("{name}: {e}"));
    macro_rules! parse {
        ($t:ty) => {
            check(serde_json::from_value::<$t>(body.clone()).map(|_| ()))
        };
    }
    match (method, segments.as_slice()) {
        ("GET", ["version"]) => parse!(VersionInfo),
        ("GET", ["sessions"]) => parse!(Page<Session>),
        ("GET", ["batches"]) => parse!(Page<Batch>),
        ("POST", ["sessions"]) | ("GET", ["sessions", _]) => parse!(Session),
        ("POST", ["batches"]) | ("GET", ["batches", _]) => parse!(Batch),
        ("GET", [_, _, "state"]) => parse!(SessionStateReply),
        ("GET", [_, _, "log"]) => parse!(LogPage),
        ("GET", ["sessions", _, "statements"]) => parse!(StatementList),
        ("POST", ["sessions", _, "statements"]) | ("GET", ["sessions", _, "statements", _]) => parse!(Statement),
        ("POST", ["sessions", _, "completion"]) => parse!(Completion),
        ("DELETE", _) | ("POST", [.., "cancel"]) => parse!(Value),
        other => Err(format!("{name}: no type for {other:?}")),
    }
}

#[test]
fn every_fixture_parses() {
    let mut seen = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let fixture: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        seen += 1;
        let result = if fixture.get("response").is_some() {
            parse_response(&name, &fixture)
        } else {
            serde_json::from_value::<StatementOutput>(fixture["livy_statement_output"].clone())
                .map(|o| {
                    // Rendering must not fail either.
                    let _ = render(&o);
                })
                .map_err(|e| format!("{name}: {e}"))
        };
        if let Err(e) = result {
            failures.push(e);
        }
    }
    assert!(seen >= 148, "only {seen} fixtures found");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn spark_results_and_errors() {
    let s = statement("spark-statement-1plus1");
    assert_eq!(s.state, StatementState::Available);
    assert_eq!(s.output.as_ref().unwrap().text().as_deref(), Some("res0: Int = 2\n"));
    assert_eq!(s.outcome(), Some(Outcome::Succeeded));

    // A failure is `available` with an error output, not a state.
    let s = statement("spark-statement-runtime-error");
    assert_eq!(s.state, StatementState::Available);
    match s.outcome() {
        Some(Outcome::Failed(e)) => assert_eq!(e.evalue, "java.lang.RuntimeException: boom"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn cancelled_statements() {
    let s = statement("statement-cancelled-while-waiting");
    assert_eq!(s.outcome(), Some(Outcome::Cancelled));
    assert_eq!(s.started, None, "started: 0 means never started");
    assert!(s.completed.is_some());
    let s = statement("spark-statement-cancelled");
    assert_eq!(s.outcome(), Some(Outcome::Cancelled));
    let s = statement("spark-statement-running-with-progress");
    assert_eq!(s.outcome(), None);
    assert!(s.progress > 0.0 && s.progress < 1.0);
}

#[test]
fn pyspark_magic_bug_is_reported_as_an_error() {
    // Livy says status "ok" but nests an error reply in data.
    let o = pyspark_output("pyspark-table-magic-missing-variable");
    let e = o.error().expect("an error");
    assert_eq!(e.ename, "KeyError");
    assert!(matches!(render(&o), Rendered::Error(_)));
}

#[test]
fn outputs_render_as_their_richest_type() {
    match render(&pyspark_output("pyspark-table-magic")) {
        Rendered::Table(t) => {
            let names: Vec<_> = t.columns.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names, ["age", "name", "score"]);
            assert_eq!(t.columns[0].data_type, "INT_TYPE");
            assert_eq!(t.rows.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        render(&pyspark_output("pyspark-json-magic")),
        Rendered::Json(_)
    ));
    assert!(
        matches!(render(&pyspark_output("pyspark-matplot-magic")), Rendered::Image(b) if b.starts_with(b"\x89PNG"))
    );
    let sql = statement("sql-session-statement");
    match render(sql.output.as_ref().unwrap()) {
        Rendered::Table(t) => {
            assert!(!t.columns.is_empty());
            assert!(!t.rows.is_empty());
        }
        other => panic!("{other:?}"),
    }
    let empty = statement("sql-session-statement-empty-result");
    assert!(matches!(render(empty.output.as_ref().unwrap()), Rendered::Table(t) if t.rows.is_empty()));
}

#[test]
fn sessions_batches_and_logs() {
    let list: Page<Session> = serde_json::from_value(body("sessions-list")).unwrap();
    assert_eq!(list.total, Some(1));
    assert_eq!(list.sessions[0].kind, SessionKind::Spark);
    assert_eq!(list.sessions[0].state, SessionState::Idle);
    let shared: Session = serde_json::from_value(body("session-create-minimal")).unwrap();
    assert_eq!(shared.kind, SessionKind::Shared);
    let log: LogPage = serde_json::from_value(body("spark-log-from-negative")).unwrap();
    assert_eq!((log.from, log.total, log.log.len()), (Some(200), Some(202), 2));
    let zombie: Batch = serde_json::from_value(body("batch-zombie-after-rejected-create")["sessions"][0].clone())
        .unwrap_or_else(|_| serde_json::from_value(body("batch-zombie-after-rejected-create")).unwrap());
    assert_eq!(zombie.state, SessionState::Starting);
    let dead: Batch = serde_json::from_value(body("batch-get-dead")).unwrap();
    assert!(dead.state.is_finished());
}

#[test]
fn error_bodies_become_clear_lines() {
    let csrf = load("csrf-post-without-header");
    let html = csrf["response"]["body"].as_str().unwrap();
    let e = LivyError::from_reply(
        400,
        "text/html;charset=iso-8859-1",
        "",
        html.as_bytes(),
        "POST /sessions",
    );
    assert_eq!(e.message, "Missing Required Header for CSRF protection.");
    let unknown = body("error-session-create-unknown-field").as_str().unwrap().to_string();
    let e = LivyError::from_reply(
        400,
        "application/json",
        "",
        format!("{unknown:?}").as_bytes(),
        "POST /sessions",
    );
    assert!(e.message.starts_with("Unrecognized field \"nope\""), "{}", e.message);
    assert!(e.hint.is_some());
}
