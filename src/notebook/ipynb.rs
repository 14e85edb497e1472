//! Jupyter `.ipynb` files, nbformat 4. Reading joins multi-line texts and splits sparkmagic
//! magic lines off code cells; writing does the reverse, with keys sorted, one-space indent and
//! texts as line lists exactly like nbformat, so a notebook saved here diffs cleanly against
//! one saved by Jupyter. Whatever this program does not model is kept verbatim.

use super::binding::SessionBinding;
use super::error::NotebookError;
use super::magic::{self, Magic};
use super::model::{CellTiming, CellType, NBFORMAT, Notebook, NotebookCell};
use super::multiline::{join_lines, lines_value};
use super::output::JupyterOutput;
use super::raw_pieces::{RawPieces, Writing, read_notebook};
use crate::livy::SessionKind;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Our key in notebook and cell metadata.
const OUR_KEY: &str = "livy_tui";
const STARTED_KEY: &str = "iopub.execute_input";
const FINISHED_KEY: &str = "shell.execute_reply";

impl Notebook {
    /// Reads an nbformat 4 notebook. Never panics; errors say what is wrong and where.
    pub fn from_ipynb_str(text: &str) -> Result<Notebook, NotebookError> {
        parse(text)
    }

    /// Writes the notebook as nbformat writes it (sorted keys, one-space indent, trailing
    /// newline). Cells of a 4.5+ notebook that lack an id get one derived from their position
    /// and text, so writing the same model twice gives the same bytes.
    pub fn to_ipynb_string(&self) -> String {
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
        let mut out = self.write_ipynb(serde_json::Serializer::with_formatter(Vec::new(), formatter));
        out.push(b'\n');
        String::from_utf8(out).unwrap_or_default()
    }

    /// The same JSON without the indentation (for recovery copies).
    pub fn to_ipynb_compact_string(&self) -> String {
        String::from_utf8(self.write_ipynb(serde_json::Serializer::new(Vec::new()))).unwrap_or_default()
    }

    /// Writes the notebook's nbformat JSON, keys sorted. The outputs' JSON goes from its
    /// text to the file, never through a tree of values.
    fn write_ipynb<F: serde_json::ser::Formatter>(&self, mut ser: serde_json::Serializer<Vec<u8>, F>) -> Vec<u8> {
        let mut pieces = RawPieces::deferred();
        let value = self.to_ipynb_value_with(&mut pieces);
        // Writing to memory cannot fail; pieces are JSON checked when they were read.
        let _ = Writing {
            value: &value,
            pieces: &pieces,
        }
        .serialize(&mut ser);
        ser.into_inner()
    }

    /// The notebook as nbformat JSON.
    pub fn to_ipynb_value(&self) -> Value {
        self.to_ipynb_value_with(&mut RawPieces::inline())
    }

    fn to_ipynb_value_with(&self, pieces: &mut RawPieces) -> Value {
        let sparkmagic = self.is_sparkmagic_kernel();
        let with_ids = self.nbformat_minor >= 5;
        let mut used: HashSet<String> = self.cells.iter().filter_map(|c| c.id.clone()).collect();
        let cells = self
            .cells
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let id = match (&cell.id, with_ids) {
                    (Some(id), true) => Some(id.clone()),
                    (None, true) => Some(derived_id(i, cell, &mut used)),
                    (_, false) => None,
                };
                write_cell(cell, id, sparkmagic, pieces)
            })
            .collect();
        let mut root = self.extra.clone();
        root.insert("cells".into(), Value::Array(cells));
        root.insert("metadata".into(), Value::Object(self.write_metadata()));
        root.insert("nbformat".into(), self.nbformat.into());
        root.insert("nbformat_minor".into(), self.nbformat_minor.into());
        Value::Object(root)
    }

    fn write_metadata(&self) -> Map<String, Value> {
        let mut metadata = self.metadata.clone();
        let mut ours = match metadata.remove(OUR_KEY) {
            Some(Value::Object(o)) => o,
            Some(other) => {
                // Not ours to interpret and nothing to add: keep it as it was.
                if self.default_kind == magic::kernel_kind(&metadata) && self.binding.is_none() {
                    metadata.insert(OUR_KEY.into(), other);
                    return metadata;
                }
                Map::new()
            }
            None => Map::new(),
        };
        if self.default_kind != magic::kernel_kind(&metadata) {
            ours.insert("default_kind".into(), kind_value(self.default_kind.as_ref()));
        }
        if let Some(binding) = &self.binding {
            ours.insert("binding".into(), binding.to_json());
        }
        if !ours.is_empty() {
            metadata.insert(OUR_KEY.into(), Value::Object(ours));
        }
        metadata
    }
}

fn kind_value(kind: Option<&SessionKind>) -> Value {
    kind.map_or(Value::Null, |k| Value::String(k.as_str().to_string()))
}

/// An id for a cell that has none, stable for the same position and text.
fn derived_id(index: usize, cell: &NotebookCell, used: &mut HashSet<String>) -> String {
    let mut hash = super::model::fnv1a(format!("{index}\0{}", cell.source).as_bytes());
    loop {
        let id = format!("{:012x}", hash & 0xffff_ffff_ffff);
        if used.insert(id.clone()) {
            return id;
        }
        hash = hash.wrapping_mul(0x100_0000_01b3).wrapping_add(1);
    }
}

fn write_cell(cell: &NotebookCell, id: Option<String>, sparkmagic: bool, pieces: &mut RawPieces) -> Value {
    let mut obj = cell.extra.clone();
    let mut metadata = cell.metadata.clone();
    if !cell.tags.is_empty() {
        metadata.insert("tags".into(), cell.tags.clone().into());
    }
    let text = if cell.cell_type == CellType::Code {
        write_timing(&mut metadata, &cell.timing);
        let (text, implied, force_kind) = match &cell.magic {
            // A bare `%%sql` in a sparkmagic notebook reads back as a plain SQL cell; saying
            // the kind keeps the magic line part of the model.
            Some(m) => (
                magic::join_magic(Some(m), &cell.source),
                Magic::parse(m).and_then(|m| m.implied_kind()),
                sparkmagic && m == "%%sql",
            ),
            None if sparkmagic && cell.kind == Some(SessionKind::Sql) => (
                magic::join_magic(Some("%%sql"), &cell.source),
                Some(SessionKind::Sql),
                false,
            ),
            None => (cell.source.clone(), None, false),
        };
        if force_kind || cell.kind != implied {
            let mut ours = match metadata.remove(OUR_KEY) {
                Some(Value::Object(o)) => o,
                _ => Map::new(),
            };
            ours.insert("kind".into(), kind_value(cell.kind.as_ref()));
            metadata.insert(OUR_KEY.into(), Value::Object(ours));
        }
        obj.insert(
            "execution_count".into(),
            cell.execution_count.map_or(Value::Null, Value::from),
        );
        obj.insert(
            "outputs".into(),
            Value::Array(cell.outputs.iter().map(|o| o.to_json_with(pieces)).collect()),
        );
        text
    } else {
        cell.source.clone()
    };
    obj.insert("cell_type".into(), cell.cell_type.as_str().into());
    if let Some(id) = id {
        obj.insert("id".into(), id.into());
    }
    obj.insert("metadata".into(), Value::Object(metadata));
    obj.insert("source".into(), lines_value(&text));
    Value::Object(obj)
}

fn write_timing(metadata: &mut Map<String, Value>, timing: &CellTiming) {
    if timing.started.is_none() && timing.finished.is_none() {
        return;
    }
    let mut execution = match metadata.remove("execution") {
        Some(Value::Object(o)) => o,
        _ => Map::new(),
    };
    if let Some(t) = &timing.started {
        execution.insert(STARTED_KEY.into(), t.clone().into());
    }
    if let Some(t) = &timing.finished {
        execution.insert(FINISHED_KEY.into(), t.clone().into());
    }
    metadata.insert("execution".into(), Value::Object(execution));
}

fn parse(text: &str) -> Result<Notebook, NotebookError> {
    // Outputs' JSON results stay text: a big one is never a tree of values.
    let mut pieces = RawPieces::deferred();
    let mut root = parse_object(text, &mut pieces)?;
    let (major, minor) = read_version(&root)?;
    root.remove("nbformat");
    root.remove("nbformat_minor");
    let cells = match root.remove("cells") {
        Some(Value::Array(cells)) => cells,
        None => return Err(NotebookError::invalid("expected a JSON object with \"cells\"")),
        Some(_) => return Err(NotebookError::invalid("\"cells\" must be a list")),
    };
    let mut metadata = match root.remove("metadata") {
        Some(Value::Object(m)) => m,
        None => Map::new(),
        Some(_) => return Err(NotebookError::invalid("the notebook \"metadata\" must be an object")),
    };
    let (default_kind, binding) = read_notebook_metadata(&mut metadata);
    let sparkmagic = magic::is_sparkmagic_kernel(&metadata);
    let cells = cells
        .into_iter()
        .enumerate()
        .map(|(i, cell)| {
            read_cell(cell, minor, sparkmagic, &pieces)
                .map_err(|e| NotebookError::invalid(format!("cell {}: {e}", i + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut nb = Notebook {
        cells,
        default_kind,
        binding,
        metadata,
        nbformat: major,
        nbformat_minor: minor,
        extra: root,
    };
    if minor >= 5 {
        nb.ensure_cell_ids();
    }
    Ok(nb)
}

/// The text as a JSON object (a byte-order mark is skipped).
fn parse_object(text: &str, pieces: &mut RawPieces) -> Result<Map<String, Value>, NotebookError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(NotebookError::invalid("the file is empty"));
    }
    let value: Value = read_notebook(text, pieces).map_err(|e| {
        let what = if e.is_eof() {
            "the JSON ends early"
        } else {
            "invalid JSON"
        };
        NotebookError::invalid(format!("{what}: {e}"))
    })?;
    match value {
        Value::Object(root) => Ok(root),
        _ => Err(NotebookError::invalid(
            "expected a JSON object with \"cells\", found another JSON value",
        )),
    }
}

/// `nbformat` and `nbformat_minor`; only nbformat 4 is read.
fn read_version(root: &Map<String, Value>) -> Result<(i64, i64), NotebookError> {
    let major = match root.get("nbformat") {
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().unwrap_or_default(),
        None if !root.contains_key("cells") => {
            return Err(NotebookError::invalid(
                "expected a JSON object with \"cells\" and \"nbformat\"",
            ));
        }
        None => return Err(NotebookError::invalid("\"nbformat\" (the format version) is missing")),
        Some(_) => return Err(NotebookError::invalid("\"nbformat\" must be an integer")),
    };
    let minor = match root.get("nbformat_minor") {
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().unwrap_or_default(),
        None => 0,
        Some(_) => return Err(NotebookError::invalid("\"nbformat_minor\" must be an integer")),
    };
    if major != NBFORMAT {
        return Err(NotebookError::UnsupportedVersion {
            path: None,
            major,
            minor,
        });
    }
    Ok((major, minor))
}

/// Takes our fields out of `metadata.livy_tui`, leaving anything unknown there.
fn read_notebook_metadata(metadata: &mut Map<String, Value>) -> (Option<SessionKind>, Option<SessionBinding>) {
    let implied = magic::kernel_kind(metadata);
    let Some(Value::Object(ours)) = metadata.get_mut(OUR_KEY) else {
        return (implied, None);
    };
    let default_kind = match ours.get("default_kind") {
        Some(Value::String(s)) => {
            let k = SessionKind::parse(s);
            ours.remove("default_kind");
            Some(k)
        }
        Some(Value::Null) => {
            ours.remove("default_kind");
            None
        }
        _ => implied,
    };
    let binding = ours.get("binding").and_then(SessionBinding::from_json);
    if binding.is_some() {
        ours.remove("binding");
    }
    if ours.is_empty() {
        metadata.remove(OUR_KEY);
    }
    (default_kind, binding)
}

fn read_cell(mut value: Value, minor: i64, sparkmagic: bool, pieces: &RawPieces) -> Result<NotebookCell, String> {
    if value.get("cell_type").and_then(Value::as_str) != Some("code") {
        // Only a code cell's outputs are read as outputs; anything else is kept as it was.
        pieces.resolve(&mut value);
    }
    let Value::Object(mut obj) = value else {
        return Err("a cell must be a JSON object".into());
    };
    let cell_type = match obj.remove("cell_type") {
        Some(Value::String(s)) => CellType::parse(&s),
        Some(_) => return Err("\"cell_type\" must be a string".into()),
        None => return Err("\"cell_type\" is missing".into()),
    };
    // Before 4.5 an id is not part of the format: keep one verbatim as an unknown field.
    let id = match obj.get("id") {
        Some(Value::String(_)) if minor >= 5 => obj.remove("id").and_then(|v| v.as_str().map(str::to_string)),
        Some(_) if minor >= 5 => return Err("\"id\" must be a string".into()),
        _ => None,
    };
    let text = match obj.remove("source") {
        Some(v) => join_lines(&v).ok_or("\"source\" must be a string or a list of strings")?,
        None => String::new(),
    };
    let mut metadata = match obj.remove("metadata") {
        Some(Value::Object(m)) => m,
        None => Map::new(),
        Some(_) => return Err("\"metadata\" must be an object".into()),
    };
    let tags = take_tags(&mut metadata);
    let mut cell = NotebookCell {
        id,
        cell_type,
        source: text,
        magic: None,
        kind: None,
        outputs: Vec::new(),
        execution_count: None,
        timing: CellTiming::default(),
        tags,
        metadata,
        extra: Map::new(),
    };
    if cell.cell_type == CellType::Code {
        read_code_fields(&mut cell, &mut obj, sparkmagic, pieces)?;
    }
    cell.extra = obj;
    Ok(cell)
}

/// What only a code cell has: outputs, execution count, timing, and its kind (stated, or
/// implied by a magic line).
fn read_code_fields(
    cell: &mut NotebookCell,
    obj: &mut Map<String, Value>,
    sparkmagic: bool,
    pieces: &RawPieces,
) -> Result<(), String> {
    cell.outputs = match obj.remove("outputs") {
        Some(Value::Array(outputs)) => outputs
            .into_iter()
            .map(|o| JupyterOutput::from_json_with(o, pieces))
            .collect(),
        None => Vec::new(),
        Some(_) => return Err("\"outputs\" must be a list".into()),
    };
    cell.execution_count = match obj.remove("execution_count") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
        Some(_) => return Err("\"execution_count\" must be an integer or null".into()),
    };
    cell.timing = take_timing(&mut cell.metadata);
    let stated = take_kind(&mut cell.metadata);
    let (magic_line, source) = magic::split_magic(&cell.source);
    let magic_line = magic_line.map(str::to_string);
    let source = source.to_string();
    cell.source = source;
    match (stated, magic_line) {
        (None, Some(m)) if sparkmagic && m == "%%sql" => cell.kind = Some(SessionKind::Sql),
        (stated, m) => {
            let implied = m.as_deref().and_then(Magic::parse).and_then(|m| m.implied_kind());
            cell.kind = stated.unwrap_or(implied);
            cell.magic = m;
        }
    }
    Ok(())
}

fn take_tags(metadata: &mut Map<String, Value>) -> Vec<String> {
    let tags: Option<Vec<String>> = metadata
        .get("tags")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .and_then(|a| a.iter().map(|t| t.as_str().map(str::to_string)).collect());
    match tags {
        Some(tags) => {
            metadata.remove("tags");
            tags
        }
        None => Vec::new(),
    }
}

fn take_timing(metadata: &mut Map<String, Value>) -> CellTiming {
    let Some(Value::Object(execution)) = metadata.get_mut("execution") else {
        return CellTiming::default();
    };
    let mut take = |key: &str| match execution.get(key) {
        Some(Value::String(_)) => execution.remove(key).and_then(|v| v.as_str().map(str::to_string)),
        _ => None,
    };
    let timing = CellTiming {
        started: take(STARTED_KEY),
        finished: take(FINISHED_KEY),
    };
    if execution.is_empty() && timing != CellTiming::default() {
        metadata.remove("execution");
    }
    timing
}

/// `metadata.livy_tui.kind`: `Some(Some(k))` a kind, `Some(None)` explicitly the default.
fn take_kind(metadata: &mut Map<String, Value>) -> Option<Option<SessionKind>> {
    let Some(Value::Object(ours)) = metadata.get_mut(OUR_KEY) else {
        return None;
    };
    let kind = match ours.get("kind")? {
        Value::String(s) => Some(SessionKind::parse(s)),
        Value::Null => None,
        _ => return None,
    };
    ours.remove("kind");
    if ours.is_empty() {
        metadata.remove(OUR_KEY);
    }
    Some(kind)
}
