//! Opening, saving and recovering the notebook's file. The app decides; a worker writes
//! (`Effect::Save`, `Effect::WriteRecovery`) and reports back.

use super::cell::PreparedOutput;
use super::events::Effect;
use super::{App, Overlay};
use crate::livy::CreateSession;
use crate::notebook::{
    ConfigureCellError, Format, JupyterOutput, Notebook, NotebookError, RunningMark, SessionBinding,
};
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
    pub fn open(&mut self, notebook: Notebook, prepared: Vec<Option<PreparedOutput>>, path: Option<PathBuf>) {
        let default = notebook
            .default_kind
            .clone()
            .unwrap_or_else(|| self.settings.default_kind.clone());
        self.notebook.open(notebook, prepared, path, &default);
        self.settings.default_kind = default;
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
        let mut notebook = self.notebook.document.base.clone();
        let default = notebook
            .default_kind
            .clone()
            .unwrap_or_else(|| self.settings.default_kind.clone());
        let session = self.session.id.as_ref().map(ToString::to_string);
        notebook.cells = self
            .notebook
            .cells
            .iter()
            .map(|c| {
                let mut doc = c.to_doc(Some(&default));
                if let Some(mark) = running_mark(c, session.as_deref()) {
                    mark.write(&mut doc.metadata);
                }
                doc
            })
            .collect();
        notebook.default_kind = Some(default);
        notebook.binding = self.notebook.document.binding.clone();
        if notebook.nbformat_minor >= 5 {
            notebook.ensure_cell_ids();
        }
        NotebookSnapshot {
            notebook,
            outputs: self.notebook.cells.iter().map(|c| c.output.jupyter.clone()).collect(),
        }
    }

    /// Marks the cells changed (unsaved; a recovery copy becomes due).
    pub(super) fn touch(&mut self) {
        self.notebook.document.touch(self.now);
    }

    /// Saves to the notebook's file, or asks for a name first.
    pub(super) fn save(&mut self) -> Vec<Effect> {
        match self.notebook.document.path.clone() {
            Some(path) => self.save_to(path),
            None => self.ask_save_as(),
        }
    }

    /// Opens the "save as" prompt, filled with the current name.
    pub(super) fn ask_save_as(&mut self) -> Vec<Effect> {
        let input = self
            .notebook
            .document
            .path
            .as_ref()
            .map_or_else(String::new, |p| p.display().to_string());
        self.overlays.open(Overlay::SaveAs { input });
        Vec::new()
    }

    /// Asks a worker to write the notebook to `path` (its format from the extension).
    pub(super) fn save_to(&mut self, path: PathBuf) -> Vec<Effect> {
        if let Err(e) = Format::from_path(&path) {
            self.complain(e.to_string());
            self.notebook.document.quit_after_save = false;
            return Vec::new();
        }
        let version = self.notebook.document.version;
        self.notebook.document.saving = Some(version);
        self.say(format!("saving {}…", path.display()));
        vec![Effect::Save {
            path,
            snapshot: Box::new(self.snapshot()),
            version,
            previous: self.notebook.document.path.clone(),
        }]
    }

    /// A worker's report on a save.
    pub(super) fn saved(&mut self, path: PathBuf, version: u64, result: Result<(), NotebookError>) -> Vec<Effect> {
        self.notebook.document.saving = None;
        match result {
            Ok(()) => {
                let renamed = self.notebook.document.path.as_ref() != Some(&path);
                let old_key = self.notebook.document.recovery_key();
                self.notebook.document.path = Some(path.clone());
                self.notebook.document.saved_version = self.notebook.document.saved_version.max(version);
                let name = self.notebook.document.name();
                let script = matches!(Format::from_path(&path), Ok(Format::Script(_)));
                let has_outputs = self.notebook.cells.iter().any(|c| !c.output.jupyter.is_empty());
                self.say(if script && has_outputs {
                    format!("saved {name} (a script keeps code, not outputs; save as .ipynb to keep them)")
                } else {
                    format!("saved {name}")
                });
                let mut effects = Vec::new();
                if renamed {
                    effects.push(Effect::DiscardRecovery { key: old_key });
                }
                if self.notebook.document.quit_after_save {
                    self.notebook.document.quit_after_save = false;
                    self.request_quit();
                }
                effects
            }
            Err(e) => {
                self.notebook.document.quit_after_save = false;
                self.complain(format!("not saved: {e}"));
                Vec::new()
            }
        }
    }

    /// Writes a recovery copy when one is due (called on ticks).
    pub(super) fn autosave(&mut self) -> Vec<Effect> {
        if !self.notebook.document.recovery_due(self.now) {
            return Vec::new();
        }
        let version = self.notebook.document.version;
        self.notebook.document.recovery_written(version);
        vec![Effect::WriteRecovery {
            key: self.notebook.document.recovery_key(),
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
        self.notebook.document.recovering = true;
        self.say("recovering the unsaved changes …");
        vec![Effect::PrepareNotebook(Box::new(notebook))]
    }

    /// The recovery copy's outputs are ready: show it.
    pub(super) fn recovered(&mut self, notebook: Notebook, prepared: Vec<Option<PreparedOutput>>) -> Vec<Effect> {
        self.notebook.document.recovering = false;
        let path = self.notebook.document.path.clone();
        self.open(notebook, prepared, path);
        self.touch();
        self.say("recovered the unsaved changes; Ctrl+S saves them");
        self.resume_marked()
    }

    /// Writes a recovery copy now, not after the typing pause (a statement was submitted:
    /// the copy records it, for the case the app goes away while it runs).
    pub(super) fn write_recovery_now(&mut self) -> Vec<Effect> {
        let version = self.notebook.document.version;
        self.notebook.document.recovery_written(version);
        vec![Effect::WriteRecovery {
            key: self.notebook.document.recovery_key(),
            snapshot: Box::new(self.snapshot()),
        }]
    }

    /// The session is ready: the statements cells were running when the app last went away
    /// are followed to their end, into their cells. A statement of another session is not.
    pub(super) fn resume_marked(&mut self) -> Vec<Effect> {
        for session in self.runs.lost_sessions.clone() {
            self.lose_marked(&session, true);
        }
        let ready = matches!(&self.session.phase, super::Phase::Server(s) if !s.is_finished());
        let Some(session) = self.session.id.clone().filter(|_| ready) else {
            return Vec::new();
        };
        let (generation, now) = (self.session.generation, self.now);
        let mut effects = Vec::new();
        for cell in self.notebook.cells.iter_mut() {
            let Some(mark) = cell.resume.take() else { continue };
            if cell.is_busy() {
                // run again meanwhile: that run is the one the cell shows
                continue;
            }
            if mark.session != session.to_string() {
                lose(
                    cell,
                    format!(
                        "it ran on session {}, which this notebook no longer runs on: the result is not followed",
                        mark.session
                    ),
                );
                continue;
            }
            let statement = crate::livy::StatementId::from(mark.statement);
            cell.output.execution_count = Some(statement.to_string());
            cell.run = super::cell::RunState::Running {
                statement: statement.clone(),
                progress: 0.0,
                since: now,
                waiting: false,
            };
            effects.push(Effect::FollowStatement {
                generation,
                session: session.clone(),
                cell: cell.id,
                statement,
            });
        }
        if !effects.is_empty() {
            self.say(format!("following the statement left running in session {session}"));
        }
        effects
    }

    /// Attaches to the notebook's session at once (a statement was left running there).
    pub fn resume_session(&mut self, session: crate::livy::SessionId) -> Vec<Effect> {
        self.start_session(super::events::SessionStartSpec::Attach(session))
    }

    /// The cells' statements left running on `session` cannot be followed: it is `gone`
    /// (also for a recovery copy taken later), or on another server. They say so.
    pub fn lose_marked(&mut self, session: &str, gone: bool) {
        if gone && !self.runs.lost_sessions.iter().any(|s| s == session) {
            self.runs.lost_sessions.push(session.to_string());
        }
        for cell in self.notebook.cells.iter_mut() {
            if cell.resume.as_ref().is_some_and(|m| m.session == session) {
                cell.resume = None;
                lose(
                    cell,
                    if gone {
                        format!("its session {session} is gone: the result is lost")
                    } else {
                        format!("it ran on session {session} of another server: the result is not followed")
                    },
                );
            }
        }
    }

    /// The sessions of the statements the cells were running when the app last went away.
    pub fn marked_sessions(&self) -> Vec<String> {
        let mut sessions: Vec<String> = Vec::new();
        for mark in self.notebook.cells.iter().filter_map(|c| c.resume.as_ref()) {
            if !sessions.contains(&mark.session) {
                sessions.push(mark.session.clone());
            }
        }
        sessions
    }

    /// Records the session the notebook runs on (saved with the file).
    pub(super) fn bind_session(&mut self) {
        let Some(id) = &self.session.id else { return };
        let mut binding = SessionBinding::new(&self.settings.server, id.to_string());
        binding.session_name = self.session.name.clone();
        binding.kind = self.session.kind.clone();
        self.notebook.document.binding = Some(binding);
    }
}

/// What the file records of a cell's statement in flight: the one it runs, or the one it
/// ran when the app last went away and that is not followed yet.
fn running_mark(cell: &super::cell::Cell, session: Option<&str>) -> Option<RunningMark> {
    use super::cell::RunState;
    match (&cell.run, session) {
        (RunState::Running { statement, .. } | RunState::Cancelling { statement, .. }, Some(session)) => {
            Some(RunningMark {
                session: session.to_string(),
                statement: statement.to_string(),
            })
        }
        _ => cell.resume.clone(),
    }
}

/// A cell whose statement's result cannot be had says why.
fn lose(cell: &mut super::cell::Cell, why: String) {
    cell.run = super::cell::RunState::Finished {
        duration: None,
        outcome: super::cell::Outcome::Error,
    };
    cell.output.shown = Some(super::cell::CellOutput::RequestError(why));
}
