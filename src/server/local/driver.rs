//! One local session's driver: a Python process running `assets/local_driver.py`, which
//! holds the SparkSession. Its stdout carries the protocol, its stderr (Python's own
//! messages, the JVM's log4j lines) becomes the session log.

use std::collections::{HashMap, VecDeque};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{mpsc, oneshot, watch};

use super::super::interpreter::{BoxFuture, ExecCtx, ExecOutcome, ExecRequest, Interpreter, StartFailure};
use super::super::kind::Kind;
use super::super::log_buffer::LogSink;
use super::protocol::{FromDriver, StartMessage, ToDriver};
use super::reaper::ProcessGroup;

/// Log lines kept to explain a death.
const TAIL_LINES: usize = 12;
/// How long the driver may take to answer a completion before it counts as none.
const COMPLETION_TIMEOUT: Duration = Duration::from_secs(5);

/// How to start a driver.
#[derive(Clone, Debug)]
pub(crate) struct Launch {
    pub python: PathBuf,
    pub driver: PathBuf,
    pub env: Vec<(OsString, OsString)>,
    pub start_timeout: Duration,
    pub stop_timeout: Duration,
}

/// A running driver process.
pub(crate) struct Driver {
    commands: mpsc::UnboundedSender<String>,
    shared: Arc<Shared>,
    exited: watch::Receiver<Option<String>>,
    group: Arc<ProcessGroup>,
    log: LogSink,
    stop_timeout: Duration,
    app_id: Option<String>,
    ui_url: Option<String>,
    /// Numbers the completion requests.
    completions: AtomicU64,
}

/// What the reader tasks and the interpreter share.
#[derive(Default)]
struct Shared {
    inner: Mutex<SharedInner>,
}

#[derive(Default)]
struct SharedInner {
    /// Statements waiting for their result.
    pending: HashMap<u64, oneshot::Sender<Value>>,
    /// Completion requests waiting for their candidates.
    completing: HashMap<u64, oneshot::Sender<Vec<String>>>,
    /// The running statement's context, for progress reports.
    running: Option<ExecCtx>,
    /// The progress last shown for the running statement.
    progress: f64,
    /// The last lines of the driver's stderr.
    tail: VecDeque<String>,
    /// Set by the first `ready` or `fatal`.
    started: Option<oneshot::Sender<FromDriver>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, SharedInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn tail(&self) -> Vec<String> {
        self.lock().tail.iter().cloned().collect()
    }
}

impl Driver {
    /// Starts the process, sends the session settings and waits for Spark to be up.
    pub async fn start(
        launch: &Launch,
        start: &StartMessage,
        log: LogSink,
        groups: &super::reaper::Groups,
    ) -> Result<Driver, StartFailure> {
        log.stderr(format!(
            "livy-tui: starting a local PySpark driver ({} {})",
            launch.python.display(),
            launch.driver.display()
        ));
        let child = spawn(launch, &log)?;
        let (driver, started) = connect(child, launch, log, groups)?;
        driver.send(ToDriver::Start(start));
        let answer = driver.first_answer(started, launch.start_timeout).await?;
        driver.started(answer).await
    }

    /// Waits for the driver's first `ready` or `fatal`: `None` when it exited first.
    async fn first_answer(
        &self,
        started: oneshot::Receiver<FromDriver>,
        timeout: Duration,
    ) -> Result<Option<FromDriver>, StartFailure> {
        let mut exited = self.exited.clone();
        tokio::select! {
            answer = started => Ok(answer.ok()),
            _ = exited.wait_for(Option::is_some) => Ok(None),
            _ = tokio::time::sleep(timeout) => Err(self.give_up(format!(
                "Spark did not start within {} s; see the session log",
                timeout.as_secs()
            ))),
        }
    }

    /// The driver, once its first answer says it is ready; why it is not, otherwise.
    async fn started(mut self, answer: Option<FromDriver>) -> Result<Driver, StartFailure> {
        match answer {
            Some(FromDriver::Ready {
                spark_version,
                python_version,
                app_id,
                ui_url,
            }) => {
                self.log.stderr(format!(
                    "livy-tui: Spark {} ready (Python {}), application {}{}",
                    spark_version.as_deref().unwrap_or("?"),
                    python_version.as_deref().unwrap_or("?"),
                    app_id.as_deref().unwrap_or("?"),
                    ui_url.as_deref().map(|u| format!(", Spark UI {u}")).unwrap_or_default()
                ));
                self.app_id = app_id;
                self.ui_url = ui_url;
                Ok(self)
            }
            Some(FromDriver::Fatal { message, .. }) => Err(self.give_up(message)),
            _ => Err(self.died_while_starting().await),
        }
    }

    /// Logs why the start failed and stops the process.
    fn give_up(&self, reason: String) -> StartFailure {
        self.log.stderr(format!("livy-tui: {reason}"));
        self.group.kill();
        StartFailure { reason }
    }

    /// The driver exited (or stopped answering) before it was ready: how, with its last log
    /// line.
    async fn died_while_starting(&self) -> StartFailure {
        let mut exited = self.exited.clone();
        let _ = tokio::time::timeout(Duration::from_secs(2), exited.wait_for(Option::is_some)).await;
        let how = exited
            .borrow()
            .clone()
            .unwrap_or_else(|| "the driver stopped answering".into());
        let last = self.shared.tail().into_iter().rev().find(|l| !l.trim().is_empty());
        let reason = match last {
            Some(line) => format!("{how} while starting: {line}"),
            None => format!("{how} while starting"),
        };
        self.group.kill();
        StartFailure { reason }
    }

    fn send(&self, message: ToDriver<'_>) {
        let _ = self.commands.send(message.line());
    }

    /// Why the driver is gone, with its last log lines, once it has exited.
    fn death_notice(&self) -> Option<String> {
        let how = self.exited.borrow().clone()?;
        let tail = self.shared.tail();
        let last: Vec<&String> = tail.iter().filter(|l| !l.trim().is_empty()).collect();
        let shown = &last[last.len().saturating_sub(3)..];
        Some(if shown.is_empty() {
            how
        } else {
            format!(
                "{how}; last log lines: {}",
                shown.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" | ")
            )
        })
    }
}

/// Starts the driver process in its own process group, with pipes for the protocol and the
/// log.
fn spawn(launch: &Launch, log: &LogSink) -> Result<Child, StartFailure> {
    let mut command = Command::new(&launch.python);
    command
        .arg("-u")
        .arg(&launch.driver)
        .envs(launch.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group: a Ctrl-C at the terminal does not reach it (the server
        // cancels statements itself), and the JVM it starts can be stopped with it.
        .process_group(0)
        .kill_on_drop(true);
    if std::env::var_os("SPARK_LOCAL_IP").is_none() {
        // Spark's UI and RPC otherwise listen on every interface.
        command.env("SPARK_LOCAL_IP", "127.0.0.1");
    }
    command.spawn().map_err(|e| {
        let python = launch.python.display();
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => {
                format!("{python} was not found: install Python 3 or point --python (or PYSPARK_PYTHON) at one")
            }
            _ => format!("cannot start {python}: {e}"),
        };
        log.stderr(format!("livy-tui: {reason}"));
        StartFailure { reason }
    })
}

/// Starts the tasks that write the driver's commands, read its protocol and its log, and
/// wait for its exit. Returns the driver (not yet ready) and where its first `ready` or
/// `fatal` arrives.
fn connect(
    mut child: Child,
    launch: &Launch,
    log: LogSink,
    groups: &super::reaper::Groups,
) -> Result<(Driver, oneshot::Receiver<FromDriver>), StartFailure> {
    let group = Arc::new(groups.track(child.id()));
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let (Some(stdin), Some(stdout), Some(stderr)) = (stdin, stdout, stderr) else {
        return Err(StartFailure {
            reason: "cannot talk to the driver process".into(),
        });
    };
    let shared = Arc::new(Shared::default());
    let (started_tx, started_rx) = oneshot::channel();
    shared.lock().started = Some(started_tx);
    let (commands, command_rx) = mpsc::unbounded_channel();
    let (exit_tx, exited) = watch::channel(None);
    let stderr_done = tokio::spawn(read_stderr(stderr, log.clone(), shared.clone()));
    tokio::spawn(write_commands(stdin, command_rx));
    tokio::spawn(read_protocol(stdout, shared.clone(), log.clone()));
    tokio::spawn(wait_for_exit(child, stderr_done, exit_tx));
    let driver = Driver {
        commands,
        shared,
        exited,
        group,
        log,
        stop_timeout: launch.stop_timeout,
        app_id: None,
        ui_url: None,
        completions: AtomicU64::new(0),
    };
    Ok((driver, started_rx))
}

fn not_available(kind: Kind) -> ExecOutcome {
    let language = match kind {
        Kind::SparkR => "R (sparkr)",
        _ => "this kind",
    };
    ExecOutcome::Error {
        ename: "Error".into(),
        evalue: format!(
            "{language} statements are not available in local mode: it runs pyspark, spark (Scala) and sql"
        ),
        traceback: Vec::new(),
    }
}

/// The driver's name of a kind it runs.
fn driver_kind(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::PySpark => Some("pyspark"),
        Kind::Spark => Some("spark"),
        Kind::Sql => Some("sql"),
        _ => None,
    }
}

impl Interpreter for Driver {
    fn execute(&self, req: ExecRequest, ctx: ExecCtx) -> BoxFuture<'_, ExecOutcome> {
        Box::pin(async move {
            let Some(kind) = driver_kind(req.kind) else {
                return not_available(req.kind);
            };
            let (tx, rx) = oneshot::channel();
            {
                let mut inner = self.shared.lock();
                inner.pending.insert(req.statement_id, tx);
                inner.running = Some(ctx.clone());
                inner.progress = 0.0;
            }
            self.send(ToDriver::Execute {
                id: req.statement_id,
                kind,
                code: &req.code,
            });
            let mut cancel_sent = false;
            let mut rx = rx;
            let output = loop {
                tokio::select! {
                    output = &mut rx => break output.ok(),
                    _ = ctx.cancel_token().cancelled(), if !cancel_sent => {
                        cancel_sent = true;
                        self.send(ToDriver::Cancel { id: req.statement_id });
                    }
                }
            };
            self.shared.lock().running = None;
            match output {
                Some(output) => outcome_of(output),
                None => {
                    let mut exited = self.exited.clone();
                    let _ = tokio::time::timeout(Duration::from_secs(2), exited.wait_for(Option::is_some)).await;
                    let notice = self
                        .death_notice()
                        .unwrap_or_else(|| "the PySpark driver stopped answering".into());
                    ctx.log().stderr(format!("livy-tui: {notice}"));
                    ExecOutcome::SessionDied(notice)
                }
            }
        })
    }

    /// Python's `rlcompleter` over the session's globals, or the Scala interpreter's own
    /// completer, in the driver; none for `sql` (as Livy), nor when the driver does not answer
    /// in time.
    fn complete(&self, kind: Kind, code: &str, cursor: usize) -> BoxFuture<'_, Vec<String>> {
        let code = code.to_string();
        Box::pin(async move {
            let kind = match kind {
                Kind::PySpark => "pyspark",
                Kind::Spark => "spark",
                _ => return Vec::new(),
            };
            let id = self.completions.fetch_add(1, Ordering::Relaxed);
            let (tx, rx) = oneshot::channel();
            self.shared.lock().completing.insert(id, tx);
            self.send(ToDriver::Complete {
                id,
                kind,
                code: &code,
                cursor,
            });
            let answer = tokio::time::timeout(COMPLETION_TIMEOUT, rx).await;
            self.shared.lock().completing.remove(&id);
            answer.ok().and_then(Result::ok).unwrap_or_default()
        })
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.send(ToDriver::Shutdown);
            let mut exited = self.exited.clone();
            let stopped = tokio::time::timeout(self.stop_timeout, exited.wait_for(Option::is_some)).await;
            if stopped.is_err() {
                tracing::warn!("the PySpark driver did not stop in time; killing it");
            }
            // The JVM is in the driver's process group; nothing of it may outlive the session.
            self.group.kill();
        })
    }

    fn died(&self) -> BoxFuture<'_, String> {
        Box::pin(async move {
            let mut exited = self.exited.clone();
            let _ = exited.wait_for(Option::is_some).await;
            let notice = self
                .death_notice()
                .unwrap_or_else(|| "the PySpark driver exited".into());
            self.log.stderr(format!("livy-tui: {notice}"));
            notice
        })
    }

    fn app_id(&self) -> Option<String> {
        self.app_id.clone()
    }

    fn spark_ui_url(&self) -> Option<String> {
        self.ui_url.clone()
    }
}

/// Livy's statement output (without `execution_count`) as an outcome.
fn outcome_of(output: Value) -> ExecOutcome {
    let text = |key: &str| output.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
    match output.get("status").and_then(Value::as_str) {
        Some("ok") => match output.get("data") {
            Some(Value::Object(data)) => ExecOutcome::Ok(data.clone()),
            _ => ExecOutcome::Ok(Map::new()),
        },
        Some("error") => ExecOutcome::Error {
            ename: text("ename"),
            evalue: text("evalue"),
            traceback: output
                .get("traceback")
                .and_then(Value::as_array)
                .map(|lines| lines.iter().filter_map(|l| l.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
        },
        _ => ExecOutcome::Error {
            ename: "InternalError".into(),
            evalue: "the PySpark driver sent a result livy-tui does not understand".into(),
            traceback: Vec::new(),
        },
    }
}

async fn write_commands(mut stdin: ChildStdin, mut lines: mpsc::UnboundedReceiver<String>) {
    while let Some(line) = lines.recv().await {
        if stdin.write_all(line.as_bytes()).await.is_err() || stdin.flush().await.is_err() {
            return;
        }
    }
    // Every sender is gone (the session ended): EOF tells the driver to stop.
}

async fn read_protocol(stdout: impl AsyncRead + Unpin, shared: Arc<Shared>, log: LogSink) {
    let mut lines = BufReader::new(stdout).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let message = match serde_json::from_str::<FromDriver>(&line) {
            Ok(message) => message,
            Err(_) => {
                // Not ours: something wrote to the driver's protocol channel. Keep it visible.
                log.stderr(line);
                continue;
            }
        };
        let mut inner = shared.lock();
        match message {
            FromDriver::Ready { .. } | FromDriver::Fatal { .. } => {
                if let Some(started) = inner.started.take() {
                    let _ = started.send(message);
                }
            }
            FromDriver::Progress { id, progress } => {
                let running = inner.running.as_ref().filter(|ctx| ctx.statement_id() == id).cloned();
                if let Some(ctx) = running {
                    let shown = shown_progress(progress, inner.progress);
                    inner.progress = shown;
                    ctx.set_progress(shown);
                }
            }
            FromDriver::Result { id, output } => {
                if let Some(waiter) = inner.pending.remove(&id) {
                    let _ = waiter.send(output);
                }
            }
            FromDriver::Completion { id, candidates } => {
                if let Some(waiter) = inner.completing.remove(&id) {
                    let _ = waiter.send(candidates);
                }
            }
            FromDriver::Unknown => {}
        }
    }
    // EOF: every waiter learns the driver is gone (their senders drop).
    let mut inner = shared.lock();
    inner.pending.clear();
    inner.completing.clear();
    inner.started = None;
}

/// Spark's fraction covers the jobs started so far, so a statement that starts another job
/// would go back (1.0, then 0.4). Shown: never less than before, and below 100% until the
/// result is in (the server shows 1.0 then).
fn shown_progress(reported: f64, previous: f64) -> f64 {
    let reported = if reported.is_finite() { reported } else { 0.0 };
    reported.clamp(0.0, 0.99).max(previous)
}

async fn read_stderr(stderr: impl AsyncRead + Unpin, log: LogSink, shared: Arc<Shared>) {
    super::output_lines::each_line(stderr, |line| {
        let line = line.to_string();
        {
            let mut inner = shared.lock();
            if inner.tail.len() == TAIL_LINES {
                inner.tail.pop_front();
            }
            inner.tail.push_back(line.clone());
        }
        log.stderr(line);
    })
    .await;
}

async fn wait_for_exit(
    mut child: Child,
    stderr_done: tokio::task::JoinHandle<()>,
    exited: watch::Sender<Option<String>>,
) {
    let pid = child.id();
    let status = child.wait().await;
    if let Some(pid) = pid {
        remove_scala_leftovers(pid);
    }
    // The last lines explain the exit: read them before saying it happened.
    let _ = tokio::time::timeout(Duration::from_secs(2), stderr_done).await;
    let how = match status {
        Ok(status) => match (status.code(), std::os::unix::process::ExitStatusExt::signal(&status)) {
            (Some(0), _) => "the PySpark driver exited".to_string(),
            (Some(code), _) => format!("the PySpark driver exited with code {code}"),
            (None, Some(signal)) => format!("the PySpark driver was killed by signal {signal}"),
            (None, None) => "the PySpark driver exited".to_string(),
        },
        Err(e) => format!("the PySpark driver was lost: {e}"),
    };
    tracing::info!(%how, "local driver exited");
    let _ = exited.send(Some(how));
}

/// A driver that used Scala keeps its classes in `livy-tui-repl-<its pid>-<random>` in the
/// temp directory and removes it as it exits; one killed first cannot, so it goes here, once
/// the driver is gone. Only the driver makes directories of that name.
fn remove_scala_leftovers(pid: u32) {
    let prefix = format!("livy-tui-repl-{pid}-");
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_str().is_some_and(|name| name.starts_with(&prefix)) {
            match std::fs::remove_dir_all(entry.path()) {
                Ok(()) => tracing::info!(dir = %entry.path().display(), "removed a killed driver's Scala classes"),
                Err(e) => {
                    tracing::warn!(dir = %entry.path().display(), error = %e, "cannot remove a killed driver's Scala classes")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_killed_driver_s_scala_classes_are_removed_and_nothing_else() {
        let pid = 4_000_000_000u32; // no such process: only this test makes these names
        let tmp = std::env::temp_dir();
        let ours = tmp.join(format!("livy-tui-repl-{pid}-abc"));
        let other = tmp.join(format!("livy-tui-repl-{pid}9-abc"));
        for dir in [&ours, &other] {
            std::fs::create_dir_all(dir.join("sub")).unwrap();
            std::fs::write(dir.join("sub/A.class"), b"x").unwrap();
        }
        remove_scala_leftovers(pid);
        assert!(!ours.exists());
        assert!(other.exists(), "another pid's directory stays");
        std::fs::remove_dir_all(&other).unwrap();
    }

    #[test]
    fn progress_never_goes_back_and_waits_for_the_result_to_reach_100() {
        let mut shown = 0.0;
        let mut seen = Vec::new();
        for reported in [0.0, 0.5, 1.0, 0.4, 0.7, f64::NAN, 1.0] {
            shown = shown_progress(reported, shown);
            seen.push(shown);
        }
        assert_eq!(seen, [0.0, 0.5, 0.99, 0.99, 0.99, 0.99, 0.99]);
        assert_eq!(shown_progress(-3.0, 0.0), 0.0);
    }

    #[test]
    fn results_become_outcomes() {
        let ok = outcome_of(serde_json::json!({"status": "ok", "data": {"text/plain": "2"}}));
        assert!(matches!(ok, ExecOutcome::Ok(data) if data["text/plain"] == "2"));
        let error = outcome_of(
            serde_json::json!({"status": "error", "ename": "NameError", "evalue": "x",
            "traceback": ["Traceback (most recent call last):\n", "NameError: x\n"]}),
        );
        assert_eq!(
            error,
            ExecOutcome::Error {
                ename: "NameError".into(),
                evalue: "x".into(),
                traceback: vec!["Traceback (most recent call last):\n".into(), "NameError: x\n".into()],
            }
        );
        assert!(
            matches!(outcome_of(serde_json::json!({"what": 1})), ExecOutcome::Error { ename, .. } if ename == "InternalError")
        );
    }
}
