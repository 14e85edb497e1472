//! The HTTP side of SPNEGO (RFC 4559): which service to ask a ticket for, the
//! `Authorization: Negotiate <token>` value, the server's mutual-authentication reply, and
//! errors that say what to do. The GSS calls block (the KDC may be slow), so each runs on
//! Tokio's blocking pool under a time limit.

use super::gssapi::{GssError, Initiator, NameForm};
use crate::livy::error::{ErrorKind, LivyError, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::fmt;
use std::time::Duration;
use url::Url;

/// The Kerberos service a server runs as: `HTTP@host` (the realm comes from krb5.conf) or a
/// principal written out (`HTTP/host@REALM`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceName {
    pub name: String,
    pub form: NameForm,
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// The service for `url`: `HTTP@<host>`, or what `--spn` says (`HTTP@host`, a bare `host`, or
/// a principal `HTTP/host@REALM`).
pub fn service_name(spn: Option<&str>, url: &Url) -> Result<ServiceName> {
    let usage = |msg: String| {
        LivyError::new(ErrorKind::Usage, msg)
            .with_hint("give the service principal as HTTP@HOST (or HOST, or HTTP/HOST@REALM) with --spn")
    };
    let Some(spn) = spn else {
        let host = url.host_str().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        return Ok(ServiceName {
            name: format!("HTTP@{host}"),
            form: NameForm::HostBased,
        });
    };
    let spn = spn.trim();
    if spn.is_empty() || spn.contains(char::is_whitespace) || spn.contains('\0') {
        return Err(usage(format!("invalid Kerberos service principal {spn:?}")));
    }
    if let Some((service, host)) = spn.split_once('/') {
        // A principal: service/host or service/host@REALM.
        let host = host.split('@').next().unwrap_or_default();
        if service.is_empty() || host.is_empty() || spn.ends_with('@') {
            return Err(usage(format!("invalid Kerberos service principal {spn:?}")));
        }
        return Ok(ServiceName {
            name: spn.to_string(),
            form: NameForm::Principal,
        });
    }
    match spn.split_once('@') {
        Some((service, host)) if !service.is_empty() && !host.is_empty() && !host.contains('@') => Ok(ServiceName {
            name: spn.to_string(),
            form: NameForm::HostBased,
        }),
        Some(_) => Err(usage(format!("invalid Kerberos service principal {spn:?}"))),
        None => Ok(ServiceName {
            name: format!("HTTP@{spn}"),
            form: NameForm::HostBased,
        }),
    }
}

/// One handshake in progress: a fresh security context for one server.
#[derive(Debug)]
pub struct Handshake {
    initiator: Initiator,
    spn: ServiceName,
    limit: Duration,
}

impl Handshake {
    /// Makes a new context for `spn` and its first token (this asks the KDC for a service
    /// ticket with the user's TGT). Returns the `Authorization` header value. `limit` bounds
    /// the wait for the KDC.
    pub async fn start(spn: ServiceName, limit: Duration) -> Result<(Handshake, String)> {
        let name = spn.clone();
        let (initiator, token) = blocking(limit, &spn, move || {
            let mut initiator = Initiator::new(&name.name, name.form)?;
            let token = initiator.step(None)?;
            Ok((initiator, token))
        })
        .await?
        .map_err(|e| error_for(&e, &spn))?;
        if token.is_empty() {
            return Err(failed(&spn, "the Kerberos library made no token"));
        }
        let header = format!("Negotiate {}", STANDARD.encode(token));
        Ok((Handshake { initiator, spn, limit }, header))
    }

    /// The service this handshake is for.
    pub fn spn(&self) -> &ServiceName {
        &self.spn
    }

    /// Feeds the server's token (base64, from `WWW-Authenticate: Negotiate <token>`) to the
    /// context: on a success reply this checks the server's mutual authentication; on a
    /// 401 it may give a next token to send (a multi-leg mechanism).
    pub async fn step(mut self, server_token: &str) -> Result<(Handshake, Option<String>)> {
        let spn = self.spn.clone();
        let Ok(token) = STANDARD.decode(server_token.trim()) else {
            return Err(mutual_failed(&spn, "its Negotiate token is not base64"));
        };
        let limit = self.limit;
        let (initiator, next) = blocking(limit, &spn, move || {
            let next = self.initiator.step(Some(&token))?;
            Ok((self.initiator, next))
        })
        .await?
        .map_err(|e| mutual_failed(&spn, &e.text()))?;
        let next = (!next.is_empty()).then(|| format!("Negotiate {}", STANDARD.encode(next)));
        Ok((Handshake { initiator, spn, limit }, next))
    }

    /// The server has proved who it is.
    pub fn is_complete(&self) -> bool {
        self.initiator.is_complete()
    }

    /// After the server accepted the token: checks its mutual-authentication token
    /// (`WWW-Authenticate: Negotiate <token>` on the success reply). A token that does not
    /// verify is an error. A server that sends none is let be, as curl does (gateways often
    /// drop it); the log says so.
    pub async fn finish(self, www_authenticate: &str) -> Result<()> {
        let Some(token) = server_token(www_authenticate) else {
            tracing::debug!(spn = %self.spn, "the server sent no mutual-authentication token");
            return Ok(());
        };
        let spn = self.spn.clone();
        let (handshake, _) = self.step(token).await?;
        if !handshake.is_complete() {
            return Err(mutual_failed(&spn, "the server's token did not complete the handshake"));
        }
        tracing::debug!(%spn, "Kerberos: the server proved itself (mutual authentication)");
        Ok(())
    }
}

/// Runs GSS calls on the blocking pool, at most `limit` long. The outer error is the wait
/// (too long, or the task lost); the inner one is the library's.
async fn blocking<T: Send + 'static>(
    limit: Duration,
    spn: &ServiceName,
    f: impl FnOnce() -> std::result::Result<T, GssError> + Send + 'static,
) -> Result<std::result::Result<T, GssError>> {
    match tokio::time::timeout(limit, tokio::task::spawn_blocking(f)).await {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(join)) => Err(failed(spn, &format!("the Kerberos library call stopped: {join}"))),
        // The blocking call runs on to its end in the background; nothing waits for it.
        Err(_) => Err(LivyError::new(
            ErrorKind::Auth,
            format!(
                "Kerberos: no answer from the KDC within {} s (service {spn})",
                limit.as_secs_f64().round()
            ),
        )
        .with_hint("check the KDC in krb5.conf (KRB5_CONFIG) and that it is reachable; --read-timeout sets the limit")),
    }
}

/// The base64 token of a `Negotiate` challenge, if the server sent one.
pub fn server_token(www_authenticate: &str) -> Option<&str> {
    www_authenticate.split(',').find_map(|element| {
        let (scheme, token) = element.trim().split_once(' ')?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("negotiate") && is_token68(token)).then_some(token)
    })
}

/// RFC 9110 `token68`: base64-ish characters, then `=` padding only.
fn is_token68(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty() && body.chars().all(|c| c.is_ascii_alphanumeric() || "-._~+/".contains(c))
}

/// The user-facing error for a GSS failure while talking to `spn`.
pub fn error_for(e: &GssError, spn: &ServiceName) -> LivyError {
    const INSTALL: &str = "install the Kerberos GSSAPI library: libgssapi-krb5-2 on Debian/Ubuntu, krb5-libs on RHEL/Fedora (or Heimdal's libgssapi); LIVY_TUI_GSSAPI_LIBRARY names another library file";
    match e {
        GssError::NoLibrary { tried, .. } => LivyError::new(
            ErrorKind::Usage,
            format!("--auth kerberos needs the system GSSAPI library, and none was found (tried {tried})"),
        )
        .with_hint(INSTALL),
        GssError::Missing { library, function } => LivyError::new(
            ErrorKind::Usage,
            format!("{library} cannot be used for Kerberos: it has no {function}"),
        )
        .with_hint(INSTALL),
        GssError::BadName(name) => {
            LivyError::new(ErrorKind::Usage, format!("invalid Kerberos service principal {name:?}"))
                .with_hint("give it as HTTP@HOST with --spn")
        }
        GssError::Call { message, .. } if e.wants_kinit() => {
            LivyError::new(ErrorKind::Auth, format!("no valid Kerberos ticket ({message})"))
                .with_hint("run kinit, then try again (KRB5CCNAME names the ticket cache, if not the default)")
        }
        GssError::Call { message, .. } => failed(spn, message),
    }
}

/// "Kerberos failed for service …" with a hint chosen from the library's words.
fn failed(spn: &ServiceName, message: &str) -> LivyError {
    let text = message.to_ascii_lowercase();
    let hint = if text.contains("not found in kerberos database") || text.contains("server not found") {
        format!(
            "the KDC knows no service {spn}: if Livy runs under another name (a DNS alias, a load balancer), pass its principal with --spn HTTP@HOST"
        )
    } else if text.contains("cannot contact any kdc") || text.contains("cannot find kdc") || text.contains("kdc") {
        "check the realm's KDC in krb5.conf (KRB5_CONFIG) and that it is reachable".to_string()
    } else if text.contains("realm") {
        "check default_realm and [domain_realm] in krb5.conf (KRB5_CONFIG), or pass --spn".to_string()
    } else {
        "check the ticket (klist), krb5.conf (KRB5_CONFIG) and the service principal (--spn)".to_string()
    };
    LivyError::new(ErrorKind::Auth, format!("Kerberos failed for service {spn}: {message}")).with_hint(hint)
}

fn mutual_failed(spn: &ServiceName, message: &str) -> LivyError {
    LivyError::new(
        ErrorKind::Auth,
        format!("the server's Kerberos reply did not verify as {spn} (mutual authentication failed: {message})"),
    )
    .with_hint("the server may not be the one named: check --url and the service principal (--spn)")
}

/// The error when a server refused the token it was sent (401 or 403 to a request that
/// carried one). `server_text` is the server's message, maybe empty.
pub fn refused(status: u16, spn: &ServiceName, what: &str, server_text: &str) -> LivyError {
    let mut message = format!("{what}: the server refused the Kerberos token for {spn}");
    if !server_text.is_empty() {
        message.push_str(": ");
        message.push_str(server_text);
    }
    let hint = if status == 403 {
        "the ticket may be for another service than the server runs as (pass --spn HTTP@HOST), or this user is not allowed (Livy ACLs)"
    } else {
        "kinit again, or pass the service principal Livy runs as with --spn HTTP@HOST"
    };
    LivyError {
        kind: ErrorKind::Auth,
        status: Some(status),
        message,
        detail: None,
        hint: Some(hint.into()),
        retry_after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spn(over: Option<&str>, url: &str) -> Result<String> {
        service_name(over, &Url::parse(url).unwrap()).map(|s| s.name)
    }

    #[test]
    fn the_service_is_http_at_the_url_host_unless_overridden() {
        assert_eq!(
            spn(None, "https://Edge.Example:8998/livy").unwrap(),
            "HTTP@edge.example"
        );
        assert_eq!(spn(None, "http://127.0.0.1:1").unwrap(), "HTTP@127.0.0.1");
        assert_eq!(spn(None, "http://[::1]:1").unwrap(), "HTTP@::1");
        assert_eq!(spn(Some("HTTP@lb.example"), "http://x").unwrap(), "HTTP@lb.example");
        assert_eq!(spn(Some(" lb.example "), "http://x").unwrap(), "HTTP@lb.example");
        let principal = service_name(Some("HTTP/h.example@EXAMPLE.COM"), &Url::parse("http://x").unwrap()).unwrap();
        assert_eq!(principal.form, NameForm::Principal);
        for bad in ["", "@host", "HTTP@", "a b", "HTTP/", "/h", "HTTP/h@", "a@b@c"] {
            let e = spn(Some(bad), "http://x").unwrap_err();
            assert_eq!(e.kind, ErrorKind::Usage, "{bad:?}");
            assert!(e.to_string().contains("--spn"), "{e}");
        }
    }

    #[test]
    fn server_tokens_are_found_among_challenges() {
        assert_eq!(server_token("Negotiate oYG2MIGz=="), Some("oYG2MIGz=="));
        assert_eq!(server_token("Basic realm=\"x\", negotiate YWJj"), Some("YWJj"));
        assert_eq!(server_token("Negotiate"), None);
        assert_eq!(server_token("Negotiate, Basic realm=\"x\""), None);
        assert_eq!(server_token("Bearer abc"), None);
    }

    #[test]
    fn errors_say_what_to_do() {
        let http = ServiceName {
            name: "HTTP@edge".into(),
            form: NameForm::HostBased,
        };
        let call = |message: &str| GssError::Call {
            call: "gss_init_sec_context",
            major: super::super::gssapi::S_FAILURE,
            minor: 1,
            message: message.into(),
        };
        let e = error_for(
            &call("No Kerberos credentials available (default cache: FILE:/tmp/krb5cc_0)"),
            &http,
        );
        assert!(e.to_string().starts_with("no valid Kerberos ticket"), "{e}");
        assert!(e.to_string().contains("run kinit"), "{e}");
        let e = error_for(&call("Server HTTP/edge@R not found in Kerberos database"), &http);
        assert!(
            e.to_string().contains("HTTP@edge") && e.to_string().contains("--spn"),
            "{e}"
        );
        let e = error_for(
            &GssError::NoLibrary {
                tried: "libgssapi_krb5.so.2, libgssapi.so.3".into(),
                reason: "not found".into(),
            },
            &http,
        );
        assert_eq!(e.kind, ErrorKind::Usage);
        assert!(e.to_string().contains("libgssapi-krb5-2") && e.to_string().contains("krb5-libs"));
        let e = refused(403, &http, "GET /sessions", "GSSException: Defective token");
        assert_eq!(e.to_string().lines().count(), 1, "one line: {e}");
        assert!(
            e.to_string().contains("refused the Kerberos token for HTTP@edge"),
            "{e}"
        );
    }
}
