//! Request bodies. Livy parses them with a strict Jackson mapper: an unknown field, or a
//! `null` where it expects a value, is a 400. So every unset field is omitted, and fields a
//! server version does not know are never sent (see `LivyClient::create_session`).

use super::states::SessionKind;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

fn is_empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

/// Spark resources shared by sessions and batches.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_user: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    pub jars: Vec<String>,
    #[serde(skip_serializing_if = "is_empty")]
    pub py_files: Vec<String>,
    #[serde(skip_serializing_if = "is_empty")]
    pub files: Vec<String>,
    #[serde(skip_serializing_if = "is_empty")]
    pub archives: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver_memory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver_cores: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executor_memory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executor_cores: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_executors: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub conf: BTreeMap<String, String>,
}

/// `POST /sessions`.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreateSession {
    /// `None` creates a `shared` session (Livy 0.5+), where each statement names its kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<SessionKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub resources: Resources,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat_timeout_in_second: Option<u32>,
    /// Livy 0.8+ only (an inactivity timeout on 0.8, a lifetime on 0.9+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
    /// Livy 0.9+ only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<String>,
    /// Vendor fields (DLI's `sc_type`, …), sent verbatim at the top level.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST /batches`.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreateBatch {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub resources: Resources,
    /// Vendor fields, sent verbatim at the top level.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The top-level fields Livy's create bodies have, which `extra` must not repeat.
pub const LIVY_BODY_FIELDS: [&str; 20] = [
    "kind",
    "name",
    "proxyUser",
    "jars",
    "pyFiles",
    "files",
    "archives",
    "driverMemory",
    "driverCores",
    "executorMemory",
    "executorCores",
    "numExecutors",
    "queue",
    "conf",
    "heartbeatTimeoutInSecond",
    "ttl",
    "idleTimeout",
    "file",
    "className",
    "args",
];

/// One Spark setting written `key=value` (the value may contain `=`); `None` when it is not
/// of that form.
pub fn conf_pair(pair: &str) -> Option<(String, String)> {
    match pair.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Some((k.trim().to_string(), v.to_string())),
        _ => None,
    }
}

fn set<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

fn set_list(slot: &mut Vec<String>, value: Vec<String>) {
    if !value.is_empty() {
        *slot = value;
    }
}

impl Resources {
    /// What `over` sets wins; Spark settings add up key by key.
    pub fn overlay(&mut self, over: Resources) {
        set(&mut self.proxy_user, over.proxy_user);
        set(&mut self.driver_memory, over.driver_memory);
        set(&mut self.driver_cores, over.driver_cores);
        set(&mut self.executor_memory, over.executor_memory);
        set(&mut self.executor_cores, over.executor_cores);
        set(&mut self.num_executors, over.num_executors);
        set(&mut self.queue, over.queue);
        set_list(&mut self.jars, over.jars);
        set_list(&mut self.py_files, over.py_files);
        set_list(&mut self.files, over.files);
        set_list(&mut self.archives, over.archives);
        self.conf.extend(over.conf);
    }
}

impl CreateSession {
    /// What `over` sets wins (a profile's defaults, then a notebook's `%%configure`, then
    /// the flags); Spark settings and vendor fields add up key by key.
    pub fn overlay(&mut self, over: CreateSession) {
        set(&mut self.kind, over.kind);
        set(&mut self.name, over.name);
        set(&mut self.heartbeat_timeout_in_second, over.heartbeat_timeout_in_second);
        set(&mut self.ttl, over.ttl);
        set(&mut self.idle_timeout, over.idle_timeout);
        self.resources.overlay(over.resources);
        self.extra.extend(over.extra);
    }
}

impl CreateBatch {
    /// What `over` sets wins (a profile's defaults under the flags); the file, class and
    /// arguments come from `over` when it has them.
    pub fn overlay(&mut self, over: CreateBatch) {
        if !over.file.is_empty() {
            self.file = over.file;
        }
        set(&mut self.class_name, over.class_name);
        if !over.args.is_empty() {
            self.args = over.args;
        }
        set(&mut self.name, over.name);
        self.resources.overlay(over.resources);
        self.extra.extend(over.extra);
    }
}

/// `POST /sessions/{id}/statements`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CreateStatement {
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<SessionKind>,
}

/// `POST /sessions/{id}/completion`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CompletionRequest {
    pub code: String,
    /// Livy answers 500 without it.
    pub kind: SessionKind,
    pub cursor: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_fields_are_omitted() {
        let body = serde_json::to_value(CreateSession::default()).unwrap();
        assert_eq!(body, serde_json::json!({}));
        let body = serde_json::to_value(CreateSession {
            kind: Some(SessionKind::PySpark),
            resources: Resources {
                driver_memory: Some("1g".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap();
        assert_eq!(body, serde_json::json!({"kind": "pyspark", "driverMemory": "1g"}));
        let body = serde_json::to_value(CreateStatement {
            code: "1".into(),
            kind: None,
        })
        .unwrap();
        assert_eq!(body, serde_json::json!({"code": "1"}));
    }
}
