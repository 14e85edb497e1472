//! The typed async Livy client: every endpoint, version-gated request fields, retries for
//! idempotent calls, and statement submission that never creates a statement twice.

use super::challenge::{self, Scheme, SentCredentials};
use super::config::{Auth, ClientConfig, RetryNotice, RetryPolicy};
use super::error::{ErrorKind, LivyError, Result, server_text};
use super::ids::{BatchId, SessionId, StatementId};
use super::requests::{CompletionRequest, CreateBatch, CreateSession, CreateStatement};
use super::spnego::negotiate::{self, Handshake, ServiceName};
use super::types::{
    Batch, Completion, LivyVersion, LogPage, Page, Session, SessionStateReply, Statement, StatementList, VersionInfo,
};
use backon::{ExponentialBuilder, Retryable};
use reqwest::header::{
    AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER, WWW_AUTHENTICATE,
};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OnceCell;
use url::Url;

/// Retries after a failed connection (refused, DNS, TLS): fewer than for a slow server.
const MAX_CONNECT_RETRIES: usize = 2;
/// The longest `Retry-After` followed; a longer one waits this long.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// Redirects followed by hand with Kerberos (a Livy HA standby pointing at the active one).
const MAX_REDIRECTS: usize = 5;
/// Rounds of one SPNEGO handshake: Kerberos needs one; the bound stops a server that keeps
/// asking.
const MAX_NEGOTIATE_LEGS: usize = 3;

/// How far the server's clock may lag the client's when the client judges, by the server's
/// `completed` time, whether a statement came from its own POST.
const CLOCK_SLACK_MS: u64 = 2_000;

/// What the client knew when it sent a statement: the highest statement id it had seen in
/// the session, and the time it sent (epoch ms, its own clock).
#[derive(Clone, Copy, Debug)]
struct Before {
    baseline: Option<i64>,
    sent_at: u64,
}

/// Now in epoch milliseconds, as Livy's `started` and `completed`.
fn epoch_ms_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Statement list order (`order=desc` needs Livy 0.8+; older servers ignore it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

/// A Livy server. Cheap to clone; clones share the connection pool and what was learnt
/// about the server (its version, the statements seen per session).
#[derive(Clone)]
pub struct LivyClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: ClientConfig,
    version: OnceCell<Option<LivyVersion>>,
    /// Per session, the highest statement id seen: what "new" means when a statement POST
    /// fails ambiguously and the client must find out whether the server took it.
    statement_marks: Mutex<HashMap<String, i64>>,
    /// The token sent now: the configured one, until a 401 makes the client get a fresh one.
    token: Mutex<Option<String>>,
    /// Held while a fresh token is fetched, so that requests refused together fetch one.
    refreshing: tokio::sync::Mutex<()>,
}

/// A request body, already serialized.
type Body = Option<Vec<u8>>;

impl LivyClient {
    /// Builds the HTTP client. Fails on unreadable certificates and invalid headers.
    pub fn new(config: ClientConfig) -> Result<Self> {
        if let Auth::Kerberos { spn: Some(spn) } = &config.auth {
            // A malformed --spn is a usage error now, not at the first 401.
            negotiate::service_name(Some(spn), &config.base_url)?;
        }
        let token = match &config.auth {
            Auth::Bearer { token } => Some(token.clone()),
            Auth::Header { name, token } => {
                HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                    LivyError::new(
                        ErrorKind::Usage,
                        format!("the token header {name:?} is not a valid header name"),
                    )
                })?;
                Some(token.clone())
            }
            _ => None,
        };
        let http = build_http(&config)?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                config,
                version: OnceCell::new(),
                statement_marks: Mutex::new(HashMap::new()),
                token: Mutex::new(token),
                refreshing: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// The base URL, normalised with a trailing `/`.
    pub fn base_url(&self) -> &Url {
        &self.inner.config.base_url
    }

    // ---- server ----

    /// `GET /version`.
    pub async fn version(&self) -> Result<VersionInfo> {
        self.get(&["version"], &[]).await
    }

    /// The server's Livy version, asked once and remembered. `None` when the server has no
    /// `/version` (vendor endpoints) or sends something that is not a version.
    pub async fn server_version(&self) -> Result<Option<LivyVersion>> {
        self.inner
            .version
            .get_or_try_init(|| async {
                match self.version().await {
                    Ok(v) => Ok(LivyVersion::parse(&v.version)),
                    Err(e) if e.is_not_found() || e.kind == ErrorKind::InvalidResponse => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await
            .copied()
    }

    // ---- sessions ----

    /// `GET /sessions?from&size`.
    pub async fn list_sessions(&self, from: Option<u64>, size: Option<u64>) -> Result<Page<Session>> {
        self.get(&["sessions"], &paging(from, size)).await
    }

    /// `POST /sessions`. `ttl` and `idleTimeout` are sent only to servers that know them
    /// (0.8+ and 0.9+); asking an older server for one is an error, not a silent drop.
    pub async fn create_session(&self, request: &CreateSession) -> Result<Session> {
        self.check_version_gate("session ttl", request.ttl.is_some(), LivyVersion::new(0, 8))
            .await?;
        self.check_version_gate(
            "session idle timeout",
            request.idle_timeout.is_some(),
            LivyVersion::new(0, 9),
        )
        .await?;
        let mut request = request.clone();
        // Every session this client makes has a name of its own: after a server restart
        // without recovery its id may name another session, and after a lost reply the
        // listing holds everyone's; the name tells which is ours.
        if request.name.is_none() {
            request.name = Some(default_session_name());
        }
        for note in self.inner.config.flavor.fit_session(&mut request, default_session_name) {
            tracing::warn!("{note}");
        }
        // Where the list stood before, so that after a lost reply the session the server
        // made can be told from everyone else's.
        let before = self.session_list_end().await?;
        match self.post::<Session>(&["sessions"], &request, false).await {
            Err(e) if e.is_ambiguous() => {
                tracing::warn!(error = %e, "session POST failed ambiguously; looking for it on the server");
                match self.find_created(&request, before).await? {
                    Some(found) => {
                        tracing::info!(id = %found.id, "the server had made the session");
                        Ok(found)
                    }
                    None => {
                        tracing::info!("the server had not made the session; asking again");
                        self.post(&["sessions"], &request, false).await
                    }
                }
            }
            other => other,
        }
    }

    /// How many sessions the server lists now (`None` if it cannot list them). A failure
    /// the create would meet too (credentials, an unreachable server) is the create's error.
    async fn session_list_end(&self) -> Result<Option<u64>> {
        match self
            .get::<Page<Session>>(&["sessions"], &paging(Some(0), Some(0)))
            .await
        {
            Ok(page) => Ok(page.total),
            Err(e) if matches!(e.status, Some(400 | 404 | 405)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// After a create whose reply was lost: the session the server made for `request`, listed
    /// after the `before` sessions that were there, if any.
    async fn find_created(&self, request: &CreateSession, before: Option<u64>) -> Result<Option<Session>> {
        let Some(before) = before else {
            return Ok(None);
        };
        let newer: Page<Session> = self.get(&["sessions"], &paging(Some(before), Some(100))).await?;
        Ok(newer.sessions.into_iter().find(|s| made_for(s, request)))
    }

    /// `GET /sessions/{id}`; the id may be a session name.
    pub async fn get_session(&self, id: &SessionId) -> Result<Session> {
        self.get(&["sessions", id.as_str()], &[]).await
    }

    /// `GET /sessions/{id}/state` (the session itself where the API has no `/state`).
    pub async fn session_state(&self, id: &SessionId) -> Result<SessionStateReply> {
        if !self.inner.config.flavor.has_log_and_state_endpoints() {
            let session = self.get_session(id).await?;
            return Ok(SessionStateReply {
                id: session.id,
                state: session.state,
            });
        }
        self.get(&["sessions", id.as_str(), "state"], &[]).await
    }

    /// `POST /sessions/{id}/connect` (Livy 0.4+): answers the session like a GET, and counts
    /// as activity for the server's idle timeout (`livy.server.session.timeout`), which GETs
    /// do not. A server without it answers 404 or 405, as for any unknown path.
    pub async fn connect_session(&self, id: &SessionId) -> Result<Session> {
        // Connecting twice does no harm: retried like a read.
        self.post(&["sessions", id.as_str(), "connect"], &serde_json::json!({}), true)
            .await
    }

    /// `DELETE /sessions/{id}`.
    pub async fn delete_session(&self, id: &SessionId) -> Result<()> {
        self.delete(&["sessions", id.as_str()]).await
    }

    /// `GET /sessions/{id}/log?from&size`. `from: None` (or negative) means "the last `size`
    /// lines"; `size` negative means all lines.
    /// Where the API has no `/log`, the last lines the session object carries.
    pub async fn session_log(&self, id: &SessionId, from: Option<i64>, size: Option<i64>) -> Result<LogPage> {
        if !self.inner.config.flavor.has_log_and_state_endpoints() {
            let session = self.get_session(id).await?;
            return Ok(log_of_object(session.id, session.log));
        }
        self.get(&["sessions", id.as_str(), "log"], &log_paging(from, size))
            .await
    }

    // ---- statements ----

    /// `GET /sessions/{id}/statements?from&size&order`.
    pub async fn list_statements(
        &self,
        session: &SessionId,
        from: Option<u64>,
        size: Option<u64>,
        order: Option<Order>,
    ) -> Result<StatementList> {
        let mut query = paging(from, size);
        if order == Some(Order::Desc) {
            query.push(("order", "desc".into()));
        }
        let list: StatementList = self.get(&["sessions", session.as_str(), "statements"], &query).await?;
        if let Some(max) = list.statements.iter().filter_map(|s| s.id.as_number()).max() {
            self.mark_statement(session, max as i64);
        }
        Ok(list)
    }

    /// `POST /sessions/{id}/statements`, never creating the statement twice.
    ///
    /// A statement POST is not idempotent, so it is only retried when the request surely
    /// never reached the server (connection refused). After an ambiguous failure (a timeout,
    /// a dropped connection, a gateway 502/504) the client lists the session's statements
    /// and adopts one with the same code that the server took after the POST; only when
    /// there is none does it send the statement again, once.
    ///
    /// "After the POST": newer than the highest statement id the client had seen in the
    /// session, when it has seen any. Nothing is asked before the POST for that: a session
    /// whose statements it has not seen yet is judged by the server's own times (see
    /// [`LivyClient::find_submitted`]).
    pub async fn submit_statement(&self, session: &SessionId, request: &CreateStatement) -> Result<Statement> {
        // Per-statement kinds came with shared sessions in Livy 0.5.
        self.check_version_gate("statement kind", request.kind.is_some(), LivyVersion::new(0, 5))
            .await?;
        let baseline = self.statement_mark(session);
        let sent_at = epoch_ms_now();
        let path = ["sessions", session.as_str(), "statements"];
        let first = self.post::<Statement>(&path, request, false).await;
        let statement = match first {
            Ok(s) => s,
            Err(e) if e.is_ambiguous() => {
                tracing::warn!(error = %e, "statement POST failed ambiguously; looking for it on the server");
                let before = Before { baseline, sent_at };
                match self.find_submitted(session, &request.code, before).await? {
                    Some(found) => {
                        tracing::info!(id = %found.id, "the server had taken the statement");
                        found
                    }
                    None => {
                        tracing::info!("the server had not taken the statement; sending it again");
                        self.post::<Statement>(&path, request, false).await?
                    }
                }
            }
            Err(e) => return Err(e),
        };
        if let Some(id) = statement.id.as_number() {
            self.mark_statement(session, id as i64);
        }
        Ok(statement)
    }

    /// `GET /sessions/{id}/statements/{sid}` as the server sent it (for `--json`): checked
    /// to be JSON, kept as text.
    pub async fn get_statement_json(
        &self,
        session: &SessionId,
        id: &StatementId,
    ) -> Result<Box<serde_json::value::RawValue>> {
        self.get(&["sessions", session.as_str(), "statements", id.as_str()], &[])
            .await
    }

    /// `GET /sessions/{id}/statements/{sid}`.
    pub async fn get_statement(&self, session: &SessionId, id: &StatementId) -> Result<Statement> {
        self.get(&["sessions", session.as_str(), "statements", id.as_str()], &[])
            .await
    }

    /// `POST /sessions/{id}/statements/{sid}/cancel`. Cancelling twice is harmless, so this
    /// is retried like a read.
    pub async fn cancel_statement(&self, session: &SessionId, id: &StatementId) -> Result<()> {
        let path = ["sessions", session.as_str(), "statements", id.as_str(), "cancel"];
        let _: serde_json::Value = self.post(&path, &serde_json::json!({}), true).await?;
        Ok(())
    }

    /// `POST /sessions/{id}/completion`. Only Scala sessions return candidates.
    pub async fn complete(&self, session: &SessionId, request: &CompletionRequest) -> Result<Completion> {
        self.post(&["sessions", session.as_str(), "completion"], request, true)
            .await
    }

    // ---- batches ----

    /// `GET /batches?from&size`.
    pub async fn list_batches(&self, from: Option<u64>, size: Option<u64>) -> Result<Page<Batch>> {
        self.get(&["batches"], &paging(from, size)).await
    }

    /// `POST /batches`.
    pub async fn create_batch(&self, request: &CreateBatch) -> Result<Batch> {
        if request.file.trim().is_empty() {
            return Err(LivyError::new(
                ErrorKind::Usage,
                "a batch needs a file (a jar or a .py)",
            ));
        }
        self.post(&["batches"], request, false).await
    }

    /// `GET /batches/{id}`.
    pub async fn get_batch(&self, id: &BatchId) -> Result<Batch> {
        self.get(&["batches", id.as_str()], &[]).await
    }

    /// `GET /batches/{id}/state` (the batch itself where the API has no `/state`).
    pub async fn batch_state(&self, id: &BatchId) -> Result<SessionStateReply> {
        if !self.inner.config.flavor.has_log_and_state_endpoints() {
            let batch = self.get_batch(id).await?;
            return Ok(SessionStateReply {
                id: SessionId(batch.id.0),
                state: batch.state,
            });
        }
        self.get(&["batches", id.as_str(), "state"], &[]).await
    }

    /// `GET /batches/{id}/log?from&size` (the batch's last lines where there is no `/log`).
    pub async fn batch_log(&self, id: &BatchId, from: Option<i64>, size: Option<i64>) -> Result<LogPage> {
        if !self.inner.config.flavor.has_log_and_state_endpoints() {
            let batch = self.get_batch(id).await?;
            return Ok(log_of_object(SessionId(batch.id.0), batch.log));
        }
        self.get(&["batches", id.as_str(), "log"], &log_paging(from, size))
            .await
    }

    /// `DELETE /batches/{id}`.
    pub async fn delete_batch(&self, id: &BatchId) -> Result<()> {
        self.delete(&["batches", id.as_str()]).await
    }

    // ---- internals ----

    async fn check_version_gate(&self, what: &str, asked: bool, needs: LivyVersion) -> Result<()> {
        if !asked {
            return Ok(());
        }
        match self.server_version().await? {
            Some(v) if v < needs => Err(LivyError::new(
                ErrorKind::Unsupported,
                format!(
                    "this Livy server is {v}; a {what} needs Livy {}.{} or newer",
                    needs.major, needs.minor
                ),
            )
            .with_hint(format!("drop the {what} option"))),
            // Unknown version (a vendor endpoint): send it and let the server decide.
            _ => Ok(()),
        }
    }

    fn mark_statement(&self, session: &SessionId, id: i64) {
        let mut marks = self.inner.statement_marks.lock().unwrap_or_else(|p| p.into_inner());
        let mark = marks.entry(session.0.clone()).or_insert(-1);
        *mark = (*mark).max(id);
    }

    /// The highest statement id seen in the session, if any was.
    fn statement_mark(&self, session: &SessionId) -> Option<i64> {
        self.inner
            .statement_marks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&session.0)
            .copied()
    }

    /// After an ambiguous POST: the statement with this code that the server took from it,
    /// if it took one. With a baseline, the first such statement newer than it. Without one,
    /// the newest such statement if the server took it after the POST was sent: it is still
    /// waiting or running, or it completed at most [`CLOCK_SLACK_MS`] before the send by the
    /// server's clock (Livy 0.7+ reports `completed`; an older server's finished statement
    /// is taken as ours, the best it can tell).
    async fn find_submitted(&self, session: &SessionId, code: &str, before: Before) -> Result<Option<Statement>> {
        let list: StatementList = self.get(&["sessions", session.as_str(), "statements"], &[]).await?;
        let wanted = normalize_code(code);
        let mut candidates: Vec<Statement> = list
            .statements
            .into_iter()
            .filter(|s| normalize_code(&s.code) == wanted)
            .filter(|s| match (before.baseline, s.id.as_number()) {
                (Some(b), Some(id)) => id as i64 > b,
                _ => true,
            })
            .collect();
        candidates.sort_by_key(|s| s.id.as_number().unwrap_or(u64::MAX));
        if before.baseline.is_some() {
            return Ok(candidates.into_iter().next());
        }
        Ok(candidates.pop().filter(|newest| {
            !newest.state.is_finished()
                || newest
                    .completed
                    .is_none_or(|done| done.saturating_add(CLOCK_SLACK_MS) >= before.sent_at)
        }))
    }

    async fn get<T: DeserializeOwned>(&self, path: &[&str], query: &[(&str, String)]) -> Result<T> {
        self.call(Method::GET, path, query, None, true).await
    }

    async fn post<T: DeserializeOwned>(&self, path: &[&str], body: &impl Serialize, idempotent: bool) -> Result<T> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| LivyError::new(ErrorKind::Usage, format!("cannot encode the request: {e}")))?;
        self.call(Method::POST, path, &[], Some(bytes), idempotent).await
    }

    async fn delete(&self, path: &[&str]) -> Result<()> {
        let _: serde_json::Value = self.call(Method::DELETE, path, &[], None, true).await?;
        Ok(())
    }

    /// One logical call: retried with jittered exponential backoff when idempotent and the
    /// failure is transient; otherwise retried only when the request never left.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &[&str],
        query: &[(&str, String)],
        body: Body,
        idempotent: bool,
    ) -> Result<T> {
        let url = self.url(path);
        let what = format!("{method} /{}", path.join("/"));
        let policy = &self.inner.config.retry;
        let attempt = std::sync::atomic::AtomicUsize::new(0);
        let retried = (|| async {
            attempt.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.send_once(method.clone(), url.clone(), query, body.clone(), &what)
                .await
        })
        .retry(backoff(policy))
        .sleep(tokio::time::sleep)
        .when(|e: &LivyError| {
            // "Nothing listening" is a definite answer: a couple of quick retries ride out a
            // restart without making a wrong --url take many seconds to report.
            let tries = attempt.load(std::sync::atomic::Ordering::Relaxed);
            if e.kind == ErrorKind::Connect && tries > MAX_CONNECT_RETRIES {
                return false;
            }
            if idempotent {
                e.is_retryable()
            } else {
                e.was_not_processed()
            }
        })
        // The server's Retry-After, within reason, replaces the backoff's next wait.
        .adjust(|e: &LivyError, next| {
            next.map(|backoff| e.retry_after.map_or(backoff, |asked| asked.min(MAX_RETRY_AFTER)))
        })
        .notify(|e: &LivyError, delay| {
            let n = attempt.load(std::sync::atomic::Ordering::Relaxed);
            tracing::warn!(%what, attempt = n, ?delay, error = %e, "retrying");
            if let Some(observer) = &self.inner.config.on_retry {
                observer(&RetryNotice {
                    what: what.clone(),
                    attempt: n,
                    delay,
                    error: e.clone(),
                });
            }
        });
        let bytes = self.telling_when_slow(&what, retried).await;
        let bytes = match bytes {
            // A retried DELETE may find the thing already gone: that is what was asked.
            Err(e) if method == Method::DELETE && e.is_not_found() && attempt.into_inner() > 1 => {
                return serde_json::from_value(serde_json::Value::Null)
                    .map_err(|err| LivyError::invalid_response(&what, b"", &err));
            }
            other => other?,
        };
        let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &bytes
        };
        serde_json::from_slice(text).map_err(|e| LivyError::invalid_response(&what, &bytes, &e))
    }

    /// Runs `work`; if it has not finished after `slow_after`, says once what it waits for,
    /// so a server that accepts connections and never answers is not a silent wait.
    async fn telling_when_slow<T>(&self, what: &str, work: impl std::future::Future<Output = T>) -> T {
        let config = &self.inner.config;
        let Some(observer) = &config.on_slow else {
            return work.await;
        };
        tokio::pin!(work);
        tokio::select! {
            done = &mut work => return done,
            _ = tokio::time::sleep(config.slow_after) => {}
        }
        observer(what);
        work.await
    }

    async fn send_once(
        &self,
        method: Method,
        url: Url,
        query: &[(&str, String)],
        body: Body,
        what: &str,
    ) -> Result<Vec<u8>> {
        let config = &self.inner.config;
        if let Auth::Kerberos { spn } = &config.auth {
            return self
                .send_negotiate(method, url, query, body, what, spn.as_deref())
                .await;
        }
        let mut refreshed = false;
        loop {
            let token = self.current_token();
            let mut request = self.inner.http.request(method.clone(), url.clone()).query(query);
            request = match (&config.auth, &token) {
                (Auth::Basic { user, password }, _) => request.basic_auth(user, Some(password)),
                (Auth::Bearer { .. }, Some(token)) => request.bearer_auth(token),
                (Auth::Header { name, .. }, Some(token)) => request.header(name.as_str(), token.as_str()),
                _ => request,
            };
            if let Some(body) = &body {
                request = request.header(CONTENT_TYPE, "application/json").body(body.clone());
            }
            let reply = self.exchange(request, what).await?;
            if reply.status.is_success() {
                return Ok(reply.bytes);
            }
            // A 401 means nothing was done: with a fresh token the same request is safe again.
            if reply.status.as_u16() == 401 && !refreshed && self.refresh_token(token.as_deref()).await? {
                refreshed = true;
                continue;
            }
            return Err(reply_error(&reply, what, self.sent_credentials()));
        }
    }

    /// What the requests carry, for the hint of a 401.
    fn sent_credentials(&self) -> SentCredentials {
        let config = &self.inner.config;
        match &config.auth {
            Auth::Basic { .. } => SentCredentials::Basic,
            Auth::Bearer { .. } | Auth::Header { .. } => SentCredentials::Bearer,
            Auth::Kerberos { .. } => SentCredentials::Negotiate,
            Auth::None
                if config
                    .headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("authorization")) =>
            {
                SentCredentials::Header
            }
            Auth::None => SentCredentials::None,
        }
    }

    fn current_token(&self) -> Option<String> {
        self.inner.token.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// After a 401 to `sent`: gets a fresh token if the config says how. `Ok(true)` when
    /// there is a new one to try (fetched here, or by a request refused at the same time).
    async fn refresh_token(&self, sent: Option<&str>) -> Result<bool> {
        let Some(refresh) = self.inner.config.token_refresh.clone() else {
            return Ok(false);
        };
        let _one_at_a_time = self.inner.refreshing.lock().await;
        if self.current_token().as_deref() != sent {
            return Ok(true);
        }
        let fresh = tokio::task::spawn_blocking(move || refresh())
            .await
            .map_err(|e| LivyError::new(ErrorKind::Usage, format!("getting a fresh token failed: {e}")))??;
        if Some(fresh.as_str()) == sent {
            return Ok(false);
        }
        tracing::info!("the server refused the token: using a fresh one");
        *self.inner.token.lock().unwrap_or_else(|p| p.into_inner()) = Some(fresh);
        Ok(true)
    }

    /// A request with Kerberos, as `curl --negotiate` does it: sent as it is first (a
    /// `hadoop.auth` cookie from an earlier handshake, kept by the cookie store, may be all
    /// the server needs); a 401 offering `Negotiate` gets a fresh security context and the
    /// same request again with its token (a 401 means nothing was done, so the body is sent
    /// again). Redirects are followed here, so that another host gets a token of its own.
    async fn send_negotiate(
        &self,
        method: Method,
        url: Url,
        query: &[(&str, String)],
        body: Body,
        what: &str,
        spn_override: Option<&str>,
    ) -> Result<Vec<u8>> {
        let limit = self.inner.config.read_timeout;
        let mut url = url;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let (mut method, mut body) = (method, body);
        let mut redirects = 0;
        let mut legs = 0;
        let mut handshake: Option<Handshake> = None;
        let mut authorization: Option<String> = None;
        loop {
            let mut request = self.inner.http.request(method.clone(), url.clone());
            let sent_token = authorization.take();
            if let Some(value) = &sent_token {
                request = request.header(AUTHORIZATION, value);
            }
            if let Some(body) = &body {
                request = request.header(CONTENT_TYPE, "application/json").body(body.clone());
            }
            let reply = self.exchange(request, what).await?;
            let status = reply.status.as_u16();
            if reply.status.is_success() {
                if let Some(handshake) = handshake.take()
                    && sent_token.is_some()
                {
                    handshake.finish(&reply.challenge).await?;
                }
                return Ok(reply.bytes);
            }
            if reply.status.is_redirection()
                && let Some(location) = &reply.location
            {
                redirects += 1;
                let next = redirect_target(&url, location, redirects, what)?;
                // 303 always, and 301/302 after a POST (as browsers and reqwest do), become a
                // GET without a body; 307 and 308 keep the method and the body.
                if status == 303 || (matches!(status, 301 | 302) && method == Method::POST) {
                    method = Method::GET;
                    body = None;
                }
                tracing::debug!(%what, %status, to = %next, "following a redirect");
                url = next;
                handshake = None;
                legs = 0;
                continue;
            }
            let offers_negotiate = challenge::schemes(&reply.challenge).contains(&Scheme::Negotiate);
            if status == 401 && offers_negotiate {
                match (handshake.take(), negotiate::server_token(&reply.challenge)) {
                    // A mechanism that needs more than one round: the server answered the
                    // token with one of its own (Kerberos does not; the bound stops a loop).
                    (Some(current), Some(token)) if sent_token.is_some() && legs < MAX_NEGOTIATE_LEGS => {
                        let spn = current.spn().clone();
                        match current.step(token).await? {
                            (next_handshake, Some(next)) => {
                                authorization = Some(next);
                                handshake = Some(next_handshake);
                                legs += 1;
                                continue;
                            }
                            (_, None) => return Err(negotiate::refused(401, &spn, what, &first_line(&reply))),
                        }
                    }
                    (Some(current), _) if sent_token.is_some() => {
                        return Err(negotiate::refused(401, current.spn(), what, &first_line(&reply)));
                    }
                    // No token was sent (the first request, or the cookie expired): a new
                    // handshake with a fresh context; a replayed token would be refused.
                    _ => {
                        let spn = self.service_for(&url, spn_override)?;
                        tracing::debug!(%what, %spn, "Kerberos handshake");
                        let (next_handshake, header) = Handshake::start(spn, limit).await?;
                        authorization = Some(header);
                        handshake = Some(next_handshake);
                        legs = 1;
                        continue;
                    }
                }
            }
            if let Some(current) = &handshake
                && sent_token.is_some()
                && matches!(status, 401 | 403)
            {
                return Err(negotiate::refused(status, current.spn(), what, &first_line(&reply)));
            }
            return Err(reply_error(&reply, what, SentCredentials::Negotiate));
        }
    }

    /// The Kerberos service for a URL: `--spn` for the configured host, `HTTP@<host>` for
    /// the URL's host otherwise (another host reached by a redirect).
    fn service_for(&self, url: &Url, spn_override: Option<&str>) -> Result<ServiceName> {
        let same_host = url.host_str() == self.inner.config.base_url.host_str();
        negotiate::service_name(spn_override.filter(|_| same_host), url)
    }

    /// Sends a request and reads the whole reply.
    async fn exchange(&self, request: reqwest::RequestBuilder, what: &str) -> Result<Reply> {
        tracing::debug!(%what, "request");
        let base = self.inner.config.base_url.as_str().trim_end_matches('/');
        let response = request
            .send()
            .await
            .map_err(|e| LivyError::from_transport(&e, what, base))?;
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header(CONTENT_TYPE).unwrap_or_default();
        let location = header(LOCATION);
        let retry_after = header(RETRY_AFTER)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        // A server may offer each scheme on its own line; HTTP lets them be joined by commas.
        let challenge = response
            .headers()
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(", ");
        let bytes = response
            .bytes()
            .await
            .map_err(|e| LivyError::from_transport(&e, what, base))?
            .to_vec();
        if status.is_success() {
            tracing::debug!(%what, %status, len = bytes.len(), "reply");
        }
        Ok(Reply {
            status,
            content_type,
            challenge,
            location,
            retry_after,
            bytes,
        })
    }

    fn url(&self, path: &[&str]) -> Url {
        let mut url = self.inner.config.base_url.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(path);
        }
        url
    }
}

/// Whether `session` can be the one `request` created: what was asked for matches.
fn made_for(session: &Session, request: &CreateSession) -> bool {
    let same = |asked: &Option<String>, got: &Option<String>| asked.is_none() || asked == got;
    let kind_ok = request.kind.as_ref().is_none_or(|k| *k == session.kind);
    kind_ok && same(&request.name, &session.name) && same(&request.resources.proxy_user, &session.proxy_user)
}

/// The lines a session or batch object carries, as a log page (for APIs without `/log`).
fn log_of_object(id: SessionId, log: Vec<String>) -> LogPage {
    LogPage {
        id,
        from: Some(0),
        total: Some(log.len() as u64),
        log,
    }
}

/// The name of a session created without one: says who made it, and is unique (Livy refuses
/// a name a live session has; 32 random bits make that a non-event).
fn default_session_name() -> String {
    format!("{GENERATED_NAME_PREFIX}{:08x}", fastrand::u32(..))
}

const GENERATED_NAME_PREFIX: &str = "livy-tui-";

/// Whether `name` is one this client made up for a session created without one (not worth
/// a place on a crowded status bar).
pub fn is_generated_session_name(name: &str) -> bool {
    name.strip_prefix(GENERATED_NAME_PREFIX)
        .is_some_and(|rest| rest.len() == 8 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn backoff(policy: &RetryPolicy) -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_jitter()
        .with_min_delay(policy.min_delay)
        .with_max_delay(policy.max_delay)
        .with_max_times(policy.max_retries)
}

fn paging(from: Option<u64>, size: Option<u64>) -> Vec<(&'static str, String)> {
    let mut q = Vec::new();
    if let Some(from) = from {
        q.push(("from", from.to_string()));
    }
    if let Some(size) = size {
        q.push(("size", size.to_string()));
    }
    q
}

fn log_paging(from: Option<i64>, size: Option<i64>) -> Vec<(&'static str, String)> {
    let mut q = Vec::new();
    if let Some(from) = from.filter(|f| *f >= 0) {
        q.push(("from", from.to_string()));
    }
    if let Some(size) = size {
        q.push(("size", size.to_string()));
    }
    q
}

/// A reply, read in full.
struct Reply {
    status: StatusCode,
    content_type: String,
    /// Every `WWW-Authenticate` line, joined with `, `.
    challenge: String,
    location: Option<String>,
    /// `Retry-After` in seconds (the HTTP-date form is not used by Livy's gateways).
    retry_after: Option<Duration>,
    bytes: Vec<u8>,
}

/// The error for a non-success reply.
fn reply_error(reply: &Reply, what: &str, sent: SentCredentials) -> LivyError {
    let mut err = LivyError::from_reply_sent(
        reply.status.as_u16(),
        &reply.content_type,
        &reply.challenge,
        &reply.bytes,
        what,
        sent,
    );
    err.retry_after = reply.retry_after;
    tracing::debug!(%what, status = %reply.status, error = %err, detail = ?err.detail, "error reply");
    err
}

/// The first line of the server's error text, kept short.
fn first_line(reply: &Reply) -> String {
    let text = server_text(&reply.content_type, &reply.bytes);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    line.chars().take(200).collect()
}

/// Where a redirect leads, checked: at most `MAX_REDIRECTS` hops, http or https only.
fn redirect_target(from: &Url, location: &str, hops: usize, what: &str) -> Result<Url> {
    let invalid = |msg: String| {
        LivyError::new(ErrorKind::InvalidResponse, msg)
            .with_hint("check --url: it should name Livy (or its gateway) itself")
    };
    if hops > MAX_REDIRECTS {
        return Err(invalid(format!(
            "{what}: more than {MAX_REDIRECTS} redirects (the last to {location})"
        )));
    }
    let next = from.join(location).map_err(|e| {
        invalid(format!(
            "{what}: the server redirected to an invalid URL {location:?}: {e}"
        ))
    })?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "{what}: the server redirected to {next}, which is not http(s)"
        )));
    }
    Ok(next)
}

/// Livy turns CRLF into the system line ending, and may trim; compare code loosely.
fn normalize_code(code: &str) -> String {
    code.replace("\r\n", "\n").trim().to_string()
}

fn build_http(config: &ClientConfig) -> Result<reqwest::Client> {
    let usage = |msg: String| LivyError::new(ErrorKind::Usage, msg);
    let mut headers = HeaderMap::new();
    let mut add = |name: &str, value: &str| -> Result<()> {
        let n = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| usage(format!("invalid header name {name:?}")))?;
        let v = HeaderValue::from_str(value.trim()).map_err(|_| usage(format!("invalid value for header {name}")))?;
        headers.insert(n, v);
        Ok(())
    };
    add("X-Requested-By", &config.requested_by)?;
    for (name, value) in &config.headers {
        add(name, value)?;
    }
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("livy-tui/", env!("CARGO_PKG_VERSION")))
        .default_headers(headers)
        .cookie_store(true)
        .connect_timeout(config.connect_timeout)
        .read_timeout(config.read_timeout);
    if config.no_proxy {
        builder = builder.no_proxy();
    }
    if matches!(config.auth, Auth::Kerberos { .. }) {
        // Redirects are followed by `send_negotiate`: another host needs a token of its own.
        builder = builder.redirect(reqwest::redirect::Policy::none());
    }
    if config.insecure {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    if let Some(path) = &config.ca_cert {
        let pem = std::fs::read(path).map_err(|e| usage(format!("cannot read --ca-cert {}: {e}", path.display())))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            usage(format!(
                "--ca-cert {} is not a PEM certificate bundle: {e}",
                path.display()
            ))
        })?;
        if certs.is_empty() {
            return Err(usage(format!("--ca-cert {} holds no certificate", path.display())));
        }
        builder = builder.tls_certs_merge(certs);
    }
    match (&config.client_cert, &config.client_key) {
        (Some(cert), key) => {
            let mut pem =
                std::fs::read(cert).map_err(|e| usage(format!("cannot read --client-cert {}: {e}", cert.display())))?;
            if let Some(key) = key {
                pem.push(b'\n');
                pem.extend(
                    std::fs::read(key)
                        .map_err(|e| usage(format!("cannot read --client-key {}: {e}", key.display())))?,
                );
            }
            let identity = reqwest::Identity::from_pem(&pem)
                .map_err(|e| usage(format!("the client certificate or key is not valid PEM: {e}")))?;
            builder = builder.identity(identity);
        }
        (None, Some(_)) => return Err(usage("--client-key needs --client-cert".into())),
        (None, None) => {}
    }
    builder.build().map_err(|e| usage(format!("cannot set up HTTP: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_session_names_are_unique_and_known_as_ours() {
        let (a, b) = (default_session_name(), default_session_name());
        assert_ne!(a, b);
        assert!(is_generated_session_name(&a), "{a}");
        for name in [
            "etl-dev",
            "livy-tui-1764756000",
            "livy-tui-",
            "livy-tui-0123456g",
            "x-livy-tui-01234567",
        ] {
            assert!(!is_generated_session_name(name), "{name}");
        }
    }

    #[test]
    fn paths_join_under_a_prefix_and_escape_names() {
        let client =
            LivyClient::new(ClientConfig::new("https://gw.example/gateway/cdp-proxy-api/livy").unwrap()).unwrap();
        assert_eq!(
            client.url(&["sessions", "3", "log"]).as_str(),
            "https://gw.example/gateway/cdp-proxy-api/livy/sessions/3/log"
        );
        assert_eq!(
            client.url(&["sessions", "my job/x"]).as_str(),
            "https://gw.example/gateway/cdp-proxy-api/livy/sessions/my%20job%2Fx"
        );
    }

    #[test]
    fn redirects_are_checked() {
        let from = Url::parse("http://standby:8998/sessions?from=0").unwrap();
        let to = redirect_target(&from, "http://active:8998/sessions?from=0", 1, "GET /sessions").unwrap();
        assert_eq!(to.host_str(), Some("active"));
        let relative = redirect_target(&from, "/livy/sessions", 1, "GET /sessions").unwrap();
        assert_eq!(relative.as_str(), "http://standby:8998/livy/sessions");
        let e = redirect_target(&from, "ftp://x/", 1, "GET /sessions").unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidResponse);
        let e = redirect_target(&from, "/x", MAX_REDIRECTS + 1, "GET /sessions").unwrap_err();
        assert!(e.to_string().contains("more than 5 redirects"), "{e}");
    }

    #[test]
    fn a_bad_spn_is_a_usage_error_at_once() {
        let mut config = ClientConfig::new("http://edge:8998").unwrap();
        config.auth = Auth::Kerberos {
            spn: Some("HTTP@".into()),
        };
        let e = LivyClient::new(config).err().unwrap();
        assert_eq!(e.kind, ErrorKind::Usage);
        assert!(e.to_string().contains("--spn"), "{e}");
    }
}
