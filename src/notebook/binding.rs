//! Which Livy session a notebook was last attached to, so reopening it can re-attach.
//! Stored in the notebook file, which people share and commit: it holds a server URL or
//! profile name with every credential removed, never a password or token.

use crate::livy::SessionKind;
use serde_json::{Map, Value};

/// The session a notebook is attached to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionBinding {
    /// The server URL (without user, password, query or fragment) or a profile name.
    pub server: String,
    /// The session id (a string: some servers use UUIDs).
    pub session_id: String,
    pub session_name: Option<String>,
    pub kind: Option<SessionKind>,
}

impl SessionBinding {
    /// Whether `session`, what the server has under the bound id, can be the session this
    /// notebook ran on: its kind and name must be the recorded ones (a server restarted
    /// without recovery gives ids out again, to other users' sessions).
    pub fn describes(&self, session: &crate::livy::Session) -> bool {
        self.kind.as_ref().is_none_or(|kind| *kind == session.kind)
            && self
                .session_name
                .as_ref()
                .is_none_or(|name| session.name.as_ref() == Some(name))
    }

    /// A binding to `session_id` on `server`; credentials in `server` are dropped.
    pub fn new(server: &str, session_id: impl Into<String>) -> Self {
        Self {
            server: strip_credentials(server),
            session_id: session_id.into(),
            session_name: None,
            kind: None,
        }
    }

    /// The JSON stored under `metadata.livy_tui.binding` (credentials stripped again, in case
    /// a caller filled `server` by hand).
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("server".into(), strip_credentials(&self.server).into());
        obj.insert("session_id".into(), self.session_id.clone().into());
        if let Some(name) = &self.session_name {
            obj.insert("session_name".into(), name.clone().into());
        }
        if let Some(kind) = &self.kind {
            obj.insert("kind".into(), kind.as_str().into());
        }
        Value::Object(obj)
    }

    /// Reads a stored binding; `None` (and the value is kept as unknown metadata) unless it has
    /// exactly the fields this version writes.
    pub(crate) fn from_json(value: &Value) -> Option<Self> {
        let obj = value.as_object()?;
        if obj
            .keys()
            .any(|k| !matches!(k.as_str(), "server" | "session_id" | "session_name" | "kind"))
        {
            return None;
        }
        let session_id = match obj.get("session_id")? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let optional = |key: &str| match obj.get(key) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(_) => None,
        };
        Some(Self {
            server: strip_credentials(obj.get("server")?.as_str()?),
            session_id,
            session_name: optional("session_name")?,
            kind: optional("kind")?.map(|k| SessionKind::parse(&k)),
        })
    }
}

/// Removes what could be a secret from a server address: `user:password@` and the query and
/// fragment of a URL (tokens travel there), or anything up to an `@` in a scheme-less address.
/// A profile name is returned unchanged.
pub fn strip_credentials(server: &str) -> String {
    let (scheme, rest) = match server.find("://") {
        Some(i) => server.split_at(i + 3),
        None => ("", server),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    format!("{scheme}{host}{path}")
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_binding_describes_only_the_session_it_recorded() {
        use crate::livy::{Session, SessionKind};
        let mut binding = SessionBinding::new("http://livy:8998", "0");
        binding.kind = Some(SessionKind::PySpark);
        binding.session_name = Some("etl".into());
        let session = |kind, name: Option<&str>| Session {
            kind,
            name: name.map(str::to_string),
            ..Session::default()
        };
        assert!(binding.describes(&session(SessionKind::PySpark, Some("etl"))));
        assert!(
            !binding.describes(&session(SessionKind::Spark, Some("etl"))),
            "another kind"
        );
        assert!(
            !binding.describes(&session(SessionKind::PySpark, None)),
            "another user's, unnamed"
        );
        binding.session_name = None;
        assert!(
            binding.describes(&session(SessionKind::PySpark, Some("any"))),
            "no name recorded"
        );
    }

    use super::*;

    #[test]
    fn credentials_never_survive() {
        assert_eq!(
            strip_credentials("https://alice:s3cret@livy.example.com:8998/gateway/default/livy?token=abc#frag"),
            "https://livy.example.com:8998/gateway/default/livy"
        );
        assert_eq!(strip_credentials("http://livy:8998"), "http://livy:8998");
        assert_eq!(strip_credentials("http://bob@livy:8998/"), "http://livy:8998/");
        assert_eq!(strip_credentials("alice:pw@edge:8998"), "edge:8998");
        assert_eq!(strip_credentials("prod"), "prod");
        assert_eq!(strip_credentials("http://a:b@c@host/x?y"), "http://host/x");
        let b = SessionBinding::new("http://u:p@h:1/?k=v", "7");
        assert_eq!(b.server, "http://h:1/");
        let mut b2 = b.clone();
        b2.server = "http://u:p@h:1".into();
        assert_eq!(b2.to_json()["server"], "http://h:1");
    }

    #[test]
    fn stored_bindings_read_back_and_odd_ones_are_left_alone() {
        let mut b = SessionBinding::new("http://h:8998", "12");
        b.session_name = Some("etl".into());
        b.kind = Some(SessionKind::PySpark);
        assert_eq!(SessionBinding::from_json(&b.to_json()), Some(b));
        let numeric = serde_json::json!({"server":"h","session_id":3});
        assert_eq!(SessionBinding::from_json(&numeric).unwrap().session_id, "3");
        assert_eq!(SessionBinding::from_json(&serde_json::json!({"server":"h"})), None);
        assert_eq!(
            SessionBinding::from_json(&serde_json::json!({"server":"h","session_id":"1","future":1})),
            None
        );
    }
}
