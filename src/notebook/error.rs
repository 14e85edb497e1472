//! One error type for the notebook file layer. Every message is one line a user can act on:
//! the file, what was wrong with it, and where, never a debug dump.

use std::io;
use std::path::{Path, PathBuf};

/// Why a notebook could not be read, parsed, written or recovered.
#[derive(Debug, thiserror::Error)]
pub enum NotebookError {
    /// The file does not exist (the caller may offer to create it).
    #[error("{} does not exist", path.display())]
    NotFound { path: PathBuf },
    /// The operating system refused access.
    #[error("permission denied: cannot {action} {}", path.display())]
    PermissionDenied { path: PathBuf, action: &'static str },
    /// The path is a directory.
    #[error("{} is a directory, not a notebook", path.display())]
    IsDirectory { path: PathBuf },
    /// The bytes are not UTF-8 text.
    #[error("{} is not UTF-8 text (invalid bytes on line {line})", path.display())]
    NotUtf8 { path: PathBuf, line: usize },
    /// Any other input/output failure.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: io::Error,
    },
    /// The text is not an nbformat 4 notebook.
    #[error("{}is not a notebook: {reason}", subject(path))]
    Invalid { path: Option<PathBuf>, reason: String },
    /// A notebook in a format version this program does not read.
    #[error(
        "{}is nbformat {major}.{minor}; only nbformat 4 notebooks can be opened (convert it with 'jupyter nbconvert --to notebook')",
        subject(path)
    )]
    UnsupportedVersion {
        path: Option<PathBuf>,
        major: i64,
        minor: i64,
    },
    /// The file name's extension is not a notebook format.
    #[error("{}: unknown notebook format; use .ipynb, .py, .scala, .r or .sql", path.display())]
    UnknownFormat { path: PathBuf },
    /// A recovery file that cannot be read back; it is ignored.
    #[error("recovery file {} is damaged and was ignored: {reason}", path.display())]
    CorruptRecovery { path: PathBuf, reason: String },
    /// A parameter name that cannot be a variable name.
    #[error("parameter name {name:?} is not valid: use letters, digits and '_', not starting with a digit")]
    InvalidParameter { name: String },
}

fn subject(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => format!("{} ", p.display()),
        None => "the text ".to_string(),
    }
}

impl NotebookError {
    /// The file does not exist: a new notebook may be created there.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// Names the file in a parse error that was made without one.
    pub fn with_path(self, file: &Path) -> Self {
        match self {
            Self::Invalid { path: None, reason } => Self::Invalid {
                path: Some(file.to_path_buf()),
                reason,
            },
            Self::UnsupportedVersion {
                path: None,
                major,
                minor,
            } => Self::UnsupportedVersion {
                path: Some(file.to_path_buf()),
                major,
                minor,
            },
            other => other,
        }
    }

    /// Maps an IO error on `path` to the variant a user can act on.
    pub(crate) fn io(path: &Path, action: &'static str, source: io::Error) -> Self {
        let path = path.to_path_buf();
        match source.kind() {
            io::ErrorKind::NotFound => Self::NotFound { path },
            io::ErrorKind::PermissionDenied => Self::PermissionDenied { path, action },
            io::ErrorKind::IsADirectory => Self::IsDirectory { path },
            _ => Self::Io { path, action, source },
        }
    }

    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        Self::Invalid {
            path: None,
            reason: reason.into(),
        }
    }
}
