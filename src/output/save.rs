//! Saving an output (an image, an exported table) to a new file: never over an existing one.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// How many names are tried: `base.ext`, then `base-1.ext` … `base-{NAMES - 1}.ext`.
const NAMES: u32 = 10_000;

/// Why an output could not be saved to a new file.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The file cannot be created (a missing or read-only directory, …).
    #[error("cannot create {}: {source}", path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The file was created but the bytes could not be written; it was removed again.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Every name from `base.ext` to `base-9999.ext` is taken.
    #[error(
        "cannot save {base}.{extension} in {}: names up to {base}-{}.{extension} are all taken",
        place(dir),
        NAMES - 1
    )]
    NamesTaken {
        dir: PathBuf,
        base: String,
        extension: String,
    },
}

/// `dir` as a message names it.
fn place(dir: &Path) -> String {
    if dir.as_os_str().is_empty() || dir == Path::new(".") {
        "the working directory".to_string()
    } else {
        dir.display().to_string()
    }
}

/// Writes `bytes` to `dir/base.extension`, or `base-1.extension`, `base-2.extension`, …
/// when taken: never overwrites a file (created with `create_new`, so two savers cannot race
/// onto one name). Path separators and control characters in `base` become `_`; an empty
/// base is `output`. `dir` must exist. Returns the path written.
pub fn save_new(dir: &Path, base: &str, extension: &str, bytes: &[u8]) -> Result<PathBuf, SaveError> {
    let base = safe_base(base, extension);
    for n in 0..NAMES {
        let path = dir.join(numbered(&base, n, extension));
        let file = match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(SaveError::Create { path, source }),
        };
        return write_or_remove(file, path, bytes);
    }
    Err(SaveError::NamesTaken {
        dir: dir.to_path_buf(),
        base,
        extension: extension.to_string(),
    })
}

/// `base.ext` for the first try, `base-n.ext` after.
fn numbered(base: &str, n: u32, extension: &str) -> String {
    if n == 0 {
        format!("{base}.{extension}")
    } else {
        format!("{base}-{n}.{extension}")
    }
}

/// Writes and syncs the new file; a half-written file is removed.
fn write_or_remove(mut file: std::fs::File, path: PathBuf, bytes: &[u8]) -> Result<PathBuf, SaveError> {
    if let Err(source) = file.write_all(bytes).and_then(|()| file.sync_all()) {
        drop(file);
        let _ = std::fs::remove_file(&path);
        return Err(SaveError::Write { path, source });
    }
    Ok(path)
}

/// `base` usable as one file name, without the extension it may already end in.
fn safe_base(base: &str, extension: &str) -> String {
    let base = base.trim();
    let base = base
        .strip_suffix(extension)
        .and_then(|b| b.strip_suffix('.'))
        .unwrap_or(base);
    let safe: String = base
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    match safe.as_str() {
        "" | "." | ".." => "output".into(),
        _ => safe,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_overwrites_and_stays_in_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let a = save_new(dir.path(), "rows", "csv", b"one").unwrap();
        let b = save_new(dir.path(), "rows.csv", "csv", b"two").unwrap();
        assert_eq!(a, dir.path().join("rows.csv"));
        assert_eq!(b, dir.path().join("rows-1.csv"));
        assert_eq!(std::fs::read(&b).unwrap(), b"two");
        let c = save_new(dir.path(), "../up/x", "jsonl", b"").unwrap();
        assert_eq!(c.parent().unwrap(), dir.path());
        assert_eq!(
            save_new(dir.path(), " ", "csv", b"").unwrap(),
            dir.path().join("output.csv")
        );
    }

    #[test]
    fn errors_are_one_line_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let e = save_new(&dir.path().join("missing"), "p", "png", b"x").unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with(&format!("cannot create {}", dir.path().join("missing/p.png").display())));
        assert!(!text.contains('\n'), "{text}");
        let taken = SaveError::NamesTaken {
            dir: PathBuf::from("."),
            base: "t".into(),
            extension: "csv".into(),
        };
        assert_eq!(
            taken.to_string(),
            "cannot save t.csv in the working directory: names up to t-9999.csv are all taken"
        );
        let taken = SaveError::NamesTaken {
            dir: PathBuf::from("/tmp/out"),
            base: "plot".into(),
            extension: "png".into(),
        };
        assert_eq!(
            taken.to_string(),
            "cannot save plot.png in /tmp/out: names up to plot-9999.png are all taken"
        );
    }
}
