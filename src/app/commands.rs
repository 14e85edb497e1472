//! What each command does to the notebook: [`App::run_command`] hands it to the function
//! for its kind of command (running, focus, editing cells, outputs, search, the log, the
//! session and the file).

use super::cell::{Cell, RunState};
use super::command::Command;
use super::events::{Effect, SessionStartSpec};
use super::search::Search;
use super::{App, DeleteOnQuit, Overlay, Phase, QuitPlan};
use crate::livy::SessionKind;

impl App {
    /// Carries out a command; returns the IO it needs.
    pub fn run_command(&mut self, command: Command) -> Vec<Effect> {
        if self.json_command(command) || self.table_command(command) {
            return Vec::new();
        }
        match command {
            Command::RunCell
            | Command::RunAndAdvance
            | Command::RunAndInsertBelow
            | Command::RunAll
            | Command::RunAllAbove => self.run_cells(command),
            Command::CancelRunning | Command::CancelAll => self.cancel(command),
            Command::EditCell
            | Command::LeaveEdit
            | Command::FocusPrevious
            | Command::FocusNext
            | Command::FocusFirst
            | Command::FocusLast => self.move_focus(command),
            Command::InsertAbove
            | Command::InsertBelow
            | Command::DeleteCell
            | Command::UndoDelete
            | Command::MoveCellUp
            | Command::MoveCellDown
            | Command::SplitCell
            | Command::MergeBelow
            | Command::MakeMarkdown => self.edit_cells(command),
            Command::KindSpark | Command::KindPySpark | Command::KindSparkR | Command::KindSql | Command::CycleKind => {
                self.change_kind(command)
            }
            Command::ToggleOutput
            | Command::ScrollOutputUp
            | Command::ScrollOutputDown
            | Command::ScrollOutputLeft
            | Command::ScrollOutputRight
            | Command::PageOutputUp
            | Command::PageOutputDown
            | Command::CycleMime
            | Command::ExpandAll
            | Command::ToggleRaw
            | Command::CopyOutput
            | Command::InspectValue
            | Command::CopyValue
            | Command::WidenColumn
            | Command::NarrowColumn
            | Command::ExportCsv
            | Command::ExportJsonLines => self.output_command(command),
            Command::Search | Command::SearchNext | Command::SearchPrevious => self.search_command(command),
            Command::ToggleLog | Command::FocusLog | Command::GrowLog | Command::ShrinkLog => self.log_command(command),
            Command::RecreateSession | Command::Help | Command::Quit | Command::Save | Command::SaveAs => {
                self.app_command(command)
            }
            Command::SessionsPane => self.open_pane(super::panes::PaneKind::Sessions),
            Command::BatchesPane => self.open_pane(super::panes::PaneKind::Batches),
        }
    }

    /// Runs the focused cell (then edits the next, or a new one below), all cells, or all
    /// cells above.
    fn run_cells(&mut self, command: Command) -> Vec<Effect> {
        let focus = self.notebook.focus;
        let effects = match command {
            Command::RunAll => return self.queue_cells(&(0..self.notebook.cells.len()).collect::<Vec<_>>()),
            Command::RunAllAbove => return self.queue_cells(&(0..focus).collect::<Vec<_>>()),
            _ => self.queue_cells(&[focus]),
        };
        let new_below = match command {
            Command::RunAndAdvance => focus + 1 >= self.notebook.cells.len(),
            Command::RunAndInsertBelow => true,
            _ => return effects,
        };
        if new_below {
            self.insert_cell(focus + 1);
        }
        self.notebook.focus += 1;
        self.notebook.editing = true;
        effects
    }

    /// Cancels the running statement, and with `CancelAll` every queued cell.
    fn cancel(&mut self, command: Command) -> Vec<Effect> {
        if command != Command::CancelAll {
            return self.cancel_running();
        }
        let dropped = self.clear_queue();
        let effects = self.cancel_running();
        if dropped > 0 {
            self.say(format!(
                "cancelled {dropped} queued cell{}",
                if dropped == 1 { "" } else { "s" }
            ));
        }
        effects
    }

    /// Moves the focus between cells, into a cell's code and out of it.
    fn move_focus(&mut self, command: Command) -> Vec<Effect> {
        let notebook = &mut self.notebook;
        let last = notebook.cells.len() - 1;
        match command {
            Command::EditCell => notebook.editing = true,
            Command::LeaveEdit => self.leave(),
            Command::FocusPrevious => notebook.focus = notebook.focus.saturating_sub(1),
            Command::FocusNext => notebook.focus = (notebook.focus + 1).min(last),
            Command::FocusFirst => notebook.focus = 0,
            Command::FocusLast => notebook.focus = last,
            _ => {}
        }
        Vec::new()
    }

    /// Esc: leaves the log pane, else a finished search, else the cell's code; and clears
    /// the message.
    fn leave(&mut self) {
        if self.log.focused {
            self.log.focused = false;
        } else if !self.notebook.editing && self.notebook.search.is_some() {
            self.notebook.search = None;
        } else {
            self.notebook.editing = false;
        }
        self.message = None;
    }

    /// Adds, deletes, brings back, moves, splits and merges cells; makes one markdown.
    fn edit_cells(&mut self, command: Command) -> Vec<Effect> {
        let focus = self.notebook.focus;
        match command {
            Command::InsertAbove => self.insert_cell(focus),
            Command::InsertBelow => {
                self.insert_cell(focus + 1);
                self.notebook.focus += 1;
            }
            Command::DeleteCell => self.delete_focused(),
            Command::UndoDelete => self.undo_delete(),
            Command::MoveCellUp if focus > 0 => self.swap_focused(focus - 1),
            Command::MoveCellDown if focus + 1 < self.notebook.cells.len() => self.swap_focused(focus + 1),
            Command::SplitCell => self.split_focused(),
            Command::MergeBelow => self.merge_below(),
            Command::MakeMarkdown => self.make_markdown(),
            _ => {}
        }
        Vec::new()
    }

    /// Sets the focused cell's language, or moves it to the next.
    fn change_kind(&mut self, command: Command) -> Vec<Effect> {
        let kind = match command {
            Command::KindSpark => SessionKind::Spark,
            Command::KindPySpark => SessionKind::PySpark,
            Command::KindSparkR => SessionKind::SparkR,
            Command::KindSql => SessionKind::Sql,
            _ => {
                let kinds = SessionKind::CODE_KINDS;
                let i = kinds
                    .iter()
                    .position(|k| *k == self.notebook.focused().kind)
                    .map_or(0, |i| (i + 1) % kinds.len());
                kinds[i].clone()
            }
        };
        self.set_kind(kind);
        Vec::new()
    }

    /// Starts a search, or goes to the next or previous match.
    fn search_command(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::Search => {
                self.notebook.search = Some(Search {
                    typing: true,
                    ..Search::default()
                })
            }
            Command::SearchNext => self.step_search(true),
            _ => self.step_search(false),
        }
        Vec::new()
    }

    /// Shows, hides, focuses and sizes the log pane.
    fn log_command(&mut self, command: Command) -> Vec<Effect> {
        let log = &mut self.log;
        match command {
            Command::ToggleLog => {
                log.visible = !log.visible;
                log.focused = false;
            }
            Command::FocusLog => {
                log.visible = true;
                log.focused = true;
                self.say("log: ↑/↓/PgUp/PgDn scroll, End follows, Esc returns to the cells");
            }
            Command::GrowLog => log.height = (log.height + 2).min(60),
            _ => log.height = log.height.saturating_sub(2).max(3),
        }
        Vec::new()
    }

    /// A new session, the help, quitting and saving.
    fn app_command(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::RecreateSession => return self.recreate_session(),
            Command::Help => self.overlays.open(Overlay::Help { scroll: 0 }),
            Command::Quit => self.request_quit(),
            Command::Save => return self.save(),
            Command::SaveAs => return self.ask_save_as(),
            _ => {}
        }
        Vec::new()
    }

    /// Adds an empty cell at `index`, of the focused cell's kind.
    fn insert_cell(&mut self, index: usize) {
        let notebook = &mut self.notebook;
        let kind = notebook
            .cells
            .get(notebook.focus)
            .map_or_else(|| self.settings.default_kind.clone(), |c| c.kind.clone());
        let id = notebook.new_cell_id();
        notebook
            .cells
            .insert(index.min(notebook.cells.len()), Cell::new(id, kind));
        self.touch();
    }

    fn delete_focused(&mut self) {
        if self.notebook.focused().is_busy() {
            self.complain("the cell is queued or running; cancel it first (Ctrl+C)");
            return;
        }
        let focus = self.notebook.focus;
        let cell = self.notebook.cells.remove(focus);
        self.notebook.remember_deleted(focus, cell);
        if self.notebook.cells.is_empty() {
            self.insert_cell(0);
        }
        self.notebook.focus = focus.min(self.notebook.cells.len() - 1);
        self.touch();
        self.say("cell deleted (z brings it back)");
    }

    fn undo_delete(&mut self) {
        let Some((index, cell)) = self.notebook.take_deleted() else {
            self.say("nothing to bring back");
            return;
        };
        let index = index.min(self.notebook.cells.len());
        self.notebook.cells.insert(index, cell);
        self.notebook.focus = index;
        self.touch();
    }

    /// Swaps the focused cell with the one at `other`, keeping the focus on it.
    fn swap_focused(&mut self, other: usize) {
        self.notebook.cells.swap(self.notebook.focus, other);
        self.notebook.focus = other;
        self.touch();
    }

    /// Splits the focused cell at the editor's cursor; the second half is focused.
    fn split_focused(&mut self) {
        if self.notebook.focused().is_busy() {
            self.complain("the cell is queued or running; cancel it first");
            return;
        }
        let cell = self.notebook.focused();
        let tui_textarea::DataCursor(row, col) = cell.editor.cursor();
        let (before, after) = split_lines(cell.editor.lines(), row, col);
        // the first half stays the file's cell (id, tags, metadata); its output is dropped
        let (id, kind, doc) = (cell.id, cell.kind.clone(), cell.doc.clone());
        let first = self.notebook.focused_mut();
        *first = Cell::with_code(id, kind.clone(), &before);
        first.doc = doc;
        let new_id = self.notebook.new_cell_id();
        let focus = self.notebook.focus;
        self.notebook
            .cells
            .insert(focus + 1, Cell::with_code(new_id, kind, &after));
        self.notebook.focus += 1;
        self.touch();
    }

    fn merge_below(&mut self) {
        let (focus, below) = (self.notebook.focus, self.notebook.focus + 1);
        if below >= self.notebook.cells.len() {
            self.say("no cell below to merge");
            return;
        }
        if self.notebook.cells[focus].is_busy() || self.notebook.cells[below].is_busy() {
            self.complain("a cell to merge is queued or running; cancel it first");
            return;
        }
        let cells = &mut self.notebook.cells;
        let merged = format!("{}\n{}", cells[focus].code(), cells[below].code());
        let (id, kind) = (cells[focus].id, cells[focus].kind.clone());
        let doc = cells[focus].doc.clone();
        cells[focus] = Cell::with_code(id, kind, &merged);
        cells[focus].doc = doc;
        cells.remove(below);
        self.touch();
    }

    fn set_kind(&mut self, kind: SessionKind) {
        if self.notebook.focused().is_busy() {
            self.complain("the cell is queued or running; its language cannot change now");
            return;
        }
        let cell = self.notebook.focused_mut();
        cell.kind = kind;
        cell.doc.cell_type = crate::notebook::CellType::Code;
        self.touch();
    }

    /// Makes the focused cell a markdown cell (text, never run), dropping its output.
    fn make_markdown(&mut self) {
        if self.notebook.focused().is_busy() {
            self.complain("the cell is queued or running; cancel it first");
            return;
        }
        let cell = self.notebook.focused_mut();
        cell.doc.cell_type = crate::notebook::CellType::Markdown;
        cell.output.shown = None;
        cell.output.jupyter = Default::default();
        cell.run = RunState::Idle;
        self.touch();
    }

    /// What the status line says when cells cannot run: how to get a new session.
    pub(super) fn dead_session_hint(&self) -> String {
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
        // The old name may still be taken by the dead session.
        create.name = None;
        self.say("starting a new session");
        self.switch_session(SessionStartSpec::Create(Box::new(create)))
    }

    /// Moves the notebook to another session (a new one, or one to attach to): what was
    /// queued is dropped, reports of the old one are ignored from now on, its log cleared.
    pub(super) fn switch_session(&mut self, start: SessionStartSpec) -> Vec<Effect> {
        self.clear_queue();
        for cell in self.notebook.cells.iter_mut().filter(|c| c.is_busy()) {
            cell.run = RunState::Idle;
        }
        self.offer_replay();
        let generation = self.session.generation + 1;
        self.session = super::SessionView::connecting(generation, self.now);
        self.log.clear();
        vec![Effect::StartSession { generation, start }]
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
            .notebook
            .cells
            .iter()
            .filter(|c| c.doc.is_code() && (c.output.execution_count.is_some() || !c.output.jupyter.is_empty()))
            .map(|c| c.id)
            .collect();
        if !cells.is_empty() {
            self.offer(Overlay::Rerun { session, cells });
        }
    }

    pub(super) fn request_quit(&mut self) {
        let document = &self.notebook.document;
        if document.is_dirty() && !document.leaving && !document.quit_after_save {
            self.overlays.open(Overlay::ConfirmUnsaved);
            return;
        }
        let ours = self.session.created_here && !self.session.is_over();
        match (ours, self.settings.delete_on_quit) {
            (true, DeleteOnQuit::Ask) => self.overlays.open(Overlay::ConfirmQuit {
                delete_by_default: true,
            }),
            (true, DeleteOnQuit::Always) => {
                self.quit = Some(QuitPlan {
                    delete_session: self.session.id.clone(),
                })
            }
            _ => self.quit = Some(QuitPlan { delete_session: None }),
        }
    }
}

/// Code split at (row, column) of its lines: the text before and the text after.
fn split_lines(lines: &[String], row: usize, col: usize) -> (String, String) {
    let current = &lines[row];
    let split_at = current.char_indices().nth(col).map_or(current.len(), |(i, _)| i);
    let mut before: Vec<&str> = lines[..row].iter().map(String::as_str).collect();
    before.push(&current[..split_at]);
    let mut after = vec![&current[split_at..]];
    after.extend(lines[row + 1..].iter().map(String::as_str));
    (before.join("\n"), after.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_splits_at_a_character_not_a_byte() {
        let lines = ["a = 1".to_string(), "é = 'ü'".to_string(), "b".to_string()];
        assert_eq!(split_lines(&lines, 1, 5), ("a = 1\né = '".into(), "ü'\nb".into()));
        assert_eq!(split_lines(&lines, 0, 0), (String::new(), lines.join("\n")));
        assert_eq!(split_lines(&lines, 2, 99), (lines.join("\n"), String::new()));
    }
}
