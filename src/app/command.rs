//! Everything a key can do. Keys map to commands (see `keymap`), so bindings can be changed
//! in the config and the help overlay is generated from the live keymap.

use std::fmt;

/// A user-level command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    RunCell,
    RunAndAdvance,
    RunAndInsertBelow,
    RunAll,
    RunAllAbove,
    CancelRunning,
    CancelAll,
    EditCell,
    LeaveEdit,
    FocusPrevious,
    FocusNext,
    FocusFirst,
    FocusLast,
    InsertAbove,
    InsertBelow,
    DeleteCell,
    UndoDelete,
    MoveCellUp,
    MoveCellDown,
    SplitCell,
    MergeBelow,
    KindSpark,
    KindPySpark,
    KindSparkR,
    KindSql,
    CycleKind,
    ToggleOutput,
    ScrollOutputUp,
    ScrollOutputDown,
    ScrollOutputLeft,
    ScrollOutputRight,
    PageOutputUp,
    PageOutputDown,
    CycleMime,
    ExpandAll,
    ToggleRaw,
    CopyOutput,
    InspectValue,
    CopyValue,
    WidenColumn,
    NarrowColumn,
    ExportCsv,
    ExportJsonLines,
    Search,
    SearchNext,
    SearchPrevious,
    ToggleLog,
    FocusLog,
    GrowLog,
    ShrinkLog,
    RecreateSession,
    Help,
    Quit,
}

impl Command {
    /// Every command, in the order the help lists them.
    pub const ALL: [Command; 53] = [
        Command::RunCell,
        Command::RunAndAdvance,
        Command::RunAndInsertBelow,
        Command::RunAll,
        Command::RunAllAbove,
        Command::CancelRunning,
        Command::CancelAll,
        Command::EditCell,
        Command::LeaveEdit,
        Command::FocusPrevious,
        Command::FocusNext,
        Command::FocusFirst,
        Command::FocusLast,
        Command::InsertAbove,
        Command::InsertBelow,
        Command::DeleteCell,
        Command::UndoDelete,
        Command::MoveCellUp,
        Command::MoveCellDown,
        Command::SplitCell,
        Command::MergeBelow,
        Command::KindSpark,
        Command::KindPySpark,
        Command::KindSparkR,
        Command::KindSql,
        Command::CycleKind,
        Command::ToggleOutput,
        Command::ScrollOutputUp,
        Command::ScrollOutputDown,
        Command::ScrollOutputLeft,
        Command::ScrollOutputRight,
        Command::PageOutputUp,
        Command::PageOutputDown,
        Command::CycleMime,
        Command::ExpandAll,
        Command::ToggleRaw,
        Command::CopyOutput,
        Command::InspectValue,
        Command::CopyValue,
        Command::WidenColumn,
        Command::NarrowColumn,
        Command::ExportCsv,
        Command::ExportJsonLines,
        Command::Search,
        Command::SearchNext,
        Command::SearchPrevious,
        Command::ToggleLog,
        Command::FocusLog,
        Command::GrowLog,
        Command::ShrinkLog,
        Command::RecreateSession,
        Command::Help,
        Command::Quit,
    ];

    /// The name used in the config file (`run-cell = ["ctrl-e"]`).
    pub fn name(self) -> &'static str {
        match self {
            Command::RunCell => "run-cell",
            Command::RunAndAdvance => "run-and-advance",
            Command::RunAndInsertBelow => "run-and-insert-below",
            Command::RunAll => "run-all",
            Command::RunAllAbove => "run-all-above",
            Command::CancelRunning => "cancel",
            Command::CancelAll => "cancel-all",
            Command::EditCell => "edit-cell",
            Command::LeaveEdit => "leave-edit",
            Command::FocusPrevious => "previous-cell",
            Command::FocusNext => "next-cell",
            Command::FocusFirst => "first-cell",
            Command::FocusLast => "last-cell",
            Command::InsertAbove => "insert-above",
            Command::InsertBelow => "insert-below",
            Command::DeleteCell => "delete-cell",
            Command::UndoDelete => "undo-delete",
            Command::MoveCellUp => "move-cell-up",
            Command::MoveCellDown => "move-cell-down",
            Command::SplitCell => "split-cell",
            Command::MergeBelow => "merge-below",
            Command::KindSpark => "kind-spark",
            Command::KindPySpark => "kind-pyspark",
            Command::KindSparkR => "kind-sparkr",
            Command::KindSql => "kind-sql",
            Command::CycleKind => "cycle-kind",
            Command::ToggleOutput => "toggle-output",
            Command::ScrollOutputUp => "scroll-output-up",
            Command::ScrollOutputDown => "scroll-output-down",
            Command::ScrollOutputLeft => "scroll-output-left",
            Command::ScrollOutputRight => "scroll-output-right",
            Command::PageOutputUp => "page-output-up",
            Command::PageOutputDown => "page-output-down",
            Command::CycleMime => "cycle-output-type",
            Command::ExpandAll => "expand-all",
            Command::ToggleRaw => "toggle-raw",
            Command::CopyOutput => "copy-output",
            Command::InspectValue => "inspect-value",
            Command::CopyValue => "copy-value",
            Command::WidenColumn => "widen-column",
            Command::NarrowColumn => "narrow-column",
            Command::ExportCsv => "export-csv",
            Command::ExportJsonLines => "export-json-lines",
            Command::Search => "search",
            Command::SearchNext => "search-next",
            Command::SearchPrevious => "search-previous",
            Command::ToggleLog => "toggle-log",
            Command::FocusLog => "focus-log",
            Command::GrowLog => "grow-log",
            Command::ShrinkLog => "shrink-log",
            Command::RecreateSession => "new-session",
            Command::Help => "help",
            Command::Quit => "quit",
        }
    }

    /// What it does, for the help overlay.
    pub fn description(self) -> &'static str {
        match self {
            Command::RunCell => "run the cell",
            Command::RunAndAdvance => "run the cell and go to the next",
            Command::RunAndInsertBelow => "run the cell and add one below",
            Command::RunAll => "run all cells",
            Command::RunAllAbove => "run all cells above this one",
            Command::CancelRunning => "cancel the running statement",
            Command::CancelAll => "cancel the running statement and everything queued",
            Command::EditCell => "edit the cell",
            Command::LeaveEdit => "stop editing (command mode)",
            Command::FocusPrevious => "previous cell",
            Command::FocusNext => "next cell",
            Command::FocusFirst => "first cell",
            Command::FocusLast => "last cell",
            Command::InsertAbove => "add a cell above",
            Command::InsertBelow => "add a cell below",
            Command::DeleteCell => "delete the cell",
            Command::UndoDelete => "bring back the last deleted cell",
            Command::MoveCellUp => "move the cell up",
            Command::MoveCellDown => "move the cell down",
            Command::SplitCell => "split the cell at the cursor",
            Command::MergeBelow => "merge the cell below into this one",
            Command::KindSpark => "make it a Scala (spark) cell",
            Command::KindPySpark => "make it a Python (pyspark) cell",
            Command::KindSparkR => "make it an R (sparkr) cell",
            Command::KindSql => "make it a SQL cell",
            Command::CycleKind => "next kind",
            Command::ToggleOutput => "fold or unfold a traceback or the selected JSON node",
            Command::ScrollOutputUp => "scroll the output up",
            Command::ScrollOutputDown => "scroll the output down",
            Command::ScrollOutputLeft => "scroll a table left",
            Command::ScrollOutputRight => "scroll a table right",
            Command::PageOutputUp => "scroll the output up a page",
            Command::PageOutputDown => "scroll the output down a page",
            Command::CycleMime => "show the output as its next type (table, JSON, text…)",
            Command::ExpandAll => "JSON: expand everything, or collapse it again",
            Command::ToggleRaw => "JSON: switch between the tree and the raw pretty text",
            Command::CopyOutput => "copy the output (a table as TSV) to the clipboard, over ssh too",
            Command::InspectValue => "show the selected table cell or JSON value whole",
            Command::CopyValue => "copy the selected table cell or JSON value",
            Command::WidenColumn => "table: widen the selected column",
            Command::NarrowColumn => "table: narrow the selected column",
            Command::ExportCsv => "save a table as CSV in the working directory",
            Command::ExportJsonLines => "save a table as JSON lines in the working directory",
            Command::Search => "search code and outputs",
            Command::SearchNext => "next match",
            Command::SearchPrevious => "previous match",
            Command::ToggleLog => "show or hide the session log",
            Command::FocusLog => "scroll and search the session log",
            Command::GrowLog => "make the log pane taller",
            Command::ShrinkLog => "make the log pane shorter",
            Command::RecreateSession => "start a new session with the same settings",
            Command::Help => "this help",
            Command::Quit => "quit",
        }
    }

    /// Looks a command up by its config name.
    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut names: Vec<_> = Command::ALL.iter().map(|c| c.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Command::ALL.len());
        for c in Command::ALL {
            assert_eq!(Command::from_name(c.name()), Some(c));
        }
    }
}
