//! Identifiers. Livy sends integers, but Fabric, DLI, Kyuubi and Lighter send UUID strings,
//! so every id is a string internally and deserializes from either JSON form.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as it goes into a URL path segment.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The numeric value, when the server uses integer ids (Apache Livy does).
            pub fn as_number(&self) -> Option<u64> {
                self.0.parse().ok()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_string())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl From<u64> for $name {
            fn from(n: u64) -> Self {
                Self(n.to_string())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                number_or_string(d).map($name)
            }
        }
    };
}

string_id!(
    /// A session's id, or its name (Livy 0.6+ accepts a name wherever an id goes in a path).
    SessionId
);
string_id!(
    /// A batch's id, or its name.
    BatchId
);
string_id!(
    /// A statement's id within its session.
    StatementId
);

/// Reads a JSON number or string as a string; `null` becomes empty.
pub(crate) fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_numbers_and_strings() {
        let a: SessionId = serde_json::from_str("7").unwrap();
        let b: SessionId = serde_json::from_str("\"3f2a-uuid\"").unwrap();
        assert_eq!(a.as_str(), "7");
        assert_eq!(a.as_number(), Some(7));
        assert_eq!(b.as_str(), "3f2a-uuid");
        assert_eq!(b.as_number(), None);
    }
}
