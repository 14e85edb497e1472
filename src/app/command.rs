//! Everything a key can do, in one table: each command's config name, where it works, its
//! default keys and its help line. The enum, the default keymap, the help overlay and the
//! config file's `[keys]` names all come from this table, so they cannot drift apart.

use std::fmt;

/// Where a command works.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Everywhere, also while editing a cell (through keys that do not type text).
    Global,
    /// Moving between cells (not editing).
    Cells,
}

/// Declares the commands from one table: `Variant, "config-name", Scope, [default keys], "help"`.
macro_rules! commands {
    ($($variant:ident, $name:literal, $scope:ident, [$($key:literal),*], $help:literal;)*) => {
        /// A user-level command.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command {
            $($variant,)*
        }

        impl Command {
            /// Every command, in the order the help lists them.
            pub const ALL: &'static [Command] = &[$(Command::$variant,)*];

            /// The name used in the config file (`run-cell = ["ctrl-e"]`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Command::$variant => $name,)*
                }
            }

            /// What it does, for the help overlay.
            pub fn description(self) -> &'static str {
                match self {
                    $(Command::$variant => $help,)*
                }
            }

            /// Where it works.
            pub fn scope(self) -> Scope {
                match self {
                    $(Command::$variant => Scope::$scope,)*
                }
            }

            /// Its keys when the config file does not set them, as the config writes keys.
            pub fn default_keys(self) -> &'static [&'static str] {
                match self {
                    $(Command::$variant => &[$($key),*],)*
                }
            }
        }
    };
}

commands! {
    RunCell, "run-cell", Global, ["ctrl-e", "ctrl-enter", "r"], "run the cell";
    RunAndAdvance, "run-and-advance", Global, ["ctrl-r", "shift-enter"], "run the cell and go to the next";
    RunAndInsertBelow, "run-and-insert-below", Global, ["alt-enter"], "run the cell and add one below";
    RunAll, "run-all", Cells, ["R"], "run all cells";
    RunAllAbove, "run-all-above", Cells, ["U"], "run all cells above this one";
    CancelRunning, "cancel", Global, ["ctrl-c"], "cancel the running statement";
    CancelAll, "cancel-all", Cells, ["I"], "cancel the running statement and everything queued";
    EditCell, "edit-cell", Cells, ["enter", "i"], "edit the cell";
    LeaveEdit, "leave-edit", Global, ["esc"], "stop editing (command mode)";
    FocusPrevious, "previous-cell", Cells, ["up", "k"], "previous cell";
    FocusNext, "next-cell", Cells, ["down", "j"], "next cell";
    FocusFirst, "first-cell", Cells, ["home", "g"], "first cell";
    FocusLast, "last-cell", Cells, ["end", "G"], "last cell";
    InsertAbove, "insert-above", Cells, ["a"], "add a cell above";
    InsertBelow, "insert-below", Cells, ["b"], "add a cell below";
    DeleteCell, "delete-cell", Cells, ["x"], "delete the cell";
    UndoDelete, "undo-delete", Cells, ["z"], "bring back the last deleted cell";
    MoveCellUp, "move-cell-up", Cells, ["K"], "move the cell up";
    MoveCellDown, "move-cell-down", Cells, ["J"], "move the cell down";
    SplitCell, "split-cell", Cells, ["s"], "split the cell at the cursor";
    MergeBelow, "merge-below", Cells, ["M"], "merge the cell below into this one";
    KindSpark, "kind-spark", Cells, ["1"], "make it a Scala (spark) cell";
    KindPySpark, "kind-pyspark", Cells, ["2"], "make it a Python (pyspark) cell";
    KindSparkR, "kind-sparkr", Cells, ["3"], "make it an R (sparkr) cell";
    KindSql, "kind-sql", Cells, ["4"], "make it a SQL cell";
    CycleKind, "cycle-kind", Cells, ["t"], "next kind";
    ToggleOutput, "toggle-output", Cells, ["o"], "fold or unfold a traceback or the selected JSON node";
    ScrollOutputUp, "scroll-output-up", Cells, ["["], "scroll the output up";
    ScrollOutputDown, "scroll-output-down", Cells, ["]"], "scroll the output down";
    ScrollOutputLeft, "scroll-output-left", Cells, ["left", "<"], "scroll a table left";
    ScrollOutputRight, "scroll-output-right", Cells, ["right", ">"], "scroll a table right";
    PageOutputUp, "page-output-up", Cells, ["pageup"], "scroll the output up a page";
    PageOutputDown, "page-output-down", Cells, ["pagedown"], "scroll the output down a page";
    CycleMime, "cycle-output-type", Cells, ["m"], "show the output as its next type (table, JSON, text…)";
    ExpandAll, "expand-all", Cells, ["O"], "JSON: expand everything, or collapse it again";
    ToggleRaw, "toggle-raw", Cells, ["v"], "JSON: switch between the tree and the raw pretty text";
    CopyOutput, "copy-output", Cells, ["y"], "copy the output (a table as TSV) to the clipboard, over ssh too";
    InspectValue, "inspect-value", Cells, ["space"], "show the selected table cell or JSON value whole";
    CopyValue, "copy-value", Cells, ["Y"], "copy the selected table cell or JSON value";
    WidenColumn, "widen-column", Cells, ["}"], "table: widen the selected column";
    NarrowColumn, "narrow-column", Cells, ["{"], "table: narrow the selected column";
    ExportCsv, "export-csv", Cells, ["e"], "save a table as CSV in the working directory";
    ExportJsonLines, "export-json-lines", Cells, ["E"], "save a table as JSON lines in the working directory";
    Search, "search", Cells, ["/"], "search code and outputs";
    SearchNext, "search-next", Cells, ["n"], "next match";
    SearchPrevious, "search-previous", Cells, ["N"], "previous match";
    ToggleLog, "toggle-log", Cells, ["l"], "show or hide the session log";
    FocusLog, "focus-log", Cells, ["L"], "scroll and search the session log";
    GrowLog, "grow-log", Cells, ["+"], "make the log pane taller";
    ShrinkLog, "shrink-log", Cells, ["-"], "make the log pane shorter";
    RecreateSession, "new-session", Cells, ["ctrl-n"], "start a new session with the same settings";
    Help, "help", Global, ["f1", "?"], "this help";
    Quit, "quit", Global, ["ctrl-q"], "quit";
    Save, "save", Global, ["ctrl-s"], "save the notebook (asks for a name the first time)";
    SaveAs, "save-as", Global, ["alt-s"], "save the notebook under another name (.ipynb, or .py .scala .r .sql)";
    MakeMarkdown, "make-markdown", Cells, ["5"], "make the cell markdown (text, not run); 1–4 make it code again";
    SessionsPane, "sessions-pane", Cells, ["S"], "the server's sessions: attach the notebook, kill, start one, read a log";
    BatchesPane, "batches-pane", Cells, ["B"], "the server's batches: follow a log, kill, submit one";
}

impl Command {
    /// Looks a command up by its config name.
    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.iter().copied().find(|c| c.name() == name)
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
    use crate::app::keymap::Key;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut names: Vec<_> = Command::ALL.iter().map(|c| c.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Command::ALL.len());
        for c in Command::ALL {
            assert_eq!(Command::from_name(c.name()), Some(*c));
        }
    }

    #[test]
    fn every_command_has_a_name_a_help_line_a_scope_and_a_key() {
        for c in Command::ALL {
            let name = c.name();
            assert!(
                !name.is_empty() && name.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'),
                "{c:?}: config names are kebab-case"
            );
            assert!(c.description().len() > 3, "{c:?} has no help line");
            assert!(!c.default_keys().is_empty(), "{c:?} has no default key");
            for key in c.default_keys() {
                let parsed = Key::parse(key).unwrap_or_else(|e| panic!("{c:?}: {e}"));
                if c.scope() == Scope::Global && parsed.types_text() {
                    // a global command needs a key that works while editing, too
                    assert!(
                        c.default_keys()
                            .iter()
                            .any(|k| Key::parse(k).is_ok_and(|k| !k.types_text())),
                        "{c:?} is global but every key of it types text"
                    );
                }
            }
        }
    }

    #[test]
    fn no_key_is_the_default_of_two_commands() {
        let mut seen = std::collections::HashMap::new();
        for c in Command::ALL {
            for key in c.default_keys() {
                let key = Key::parse(key).unwrap();
                if let Some(other) = seen.insert(key, *c) {
                    panic!("{key} is the default of {other} and {c}");
                }
            }
        }
    }
}
