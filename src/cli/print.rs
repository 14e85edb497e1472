//! Printing statement results and lists as plain text for a terminal or a pipe.

use crate::livy::{SharedJson, Statement, StatementError};
use crate::output::json_text::{EscapeC1, write_pretty};
use crate::output::sanitize::{sanitize_cow, strip_all, strip_all_cow};
use crate::output::{Rendered, Table, render, write_table_text};
use comfy_table::{ContentArrangement, presets};
use serde_json::Value;
use std::borrow::Cow;
use std::io::IsTerminal;
use std::io::Write;
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
    /// A table, written row by row.
    Table(Table),
    /// JSON text, written indented as it is read.
    Json(SharedJson),
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
        Rendered::Table(t) => Printed::Table(t),
        Rendered::Json(json) => Printed::Json(json),
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
        // The types are the server's words too.
        Rendered::Unsupported(types) => Printed::Notice(format!(
            "(output of type {} is not shown here; use --json)",
            strip_all(&types.join(", "))
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
    let mut out = Vec::new();
    // Writing a value's own text to memory cannot fail.
    let _ = write_json(&v.to_string(), &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes JSON text indented, with a final newline, as it reads it (a result of any size
/// takes little memory). DEL and C1 controls in strings are written as `\u` escapes, which
/// mean the same in JSON but do nothing to a terminal; unless `--raw`.
pub fn write_json(json: &str, out: &mut dyn Write) -> std::io::Result<()> {
    if RAW.load(Ordering::Relaxed) {
        write_pretty(json, &mut *out)?;
    } else {
        let mut escaped = EscapeC1::new(&mut *out);
        write_pretty(json, &mut escaped)?;
        escaped.finish()?;
    }
    out.write_all(b"\n")
}

impl Printed {
    /// Writes a result meant for stdout (nothing for an image, an error or a notice).
    pub fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        match self {
            Printed::Stdout(text) => out.write_all(text.as_bytes()),
            Printed::Table(table) => write_table_text(table, out),
            Printed::Json(json) => write_json(json.get(), out),
            Printed::Image(_) | Printed::Error(_) | Printed::Notice(_) => Ok(()),
        }
    }
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
