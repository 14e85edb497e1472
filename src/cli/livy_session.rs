//! Using one Livy session from a headless command (`exec`, `run`): attach to one or wait for a
//! new one, follow statements with progress, and clean up after a stop.

use super::failure::{EXIT_INTERRUPTED, Failure};
use super::progress::{Progress, elapsed};
use crate::livy::failure_reason::failure_reason;
use crate::livy::{CreateStatement, LivyClient, Session, SessionId, SessionKind, SessionState, StatementId};
use crate::session::PollInterval;
use crate::session::{FinishedStatement, Observation, StatementFollower};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A session this command created, as the server answered the create.
#[derive(Clone, Debug)]
pub struct Made {
    pub id: SessionId,
    /// What the server said it made (with its name: the user's, or the unique one the client
    /// gives every session it creates). After a restart without recovery the id may name
    /// someone else's session; this tells.
    session: Session,
}

impl Made {
    pub fn of(session: &Session) -> Made {
        Made {
            id: session.id.clone(),
            session: session.clone(),
        }
    }

    /// Whether `session` (under this one's id) is still this one: the watcher's test.
    fn is(&self, session: &Session) -> bool {
        self.session.is_same_session(session)
    }
}

/// What must be undone if the command is interrupted.
#[derive(Default)]
pub struct Cleanup {
    /// A session this command created (deleted at the end unless kept).
    pub created: Option<Made>,
    /// A statement still running.
    pub running: Option<(SessionId, StatementId)>,
    /// The last statement submitted, with its code: what shows, before the session is
    /// deleted, that its id still names the session this command made (a server restarted
    /// without recovery gives ids out again, to other users' sessions).
    pub last_statement: Option<(SessionId, StatementId, String)>,
}

/// From now on a second Ctrl-C leaves at once, without finishing the cleanup under way.
pub fn leave_on_second_interrupt() {
    tokio::spawn(async {
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("interrupted again; leaving without cleaning up");
        std::process::exit(EXIT_INTERRUPTED as i32);
    });
}

/// Checks an existing session before using it; returns the id to address it by and the
/// session as the server describes it. A shared session needs a kind for every statement.
pub async fn attach(client: &LivyClient, id: &SessionId, has_kind: bool) -> Result<(SessionId, Session), Failure> {
    let session = client.get_session(id).await?;
    if session.kind == SessionKind::Shared && !has_kind {
        return Err(Failure::usage(format!(
            "session {} is a shared session: give the code's language with --kind",
            session.id
        )));
    }
    // Keep addressing it as the user did only if it has no numeric id.
    let address = if session.id.as_str().is_empty() {
        id.clone()
    } else {
        session.id.clone()
    };
    Ok((address, session))
}

/// Waits until the session accepts statements; explains a session that died instead.
/// `made`: the session this command created, when it did.
pub async fn wait_until_ready(
    client: &LivyClient,
    id: &SessionId,
    made: Option<&Made>,
    progress: &Mutex<Progress>,
) -> Result<(), Failure> {
    wait_until_ready_from(client, id, made, None, progress).await
}

/// [`wait_until_ready`] from a state already read (attaching reads the session): a session
/// that accepts statements then costs no request.
pub async fn wait_until_ready_from(
    client: &LivyClient,
    id: &SessionId,
    made: Option<&Made>,
    mut known: Option<SessionState>,
    progress: &Mutex<Progress>,
) -> Result<(), Failure> {
    let fresh = made.is_some();
    let started = Instant::now();
    let mut poll = PollInterval::session_start();
    let mut last_state = None;
    loop {
        let state = match known.take() {
            Some(state) => state,
            None => client.session_state(id).await?.state,
        };
        if last_state.as_ref() != Some(&state) {
            poll.reset();
            tracing::info!(session = %id, %state, "session state");
        }
        let usable = state.accepts_statements() && !(fresh && state == SessionState::Error);
        if usable {
            return match made {
                Some(made) => still_ours(client, made).await,
                None => Ok(()),
            };
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

/// A session this command made, once it is ready: the state polls cannot tell whose it is,
/// so one read checks its name before anything runs in it.
async fn still_ours(client: &LivyClient, made: &Made) -> Result<(), Failure> {
    let session = client.get_session(&made.id).await?;
    if made.is(&session) {
        return Ok(());
    }
    Err(Failure::failed(format!(
        "session {} is gone: the server restarted without recovery and gave its id to another session; nothing was run there",
        made.id
    )))
}

/// A failure that says why the session died, from its last log lines.
pub async fn dead_session(client: &LivyClient, id: &SessionId, state: &SessionState) -> Failure {
    let reason = match client.session_log(id, None, Some(50)).await {
        Ok(page) => failure_reason(&page.log).map(|r| format!(": {r}")).unwrap_or_default(),
        Err(_) => String::new(),
    };
    Failure::failed(format!(
        "session {id} is {state}{reason} — see 'livy-tui sessions log {id}' for the whole log"
    ))
}

/// How progress lines name a statement while it runs.
pub struct StatementLabel<'a> {
    /// Leads every progress line (`[2/9] spark  val x = 1`); `None`: `statement 3`.
    pub text: Option<&'a str>,
    /// On a pipe, print a line on every state change (else only the half-minute reminders).
    pub lines_per_state: bool,
}

/// How long a headless command keeps following a statement while the server cannot be
/// reached, unless `--wait-for-server` says otherwise: long enough to ride out a gateway
/// restart, short enough that a lost server ends a run in CI instead of hanging it.
pub const SERVER_TROUBLE_PATIENCE: Duration = Duration::from_secs(300);

/// `--wait-for-server`, for the rest of the process.
static PATIENCE: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();

/// Sets how long statements are followed through an outage (once, at start).
pub fn set_server_trouble_patience(patience: Duration) {
    let _ = PATIENCE.set(patience);
}

fn server_trouble_patience() -> Duration {
    PATIENCE.get().copied().unwrap_or(SERVER_TROUBLE_PATIENCE)
}

/// Submits a statement and follows it with progress lines until it finishes; while it runs,
/// `cleanup` names it so that an interruption cancels it. Returns it parsed and as the
/// server sent it.
pub async fn run_statement(
    client: &LivyClient,
    session: &SessionId,
    request: &CreateStatement,
    label: &StatementLabel<'_>,
    cleanup: &Mutex<Cleanup>,
    progress: &Mutex<Progress>,
) -> Result<FinishedStatement, Failure> {
    let started = Instant::now();
    let mut text = label.text.map(str::to_string);
    let follower = StatementFollower::new(client, session).give_up_after(server_trouble_patience());
    let finished = follower
        .submit(request, |seen| match seen {
            Observation::Submitted(statement) => {
                let mut cleanup = lock(cleanup);
                cleanup.running = Some((session.clone(), statement.id.clone()));
                cleanup.last_statement = Some((session.clone(), statement.id.clone(), request.code.clone()));
                text.get_or_insert_with(|| format!("statement {}", statement.id));
            }
            Observation::Progress(statement) => {
                let text = text.as_deref().unwrap_or_default();
                let percent = (statement.progress.clamp(0.0, 1.0) * 100.0).round();
                let key = if label.lines_per_state {
                    statement.state.as_str()
                } else {
                    text
                };
                lock(progress).update(
                    key,
                    &format!(
                        "{text} {} {percent:.0}% … {}",
                        statement.state,
                        elapsed(started.elapsed())
                    ),
                );
            }
            Observation::Trouble(e) => {
                let text = text.as_deref().unwrap_or_default();
                let message = super::print::safe_line(&e.message);
                lock(progress).update(&message, &format!("{text}: {message}; still following …"));
            }
        })
        .await?;
    lock(cleanup).running = None;
    Ok(finished)
}

/// After Ctrl-C or a timeout: cancel the statement that was running, if any.
pub async fn cancel_running(client: &LivyClient, cleanup: &Mutex<Cleanup>) {
    let running = lock(cleanup).running.take();
    if let Some((session, statement)) = running {
        eprintln!("cancelling statement {statement} in session {session} …");
        if let Err(e) = client.cancel_statement(&session, &statement).await {
            eprintln!(
                "could not cancel statement {statement}: {}",
                super::print::safe_line(&e.to_string())
            );
        }
    }
}

/// Deletes the session this command created, unless asked to keep it.
pub async fn finish_session(client: &LivyClient, cleanup: &Mutex<Cleanup>, keep: bool) {
    let created = lock(cleanup).created.take();
    let Some(made) = created else { return };
    let id = made.id.clone();
    if keep {
        eprintln!("kept session {id} (use it with --session {id}; delete it with 'livy-tui sessions kill {id}')");
        return;
    }
    let last = lock(cleanup).last_statement.take();
    let judged = match last.filter(|(session, _, _)| *session == id) {
        Some((_, statement, code)) => Some(whose(client, &id, &statement, &code).await),
        None => Some(whose_by_name(client, &made).await),
    };
    if let Some(judged) = judged {
        match judged {
            Whose::Ours => {}
            Whose::Gone => return,
            Whose::Another => {
                eprintln!(
                    "session {} was not deleted: the server gave its id to another session (it restarted without recovery)",
                    super::print::safe_line(id.as_str())
                );
                return;
            }
        }
    }
    tracing::info!(%id, "deleting the session this command created");
    if let Err(e) = client.delete_session(&id).await
        && !e.is_not_found()
    {
        eprintln!(
            "could not delete session {id}: {}",
            super::print::safe_line(&e.to_string())
        );
    }
}

/// Whose the session under an id is, judged by the last statement this command sent there.
enum Whose {
    /// It holds that statement, or the server cannot say (then it is taken as ours, as
    /// before).
    Ours,
    /// No session has the id: nothing to delete.
    Gone,
    /// Another statement is under that statement's id, or none is (the newest cannot have
    /// been dropped to make room): the id names another session now.
    Another,
}

/// Whose the session under an id is, judged by what the server said it made (nothing ran
/// in it yet).
async fn whose_by_name(client: &LivyClient, made: &Made) -> Whose {
    match client.get_session(&made.id).await {
        Ok(session) if made.is(&session) => Whose::Ours,
        Ok(_) => Whose::Another,
        Err(e) if e.is_not_found() => Whose::Gone,
        Err(_) => Whose::Ours,
    }
}

async fn whose(client: &LivyClient, id: &SessionId, statement: &StatementId, code: &str) -> Whose {
    match client.get_statement(id, statement).await {
        Ok(found) if found.code.is_empty() || same_code(&found.code, code) => Whose::Ours,
        Ok(_) => Whose::Another,
        Err(e) if e.is_not_found() => match client.get_session(id).await {
            Err(e) if e.is_not_found() => Whose::Gone,
            Ok(_) => Whose::Another,
            Err(_) => Whose::Ours,
        },
        Err(_) => Whose::Ours,
    }
}

/// Livy turns CRLF into the system line ending and may trim: code is compared loosely.
fn same_code(a: &str, b: &str) -> bool {
    a.replace("\r\n", "\n").trim() == b.replace("\r\n", "\n").trim()
}

/// Sleeps for `limit`, or forever without one.
pub async fn sleep_or_forever(limit: Option<Duration>) {
    match limit {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

/// A `--timeout`-style flag: a positive number of seconds.
pub fn timeout_flag(flag: &str, secs: Option<f64>) -> Result<Option<Duration>, Failure> {
    match secs {
        Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(Failure::usage(format!(
            "{flag} must be a positive number of seconds, not {s}"
        ))),
        None => Ok(None),
    }
}

/// Locks, ignoring poisoning (a panicked holder leaves plain data behind).
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
