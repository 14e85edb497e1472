//! Printing statement results and lists as plain text for a terminal or a pipe.

use crate::livy::{Statement, StatementError};
use crate::output::{Rendered, render, table_text};
use comfy_table::{ContentArrangement, presets};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A result ready for stdout, or a file written for an image.
pub enum Printed {
    Stdout(String),
    Image(PathBuf),
    Error(StatementError),
}

/// Text for a finished statement's output. Images are written to `image_dir`.
pub fn statement_result(statement: &Statement, session: &str, image_dir: &Path) -> std::io::Result<Printed> {
    let Some(output) = &statement.output else {
        return Ok(Printed::Stdout(String::new()));
    };
    Ok(match render(output) {
        Rendered::Error(e) => Printed::Error(e),
        Rendered::Table(t) => Printed::Stdout(table_text(&t)),
        Rendered::Json(v) => Printed::Stdout(pretty_json(&v)),
        Rendered::Text(t) | Rendered::Html(t) | Rendered::Markdown(t) => Printed::Stdout(with_newline(t)),
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
        Rendered::Unsupported(types) => Printed::Stdout(format!(
            "(output of type {} is not shown here; use --json)\n",
            types.join(", ")
        )),
    })
}

/// An error output as the lines for stderr: `ename: evalue`, then the traceback.
pub fn error_text(e: &StatementError) -> String {
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
        table.add_row(row);
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

/// JSON, indented, with a final newline.
pub fn pretty_json(v: &Value) -> String {
    with_newline(serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string()))
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
