//! How to reach a Livy server: URL, credentials, headers, TLS, timeouts, retries.

use super::error::{ErrorKind, LivyError, Result};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Credentials, already resolved (the CLI reads passwords from env vars, commands or a
/// prompt; they never come from the command line).
#[derive(Clone, Default, PartialEq)]
pub enum Auth {
    #[default]
    None,
    Basic {
        user: String,
        password: String,
    },
    Bearer {
        token: String,
    },
    /// A token in a header of its own, as it is (DLI's `X-Auth-Token`).
    Header {
        name: String,
        token: String,
    },
    /// Kerberos through SPNEGO (`Negotiate`), with the user's ticket cache from `kinit`.
    /// `spn` overrides the service name `HTTP@<host of the URL>` (a load balancer, a DNS alias).
    Kerberos {
        spn: Option<String>,
    },
}

// Secrets never reach logs or error output.
impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { user, .. } => write!(f, "Basic {{ user: {user:?}, password: *** }}"),
            Auth::Bearer { .. } => f.write_str("Bearer { token: *** }"),
            Auth::Header { name, .. } => write!(f, "Header {{ name: {name:?}, token: *** }}"),
            Auth::Kerberos { spn } => write!(f, "Kerberos {{ spn: {spn:?} }}"),
        }
    }
}

/// How often and how patiently idempotent requests are retried.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }
}

/// Told about each retry, e.g. to show "retrying in 4 s" in a status bar.
#[derive(Clone, Debug)]
pub struct RetryNotice {
    /// The request, e.g. `GET /sessions/3`.
    pub what: String,
    pub attempt: usize,
    pub delay: Duration,
    pub error: LivyError,
}

/// A callback for retry notices.
pub type RetryObserver = Arc<dyn Fn(&RetryNotice) + Send + Sync>;

/// Everything needed to build a `LivyClient`.
#[derive(Clone)]
pub struct ClientConfig {
    /// Base URL, possibly with a path prefix (`https://gw/livy`, a Knox topology path).
    pub base_url: Url,
    pub auth: Auth,
    /// Value of `X-Requested-By`, sent on every request (Livy's CSRF filter wants it).
    pub requested_by: String,
    /// Extra headers, e.g. a gateway token header.
    pub headers: Vec<(String, String)>,
    /// Extra CA certificates (PEM bundle) to trust besides the system store.
    pub ca_cert: Option<PathBuf>,
    /// Client certificate and key (PEM) for mutual TLS.
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// Accept any server certificate (lab clusters only).
    pub insecure: bool,
    /// Ignore HTTP(S)_PROXY from the environment.
    pub no_proxy: bool,
    pub connect_timeout: Duration,
    /// Longest wait for any single read; Livy's DELETE blocks until the session stops.
    pub read_timeout: Duration,
    pub retry: RetryPolicy,
    pub on_retry: Option<RetryObserver>,
    /// Gets a fresh token when the server answers 401 to the one sent (the user's token
    /// command run again, or the token file read again); tried once per request.
    pub token_refresh: Option<TokenRefresh>,
    /// The vendor's API, for what it wants in a create body.
    pub flavor: super::Flavor,
    /// Told once (with the request, e.g. `GET /sessions`) when a call, retries included, has
    /// not finished after `slow_after`.
    pub on_slow: Option<SlowObserver>,
    pub slow_after: Duration,
}

/// A callback for a call that is taking long.
pub type SlowObserver = Arc<dyn Fn(&str) + Send + Sync>;

impl ClientConfig {
    /// The longest one call can take before it gives up: every try waits up to the read
    /// timeout (after connecting), with the backoff between tries.
    pub fn give_up_after(&self) -> Duration {
        let tries = self.retry.max_retries as u32 + 1;
        (self.connect_timeout + self.read_timeout) * tries + self.retry.max_delay * (tries - 1)
    }
}

/// Gets a fresh token (blocking: it may run a command).
pub type TokenRefresh = Arc<dyn Fn() -> Result<String> + Send + Sync>;

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url.as_str())
            .field("auth", &self.auth)
            .field("requested_by", &self.requested_by)
            .field("headers", &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("insecure", &self.insecure)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// A config with defaults for everything but the URL.
    pub fn new(base_url: &str) -> Result<Self> {
        Ok(Self {
            base_url: parse_base_url(base_url)?,
            auth: Auth::None,
            requested_by: "livy-tui".into(),
            headers: Vec::new(),
            ca_cert: None,
            client_cert: None,
            client_key: None,
            insecure: false,
            no_proxy: false,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            on_retry: None,
            token_refresh: None,
            flavor: super::Flavor::Livy,
            on_slow: None,
            slow_after: Duration::from_secs(2),
        })
    }
}

/// Checks a base URL and normalises it to end with `/` so paths join under any prefix.
pub fn parse_base_url(raw: &str) -> Result<Url> {
    let usage = |msg: String| {
        LivyError::new(ErrorKind::Usage, msg)
            .with_hint("give the Livy URL like http://host:8998 or https://gateway/livy (--url or LIVY_URL)")
    };
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(usage("the Livy URL is empty".into()));
    }
    let mut url = Url::parse(raw).map_err(|e| usage(format!("invalid Livy URL {raw:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(usage(format!(
            "invalid Livy URL {raw:?}: the scheme must be http or https"
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(usage(format!("invalid Livy URL {raw:?}: no host")));
    }
    url.set_query(None);
    url.set_fragment(None);
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_keep_their_prefix() {
        assert_eq!(
            parse_base_url("https://c.azurehdinsight.net/livy").unwrap().as_str(),
            "https://c.azurehdinsight.net/livy/"
        );
        assert_eq!(
            parse_base_url("http://localhost:8998").unwrap().as_str(),
            "http://localhost:8998/"
        );
        for bad in ["", "localhost:8998", "ftp://x/", "http://"] {
            let e = parse_base_url(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Usage, "{bad}");
        }
    }

    #[test]
    fn secrets_are_not_printed() {
        let a = Auth::Basic {
            user: "ann".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{a:?}").contains("hunter2"));
        let b = Auth::Bearer {
            token: "s3cr3t-jwt".into(),
        };
        assert!(!format!("{b:?}").contains("s3cr3t"));
    }
}
