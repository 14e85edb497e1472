//! The user's config file (`config.toml` in the config directory, or `--config FILE`):
//! theme, quit behaviour, default language, keep-alive, and key bindings.
//!
//! ```toml
//! theme = "light"
//! delete-on-quit = "ask"        # ask | always | never
//! default-kind = "pyspark"      # spark | pyspark | sparkr | sql
//! keepalive = "5m"              # how often the session sees activity; "off" for never
//! keepalive-for = "8h"          # …while a key was pressed within this long
//! [keys]
//! run-cell = ["ctrl-e", "f5"]   # replaces the defaults of that command
//! ```

use crate::app::DeleteOnQuit;
use crate::app::keymap::{Keymap, KeymapError};
use crate::livy::SessionKind;
use crate::profile::settings::{DurationError, parse_duration};
use crate::profile::{ProfileFile, Profiles, ProfilesError};
use crate::ui::images::ImageMode;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file as written; every key is optional. Only [`Config`] leaves this module.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    theme: Option<String>,
    delete_on_quit: Option<String>,
    default_kind: Option<String>,
    images: Option<String>,
    keepalive: Option<String>,
    keepalive_for: Option<String>,
    #[serde(default)]
    keys: BTreeMap<String, Vec<String>>,
    default_profile: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, ProfileFile>,
}

/// The config, checked and typed when it is read.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// A theme name (built in, or a file in the config directory), checked when loaded.
    pub theme: Option<String>,
    pub delete_on_quit: Option<DeleteOnQuit>,
    pub default_kind: Option<SessionKind>,
    pub images: Option<ImageMode>,
    /// `keepalive`: `Some(None)` is "off".
    pub keepalive: Option<Option<Duration>>,
    /// `keepalive-for`.
    pub keepalive_for: Option<Duration>,
    pub keymap: Keymap,
    /// What `[keys]` changed beyond the commands it names (a key moved from another
    /// command), for the notebook to show at start.
    pub key_notes: Vec<String>,
    /// `[profiles.NAME]` and `default-profile`.
    pub profiles: Profiles,
    /// The file it was read from, if any (for messages that name it).
    pub path: Option<PathBuf>,
}

/// Why the config could not be used: one line naming the file and the problem.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {}: {problem}", path.display())]
    Invalid { path: PathBuf, problem: ConfigProblem },
}

/// What is wrong inside a config text.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigProblem {
    #[error("{0}")]
    Syntax(String),
    #[error("delete-on-quit {0:?} is not one of ask, always, never")]
    DeleteOnQuit(String),
    #[error("default-kind {0:?} is not one of spark, pyspark, sparkr, sql")]
    DefaultKind(String),
    #[error("images: {0}")]
    Images(String),
    #[error("keepalive: {0}")]
    KeepAlive(KeepAliveError),
    #[error("keepalive-for: {0}")]
    KeepAliveFor(KeepAliveError),
    #[error(transparent)]
    Keys(#[from] KeymapError),
    #[error(transparent)]
    Profiles(#[from] ProfilesError),
}

/// The directory of the config file and user themes.
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "livy-tui").map(|d| d.config_dir().to_path_buf())
}

impl Config {
    /// Reads `path`, or the default file if it exists.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match config_dir() {
                Some(dir) => (dir.join("config.toml"), false),
                None => return Ok(Config::default()),
            },
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(Config::default()),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        match Config::parse(&text) {
            Ok(config) => Ok(Config {
                path: Some(path),
                ..config
            }),
            Err(problem) => Err(ConfigError::Invalid { path, problem }),
        }
    }

    /// Parses and checks config text.
    pub fn parse(text: &str) -> Result<Config, ConfigProblem> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| syntax_problem(text, &e))?;
        let (keymap, key_notes) = Keymap::with_overrides(&file.keys)?;
        Ok(Config {
            theme: file.theme,
            delete_on_quit: file.delete_on_quit.as_deref().map(parse_delete_on_quit).transpose()?,
            default_kind: file.default_kind.as_deref().map(parse_default_kind).transpose()?,
            images: file
                .images
                .as_deref()
                .map(|m| m.parse::<ImageMode>().map_err(|e| ConfigProblem::Images(e.to_string())))
                .transpose()?,
            keepalive: file
                .keepalive
                .as_deref()
                .map(parse_keepalive)
                .transpose()
                .map_err(ConfigProblem::KeepAlive)?,
            keepalive_for: file
                .keepalive_for
                .as_deref()
                .map(parse_keepalive_for)
                .transpose()
                .map_err(ConfigProblem::KeepAliveFor)?,
            keymap,
            key_notes,
            profiles: Profiles::from_file(file.default_profile, file.profiles)?,
            path: None,
        })
    }
}

/// A TOML or shape error as one line that says where: `line 7: unknown field ...`.
fn syntax_problem(text: &str, error: &toml::de::Error) -> ConfigProblem {
    let message = error.message().trim().replace('\n', " ");
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            ConfigProblem::Syntax(format!("line {line}: {message}"))
        }
        None => ConfigProblem::Syntax(message),
    }
}

/// `ask`, `always` or `never` (also the `--delete-on-quit` flag).
pub fn parse_delete_on_quit(text: &str) -> Result<DeleteOnQuit, ConfigProblem> {
    match text {
        "ask" => Ok(DeleteOnQuit::Ask),
        "always" | "yes" => Ok(DeleteOnQuit::Always),
        "never" | "no" => Ok(DeleteOnQuit::Never),
        other => Err(ConfigProblem::DeleteOnQuit(other.to_string())),
    }
}

/// The shortest `keepalive`: with it, an idle notebook still sends at most 12 requests a
/// minute (its session polls included).
pub const KEEPALIVE_MIN: Duration = Duration::from_secs(30);

/// Why a keep-alive setting was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KeepAliveError {
    #[error(transparent)]
    Duration(#[from] DurationError),
    #[error("{0:?} is more often than needed: at least 30s (Livy's idle timeouts are minutes)")]
    TooOften(String),
    #[error("\"off\" is for keepalive; keepalive-for is a duration such as 8h")]
    ForOff,
}

/// How often to keep the session alive (`keepalive`, `--keepalive`): a duration of at least
/// [`KEEPALIVE_MIN`] (`90s`, `5m`), or `off` (`None`).
pub fn parse_keepalive(text: &str) -> Result<Option<Duration>, KeepAliveError> {
    if text.trim().eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let every = parse_duration(text)?;
    if every < KEEPALIVE_MIN {
        return Err(KeepAliveError::TooOften(text.trim().to_string()));
    }
    Ok(Some(every))
}

/// How long keep-alive lasts without a key (`keepalive-for`, `--keepalive-for`).
pub fn parse_keepalive_for(text: &str) -> Result<Duration, KeepAliveError> {
    if text.trim().eq_ignore_ascii_case("off") {
        return Err(KeepAliveError::ForOff);
    }
    Ok(parse_duration(text)?)
}

fn parse_default_kind(text: &str) -> Result<SessionKind, ConfigProblem> {
    let kind = SessionKind::parse(text);
    if SessionKind::CODE_KINDS.contains(&kind) {
        Ok(kind)
    } else {
        Err(ConfigProblem::DefaultKind(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Command;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    #[test]
    fn keys_are_remapped_and_keep_their_scope() {
        let c = Config::parse("[keys]\nrun-cell = [\"f5\"]\ninsert-below = [\"b\", \"o\"]\n").unwrap();
        let f5 = KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE);
        assert_eq!(
            c.keymap.lookup(&f5, true),
            Some(Command::RunCell),
            "run-cell works while editing"
        );
        let o = KeyEvent::new(KeyCode::Char('o'), KeyModifiers::NONE);
        assert_eq!(
            c.keymap.lookup(&o, true),
            None,
            "a cells-mode command does not steal typing"
        );
        assert_eq!(c.keymap.lookup(&o, false), Some(Command::InsertBelow));
        assert_eq!(
            c.key_notes,
            vec!["[keys] o now runs insert-below (toggle-output has no key now)"]
        );
    }

    #[test]
    fn values_are_typed_when_read() {
        let c = Config::parse("delete-on-quit = \"never\"\ndefault-kind = \"python\"\nimages = \"off\"").unwrap();
        assert_eq!(c.delete_on_quit, Some(DeleteOnQuit::Never));
        assert_eq!(c.default_kind, Some(SessionKind::PySpark));
        assert_eq!(c.images, Some(ImageMode::None));
    }

    #[test]
    fn keepalive_is_a_duration_or_off() {
        let c = Config::parse("keepalive = \"90s\"\nkeepalive-for = \"2h\"").unwrap();
        assert_eq!(c.keepalive, Some(Some(Duration::from_secs(90))));
        assert_eq!(c.keepalive_for, Some(Duration::from_secs(7200)));
        let c = Config::parse("keepalive = \"off\"").unwrap();
        assert_eq!((c.keepalive, c.keepalive_for), (Some(None), None));
        let problem = |text: &str| Config::parse(text).unwrap_err().to_string();
        assert_eq!(
            problem("keepalive = \"2s\""),
            "keepalive: \"2s\" is more often than needed: at least 30s (Livy's idle timeouts are minutes)"
        );
        assert_eq!(
            problem("keepalive = \"soon\""),
            "keepalive: \"soon\" is not a duration such as 30, 90s, 2m or 1h"
        );
        assert_eq!(
            problem("keepalive-for = \"off\""),
            "keepalive-for: \"off\" is for keepalive; keepalive-for is a duration such as 8h"
        );
    }

    #[test]
    fn mistakes_are_named() {
        let problem = |text: &str| Config::parse(text).unwrap_err().to_string();
        assert!(problem("[keys]\nrun-cel = [\"f5\"]").contains("run-cel"));
        assert!(problem("[keys]\nrun-cell = [\"hyper-5\"]").contains("hyper-5"));
        assert_eq!(
            problem("delete-on-quit = \"maybe\""),
            "delete-on-quit \"maybe\" is not one of ask, always, never"
        );
        assert!(problem("default-kind = \"cobol\"").contains("cobol"));
        assert!(problem("colour = \"red\"").contains("colour"));
        assert!(problem("images = \"sixel-ish\"").starts_with("images: unknown image mode"));
    }

    #[test]
    fn file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "default-kind = \"cobol\"").unwrap();
        let e = Config::load(Some(&path)).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "config file {}: default-kind \"cobol\" is not one of spark, pyspark, sparkr, sql",
                path.display()
            )
        );
        let missing = dir.path().join("nope.toml");
        assert!(
            Config::load(Some(&missing))
                .unwrap_err()
                .to_string()
                .starts_with("cannot read the config file")
        );
    }
}
