//! `TestLivy`: a stateful Livy server on 127.0.0.1 with a scripted interpreter, request
//! recording and fault switches, for the integration tests and `examples/fake_livy`; and
//! `HeadlessNotebook`, the notebook's app and effect runner without a terminal.
//!
//! It lives in the library, behind the `testing` feature, so that every consumer reaches it
//! the same way (`livy_tui::testing`): the crate's own dev-dependency on itself turns the
//! feature on for tests, examples and benches, and a normal build leaves it out. Helpers
//! only tests need (tmux, real PySpark) stay in `tests/support`.
//!
//! The server runs on its own thread and Tokio runtime, so it keeps answering while a
//! test blocks (for example on a spawned `livy-tui` process), and it stops when the
//! `TestLivy` is dropped.

mod faults;
pub mod fixtures;
pub mod kdc;
mod lang;
mod notebook;
mod scripted;
pub mod spnego;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::server::clock::log_timestamp;
use crate::server::{BasicCredentials, CreateSessionRequest, Kind, LivyServer, ServerConfig};
use axum::middleware::from_fn_with_state;
use serde_json::Value;

pub use faults::{Faults, RecordedRequest};
pub use kdc::TestKdc;
pub use notebook::HeadlessNotebook;
pub use scripted::{Reply, ReplyBody};
pub use spnego::{MutualToken, SpnegoGateway, SpnegoGatewayConfig};

use faults::{FaultState, Harness};
use scripted::{ScriptSettings, ScriptedBackend, Shared};

/// Settings of a [`TestLivy`]; `TestLivyConfig::default()` then the builder methods.
#[derive(Clone, Debug)]
pub struct TestLivyConfig {
    /// Reported version; gates `ttl` (0.8), `idleTimeout` (0.9), `order=desc`, …
    pub version: String,
    /// CSRF protection at start (switchable later through [`Faults`]).
    pub csrf: bool,
    /// Basic-auth user and password at start (switchable later).
    pub basic_auth: Option<(String, String)>,
    /// Port to bind on 127.0.0.1 (0 = any free port).
    pub port: u16,
    /// Time a session spends `starting`.
    pub start_delay: Duration,
    /// Run time of an ordinary statement.
    pub statement_duration: Duration,
    /// Log lines kept per stream (Livy: 200, so `total` ≤ 202).
    pub log_cap: usize,
    /// Rows a SQL result keeps at most (`livy.rsc.sql.num-rows`).
    pub sql_row_cap: usize,
    /// Time a batch spends `starting`.
    pub batch_start: Duration,
    /// Time a batch spends `running`.
    pub batch_run: Duration,
    /// How long a cancelled statement may ignore the cancel.
    pub cancel_timeout: Duration,
    /// Statements a session remembers.
    pub retained_statements: usize,
    /// Local path prefixes batch files may use (`None` = any).
    pub local_dir_whitelist: Option<Vec<String>>,
    /// Livy's idle timeout (`livy.server.session.timeout`, 1 h by default as in Livy): a
    /// session with no statement, completion, cancel or connect for this long is deleted;
    /// GETs do not count. `None`: never.
    pub session_timeout: Option<Duration>,
}

impl Default for TestLivyConfig {
    fn default() -> Self {
        TestLivyConfig {
            version: "0.7.1-incubating".into(),
            csrf: false,
            basic_auth: None,
            port: 0,
            start_delay: Duration::from_millis(200),
            statement_duration: Duration::from_millis(20),
            log_cap: 200,
            sql_row_cap: 1000,
            batch_start: Duration::from_millis(100),
            batch_run: Duration::from_millis(300),
            cancel_timeout: Duration::from_secs(2),
            retained_statements: 100,
            local_dir_whitelist: None,
            session_timeout: Some(Duration::from_secs(3600)),
        }
    }
}

impl TestLivyConfig {
    /// Sets the reported Livy version, e.g. `0.8.0-incubating`.
    pub fn version(mut self, version: &str) -> Self {
        self.version = version.into();
        self
    }
    /// Turns CSRF protection on.
    pub fn csrf(mut self) -> Self {
        self.csrf = true;
        self
    }
    /// Requires basic auth.
    pub fn basic_auth(mut self, user: &str, password: &str) -> Self {
        self.basic_auth = Some((user.into(), password.into()));
        self
    }
    /// Binds this port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// Session start time in ms.
    pub fn start_ms(mut self, ms: u64) -> Self {
        self.start_delay = Duration::from_millis(ms);
        self
    }
    /// Default statement run time in ms.
    pub fn statement_ms(mut self, ms: u64) -> Self {
        self.statement_duration = Duration::from_millis(ms);
        self
    }
    /// Log lines kept per stream.
    pub fn log_cap(mut self, lines: usize) -> Self {
        self.log_cap = lines;
        self
    }
    /// SQL row cap.
    pub fn sql_row_cap(mut self, rows: usize) -> Self {
        self.sql_row_cap = rows;
        self
    }
    /// Batch `starting` and `running` durations in ms.
    pub fn batch_ms(mut self, starting: u64, running: u64) -> Self {
        self.batch_start = Duration::from_millis(starting);
        self.batch_run = Duration::from_millis(running);
        self
    }
    /// Cancel timeout in ms.
    pub fn cancel_timeout_ms(mut self, ms: u64) -> Self {
        self.cancel_timeout = Duration::from_millis(ms);
        self
    }
    /// Deletes sessions idle (by Livy's rule) for longer than `ms`.
    pub fn session_timeout_ms(mut self, ms: u64) -> Self {
        self.session_timeout = Some(Duration::from_millis(ms));
        self
    }
}

/// A running test Livy server; stops when dropped.
pub struct TestLivy {
    addr: SocketAddr,
    config: TestLivyConfig,
    server: LivyServer,
    faults: Faults,
    shared: Arc<Shared>,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    acted: Arc<Mutex<Vec<RecordedRequest>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// How long the convenience waits (for `idle`, …) before panicking.
const WAIT_LIMIT: Duration = Duration::from_secs(20);

impl TestLivy {
    /// A server with default settings.
    pub async fn start() -> TestLivy {
        Self::spawn(TestLivyConfig::default())
    }

    /// A server with these settings.
    pub async fn start_with(config: TestLivyConfig) -> TestLivy {
        Self::spawn(config)
    }

    /// Starts a server from synchronous code (no runtime needed).
    pub fn start_blocking(config: TestLivyConfig) -> TestLivy {
        Self::spawn(config)
    }

    fn spawn(config: TestLivyConfig) -> TestLivy {
        let listener = std::net::TcpListener::bind(("127.0.0.1", config.port))
            .unwrap_or_else(|e| panic!("TestLivy: cannot bind 127.0.0.1:{}: {e}", config.port));
        listener.set_nonblocking(true).expect("nonblocking listener");
        let addr = listener.local_addr().expect("local addr");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("test-livy")
            .enable_all()
            .build()
            .expect("TestLivy runtime");
        let handle = runtime.handle().clone();
        let shared = Arc::new(Shared::new(ScriptSettings {
            start_delay: config.start_delay,
            statement_duration: config.statement_duration,
            sql_row_cap: config.sql_row_cap,
            batch_start: config.batch_start,
            batch_run: config.batch_run,
        }));
        let server_config = ServerConfig {
            version: config.version.clone(),
            csrf: config.csrf,
            basic_auth: config
                .basic_auth
                .as_ref()
                .map(|(u, p)| BasicCredentials::new(u.clone(), p.clone())),
            log_cap: config.log_cap,
            retained_statements: config.retained_statements,
            cancel_timeout: config.cancel_timeout,
            local_dir_whitelist: config.local_dir_whitelist.clone(),
            session_timeout: config.session_timeout,
        };
        let backend = Arc::new(ScriptedBackend { shared: shared.clone() });
        let server = LivyServer::with_runtime(server_config, backend, handle);
        let fault_state = Arc::new(FaultState::default());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let acted = Arc::new(Mutex::new(Vec::new()));
        let router = server.router().layer(from_fn_with_state(
            Harness {
                faults: fault_state.clone(),
                requests: requests.clone(),
                acted: acted.clone(),
            },
            faults::middleware,
        ));
        let unreachable = fault_state.unreachable.subscribe();
        let stop = serve_with_outages(runtime, listener, router, unreachable);
        let faults = Faults {
            state: fault_state,
            server: server.clone(),
            shared: shared.clone(),
            skip: 0,
            exact: false,
        };
        TestLivy {
            addr,
            config,
            server,
            faults,
            shared,
            requests,
            acted,
            stop: Some(stop),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The settings it was started with.
    pub fn config(&self) -> &TestLivyConfig {
        &self.config
    }

    /// The server itself, for direct inspection.
    pub fn server(&self) -> &LivyServer {
        &self.server
    }

    /// Run-time fault switches.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// Requests with this method whose path starts with `path_prefix`.
    pub fn requests_to(&self, method: &str, path_prefix: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.starts_with(path_prefix))
            .collect()
    }

    /// Requests with this method and path prefix that the server acted on (its handler
    /// answered 2xx), whether the answer reached the client or a fault cut it off: how many
    /// statements or sessions the server really made for POSTs.
    pub fn acted_on(&self, method: &str, path_prefix: &str) -> Vec<RecordedRequest> {
        self.acted
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.starts_with(path_prefix))
            .cloned()
            .collect()
    }

    /// Forgets the recorded requests (those acted on too).
    pub fn clear_requests(&self) {
        self.requests.lock().unwrap().clear();
        self.acted.lock().unwrap().clear();
    }

    /// Statements whose code is exactly `code` answer `reply` (any kind, any session).
    pub fn script(&self, code: &str, reply: Reply) {
        self.shared.scripts.lock().unwrap().insert(code.to_string(), reply);
    }

    /// Changes how long sessions created from now on spend `starting`.
    pub fn set_start_delay_ms(&self, ms: u64) {
        self.shared
            .start_delay_ms
            .store(ms, std::sync::atomic::Ordering::SeqCst);
    }

    /// Changes the run time of ordinary statements started from now on.
    pub fn set_statement_ms(&self, ms: u64) {
        self.shared.statement_ms.store(ms, std::sync::atomic::Ordering::SeqCst);
    }

    /// Removes every script.
    pub fn clear_scripts(&self) {
        self.shared.scripts.lock().unwrap().clear();
    }

    /// Creates a session directly (not over HTTP, not recorded) and returns its id at once.
    /// `kind` is `spark`, `pyspark`, `sparkr`, `sql` (or an alias) or `shared`.
    pub fn create_session(&self, kind: &str) -> String {
        self.create_named_session(kind, None)
    }

    /// Like [`TestLivy::create_session`], with a session name.
    pub fn create_named_session(&self, kind: &str, name: Option<&str>) -> String {
        let kind = Kind::parse(kind).unwrap_or_else(|| panic!("unknown session kind {kind}"));
        let request = CreateSessionRequest {
            kind: (kind != Kind::Shared).then_some(kind),
            name: name.map(str::to_string),
            ..CreateSessionRequest::default()
        };
        self.server
            .create_session(request)
            .unwrap_or_else(|e| panic!("create session: {e:?}"))
            .to_string()
    }

    /// Creates a session and waits until it is `idle`; returns its id. Needs a Tokio
    /// runtime with timers (any `#[tokio::test]`).
    pub async fn create_idle_session(&self, kind: &str) -> String {
        let id = self.create_session(kind);
        self.wait_session_state(&id, "idle").await;
        id
    }

    /// [`TestLivy::create_idle_session`] for synchronous tests.
    pub fn create_idle_session_blocking(&self, kind: &str) -> String {
        let id = self.create_session(kind);
        let deadline = Instant::now() + WAIT_LIMIT;
        while self.session_state(&id).as_deref() != Some("idle") {
            assert!(Instant::now() < deadline, "session {id} never became idle");
            std::thread::sleep(Duration::from_millis(10));
        }
        id
    }

    /// Someone else's statement in session `id` (pyspark), sent without HTTP.
    pub fn submit_statement(&self, id: &str, code: &str) {
        self.server
            .submit_statement(parse_id(id), code, crate::server::Kind::PySpark)
            .expect("the session takes statements");
    }

    /// Polls until the session is in `state`; panics after 20 s.
    pub async fn wait_session_state(&self, id: &str, state: &str) {
        let deadline = Instant::now() + WAIT_LIMIT;
        loop {
            let now = self.session_state(id);
            if now.as_deref() == Some(state) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "session {id} is {now:?}, never became {state}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// A session's state name, `None` if it does not exist.
    pub fn session_state(&self, id: &str) -> Option<String> {
        let state = self.server.session_state(parse_id(id))?;
        Some(state.as_str().to_string())
    }

    /// A statement as the server would return it.
    pub fn statement(&self, session_id: &str, statement_id: u64) -> Option<Value> {
        self.server.statement_json(parse_id(session_id), statement_id)
    }

    /// Appends lines to a session's log (stderr part, where the driver logs).
    pub fn append_log(&self, session_id: &str, lines: &[String]) {
        assert!(
            self.server.append_session_log(parse_id(session_id), lines),
            "no session {session_id}"
        );
    }

    /// Appends `n` numbered log lines (`… INFO FakeLog: line k`) starting at `first`.
    pub fn append_numbered_log(&self, session_id: &str, first: usize, n: usize) -> Vec<String> {
        let ts = log_timestamp();
        let lines: Vec<String> = (first..first + n)
            .map(|k| format!("{ts} INFO FakeLog: line {k}"))
            .collect();
        self.append_log(session_id, &lines);
        lines
    }

    /// Livy restarting without session recovery: every session is forgotten and ids start
    /// from 0 again.
    pub fn restart_without_recovery(&self) {
        self.server.restart_without_recovery();
    }

    /// The driver of a session dies: the session goes `dead`.
    pub fn kill_session(&self, session_id: &str) {
        assert!(
            self.server.kill_session(parse_id(session_id)),
            "no session {session_id}"
        );
    }

    /// A batch's state name, `None` if it does not exist.
    pub fn batch_state(&self, id: &str) -> Option<String> {
        let state = self.server.batch_state(parse_id(id))?;
        Some(state.as_str().to_string())
    }
}

impl Drop for TestLivy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn parse_id(id: &str) -> u64 {
    id.parse()
        .unwrap_or_else(|_| panic!("session ids are numbers here, got {id:?}"))
}

/// [`serve_on_thread`] for a `TestLivy`, whose listener closes while `unreachable` holds
/// `true` (connections are refused) and opens again on the same address after.
fn serve_with_outages(
    runtime: tokio::runtime::Runtime,
    listener: std::net::TcpListener,
    router: axum::Router,
    mut unreachable: tokio::sync::watch::Receiver<bool>,
) -> tokio::sync::oneshot::Sender<()> {
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let addr = listener.local_addr().expect("local addr");
    std::thread::Builder::new()
        .name("test-livy".into())
        .spawn(move || {
            runtime.block_on(async move {
                let mut listener = Some(listener);
                loop {
                    let std_listener = match listener.take() {
                        Some(l) => l,
                        None => rebind(addr).await,
                    };
                    let tokio_listener = tokio::net::TcpListener::from_std(std_listener).expect("tokio listener");
                    // Serving ends (dropping the listener) when the server becomes unreachable.
                    tokio::select! {
                        _ = axum::serve(tokio_listener, router.clone()) => return,
                        _ = &mut stopped => return,
                        _ = unreachable.wait_for(|down| *down) => {}
                    }
                    tokio::select! {
                        _ = &mut stopped => return,
                        _ = unreachable.wait_for(|down| !*down) => {}
                    }
                }
            });
            runtime.shutdown_background();
        })
        .expect("a server thread");
    stop
}

/// Binds `addr` again after an outage (std sets SO_REUSEADDR, so connections of before in
/// TIME_WAIT do not stand in the way); retries for a while in case a client's outgoing
/// connection happens to hold the port for a moment.
async fn rebind(addr: SocketAddr) -> std::net::TcpListener {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match std::net::TcpListener::bind(addr) {
            Ok(listener) => {
                listener.set_nonblocking(true).expect("nonblocking listener");
                return listener;
            }
            Err(e) if Instant::now() < deadline => {
                tracing::debug!(%addr, error = %e, "TestLivy: rebinding after an outage");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("TestLivy: cannot listen on {addr} again after an outage: {e}"),
        }
    }
}

/// Serves `router` on `listener` from a thread of its own with its own runtime, until the
/// returned sender is used or dropped; then open connections and tasks are simply dropped.
pub(crate) fn serve_on_thread(
    name: &str,
    runtime: tokio::runtime::Runtime,
    listener: std::net::TcpListener,
    router: axum::Router,
) -> tokio::sync::oneshot::Sender<()> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                tokio::select! {
                    _ = axum::serve(listener, router) => {}
                    _ = stopped => {}
                }
            });
            runtime.shutdown_background();
        })
        .expect("a server thread");
    stop
}
