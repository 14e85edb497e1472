//! `livy-tui run`: run a notebook headless, cell by cell, like `jupyter nbconvert --execute`
//! or papermill, and save it with the new outputs.
//!
//! Everything that can be wrong with the input (the file, `--param`, a `%%configure` cell,
//! the flags) is reported before a session is created. After that the notebook is written
//! whatever happens — success, a failed cell, a lost server, Ctrl-C — so the file shows how
//! far the run got, and the session this command created is deleted.

use super::args::RunArgs;
use super::connection;
use super::connection::Connection;
use super::failure::{CliResult, EXIT_FAILURE, EXIT_INTERRUPTED, Failure};
use super::livy_session::{
    Cleanup, Made, StatementLabel, attach, cancel_running, finish_session, leave_on_second_interrupt, lock,
    run_statement, timeout_flag, wait_until_ready,
};
use super::progress::{Progress, elapsed};
use super::resources::create_session_request;
use crate::livy::{CreateSession, CreateStatement, LivyClient, Outcome, SessionId, SessionKind, Statement};
use crate::notebook::{
    self, CellAction, Format, JupyterOutput, Notebook, NotebookCell, ParameterReport, SessionBinding, apply_parameters,
};
use crate::output::sanitize::strip_all;
use crate::session::FinishedStatement;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// Traceback lines shown on stderr for a failed cell (the notebook keeps them all).
const TRACEBACK_LINES: usize = 12;
/// Characters of a cell's first line shown in progress lines.
const HEADLINE_CHARS: usize = 48;
/// Exit code after SIGTERM, as shells report it.
const EXIT_TERMINATED: u8 = 143;
/// A temporary cell-metadata key that follows each cell through parameter injection, so an
/// in-place run can put back the `${name}` templates it filled in. Never written.
const ORIGIN_KEY: &str = "livy_tui_run_origin";

/// Runs the command.
pub async fn run(connection: &Connection, args: RunArgs) -> CliResult {
    let mut plan = prepare(&args, connection.config.default_kind.clone())?;
    if !runs_anything(&plan.notebook) {
        return nothing_to_run(&plan.notebook, &args);
    }
    let client = connection::client(connection)?;
    tracing::info!(url = %client.base_url(), notebook = %args.notebook.display(), "livy-tui run");

    let cleanup = Mutex::new(Cleanup::default());
    let progress = Mutex::new(Progress::stderr());
    let mut tally = Tally::default();
    let started = Instant::now();

    let work = execute(&client, &args, &mut plan, &mut tally, &cleanup, &progress);
    let result = tokio::select! {
        r = work => r.map_err(Stop::Failed),
        _ = tokio::signal::ctrl_c() => Err(Stop::Signal(Signal::Interrupt)),
        _ = terminated() => Err(Stop::Signal(Signal::Terminate)),
    };
    lock(&progress).finish();
    if let Err(Stop::Signal(signal)) = result {
        leave_on_second_interrupt();
        mark_stopped_cell(&mut plan.notebook, &mut tally, signal);
    }

    // Write first: it is quick and local, and the file must not depend on the server.
    if args.session.is_some() || args.keep_session {
        bind_session(&mut plan.notebook, &mut tally, &client);
    }
    let written = write_notebook(&mut plan, &tally);
    if result.is_err() {
        cancel_running(&client, &cleanup).await;
    }
    finish_session(&client, &cleanup, args.keep_session).await;

    let saved = Saved {
        path: written?,
        is_script: plan.target.is_none(),
    };
    summary(result, &tally, &saved, started.elapsed())
}

fn runs_anything(nb: &Notebook) -> bool {
    (0..nb.cells.len()).any(|i| matches!(nb.cell_action(i), Some(CellAction::Run { .. })))
}

/// A notebook with nothing for Livy (markdown, client-side or unsupported magics): say why
/// for each code cell, and start no session.
fn nothing_to_run(nb: &Notebook, args: &RunArgs) -> CliResult {
    let count = nb.cells.len();
    for (i, cell) in nb.cells.iter().enumerate() {
        if let (true, Some(CellAction::Skip(reason))) = (cell.is_code(), nb.cell_action(i)) {
            eprintln!("[{}/{count}] skipped ({reason})", i + 1);
        }
    }
    eprintln!(
        "nothing in {} runs on Livy: no session was started",
        args.notebook.display()
    );
    Ok(0)
}

/// The cell that was running when a signal came says why it has no result, as Jupyter's
/// would.
fn mark_stopped_cell(notebook: &mut Notebook, tally: &mut Tally, signal: Signal) {
    let Some((index, began_at)) = tally.running_cell.take() else {
        return;
    };
    let cell = &mut notebook.cells[index];
    cell.outputs = vec![error_output(
        signal.ename(),
        &format!("livy-tui run was {}; the statement was cancelled", signal.word()),
    )];
    cell.execution_count = Some(tally.execution_count + 1);
    cell.timing.start(began_at);
    cell.timing.finish(SystemTime::now());
    tally.changed = true;
}

/// Records the session the cells ran in, when it outlives the run, so that opening the
/// notebook offers to attach to it again.
fn bind_session(notebook: &mut Notebook, tally: &mut Tally, client: &LivyClient) {
    let Some(session) = &tally.session else { return };
    let server = client.base_url().as_str().trim_end_matches('/');
    let mut binding = SessionBinding::new(server, session.id.as_str());
    binding.session_name = session.name.clone();
    binding.kind = Some(session.kind.clone());
    notebook.binding = Some(binding);
    tally.changed = true;
}

/// Where the notebook was written, for the last message.
struct Saved {
    /// `None`: not written.
    path: Option<PathBuf>,
    /// The input is a script run in place, which holds no outputs.
    is_script: bool,
}

impl Saved {
    /// The end of the summary after a complete run.
    fn long(&self) -> String {
        match &self.path {
            Some(path) => format!("wrote {}", path.display()),
            None if self.is_script => "a script holds no outputs: use -o OUT.ipynb to keep them".to_string(),
            None => "nothing ran; the notebook was not rewritten".to_string(),
        }
    }

    /// The note in parentheses after a failure.
    fn short(&self) -> String {
        match &self.path {
            Some(path) => format!("the notebook was written to {}", path.display()),
            None => "the notebook was not written".to_string(),
        }
    }
}

/// The summary line after a complete run, or the failure that ended it.
fn summary(result: Result<Ending, Stop>, tally: &Tally, saved: &Saved, took: Duration) -> CliResult {
    let saved_short = saved.short();
    match result {
        Ok(Ending::Done) => {
            eprintln!(
                "ran {} in {}{}; {}",
                cells(tally.executed),
                elapsed(took),
                failed_cells(&tally.failed),
                saved.long()
            );
            Ok(0)
        }
        Ok(Ending::Failed(index)) => Err(Failure::failed(format!(
            "cell {} failed; stopped there ({saved_short})",
            index + 1
        ))),
        Ok(Ending::TimedOut(index, limit)) => Err(Failure::failed(format!(
            "cell {} ran longer than --timeout {}; cancelled it and stopped ({saved_short})",
            index + 1,
            elapsed(limit)
        ))),
        Err(Stop::Signal(signal)) => Err(Failure {
            message: format!("{} ({saved_short})", signal.word()),
            code: signal.exit_code(),
        }),
        Err(Stop::Failed(failure)) => Err(Failure {
            message: match tally.failed_at {
                Some(index) => format!("cell {}: {failure} ({saved_short})", index + 1),
                None => failure.message,
            },
            code: failure.code,
        }),
    }
}

/// "1 cell", "3 cells".
fn cells(n: usize) -> String {
    if n == 1 {
        "1 cell".to_string()
    } else {
        format!("{n} cells")
    }
}

/// "; 2 cells failed (3, 5)", or nothing when none failed.
fn failed_cells(failed: &[usize]) -> String {
    if failed.is_empty() {
        return String::new();
    }
    let numbers: Vec<String> = failed.iter().map(|i| (i + 1).to_string()).collect();
    format!("; {} failed ({})", cells(failed.len()), numbers.join(", "))
}

/// The checked input: the notebook with parameters applied, where it goes, and the request
/// for a new session.
struct Plan {
    notebook: Notebook,
    /// Where the result is written; `None` for a script run in place.
    target: Option<(PathBuf, Format)>,
    /// The sources of the cells before parameters were filled in, when an in-place run must
    /// put the templates back.
    templates: Option<Vec<String>>,
    /// The body for a new session (`None` when attaching).
    create: Option<CreateSession>,
    /// Kind of cells that name none: `--kind`, else the session's.
    default_kind: Option<SessionKind>,
}

/// How the run went so far; read after the run ends, however it ended.
#[derive(Default)]
struct Tally {
    executed: usize,
    /// The last execution count given.
    execution_count: i64,
    failed: Vec<usize>,
    /// The cell whose statement is running, and when it started.
    running_cell: Option<(usize, SystemTime)>,
    /// The cell whose request failed, for the error message.
    failed_at: Option<usize>,
    /// Some cell's outputs changed: the notebook needs writing.
    changed: bool,
    session: Option<UsedSession>,
}

impl Tally {
    /// The statement of cell `index` is about to be submitted.
    fn start_cell(&mut self, index: usize, at: SystemTime) {
        self.running_cell = Some((index, at));
        self.failed_at = Some(index);
    }

    /// The running cell's statement ended (or timed out); returns the cell's execution count.
    fn end_cell(&mut self) -> i64 {
        self.running_cell = None;
        self.failed_at = None;
        self.execution_count += 1;
        self.executed += 1;
        self.changed = true;
        self.execution_count
    }
}

/// The session the cells ran in.
struct UsedSession {
    id: SessionId,
    name: Option<String>,
    kind: SessionKind,
}

/// How the cells ended, when the server could be reached throughout.
enum Ending {
    Done,
    Failed(usize),
    TimedOut(usize, Duration),
}

/// Why the run stopped early.
enum Stop {
    Failed(Failure),
    Signal(Signal),
}

/// A signal that stops the run.
#[derive(Clone, Copy)]
enum Signal {
    /// Ctrl-C (SIGINT).
    Interrupt,
    /// SIGTERM, as CI runners and `timeout` send.
    Terminate,
}

impl Signal {
    fn word(self) -> &'static str {
        match self {
            Self::Interrupt => "interrupted",
            Self::Terminate => "terminated",
        }
    }

    /// The error name the interrupted cell gets.
    fn ename(self) -> &'static str {
        match self {
            Self::Interrupt => "KeyboardInterrupt",
            Self::Terminate => "Terminated",
        }
    }

    fn exit_code(self) -> u8 {
        match self {
            Self::Interrupt => EXIT_INTERRUPTED,
            Self::Terminate => EXIT_TERMINATED,
        }
    }
}

/// Reads and checks everything before any request is made.
fn prepare(args: &RunArgs, config_kind: Option<SessionKind>) -> Result<Plan, Failure> {
    timeout_flag("--timeout", args.timeout)?;
    let params = parse_params(&args.params)?;
    let target = output_target(args)?;
    let mut nb = notebook::load(&args.notebook).map_err(|e| Failure::usage(e.to_string()))?;

    // Writing over the input keeps it a template: `${name}` comes back after the run.
    let in_place = args.output.as_deref().is_none_or(|out| same_file(out, &args.notebook));
    let templates = (in_place && !params.is_empty()).then(|| mark_origins(&mut nb));
    let report = apply_parameters(&mut nb, &params).map_err(|e| Failure::usage(format!("--param: {e}")))?;
    warn_about_parameters(&report);

    let create = match &args.session {
        Some(_) => {
            warn_about_configure_cells(&nb);
            None
        }
        None => Some(new_session_request(&nb, args, config_kind)?),
    };
    Ok(Plan {
        notebook: nb,
        target,
        templates,
        default_kind: args.kind.map(Into::into),
        create,
    })
}

/// Where the result goes: `-o`, else the input itself when it is a notebook (a script
/// holds no outputs).
fn output_target(args: &RunArgs) -> Result<Option<(PathBuf, Format)>, Failure> {
    let input_format = Format::from_path(&args.notebook).map_err(|e| Failure::usage(e.to_string()))?;
    Ok(match &args.output {
        Some(path) => Some((
            path.clone(),
            Format::from_path(path).map_err(|e| Failure::usage(format!("-o: {e}")))?,
        )),
        None => match input_format {
            Format::Ipynb => Some((args.notebook.clone(), Format::Ipynb)),
            Format::Script(_) => None,
        },
    })
}

fn warn_about_parameters(report: &ParameterReport) {
    for name in &report.unmatched {
        eprintln!(
            "warning: parameter {name} matched nothing: no ${{{name}}} in the code and not in a cell tagged \"parameters\""
        );
    }
    if let Some(why) = &report.not_injected {
        eprintln!("warning: no parameters cell was injected: {why}");
    }
}

fn warn_about_configure_cells(nb: &Notebook) {
    for (index, _) in notebook::configure_cells(nb) {
        eprintln!(
            "warning: cell {}: %%configure is ignored when running in an existing session",
            index + 1
        );
    }
}

/// The create request with its kind settled: `--kind`, the `%%configure` cell's, the
/// notebook's, the first cell's, the config's `default-kind`, else the server's usual default.
fn new_session_request(
    nb: &Notebook,
    args: &RunArgs,
    config_kind: Option<SessionKind>,
) -> Result<CreateSession, Failure> {
    let mut request = session_request(nb, args)?;
    let cli_kind: Option<SessionKind> = args.kind.map(Into::into);
    request.kind = Some(
        cli_kind
            .or(request.kind)
            .or_else(|| nb.default_kind.clone())
            .or_else(|| first_cell_kind(nb))
            .or(config_kind)
            // Local mode defaults to PySpark (it runs Scala too); a cluster's Livy defaults to Scala.
            .unwrap_or(if args.local.local {
                SessionKind::PySpark
            } else {
                SessionKind::Spark
            }),
    );
    Ok(request)
}

/// `NAME=VALUE` pairs.
fn parse_params(raw: &[String]) -> Result<Vec<(String, String)>, Failure> {
    raw.iter()
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_string(), value.to_string())),
            _ => Err(Failure::usage(format!(
                "--param {pair:?} is not of the form NAME=VALUE"
            ))),
        })
        .collect()
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Tags every cell with its position and returns the sources as they are now.
fn mark_origins(nb: &mut Notebook) -> Vec<String> {
    nb.cells
        .iter_mut()
        .enumerate()
        .map(|(i, cell)| {
            cell.metadata.insert(ORIGIN_KEY.into(), Value::from(i));
            cell.source.clone()
        })
        .collect()
}

/// Removes the position tags, and with `templates` puts the original sources back.
fn restore_origins(nb: &mut Notebook, templates: Option<&[String]>) {
    for cell in &mut nb.cells {
        let origin = cell.metadata.remove(ORIGIN_KEY).and_then(|v| v.as_u64());
        if let (Some(templates), Some(origin)) = (templates, origin)
            && let Some(source) = templates.get(origin as usize)
        {
            cell.source.clone_from(source);
        }
    }
}

/// The kind of the first cell that runs, when the notebook names no default.
fn first_cell_kind(nb: &Notebook) -> Option<SessionKind> {
    (0..nb.cells.len()).find_map(|i| match nb.cell_action(i) {
        Some(CellAction::Run { kind, .. }) => kind,
        _ => None,
    })
}

/// The create request: the notebook's `%%configure` settings, then the command-line flags
/// over them.
fn session_request(nb: &Notebook, args: &RunArgs) -> Result<CreateSession, Failure> {
    let flags = create_session_request(&args.new_session)?;
    notebook::session_request(nb, &args.new_session.defaults, flags).map_err(|e| Failure::usage(e.to_string()))
}

/// Resolves when the process gets SIGTERM (never elsewhere).
async fn terminated() {
    #[cfg(unix)]
    if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        term.recv().await;
        return;
    }
    std::future::pending::<()>().await
}

/// Gets a session and runs the cells in it.
async fn execute(
    client: &LivyClient,
    args: &RunArgs,
    plan: &mut Plan,
    tally: &mut Tally,
    cleanup: &Mutex<Cleanup>,
    progress: &Mutex<Progress>,
) -> Result<Ending, Failure> {
    let cell_timeout = timeout_flag("--timeout", args.timeout)?;
    let fresh = plan.create.is_some();
    let used = match &plan.create {
        Some(request) => create_session(client, request, cleanup).await?,
        None => attach_session(client, args, plan).await?,
    };
    let made = lock(cleanup).created.clone();
    wait_until_ready(client, &used.id, made.as_ref(), progress).await?;
    let cells = CellRun {
        client,
        session: used.id.clone(),
        session_kind: used.kind.clone(),
        fresh,
        default_kind: plan.default_kind.clone(),
        cell_timeout,
        cleanup,
        progress,
    };
    tally.session = Some(used);
    cells.run_all(&mut plan.notebook, tally, args.allow_errors).await
}

/// Creates the session the plan asks for; it is deleted at the end unless kept.
async fn create_session(
    client: &LivyClient,
    request: &CreateSession,
    cleanup: &Mutex<Cleanup>,
) -> Result<UsedSession, Failure> {
    let session = client.create_session(request).await?;
    lock(cleanup).created = Some(Made::of(&session));
    tracing::info!(id = %session.id, "created session");
    Ok(UsedSession {
        id: session.id,
        name: request.name.clone().or(session.name),
        kind: request.kind.clone().unwrap_or(session.kind),
    })
}

/// Checks the session given with `--session`.
async fn attach_session(client: &LivyClient, args: &RunArgs, plan: &Plan) -> Result<UsedSession, Failure> {
    let id = SessionId::from(args.session.as_deref().unwrap_or_default());
    let nb = &plan.notebook;
    let every_cell_has_kind = plan.default_kind.is_some()
        || (0..nb.cells.len()).all(|i| !matches!(nb.cell_action(i), Some(CellAction::Run { kind: None, .. })));
    let (id, session) = attach(client, &id, every_cell_has_kind).await?;
    Ok(UsedSession {
        id,
        name: session.name,
        kind: session.kind,
    })
}

/// What running the cells needs besides the notebook and the tally.
struct CellRun<'a> {
    client: &'a LivyClient,
    session: SessionId,
    session_kind: SessionKind,
    /// The session was created for this run (with the `%%configure` settings).
    fresh: bool,
    /// Kind of cells that name none (`--kind`).
    default_kind: Option<SessionKind>,
    cell_timeout: Option<Duration>,
    cleanup: &'a Mutex<Cleanup>,
    progress: &'a Mutex<Progress>,
}

/// How one cell's statement ended.
enum CellEnd {
    Succeeded,
    Failed,
    TimedOut(Duration),
}

impl CellRun<'_> {
    /// Runs the cells in order; stops at the first that fails unless `allow_errors`, and at
    /// the first that times out.
    async fn run_all(&self, notebook: &mut Notebook, tally: &mut Tally, allow_errors: bool) -> Result<Ending, Failure> {
        let total = notebook.cells.len();
        for index in 0..total {
            let position = format!("[{}/{total}]", index + 1);
            let Some(action) = notebook.cell_action(index) else {
                break;
            };
            let Some((label, request)) = self.statement(action, &position) else {
                continue;
            };
            match self
                .run_cell(&mut notebook.cells[index], index, &label, request, tally)
                .await?
            {
                CellEnd::Succeeded => {}
                CellEnd::Failed if allow_errors => {}
                CellEnd::Failed => return Ok(Ending::Failed(index)),
                CellEnd::TimedOut(limit) => return Ok(Ending::TimedOut(index, limit)),
            }
        }
        Ok(Ending::Done)
    }

    /// The progress label and the request for a cell that runs; for one that does not, says
    /// why and gives `None`.
    fn statement(&self, action: CellAction<'_>, position: &str) -> Option<(String, CreateStatement)> {
        let (kind, code) = match action {
            CellAction::Skip(reason) => {
                lock(self.progress).message(&format!("{position} skipped ({reason})"));
                return None;
            }
            CellAction::Configure { .. } => {
                let what = if self.fresh {
                    "settings given to the new session"
                } else {
                    "ignored in an existing session"
                };
                lock(self.progress).message(&format!("{position} %%configure: {what}"));
                return None;
            }
            CellAction::Run { kind, code } => (kind, code.to_string()),
        };
        let kind = kind.or_else(|| self.default_kind.clone());
        // Name the kind only when it differs from the session's: servers before 0.5 know no
        // per-statement kind, and a shared session needs one every time.
        let statement_kind = kind.clone().filter(|k| {
            *k != self.session_kind || matches!(self.session_kind, SessionKind::Shared | SessionKind::Unknown(_))
        });
        let shown_kind = kind.unwrap_or_else(|| self.session_kind.clone());
        let label = format!("{position} {shown_kind}  {}", headline(&code));
        let request = CreateStatement {
            code,
            kind: statement_kind,
        };
        Some((label, request))
    }

    /// Runs one cell's statement and puts its result, or why there is none, in the cell.
    async fn run_cell(
        &self,
        cell: &mut NotebookCell,
        index: usize,
        label: &str,
        request: CreateStatement,
        tally: &mut Tally,
    ) -> Result<CellEnd, Failure> {
        let began = Instant::now();
        let began_at = SystemTime::now();
        tally.start_cell(index, began_at);
        lock(self.progress).update(label, &format!("{label} waiting …"));
        let finished = self.submit_and_wait(&request, label).await?;
        let execution_count = tally.end_cell();
        cell.timing.start(began_at);
        let took = elapsed(began.elapsed());

        let Some(finished) = finished else {
            tally.failed.push(index);
            let limit = self.cell_timeout.unwrap_or_default();
            self.time_out(cell, limit, execution_count, &format!("{label} … timed out {took}"))
                .await;
            return Ok(CellEnd::TimedOut(limit));
        };
        cell.timing.finish(SystemTime::now());
        let Some(details) = record_result(cell, &finished.statement, execution_count) else {
            lock(self.progress).message(&format!("{label} … ok {took}"));
            return Ok(CellEnd::Succeeded);
        };
        tally.failed.push(index);
        let mut progress = lock(self.progress);
        progress.message(&format!("{label} … failed {took}"));
        eprint!("{details}");
        Ok(CellEnd::Failed)
    }

    /// Submits the statement and follows it to its end; `None` when it ran longer than
    /// `--timeout`. The cell's time includes its submit: a server slow to take it is part of
    /// the wait.
    async fn submit_and_wait(
        &self,
        request: &CreateStatement,
        label: &str,
    ) -> Result<Option<FinishedStatement>, Failure> {
        let statement_label = StatementLabel {
            text: Some(label),
            lines_per_state: false,
        };
        let waited = run_statement(
            self.client,
            &self.session,
            request,
            &statement_label,
            self.cleanup,
            self.progress,
        );
        match self.cell_timeout {
            Some(limit) => match tokio::time::timeout(limit, waited).await {
                Ok(finished) => Ok(Some(finished?)),
                Err(_) => Ok(None),
            },
            None => Ok(Some(waited.await?)),
        }
    }

    /// A cell that ran longer than `--timeout`: it says so, and its statement is cancelled.
    async fn time_out(&self, cell: &mut NotebookCell, limit: Duration, execution_count: i64, message: &str) {
        cell.outputs = vec![error_output(
            "CellTimeoutError",
            &format!(
                "the cell ran longer than --timeout {} and was cancelled",
                elapsed(limit)
            ),
        )];
        cell.execution_count = Some(execution_count);
        cell.timing.finish(SystemTime::now());
        lock(self.progress).message(message);
        cancel_running(self.client, self.cleanup).await;
    }
}

/// Puts a finished statement's output in its cell; returns the lines for stderr when the
/// statement failed or was cancelled.
fn record_result(cell: &mut NotebookCell, statement: &Statement, execution_count: i64) -> Option<String> {
    let outcome = statement.outcome();
    match (&outcome, &statement.output) {
        (Some(Outcome::Cancelled), _) => {
            cell.outputs = vec![error_output(
                "Cancelled",
                &format!("statement {} was cancelled", statement.id),
            )];
        }
        (_, Some(output)) => cell.set_statement_output(output),
        (_, None) => cell.outputs.clear(),
    }
    number_cell(cell, execution_count);
    match outcome {
        Some(Outcome::Failed(e)) => Some(error_lines(&e.ename, &e.evalue, &e.traceback)),
        Some(Outcome::Cancelled) => Some(format!("statement {} was cancelled\n", statement.id)),
        _ => None,
    }
}

/// Execution counts number the cells this run executed, 1 up, as a fresh Jupyter kernel does
/// (Livy's own counter is per interpreter and starts at 0).
fn number_cell(cell: &mut NotebookCell, n: i64) {
    cell.execution_count = Some(n);
    for output in &mut cell.outputs {
        if let JupyterOutput::ExecuteResult { execution_count, .. } = output {
            *execution_count = Some(n);
        }
    }
}

/// An error output for a cell this command stopped.
fn error_output(ename: &str, evalue: &str) -> JupyterOutput {
    JupyterOutput::Error {
        ename: ename.into(),
        evalue: evalue.into(),
        traceback: Vec::new(),
    }
}

/// `ename: evalue` and the first traceback lines, as plain text for stderr.
fn error_lines(ename: &str, evalue: &str, traceback: &[String]) -> String {
    let mut out = if evalue.is_empty() {
        strip_all(ename)
    } else {
        format!("{}: {}", strip_all(ename), strip_all(evalue))
    };
    out.push('\n');
    let lines: Vec<String> = traceback
        .iter()
        .flat_map(|chunk| strip_all(chunk).lines().map(str::to_string).collect::<Vec<_>>())
        .collect();
    for line in lines.iter().take(TRACEBACK_LINES) {
        out.push_str(line);
        out.push('\n');
    }
    if lines.len() > TRACEBACK_LINES {
        out.push_str(&format!(
            "… {} more traceback lines in the notebook\n",
            lines.len() - TRACEBACK_LINES
        ));
    }
    out
}

/// The first non-blank line of the code, cut to fit a progress line.
fn headline(code: &str) -> String {
    let line = code.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    let line: String = line.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if line.chars().count() > HEADLINE_CHARS {
        let cut: String = line.chars().take(HEADLINE_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    } else {
        line
    }
}

/// Writes the notebook if anything changed; returns where.
fn write_notebook(plan: &mut Plan, tally: &Tally) -> Result<Option<PathBuf>, Failure> {
    restore_origins(&mut plan.notebook, plan.templates.as_deref());
    let Some((path, format)) = &plan.target else {
        return Ok(None);
    };
    if !tally.changed {
        return Ok(None);
    }
    let text = plan.notebook.render(*format);
    notebook::save_atomic(path, text.as_bytes()).map_err(|e| Failure {
        message: format!("cannot write the notebook: {e}"),
        code: EXIT_FAILURE,
    })?;
    Ok(Some(path.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_need_a_name_and_an_equals_sign() {
        assert_eq!(
            parse_params(&["day=2024-01-01".into(), "q=a=b".into(), "e=".into()]).unwrap(),
            vec![
                ("day".into(), "2024-01-01".into()),
                ("q".into(), "a=b".into()),
                ("e".into(), String::new())
            ]
        );
        assert_eq!(parse_params(&["day".into()]).unwrap_err().code, 2);
        assert_eq!(parse_params(&["=1".into()]).unwrap_err().code, 2);
    }

    #[test]
    fn headlines_are_one_short_line() {
        assert_eq!(headline("\n  spark.range(10).count()  \n"), "spark.range(10).count()");
        assert_eq!(headline("a = 1\nb = 2"), "a = 1");
        let long = "x".repeat(100);
        assert_eq!(headline(&long).chars().count(), HEADLINE_CHARS);
        assert_eq!(headline("a\x1b[2Jb"), "a [2Jb");
    }

    #[test]
    fn tracebacks_are_cut_and_plain() {
        let tb: Vec<String> = (0..20).map(|i| format!("\x1b[31mline {i}\x1b[0m\n")).collect();
        let text = error_lines("ValueError", "bad", &tb);
        assert!(text.starts_with("ValueError: bad\nline 0\n"));
        assert!(text.contains("… 8 more traceback lines"));
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn templates_come_back_after_parameters() {
        let mut nb = Notebook::new(Some(SessionKind::Spark));
        nb.cells.push(notebook::NotebookCell::code("val day = \"x\""));
        nb.cells[0].tags = vec!["parameters".into()];
        nb.cells.push(notebook::NotebookCell::code("println(\"${day}\")"));
        let templates = mark_origins(&mut nb);
        apply_parameters(&mut nb, &[("day".into(), "2024".into())]).unwrap();
        assert_eq!(nb.cells.len(), 3);
        assert_eq!(nb.cells[2].source, "println(\"2024\")");
        restore_origins(&mut nb, Some(&templates));
        assert_eq!(nb.cells[2].source, "println(\"${day}\")");
        assert!(nb.cells[1].source.contains("val day = 2024"), "the injected cell stays");
        assert!(nb.cells.iter().all(|c| !c.metadata.contains_key(ORIGIN_KEY)));
    }
}
