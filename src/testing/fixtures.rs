//! Access to the real Livy captures in `tests/fixtures/livy/`.

use std::path::PathBuf;

use serde_json::Value;

/// The directory holding the fixtures.
pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/livy")
}

/// A fixture file parsed as JSON; `name` may omit `.json`.
pub fn load(name: &str) -> Option<Value> {
    let file = if name.ends_with(".json") {
        name.to_string()
    } else {
        format!("{name}.json")
    };
    let text = std::fs::read_to_string(fixture_dir().join(file)).ok()?;
    serde_json::from_str(&text).ok()
}

/// The statement `output` a fixture holds: `livy_statement_output` of a fake_shell capture,
/// or `response.body.output` of a server capture.
pub fn statement_output(name: &str) -> Option<Value> {
    let fixture = load(name)?;
    if let Some(output) = fixture.get("livy_statement_output") {
        return Some(output.clone());
    }
    fixture.pointer("/response/body/output").cloned()
}

/// The response body of a server capture.
pub fn response_body(name: &str) -> Option<Value> {
    load(name)?.pointer("/response/body").cloned()
}
