//! Jupyter's multi-line strings. In a file a text may be one string or a list of lines; in
//! memory it is always one string. Writing splits exactly like nbformat does (Python's
//! `str.splitlines(keepends=True)`), so a notebook saved here diffs cleanly against one saved
//! by Jupyter.

use serde_json::{Map, Value};

/// Splits after every line break Python's `splitlines` knows; each piece keeps its break and
/// the last has none. `""` gives no pieces.
pub fn split_lines(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = match c {
            '\r' => {
                if let Some(&(_, '\n')) = chars.peek() {
                    chars.next();
                    i + 2
                } else {
                    i + 1
                }
            }
            '\n' | '\u{0b}' | '\u{0c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                i + c.len_utf8()
            }
            _ => continue,
        };
        out.push(&s[start..end]);
        start = end;
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// A text as the JSON list of its lines.
pub fn lines_value(s: &str) -> Value {
    Value::Array(
        split_lines(s)
            .into_iter()
            .map(|l| Value::String(l.to_string()))
            .collect(),
    )
}

/// A string, or a list of strings joined; `None` for anything else.
pub fn join_lines(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let mut out = String::new();
            for item in items {
                out.push_str(item.as_str()?);
            }
            Some(out)
        }
        _ => None,
    }
}

/// `application/json` and `application/*+json` hold JSON values, not text: never joined or split.
pub fn is_json_mime(mime: &str) -> bool {
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// The mimes nbformat writes as line lists.
pub(super) fn is_split_mime(mime: &str) -> bool {
    mime.starts_with("text/") || mime == "application/javascript" || mime == "image/svg+xml"
}

/// Joins the text values of a mime bundle read from a file (nbformat's `_rejoin_mimebundle`).
pub fn join_bundle(data: &mut Map<String, Value>) {
    for (mime, value) in data.iter_mut() {
        if !is_json_mime(mime)
            && value.is_array()
            && let Some(joined) = join_lines(value)
        {
            *value = Value::String(joined);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_python_splitlines() {
        assert_eq!(split_lines(""), Vec::<&str>::new());
        assert_eq!(split_lines("a"), vec!["a"]);
        assert_eq!(split_lines("a\n"), vec!["a\n"]);
        assert_eq!(split_lines("a\nb"), vec!["a\n", "b"]);
        assert_eq!(
            split_lines("a\r\nb\rc\u{2028}d"),
            vec!["a\r\n", "b\r", "c\u{2028}", "d"]
        );
        assert_eq!(split_lines("\n\n"), vec!["\n", "\n"]);
    }

    #[test]
    fn joins_strings_and_lists_only() {
        assert_eq!(join_lines(&serde_json::json!(["a\n", "b"])).as_deref(), Some("a\nb"));
        assert_eq!(join_lines(&serde_json::json!("x")).as_deref(), Some("x"));
        assert_eq!(join_lines(&serde_json::json!(["a", 1])), None);
        assert_eq!(join_lines(&serde_json::json!(3)), None);
    }

    #[test]
    fn json_mimes_stay_values() {
        let mut data: Map<String, Value> = serde_json::from_str(
            r#"{"text/plain":["a\n","b"],"application/json":["x","y"],"application/vnd.livy.table.v1+json":{"headers":[]},"image/png":"iVBO\nRw=="}"#,
        )
        .unwrap();
        join_bundle(&mut data);
        assert_eq!(data["text/plain"], "a\nb");
        assert_eq!(data["application/json"], serde_json::json!(["x", "y"]));
    }
}
