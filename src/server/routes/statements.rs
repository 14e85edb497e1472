//! `/sessions/{id}/statements…` and `/sessions/{id}/completion`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::super::error::{ApiError, rpc_trace};
use super::super::kind::Kind;
use super::super::livy_server::ServerState;
use super::super::requests::{CompletionRequest, ExecuteRequest, invalid_kind_500, statement_kind};
use super::super::response;
use super::params::{Params, parse_id};

type Reply = Result<Response, ApiError>;

/// `GET /sessions/{id}/statements?from&size&order`.
pub(crate) async fn list(
    State(state): State<Arc<ServerState>>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
) -> Reply {
    let session = state.sessions.lookup(&key)?;
    if !session.state().is_active() {
        return Err(ApiError::not_active());
    }
    let params = Params::parse(query.as_deref());
    let from = params.int("from")?.unwrap_or(0);
    let size = params.int("size")?;
    // `order=desc` arrived in 0.8 (LIVY-970); 0.7 ignores it.
    let desc = state.version.at_least(0, 8) && params.get("order") == Some("desc");
    Ok(response::json(
        StatusCode::OK,
        &session.statements_page(from, size, desc, state.version),
    ))
}

/// `POST /sessions/{id}/statements`.
pub(crate) async fn create(State(state): State<Arc<ServerState>>, Path(key): Path<String>, body: Bytes) -> Reply {
    // Scalatra's `jpost` parses the body before the session is even looked up.
    let request = ExecuteRequest::parse(&body)?;
    let session = state.sessions.lookup(&key)?;
    let session_state = session.state();
    if !session_state.accepts_statements() {
        return Err(ApiError::not_running(session_state));
    }
    let Some(code) = request.code else {
        return Err(ApiError::internal(format!(
            "java.util.concurrent.ExecutionException: org.apache.livy.rsc.rpc.RpcException: java.lang.NullPointerException: Cannot invoke \"String.toCharArray()\" because \"s\" is null{}",
            rpc_trace(&[
                "org.apache.livy.EOLUtils$Mode$.determineEOL(EOLUtils.scala:59)",
                "org.apache.livy.EOLUtils$.convertToSystemEOL(EOLUtils.scala:88)",
            ])
        )));
    };
    let kind = statement_kind(request.kind.as_deref(), session.kind)?;
    // The driver converts CRLF to the system end of line.
    let code = code.replace("\r\n", "\n");
    let statement = session.submit(code, kind, state.version)?;
    let id = statement["id"].as_u64().unwrap_or(0);
    Ok(response::created(
        &format!("/sessions/{}/statements/{id}", session.id),
        &statement,
    ))
}

/// `GET /sessions/{id}/statements/{sid}`.
pub(crate) async fn get_one(State(state): State<Arc<ServerState>>, Path((key, sid)): Path<(String, String)>) -> Reply {
    let session = state.sessions.lookup(&key)?;
    let sid = parse_id(&sid)?;
    if !session.state().is_active() {
        return Err(ApiError::not_active());
    }
    let statement = session
        .statement_json(sid, state.version)
        .ok_or_else(ApiError::statement_not_found)?;
    Ok(response::json(StatusCode::OK, &statement))
}

/// `POST /sessions/{id}/statements/{sid}/cancel`: always `{"msg":"canceled"}`.
pub(crate) async fn cancel(State(state): State<Arc<ServerState>>, Path((key, sid)): Path<(String, String)>) -> Reply {
    let session = state.sessions.lookup(&key)?;
    let sid = parse_id(&sid)?;
    let session_state = session.state();
    if !session_state.accepts_statements() {
        return Err(ApiError::not_running(session_state));
    }
    session.cancel_statement(sid);
    Ok(response::json(StatusCode::OK, &json!({"msg": "canceled"})))
}

/// `POST /sessions/{id}/completion`.
pub(crate) async fn completion(State(state): State<Arc<ServerState>>, Path(key): Path<String>, body: Bytes) -> Reply {
    let request = CompletionRequest::parse(&body)?;
    let session = state.sessions.lookup(&key)?;
    let session_state = session.state();
    if session_state.accepts_statements() {
        // `InteractiveSession.completion`: ensureRunning, then recordActivity.
        session.record_activity();
    }
    let interpreter = match session.interpreter() {
        Some(interpreter) if session_state.accepts_statements() => interpreter,
        _ => return Err(ApiError::not_running(session_state)),
    };
    let frame = "complete(Session.scala:182)";
    let kind = match request.kind.as_deref() {
        None => return Err(invalid_kind_500("null", frame)),
        Some(text) => match Kind::parse(text) {
            Some(kind) if kind != Kind::Shared => kind,
            _ => return Err(invalid_kind_500(text, frame)),
        },
    };
    let candidates = interpreter.complete(kind, &request.code, request.char_cursor()).await;
    Ok(response::json(StatusCode::OK, &json!({"candidates": candidates})))
}
