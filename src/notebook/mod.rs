//! The notebook file layer: the [`Notebook`] model and its files, with no terminal and no
//! network. Jupyter `.ipynb` (nbformat 4, sparkmagic notebooks included) and percent scripts
//! (`.py`, `.scala`, `.r`, `.sql`) load into the same model and save back without losing what
//! this program does not understand; saves are atomic with a backup; recovery copies survive
//! crashes; parameters prepare headless runs. What each cell sends to Livy, and what the
//! `%%configure` cells make of a new session, is decided here once, for the notebook and
//! `livy-tui run` alike.
//!
//! Normalisations a load → save makes (everything else is kept, keys sorted as nbformat does):
//! - multi-line texts are written as line lists, as Jupyter writes them;
//! - a code cell that is only a magic line and a line break loses the line break;
//! - in a 4.5+ notebook, cells without an id get one; older notebooks keep their minor version
//!   and get no ids;
//! - a missing cell `metadata`, `outputs` or `execution_count` is written (nbformat requires
//!   them), a byte-order mark is dropped;
//! - a session binding loses any credentials in its server address.
//!
//! A code cell whose `source` (with `magic` unset) starts with a `%%name` line cannot be told
//! apart from a cell with a magic: reading it back splits the line off into `magic`.

mod binding;
mod configure;
mod error;
mod files;
mod format;
mod ipynb;
mod magic;
mod model;
mod multiline;
mod output;
mod parameters;
mod raw_pieces;
mod recovery;
mod resume;
mod script;
mod statement;
mod timestamp;

pub use binding::{SessionBinding, strip_credentials};
pub use configure::{CellSettings, ConfigureCellError, ConfigureError, configure_cells, session_request};
pub use error::NotebookError;
pub use files::{backup_path, load, read_text, save, save_atomic};
pub use format::{Format, ScriptLanguage};
pub use magic::{Magic, is_sparkmagic_kernel, join_magic, kernel_kind, sparkmagic_metadata, split_magic};
pub use model::{
    CellAction, CellTiming, CellType, INJECTED_PARAMETERS_TAG, NBFORMAT, NBFORMAT_MINOR, Notebook, NotebookCell,
    PARAMETERS_TAG, is_valid_cell_id, new_cell_id,
};
pub use multiline::{is_json_mime, split_lines};
pub use output::{JupyterOutput, outputs_to_statement_output};
pub use parameters::{ParameterReport, apply_parameters, python_literal, r_literal, scala_literal};
pub use recovery::{Recovery, RecoveryStore, STATE_DIR_ENV, canonical_path, state_dir};
pub use resume::RunningMark;
pub use statement::{CellStatement, Kernel, SkipReason, cell_statement};
pub use timestamp::{format_iso8601, parse_iso8601};
