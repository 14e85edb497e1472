//! Connection profiles: the connection settings as one typed value
//! ([`ConnectionSettings`]) that a `[profiles.NAME]` table, the environment and the flags
//! fill in turn, and the defaults a profile gives new sessions and batches. Reading the
//! secrets a profile points at is `cli::connection`'s job; this module holds only where they
//! are. May use `livy` (request bodies); knows nothing of terminals.

pub mod file;
pub mod settings;
pub mod sparkmagic;

pub use file::ProfileFile;
pub use settings::{AuthMethod, AuthSettings, ConnectionSettings, SecretSource};

use crate::livy::{CreateBatch, CreateSession};
use std::collections::BTreeMap;

/// A named set of connection settings and defaults for what it creates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    pub name: String,
    pub connection: ConnectionSettings,
    /// Defaults for a new session (under the notebook's `%%configure` and the flags).
    pub session: CreateSession,
    /// Defaults for a new batch (its `file` is unused).
    pub batch: CreateBatch,
}

/// The profiles of the config file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profiles {
    /// `default-profile`: used when neither `--profile` nor `--url` says otherwise.
    pub default: Option<String>,
    pub by_name: BTreeMap<String, Profile>,
}

/// What is wrong with one profile (the config file's error names the file and the profile).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProfileProblem {
    #[error("{key} is not kept in the config file: use {instead}")]
    SecretInFile { key: &'static str, instead: &'static str },
    #[error("{key}: {problem}")]
    Invalid { key: String, problem: String },
}

/// Why the config file's profiles cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProfilesError {
    #[error("[profiles.{name}] {problem}")]
    Profile { name: String, problem: ProfileProblem },
    #[error("default-profile: {0}")]
    Default(UnknownProfile),
}

/// A profile asked for that the config file does not have.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("no profile named {name:?}{}", known_names(.known))]
pub struct UnknownProfile {
    pub name: String,
    pub known: Vec<String>,
}

fn known_names(known: &[String]) -> String {
    if known.is_empty() {
        " (the config file has no [profiles.NAME] tables)".to_string()
    } else {
        format!(" (there is {})", known.join(", "))
    }
}

impl Profiles {
    /// Types every profile as written; `default` must name one of them.
    pub fn from_file(default: Option<String>, files: BTreeMap<String, ProfileFile>) -> Result<Profiles, ProfilesError> {
        let mut by_name = BTreeMap::new();
        for (name, file) in files {
            match file.into_profile(&name) {
                Ok(profile) => by_name.insert(name, profile),
                Err(problem) => return Err(ProfilesError::Profile { name, problem }),
            };
        }
        let profiles = Profiles { default, by_name };
        if let Some(name) = &profiles.default
            && let Err(unknown) = profiles.get(name)
        {
            return Err(ProfilesError::Default(unknown));
        }
        Ok(profiles)
    }

    /// The profile by name.
    pub fn get(&self, name: &str) -> Result<&Profile, UnknownProfile> {
        self.by_name.get(name).ok_or_else(|| UnknownProfile {
            name: name.to_string(),
            known: self.by_name.keys().cloned().collect(),
        })
    }

    /// The profile that applies: the one asked for, else the default one unless a URL was
    /// given (a URL of its own means a server the default profile is not about).
    pub fn select(&self, asked: Option<&str>, url_given: bool) -> Result<Option<&Profile>, UnknownProfile> {
        match (asked, &self.default) {
            (Some(name), _) => self.get(name).map(Some),
            (None, Some(name)) if !url_given => self.get(name).map(Some),
            _ => Ok(None),
        }
    }
}
