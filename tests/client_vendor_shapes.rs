//! The client against servers that are Livy-shaped but not Apache Livy: a path prefix, 202 on
//! create, UUID ids, a log sent as one string, no `/version`. A tiny in-test server stands in.

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use livy_tui::livy::{ClientConfig, CreateSession, LivyClient, SessionId, SessionKind, SessionState};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const UUID: &str = "8c6f4b2e-1d2a-4b8e-9c1a-3f5e6d7c8b9a";

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

fn vendor_router(seen: Arc<Mutex<Vec<(String, Value)>>>) -> Router {
    let seen_create = seen.clone();
    let api = Router::new()
        .route(
            "/sessions",
            post(move |headers: HeaderMap, Json(body): Json<Value>| {
                let seen = seen_create.clone();
                async move {
                    let auth = headers
                        .get("authorization")
                        .map(|v| v.to_str().unwrap().to_string())
                        .unwrap_or_default();
                    seen.lock().unwrap().push((auth, body));
                    (
                        StatusCode::ACCEPTED,
                        Json(json!({"id": UUID, "state": "submitting", "kind": null, "log": null})),
                    )
                }
            }),
        )
        .route(
            "/sessions/{id}",
            get(|Path(id): Path<String>| async move {
                Json(json!({"id": id, "state": "Idle", "fabricSessionStateInfo": {"state": "idle"}, "appInfo": null}))
            }),
        )
        .route(
            "/sessions/{id}/log",
            get(|Path(id): Path<String>| async move { Json(json!({"id": id, "log": "line one\nline two"})) }),
        );
    Router::new().nest("/livyApi/versions/2023-12-01", api)
}

#[tokio::test]
async fn a_prefixed_vendor_endpoint_works_end_to_end() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let base = serve(vendor_router(seen.clone())).await;
    let mut config = ClientConfig::new(&format!("{base}/livyApi/versions/2023-12-01")).unwrap();
    config.auth = livy_tui::livy::Auth::Bearer {
        token: "entra-token".into(),
    };
    let client = LivyClient::new(config).unwrap();

    // 202 Accepted with a UUID id and a vendor state.
    let request = CreateSession {
        kind: Some(SessionKind::PySpark),
        ..Default::default()
    };
    let session = client.create_session(&request).await.unwrap();
    assert_eq!(session.id, SessionId::from(UUID));
    assert_eq!(session.state, SessionState::Starting, "submitting is a starting state");

    let (auth, body) = seen.lock().unwrap()[0].clone();
    assert_eq!(auth, "Bearer entra-token");
    let name = body["name"].as_str().unwrap_or_default().to_string();
    assert!(livy_tui::livy::is_generated_session_name(&name), "{body}");
    assert_eq!(
        body,
        json!({"kind": "pyspark", "name": name}),
        "unset fields are omitted; a session is always named"
    );

    // State names in another case, unknown fields ignored.
    let got = client.get_session(&session.id).await.unwrap();
    assert_eq!(got.state, SessionState::Idle);

    // A log sent as one string becomes lines.
    let log = client.session_log(&session.id, None, Some(-1)).await.unwrap();
    assert_eq!(log.log, vec!["line one", "line two"]);

    // No /version here: the version is unknown, not an error.
    assert_eq!(client.server_version().await.unwrap(), None);
    // So a ttl is sent and left to the server to judge.
    assert!(
        client
            .create_session(&CreateSession {
                ttl: Some("10m".into()),
                ..Default::default()
            })
            .await
            .is_ok()
    );
    let body = seen.lock().unwrap()[1].1.clone();
    assert_eq!(
        (&body["ttl"], body.as_object().map(|o| o.len())),
        (&json!("10m"), Some(2)),
        "{body}"
    );
}

#[tokio::test]
async fn malformed_json_is_a_clear_error() {
    let router = Router::new().route("/sessions", get(|| async { "<html>not livy</html>" }));
    let base = serve(router).await;
    let client = LivyClient::new(ClientConfig::new(&base).unwrap()).unwrap();
    let e = client.list_sessions(None, None).await.unwrap_err();
    let line = e.to_string();
    assert!(line.contains("not valid Livy JSON"), "{line}");
    assert!(line.contains("--url"), "{line}");
    assert!(!line.contains('\n'));
}
