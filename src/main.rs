//! The `livy-tui` binary: parse the command line, set up logging, run, and turn any failure
//! into one line on stderr and an exit code.

use clap::Parser;
use livy_tui::cli::{self, Cli};
use livy_tui::logging;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _log = logging::init(
        &cli.logging.log_level,
        cli.logging.log_file.as_deref(),
        cli.logging.verbose,
    );
    install_panic_hook();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("livy-tui: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(cli::run(cli));
    // Don't wait for stray background work (a cancelled poll) to end.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("livy-tui: {}", livy_tui::cli::print::safe_line(&failure.to_string()));
            ExitCode::from(failure.code)
        }
    }
}

/// A panic is a bug: log it, say so in one line, and point at the log, without a Rust dump.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        tracing::error!("panic{location}: {message}");
        let log = logging::default_log_path()
            .map(|p| format!("; details in {}", p.display()))
            .unwrap_or_default();
        eprintln!("livy-tui: internal error (a bug): {message}{log}");
    }));
}
