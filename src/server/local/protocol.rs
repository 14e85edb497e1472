//! The line protocol between the server and `assets/local_driver.py`.
//!
//! One JSON object per line. The server writes to the driver's stdin; the driver answers on
//! its own stdout, which it keeps private (it points fd 1 at stderr before Spark starts, so
//! whatever the JVM prints lands in the session log, never in the protocol):
//!
//! - server → driver: `start` (once, first), `execute {id, kind, code}`, `cancel {id}`,
//!   `complete {id, kind, code, cursor}` (its own ids; `cursor` counts characters), `shutdown` (or
//!   EOF on stdin: the driver stops Spark and exits either way);
//! - driver → server: `ready {…}` or `fatal {reason, message}` once after `start`, then
//!   `progress {id, progress}` while a statement runs and exactly one `result {id, output}`
//!   per `execute`, where `output` is Livy's statement output without `execution_count`;
//!   one `completion {id, candidates}` per `complete`, even while a statement runs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::super::requests::CreateSessionRequest;

/// The session's settings, sent first.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub(crate) struct StartMessage {
    pub app_name: String,
    pub kind: String,
    pub conf: BTreeMap<String, String>,
    pub driver_memory: Option<String>,
    pub driver_cores: Option<i64>,
    pub jars: Vec<String>,
    pub py_files: Vec<String>,
    pub files: Vec<String>,
    pub archives: Vec<String>,
    pub sql_rows: usize,
}

impl StartMessage {
    /// The settings of a session created with `request`.
    pub fn new(id: u64, request: &CreateSessionRequest, kind: &str, sql_rows: usize) -> StartMessage {
        StartMessage {
            app_name: request.name.clone().unwrap_or_else(|| format!("livy-session-{id}")),
            kind: kind.to_string(),
            conf: request.conf.clone().unwrap_or_default(),
            driver_memory: request.driver_memory.clone(),
            driver_cores: request.driver_cores,
            jars: request.jars.clone().unwrap_or_default(),
            py_files: request.py_files.clone().unwrap_or_default(),
            files: request.files.clone().unwrap_or_default(),
            archives: request.archives.clone().unwrap_or_default(),
            sql_rows,
        }
    }
}

/// A message to the driver.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ToDriver<'a> {
    Start(&'a StartMessage),
    Execute {
        id: u64,
        kind: &'a str,
        code: &'a str,
    },
    Cancel {
        id: u64,
    },
    Shutdown,
    Complete {
        id: u64,
        kind: &'a str,
        code: &'a str,
        cursor: usize,
    },
}

impl ToDriver<'_> {
    /// The message as one line, newline included.
    pub fn line(&self) -> String {
        // Serialising these plain structs cannot fail.
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }
}

/// A message from the driver.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum FromDriver {
    Ready {
        #[serde(default)]
        spark_version: Option<String>,
        #[serde(default)]
        python_version: Option<String>,
        #[serde(default)]
        app_id: Option<String>,
        #[serde(default)]
        ui_url: Option<String>,
    },
    Fatal {
        #[serde(default)]
        reason: Option<String>,
        message: String,
    },
    Progress {
        id: u64,
        progress: f64,
    },
    Result {
        id: u64,
        output: Value,
    },
    Completion {
        id: u64,
        #[serde(default)]
        candidates: Vec<String>,
    },
    /// A newer driver's message this server does not know: ignored.
    #[serde(other)]
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_to_the_driver_are_single_lines() {
        let code = "print('a')\nprint('b')";
        let line = ToDriver::Execute {
            id: 3,
            kind: "pyspark",
            code,
        }
        .line();
        assert_eq!(line.matches('\n').count(), 1, "{line}");
        let back: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            back,
            json!({"type": "execute", "id": 3, "kind": "pyspark", "code": code})
        );
        assert_eq!(ToDriver::Shutdown.line(), "{\"type\":\"shutdown\"}\n");
        let complete = ToDriver::Complete {
            id: 4,
            kind: "spark",
            code: "x = 1\nspark.ran",
            cursor: 15,
        }
        .line();
        assert_eq!(
            serde_json::from_str::<Value>(&complete).unwrap(),
            json!({"type": "complete", "id": 4, "kind": "spark", "code": "x = 1\nspark.ran", "cursor": 15})
        );
    }

    #[test]
    fn start_carries_the_create_request() {
        let body = json!({
            "kind": "pyspark", "driverMemory": "2g", "conf": {"spark.sql.shuffle.partitions": "4"},
            "pyFiles": ["/tmp/lib.py"]
        });
        let version = crate::server::LivyVersion::parse("0.7.1").unwrap();
        let request = CreateSessionRequest::parse(body.to_string().as_bytes(), version).unwrap();
        let start = StartMessage::new(7, &request, "pyspark", 50);
        let value = serde_json::to_value(ToDriver::Start(&start)).unwrap();
        assert_eq!(value["type"], "start");
        assert_eq!(value["app_name"], "livy-session-7");
        assert_eq!(value["driver_memory"], "2g");
        assert_eq!(value["conf"]["spark.sql.shuffle.partitions"], "4");
        assert_eq!(value["py_files"], json!(["/tmp/lib.py"]));
        assert_eq!(value["sql_rows"], 50);
    }

    #[test]
    fn driver_messages_parse_and_unknown_ones_are_tolerated() {
        let ready: FromDriver =
            serde_json::from_str(r#"{"type":"ready","spark_version":"4.3.0","app_id":"local-1","extra":1}"#).unwrap();
        assert!(matches!(ready, FromDriver::Ready { app_id: Some(ref a), .. } if a == "local-1"));
        let progress: FromDriver = serde_json::from_str(r#"{"type":"progress","id":2,"progress":0.5}"#).unwrap();
        assert_eq!(progress, FromDriver::Progress { id: 2, progress: 0.5 });
        let completion: FromDriver =
            serde_json::from_str(r#"{"type":"completion","id":4,"candidates":["spark.range("]}"#).unwrap();
        assert_eq!(
            completion,
            FromDriver::Completion {
                id: 4,
                candidates: vec!["spark.range(".into()]
            }
        );
        let other: FromDriver = serde_json::from_str(r#"{"type":"telemetry","x":1}"#).unwrap();
        assert_eq!(other, FromDriver::Unknown);
        assert!(serde_json::from_str::<FromDriver>(r#"{"type":"result"}"#).is_err());
    }
}
