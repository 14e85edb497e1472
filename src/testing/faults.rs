//! Fault injection switched at run time, and request recording. Both live in one axum
//! middleware wrapped around the server's router.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::server::{BasicCredentials, LivyServer};
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use super::scripted::Shared;

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path without the query, e.g. `/sessions/0/statements`.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Headers, names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    /// Raw body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// `METHOD /path?query`, handy in assertion messages.
    pub fn line(&self) -> String {
        match &self.query {
            Some(q) => format!("{} {}?{q}", self.method, self.path),
            None => format!("{} {}", self.method, self.path),
        }
    }
}

#[derive(Clone, Debug)]
enum Action {
    /// Answer this status and body instead of running the handler.
    Status {
        status: u16,
        content_type: &'static str,
        body: String,
        /// Extra header lines (`WWW-Authenticate`, `Retry-After`), one each.
        headers: Vec<(header::HeaderName, String)>,
    },
    /// Abort the connection before the handler runs: the server did nothing, but the client
    /// cannot tell that from [`Action::Drop`].
    Cut,
    /// Run the handler, then abort the connection before any byte of the answer.
    Drop,
    /// Never answer (the connection stays open, silent): before the handler runs, or after
    /// it has acted.
    Stall { after: bool },
    /// Run the handler, then send a truncated body.
    Malform,
}

#[derive(Clone, Debug)]
struct Rule {
    action: Action,
    remaining: u32,
    /// Matching requests still to let through before the rule applies.
    skip: u32,
    method: Option<String>,
    path_prefix: Option<String>,
    /// The path must be `path_prefix` itself, not only start with it.
    exact: bool,
}

impl Action {
    /// Applied before the handler runs (it then does not run at all).
    fn before_handler(&self) -> bool {
        matches!(
            self,
            Action::Status { .. } | Action::Cut | Action::Stall { after: false }
        )
    }
}

impl Rule {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.remaining > 0
            && self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|p| if self.exact { path == p } else { path.starts_with(p) })
    }
}

/// How long a stalled request waits: longer than any test runs.
const STALL: Duration = Duration::from_secs(3600);

/// The fault switches' storage.
pub(crate) struct FaultState {
    latency_ms: AtomicU64,
    rules: Mutex<Vec<Rule>>,
    /// Requests a rule acted on so far.
    fired: AtomicU64,
    /// `true` while the server is unreachable: the serving loop closes its listener (new
    /// connections are refused) and the middleware cuts requests on connections already open.
    pub(crate) unreachable: tokio::sync::watch::Sender<bool>,
}

impl Default for FaultState {
    fn default() -> Self {
        FaultState {
            latency_ms: AtomicU64::new(0),
            rules: Mutex::new(Vec::new()),
            fired: AtomicU64::new(0),
            unreachable: tokio::sync::watch::Sender::new(false),
        }
    }
}

impl FaultState {
    /// Takes the first armed rule matching the request and of the wanted phase.
    fn take(&self, method: &str, path: &str, pre_handler: bool) -> Option<Action> {
        let mut rules = self.rules.lock().unwrap();
        let mut taken = None;
        for rule in rules
            .iter_mut()
            .filter(|r| r.matches(method, path) && r.action.before_handler() == pre_handler)
        {
            if rule.skip > 0 {
                // This request counts towards the rule's start, and other rules may take it.
                rule.skip -= 1;
                continue;
            }
            rule.remaining -= 1;
            taken = Some(rule.action.clone());
            break;
        }
        rules.retain(|r| r.remaining > 0);
        if taken.is_some() {
            self.fired.fetch_add(1, Ordering::SeqCst);
        }
        taken
    }
}

/// Run-time fault switches of a [`super::TestLivy`].
///
/// `method` arguments take `""` or `"*"` for any method; `path_prefix` matches the start of
/// the path (`""` matches everything). [`Faults::after`] and [`Faults::exact_path`] narrow
/// the rules armed through the value they return.
#[derive(Clone)]
pub struct Faults {
    pub(crate) state: Arc<FaultState>,
    pub(crate) server: LivyServer,
    pub(crate) shared: Arc<Shared>,
    /// Matching requests let through before a rule armed through this value applies.
    pub(crate) skip: u32,
    /// Rules armed through this value match the path exactly.
    pub(crate) exact: bool,
}

impl Faults {
    /// Rules armed through the returned value let the first `k` matching requests through
    /// and apply from the next one: `after(2).cut_next_on(1, "POST", p)` cuts the third.
    pub fn after(&self, k: u32) -> Faults {
        Faults {
            skip: k,
            ..self.clone()
        }
    }

    /// Rules armed through the returned value match only the path given, not longer ones
    /// (`/sessions`, not `/sessions/0/statements`).
    pub fn exact_path(&self) -> Faults {
        Faults {
            exact: true,
            ..self.clone()
        }
    }

    /// Delays every request by `ms` before it is handled (0 turns it off).
    pub fn set_latency_ms(&self, ms: u64) {
        self.state.latency_ms.store(ms, Ordering::SeqCst);
    }

    /// The next `n` requests answer `status` with `body` as JSON (a `Value::String` gives a
    /// bare JSON string, as Livy's 500s); the handler does not run.
    pub fn fail_next(&self, n: u32, status: u16, body: Value) {
        self.fail_next_on(n, "*", "", status, body);
    }

    /// Like [`Faults::fail_next`] for requests with this method and path prefix only.
    pub fn fail_next_on(&self, n: u32, method: &str, path_prefix: &str, status: u16, body: Value) {
        self.arm(
            n,
            method,
            path_prefix,
            Action::Status {
                status,
                content_type: crate::server::JSON_CONTENT_TYPE,
                body: body.to_string(),
                headers: Vec::new(),
            },
        );
    }

    /// The next `n` matching requests answer `status` with an HTML page (a proxy's error).
    pub fn fail_next_html(&self, n: u32, method: &str, path_prefix: &str, status: u16, html: &str) {
        self.arm(
            n,
            method,
            path_prefix,
            Action::Status {
                status,
                content_type: crate::server::HTML_CONTENT_TYPE,
                body: html.to_string(),
                headers: Vec::new(),
            },
        );
    }

    /// The next `n` matching requests answer 401 with these `WWW-Authenticate` lines (one
    /// header line each; none at all for `&[]`), as gateways that want other credentials do.
    pub fn challenge_next(&self, n: u32, method: &str, path_prefix: &str, challenges: &[&str]) {
        self.arm(
            n,
            method,
            path_prefix,
            Action::Status {
                status: 401,
                content_type: crate::server::HTML_CONTENT_TYPE,
                body: "<html><head><title>Error 401 Unauthorized</title></head></html>".to_string(),
                headers: challenges
                    .iter()
                    .map(|c| (header::WWW_AUTHENTICATE, c.to_string()))
                    .collect(),
            },
        );
    }

    /// The next `n` matching requests answer 503 with `Retry-After: seconds` (a busy
    /// gateway); the handler does not run.
    pub fn busy_next_on(&self, n: u32, method: &str, path_prefix: &str, retry_after_seconds: u64) {
        self.arm(
            n,
            method,
            path_prefix,
            Action::Status {
                status: 503,
                content_type: crate::server::JSON_CONTENT_TYPE,
                body: r#"{"msg":"Service Unavailable"}"#.to_string(),
                headers: vec![(header::RETRY_AFTER, retry_after_seconds.to_string())],
            },
        );
    }

    /// The next `n` requests are handled (a statement *is* created) but the connection is
    /// then cut before the client sees any answer.
    pub fn drop_next(&self, n: u32) {
        self.drop_next_on(n, "*", "");
    }

    /// Like [`Faults::drop_next`] for requests with this method and path prefix only.
    pub fn drop_next_on(&self, n: u32, method: &str, path_prefix: &str) {
        self.arm(n, method, path_prefix, Action::Drop);
    }

    /// The next `n` matching requests are cut off before the server acts on them: the
    /// connection closes without an answer, as when a gateway or the network drops it on the
    /// way in. Nothing is created; the client sees what [`Faults::drop_next_on`] shows it.
    pub fn cut_next_on(&self, n: u32, method: &str, path_prefix: &str) {
        self.arm(n, method, path_prefix, Action::Cut);
    }

    /// The next `n` matching requests are never answered (the connection stays open and
    /// silent). `after_acting`: the server handles the request first (a statement *is*
    /// created); otherwise it never sees it.
    pub fn stall_next_on(&self, n: u32, method: &str, path_prefix: &str, after_acting: bool) {
        self.arm(n, method, path_prefix, Action::Stall { after: after_acting });
    }

    /// Makes the server unreachable (`true`): it stops listening, so new connections are
    /// refused, and requests on connections already open are cut before they are handled.
    /// `false` listens again on the same port. Sessions and statements live on meanwhile,
    /// as behind a gateway that restarts.
    pub fn set_unreachable(&self, unreachable: bool) {
        self.state.unreachable.send_replace(unreachable);
    }

    /// The next `n` responses keep their status and headers but carry truncated JSON.
    pub fn malform_next(&self, n: u32) {
        self.malform_next_on(n, "*", "");
    }

    /// Like [`Faults::malform_next`] for requests with this method and path prefix only.
    pub fn malform_next_on(&self, n: u32, method: &str, path_prefix: &str) {
        self.arm(n, method, path_prefix, Action::Malform);
    }

    /// The next `n` sessions fail to start (they go `dead` with an exception in the log).
    pub fn fail_session_starts(&self, n: u32) {
        self.shared.failing_starts.store(n, std::sync::atomic::Ordering::SeqCst);
    }

    /// Turns CSRF protection on or off.
    pub fn set_csrf(&self, on: bool) {
        self.server.set_csrf(on);
    }

    /// Requires basic auth with these credentials, or none.
    pub fn set_basic_auth(&self, credentials: Option<(&str, &str)>) {
        self.server
            .set_basic_auth(credentials.map(|(u, p)| BasicCredentials::new(u, p)));
    }

    /// How many requests the armed rules have acted on so far: a test can tell a fault that
    /// struck from one whose rule never matched.
    pub fn fired(&self) -> u64 {
        self.state.fired.load(Ordering::SeqCst)
    }

    /// Status, drop and malform rules still armed.
    pub fn armed(&self) -> usize {
        self.state.rules.lock().unwrap().len()
    }

    /// Disarms every rule and the latency, and makes the server reachable (CSRF and auth are
    /// left as they are).
    pub fn clear(&self) {
        self.state.rules.lock().unwrap().clear();
        self.set_unreachable(false);
        self.set_latency_ms(0);
        self.fail_session_starts(0);
    }

    fn arm(&self, n: u32, method: &str, path_prefix: &str, action: Action) {
        if n == 0 {
            return;
        }
        let method = (!method.is_empty() && method != "*").then(|| method.to_string());
        let path_prefix = (!path_prefix.is_empty()).then(|| path_prefix.to_string());
        self.state.rules.lock().unwrap().push(Rule {
            action,
            remaining: n,
            skip: self.skip,
            method,
            path_prefix,
            exact: self.exact,
        });
    }
}

/// What the harness middleware needs.
#[derive(Clone)]
pub(crate) struct Harness {
    pub faults: Arc<FaultState>,
    pub requests: Arc<Mutex<Vec<RecordedRequest>>>,
    /// Requests the server acted on (its handler answered 2xx), whether or not the answer
    /// reached the client.
    pub acted: Arc<Mutex<Vec<RecordedRequest>>>,
}

/// Records the request, then applies latency and the armed faults.
pub(crate) async fn middleware(State(harness): State<Harness>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let record = RecordedRequest {
        method: method.clone(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: bytes.to_vec(),
    };
    harness.requests.lock().unwrap().push(record.clone());
    if *harness.faults.unreachable.borrow() {
        return dropped();
    }
    let latency = harness.faults.latency_ms.load(Ordering::SeqCst);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    match harness.faults.take(&method, &path, true) {
        Some(Action::Status {
            status,
            content_type,
            body,
            headers,
        }) => {
            let mut resp = Response::new(Body::from(body));
            *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            for (name, value) in headers {
                let value = HeaderValue::from_str(&value).expect("a fault's header value is header-safe");
                resp.headers_mut().append(name, value);
            }
            return resp;
        }
        Some(Action::Cut) => return dropped(),
        Some(Action::Stall { .. }) => {
            tokio::time::sleep(STALL).await;
            return dropped();
        }
        _ => {}
    }
    let after = harness.faults.take(&method, &path, false);
    let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    if resp.status().is_success() {
        harness.acted.lock().unwrap().push(record);
    }
    match after {
        Some(Action::Drop) => dropped(),
        Some(Action::Malform) => malformed(resp).await,
        Some(Action::Stall { .. }) => {
            tokio::time::sleep(STALL).await;
            dropped()
        }
        _ => resp,
    }
}

/// A body that fails on its first poll: hyper then closes the connection without
/// flushing the already-buffered head, so the client gets no answer at all.
fn dropped() -> Response {
    let failing = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("fault injection: response dropped"))
    });
    Response::new(Body::from_stream(failing))
}

async fn malformed(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let cut = bytes.len() / 2;
    let mut broken = bytes[..cut].to_vec();
    if broken.is_empty() {
        broken.extend_from_slice(b"{\"msg\": ");
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(broken))
}
