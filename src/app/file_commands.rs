//! Opening, saving and recovering the notebook's file. The app decides; a worker writes
//! (`Effect::Save`, `Effect::WriteRecovery`) and reports back.

use super::cell::{Cell, PreparedOutput};
use super::document::Document;
use super::events::Effect;
use super::{App, Overlay};
use crate::livy::CreateSession;
use crate::notebook::{ConfigureCellError, Format, JupyterOutput, Notebook, SessionBinding};
use std::path::PathBuf;
use std::sync::Arc;

/// A notebook to write, taken on the UI loop without copying outputs: the cells without
/// their outputs, and the outputs shared with the cells. The worker joins them.
#[derive(Clone, Debug, PartialEq)]
pub struct NotebookSnapshot {
    notebook: Notebook,
    outputs: Vec<Arc<Vec<JupyterOutput>>>,
}

impl NotebookSnapshot {
    /// The whole notebook (copies the outputs: call it on a worker).
    pub fn into_notebook(self) -> Notebook {
        let mut notebook = self.notebook;
        for (cell, outputs) in notebook.cells.iter_mut().zip(self.outputs) {
            if cell.is_code() {
                cell.outputs = Arc::unwrap_or_clone(outputs);
            }
        }
        notebook
    }
}

impl App {
    /// Replaces the cells with a notebook's; `prepared[i]` is cell i's saved output, made
    /// ready to show off the UI loop. An empty notebook gets one empty cell to type in.
    pub fn open(&mut self, mut notebook: Notebook, mut prepared: Vec<Option<PreparedOutput>>, path: Option<PathBuf>) {
        let default = notebook
            .default_kind
            .clone()
            .unwrap_or_else(|| self.settings.default_kind.clone());
        let docs = std::mem::take(&mut notebook.cells);
        prepared.resize_with(docs.len(), || None);
        let mut cells = Vec::with_capacity(docs.len().max(1));
        for (doc, prepared) in docs.into_iter().zip(prepared) {
            let kind = doc
                .kind
                .clone()
                .or_else(|| doc.magic_kind().and_then(|m| m.implied_kind()))
                .unwrap_or_else(|| default.clone());
            let id = self.new_cell_id();
            cells.push(Cell::from_doc(id, doc, kind, prepared));
        }
        if cells.is_empty() {
            let id = self.new_cell_id();
            cells.push(Cell::new(id, default.clone()));
        } else {
            // a notebook with cells opens for reading, not typing
            self.editing = false;
        }
        self.cells = cells;
        self.focus = 0;
        self.settings.default_kind = default;
        self.document = Document::new(path, notebook);
        if self.session.id.is_some() {
            // already running on a session: that is the file's session now
            self.bind_session();
        }
    }

    /// The body for a new session: the notebook's `%%configure` cells as they are now, under
    /// the command line's settings.
    pub(super) fn session_request(&self) -> Result<CreateSession, ConfigureCellError> {
        crate::notebook::session_request(
            &self.snapshot().notebook,
            &self.settings.defaults,
            self.settings.create.clone(),
        )
    }

    /// The notebook to save: the file's metadata and the cells as they are now.
    pub fn snapshot(&self) -> NotebookSnapshot {
        let mut notebook = self.document.base.clone();
        let default = notebook
            .default_kind
            .clone()
            .unwrap_or_else(|| self.settings.default_kind.clone());
        notebook.cells = self.cells.iter().map(|c| c.to_doc(Some(&default))).collect();
        notebook.default_kind = Some(default);
        notebook.binding = self.document.binding.clone();
        if notebook.nbformat_minor >= 5 {
            notebook.ensure_cell_ids();
        }
        NotebookSnapshot {
            notebook,
            outputs: self.cells.iter().map(|c| c.outputs.clone()).collect(),
        }
    }

    /// Marks the cells changed (unsaved; a recovery copy becomes due).
    pub(super) fn touch(&mut self) {
        self.document.touch(self.now);
    }

    /// Saves to the notebook's file, or asks for a name first.
    pub(super) fn save(&mut self) -> Vec<Effect> {
        match self.document.path.clone() {
            Some(path) => self.save_to(path),
            None => self.ask_save_as(),
        }
    }

    /// Opens the "save as" prompt, filled with the current name.
    pub(super) fn ask_save_as(&mut self) -> Vec<Effect> {
        let input = self
            .document
            .path
            .as_ref()
            .map_or_else(String::new, |p| p.display().to_string());
        self.overlay = Some(Overlay::SaveAs { input });
        Vec::new()
    }

    /// Asks a worker to write the notebook to `path` (its format from the extension).
    pub(super) fn save_to(&mut self, path: PathBuf) -> Vec<Effect> {
        if let Err(e) = Format::from_path(&path) {
            self.complain(e.to_string());
            self.document.quit_after_save = false;
            return Vec::new();
        }
        let version = self.document.version;
        self.document.saving = Some(version);
        self.say(format!("saving {}…", path.display()));
        vec![Effect::Save {
            path,
            snapshot: Box::new(self.snapshot()),
            version,
            previous: self.document.path.clone(),
        }]
    }

    /// A worker's report on a save.
    pub(super) fn saved(&mut self, path: PathBuf, version: u64, result: Result<(), String>) -> Vec<Effect> {
        self.document.saving = None;
        match result {
            Ok(()) => {
                let renamed = self.document.path.as_ref() != Some(&path);
                let old_key = self.document.recovery_key();
                self.document.path = Some(path.clone());
                self.document.saved_version = self.document.saved_version.max(version);
                let name = self.document.name();
                let script = matches!(Format::from_path(&path), Ok(Format::Script(_)));
                let has_outputs = self.cells.iter().any(|c| !c.outputs.is_empty());
                self.say(if script && has_outputs {
                    format!("saved {name} (a script keeps code, not outputs; save as .ipynb to keep them)")
                } else {
                    format!("saved {name}")
                });
                let mut effects = Vec::new();
                if renamed {
                    effects.push(Effect::DiscardRecovery { key: old_key });
                }
                if self.document.quit_after_save {
                    self.document.quit_after_save = false;
                    self.request_quit();
                }
                effects
            }
            Err(e) => {
                self.document.quit_after_save = false;
                self.complain(format!("not saved: {e}"));
                Vec::new()
            }
        }
    }

    /// Writes a recovery copy when one is due (called on ticks).
    pub(super) fn autosave(&mut self) -> Vec<Effect> {
        if !self.document.recovery_due(self.now) {
            return Vec::new();
        }
        let version = self.document.version;
        self.document.recovery_written(version);
        vec![Effect::WriteRecovery {
            key: self.document.recovery_key(),
            snapshot: Box::new(self.snapshot()),
        }]
    }

    /// Offers a recovery copy found when opening (newer than the file).
    pub fn offer_recovery(&mut self, saved_at: std::time::SystemTime, notebook: Notebook) {
        self.offer(Overlay::Recover {
            saved_at,
            notebook: Box::new(notebook),
        });
    }

    /// Takes the recovery copy: its outputs are prepared on a worker (a big notebook would
    /// freeze the screen), then its cells replace the file's, unsaved. Until then the cells
    /// take no keys, so nothing typed meanwhile is replaced.
    pub(super) fn recover(&mut self, notebook: Notebook) -> Vec<Effect> {
        self.document.recovering = true;
        self.say("recovering the unsaved changes …");
        vec![Effect::PrepareNotebook(Box::new(notebook))]
    }

    /// The recovery copy's outputs are ready: show it.
    pub(super) fn recovered(&mut self, notebook: Notebook, prepared: Vec<Option<PreparedOutput>>) {
        self.document.recovering = false;
        let path = self.document.path.clone();
        self.open(notebook, prepared, path);
        self.touch();
        self.say("recovered the unsaved changes; Ctrl+S saves them");
    }

    /// Records the session the notebook runs on (saved with the file).
    pub(super) fn bind_session(&mut self) {
        let Some(id) = &self.session.id else { return };
        let mut binding = SessionBinding::new(&self.settings.server, id.to_string());
        binding.session_name = self.session.name.clone();
        binding.kind = self.session.kind.clone();
        self.document.binding = Some(binding);
    }
}
