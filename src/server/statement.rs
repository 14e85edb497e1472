//! One statement of an interactive session and its JSON form.

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::interpreter::ExecOutcome;
use super::kind::Kind;
use super::states::StatementState;
use super::version::LivyVersion;

/// A statement as the REPL tracks it (`rsc/.../driver/Statement.java`).
#[derive(Debug)]
pub(crate) struct Statement {
    pub id: u64,
    pub code: String,
    pub kind: Kind,
    pub state: StatementState,
    pub output: Option<Value>,
    pub progress: f64,
    pub started: i64,
    pub completed: i64,
    /// Fired when the client cancels the statement.
    pub cancel: CancellationToken,
}

impl Statement {
    /// A new statement in state `waiting`.
    pub fn new(id: u64, code: String, kind: Kind) -> Self {
        Statement {
            id,
            code,
            kind,
            state: StatementState::Waiting,
            output: None,
            progress: 0.0,
            started: 0,
            completed: 0,
            cancel: CancellationToken::new(),
        }
    }

    /// The JSON Livy returns; `started`/`completed` exist from 0.7.
    pub fn to_json(&self, version: LivyVersion) -> Value {
        // Livy forces progress to 1.0 once a statement is done, whatever Spark reported.
        let progress = if self.state.is_final() { 1.0 } else { self.progress };
        let mut value = json!({
            "id": self.id,
            "code": self.code,
            "state": self.state.as_str(),
            "output": self.output,
            "progress": progress,
        });
        if version.at_least(0, 7) {
            value["started"] = json!(self.started);
            value["completed"] = json!(self.completed);
        }
        value
    }
}

/// The `output` object of a finished statement (`REPL/Session.scala` `executeCode`).
pub(crate) fn render_output(execution_count: u64, outcome: ExecOutcome) -> Option<Value> {
    match outcome {
        ExecOutcome::Ok(data) => Some(json!({
            "status": "ok",
            "execution_count": execution_count,
            "data": data,
        })),
        ExecOutcome::Error {
            ename,
            evalue,
            traceback,
        } => Some(error_output(execution_count, &ename, &evalue, &traceback)),
        ExecOutcome::InterpreterDied(stderr) => Some(error_output(
            execution_count,
            "Error",
            &format!("Interpreter died:\n{stderr}"),
            &[],
        )),
        ExecOutcome::Raw(mut value) => {
            if let Some(count) = value.get_mut("execution_count") {
                *count = json!(execution_count);
            }
            Some(value)
        }
        ExecOutcome::SessionDied(_) => None,
    }
}

fn error_output(execution_count: u64, ename: &str, evalue: &str, traceback: &[String]) -> Value {
    json!({
        "status": "error",
        "execution_count": execution_count,
        "ename": ename,
        "evalue": evalue,
        "traceback": traceback,
    })
}
