//! Background tasks: starting a session's interpreter, running its statement queue, and
//! running batches.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::batch::Batch;
use super::interpreter::{Backend, BatchCtx, BatchSpec, ExecCtx, ExecOutcome, Interpreter, SessionSpec};
use super::session::Session;

/// Starts the interpreter, then runs statements one at a time until the session ends.
pub(crate) async fn run_session(
    session: Arc<Session>,
    spec: SessionSpec,
    backend: Arc<dyn Backend>,
    queue: mpsc::UnboundedReceiver<u64>,
    cancel_timeout: Duration,
) {
    let start = backend.start_session(spec, session.log.clone());
    let started = tokio::select! {
        result = start => result,
        _ = session.token.cancelled() => return,
    };
    let interpreter = match started {
        Ok(interpreter) => interpreter,
        Err(failure) => {
            tracing::info!(session = session.id, reason = %failure.reason, "session failed to start");
            session.mark_dead();
            return;
        }
    };
    if session.mark_ready(interpreter.clone()) {
        run_statements(&session, interpreter.as_ref(), queue, cancel_timeout).await;
    }
    interpreter.shutdown().await;
}

async fn run_statements(
    session: &Arc<Session>,
    interpreter: &dyn Interpreter,
    mut queue: mpsc::UnboundedReceiver<u64>,
    cancel_timeout: Duration,
) {
    let mut died = interpreter.died();
    loop {
        let id = tokio::select! {
            _ = session.token.cancelled() => return,
            reason = &mut died => {
                tracing::info!(session = session.id, %reason, "session interpreter died while idle");
                session.mark_dead();
                return;
            }
            id = queue.recv() => match id {
                Some(id) => id,
                None => return,
            },
        };
        let Some((req, cancel)) = session.begin(id) else {
            continue;
        };
        let ctx = ExecCtx {
            session: Arc::downgrade(session),
            cancel: cancel.clone(),
            log: session.log.clone(),
            statement_id: id,
        };
        let mut execution = interpreter.execute(req, ctx);
        // After a cancel the statement gets `cancel_timeout` to stop; then it is reported
        // cancelled, but the interpreter is still awaited: it is single-threaded, so the
        // next statement cannot start before this one really ends.
        let deadline = async {
            cancel.cancelled().await;
            tokio::time::sleep(cancel_timeout).await;
        };
        tokio::pin!(deadline);
        let mut timed_out = false;
        let outcome = loop {
            tokio::select! {
                outcome = &mut execution => break outcome,
                _ = session.token.cancelled() => return,
                _ = &mut deadline, if !timed_out => {
                    timed_out = true;
                    session.cancel_timed_out(id);
                }
            }
        };
        if let ExecOutcome::SessionDied(reason) = outcome {
            tracing::info!(session = session.id, %reason, "session driver died");
            session.mark_dead();
            return;
        }
        session.finish(id, outcome);
    }
}

/// Runs a batch application until it ends or the batch is deleted.
pub(crate) async fn run_batch(batch: Arc<Batch>, spec: BatchSpec, backend: Arc<dyn Backend>) {
    let ctx = BatchCtx {
        batch: Arc::downgrade(&batch),
        log: batch.log.clone(),
        cancel: batch.token.clone(),
    };
    let run = backend.run_batch(spec, ctx);
    tokio::select! {
        exit = run => batch.finish(exit),
        _ = batch.token.cancelled() => {}
    }
}
