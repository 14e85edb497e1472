//! Local sessions: the server's [`Backend`] for `livy-tui serve` and `--local`, where every
//! session is a Python process on this machine running PySpark (`local[*]`).
//!
//! `pyspark`, `spark` (Scala, through Scala's own REPL in the driver's JVM) and `sql` run here,
//! in one SparkSession per session, so a shared session mixes them per statement as on Livy
//! 0.5+; `sparkr` sessions are refused with a clear message, and R statements in a shared
//! session answer with an error.

mod batch;
mod driver;
mod output_lines;
mod protocol;
mod python;
mod reaper;

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::interpreter::{
    Backend, BatchCtx, BatchExit, BatchSpec, BoxFuture, Interpreter, Refusal, SessionSpec, StartFailure,
};
use super::kind::Kind;
use super::log_buffer::LogSink;
use super::requests::{CreateBatchRequest, CreateSessionRequest};
use super::{LivyServer, ServerConfig};
use driver::{Driver, Launch};
use protocol::StartMessage;

pub use batch::{
    AppKind, DEFAULT_MASTER, LocalBatchError, SparkSubmit, find_spark_submit, local_app_file, submit_args,
};
pub use python::{
    CheckError, DRIVER_SOURCE, Prerequisites, Problem, VENV_ENV, check, choose_python, install_driver, managed_venv,
    venv_python,
};
pub use reaper::Groups;

/// Livy's default `livy.rsc.sql.num-rows`.
pub const DEFAULT_SQL_ROWS: usize = 1000;

/// Settings of local sessions.
#[derive(Clone, Debug)]
pub struct LocalOptions {
    /// The Python interpreter (see [`choose_python`]).
    pub python: PathBuf,
    /// Rows a `sql` statement returns at most; more are cut with a note.
    pub sql_rows: usize,
    /// Extra environment for the driver processes (tests put a stand-in pyspark on PYTHONPATH).
    pub env: Vec<(OsString, OsString)>,
    /// How long Spark may take to start.
    pub start_timeout: Duration,
    /// How long a driver may take to stop before it is killed.
    pub stop_timeout: Duration,
}

impl LocalOptions {
    /// Defaults for `python`.
    pub fn new(python: PathBuf) -> LocalOptions {
        LocalOptions {
            python,
            sql_rows: DEFAULT_SQL_ROWS,
            env: Vec::new(),
            start_timeout: Duration::from_secs(180),
            stop_timeout: Duration::from_secs(10),
        }
    }

    /// Runs the driver's prerequisite check with these settings (blocking, about a second).
    pub fn check(&self) -> Result<Prerequisites, CheckError> {
        python::check(&self.python, &self.env)
    }
}

/// Starts local PySpark drivers for a [`LivyServer`].
pub struct LocalBackend {
    options: LocalOptions,
    groups: Groups,
}

impl LocalBackend {
    /// A backend with these settings.
    pub fn new(options: LocalOptions) -> LocalBackend {
        LocalBackend {
            options,
            groups: Groups::default(),
        }
    }

    /// The process groups of its drivers, to kill them all as a last resort.
    pub fn groups(&self) -> Groups {
        self.groups.clone()
    }
}

/// Why local mode refuses a session of `kind`, `None` for one it can run.
fn unavailable_kind(kind: Option<Kind>) -> Option<Refusal> {
    match kind {
        Some(Kind::SparkR) => Some(Refusal::Kind {
            language: "R (kind sparkr)",
            backend: LOCAL_MODE,
            instead: "it runs pyspark, spark (Scala) and sql; create the session with one of those",
        }),
        _ => None,
    }
}

/// How refusals name this backend.
const LOCAL_MODE: &str = "local mode";

impl Backend for LocalBackend {
    fn check_session(&self, request: &CreateSessionRequest) -> Result<(), Refusal> {
        match unavailable_kind(request.kind) {
            Some(refusal) => Err(refusal),
            None => Ok(()),
        }
    }

    /// A batch's file must be a `.py` or `.jar` on this machine; one without a file is left
    /// to the server, which answers as Livy does.
    fn check_batch(&self, request: &CreateBatchRequest) -> Result<(), Refusal> {
        match request.file.as_deref() {
            Some(file) => batch::local_app_file(file)
                .map(|_| ())
                .map_err(|e| Refusal::Batch(e.to_string())),
            None => Ok(()),
        }
    }

    fn start_session(
        &self,
        spec: SessionSpec,
        log: LogSink,
    ) -> BoxFuture<'static, Result<Arc<dyn Interpreter>, StartFailure>> {
        let options = self.options.clone();
        let groups = self.groups.clone();
        Box::pin(async move {
            let driver_path = tokio::task::spawn_blocking(python::install_driver)
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string()))
                .map_err(|e| {
                    let reason = format!("cannot write the PySpark driver program: {e}");
                    log.stderr(format!("livy-tui: {reason}"));
                    StartFailure { reason }
                })?;
            // A `spark` session boots the Scala interpreter at start; the others make it on
            // their first Scala statement.
            let kind = match spec.kind {
                Kind::Sql => "sql",
                Kind::Spark => "spark",
                _ => "pyspark",
            };
            let start = StartMessage::new(spec.id, &spec.request, kind, options.sql_rows);
            let launch = Launch {
                python: options.python.clone(),
                driver: driver_path,
                env: options.env.clone(),
                start_timeout: options.start_timeout,
                stop_timeout: options.stop_timeout,
            };
            let driver = Driver::start(&launch, &start, log, &groups).await?;
            Ok(Arc::new(driver) as Arc<dyn Interpreter>)
        })
    }

    fn run_batch(&self, spec: BatchSpec, ctx: BatchCtx) -> BoxFuture<'static, BatchExit> {
        Box::pin(batch::run(spec, ctx, self.options.clone(), self.groups.clone()))
    }
}

/// A [`ServerConfig`] suited to local sessions: Livy's defaults, a longer log.
pub fn local_server_config() -> ServerConfig {
    ServerConfig {
        log_cap: 1000,
        ..ServerConfig::default()
    }
}

/// A Livy server over local PySpark on a loopback port, for `--local`: it lives as long as
/// this value, and [`LocalLivy::stop`] (or, as a last resort, dropping it) ends every
/// session's processes.
pub struct LocalLivy {
    server: LivyServer,
    address: SocketAddr,
    groups: Groups,
    stop_http: Option<oneshot::Sender<()>>,
}

impl LocalLivy {
    /// Serves on a free port of 127.0.0.1.
    pub async fn start(options: LocalOptions) -> std::io::Result<LocalLivy> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        LocalLivy::serve_on(listener, options, local_server_config())
    }

    /// Serves on `listener` (for `livy-tui serve`, which picks the address).
    pub fn serve_on(listener: TcpListener, options: LocalOptions, config: ServerConfig) -> std::io::Result<LocalLivy> {
        let address = listener.local_addr()?;
        let backend = LocalBackend::new(options);
        let groups = backend.groups();
        let server = LivyServer::new(config, Arc::new(backend));
        let (stop_http, stopped) = oneshot::channel::<()>();
        let serving = server.clone();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = serving.serve(listener, shutdown).await {
                tracing::error!(error = %e, "local Livy server stopped");
            }
        });
        Ok(LocalLivy {
            server,
            address,
            groups,
            stop_http: Some(stop_http),
        })
    }

    /// The base URL clients use.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The server, for direct inspection.
    pub fn server(&self) -> &LivyServer {
        &self.server
    }

    /// Deletes every session, waits for their drivers to stop (killing what is left after
    /// `grace`), and stops serving.
    pub async fn stop(mut self, grace: Duration) {
        if !self.server.shutdown(grace).await {
            tracing::warn!("local sessions did not stop in time; killing them");
        }
        self.groups.kill_all();
        if let Some(stop) = self.stop_http.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for LocalLivy {
    fn drop(&mut self) {
        // Not stopped properly (an early return, a panic): no process may outlive the app.
        self.groups.kill_all();
        if let Some(stop) = self.stop_http.take() {
            let _ = stop.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_what_local_mode_cannot_run() {
        assert_eq!(
            unavailable_kind(Some(Kind::SparkR)).unwrap().to_string(),
            "R (kind sparkr) is not available in local mode: it runs pyspark, spark (Scala) and sql; create the session with one of those"
        );
        assert_eq!(unavailable_kind(Some(Kind::PySpark)), None);
        assert_eq!(unavailable_kind(Some(Kind::Spark)), None);
        assert_eq!(unavailable_kind(Some(Kind::Sql)), None);
        assert_eq!(unavailable_kind(None), None);
    }

    #[test]
    fn batches_of_files_local_mode_cannot_run_are_refused_in_one_line() {
        let backend = LocalBackend::new(LocalOptions::new("python3".into()));
        let refusal = |file: &str| {
            let request = CreateBatchRequest {
                file: Some(file.into()),
                ..CreateBatchRequest::default()
            };
            backend.check_batch(&request).unwrap_err().to_string()
        };
        assert_eq!(
            refusal("/nonexistent/job.py"),
            "/nonexistent/job.py does not exist: local batches run a .py or .jar file on this machine"
        );
        assert!(refusal("s3://bucket/job.py").contains("is not on this machine"));
        assert_eq!(
            backend.check_batch(&CreateBatchRequest::default()),
            Ok(()),
            "Livy's own 400"
        );
    }
}
