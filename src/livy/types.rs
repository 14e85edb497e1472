//! What the Livy server sends back: sessions, statements, outputs, batches, logs, version.
//!
//! Parsing is lenient by design: unknown fields are ignored, `null` stands for "unset"
//! everywhere, and 0.8+ servers' `0` for unset integers becomes `None`.

use super::ids::{BatchId, SessionId, StatementId, number_or_string};
use super::mime_bundle::MimeBundle;
use super::states::{SessionKind, SessionState, StatementState};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `null` or missing → the type's default.
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Livy 0.8+ reports unset integers as `0`.
fn zero_as_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        Some(Value::Number(n)) => n.as_u64().filter(|n| *n != 0),
        Some(Value::String(s)) => s.parse().ok().filter(|n| *n != 0),
        _ => None,
    })
}

/// Epoch milliseconds where `0` means "not yet".
fn epoch_ms<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    zero_as_none(d)
}

/// A JSON string or a list of strings (vendors differ) as lines.
fn string_or_lines<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|i| match i {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .collect(),
        Some(Value::String(s)) if s.is_empty() => Vec::new(),
        Some(Value::String(s)) => s.lines().map(str::to_string).collect(),
        _ => Vec::new(),
    })
}

fn opt_number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let s = number_or_string(d)?;
    Ok(s.parse().ok())
}

/// Links Livy fills in on YARN and Kubernetes (null in local mode).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct AppInfo {
    pub driver_log_url: Option<String>,
    pub spark_ui_url: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub executor_log_urls: Option<Value>,
}

/// An interactive session (`GET /sessions/{id}`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Session {
    pub id: SessionId,
    pub name: Option<String>,
    pub app_id: Option<String>,
    pub owner: Option<String>,
    pub proxy_user: Option<String>,
    pub state: SessionState,
    pub kind: SessionKind,
    #[serde(deserialize_with = "null_default")]
    pub app_info: AppInfo,
    /// The last lines of the session log (10 on Livy).
    #[serde(deserialize_with = "string_or_lines")]
    pub log: Vec<String>,
    // Fields 0.8+ servers echo back from the create request.
    pub ttl: Option<String>,
    pub idle_timeout: Option<String>,
    pub driver_memory: Option<String>,
    #[serde(deserialize_with = "zero_as_none")]
    pub driver_cores: Option<u64>,
    pub executor_memory: Option<String>,
    #[serde(deserialize_with = "zero_as_none")]
    pub executor_cores: Option<u64>,
    #[serde(deserialize_with = "zero_as_none")]
    pub num_executors: Option<u64>,
    pub queue: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub conf: BTreeMap<String, Value>,
    #[serde(deserialize_with = "null_default")]
    pub jars: Vec<String>,
    #[serde(deserialize_with = "null_default")]
    pub py_files: Vec<String>,
    #[serde(deserialize_with = "null_default")]
    pub files: Vec<String>,
    #[serde(deserialize_with = "null_default")]
    pub archives: Vec<String>,
    #[serde(deserialize_with = "zero_as_none")]
    pub heartbeat_timeout_in_second: Option<u64>,
}

impl Session {
    /// Whether `later`, what the server now says under this id, can still be this session.
    /// Livy restarted without recovery numbers sessions from 0 again, so an id may come to
    /// name another user's session: what a session keeps for its life (kind, name, owner,
    /// proxy user, YARN application once it has one) must match, and a session that had
    /// started never starts again.
    pub fn is_same_session(&self, later: &Session) -> bool {
        let app_kept = match (&self.app_id, &later.app_id) {
            (Some(before), Some(now)) => before == now,
            (Some(_), None) => false,
            (None, _) => true,
        };
        let started_again =
            self.state.accepts_statements() && matches!(later.state, SessionState::NotStarted | SessionState::Starting);
        self.id == later.id
            && self.kind == later.kind
            && self.name == later.name
            && self.owner == later.owner
            && self.proxy_user == later.proxy_user
            && app_kept
            && !started_again
    }
}

impl Default for SessionState {
    fn default() -> Self {
        SessionState::Unknown(String::new())
    }
}

impl Default for SessionKind {
    fn default() -> Self {
        SessionKind::Unknown(String::new())
    }
}

impl Default for StatementState {
    fn default() -> Self {
        StatementState::Unknown(String::new())
    }
}

/// `GET /sessions/{id}/state`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct SessionStateReply {
    pub id: SessionId,
    pub state: SessionState,
}

/// One page of `GET /sessions` or `GET /batches` (both use the key `sessions`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    #[serde(deserialize_with = "opt_number_or_string")]
    pub from: Option<u64>,
    /// Fabric calls it `totalCountOfMatchedItems`.
    #[serde(alias = "totalCountOfMatchedItems", deserialize_with = "opt_number_or_string")]
    pub total: Option<u64>,
    #[serde(alias = "batches", alias = "items", deserialize_with = "null_default")]
    pub sessions: Vec<T>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Self {
            from: None,
            total: None,
            sessions: Vec::new(),
        }
    }
}

/// A statement (`GET /sessions/{id}/statements/{sid}`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Statement {
    pub id: StatementId,
    pub code: String,
    pub state: StatementState,
    /// `null` until the statement finishes.
    pub output: Option<StatementOutput>,
    #[serde(deserialize_with = "null_default")]
    pub progress: f64,
    #[serde(deserialize_with = "epoch_ms")]
    pub started: Option<u64>,
    #[serde(deserialize_with = "epoch_ms")]
    pub completed: Option<u64>,
}

impl Statement {
    /// How the statement ended, once it has: success, failure (an error output, which
    /// Livy reports as state `available`), or cancelled.
    pub fn outcome(&self) -> Option<Outcome> {
        if !self.state.is_finished() {
            return None;
        }
        if self.state == StatementState::Cancelled {
            return Some(Outcome::Cancelled);
        }
        match self.output.as_ref().and_then(StatementOutput::error) {
            Some(e) => Some(Outcome::Failed(e)),
            None => Some(Outcome::Succeeded),
        }
    }
}

/// The end of a finished statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Succeeded,
    Failed(StatementError),
    Cancelled,
}

/// `GET /sessions/{id}/statements`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct StatementList {
    #[serde(alias = "totalStatements")]
    pub total_statements: u64,
    #[serde(deserialize_with = "null_default")]
    pub statements: Vec<Statement>,
}

/// Whether the code ran to completion.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum OutputStatus {
    #[default]
    Ok,
    Error,
    Unknown(String),
}

impl<'de> Deserialize<'de> for OutputStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Option::<String>::deserialize(d)?.unwrap_or_default();
        Ok(match s.to_ascii_lowercase().as_str() {
            "ok" => Self::Ok,
            "error" => Self::Error,
            _ => Self::Unknown(s),
        })
    }
}

impl Serialize for OutputStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Unknown(x) => x,
        })
    }
}

/// A statement's `output`: a mime bundle on success, `ename`/`evalue`/`traceback` on failure.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct StatementOutput {
    pub status: OutputStatus,
    #[serde(alias = "executionCount")]
    pub execution_count: Option<i64>,
    /// Mime type → value (`text/plain`, `application/json`, `image/png`,
    /// `application/vnd.livy.table.v1+json`, …).
    pub data: MimeBundle,
    pub ename: Option<String>,
    pub evalue: Option<String>,
    #[serde(deserialize_with = "string_or_lines")]
    pub traceback: Vec<String>,
}

/// Mime type of plain text output.
pub const MIME_TEXT: &str = "text/plain";
/// Mime type of JSON output (also a `sql` statement's `{schema, data}`).
pub const MIME_JSON: &str = "application/json";
/// Livy's table type (`%table`).
pub const MIME_TABLE: &str = "application/vnd.livy.table.v1+json";
/// Base64 PNG (`%matplot`).
pub const MIME_PNG: &str = "image/png";

/// A failed statement's error.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct StatementError {
    pub ename: String,
    pub evalue: String,
    pub traceback: Vec<String>,
}

impl StatementOutput {
    /// The error, if the statement failed. Also catches Livy's pyspark bug where `%table` or
    /// `%json` of a missing variable reports `status: ok` with an error reply nested in `data`.
    pub fn error(&self) -> Option<StatementError> {
        if self.status == OutputStatus::Error {
            return Some(StatementError {
                ename: self.ename.clone().unwrap_or_else(|| "Error".into()),
                evalue: self.evalue.clone().unwrap_or_default(),
                traceback: self.traceback.clone(),
            });
        }
        // Small: only a bundle holding this error reply is parsed.
        if self.data.string("msg_type").as_deref() != Some("execute_reply") {
            return None;
        }
        let content = self.data.value("content")?;
        if content.get("status").and_then(Value::as_str) != Some("error") {
            return None;
        }
        let field = |k: &str| content.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let traceback = content
            .get("traceback")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|l| l.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        Some(StatementError {
            ename: field("ename"),
            evalue: field("evalue"),
            traceback,
        })
    }

    /// The `text/plain` part, if any.
    pub fn text(&self) -> Option<String> {
        self.data.string(MIME_TEXT)
    }
}

/// `POST /sessions/{id}/completion`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Completion {
    #[serde(deserialize_with = "null_default")]
    pub candidates: Vec<String>,
}

/// A batch (`GET /batches/{id}`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Batch {
    pub id: BatchId,
    pub name: Option<String>,
    pub owner: Option<String>,
    pub proxy_user: Option<String>,
    pub state: SessionState,
    pub app_id: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub app_info: AppInfo,
    #[serde(deserialize_with = "string_or_lines")]
    pub log: Vec<String>,
}

/// `GET /sessions/{id}/log` or `GET /batches/{id}/log`: a window of the lines the server holds.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct LogPage {
    pub id: SessionId,
    /// The offset the server actually used.
    #[serde(deserialize_with = "opt_number_or_string")]
    pub from: Option<u64>,
    /// How many lines the server holds (its window moves as old lines drop).
    #[serde(deserialize_with = "opt_number_or_string")]
    pub total: Option<u64>,
    #[serde(deserialize_with = "string_or_lines")]
    pub log: Vec<String>,
}

/// `GET /version`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct VersionInfo {
    pub version: String,
    pub revision: Option<String>,
    pub branch: Option<String>,
    pub user: Option<String>,
    pub date: Option<String>,
    pub url: Option<String>,
}

/// A Livy release number, from strings such as `0.7.1-incubating`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LivyVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl LivyVersion {
    /// Parses the leading `major.minor[.patch]`; `None` when it is not a version.
    pub fn parse(s: &str) -> Option<Self> {
        let core = s.trim().trim_start_matches('v');
        let core = core.split(|c: char| !(c.is_ascii_digit() || c == '.')).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u32>());
        let major = parts.next()?.ok()?;
        let minor = parts.next()?.ok()?;
        let patch = parts.next().and_then(Result::ok).unwrap_or(0);
        Some(Self { major, minor, patch })
    }

    /// True when this version is `major.minor` or newer.
    pub fn at_least(self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// Shorthand for comparisons: `v >= LivyVersion::new(0, 8)`.
    pub const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor, patch: 0 }
    }
}

impl std::fmt::Display for LivyVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_strings_parse() {
        let v = LivyVersion::parse("0.7.1-incubating").unwrap();
        assert_eq!(
            v,
            LivyVersion {
                major: 0,
                minor: 7,
                patch: 1
            }
        );
        assert!(v < LivyVersion::new(0, 8));
        assert_eq!(
            LivyVersion::parse("0.9"),
            Some(LivyVersion {
                major: 0,
                minor: 9,
                patch: 0
            })
        );
        assert_eq!(LivyVersion::parse("unknown"), None);
    }

    #[test]
    fn zero_and_null_mean_unset() {
        let s: Session = serde_json::from_str(
            r#"{"id":1,"state":"idle","kind":"spark","driverCores":0,"numExecutors":3,
                "conf":null,"jars":null,"log":null,"appInfo":null,"ttl":null}"#,
        )
        .unwrap();
        assert_eq!(s.driver_cores, None);
        assert_eq!(s.num_executors, Some(3));
        assert!(s.conf.is_empty() && s.jars.is_empty() && s.log.is_empty());
    }

    #[test]
    fn traceback_may_be_a_string() {
        let o: StatementOutput =
            serde_json::from_str(r#"{"status":"error","ename":"E","evalue":"v","traceback":"a\nb"}"#).unwrap();
        assert_eq!(o.traceback, vec!["a", "b"]);
        assert_eq!(o.error().unwrap().ename, "E");
    }

    #[test]
    fn waiting_statement_has_no_outcome() {
        let s: Statement = serde_json::from_str(
            r#"{"id":0,"code":"1","state":"waiting","output":null,"progress":0.0,"started":0,"completed":0}"#,
        )
        .unwrap();
        assert_eq!(s.outcome(), None);
        assert_eq!(s.started, None);
    }
}
