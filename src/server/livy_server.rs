//! [`LivyServer`]: the shared state behind the routes, and the programmatic API that test
//! harnesses and `livy-tui serve` use next to HTTP.

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::runtime::Handle;
use tokio_util::task::TaskTracker;

use super::batch::Batch;
use super::config::{BasicCredentials, ServerConfig};
use super::error::ApiError;
use super::interpreter::{Backend, BatchSpec, SessionSpec};
use super::kind::Kind;
use super::registry::Registry;
use super::requests::{CreateBatchRequest, CreateSessionRequest};
use super::runner;
use super::session::Session;
use super::states::SessionState;
use super::version::LivyVersion;

/// Settings that can change while the server runs.
#[derive(Clone, Debug, Default)]
pub(crate) struct Security {
    pub csrf: bool,
    pub basic_auth: Option<BasicCredentials>,
}

/// Everything the routes share.
pub(crate) struct ServerState {
    pub config: ServerConfig,
    pub version: LivyVersion,
    pub backend: Arc<dyn Backend>,
    /// Where session and batch tasks run, whoever calls in.
    pub runtime: Handle,
    pub security: RwLock<Security>,
    pub sessions: Registry<Session>,
    pub batches: Registry<Batch>,
    /// Every session and batch task, so a shutdown can wait for interpreters to stop.
    pub tasks: TaskTracker,
}

impl ServerState {
    pub fn security(&self) -> Security {
        self.security.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Registers a session and starts its interpreter in the background.
    pub fn create_session(
        &self,
        request: CreateSessionRequest,
        owner: Option<String>,
        do_as: Option<String>,
    ) -> Result<Arc<Session>, ApiError> {
        self.backend
            .check_session(&request)
            .map_err(|refusal| ApiError::bad_request(refusal.to_string()))?;
        let mut started = None;
        let name = request.name.clone();
        let session = self.sessions.register(name.as_deref(), |id| {
            let spec = SessionSpec {
                id,
                kind: request.kind.unwrap_or(Kind::Shared),
                owner,
                // `doAs` beats the body's `proxyUser` (SessionServlet.proxyUser).
                proxy_user: do_as.or_else(|| request.proxy_user.clone()),
                request,
            };
            let (session, queue) = Session::new(&spec, self.config.log_cap, self.config.retained_statements);
            started = Some((spec, queue));
            session
        })?;
        if let Some((spec, queue)) = started {
            self.tasks.spawn_on(
                runner::run_session(
                    session.clone(),
                    spec,
                    self.backend.clone(),
                    queue,
                    self.config.cancel_timeout,
                ),
                &self.runtime,
            );
        }
        Ok(session)
    }

    /// Registers a batch and starts it. Like Livy, a batch rejected after registration
    /// (no `file`, or a local path off the whitelist) stays listed as a `starting` zombie.
    pub fn create_batch(
        &self,
        request: CreateBatchRequest,
        owner: Option<String>,
        do_as: Option<String>,
    ) -> Result<Arc<Batch>, ApiError> {
        self.backend
            .check_batch(&request)
            .map_err(|refusal| ApiError::bad_request(refusal.to_string()))?;
        let rejection = self.batch_rejection(&request);
        let proxy_user = do_as.or_else(|| request.proxy_user.clone());
        let name = request.name.clone();
        let batch = self.batches.register(name.as_deref(), |id| {
            Arc::new(Batch::new(
                id,
                owner.clone(),
                proxy_user.clone(),
                &request,
                self.config.log_cap,
                rejection.is_some(),
            ))
        })?;
        if let Some(error) = rejection {
            return Err(error);
        }
        let spec = BatchSpec {
            id: batch.id,
            owner,
            proxy_user,
            request,
        };
        self.tasks.spawn_on(
            runner::run_batch(batch.clone(), spec, self.backend.clone()),
            &self.runtime,
        );
        Ok(batch)
    }

    fn batch_rejection(&self, request: &CreateBatchRequest) -> Option<ApiError> {
        let Some(file) = request.file.as_deref() else {
            return Some(ApiError::bad_request("requirement failed: File is required."));
        };
        let local = file
            .strip_prefix("file://")
            .or_else(|| file.starts_with('/').then_some(file));
        match (&self.config.local_dir_whitelist, local) {
            (Some(allowed), Some(path)) if !allowed.iter().any(|dir| path.starts_with(dir.as_str())) => {
                Some(ApiError::bad_request(format!(
                    "requirement failed: Local path {path} cannot be added to user sessions."
                )))
            }
            _ => None,
        }
    }

    /// Deletes a session: it is removed at once and its tasks stop.
    pub fn delete_session(&self, id: u64) -> bool {
        match self.sessions.remove(id) {
            Some(session) => {
                session.mark_deleted();
                true
            }
            None => false,
        }
    }

    /// Deletes a batch, killing its application.
    pub fn delete_batch(&self, id: u64) -> bool {
        match self.batches.remove(id) {
            Some(batch) => {
                batch.mark_deleted();
                true
            }
            None => false,
        }
    }
}

/// `SessionManager.collectGarbage` for the idle timeout: every so often, deletes the active
/// sessions that had no activity for `timeout` (as `DELETE` does: later calls get 404).
/// Stops when the server is gone.
async fn collect_garbage(state: std::sync::Weak<ServerState>, timeout: Duration) {
    // Often enough that a session outlives its timeout by a tenth of it at most.
    let every = (timeout / 10).clamp(Duration::from_millis(10), Duration::from_secs(60));
    loop {
        tokio::time::sleep(every).await;
        let Some(state) = state.upgrade() else { return };
        for session in state.sessions.all() {
            if session.inactive_for().is_some_and(|idle| idle > timeout) {
                tracing::info!(
                    session = session.id,
                    "deleting the session: it was inactive for more than {} s",
                    timeout.as_secs_f64()
                );
                state.delete_session(session.id);
            }
        }
    }
}

/// A Livy-compatible server. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct LivyServer {
    pub(crate) state: Arc<ServerState>,
}

impl LivyServer {
    /// A server whose background tasks run on the current Tokio runtime.
    ///
    /// # Panics
    /// Outside a Tokio runtime context; use [`LivyServer::with_runtime`] there.
    pub fn new(config: ServerConfig, backend: Arc<dyn Backend>) -> Self {
        Self::with_runtime(config, backend, Handle::current())
    }

    /// A server whose session and batch tasks run on `runtime`.
    pub fn with_runtime(config: ServerConfig, backend: Arc<dyn Backend>, runtime: Handle) -> Self {
        let version = LivyVersion::parse(&config.version).unwrap_or(LivyVersion {
            major: 0,
            minor: 7,
            patch: 1,
        });
        let security = Security {
            csrf: config.csrf,
            basic_auth: config.basic_auth.clone(),
        };
        let timeout = config.session_timeout;
        let state = Arc::new(ServerState {
            config,
            version,
            backend,
            runtime: runtime.clone(),
            security: RwLock::new(security),
            sessions: Registry::new(),
            batches: Registry::new(),
            tasks: TaskTracker::new(),
        });
        if let Some(timeout) = timeout {
            runtime.spawn(collect_garbage(Arc::downgrade(&state), timeout));
        }
        LivyServer { state }
    }

    /// The HTTP routes, guards included; add layers around it as needed.
    pub fn router(&self) -> Router {
        super::routes::router(self.state.clone())
    }

    /// Serves HTTP on `listener` until `shutdown` resolves.
    pub async fn serve(
        &self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
    }

    /// Deletes every session and batch and waits, up to `grace`, for their interpreters to
    /// shut down (a backend's processes to exit). True if they all did in time.
    pub async fn shutdown(&self, grace: std::time::Duration) -> bool {
        for session in self.state.sessions.all() {
            self.state.delete_session(session.id);
        }
        for batch in self.state.batches.all() {
            self.state.delete_batch(batch.id);
        }
        self.state.tasks.close();
        tokio::time::timeout(grace, self.state.tasks.wait()).await.is_ok()
    }

    /// The configuration the server was built with.
    pub fn config(&self) -> &ServerConfig {
        &self.state.config
    }

    /// The impersonated Livy version.
    pub fn version(&self) -> LivyVersion {
        self.state.version
    }

    /// Turns CSRF protection on or off.
    pub fn set_csrf(&self, on: bool) {
        self.state.security.write().unwrap_or_else(|e| e.into_inner()).csrf = on;
    }

    /// Requires these basic-auth credentials (or none).
    pub fn set_basic_auth(&self, credentials: Option<BasicCredentials>) {
        self.state
            .security
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .basic_auth = credentials;
    }

    /// Creates a session without HTTP; returns its id.
    pub fn create_session(&self, request: CreateSessionRequest) -> Result<u64, ApiError> {
        self.state.create_session(request, None, None).map(|s| s.id)
    }

    /// A session's state, `None` if there is no such session.
    pub fn session_state(&self, id: u64) -> Option<SessionState> {
        self.state.sessions.get(id).map(|s| s.state())
    }

    /// A session object as `GET /sessions/{id}` would return it.
    pub fn session_json(&self, id: u64) -> Option<Value> {
        let session = self.state.sessions.get(id)?;
        Some(session.to_json(self.state.version))
    }

    /// A statement as `GET /sessions/{id}/statements/{sid}` would return it.
    pub fn statement_json(&self, id: u64, statement: u64) -> Option<Value> {
        self.state
            .sessions
            .get(id)?
            .statement_json(statement, self.state.version)
    }

    /// Ids of all sessions.
    pub fn session_ids(&self) -> Vec<u64> {
        self.state.sessions.all().iter().map(|s| s.id).collect()
    }

    /// Appends lines to a session's log (stderr stream); false if there is no such session.
    pub fn append_session_log(&self, id: u64, lines: &[String]) -> bool {
        match self.state.sessions.get(id) {
            Some(session) => {
                session.append_log(lines.iter().cloned());
                true
            }
            None => false,
        }
    }

    /// The driver of a session died: it becomes `dead` and its running statement is
    /// abandoned. False if there is no such session.
    pub fn kill_session(&self, id: u64) -> bool {
        match self.state.sessions.get(id) {
            Some(session) => {
                session.mark_dead();
                true
            }
            None => false,
        }
    }

    /// Forgets every session and numbers new ones from 0 again: Livy restarting without
    /// recovery, so that an id a client holds may name another user's session.
    pub fn restart_without_recovery(&self) {
        for session in self.state.sessions.forget_all() {
            session.mark_dead();
        }
    }

    /// Queues a statement in a session without HTTP (as someone else's client would).
    pub fn submit_statement(&self, id: u64, code: &str, kind: Kind) -> Result<Value, ApiError> {
        let session = self
            .state
            .sessions
            .get(id)
            .ok_or_else(|| ApiError::session_not_found(&id.to_string()))?;
        session.submit(code.to_string(), kind, self.state.version)
    }

    /// Deletes a session as `DELETE /sessions/{id}` does.
    pub fn delete_session(&self, id: u64) -> bool {
        self.state.delete_session(id)
    }

    /// A batch's state, `None` if there is no such batch.
    pub fn batch_state(&self, id: u64) -> Option<SessionState> {
        self.state.batches.get(id).map(|b| b.state())
    }

    /// Appends lines to a batch's log (stdout stream); false if there is no such batch.
    pub fn append_batch_log(&self, id: u64, lines: &[String]) -> bool {
        match self.state.batches.get(id) {
            Some(batch) => {
                let mut log = batch.log.lock();
                for line in lines {
                    log.push_stdout(line.clone());
                }
                true
            }
            None => false,
        }
    }
}
