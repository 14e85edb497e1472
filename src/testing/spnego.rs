//! `SpnegoGateway`: an HTTP server on 127.0.0.1 that demands Kerberos (SPNEGO) the way
//! Hadoop's `hadoop-auth` filter in front of Livy does, and passes authenticated requests on
//! to a test Livy server.
//!
//! - no credentials: `401` with `WWW-Authenticate: Negotiate`;
//! - `Authorization: Negotiate <token>`: accepted with the run-time GSSAPI
//!   (`gss_accept_sec_context`) and the gateway's own keytab, given explicitly (not through
//!   `KRB5_KTNAME`, which is process-wide); a token seen before is refused with `403`, as is
//!   one that does not verify;
//! - success sets a `hadoop.auth` cookie, accepted on later requests until
//!   [`SpnegoGateway::expire_cookies`], and (by default) sends the mutual-authentication
//!   token back in `WWW-Authenticate: Negotiate <token>`;
//! - optionally answers authenticated requests with a `307` to another gateway.
//!
//! It counts what happened so tests can assert on handshakes and round trips.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::livy::spnego::gssapi::Acceptor;

/// What the gateway sends back in `WWW-Authenticate` after accepting a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MutualToken {
    /// The acceptor's reply token (what hadoop-auth does).
    Send,
    /// Nothing (as some gateways do).
    Omit,
    /// Bytes that are not a valid reply: the client must refuse them.
    Corrupt,
}

/// Settings of a [`SpnegoGateway`].
#[derive(Clone, Debug)]
pub struct SpnegoGatewayConfig {
    /// The service's keytab (e.g. for `HTTP/localhost`).
    pub keytab: PathBuf,
    /// Where authenticated requests go, e.g. `TestLivy::url()`.
    pub upstream: String,
    pub mutual: MutualToken,
    /// Answer authenticated requests with `307` to this base URL (plus the path) instead.
    pub redirect_to: Option<String>,
}

impl SpnegoGatewayConfig {
    /// In front of `upstream`, with the service keys in `keytab`.
    pub fn new(keytab: PathBuf, upstream: &str) -> Self {
        SpnegoGatewayConfig {
            keytab,
            upstream: upstream.trim_end_matches('/').to_string(),
            mutual: MutualToken::Send,
            redirect_to: None,
        }
    }

    /// Sets what goes back for mutual authentication.
    pub fn mutual(mut self, mutual: MutualToken) -> Self {
        self.mutual = mutual;
        self
    }

    /// Redirects authenticated requests (307) to `base_url`.
    pub fn redirect_to(mut self, base_url: &str) -> Self {
        self.redirect_to = Some(base_url.trim_end_matches('/').to_string());
        self
    }
}

/// Counters, for assertions.
#[derive(Debug, Default)]
struct Counters {
    requests: AtomicUsize,
    challenges: AtomicUsize,
    handshakes: AtomicUsize,
    refused: AtomicUsize,
    replays: AtomicUsize,
    cookie_hits: AtomicUsize,
    redirects: AtomicUsize,
}

struct Gateway {
    config: SpnegoGatewayConfig,
    acceptor: Mutex<Acceptor>,
    http: reqwest::Client,
    counters: Counters,
    /// Every token received, as sent (base64), oldest first.
    tokens: Mutex<Vec<String>>,
    seen: Mutex<HashSet<String>>,
    cookies: Mutex<HashSet<String>>,
}

/// A running gateway; stops when dropped.
pub struct SpnegoGateway {
    addr: SocketAddr,
    gateway: Arc<Gateway>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl SpnegoGateway {
    /// Starts a gateway on a free port of 127.0.0.1. Panics when the keytab cannot be used
    /// (a test set-up error).
    pub fn start(config: SpnegoGatewayConfig) -> SpnegoGateway {
        let acceptor = Acceptor::with_keytab(&config.keytab)
            .unwrap_or_else(|e| panic!("SpnegoGateway: keytab {}: {e}", config.keytab.display()));
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("SpnegoGateway: HTTP client");
        let gateway = Arc::new(Gateway {
            config,
            acceptor: Mutex::new(acceptor),
            http,
            counters: Counters::default(),
            tokens: Mutex::new(Vec::new()),
            seen: Mutex::new(HashSet::new()),
            cookies: Mutex::new(HashSet::new()),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("SpnegoGateway: bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("nonblocking listener");
        let addr = listener.local_addr().expect("local addr");
        let router = axum::Router::new().fallback(handle).with_state(gateway.clone());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("spnego-gateway")
            .enable_all()
            .build()
            .expect("SpnegoGateway runtime");
        let stop = super::serve_on_thread("spnego-gateway", runtime, listener, router);
        SpnegoGateway {
            addr,
            gateway,
            stop: Some(stop),
        }
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://HOST:PORT` — the host decides which service ticket a client asks for
    /// (`localhost` → `HTTP/localhost`).
    pub fn url(&self, host: &str) -> String {
        format!("http://{host}:{}", self.addr.port())
    }

    /// Requests received.
    pub fn requests(&self) -> usize {
        self.gateway.counters.requests.load(Ordering::SeqCst)
    }

    /// `401 Negotiate` challenges sent (requests with neither token nor valid cookie).
    pub fn challenges(&self) -> usize {
        self.gateway.counters.challenges.load(Ordering::SeqCst)
    }

    /// Tokens accepted.
    pub fn handshakes(&self) -> usize {
        self.gateway.counters.handshakes.load(Ordering::SeqCst)
    }

    /// Tokens refused with 403 (replays included).
    pub fn refused(&self) -> usize {
        self.gateway.counters.refused.load(Ordering::SeqCst)
    }

    /// Tokens refused because they had been seen before.
    pub fn replays(&self) -> usize {
        self.gateway.counters.replays.load(Ordering::SeqCst)
    }

    /// Requests let through on the `hadoop.auth` cookie alone.
    pub fn cookie_hits(&self) -> usize {
        self.gateway.counters.cookie_hits.load(Ordering::SeqCst)
    }

    /// 307s sent.
    pub fn redirects(&self) -> usize {
        self.gateway.counters.redirects.load(Ordering::SeqCst)
    }

    /// Every `Negotiate` token received (base64, as sent), oldest first.
    pub fn tokens(&self) -> Vec<String> {
        self.gateway.tokens.lock().unwrap().clone()
    }

    /// Forgets every cookie issued, as when they expire: the next request is challenged.
    pub fn expire_cookies(&self) {
        self.gateway.cookies.lock().unwrap().clear();
    }
}

impl Drop for SpnegoGateway {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The cookie's name, as hadoop-auth spells it.
const COOKIE: &str = "hadoop.auth";

async fn handle(State(gw): State<Arc<Gateway>>, request: Request) -> Response {
    gw.counters.requests.fetch_add(1, Ordering::SeqCst);
    let headers = request.headers().clone();
    let mut new_cookie = None;
    let mut mutual_reply = None;
    if has_valid_cookie(&gw, &headers) {
        gw.counters.cookie_hits.fetch_add(1, Ordering::SeqCst);
    } else {
        let Some(token) = negotiate_token(&headers) else {
            gw.counters.challenges.fetch_add(1, Ordering::SeqCst);
            return error_page(StatusCode::UNAUTHORIZED, "Authentication required", true);
        };
        if !gw.seen.lock().unwrap().insert(token.clone()) {
            gw.counters.replays.fetch_add(1, Ordering::SeqCst);
            gw.counters.refused.fetch_add(1, Ordering::SeqCst);
            return error_page(StatusCode::FORBIDDEN, "GSSException: Request is a replay (34)", false);
        }
        gw.tokens.lock().unwrap().push(token.clone());
        let Ok(bytes) = STANDARD.decode(&token) else {
            gw.counters.refused.fetch_add(1, Ordering::SeqCst);
            return error_page(StatusCode::FORBIDDEN, "GSSException: the token is not base64", false);
        };
        let acceptor_side = gw.clone();
        let accepted = tokio::task::spawn_blocking(move || acceptor_side.acceptor.lock().unwrap().accept(&bytes))
            .await
            .expect("the acceptor task");
        match accepted {
            Ok(accepted) if accepted.complete => {
                gw.counters.handshakes.fetch_add(1, Ordering::SeqCst);
                let value = format!(
                    "\"u=kerberos-user&t=kerberos&e={}&s={:016x}\"",
                    u64::MAX,
                    fastrand::u64(..)
                );
                gw.cookies.lock().unwrap().insert(value.trim_matches('"').to_string());
                new_cookie = Some(value);
                mutual_reply = match gw.config.mutual {
                    MutualToken::Send if !accepted.reply.is_empty() => Some(STANDARD.encode(&accepted.reply)),
                    MutualToken::Corrupt => Some(STANDARD.encode(b"\xa1\x07not a reply token")),
                    _ => None,
                };
            }
            Ok(_) => {
                gw.counters.refused.fetch_add(1, Ordering::SeqCst);
                return error_page(
                    StatusCode::FORBIDDEN,
                    "GSSException: more rounds are not supported",
                    false,
                );
            }
            Err(e) => {
                gw.counters.refused.fetch_add(1, Ordering::SeqCst);
                return error_page(StatusCode::FORBIDDEN, &format!("GSSException: {e}"), false);
            }
        }
    }
    let mut response = match &gw.config.redirect_to {
        Some(target) => {
            gw.counters.redirects.fetch_add(1, Ordering::SeqCst);
            let path = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
            if let Ok(location) = HeaderValue::from_str(&format!("{target}{path}")) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        None => forward(&gw, request).await,
    };
    if let Some(cookie) = new_cookie
        && let Ok(value) = HeaderValue::from_str(&format!("{COOKIE}={cookie}; Path=/; HttpOnly"))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    if let Some(token) = mutual_reply
        && let Ok(value) = HeaderValue::from_str(&format!("Negotiate {token}"))
    {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

fn has_valid_cookie(gw: &Gateway, headers: &HeaderMap) -> bool {
    let cookies = gw.cookies.lock().unwrap();
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(name, value)| name == COOKIE && cookies.contains(value.trim_matches('"')))
}

fn negotiate_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("negotiate") && !token.is_empty()).then(|| token.to_string())
}

/// A Jetty-like error page; a 401 carries the `Negotiate` challenge.
fn error_page(status: StatusCode, message: &str, challenge: bool) -> Response {
    let body = format!(
        "<html><head><title>Error {code}</title></head><body><h2>HTTP ERROR {code}</h2><pre>{message}</pre></body></html>",
        code = status.as_u16()
    );
    let mut response = (status, [(header::CONTENT_TYPE, "text/html;charset=iso-8859-1")], body).into_response();
    if challenge {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Negotiate"));
    }
    response
}

/// Passes the request on to the upstream Livy and its answer back.
async fn forward(gw: &Gateway, request: Request) -> Response {
    let method = request.method().clone();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let headers = request.headers().clone();
    let body = match axum::body::to_bytes(request.into_body(), 64 << 20).await {
        Ok(body) => body,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, &format!("cannot read the body: {e}"), false),
    };
    let mut upstream = gw.http.request(method, format!("{}{path}", gw.config.upstream));
    for name in [
        header::CONTENT_TYPE,
        header::ACCEPT,
        header::HeaderName::from_static("x-requested-by"),
    ] {
        if let Some(value) = headers.get(&name) {
            upstream = upstream.header(name, value);
        }
    }
    let reply = match upstream.body(body).send().await {
        Ok(reply) => reply,
        Err(e) => return error_page(StatusCode::BAD_GATEWAY, &format!("upstream: {e}"), false),
    };
    let status = reply.status();
    let content_type = reply.headers().get(header::CONTENT_TYPE).cloned();
    let bytes = reply.bytes().await.unwrap_or_default();
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    if let Some(content_type) = content_type {
        response.headers_mut().insert(header::CONTENT_TYPE, content_type);
    }
    response
}
