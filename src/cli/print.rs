//! Printing statement results and lists as plain text for a terminal or a pipe.

use crate::livy::{Statement, StatementError};
use crate::output::sanitize::{sanitize_cow, strip_all, strip_all_cow};
use crate::output::{Rendered, render, table_text};
use comfy_table::{ContentArrangement, presets};
use serde_json::Value;
use std::borrow::Cow;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Every PNG file starts with these bytes.
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// `--raw`: server text goes out byte for byte.
static RAW: AtomicBool = AtomicBool::new(false);

/// Lets server text through unchanged (`--raw`), for the rest of the process.
pub fn set_raw(raw: bool) {
    RAW.store(raw, Ordering::Relaxed);
}

/// Where text is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn is_terminal(self) -> bool {
        match self {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        }
    }
}

/// Text from the server, made safe for `stream`: on a terminal only SGR colours stay (no
/// title, clipboard, cursor or screen sequences); into a pipe or file, plain text; with
/// `--raw`, unchanged.
pub fn safe(text: &str, stream: Stream) -> Cow<'_, str> {
    if RAW.load(Ordering::Relaxed) {
        Cow::Borrowed(text)
    } else if stream.is_terminal() {
        sanitize_cow(text)
    } else {
        strip_all_cow(text)
    }
}

/// A one-line message that may quote the server (an error): no escape of any kind, unless
/// `--raw`.
pub fn safe_line(text: &str) -> Cow<'_, str> {
    if RAW.load(Ordering::Relaxed) {
        Cow::Borrowed(text)
    } else {
        strip_all_cow(text)
    }
}

/// A result ready for stdout, or a file written for an image.
pub enum Printed {
    Stdout(String),
    Image(PathBuf),
    Error(StatementError),
    /// Nothing for stdout, and a word on stderr about why (no output, an image that is not
    /// one, a type not shown here).
    Notice(String),
}

/// Text for a finished statement's output. Images are written to `image_dir`.
pub fn statement_result(statement: &Statement, session: &str, image_dir: &Path) -> std::io::Result<Printed> {
    let Some(output) = &statement.output else {
        return Ok(Printed::Notice("(the statement gave no output)".into()));
    };
    Ok(match render(output) {
        Rendered::Error(e) => Printed::Error(e),
        Rendered::Table(t) => Printed::Stdout(table_text(&t)),
        Rendered::Json(v) => Printed::Stdout(pretty_json(&v)),
        Rendered::Text(t) | Rendered::Html(t) | Rendered::Markdown(t) if t.trim().is_empty() => {
            Printed::Notice("(no output)".into())
        }
        Rendered::Text(t) | Rendered::Html(t) | Rendered::Markdown(t) => {
            Printed::Stdout(with_newline(safe(&t, Stream::Stdout).into_owned()))
        }
        Rendered::Image(bytes) if !bytes.starts_with(PNG_SIGNATURE) => Printed::Notice(format!(
            "(the image/png output is not a PNG image: {} bytes; nothing saved; --json shows it)",
            bytes.len()
        )),
        Rendered::Image(bytes) => {
            std::fs::create_dir_all(image_dir)?;
            let path = image_dir.join(format!(
                "livy-{}-statement-{}.png",
                file_safe(session),
                file_safe(&statement.id.0)
            ));
            std::fs::write(&path, bytes)?;
            Printed::Image(path)
        }
        Rendered::Unsupported(types) => Printed::Notice(format!(
            "(output of type {} is not shown here; use --json)",
            types.join(", ")
        )),
    })
}

/// An error output as the lines for stderr: `ename: evalue`, then the traceback, made safe.
pub fn error_text(e: &StatementError) -> String {
    safe(&raw_error_text(e), Stream::Stderr).into_owned()
}

fn raw_error_text(e: &StatementError) -> String {
    let mut s = if e.evalue.is_empty() {
        e.ename.clone()
    } else {
        format!("{}: {}", e.ename, e.evalue)
    };
    s.push('\n');
    for line in &e.traceback {
        s.push_str(line);
        if !line.ends_with('\n') {
            s.push('\n');
        }
    }
    s
}

/// A plain aligned listing (no borders) for `sessions list` and `batch list`.
pub fn listing(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut table = comfy_table::Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(headers.iter().map(|h| h.to_uppercase()));
    for row in rows {
        // Names, owners and app ids come from the server: plain text only.
        table.add_row(row.iter().map(|cell| strip_all(cell)).collect::<Vec<_>>());
    }
    let text = table.to_string();
    let mut out: String = text
        .lines()
        .map(|l| format!("{}\n", l.trim_end().trim_start_matches(' ')))
        .collect();
    if out.is_empty() {
        out.push('\n');
    }
    out
}

/// JSON, indented, with a final newline. JSON escapes C0 controls (ESC, BEL) itself but
/// leaves C1 controls (an 8-bit CSI) and DEL as they are: those are escaped here too, so the
/// data stays exact and nothing in it acts on a terminal.
pub fn pretty_json(v: &Value) -> String {
    let text = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    if RAW.load(Ordering::Relaxed) {
        return with_newline(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\u{7f}'..='\u{9f}') {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    with_newline(out)
}

fn with_newline(mut s: String) -> String {
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `-` for unset values in listings.
pub fn or_dash(v: Option<&str>) -> String {
    match v {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => "-".into(),
    }
}
