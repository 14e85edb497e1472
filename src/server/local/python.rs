//! The Python side of local sessions: which interpreter, where the driver program lives,
//! and whether this machine can run PySpark at all (`--check`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The driver program, carried by the binary.
pub const DRIVER_SOURCE: &str = include_str!("../../../assets/local_driver.py");

/// The environment variable that moves the venv `livy-tui local-setup` makes.
pub const VENV_ENV: &str = "LIVY_TUI_PYSPARK_VENV";

/// The Python interpreter for local sessions: `explicit` (`--python`), else `PYSPARK_PYTHON`,
/// else the venv `livy-tui local-setup` made (if it exists), else `python3` from PATH.
pub fn choose_python(explicit: Option<&Path>) -> PathBuf {
    if let Some(path) = explicit {
        return path.to_path_buf();
    }
    match std::env::var_os("PYSPARK_PYTHON") {
        Some(value) if !value.is_empty() => PathBuf::from(value),
        _ => managed_venv()
            .map(|venv| venv_python(&venv))
            .filter(|python| python.exists())
            .unwrap_or_else(|| PathBuf::from("python3")),
    }
}

/// Where `livy-tui local-setup` puts its venv: `$LIVY_TUI_PYSPARK_VENV`, else `pyspark-venv`
/// in the user's data directory (`~/.local/share/livy-tui/` on Linux).
pub fn managed_venv() -> Option<PathBuf> {
    match std::env::var_os(VENV_ENV) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => directories::ProjectDirs::from("", "", "livy-tui").map(|d| d.data_dir().join("pyspark-venv")),
    }
}

/// The interpreter of a venv.
pub fn venv_python(venv: &Path) -> PathBuf {
    venv.join("bin").join("python")
}

/// Writes the driver program where a Python process can run it, once per content, and
/// returns its path: the user's cache directory (private to them), else the temp directory.
pub fn install_driver() -> std::io::Result<PathBuf> {
    let dir = directories::ProjectDirs::from("", "", "livy-tui")
        .map(|d| d.cache_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join(format!("livy-tui-{}", current_uid())));
    install_driver_in(&dir)
}

/// As [`install_driver`], into `dir`.
pub fn install_driver_in(dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("local_driver-{:016x}.py", fingerprint(DRIVER_SOURCE)));
    if std::fs::read_to_string(&path).ok().as_deref() == Some(DRIVER_SOURCE) {
        return Ok(path);
    }
    // Written beside and renamed, so a concurrent start never runs half a file.
    let temp = dir.join(format!(
        ".local_driver-{}-{}.tmp",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::write(&temp, DRIVER_SOURCE)?;
    std::fs::rename(&temp, &path)?;
    Ok(path)
}

/// The real user id, for a per-user temp directory name.
fn current_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// FNV-1a: a stable name for one version of the driver (not a security measure).
fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ byte as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// What `local_driver.py --check` found.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Prerequisites {
    /// Python's version, e.g. `3.11.7`.
    #[serde(default)]
    pub python: Option<String>,
    /// The interpreter's absolute path (`sys.executable`).
    #[serde(default)]
    pub executable: Option<String>,
    /// The pyspark version, if it imports.
    #[serde(default)]
    pub pyspark: Option<String>,
    /// Whether matplotlib imports (for `%matplot`).
    #[serde(default)]
    pub matplotlib: bool,
    /// Whether its Spark carries the Scala REPL and compiler (for `spark` statements).
    #[serde(default)]
    pub scala: bool,
    /// Whether its Spark has `bin/spark-submit` (for local batches).
    #[serde(default)]
    pub spark_submit: bool,
    /// What prevents local sessions, if anything.
    #[serde(default)]
    pub problem: Option<Problem>,
}

/// Why local sessions cannot start.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Problem {
    /// `no_pyspark`, `no_java`, `java_version`, …
    #[serde(default)]
    pub reason: String,
    /// One line for the user.
    pub message: String,
}

/// Why the check itself could not run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// No such interpreter.
    #[error("{python} was not found: install Python 3 (3.9 or newer) or point --python (or PYSPARK_PYTHON) at one")]
    NoPython { python: String },
    /// The interpreter ran but the check failed (too old a Python, a broken install).
    #[error("{python} could not run the PySpark check: {detail}")]
    Failed { python: String, detail: String },
}

/// Runs the driver's `--check` with `python` (blocking; a second or so) and `extra_env`.
pub fn check(python: &Path, extra_env: &[(OsString, OsString)]) -> Result<Prerequisites, CheckError> {
    let shown = python.display().to_string();
    let driver = install_driver().map_err(|e| CheckError::Failed {
        python: shown.clone(),
        detail: format!("cannot write the driver program: {e}"),
    })?;
    let mut command = std::process::Command::new(python);
    command
        .arg(&driver)
        .arg("--check")
        .envs(extra_env.iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::null());
    let output = run_with_timeout(command, Duration::from_secs(60)).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => CheckError::NoPython { python: shown.clone() },
        _ => CheckError::Failed {
            python: shown.clone(),
            detail: e.to_string(),
        },
    })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().rev().find(|l| l.trim_start().starts_with('{'));
    match last.map(serde_json::from_str::<Prerequisites>) {
        Some(Ok(found)) => Ok(found),
        _ => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let detail = stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("it printed nothing")
                .trim()
                .to_string();
            Err(CheckError::Failed { python: shown, detail })
        }
    }
}

fn run_with_timeout(mut command: std::process::Command, limit: Duration) -> std::io::Result<std::process::Output> {
    command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn()?;
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(result) => result,
        Err(_) => {
            // SAFETY: kill with a pid we spawned; at worst it is already gone (ESRCH).
            unsafe {
                libc::kill(id as i32, libc::SIGKILL);
            }
            Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer within {} s", limit.as_secs()),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_driver_is_written_once_per_content() {
        let dir = tempfile_dir();
        let first = install_driver_in(&dir).unwrap();
        let second = install_driver_in(&dir).unwrap();
        assert_eq!(first, second);
        assert_eq!(std::fs::read_to_string(&first).unwrap(), DRIVER_SOURCE);
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(names.len(), 1, "no temp files left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_explicit_interpreter_wins() {
        assert_eq!(
            choose_python(Some(Path::new("/opt/py/bin/python"))),
            PathBuf::from("/opt/py/bin/python")
        );
    }

    #[test]
    fn a_missing_interpreter_is_named() {
        let err = check(Path::new("/nonexistent/python3"), &[]).unwrap_err();
        assert_eq!(
            err,
            CheckError::NoPython {
                python: "/nonexistent/python3".into()
            }
        );
        assert!(err.to_string().contains("--python"), "{err}");
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "livy-tui-driver-test-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
