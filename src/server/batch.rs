//! A batch: a spark-submit application with a state and a log.

use std::sync::Mutex;

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::interpreter::BatchExit;
use super::log_buffer::{LogBuffer, LogSink};
use super::requests::CreateBatchRequest;
use super::session::EMBEDDED_LOG_LINES;
use super::states::SessionState;
use super::version::LivyVersion;

/// A batch session.
pub(crate) struct Batch {
    pub id: u64,
    pub name: Option<String>,
    pub owner: Option<String>,
    pub proxy_user: Option<String>,
    pub log: LogSink,
    /// Fired when the batch is deleted; stops its runner.
    pub token: CancellationToken,
    state: Mutex<SessionState>,
    app: Mutex<AppInfo>,
}

/// What the application told about itself once it ran.
#[derive(Clone, Debug, Default)]
struct AppInfo {
    id: Option<String>,
    spark_ui_url: Option<String>,
}

impl Batch {
    /// A batch in state `starting`. A zombie (rejected after registration, the Livy quirk)
    /// has no process and therefore an empty log.
    pub fn new(
        id: u64,
        owner: Option<String>,
        proxy_user: Option<String>,
        request: &CreateBatchRequest,
        log_cap: usize,
        zombie: bool,
    ) -> Batch {
        let log = if zombie {
            LogBuffer::without_process(log_cap)
        } else {
            LogBuffer::new(log_cap)
        };
        Batch {
            id,
            name: request.name.clone(),
            owner,
            proxy_user,
            log: LogSink::new(log),
            token: CancellationToken::new(),
            state: Mutex::new(SessionState::Starting),
            app: Mutex::new(AppInfo::default()),
        }
    }

    fn app(&self) -> AppInfo {
        self.app.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Records the Spark application id (the first one reported stands).
    pub fn set_app_id(&self, id: String) {
        let mut app = self.app.lock().unwrap_or_else(|e| e.into_inner());
        app.id.get_or_insert(id);
    }

    /// Records the address of the application's Spark UI.
    pub fn set_spark_ui_url(&self, url: String) {
        self.app.lock().unwrap_or_else(|e| e.into_inner()).spark_ui_url = Some(url);
    }

    /// The Spark application id, once known.
    pub fn app_id(&self) -> Option<String> {
        self.app().id
    }

    /// The current state.
    pub fn state(&self) -> SessionState {
        *self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_state(&self, from: &[SessionState], to: SessionState) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if from.contains(&state) {
            *state = to;
        }
    }

    /// The application started running.
    pub fn mark_running(&self) {
        self.set_state(&[SessionState::Starting], SessionState::Running);
    }

    /// The application ended.
    pub fn finish(&self, exit: BatchExit) {
        let to = match exit {
            BatchExit::Success => SessionState::Success,
            BatchExit::Dead => SessionState::Dead,
        };
        self.set_state(&[SessionState::Starting, SessionState::Running], to);
    }

    /// The batch was deleted: the application is killed.
    pub fn mark_deleted(&self) {
        self.set_state(&[SessionState::Starting, SessionState::Running], SessionState::Killed);
        self.token.cancel();
    }

    /// The batch object (`BatchSessionView`), shaped for `version`.
    pub fn to_json(&self, version: LivyVersion) -> Value {
        let app = self.app();
        let mut value = json!({
            "id": self.id,
            "state": self.state().as_str(),
            "appId": app.id,
            "appInfo": {"driverLogUrl": null, "sparkUiUrl": app.spark_ui_url},
            "log": self.log.lock().tail(EMBEDDED_LOG_LINES),
        });
        if version.at_least(0, 6) {
            value["name"] = json!(self.name);
        }
        if version.at_least(0, 7) {
            value["owner"] = json!(self.owner);
            value["proxyUser"] = json!(self.proxy_user);
        }
        if version.at_least(0, 9) {
            value["appInfo"]["executorLogUrls"] = Value::Null;
        }
        value
    }
}
