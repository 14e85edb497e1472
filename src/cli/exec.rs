//! `livy-tui exec`: run code as one statement and print the result.

use super::args::ExecArgs;
use super::failure::{CliResult, EXIT_FAILURE, EXIT_INTERRUPTED, Failure};
use super::print::{self, Printed};
use super::progress::{Progress, elapsed};
use super::resources::create_session_request;
use crate::livy::failure_reason::failure_reason;
use crate::livy::{CreateStatement, LivyClient, Outcome, SessionId, SessionKind, SessionState, Statement, StatementId};
use crate::session::PollInterval;
use std::io::{IsTerminal, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What must be undone if the command is interrupted.
#[derive(Default)]
struct Cleanup {
    created: Option<SessionId>,
    running: Option<(SessionId, StatementId)>,
}

/// Why waiting stopped early.
enum Stop {
    Interrupted,
    TimedOut,
}

/// Runs the command.
pub async fn run(client: LivyClient, args: ExecArgs) -> CliResult {
    let code = read_code(&args)?;
    let cleanup = Arc::new(Mutex::new(Cleanup::default()));
    let progress = Arc::new(Mutex::new(if args.json {
        Progress::quiet()
    } else {
        Progress::stderr()
    }));
    let timeout = match args.timeout {
        Some(s) if s.is_finite() && s > 0.0 => Some(Duration::from_secs_f64(s)),
        Some(s) => {
            return Err(Failure::usage(format!(
                "--timeout must be a positive number of seconds, not {s}"
            )));
        }
        None => None,
    };

    let work = execute(&client, &args, code, &cleanup, &progress);
    let result = tokio::select! {
        r = work => Ok(r),
        _ = tokio::signal::ctrl_c() => Err(Stop::Interrupted),
        _ = sleep_or_forever(timeout) => Err(Stop::TimedOut),
    };
    progress.lock().unwrap_or_else(|p| p.into_inner()).finish();

    let result = match result {
        Ok(r) => r,
        Err(stop) => {
            // A second Ctrl-C while cleaning up leaves at once.
            tokio::spawn(async {
                let _ = tokio::signal::ctrl_c().await;
                eprintln!("interrupted again; leaving without cleaning up");
                std::process::exit(EXIT_INTERRUPTED as i32);
            });
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

async fn sleep_or_forever(limit: Option<Duration>) {
    match limit {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

async fn execute(
    client: &LivyClient,
    args: &ExecArgs,
    code: String,
    cleanup: &Mutex<Cleanup>,
    progress: &Mutex<Progress>,
) -> CliResult {
    let statement_kind: Option<SessionKind> = args.kind.map(Into::into);
    let session = match &args.session {
        Some(id) => attach(client, &SessionId::from(id.as_str()), statement_kind.is_some()).await?,
        None => {
            let mut request = create_session_request(&args.new_session)?;
            request.kind = Some(statement_kind.clone().unwrap_or(SessionKind::Spark));
            let session = client.create_session(&request).await?;
            lock(cleanup).created = Some(session.id.clone());
            tracing::info!(id = %session.id, "created session");
            session.id
        }
    };
    let fresh = args.session.is_none();
    wait_until_ready(client, &session, fresh, progress).await?;

    let request = CreateStatement {
        code,
        kind: statement_kind,
    };
    let submitted = client.submit_statement(&session, &request).await?;
    lock(cleanup).running = Some((session.clone(), submitted.id.clone()));
    let (statement, raw) = wait_for_statement(client, &session, &submitted.id, progress).await?;
    lock(cleanup).running = None;
    lock(progress).finish();

    if args.json {
        print_stdout(&print::pretty_json(&raw))?;
        return Ok(if matches!(statement.outcome(), Some(Outcome::Succeeded)) {
            0
        } else {
            EXIT_FAILURE
        });
    }
    match statement.outcome() {
        Some(Outcome::Cancelled) => Err(Failure::failed(format!("statement {} was cancelled", statement.id))),
        _ => {
            let dir = args.output_dir.clone().unwrap_or_else(std::env::temp_dir);
            let printed = print::statement_result(&statement, session.as_str(), &dir)
                .map_err(|e| Failure::failed(format!("cannot save the image in {}: {e}", dir.display())))?;
            match printed {
                Printed::Stdout(text) => print_stdout(&text).map(|_| 0),
                Printed::Image(path) => {
                    print_stdout(&format!("image saved to {}\n", path.display()))?;
                    Ok(0)
                }
                Printed::Error(e) => {
                    eprint!("{}", print::error_text(&e));
                    Ok(EXIT_FAILURE)
                }
            }
        }
    }
}

/// Checks an existing session before using it.
async fn attach(client: &LivyClient, id: &SessionId, has_kind: bool) -> Result<SessionId, Failure> {
    let session = client.get_session(id).await?;
    if session.kind == SessionKind::Shared && !has_kind {
        return Err(Failure::usage(format!(
            "session {} is a shared session: give the code's language with --kind",
            session.id
        )));
    }
    // Keep addressing it as the user did only if it has no numeric id.
    Ok(if session.id.as_str().is_empty() {
        id.clone()
    } else {
        session.id
    })
}

/// Waits until the session accepts statements; explains a session that died instead.
async fn wait_until_ready(
    client: &LivyClient,
    id: &SessionId,
    fresh: bool,
    progress: &Mutex<Progress>,
) -> Result<(), Failure> {
    let started = Instant::now();
    let mut poll = PollInterval::session_start();
    let mut last_state = None;
    loop {
        let state = client.session_state(id).await?.state;
        if last_state.as_ref() != Some(&state) {
            poll.reset();
            tracing::info!(session = %id, %state, "session state");
        }
        let usable = state.accepts_statements() && !(fresh && state == SessionState::Error);
        if usable {
            return Ok(());
        }
        if state.is_finished() || state == SessionState::Error {
            lock(progress).finish();
            return Err(dead_session(client, id, &state).await);
        }
        lock(progress).update(
            state.as_str(),
            &format!("session {id} {state} … {}", elapsed(started.elapsed())),
        );
        last_state = Some(state);
        tokio::time::sleep(poll.next_delay()).await;
    }
}

/// A failure that says why the session died, from its last log lines.
async fn dead_session(client: &LivyClient, id: &SessionId, state: &SessionState) -> Failure {
    let reason = match client.session_log(id, None, Some(50)).await {
        Ok(page) => failure_reason(&page.log).map(|r| format!(": {r}")).unwrap_or_default(),
        Err(_) => String::new(),
    };
    Failure::failed(format!(
        "session {id} is {state}{reason} — see 'livy-tui sessions log {id}' for the whole log"
    ))
}

async fn wait_for_statement(
    client: &LivyClient,
    session: &SessionId,
    id: &StatementId,
    progress: &Mutex<Progress>,
) -> Result<(Statement, serde_json::Value), Failure> {
    let started = Instant::now();
    let mut poll = PollInterval::statement();
    loop {
        let raw = client.get_statement_json(session, id).await?;
        let statement: Statement = serde_json::from_value(raw.clone())
            .map_err(|e| Failure::failed(format!("the server sent a statement this client cannot read: {e}")))?;
        if statement.state.is_finished() {
            return Ok((statement, raw));
        }
        let percent = (statement.progress.clamp(0.0, 1.0) * 100.0).round();
        lock(progress).update(
            statement.state.as_str(),
            &format!(
                "statement {id} {} {percent:.0}% … {}",
                statement.state,
                elapsed(started.elapsed())
            ),
        );
        tokio::time::sleep(poll.next_delay()).await;
    }
}

/// After Ctrl-C or a timeout: cancel the statement that was running, if any.
async fn cancel_running(client: &LivyClient, cleanup: &Mutex<Cleanup>) {
    let running = lock(cleanup).running.take();
    if let Some((session, statement)) = running {
        eprintln!("cancelling statement {statement} in session {session} …");
        if let Err(e) = client.cancel_statement(&session, &statement).await {
            eprintln!("could not cancel statement {statement}: {e}");
        }
    }
}

/// Deletes the session this command created, unless asked to keep it.
async fn finish_session(client: &LivyClient, cleanup: &Mutex<Cleanup>, keep: bool) {
    let created = lock(cleanup).created.take();
    let Some(id) = created else { return };
    if keep {
        eprintln!("kept session {id} (use it with --session {id}; delete it with 'livy-tui sessions kill {id}')");
        return;
    }
    tracing::info!(%id, "deleting the session this command created");
    if let Err(e) = client.delete_session(&id).await
        && !e.is_not_found()
    {
        eprintln!("could not delete session {id}: {e}");
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
    let mut out = std::io::stdout().lock();
    // A closed pipe (| head) is not an error worth reporting.
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::failed(format!("cannot write the result: {e}")))
        }
        _ => Ok(()),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
