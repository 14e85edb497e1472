//! Server settings: what Livy reads from `livy.conf`, reduced to what this server models.

use std::time::Duration;

/// A user name and password accepted by HTTP basic authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasicCredentials {
    /// The user name; it becomes the `owner` of sessions created with it.
    pub user: String,
    /// The password.
    pub password: String,
}

impl BasicCredentials {
    /// Credentials from a user and a password.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        BasicCredentials {
            user: user.into(),
            password: password.into(),
        }
    }
}

/// Settings of a [`crate::server::LivyServer`].
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The version reported by `/version`; it also gates version-dependent fields.
    pub version: String,
    /// `livy.server.csrf-protection.enabled`: require `X-Requested-By` on modifying requests.
    pub csrf: bool,
    /// When set, every request must carry these basic-auth credentials.
    pub basic_auth: Option<BasicCredentials>,
    /// `livy.cache-log.size`: lines kept per stream (stdout, stderr) of each session and batch.
    pub log_cap: usize,
    /// `livy.rsc.retained-statements`: statements a session remembers.
    pub retained_statements: usize,
    /// `livy.rsc.job-cancel.timeout`: how long a cancelled statement may keep running before
    /// it is reported `cancelled` anyway.
    pub cancel_timeout: Duration,
    /// `livy.file.local-dir-whitelist`: local path prefixes a batch `file` may use;
    /// `None` accepts every path.
    pub local_dir_whitelist: Option<Vec<String>>,
    /// `livy.server.session.timeout`: an interactive session with no activity for this long
    /// is deleted (`None`: `timeout-check=false`, never). Activity is what Livy records:
    /// the create, a statement, a cancel, a completion, `POST …/connect`, and a statement
    /// ending (the REPL going from busy to idle); GETs do not count, and busy sessions are
    /// not spared (`timeout-check.skip-busy=false`, Livy's default).
    pub session_timeout: Option<Duration>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            version: "0.7.1-incubating".to_string(),
            csrf: false,
            basic_auth: None,
            log_cap: 200,
            retained_statements: 100,
            cancel_timeout: Duration::from_secs(30),
            local_dir_whitelist: None,
            session_timeout: None,
        }
    }
}
