//! The Livy REST client. It knows nothing about terminals: the CLI and the notebook both
//! drive it. Uses nothing else of this crate.

pub mod challenge;
pub mod client;
pub mod config;
pub mod error;
pub mod failure_reason;
pub mod flavor;
pub mod ids;
pub mod log_tail;
pub mod mime_bundle;
pub mod requests;
pub mod spnego;
pub mod states;
pub mod types;

pub use client::{LivyClient, Order, is_generated_session_name};
pub use config::{Auth, ClientConfig, RetryNotice, RetryPolicy, SlowObserver, TokenRefresh};
pub use error::{ErrorKind, LivyError, Result};
pub use flavor::Flavor;
pub use ids::{BatchId, SessionId, StatementId};
pub use log_tail::{LogDelta, LogSource, LogTail};
pub use mime_bundle::{MimeBundle, SharedJson};
pub use requests::{CompletionRequest, CreateBatch, CreateSession, CreateStatement, LIVY_BODY_FIELDS, Resources};
pub use states::{SessionKind, SessionState, StatementState};
pub use types::*;
