//! Key bindings: which key runs which command in which mode. Defaults work in every
//! terminal (modified Enter keys need the keyboard-enhancement protocol, which tmux and
//! many terminals lack, so every such binding has a Ctrl-letter fallback).

use super::command::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::HashMap;
use std::fmt;

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Everywhere, also while editing a cell.
    Global,
    /// Moving between cells (not editing).
    Command,
}

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

    /// Parses `ctrl-e`, `shift-enter`, `alt-x`, `f1`, `pageup`, `A`, `?`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text.trim();
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
        let code = match rest.to_ascii_lowercase().as_str() {
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
            _ if rest.chars().count() == 1 => {
                let c = rest.chars().next().unwrap_or(' ');
                if modifiers.contains(KeyModifiers::CONTROL) || modifiers.contains(KeyModifiers::ALT) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            _ => {
                return Err(format!(
                    "unknown key {text:?} (examples: ctrl-e, shift-enter, f1, a, ?)"
                ));
            }
        };
        Ok(Key::from_event(&KeyEvent::new(code, modifiers)))
    }
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

/// Bindings by scope.
#[derive(Clone, Debug)]
pub struct Keymap {
    bindings: HashMap<(Scope, Key), Command>,
    /// Bindings in the order they were added, for the help overlay.
    order: Vec<(Scope, Key, Command)>,
}

const DEFAULTS: &[(Scope, &str, Command)] = &[
    (Scope::Global, "ctrl-e", Command::RunCell),
    (Scope::Global, "ctrl-enter", Command::RunCell),
    (Scope::Global, "ctrl-r", Command::RunAndAdvance),
    (Scope::Global, "shift-enter", Command::RunAndAdvance),
    (Scope::Global, "alt-enter", Command::RunAndInsertBelow),
    (Scope::Global, "ctrl-c", Command::CancelRunning),
    (Scope::Global, "ctrl-q", Command::Quit),
    (Scope::Global, "ctrl-s", Command::Save),
    (Scope::Global, "alt-s", Command::SaveAs),
    (Scope::Global, "f1", Command::Help),
    (Scope::Global, "esc", Command::LeaveEdit),
    (Scope::Command, "enter", Command::EditCell),
    (Scope::Command, "i", Command::EditCell),
    (Scope::Command, "up", Command::FocusPrevious),
    (Scope::Command, "k", Command::FocusPrevious),
    (Scope::Command, "down", Command::FocusNext),
    (Scope::Command, "j", Command::FocusNext),
    (Scope::Command, "home", Command::FocusFirst),
    (Scope::Command, "g", Command::FocusFirst),
    (Scope::Command, "end", Command::FocusLast),
    (Scope::Command, "G", Command::FocusLast),
    (Scope::Command, "a", Command::InsertAbove),
    (Scope::Command, "b", Command::InsertBelow),
    (Scope::Command, "x", Command::DeleteCell),
    (Scope::Command, "z", Command::UndoDelete),
    (Scope::Command, "K", Command::MoveCellUp),
    (Scope::Command, "J", Command::MoveCellDown),
    (Scope::Command, "s", Command::SplitCell),
    (Scope::Command, "M", Command::MergeBelow),
    (Scope::Command, "1", Command::KindSpark),
    (Scope::Command, "2", Command::KindPySpark),
    (Scope::Command, "3", Command::KindSparkR),
    (Scope::Command, "4", Command::KindSql),
    (Scope::Command, "5", Command::MakeMarkdown),
    (Scope::Command, "t", Command::CycleKind),
    (Scope::Command, "r", Command::RunCell),
    (Scope::Command, "R", Command::RunAll),
    (Scope::Command, "U", Command::RunAllAbove),
    (Scope::Command, "I", Command::CancelAll),
    (Scope::Command, "o", Command::ToggleOutput),
    (Scope::Command, "[", Command::ScrollOutputUp),
    (Scope::Command, "]", Command::ScrollOutputDown),
    (Scope::Command, "left", Command::ScrollOutputLeft),
    (Scope::Command, "<", Command::ScrollOutputLeft),
    (Scope::Command, "right", Command::ScrollOutputRight),
    (Scope::Command, ">", Command::ScrollOutputRight),
    (Scope::Command, "pageup", Command::PageOutputUp),
    (Scope::Command, "pagedown", Command::PageOutputDown),
    (Scope::Command, "m", Command::CycleMime),
    (Scope::Command, "O", Command::ExpandAll),
    (Scope::Command, "v", Command::ToggleRaw),
    (Scope::Command, "y", Command::CopyOutput),
    (Scope::Command, "space", Command::InspectValue),
    (Scope::Command, "Y", Command::CopyValue),
    (Scope::Command, "}", Command::WidenColumn),
    (Scope::Command, "{", Command::NarrowColumn),
    (Scope::Command, "e", Command::ExportCsv),
    (Scope::Command, "E", Command::ExportJsonLines),
    (Scope::Command, "l", Command::ToggleLog),
    (Scope::Command, "L", Command::FocusLog),
    (Scope::Command, "+", Command::GrowLog),
    (Scope::Command, "-", Command::ShrinkLog),
    (Scope::Command, "ctrl-n", Command::RecreateSession),
    (Scope::Command, "/", Command::Search),
    (Scope::Command, "n", Command::SearchNext),
    (Scope::Command, "N", Command::SearchPrevious),
    (Scope::Command, "?", Command::Help),
];

impl Default for Keymap {
    fn default() -> Self {
        let mut map = Keymap {
            bindings: HashMap::new(),
            order: Vec::new(),
        };
        for (scope, key, command) in DEFAULTS {
            // The defaults are fixed strings checked by a test.
            if let Ok(key) = Key::parse(key) {
                map.bind(*scope, key, *command);
            }
        }
        map
    }
}

impl Keymap {
    /// Adds or replaces a binding.
    pub fn bind(&mut self, scope: Scope, key: Key, command: Command) {
        self.order.retain(|(s, k, _)| !(*s == scope && *k == key));
        self.bindings.insert((scope, key), command);
        self.order.push((scope, key, command));
    }

    /// Removes every binding of a command (before rebinding it from the config).
    pub fn unbind_command(&mut self, command: Command) {
        self.bindings.retain(|_, c| *c != command);
        self.order.retain(|(_, _, c)| *c != command);
    }

    /// The command for a key press; `editing` limits it to global bindings.
    pub fn lookup(&self, event: &KeyEvent, editing: bool) -> Option<Command> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let key = Key::from_event(event);
        self.bindings
            .get(&(Scope::Global, key))
            .or_else(|| {
                if editing {
                    None
                } else {
                    self.bindings.get(&(Scope::Command, key))
                }
            })
            .copied()
    }

    /// The keys bound to a command, for help and hints.
    pub fn keys_for(&self, command: Command) -> Vec<Key> {
        self.order
            .iter()
            .filter(|(_, _, c)| *c == command)
            .map(|(_, k, _)| *k)
            .collect()
    }

    /// Help rows: command description, its keys, and whether they work while editing.
    pub fn help_rows(&self) -> Vec<(String, String, bool)> {
        Command::ALL
            .iter()
            .filter_map(|c| {
                let bound: Vec<_> = self.order.iter().filter(|(_, _, cmd)| cmd == c).collect();
                if bound.is_empty() {
                    return None;
                }
                let keys = bound
                    .iter()
                    .map(|(_, k, _)| k.to_string())
                    .collect::<Vec<_>>()
                    .join(" / ");
                let global = bound.iter().any(|(s, _, _)| *s == Scope::Global);
                Some((c.description().to_string(), keys, global))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn defaults_parse_and_fallbacks_exist() {
        for (_, key, _) in DEFAULTS {
            Key::parse(key).unwrap();
        }
        let map = Keymap::default();
        assert_eq!(
            map.lookup(&press(KeyCode::Char('e'), KeyModifiers::CONTROL), true),
            Some(Command::RunCell)
        );
        assert_eq!(
            map.lookup(&press(KeyCode::Char('r'), KeyModifiers::CONTROL), true),
            Some(Command::RunAndAdvance)
        );
        assert_eq!(
            map.lookup(&press(KeyCode::Char('c'), KeyModifiers::CONTROL), true),
            Some(Command::CancelRunning)
        );
        assert_eq!(
            map.lookup(&press(KeyCode::Char('q'), KeyModifiers::CONTROL), true),
            Some(Command::Quit)
        );
        assert_eq!(
            map.lookup(&press(KeyCode::Esc, KeyModifiers::NONE), true),
            Some(Command::LeaveEdit)
        );
    }

    #[test]
    fn command_keys_do_not_fire_while_editing() {
        let map = Keymap::default();
        let a = press(KeyCode::Char('a'), KeyModifiers::NONE);
        assert_eq!(map.lookup(&a, false), Some(Command::InsertAbove));
        assert_eq!(map.lookup(&a, true), None);
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
    fn rebinding_replaces() {
        let mut map = Keymap::default();
        map.unbind_command(Command::RunCell);
        map.bind(Scope::Global, Key::parse("f5").unwrap(), Command::RunCell);
        assert_eq!(
            map.lookup(&press(KeyCode::F(5), KeyModifiers::NONE), true),
            Some(Command::RunCell)
        );
        assert_eq!(
            map.lookup(&press(KeyCode::Char('e'), KeyModifiers::CONTROL), true),
            None
        );
        assert!(map.help_rows().iter().any(|(d, k, _)| d == "run the cell" && k == "F5"));
    }
}
