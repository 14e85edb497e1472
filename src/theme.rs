//! Colour themes: TOML files with the UI colours and the name of a syntect theme for code.
//!
//! The built-ins (`themes/dark.toml`, `themes/light.toml`) are embedded in the binary; user
//! themes live in `<config dir>/themes/<name>.toml` or anywhere on disk. A user theme sets
//! only what it changes and inherits the rest (`inherits = "light"`, default `"dark"`).
//! The `none` theme, and `NO_COLOR`, keep every modifier (bold, reversed, underline) and drop
//! every colour, so the UI must never carry meaning in colour alone.

use crate::livy::{SessionKind, SessionState};
use ratatui::style::{Color, Modifier, Style};
use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

const BUILTINS: &[(&str, &str)] = &[
    ("dark", include_str!("../themes/dark.toml")),
    ("light", include_str!("../themes/light.toml")),
];

/// Built-in names, in the order a picker should show them.
const BUILTIN_NAMES: &[&str] = &["dark", "light", "none"];

/// The theme a user theme inherits from when it does not say.
const DEFAULT_BASE: &str = "dark";

/// How deep `inherits` chains may go; deeper is surely a mistake.
const MAX_INHERIT_DEPTH: usize = 8;

/// Top-level keys of a theme file (besides the `[colors]` table).
const TOP_LEVEL_KEYS: &[&str] = &["name", "syntax", "inherits", "colors"];

/// Why a theme cannot be loaded: one line naming the file, the line and the key.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// The name is blank.
    #[error("theme name is empty: use a built-in (dark, light, none), a theme name or a path")]
    EmptyName,
    /// Neither a built-in nor a file in the config directory's `themes/`.
    #[error("unknown theme \"{name}\": not a built-in ({}) and {}", BUILTIN_NAMES.join(", "), no_file(.looked_in))]
    Unknown {
        name: String,
        /// The file looked for; `None` when there is no config directory.
        looked_in: Option<PathBuf>,
    },
    /// `inherits` leads back to a file already being loaded (the files, in order).
    #[error("themes inherit from each other in a cycle: {}", arrows(.0))]
    Cycle(Vec<PathBuf>),
    /// `inherits` goes deeper than [`MAX_INHERIT_DEPTH`] files.
    #[error("theme file {}: `inherits` chain is deeper than {MAX_INHERIT_DEPTH}", .0.display())]
    TooDeep(PathBuf),
    /// The file cannot be read.
    #[error("cannot read theme file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Something wrong on one line of a theme's text.
    #[error("{origin}: line {line}: {problem}")]
    AtLine {
        origin: Origin,
        line: usize,
        problem: LineProblem,
    },
    /// TOML that does not parse, where the parser names no position.
    #[error("{origin}: invalid TOML: {message}")]
    Toml { origin: Origin, message: String },
    /// A built-in theme that does not set a key (a built-in must set them all).
    #[error("{origin}: missing key `{key}`")]
    MissingKey { origin: Origin, key: String },
}

/// Where a theme's text comes from, as error messages name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Builtin(String),
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Builtin(name) => write!(f, "built-in theme {name}"),
            Origin::File(path) => write!(f, "theme file {}", path.display()),
        }
    }
}

/// What is wrong on a line of a theme file.
#[derive(Debug, thiserror::Error)]
pub enum LineProblem {
    /// The TOML does not parse (the parser's message, on one line).
    #[error("invalid TOML: {0}")]
    Toml(String),
    /// A key this program does not know (`colors.x` for one under `[colors]`).
    #[error("unknown key `{key}`{hint}")]
    UnknownKey { key: String, hint: KeyHint },
    /// `colors` is not a table.
    #[error("`colors` must be a table ([colors]), not {0}")]
    ColorsNotATable(&'static str),
    /// A `[colors]` value that is not a colour.
    #[error("`colors.{key}`: {error}")]
    BadColor { key: String, error: ColorError },
    /// A string key (`name`, `syntax`, `inherits`) that is blank.
    #[error("`{0}` is empty")]
    Empty(String),
    /// A string key with a value of another type.
    #[error("`{key}` must be a string, not {found}")]
    NotAString { key: String, found: &'static str },
    /// The theme named by `inherits` cannot be loaded.
    #[error("`inherits = \"{base}\"`: {error}")]
    Inherits { base: String, error: Box<ThemeError> },
}

/// What follows an unknown key's name in its error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyHint {
    /// A known key a short edit away.
    DidYouMean(&'static str),
    /// The keys that would be accepted there.
    KnownKeys(String),
    /// A colour key written outside `[colors]`.
    UnderColors,
}

impl fmt::Display for KeyHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyHint::DidYouMean(key) => write!(f, " (did you mean `{key}`?)"),
            KeyHint::KnownKeys(keys) => write!(f, " (known keys: {keys})"),
            KeyHint::UnderColors => f.write_str(" (colours go under the [colors] table)"),
        }
    }
}

/// Why a text is not a colour (see [`parse_color`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColorError {
    #[error("\"{0}\" is not a colour: a hex colour has only the digits 0-9 and a-f")]
    HexDigits(String),
    #[error("\"{text}\" is not a colour: a hex colour has 3 or 6 digits, not {digits}")]
    HexLength { text: String, digits: usize },
    /// A palette index written as a string (`"ansi(300)"`, `"300"`).
    #[error("\"{0}\" is not a colour: the 256-colour palette is numbered 0-255")]
    PaletteIndex(String),
    /// A palette index written as a TOML integer (`300`, `-1`).
    #[error("{0} is not a colour: the 256-colour palette is numbered 0-255")]
    PaletteInteger(String),
    #[error(
        "\"{0}\" is not a colour: use \"#rrggbb\", \"#rgb\", a name like \"lightblue\", \"ansi(0-255)\" or an integer 0-255"
    )]
    Unknown(String),
    /// A TOML value of another type (a boolean, a float, a table…).
    #[error("expected a colour string like \"#88c0d0\" or an integer 0-255, not {0}")]
    WrongType(&'static str),
}

fn no_file(looked_in: &Option<PathBuf>) -> String {
    match looked_in {
        Some(path) => format!("no file {}", path.display()),
        None => "no config directory to look in".to_string(),
    }
}

fn arrows(chain: &[PathBuf]) -> String {
    chain
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" -> ")
}

macro_rules! palette {
    ($($(#[$doc:meta])* $field:ident,)+) => {
        /// The UI colours of a theme; each is a key of the `[colors]` table of a theme file.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct Palette {
            $($(#[$doc])* pub $field: Color,)+
        }

        impl Palette {
            /// Every key of the `[colors]` table, in file order.
            pub const KEYS: &'static [&'static str] = &[$(stringify!($field)),+];

            fn slot(&mut self, key: &str) -> Option<&mut Color> {
                match key {
                    $(stringify!($field) => Some(&mut self.$field),)+
                    _ => None,
                }
            }
        }
    };
}

palette! {
    /// Normal text: code in plain cells, outputs, popups.
    text,
    /// Secondary text: hints, execution counts, timestamps, placeholders.
    dim,
    /// The fill behind everything; `reset` keeps the terminal's own background.
    background,
    /// Borders of unfocused cells and panes.
    border,
    /// The border of the focused cell or pane.
    border_focused,
    /// The border of the cell being edited.
    border_editing,
    /// The `spark` (Scala) kind badge.
    badge_spark,
    /// The `pyspark` kind badge.
    badge_pyspark,
    /// The `sparkr` kind badge.
    badge_sparkr,
    /// The `sql` kind badge.
    badge_sql,
    /// Session state `idle` (and a batch's `success`).
    state_idle,
    /// Session states `busy` and `running`.
    state_busy,
    /// Session states `not_started`, `starting` and `recovering`.
    state_starting,
    /// Session state `error` (recoverable in Livy).
    state_error,
    /// Session states `dead`, `killed` and `shutting_down`.
    state_dead,
    /// Error outputs and error messages.
    error,
    /// Warnings.
    warning,
    /// Success messages.
    success,
    /// Status bar background.
    status_bar_bg,
    /// Status bar text.
    status_bar_fg,
    /// Background of the selected row or item (normal `text` is drawn over it).
    selection,
    /// Background of a search match (normal `text` is drawn over it).
    search_match,
    /// Progress bars.
    progress,
    /// The session log pane.
    log_text,
}

/// A complete theme: UI colours, the syntect theme for code, and whether colour is off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    /// The theme's name (its `name` key, else its file name).
    pub name: String,
    /// syntect theme name, one of syntect's bundled ones (e.g. "base16-ocean.dark", "InspiredGitHub")
    pub syntax: String,
    /// The UI colours.
    pub colors: Palette,
    /// true when NO_COLOR is set (or the "none" theme): every style accessor returns
    /// Style::default() + modifiers only (bold/reversed/underline stay, colours go)
    pub monochrome: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::builtin(DEFAULT_BASE).unwrap_or_else(|| Theme {
            name: DEFAULT_BASE.to_string(),
            syntax: "base16-ocean.dark".to_string(),
            colors: Palette::default(),
            monochrome: false,
        })
    }
}

impl Theme {
    /// A built-in theme: "dark", "light", or "none" (monochrome).
    pub fn builtin(name: &str) -> Option<Theme> {
        if name == "none" {
            let mut theme = Theme::builtin(DEFAULT_BASE)?;
            theme.name = "none".to_string();
            theme.monochrome = true;
            return Some(theme);
        }
        let (name, text) = BUILTINS.iter().find(|(n, _)| *n == name)?;
        parse_builtin(name, text).ok()
    }

    /// The names `builtin` accepts.
    pub fn builtin_names() -> &'static [&'static str] {
        BUILTIN_NAMES
    }

    /// name = a built-in name, a theme name found as `<config_dir>/themes/<name>.toml`, or a path to a .toml file.
    /// Errors are one clear line: which file, which key, what is wrong (never a Debug dump).
    ///
    /// A file in `<config_dir>/themes/` wins over a built-in of the same name, so a user can
    /// adjust `dark` in place; inside that file `inherits = "dark"` means the built-in.
    pub fn load(name: &str, config_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        load_named(name, config_dir, &mut Vec::new())
    }

    /// Every theme name `load` accepts without a path: built-ins, then the user's themes.
    pub fn available(config_dir: Option<&Path>) -> Vec<String> {
        let mut names: Vec<String> = BUILTIN_NAMES.iter().map(|s| s.to_string()).collect();
        let mut user: Vec<String> = config_dir
            .and_then(|dir| std::fs::read_dir(dir.join("themes")).ok())
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                (path.extension()? == "toml").then(|| path.file_stem()?.to_str().map(str::to_string))?
            })
            .filter(|name| !names.contains(name))
            .collect();
        user.sort();
        names.append(&mut user);
        names
    }

    /// Applies NO_COLOR (any non-empty value) per https://no-color.org.
    pub fn with_no_color(mut self, no_color: bool) -> Theme {
        self.monochrome |= no_color;
        self
    }

    /// Whether the environment asks for no colour: `NO_COLOR` set to a non-empty value.
    pub fn no_color_env() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }

    /// Foreground `color`, or no style at all when monochrome.
    pub fn style(&self, color: Color) -> Style {
        if self.monochrome {
            Style::default()
        } else {
            Style::default().fg(color)
        }
    }

    /// Background `color`, or no style at all when monochrome.
    pub fn bg(&self, color: Color) -> Style {
        if self.monochrome {
            Style::default()
        } else {
            Style::default().bg(color)
        }
    }

    /// Fill for a whole area: `text` on `background`.
    pub fn base(&self) -> Style {
        self.style(self.colors.text).patch(self.bg(self.colors.background))
    }

    /// Normal text.
    pub fn text(&self) -> Style {
        self.style(self.colors.text)
    }

    /// Secondary text; faint (SGR 2) when monochrome, where there is no dim colour.
    pub fn dim(&self) -> Style {
        self.style(self.colors.dim).add_modifier(self.mono_only(Modifier::DIM))
    }

    /// Border of an unfocused cell or pane.
    pub fn border(&self) -> Style {
        self.style(self.colors.border)
    }

    /// Border of the focused cell or pane (bold when monochrome).
    pub fn border_focused(&self) -> Style {
        self.style(self.colors.border_focused)
            .add_modifier(self.mono_only(Modifier::BOLD))
    }

    /// Border of the cell being edited (bold when monochrome).
    pub fn border_editing(&self) -> Style {
        self.style(self.colors.border_editing)
            .add_modifier(self.mono_only(Modifier::BOLD))
    }

    /// The colour of a kind's badge (`dim` for `shared` and unknown kinds).
    pub fn kind_color(&self, kind: &SessionKind) -> Color {
        match kind {
            SessionKind::Spark => self.colors.badge_spark,
            SessionKind::PySpark => self.colors.badge_pyspark,
            SessionKind::SparkR => self.colors.badge_sparkr,
            SessionKind::Sql => self.colors.badge_sql,
            SessionKind::Shared | SessionKind::Unknown(_) => self.colors.dim,
        }
    }

    /// A kind badge such as `pyspark`: bold, in the kind's colour.
    pub fn kind_badge(&self, kind: &SessionKind) -> Style {
        self.style(self.kind_color(kind)).add_modifier(Modifier::BOLD)
    }

    /// The colour of a session (or batch) state.
    pub fn state_color(&self, state: &SessionState) -> Color {
        match state {
            SessionState::NotStarted | SessionState::Starting | SessionState::Recovering => self.colors.state_starting,
            SessionState::Idle | SessionState::Success => self.colors.state_idle,
            SessionState::Busy | SessionState::Running => self.colors.state_busy,
            SessionState::Error => self.colors.state_error,
            SessionState::Dead | SessionState::Killed | SessionState::ShuttingDown => self.colors.state_dead,
            SessionState::Unknown(_) => self.colors.dim,
        }
    }

    /// A session state: its colour; bold for the states that need the user (error, dead…).
    pub fn session_state(&self, state: &SessionState) -> Style {
        let style = self.style(self.state_color(state));
        match state {
            SessionState::Error | SessionState::Dead | SessionState::Killed => style.add_modifier(Modifier::BOLD),
            _ => style,
        }
    }

    /// Error messages and error outputs.
    pub fn error(&self) -> Style {
        self.style(self.colors.error)
    }

    /// Warnings.
    pub fn warning(&self) -> Style {
        self.style(self.colors.warning)
    }

    /// Success messages.
    pub fn success(&self) -> Style {
        self.style(self.colors.success)
    }

    /// The status bar (reversed when monochrome, so it still stands apart).
    pub fn status_bar(&self) -> Style {
        self.style(self.colors.status_bar_fg)
            .patch(self.bg(self.colors.status_bar_bg))
            .add_modifier(self.mono_only(Modifier::REVERSED))
    }

    /// The selected row or item: a background under normal text (reversed when monochrome).
    pub fn selection(&self) -> Style {
        self.bg(self.colors.selection)
            .add_modifier(self.mono_only(Modifier::REVERSED))
    }

    /// A search match: `text` on the match background (bold and underlined when monochrome).
    pub fn search_match(&self) -> Style {
        self.text()
            .patch(self.bg(self.colors.search_match))
            .add_modifier(self.mono_only(Modifier::BOLD | Modifier::UNDERLINED))
    }

    /// Progress bars (the filled part).
    pub fn progress(&self) -> Style {
        self.style(self.colors.progress)
    }

    /// The session log pane.
    pub fn log_text(&self) -> Style {
        self.style(self.colors.log_text)
    }

    fn mono_only(&self, modifier: Modifier) -> Modifier {
        if self.monochrome { modifier } else { Modifier::empty() }
    }
}

/// Parses a colour as written in a theme file: `"#rrggbb"`, `"#rgb"`, an ANSI name
/// (`"red"`, `"lightblue"`, `"darkgray"`, `"reset"`; `_`, `-` and spaces ignored),
/// `"ansi(NN)"` or `"NN"` for the 256-colour palette.
pub fn parse_color(text: &str) -> Result<Color, ColorError> {
    let s = text.trim();
    if let Some(hex) = s.strip_prefix('#') {
        return parse_hex(text, hex);
    }
    let lower = s.to_ascii_lowercase();
    let index = lower
        .strip_prefix("ansi(")
        .and_then(|rest| rest.strip_suffix(')'))
        .map(str::trim)
        .or_else(|| lower.chars().all(|c| c.is_ascii_digit()).then_some(lower.as_str()))
        .filter(|digits| !digits.is_empty());
    if let Some(digits) = index {
        return match digits.parse::<u32>() {
            Ok(n) if n <= 255 => Ok(Color::Indexed(n as u8)),
            _ => Err(ColorError::PaletteIndex(text.to_string())),
        };
    }
    let name: String = lower.chars().filter(|c| !matches!(c, '_' | '-' | ' ')).collect();
    named_color(&name).ok_or_else(|| ColorError::Unknown(text.to_string()))
}

/// `hex` (the digits after `#` in `text`): `rrggbb` or `rgb`.
fn parse_hex(text: &str, hex: &str) -> Result<Color, ColorError> {
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ColorError::HexDigits(text.to_string()));
    }
    match hex.len() {
        6 => {
            let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
            Ok(Color::Rgb(byte(0), byte(2), byte(4)))
        }
        3 => {
            let digit = |i: usize| u8::from_str_radix(&hex[i..i + 1], 16).unwrap_or(0);
            let [r, g, b] = [0, 1, 2].map(|i| digit(i) * 17);
            Ok(Color::Rgb(r, g, b))
        }
        digits => Err(ColorError::HexLength {
            text: text.to_string(),
            digits,
        }),
    }
}

/// An ANSI colour by name, lower case without `_`, `-` or spaces.
fn named_color(name: &str) -> Option<Color> {
    Some(match name {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" | "brightblack" => Color::DarkGray,
        "lightred" | "brightred" => Color::LightRed,
        "lightgreen" | "brightgreen" => Color::LightGreen,
        "lightyellow" | "brightyellow" => Color::LightYellow,
        "lightblue" | "brightblue" => Color::LightBlue,
        "lightmagenta" | "brightmagenta" => Color::LightMagenta,
        "lightcyan" | "brightcyan" => Color::LightCyan,
        "white" | "brightwhite" => Color::White,
        _ => return None,
    })
}

/// One theme file, read but not yet merged with what it inherits.
struct ThemeFile {
    name: Option<String>,
    syntax: Option<String>,
    /// The `inherits` value and its line, for errors about it.
    inherits: Option<(String, usize)>,
    colors: Vec<(&'static str, Color)>,
}

/// A theme's text and where it comes from, for error messages.
struct Source<'a> {
    origin: Origin,
    text: &'a str,
}

impl Source<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
    }

    fn error(&self, span: Range<usize>, problem: LineProblem) -> ThemeError {
        ThemeError::AtLine {
            origin: self.origin.clone(),
            line: self.line(span),
            problem,
        }
    }
}

fn parse_file(source: &Source<'_>) -> Result<ThemeFile, ThemeError> {
    let root = parse_toml(source)?;
    let mut file = ThemeFile {
        name: None,
        syntax: None,
        inherits: None,
        colors: Vec::new(),
    };
    for (key, value) in in_file_order(root.get_ref()) {
        let key_name = key.get_ref().as_ref();
        match key_name {
            "name" => file.name = Some(string_value(source, key_name, value)?),
            "syntax" => file.syntax = Some(string_value(source, key_name, value)?),
            "inherits" => file.inherits = Some((string_value(source, key_name, value)?, source.line(key.span()))),
            "colors" => file.colors = colors_table(source, value)?,
            _ => return Err(source.error(key.span(), unknown_top_level_key(key_name))),
        }
    }
    Ok(file)
}

fn parse_toml<'a>(source: &Source<'a>) -> Result<Spanned<DeTable<'a>>, ThemeError> {
    DeTable::parse(source.text).map_err(|e| {
        let message = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
        match e.span() {
            Some(span) => source.error(span, LineProblem::Toml(message)),
            None => ThemeError::Toml {
                origin: source.origin.clone(),
                message,
            },
        }
    })
}

/// The entries of a table in file order (the map is sorted by key), so problems are
/// reported in the order a reader meets them.
fn in_file_order<'t, 'a>(table: &'t DeTable<'a>) -> Vec<(&'t Spanned<DeString<'a>>, &'t Spanned<DeValue<'a>>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// The `[colors]` table: every key a palette key, every value a colour.
fn colors_table(source: &Source<'_>, value: &Spanned<DeValue<'_>>) -> Result<Vec<(&'static str, Color)>, ThemeError> {
    let DeValue::Table(table) = value.get_ref() else {
        return Err(source.error(value.span(), LineProblem::ColorsNotATable(value.get_ref().type_str())));
    };
    let mut colors = Vec::new();
    for (key, value) in in_file_order(table) {
        let key_name = key.get_ref().as_ref();
        let Some(field) = Palette::KEYS.iter().find(|k| **k == key_name) else {
            let hint = suggestion(key_name, Palette::KEYS)
                .map(KeyHint::DidYouMean)
                .unwrap_or_else(|| KeyHint::KnownKeys(Palette::KEYS.join(", ")));
            let problem = LineProblem::UnknownKey {
                key: format!("colors.{key_name}"),
                hint,
            };
            return Err(source.error(key.span(), problem));
        };
        let color = color_value(value.get_ref()).map_err(|error| {
            let key = key_name.to_string();
            source.error(value.span(), LineProblem::BadColor { key, error })
        })?;
        colors.push((*field, color));
    }
    Ok(colors)
}

fn unknown_top_level_key(key: &str) -> LineProblem {
    let hint = if Palette::KEYS.contains(&key) {
        KeyHint::UnderColors
    } else {
        suggestion(key, TOP_LEVEL_KEYS)
            .map(KeyHint::DidYouMean)
            .unwrap_or_else(|| KeyHint::KnownKeys("name, syntax, inherits, [colors]".to_string()))
    };
    LineProblem::UnknownKey {
        key: key.to_string(),
        hint,
    }
}

fn string_value(source: &Source<'_>, key: &str, value: &Spanned<DeValue<'_>>) -> Result<String, ThemeError> {
    match value.get_ref() {
        DeValue::String(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        DeValue::String(_) => Err(source.error(value.span(), LineProblem::Empty(key.to_string()))),
        other => Err(source.error(
            value.span(),
            LineProblem::NotAString {
                key: key.to_string(),
                found: other.type_str(),
            },
        )),
    }
}

fn color_value(value: &DeValue<'_>) -> Result<Color, ColorError> {
    match value {
        DeValue::String(s) => parse_color(s),
        DeValue::Integer(i) => {
            let digits: String = i.as_str().chars().filter(|c| *c != '_').collect();
            match i64::from_str_radix(&digits, i.radix()) {
                Ok(n @ 0..=255) => Ok(Color::Indexed(n as u8)),
                _ => Err(ColorError::PaletteInteger(i.as_str().to_string())),
            }
        }
        other => Err(ColorError::WrongType(other.type_str())),
    }
}

/// The closest known key to a typo, if it is close enough to be a likely typo.
fn suggestion<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let key = key.to_ascii_lowercase().replace('-', "_");
    known
        .iter()
        .map(|k| (edit_distance(&key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// A built-in file must set every key: it is the base everything else falls back to.
fn parse_builtin(name: &str, text: &str) -> Result<Theme, ThemeError> {
    let source = Source {
        origin: Origin::Builtin(name.to_string()),
        text,
    };
    let file = parse_file(&source)?;
    let missing = |key: String| ThemeError::MissingKey {
        origin: source.origin.clone(),
        key,
    };
    let mut colors = Palette::default();
    for key in Palette::KEYS {
        let (_, color) = file
            .colors
            .iter()
            .find(|(k, _)| k == key)
            .ok_or_else(|| missing(format!("colors.{key}")))?;
        *colors.slot(key).expect("palette key") = *color;
    }
    Ok(Theme {
        name: file.name.unwrap_or_else(|| name.to_string()),
        syntax: file.syntax.ok_or_else(|| missing("syntax".to_string()))?,
        colors,
        monochrome: false,
    })
}

fn looks_like_path(name: &str) -> bool {
    name.ends_with(".toml") || name.contains('/') || name.contains(std::path::MAIN_SEPARATOR)
}

fn expand_home(name: &str) -> PathBuf {
    match (name.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(name),
    }
}

/// Resolves `name` (see `Theme::load`). `chain` holds the files being loaded, to stop cycles.
fn load_named(name: &str, config_dir: Option<&Path>, chain: &mut Vec<PathBuf>) -> Result<Theme, ThemeError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ThemeError::EmptyName);
    }
    if looks_like_path(name) {
        return load_file(&expand_home(name), config_dir, chain);
    }
    let user_file = config_dir.map(|dir| dir.join("themes").join(format!("{name}.toml")));
    if let Some(path) = user_file.as_ref().filter(|p| p.is_file()) {
        // Inside `<dir>/themes/dark.toml`, `inherits = "dark"` means the built-in.
        let in_chain = chain.iter().any(|p| same_file(p, path));
        if !in_chain {
            return load_file(path, config_dir, chain);
        }
        if Theme::builtin(name).is_none() {
            return Err(cycle(chain, path));
        }
    }
    Theme::builtin(name).ok_or_else(|| ThemeError::Unknown {
        name: name.to_string(),
        looked_in: user_file,
    })
}

/// The cycle `chain` makes when `path` comes next.
fn cycle(chain: &[PathBuf], path: &Path) -> ThemeError {
    ThemeError::Cycle(chain.iter().cloned().chain([path.to_path_buf()]).collect())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn load_file(path: &Path, config_dir: Option<&Path>, chain: &mut Vec<PathBuf>) -> Result<Theme, ThemeError> {
    if chain.iter().any(|p| same_file(p, path)) {
        return Err(cycle(chain, path));
    }
    if chain.len() >= MAX_INHERIT_DEPTH {
        return Err(ThemeError::TooDeep(path.to_path_buf()));
    }
    let text = std::fs::read_to_string(path).map_err(|source| ThemeError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let source = Source {
        origin: Origin::File(path.to_path_buf()),
        text: &text,
    };
    let file = parse_file(&source)?;

    chain.push(path.to_path_buf());
    let base = match &file.inherits {
        Some((base, line)) => load_named(base, config_dir, chain).map_err(|error| ThemeError::AtLine {
            origin: source.origin.clone(),
            line: *line,
            problem: LineProblem::Inherits {
                base: base.clone(),
                error: Box::new(error),
            },
        }),
        None => load_named(DEFAULT_BASE, config_dir, chain),
    };
    chain.pop();
    let mut theme = base?;

    theme.name = file
        .name
        .or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| theme.name.clone());
    if let Some(syntax) = file.syntax {
        theme.syntax = syntax;
    }
    for (key, color) in file.colors {
        *theme.colors.slot(key).expect("palette key") = color;
    }
    Ok(theme)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_theme(dir: &Path, name: &str, text: &str) -> PathBuf {
        let themes = dir.join("themes");
        std::fs::create_dir_all(&themes).unwrap();
        let path = themes.join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn parses_every_colour_form() {
        assert_eq!(parse_color("#88c0d0"), Ok(Color::Rgb(0x88, 0xc0, 0xd0)));
        assert_eq!(parse_color("#FFAA00"), Ok(Color::Rgb(255, 170, 0)));
        assert_eq!(parse_color("#f0a"), Ok(Color::Rgb(255, 0, 170)));
        assert_eq!(parse_color("red"), Ok(Color::Red));
        assert_eq!(parse_color("lightblue"), Ok(Color::LightBlue));
        assert_eq!(parse_color("Light_Blue"), Ok(Color::LightBlue));
        assert_eq!(parse_color("darkgray"), Ok(Color::DarkGray));
        assert_eq!(parse_color("dark-grey"), Ok(Color::DarkGray));
        assert_eq!(parse_color("gray"), Ok(Color::Gray));
        assert_eq!(parse_color("white"), Ok(Color::White));
        assert_eq!(parse_color("reset"), Ok(Color::Reset));
        assert_eq!(parse_color("ansi(42)"), Ok(Color::Indexed(42)));
        assert_eq!(parse_color("ANSI( 7 )"), Ok(Color::Indexed(7)));
        assert_eq!(parse_color("255"), Ok(Color::Indexed(255)));
        // integers in TOML, any radix
        let table = DeTable::parse("a = 0\nb = 255\nc = 0x1f\nd = 1_0").unwrap();
        let get = |k: &str| color_value(table.get_ref().get(k).unwrap().get_ref());
        assert_eq!(get("a"), Ok(Color::Indexed(0)));
        assert_eq!(get("b"), Ok(Color::Indexed(255)));
        assert_eq!(get("c"), Ok(Color::Indexed(31)));
        assert_eq!(get("d"), Ok(Color::Indexed(10)));
    }

    #[test]
    fn bad_colours_say_what_is_wrong() {
        let err = parse_color("#12345").unwrap_err().to_string();
        assert!(err.contains("\"#12345\"") && err.contains("3 or 6 digits"), "{err}");
        let err = parse_color("#ggg").unwrap_err().to_string();
        assert!(err.contains("0-9 and a-f"), "{err}");
        let err = parse_color("ansi(256)").unwrap_err().to_string();
        assert!(err.contains("0-255"), "{err}");
        let err = parse_color("purplish").unwrap_err().to_string();
        assert!(
            err.contains("\"purplish\" is not a colour") && err.contains("#rrggbb"),
            "{err}"
        );
        assert!(parse_color("").is_err());
        assert!(parse_color("ansi()").is_err());
        let table = DeTable::parse("a = 300\nb = -1\nc = true\nd = 1.5").unwrap();
        for key in ["a", "b", "c", "d"] {
            assert!(
                color_value(table.get_ref().get(key).unwrap().get_ref()).is_err(),
                "{key}"
            );
        }
    }

    #[test]
    fn bad_colour_in_a_file_names_file_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_theme(
            dir.path(),
            "mine",
            "name = \"mine\"\n\n[colors]\ntext = \"#fff\"\nborder = \"#12\"\n",
        );
        let err = Theme::load("mine", Some(dir.path())).unwrap_err().to_string();
        let expected = format!(
            "theme file {}: line 5: `colors.border`: \"#12\" is not a colour: a hex colour has 3 or 6 digits, not 2",
            path.display()
        );
        assert_eq!(err, expected);
        assert!(!err.contains('\n'));
    }

    #[test]
    fn unknown_keys_are_named_with_a_suggestion() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_theme(
            dir.path(),
            "typo",
            "[colors]\ntext = \"red\"\nbordr_focused = \"blue\"\n",
        );
        let err = Theme::load("typo", Some(dir.path())).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "theme file {}: line 3: unknown key `colors.bordr_focused` (did you mean `border_focused`?)",
                path.display()
            )
        );

        write_theme(dir.path(), "top", "synatx = \"InspiredGitHub\"\n");
        let err = Theme::load("top", Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.ends_with("line 1: unknown key `synatx` (did you mean `syntax`?)"),
            "{err}"
        );

        write_theme(dir.path(), "misplaced", "text = \"red\"\n");
        let err = Theme::load("misplaced", Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.contains("unknown key `text` (colours go under the [colors] table)"),
            "{err}"
        );

        write_theme(dir.path(), "far", "[colors]\nzzzzzz = 1\n");
        let err = Theme::load("far", Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.contains("unknown key `colors.zzzzzz` (known keys: text, dim,"),
            "{err}"
        );
    }

    #[test]
    fn theme_errors_display_as_one_line() {
        let file = Origin::File(PathBuf::from("/t/mine.toml"));
        let cases: Vec<(ThemeError, &str)> = vec![
            (
                ThemeError::EmptyName,
                "theme name is empty: use a built-in (dark, light, none), a theme name or a path",
            ),
            (
                ThemeError::Unknown {
                    name: "x".into(),
                    looked_in: None,
                },
                "unknown theme \"x\": not a built-in (dark, light, none) and no config directory to look in",
            ),
            (
                ThemeError::Cycle(vec!["/t/a.toml".into(), "/t/b.toml".into(), "/t/a.toml".into()]),
                "themes inherit from each other in a cycle: /t/a.toml -> /t/b.toml -> /t/a.toml",
            ),
            (
                ThemeError::TooDeep("/t/deep.toml".into()),
                "theme file /t/deep.toml: `inherits` chain is deeper than 8",
            ),
            (
                ThemeError::Toml {
                    origin: file.clone(),
                    message: "bad".into(),
                },
                "theme file /t/mine.toml: invalid TOML: bad",
            ),
            (
                ThemeError::MissingKey {
                    origin: Origin::Builtin("dark".into()),
                    key: "syntax".into(),
                },
                "built-in theme dark: missing key `syntax`",
            ),
            (
                ThemeError::AtLine {
                    origin: file.clone(),
                    line: 2,
                    problem: LineProblem::Inherits {
                        base: "b".into(),
                        error: Box::new(ThemeError::AtLine {
                            origin: Origin::File("/t/b.toml".into()),
                            line: 1,
                            problem: LineProblem::ColorsNotATable("integer"),
                        }),
                    },
                },
                "theme file /t/mine.toml: line 2: `inherits = \"b\"`: theme file /t/b.toml: line 1: `colors` must be a table ([colors]), not integer",
            ),
            (
                ThemeError::AtLine {
                    origin: file,
                    line: 3,
                    problem: LineProblem::Empty("name".into()),
                },
                "theme file /t/mine.toml: line 3: `name` is empty",
            ),
        ];
        for (error, text) in cases {
            assert_eq!(error.to_string(), text);
        }
        assert_eq!(
            ColorError::WrongType("boolean").to_string(),
            "expected a colour string like \"#88c0d0\" or an integer 0-255, not boolean"
        );
        assert_eq!(
            ColorError::PaletteInteger("300".into()).to_string(),
            "300 is not a colour: the 256-colour palette is numbered 0-255"
        );
    }

    #[test]
    fn a_builtin_must_set_every_key() {
        let err = parse_builtin("half", "syntax = \"x\"\n[colors]\ntext = \"red\"\n").unwrap_err();
        assert_eq!(err.to_string(), "built-in theme half: missing key `colors.dim`");
        let full = BUILTINS[0].1.replace("syntax =", "# syntax =");
        let err = parse_builtin("nosyntax", &full).unwrap_err();
        assert_eq!(err.to_string(), "built-in theme nosyntax: missing key `syntax`");
    }

    #[test]
    fn toml_syntax_errors_are_one_line_with_a_line_number() {
        let dir = tempfile::tempdir().unwrap();
        write_theme(dir.path(), "broken", "name = \"x\"\n[colors\ntext = 1\n");
        let err = Theme::load("broken", Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("line 2: invalid TOML"), "{err}");
        assert!(!err.contains('\n'), "{err}");

        write_theme(dir.path(), "wrongtype", "syntax = 3\n");
        let err = Theme::load("wrongtype", Some(dir.path())).unwrap_err().to_string();
        assert!(err.ends_with("line 1: `syntax` must be a string, not integer"), "{err}");
    }

    #[test]
    fn both_builtins_load_complete_and_distinct() {
        for name in ["dark", "light"] {
            let text = BUILTINS.iter().find(|(n, _)| *n == name).unwrap().1;
            let theme = parse_builtin(name, text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(theme.name, name);
            assert!(!theme.monochrome);
            assert_eq!(Theme::builtin(name), Some(theme.clone()));
            assert_eq!(Theme::load(name, None).unwrap(), theme);
        }
        let dark = Theme::builtin("dark").unwrap();
        let light = Theme::builtin("light").unwrap();
        assert_ne!(dark.colors, light.colors);
        assert_eq!(dark.syntax, "base16-ocean.dark");
        assert_eq!(light.syntax, "InspiredGitHub");
        assert_eq!(dark.colors.background, Color::Reset);
        assert!(Theme::builtin("none").unwrap().monochrome);
        assert_eq!(Theme::builtin("solarized"), None);
        for name in Theme::builtin_names() {
            assert!(Theme::builtin(name).is_some(), "{name}");
        }
        assert_eq!(Theme::default(), dark);
    }

    /// WCAG contrast ratio, to keep the built-ins readable on the terminals they are for.
    fn contrast(a: Color, b: Color) -> f64 {
        let lum = |c: Color| {
            let Color::Rgb(r, g, b) = c else {
                panic!("{c:?} is not rgb")
            };
            let ch = |v: u8| {
                let v = v as f64 / 255.0;
                if v <= 0.03928 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)
        };
        let (x, y) = (lum(a), lum(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn builtin_text_colours_are_readable() {
        let black = Color::Rgb(0, 0, 0);
        let dark_bg = Color::Rgb(0x28, 0x2c, 0x34);
        let white = Color::Rgb(255, 255, 255);
        let dark = Theme::builtin("dark").unwrap().colors;
        let light = Theme::builtin("light").unwrap().colors;
        let foreground = |p: &Palette| {
            [
                p.text,
                p.dim,
                p.badge_spark,
                p.badge_pyspark,
                p.badge_sparkr,
                p.badge_sql,
                p.state_idle,
                p.state_busy,
                p.state_starting,
                p.state_error,
                p.state_dead,
                p.error,
                p.warning,
                p.success,
                p.progress,
                p.log_text,
            ]
        };
        for (i, fg) in foreground(&dark).into_iter().enumerate() {
            assert!(contrast(fg, black) >= 4.5, "dark #{i} on black: {fg:?}");
            assert!(contrast(fg, dark_bg) >= 3.5, "dark #{i} on #282c34: {fg:?}");
        }
        for (i, fg) in foreground(&light).into_iter().enumerate() {
            assert!(contrast(fg, white) >= 4.5, "light #{i} on white: {fg:?}");
        }
        for p in [&dark, &light] {
            assert!(contrast(p.text, p.selection) >= 4.5, "text on selection");
            assert!(contrast(p.text, p.search_match) >= 4.5, "text on search match");
            assert!(contrast(p.status_bar_fg, p.status_bar_bg) >= 4.5, "status bar");
        }
    }

    #[test]
    fn partial_user_theme_inherits_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        write_theme(
            dir.path(),
            "mine",
            "inherits = \"light\"\n[colors]\nborder_focused = \"magenta\"\nerror = 196\n",
        );
        let theme = Theme::load("mine", Some(dir.path())).unwrap();
        let light = Theme::builtin("light").unwrap();
        assert_eq!(theme.name, "mine");
        assert_eq!(theme.syntax, light.syntax);
        assert_eq!(theme.colors.border_focused, Color::Magenta);
        assert_eq!(theme.colors.error, Color::Indexed(196));
        assert_eq!(theme.colors.text, light.colors.text);
        assert_eq!(theme.colors.selection, light.colors.selection);

        // no `inherits`: from dark; and by path, with its own name and syntax
        let path = write_theme(
            dir.path(),
            "other",
            "name = \"Other\"\nsyntax = \"Solarized (dark)\"\n[colors]\ntext = \"#abc\"\n",
        );
        let theme = Theme::load(path.to_str().unwrap(), None).unwrap();
        let dark = Theme::builtin("dark").unwrap();
        assert_eq!(
            (theme.name.as_str(), theme.syntax.as_str()),
            ("Other", "Solarized (dark)")
        );
        assert_eq!(theme.colors.text, Color::Rgb(0xaa, 0xbb, 0xcc));
        assert_eq!(theme.colors.dim, dark.colors.dim);

        // a user theme inheriting another user theme
        write_theme(dir.path(), "child", "inherits = \"mine\"\n[colors]\ntext = \"green\"\n");
        let theme = Theme::load("child", Some(dir.path())).unwrap();
        assert_eq!(theme.colors.text, Color::Green);
        assert_eq!(theme.colors.border_focused, Color::Magenta);
        assert_eq!(theme.colors.selection, light.colors.selection);

        let names = Theme::available(Some(dir.path()));
        assert_eq!(&names[..3], &["dark", "light", "none"]);
        assert!(names.contains(&"child".to_string()) && names.contains(&"mine".to_string()));
    }

    #[test]
    fn user_file_overrides_builtin_and_inherits_cycles_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        // overriding `dark` in place, inheriting the built-in of the same name
        write_theme(dir.path(), "dark", "inherits = \"dark\"\n[colors]\ntext = \"white\"\n");
        let theme = Theme::load("dark", Some(dir.path())).unwrap();
        assert_eq!(theme.colors.text, Color::White);
        assert_eq!(theme.colors.dim, Theme::builtin("dark").unwrap().colors.dim);

        write_theme(dir.path(), "a", "inherits = \"b\"\n");
        write_theme(dir.path(), "b", "inherits = \"a\"\n");
        let err = Theme::load("a", Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("cycle"), "{err}");
        assert!(!err.contains('\n'), "{err}");

        write_theme(dir.path(), "orphan", "\n\ninherits = \"drak\"\n");
        let err = Theme::load("orphan", Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.contains("line 3: `inherits = \"drak\"`: unknown theme \"drak\""),
            "{err}"
        );

        let err = Theme::load("nope", Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.starts_with("unknown theme \"nope\": not a built-in (dark, light, none) and no file"),
            "{err}"
        );
        let err = Theme::load("/does/not/exist.toml", None).unwrap_err().to_string();
        assert!(err.starts_with("cannot read theme file /does/not/exist.toml:"), "{err}");
    }

    #[test]
    fn no_color_drops_colours_and_keeps_modifiers() {
        let theme = Theme::builtin("dark").unwrap();
        assert_eq!(theme.style(Color::Red).fg, Some(Color::Red));
        assert_eq!(
            theme.kind_badge(&SessionKind::PySpark).fg,
            Some(theme.colors.badge_pyspark)
        );
        assert_eq!(theme.selection().bg, Some(theme.colors.selection));

        let mono = theme.clone().with_no_color(true);
        assert!(mono.monochrome);
        assert_eq!(theme.clone().with_no_color(false), theme);
        let styles = [
            mono.style(Color::Red),
            mono.bg(Color::Red),
            mono.base(),
            mono.text(),
            mono.dim(),
            mono.border(),
            mono.border_focused(),
            mono.border_editing(),
            mono.kind_badge(&SessionKind::Spark),
            mono.session_state(&SessionState::Dead),
            mono.session_state(&SessionState::Unknown("x".into())),
            mono.error(),
            mono.warning(),
            mono.success(),
            mono.status_bar(),
            mono.selection(),
            mono.search_match(),
            mono.progress(),
            mono.log_text(),
        ];
        for (i, style) in styles.iter().enumerate() {
            assert_eq!(
                (style.fg, style.bg, style.underline_color),
                (None, None, None),
                "style #{i}: {style:?}"
            );
        }
        // the modifiers that carry meaning stay
        assert!(
            mono.kind_badge(&SessionKind::Spark)
                .add_modifier
                .contains(Modifier::BOLD)
        );
        assert!(
            mono.session_state(&SessionState::Dead)
                .add_modifier
                .contains(Modifier::BOLD)
        );
        assert!(mono.selection().add_modifier.contains(Modifier::REVERSED));
        assert!(mono.status_bar().add_modifier.contains(Modifier::REVERSED));
        assert_eq!(Theme::builtin("none").unwrap().text(), Style::default());
    }

    #[test]
    fn states_and_kinds_map_to_their_colours() {
        let t = Theme::builtin("light").unwrap();
        let c = t.colors;
        let cases = [
            ("not_started", c.state_starting),
            ("starting", c.state_starting),
            ("recovering", c.state_starting),
            ("idle", c.state_idle),
            ("success", c.state_idle),
            ("busy", c.state_busy),
            ("running", c.state_busy),
            ("error", c.state_error),
            ("dead", c.state_dead),
            ("killed", c.state_dead),
            ("shutting_down", c.state_dead),
            ("warming_up", c.dim),
        ];
        for (state, color) in cases {
            assert_eq!(t.session_state(&SessionState::parse(state)).fg, Some(color), "{state}");
        }
        assert_eq!(t.kind_badge(&SessionKind::Spark).fg, Some(c.badge_spark));
        assert_eq!(t.kind_badge(&SessionKind::SparkR).fg, Some(c.badge_sparkr));
        assert_eq!(t.kind_badge(&SessionKind::Sql).fg, Some(c.badge_sql));
        assert_eq!(t.kind_badge(&SessionKind::Shared).fg, Some(c.dim));
    }
}
