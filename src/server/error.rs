//! The error answers of Livy, in their three body shapes (livy-api.md §1).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::response;

/// An error answer. Which variant is used matters: clients must cope with all three shapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// `{"msg": …}`: 404s and `require` failures raised by `SessionServlet`.
    Msg {
        /// HTTP status.
        status: StatusCode,
        /// The message.
        msg: String,
    },
    /// A bare JSON string: Jackson parse errors, 500s, "Statement not found".
    Bare {
        /// HTTP status.
        status: StatusCode,
        /// The string.
        text: String,
    },
    /// A Jetty HTML page: CSRF, authentication and unknown routes.
    Html {
        /// HTTP status.
        status: StatusCode,
        /// The request path, quoted in the page.
        path: String,
        /// The reason line of the page.
        reason: String,
    },
}

impl ApiError {
    /// 404 `{"msg":"Session 'x' not found."}` for an unknown session or batch id or name.
    pub fn session_not_found(key: &str) -> Self {
        ApiError::Msg {
            status: StatusCode::NOT_FOUND,
            msg: format!("Session '{key}' not found."),
        }
    }

    /// 400 `{"msg": …}`, what Livy answers for an `IllegalArgumentException`.
    pub fn bad_request(msg: impl Into<String>) -> Self {
        ApiError::Msg {
            status: StatusCode::BAD_REQUEST,
            msg: msg.into(),
        }
    }

    /// 400 `{"msg":"For input string: \"abc\""}` for a number that does not parse.
    pub fn bad_number(text: &str) -> Self {
        ApiError::bad_request(format!("For input string: \"{text}\""))
    }

    /// 400 bare string, what Jackson parse errors produce.
    pub fn jackson(text: impl Into<String>) -> Self {
        ApiError::Bare {
            status: StatusCode::BAD_REQUEST,
            text: text.into(),
        }
    }

    /// 500 bare string holding `exception.toString`.
    pub fn internal(text: impl Into<String>) -> Self {
        ApiError::Bare {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            text: text.into(),
        }
    }

    /// 500 `"java.lang.IllegalStateException: Session is in state X"`.
    pub fn not_running(state: impl std::fmt::Display) -> Self {
        ApiError::internal(format!("java.lang.IllegalStateException: Session is in state {state}"))
    }

    /// 400 `{"msg":"requirement failed: Session isn't active."}`.
    pub fn not_active() -> Self {
        ApiError::bad_request("requirement failed: Session isn't active.")
    }

    /// 404 bare `"Statement not found"`.
    pub fn statement_not_found() -> Self {
        ApiError::Bare {
            status: StatusCode::NOT_FOUND,
            text: "Statement not found".to_string(),
        }
    }

    /// A Jetty HTML error page.
    pub fn html(status: StatusCode, path: &str, reason: &str) -> Self {
        ApiError::Html {
            status,
            path: path.to_string(),
            reason: reason.to_string(),
        }
    }

    /// The status code of this answer.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Msg { status, .. } | ApiError::Bare { status, .. } | ApiError::Html { status, .. } => *status,
        }
    }

    /// The body as JSON (`None` for HTML pages).
    pub fn body_json(&self) -> Option<Value> {
        match self {
            ApiError::Msg { msg, .. } => Some(json!({ "msg": msg })),
            ApiError::Bare { text, .. } => Some(Value::String(text.clone())),
            ApiError::Html { .. } => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Html { status, path, reason } => {
                let mut resp = response::html_error(*status, path, reason);
                if *status == StatusCode::UNAUTHORIZED {
                    resp.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static("Basic realm=\"livy\""),
                    );
                }
                resp
            }
            _ => response::json(self.status(), &self.body_json().unwrap_or(Value::Null)),
        }
    }
}

/// A Java-like stack trace appended to some 500 bodies so they look like the real ones.
pub fn rpc_trace(frames: &[&str]) -> String {
    let mut out = String::new();
    for frame in frames
        .iter()
        .chain(["org.apache.livy.repl.ReplDriver.handle(ReplDriver.scala:58)"].iter())
    {
        out.push_str("\n\tat ");
        out.push_str(frame);
    }
    out
}
