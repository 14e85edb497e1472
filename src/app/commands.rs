//! What each command does to the notebook.

use super::cell::{Cell, CellOutput, PreparedOutput, RunState};

/// Terminals accept only so much through OSC 52 (some cap it far lower).
const MAX_CLIPBOARD: usize = 1 << 20;

/// Rows of an output view in a cell (the UI's `MAX_OUTPUT_ROWS`).
const MAX_VIEW_ROWS: usize = 15;

/// Rows a page key scrolls an output by.
const PAGE: usize = 10;
use super::command::Command;
use super::events::ExportFormat;
use super::events::{CellId, Effect, SessionStartSpec};
use super::search::{Place, Search};
use super::{App, DeleteOnQuit, Overlay, Phase, QuitPlan};
use crate::livy::SessionKind;
use crate::notebook::Kernel;
use crate::output::export::to_tsv;
use crate::output::sanitize::strip_all;
use std::sync::Arc;

impl App {
    /// Carries out a command; returns the IO it needs.
    pub fn run_command(&mut self, command: Command) -> Vec<Effect> {
        if self.json_command(command) || self.table_command(command) {
            return Vec::new();
        }
        match command {
            Command::RunCell => return self.queue_cells(&[self.focus]),
            Command::RunAndAdvance => {
                let effects = self.queue_cells(&[self.focus]);
                if self.focus + 1 >= self.cells.len() {
                    self.insert_cell(self.focus + 1);
                }
                self.focus += 1;
                self.editing = true;
                return effects;
            }
            Command::RunAndInsertBelow => {
                let effects = self.queue_cells(&[self.focus]);
                self.insert_cell(self.focus + 1);
                self.focus += 1;
                self.editing = true;
                return effects;
            }
            Command::RunAll => return self.queue_cells(&(0..self.cells.len()).collect::<Vec<_>>()),
            Command::RunAllAbove => return self.queue_cells(&(0..self.focus).collect::<Vec<_>>()),
            Command::CancelRunning => return self.cancel_running(),
            Command::CancelAll => {
                let dropped = self.clear_queue();
                let effects = self.cancel_running();
                if dropped > 0 {
                    self.say(format!(
                        "cancelled {dropped} queued cell{}",
                        if dropped == 1 { "" } else { "s" }
                    ));
                }
                return effects;
            }
            Command::EditCell => self.editing = true,
            Command::LeaveEdit => {
                if self.log.focused {
                    self.log.focused = false;
                } else if !self.editing && self.search.is_some() {
                    self.search = None;
                } else {
                    self.editing = false;
                }
                self.message = None;
            }
            Command::FocusPrevious => self.focus = self.focus.saturating_sub(1),
            Command::FocusNext => self.focus = (self.focus + 1).min(self.cells.len() - 1),
            Command::FocusFirst => self.focus = 0,
            Command::FocusLast => self.focus = self.cells.len() - 1,
            Command::InsertAbove => self.insert_cell(self.focus),
            Command::InsertBelow => {
                self.insert_cell(self.focus + 1);
                self.focus += 1;
            }
            Command::DeleteCell => self.delete_focused(),
            Command::UndoDelete => match self.deleted_pop() {
                Some((index, cell)) => {
                    let index = index.min(self.cells.len());
                    self.cells.insert(index, cell);
                    self.focus = index;
                    self.touch();
                }
                None => self.say("nothing to bring back"),
            },
            Command::MoveCellUp if self.focus > 0 => {
                self.cells.swap(self.focus, self.focus - 1);
                self.focus -= 1;
                self.touch();
            }
            Command::MoveCellDown if self.focus + 1 < self.cells.len() => {
                self.cells.swap(self.focus, self.focus + 1);
                self.focus += 1;
                self.touch();
            }
            Command::MoveCellUp | Command::MoveCellDown => {}
            Command::SplitCell => self.split_focused(),
            Command::MergeBelow => self.merge_below(),
            Command::KindSpark => self.set_kind(SessionKind::Spark),
            Command::KindPySpark => self.set_kind(SessionKind::PySpark),
            Command::KindSparkR => self.set_kind(SessionKind::SparkR),
            Command::KindSql => self.set_kind(SessionKind::Sql),
            Command::CycleKind => {
                let kinds = SessionKind::CODE_KINDS;
                let i = kinds
                    .iter()
                    .position(|k| *k == self.focused().kind)
                    .map_or(0, |i| (i + 1) % kinds.len());
                self.set_kind(kinds[i].clone());
            }
            Command::ToggleOutput => {
                let cell = self.focused_mut();
                cell.unfolded = !cell.unfolded;
            }
            Command::ScrollOutputUp => {
                let cell = self.focused_mut();
                cell.output_scroll = cell.output_scroll.saturating_sub(5);
            }
            Command::ScrollOutputDown => {
                let cell = self.focused_mut();
                cell.output_scroll += 5;
            }
            Command::ScrollOutputLeft | Command::ScrollOutputRight => self.say("only tables scroll sideways"),
            Command::PageOutputUp => {
                let cell = self.focused_mut();
                cell.output_scroll = cell.output_scroll.saturating_sub(PAGE);
            }
            Command::PageOutputDown => {
                let cell = self.focused_mut();
                cell.output_scroll += PAGE;
            }
            Command::CycleMime => return self.cycle_mime(),
            Command::ExpandAll | Command::ToggleRaw => self.say("only JSON outputs have a tree"),
            Command::CopyOutput => return self.copy_output(),
            Command::InspectValue => self.inspect_value(),
            Command::CopyValue => return self.copy_value(),
            Command::WidenColumn | Command::NarrowColumn => self.say("only table columns have widths"),
            Command::ExportCsv => return self.export(ExportFormat::Csv),
            Command::ExportJsonLines => return self.export(ExportFormat::JsonLines),
            Command::Search => {
                self.search = Some(Search {
                    typing: true,
                    ..Search::default()
                })
            }
            Command::SearchNext => self.step_search(true),
            Command::SearchPrevious => self.step_search(false),
            Command::ToggleLog => {
                self.log.visible = !self.log.visible;
                self.log.focused = false;
            }
            Command::FocusLog => {
                self.log.visible = true;
                self.log.focused = true;
                self.say("log: ↑/↓/PgUp/PgDn scroll, End follows, Esc returns to the cells");
            }
            Command::GrowLog => self.log.height = (self.log.height + 2).min(60),
            Command::ShrinkLog => self.log.height = self.log.height.saturating_sub(2).max(3),
            Command::RecreateSession => return self.recreate_session(),
            Command::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Command::Quit => self.request_quit(),
            Command::Save => return self.save(),
            Command::SaveAs => return self.ask_save_as(),
            Command::MakeMarkdown => {
                if self.focused().is_busy() {
                    self.complain("the cell is queued or running; cancel it first");
                } else {
                    let cell = self.focused_mut();
                    cell.doc.cell_type = crate::notebook::CellType::Markdown;
                    cell.output = None;
                    cell.outputs = Default::default();
                    cell.run = RunState::Idle;
                    self.touch();
                }
            }
        }
        Vec::new()
    }

    /// Sends the typed search to a worker.
    pub(super) fn start_search(&mut self) -> Vec<Effect> {
        let Some(search) = self.search.as_mut() else {
            return Vec::new();
        };
        search.typing = false;
        if search.query.is_empty() {
            self.search = None;
            return Vec::new();
        }
        search.searching = true;
        search.matches.clear();
        search.current = None;
        let query = search.query.clone();
        self.say(format!("searching for {query}…"));
        vec![Effect::Search {
            query,
            targets: super::search::targets(&self.cells),
        }]
    }

    /// A worker's matches: goes to the first at or after the focused cell. Results for a
    /// search the user has left or replaced are dropped.
    pub(super) fn searched(&mut self, query: String, matches: Vec<super::search::Match>) {
        let Some(search) = self.search.as_mut().filter(|s| s.searching && s.query == query) else {
            return;
        };
        search.searching = false;
        search.matches = matches;
        if search.matches.is_empty() {
            self.search = None;
            self.complain(format!("not found: {query}"));
            return;
        }
        let focus = self.focus;
        let cells = &self.cells;
        let first = search
            .matches
            .iter()
            .position(|m| cells.iter().position(|c| c.id == m.cell).is_some_and(|i| i >= focus))
            .unwrap_or(0);
        search.current = Some(first);
        self.show_match();
    }

    fn step_search(&mut self, forward: bool) {
        let Some(search) = self.search.as_mut().filter(|s| !s.matches.is_empty()) else {
            self.say("no search: / starts one");
            return;
        };
        let n = search.matches.len();
        let i = search.current.unwrap_or(0);
        search.current = Some(if forward { (i + 1) % n } else { (i + n - 1) % n });
        self.show_match();
    }

    /// Focuses the current match's cell and scrolls its output or table to it.
    fn show_match(&mut self) {
        let Some(search) = &self.search else { return };
        let Some(i) = search.current else { return };
        let m = search.matches[i];
        let total = search.matches.len();
        let Some(index) = self.index_of(m.cell) else { return };
        self.focus = index;
        self.editing = false;
        let cell = &mut self.cells[index];
        match m.place {
            Place::Code { .. } => {}
            Place::Output { line } => {
                cell.unfolded = true;
                cell.output_scroll = line;
            }
            Place::Table { row, col } => {
                if let Some(CellOutput::Table(t)) = &mut cell.output {
                    t.cursor = (row, col);
                    t.first_col = t.first_col.min(col);
                }
                if row < cell.output_scroll || row >= cell.output_scroll + super::output_cursor::TABLE_VIEW_ROWS {
                    cell.output_scroll = row;
                }
            }
            Place::Json { node } => {
                if let Some(CellOutput::Json(json)) = &mut cell.output {
                    let tree = json.tree.clone();
                    json.raw = None;
                    json.state.select_node(&tree, node);
                    json.state.scroll_into_view(MAX_VIEW_ROWS);
                }
            }
        }
        self.say(format!("match {} of {total} · n next · N previous", i + 1));
    }

    /// Output keys act on a focused JSON tree; true when the command was taken.
    fn json_command(&mut self, command: Command) -> bool {
        let focus = self.focus.min(self.cells.len() - 1);
        let value = self.cells[focus]
            .raw
            .as_ref()
            .and_then(|o| o.data.get(crate::livy::MIME_JSON))
            .cloned();
        let Some(CellOutput::Json(json)) = &mut self.cells[focus].output else {
            return false;
        };
        if json.raw.is_some() && command != Command::ToggleRaw {
            return false;
        }
        let tree = json.tree.clone();
        let page = MAX_VIEW_ROWS;
        match command {
            Command::ScrollOutputDown => json.state.select_next(&tree),
            Command::ScrollOutputUp => json.state.select_prev(&tree),
            Command::ToggleOutput => json.state.toggle(&tree),
            Command::ScrollOutputRight => json.state.expand_or_enter(&tree),
            Command::ScrollOutputLeft => json.state.collapse_or_leave(&tree),
            Command::PageOutputDown => json.state.scroll_by(&tree, page as isize, page),
            Command::PageOutputUp => json.state.scroll_by(&tree, -(page as isize), page),
            Command::ExpandAll => {
                if json.state.visible_rows(&tree) == tree.node_count() {
                    json.state.collapse_all(&tree);
                } else {
                    json.state.expand_all(&tree);
                }
            }
            Command::ToggleRaw => {
                if json.raw.take().is_none() {
                    json.raw = Some(Arc::new(crate::output::json_tree::pretty(&value.unwrap_or_default())));
                }
                self.cells[focus].output_scroll = 0;
                return true;
            }
            _ => return false,
        }
        json.state.scroll_into_view(page);
        true
    }

    /// Copies the focused cell's output: a table as TSV (pastes into spreadsheets), text
    /// as text, an error with its traceback.
    fn copy_output(&mut self) -> Vec<Effect> {
        let text = match &self.focused().output {
            Some(CellOutput::Table(t)) => to_tsv(&t.table),
            Some(CellOutput::Text(lines)) => strip_all(&lines.join("\n")),
            Some(CellOutput::Styled(lines)) => lines
                .iter()
                .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>())
                .collect::<Vec<_>>()
                .join("\n"),
            Some(CellOutput::Json(_)) => {
                let value = self
                    .focused()
                    .raw
                    .as_ref()
                    .and_then(|o| o.data.get(crate::livy::MIME_JSON))
                    .cloned();
                serde_json::to_string_pretty(&value.unwrap_or_default()).unwrap_or_default()
            }
            Some(CellOutput::Error {
                ename,
                evalue,
                traceback,
            }) => {
                format!("{ename}: {evalue}\n{}", strip_all(&traceback.join("\n")))
            }
            _ => {
                self.say("nothing to copy here");
                return Vec::new();
            }
        };
        self.clipboard(text, "the output")
    }

    /// Puts `text` (described as `what`) on the clipboard, if the terminal can take it.
    pub(super) fn clipboard(&mut self, text: String, what: &str) -> Vec<Effect> {
        if text.len() > MAX_CLIPBOARD {
            let mb = text.len() as f64 / 1e6;
            self.complain(format!(
                "{mb:.1} MB is too much for the terminal clipboard; save it with e (CSV) instead"
            ));
            return Vec::new();
        }
        let size = if text.len() < 1024 {
            format!("{} bytes", text.len())
        } else {
            format!("{} KB", text.len().div_ceil(1024))
        };
        self.say(format!(
            "copied {what} ({size}) to the clipboard (in tmux this needs set-clipboard on)"
        ));
        vec![Effect::Clipboard(text)]
    }

    /// Saves the focused cell's table to a file.
    fn export(&mut self, format: ExportFormat) -> Vec<Effect> {
        if let Some(CellOutput::Image(img)) = &self.focused().output {
            let png = img.image.png.clone();
            let base = format!("livy-cell{}-image", self.focus + 1);
            self.say("saving…");
            return vec![Effect::SaveImage { png, base }];
        }
        let Some(CellOutput::Table(t)) = &self.focused().output else {
            self.say("only tables are saved as files; y copies other output");
            return Vec::new();
        };
        let table = t.table.clone();
        let n = self.focus + 1;
        let base = match &self.focused().execution_count {
            Some(count) => format!("livy-cell{n}-run{count}"),
            None => format!("livy-cell{n}"),
        };
        self.say("saving…");
        vec![Effect::Export { table, format, base }]
    }

    /// Asks a worker to prepare the focused cell's output as the next type it carries.
    fn cycle_mime(&mut self) -> Vec<Effect> {
        let cell = self.focused();
        let Some(raw) = cell.raw.clone() else {
            self.say("no output to show another way");
            return Vec::new();
        };
        if cell.mimes.len() < 2 {
            let only = cell.mime.clone().unwrap_or_else(|| "text".into());
            self.say(format!("this output is only {only}"));
            return Vec::new();
        }
        let i = cell
            .mime
            .as_ref()
            .and_then(|m| cell.mimes.iter().position(|x| x == m))
            .map_or(0, |i| i + 1);
        let mime = cell.mimes[i % cell.mimes.len()].clone();
        let id = cell.id;
        self.say(format!("preparing {mime}…"));
        vec![Effect::Prepare { cell: id, raw, mime }]
    }

    /// A worker's output for a type the user picked; dropped when the cell has a newer
    /// output by now.
    pub(super) fn prepared(&mut self, id: CellId, prepared: PreparedOutput) {
        let Some(index) = self.index_of(id) else { return };
        let cell = &mut self.cells[index];
        let same_output = match (&cell.raw, &prepared.raw) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        if !same_output || cell.is_busy() {
            return;
        }
        cell.output = Some(prepared.output);
        cell.mime = prepared.mime;
        cell.output_scroll = 0;
        let n = cell.mimes.len();
        let i = cell
            .mime
            .as_ref()
            .and_then(|m| cell.mimes.iter().position(|x| x == m))
            .map_or(0, |i| i + 1);
        let mime = cell.mime.clone().unwrap_or_default();
        self.say(format!("showing {mime} ({i} of {n}; m for the next)"));
    }

    fn insert_cell(&mut self, index: usize) {
        let kind = self
            .cells
            .get(self.focus)
            .map_or_else(|| self.settings.default_kind.clone(), |c| c.kind.clone());
        let id = self.new_cell_id();
        self.cells.insert(index.min(self.cells.len()), Cell::new(id, kind));
        self.touch();
    }

    fn deleted_pop(&mut self) -> Option<(usize, Cell)> {
        self.deleted.pop()
    }

    fn delete_focused(&mut self) {
        if self.focused().is_busy() {
            self.complain("the cell is queued or running; cancel it first (Ctrl+C)");
            return;
        }
        let cell = self.cells.remove(self.focus);
        self.deleted.push((self.focus, cell));
        if self.cells.is_empty() {
            self.insert_cell(0);
        }
        self.focus = self.focus.min(self.cells.len() - 1);
        self.touch();
        self.say("cell deleted (z brings it back)");
    }

    fn split_focused(&mut self) {
        if self.focused().is_busy() {
            self.complain("the cell is queued or running; cancel it first");
            return;
        }
        let tui_textarea::DataCursor(row, col) = self.focused().editor.cursor();
        let lines = self.focused().editor.lines().to_vec();
        let mut before: Vec<String> = lines[..row].to_vec();
        let current = &lines[row];
        let split_at = current.char_indices().nth(col).map_or(current.len(), |(i, _)| i);
        before.push(current[..split_at].to_string());
        let mut after = vec![current[split_at..].to_string()];
        after.extend_from_slice(&lines[row + 1..]);
        let kind = self.focused().kind.clone();
        let id = self.focused().id;
        // the first half stays the file's cell (id, tags, metadata); its output is dropped
        let doc = self.focused().doc.clone();
        *self.focused_mut() = Cell::with_code(id, kind.clone(), &before.join("\n"));
        self.focused_mut().doc = doc;
        let new_id = self.new_cell_id();
        self.cells
            .insert(self.focus + 1, Cell::with_code(new_id, kind, &after.join("\n")));
        self.focus += 1;
        self.touch();
    }

    fn merge_below(&mut self) {
        let below = self.focus + 1;
        if below >= self.cells.len() {
            self.say("no cell below to merge");
            return;
        }
        if self.cells[self.focus].is_busy() || self.cells[below].is_busy() {
            self.complain("a cell to merge is queued or running; cancel it first");
            return;
        }
        let merged = format!("{}\n{}", self.cells[self.focus].code(), self.cells[below].code());
        let (id, kind) = (self.cells[self.focus].id, self.cells[self.focus].kind.clone());
        let doc = self.cells[self.focus].doc.clone();
        self.cells[self.focus] = Cell::with_code(id, kind, &merged);
        self.cells[self.focus].doc = doc;
        self.touch();
        self.cells.remove(below);
    }

    fn set_kind(&mut self, kind: SessionKind) {
        if self.focused().is_busy() {
            self.complain("the cell is queued or running; its language cannot change now");
            return;
        }
        let cell = self.focused_mut();
        cell.kind = kind;
        cell.doc.cell_type = crate::notebook::CellType::Code;
        self.touch();
    }

    /// The kernel the notebook's cells are written for (its file's kernelspec and its cells).
    fn kernel(&self) -> Kernel {
        Kernel::detect(&self.document.base.metadata, self.cells.iter().filter_map(Cell::magic))
    }

    /// Queues cells (by index) to run in order; empty and already-busy ones are skipped.
    pub(super) fn queue_cells(&mut self, indices: &[usize]) -> Vec<Effect> {
        if self.session.is_over() {
            self.complain(self.dead_session_hint());
            return Vec::new();
        }
        let mut queued = 0;
        let mut why_not = None;
        let kernel = self.kernel();
        for &i in indices {
            let Some(cell) = self.cells.get_mut(i) else { continue };
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
            self.queue.push_back(cell.id);
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
        if self.running_cell().is_some() || !self.session.accepts_statements() {
            return Vec::new();
        }
        let Some(session) = self.session.id.clone() else {
            return Vec::new();
        };
        let kernel = self.kernel();
        while let Some(id) = self.queue.pop_front() {
            let now = self.now;
            let generation = self.session.generation;
            let session_kind = self.session.kind.clone();
            let Some(cell) = self.cell_mut(id) else { continue };
            if cell.run != RunState::Queued {
                continue;
            }
            // edited since it was queued: it may no longer be something to run
            let Ok((code, kind)) = cell.statement(kernel) else {
                cell.run = RunState::Idle;
                continue;
            };
            cell.run = RunState::Submitting { since: now };
            cell.output = None;
            cell.output_scroll = 0;
            cell.unfolded = false;
            cell.doc.timing.start(std::time::SystemTime::now());
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
        let ids: Vec<_> = self.queue.drain(..).collect();
        let mut n = 0;
        for id in ids {
            if let Some(cell) = self.cell_mut(id)
                && cell.run == RunState::Queued
            {
                cell.run = RunState::Idle;
                n += 1;
            }
        }
        n
    }

    fn cancel_running(&mut self) -> Vec<Effect> {
        let Some(session) = self.session.id.clone() else {
            self.say("nothing is running");
            return Vec::new();
        };
        let now = self.now;
        let Some(cell) = self.cells.iter_mut().find(|c| {
            matches!(
                c.run,
                RunState::Submitting { .. } | RunState::Running { .. } | RunState::Cancelling { .. }
            )
        }) else {
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
                let id = cell.id;
                self.pending_cancel = Some(id);
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

    pub(super) fn take_pending_cancel(&mut self, cell: super::CellId) -> bool {
        if self.pending_cancel == Some(cell) {
            self.pending_cancel = None;
            return true;
        }
        false
    }

    fn dead_session_hint(&self) -> String {
        let keys = self.keymap.keys_for(Command::RecreateSession, false);
        let key = keys
            .first()
            .map(|k| k.to_string())
            .unwrap_or_else(|| "new-session".into());
        match &self.session.phase {
            Phase::Failed => format!("no session: it could not be started — press {key} to try again"),
            _ => format!("the session has ended — press {key} (in command mode) for a new one"),
        }
    }

    fn recreate_session(&mut self) -> Vec<Effect> {
        if !self.session.is_over() {
            self.say("the session is still alive; a new one is offered when it ends");
            return Vec::new();
        }
        let mut create = match self.session_request() {
            Ok(create) => create,
            Err(e) => {
                self.complain(e.to_string());
                return Vec::new();
            }
        };
        self.clear_queue();
        for cell in &mut self.cells {
            if cell.is_busy() {
                cell.run = RunState::Idle;
            }
        }
        let generation = self.session.generation + 1;
        self.session = super::SessionView::connecting(generation, self.now);
        self.log.lines.clear();
        self.log.scroll_back = 0;
        // The old name may still be taken by the dead session.
        create.name = None;
        self.say("starting a new session");
        vec![Effect::StartSession {
            generation,
            start: SessionStartSpec::Create(Box::new(create)),
        }]
    }

    /// Starts the session the user chose (creating or attaching) in the current generation.
    pub(super) fn start_session(&mut self, start: SessionStartSpec) -> Vec<Effect> {
        self.session = super::SessionView::connecting(self.session.generation, self.now);
        vec![Effect::StartSession {
            generation: self.session.generation,
            start,
        }]
    }

    /// Asks (before the session starts) whether to attach to the notebook's live session.
    pub fn ask_reattach(&mut self, session: crate::livy::SessionId, state: String) {
        self.offer(Overlay::Reattach { session, state });
    }

    /// Offers to run again the cells that had run in a session that is gone.
    pub fn offer_rerun(&mut self, session: String) {
        let cells: Vec<_> = self
            .cells
            .iter()
            .filter(|c| c.doc.is_code() && (c.execution_count.is_some() || !c.outputs.is_empty()))
            .map(|c| c.id)
            .collect();
        if !cells.is_empty() {
            self.offer(Overlay::Rerun { session, cells });
        }
    }

    pub(super) fn request_quit(&mut self) {
        if self.document.is_dirty() && !self.document.leaving && !self.document.quit_after_save {
            self.overlay = Some(Overlay::ConfirmUnsaved);
            return;
        }
        let ours = self.session.created_here && !self.session.is_over();
        match (ours, self.settings.delete_on_quit) {
            (true, DeleteOnQuit::Ask) => {
                self.overlay = Some(Overlay::ConfirmQuit {
                    delete_by_default: true,
                })
            }
            (true, DeleteOnQuit::Always) => {
                self.quit = Some(QuitPlan {
                    delete_session: self.session.id.clone(),
                })
            }
            _ => self.quit = Some(QuitPlan { delete_session: None }),
        }
    }

    /// Marks a cell as failed because its request failed.
    pub(super) fn fail_cell(&mut self, id: super::CellId, message: String) {
        if let Some(cell) = self.cell_mut(id) {
            cell.run = RunState::Finished {
                duration: None,
                outcome: super::Outcome::Error,
            };
            cell.output = Some(CellOutput::RequestError(message));
        }
    }
}
