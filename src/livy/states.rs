//! Session, statement and batch states, and session kinds.
//!
//! Every enum keeps what it does not know in `Unknown(String)`: vendors add states
//! (Fabric's `submitting`, Kyuubi's upper-case ones) and a new server must never make
//! a response unparseable.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A value this client does not know, kept as the server sent it.
            Unknown(String),
        }

        impl $name {
            /// The canonical wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Unknown(s) => s,
                }
            }

            /// Parses case-insensitively, accepting aliases; never fails.
            pub fn parse(s: &str) -> Self {
                let lower = s.trim().to_ascii_lowercase();
                match lower.as_str() {
                    $($text $(| $alias)* => Self::$variant,)+
                    _ => Self::Unknown(s.to_string()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = Option::<String>::deserialize(d)?.unwrap_or_default();
                Ok(Self::parse(&s))
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::parse(s))
            }
        }
    };
}

string_enum!(
    /// The state of an interactive session or a batch.
    SessionState {
        NotStarted => "not_started",
        Starting => "starting" | "submitting",
        Recovering => "recovering",
        Idle => "idle",
        Running => "running",
        Busy => "busy",
        ShuttingDown => "shutting_down",
        Error => "error",
        Dead => "dead",
        Killed => "killed",
        Success => "success",
    }
);

impl SessionState {
    /// The session or batch has ended and will not come back.
    pub fn is_finished(&self) -> bool {
        matches!(self, Self::ShuttingDown | Self::Dead | Self::Killed | Self::Success)
    }

    /// Still on its way up: statements cannot be posted yet.
    pub fn is_starting(&self) -> bool {
        matches!(self, Self::NotStarted | Self::Starting | Self::Recovering)
    }

    /// Accepts statements. `error` is included: after an interpreter died Livy keeps the
    /// session usable and a successful statement returns it to `idle`.
    pub fn accepts_statements(&self) -> bool {
        matches!(self, Self::Idle | Self::Busy | Self::Running | Self::Error)
    }
}

string_enum!(
    /// The state of a statement. There is no `error` state in Livy 0.5–0.9 (a failed statement
    /// is `available` with an error output), but Fabric sends `Error`, so it is accepted.
    StatementState {
        Waiting => "waiting",
        Running => "running",
        Available => "available",
        Cancelling => "cancelling",
        Cancelled => "cancelled",
        Error => "error",
    }
);

impl StatementState {
    /// No further change will come.
    pub fn is_finished(&self) -> bool {
        matches!(self, Self::Available | Self::Cancelled | Self::Error)
    }
}

string_enum!(
    /// A session kind, or a statement's language.
    SessionKind {
        Spark => "spark" | "scala",
        PySpark => "pyspark" | "python",
        SparkR => "sparkr" | "r",
        Sql => "sql",
        Shared => "shared",
    }
);

impl SessionKind {
    /// The kinds a user can pick for code (all but `shared`).
    pub const CODE_KINDS: [SessionKind; 4] = [Self::Spark, Self::PySpark, Self::SparkR, Self::Sql];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_states_are_kept_not_rejected() {
        let s: SessionState = serde_json::from_str("\"warming_up\"").unwrap();
        assert_eq!(s, SessionState::Unknown("warming_up".into()));
        assert_eq!(s.to_string(), "warming_up");
        let s: StatementState = serde_json::from_str("\"Error\"").unwrap();
        assert_eq!(s, StatementState::Error);
        let s: SessionState = serde_json::from_str("null").unwrap();
        assert_eq!(s, SessionState::Unknown(String::new()));
    }

    #[test]
    fn kinds_accept_livy_aliases() {
        assert_eq!(SessionKind::parse("scala"), SessionKind::Spark);
        assert_eq!(SessionKind::parse("python"), SessionKind::PySpark);
        assert_eq!(SessionKind::parse("R"), SessionKind::SparkR);
        assert_eq!(SessionKind::parse("cobol"), SessionKind::Unknown("cobol".into()));
        assert_eq!(serde_json::to_string(&SessionKind::PySpark).unwrap(), "\"pyspark\"");
    }

    #[test]
    fn error_session_still_accepts_statements() {
        assert!(SessionState::Error.accepts_statements());
        assert!(!SessionState::Starting.accepts_statements());
        assert!(SessionState::Dead.is_finished());
        assert!(!SessionState::Error.is_finished());
    }
}
