//! Running cells: the queue, sending the next cell when the session is ready, cancelling,
//! and what the statement's reports do to its cell.

use super::App;
use super::cell::{Cell, CellOutput, Outcome, OutputView, PreparedOutput, RunState};
use super::events::{CellId, Effect, StatementEvent};
use crate::livy::{Statement, StatementState};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Cells waiting to run, in order, and a cancel asked for before the server confirmed the
/// statement (it is sent as soon as the statement has an id); the cells that ran well in the
/// current session, and a re-run of such cells in a new one.
#[derive(Debug, Default)]
pub(super) struct Runs {
    queue: VecDeque<CellId>,
    cancel_when_submitted: Option<CellId>,
    /// Cells whose last run in this session succeeded, in the order they last ran: what a
    /// new session needs to be where this one was.
    succeeded: Vec<CellId>,
    /// A re-run under way: it stops at the first cell that fails.
    replay: Option<Replay>,
    /// The cells last offered for a re-run (offered again if that session never started).
    offered: Vec<CellId>,
    /// Sessions known gone, whose statements left running (in a recovery copy taken
    /// later) are lost, not followed.
    pub(super) lost_sessions: Vec<String>,
}

/// Cells run again, in order, in a new session.
#[derive(Debug, Default)]
struct Replay {
    /// Cells still to finish.
    left: Vec<CellId>,
    total: usize,
}

impl Runs {
    /// Cells waiting.
    pub(super) fn len(&self) -> usize {
        self.queue.len()
    }

    /// Records how a cell's run ended.
    fn ran(&mut self, cell: CellId, ok: bool) {
        self.succeeded.retain(|c| *c != cell);
        if ok {
            self.succeeded.push(cell);
        }
    }

    /// Whether a cancel waits for this cell's statement; forgets it.
    fn take_cancel(&mut self, cell: CellId) -> bool {
        if self.cancel_when_submitted == Some(cell) {
            self.cancel_when_submitted = None;
            return true;
        }
        false
    }
}

impl App {
    /// How many cells wait to run.
    pub fn queued(&self) -> usize {
        self.runs.len()
    }

    /// Queues cells (by index) to run in order; empty and already-busy ones are skipped.
    pub(super) fn queue_cells(&mut self, indices: &[usize]) -> Vec<Effect> {
        if self.session.is_over() {
            self.complain(self.dead_session_hint());
            return Vec::new();
        }
        let mut queued = 0;
        let mut why_not = None;
        let kernel = self.notebook.kernel();
        for &i in indices {
            let Some(cell) = self.notebook.cells.get_mut(i) else {
                continue;
            };
            if cell.is_busy() {
                why_not = Some("the cell is already queued or running".to_string());
                continue;
            }
            if let Err(why) = cell.statement(kernel) {
                // a new session (which would read them) is offered once this one has ended
                why_not = Some(match why {
                    crate::notebook::SkipReason::Configure { .. } => {
                        format!("{why}; the running session keeps the settings it was created with")
                    }
                    other => other.to_string(),
                });
                continue;
            }
            cell.run = RunState::Queued;
            self.runs.queue.push_back(cell.id);
            queued += 1;
        }
        if queued == 0
            && indices.len() == 1
            && let Some(why) = why_not
        {
            self.say(why);
        }
        if !self.session.accepts_statements() && queued > 0 {
            self.say("queued: the cell runs when the session is ready");
        }
        self.pump()
    }

    /// Sends the next queued cell when nothing is in flight and the session is ready.
    pub(super) fn pump(&mut self) -> Vec<Effect> {
        if self.notebook.running_cell().is_some() || !self.session.accepts_statements() {
            return Vec::new();
        }
        let Some(session) = self.session.id.clone() else {
            return Vec::new();
        };
        let kernel = self.notebook.kernel();
        let (now, generation, session_kind) = (self.now, self.session.generation, self.session.kind.clone());
        while let Some(id) = self.runs.queue.pop_front() {
            let Some(cell) = self.notebook.cell_mut(id) else {
                continue;
            };
            if cell.run != RunState::Queued {
                continue;
            }
            // edited since it was queued: it may no longer be something to run
            let Ok((code, kind)) = cell.statement(kernel) else {
                cell.run = RunState::Idle;
                continue;
            };
            cell.run = RunState::Submitting { since: now };
            cell.output.shown = None;
            cell.view = OutputView::default();
            cell.doc.timing.start(SystemTime::now());
            let kind = kind.filter(|k| Some(k) != session_kind.as_ref());
            return vec![Effect::Submit {
                generation,
                session,
                cell: id,
                code,
                kind,
            }];
        }
        Vec::new()
    }

    /// Drops every queued cell; returns how many.
    pub(super) fn clear_queue(&mut self) -> usize {
        let ids: Vec<_> = self.runs.queue.drain(..).collect();
        let mut n = 0;
        for id in ids {
            if let Some(cell) = self.notebook.cell_mut(id)
                && cell.run == RunState::Queued
            {
                cell.run = RunState::Idle;
                n += 1;
            }
        }
        n
    }

    /// Cancels the statement in flight (or, not confirmed yet, as soon as it is).
    pub(super) fn cancel_running(&mut self) -> Vec<Effect> {
        let Some(session) = self.session.id.clone() else {
            self.say("nothing is running");
            return Vec::new();
        };
        let now = self.now;
        let Some(cell) = self.notebook.running_cell_mut() else {
            self.say("nothing is running");
            return Vec::new();
        };
        match cell.run.clone() {
            RunState::Running { statement, .. } => {
                cell.run = RunState::Cancelling {
                    statement: statement.clone(),
                    since: now,
                };
                vec![Effect::Cancel { session, statement }]
            }
            RunState::Submitting { .. } => {
                // The id is not known yet: cancel as soon as the server confirms it.
                self.runs.cancel_when_submitted = Some(cell.id);
                self.say("cancelling as soon as the server confirms the statement");
                Vec::new()
            }
            RunState::Cancelling { statement, .. } => {
                // Asking again is harmless and helps if the first request was lost.
                vec![Effect::Cancel { session, statement }]
            }
            _ => Vec::new(),
        }
    }

    /// The session is over: nothing queued or running can finish. Each such cell says so
    /// (none is left spinning or waiting).
    pub(super) fn abandon_work(&mut self) {
        self.runs.replay = None;
        let queued: Vec<_> = self.runs.queue.drain(..).collect();
        for cell in self.notebook.cells.iter_mut() {
            let (outcome, why) = if cell.run.in_flight() {
                (Outcome::Error, "the session ended while this cell ran")
            } else if cell.run == RunState::Queued && queued.contains(&cell.id) {
                (Outcome::Cancelled, "not run: the session ended before its turn")
            } else {
                continue;
            };
            cell.run = RunState::Finished {
                duration: None,
                outcome,
            };
            cell.output.shown = Some(CellOutput::RequestError(why.into()));
        }
    }

    /// A new session is about to replace the one that ended: offers to run again, in the
    /// order they ran, the cells that had run well in it; if it never started, what was
    /// offered before it.
    pub(super) fn offer_replay(&mut self) {
        let mut cells = std::mem::take(&mut self.runs.succeeded);
        if cells.is_empty() && self.session.phase == super::Phase::Failed {
            cells = std::mem::take(&mut self.runs.offered);
        }
        cells.retain(|id| self.notebook.cell_mut(*id).is_some_and(|c| c.doc.is_code()));
        if cells.is_empty() {
            return;
        }
        self.runs.offered = cells.clone();
        let session = self.session.id.as_ref().map_or_else(String::new, |id| id.to_string());
        self.offer(super::Overlay::Rerun { session, cells });
    }

    /// Runs `cells` again, in this order, stopping at the first that fails.
    pub(super) fn replay(&mut self, cells: &[CellId]) -> Vec<Effect> {
        let mut effects = Vec::new();
        for id in cells {
            // one at a time, in the order given (not the notebook's)
            if let Some(index) = self.notebook.index_of(*id) {
                effects.extend(self.queue_cells(&[index]));
            }
        }
        let left: Vec<CellId> = cells
            .iter()
            .copied()
            .filter(|id| self.notebook.cell_mut(*id).is_some_and(|c| c.is_busy()))
            .collect();
        if !left.is_empty() {
            self.runs.replay = Some(Replay {
                total: left.len(),
                left,
            });
        }
        effects
    }

    /// A cell's run ended: a re-run goes on, ends, or stops at a cell that failed.
    fn replay_step(&mut self, id: CellId, ok: bool) {
        let Some(replay) = self.runs.replay.as_mut() else {
            return;
        };
        if !replay.left.contains(&id) {
            return;
        }
        replay.left.retain(|c| *c != id);
        if ok && !replay.left.is_empty() {
            return;
        }
        let Replay { left, total } = self.runs.replay.take().unwrap_or_default();
        if ok {
            self.say(format!("re-ran {total} cells"));
            return;
        }
        let mut not_run = 0;
        for cell in left {
            self.runs.queue.retain(|c| *c != cell);
            if let Some(cell) = self.notebook.cell_mut(cell)
                && cell.run == RunState::Queued
            {
                cell.run = RunState::Idle;
                not_run += 1;
            }
        }
        let n = self.notebook.index_of(id).map_or(0, |i| i + 1);
        self.complain(format!(
            "the re-run stopped at cell {n}, which failed; {not_run} cells after it were not run"
        ));
    }

    /// A statement runner's report on a cell.
    pub(super) fn on_statement(&mut self, id: CellId, event: StatementEvent) -> Vec<Effect> {
        match event {
            StatementEvent::Submitted(statement) => self.submitted(id, &statement),
            StatementEvent::Progress(statement) => {
                self.progressed(id, &statement);
                Vec::new()
            }
            StatementEvent::Finished(statement) => {
                let prepared = statement.output.as_ref().map(|o| PreparedOutput::prepare(o, None));
                self.finished(id, &statement, prepared)
            }
            StatementEvent::FinishedPrepared(statement, prepared) => self.finished(id, &statement, Some(*prepared)),
            StatementEvent::RequestFailed(message) => {
                self.runs.take_cancel(id);
                self.fail_cell(id, message);
                self.runs.ran(id, false);
                self.replay_step(id, false);
                self.pump()
            }
        }
    }

    /// The server took the statement: it runs, or is cancelled at once if that was asked.
    fn submitted(&mut self, id: CellId, statement: &Statement) -> Vec<Effect> {
        let now = self.now;
        let cancel = self.runs.take_cancel(id);
        let session = self.session.id.clone();
        let Some(cell) = self.notebook.cell_mut(id) else {
            return Vec::new();
        };
        cell.output.execution_count = Some(statement.id.to_string());
        cell.run = running_state(statement, now);
        // The recovery copy records the statement at once: should the app go away while it
        // runs, reopening the notebook follows it (one being cancelled is not worth it).
        let mut effects = Vec::new();
        if !cancel {
            self.touch();
            effects = self.write_recovery_now();
        }
        let Some(cell) = self.notebook.cell_mut(id) else {
            return effects;
        };
        effects.extend(match (cancel, session) {
            (true, Some(session)) => {
                cell.run = RunState::Cancelling {
                    statement: statement.id.clone(),
                    since: now,
                };
                vec![Effect::Cancel {
                    session,
                    statement: statement.id.clone(),
                }]
            }
            _ => Vec::new(),
        });
        effects
    }

    /// A poll saw the statement waiting or running.
    fn progressed(&mut self, id: CellId, statement: &Statement) {
        let now = self.now;
        self.session.trouble = None;
        let Some(cell) = self.notebook.cell_mut(id) else { return };
        cell.run = match (&cell.run, &statement.state) {
            // Keep "cancelling" until the server says cancelled.
            (RunState::Cancelling { .. }, _) => return,
            (_, StatementState::Cancelling) => RunState::Cancelling {
                statement: statement.id.clone(),
                since: now,
            },
            (RunState::Running { since, .. }, _) => running_state(statement, *since),
            _ => running_state(statement, now),
        };
    }

    /// The statement finished: its cell shows the output (prepared, when there is one), and
    /// the next queued cell goes.
    fn finished(&mut self, id: CellId, statement: &Statement, prepared: Option<PreparedOutput>) -> Vec<Effect> {
        let now = self.now;
        // The REPL going idle again counts as activity on Livy.
        self.note_activity();
        if let Some(cell) = self.notebook.cell_mut(id) {
            finish_cell(cell, statement, prepared, now);
            let ok = matches!(
                cell.run,
                RunState::Finished {
                    outcome: Outcome::Ok,
                    ..
                }
            );
            self.touch();
            self.runs.ran(id, ok);
            self.replay_step(id, ok);
        }
        self.pump()
    }

    /// Marks a cell as failed because its request failed.
    pub(super) fn fail_cell(&mut self, id: CellId, message: String) {
        if let Some(cell) = self.notebook.cell_mut(id) {
            cell.run = RunState::Finished {
                duration: None,
                outcome: Outcome::Error,
            };
            cell.output.shown = Some(CellOutput::RequestError(message));
        }
    }
}

fn running_state(statement: &Statement, since: Instant) -> RunState {
    RunState::Running {
        statement: statement.id.clone(),
        progress: statement.progress.clamp(0.0, 1.0),
        since,
        waiting: statement.state == StatementState::Waiting,
    }
}

fn finish_cell(cell: &mut Cell, statement: &Statement, prepared: Option<PreparedOutput>, now: Instant) {
    let duration = run_duration(&cell.run, statement, now);
    let output = &mut cell.output;
    output.execution_count = Some(statement.id.to_string());
    // The worker hands over the raw output it already shares; copy only when it did not.
    output.raw = match prepared.as_ref().and_then(|p| p.raw.clone()) {
        Some(raw) => Some(raw),
        None => statement.output.clone().map(Arc::new),
    };
    let jupyter = prepared.as_ref().and_then(|p| p.jupyter.clone());
    output.mime = prepared.as_ref().and_then(|p| p.mime.clone());
    output.mimes = prepared.as_ref().map(|p| p.mimes.clone()).unwrap_or_default();
    let (outcome, shown) = match statement.outcome() {
        Some(crate::livy::Outcome::Cancelled) => (Outcome::Cancelled, CellOutput::Cancelled),
        Some(crate::livy::Outcome::Failed(e)) => (Outcome::Error, CellOutput::error(&e)),
        _ => match prepared {
            Some(p) => (p.outcome(), p.output),
            None => (Outcome::Ok, CellOutput::Text(Default::default())),
        },
    };
    output.shown = Some(shown);
    cell.run = RunState::Finished { duration, outcome };
    record_in_doc(cell, statement, outcome, jupyter);
}

/// How long the statement ran: the server's times when it reports them, else since the
/// cell was sent.
fn run_duration(run: &RunState, statement: &Statement, now: Instant) -> Option<Duration> {
    match (statement.started, statement.completed) {
        (Some(start), Some(end)) if end >= start => Some(Duration::from_millis(end - start)),
        _ => match run {
            RunState::Running { since, .. } | RunState::Cancelling { since, .. } | RunState::Submitting { since } => {
                Some(now.saturating_duration_since(*since))
            }
            _ => None,
        },
    }
}

/// Keeps the file's view of the cell up to date: outputs as Jupyter outputs, the execution
/// count, and when it ran (the server's times when it reports them).
fn record_in_doc(
    cell: &mut Cell,
    statement: &Statement,
    outcome: Outcome,
    jupyter: Option<Arc<Vec<crate::notebook::JupyterOutput>>>,
) {
    cell.output.jupyter = match (&cell.output.raw, outcome, jupyter) {
        (_, Outcome::Cancelled, _) | (None, _, _) => Default::default(),
        (Some(_), _, Some(made)) => made,
        // not prepared on a worker: small, or a test
        (Some(raw), _, None) => Arc::new(crate::notebook::JupyterOutput::from_statement_output(raw)),
    };
    let count = cell.output.raw.as_ref().and_then(|r| r.execution_count);
    cell.doc.execution_count = count.or_else(|| statement.id.to_string().parse().ok());
    let at = |ms: u64| UNIX_EPOCH + Duration::from_millis(ms);
    match (statement.started, statement.completed) {
        (Some(start), Some(end)) if start > 0 && end >= start => {
            cell.doc.timing.start(at(start));
            cell.doc.timing.finish(at(end));
        }
        _ => cell.doc.timing.finish(SystemTime::now()),
    }
}
