//! A notebook cell: its code, language, run state and output.

use super::events::CellId;
use crate::livy::StatementOutput;
use crate::livy::{SessionKind, StatementError, StatementId};
use crate::notebook::{
    CellStatement, JupyterOutput, Kernel, Magic, NotebookCell, SkipReason, cell_statement, split_magic,
};
use crate::output::image::{DecodedImage, decode_png};
use crate::output::json_tree::{JsonTree, JsonTreeState};
use crate::output::sanitize::{sanitize, strip_all};
use crate::output::{
    Rendered, Table, TableLayout, TextPart, available_mimes, render, render_as, split_text_and_tables,
};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tui_textarea::TextArea;

/// Where a cell is in its run.
#[derive(Clone, Debug, PartialEq)]
pub enum RunState {
    /// Not run, or its output is from an earlier run.
    Idle,
    /// Waiting for its turn (or for the session to be ready).
    Queued,
    /// Sent; the server has not confirmed yet.
    Submitting { since: Instant },
    /// Waiting or running on the server.
    Running {
        statement: StatementId,
        progress: f64,
        since: Instant,
        waiting: bool,
    },
    /// Cancel requested.
    Cancelling { statement: StatementId, since: Instant },
    /// Done; how long it took.
    Finished {
        duration: Option<Duration>,
        outcome: Outcome,
    },
}

impl RunState {
    /// Sent and not finished: submitting, running or cancelling.
    pub fn in_flight(&self) -> bool {
        matches!(
            self,
            RunState::Submitting { .. } | RunState::Running { .. } | RunState::Cancelling { .. }
        )
    }
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Error,
    Cancelled,
}

/// What a cell shows under its code.
#[derive(Clone, Debug, PartialEq)]
pub enum CellOutput {
    /// Text lines, free of every control sequence but SGR colours (drawn as colours);
    /// shared, so a search can read them on a worker without a copy.
    Text(Arc<Vec<String>>),
    /// A table (Livy's table type, a SQL result, or a `show()` table found in text).
    Table(TableOutput),
    /// Non-tabular JSON as a collapsible tree (or its raw pretty text).
    Json(JsonOutput),
    /// A decoded image (drawn with the terminal's image protocol, or half blocks).
    Image(ImageOutput),
    /// Lines already styled (rendered markdown), free of control sequences.
    Styled(Arc<Vec<ratatui::text::Line<'static>>>),
    /// A failed statement.
    Error {
        ename: String,
        evalue: String,
        traceback: Vec<String>,
    },
    /// A type this view cannot show yet: its mime types.
    Placeholder(String),
    /// The request itself failed (network, server error).
    RequestError(String),
    /// Cancelled before or while running.
    Cancelled,
}

impl CellOutput {
    /// Builds the output for a finished statement's render model.
    pub fn from_rendered(rendered: Rendered) -> CellOutput {
        match rendered {
            Rendered::Text(text) => match only_table(&text) {
                Some(table) => CellOutput::Table(TableOutput::new(table)),
                None => CellOutput::Text(Arc::new(lines_of(&sanitize(&text)))),
            },
            Rendered::Table(table) => CellOutput::Table(TableOutput::new(table)),
            Rendered::Json(json) => match JsonOutput::from_json_text(json.get()) {
                Some(output) => CellOutput::Json(output),
                // Deeper than the parser goes: the text, drawable, is still worth reading.
                None => CellOutput::Text(Arc::new(crate::output::json_tree::pretty_text(json.get()))),
            },
            Rendered::Html(text) => CellOutput::Text(Arc::new(lines_of(&strip_all(&text)))),
            Rendered::Markdown(source) => {
                let source = strip_all(&source);
                let lines = tui_markdown::from_str(&source)
                    .lines
                    .into_iter()
                    .map(owned_line)
                    .collect();
                CellOutput::Styled(Arc::new(lines))
            }
            Rendered::Image(bytes) => match decode_png(&bytes) {
                Ok(image) => CellOutput::Image(ImageOutput { image: Arc::new(image) }),
                Err(e) => CellOutput::Placeholder(format!("image/png that cannot be shown: {e}")),
            },
            Rendered::Error(e) => CellOutput::error(&e),
            Rendered::Unsupported(types) => CellOutput::Placeholder(format!("output of type {}", types.join(", "))),
        }
    }

    /// An error output with its text made safe.
    pub fn error(e: &StatementError) -> CellOutput {
        CellOutput::Error {
            ename: strip_all(&e.ename),
            evalue: strip_all(&e.evalue),
            traceback: e.traceback.iter().flat_map(|l| lines_of(&sanitize(l))).collect(),
        }
    }
}

/// A rendered line that owns its text.
fn owned_line(line: ratatui::text::Line<'_>) -> ratatui::text::Line<'static> {
    let spans: Vec<ratatui::text::Span<'static>> = line
        .spans
        .into_iter()
        .map(|s| ratatui::text::Span::styled(s.content.into_owned(), s.style))
        .collect();
    let mut owned = ratatui::text::Line::from(spans).style(line.style);
    owned.alignment = line.alignment;
    owned
}

/// The table, when a text output is one `df.show()` table and nothing else but blank lines.
fn only_table(text: &str) -> Option<Table> {
    if !text.contains("+-") {
        return None;
    }
    let mut table = None;
    for part in split_text_and_tables(text) {
        match part {
            TextPart::Table(t) if table.is_none() => table = Some(t),
            TextPart::Text(t) if t.trim().is_empty() => {}
            _ => return None,
        }
    }
    table
}

fn lines_of(text: &str) -> Vec<String> {
    let trimmed = text.strip_suffix('\n').unwrap_or(text);
    if trimmed.is_empty() {
        return Vec::new();
    }
    trimmed.split('\n').map(|l| l.replace('\t', "    ")).collect()
}

/// A table ready to draw: its column layout is computed once, off the draw path. The cursor
/// selects one cell (to inspect or copy it); column widths can be changed per table.
#[derive(Clone, Debug, PartialEq)]
pub struct TableOutput {
    pub table: Arc<Table>,
    pub layout: Arc<TableLayout>,
    /// The selected cell: (row, column).
    pub cursor: (usize, usize),
    /// First column drawn. The app asks for a column; the grid, which knows the width,
    /// scrolls just enough to show the cursor's column, and the frame reports where it
    /// started (`ScreenLayout::table_first_cols`).
    pub first_col: usize,
}

impl TableOutput {
    /// Lays the table out (the cost grows with its size: call it off the UI thread).
    pub fn new(table: Table) -> TableOutput {
        let layout = TableLayout::compute(&table, crate::output::table_layout::DEFAULT_MAX_WIDTH);
        TableOutput {
            table: Arc::new(table),
            layout: Arc::new(layout),
            cursor: (0, 0),
            first_col: 0,
        }
    }

    /// The value under the cursor, if the table has one there.
    pub fn selected_value(&self) -> Option<serde_json::Value> {
        let (row, col) = self.cursor;
        self.table.rows.get(row)?.get(col).map(std::borrow::Cow::into_owned)
    }
}

/// An image decoded off the UI loop; the UI makes (and keeps) its terminal view, as only
/// the UI knows the terminal's image protocol.
#[derive(Clone)]
pub struct ImageOutput {
    pub image: Arc<DecodedImage>,
}

impl std::fmt::Debug for ImageOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ImageOutput({}×{})", self.image.width, self.image.height)
    }
}

impl PartialEq for ImageOutput {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.image, &other.image)
    }
}

/// JSON ready to browse: the tree is flattened once, off the draw path; the state (what is
/// expanded and selected) belongs to the cell.
#[derive(Clone)]
pub struct JsonOutput {
    pub tree: Arc<JsonTree>,
    pub state: JsonTreeState,
    /// The raw pretty text, when the user switched to it.
    pub raw: Option<Arc<Vec<String>>>,
}

impl JsonOutput {
    /// Flattens the value (the cost grows with its size: call it off the UI thread).
    pub fn new(value: &serde_json::Value) -> JsonOutput {
        JsonOutput::of(JsonTree::new(value))
    }

    /// Flattens JSON text, with no tree of values in between; `None` when it does not parse.
    pub fn from_json_text(json: &str) -> Option<JsonOutput> {
        JsonTree::from_json_text(json).map(JsonOutput::of)
    }

    fn of(tree: JsonTree) -> JsonOutput {
        let state = JsonTreeState::new(&tree);
        JsonOutput {
            tree: Arc::new(tree),
            state,
            raw: None,
        }
    }
}

impl std::fmt::Debug for JsonOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "JsonOutput({} nodes, raw: {})",
            self.tree.node_count(),
            self.raw.is_some()
        )
    }
}

impl PartialEq for JsonOutput {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.tree, &other.tree) && self.state == other.state && self.raw == other.raw
    }
}

/// A finished statement's output, prepared for display, with the types it can be shown as.
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedOutput {
    pub output: CellOutput,
    /// The statement's raw output, shared (it can be tens of MB; never copied on the UI loop).
    pub raw: Option<Arc<StatementOutput>>,
    /// The mime type shown.
    pub mime: Option<String>,
    /// Every type the bundle carries that can be shown, richest first.
    pub mimes: Vec<String>,
    /// The output as Jupyter outputs, for saving (made on the worker with the rest).
    pub jupyter: Option<Arc<Vec<JupyterOutput>>>,
}

impl PreparedOutput {
    /// How the run that made it ended, as far as its output tells (an error output failed).
    pub fn outcome(&self) -> Outcome {
        if matches!(self.output, CellOutput::Error { .. }) {
            Outcome::Error
        } else {
            Outcome::Ok
        }
    }

    /// Prepares `output` as `mime`, or as its richest type. Parsing, `show()` detection and
    /// table layout happen here, so big outputs are prepared on a worker, not in the UI loop.
    pub fn prepare(output: &StatementOutput, mime: Option<&str>) -> PreparedOutput {
        let mimes: Vec<String> = available_mimes(output).into_iter().map(str::to_string).collect();
        if let Some(e) = output.error() {
            return PreparedOutput {
                output: CellOutput::error(&e),
                raw: None,
                mime: None,
                mimes,
                jupyter: None,
            };
        }
        let chosen = mime.map(str::to_string).or_else(|| mimes.first().cloned());
        let rendered = match &chosen {
            Some(m) => render_as(output, m).unwrap_or_else(|| render(output)),
            None => render(output),
        };
        PreparedOutput {
            output: CellOutput::from_rendered(rendered),
            raw: None,
            mime: chosen,
            mimes,
            jupyter: None,
        }
    }
}

impl PreparedOutput {
    /// A statement's output as a cell keeps it once it finished: shown as its richest
    /// type, kept to show as another, and as Jupyter outputs for saving (the three share
    /// the output's text).
    pub fn of_finished(output: Arc<StatementOutput>) -> PreparedOutput {
        let mut prepared = PreparedOutput::prepare(&output, None);
        prepared.jupyter = Some(Arc::new(crate::notebook::JupyterOutput::from_statement_output(&output)));
        prepared.raw = Some(output);
        prepared
    }
}

/// Every cell's saved output made ready to show (`None` for cells without one). The cost
/// grows with the outputs: call it on a worker.
pub fn prepare_saved_outputs(notebook: &crate::notebook::Notebook) -> Vec<Option<PreparedOutput>> {
    notebook
        .cells
        .iter()
        .map(|cell| {
            let output = Arc::new(cell.statement_output()?);
            let mut prepared = PreparedOutput::prepare(&output, None);
            prepared.raw = Some(output);
            Some(prepared)
        })
        .collect()
}

/// What a cell's last run produced (or its file kept): the output shown, the statement's
/// raw output it came from, and the same as Jupyter outputs for saving.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunOutput {
    /// Livy's execution count of the run (its statement id).
    pub execution_count: Option<String>,
    /// What is drawn under the code.
    pub shown: Option<CellOutput>,
    /// The statement's raw output, to show it as another of its types.
    pub raw: Option<Arc<StatementOutput>>,
    /// The type shown…
    pub mime: Option<String>,
    /// …and every type it can be shown as, richest first.
    pub mimes: Vec<String>,
    /// The outputs as Jupyter outputs, for saving: shared, so taking a snapshot to save on a
    /// worker copies nothing on the UI loop.
    pub jupyter: Arc<Vec<JupyterOutput>>,
}

impl RunOutput {
    /// Where the type shown is among the types it can be shown as.
    pub fn mime_index(&self) -> Option<usize> {
        let shown = self.mime.as_ref()?;
        self.mimes.iter().position(|m| m == shown)
    }
}

/// How a cell's output is looked at (the table cursor and the JSON tree's state are the
/// output's own).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutputView {
    /// Tracebacks start folded.
    pub unfolded: bool,
    /// First output line (or table row) shown, for long outputs.
    pub scroll: usize,
}

/// One cell: its code and language, where it is in a run, what its last run produced, how
/// that is looked at, and the cell as its file holds it.
pub struct Cell {
    pub id: CellId,
    pub kind: SessionKind,
    pub editor: TextArea<'static>,
    pub run: RunState,
    pub output: RunOutput,
    pub view: OutputView,
    /// The cell as its file holds it: type (code, markdown…), id, tags, metadata, kept so a
    /// save loses nothing. Its source is refreshed from the editor when the notebook is
    /// saved; its outputs live in `output.jupyter`.
    pub doc: NotebookCell,
    /// A statement this cell was running when the app last went away (read from the file
    /// or its recovery copy): followed once the app is attached to that session.
    pub resume: Option<crate::notebook::RunningMark>,
}

impl Cell {
    /// An empty cell.
    pub fn new(id: CellId, kind: SessionKind) -> Cell {
        Cell::with_code(id, kind, "")
    }

    /// A cell holding `code`.
    pub fn with_code(id: CellId, kind: SessionKind, code: &str) -> Cell {
        let lines: Vec<String> = if code.is_empty() {
            vec![String::new()]
        } else {
            code.lines().map(str::to_string).collect()
        };
        let mut editor = TextArea::new(lines);
        editor.set_tab_length(4);
        editor.set_hard_tab_indent(false);
        // The focused cell's border already shows where the cursor is.
        editor.set_cursor_line_style(ratatui::style::Style::default());
        Cell {
            id,
            kind,
            editor,
            run: RunState::Idle,
            output: RunOutput::default(),
            view: OutputView::default(),
            doc: NotebookCell::code(""),
            resume: None,
        }
    }

    /// A cell from a notebook file: the editor holds its text as Jupyter shows it (a
    /// sparkmagic magic line first), and its saved output is shown (`prepared` off the UI
    /// loop from [`NotebookCell::statement_output`]).
    pub fn from_doc(id: CellId, mut doc: NotebookCell, kind: SessionKind, prepared: Option<PreparedOutput>) -> Cell {
        let mut cell = Cell::with_code(id, kind, &doc.text());
        cell.output.jupyter = Arc::new(std::mem::take(&mut doc.outputs));
        cell.output.execution_count = doc.execution_count.map(|n| n.to_string());
        if let Some(prepared) = prepared {
            cell.run = RunState::Finished {
                duration: doc.timing.duration(),
                outcome: prepared.outcome(),
            };
            cell.output.shown = Some(prepared.output);
            cell.output.raw = prepared.raw;
            cell.output.mime = prepared.mime;
            cell.output.mimes = prepared.mimes;
        }
        if doc.is_code() {
            cell.resume = crate::notebook::RunningMark::take(&mut doc.metadata);
        }
        cell.doc = doc;
        cell
    }

    /// The cell as a file holds it, its source taken from the editor, without its outputs
    /// (they are added on the worker that saves). A code cell's first line, when it is a
    /// sparkmagic magic (`%%sql`), is stored apart as Jupyter expects; its kind is stored
    /// only when it differs from the notebook's `default`.
    pub fn to_doc(&self, default: Option<&SessionKind>) -> NotebookCell {
        let mut doc = self.doc.clone();
        let text = self.code();
        if doc.is_code() {
            let (magic, body) = split_magic(&text);
            let implied = magic.and_then(Magic::parse).and_then(|m| m.implied_kind());
            doc.magic = magic.map(str::to_string);
            doc.source = body.to_string();
            doc.kind = (Some(&self.kind) != default && implied.as_ref() != Some(&self.kind)).then(|| self.kind.clone());
        } else {
            doc.source = text;
        }
        doc
    }

    /// A markdown, raw or unknown-type cell: text, never run.
    pub fn is_text(&self) -> bool {
        !self.doc.is_code()
    }

    /// What running the cell sends: the code without a magic line, and the kind (`None`:
    /// the session's); or why it is not sent to Livy. `kernel` is the notebook's.
    pub fn statement(&self, kernel: Kernel) -> Result<(String, Option<SessionKind>), SkipReason> {
        let text = self.code();
        let (magic, body) = split_magic(&text);
        match cell_statement(&self.doc.cell_type, magic, body, Some(self.kind.clone()), kernel) {
            CellStatement::Send { code, kind } => Ok((code.to_string(), kind)),
            CellStatement::Skip(reason) => Err(reason),
        }
    }

    /// The cell magic on the first line of a code cell (`%%sql`, `%%spark`, …).
    pub fn magic(&self) -> Option<Magic> {
        if self.is_text() {
            return None;
        }
        self.editor.lines().first().and_then(|line| Magic::parse(line))
    }

    /// What the badge says instead of a language when the cell's magic keeps it off Livy.
    pub fn not_run_badge(&self) -> Option<&'static str> {
        match self.magic()? {
            Magic::ClientSide(_) => Some("jupyter only"),
            Magic::Unknown(_) => Some("not supported here"),
            _ => None,
        }
    }

    /// The language the cell runs in: a `%%sql` or `%%spark` magic line wins over the
    /// cell's kind (the badge shows this).
    pub fn runs_as(&self) -> SessionKind {
        let first = self.editor.lines().first().map(String::as_str).unwrap_or("");
        let (magic, _) = split_magic(first);
        magic
            .and_then(Magic::parse)
            .and_then(|m| m.implied_kind())
            .unwrap_or_else(|| self.kind.clone())
    }

    /// The code as one string.
    pub fn code(&self) -> String {
        self.editor.lines().join("\n")
    }

    /// True while the cell is queued, submitted, running or cancelling.
    pub fn is_busy(&self) -> bool {
        self.run == RunState::Queued || self.run.in_flight()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mime_shown_is_found_among_those_available() {
        let mut output = RunOutput {
            mimes: vec!["application/json".into(), "text/plain".into()],
            ..RunOutput::default()
        };
        assert_eq!(output.mime_index(), None);
        output.mime = Some("text/plain".into());
        assert_eq!(output.mime_index(), Some(1));
        output.mime = Some("image/png".into());
        assert_eq!(output.mime_index(), None);
    }

    #[test]
    fn a_run_state_is_in_flight_from_sending_to_cancelled() {
        let now = Instant::now();
        assert!(!RunState::Idle.in_flight() && !RunState::Queued.in_flight());
        assert!(RunState::Submitting { since: now }.in_flight());
        let finished = RunState::Finished {
            duration: None,
            outcome: Outcome::Ok,
        };
        assert!(!finished.in_flight());
        let mut cell = Cell::new(CellId(1), SessionKind::PySpark);
        cell.run = RunState::Queued;
        assert!(cell.is_busy());
        cell.run = finished;
        assert!(!cell.is_busy());
    }
}
