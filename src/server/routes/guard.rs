//! Request guards in Livy's filter order: authentication, CSRF, API version.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;

use super::super::config::BasicCredentials;
use super::super::error::ApiError;
use super::super::livy_server::ServerState;

/// The authenticated user of a request (Livy's `remoteUser`), put in request extensions.
#[derive(Clone, Debug, Default)]
pub(crate) struct RemoteUser(pub Option<String>);

/// Rejects requests the way Livy's filters would, before any route runs.
pub(crate) async fn guard(State(state): State<Arc<ServerState>>, mut req: Request, next: Next) -> Response {
    let security = state.security();
    let path = req.uri().path().to_string();
    let mut user = None;
    if let Some(expected) = &security.basic_auth {
        match basic_user(req.headers(), expected) {
            Some(name) => user = Some(name),
            None => return ApiError::html(StatusCode::UNAUTHORIZED, &path, "Unauthorized").into_response(),
        }
    }
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if security.csrf && !safe && !req.headers().contains_key("x-requested-by") {
        return ApiError::html(
            StatusCode::BAD_REQUEST,
            &path,
            "Missing Required Header for CSRF protection.",
        )
        .into_response();
    }
    if let Some(version) = requested_api_version(req.headers())
        && version != "0.1"
    {
        return ApiError::Msg {
            status: StatusCode::NOT_ACCEPTABLE,
            msg: format!("No value found for '{version}'"),
        }
        .into_response();
    }
    req.extensions_mut().insert(RemoteUser(user));
    next.run(req).await
}

/// The user name if the `Authorization` header carries the expected credentials.
fn basic_user(headers: &HeaderMap, expected: &BasicCredentials) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    (user == expected.user && password == expected.password).then(|| user.to_string())
}

/// The `X` of `Accept: application/vnd.livy.vX+json`, if present.
fn requested_api_version(headers: &HeaderMap) -> Option<String> {
    let accept = headers.get(header::ACCEPT)?.to_str().ok()?;
    let start = accept.find("application/vnd.livy.v")? + "application/vnd.livy.v".len();
    let rest = &accept[start..];
    let end = rest.find("+json")?;
    Some(rest[..end].to_string())
}
