//! The request bodies Livy accepts, parsed strictly per server version.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::body::{BodySchema, FieldType, int_field, list_field, map_field, parse_strict, str_field};
use super::error::{ApiError, rpc_trace};
use super::kind::Kind;
use super::version::LivyVersion;

/// The body of `POST /sessions` (`CreateInteractiveRequest`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CreateSessionRequest {
    /// Session kind; `None` creates a `shared` session.
    pub kind: Option<Kind>,
    /// User to impersonate.
    pub proxy_user: Option<String>,
    /// Unique session name.
    pub name: Option<String>,
    /// Jars for the driver and executors.
    pub jars: Option<Vec<String>>,
    /// Python files.
    pub py_files: Option<Vec<String>>,
    /// Plain files.
    pub files: Option<Vec<String>>,
    /// Archives.
    pub archives: Option<Vec<String>>,
    /// Driver memory, e.g. `1g`.
    pub driver_memory: Option<String>,
    /// Driver cores.
    pub driver_cores: Option<i64>,
    /// Executor memory.
    pub executor_memory: Option<String>,
    /// Cores per executor.
    pub executor_cores: Option<i64>,
    /// Number of executors.
    pub num_executors: Option<i64>,
    /// YARN queue.
    pub queue: Option<String>,
    /// Spark configuration.
    pub conf: Option<BTreeMap<String, String>>,
    /// Heartbeat timeout in seconds (0 = none).
    pub heartbeat_timeout_in_second: Option<i64>,
    /// Time to live (0.8+).
    pub ttl: Option<String>,
    /// Idle timeout (0.9+).
    pub idle_timeout: Option<String>,
}

/// The 0.7.1 properties in the order Jackson lists them (`error-session-create-unknown-field.json`).
const SESSION_FIELDS: [(&str, FieldType); 15] = [
    ("executorCores", FieldType::Int),
    ("conf", FieldType::StrMap),
    ("driverMemory", FieldType::Str),
    ("name", FieldType::Str),
    ("driverCores", FieldType::Int),
    ("pyFiles", FieldType::StrList),
    ("archives", FieldType::StrList),
    ("kind", FieldType::Str),
    ("files", FieldType::StrList),
    ("jars", FieldType::StrList),
    ("proxyUser", FieldType::Str),
    ("numExecutors", FieldType::Int),
    ("heartbeatTimeoutInSecond", FieldType::Int),
    ("queue", FieldType::Str),
    ("executorMemory", FieldType::Str),
];

impl CreateSessionRequest {
    /// The Jackson view of the class for a server version: `ttl` exists from 0.8 and
    /// `idleTimeout` from 0.9, so older servers reject them as unknown fields.
    pub fn schema(version: LivyVersion) -> BodySchema {
        let mut fields = SESSION_FIELDS.to_vec();
        if version.at_least(0, 8) {
            fields.push(("ttl", FieldType::Str));
        }
        if version.at_least(0, 9) {
            fields.push(("idleTimeout", FieldType::Str));
        }
        BodySchema {
            class: "org.apache.livy.server.interactive.CreateInteractiveRequest",
            fields,
        }
    }

    /// Parses and validates a create body as the given Livy version would.
    pub fn parse(raw: &[u8], version: LivyVersion) -> Result<Self, ApiError> {
        let schema = Self::schema(version);
        let Some(map) = parse_strict(raw, &schema)? else {
            return Err(ApiError::internal("java.lang.NullPointerException"));
        };
        let kind = match str_field(&map, "kind") {
            None => None,
            Some(text) => Some(Kind::parse(&text).ok_or_else(|| {
                ApiError::jackson(format!(
                    "Invalid kind: {text} (through reference chain: {}[\"kind\"])",
                    schema.class
                ))
            })?),
        };
        let req = CreateSessionRequest {
            kind,
            proxy_user: str_field(&map, "proxyUser"),
            name: str_field(&map, "name"),
            jars: list_field(&map, "jars"),
            py_files: list_field(&map, "pyFiles"),
            files: list_field(&map, "files"),
            archives: list_field(&map, "archives"),
            driver_memory: str_field(&map, "driverMemory"),
            driver_cores: int_field(&map, "driverCores"),
            executor_memory: str_field(&map, "executorMemory"),
            executor_cores: int_field(&map, "executorCores"),
            num_executors: int_field(&map, "numExecutors"),
            queue: str_field(&map, "queue"),
            conf: map_field(&map, "conf"),
            heartbeat_timeout_in_second: int_field(&map, "heartbeatTimeoutInSecond"),
            ttl: str_field(&map, "ttl"),
            idle_timeout: str_field(&map, "idleTimeout"),
        };
        for value in [&req.ttl, &req.idle_timeout].into_iter().flatten() {
            parse_time_ms(value)?;
        }
        Ok(req)
    }
}

/// Livy's `ClientConf.getTimeAsMs`: `10m`, `30s`, `500` (ms), …; errors are 400 `{"msg"}`.
pub fn parse_time_ms(text: &str) -> Result<i64, ApiError> {
    let lower = text.trim().to_lowercase();
    let digits_end = lower
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || (*i == 0 && *c == '-')))
        .map(|(i, _)| i)
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(digits_end);
    let factor = match unit {
        "" | "ms" => Some(1),
        "us" => None,
        "s" => Some(1_000),
        "m" | "min" => Some(60_000),
        "h" => Some(3_600_000),
        "d" => Some(86_400_000),
        _ => {
            return Err(time_error(text));
        }
    };
    let n: i64 = number.parse().map_err(|_| time_error(text))?;
    Ok(factor.map_or(n / 1000, |f| n.saturating_mul(f)))
}

fn time_error(text: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Time must be specified as seconds (s), milliseconds (ms), microseconds (us), minutes (m or min), hour (h), or day (d). E.g. 50s, 100ms, or 250us.\nFailed to parse time string: {text}"
    ))
}

/// The body of `POST /sessions/{id}/statements` (`ExecuteRequest`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecuteRequest {
    /// The code; missing code is a 500 in Livy (an NPE in the driver).
    pub code: Option<String>,
    /// The statement kind as sent (validated later, like the driver does).
    pub kind: Option<String>,
}

impl ExecuteRequest {
    /// Parses a statement body; unknown fields give Jackson's 400.
    pub fn parse(raw: &[u8]) -> Result<Self, ApiError> {
        let schema = BodySchema {
            class: "org.apache.livy.ExecuteRequest",
            fields: vec![
                ("msg_type", FieldType::Str),
                ("kind", FieldType::Str),
                ("code", FieldType::Str),
            ],
        };
        let map = parse_strict(raw, &schema)?.unwrap_or_default();
        Ok(ExecuteRequest {
            code: str_field(&map, "code"),
            kind: str_field(&map, "kind"),
        })
    }
}

/// The body of `POST /sessions/{id}/completion` (`CompletionRequest`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionRequest {
    /// The code being completed.
    pub code: String,
    /// Its kind (required).
    pub kind: Option<String>,
    /// The cursor in `code`, in UTF-16 code units (Livy's completers index a Java string).
    pub cursor: i64,
}

impl CompletionRequest {
    /// Parses a completion body.
    pub fn parse(raw: &[u8]) -> Result<Self, ApiError> {
        let schema = BodySchema {
            class: "org.apache.livy.CompletionRequest",
            fields: vec![
                ("code", FieldType::Str),
                ("kind", FieldType::Str),
                ("cursor", FieldType::Int),
            ],
        };
        let map = parse_strict(raw, &schema)?.unwrap_or_default();
        let code = str_field(&map, "code").unwrap_or_default();
        let cursor = int_field(&map, "cursor").unwrap_or(code.encode_utf16().count() as i64);
        Ok(CompletionRequest {
            code,
            kind: str_field(&map, "kind"),
            cursor,
        })
    }

    /// The cursor as a count of characters (code points) into `code`, within it.
    pub fn char_cursor(&self) -> usize {
        let mut units = 0i64;
        for (chars, c) in self.code.chars().enumerate() {
            if units >= self.cursor {
                return chars;
            }
            units += c.len_utf16() as i64;
        }
        self.code.chars().count()
    }
}

/// A statement kind check as the driver does it: the 500 bodies carry a Java trace.
pub fn statement_kind(sent: Option<&str>, session_kind: Kind) -> Result<Kind, ApiError> {
    match sent {
        None if session_kind == Kind::Shared => Err(ApiError::internal(format!(
            "java.util.concurrent.ExecutionException: org.apache.livy.rsc.rpc.RpcException: java.lang.IllegalArgumentException: Code type should be specified if session kind is shared{}",
            rpc_trace(&["org.apache.livy.repl.Session.execute(Session.scala:156)"])
        ))),
        None => Ok(session_kind),
        Some(text) => match Kind::parse(text) {
            Some(kind) if kind != Kind::Shared => Ok(kind),
            _ => Err(invalid_kind_500(text, "execute(Session.scala:152)")),
        },
    }
}

/// 500 `…IllegalArgumentException: Invalid kind: x` as the driver raises it.
pub fn invalid_kind_500(text: &str, frame: &str) -> ApiError {
    ApiError::internal(format!(
        "java.util.concurrent.ExecutionException: org.apache.livy.rsc.rpc.RpcException: java.lang.IllegalArgumentException: Invalid kind: {text}{}",
        rpc_trace(&[
            "org.apache.livy.sessions.Kind$.apply(Kind.scala:46)",
            &format!("org.apache.livy.repl.Session.{frame}"),
        ])
    ))
}

/// The body of `POST /batches` (`CreateBatchRequest`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CreateBatchRequest {
    /// The application file (required).
    pub file: Option<String>,
    /// User to impersonate.
    pub proxy_user: Option<String>,
    /// Main class for a jar.
    pub class_name: Option<String>,
    /// Application arguments.
    pub args: Option<Vec<String>>,
    /// Jars.
    pub jars: Option<Vec<String>>,
    /// Python files.
    pub py_files: Option<Vec<String>>,
    /// Plain files.
    pub files: Option<Vec<String>>,
    /// Driver memory.
    pub driver_memory: Option<String>,
    /// Driver cores.
    pub driver_cores: Option<i64>,
    /// Executor memory.
    pub executor_memory: Option<String>,
    /// Cores per executor.
    pub executor_cores: Option<i64>,
    /// Number of executors.
    pub num_executors: Option<i64>,
    /// Archives.
    pub archives: Option<Vec<String>>,
    /// YARN queue.
    pub queue: Option<String>,
    /// Unique batch name.
    pub name: Option<String>,
    /// Spark configuration.
    pub conf: Option<BTreeMap<String, String>>,
}

impl CreateBatchRequest {
    /// Parses a batch body; unknown fields give Jackson's 400.
    pub fn parse(raw: &[u8]) -> Result<Self, ApiError> {
        let schema = BodySchema {
            class: "org.apache.livy.server.batch.CreateBatchRequest",
            fields: vec![
                ("file", FieldType::Str),
                ("proxyUser", FieldType::Str),
                ("className", FieldType::Str),
                ("args", FieldType::StrList),
                ("jars", FieldType::StrList),
                ("pyFiles", FieldType::StrList),
                ("files", FieldType::StrList),
                ("driverMemory", FieldType::Str),
                ("driverCores", FieldType::Int),
                ("executorMemory", FieldType::Str),
                ("executorCores", FieldType::Int),
                ("numExecutors", FieldType::Int),
                ("archives", FieldType::StrList),
                ("queue", FieldType::Str),
                ("name", FieldType::Str),
                ("conf", FieldType::StrMap),
            ],
        };
        let Some(map) = parse_strict(raw, &schema)? else {
            return Err(ApiError::internal("java.lang.NullPointerException"));
        };
        Ok(Self::from_map(&map))
    }

    fn from_map(map: &Map<String, Value>) -> Self {
        CreateBatchRequest {
            file: str_field(map, "file"),
            proxy_user: str_field(map, "proxyUser"),
            class_name: str_field(map, "className"),
            args: list_field(map, "args"),
            jars: list_field(map, "jars"),
            py_files: list_field(map, "pyFiles"),
            files: list_field(map, "files"),
            driver_memory: str_field(map, "driverMemory"),
            driver_cores: int_field(map, "driverCores"),
            executor_memory: str_field(map, "executorMemory"),
            executor_cores: int_field(map, "executorCores"),
            num_executors: int_field(map, "numExecutors"),
            archives: list_field(map, "archives"),
            queue: str_field(map, "queue"),
            name: str_field(map, "name"),
            conf: map_field(map, "conf"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_completion_cursor_counts_utf16_units() {
        let at = |code: &str, cursor: i64| {
            CompletionRequest {
                code: code.into(),
                kind: None,
                cursor,
            }
            .char_cursor()
        };
        assert_eq!(at("spark.ran", 9), 9);
        assert_eq!(at("s = '😀'; spark.r", 17), 16, "😀 is two units, one character");
        assert_eq!(at("ab", 99), 2);
        assert_eq!(at("ab", -4), 0);
        let parsed = CompletionRequest::parse(r#"{"code": "xé", "kind": "spark"}"#.as_bytes()).unwrap();
        assert_eq!(parsed.char_cursor(), 2, "no cursor: the end");
    }

    #[test]
    fn time_strings() {
        assert_eq!(parse_time_ms("10m").unwrap(), 600_000);
        assert_eq!(parse_time_ms("500").unwrap(), 500);
        assert!(parse_time_ms("banana").is_err());
    }

    #[test]
    fn ttl_is_gated_by_version() {
        let body = br#"{"kind":"spark","ttl":"10m"}"#;
        assert!(CreateSessionRequest::parse(body, LivyVersion::parse("0.7.1").unwrap()).is_err());
        let req = CreateSessionRequest::parse(body, LivyVersion::parse("0.8.0").unwrap()).unwrap();
        assert_eq!(req.ttl.as_deref(), Some("10m"));
        let idle = br#"{"idleTimeout":"1h"}"#;
        assert!(CreateSessionRequest::parse(idle, LivyVersion::parse("0.8.0").unwrap()).is_err());
        assert!(CreateSessionRequest::parse(idle, LivyVersion::parse("0.9.0").unwrap()).is_ok());
    }
}
