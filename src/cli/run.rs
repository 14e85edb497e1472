//! `livy-tui run`: run a notebook headless, cell by cell, like `jupyter nbconvert --execute`
//! or papermill, and save it with the new outputs.
//!
//! Everything that can be wrong with the input (the file, `--param`, a `%%configure` cell,
//! the flags) is reported before a session is created. After that the notebook is written
//! whatever happens — success, a failed cell, a lost server, Ctrl-C — so the file shows how
//! far the run got, and the session this command created is deleted.

use super::args::{ConnectionArgs, RunArgs};
use super::connection;
use super::failure::{CliResult, EXIT_FAILURE, EXIT_INTERRUPTED, Failure};
use super::livy_session::{
    Cleanup, StatementLabel, attach, cancel_running, finish_session, lock, run_statement, timeout_flag,
    wait_until_ready,
};
use super::progress::{Progress, elapsed};
use super::resources::create_session_request;
use crate::livy::{CreateSession, CreateStatement, LivyClient, Outcome, SessionId, SessionKind};
use crate::notebook::{
    self, CellAction, Format, JupyterOutput, Notebook, NotebookCell, SessionBinding, apply_parameters,
};
use crate::output::sanitize::strip_all;
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
pub async fn run(connection_args: &ConnectionArgs, args: RunArgs) -> CliResult {
    let mut plan = prepare(&args)?;
    let client = connection::client(connection_args)?;
    tracing::info!(url = %client.base_url(), notebook = %args.notebook.display(), "livy-tui run");
    let server = client.base_url().as_str().trim_end_matches('/').to_string();

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
        // A second Ctrl-C while cleaning up leaves at once.
        tokio::spawn(async {
            let _ = tokio::signal::ctrl_c().await;
            eprintln!("interrupted again; leaving without cleaning up");
            std::process::exit(EXIT_INTERRUPTED as i32);
        });
        // The cell that was running says why it has no result, as Jupyter's would.
        if let Some((index, began_at)) = tally.running_cell.take() {
            let cell = &mut plan.notebook.cells[index];
            cell.outputs = vec![error_output(
                signal.ename(),
                &format!("livy-tui run was {}; the statement was cancelled", signal.word()),
            )];
            cell.execution_count = Some(tally.execution_count + 1);
            cell.timing.start(began_at);
            cell.timing.finish(SystemTime::now());
            tally.changed = true;
        }
    }

    // Write first: it is quick and local, and the file must not depend on the server.
    let kept = args.session.is_some() || args.keep_session;
    if kept && let Some(session) = &tally.session {
        let mut binding = SessionBinding::new(&server, session.id.as_str());
        binding.session_name = session.name.clone();
        binding.kind = Some(session.kind.clone());
        plan.notebook.binding = Some(binding);
        tally.changed = true;
    }
    let written = write_notebook(&mut plan, &tally);

    if result.is_err() {
        cancel_running(&client, &cleanup).await;
    }
    finish_session(&client, &cleanup, args.keep_session).await;

    let written = written?;
    let saved = match &written {
        Some(path) => format!("wrote {}", path.display()),
        None if plan.target.is_none() => "a script holds no outputs: use -o OUT.ipynb to keep them".to_string(),
        None => "nothing ran; the notebook was not rewritten".to_string(),
    };
    let saved_short = match &written {
        Some(path) => format!("the notebook was written to {}", path.display()),
        None => "the notebook was not written".to_string(),
    };
    let cells = |n: usize| {
        if n == 1 {
            "1 cell".to_string()
        } else {
            format!("{n} cells")
        }
    };
    match result {
        Ok(Ending::Done) => {
            let failed = if tally.failed.is_empty() {
                String::new()
            } else {
                let numbers: Vec<String> = tally.failed.iter().map(|i| (i + 1).to_string()).collect();
                format!("; {} failed ({})", cells(tally.failed.len()), numbers.join(", "))
            };
            eprintln!(
                "ran {} in {}{failed}; {saved}",
                cells(tally.executed),
                elapsed(started.elapsed())
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
fn prepare(args: &RunArgs) -> Result<Plan, Failure> {
    timeout_flag("--timeout", args.timeout)?;
    let params = parse_params(&args.params)?;
    let input_format = Format::from_path(&args.notebook).map_err(|e| Failure::usage(e.to_string()))?;
    let target = match &args.output {
        Some(path) => Some((
            path.clone(),
            Format::from_path(path).map_err(|e| Failure::usage(format!("-o: {e}")))?,
        )),
        None => match input_format {
            Format::Ipynb => Some((args.notebook.clone(), Format::Ipynb)),
            Format::Script(_) => None,
        },
    };
    let mut nb = notebook::load(&args.notebook).map_err(|e| Failure::usage(e.to_string()))?;

    // Writing over the input keeps it a template: `${name}` comes back after the run.
    let in_place = args.output.as_deref().is_none_or(|out| same_file(out, &args.notebook));
    let templates = (in_place && !params.is_empty()).then(|| mark_origins(&mut nb));
    let report = apply_parameters(&mut nb, &params).map_err(|e| Failure::usage(format!("--param: {e}")))?;
    for name in &report.unmatched {
        eprintln!(
            "warning: parameter {name} matched nothing: no ${{{name}}} in the code and not in a cell tagged \"parameters\""
        );
    }
    if let Some(why) = &report.not_injected {
        eprintln!("warning: no parameters cell was injected: {why}");
    }

    let cli_kind: Option<SessionKind> = args.kind.map(Into::into);
    let create = match &args.session {
        Some(_) => {
            for (index, _) in notebook::configure_cells(&nb) {
                eprintln!(
                    "warning: cell {}: %%configure is ignored when running in an existing session",
                    index + 1
                );
            }
            None
        }
        None => {
            let mut request = session_request(&nb, args)?;
            request.kind = Some(
                cli_kind
                    .clone()
                    .or(request.kind)
                    .or_else(|| nb.default_kind.clone())
                    .or_else(|| first_cell_kind(&nb))
                    // Local mode runs PySpark; a cluster's Livy defaults to Scala.
                    .unwrap_or(if args.local.local {
                        SessionKind::PySpark
                    } else {
                        SessionKind::Spark
                    }),
            );
            Some(request)
        }
    };
    Ok(Plan {
        notebook: nb,
        target,
        templates,
        default_kind: cli_kind,
        create,
    })
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
    notebook::session_request(nb, flags).map_err(|e| Failure::usage(e.to_string()))
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
    let (used, session_kind, fresh) = match &plan.create {
        Some(request) => {
            let session = client.create_session(request).await?;
            lock(cleanup).created = Some(session.id.clone());
            tracing::info!(id = %session.id, "created session");
            let kind = request.kind.clone().unwrap_or(session.kind.clone());
            let used = UsedSession {
                id: session.id.clone(),
                name: request.name.clone().or(session.name),
                kind: kind.clone(),
            };
            (used, kind, true)
        }
        None => {
            let id = SessionId::from(args.session.as_deref().unwrap_or_default());
            let nb = &plan.notebook;
            let every_cell_has_kind = plan.default_kind.is_some()
                || (0..nb.cells.len()).all(|i| !matches!(nb.cell_action(i), Some(CellAction::Run { kind: None, .. })));
            let (id, session) = attach(client, &id, every_cell_has_kind).await?;
            let used = UsedSession {
                id,
                name: session.name,
                kind: session.kind.clone(),
            };
            (used, session.kind, false)
        }
    };
    wait_until_ready(client, &used.id, fresh, progress).await?;
    let session = used.id.clone();
    tally.session = Some(used);

    let total = plan.notebook.cells.len();
    for index in 0..total {
        let position = format!("[{}/{total}]", index + 1);
        let Some(action) = plan.notebook.cell_action(index) else {
            break;
        };
        let (kind, code) = match action {
            CellAction::Skip(reason) => {
                lock(progress).message(&format!("{position} skipped ({reason})"));
                continue;
            }
            CellAction::Configure { .. } => {
                let what = if fresh {
                    "settings given to the new session"
                } else {
                    "ignored in an existing session"
                };
                lock(progress).message(&format!("{position} %%configure: {what}"));
                continue;
            }
            CellAction::Run { kind, code } => (kind, code.to_string()),
        };
        let kind = kind.or_else(|| plan.default_kind.clone());
        // Name the kind only when it differs from the session's: servers before 0.5 know no
        // per-statement kind, and a shared session needs one every time.
        let statement_kind = kind
            .clone()
            .filter(|k| *k != session_kind || matches!(session_kind, SessionKind::Shared | SessionKind::Unknown(_)));
        let shown_kind = kind.unwrap_or_else(|| session_kind.clone());
        let label = format!("{position} {shown_kind}  {}", headline(&code));

        let began = Instant::now();
        let began_at = SystemTime::now();
        tally.running_cell = Some((index, began_at));
        tally.failed_at = Some(index);
        lock(progress).update(&label, &format!("{label} waiting …"));
        let request = CreateStatement {
            code,
            kind: statement_kind,
        };
        let statement_label = StatementLabel {
            text: Some(&label),
            lines_per_state: false,
        };
        // The cell's time includes its submit: a server slow to take it is part of the wait.
        let waited = run_statement(client, &session, &request, &statement_label, cleanup, progress);
        // `Err(limit)`: the cell ran too long.
        let finished = match cell_timeout {
            Some(limit) => match tokio::time::timeout(limit, waited).await {
                Ok(r) => Ok(r?),
                Err(_) => Err(limit),
            },
            None => Ok(waited.await?),
        };
        tally.failed_at = None;
        tally.execution_count += 1;
        let execution_count = tally.execution_count;
        tally.executed += 1;
        tally.changed = true;
        let cell = &mut plan.notebook.cells[index];
        cell.timing.start(began_at);
        let took = elapsed(began.elapsed());

        let statement = match finished {
            Ok(finished) => finished.statement,
            Err(limit) => {
                tally.running_cell = None;
                tally.failed.push(index);
                cell.outputs = vec![error_output(
                    "CellTimeoutError",
                    &format!(
                        "the cell ran longer than --timeout {} and was cancelled",
                        elapsed(limit)
                    ),
                )];
                cell.execution_count = Some(execution_count);
                cell.timing.finish(SystemTime::now());
                lock(progress).message(&format!("{label} … timed out {took}"));
                cancel_running(client, cleanup).await;
                return Ok(Ending::TimedOut(index, limit));
            }
        };
        tally.running_cell = None;
        cell.timing.finish(SystemTime::now());
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

        let failure = match outcome {
            Some(Outcome::Failed(e)) => Some(error_lines(&e.ename, &e.evalue, &e.traceback)),
            Some(Outcome::Cancelled) => Some(format!("statement {} was cancelled\n", statement.id)),
            _ => None,
        };
        let Some(details) = failure else {
            lock(progress).message(&format!("{label} … ok {took}"));
            continue;
        };
        tally.failed.push(index);
        let mut progress = lock(progress);
        progress.message(&format!("{label} … failed {took}"));
        eprint!("{details}");
        if !args.allow_errors {
            return Ok(Ending::Failed(index));
        }
    }
    Ok(Ending::Done)
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
