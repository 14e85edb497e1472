//! Saved cell outputs in Jupyter's shapes, and the bridge to and from Livy statement outputs so
//! a saved output re-renders through the same pipeline as a live one.
//!
//! An output is typed only when it has exactly the fields nbformat defines for its type;
//! anything else (extra fields, odd types, future output types) is kept verbatim as
//! [`JupyterOutput::Other`] so saving never loses it.

use super::multiline::{is_split_mime, join_bundle, join_lines, lines_value};
use super::raw_pieces::RawPieces;
use crate::livy::{MIME_TEXT, MimeBundle, OutputStatus, StatementOutput};
use serde_json::{Map, Value};
use std::sync::Arc;

/// One entry of a code cell's `outputs`.
#[derive(Clone, Debug, PartialEq)]
pub enum JupyterOutput {
    /// A result: the full mime bundle (`text/plain`, `application/json`,
    /// `application/vnd.livy.table.v1+json`, `image/png`, …).
    ExecuteResult {
        data: MimeBundle,
        metadata: Map<String, Value>,
        execution_count: Option<i64>,
    },
    /// Rich output that is not the cell's result.
    DisplayData {
        data: MimeBundle,
        metadata: Map<String, Value>,
    },
    /// Text written to `stdout` or `stderr`.
    Stream { name: String, text: String },
    /// A failure.
    Error {
        ename: String,
        evalue: String,
        traceback: Vec<String>,
    },
    /// Anything else, exactly as read.
    Other(Value),
}

fn keys_are(obj: &Map<String, Value>, keys: &[&str]) -> bool {
    obj.len() == keys.len() && keys.iter().all(|k| obj.contains_key(*k))
}

fn string_list(v: &Value) -> Option<Vec<String>> {
    v.as_array()?.iter().map(|l| l.as_str().map(str::to_string)).collect()
}

fn count(v: &Value) -> Option<Option<i64>> {
    match v {
        Value::Null => Some(None),
        Value::Number(n) => n.as_i64().map(Some),
        _ => None,
    }
}

impl JupyterOutput {
    /// Reads one output as stored in a notebook file.
    pub fn from_json(value: Value) -> Self {
        Self::from_json_with(value, &RawPieces::inline())
    }

    /// [`JupyterOutput::from_json`] of an output whose JSON results the reader left as
    /// placeholders in `pieces` (see `raw_pieces`).
    pub(super) fn from_json_with(mut value: Value, pieces: &RawPieces) -> Self {
        if !Self::has_known_shape(&value) {
            // Kept verbatim: with its results back in place.
            pieces.resolve(&mut value);
            return Self::Other(value);
        }
        // The shape is checked: take the parts without copying (large images and tables).
        let Value::Object(mut obj) = value else {
            return Self::Other(Value::Null);
        };
        let mut take = |key: &str| obj.remove(key).unwrap_or_default();
        let object = |v: Value| match v {
            Value::Object(o) => o,
            _ => Map::new(),
        };
        let string = |v: Value| match v {
            Value::String(s) => s,
            _ => String::new(),
        };
        let bundle = |v: Value| {
            let mut data = object(v);
            join_bundle(&mut data);
            let mut bundle = MimeBundle::new();
            for (mime, value) in data {
                match value.as_str().and_then(|text| pieces.shared(text)) {
                    Some(piece) => bundle.insert_raw(mime, Arc::clone(piece)),
                    None => bundle.insert(mime, &value),
                }
            }
            bundle
        };
        match take("output_type").as_str().unwrap_or_default() {
            "execute_result" => Self::ExecuteResult {
                data: bundle(take("data")),
                metadata: object(take("metadata")),
                execution_count: take("execution_count").as_i64(),
            },
            "display_data" => Self::DisplayData {
                data: bundle(take("data")),
                metadata: object(take("metadata")),
            },
            "stream" => Self::Stream {
                name: string(take("name")),
                text: join_lines(&take("text")).unwrap_or_default(),
            },
            _ => Self::Error {
                ename: string(take("ename")),
                evalue: string(take("evalue")),
                traceback: string_list(&take("traceback")).unwrap_or_default(),
            },
        }
    }

    /// Exactly the fields nbformat defines for the output's type, with the right types.
    fn has_known_shape(value: &Value) -> bool {
        let Some(obj) = value.as_object() else {
            return false;
        };
        let is_object = |k: &str| obj.get(k).is_some_and(Value::is_object);
        let is_string = |k: &str| obj.get(k).is_some_and(Value::is_string);
        match obj.get("output_type").and_then(Value::as_str) {
            Some("execute_result") => {
                keys_are(obj, &["output_type", "data", "metadata", "execution_count"])
                    && is_object("data")
                    && is_object("metadata")
                    && count(&obj["execution_count"]).is_some()
            }
            Some("display_data") => {
                keys_are(obj, &["output_type", "data", "metadata"]) && is_object("data") && is_object("metadata")
            }
            Some("stream") => {
                keys_are(obj, &["output_type", "name", "text"])
                    && is_string("name")
                    && join_lines(&obj["text"]).is_some()
            }
            Some("error") => {
                keys_are(obj, &["output_type", "ename", "evalue", "traceback"])
                    && is_string("ename")
                    && is_string("evalue")
                    && string_list(&obj["traceback"]).is_some()
            }
            _ => false,
        }
    }

    /// The output as written to a notebook file (texts split into lines like Jupyter).
    pub fn to_json(&self) -> Value {
        self.to_json_with(&mut RawPieces::inline())
    }

    /// [`JupyterOutput::to_json`], with the JSON results left to `pieces` (see
    /// `raw_pieces`).
    pub(super) fn to_json_with(&self, pieces: &mut RawPieces) -> Value {
        let mut obj = Map::new();
        match self {
            Self::ExecuteResult {
                data,
                metadata,
                execution_count,
            } => {
                obj.insert("output_type".into(), "execute_result".into());
                obj.insert("data".into(), Value::Object(bundle_json(data, pieces)));
                obj.insert("metadata".into(), Value::Object(metadata.clone()));
                obj.insert(
                    "execution_count".into(),
                    execution_count.map_or(Value::Null, Value::from),
                );
            }
            Self::DisplayData { data, metadata } => {
                obj.insert("output_type".into(), "display_data".into());
                obj.insert("data".into(), Value::Object(bundle_json(data, pieces)));
                obj.insert("metadata".into(), Value::Object(metadata.clone()));
            }
            Self::Stream { name, text } => {
                obj.insert("output_type".into(), "stream".into());
                obj.insert("name".into(), name.clone().into());
                obj.insert("text".into(), lines_value(text));
            }
            Self::Error {
                ename,
                evalue,
                traceback,
            } => {
                obj.insert("output_type".into(), "error".into());
                obj.insert("ename".into(), ename.clone().into());
                obj.insert("evalue".into(), evalue.clone().into());
                obj.insert("traceback".into(), traceback.clone().into());
            }
            Self::Other(v) => return v.clone(),
        }
        Value::Object(obj)
    }

    /// The outputs to save for a finished Livy statement: its whole mime bundle as an
    /// `execute_result`, or an `error` (including Livy's pyspark bug of an error nested in an
    /// `ok` output).
    pub fn from_statement_output(output: &StatementOutput) -> Vec<JupyterOutput> {
        if let Some(e) = output.error() {
            return vec![Self::Error {
                ename: e.ename,
                evalue: e.evalue,
                traceback: e.traceback,
            }];
        }
        vec![Self::ExecuteResult {
            data: output.data.clone(),
            metadata: Map::new(),
            execution_count: output.execution_count,
        }]
    }

    /// This one output as a Livy statement output: results and display data are `ok` with
    /// their bundle, errors are errors, streams are `text/plain`. `None` for an unreadable
    /// [`JupyterOutput::Other`].
    pub fn to_statement_output(&self) -> Option<StatementOutput> {
        match self {
            Self::ExecuteResult {
                data, execution_count, ..
            } => Some(StatementOutput {
                execution_count: *execution_count,
                data: data.clone(),
                ..Default::default()
            }),
            Self::DisplayData { data, .. } => Some(StatementOutput {
                data: data.clone(),
                ..Default::default()
            }),
            Self::Stream { text, .. } => Some(text_output(text.clone())),
            Self::Error {
                ename,
                evalue,
                traceback,
            } => Some(StatementOutput {
                status: OutputStatus::Error,
                ename: Some(ename.clone()),
                evalue: Some(evalue.clone()),
                traceback: traceback.clone(),
                ..Default::default()
            }),
            Self::Other(v) => loose(v),
        }
    }
}

/// A bundle as nbformat writes it: texts split into lines, JSON values as they are (through
/// `pieces`, so a big result is not parsed here).
fn bundle_json(data: &MimeBundle, pieces: &mut RawPieces) -> Map<String, Value> {
    data.iter_shared()
        .map(|(mime, raw)| {
            let text = raw.get();
            let value = match is_split_mime(mime) && text.starts_with('"') {
                true => match serde_json::from_str::<String>(text) {
                    Ok(s) => lines_value(&s),
                    Err(_) => pieces.value(raw),
                },
                false => pieces.value(raw),
            };
            (mime.to_string(), value)
        })
        .collect()
}

fn text_output(text: String) -> StatementOutput {
    let mut data = MimeBundle::new();
    data.insert(MIME_TEXT, &Value::String(text));
    StatementOutput {
        data,
        ..Default::default()
    }
}

/// Best effort for outputs kept verbatim: whatever fields look like a bundle, text or error.
fn loose(v: &Value) -> Option<StatementOutput> {
    let obj = v.as_object()?;
    if let Some(ename) = obj.get("ename").and_then(Value::as_str) {
        return Some(StatementOutput {
            status: OutputStatus::Error,
            ename: Some(ename.to_string()),
            evalue: obj.get("evalue").and_then(Value::as_str).map(str::to_string),
            traceback: obj.get("traceback").and_then(string_list).unwrap_or_default(),
            ..Default::default()
        });
    }
    if let Some(data) = obj.get("data").and_then(Value::as_object) {
        let mut data = data.clone();
        join_bundle(&mut data);
        return Some(StatementOutput {
            execution_count: obj.get("execution_count").and_then(Value::as_i64),
            data: data.into(),
            ..Default::default()
        });
    }
    obj.get("text").and_then(join_lines).map(text_output)
}

/// A cell's saved outputs as the one statement output the renderer shows: the first error if
/// any; otherwise the last result with data (or, failing that, the last display data with
/// data) with the streams' text put before its `text/plain`; otherwise the streams' text.
/// `None` when there is nothing. Outputs kept verbatim count by their `output_type`.
pub fn outputs_to_statement_output(outputs: &[JupyterOutput]) -> Option<StatementOutput> {
    let converted: Vec<(Role, StatementOutput)> = outputs
        .iter()
        .filter_map(|o| o.to_statement_output().map(|s| (o.role(), s)))
        .collect();
    if let Some((_, e)) = converted.iter().find(|(_, s)| s.status == OutputStatus::Error) {
        return Some(e.clone());
    }
    let streams: String = converted
        .iter()
        .filter(|(r, _)| *r == Role::Stream)
        .filter_map(|(_, s)| s.text())
        .collect();
    let last = |role: Role| {
        converted
            .iter()
            .rev()
            .find(|(r, s)| *r == role && !s.data.is_empty())
            .map(|(_, s)| s.clone())
    };
    match last(Role::Result).or_else(|| last(Role::Display)) {
        Some(mut main) => {
            if !streams.is_empty() {
                let text = match main.text() {
                    Some(t) if streams.ends_with('\n') || t.is_empty() => format!("{streams}{t}"),
                    Some(t) => format!("{streams}\n{t}"),
                    None => streams,
                };
                main.data.insert(MIME_TEXT, &Value::String(text));
            }
            Some(main)
        }
        None if converted.is_empty() => None,
        None => Some(text_output(streams)),
    }
}

/// How an output counts when a cell's outputs are shown as one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Result,
    Display,
    Stream,
}

impl JupyterOutput {
    fn role(&self) -> Role {
        let output_type = match self {
            Self::ExecuteResult { .. } => "execute_result",
            Self::Stream { .. } => "stream",
            Self::Other(v) => v.get("output_type").and_then(Value::as_str).unwrap_or_default(),
            Self::DisplayData { .. } | Self::Error { .. } => "display_data",
        };
        match output_type {
            "execute_result" => Role::Result,
            "stream" => Role::Stream,
            _ => Role::Display,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bundles_are_written_as_nbformat_writes_them() {
        let data: MimeBundle = serde_json::from_str(
            r#"{"text/plain":"a\nb","application/json":["x","y"],"image/png":"iVBO\nRw==","text/html":{"odd":1}}"#,
        )
        .unwrap();
        let split = bundle_json(&data, &mut RawPieces::inline());
        assert_eq!(split["text/plain"], json!(["a\n", "b"]));
        assert_eq!(split["application/json"], json!(["x", "y"]));
        assert_eq!(split["image/png"], "iVBO\nRw==");
        assert_eq!(split["text/html"], json!({"odd": 1}), "only strings are split");
        // Written later from their text: here each is a placeholder; texts are split as ever.
        let split = bundle_json(&data, &mut RawPieces::deferred());
        assert_eq!(split["text/plain"], json!(["a\n", "b"]));
        for mime in ["application/json", "image/png", "text/html"] {
            assert!(
                split[mime].as_str().unwrap().starts_with("\u{0}livy-tui-json-"),
                "{mime}"
            );
        }
    }

    #[test]
    fn exact_shapes_are_typed_others_kept_verbatim() {
        let s = JupyterOutput::from_json(json!({"output_type":"stream","name":"stdout","text":["a\n","b"]}));
        assert_eq!(
            s,
            JupyterOutput::Stream {
                name: "stdout".into(),
                text: "a\nb".into()
            }
        );
        let odd = json!({"output_type":"stream","name":"stdout","text":"a","transient":{}});
        assert_eq!(JupyterOutput::from_json(odd.clone()), JupyterOutput::Other(odd));
        let odd = json!({"output_type":"execute_result","data":{},"metadata":{},"execution_count":"3"});
        assert!(matches!(JupyterOutput::from_json(odd), JupyterOutput::Other(_)));
    }

    #[test]
    fn statement_outputs_become_results_or_errors_and_back() {
        let ok: StatementOutput = serde_json::from_value(json!({
            "status":"ok","execution_count":2,
            "data":{"text/plain":"1","application/vnd.livy.table.v1+json":{"headers":[{"name":"a","type":"INT_TYPE"}],"data":[[1]]}}
        }))
        .unwrap();
        let outs = JupyterOutput::from_statement_output(&ok);
        assert_eq!(outs.len(), 1);
        assert_eq!(outputs_to_statement_output(&outs).unwrap(), ok);

        let err: StatementOutput = serde_json::from_value(json!({
            "status":"error","execution_count":3,"ename":"NameError","evalue":"x","traceback":["l1\n","l2\n"]
        }))
        .unwrap();
        let outs = JupyterOutput::from_statement_output(&err);
        let back = outputs_to_statement_output(&outs).unwrap();
        assert_eq!(back.error(), err.error());
    }

    #[test]
    fn streams_are_text_and_lead_the_result() {
        let outs = vec![
            JupyterOutput::Stream {
                name: "stdout".into(),
                text: "hello\n".into(),
            },
            JupyterOutput::DisplayData {
                data: json!({"text/html":"<b>x</b>","text/plain":"x"})
                    .as_object()
                    .unwrap()
                    .clone()
                    .into(),
                metadata: Map::new(),
            },
        ];
        let s = outputs_to_statement_output(&outs).unwrap();
        assert_eq!(s.text().as_deref(), Some("hello\nx"));
        assert_eq!(s.data.value("text/html").unwrap(), "<b>x</b>");
        assert_eq!(
            outputs_to_statement_output(&outs[..1]).unwrap().text().as_deref(),
            Some("hello\n")
        );
        assert_eq!(outputs_to_statement_output(&[]), None);
    }
}
