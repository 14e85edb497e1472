//! Percent scripts, the jupytext / VS Code convention: plain source files where a line
//! `# %%` (`// %%` in Scala, `-- %%` in SQL) starts a cell, so a notebook can live in git as
//! code, be edited in any editor and run as a script.
//!
//! ```text
//! # %% [markdown]
//! # # Daily report
//!
//! # %% Load tags=["parameters"]
//! day = "2024-05-01"
//!
//! # %% kind="sql"
//! SELECT count(*) FROM events
//! ```
//!
//! - A marker line may carry `[markdown]` or `[raw]`, a title, and jupytext `key=value`
//!   metadata with JSON values. `kind="sql"` gives a cell's Livy kind when it differs from
//!   the file's (by extension: py → pyspark, scala → spark, r → sparkr, sql → sql); `tags`
//!   are the cell's tags. A sparkmagic `%%sql` first line is understood too.
//! - Markdown and raw lines are commented out (`# text`; an empty line is `#`).
//! - Cells are separated by one blank line, which reading removes again.
//! - Text before the first marker becomes a first code cell (whitespace alone is dropped);
//!   saving writes a marker before it.
//! - A source line that would read as a marker is escaped by one more comment prefix
//!   (`# %%` is written `# # %%`, `# # %%` is written `# # # %%`) and unescaped on reading.
//!   So a script written by someone else that contains `# # %%` loses one `# ` there.
//! - Scripts hold no outputs, ids, timing, execution counts or notebook metadata; metadata
//!   keys that are not simple names (letters, digits, `_`, `.`, `-`) are not written; cell
//!   types other than markdown and raw need a simple name (others are written as raw).
//! - Windows line breaks are read as `\n`; scripts are written with `\n`.
//!
//! A script written here reads back to the same sources, cell types, effective kinds, tags
//! and metadata, and writing that again gives the same bytes.

use super::format::ScriptLanguage;
use super::magic::{self, Magic};
use super::model::{CellType, Notebook, NotebookCell};
use crate::livy::SessionKind;
use serde_json::{Map, Value};

impl Notebook {
    /// Reads a percent script. Never fails: any text is a script.
    pub fn from_script(text: &str, lang: ScriptLanguage) -> Notebook {
        parse(text, lang)
    }

    /// Writes the notebook as a percent script in the language of its default kind.
    pub fn to_script(&self) -> String {
        self.to_script_as(ScriptLanguage::for_kind(self.default_kind.as_ref()))
    }

    /// Writes the notebook as a percent script in `lang`.
    pub fn to_script_as(&self, lang: ScriptLanguage) -> String {
        let blocks: Vec<String> = self.cells.iter().map(|c| write_cell(self, c, lang)).collect();
        blocks.join("\n")
    }
}

/// After a marker's `%%`, if `line` is a marker: `<comment>`, optional whitespace, `%%`, then
/// whitespace or the end of the line.
fn marker_rest<'a>(line: &'a str, comment: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(comment)?.trim_start().strip_prefix("%%")?;
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then_some(rest)
}

/// How many `<comment> ` escapes precede a marker in `line` (0: the line is a marker).
fn escape_depth(line: &str, comment: &str) -> Option<usize> {
    let unit = format!("{comment} ");
    let mut rest = line;
    let mut depth = 0;
    loop {
        if marker_rest(rest, comment).is_some() {
            return Some(depth);
        }
        rest = rest.strip_prefix(unit.as_str())?;
        depth += 1;
    }
}

fn escape(line: &str, comment: &str) -> String {
    match escape_depth(line, comment) {
        Some(_) => format!("{comment} {line}"),
        None => line.to_string(),
    }
}

fn unescape<'a>(line: &'a str, comment: &str) -> &'a str {
    match escape_depth(line, comment) {
        Some(d) if d > 0 => &line[comment.len() + 1..],
        _ => line,
    }
}

fn comment_out(line: &str, comment: &str) -> String {
    if line.is_empty() {
        comment.to_string()
    } else {
        format!("{comment} {line}")
    }
}

fn uncomment<'a>(line: &'a str, comment: &str) -> &'a str {
    match line.strip_prefix(comment) {
        Some(rest) => rest.strip_prefix(' ').unwrap_or(rest),
        None => line,
    }
}

/// A metadata key that can stand before `=` on a marker line.
fn key_len(s: &str) -> Option<usize> {
    let first = s.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    Some(
        s.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
            .unwrap_or(s.len()),
    )
}

fn is_key(s: &str) -> bool {
    key_len(s) == Some(s.len())
}

/// `key=` at the start of `s`: the key and the text after `=`.
fn key_at(s: &str) -> Option<(&str, &str)> {
    let len = key_len(s)?;
    let after = s[len..].strip_prefix('=')?;
    Some((&s[..len], after))
}

/// A value after `key=`: JSON if it parses and ends at whitespace, else one bare word.
fn value_at(s: &str) -> (Value, &str) {
    if !s.is_empty() && !s.starts_with(char::is_whitespace) {
        let mut stream = serde_json::Deserializer::from_str(s).into_iter::<Value>();
        if let Some(Ok(v)) = stream.next() {
            let rest = &s[stream.byte_offset()..];
            if rest.is_empty() || rest.starts_with(char::is_whitespace) {
                return (v, rest);
            }
        }
    }
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    (Value::String(s[..end].to_string()), &s[end..])
}

/// A marker line's title and `key=value` options.
fn parse_options(s: &str) -> (Option<String>, Vec<(String, Value)>) {
    let s = s.trim();
    let start = s
        .char_indices()
        .map(|(i, _)| i)
        .find(|&i| (i == 0 || s[..i].ends_with(char::is_whitespace)) && key_at(&s[i..]).is_some())
        .unwrap_or(s.len());
    let mut title: Vec<&str> = Vec::new();
    if !s[..start].trim().is_empty() {
        title.push(s[..start].trim());
    }
    let mut options = Vec::new();
    let mut rest = &s[start..];
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        if let Some((key, after)) = key_at(rest) {
            let (value, after) = value_at(after);
            options.push((key.to_string(), value));
            rest = after;
        } else {
            // A stray word among the options: keep it with the title.
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            title.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    let title = (!title.is_empty()).then(|| title.join(" "));
    (title, options)
}

/// A title that reads back as itself when written bare after the marker.
fn is_bare_title(t: &str) -> bool {
    !t.is_empty()
        && t.trim() == t
        && !t.starts_with('[')
        && !t.chars().any(char::is_control)
        && parse_options(t) == (Some(t.to_string()), Vec::new())
}

fn type_name(cell_type: &CellType) -> Option<&str> {
    match cell_type {
        CellType::Code => None,
        CellType::Markdown => Some("markdown"),
        CellType::Raw => Some("raw"),
        CellType::Other(name) if is_key(name) && !matches!(name.as_str(), "md" | "code") => Some(name),
        CellType::Other(_) => Some("raw"),
    }
}

fn write_cell(nb: &Notebook, cell: &NotebookCell, lang: ScriptLanguage) -> String {
    let comment = lang.comment();
    let mut marker = format!("{comment} %%");
    if let Some(name) = type_name(&cell.cell_type) {
        marker.push_str(&format!(" [{name}]"));
    }
    let mut options: Vec<(&str, Value)> = Vec::new();
    let bare_title = match cell.metadata.get("title") {
        Some(Value::String(t)) if is_bare_title(t) => {
            marker.push(' ');
            marker.push_str(t);
            true
        }
        _ => false,
    };
    let code = cell.cell_type == CellType::Code;
    let mut wrote_kind = false;
    if code {
        let file_default = lang.default_kind();
        let effective = nb.effective_kind(cell).unwrap_or_else(|| file_default.clone());
        let inferred = cell.magic_kind().and_then(|m| m.implied_kind()).unwrap_or(file_default);
        if effective != inferred {
            options.push(("kind", Value::String(effective.as_str().to_string())));
            wrote_kind = true;
        }
    }
    if !cell.tags.is_empty() {
        options.push(("tags", cell.tags.clone().into()));
    }
    for (key, value) in &cell.metadata {
        let ours =
            (key == "title" && bare_title) || (key == "kind" && wrote_kind) || (key == "tags" && !cell.tags.is_empty());
        if !ours && is_key(key) {
            options.push((key, value.clone()));
        }
    }
    for (key, value) in options {
        marker.push_str(&format!(" {key}={value}"));
    }
    let mut block = marker;
    block.push('\n');
    let text = if code { cell.text() } else { cell.source.clone() };
    if !text.is_empty() {
        for line in text.split('\n') {
            let line = if code {
                escape(line, comment)
            } else {
                escape(&comment_out(line, comment), comment)
            };
            block.push_str(&line);
            block.push('\n');
        }
    }
    block
}

fn parse(text: &str, lang: ScriptLanguage) -> Notebook {
    let comment = lang.comment();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n");
    let mut lines: Vec<&str> = if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').collect()
    };
    if text.ends_with('\n') {
        lines.pop();
    }
    let markers: Vec<usize> = (0..lines.len())
        .filter(|&i| marker_rest(lines[i], comment).is_some())
        .collect();
    let mut nb = Notebook::new(Some(lang.default_kind()));
    let first = markers.first().copied().unwrap_or(lines.len());
    let preamble = body(&lines[..first], first < lines.len());
    if preamble.iter().any(|l| !l.trim().is_empty()) {
        nb.cells
            .push(code_cell(&preamble, comment, None, Map::new(), Vec::new()));
    }
    for (n, &at) in markers.iter().enumerate() {
        let end = markers.get(n + 1).copied().unwrap_or(lines.len());
        let lines_of_cell = body(&lines[at + 1..end], end < lines.len());
        let marker = marker_rest(lines[at], comment).unwrap_or_default().trim_start();
        nb.cells.push(marked_cell(marker, &lines_of_cell, comment));
    }
    nb
}

/// A cell from the rest of its marker line (after `# %%`) and the lines under it.
fn marked_cell(marker: &str, lines: &[&str], comment: &str) -> NotebookCell {
    let (cell_type, rest) = match marker.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((name, rest)) => (named_cell_type(name.trim()), rest),
        None => (CellType::Code, marker),
    };
    let (title, options) = parse_options(rest);
    let mut metadata = Map::new();
    if let Some(title) = title {
        metadata.insert("title".into(), title.into());
    }
    let mut kind = None;
    let mut tags = Vec::new();
    for (key, value) in options {
        match (key.as_str(), &value) {
            ("kind", Value::String(k)) if cell_type == CellType::Code => kind = Some(SessionKind::parse(k)),
            ("tags", Value::Array(items)) if !items.is_empty() && items.iter().all(Value::is_string) => {
                tags = items.iter().filter_map(|t| t.as_str().map(str::to_string)).collect();
            }
            _ => {
                metadata.insert(key, value);
            }
        }
    }
    if cell_type == CellType::Code {
        return code_cell(lines, comment, kind, metadata, tags);
    }
    let source = lines
        .iter()
        .map(|l| uncomment(unescape(l, comment), comment))
        .collect::<Vec<_>>()
        .join("\n");
    let mut cell = NotebookCell::new(cell_type, source);
    cell.metadata = metadata;
    cell.tags = tags;
    cell
}

/// The cell type a marker names in brackets (`# %% [markdown]`).
fn named_cell_type(name: &str) -> CellType {
    match name {
        "markdown" | "md" => CellType::Markdown,
        "raw" => CellType::Raw,
        "code" => CellType::Code,
        other => CellType::Other(other.to_string()),
    }
}

/// A cell's lines without the blank separator line before the next marker.
fn body<'a>(lines: &[&'a str], marker_follows: bool) -> Vec<&'a str> {
    let mut lines = lines.to_vec();
    if marker_follows && lines.last() == Some(&"") {
        lines.pop();
    }
    lines
}

fn code_cell(
    lines: &[&str],
    comment: &str,
    kind: Option<SessionKind>,
    metadata: Map<String, Value>,
    tags: Vec<String>,
) -> NotebookCell {
    let text = lines
        .iter()
        .map(|l| unescape(l, comment))
        .collect::<Vec<_>>()
        .join("\n");
    let (magic_line, source) = magic::split_magic(&text);
    let implied = magic_line.and_then(Magic::parse).and_then(|m| m.implied_kind());
    let mut cell = NotebookCell::code(source);
    cell.magic = magic_line.map(str::to_string);
    cell.kind = kind.or(implied);
    cell.metadata = metadata;
    cell.tags = tags;
    cell
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# %% [markdown]\n# # Daily report\n#\n# Counts events.\n\n# %% Load tags=[\"parameters\"]\nday = \"2024-05-01\"\n\n# %% kind=\"sql\"\nSELECT count(*) FROM events\n\n# %%\n%%sql -o df\nSELECT 1\n";

    #[test]
    fn reads_cells_titles_tags_and_kinds() {
        let nb = Notebook::from_script(SAMPLE, ScriptLanguage::Python);
        assert_eq!(nb.default_kind, Some(SessionKind::PySpark));
        assert_eq!(nb.cells.len(), 4);
        assert_eq!(nb.cells[0].cell_type, CellType::Markdown);
        assert_eq!(nb.cells[0].source, "# Daily report\n\nCounts events.");
        assert_eq!(nb.cells[1].metadata["title"], "Load");
        assert_eq!(nb.cells[1].tags, vec!["parameters"]);
        assert_eq!(nb.cells[1].source, "day = \"2024-05-01\"");
        assert_eq!(nb.cells[2].kind, Some(SessionKind::Sql));
        assert_eq!(nb.cells[3].magic.as_deref(), Some("%%sql -o df"));
        assert_eq!(nb.cells[3].kind, Some(SessionKind::Sql));
        assert_eq!(nb.cells[3].source, "SELECT 1");
        assert_eq!(nb.to_script(), SAMPLE);
    }

    #[test]
    fn marker_like_lines_are_escaped() {
        let mut nb = Notebook::new(Some(SessionKind::PySpark));
        nb.cells.push(NotebookCell::code("a = 1\n# %%\n# # %% x\n#%%"));
        nb.cells.push(NotebookCell::markdown("%% y\n# %%\n"));
        let text = nb.to_script();
        assert_eq!(
            text,
            "# %%\na = 1\n# # %%\n# # # %% x\n# #%%\n\n# %% [markdown]\n# # %% y\n# # # %%\n#\n"
        );
        let back = Notebook::from_script(&text, ScriptLanguage::Python);
        assert_eq!(back.cells[0].source, nb.cells[0].source);
        assert_eq!(back.cells[1].source, nb.cells[1].source);
    }

    #[test]
    fn other_languages_use_their_comments() {
        let text = "-- %%\nSELECT 1\n\n-- %% [markdown]\n-- note\n\n-- %% kind=\"pyspark\"\nprint(1)\n";
        let nb = Notebook::from_script(text, ScriptLanguage::Sql);
        assert_eq!(nb.cells.len(), 3);
        assert_eq!(nb.effective_kind(&nb.cells[0]), Some(SessionKind::Sql));
        assert_eq!(nb.cells[1].source, "note");
        assert_eq!(nb.cells[2].kind, Some(SessionKind::PySpark));
        assert_eq!(nb.to_script(), text);
        let scala = "// %%\nval x = 1\n// // %%\n";
        let nb = Notebook::from_script(scala, ScriptLanguage::Scala);
        assert_eq!(nb.cells[0].source, "val x = 1\n// %%");
        assert_eq!(nb.to_script(), scala);
    }

    #[test]
    fn preamble_blank_lines_and_odd_titles() {
        let nb = Notebook::from_script("import os\n\n# %%\nx = 1\n\n\n# %%\ny\n", ScriptLanguage::Python);
        assert_eq!(nb.cells.len(), 3);
        assert_eq!(nb.cells[0].source, "import os");
        assert_eq!(nb.cells[1].source, "x = 1\n");
        assert_eq!(nb.to_script(), "# %%\nimport os\n\n# %%\nx = 1\n\n\n# %%\ny\n");
        assert!(Notebook::from_script("\n\n", ScriptLanguage::Python).cells.is_empty());
        assert!(Notebook::from_script("", ScriptLanguage::Python).cells.is_empty());

        let mut nb = Notebook::new(Some(SessionKind::PySpark));
        for title in ["a=b c", "[x]", " padded", "plain title", ""] {
            let mut c = NotebookCell::code("1");
            c.metadata.insert("title".into(), title.into());
            nb.cells.push(c);
        }
        let back = Notebook::from_script(&nb.to_script(), ScriptLanguage::Python);
        for (a, b) in nb.cells.iter().zip(&back.cells) {
            assert_eq!(a.metadata, b.metadata);
        }
        assert!(nb.to_script().contains("# %% plain title\n"));
    }

    #[test]
    fn crlf_and_stray_words() {
        let nb = Notebook::from_script("# %% A b=1 c\r\nx\r\n", ScriptLanguage::R);
        assert_eq!(nb.cells[0].metadata["title"], "A c");
        assert_eq!(nb.cells[0].metadata["b"], 1);
        assert_eq!(nb.cells[0].source, "x");
    }
}
