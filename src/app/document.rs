//! The notebook's file as the app sees it: where it is saved, what the file held beyond the
//! cells, and whether the cells changed since the last save or the last recovery copy.

use crate::notebook::{Notebook, SessionBinding};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How long typing must pause before a recovery copy is written…
pub const RECOVERY_PAUSE: std::time::Duration = std::time::Duration::from_secs(2);
/// …and the longest unsaved edits go without one, even while typing on.
pub const RECOVERY_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The file behind the notebook.
#[derive(Clone, Debug)]
pub struct Document {
    /// Where it is saved; `None` until the first "save as".
    pub path: Option<PathBuf>,
    /// The notebook as loaded, for what the app does not edit (metadata, unknown fields);
    /// its cells are rebuilt from the app's on save.
    pub base: Notebook,
    /// Bumped by every change to the cells (code, order, kinds, outputs).
    pub version: u64,
    /// The version on disk.
    pub saved_version: u64,
    /// The version in the recovery copy.
    pub recovered_version: u64,
    /// When the cells last changed; the first change not yet in a recovery copy.
    pub changed_at: Option<Instant>,
    pub pending_since: Option<Instant>,
    /// A save in flight (its version).
    pub saving: Option<u64>,
    /// Quit once the save in flight succeeds.
    pub quit_after_save: bool,
    /// The user chose to quit without saving.
    pub leaving: bool,
    /// The session this notebook runs on, recorded in the file on save.
    pub binding: Option<SessionBinding>,
    /// A recovery copy is being prepared to replace the cells.
    pub recovering: bool,
}

impl Document {
    /// A document for `base`, saved at `path` (if it has one) and unchanged.
    pub fn new(path: Option<PathBuf>, base: Notebook) -> Document {
        let binding = base.binding.clone();
        Document {
            path,
            base,
            version: 0,
            saved_version: 0,
            recovered_version: 0,
            changed_at: None,
            pending_since: None,
            saving: None,
            quit_after_save: false,
            leaving: false,
            binding,
            recovering: false,
        }
    }

    /// Unsaved changes?
    pub fn is_dirty(&self) -> bool {
        self.version != self.saved_version
    }

    /// Marks a change.
    pub fn touch(&mut self, now: Instant) {
        self.version += 1;
        self.changed_at = Some(now);
        self.pending_since.get_or_insert(now);
    }

    /// The file's name for the status bar, `untitled` before the first save.
    pub fn name(&self) -> String {
        self.path
            .as_deref()
            .and_then(Path::file_name)
            .map_or_else(|| "untitled".to_string(), |n| n.to_string_lossy().into_owned())
    }

    /// Where the recovery copy is keyed: the file, or `untitled.ipynb` in the working
    /// directory (so the next `livy-tui` there offers it back).
    pub fn recovery_key(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(|| PathBuf::from("untitled.ipynb"))
    }

    /// A recovery copy is due: unsaved changes not in the copy, and typing paused for
    /// [`RECOVERY_PAUSE`] or the copy older than [`RECOVERY_EVERY`].
    pub fn recovery_due(&self, now: Instant) -> bool {
        if !self.is_dirty() || self.recovered_version == self.version {
            return false;
        }
        let paused = self
            .changed_at
            .is_none_or(|t| now.saturating_duration_since(t) >= RECOVERY_PAUSE);
        let stale = self
            .pending_since
            .is_none_or(|t| now.saturating_duration_since(t) >= RECOVERY_EVERY);
        paused || stale
    }

    /// The recovery copy of `version` was asked for.
    pub fn recovery_written(&mut self, version: u64) {
        self.recovered_version = version;
        self.pending_since = None;
    }
}
