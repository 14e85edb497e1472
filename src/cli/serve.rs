//! `livy-tui serve`: the Livy REST API over local PySpark, until Ctrl-C or SIGTERM.

use super::args::ServeArgs;
use super::failure::{CliResult, Failure};
use super::local::{STOP_GRACE, preflight};
use crate::profile::settings::parse_duration;
use crate::server::ServerConfig;
use crate::server::local::{LocalLivy, LocalOptions, choose_python, local_server_config};
use std::time::Duration;

/// Runs the server until it is told to stop.
pub async fn run(args: ServeArgs) -> CliResult {
    if args.sql_rows == 0 {
        return Err(Failure::usage("--sql-rows must be at least 1"));
    }
    let session_timeout = session_timeout(&args.session_timeout)?;
    let mut options = LocalOptions::new(choose_python(args.python.as_deref()));
    options.sql_rows = args.sql_rows;
    let found = preflight(&options).await?;
    let listener = tokio::net::TcpListener::bind((args.bind, args.port))
        .await
        .map_err(|e| bind_failure(&args, &e))?;
    let config = ServerConfig {
        session_timeout,
        ..local_server_config()
    };
    let local = LocalLivy::serve_on(listener, options.clone(), config)
        .map_err(|e| Failure::failed(format!("cannot serve: {e}")))?;
    if !args.bind.is_loopback() {
        eprintln!(
            "livy-tui serve: warning: listening on {} with no authentication; anyone who can reach it can run code as you",
            args.bind
        );
    }
    eprintln!(
        "livy-tui serve: Livy API on {} — sessions run PySpark {} with {} (kinds pyspark, spark, sql{}), batches run its spark-submit; Ctrl-C stops",
        local.url(),
        found.pyspark.as_deref().unwrap_or("?"),
        found
            .executable
            .as_deref()
            .unwrap_or(&options.python.display().to_string()),
        if found.matplotlib {
            "; %matplot works"
        } else {
            "; no matplotlib for %matplot"
        }
    );
    if let Some(timeout) = session_timeout {
        eprintln!(
            "livy-tui serve: a session with no statement or connect for {} is deleted (--session-timeout)",
            crate::human::elapsed(timeout)
        );
    }
    wait_for_stop().await;
    eprintln!("livy-tui serve: stopping sessions…");
    local.stop(STOP_GRACE).await;
    Ok(0)
}

/// `--session-timeout`: a duration, or `off` for none.
fn session_timeout(text: &str) -> Result<Option<Duration>, Failure> {
    if text.trim().eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    parse_duration(text)
        .map(Some)
        .map_err(|e| Failure::usage(format!("--session-timeout: {e}, or off")))
}

fn bind_failure(args: &ServeArgs, e: &std::io::Error) -> Failure {
    let hint = match e.kind() {
        std::io::ErrorKind::AddrInUse => ": the port is taken (is another Livy running?); pick another with --port",
        std::io::ErrorKind::AddrNotAvailable => ": this machine has no such address",
        std::io::ErrorKind::PermissionDenied => ": ports below 1024 need privileges; pick another with --port",
        _ => "",
    };
    Failure::usage(format!("cannot listen on {}:{}{hint} ({e})", args.bind, args.port))
}

async fn wait_for_stop() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let mut hup = signal(SignalKind::hangup()).ok();
    let term = async {
        match term.as_mut() {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    let hup = async {
        match hup.as_mut() {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
        _ = hup => {}
    }
}
