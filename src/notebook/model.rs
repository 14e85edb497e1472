//! The notebook model every file format reads into and writes from: cells with their Livy
//! kind, sparkmagic magic line, outputs and timing, plus everything else the file held
//! (unknown fields, unknown metadata, unknown cell types), kept so a save loses nothing.

use super::binding::SessionBinding;
use super::configure::{CellSettings, ConfigureError};
use super::magic::{self, Magic};
use super::output::{JupyterOutput, outputs_to_statement_output};
use super::statement::{CellStatement, Kernel, SkipReason, cell_statement};
use super::timestamp::{format_iso8601, parse_iso8601};
use crate::livy::{SessionKind, StatementOutput};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::time::{Duration, SystemTime};

/// The nbformat major version this program reads and writes.
pub const NBFORMAT: i64 = 4;
/// The nbformat minor version of new notebooks (4.5: cells have ids).
pub const NBFORMAT_MINOR: i64 = 5;
/// The cell tag that marks the cell parameters are injected after.
pub const PARAMETERS_TAG: &str = "parameters";
/// The tag of the cell holding injected parameter values.
pub const INJECTED_PARAMETERS_TAG: &str = "injected-parameters";

/// A notebook.
#[derive(Clone, Debug, PartialEq)]
pub struct Notebook {
    pub cells: Vec<NotebookCell>,
    /// The Livy kind of code cells without their own; from `metadata.livy_tui.default_kind`,
    /// else the sparkmagic kernel.
    pub default_kind: Option<SessionKind>,
    /// The session the notebook was last attached to (`metadata.livy_tui.binding`).
    pub binding: Option<SessionBinding>,
    /// Notebook metadata other than what the fields above hold (kernelspec, language_info,
    /// widgets, unknown keys), kept verbatim.
    pub metadata: Map<String, Value>,
    pub nbformat: i64,
    pub nbformat_minor: i64,
    /// Unknown top-level fields, kept verbatim.
    pub extra: Map<String, Value>,
}

/// A cell's type; types this program does not know are kept by name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CellType {
    Code,
    Markdown,
    Raw,
    Other(String),
}

impl CellType {
    /// Reads nbformat's `cell_type`.
    pub fn parse(s: &str) -> Self {
        match s {
            "code" => Self::Code,
            "markdown" => Self::Markdown,
            "raw" => Self::Raw,
            other => Self::Other(other.to_string()),
        }
    }

    /// The `cell_type` string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Code => "code",
            Self::Markdown => "markdown",
            Self::Raw => "raw",
            Self::Other(s) => s,
        }
    }
}

/// When a code cell last ran, as Jupyter records it in `metadata.execution`
/// (`iopub.execute_input` and `shell.execute_reply`, ISO-8601 strings kept as written).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CellTiming {
    pub started: Option<String>,
    pub finished: Option<String>,
}

impl CellTiming {
    /// Records a start time (and clears the end).
    pub fn start(&mut self, at: SystemTime) {
        self.started = Some(format_iso8601(at));
        self.finished = None;
    }

    /// Records an end time.
    pub fn finish(&mut self, at: SystemTime) {
        self.finished = Some(format_iso8601(at));
    }

    /// The start time, if recorded and readable.
    pub fn started_at(&self) -> Option<SystemTime> {
        self.started.as_deref().and_then(parse_iso8601)
    }

    /// The end time, if recorded and readable.
    pub fn finished_at(&self) -> Option<SystemTime> {
        self.finished.as_deref().and_then(parse_iso8601)
    }

    /// How long the last run took.
    pub fn duration(&self) -> Option<Duration> {
        self.finished_at()?.duration_since(self.started_at()?).ok()
    }
}

/// A cell.
#[derive(Clone, Debug, PartialEq)]
pub struct NotebookCell {
    /// nbformat 4.5 cell id (`^[a-zA-Z0-9-_]+$`); written only to 4.5+ notebooks.
    pub id: Option<String>,
    pub cell_type: CellType,
    /// The text, without the magic line.
    pub source: String,
    /// A code cell's sparkmagic cell magic line (`%%sql -o df`), verbatim without its line
    /// break. It must start with `%%` and a name; see [`Magic`].
    pub magic: Option<String>,
    /// A code cell's Livy kind; `None` = the notebook's default.
    pub kind: Option<SessionKind>,
    /// A code cell's outputs.
    pub outputs: Vec<JupyterOutput>,
    pub execution_count: Option<i64>,
    pub timing: CellTiming,
    /// `metadata.tags` (`parameters` marks the papermill parameters cell).
    pub tags: Vec<String>,
    /// Cell metadata other than tags, timing and kind, kept verbatim.
    pub metadata: Map<String, Value>,
    /// Unknown cell fields (and `attachments`), kept verbatim.
    pub extra: Map<String, Value>,
}

impl NotebookCell {
    /// A new cell of any type, with a fresh id.
    pub fn new(cell_type: CellType, source: impl Into<String>) -> Self {
        Self {
            id: Some(new_cell_id()),
            cell_type,
            source: source.into(),
            magic: None,
            kind: None,
            outputs: Vec::new(),
            execution_count: None,
            timing: CellTiming::default(),
            tags: Vec::new(),
            metadata: Map::new(),
            extra: Map::new(),
        }
    }

    /// A new code cell.
    pub fn code(source: impl Into<String>) -> Self {
        Self::new(CellType::Code, source)
    }

    /// A new markdown cell.
    pub fn markdown(source: impl Into<String>) -> Self {
        Self::new(CellType::Markdown, source)
    }

    /// A new code cell with its own kind.
    pub fn code_with_kind(source: impl Into<String>, kind: SessionKind) -> Self {
        Self {
            kind: Some(kind),
            ..Self::code(source)
        }
    }

    /// Is a code cell.
    pub fn is_code(&self) -> bool {
        self.cell_type == CellType::Code
    }

    /// The cell magic, understood.
    pub fn magic_kind(&self) -> Option<Magic> {
        self.magic.as_deref().and_then(Magic::parse)
    }

    /// The cell carries a magic that does not run on Livy (`%%info`, `%%local`, …).
    pub fn is_inert(&self) -> bool {
        self.magic_kind().is_some_and(|m| m.is_inert())
    }

    /// The text as Jupyter shows it: the magic line, then the source.
    pub fn text(&self) -> String {
        magic::join_magic(self.magic.as_deref(), &self.source)
    }

    /// Has the tag.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }

    /// For a `%%configure` cell, its JSON body as session settings, or why it is not a JSON
    /// object. `None` for other cells.
    pub fn configure_settings(&self) -> Option<CellSettings> {
        if !self.is_code() || !matches!(self.magic_kind(), Some(Magic::Configure { .. })) {
            return None;
        }
        Some(match serde_json::from_str::<Value>(&self.source) {
            Ok(Value::Object(settings)) => Ok(settings),
            Ok(_) => Err(ConfigureError::NotAnObject),
            Err(e) => Err(ConfigureError::NotJson(e.to_string())),
        })
    }

    /// The saved outputs as one statement output for the renderer.
    pub fn statement_output(&self) -> Option<StatementOutput> {
        outputs_to_statement_output(&self.outputs)
    }

    /// Replaces the outputs with a finished statement's.
    pub fn set_statement_output(&mut self, output: &StatementOutput) {
        self.outputs = JupyterOutput::from_statement_output(output);
        if output.execution_count.is_some() {
            self.execution_count = output.execution_count;
        }
    }
}

/// What the runner does with a cell.
#[derive(Clone, Debug, PartialEq)]
pub enum CellAction<'a> {
    /// Send `code` as a statement of `kind` (`None`: the session's own kind).
    Run { kind: Option<SessionKind>, code: &'a str },
    /// A `%%configure` cell: settings for the session (applied when one is created).
    Configure { force: bool, settings: CellSettings },
    /// Not run.
    Skip(SkipReason),
}

impl Default for Notebook {
    fn default() -> Self {
        Self::new(None)
    }
}

impl Notebook {
    /// An empty nbformat 4.5 notebook. With a kind that has a sparkmagic kernel, the
    /// kernelspec says so, so Jupyter with sparkmagic opens it with that kernel.
    pub fn new(default_kind: Option<SessionKind>) -> Self {
        let metadata = default_kind
            .as_ref()
            .and_then(magic::sparkmagic_metadata)
            .unwrap_or_default();
        Self {
            cells: Vec::new(),
            default_kind,
            binding: None,
            metadata,
            nbformat: NBFORMAT,
            nbformat_minor: NBFORMAT_MINOR,
            extra: Map::new(),
        }
    }

    /// The kernel is a sparkmagic one (`pysparkkernel`, `sparkkernel`, `sparkrkernel`).
    pub fn is_sparkmagic_kernel(&self) -> bool {
        magic::is_sparkmagic_kernel(&self.metadata)
    }

    /// The kernel its code cells were written for, which decides what each one sends.
    pub fn kernel(&self) -> Kernel {
        let magics = self
            .cells
            .iter()
            .filter(|c| c.is_code())
            .filter_map(NotebookCell::magic_kind);
        Kernel::detect(&self.metadata, magics)
    }

    /// An IPython-kernel notebook driving Livy through `%%spark` cells: only those run.
    pub fn uses_spark_magic(&self) -> bool {
        self.kernel() == Kernel::IPython
    }

    /// A cell's kind, or the notebook's default.
    pub fn effective_kind(&self, cell: &NotebookCell) -> Option<SessionKind> {
        cell.kind.clone().or_else(|| self.default_kind.clone())
    }

    /// What the runner does with cell `index` (`None` if there is no such cell).
    pub fn cell_action(&self, index: usize) -> Option<CellAction<'_>> {
        let cell = self.cells.get(index)?;
        let kind = self.effective_kind(cell);
        Some(
            match cell_statement(
                &cell.cell_type,
                cell.magic.as_deref(),
                &cell.source,
                kind,
                self.kernel(),
            ) {
                CellStatement::Send { code, kind } => CellAction::Run { kind, code },
                CellStatement::Skip(SkipReason::Configure { force }) => CellAction::Configure {
                    force,
                    settings: cell.configure_settings().unwrap_or_else(|| Ok(Map::new())),
                },
                CellStatement::Skip(reason) => CellAction::Skip(reason),
            },
        )
    }

    /// The session settings of the last `%%configure` cell, or why they cannot be read.
    pub fn session_settings_result(&self) -> Option<CellSettings> {
        self.cells.iter().rev().find_map(NotebookCell::configure_settings)
    }

    /// The session settings of the last `%%configure` cell, if it holds a JSON object.
    pub fn session_settings(&self) -> Option<Map<String, Value>> {
        self.session_settings_result()?.ok()
    }

    /// Gives every cell without one a fresh, unique id (nbformat 4.5 requires them).
    pub fn ensure_cell_ids(&mut self) {
        let mut seen: HashSet<String> = self.cells.iter().filter_map(|c| c.id.clone()).collect();
        for cell in self.cells.iter_mut().filter(|c| c.id.is_none()) {
            let id = loop {
                let id = new_cell_id();
                if seen.insert(id.clone()) {
                    break id;
                }
            };
            cell.id = Some(id);
        }
    }
}

/// A random cell id: 12 lowercase hex digits.
pub fn new_cell_id() -> String {
    format!("{:012x}", fastrand::u64(..) & 0xffff_ffff_ffff)
}

/// FNV-1a, 64 bits: a hash that never changes between builds (derived cell ids and recovery
/// file names depend on it).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Is a valid nbformat cell id.
pub fn is_valid_cell_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_valid_and_unique() {
        let mut nb = Notebook::new(Some(SessionKind::PySpark));
        for _ in 0..200 {
            let mut c = NotebookCell::code("x");
            c.id = None;
            nb.cells.push(c);
        }
        nb.ensure_cell_ids();
        let ids: HashSet<_> = nb.cells.iter().map(|c| c.id.clone().unwrap()).collect();
        assert_eq!(ids.len(), 200);
        assert!(ids.iter().all(|i| is_valid_cell_id(i) && i.len() == 12));
    }

    #[test]
    fn timing_records_and_measures() {
        let mut t = CellTiming::default();
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        t.start(at);
        t.finish(at + Duration::from_millis(1500));
        assert_eq!(t.duration(), Some(Duration::from_millis(1500)));
        assert_eq!(t.started.as_deref(), Some("2023-11-14T22:13:20.000000Z"));
    }

    #[test]
    fn actions_follow_magics_and_kernel() {
        let mut nb = Notebook::new(Some(SessionKind::PySpark));
        nb.cells.push(NotebookCell::markdown("# hi"));
        let mut info = NotebookCell::code("");
        info.magic = Some("%%info".into());
        nb.cells.push(info);
        let mut conf = NotebookCell::code(r#"{"executorMemory": "4G"}"#);
        conf.magic = Some("%%configure -f".into());
        nb.cells.push(conf);
        nb.cells
            .push(NotebookCell::code_with_kind("SELECT 1", SessionKind::Sql));
        nb.cells.push(NotebookCell::code("  \n"));
        assert_eq!(
            nb.cell_action(0),
            Some(CellAction::Skip(SkipReason::NotCode(CellType::Markdown)))
        );
        assert_eq!(
            nb.cell_action(1),
            Some(CellAction::Skip(SkipReason::Magic("info".into())))
        );
        assert!(matches!(
            nb.cell_action(2),
            Some(CellAction::Configure {
                force: true,
                settings: Ok(_)
            })
        ));
        assert_eq!(
            nb.cell_action(3),
            Some(CellAction::Run {
                kind: Some(SessionKind::Sql),
                code: "SELECT 1"
            })
        );
        assert_eq!(nb.cell_action(4), Some(CellAction::Skip(SkipReason::Empty)));
        assert_eq!(nb.cell_action(5), None);
        assert_eq!(nb.session_settings().unwrap()["executorMemory"], "4G");
        nb.cells[2].source = "{oops".into();
        assert!(nb.session_settings_result().unwrap().is_err());
        assert_eq!(nb.session_settings(), None);
    }

    #[test]
    fn ipython_notebooks_run_only_spark_cells() {
        let mut nb = Notebook::new(None);
        nb.metadata = serde_json::json!({"kernelspec": {"name": "python3"}})
            .as_object()
            .unwrap()
            .clone();
        let mut spark = NotebookCell::code("SHOW TABLES");
        spark.magic = Some("%%spark -c sql".into());
        spark.kind = Some(SessionKind::Sql);
        nb.cells.push(NotebookCell::code("df.head()"));
        nb.cells.push(spark);
        assert!(nb.uses_spark_magic());
        assert_eq!(nb.cell_action(0), Some(CellAction::Skip(SkipReason::Local)));
        assert!(matches!(
            nb.cell_action(1),
            Some(CellAction::Run {
                kind: Some(SessionKind::Sql),
                ..
            })
        ));
    }
}
