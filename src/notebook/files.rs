//! Reading and writing notebook files safely. A save never leaves a half-written notebook:
//! the new text goes to a temporary file in the same directory, is flushed to disk, and is
//! renamed over the old file, so at every instant the path holds either the complete old or
//! the complete new file. The previous version stays next to it as `FILE~`.

use super::error::NotebookError;
use super::format::Format;
use super::model::Notebook;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Reads a notebook, choosing the format by extension. Errors name the file; a missing file
/// is [`NotebookError::NotFound`] so the caller can offer to create it.
pub fn load(path: &Path) -> Result<Notebook, NotebookError> {
    let format = Format::from_path(path)?;
    let text = read_text(path)?;
    Notebook::parse(&text, format).map_err(|e| e.with_path(path))
}

/// Saves a notebook in the format its extension names, atomically, keeping a backup.
pub fn save(path: &Path, notebook: &Notebook) -> Result<(), NotebookError> {
    let format = Format::from_path(path)?;
    save_atomic(path, notebook.render(format).as_bytes())
}

/// Reads a UTF-8 text file (a leading byte-order mark is dropped).
pub fn read_text(path: &Path) -> Result<String, NotebookError> {
    let bytes = fs::read(path).map_err(|e| NotebookError::io(path, "read", e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..valid].iter().filter(|&&b| b == b'\n').count();
        NotebookError::NotUtf8 {
            path: path.to_path_buf(),
            line,
        }
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Where the previous version of `path` is kept: `path~`.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push("~");
    path.with_file_name(name)
}

/// Replaces `path` with `bytes` atomically, keeping the previous version as `path~` and the
/// file's permissions. A symbolic link is followed: its target is replaced.
pub fn save_atomic(path: &Path, bytes: &[u8]) -> Result<(), NotebookError> {
    write_atomic(path, bytes, true, None)
}

/// Atomic replace; `backup` keeps the old file as `path~`; `new_mode` is the Unix mode of a
/// file that does not exist yet (an existing file's mode is always kept).
pub(crate) fn write_atomic(
    path: &Path,
    bytes: &[u8],
    backup: bool,
    new_mode: Option<u32>,
) -> Result<(), NotebookError> {
    let target = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            fs::canonicalize(path).map_err(|e| NotebookError::io(path, "follow", e))?
        }
        _ => path.to_path_buf(),
    };
    let path = target.as_path();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let old = match fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(NotebookError::IsDirectory {
                path: path.to_path_buf(),
            });
        }
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(NotebookError::io(path, "write", e)),
    };
    let (tmp, mut file) = create_temp(&dir, path, "tmp")?;
    let written = (|| {
        file.write_all(bytes)?;
        match &old {
            Some(m) => file.set_permissions(m.permissions())?,
            None => set_new_mode(&file, new_mode)?,
        }
        file.sync_all()
    })();
    drop(file);
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(NotebookError::io(path, "write", e));
    }
    if backup && old.is_some() {
        // Link the old file as the backup before the rename: the target itself is never
        // missing or partial. A filesystem without hard links gets a copy.
        if let Err(e) = keep_backup(&dir, path) {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
    }
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(NotebookError::io(path, "write", e));
    }
    sync_dir(&dir);
    Ok(())
}

fn keep_backup(dir: &Path, path: &Path) -> Result<(), NotebookError> {
    let backup = backup_path(path);
    let (staged, file) = create_temp(dir, path, "bak")?;
    drop(file);
    let _ = fs::remove_file(&staged);
    let linked = fs::hard_link(path, &staged).or_else(|_| fs::copy(path, &staged).map(|_| ()));
    let result = linked.and_then(|_| fs::rename(&staged, &backup));
    if let Err(e) = result {
        let _ = fs::remove_file(&staged);
        return Err(NotebookError::io(&backup, "write the backup", e));
    }
    Ok(())
}

/// A new, empty, uniquely named hidden file next to `path`.
fn create_temp(dir: &Path, path: &Path, what: &str) -> Result<(PathBuf, File), NotebookError> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    for _ in 0..100 {
        let tmp = dir.join(format!(".{name}.{:08x}.{what}", fastrand::u32(..)));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(NotebookError::io(path, "write", e)),
        }
    }
    Err(NotebookError::io(
        path,
        "write",
        std::io::Error::other("could not pick a temporary file name"),
    ))
}

#[cfg(unix)]
fn set_new_mode(file: &File, mode: Option<u32>) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match mode {
        Some(mode) => file.set_permissions(fs::Permissions::from_mode(mode)),
        None => Ok(()),
    }
}

#[cfg(not(unix))]
fn set_new_mode(_file: &File, _mode: Option<u32>) -> std::io::Result<()> {
    Ok(())
}

/// Makes the rename durable. Best effort: some filesystems cannot sync a directory.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
