//! One error type for everything the client can meet: the server's three error-body shapes
//! (`{"msg": …}`, a bare JSON string, an HTML page), transport failures, replies that are not
//! Livy JSON, and requests the server's version cannot take. Each renders as one line a user
//! can act on: what failed, the server's own words, and a hint.

use std::fmt;

use super::challenge::{self, SentCredentials};

/// What went wrong, broadly: drives retries and exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The server answered with a non-success status.
    Server,
    /// No connection could be made (refused, DNS, TLS handshake): the request was never sent.
    Connect,
    /// No answer in time; the server may or may not have acted on the request.
    Timeout,
    /// The connection broke mid-request or mid-reply; the server may have acted on it.
    Interrupted,
    /// The server answered 2xx with something that is not the expected JSON.
    InvalidResponse,
    /// This server (version or flavour) cannot do what was asked.
    Unsupported,
    /// Bad input from the user or the config, caught before any request.
    Usage,
    /// Credentials that cannot be used: no Kerberos ticket or an expired one, a service the
    /// KDC does not know, a token the server refused, a server that failed to prove itself.
    Auth,
}

/// A failed Livy call.
#[derive(Clone, Debug, PartialEq)]
pub struct LivyError {
    pub kind: ErrorKind,
    /// HTTP status, when the server answered.
    pub status: Option<u16>,
    /// One line: the server's message, or what failed.
    pub message: String,
    /// The full server text when it had more (e.g. a Java stack trace), for logs.
    pub detail: Option<String>,
    /// What the user can do about it.
    pub hint: Option<String>,
    /// How long the server asked to wait before trying again (`Retry-After` on a 503 or 429).
    pub retry_after: Option<std::time::Duration>,
}

impl fmt::Display for LivyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, " — {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LivyError {}

/// Shorthand for results of client calls.
pub type Result<T, E = LivyError> = std::result::Result<T, E>;

impl LivyError {
    /// An error with no HTTP status.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            status: None,
            message: message.into(),
            detail: None,
            hint: None,
            retry_after: None,
        }
    }

    /// Adds or replaces the hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Transient: worth retrying an idempotent request.
    pub fn is_retryable(&self) -> bool {
        match self.kind {
            ErrorKind::Connect | ErrorKind::Timeout | ErrorKind::Interrupted => true,
            ErrorKind::Server => matches!(self.status, Some(429 | 502..=504)),
            _ => false,
        }
    }

    /// The server said it did not process the request (busy, or too many requests): even a
    /// statement or session POST can be sent again.
    pub fn was_not_processed(&self) -> bool {
        self.kind == ErrorKind::Connect || (self.kind == ErrorKind::Server && matches!(self.status, Some(429 | 503)))
    }

    /// The server may have acted on a request that failed this way, so a non-idempotent
    /// request (a statement POST) must not simply be sent again.
    pub fn is_ambiguous(&self) -> bool {
        match self.kind {
            ErrorKind::Timeout | ErrorKind::Interrupted => true,
            // A gateway may have forwarded the request before its upstream failed.
            ErrorKind::Server => matches!(self.status, Some(502 | 504)),
            _ => false,
        }
    }

    /// The session or batch does not exist (any more).
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }

    /// Livy's 500 "Session is in state starting": not ready yet, try later.
    pub fn is_session_starting(&self) -> bool {
        self.message.contains("Session is in state starting")
            || self.message.contains("Session is in state not_started")
            || self.message.contains("Session is in state recovering")
    }

    /// Builds the error for a non-success reply to a request without credentials. `what`
    /// names the request for context, e.g. `GET /sessions/3`.
    pub fn from_reply(status: u16, content_type: &str, www_authenticate: &str, body: &[u8], what: &str) -> Self {
        Self::from_reply_sent(
            status,
            content_type,
            www_authenticate,
            body,
            what,
            SentCredentials::None,
        )
    }

    /// Like [`LivyError::from_reply`] for a request that carried `sent`. `www_authenticate`
    /// holds every `WWW-Authenticate` line of the reply, joined with `, `.
    pub fn from_reply_sent(
        status: u16,
        content_type: &str,
        www_authenticate: &str,
        body: &[u8],
        what: &str,
        sent: SentCredentials,
    ) -> Self {
        let text = server_text(content_type, body);
        let (first, rest) = split_first_line(&text);
        let message = if first.is_empty() {
            format!("{what} failed: {}", reason_phrase(status))
        } else {
            first.to_string()
        };
        let detail = (!rest.is_empty()).then(|| text.clone());
        let hint = if status == 401 {
            challenge::hint(www_authenticate, sent)
        } else {
            None
        }
        .or_else(|| hint_for(status, &message, what));
        Self {
            kind: ErrorKind::Server,
            status: Some(status),
            message,
            detail,
            hint,
            retry_after: None,
        }
    }

    /// Builds the error for a transport failure of `what` against `base_url`.
    pub fn from_transport(err: &reqwest::Error, what: &str, base_url: &str) -> Self {
        let chain = error_chain(err);
        let lower = chain.to_ascii_lowercase();
        if err.is_timeout() || lower.contains("timed out") {
            return Self::new(ErrorKind::Timeout, format!("{what}: no answer from the server in time"))
                .with_hint("the server or network is slow; raise --read-timeout, or check the server's health");
        }
        if let Some((problem, hint)) = tls_problem(&lower) {
            return Self::new(ErrorKind::Connect, format!("{what}: TLS failed: {problem}")).with_hint(hint);
        }
        if err.is_connect() {
            let (message, hint) = if lower.contains("refused") {
                (
                    format!("cannot connect to {base_url}: connection refused"),
                    "nothing is listening there: check --url (or LIVY_URL) and that Livy is running".to_string(),
                )
            } else if lower.contains("dns") || lower.contains("resolve") || lower.contains("name or service") {
                (
                    format!("cannot connect to {base_url}: host name not found"),
                    "check the host in --url (or LIVY_URL)".to_string(),
                )
            } else {
                (
                    format!("cannot connect to {base_url}: {}", last_cause(&chain)),
                    "check --url (or LIVY_URL), the network, and any proxy (HTTPS_PROXY, NO_PROXY)".to_string(),
                )
            };
            return Self::new(ErrorKind::Connect, message).with_hint(hint);
        }
        if err.is_builder() {
            return Self::new(ErrorKind::Usage, format!("{what}: {}", last_cause(&chain)));
        }
        Self::new(
            ErrorKind::Interrupted,
            format!("{what}: the connection broke: {}", last_cause(&chain)),
        )
        .with_hint("the server or a proxy closed the connection; it may be restarting")
    }

    /// A 2xx reply whose body is not what Livy sends.
    pub fn invalid_response(what: &str, body: &[u8], err: &serde_json::Error) -> Self {
        let snippet: String = String::from_utf8_lossy(body).chars().take(80).collect();
        let snippet = snippet.replace(['\n', '\r'], " ");
        Self {
            kind: ErrorKind::InvalidResponse,
            status: None,
            message: format!("{what}: the server's reply is not valid Livy JSON ({err}): {snippet:?}"),
            detail: None,
            hint: Some("check that --url points at Livy, including any path prefix such as /livy".into()),
            retry_after: None,
        }
    }
}

/// The readable text of an error body: `msg` of a JSON object, a bare JSON string, or the
/// text of an HTML page (Jetty's CSRF and gateway errors).
pub fn server_text(content_type: &str, body: &[u8]) -> String {
    let raw = String::from_utf8_lossy(body);
    let trimmed = raw.trim();
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(trimmed) {
        return match value {
            serde_json::Value::String(s) => s,
            ref object @ serde_json::Value::Object(_) if let Some(text) = super::flavor::vendor_error_text(object) => {
                text
            }
            serde_json::Value::Object(map) => ["msg", "message", "error", "errorMessage"]
                .iter()
                .find_map(|k| map.get(*k).and_then(|v| v.as_str()).map(str::to_string))
                .unwrap_or_else(|| trimmed.to_string()),
            other => other.to_string(),
        };
    }
    if content_type.contains("html") || trimmed.starts_with('<') {
        return html_text(trimmed);
    }
    trimmed.to_string()
}

/// The message of an HTML error page: the `<pre>` block if any (Jetty puts the reason
/// there), else the title, else all text.
fn html_text(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let inner = |tag: &str| -> Option<String> {
        let start = lower.find(&format!("<{tag}"))?;
        let open_end = lower[start..].find('>')? + start + 1;
        let end = lower[open_end..].find(&format!("</{tag}>"))? + open_end;
        let text = strip_tags(&html[open_end..end]);
        (!text.is_empty()).then_some(text)
    };
    inner("pre")
        .or_else(|| inner("title"))
        .or_else(|| inner("h1"))
        .unwrap_or_else(|| strip_tags(html))
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn split_first_line(text: &str) -> (&str, &str) {
    let text = text.trim();
    match text.find('\n') {
        Some(i) => (text[..i].trim(), text[i..].trim()),
        None => (text, ""),
    }
}

fn hint_for(status: u16, message: &str, what: &str) -> Option<String> {
    let m = message;
    let hint = if m.contains("CSRF") {
        "the server demands the X-Requested-By header, which this client always sends: a proxy or gateway in between removed it (see --requested-by)"
    } else if m.contains("Session is in state starting") || m.contains("Session is in state not_started") {
        "the session is still starting; wait until it is idle"
    } else if m.contains("Session is in state") || m.contains("Session isn't active") {
        "the session has ended; start a new one"
    } else if m.contains("Code type should be specified") {
        "this is a shared session: give the statement a kind with --kind"
    } else if m.contains("Unrecognized field") {
        "the server is older than this request needs; drop the option it does not know"
    } else if m.contains("Duplicate session name") {
        "a session with that name exists: attach to it with --session NAME, or pick another --name"
    } else if status == 404 && what.contains("/batches/") {
        "no such batch (it may have finished and expired); see 'livy-tui batch list'"
    } else if status == 404 && m.contains("Statement not found") {
        "the statement is gone: Livy keeps only the most recent ones (livy.rsc.retained-statements)"
    } else if status == 404 && what.contains("/sessions/") {
        "no such session: it was deleted or timed out; see 'livy-tui sessions list'"
    } else if status == 404 {
        "check --url: the path (and any prefix such as /livy) may be wrong"
    } else if status == 401 {
        // The server named no scheme (see `challenge` for when it does).
        "the server rejected the credentials: check --user and the password (LIVY_PASSWORD, --password-command) or the token"
    } else if status == 403 {
        "the credentials are valid but not allowed to do this (Livy ACLs or a gateway policy)"
    } else if status == 407 {
        "an HTTP proxy wants credentials: fix HTTPS_PROXY/NO_PROXY or pass --no-proxy"
    } else if status == 429 {
        "the server is rate limiting; wait and try again"
    } else if (502..=504).contains(&status) {
        "the server, or a gateway in front of it, is unavailable; try again shortly"
    } else {
        return None;
    };
    Some(hint.to_string())
}

/// Names a TLS handshake failure and what to do, from the lower-cased error chain.
fn tls_problem(chain: &str) -> Option<(&'static str, &'static str)> {
    const SERVER_UNTRUSTED: &str = "pass the CA that signed it with --ca-cert FILE, or --insecure for a lab cluster";
    let found = if chain.contains("corrupt message") || chain.contains("invalidcontenttype") {
        (
            "the server did not answer in TLS",
            "it may speak plain HTTP: try http:// in --url",
        )
    } else if chain.contains("certificaterequired") {
        (
            "the server requires a client certificate",
            "pass --client-cert FILE and --client-key FILE",
        )
    } else if chain.contains("alert") && (chain.contains("badcertificate") || chain.contains("unknownca")) {
        (
            "the server rejected the client certificate",
            "check --client-cert: the server must trust its CA",
        )
    } else if chain.contains("unknownissuer") {
        (
            "the server's certificate is signed by an authority not trusted here",
            SERVER_UNTRUSTED,
        )
    } else if chain.contains("notvalidforname") {
        (
            "the server's certificate is not valid for this host name",
            "use the host name the certificate names in --url",
        )
    } else if chain.contains("expired") {
        (
            "the server's certificate has expired",
            "tell the server's admins; --insecure skips the check for a lab cluster",
        )
    } else if chain.contains("invalid peer certificate") || chain.contains("certificate") {
        ("the server's certificate is not trusted here", SERVER_UNTRUSTED)
    } else if chain.contains("tls") || chain.contains("handshake") {
        (
            "the TLS handshake failed",
            "check that the URL's scheme (http/https) and port match the server",
        )
    } else {
        return None;
    };
    Some(found)
}

fn reason_phrase(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason().map(str::to_string))
        .unwrap_or_else(|| format!("status {status}"))
}

/// The error and its causes, joined.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

fn last_cause(chain: &str) -> &str {
    chain.rsplit(": ").next().unwrap_or(chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_body_shapes_give_one_message() {
        let e = LivyError::from_reply(
            404,
            "application/json",
            "",
            br#"{"msg":"Session '99' not found."}"#,
            "GET /sessions/99",
        );
        assert_eq!(e.message, "Session '99' not found.");
        assert!(e.hint.as_deref().unwrap().contains("sessions list"));
        let e = LivyError::from_reply(
            500,
            "application/json",
            "",
            br#""java.lang.IllegalStateException: Session is in state starting""#,
            "POST /sessions/1/statements",
        );
        assert!(e.is_session_starting());
        assert_eq!(
            e.to_string(),
            "java.lang.IllegalStateException: Session is in state starting (HTTP 500) — the session is still starting; wait until it is idle"
        );
        let html = "<html><head><title>Error 400 </title></head><body><h2>HTTP ERROR: 400</h2><p>Problem accessing /sessions. Reason:\n<pre>    Missing Required Header for CSRF protection.</pre></p></body></html>";
        let e = LivyError::from_reply(
            400,
            "text/html;charset=iso-8859-1",
            "",
            html.as_bytes(),
            "POST /sessions",
        );
        assert_eq!(e.message, "Missing Required Header for CSRF protection.");
        assert!(e.hint.unwrap().contains("X-Requested-By"));
    }

    #[test]
    fn stack_traces_stay_out_of_the_line() {
        let body = br#""java.util.concurrent.ExecutionException: java.lang.IllegalArgumentException: Code type should be specified if session kind is shared\n\tat scala.Predef$.require(Predef.scala:224)""#;
        let e = LivyError::from_reply(500, "application/json", "", body, "POST /sessions/1/statements");
        assert!(!e.to_string().contains("Predef"));
        assert!(e.detail.unwrap().contains("Predef"));
        assert!(e.hint.unwrap().contains("--kind"));
    }

    #[test]
    fn auth_hints_depend_on_the_challenge() {
        let e = LivyError::from_reply(401, "text/html", "Negotiate", b"", "GET /sessions");
        assert!(e.hint.unwrap().contains("Kerberos"));
        let e = LivyError::from_reply(401, "text/html", "Basic realm=\"livy\"", b"", "GET /sessions");
        assert!(e.hint.unwrap().contains("--user"));
        assert_eq!(e.message, "GET /sessions failed: Unauthorized");
    }

    #[test]
    fn retry_and_ambiguity_rules() {
        let e = |s| LivyError::from_reply(s, "", "", b"", "x");
        assert!(e(503).is_retryable() && !e(503).is_ambiguous());
        assert!(e(504).is_retryable() && e(504).is_ambiguous());
        assert!(!e(500).is_retryable() && !e(404).is_retryable());
        assert!(!LivyError::new(ErrorKind::Connect, "x").is_ambiguous());
        assert!(LivyError::new(ErrorKind::Interrupted, "x").is_ambiguous());
    }
}
