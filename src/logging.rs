//! Diagnostic logging to a file (never to the screen, which belongs to the notebook or to
//! the command's output), plus stderr with `--verbose`.

use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::{EnvFilter, Layer, fmt, layer::SubscriberExt, util::SubscriberInitExt};

/// Keeps the file writer flushing; hold it until the program ends.
pub struct LogGuard {
    _file: Option<WorkerGuard>,
    /// Where the log goes, if a file could be opened.
    pub path: Option<PathBuf>,
}

/// The default log file: `livy-tui.log` in the state directory (`$LIVY_TUI_STATE_DIR`
/// moves it with the recovery copies).
pub fn default_log_path() -> Option<PathBuf> {
    crate::notebook::state_dir().map(|dir| dir.join("livy-tui.log"))
}

/// Sets up logging. A bad filter or an unwritable file is reported, never fatal.
pub fn init(filter: &str, file: Option<&Path>, verbose: bool) -> LogGuard {
    let env_filter = |f: &str| {
        EnvFilter::try_new(f).unwrap_or_else(|e| {
            eprintln!("livy-tui: ignoring the log filter {f:?}: {e}");
            EnvFilter::new("info")
        })
    };
    let path = file.map(Path::to_path_buf).or_else(default_log_path);
    let (file_layer, guard, opened) = match path.as_deref().map(open_append) {
        Some(Ok(f)) => {
            let (writer, guard) = tracing_appender::non_blocking(f);
            let layer = fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_filter(env_filter(filter));
            (Some(layer), Some(guard), path.clone())
        }
        Some(Err(e)) => {
            if verbose || file.is_some() {
                eprintln!(
                    "livy-tui: cannot write the log file {}: {e}",
                    path.as_deref().unwrap_or(Path::new("?")).display()
                );
            }
            (None, None, None)
        }
        None => (None, None, None),
    };
    let stderr_layer = verbose.then(|| {
        fmt::layer()
            .with_writer(std::io::stderr)
            .with_target(false)
            .with_filter(env_filter(filter))
    });
    let _ = tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    LogGuard {
        _file: guard,
        path: opened,
    }
}

fn open_append(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::OpenOptions::new().create(true).append(true).open(path)
}
