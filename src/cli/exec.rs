//! `livy-tui exec`: run code as one statement and print the result.

use super::args::ExecArgs;
use super::failure::{CliResult, EXIT_FAILURE, EXIT_INTERRUPTED, Failure};
use super::livy_session::{
    Cleanup, Made, StatementLabel, attach, cancel_running, finish_session, leave_on_second_interrupt, lock,
    run_statement, sleep_or_forever, timeout_flag, wait_until_ready_from,
};
use super::print::{self, Printed};
use super::progress::{Progress, elapsed};
use super::resources::session_request_with_defaults;
use crate::livy::{CreateStatement, LivyClient, Outcome, SessionId, SessionKind, Statement};
use crate::session::FinishedStatement;
use std::io::{IsTerminal, Read, Write};
use std::sync::{Arc, Mutex};

/// Why waiting stopped early.
enum Stop {
    Interrupted,
    TimedOut,
}

/// Runs the command; `default_kind` is the config's `default-kind`, for a new session that
/// `--kind` and the profile leave open.
pub async fn run(client: LivyClient, args: ExecArgs, default_kind: Option<SessionKind>) -> CliResult {
    let code = read_code(&args)?;
    let cleanup = Arc::new(Mutex::new(Cleanup::default()));
    let progress = Arc::new(Mutex::new(if args.json {
        Progress::quiet()
    } else {
        Progress::stderr()
    }));
    let timeout = timeout_flag("--timeout", args.timeout)?;

    let work = execute(&client, &args, code, default_kind, &cleanup, &progress);
    let result = tokio::select! {
        r = work => Ok(r),
        _ = tokio::signal::ctrl_c() => Err(Stop::Interrupted),
        _ = sleep_or_forever(timeout) => Err(Stop::TimedOut),
    };
    progress.lock().unwrap_or_else(|p| p.into_inner()).finish();

    let result = match result {
        Ok(r) => r,
        Err(stop) => {
            leave_on_second_interrupt();
            cancel_running(&client, &cleanup).await;
            Err(match stop {
                Stop::Interrupted => Failure {
                    message: "interrupted".into(),
                    code: EXIT_INTERRUPTED,
                },
                Stop::TimedOut => Failure::failed(format!(
                    "gave up after --timeout {}",
                    elapsed(timeout.unwrap_or_default())
                )),
            })
        }
    };
    finish_session(&client, &cleanup, args.keep).await;
    result
}

async fn execute(
    client: &LivyClient,
    args: &ExecArgs,
    code: String,
    default_kind: Option<SessionKind>,
    cleanup: &Mutex<Cleanup>,
    progress: &Mutex<Progress>,
) -> CliResult {
    let statement_kind: Option<SessionKind> = args.kind.map(Into::into);
    // Attaching reads the session, state included: nothing more is asked before the POST.
    let (session, known) = match &args.session {
        Some(id) => {
            let (id, session) = attach(client, &SessionId::from(id.as_str()), statement_kind.is_some()).await?;
            (id, Some(session.state))
        }
        None => (
            create_session(client, args, [statement_kind.clone(), default_kind], cleanup).await?,
            None,
        ),
    };
    let made = lock(cleanup).created.clone();
    wait_until_ready_from(client, &session, made.as_ref(), known, progress).await?;

    let request = CreateStatement {
        code,
        kind: statement_kind,
    };
    let label = StatementLabel {
        text: None,
        lines_per_state: true,
    };
    let FinishedStatement { statement, raw } =
        run_statement(client, &session, &request, &label, cleanup, progress).await?;
    lock(progress).finish();
    // The result's text is in `statement` too: one copy is enough for what follows.
    let raw = if args.json { Some(raw) } else { None };

    if let Some(raw) = raw {
        write_stdout(|out| print::write_json(raw.get(), out))?;
        return Ok(if matches!(statement.outcome(), Some(Outcome::Succeeded)) {
            0
        } else {
            EXIT_FAILURE
        });
    }
    match statement.outcome() {
        Some(Outcome::Cancelled) => Err(Failure::failed(format!("statement {} was cancelled", statement.id))),
        _ => print_result(args, &statement, &session),
    }
}

/// Creates a session of the statement's kind (`kind`, from `--kind`), else of the profile's,
/// else of the config's (`config_kind`); it is deleted at the end unless kept.
async fn create_session(
    client: &LivyClient,
    args: &ExecArgs,
    [kind, config_kind]: [Option<SessionKind>; 2],
    cleanup: &Mutex<Cleanup>,
) -> Result<SessionId, Failure> {
    let mut request = session_request_with_defaults(&args.new_session)?;
    // Local mode defaults to PySpark (it runs Scala too); a cluster's Livy defaults to Scala.
    let fallback = if args.local.local {
        SessionKind::PySpark
    } else {
        SessionKind::Spark
    };
    // --kind, else the profile's session kind, else the config's default-kind, else the
    // fallback.
    request.kind = Some(kind.or(request.kind.take()).or(config_kind).unwrap_or(fallback));
    let session = client.create_session(&request).await?;
    lock(cleanup).created = Some(Made::of(&session));
    tracing::info!(id = %session.id, "created session");
    Ok(session.id)
}

/// Prints a finished statement's result: text on stdout, an image to a file, an error on
/// stderr (exit code 1).
fn print_result(args: &ExecArgs, statement: &Statement, session: &SessionId) -> CliResult {
    let dir = args.output_dir.clone().unwrap_or_else(std::env::temp_dir);
    let printed = print::statement_result(statement, session.as_str(), &dir)
        .map_err(|e| Failure::failed(format!("cannot save the image in {}: {e}", dir.display())))?;
    match printed {
        printed @ (Printed::Stdout(_) | Printed::Table(_) | Printed::Json(_)) => {
            write_stdout(|out| printed.write_to(out)).map(|_| 0)
        }
        Printed::Image(path) => {
            print_stdout(&format!("image saved to {}\n", path.display()))?;
            Ok(0)
        }
        Printed::Error(e) => {
            eprint!("{}", print::error_text(&e));
            Ok(EXIT_FAILURE)
        }
        Printed::Notice(text) => {
            eprintln!("{text}");
            Ok(0)
        }
    }
}

fn read_code(args: &ExecArgs) -> Result<String, Failure> {
    let code = if let Some(code) = &args.code {
        code.clone()
    } else if let Some(path) = args.file.as_ref().filter(|p| p.as_os_str() != "-") {
        std::fs::read_to_string(path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?
    } else if args.file.is_some() || !std::io::stdin().is_terminal() {
        let mut code = String::new();
        std::io::stdin()
            .read_to_string(&mut code)
            .map_err(|e| Failure::usage(format!("cannot read code from stdin: {e}")))?;
        code
    } else {
        return Err(Failure::usage("no code: give it with -c CODE, -f FILE, or on stdin"));
    };
    if code.trim().is_empty() {
        return Err(Failure::usage("the code is empty"));
    }
    Ok(code)
}

fn print_stdout(text: &str) -> Result<(), Failure> {
    write_stdout(|out| out.write_all(text.as_bytes()))
}

/// Writes to stdout through a buffer (results can be big: they are written as they are
/// made, not collected first).
fn write_stdout(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    // A closed pipe (| head) is not an error worth reporting.
    match write(&mut out).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::failed(format!("cannot write the result: {e}")))
        }
        _ => Ok(()),
    }
}
