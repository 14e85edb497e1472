//! Syntax highlighting of cell code with syntect (pure-Rust regexes), cached for the draw loop.
//!
//! syntect's bundled syntaxes and themes are loaded once per process (tens of ms) and shared by
//! every `Highlighter`, so switching themes is cheap. The draw loop asks for every visible cell
//! every frame: results are cached by (kind, code), so only edited cells are re-highlighted.
//!
//! Lines follow `str::lines`: `"a\nb\n"` is two lines, `""` is none. Tabs become spaces up to
//! the next 4-column stop, and control characters become visible symbols (`␛` for ESC): a
//! notebook file is untrusted input and must not drive the terminal.

use crate::livy::SessionKind;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, Theme as SyntectTheme, ThemeSet};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

/// The syntect theme used when the requested one does not exist.
pub const DEFAULT_THEME: &str = "base16-ocean.dark";

/// Lines longer than this (in chars) are shown plain: regex highlighting is superlinear on them.
const MAX_LINE_CHARS: usize = 2000;

/// A cell's first this-many bytes are highlighted; the rest is plain (a pasted data dump).
/// Keeps one re-highlight after an edit in the tens of milliseconds.
const MAX_HIGHLIGHT_BYTES: usize = 64 * 1024;

/// Cached cells, and the total code bytes they may hold.
const CACHE_ENTRIES: usize = 384;
const CACHE_BYTES: usize = 8 * 1024 * 1024;

const TAB_WIDTH: usize = 4;

fn syntax_set() -> &'static SyntaxSet {
    static SYNTAXES: OnceLock<SyntaxSet> = OnceLock::new();
    SYNTAXES.get_or_init(SyntaxSet::load_defaults_newlines)
}

fn theme_set() -> &'static ThemeSet {
    static THEMES: OnceLock<ThemeSet> = OnceLock::new();
    THEMES.get_or_init(ThemeSet::load_defaults)
}

/// The file extension whose syntect syntax highlights a kind's code.
fn extension(kind: &SessionKind) -> Option<&'static str> {
    match kind {
        SessionKind::Spark => Some("scala"),
        SessionKind::PySpark => Some("py"),
        SessionKind::SparkR => Some("r"),
        SessionKind::Sql => Some("sql"),
        SessionKind::Shared | SessionKind::Unknown(_) => None,
    }
}

/// Highlights cell code for one syntect theme. Cheap to share via `Arc`; `Send + Sync`.
pub struct Highlighter {
    syntaxes: &'static SyntaxSet,
    theme: &'static SyntectTheme,
    theme_name: String,
    cache: Mutex<Cache>,
}

impl std::fmt::Debug for Highlighter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Highlighter")
            .field("theme", &self.theme_name)
            .finish_non_exhaustive()
    }
}

impl Highlighter {
    /// Loads syntect's bundled syntaxes and the named theme (fallback to "base16-ocean.dark"
    /// with no error if unknown; `theme_exists` lets config validation warn).
    ///
    /// The first call in a process also compiles the regexes of the four code syntaxes (syntect
    /// does it lazily, on first use): call it off the draw path. Later calls are cheap.
    pub fn new(syntax_theme: &str) -> Highlighter {
        let themes = theme_set();
        let (theme_name, theme) = match themes.themes.get_key_value(syntax_theme) {
            Some((name, theme)) => (name.clone(), theme),
            None => {
                let theme = themes
                    .themes
                    .get(DEFAULT_THEME)
                    .or_else(|| themes.themes.values().next())
                    .expect("syntect bundles its default themes");
                (DEFAULT_THEME.to_string(), theme)
            }
        };
        let highlighter = Highlighter {
            syntaxes: syntax_set(),
            theme,
            theme_name,
            cache: Mutex::new(Cache::default()),
        };
        highlighter.warm_up();
        highlighter
    }

    /// Makes syntect compile what a typical cell of each kind needs, so the first frame that
    /// shows code does not stall.
    fn warm_up(&self) {
        const SAMPLES: [(SessionKind, &str); 4] = [
            (SessionKind::Spark, "import a.b._\nval x: Int = f(\"s\", 1) // c\n"),
            (SessionKind::PySpark, "import a\ndef f(x=1): return x.y(\"s\") # c\n"),
            (SessionKind::SparkR, "library(a)\nx <- f(\"s\", 1) # c\n"),
            (SessionKind::Sql, "SELECT a, count(*) FROM t WHERE b = 's' -- c\n"),
        ];
        for (kind, code) in &SAMPLES {
            self.highlight_uncached(code, kind);
        }
    }

    /// Whether syntect bundles a theme of this name.
    pub fn theme_exists(name: &str) -> bool {
        theme_set().themes.contains_key(name)
    }

    /// The names of syntect's bundled themes, sorted.
    pub fn theme_names() -> Vec<&'static str> {
        theme_set().themes.keys().map(String::as_str).collect()
    }

    /// The syntect theme in use (the requested one, or the fallback).
    pub fn theme_name(&self) -> &str {
        &self.theme_name
    }

    /// Highlights one cell's code → one ratatui `Line<'static>` per source line. Kind → syntax:
    /// Spark→Scala, PySpark→Python, SparkR→R, Sql→SQL, others→plain text. Never panics; lines
    /// over 2000 chars are plain. Cached: repeated calls with the same (code, kind) are cheap.
    pub fn highlight(&self, code: &str, kind: &SessionKind) -> Vec<Line<'static>> {
        self.highlight_shared(code, kind).as_ref().clone()
    }

    /// Like `highlight`, without copying the cached lines.
    pub fn highlight_shared(&self, code: &str, kind: &SessionKind) -> Arc<Vec<Line<'static>>> {
        let key = cache_key(code, kind);
        if let Some(lines) = self.lock_cache().get(key, code, kind) {
            return lines;
        }
        let lines = Arc::new(self.highlight_uncached(code, kind));
        self.lock_cache().insert(key, code, kind, Arc::clone(&lines));
        lines
    }

    /// Plain (monochrome) lines, for NO_COLOR.
    pub fn plain(code: &str) -> Vec<Line<'static>> {
        LinesWithEndings::from(code)
            .map(|raw| Line::from(clean(strip_eol(raw))))
            .collect()
    }

    /// Drops every cached cell.
    pub fn clear_cache(&self) {
        *self.lock_cache() = Cache::default();
    }

    /// How many cells are cached.
    pub fn cached_cells(&self) -> usize {
        self.lock_cache().entries.len()
    }

    fn lock_cache(&self) -> MutexGuard<'_, Cache> {
        // A panic elsewhere while holding the lock leaves a cache that is still consistent.
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn syntax(&self, kind: &SessionKind) -> Option<&'static SyntaxReference> {
        self.syntaxes.find_syntax_by_extension(extension(kind)?)
    }

    fn highlight_uncached(&self, code: &str, kind: &SessionKind) -> Vec<Line<'static>> {
        let Some(syntax) = self.syntax(kind) else {
            return Self::plain(code);
        };
        let mut highlighter = Some(HighlightLines::new(syntax, self.theme));
        let mut budget = MAX_HIGHLIGHT_BYTES;
        let mut lines = Vec::new();
        for raw in LinesWithEndings::from(code) {
            let content = strip_eol(raw);
            if budget < raw.len() {
                // Stop for good: later lines would be parsed in the wrong state anyway.
                highlighter = None;
            }
            let too_long = content.len() > MAX_LINE_CHARS && content.chars().count() > MAX_LINE_CHARS;
            let Some(h) = highlighter.as_mut().filter(|_| !too_long) else {
                // A skipped line leaves the parser state as it was; the next lines carry on.
                lines.push(Line::from(clean(content)));
                continue;
            };
            budget -= raw.len();
            // Syntaxes expect lines ending in "\n"; feed "\r\n" lines without the "\r".
            let fed: Cow<'_, str> = if raw.ends_with("\r\n") {
                Cow::Owned(format!("{content}\n"))
            } else {
                Cow::Borrowed(raw)
            };
            match h.highlight_line(&fed, self.syntaxes) {
                Ok(regions) => lines.push(self.to_line(&regions)),
                Err(_) => {
                    // The parser state is unusable after an error: the rest of the cell is plain.
                    highlighter = None;
                    lines.push(Line::from(clean(content)));
                }
            }
        }
        lines
    }

    fn to_line(&self, regions: &[(syntect::highlighting::Style, &str)]) -> Line<'static> {
        let mut spans: Vec<Span<'static>> = Vec::new();
        let mut text_so_far = String::new();
        for (syntect_style, text) in regions {
            let piece = clean_at(text.trim_end_matches(['\n', '\r']), &mut text_so_far);
            if piece.is_empty() {
                continue;
            }
            let style = self.convert(*syntect_style);
            match spans.last_mut() {
                Some(last) if last.style == style => last.content.to_mut().push_str(&piece),
                _ => spans.push(Span::styled(piece, style)),
            }
        }
        Line::from(spans)
    }

    /// syntect style → ratatui: foreground as RGB, font styles as modifiers; syntect's
    /// background is ignored so the terminal's own background stays.
    fn convert(&self, style: syntect::highlighting::Style) -> Style {
        let fg = style.foreground;
        let (r, g, b) = if fg.a == 255 {
            (fg.r, fg.g, fg.b)
        } else {
            // Translucent foregrounds are meant to be blended with the theme's background.
            let bg = self
                .theme
                .settings
                .background
                .unwrap_or(syntect::highlighting::Color::BLACK);
            let mix = |f: u8, b: u8| ((f as u16 * fg.a as u16 + b as u16 * (255 - fg.a as u16)) / 255) as u8;
            (mix(fg.r, bg.r), mix(fg.g, bg.g), mix(fg.b, bg.b))
        };
        let mut out = Style::default().fg(Color::Rgb(r, g, b));
        for (font, modifier) in [
            (FontStyle::BOLD, Modifier::BOLD),
            (FontStyle::ITALIC, Modifier::ITALIC),
            (FontStyle::UNDERLINE, Modifier::UNDERLINED),
        ] {
            if style.font_style.contains(font) {
                out = out.add_modifier(modifier);
            }
        }
        out
    }
}

fn cache_key(code: &str, kind: &SessionKind) -> u64 {
    let mut hasher = DefaultHasher::new();
    kind.hash(&mut hasher);
    code.hash(&mut hasher);
    hasher.finish()
}

/// Highlighted cells by hash of (kind, code), least recently used evicted first.
#[derive(Default)]
struct Cache {
    entries: HashMap<u64, Entry>,
    bytes: usize,
    clock: u64,
}

struct Entry {
    kind: SessionKind,
    code: Box<str>,
    lines: Arc<Vec<Line<'static>>>,
    last_used: u64,
}

impl Cache {
    fn get(&mut self, key: u64, code: &str, kind: &SessionKind) -> Option<Arc<Vec<Line<'static>>>> {
        self.clock += 1;
        let entry = self.entries.get_mut(&key)?;
        // A hash collision must not show another cell's code.
        if &*entry.code != code || entry.kind != *kind {
            return None;
        }
        entry.last_used = self.clock;
        Some(Arc::clone(&entry.lines))
    }

    fn insert(&mut self, key: u64, code: &str, kind: &SessionKind, lines: Arc<Vec<Line<'static>>>) {
        if code.len() > CACHE_BYTES / 4 {
            return;
        }
        if let Some(old) = self.entries.remove(&key) {
            self.bytes -= old.code.len();
        }
        while !self.entries.is_empty() && (self.entries.len() >= CACHE_ENTRIES || self.bytes + code.len() > CACHE_BYTES)
        {
            let Some(oldest) = self.entries.iter().min_by_key(|(_, e)| e.last_used).map(|(k, _)| *k) else {
                break;
            };
            if let Some(old) = self.entries.remove(&oldest) {
                self.bytes -= old.code.len();
            }
        }
        self.clock += 1;
        self.bytes += code.len();
        self.entries.insert(
            key,
            Entry {
                kind: kind.clone(),
                code: code.into(),
                lines,
                last_used: self.clock,
            },
        );
    }
}

/// The line without its "\n" or "\r\n".
fn strip_eol(raw: &str) -> &str {
    let line = raw.strip_suffix('\n').unwrap_or(raw);
    line.strip_suffix('\r').unwrap_or(line)
}

/// A whole line made safe to draw: tabs expanded, control characters made visible.
fn clean(line: &str) -> String {
    clean_at(line, &mut String::new())
}

/// `text` made safe to draw, continuing a line whose cleaned text so far is `line` (for tab
/// stops); appends the result to `line` and returns it.
fn clean_at(text: &str, line: &mut String) -> String {
    if !text.chars().any(char::is_control) {
        line.push_str(text);
        return text.to_string();
    }
    let start = line.len();
    for c in text.chars() {
        match c {
            '\t' => {
                let column = Span::raw(line.as_str()).width();
                let spaces = TAB_WIDTH - column % TAB_WIDTH;
                line.extend(std::iter::repeat_n(' ', spaces));
            }
            // C0 controls have a "control picture" each: U+2400 + code (␀ … ␟).
            '\0'..='\x1f' => line.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}')),
            '\x7f' => line.push('\u{2421}'),
            c if c.is_control() => line.push('\u{fffd}'),
            c => line.push(c),
        }
    }
    line[start..].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(line: &Line<'_>) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    fn colours(lines: &[Line<'_>]) -> Vec<Color> {
        let mut colours: Vec<Color> = lines.iter().flat_map(|l| &l.spans).filter_map(|s| s.style.fg).collect();
        colours.dedup();
        colours
    }

    #[test]
    fn default_syntaxes_cover_every_code_kind() {
        let set = syntax_set();
        for (ext, name) in [("scala", "Scala"), ("py", "Python"), ("r", "R"), ("sql", "SQL")] {
            let syntax = set
                .find_syntax_by_extension(ext)
                .unwrap_or_else(|| panic!("no syntax for .{ext}"));
            assert_eq!(syntax.name, name);
        }
        let h = Highlighter::new(DEFAULT_THEME);
        for kind in SessionKind::CODE_KINDS {
            assert!(h.syntax(&kind).is_some(), "{kind}");
        }
        assert!(h.syntax(&SessionKind::Shared).is_none());
    }

    #[test]
    fn themes_fall_back_quietly() {
        assert!(Highlighter::theme_exists("base16-ocean.dark"));
        assert!(Highlighter::theme_exists("InspiredGitHub"));
        assert!(!Highlighter::theme_exists("no-such-theme"));
        assert!(Highlighter::theme_names().contains(&"Solarized (light)"));
        assert_eq!(Highlighter::new("InspiredGitHub").theme_name(), "InspiredGitHub");
        assert_eq!(Highlighter::new("no-such-theme").theme_name(), DEFAULT_THEME);
        // every built-in livy-tui theme names a syntect theme that exists
        for name in crate::theme::Theme::builtin_names() {
            let theme = crate::theme::Theme::builtin(name).unwrap();
            assert!(Highlighter::theme_exists(&theme.syntax), "{name}: {}", theme.syntax);
        }
    }

    #[test]
    fn scala_is_coloured() {
        let h = Highlighter::new(DEFAULT_THEME);
        let lines = h.highlight("val x = 1", &SessionKind::Spark);
        assert_eq!(lines.len(), 1);
        assert_eq!(text_of(&lines[0]), "val x = 1");
        let val = &lines[0].spans[0];
        assert_eq!(val.content, "val");
        assert!(matches!(val.style.fg, Some(Color::Rgb(..))));
        assert!(colours(&lines).len() >= 2, "{lines:?}");
        assert!(
            lines[0].spans.iter().all(|s| s.style.bg.is_none()),
            "syntect backgrounds must be dropped"
        );
    }

    #[test]
    fn python_is_coloured() {
        let h = Highlighter::new(DEFAULT_THEME);
        let lines = h.highlight("def f(): pass\n", &SessionKind::PySpark);
        assert_eq!(lines.len(), 1);
        assert_eq!(text_of(&lines[0]), "def f(): pass");
        assert_eq!(lines[0].spans[0].content, "def");
        let def = lines[0].spans[0].style.fg;
        let f = lines[0]
            .spans
            .iter()
            .find(|s| s.content.contains('f') && s.content != "def")
            .unwrap()
            .style
            .fg;
        assert_ne!(def, f, "{lines:?}");
        assert!(colours(&lines).len() >= 2);
    }

    #[test]
    fn r_and_sql_are_coloured_and_unknown_kinds_plain() {
        let h = Highlighter::new(DEFAULT_THEME);
        assert!(colours(&h.highlight("x <- c(1, 2) # note", &SessionKind::SparkR)).len() >= 2);
        assert!(colours(&h.highlight("SELECT a FROM t WHERE b = 'x'", &SessionKind::Sql)).len() >= 2);
        for kind in [SessionKind::Shared, SessionKind::Unknown("cobol".into())] {
            let lines = h.highlight("val x = 1\ndef f(): pass", &kind);
            assert_eq!(lines, Highlighter::plain("val x = 1\ndef f(): pass"));
            assert!(lines.iter().flat_map(|l| &l.spans).all(|s| s.style == Style::default()));
        }
    }

    #[test]
    fn line_count_follows_str_lines() {
        let h = Highlighter::new(DEFAULT_THEME);
        for code in ["", "a", "a\n", "a\nb", "a\nb\n", "a\n\n", "\n", "a\r\nb\r\n"] {
            let expected: Vec<&str> = code.lines().collect();
            for lines in [h.highlight(code, &SessionKind::PySpark), Highlighter::plain(code)] {
                let got: Vec<String> = lines.iter().map(text_of).collect();
                assert_eq!(got, expected, "{code:?}");
            }
        }
    }

    #[test]
    fn long_lines_are_plain_and_the_rest_still_highlighted() {
        let h = Highlighter::new(DEFAULT_THEME);
        let long = format!("x = \"{}\"", "ab(".repeat(1500));
        let code = format!("{long}\ndef f(): pass");
        let lines = h.highlight(&code, &SessionKind::PySpark);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], Line::from(long.clone()));
        assert!(colours(&lines[1..]).len() >= 2, "{:?}", lines[1]);
        // exactly at the limit still highlights
        let edge = format!("y = {}", "1".repeat(MAX_LINE_CHARS - 4));
        assert!(h.highlight(&edge, &SessionKind::PySpark)[0].spans.len() >= 2);
    }

    #[test]
    fn never_panics_on_odd_input() {
        let h = Highlighter::new(DEFAULT_THEME);
        let mut rng = fastrand::Rng::with_seed(7);
        let alphabet: Vec<char> = "\"'`\\(){}[]<>#%$@/*-+=:;,.\n\r\t\x1b\0 abcxyz019éλ日本🎉\u{202e}"
            .chars()
            .collect();
        let mut samples = vec![
            "\"\"\"unterminated".to_string(),
            "s\"\"\"${".repeat(200),
            "(".repeat(5000),
            "/*".repeat(3000),
            "\u{0}\u{1}\u{7f}\u{9b}".to_string(),
            "a\n".repeat(20_000),
            "x".repeat(MAX_HIGHLIGHT_BYTES + 10),
        ];
        for _ in 0..200 {
            let len = rng.usize(0..300);
            samples.push((0..len).map(|_| alphabet[rng.usize(..alphabet.len())]).collect());
        }
        for code in &samples {
            for kind in SessionKind::CODE_KINDS {
                let lines = h.highlight(code, &kind);
                assert_eq!(lines.len(), code.lines().count());
                for line in &lines {
                    assert!(!text_of(line).chars().any(char::is_control), "{line:?}");
                }
            }
        }
    }

    #[test]
    fn huge_cells_are_plain_after_the_budget() {
        let h = Highlighter::new(DEFAULT_THEME);
        let line = "def f(): pass\n";
        let code = line.repeat(MAX_HIGHLIGHT_BYTES / line.len() + 100);
        let lines = h.highlight(&code, &SessionKind::PySpark);
        assert!(colours(&lines[..1]).len() >= 2);
        assert_eq!(lines.last().unwrap(), &Line::from("def f(): pass"));
    }

    #[test]
    fn control_characters_are_made_visible_and_tabs_expanded() {
        assert_eq!(clean("a\x1b[31mb"), "a␛[31mb");
        assert_eq!(clean("\0\x7f\u{9b}"), "␀␡\u{fffd}");
        assert_eq!(clean("\tx"), "    x");
        assert_eq!(clean("ab\tx"), "ab  x");
        assert_eq!(clean("日本\tx"), "日本    x", "wide chars count two columns");
        let h = Highlighter::new(DEFAULT_THEME);
        let lines = h.highlight("if x:\n\treturn \"\x1b]0;pwned\x07\"", &SessionKind::PySpark);
        assert_eq!(text_of(&lines[1]), "    return \"␛]0;pwned␇\"");
        assert_eq!(Highlighter::plain("a\tb\x1b"), vec![Line::from("a   b␛")]);
    }

    #[test]
    fn cache_hits_return_equal_lines_without_rehighlighting() {
        let h = Highlighter::new(DEFAULT_THEME);
        let code = "val x = 1\nprintln(x)";
        let first = h.highlight_shared(code, &SessionKind::Spark);
        let second = h.highlight_shared(code, &SessionKind::Spark);
        assert!(Arc::ptr_eq(&first, &second), "second call must come from the cache");
        assert_eq!(h.highlight(code, &SessionKind::Spark), *first);
        assert_eq!(h.cached_cells(), 1);

        // the same code in another kind is another entry, highlighted for that kind
        let python = h.highlight_shared(code, &SessionKind::PySpark);
        assert!(!Arc::ptr_eq(&first, &python));
        assert_eq!(h.cached_cells(), 2);
        h.clear_cache();
        assert_eq!(h.cached_cells(), 0);
        let again = h.highlight_shared(code, &SessionKind::Spark);
        assert!(!Arc::ptr_eq(&first, &again));
        assert_eq!(*first, *again);
    }

    #[test]
    fn cache_is_bounded_and_keeps_recent_cells() {
        let h = Highlighter::new(DEFAULT_THEME);
        let hot = h.highlight_shared("hot = 1", &SessionKind::PySpark);
        for i in 0..CACHE_ENTRIES * 2 {
            h.highlight_shared(&format!("x = {i}"), &SessionKind::PySpark);
            // the draw loop keeps asking for the visible cell
            h.highlight_shared("hot = 1", &SessionKind::PySpark);
        }
        assert!(h.cached_cells() <= CACHE_ENTRIES);
        assert!(Arc::ptr_eq(&hot, &h.highlight_shared("hot = 1", &SessionKind::PySpark)));
    }

    #[test]
    fn shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Highlighter>();
    }
}
