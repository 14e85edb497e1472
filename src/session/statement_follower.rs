//! Following one statement from its submit to its end, for the notebook and the headless
//! commands alike: adaptive polling, what counts as trouble and what as failure. Each caller
//! says what to do with what the follower sees (the notebook turns it into events, `exec`
//! and `run` into progress lines).

use crate::livy::{CreateStatement, ErrorKind, LivyClient, LivyError, SessionId, Statement, StatementId};
use crate::session::poll::StatementPace;
use std::time::{Duration, Instant};

/// Something the follower saw while the statement was not finished.
#[derive(Debug)]
pub enum Observation<'a> {
    /// The server took the statement: its answer to the submit.
    Submitted(&'a Statement),
    /// A poll found it still waiting or running.
    Progress(&'a Statement),
    /// A poll failed in a way that may pass (no connection, a gateway error) after the
    /// client's own retries; the statement is still running on the server, so the follower
    /// keeps polling.
    Trouble(&'a LivyError),
}

/// A statement that finished (succeeded, failed or was cancelled).
#[derive(Clone, Debug)]
pub struct FinishedStatement {
    pub statement: Statement,
    /// The server's JSON for it, as received (`exec --json` prints it unchanged).
    pub raw: Box<serde_json::value::RawValue>,
}

/// Submits or takes a statement and polls it at the [`StatementPace`] until it finishes.
pub struct StatementFollower<'a> {
    client: &'a LivyClient,
    session: &'a SessionId,
    /// How long polls may keep failing with trouble before the follower gives up
    /// (`None`: never; someone is watching and can stop it).
    patience: Option<Duration>,
}

impl<'a> StatementFollower<'a> {
    /// Follows statements of `session`, through trouble for as long as it lasts.
    pub fn new(client: &'a LivyClient, session: &'a SessionId) -> Self {
        Self {
            client,
            session,
            patience: None,
        }
    }

    /// Gives up once polls have failed with trouble for longer than `patience`.
    pub fn give_up_after(mut self, patience: Duration) -> Self {
        self.patience = Some(patience);
        self
    }

    /// Submits `request` (reported as [`Observation::Submitted`]), then follows it.
    pub async fn submit(
        self,
        request: &CreateStatement,
        mut observe: impl FnMut(Observation<'_>),
    ) -> Result<FinishedStatement, LivyError> {
        let pace = StatementPace::since(Instant::now());
        let submitted = self.client.submit_statement(self.session, request).await?;
        observe(Observation::Submitted(&submitted));
        self.follow_at(submitted.id, Some(submitted.code), pace, observe).await
    }

    /// Follows a statement already submitted. Even one that the submit answer shows
    /// finished is read once more, so that the result is the server's JSON as received.
    pub async fn follow(
        self,
        submitted: Statement,
        observe: impl FnMut(Observation<'_>),
    ) -> Result<FinishedStatement, LivyError> {
        self.follow_at(
            submitted.id,
            Some(submitted.code),
            StatementPace::since(Instant::now()),
            observe,
        )
        .await
    }

    /// Follows a statement by its id alone (one submitted by an earlier run of the app);
    /// one that finished meanwhile is read once.
    pub async fn follow_id(
        self,
        id: StatementId,
        observe: impl FnMut(Observation<'_>),
    ) -> Result<FinishedStatement, LivyError> {
        self.follow_at(id, None, StatementPace::since(Instant::now()), observe)
            .await
    }

    /// `code`: what the statement must hold to be ours (unknown when following by id).
    async fn follow_at(
        self,
        id: StatementId,
        code: Option<String>,
        pace: StatementPace,
        mut observe: impl FnMut(Observation<'_>),
    ) -> Result<FinishedStatement, LivyError> {
        let mut troubled_since: Option<Instant> = None;
        loop {
            tokio::time::sleep(pace.next_delay()).await;
            let raw = match self.client.get_statement_json(self.session, &id).await {
                Ok(raw) => raw,
                Err(e) if e.is_retryable() => {
                    let since = *troubled_since.get_or_insert_with(Instant::now);
                    if self.patience.is_some_and(|limit| since.elapsed() > limit) {
                        return Err(e);
                    }
                    observe(Observation::Trouble(&e));
                    continue;
                }
                Err(e) => return Err(e),
            };
            troubled_since = None;
            let statement = serde_json::from_str::<Statement>(raw.get()).map_err(|e| {
                LivyError::new(
                    ErrorKind::InvalidResponse,
                    format!("the server sent a statement this client cannot read: {e}"),
                )
            })?;
            // A server restarted without recovery gives ids out again: another statement
            // under this id is not ours, and its output must not become our result.
            let ours = code
                .as_deref()
                .is_none_or(|code| code.is_empty() || statement.code.is_empty() || same_code(&statement.code, code));
            if !ours {
                return Err(LivyError::new(
                    ErrorKind::Server,
                    format!(
                        "statement {id} is gone: the server now has another statement under its id (it restarted); its result is lost"
                    ),
                ));
            }
            if statement.state.is_finished() {
                return Ok(FinishedStatement { statement, raw });
            }
            observe(Observation::Progress(&statement));
        }
    }
}

/// Livy turns CRLF into the system line ending and may trim: compare code loosely.
fn same_code(a: &str, b: &str) -> bool {
    a.replace("\r\n", "\n").trim() == b.replace("\r\n", "\n").trim()
}
