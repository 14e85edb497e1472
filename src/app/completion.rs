//! Completion (Tab). Tab right after a name (or a `.`) in a code cell asks the session for
//! candidates ([`Effect::Complete`], answered by [`AppEvent::Completions`]) and typing goes on
//! meanwhile; the candidates show in a popup at the cursor. ↑↓ or Tab move in it, Enter
//! inserts, Esc closes, typing more of the name filters it here (no new request). A reply
//! for text that has changed since, or to an earlier Tab, is dropped. Tab at the start of a
//! line or after a space, in a markdown cell, or without a running session indents as before.
//!
//! [`AppEvent::Completions`]: super::AppEvent::Completions

use super::App;
use super::cell::Cell;
use super::editor_keys::editor_input;
use super::events::{CellId, Effect};
use crate::livy::{CompletionRequest, SessionKind};
use crate::notebook::split_magic;
use crate::output::sanitize::strip_all;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_textarea::{CursorMove, DataCursor};

/// Candidates kept from one reply (a server may offer thousands).
const MAX_CANDIDATES: usize = 500;

/// The completion state: the request waiting for its reply and the popup on screen.
#[derive(Debug, Default)]
pub struct Completion {
    /// Numbers the requests: only a reply to the last one is taken.
    last_seq: u64,
    /// What the last request asked about, until its reply comes.
    asked: Option<Asked>,
    /// The candidates on screen.
    popup: Option<Popup>,
    /// "completion needs a running session" has been said.
    told_no_session: bool,
}

impl Completion {
    /// Requests sent so far.
    pub fn requests(&self) -> u64 {
        self.last_seq
    }
}

/// The text a request was sent for: a reply for other text is dropped.
#[derive(Debug)]
struct Asked {
    seq: u64,
    cell: CellId,
    text: String,
    cursor: (usize, usize),
}

/// The candidates offered for the name being typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Popup {
    /// The cell being edited.
    pub cell: CellId,
    /// The line of the name…
    pub row: usize,
    /// …and the column (in characters) where it starts: a candidate replaces the name from
    /// here to the cursor.
    pub start: usize,
    /// What the server offered, each a replacement of the name.
    candidates: Vec<String>,
    /// The name when the reply came: until it changes, every candidate shows (a server may
    /// offer more than the names starting with it).
    asked_prefix: String,
    /// The name as typed now.
    prefix: String,
    /// The candidates that fit `prefix`, as indexes into `candidates`.
    shown: Vec<usize>,
    /// Which of `shown` is selected.
    selected: usize,
}

impl Popup {
    fn new(cell: CellId, row: usize, start: usize, candidates: Vec<String>, prefix: String) -> Popup {
        let mut popup = Popup {
            cell,
            row,
            start,
            candidates,
            asked_prefix: prefix.clone(),
            prefix,
            shown: Vec::new(),
            selected: 0,
        };
        popup.filter();
        popup
    }

    /// The candidates shown, in the server's order.
    pub fn shown(&self) -> impl ExactSizeIterator<Item = &str> {
        self.shown.iter().map(|&i| self.candidates[i].as_str())
    }

    /// The index of the selected one among [`Popup::shown`].
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The name typed so far.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Keeps the candidates that start with the name typed (ignoring case), the selection on
    /// the same candidate when it is still there.
    fn filter(&mut self) {
        let was = self.shown.get(self.selected).copied();
        let prefix = self.prefix.to_lowercase();
        let everything = self.prefix == self.asked_prefix;
        self.shown = (0..self.candidates.len())
            .filter(|&i| everything || self.candidates[i].to_lowercase().starts_with(&prefix))
            .collect();
        self.selected = was
            .and_then(|was| self.shown.iter().position(|&i| i == was))
            .unwrap_or(0);
    }

    fn step(&mut self, by: isize) {
        let n = self.shown.len() as isize;
        if n > 0 {
            self.selected = (self.selected as isize + by).rem_euclid(n) as usize;
        }
    }

    /// The popup still belongs to this cell as it is: the cursor on the name's line, after
    /// its start, with the name typed as the popup knows it.
    fn fits(&self, cell: &Cell) -> bool {
        let DataCursor(row, col) = cell.editor.cursor();
        cell.id == self.cell
            && row == self.row
            && col >= self.start
            && cell.editor.lines().get(row).is_some_and(|line| {
                let typed: String = line.chars().skip(self.start).take(col - self.start).collect();
                typed == self.prefix
            })
    }
}

/// A character of a name: Tab after one asks for completions, and typing one filters them.
pub fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The name (or dotted path) before column `col` of `line`, split after its last dot:
/// `("spark.", "ran")` for `x = spark.ran`.
fn word_before(line: &str, col: usize) -> (String, String) {
    let before: Vec<char> = line.chars().take(col).collect();
    let from = before
        .iter()
        .rposition(|c| !(is_name_char(*c) || *c == '.'))
        .map_or(0, |i| i + 1);
    let word: String = before[from..].iter().collect();
    match word.rfind('.') {
        Some(dot) => (word[..=dot].to_string(), word[dot + 1..].to_string()),
        None => (String::new(), word),
    }
}

/// The server's candidates as replacements of the name after `receiver`: Scala's are names
/// already, while Python's completer answers whole paths (`spark.range(`), which lose the
/// `receiver` typed before them. Control characters, blanks and repeats are dropped.
fn replacements(candidates: Vec<String>, receiver: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for candidate in candidates.into_iter().take(MAX_CANDIDATES) {
        let candidate = strip_all(&candidate);
        let name = match candidate.strip_prefix(receiver) {
            Some(rest) if !receiver.is_empty() => rest,
            _ => candidate.as_str(),
        };
        if name.trim().is_empty() || name.chars().any(char::is_control) || out.iter().any(|o| o == name) {
            continue;
        }
        out.push(name.to_string());
    }
    out
}

/// Where (`row`, `col`) is in `lines` joined by newlines, in UTF-16 code units: Livy hands
/// the cursor to the Scala completer as an index into a Java string.
fn utf16_offset(lines: &[String], row: usize, col: usize) -> usize {
    let above: usize = lines[..row].iter().map(|l| l.encode_utf16().count() + 1).sum();
    let within: usize = lines[row].chars().take(col).map(char::len_utf16).sum();
    above + within
}

impl App {
    /// The completion popup, while it still fits the cell being edited (a paste or a click
    /// may have moved on from it).
    pub fn completion_popup(&self) -> Option<&Popup> {
        let popup = self.completion.popup.as_ref()?;
        (self.notebook.editing && !self.log.focused && popup.fits(self.notebook.focused())).then_some(popup)
    }

    /// Tab while editing, and every key while the popup is open. `None`: the key is not for
    /// completion (it goes on to the commands and the editor).
    pub(super) fn completion_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        if self.completion_popup().is_none() {
            self.completion.popup = None;
        }
        let plain = !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        if self.completion.popup.is_none() {
            let tab = plain && key.code == KeyCode::Tab && !key.modifiers.contains(KeyModifiers::SHIFT);
            return if tab && self.notebook.editing && !self.log.focused {
                self.ask_completion()
            } else {
                None
            };
        }
        let popup = self.completion.popup.as_mut()?;
        match key.code {
            KeyCode::Down | KeyCode::Tab if plain => popup.step(1),
            KeyCode::Up | KeyCode::BackTab if plain => popup.step(-1),
            KeyCode::Enter if plain && !key.modifiers.contains(KeyModifiers::SHIFT) => self.insert_completion(),
            KeyCode::Esc => self.completion.popup = None,
            KeyCode::Char(c) if plain && is_name_char(c) => self.type_filtering(key),
            KeyCode::Backspace if plain => self.type_filtering(key),
            _ => {
                self.completion.popup = None;
                return None;
            }
        }
        Some(Vec::new())
    }

    /// Asks for the candidates at the cursor when it follows a name or a dot in a code cell
    /// of a running session; `None` (Tab indents) otherwise.
    fn ask_completion(&mut self) -> Option<Vec<Effect>> {
        let cell = self.notebook.focused();
        let DataCursor(row, col) = cell.editor.cursor();
        let before = col
            .checked_sub(1)
            .and_then(|i| cell.editor.lines()[row].chars().nth(i))?;
        if cell.is_text() || !(is_name_char(before) || before == '.') {
            return None;
        }
        let text = cell.code();
        let (code, kind) = cell.statement(self.notebook.kernel()).ok()?;
        // the code sent is the cell's without its magic line
        let magic_rows = usize::from(split_magic(&text).0.is_some());
        let code_row = row.checked_sub(magic_rows)?;
        let session = match (&self.session.id, self.session.accepts_statements()) {
            (Some(id), true) => id.clone(),
            _ => {
                if !std::mem::replace(&mut self.completion.told_no_session, true) {
                    self.say("completion needs a running session: Tab indents until then");
                }
                return None;
            }
        };
        let session_kind = self.session.kind.clone().filter(|k| *k != SessionKind::Shared);
        let request = CompletionRequest {
            cursor: utf16_offset(&cell.editor.lines()[magic_rows..], code_row, col),
            code,
            kind: kind.or(session_kind).unwrap_or_else(|| cell.runs_as()),
        };
        self.completion.last_seq += 1;
        let seq = self.completion.last_seq;
        self.completion.asked = Some(Asked {
            seq,
            cell: cell.id,
            text,
            cursor: (row, col),
        });
        self.completion.popup = None;
        Some(vec![Effect::Complete { seq, session, request }])
    }

    /// The session's answer to request `seq`: the popup, if the cell is still as it was when
    /// asked and the request is the last one.
    pub(super) fn completed(&mut self, seq: u64, result: Result<Vec<String>, String>) {
        let Some(asked) = self.completion.asked.take_if(|a| a.seq == seq) else {
            return;
        };
        let cell = self.notebook.focused();
        let unchanged = self.notebook.editing
            && !self.log.focused
            && cell.id == asked.cell
            && cell.editor.cursor() == asked.cursor
            && cell.code() == asked.text;
        if !unchanged {
            return;
        }
        let candidates = match result {
            Ok(candidates) => candidates,
            Err(e) => return self.complain(format!("completion failed: {e}")),
        };
        let (row, col) = asked.cursor;
        let (receiver, name) = word_before(&cell.editor.lines()[row], col);
        let candidates = replacements(candidates, &receiver);
        if candidates.is_empty() {
            return self.say(format!(
                "no completions for {}",
                strip_all(&format!("{receiver}{name}"))
            ));
        }
        let start = col - name.chars().count();
        self.completion.popup = Some(Popup::new(asked.cell, row, start, candidates, name));
    }

    /// Types a key into the editor with the popup open, then filters by the name as it now
    /// is; the popup closes when the cursor leaves the name or nothing fits.
    fn type_filtering(&mut self, key: KeyEvent) {
        if self.notebook.focused_mut().editor.input(editor_input(key)) {
            self.touch();
        }
        let Some(mut popup) = self.completion.popup.take() else {
            return;
        };
        let cell = self.notebook.focused();
        let DataCursor(row, col) = cell.editor.cursor();
        if row != popup.row || col < popup.start {
            return;
        }
        popup.prefix = cell.editor.lines()[row]
            .chars()
            .skip(popup.start)
            .take(col - popup.start)
            .collect();
        popup.filter();
        if !popup.shown.is_empty() {
            self.completion.popup = Some(popup);
        }
    }

    /// Replaces the name before the cursor with the selected candidate.
    fn insert_completion(&mut self) {
        let Some(popup) = self.completion.popup.take() else {
            return;
        };
        let Some(choice) = popup.shown().nth(popup.selected).map(str::to_string) else {
            return;
        };
        let editor = &mut self.notebook.focused_mut().editor;
        match choice.strip_prefix(popup.prefix.as_str()) {
            Some(rest) => {
                editor.insert_str(rest);
            }
            None => {
                let typed = popup.prefix.chars().count();
                for _ in 0..typed {
                    editor.move_cursor(CursorMove::Back);
                }
                editor.delete_str(typed);
                editor.insert_str(&choice);
            }
        }
        self.touch();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_before_the_cursor_splits_after_its_last_dot() {
        assert_eq!(word_before("x = spark.ran", 13), ("spark.".into(), "ran".into()));
        assert_eq!(word_before("x = spark.ran", 11), ("spark.".into(), "r".into()));
        assert_eq!(word_before("df.", 3), ("df.".into(), String::new()));
        assert_eq!(word_before("print(len", 9), (String::new(), "len".into()));
        assert_eq!(word_before("a.b.c", 5), ("a.b.".into(), "c".into()));
        assert_eq!(word_before("", 0), (String::new(), String::new()));
    }

    #[test]
    fn python_paths_lose_what_was_typed_before_the_name() {
        let offered = vec![
            "spark.range(".to_string(),
            "spark.read".to_string(),
            "spark.read".to_string(),
            "bad\u{1b}[31m".to_string(),
            " ".to_string(),
        ];
        assert_eq!(replacements(offered, "spark."), ["range(", "read", "bad"]);
        // Scala's candidates are names already
        assert_eq!(replacements(vec!["range".into()], "spark."), ["range"]);
        assert_eq!(replacements(vec!["print(".into()], ""), ["print("]);
        assert_eq!(replacements(vec!["x".into(); 2 * MAX_CANDIDATES], "").len(), 1);
    }

    #[test]
    fn the_cursor_counts_utf16_units_across_lines() {
        let lines = vec!["é😀".to_string(), "ab".to_string()];
        assert_eq!(utf16_offset(&lines, 0, 2), 3, "😀 is two UTF-16 units");
        assert_eq!(utf16_offset(&lines, 1, 1), 5, "the newline counts");
    }

    #[test]
    fn typing_filters_ignoring_case_and_keeps_the_selection() {
        let candidates = vec!["range".into(), "read".into(), "Range2".into(), "sql".into()];
        let mut popup = Popup::new(CellId(1), 0, 6, candidates, "r".into());
        assert_eq!(popup.shown().count(), 4, "the server's answer shows whole");
        popup.step(2);
        popup.prefix = "ra".into();
        popup.filter();
        assert_eq!(popup.shown().collect::<Vec<_>>(), ["range", "Range2"]);
        assert_eq!(popup.selected(), 1, "Range2 stays selected");
        popup.step(1);
        assert_eq!(popup.selected(), 0, "moving wraps around");
        popup.step(-1);
        assert_eq!(popup.selected(), 1);
        popup.prefix = "x".into();
        popup.filter();
        assert_eq!(popup.shown().count(), 0);
    }
}
