//! The code editor's own keys (tui-textarea's emacs-style defaults), checked against what
//! users type: a line feed is Enter, not "delete to the start of the line". The keys kept
//! are listed in the help from [`EDITOR_KEYS`]; [`editor_input`] makes the changes. Tab
//! completion and its popup's keys are in `completion.rs`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_textarea::{Input, Key as EditorKey};

/// The editor keys the help lists (commands bound to the same keys win over them).
pub const EDITOR_KEYS: &[(&str, &str)] = &[
    (
        "Enter / Ctrl+J / Ctrl+M",
        "new line (Ctrl+J is the line feed some terminals send)",
    ),
    ("Tab (list: ↑↓ Enter Esc)", "complete after a name or '.'; else indent"),
    ("Backspace / Ctrl+H", "delete the character before the cursor"),
    ("Delete / Ctrl+D", "delete the character under the cursor"),
    ("Ctrl+W / Alt+Backspace", "delete the word before the cursor"),
    ("Alt+D / Alt+Delete", "delete the word after the cursor"),
    ("Ctrl+K", "delete to the end of the line"),
    ("Ctrl+U / Alt+U", "undo / redo (Ctrl+R runs the cell)"),
    ("Ctrl+X / Ctrl+Y", "cut the selection / paste what was cut or deleted"),
    ("Shift+arrows", "select"),
    ("Ctrl+A / Home, End", "start / end of the line"),
    ("Ctrl+←/→, Alt+B/F", "word left / right"),
    ("Ctrl+↑/↓", "paragraph up / down"),
    ("Alt+< / Alt+>", "top / bottom of the cell"),
    ("Ctrl+B/F/P/N", "left / right / up / down"),
    ("PgUp / PgDn", "scroll the code a page"),
];

/// The editor input for a key press, with the defaults that surprise users changed:
/// Ctrl+J (a line feed: Enter on some terminals and ssh clients, and inside pastes) inserts
/// a new line instead of deleting to the start of the line; Alt+U redoes (the editor's
/// Ctrl+R is taken by "run and advance"); Ctrl+V, which users press to paste, pastes what
/// was cut (the terminal's own paste arrives as a paste event) instead of paging down.
pub fn editor_input(key: KeyEvent) -> Input {
    let ctrl_only = key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT) == KeyModifiers::CONTROL;
    let alt_only = key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT) == KeyModifiers::ALT;
    let replaced = match key.code {
        KeyCode::Char('j') if ctrl_only => Some(plain(EditorKey::Enter)),
        KeyCode::Char('v') if ctrl_only => Some(ctrl(EditorKey::Char('y'))),
        KeyCode::Char('u') if alt_only => Some(ctrl(EditorKey::Char('r'))),
        _ => None,
    };
    replaced.unwrap_or_else(|| Input::from(key))
}

fn plain(key: EditorKey) -> Input {
    Input {
        key,
        ctrl: false,
        alt: false,
        shift: false,
    }
}

fn ctrl(key: EditorKey) -> Input {
    Input {
        ctrl: true,
        ..plain(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tui_textarea::TextArea;

    fn typed(keys: &[KeyEvent]) -> Vec<String> {
        let mut editor = TextArea::default();
        for key in keys {
            editor.input(editor_input(*key));
        }
        editor.lines().to_vec()
    }

    fn ch(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn with(c: char, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), modifiers)
    }

    #[test]
    fn a_line_feed_is_a_new_line() {
        let keys = [ch('a'), ch('b'), with('j', KeyModifiers::CONTROL), ch('c')];
        assert_eq!(typed(&keys), vec!["ab", "c"]);
    }

    #[test]
    fn alt_u_redoes_what_ctrl_u_undid() {
        let keys = [ch('a'), with('u', KeyModifiers::CONTROL)];
        assert_eq!(typed(&keys), vec![""]);
        let keys = [ch('a'), with('u', KeyModifiers::CONTROL), with('u', KeyModifiers::ALT)];
        assert_eq!(typed(&keys), vec!["a"]);
    }

    #[test]
    fn ctrl_v_pastes_what_was_cut() {
        let keys = [
            ch('a'),
            ch('b'),
            with('w', KeyModifiers::CONTROL),
            with('v', KeyModifiers::CONTROL),
        ];
        assert_eq!(typed(&keys), vec!["ab"]);
    }
}
