//! Completion for the notebook: `POST /sessions/{id}/completion` on a task, its candidates
//! (or why there are none) reported with `AppEvent::Completions`. Typing never waits for it;
//! the app drops a reply for text that has changed since.

use crate::app::AppEvent;
use crate::livy::{CompletionRequest, LivyClient, SessionId};
use tokio::sync::mpsc::UnboundedSender;

/// Asks the session for the candidates of request `seq` and reports them.
pub(crate) fn spawn(
    client: &LivyClient,
    tx: &UnboundedSender<AppEvent>,
    seq: u64,
    session: SessionId,
    request: CompletionRequest,
) {
    let client = client.clone();
    let tx = tx.clone();
    tokio::spawn(async move {
        let result = client
            .complete(&session, &request)
            .await
            .map(|reply| reply.candidates)
            .map_err(|e| e.to_string());
        let _ = tx.send(AppEvent::Completions { seq, result });
    });
}
