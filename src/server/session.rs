//! An interactive session: its state, statement list and log.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::clock::now_ms;
use super::error::ApiError;
use super::interpreter::{ExecOutcome, ExecRequest, Interpreter, SessionSpec};
use super::kind::Kind;
use super::log_buffer::{LogBuffer, LogSink};
use super::requests::CreateSessionRequest;
use super::statement::{Statement, render_output};
use super::states::{SessionState, StatementState};
use super::version::LivyVersion;

/// Lines of the log embedded in session and batch objects.
pub(crate) const EMBEDDED_LOG_LINES: usize = 10;

/// An interactive session.
pub(crate) struct Session {
    pub id: u64,
    pub name: Option<String>,
    pub kind: Kind,
    pub owner: Option<String>,
    pub proxy_user: Option<String>,
    pub request: CreateSessionRequest,
    pub log: LogSink,
    /// Fired when the session is deleted or its driver dies; stops every task of it.
    pub token: CancellationToken,
    retained_statements: usize,
    inner: Mutex<SessionInner>,
}

struct SessionInner {
    state: SessionState,
    interpreter: Option<Arc<dyn Interpreter>>,
    statements: VecDeque<Statement>,
    next_statement_id: u64,
    queue: mpsc::UnboundedSender<u64>,
    /// The last activity Livy would record (`Session.recordActivity`, and the REPL's
    /// busy → idle), for the idle timeout.
    last_activity: Instant,
}

impl Session {
    /// A session in state `starting`, with the receiving end of its statement queue.
    pub fn new(
        spec: &SessionSpec,
        log_cap: usize,
        retained_statements: usize,
    ) -> (Arc<Session>, mpsc::UnboundedReceiver<u64>) {
        let (queue, rx) = mpsc::unbounded_channel();
        let session = Session {
            id: spec.id,
            name: spec.request.name.clone(),
            kind: spec.kind,
            owner: spec.owner.clone(),
            proxy_user: spec.proxy_user.clone(),
            request: spec.request.clone(),
            log: LogSink::new(LogBuffer::new(log_cap)),
            token: CancellationToken::new(),
            retained_statements: retained_statements.max(1),
            inner: Mutex::new(SessionInner {
                state: SessionState::Starting,
                interpreter: None,
                statements: VecDeque::new(),
                next_statement_id: 0,
                queue,
                // Livy records activity right after registering a new session.
                last_activity: Instant::now(),
            }),
        };
        (Arc::new(session), rx)
    }

    fn lock(&self) -> MutexGuard<'_, SessionInner> {
        // Every critical section leaves the data consistent, so poisoning is harmless.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The state Livy reports.
    pub fn state(&self) -> SessionState {
        self.lock().state
    }

    /// Records activity now (`POST …/connect`, a completion).
    pub fn record_activity(&self) {
        self.lock().last_activity = Instant::now();
    }

    /// How long the session has had no activity, while it is active; `None` once it has
    /// finished (finished sessions are not timed out, `SessionManager.collectGarbage`).
    pub fn inactive_for(&self) -> Option<Duration> {
        let inner = self.lock();
        inner.state.is_active().then(|| inner.last_activity.elapsed())
    }

    /// The interpreter, once started.
    pub fn interpreter(&self) -> Option<Arc<dyn Interpreter>> {
        self.lock().interpreter.clone()
    }

    /// The session object, shaped for `version`.
    pub fn to_json(&self, version: LivyVersion) -> Value {
        let state = self.state();
        let interpreter = self.interpreter();
        let app_id = interpreter.as_ref().and_then(|i| i.app_id());
        let ui_url = interpreter.as_ref().and_then(|i| i.spark_ui_url());
        let mut value = json!({
            "id": self.id,
            "appId": app_id,
            "owner": self.owner,
            "proxyUser": self.proxy_user,
            "state": state.as_str(),
            "kind": self.kind.as_str(),
            "appInfo": {"driverLogUrl": null, "sparkUiUrl": ui_url},
            "log": self.log.lock().tail(EMBEDDED_LOG_LINES),
        });
        if version.at_least(0, 6) {
            value["name"] = json!(self.name);
        }
        if version.at_least(0, 8) {
            let r = &self.request;
            // LIVY-967 echoes the request; unset ints come back as 0, the rest as null.
            let extra = json!({
                "ttl": r.ttl,
                "driverMemory": r.driver_memory,
                "driverCores": r.driver_cores.unwrap_or(0),
                "executorMemory": r.executor_memory,
                "executorCores": r.executor_cores.unwrap_or(0),
                "conf": r.conf,
                "archives": r.archives,
                "files": r.files,
                "heartbeatTimeoutInSecond": r.heartbeat_timeout_in_second.unwrap_or(0),
                "jars": r.jars,
                "numExecutors": r.num_executors.unwrap_or(0),
                "pyFiles": r.py_files,
                "queue": r.queue,
            });
            merge(&mut value, extra);
        }
        if version.at_least(0, 9) {
            value["idleTimeout"] = json!(self.request.idle_timeout);
            value["appInfo"]["executorLogUrls"] = Value::Null;
        }
        value
    }

    /// Called by the start task: the interpreter is up. False if the session was deleted
    /// or died meanwhile (the caller then shuts the interpreter down).
    pub fn mark_ready(&self, interpreter: Arc<dyn Interpreter>) -> bool {
        let mut inner = self.lock();
        if inner.state != SessionState::Starting || self.token.is_cancelled() {
            return false;
        }
        inner.interpreter = Some(interpreter);
        inner.state = SessionState::Idle;
        true
    }

    /// The driver is gone: `dead`, and every task of the session stops.
    pub fn mark_dead(&self) {
        let mut inner = self.lock();
        if inner.state.is_active() {
            inner.state = SessionState::Dead;
        }
        drop(inner);
        self.token.cancel();
    }

    /// The session was deleted.
    pub fn mark_deleted(&self) {
        let mut inner = self.lock();
        if inner.state.is_active() {
            inner.state = SessionState::Killed;
        }
        drop(inner);
        self.token.cancel();
    }

    /// Queues a statement (`POST …/statements`). The kind must already be resolved.
    pub fn submit(&self, code: String, kind: Kind, version: LivyVersion) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        if !inner.state.accepts_statements() {
            return Err(ApiError::not_running(inner.state));
        }
        inner.last_activity = Instant::now();
        let id = inner.next_statement_id;
        inner.next_statement_id += 1;
        let statement = Statement::new(id, code, kind);
        let json = statement.to_json(version);
        inner.statements.push_back(statement);
        self.evict_old(&mut inner);
        // The REPL reports busy from the moment it has work; doing it here (rather than when
        // the runner picks the statement up) keeps `GET /state` right after a POST stable.
        inner.state = SessionState::Busy;
        if inner.queue.send(id).is_err() {
            return Err(ApiError::not_running(SessionState::Dead));
        }
        Ok(json)
    }

    fn evict_old(&self, inner: &mut SessionInner) {
        while inner.statements.len() > self.retained_statements {
            match inner.statements.iter().position(|s| s.state.is_final()) {
                Some(index) => {
                    inner.statements.remove(index);
                }
                None => break,
            }
        }
    }

    /// One statement as JSON, or `None` if unknown (or evicted).
    pub fn statement_json(&self, id: u64, version: LivyVersion) -> Option<Value> {
        let inner = self.lock();
        inner.statements.iter().find(|s| s.id == id).map(|s| s.to_json(version))
    }

    /// `GET …/statements`: `order=desc` reverses before slicing (0.8+ only).
    pub fn statements_page(&self, from: i64, size: Option<i64>, desc: bool, version: LivyVersion) -> Value {
        let inner = self.lock();
        if inner.state == SessionState::Starting {
            // The REPL is not connected yet: Livy answers an empty list.
            return json!({"total_statements": 0, "statements": []});
        }
        let mut all: Vec<&Statement> = inner.statements.iter().collect();
        if desc {
            all.reverse();
        }
        let total = all.len();
        let from = from.clamp(0, total as i64) as usize;
        let until = match size {
            Some(size) => from.saturating_add(size.max(0) as usize).min(total),
            None => total,
        };
        let page: Vec<Value> = all[from..until].iter().map(|s| s.to_json(version)).collect();
        json!({"total_statements": total, "statements": page})
    }

    /// `POST …/statements/{id}/cancel`: a waiting statement is cancelled at once, a running
    /// one goes to `cancelling` and its interpreter is told.
    pub fn cancel_statement(&self, id: u64) {
        let mut inner = self.lock();
        inner.last_activity = Instant::now();
        let Some(statement) = inner.statements.iter_mut().find(|s| s.id == id) else {
            return;
        };
        match statement.state {
            StatementState::Waiting => {
                statement.state = StatementState::Cancelled;
                statement.completed = now_ms();
                statement.cancel.cancel();
                settle(&mut inner, false);
            }
            StatementState::Running => {
                statement.state = StatementState::Cancelling;
                statement.cancel.cancel();
            }
            _ => {}
        }
    }

    /// Runner: takes a queued statement; `None` if it was cancelled or evicted meanwhile.
    pub fn begin(&self, id: u64) -> Option<(ExecRequest, CancellationToken)> {
        let mut inner = self.lock();
        let statement = inner.statements.iter_mut().find(|s| s.id == id)?;
        if statement.state != StatementState::Waiting {
            return None;
        }
        statement.state = StatementState::Running;
        statement.started = now_ms();
        let req = ExecRequest {
            statement_id: id,
            code: statement.code.clone(),
            kind: statement.kind,
        };
        let cancel = statement.cancel.clone();
        if inner.state.accepts_statements() {
            inner.state = SessionState::Busy;
        }
        Some((req, cancel))
    }

    /// Interpreter progress report.
    pub fn set_progress(&self, id: u64, fraction: f64) {
        let mut inner = self.lock();
        if let Some(statement) = inner.statements.iter_mut().find(|s| s.id == id)
            && matches!(statement.state, StatementState::Running | StatementState::Cancelling)
        {
            statement.progress = fraction;
        }
    }

    /// Runner: a cancelled statement did not stop within the cancel timeout; Livy gives up
    /// waiting and reports it cancelled.
    pub fn cancel_timed_out(&self, id: u64) {
        let mut inner = self.lock();
        if let Some(statement) = inner.statements.iter_mut().find(|s| s.id == id)
            && statement.state == StatementState::Cancelling
        {
            statement.state = StatementState::Cancelled;
            statement.completed = now_ms();
        }
    }

    /// Runner: the interpreter returned (never called with `SessionDied`).
    pub fn finish(&self, id: u64, outcome: ExecOutcome) {
        let died = matches!(outcome, ExecOutcome::InterpreterDied(_));
        let output = render_output(id, outcome);
        let mut inner = self.lock();
        if let Some(statement) = inner.statements.iter_mut().find(|s| s.id == id) {
            match statement.state {
                StatementState::Running => {
                    statement.state = StatementState::Available;
                    statement.completed = now_ms();
                    statement.output = output;
                }
                StatementState::Cancelling => {
                    statement.state = StatementState::Cancelled;
                    statement.completed = now_ms();
                    statement.output = output;
                }
                // Reported cancelled after the timeout: the output still lands, as in Livy.
                StatementState::Cancelled if statement.output.is_none() => {
                    statement.output = output;
                }
                _ => {}
            }
        }
        settle(&mut inner, died);
    }

    /// Appends lines to the driver's stderr stream.
    pub fn append_log<I: IntoIterator<Item = String>>(&self, lines: I) {
        let mut log = self.log.lock();
        for line in lines {
            log.push_stderr(line);
        }
    }
}

/// Recomputes the REPL state after a statement ended or was cancelled.
fn settle(inner: &mut SessionInner, interpreter_died: bool) {
    if !inner.state.accepts_statements() {
        return;
    }
    let pending = inner.statements.iter().any(|s| {
        matches!(
            s.state,
            StatementState::Waiting | StatementState::Running | StatementState::Cancelling
        )
    });
    let next = if interpreter_died {
        SessionState::Error
    } else if pending {
        SessionState::Busy
    } else {
        SessionState::Idle
    };
    // The REPL going from busy to idle counts as activity (`RSCClient` `ReplState`).
    if inner.state == SessionState::Busy && next == SessionState::Idle {
        inner.last_activity = Instant::now();
    }
    inner.state = next;
}

fn merge(target: &mut Value, extra: Value) {
    if let (Value::Object(target), Value::Object(extra)) = (target, extra) {
        target.extend(extra);
    }
}
