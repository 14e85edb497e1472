//! Statement output → a render model. Knows nothing about terminals: the CLI prints it as
//! text, the notebook draws it.

pub mod sanitize;
pub mod table;
pub mod text;

pub use table::{Column, Table};
pub use text::table_text;

use crate::livy::{MIME_JSON, MIME_PNG, MIME_TABLE, MIME_TEXT, StatementError, StatementOutput};
use base64::Engine;
use serde_json::Value;

/// The richest readable form of a statement's output.
#[derive(Clone, Debug, PartialEq)]
pub enum Rendered {
    Table(Table),
    Json(Value),
    /// Decoded PNG bytes.
    Image(Vec<u8>),
    Text(String),
    Error(StatementError),
    /// The bundle had nothing this client can show; the mime types it had.
    Unsupported(Vec<String>),
}

/// Mime types in order of preference.
pub const PREFERENCE: [&str; 4] = [MIME_TABLE, MIME_JSON, MIME_PNG, MIME_TEXT];

/// Picks and decodes the preferred mime type of an output.
pub fn render(output: &StatementOutput) -> Rendered {
    if let Some(error) = output.error() {
        return Rendered::Error(error);
    }
    for mime in PREFERENCE {
        let Some(value) = output.data.get(mime) else { continue };
        if let Some(rendered) = render_mime(mime, value) {
            return rendered;
        }
    }
    if output.data.is_empty() {
        return Rendered::Text(String::new());
    }
    Rendered::Unsupported(output.data.keys().cloned().collect())
}

/// Decodes one mime value; `None` when the value is not of the shape the type promises.
pub fn render_mime(mime: &str, value: &Value) -> Option<Rendered> {
    match mime {
        MIME_TABLE => Table::from_livy_table(value).map(Rendered::Table),
        MIME_JSON => Some(match Table::from_sql_result(value) {
            Some(table) => Rendered::Table(table),
            None => Rendered::Json(value.clone()),
        }),
        MIME_PNG => {
            let b64: String = value.as_str()?.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .ok()
                .map(Rendered::Image)
        }
        MIME_TEXT => Some(Rendered::Text(match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn output(v: Value) -> StatementOutput {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn prefers_the_richest_type() {
        let o = output(
            json!({"status":"ok","data":{"text/plain":"x","application/vnd.livy.table.v1+json":{"headers":[{"name":"a","type":"INT_TYPE"}],"data":[[1]]}}}),
        );
        assert!(matches!(render(&o), Rendered::Table(_)));
        let o = output(json!({"status":"ok","data":{"text/plain":"[<Line2D>]","image/png":"iVBORw0KGgo="}}));
        assert!(matches!(render(&o), Rendered::Image(b) if b.starts_with(b"\x89PNG")));
    }

    #[test]
    fn bad_png_falls_back_to_text() {
        let o = output(json!({"status":"ok","data":{"text/plain":"t","image/png":"%%% not base64"}}));
        assert_eq!(render(&o), Rendered::Text("t".into()));
    }

    #[test]
    fn errors_win() {
        let o = output(json!({"status":"error","ename":"NameError","evalue":"x","traceback":[]}));
        assert!(matches!(render(&o), Rendered::Error(e) if e.ename == "NameError"));
    }
}
