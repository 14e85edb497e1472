//! The seams between the server and whatever runs code.
//!
//! The server owns sessions, queues, states and logs; a [`Backend`] starts interpreters
//! and runs batches. The test harness plugs in a scripted backend; `livy-tui serve` will
//! plug in local PySpark processes.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};

use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::batch::Batch;
use super::kind::Kind;
use super::log_buffer::LogSink;
use super::requests::{CreateBatchRequest, CreateSessionRequest};
use super::session::Session;

/// A boxed, sendable future: trait objects cannot have `async fn`s.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a session was created with, handed to [`Backend::start_session`].
#[derive(Clone, Debug)]
pub struct SessionSpec {
    /// Session id.
    pub id: u64,
    /// Session kind (`Shared` when none was given).
    pub kind: Kind,
    /// Authenticated user, if any.
    pub owner: Option<String>,
    /// Impersonated user (`doAs` wins over the body's `proxyUser`).
    pub proxy_user: Option<String>,
    /// The full create request.
    pub request: CreateSessionRequest,
}

/// Why a session's interpreter could not start; the session becomes `dead`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartFailure {
    /// A one-line reason (the backend should also have written details to the log).
    pub reason: String,
}

/// Why a backend refuses a session or a batch before it is registered; answered 400 with
/// this message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A session kind this backend cannot run, and what to do instead.
    #[error("{language} is not available in {backend}: {instead}")]
    Kind {
        /// The kind as a user knows it, e.g. "Scala (kind spark)".
        language: &'static str,
        /// The backend as a user knows it, e.g. "local mode".
        backend: &'static str,
        instead: &'static str,
    },
    /// This backend runs no batches.
    #[error("batches are not available in {backend}: {instead}")]
    Batches {
        backend: &'static str,
        instead: &'static str,
    },
    /// This batch cannot run here, and why (one line a user can act on).
    #[error("{0}")]
    Batch(String),
}

/// One statement to run.
#[derive(Clone, Debug)]
pub struct ExecRequest {
    /// Statement id (also the `execution_count`).
    pub statement_id: u64,
    /// The code.
    pub code: String,
    /// The statement's kind, resolved against the session kind.
    pub kind: Kind,
}

/// How a statement ended.
#[derive(Clone, Debug, PartialEq)]
pub enum ExecOutcome {
    /// Success: a MIME bundle such as `{"text/plain": "2"}`.
    Ok(Map<String, Value>),
    /// A failure in user code; the statement is still `available`.
    Error {
        /// Exception class or `Error`.
        ename: String,
        /// Message.
        evalue: String,
        /// Traceback lines.
        traceback: Vec<String>,
    },
    /// A complete output object used as is (its `execution_count`, if any, is corrected).
    Raw(Value),
    /// The language interpreter died: the statement gets Livy's "Interpreter died" error
    /// and the session goes to `error` (still usable).
    InterpreterDied(String),
    /// The whole driver died: the statement never completes and the session is `dead`.
    SessionDied(String),
}

/// Handed to [`Interpreter::execute`]: report progress, write log lines, watch for cancel.
#[derive(Clone)]
pub struct ExecCtx {
    pub(crate) session: Weak<Session>,
    pub(crate) cancel: CancellationToken,
    pub(crate) log: LogSink,
    pub(crate) statement_id: u64,
}

impl ExecCtx {
    /// A context for running an interpreter outside a server (tools, unit tests).
    pub fn detached(statement_id: u64, log: LogSink) -> ExecCtx {
        ExecCtx {
            session: Weak::new(),
            cancel: CancellationToken::new(),
            log,
            statement_id,
        }
    }

    /// Sets the statement's progress (clamped to 0..=1); ignored once it has finished.
    pub fn set_progress(&self, fraction: f64) {
        if let Some(session) = self.session.upgrade() {
            session.set_progress(self.statement_id, fraction.clamp(0.0, 1.0));
        }
    }

    /// Cancelled when the client cancels the statement; interpreters should stop early.
    pub fn cancel_token(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Whether a cancel was requested.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// The session log (driver output goes to stderr).
    pub fn log(&self) -> &LogSink {
        &self.log
    }

    /// The id of the statement being run.
    pub fn statement_id(&self) -> u64 {
        self.statement_id
    }
}

/// A running language interpreter of one session. Statements are sent one at a time.
pub trait Interpreter: Send + Sync + 'static {
    /// Runs one statement. After a cancel, the server waits up to its cancel timeout for
    /// this future, then reports `cancelled` but still lets it finish before the next
    /// statement; the future is dropped only when the session dies or is deleted.
    fn execute(&self, req: ExecRequest, ctx: ExecCtx) -> BoxFuture<'_, ExecOutcome>;

    /// Completion candidates for `code` at `cursor`, a count of characters (of Livy's own
    /// interpreters only Scala answers; the local PySpark driver answers like Python's
    /// `rlcompleter`).
    fn complete(&self, _kind: Kind, _code: &str, _cursor: usize) -> BoxFuture<'_, Vec<String>> {
        Box::pin(async { Vec::new() })
    }

    /// Stops the interpreter (session deleted or dead).
    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }

    /// Resolves, with a one-line reason, if the interpreter dies on its own while idle (a
    /// crashed process); the session then becomes `dead`. Never resolves by default.
    fn died(&self) -> BoxFuture<'_, String> {
        Box::pin(futures::future::pending())
    }

    /// The Spark application id shown as the session's `appId`.
    fn app_id(&self) -> Option<String> {
        None
    }

    /// The Spark UI address shown as the session's `appInfo.sparkUiUrl`.
    fn spark_ui_url(&self) -> Option<String> {
        None
    }
}

/// What a batch was created with.
#[derive(Clone, Debug)]
pub struct BatchSpec {
    /// Batch id.
    pub id: u64,
    /// Authenticated user, if any.
    pub owner: Option<String>,
    /// Impersonated user.
    pub proxy_user: Option<String>,
    /// The full create request (`file` is always set here).
    pub request: CreateBatchRequest,
}

/// How a batch application ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchExit {
    /// Exit code 0: state `success`.
    Success,
    /// Non-zero exit: state `dead`.
    Dead,
}

/// Handed to [`Backend::run_batch`].
#[derive(Clone)]
pub struct BatchCtx {
    pub(crate) batch: Weak<Batch>,
    pub(crate) log: LogSink,
    pub(crate) cancel: CancellationToken,
}

impl BatchCtx {
    /// Marks the application as running (it starts as `starting`).
    pub fn set_running(&self) {
        if let Some(batch) = self.batch.upgrade() {
            batch.mark_running();
        }
    }

    /// Records the Spark application id shown as the batch's `appId` (the first one stands).
    pub fn set_app_id(&self, id: impl Into<String>) {
        if let Some(batch) = self.batch.upgrade() {
            batch.set_app_id(id.into());
        }
    }

    /// Whether the batch's `appId` is known already.
    pub fn has_app_id(&self) -> bool {
        self.batch.upgrade().is_some_and(|b| b.app_id().is_some())
    }

    /// Records the application's Spark UI, shown as `appInfo.sparkUiUrl`.
    pub fn set_spark_ui_url(&self, url: impl Into<String>) {
        if let Some(batch) = self.batch.upgrade() {
            batch.set_spark_ui_url(url.into());
        }
    }

    /// The batch log (spark-submit output goes to stdout).
    pub fn log(&self) -> &LogSink {
        &self.log
    }

    /// Cancelled when the batch is deleted.
    pub fn cancel_token(&self) -> &CancellationToken {
        &self.cancel
    }
}

/// Starts interpreters and runs batches for a [`crate::server::LivyServer`].
pub trait Backend: Send + Sync + 'static {
    /// Refuses a session this backend cannot run (answered 400 with the message), before it
    /// is registered. Accepts every session by default.
    fn check_session(&self, _request: &CreateSessionRequest) -> Result<(), Refusal> {
        Ok(())
    }

    /// Refuses a batch this backend cannot run (answered 400 with the message), before it is
    /// registered. Accepts every batch by default.
    fn check_batch(&self, _request: &CreateBatchRequest) -> Result<(), Refusal> {
        Ok(())
    }

    /// Starts the interpreter of a new session. It may take a while (the session shows
    /// `starting`) and should write spark-submit-like lines to `log` as it goes.
    fn start_session(
        &self,
        spec: SessionSpec,
        log: LogSink,
    ) -> BoxFuture<'static, Result<Arc<dyn Interpreter>, StartFailure>>;

    /// Runs a batch application to its end.
    fn run_batch(&self, spec: BatchSpec, ctx: BatchCtx) -> BoxFuture<'static, BatchExit>;
}
