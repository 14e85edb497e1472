//! The runner side of the sessions and batches panes: one watch at a time — the listing the
//! pane shows, or the log it follows — polled quickly after a change and less and less often
//! while nothing changes, stopped when the pane closes or watches something else; and the
//! pane's actions (kill, create, submit), each on a task of its own that reports when done.

use super::PollInterval;
use super::effect_runner::EffectRunner;
use crate::app::AppEvent;
use crate::app::panes::{Done, PaneKind, PaneReport, PaneRequest, PaneRow, Seen};
use crate::livy::log_tail::LogTail;
use crate::livy::{BatchId, CreateBatch, LivyClient, LogSource, SessionId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

/// How many sessions or batches one listing asks for.
const LIST_SIZE: u64 = 1000;

/// Listing: every second after a change, backing off to every eight while nothing changes.
fn list_poll() -> PollInterval {
    PollInterval::new(Duration::from_secs(1), Duration::from_secs(8))
}

/// A log: as the notebook's own session log is followed.
fn log_poll() -> PollInterval {
    PollInterval::new(Duration::from_millis(500), Duration::from_secs(3))
}

/// Carries out the panes' requests.
pub struct PaneRunner {
    client: LivyClient,
    tx: UnboundedSender<AppEvent>,
    /// Cancels the watch running now.
    watch: CancellationToken,
    /// When each session and batch was first seen, for their ages (kept while the app runs).
    seen: Arc<Mutex<SeenBook>>,
    /// The profile's defaults for a new batch, under what the form says.
    batch_defaults: CreateBatch,
}

impl PaneRunner {
    pub fn new(client: LivyClient, tx: UnboundedSender<AppEvent>) -> PaneRunner {
        PaneRunner {
            client,
            tx,
            watch: CancellationToken::new(),
            seen: Arc::default(),
            batch_defaults: CreateBatch::default(),
        }
    }

    /// Starts what `request` asks for. Must be called within a tokio runtime.
    pub fn run(&mut self, request: PaneRequest) {
        match request {
            PaneRequest::List { watch, kind } => {
                let stop = self.restart();
                tokio::spawn(self.reporter().list(watch, kind, self.seen.clone(), stop));
            }
            PaneRequest::FollowLog { watch, source } => {
                let stop = self.restart();
                tokio::spawn(self.reporter().follow_log(watch, source, stop));
            }
            PaneRequest::Stop => self.stop(),
            PaneRequest::Kill { kind, id } => {
                let reporter = self.reporter();
                tokio::spawn(async move { reporter.done(kind, kill(&reporter.client, kind, &id).await) });
            }
            PaneRequest::CreateSession(request) => {
                let reporter = self.reporter();
                tokio::spawn(async move {
                    let result = reporter.client.create_session(&request).await.map(|s| Done {
                        text: format!("session {} created ({}); a attaches the notebook to it", s.id, s.state),
                        id: Some(s.id.to_string()),
                    });
                    reporter.done(PaneKind::Sessions, result.map_err(|e| e.to_string()));
                });
            }
            PaneRequest::SubmitBatch(request) => {
                let mut body = self.batch_defaults.clone();
                body.overlay(*request);
                let reporter = self.reporter();
                tokio::spawn(async move {
                    let result = reporter.client.create_batch(&body).await.map(|b| Done {
                        text: format!("batch {} submitted ({}); Enter follows its log", b.id, b.state),
                        id: Some(b.id.to_string()),
                    });
                    reporter.done(PaneKind::Batches, result.map_err(|e| e.to_string()));
                });
            }
        }
    }

    /// Stops the watch.
    pub fn stop(&self) {
        self.watch.cancel();
    }

    /// Stops the watch running and returns the token of the next.
    fn restart(&mut self) -> CancellationToken {
        self.watch.cancel();
        self.watch = CancellationToken::new();
        self.watch.clone()
    }

    fn reporter(&self) -> Reporter {
        Reporter {
            client: self.client.clone(),
            tx: self.tx.clone(),
        }
    }
}

impl EffectRunner {
    /// New batches submitted from the batches pane get these defaults (the profile's) under
    /// what the form says.
    pub fn with_batch_defaults(mut self, defaults: CreateBatch) -> EffectRunner {
        self.panes.batch_defaults = defaults;
        self
    }
}

async fn kill(client: &LivyClient, kind: PaneKind, id: &str) -> Result<Done, String> {
    let result = match kind {
        PaneKind::Sessions => client.delete_session(&SessionId::from(id)).await,
        PaneKind::Batches => client.delete_batch(&BatchId::from(id)).await,
    };
    let text = match result {
        Ok(()) => format!("{} {id} killed", kind.noun()),
        Err(e) if e.is_not_found() => format!("{} {id} was already gone", kind.noun()),
        Err(e) => return Err(format!("could not kill {} {id}: {e}", kind.noun())),
    };
    Ok(Done { text, id: None })
}

/// When each session and batch was first listed, and when each list was first listed.
#[derive(Debug, Default)]
struct SeenBook {
    first_listing: HashMap<PaneKind, Instant>,
    rows: HashMap<(PaneKind, String), Instant>,
}

impl SeenBook {
    /// `id` is in a listing made at `now`.
    fn seen(&mut self, kind: PaneKind, id: &str, now: Instant) -> Seen {
        let first = *self.first_listing.entry(kind).or_insert(now);
        let since = *self.rows.entry((kind, id.to_string())).or_insert(now);
        Seen {
            since,
            already_there: since == first,
        }
    }
}

/// What the pane's tasks share: the client and the way back to the app.
#[derive(Clone)]
struct Reporter {
    client: LivyClient,
    tx: UnboundedSender<AppEvent>,
}

impl Reporter {
    fn report(&self, report: PaneReport) {
        let _ = self.tx.send(AppEvent::Pane(report));
    }

    fn done(&self, kind: PaneKind, result: Result<Done, String>) {
        self.report(PaneReport::Done { kind, result });
    }

    /// Lists until stopped, reporting every listing; polls sooner again when one changed.
    async fn list(self, watch: u64, kind: PaneKind, seen: Arc<Mutex<SeenBook>>, stop: CancellationToken) {
        let mut poll = list_poll();
        let mut last = None;
        loop {
            let listed = tokio::select! {
                _ = stop.cancelled() => return,
                listed = self.fetch(kind, &seen) => listed,
            };
            match listed {
                Ok((rows, total)) => {
                    if last.as_ref() != Some(&rows) {
                        poll.reset();
                        last = Some(rows.clone());
                    }
                    self.report(PaneReport::Listed { watch, rows, total });
                }
                Err(message) => self.report(PaneReport::ListFailed { watch, message }),
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(poll.next_delay()) => {}
            }
        }
    }

    async fn fetch(&self, kind: PaneKind, seen: &Mutex<SeenBook>) -> Result<(Vec<PaneRow>, Option<u64>), String> {
        let size = Some(LIST_SIZE);
        let now = Instant::now();
        let seen_at = |id: &str| seen.lock().unwrap_or_else(|p| p.into_inner()).seen(kind, id, now);
        let (rows, total): (Vec<PaneRow>, _) = match kind {
            PaneKind::Sessions => {
                let page = self.client.list_sessions(None, size).await.map_err(|e| e.to_string())?;
                let rows = page
                    .sessions
                    .iter()
                    .map(|s| PaneRow::session(s, seen_at(s.id.as_str())))
                    .collect();
                (rows, page.total)
            }
            PaneKind::Batches => {
                let page = self.client.list_batches(None, size).await.map_err(|e| e.to_string())?;
                let rows = page
                    .sessions
                    .iter()
                    .map(|b| PaneRow::batch(b, seen_at(b.id.as_str())))
                    .collect();
                (rows, page.total)
            }
        };
        let total = total.filter(|t| *t > rows.len() as u64);
        Ok((rows, total))
    }

    /// Follows a log until stopped, reporting only new lines.
    async fn follow_log(self, watch: u64, source: LogSource, stop: CancellationToken) {
        let mut tail = LogTail::new();
        let mut poll = log_poll();
        let mut first = true;
        loop {
            let window = tokio::select! {
                _ = stop.cancelled() => return,
                window = source.window(&self.client) => window,
            };
            match window {
                Ok(page) => {
                    let delta = tail.update(page.log);
                    if first || !delta.lines.is_empty() || delta.gap {
                        first = false;
                        poll.reset();
                        self.report(PaneReport::Log { watch, delta });
                    }
                }
                Err(e) if e.is_not_found() => {
                    let message = format!("{source} is gone from the server");
                    return self.report(PaneReport::LogFailed { watch, message });
                }
                Err(e) => self.report(PaneReport::LogFailed {
                    watch,
                    message: e.to_string(),
                }),
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(poll.next_delay()) => {}
            }
        }
    }
}
