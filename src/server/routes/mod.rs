//! HTTP routes, mirroring Livy's servlets.

mod batches;
mod guard;
mod params;
mod sessions;
mod statements;
mod ui;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::error::ApiError;
use super::livy_server::ServerState;
use super::response;
use super::version::version_body;

pub(crate) use guard::RemoteUser;

/// Builds the router over the shared state.
pub(crate) fn router(state: Arc<ServerState>) -> Router {
    Router::new()
        .route("/", get(root))
        .route("/version", get(version))
        .route("/ui", get(ui::page))
        .route("/ui/", get(ui::page))
        .route("/sessions", get(sessions::list).post(sessions::create))
        .route("/sessions/{id}", get(sessions::get_one).delete(sessions::delete))
        .route("/sessions/{id}/state", get(sessions::state))
        .route("/sessions/{id}/log", get(sessions::log))
        .route("/sessions/{id}/connect", post(sessions::connect))
        .route(
            "/sessions/{id}/statements",
            get(statements::list).post(statements::create),
        )
        .route("/sessions/{id}/statements/{sid}", get(statements::get_one))
        .route("/sessions/{id}/statements/{sid}/cancel", post(statements::cancel))
        .route("/sessions/{id}/completion", post(statements::completion))
        .route("/batches", get(batches::list).post(batches::create))
        .route("/batches/{id}", get(batches::get_one).delete(batches::delete))
        .route("/batches/{id}/state", get(batches::state))
        .route("/batches/{id}/log", get(batches::log))
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), guard::guard))
        .with_state(state)
}

/// `GET /` redirects to the web UI, as Livy does.
async fn root() -> Response {
    let mut resp = StatusCode::FOUND.into_response();
    resp.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static("/ui"));
    resp
}

async fn version(State(state): State<Arc<ServerState>>) -> Response {
    response::json(StatusCode::OK, &version_body(&state.config.version))
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::html(StatusCode::NOT_FOUND, uri.path(), "Not Found")
}
