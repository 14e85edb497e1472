//! `/sessions` and `/sessions/{id}[/state|/log]` (`InteractiveSessionServlet`).

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::super::error::ApiError;
use super::super::livy_server::ServerState;
use super::super::log_buffer::LogPage;
use super::super::requests::CreateSessionRequest;
use super::super::response;
use super::RemoteUser;
use super::params::Params;

type Reply = Result<Response, ApiError>;

/// `GET /sessions?from&size`.
pub(crate) async fn list(State(state): State<Arc<ServerState>>, RawQuery(query): RawQuery) -> Reply {
    let params = Params::parse(query.as_deref());
    let from = params.int("from")?.unwrap_or(0);
    let size = params.int("size")?.unwrap_or(100);
    let all = state.sessions.all();
    let page: Vec<Value> = slice(&all, from, size)
        .iter()
        .map(|s| s.to_json(state.version))
        .collect();
    Ok(response::json(
        StatusCode::OK,
        &json!({"from": from, "total": all.len(), "sessions": page}),
    ))
}

/// Scala's `view(from, from + size)`: out-of-range bounds are clamped.
pub(crate) fn slice<T>(items: &[T], from: i64, size: i64) -> &[T] {
    let len = items.len() as i64;
    let start = from.clamp(0, len);
    let end = from.saturating_add(size).clamp(start, len);
    &items[start as usize..end as usize]
}

/// `POST /sessions`.
pub(crate) async fn create(
    State(state): State<Arc<ServerState>>,
    Extension(user): Extension<RemoteUser>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Reply {
    let request = CreateSessionRequest::parse(&body, state.version)?;
    let params = Params::parse(query.as_deref());
    let session = state.create_session(request, user.0, params.do_as())?;
    Ok(response::created(
        &format!("/sessions/{}", session.id),
        &session.to_json(state.version),
    ))
}

/// `GET /sessions/{id}`.
pub(crate) async fn get_one(State(state): State<Arc<ServerState>>, Path(key): Path<String>) -> Reply {
    let session = state.sessions.lookup(&key)?;
    Ok(response::json(StatusCode::OK, &session.to_json(state.version)))
}

/// `POST /sessions/{id}/connect`: what Livy's HTTP client calls to (re)connect to a session.
/// It records activity and answers the session, so it keeps an idle session from timing out
/// (`InteractiveSessionServlet`).
pub(crate) async fn connect(State(state): State<Arc<ServerState>>, Path(key): Path<String>) -> Reply {
    let session = state.sessions.lookup(&key)?;
    session.record_activity();
    Ok(response::json(StatusCode::OK, &session.to_json(state.version)))
}

/// `GET /sessions/{id}/state`.
pub(crate) async fn state(State(state): State<Arc<ServerState>>, Path(key): Path<String>) -> Reply {
    let session = state.sessions.lookup(&key)?;
    Ok(response::json(
        StatusCode::OK,
        &json!({"id": session.id, "state": session.state().as_str()}),
    ))
}

/// `DELETE /sessions/{id}`.
pub(crate) async fn delete(State(state): State<Arc<ServerState>>, Path(key): Path<String>) -> Reply {
    let session = state.sessions.lookup(&key)?;
    if !state.delete_session(session.id) {
        // Someone else deleted it between the lookup and now.
        return Err(ApiError::Msg {
            status: StatusCode::NOT_FOUND,
            msg: format!("Session {} already stopped.", session.id),
        });
    }
    Ok(response::json(StatusCode::OK, &json!({"msg": "deleted"})))
}

/// `GET /sessions/{id}/log?from&size`.
pub(crate) async fn log(
    State(state): State<Arc<ServerState>>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
) -> Reply {
    let session = state.sessions.lookup(&key)?;
    let params = Params::parse(query.as_deref());
    let page = session.log.lock().page(params.int("from")?, params.int("size")?);
    Ok(response::json(StatusCode::OK, &log_json(session.id, page)))
}

/// The `{"id","from","total","log"}` body of both log endpoints.
pub(crate) fn log_json(id: u64, page: LogPage) -> Value {
    json!({"id": id, "from": page.from, "total": page.total, "log": page.lines})
}
