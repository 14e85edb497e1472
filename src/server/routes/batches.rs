//! `/batches` and `/batches/{id}[/state|/log]` (`BatchSessionServlet`).

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::super::error::ApiError;
use super::super::livy_server::ServerState;
use super::super::requests::CreateBatchRequest;
use super::super::response;
use super::RemoteUser;
use super::params::Params;
use super::sessions::{log_json, slice};

type Reply = Result<Response, ApiError>;

/// `GET /batches?from&size`; the list key is `sessions`, as in Livy.
pub(crate) async fn list(State(state): State<Arc<ServerState>>, RawQuery(query): RawQuery) -> Reply {
    let params = Params::parse(query.as_deref());
    let from = params.int("from")?.unwrap_or(0);
    let size = params.int("size")?.unwrap_or(100);
    let all = state.batches.all();
    let page: Vec<Value> = slice(&all, from, size)
        .iter()
        .map(|b| b.to_json(state.version))
        .collect();
    Ok(response::json(
        StatusCode::OK,
        &json!({"from": from, "total": all.len(), "sessions": page}),
    ))
}

/// `POST /batches`.
pub(crate) async fn create(
    State(state): State<Arc<ServerState>>,
    Extension(user): Extension<RemoteUser>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Reply {
    let request = CreateBatchRequest::parse(&body)?;
    let params = Params::parse(query.as_deref());
    let batch = state.create_batch(request, user.0, params.do_as())?;
    Ok(response::created(
        &format!("/batches/{}", batch.id),
        &batch.to_json(state.version),
    ))
}

/// `GET /batches/{id}`.
pub(crate) async fn get_one(State(state): State<Arc<ServerState>>, Path(key): Path<String>) -> Reply {
    let batch = state.batches.lookup(&key)?;
    Ok(response::json(StatusCode::OK, &batch.to_json(state.version)))
}

/// `GET /batches/{id}/state`.
pub(crate) async fn state(State(state): State<Arc<ServerState>>, Path(key): Path<String>) -> Reply {
    let batch = state.batches.lookup(&key)?;
    Ok(response::json(
        StatusCode::OK,
        &json!({"id": batch.id, "state": batch.state().as_str()}),
    ))
}

/// `DELETE /batches/{id}`.
pub(crate) async fn delete(State(state): State<Arc<ServerState>>, Path(key): Path<String>) -> Reply {
    let batch = state.batches.lookup(&key)?;
    if !state.delete_batch(batch.id) {
        return Err(ApiError::session_not_found(&key));
    }
    Ok(response::json(StatusCode::OK, &json!({"msg": "deleted"})))
}

/// `GET /batches/{id}/log?from&size`.
pub(crate) async fn log(
    State(state): State<Arc<ServerState>>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
) -> Reply {
    let batch = state.batches.lookup(&key)?;
    let params = Params::parse(query.as_deref());
    let page = batch.log.lock().page(params.int("from")?, params.int("size")?);
    Ok(response::json(StatusCode::OK, &log_json(batch.id, page)))
}
