//! A Livy-compatible HTTP server.
//!
//! The server owns what Livy's server owns: sessions and batches, statement queues and
//! states, logs with Livy's paging and window, the three shapes of error bodies, CSRF and
//! basic authentication. Running code is delegated through [`Backend`] and
//! [`Interpreter`]: the integration tests plug in a scripted interpreter, and
//! `livy-tui serve` will plug in local PySpark processes. Nothing here touches a terminal.
//!
//! The behaviour follows `docs/livy-api.md` and the real 0.7.1 captures in
//! `tests/fixtures/livy/`; newer versions add fields and options (see [`LivyVersion`]).

mod batch;
mod body;
pub mod clock;
mod config;
mod error;
mod interpreter;
mod kind;
mod livy_server;
pub mod local;
mod log_buffer;
mod registry;
mod requests;
mod response;
mod routes;
mod runner;
mod session;
mod statement;
mod states;
mod version;

pub use config::{BasicCredentials, ServerConfig};
pub use error::ApiError;
pub use interpreter::{
    Backend, BatchCtx, BatchExit, BatchSpec, BoxFuture, ExecCtx, ExecOutcome, ExecRequest, Interpreter, Refusal,
    SessionSpec, StartFailure,
};
pub use kind::Kind;
pub use livy_server::LivyServer;
pub use log_buffer::{LogBuffer, LogPage, LogSink, STDERR_MARKER, STDOUT_MARKER};
pub use requests::{CreateBatchRequest, CreateSessionRequest, parse_time_ms};
pub use response::{HTML_CONTENT_TYPE, JSON_CONTENT_TYPE, jetty_error_page};
pub use states::{SessionState, StatementState};
pub use version::{LivyVersion, version_body};
