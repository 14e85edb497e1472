//! Statement output → a render model. Knows nothing about terminals or ratatui: the CLI
//! prints it as text, the notebook draws it. May use `livy` types only.

pub mod export;
pub mod image;
pub mod json_text;
pub mod json_tree;
pub mod rows;
pub mod sanitize;
pub mod save;
pub mod show_table;
pub mod table;
pub mod table_layout;
pub mod text;

pub use rows::{Row, Rows};
pub use show_table::{ShowTable, TextPart, find_show_tables, split_text_and_tables};
pub use table::{Column, Table};
pub use table_layout::TableLayout;
pub use text::{table_text, write_table_text};

use crate::livy::{MIME_JSON, MIME_PNG, MIME_TABLE, MIME_TEXT, SharedJson, StatementError, StatementOutput};
use base64::Engine;
use serde_json::value::RawValue;
use std::sync::Arc;

/// The richest readable form of a statement's output.
#[derive(Clone, Debug, PartialEq)]
pub enum Rendered {
    Table(Table),
    /// JSON text as the server sent it (shared with the output it came from).
    Json(SharedJson),
    /// Decoded PNG bytes.
    Image(Vec<u8>),
    /// `text/html` turned into readable text (tables drawn as grids, links listed).
    Html(String),
    /// `text/markdown` source.
    Markdown(String),
    Text(String),
    Error(StatementError),
    /// The bundle had nothing this client can show; the mime types it had.
    Unsupported(Vec<String>),
}

/// Mime types in order of preference.
pub const PREFERENCE: [&str; 6] = [MIME_TABLE, MIME_JSON, MIME_PNG, MIME_HTML, MIME_MARKDOWN, MIME_TEXT];

/// HTML output (some kernels and vendors send it).
pub const MIME_HTML: &str = "text/html";
/// Markdown output.
pub const MIME_MARKDOWN: &str = "text/markdown";

/// Width HTML tables and paragraphs are laid out at; narrower cells wrap the result.
const HTML_WIDTH: usize = 100;

/// Picks and decodes the preferred mime type of an output.
pub fn render(output: &StatementOutput) -> Rendered {
    if let Some(error) = output.error() {
        return Rendered::Error(error);
    }
    for mime in PREFERENCE {
        let Some(value) = output.data.get_shared(mime) else {
            continue;
        };
        if let Some(rendered) = render_mime(mime, &value) {
            return with_server_note(mime, rendered, output);
        }
    }
    if output.data.is_empty() {
        return Rendered::Text(String::new());
    }
    Rendered::Unsupported(output.data.keys().map(str::to_string).collect())
}

/// The mime types `output` carries that this client can render, in the order of [`PREFERENCE`],
/// then any others it carries and can render. Each is decoded to check it, so call this when
/// asked (a view menu), not on every frame. An error output carries none.
pub fn available_mimes(output: &StatementOutput) -> Vec<&str> {
    let renders = |mime: &str| output.data.get(mime).is_some_and(|v| looks_renderable(mime, v));
    let mut mimes: Vec<&str> = PREFERENCE.into_iter().filter(|m| renders(m)).collect();
    mimes.extend(output.data.keys().filter(|m| !PREFERENCE.contains(m) && renders(m)));
    mimes
}

/// A cheap check of a value's shape: building a big table or decoding a big image just to
/// list the types would double the work of showing a result.
fn looks_renderable(mime: &str, value: &RawValue) -> bool {
    let text = value.get().trim_start();
    let is_string = text.starts_with('"');
    match mime {
        // An object: serde would also take an array for the struct.
        MIME_TABLE => text.starts_with('{') && serde_json::from_str::<TableShape>(text).is_ok(),
        MIME_JSON | MIME_TEXT => true,
        MIME_PNG => {
            is_string
                && text.len() > 10
                && text[1..]
                    .bytes()
                    .take(64)
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=\\\"".contains(&b))
        }
        MIME_HTML | MIME_MARKDOWN => is_string,
        _ => false,
    }
}

/// `%table`'s shape, checked without reading its values.
#[derive(serde::Deserialize)]
struct TableShape {
    #[allow(dead_code)]
    headers: Vec<serde::de::IgnoredAny>,
    #[allow(dead_code)]
    data: Vec<serde::de::IgnoredAny>,
}

/// `output` rendered as `mime` rather than the preferred type; `None` when the bundle lacks
/// that type or its value does not decode. An error output renders as [`Rendered::Error`]
/// whatever the type asked for.
pub fn render_as(output: &StatementOutput, mime: &str) -> Option<Rendered> {
    if let Some(error) = output.error() {
        return Some(Rendered::Error(error));
    }
    render_mime(mime, &output.data.get_shared(mime)?).map(|r| with_server_note(mime, r, output))
}

/// A SQL result that comes with `text/plain` (Livy's never does; `livy-tui serve` adds one
/// when its row limit cut the result) shows that text as the table's note, in place of the
/// guess made from the row count.
fn with_server_note(mime: &str, rendered: Rendered, output: &StatementOutput) -> Rendered {
    match (mime, rendered, output.data.string(MIME_TEXT)) {
        (MIME_JSON, Rendered::Table(mut table), Some(note)) if !note.trim().is_empty() => {
            table.notes = note
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .take(3)
                .map(String::from)
                .collect();
            Rendered::Table(table)
        }
        (_, rendered, _) => rendered,
    }
}

/// Decodes one mime value; `None` when the value is not of the shape the type promises.
pub fn render_mime(mime: &str, value: &Arc<RawValue>) -> Option<Rendered> {
    let json = value.get();
    let string = || serde_json::from_str::<String>(json).ok();
    match mime {
        MIME_TABLE => Table::from_livy_table_json(&SharedJson(Arc::clone(value))).map(Rendered::Table),
        MIME_JSON => Some(
            match Table::from_sql_result_json(&SharedJson(Arc::clone(value)), table::LIVY_SQL_ROW_CAP) {
                Some(table) => Rendered::Table(table),
                None => Rendered::Json(SharedJson(Arc::clone(value))),
            },
        ),
        MIME_PNG => {
            let b64: String = string()?.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .ok()
                .map(Rendered::Image)
        }
        MIME_HTML => {
            // Escape sequences go before the HTML is read: the converter drops a lone ESC but
            // keeps the rest of its sequence (`]0;TITLE`) as text.
            let html = sanitize::strip_all(&string()?);
            html2text::from_read(html.as_bytes(), HTML_WIDTH)
                .ok()
                .map(Rendered::Html)
        }
        MIME_MARKDOWN => string().map(Rendered::Markdown),
        // Text that is not a string shows as its JSON.
        MIME_TEXT => Some(Rendered::Text(string().unwrap_or_else(|| json.to_string()))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

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
    fn a_sql_result_with_text_shows_it_as_the_note() {
        let sql = json!({"schema":{"type":"struct","fields":[{"name":"id","type":"long","nullable":false,"metadata":{}}]},
            "data":[[0],[1],[2]]});
        let plain = output(json!({"status":"ok","data":{"application/json": sql}}));
        assert!(matches!(render(&plain), Rendered::Table(t) if t.notes.is_empty()));
        let note = "Only the first 3 rows are shown: the local server's SQL row limit was reached.";
        let cut = output(json!({"status":"ok","data":{"application/json": sql, "text/plain": note}}));
        let Rendered::Table(table) = render(&cut) else {
            panic!("not a table")
        };
        assert_eq!(table.notes, vec![note.to_string()]);
        assert_eq!(table.rows.len(), 3);
        let Some(Rendered::Table(again)) = render_as(&cut, MIME_JSON) else {
            panic!("not a table")
        };
        assert_eq!(again.notes, table.notes);
        // A %table with printed text keeps its text out of the grid's notes.
        let magic = output(json!({"status":"ok","data":{"text/plain":"hi",
            "application/vnd.livy.table.v1+json":{"headers":[{"name":"a","type":"INT_TYPE"}],"data":[[1]]}}}));
        assert!(matches!(render(&magic), Rendered::Table(t) if t.notes.is_empty()));
    }

    #[test]
    fn bad_png_falls_back_to_text() {
        let o = output(json!({"status":"ok","data":{"text/plain":"t","image/png":"%%% not base64"}}));
        assert_eq!(render(&o), Rendered::Text("t".into()));
    }

    #[test]
    fn available_mimes_in_preference_order() {
        let o = output(json!({"status":"ok","data":{
            "text/plain":"t",
            "image/png":"iVBORw0KGgo=",
            "text/html":"<b>x</b>",
            "application/json":{"a":1},
            "application/vnd.livy.table.v1+json":{"headers":[{"name":"a","type":"INT_TYPE"}],"data":[[1]]}}}));
        assert_eq!(
            available_mimes(&o),
            vec![MIME_TABLE, MIME_JSON, MIME_PNG, MIME_HTML, MIME_TEXT]
        );
        // A value that does not decode is not offered; a type this client cannot draw neither.
        let o = output(json!({"status":"ok","data":{
            "text/html":"<b>x</b>", "image/png":"%%% not base64",
            "application/vnd.livy.table.v1+json":{"rows":[]}, "text/plain":"t"}}));
        assert_eq!(available_mimes(&o), vec![MIME_HTML, MIME_TEXT]);
        // Livy's pyspark bug (a): an `execute_reply` where the mime bundle should be.
        let o = output(json!({"status":"ok","data":{"msg_type":"execute_reply","content":{"status":"error"}}}));
        assert!(available_mimes(&o).is_empty());
        let o = output(json!({"status":"error","ename":"NameError","evalue":"x","traceback":[]}));
        assert!(available_mimes(&o).is_empty());
    }

    #[test]
    fn render_as_a_chosen_type() {
        let o = output(json!({"status":"ok","data":{
            "text/plain":"DataFrame[a: int]",
            "application/json":{"schema":{"type":"struct","fields":[{"name":"a","type":"integer","nullable":false,"metadata":{}}]},"data":[[1]]},
            "image/png":"iVBORw0KGgo="}}));
        assert!(matches!(render(&o), Rendered::Table(_)));
        assert_eq!(
            render_as(&o, MIME_TEXT),
            Some(Rendered::Text("DataFrame[a: int]".into()))
        );
        assert!(matches!(render_as(&o, MIME_JSON), Some(Rendered::Table(t)) if t.rows == vec![vec![json!(1)]]));
        assert!(matches!(render_as(&o, MIME_PNG), Some(Rendered::Image(b)) if b.starts_with(b"\x89PNG")));
        assert_eq!(render_as(&o, MIME_TABLE), None);
        assert_eq!(render_as(&o, "text/html"), None);
        // Every type offered renders.
        for mime in available_mimes(&o) {
            assert!(render_as(&o, mime).is_some(), "{mime}");
        }
        let o = output(json!({"status":"error","ename":"NameError","evalue":"x","traceback":[]}));
        assert!(matches!(render_as(&o, MIME_TEXT), Some(Rendered::Error(e)) if e.ename == "NameError"));
    }

    #[test]
    fn escape_sequences_in_html_are_dropped_whole() {
        let o = output(json!({"status":"ok","data":{"text/html":
            "<p>evil\u{1b}]0;NAME-TITLE\u{7}\u{1b}[2J<b>bold</b></p>"}}));
        let Rendered::Html(text) = render(&o) else { panic!() };
        assert!(text.contains("evil") && text.contains("bold"), "{text:?}");
        for fragment in ["]0;", "NAME-TITLE", "[2J", "\u{1b}"] {
            assert!(!text.contains(fragment), "{fragment:?} in {text:?}");
        }
    }

    #[test]
    fn html_becomes_readable_text_with_tables_and_links() {
        let o = output(
            json!({"status":"ok","data":{"text/plain":"<IPython.display.HTML>","text/html":
            "<h1>Report</h1><p>See <a href=\"https://x.example/r\">the run</a>.</p><table><tr><th>id</th><th>n</th></tr><tr><td>1</td><td>42</td></tr></table><script>alert(1)</script>"}}),
        );
        match render(&o) {
            Rendered::Html(text) => {
                assert!(text.contains("Report") && text.contains("the run"), "{text}");
                assert!(text.contains("https://x.example/r"), "links are listed: {text}");
                assert!(text.contains("42") && text.contains("id"), "{text}");
                assert!(!text.contains("alert"), "scripts are dropped: {text}");
            }
            other => panic!("{other:?}"),
        }
        let md = output(json!({"status":"ok","data":{"text/markdown":"# Title\n\n*x*","text/plain":"t"}}));
        assert_eq!(render(&md), Rendered::Markdown("# Title\n\n*x*".into()));
    }

    #[test]
    fn errors_win() {
        let o = output(json!({"status":"error","ename":"NameError","evalue":"x","traceback":[]}));
        assert!(matches!(render(&o), Rendered::Error(e) if e.ename == "NameError"));
    }
}
