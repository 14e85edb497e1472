//! The connection settings as one typed value. A profile, the environment and the flags each
//! fill one, and [`ConnectionSettings::overlaid`] stacks them: what a higher layer says wins.
//! Secrets are never held here, only where to read them from.

use crate::livy::Flavor;
use std::path::PathBuf;
use std::time::Duration;

/// Built-in defaults for what no layer sets.
pub const DEFAULT_URL: &str = "http://localhost:8998";
pub const DEFAULT_REQUESTED_BY: &str = "livy-tui";
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_RETRIES: usize = 5;
/// Where a password or token is looked for when nothing else is said.
pub const DEFAULT_PASSWORD_ENV: &str = "LIVY_PASSWORD";
pub const DEFAULT_TOKEN_ENV: &str = "LIVY_TOKEN";

/// How requests authenticate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMethod {
    None,
    /// HTTP basic: a user and a password.
    Basic,
    /// A token: `Authorization: Bearer`, or the header named by `token-header`.
    #[value(alias = "bearer")]
    Token,
    /// Kerberos (SPNEGO) with the ticket from `kinit`.
    Kerberos,
}

impl AuthMethod {
    pub const NAMES: &'static str = "none, basic, bearer, token, kerberos";

    pub fn parse(text: &str) -> Option<AuthMethod> {
        match text.to_ascii_lowercase().as_str() {
            "none" => Some(AuthMethod::None),
            "basic" => Some(AuthMethod::Basic),
            "bearer" | "token" => Some(AuthMethod::Token),
            "kerberos" | "negotiate" | "spnego" => Some(AuthMethod::Kerberos),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::None => "none",
            AuthMethod::Basic => "basic",
            AuthMethod::Token => "token",
            AuthMethod::Kerberos => "kerberos",
        }
    }
}

/// Where a secret comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// A shell command whose output is the secret (`pass show livy`).
    Command(String),
    /// A file that holds it.
    File(PathBuf),
    /// An environment variable that holds it.
    Env(String),
}

impl SecretSource {
    /// Where it comes from, for `profiles show` and error messages (never the secret).
    pub fn describe(&self) -> String {
        match self {
            SecretSource::Command(cmd) => format!("the output of {cmd:?}"),
            SecretSource::File(path) => format!("the file {}", path.display()),
            SecretSource::Env(name) => format!("${name}"),
        }
    }
}

/// Who the requests are from, and how that is proven.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuthSettings {
    pub method: Option<AuthMethod>,
    pub user: Option<String>,
    pub password: Option<SecretSource>,
    pub token: Option<SecretSource>,
    /// The header a token goes in; `Authorization: Bearer` when unset.
    pub token_header: Option<String>,
    /// Kerberos service principal (`HTTP@host`), for a load balancer or DNS alias.
    pub spn: Option<String>,
}

impl AuthSettings {
    /// The method this layer asks for: the one it names, or the one its fields imply
    /// (a user means basic, a token source means a token, an SPN means Kerberos).
    pub fn implied_method(&self) -> Option<AuthMethod> {
        self.method.or_else(|| {
            if self.user.is_some() || self.password.is_some() {
                Some(AuthMethod::Basic)
            } else if self.token.is_some() || self.token_header.is_some() {
                Some(AuthMethod::Token)
            } else if self.spn.is_some() {
                Some(AuthMethod::Kerberos)
            } else {
                None
            }
        })
    }

    fn is_empty(&self) -> bool {
        *self == AuthSettings::default()
    }

    /// `over` on top of `self`. A layer that asks for another method replaces the auth below
    /// it whole: `--user` over a Kerberos profile means basic auth, not a Kerberos user.
    fn overlaid(self, over: AuthSettings) -> AuthSettings {
        if over.is_empty() {
            return self;
        }
        match (self.implied_method(), over.implied_method()) {
            (Some(below), Some(above)) if below != above => over,
            _ => AuthSettings {
                method: over.method.or(self.method),
                user: over.user.or(self.user),
                password: over.password.or(self.password),
                token: over.token.or(self.token),
                token_header: over.token_header.or(self.token_header),
                spn: over.spn.or(self.spn),
            },
        }
    }
}

/// Everything about reaching a Livy server. Every field is optional: unset means "the layer
/// below decides", and the built-in defaults apply at the end.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConnectionSettings {
    /// Base URL with any gateway prefix.
    pub url: Option<String>,
    pub auth: AuthSettings,
    /// Extra request headers; a header set again by a higher layer replaces it.
    pub headers: Vec<(String, String)>,
    /// Value of `X-Requested-By`.
    pub requested_by: Option<String>,
    pub ca_cert: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub insecure: Option<bool>,
    pub no_proxy: Option<bool>,
    pub connect_timeout: Option<Duration>,
    pub read_timeout: Option<Duration>,
    pub retries: Option<usize>,
    /// The vendor's API; detected from the URL when unset.
    pub flavor: Option<Flavor>,
}

impl ConnectionSettings {
    /// `over` on top of `self`: every setting `over` has wins.
    pub fn overlaid(self, over: ConnectionSettings) -> ConnectionSettings {
        let mut headers = self.headers;
        for (name, value) in over.headers {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
            headers.push((name, value));
        }
        ConnectionSettings {
            url: over.url.or(self.url),
            auth: self.auth.overlaid(over.auth),
            headers,
            requested_by: over.requested_by.or(self.requested_by),
            ca_cert: over.ca_cert.or(self.ca_cert),
            client_cert: over.client_cert.or(self.client_cert),
            client_key: over.client_key.or(self.client_key),
            insecure: over.insecure.or(self.insecure),
            no_proxy: over.no_proxy.or(self.no_proxy),
            connect_timeout: over.connect_timeout.or(self.connect_timeout),
            read_timeout: over.read_timeout.or(self.read_timeout),
            retries: over.retries.or(self.retries),
            flavor: over.flavor.or(self.flavor),
        }
    }

    pub fn url_or_default(&self) -> &str {
        self.url.as_deref().unwrap_or(DEFAULT_URL)
    }

    /// The flavor said, else the one the URL shows, else Apache Livy.
    pub fn flavor_or_detected(&self) -> Flavor {
        self.flavor
            .or_else(|| {
                url::Url::parse(self.url_or_default())
                    .ok()
                    .and_then(|u| Flavor::detect(&u))
            })
            .unwrap_or_default()
    }
}

/// Why a duration was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DurationError {
    #[error("{0:?} is not a duration such as 30, 90s, 2m or 1h")]
    NotADuration(String),
    #[error("{0} is not a positive number of seconds")]
    NotPositive(f64),
}

/// A duration as a number of seconds (`30`, `2.5`) or with units (`90s`, `2m`, `1h 30m`).
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return seconds_to_duration(seconds);
    }
    match humantime::parse_duration(text) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(DurationError::NotADuration(text.to_string())),
    }
}

/// A positive number of seconds as a duration.
pub fn seconds_to_duration(seconds: f64) -> Result<Duration, DurationError> {
    if seconds.is_finite() && seconds > 0.0 && seconds < 1e7 {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(DurationError::NotPositive(seconds))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kerberos() -> ConnectionSettings {
        ConnectionSettings {
            url: Some("https://edge:8998".into()),
            auth: AuthSettings {
                method: Some(AuthMethod::Kerberos),
                spn: Some("HTTP@lb".into()),
                ..AuthSettings::default()
            },
            headers: vec![("X-A".into(), "1".into()), ("X-B".into(), "2".into())],
            retries: Some(2),
            ..ConnectionSettings::default()
        }
    }

    #[test]
    fn a_higher_layer_wins_setting_by_setting() {
        let flags = ConnectionSettings {
            url: Some("https://other:8998".into()),
            headers: vec![("x-a".into(), "9".into())],
            ..ConnectionSettings::default()
        };
        let merged = kerberos().overlaid(flags);
        assert_eq!(merged.url.as_deref(), Some("https://other:8998"));
        assert_eq!(merged.retries, Some(2), "what the flags do not say stays");
        assert_eq!(merged.auth.method, Some(AuthMethod::Kerberos));
        assert_eq!(
            merged.headers,
            vec![
                ("X-B".to_string(), "2".to_string()),
                ("x-a".to_string(), "9".to_string())
            ]
        );
    }

    #[test]
    fn another_auth_method_replaces_the_auth_below() {
        let flags = ConnectionSettings {
            auth: AuthSettings {
                user: Some("ann".into()),
                ..AuthSettings::default()
            },
            ..ConnectionSettings::default()
        };
        let merged = kerberos().overlaid(flags);
        assert_eq!(merged.auth.implied_method(), Some(AuthMethod::Basic));
        assert_eq!(merged.auth.spn, None, "the Kerberos SPN does not leak into basic auth");

        let spn_only = ConnectionSettings {
            auth: AuthSettings {
                spn: Some("HTTP@alias".into()),
                ..AuthSettings::default()
            },
            ..ConnectionSettings::default()
        };
        let merged = kerberos().overlaid(spn_only);
        assert_eq!(merged.auth.method, Some(AuthMethod::Kerberos));
        assert_eq!(merged.auth.spn.as_deref(), Some("HTTP@alias"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("2.5").unwrap(), Duration::from_millis(2500));
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("1h 30m").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("-1").unwrap_err().to_string().contains("positive"));
        assert!(parse_duration("0s").unwrap_err().to_string().contains("not a duration"));
        assert!(
            parse_duration("soon")
                .unwrap_err()
                .to_string()
                .contains("not a duration")
        );
    }
}
