//! The user's config file (`config.toml` in the config directory, or `--config FILE`):
//! theme, quit behaviour, default language, and key bindings.
//!
//! ```toml
//! theme = "light"
//! delete-on-quit = "ask"        # ask | always | never
//! default-kind = "pyspark"      # spark | pyspark | sparkr | sql
//! [keys]
//! run-cell = ["ctrl-e", "f5"]   # replaces the defaults of that command
//! ```

use crate::app::keymap::{Key, Keymap, Scope};
use crate::app::{Command, DeleteOnQuit};
use crate::livy::SessionKind;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The parsed config file; every key is optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub theme: Option<String>,
    pub delete_on_quit: Option<String>,
    pub default_kind: Option<String>,
    pub images: Option<String>,
    #[serde(default)]
    pub keys: BTreeMap<String, Vec<String>>,
}

/// The directory of the config file and user themes.
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "livy-tui").map(|d| d.config_dir().to_path_buf())
}

impl Config {
    /// Reads `path`, or the default file if it exists. Errors name the file and the problem.
    pub fn load(path: Option<&Path>) -> Result<Config, String> {
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
            Err(e) => return Err(format!("cannot read the config file {}: {e}", path.display())),
        };
        Config::parse(&text).map_err(|e| format!("config file {}: {e}", path.display()))
    }

    /// Parses config text.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.message().to_string())?;
        config.delete_on_quit()?;
        config.default_kind()?;
        config.image_mode()?;
        config.keymap()?;
        Ok(config)
    }

    /// `delete-on-quit`.
    pub fn delete_on_quit(&self) -> Result<Option<DeleteOnQuit>, String> {
        self.delete_on_quit.as_deref().map(parse_delete_on_quit).transpose()
    }

    /// `default-kind`.
    pub fn default_kind(&self) -> Result<Option<SessionKind>, String> {
        let Some(text) = self.default_kind.as_deref() else {
            return Ok(None);
        };
        let kind = SessionKind::parse(text);
        if !SessionKind::CODE_KINDS.contains(&kind) {
            return Err(format!(
                "default-kind {text:?} is not one of spark, pyspark, sparkr, sql"
            ));
        }
        Ok(Some(kind))
    }

    /// `images`.
    pub fn image_mode(&self) -> Result<Option<crate::ui::images::ImageMode>, String> {
        self.images
            .as_deref()
            .map(|m| m.parse().map_err(|e| format!("images: {e}")))
            .transpose()
    }

    /// The default keymap with the `[keys]` table applied.
    pub fn keymap(&self) -> Result<Keymap, String> {
        let mut keymap = Keymap::default();
        let defaults = Keymap::default();
        for (name, keys) in &self.keys {
            let command = Command::from_name(name)
                .ok_or_else(|| format!("[keys] has no command {name:?} (see the help overlay, F1, for the names)"))?;
            // A command keeps the scope of its default binding: global ones work while editing.
            let global = defaults
                .help_rows()
                .iter()
                .any(|(d, _, g)| d == command.description() && *g);
            let scope = if global { Scope::Global } else { Scope::Command };
            keymap.unbind_command(command);
            for key in keys {
                let key = Key::parse(key).map_err(|e| format!("[keys] {name}: {e}"))?;
                keymap.bind(scope, key, command);
            }
        }
        Ok(keymap)
    }
}

/// `ask`, `always` or `never`.
pub fn parse_delete_on_quit(text: &str) -> Result<DeleteOnQuit, String> {
    match text {
        "ask" => Ok(DeleteOnQuit::Ask),
        "always" | "yes" => Ok(DeleteOnQuit::Always),
        "never" | "no" => Ok(DeleteOnQuit::Never),
        other => Err(format!("delete-on-quit {other:?} is not one of ask, always, never")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    #[test]
    fn keys_are_remapped_and_keep_their_scope() {
        let c = Config::parse("[keys]\nrun-cell = [\"f5\"]\ninsert-below = [\"o\"]\n").unwrap();
        let map = c.keymap().unwrap();
        let f5 = KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE);
        assert_eq!(
            map.lookup(&f5, true),
            Some(Command::RunCell),
            "run-cell works while editing"
        );
        let o = KeyEvent::new(KeyCode::Char('o'), KeyModifiers::NONE);
        assert_eq!(map.lookup(&o, true), None, "a cells-mode command does not steal typing");
        assert_eq!(map.lookup(&o, false), Some(Command::InsertBelow));
    }

    #[test]
    fn mistakes_are_named() {
        assert!(
            Config::parse("[keys]\nrun-cel = [\"f5\"]")
                .unwrap_err()
                .contains("run-cel")
        );
        assert!(
            Config::parse("[keys]\nrun-cell = [\"hyper-5\"]")
                .unwrap_err()
                .contains("hyper-5")
        );
        assert!(
            Config::parse("delete-on-quit = \"maybe\"")
                .unwrap_err()
                .contains("maybe")
        );
        assert!(Config::parse("default-kind = \"cobol\"").unwrap_err().contains("cobol"));
        assert!(Config::parse("colour = \"red\"").unwrap_err().contains("colour"));
        assert_eq!(
            Config::parse("default-kind = \"python\"")
                .unwrap()
                .default_kind()
                .unwrap(),
            Some(SessionKind::PySpark)
        );
    }
}
