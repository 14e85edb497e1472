//! Key bindings: which key runs which command in which mode. Defaults work in every
//! terminal (modified Enter keys need the keyboard-enhancement protocol, which tmux and
//! many terminals lack, so every such binding has a Ctrl-letter fallback).

use super::command::{Command, Scope};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// A key with its modifiers, as written in the config (`ctrl-e`, `shift-enter`, `a`, `f1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    /// A key from an event, normalised so `Shift+a` and `A` are the same key.
    pub fn from_event(event: &KeyEvent) -> Key {
        let mut modifiers = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match event.code {
            KeyCode::Char(c) if c.is_ascii_uppercase() => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c)
            }
            KeyCode::Char(c) if modifiers.contains(KeyModifiers::SHIFT) && !c.is_ascii_alphabetic() => {
                // Terminals report `?` as Shift+`?`; the shifted character is the key.
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c)
            }
            KeyCode::BackTab => {
                modifiers.insert(KeyModifiers::SHIFT);
                KeyCode::Tab
            }
            other => other,
        };
        Key { code, modifiers }
    }

    /// Keys that type or move in the code editor (plain and shifted characters, Enter, Tab,
    /// Backspace, Delete, arrows, Home/End, PgUp/PgDn): while editing they always reach the
    /// editor, whatever they are bound to.
    pub fn types_text(&self) -> bool {
        if self.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
            return false;
        }
        match self.code {
            KeyCode::Enter => !self.modifiers.contains(KeyModifiers::SHIFT),
            KeyCode::Char(_)
            | KeyCode::Tab
            | KeyCode::Backspace
            | KeyCode::Delete
            | KeyCode::Up
            | KeyCode::Down
            | KeyCode::Left
            | KeyCode::Right
            | KeyCode::Home
            | KeyCode::End
            | KeyCode::PageUp
            | KeyCode::PageDown => true,
            _ => false,
        }
    }

    /// Parses `ctrl-e`, `shift-enter`, `alt-x`, `f1`, `pageup`, `A`, `?`.
    pub fn parse(text: &str) -> Result<Key, KeyError> {
        let (modifiers, rest) = split_modifiers(text.trim());
        let code = key_code(rest, modifiers).ok_or_else(|| KeyError::Unknown(text.to_string()))?;
        Ok(Key::from_event(&KeyEvent::new(code, modifiers)))
    }
}

/// Why a key, as the config writes keys, cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Neither a key's name nor one character.
    #[error("unknown key {0:?} (examples: ctrl-e, shift-enter, f1, a, ?)")]
    Unknown(String),
}

/// The leading `ctrl-`, `alt-` and `shift-` (any case), and what follows them. A prefix
/// with nothing after it is the key itself (`ctrl-` is not a modifier alone).
fn split_modifiers(text: &str) -> (KeyModifiers, &str) {
    let mut modifiers = KeyModifiers::NONE;
    let mut rest = text;
    loop {
        let lower = rest.to_ascii_lowercase();
        let (m, len) = if lower.starts_with("ctrl-") {
            (KeyModifiers::CONTROL, 5)
        } else if lower.starts_with("alt-") {
            (KeyModifiers::ALT, 4)
        } else if lower.starts_with("shift-") {
            (KeyModifiers::SHIFT, 6)
        } else {
            break;
        };
        if rest.len() == len {
            break;
        }
        modifiers |= m;
        rest = &rest[len..];
    }
    (modifiers, rest)
}

/// The key a name (`enter`, `pageup`, `f5`) or a character stands for; with Ctrl or Alt a
/// letter is lower case.
fn key_code(name: &str, modifiers: KeyModifiers) -> Option<KeyCode> {
    let code = match name.to_ascii_lowercase().as_str() {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "space" => KeyCode::Char(' '),
        f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) => {
            KeyCode::F(f[1..].parse().unwrap_or(1))
        }
        _ => {
            let mut chars = name.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else {
                return None;
            };
            if modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
                KeyCode::Char(c.to_ascii_lowercase())
            } else {
                KeyCode::Char(c)
            }
        }
    };
    Some(code)
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl+")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("Alt+")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift+")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.modifiers.contains(KeyModifiers::CONTROL) => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// The key bindings: each key runs at most one command.
#[derive(Clone, Debug)]
pub struct Keymap {
    bindings: HashMap<Key, Command>,
}

/// A mistake in the `[keys]` table of the config file.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KeymapError {
    #[error("[keys] has no command {0:?} (see the help overlay, F1, for the names)")]
    UnknownCommand(String),
    #[error("[keys] {command}: {error}")]
    BadKey { command: String, error: KeyError },
    #[error("[keys] gives {key} to both {first} and {second}: a key runs one command")]
    KeyTwice { key: Key, first: Command, second: Command },
}

impl Default for Keymap {
    fn default() -> Self {
        let mut bindings = HashMap::new();
        for command in Command::ALL {
            for key in command.default_keys() {
                // The defaults are fixed strings checked by a test.
                if let Ok(key) = Key::parse(key) {
                    bindings.insert(key, *command);
                }
            }
        }
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults with the config file's `[keys]` table applied: a command named there
    /// gets exactly the keys listed. A key taken from another command's defaults is moved,
    /// and the returned notes say so (the app shows them), so no binding is lost silently.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<(Keymap, Vec<String>), KeymapError> {
        let mut wanted: Vec<(Command, Vec<Key>)> = Vec::new();
        let mut claimed: HashMap<Key, Command> = HashMap::new();
        for (name, keys) in overrides {
            let command = Command::from_name(name).ok_or_else(|| KeymapError::UnknownCommand(name.clone()))?;
            let mut parsed = Vec::new();
            for text in keys {
                let key = Key::parse(text).map_err(|error| KeymapError::BadKey {
                    command: name.clone(),
                    error,
                })?;
                if let Some(first) = claimed.insert(key, command)
                    && first != command
                {
                    return Err(KeymapError::KeyTwice {
                        key,
                        first,
                        second: command,
                    });
                }
                parsed.push(key);
            }
            wanted.push((command, parsed));
        }
        let mut map = Keymap::default();
        for (command, _) in &wanted {
            map.bindings.retain(|_, c| c != command);
        }
        let mut notes = Vec::new();
        for (command, keys) in wanted {
            for key in keys {
                if let Some(loser) = map.bindings.insert(key, command) {
                    let left = map.keys_for(loser, false);
                    let rest = if left.is_empty() {
                        format!("{loser} has no key now")
                    } else {
                        format!("{loser} keeps {}", join_keys(&left))
                    };
                    notes.push(format!("[keys] {key} now runs {command} ({rest})"));
                }
                if command.scope() == Scope::Global && key.types_text() {
                    notes.push(format!(
                        "[keys] {key} types text: it runs {command} only outside a cell"
                    ));
                }
            }
        }
        Ok((map, notes))
    }

    /// The command for a key press. While editing, only global commands run, and only
    /// through keys that do not type text: a letter, Enter or an arrow goes to the code.
    pub fn lookup(&self, event: &KeyEvent, editing: bool) -> Option<Command> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let key = Key::from_event(event);
        let command = *self.bindings.get(&key)?;
        if editing && (command.scope() != Scope::Global || key.types_text()) {
            return None;
        }
        Some(command)
    }

    /// The keys bound to a command (those that work while editing, when `editing`), in the
    /// order of its defaults, then the config's.
    pub fn keys_for(&self, command: Command, editing: bool) -> Vec<Key> {
        let mut keys: Vec<Key> = self
            .bindings
            .iter()
            .filter(|(k, c)| **c == command && !(editing && k.types_text()))
            .map(|(k, _)| *k)
            .collect();
        let rank = |k: &Key| {
            command
                .default_keys()
                .iter()
                .position(|d| Key::parse(d).as_ref() == Ok(k))
                .unwrap_or(usize::MAX)
        };
        keys.sort_by_key(|k| (rank(k), k.to_string()));
        keys
    }

    /// Help rows, commands first, then the editor's own keys: keys, what they do, where.
    pub fn help_rows(&self) -> Vec<HelpRow> {
        // A global command's typing keys work only outside a cell: a row of their own.
        let commands = Command::ALL.iter().flat_map(|c| {
            let (text, other): (Vec<Key>, Vec<Key>) = self.keys_for(*c, false).into_iter().partition(Key::types_text);
            let anywhere = c.scope() == Scope::Global;
            let row = |keys: &[Key], place| HelpRow {
                keys: join_keys(keys),
                does: c.description().to_string(),
                place,
            };
            let mut rows = Vec::new();
            match (anywhere, other.is_empty()) {
                (true, false) => {
                    rows.push(row(&other, "anywhere"));
                    if !text.is_empty() {
                        rows.push(row(&text, "cells"));
                    }
                }
                _ => {
                    let all: Vec<Key> = other.into_iter().chain(text).collect();
                    if !all.is_empty() {
                        rows.push(row(&all, "cells"));
                    }
                }
            }
            rows
        });
        let editor = super::editor_keys::EDITOR_KEYS.iter().map(|(keys, does)| HelpRow {
            keys: keys.to_string(),
            does: does.to_string(),
            place: "editing",
        });
        commands.chain(editor).collect()
    }
}

/// One line of the help overlay.
#[derive(Clone, Debug, PartialEq)]
pub struct HelpRow {
    pub keys: String,
    pub does: String,
    /// "anywhere", "cells" or "editing".
    pub place: &'static str,
}

fn join_keys(keys: &[Key]) -> String {
    keys.iter().map(Key::to_string).collect::<Vec<_>>().join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn overrides(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(c, keys)| (c.to_string(), keys.iter().map(|k| k.to_string()).collect()))
            .collect()
    }

    #[test]
    fn defaults_have_ctrl_fallbacks_that_work_while_editing() {
        let map = Keymap::default();
        let ctrl = |c| press(KeyCode::Char(c), KeyModifiers::CONTROL);
        assert_eq!(map.lookup(&ctrl('e'), true), Some(Command::RunCell));
        assert_eq!(map.lookup(&ctrl('r'), true), Some(Command::RunAndAdvance));
        assert_eq!(map.lookup(&ctrl('c'), true), Some(Command::CancelRunning));
        assert_eq!(map.lookup(&ctrl('q'), true), Some(Command::Quit));
        assert_eq!(
            map.lookup(&press(KeyCode::Esc, KeyModifiers::NONE), true),
            Some(Command::LeaveEdit)
        );
    }

    #[test]
    fn keys_that_type_never_run_commands_while_editing() {
        let map = Keymap::default();
        let a = press(KeyCode::Char('a'), KeyModifiers::NONE);
        assert_eq!(map.lookup(&a, false), Some(Command::InsertAbove));
        assert_eq!(map.lookup(&a, true), None);
        // `r` and `?` belong to global commands, but they are text while editing
        assert_eq!(map.lookup(&press(KeyCode::Char('r'), KeyModifiers::NONE), true), None);
        assert_eq!(map.lookup(&press(KeyCode::Char('?'), KeyModifiers::SHIFT), true), None);
        assert_eq!(
            map.lookup(&press(KeyCode::F(1), KeyModifiers::NONE), true),
            Some(Command::Help)
        );
    }

    #[test]
    fn shifted_letters_and_symbols_normalise() {
        let map = Keymap::default();
        assert_eq!(
            map.lookup(&press(KeyCode::Char('R'), KeyModifiers::SHIFT), false),
            Some(Command::RunAll)
        );
        assert_eq!(
            map.lookup(&press(KeyCode::Char('?'), KeyModifiers::SHIFT), false),
            Some(Command::Help)
        );
        assert_eq!(Key::parse("shift-enter").unwrap().to_string(), "Shift+Enter");
        assert_eq!(Key::parse("ctrl-E").unwrap().to_string(), "Ctrl+E");
        assert!(Key::parse("hyper-x").is_err());
    }

    #[test]
    fn an_unknown_key_says_what_keys_look_like() {
        assert_eq!(Key::parse(" hyper-x "), Err(KeyError::Unknown(" hyper-x ".into())));
        assert_eq!(Key::parse(""), Err(KeyError::Unknown(String::new())));
        assert_eq!(Key::parse("f25"), Err(KeyError::Unknown("f25".into())));
        assert_eq!(
            KeyError::Unknown("pgup".into()).to_string(),
            "unknown key \"pgup\" (examples: ctrl-e, shift-enter, f1, a, ?)"
        );
        assert_eq!(Key::parse("ctrl-").unwrap_err(), KeyError::Unknown("ctrl-".into()));
        assert_eq!(Key::parse("alt-ctrl-X").unwrap().to_string(), "Ctrl+Alt+X");
    }

    #[test]
    fn rebinding_replaces_the_defaults_of_that_command() {
        let (map, notes) = Keymap::with_overrides(&overrides(&[("run-cell", &["f5"])])).unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(
            map.lookup(&press(KeyCode::F(5), KeyModifiers::NONE), true),
            Some(Command::RunCell)
        );
        assert_eq!(
            map.lookup(&press(KeyCode::Char('e'), KeyModifiers::CONTROL), true),
            None
        );
        assert!(
            map.help_rows()
                .iter()
                .any(|r| r.does == "run the cell" && r.keys == "F5" && r.place == "anywhere")
        );
    }

    #[test]
    fn a_taken_key_is_moved_and_said() {
        let (map, notes) = Keymap::with_overrides(&overrides(&[("insert-below", &["b", "o"])])).unwrap();
        let o = press(KeyCode::Char('o'), KeyModifiers::NONE);
        assert_eq!(map.lookup(&o, false), Some(Command::InsertBelow));
        assert_eq!(map.lookup(&o, true), None, "still text while editing");
        assert_eq!(
            notes,
            vec!["[keys] o now runs insert-below (toggle-output has no key now)"]
        );
        let (_, notes) = Keymap::with_overrides(&overrides(&[("run-all", &["r"])])).unwrap();
        assert_eq!(
            notes,
            vec!["[keys] r now runs run-all (run-cell keeps Ctrl+E / Ctrl+Enter)"]
        );
    }

    #[test]
    fn one_key_for_two_commands_is_refused() {
        let err =
            Keymap::with_overrides(&overrides(&[("insert-below", &["o"]), ("toggle-output", &["o"])])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "[keys] gives o to both insert-below and toggle-output: a key runs one command"
        );
        let err = Keymap::with_overrides(&overrides(&[("run-cel", &["f5"])])).unwrap_err();
        assert!(err.to_string().contains("run-cel"));
        let err = Keymap::with_overrides(&overrides(&[("run-cell", &["hyper-5"])])).unwrap_err();
        assert!(
            err.to_string().starts_with("[keys] run-cell: unknown key \"hyper-5\""),
            "{err}"
        );
    }

    #[test]
    fn a_letter_given_to_a_global_command_is_said_to_work_outside_cells_only() {
        let (map, notes) = Keymap::with_overrides(&overrides(&[("save", &["w"])])).unwrap();
        assert_eq!(notes, vec!["[keys] w types text: it runs save only outside a cell"]);
        let w = press(KeyCode::Char('w'), KeyModifiers::NONE);
        assert_eq!(map.lookup(&w, true), None);
        assert_eq!(map.lookup(&w, false), Some(Command::Save));
    }
}
