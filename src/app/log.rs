//! The session log pane: the lines kept, how far it is scrolled back, a search in it, and
//! its keys while it has focus.

use super::App;
use crate::livy::LogDelta;
use crate::output::sanitize::strip_all;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::VecDeque;

/// Lines of session log kept in memory: hours of a chatty Spark driver in ~15 MB. Drawing
/// does not depend on it (the benches draw a million lines); starting a log search scans
/// all of them on the UI loop, which stays a few milliseconds at this size.
pub const LOG_KEEP: usize = 100_000;

/// The session log pane.
#[derive(Clone, Debug, PartialEq)]
pub struct LogView {
    pub lines: VecDeque<String>,
    pub visible: bool,
    pub height: u16,
    /// Keys go to the log pane (scrolling) instead of the cells.
    pub focused: bool,
    /// Lines scrolled up from the end; 0 follows new lines.
    pub scroll_back: usize,
    /// A search in the log, if one was started.
    pub search: Option<LogSearch>,
}

/// Searching the session log (case-insensitive).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct LogSearch {
    pub query: String,
    /// The query is still being typed.
    pub typing: bool,
    /// The line of the current match.
    pub current: Option<usize>,
    /// How many lines match, kept current as lines arrive and drop (never recounted per frame).
    pub count: usize,
}

impl LogSearch {
    /// Whether a line matches the query.
    pub fn hits(&self, line: &str) -> bool {
        !self.query.is_empty() && line.to_lowercase().contains(&self.query.to_lowercase())
    }
}

impl Default for LogView {
    /// Hidden, empty, eight rows tall when shown.
    fn default() -> Self {
        LogView {
            lines: VecDeque::new(),
            visible: false,
            height: 8,
            focused: false,
            scroll_back: 0,
            search: None,
        }
    }
}

impl LogView {
    /// Lines that contain the query, oldest first.
    pub fn matches(&self, query: &str) -> Vec<usize> {
        if query.is_empty() {
            return Vec::new();
        }
        let q = query.to_lowercase();
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.to_lowercase().contains(&q))
            .map(|(i, _)| i)
            .collect()
    }

    /// Takes lines the server sent, made safe.
    pub(super) fn add(&mut self, delta: LogDelta) {
        if delta.gap {
            self.push("[… the server dropped log lines before they could be read …]".into());
        }
        for line in delta.lines {
            // Livy marks its streams with "\nstderr: "; keep that one line.
            let line = line.strip_prefix('\n').unwrap_or(&line);
            self.push(strip_all(line));
        }
    }

    /// Adds a line, dropping the oldest past [`LOG_KEEP`]; the search count and a view
    /// scrolled back follow.
    fn push(&mut self, line: String) {
        if let Some(search) = self.search.as_mut().filter(|s| !s.typing)
            && search.hits(&line)
        {
            search.count += 1;
        }
        self.lines.push_back(line);
        if self.lines.len() > LOG_KEEP {
            let dropped = self.lines.pop_front();
            if let Some(search) = self.search.as_mut() {
                search.current = search.current.and_then(|c| c.checked_sub(1));
                if !search.typing && dropped.is_some_and(|d| search.hits(&d)) {
                    search.count = search.count.saturating_sub(1);
                }
            }
        }
        // Scrolled back: keep looking at the same lines as new ones arrive.
        if self.scroll_back > 0 {
            self.scroll_back = (self.scroll_back + 1).min(self.lines.len().saturating_sub(1));
        }
    }

    /// Scrolls up (positive) or down by `lines`, within the log.
    pub(super) fn scroll(&mut self, lines: isize) {
        let max = self.lines.len().saturating_sub(1);
        self.scroll_back = (self.scroll_back as isize + lines).clamp(0, max as isize) as usize;
    }

    /// The scrolling keys: ↑↓ (k j) a line, PgUp PgDn a page, Home (g) the top, End (G f)
    /// follows; false for any other key.
    pub(super) fn scroll_key(&mut self, code: KeyCode, page: isize) -> bool {
        match code {
            KeyCode::Up | KeyCode::Char('k') => self.scroll(1),
            KeyCode::Down | KeyCode::Char('j') => self.scroll(-1),
            KeyCode::PageUp => self.scroll(page),
            KeyCode::PageDown => self.scroll(-page),
            KeyCode::Home | KeyCode::Char('g') => self.scroll_back = self.lines.len().saturating_sub(1),
            KeyCode::End | KeyCode::Char('G' | 'f') => self.scroll_back = 0,
            _ => return false,
        }
        true
    }

    /// Forgets every line (a new session has a new log).
    pub(super) fn clear(&mut self) {
        self.lines.clear();
        self.scroll_back = 0;
    }

    /// Moves to the next older (`older`) or newer match and scrolls it into view; false
    /// when the search matches nothing.
    fn jump_to_match(&mut self, older: bool) -> bool {
        let Some(search) = &self.search else { return true };
        let matches = self.matches(&search.query);
        let len = self.lines.len();
        // Searching starts from the bottom of the view.
        let from = search.current.unwrap_or(len.saturating_sub(self.scroll_back));
        let found = if older {
            matches.iter().rev().find(|i| **i < from).or(matches.last()).copied()
        } else {
            matches.iter().find(|i| **i > from).or(matches.first()).copied()
        };
        let Some(line) = found else { return false };
        self.scroll_back = len - line - 1;
        if let Some(s) = self.search.as_mut() {
            s.current = Some(line);
        }
        true
    }
}

impl App {
    /// Keys while the log pane has focus; false when the key is not the pane's.
    pub(super) fn on_log_key(&mut self, key: KeyEvent) -> bool {
        if self.log.search.as_ref().is_some_and(|s| s.typing) {
            return self.log_query_key(key);
        }
        let page = self.log.height.saturating_sub(2).max(1) as isize;
        let searching = self.log.search.is_some();
        if self.log.scroll_key(key.code, page) {
            return true;
        }
        match key.code {
            KeyCode::Char('/') => {
                self.log.search = Some(LogSearch {
                    typing: true,
                    ..LogSearch::default()
                })
            }
            KeyCode::Char('n') if searching => self.jump_to_log_match(true),
            KeyCode::Char('N') if searching => self.jump_to_log_match(false),
            KeyCode::Esc if searching => self.log.search = None,
            _ => return false,
        }
        true
    }

    /// Typing the log search's query; Enter counts the matches and goes to the last.
    fn log_query_key(&mut self, key: KeyEvent) -> bool {
        let Some(search) = self.log.search.as_mut() else {
            return false;
        };
        match key.code {
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => search.query.push(c),
            KeyCode::Backspace => {
                search.query.pop();
            }
            KeyCode::Enter => {
                search.typing = false;
                let query = search.query.clone();
                let count = self.log.matches(&query).len();
                if let Some(search) = self.log.search.as_mut() {
                    search.count = count;
                }
                self.jump_to_log_match(true);
            }
            KeyCode::Esc => self.log.search = None,
            _ => return false,
        }
        true
    }

    fn jump_to_log_match(&mut self, older: bool) {
        if !self.log.jump_to_match(older) {
            let query = self.log.search.as_ref().map(|s| s.query.clone()).unwrap_or_default();
            self.complain(format!("not in the log: {query}"));
        }
    }
}
