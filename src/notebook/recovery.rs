//! Crash recovery: while a notebook has unsaved changes the app writes a copy to the state
//! directory; on the next open, a copy newer than the file is offered back. One file per
//! notebook, named by a hash of its absolute path, holding
//! `{"path", "saved_at" (Unix seconds), "notebook" (nbformat JSON)}`. A copy is also written
//! as soon as a statement is submitted, its cell marked with it (see [`RunningMark`]), so that
//! a notebook whose terminal went away mid-statement can follow it when opened again.
//!
//! [`RunningMark`]: super::RunningMark

use super::error::NotebookError;
use super::files::write_atomic;
use super::model::{Notebook, fnv1a};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Overrides the state directory (tests, and users who want it elsewhere).
pub const STATE_DIR_ENV: &str = "LIVY_TUI_STATE_DIR";

/// A recovered notebook.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovery {
    /// When the copy was written.
    pub saved_at: SystemTime,
    pub notebook: Notebook,
    /// The recovery file itself.
    pub file: PathBuf,
}

/// Recovery copies in one directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryStore {
    dir: PathBuf,
}

/// The absolute, symlink-free path of a notebook, also when it does not exist yet.
pub fn canonical_path(path: &Path) -> PathBuf {
    if let Ok(p) = fs::canonicalize(path) {
        return p;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => fs::canonicalize(parent)
            .map(|p| p.join(name))
            .unwrap_or(absolute.clone()),
        _ => absolute,
    }
}

/// Where livy-tui keeps its state (recovery copies, the log): `$LIVY_TUI_STATE_DIR`, else
/// the platform state directory (the data-local directory where there is none) `…/livy-tui`.
pub fn state_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(STATE_DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let dirs = directories::ProjectDirs::from("", "", "livy-tui")?;
    Some(dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir()).to_path_buf())
}

impl RecoveryStore {
    /// A store in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `recovery` in the [`state_dir`].
    pub fn default_dir() -> Option<PathBuf> {
        state_dir().map(|dir| dir.join("recovery"))
    }

    /// The store in [`RecoveryStore::default_dir`].
    pub fn from_env() -> Option<Self> {
        Self::default_dir().map(Self::new)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The recovery file for a notebook path.
    pub fn file_for(&self, notebook_path: &Path) -> PathBuf {
        let canonical = canonical_path(notebook_path);
        let hash = fnv1a(canonical.as_os_str().as_encoded_bytes());
        let stem: String = canonical
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(40)
            .collect();
        self.dir.join(format!("{stem}-{hash:016x}.json"))
    }

    /// Writes (atomically, readable only by the user) a recovery copy of a notebook.
    pub fn write(&self, notebook_path: &Path, notebook: &Notebook) -> Result<PathBuf, NotebookError> {
        self.write_at(notebook_path, notebook, SystemTime::now())
    }

    /// [`RecoveryStore::write`] with a given time (for tests).
    pub fn write_at(
        &self,
        notebook_path: &Path,
        notebook: &Notebook,
        at: SystemTime,
    ) -> Result<PathBuf, NotebookError> {
        create_private_dir(&self.dir)?;
        let file = self.file_for(notebook_path);
        let saved_at = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64();
        // The notebook goes in as the text a save writes: its outputs' JSON never becomes a
        // tree of values (a copy is written at every run).
        let nbformat = notebook.to_ipynb_compact_string();
        let doc = CopyDoc {
            path: canonical_path(notebook_path).to_string_lossy().into_owned(),
            saved_at,
            notebook: serde_json::from_str(&nbformat).map_err(|e| corrupt(&file, &e.to_string()))?,
        };
        // Sized up front: a copy can be as big as the results it holds.
        let mut text = Vec::with_capacity(nbformat.len() + doc.path.len() + 64);
        serde_json::to_writer(&mut text, &doc).map_err(|e| corrupt(&file, &e.to_string()))?;
        write_atomic(&file, &text, false, Some(0o600))?;
        Ok(file)
    }

    /// The recovery copy of a notebook, if there is one newer than the file (or the file no
    /// longer exists). A damaged copy is an error value, never a panic; the caller may warn
    /// and [`discard`](Self::discard) it.
    pub fn find(&self, notebook_path: &Path) -> Result<Option<Recovery>, NotebookError> {
        let file = self.file_for(notebook_path);
        let text = match fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(corrupt(&file, "not UTF-8 text"));
            }
            Err(e) => return Err(NotebookError::io(&file, "read", e)),
        };
        let doc: Value = serde_json::from_str(&text).map_err(|e| corrupt(&file, &e.to_string()))?;
        let path = doc
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| corrupt(&file, "no \"path\""))?;
        if Path::new(path) != canonical_path(notebook_path) {
            // Another notebook whose path hashes the same: not this one's copy.
            return Ok(None);
        }
        let saved_at = doc
            .get("saved_at")
            .and_then(Value::as_f64)
            .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e12)
            .ok_or_else(|| corrupt(&file, "no valid \"saved_at\""))?;
        let saved_at = UNIX_EPOCH + Duration::from_secs_f64(saved_at);
        let nb_value = doc.get("notebook").ok_or_else(|| corrupt(&file, "no \"notebook\""))?;
        let nb_text = serde_json::to_string(nb_value).unwrap_or_default();
        let notebook = Notebook::from_ipynb_str(&nb_text).map_err(|e| corrupt(&file, &e.to_string()))?;
        let stale = match fs::metadata(notebook_path).and_then(|m| m.modified()) {
            Ok(modified) => saved_at <= modified,
            Err(_) => false,
        };
        if stale {
            return Ok(None);
        }
        Ok(Some(Recovery {
            saved_at,
            notebook,
            file,
        }))
    }

    /// Removes a notebook's recovery copy (after a save, or when the user declines it).
    pub fn discard(&self, notebook_path: &Path) -> Result<(), NotebookError> {
        let file = self.file_for(notebook_path);
        match fs::remove_file(&file) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(NotebookError::io(&file, "remove", e)),
        }
    }
}

fn corrupt(file: &Path, reason: &str) -> NotebookError {
    NotebookError::CorruptRecovery {
        path: file.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn create_private_dir(dir: &Path) -> Result<(), NotebookError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| NotebookError::io(dir, "create", e))
}
/// A recovery copy as written: the notebook is the nbformat text, kept as it is.
#[derive(serde::Serialize)]
struct CopyDoc<'a> {
    path: String,
    saved_at: f64,
    notebook: &'a serde_json::value::RawValue,
}
