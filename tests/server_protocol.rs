//! The test Livy server over real HTTP: shapes from `tests/fixtures/livy/`, lifecycles,
//! log paging, error bodies, CSRF/auth, batches and every fault switch.

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use support::{Reply, TestLivy, TestLivyConfig, fixtures};

const DEADLINE: Duration = Duration::from_secs(15);

/// An HTTP response reduced to what the tests look at.
struct Resp {
    status: u16,
    headers: HeaderMap,
    text: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
    }

    fn content_type(&self) -> &str {
        self.header("content-type")
    }
}

/// A client that sends `X-Requested-By` like the real one does.
struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    fn new(livy: &TestLivy) -> Api {
        let mut headers = HeaderMap::new();
        headers.insert("X-Requested-By", HeaderValue::from_static("livy-tui-test"));
        Api::with_headers(livy, headers)
    }

    fn bare(livy: &TestLivy) -> Api {
        Api::with_headers(livy, HeaderMap::new())
    }

    fn with_headers(livy: &TestLivy, headers: HeaderMap) -> Api {
        Api {
            http: reqwest::Client::builder().default_headers(headers).build().unwrap(),
            base: livy.url(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let resp = req.send().await.expect("request failed");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        Resp { status, headers, text }
    }

    async fn get(&self, path: &str) -> Resp {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    async fn post(&self, path: &str, body: Value) -> Resp {
        self.post_raw(path, &body.to_string()).await
    }

    async fn post_raw(&self, path: &str, raw: &str) -> Resp {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json")
            .body(raw.to_string());
        self.send(req).await
    }

    async fn delete(&self, path: &str) -> Resp {
        self.send(self.http.delete(format!("{}{path}", self.base))).await
    }

    /// GETs `path` until `done` holds; panics with the last body after the deadline.
    async fn poll(&self, path: &str, mut done: impl FnMut(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let resp = self.get(path).await;
            assert_eq!(resp.status, 200, "GET {path}: {}", resp.text);
            let body = resp.json();
            if done(&body) {
                return body;
            }
            assert!(start.elapsed() < DEADLINE, "GET {path} never got there: {body}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// GETs `path` until it answers 404.
    async fn wait_gone(&self, path: &str) {
        let start = Instant::now();
        while self.get(path).await.status != 404 {
            assert!(start.elapsed() < DEADLINE, "{path} is still there");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn wait_state(&self, path: &str, state: &str) -> Value {
        self.poll(&format!("{path}/state"), |b| b["state"] == state).await
    }

    /// Posts a statement and waits until it is `available` (or `cancelled`).
    async fn run(&self, session: &str, body: Value) -> Value {
        let resp = self.post(&format!("/sessions/{session}/statements"), body).await;
        assert_eq!(resp.status, 201, "{}", resp.text);
        let id = resp.json()["id"].as_u64().unwrap();
        self.poll(&format!("/sessions/{session}/statements/{id}"), |s| {
            s["state"] == "available" || s["state"] == "cancelled"
        })
        .await
    }

    async fn run_code(&self, session: &str, code: &str) -> Value {
        self.run(session, json!({ "code": code })).await
    }
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect()
}

fn fixture_body(name: &str) -> Value {
    fixtures::response_body(name).unwrap_or_else(|| panic!("fixture {name}"))
}

/// A Jackson message with its `column: N` blanked (the capture's column is off by one
/// from the body it lists, for reasons the capture does not show).
fn without_column(message: &str) -> String {
    let (head, tail) = message.split_once("column: ").expect("a column");
    let tail = tail.trim_start_matches(|c: char| c.is_ascii_digit());
    format!("{head}column: N{tail}")
}

fn text_plain(statement: &Value) -> &str {
    statement["output"]["data"]["text/plain"]
        .as_str()
        .unwrap_or_else(|| panic!("no text/plain: {statement}"))
}

const JSON_TYPE: &str = "application/json;charset=utf-8";

#[tokio::test]
async fn session_lifecycle_has_livy_shapes() {
    let livy = TestLivy::start().await;
    let api = Api::new(&livy);

    let version = api.get("/version").await;
    assert_eq!(version.content_type(), JSON_TYPE);
    assert_eq!(keys(&version.json()), keys(&fixture_body("version")));
    assert_eq!(version.json()["version"], "0.7.1-incubating");

    let created = api
        .post("/sessions", json!({"kind": "spark", "name": "scala-ref"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.header("location"), "/sessions/0");
    assert_eq!(created.content_type(), JSON_TYPE);
    let session = created.json();
    assert_eq!(keys(&session), keys(&fixture_body("spark-session-create")));
    assert_eq!(session["state"], "starting");
    assert_eq!(session["kind"], "spark");
    assert_eq!(session["appInfo"], json!({"driverLogUrl": null, "sparkUiUrl": null}));
    assert_eq!(session["log"][0], "stdout: ");

    let state = api.get("/sessions/0/state").await.json();
    assert_eq!(state, json!({"id": 0, "state": "starting"}));
    let log = api.get("/sessions/0/log").await.json();
    assert_eq!(keys(&log), keys(&fixture_body("session-log-while-starting")));
    assert_eq!(log["log"][1], "\nstderr: ");

    api.wait_state("/sessions/0", "idle").await;
    let by_name = api.get("/sessions/scala-ref").await;
    assert_eq!(by_name.status, 200);
    assert_eq!(by_name.json()["id"], 0);
    let embedded = by_name.json()["log"].as_array().unwrap().len();
    assert!(embedded <= 10, "session objects embed at most 10 log lines");
    assert!(by_name.json()["log"].to_string().contains("Created Spark session"));

    let list = api.get("/sessions").await.json();
    assert_eq!(keys(&list), keys(&fixture_body("sessions-list")));
    assert_eq!(list["total"], 1);

    let deleted = api.delete("/sessions/0").await;
    assert_eq!((deleted.status, deleted.json()), (200, json!({"msg": "deleted"})));
    let gone = api.get("/sessions/0").await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json(), json!({"msg": "Session '0' not found."}));
}

#[tokio::test]
async fn sessions_list_pages_and_empty_body_is_shared() {
    let livy = TestLivy::start().await;
    let api = Api::new(&livy);
    let minimal = api.post("/sessions", json!({})).await;
    assert_eq!(minimal.json()["kind"], "shared");
    assert_eq!(keys(&minimal.json()), keys(&fixture_body("session-create-minimal")));
    for kind in ["scala", "python", "r"] {
        let resp = api.post("/sessions", json!({ "kind": kind })).await;
        assert_eq!(resp.status, 201);
    }
    let kinds: Vec<Value> = api.get("/sessions").await.json()["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].clone())
        .collect();
    assert_eq!(
        kinds,
        vec![json!("shared"), json!("spark"), json!("pyspark"), json!("sparkr")]
    );
    let page = api.get("/sessions?from=1&size=2").await.json();
    assert_eq!(page["from"], 1);
    assert_eq!(page["total"], 4);
    let ids: Vec<Value> = page["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    assert_eq!(ids, vec![json!(1), json!(2)]);
    let bad = api.get("/sessions?from=x").await;
    assert_eq!(
        (bad.status, bad.json()),
        (400, json!({"msg": "For input string: \"x\""}))
    );
}

#[tokio::test]
async fn create_errors_match_livy_bodies() {
    let livy = TestLivy::start().await;
    let api = Api::new(&livy);
    // The raw bodies are byte-identical to the captured requests, so the Jackson messages
    // (column numbers included) must be identical too.
    for (raw, fixture) in [
        (r#"{"kind": "spark", "nope": 1}"#, "error-session-create-unknown-field"),
        (r#"{"kind": "spark", "ttl": "banana"}"#, "error-session-create-bad-ttl"),
        (r#"{"kind": "cobol"}"#, "error-session-create-invalid-kind"),
    ] {
        let resp = api.post_raw("/sessions", raw).await;
        assert_eq!(resp.status, 400, "{raw}");
        assert_eq!(resp.content_type(), JSON_TYPE);
        assert_eq!(resp.json(), fixture_body(fixture), "{raw}");
    }
    let malformed = api.post_raw("/sessions", r#"{"kind": "spark","#).await;
    assert_eq!(malformed.status, 400);
    assert!(
        malformed
            .json()
            .as_str()
            .unwrap()
            .starts_with("Unexpected end-of-input"),
        "{}",
        malformed.text
    );
    let wrong_type = api.post("/sessions", json!({"driverCores": [1]})).await;
    assert_eq!(wrong_type.status, 400);
    assert!(wrong_type.json().is_string());

    // None of those used an id; a duplicate name does.
    assert_eq!(api.post("/sessions", json!({"name": "n"})).await.status, 201);
    let dup = api.post("/sessions", json!({"name": "n"})).await;
    assert_eq!(dup.status, 400);
    assert_eq!(
        dup.json(),
        json!({"msg": "Duplicate session name: Some(n) for session 1"})
    );
    let next = api.post("/sessions", json!({"kind": "sql"})).await;
    assert_eq!(next.json()["id"], 2);

    let accept = api
        .send(
            api.http
                .get(format!("{}/sessions", api.base))
                .header("Accept", "application/vnd.livy.v9.9+json"),
        )
        .await;
    assert_eq!(accept.status, 406);
    assert_eq!(accept.json(), fixture_body("error-accept-unknown-api-version"));
}

#[tokio::test]
async fn version_gates_ttl_idle_timeout_and_session_fields() {
    let old = TestLivy::start().await;
    let v07 = Api::new(&old);
    let idle = v07.post("/sessions", json!({"idleTimeout": "10m"})).await;
    assert_eq!(idle.status, 400);
    assert!(
        idle.json()
            .as_str()
            .unwrap()
            .starts_with("Unrecognized field \"idleTimeout\"")
    );

    let mid = TestLivy::start_with(TestLivyConfig::default().version("0.8.0-incubating")).await;
    let v08 = Api::new(&mid);
    assert_eq!(v08.get("/version").await.json()["version"], "0.8.0-incubating");
    let created = v08
        .post(
            "/sessions",
            json!({"kind": "pyspark", "ttl": "10m", "driverMemory": "1g"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let session = created.json();
    for field in [
        "ttl",
        "driverMemory",
        "driverCores",
        "executorMemory",
        "executorCores",
        "conf",
        "archives",
        "files",
        "heartbeatTimeoutInSecond",
        "jars",
        "numExecutors",
        "pyFiles",
        "queue",
    ] {
        assert!(session.get(field).is_some(), "0.8 session lacks {field}: {session}");
    }
    assert_eq!(session["ttl"], "10m");
    assert_eq!(session["driverMemory"], "1g");
    assert_eq!(session["driverCores"], 0);
    assert_eq!(session["conf"], Value::Null);
    assert!(session.get("idleTimeout").is_none());
    let bad_ttl = v08.post("/sessions", json!({"ttl": "banana"})).await;
    assert_eq!(bad_ttl.status, 400);
    assert!(bad_ttl.json()["msg"].as_str().unwrap().contains("banana"));
    let idle = v08.post("/sessions", json!({"idleTimeout": "10m"})).await;
    assert_eq!(idle.status, 400);

    let new = TestLivy::start_with(TestLivyConfig::default().version("0.9.0-incubating")).await;
    let v09 = Api::new(&new);
    let created = v09.post("/sessions", json!({"ttl": "1h", "idleTimeout": "10m"})).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json()["idleTimeout"], "10m");

    // ttl was never sent to the 0.7 server in a successful request, and the recorder saw it.
    let sent = old.requests_to("POST", "/sessions");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body_json().unwrap(), json!({"idleTimeout": "10m"}));
    assert_eq!(sent[0].header("x-requested-by"), Some("livy-tui-test"));
}

#[tokio::test]
async fn statements_queue_run_and_finish() {
    let livy = TestLivy::start().await;
    let api = Api::new(&livy);
    let sid = livy.create_idle_session("spark").await;

    let first = api
        .post(
            &format!("/sessions/{sid}/statements"),
            json!({"code": "Thread.sleep(30000)"}),
        )
        .await;
    assert_eq!(first.status, 201);
    assert_eq!(first.header("location"), format!("/sessions/{sid}/statements/0"));
    assert_eq!(keys(&first.json()), keys(&fixture_body("spark-statement-post-1plus1")));
    let second = api
        .post(&format!("/sessions/{sid}/statements"), json!({"code": "1 + 1"}))
        .await;
    let second = second.json();
    assert_eq!(second["id"], 1);
    assert_eq!(second["state"], "waiting");
    assert_eq!(
        (second["output"].clone(), second["started"].clone()),
        (Value::Null, json!(0))
    );
    assert_eq!(api.get(&format!("/sessions/{sid}/state")).await.json()["state"], "busy");

    // While the first runs, the second waits behind it.
    let list = api
        .poll(&format!("/sessions/{sid}/statements"), |l| {
            l["statements"][0]["state"] == "running"
        })
        .await;
    assert_eq!(list["total_statements"], 2);
    assert_eq!(list["statements"][1]["state"], "waiting");
    assert!(list["statements"][0]["started"].as_i64().unwrap() > 0);
    assert_eq!(
        api.get(&format!("/sessions/{sid}/statements/1")).await.json()["state"],
        "waiting"
    );
    // Cancelling the long one lets the queue move on.
    api.post(&format!("/sessions/{sid}/statements/0/cancel"), json!({}))
        .await;

    let done = api
        .poll(&format!("/sessions/{sid}/statements/1"), |s| s["state"] == "available")
        .await;
    assert_eq!(keys(&done), keys(&fixture_body("spark-statement-1plus1")));
    assert_eq!(
        done["output"],
        json!({"status": "ok", "execution_count": 1, "data": {"text/plain": "res0: Int = 2\n"}})
    );
    assert_eq!(done["progress"], json!(1.0));
    let first_done = livy.statement(&sid, 0).unwrap();
    assert_eq!(first_done["state"], "cancelled");
    assert!(done["started"].as_i64().unwrap() >= first_done["completed"].as_i64().unwrap());
    assert!(done["completed"].as_i64().unwrap() >= done["started"].as_i64().unwrap());
    api.wait_state(&format!("/sessions/{sid}"), "idle").await;

    // Statement lookups and list paging.
    let missing = api.get(&format!("/sessions/{sid}/statements/999")).await;
    assert_eq!((missing.status, missing.json()), (404, json!("Statement not found")));
    let bad = api.get(&format!("/sessions/{sid}/statements/abc")).await;
    assert_eq!((bad.status, bad.json()), (400, fixture_body("spark-statement-bad-id")));
    let page = api
        .get(&format!("/sessions/{sid}/statements?from=1&size=1"))
        .await
        .json();
    assert_eq!(page["total_statements"], 2);
    assert_eq!(page["statements"].as_array().unwrap().len(), 1);
    assert_eq!(page["statements"][0]["id"], 1);
    let empty = api.get(&format!("/sessions/{sid}/statements?size=0")).await.json();
    assert_eq!(empty, json!({"total_statements": 2, "statements": []}));
    // 0.7.1 ignores order=desc.
    let asc = api.get(&format!("/sessions/{sid}/statements?order=desc")).await.json();
    assert_eq!(asc["statements"][0]["id"], 0);
}

/// `busy` while a statement waits or runs, in every place the state shows (the session,
/// its `/state`, the list), and `idle` once none does. Ended by cancels, not by timing.
#[tokio::test]
async fn the_session_is_busy_exactly_while_statements_wait_or_run() {
    let livy = TestLivy::start().await;
    let api = Api::new(&livy);
    let sid = livy.create_idle_session("spark").await;
    let states = || async {
        [
            api.get(&format!("/sessions/{sid}")).await.json()["state"].clone(),
            api.get(&format!("/sessions/{sid}/state")).await.json()["state"].clone(),
            api.get("/sessions").await.json()["sessions"][0]["state"].clone(),
        ]
    };
    assert_eq!(states().await, [json!("idle"), json!("idle"), json!("idle")]);
    let statements = format!("/sessions/{sid}/statements");
    api.post(&statements, json!({"code": "Thread.sleep(30000)"})).await;
    api.post(&statements, json!({"code": "Thread.sleep(30000)"})).await;
    api.poll(&format!("{statements}/0"), |s| s["state"] == "running").await;
    assert_eq!(states().await, [json!("busy"), json!("busy"), json!("busy")]);
    // With the first cancelled the second runs: still busy.
    api.post(&format!("{statements}/0/cancel"), json!({})).await;
    api.poll(&format!("{statements}/1"), |s| s["state"] == "running").await;
    assert_eq!(states().await, [json!("busy"), json!("busy"), json!("busy")]);
    api.post(&format!("{statements}/1/cancel"), json!({})).await;
    api.poll(&format!("{statements}/1"), |s| s["state"] == "cancelled")
        .await;
    assert_eq!(states().await, [json!("idle"), json!("idle"), json!("idle")]);
}

#[tokio::test]
async fn order_desc_needs_0_8() {
    let livy = TestLivy::start_with(TestLivyConfig::default().version("0.8.0")).await;
    let api = Api::new(&livy);
    let sid = livy.create_idle_session("pyspark").await;
    api.run_code(&sid, "1").await;
    api.run_code(&sid, "2").await;
    let desc = api
        .get(&format!("/sessions/{sid}/statements?order=desc&size=1"))
        .await
        .json();
    assert_eq!(desc["total_statements"], 2);
    assert_eq!(desc["statements"][0]["id"], 1);
}

#[tokio::test]
async fn progress_rises_while_running() {
    let livy = TestLivy::start().await;
    let api = Api::new(&livy);
    livy.script("long job", Reply::text("done").taking_ms(1500));
    let sid = livy.create_idle_session("pyspark").await;
    api.post(&format!("/sessions/{sid}/statements"), json!({"code": "long job"}))
        .await;
    let mut seen = Vec::new();
    let last = api
        .poll(&format!("/sessions/{sid}/statements/0"), |s| {
            if s["state"] == "running" {
                seen.push(s["progress"].as_f64().unwrap());
            }
            s["state"] == "available"
        })
        .await;
    assert_eq!(last["progress"], json!(1.0));
    assert_eq!(text_plain(&last), "done");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "progress went down: {seen:?}");
    assert!(
        seen.iter().any(|p| *p > 0.0 && *p < 1.0),
        "no intermediate progress seen: {seen:?}"
    );
}

#[tokio::test]
async fn cancel_waiting_and_running_statements() {
    let livy = TestLivy::start().await;
    let api = Api::new(&livy);
    let sid = livy.create_idle_session("spark").await;
    let base = format!("/sessions/{sid}/statements");
    api.post(&base, json!({"code": "Thread.sleep(10000)"})).await;
    api.post(&base, json!({"code": "\"never runs\""})).await;
    api.poll(&format!("{base}/0"), |s| s["state"] == "running").await;

    let cancel = api.post(&format!("{base}/1/cancel"), json!({})).await;
    assert_eq!((cancel.status, cancel.json()), (200, json!({"msg": "canceled"})));
    let waiting = api.get(&format!("{base}/1")).await.json();
    assert_eq!(keys(&waiting), keys(&fixture_body("statement-cancelled-while-waiting")));
    assert_eq!(waiting["state"], "cancelled");
    assert_eq!(waiting["output"], Value::Null);
    assert_eq!(waiting["started"], 0);
    assert!(waiting["completed"].as_i64().unwrap() > 0);
    assert_eq!(waiting["progress"], json!(1.0));

    let cancel = api.post(&format!("{base}/0/cancel"), json!({})).await;
    assert_eq!(cancel.json(), json!({"msg": "canceled"}));
    let done = api.poll(&format!("{base}/0"), |s| s["state"] == "cancelled").await;
    assert_eq!(done["output"]["status"], "error");
    assert!(
        done["output"]["evalue"]
            .as_str()
            .unwrap()
            .contains("cancelled part of cancelled job group 0")
    );
    assert_eq!(done["output"]["execution_count"], 0);
    api.wait_state(&format!("/sessions/{sid}"), "idle").await;

    let unknown = api.post(&format!("{base}/9999/cancel"), json!({})).await;
    assert_eq!(
        (unknown.status, unknown.json()),
        (200, fixture_body("statement-cancel-unknown-id"))
    );
}

#[tokio::test]
async fn cancel_gives_up_on_code_that_ignores_it() {
    let livy = TestLivy::start_with(TestLivyConfig::default().cancel_timeout_ms(500)).await;
    let api = Api::new(&livy);
    let sid = livy.create_idle_session("pyspark").await;
    let base = format!("/sessions/{sid}/statements");
    api.post(&base, json!({"code": "%fake busy 3000"})).await;
    api.post(&base, json!({"code": "1 + 1"})).await;
    api.poll(&format!("{base}/0"), |s| s["state"] == "running").await;
    api.post(&format!("{base}/0/cancel"), json!({})).await;
    let cancelling = api.get(&format!("{base}/0")).await.json();
    assert_eq!(cancelling["state"], "cancelling");
    assert_eq!(cancelling["completed"], 0);
    // After the cancel timeout Livy reports it cancelled, output still to come…
    let cancelled = api.poll(&format!("{base}/0"), |s| s["state"] == "cancelled").await;
    assert_eq!(cancelled["output"], Value::Null);
    assert!(cancelled["completed"].as_i64().unwrap() > 0);
    // …but the interpreter is still busy, so the next statement waits for it.
    assert_eq!(api.get(&format!("{base}/1")).await.json()["state"], "waiting");
    let next = api.poll(&format!("{base}/1"), |s| s["state"] == "available").await;
    assert_eq!(text_plain(&next), "2");
    let late = api.get(&format!("{base}/0")).await.json();
    assert_eq!(late["state"], "cancelled");
    assert_eq!(late["output"]["status"], "error");
}

#[tokio::test]
async fn log_paging_follows_livy_and_the_window_drops_old_lines() {
    let livy = TestLivy::start().await;
    let api = Api::new(&livy);
    let sid = livy.create_idle_session("spark").await;
    // Fill the stderr stream to its 200-line cap: total = 202 with the two markers.
    let held = api.get(&format!("/sessions/{sid}/log?size=-1")).await.json();
    let already = held["total"].as_u64().unwrap() as usize - 2;
    livy.append_numbered_log(&sid, 0, 200 - already);
    let log = |q: &'static str| {
        let api = &api;
        let sid = sid.clone();
        async move { api.get(&format!("/sessions/{sid}/log{q}")).await.json() }
    };
    let cases = [
        ("", 102, 100),
        ("?size=3", 199, 3),
        ("?from=-5&size=2", 200, 2),
        ("?from=10&size=-1", 10, 192),
        ("?from=100000", 100_000, 0),
    ];
    for (query, from, len) in cases {
        let page = log(query).await;
        assert_eq!(keys(&page), keys(&fixture_body("spark-log-default")));
        assert_eq!(page["id"], json!(sid.parse::<u64>().unwrap()));
        assert_eq!(page["from"], from, "{query}");
        assert_eq!(page["total"], 202, "{query}");
        assert_eq!(page["log"].as_array().unwrap().len(), len, "{query}");
    }
    let head = log("?from=0&size=5").await;
    assert_eq!(head["log"][0], "stdout: ");
    assert_eq!(head["log"][1], "\nstderr: ");

    // Five more lines: the total stays 202 and every offset now names a later line.
    let before = log("?size=-1").await["log"].as_array().unwrap().clone();
    let added = livy.append_numbered_log(&sid, 1000, 5);
    let after = log("?size=-1").await;
    assert_eq!(after["total"], 202);
    let after = after["log"].as_array().unwrap().clone();
    assert_eq!(after[2], before[7]);
    assert_eq!(after[201], json!(added[4]));
    assert_eq!(log("?size=1").await["log"][0], json!(added[4]));

    let missing = api.get("/sessions/99/log").await;
    assert_eq!(
        (missing.status, missing.json()),
        (404, fixture_body("error-session-not-found-log"))
    );
}

#[tokio::test]
async fn error_bodies_have_livy_shapes() {
    let livy = TestLivy::start().await;
    let api = Api::new(&livy);
    for (method, path, fixture) in [
        ("GET", "/sessions/99", "error-session-not-found"),
        ("GET", "/sessions/99/state", "error-session-not-found-state"),
        ("DELETE", "/sessions/99", "error-session-not-found-delete"),
        (
            "POST",
            "/sessions/99/statements",
            "error-session-not-found-statement-post",
        ),
        ("GET", "/batches/42", "error-batch-not-found"),
    ] {
        let resp = match method {
            "GET" => api.get(path).await,
            "DELETE" => api.delete(path).await,
            _ => api.post(path, json!({"code": "1"})).await,
        };
        assert_eq!(resp.status, 404, "{method} {path}");
        assert_eq!(resp.content_type(), JSON_TYPE);
        assert_eq!(resp.json(), fixture_body(fixture), "{method} {path}");
    }

    // A session still starting: statements are refused with a bare 500, listed as empty.
    livy.set_start_delay_ms(60_000);
    let starting = livy.create_session("spark");
    livy.set_start_delay_ms(200);
    let base = format!("/sessions/{starting}/statements");
    let refused = api.post(&base, json!({"code": "1+1", "kind": "spark"})).await;
    assert_eq!(
        (refused.status, refused.json()),
        (500, fixture_body("error-statement-while-starting"))
    );
    let listed = api.get(&base).await;
    assert_eq!(
        (listed.status, listed.json()),
        (200, fixture_body("statements-list-while-starting"))
    );
    let completion = api
        .post(
            &format!("/sessions/{starting}/completion"),
            json!({"code": "sc.", "kind": "spark", "cursor": 3}),
        )
        .await;
    assert_eq!(
        (completion.status, completion.json()),
        (500, fixture_body("error-completion-while-starting"))
    );

    // Bodies the driver rejects.
    let shared = livy.create_idle_session("shared").await;
    let sbase = format!("/sessions/{shared}/statements");
    let no_kind = api.post(&sbase, json!({"code": "1+1"})).await;
    assert_eq!(no_kind.status, 500);
    let expected = fixture_body("error-shared-session-statement-without-kind");
    let prefix = expected.as_str().unwrap().split("\n\tat").next().unwrap();
    assert!(no_kind.json().as_str().unwrap().starts_with(prefix), "{}", no_kind.text);
    let cobol = api.post(&sbase, json!({"code": "1", "kind": "cobol"})).await;
    assert_eq!(cobol.status, 500);
    assert!(
        cobol
            .json()
            .as_str()
            .unwrap()
            .contains("IllegalArgumentException: Invalid kind: cobol")
    );
    let no_code = api.post(&sbase, json!({})).await;
    assert_eq!(no_code.status, 500);
    assert!(no_code.json().as_str().unwrap().contains("NullPointerException"));
    let unknown = api.post_raw(&sbase, r#"{"code": "1", "nope": 1}"#).await;
    assert_eq!(unknown.status, 400);
    let expected = fixture_body("error-statement-unknown-field");
    assert_eq!(
        without_column(unknown.json().as_str().unwrap()),
        without_column(expected.as_str().unwrap())
    );
    let spark_kind = api.run(&shared, json!({"code": "1 + 41", "kind": "spark"})).await;
    assert_eq!(text_plain(&spark_kind), "res0: Int = 42\n");
    assert_eq!(
        api.get(&sbase).await.json()["total_statements"],
        1,
        "rejected posts made no statement"
    );

    let no_kind = api
        .post(
            &format!("/sessions/{shared}/completion"),
            json!({"code": "sc.paral", "cursor": 8}),
        )
        .await;
    assert_eq!(no_kind.status, 500);
    assert!(no_kind.json().as_str().unwrap().contains("Invalid kind: null"));
    let completion = api
        .post(
            &format!("/sessions/{shared}/completion"),
            json!({"code": "sc.paral", "kind": "spark", "cursor": 8}),
        )
        .await;
    assert_eq!(completion.json(), fixture_body("spark-completion"));

    let unknown_route = api.get("/nope").await;
    assert_eq!(unknown_route.status, 404);
    assert!(unknown_route.content_type().starts_with("text/html"));
}

#[tokio::test]
async fn dead_and_error_sessions() {
    let livy = TestLivy::start().await;
    let api = Api::new(&livy);
    let sid = livy.create_idle_session("pyspark").await;
    api.run_code(&sid, "1 + 1").await;
    livy.kill_session(&sid);
    let session = api.get(&format!("/sessions/{sid}")).await.json();
    assert_eq!(session["state"], "dead");
    let list = api.get(&format!("/sessions/{sid}/statements")).await;
    assert_eq!(
        (list.status, list.json()),
        (400, fixture_body("error-statements-list-dead-session"))
    );
    let one = api.get(&format!("/sessions/{sid}/statements/0")).await;
    assert_eq!(
        (one.status, one.json()),
        (400, fixture_body("error-statement-get-dead-session"))
    );
    let post = api
        .post(&format!("/sessions/{sid}/statements"), json!({"code": "1+1"}))
        .await;
    assert_eq!(
        (post.status, post.json()),
        (500, fixture_body("error-statement-post-dead-session"))
    );
    assert_eq!(api.get(&format!("/sessions/{sid}/log?size=5")).await.status, 200);
    assert_eq!(
        api.delete(&format!("/sessions/{sid}")).await.json(),
        json!({"msg": "deleted"})
    );

    // Deleting a busy session answers at once; the session is gone.
    let sid = livy.create_idle_session("spark").await;
    api.post(
        &format!("/sessions/{sid}/statements"),
        json!({"code": "Thread.sleep(30000)"}),
    )
    .await;
    api.wait_state(&format!("/sessions/{sid}"), "busy").await;
    assert_eq!(
        api.delete(&format!("/sessions/{sid}")).await.json(),
        fixture_body("session-delete-busy")
    );
    assert_eq!(api.get(&format!("/sessions/{sid}/state")).await.status, 404);

    // `%fake die`: the driver dies mid-statement.
    let sid = livy.create_idle_session("spark").await;
    api.post(
        &format!("/sessions/{sid}/statements"),
        json!({"code": "%fake sleep 50\n%fake die"}),
    )
    .await;
    api.wait_state(&format!("/sessions/{sid}"), "dead").await;

    // An interpreter death leaves the session in `error`, still usable; success → idle.
    let sid = livy.create_idle_session("pyspark").await;
    let died = api
        .run_code(&sid, "%fake fixture pyspark-table-magic-mixed-types-crash")
        .await;
    assert_eq!(died["output"]["ename"], "Error");
    let died = api.run_code(&sid, "%fake interpreter-died boom").await;
    assert_eq!(died["output"]["evalue"], "Interpreter died:\nboom");
    assert_eq!(died["state"], "available");
    api.wait_state(&format!("/sessions/{sid}"), "error").await;
    let ok = api.run_code(&sid, "2 + 2").await;
    assert_eq!(text_plain(&ok), "4");
    api.wait_state(&format!("/sessions/{sid}"), "idle").await;

    // A session whose driver never comes up.
    livy.faults().fail_session_starts(1);
    let sid = livy.create_session("spark");
    api.wait_state(&format!("/sessions/{sid}"), "dead").await;
    let log = api.get(&format!("/sessions/{sid}/log")).await.json();
    assert!(log["log"].to_string().contains("scripted start failure"), "{log}");
    let next = livy.create_idle_session("spark").await;
    assert_eq!(livy.session_state(&next).as_deref(), Some("idle"));
}

#[tokio::test]
async fn connect_and_statements_keep_a_session_past_the_idle_timeout_and_gets_do_not() {
    let livy = TestLivy::start_with(TestLivyConfig::default().start_ms(0).session_timeout_ms(1000)).await;
    let api = Api::new(&livy);
    let polled = livy.create_idle_session("spark").await;
    let connected = livy.create_idle_session("spark").await;
    let working = livy.create_idle_session("spark").await;
    livy.script("slow", Reply::text("done").taking_ms(700));
    let started = Instant::now();
    // `connect` answers the session, as `GET /sessions/{id}` does.
    let reply = api.post(&format!("/sessions/{connected}/connect"), json!({})).await;
    assert_eq!(
        (reply.status, reply.json()["id"].clone()),
        (200, json!(connected.parse::<u64>().unwrap()))
    );
    api.post(&format!("/sessions/{working}/statements"), json!({"code": "slow"}))
        .await;
    while started.elapsed() < Duration::from_millis(1400) {
        api.get(&format!("/sessions/{polled}")).await;
        api.get(&format!("/sessions/{polled}/state")).await;
        if started.elapsed() > Duration::from_millis(300) && started.elapsed() < Duration::from_millis(700) {
            api.post(&format!("/sessions/{connected}/connect"), json!({})).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // 1.4 s after they were made: polled all the while, but no activity: deleted, as Livy does.
    assert_eq!(livy.session_state(&polled), None, "GETs are not activity");
    let gone = api.get(&format!("/sessions/{polled}")).await;
    assert_eq!(gone.status, 404);
    // connected ~0.7 s ago; the statement ended (busy → idle) ~0.7 s ago
    assert_eq!(livy.session_state(&connected).as_deref(), Some("idle"));
    assert_eq!(
        livy.session_state(&working).as_deref(),
        Some("idle"),
        "a finished statement is activity"
    );
    // and with nothing more, they go too
    api.wait_gone(&format!("/sessions/{connected}")).await;
    api.wait_gone(&format!("/sessions/{working}")).await;
    assert_eq!(api.post("/sessions/99/connect", json!({})).await.status, 404);
}

#[tokio::test]
async fn statements_log_lines_as_they_run() {
    let livy = TestLivy::start().await;
    let api = Api::new(&livy);
    let sid = livy.create_idle_session("spark").await;
    let before = api.get(&format!("/sessions/{sid}/log?size=-1")).await.json()["total"]
        .as_u64()
        .unwrap();
    api.run_code(&sid, "%fake log hello from the driver\n1 + 1").await;
    let log = api.get(&format!("/sessions/{sid}/log?size=-1")).await.json();
    assert!(log["total"].as_u64().unwrap() >= before + 2);
    let text = log["log"].to_string();
    assert!(text.contains("hello from the driver"));
    assert!(text.contains("Job 0 finished"));
}

#[tokio::test]
async fn scripted_languages_answer_like_livy() {
    let livy = TestLivy::start_with(TestLivyConfig::default().sql_row_cap(5)).await;
    let api = Api::new(&livy);

    let spark = livy.create_idle_session("spark").await;
    assert_eq!(text_plain(&api.run_code(&spark, "1 + 1").await), "res0: Int = 2\n");
    assert_eq!(text_plain(&api.run_code(&spark, "2 * 21").await), "res1: Int = 42\n");
    assert_eq!(
        text_plain(&api.run_code(&spark, "println(\"hello from scala\")").await),
        "hello from scala\n"
    );
    assert_eq!(text_plain(&api.run_code(&spark, "Thread.sleep(30)").await), "");
    let boom = api.run_code(&spark, "throw new RuntimeException(\"boom\")").await;
    assert_eq!(boom["output"], {
        let mut expected = fixture_body("spark-statement-runtime-error")["output"].clone();
        expected["execution_count"] = json!(4);
        expected
    });
    let show = api.run_code(&spark, "spark.range(3).toDF().show()").await;
    assert_eq!(text_plain(&show), "+---+\n| id|\n+---+\n|  0|\n|  1|\n|  2|\n+---+\n\n");
    let unknown = api.run_code(&spark, "foo").await;
    assert_eq!(unknown["output"]["ename"], "Error");
    assert_eq!(unknown["output"]["evalue"], "<console>:24: error: not found: value foo");
    assert_eq!(
        api.run_code(&spark, "def f(x: Int) = {").await["output"]["evalue"],
        "incomplete statement"
    );

    let python = livy.create_idle_session("pyspark").await;
    assert_eq!(
        api.run_code(&python, "1 + 1").await["output"],
        fixture_body_output("pyspark-expression", 0)
    );
    assert_eq!(text_plain(&api.run_code(&python, "print(\"x\")").await), "x");
    let zero = api.run_code(&python, "1/0").await;
    assert_eq!(zero["output"], fixture_body_output("pyspark-error-zerodivision", 2));
    let name = api.run_code(&python, "undefined_name").await;
    assert_eq!(name["output"], fixture_body_output("pyspark-error-name", 3));
    assert_eq!(
        text_plain(&api.run_code(&python, "x = 10\ny = 32\nprint('x is', x)\nx + y").await),
        "x is 10\n42"
    );
    api.run_code(&python, "rows = [{'name': 'ann', 'age': 31, 'score': 1.5}]")
        .await;
    let table = api.run_code(&python, "%table rows").await;
    assert_eq!(table["output"], fixture_body_output("pyspark-table-magic", 6));
    let slept = api.run_code(&python, "import time\ntime.sleep(0.05)\n'ok'").await;
    assert_eq!(text_plain(&slept), "'ok'");

    let sql = livy.create_idle_session("sql").await;
    let lit = api.run_code(&sql, "select 1 as a, 'x' as b").await;
    assert_eq!(
        lit["output"]["data"]["application/json"],
        json!({"schema": {"type": "struct", "fields": [
            {"name": "a", "type": "integer", "nullable": false, "metadata": {}},
            {"name": "b", "type": "string", "nullable": false, "metadata": {}}]},
          "data": [[1, "x"]]})
    );
    let range = api.run_code(&sql, "select id, id * 2 as twice from range(100)").await;
    let result = &range["output"]["data"]["application/json"];
    assert_eq!(result["data"].as_array().unwrap().len(), 5, "row cap");
    assert_eq!(result["data"][3], json!([3, 6]));
    assert_eq!(result["schema"]["fields"][1]["name"], "twice");
    let missing = api.run_code(&sql, "select * from no_such_table").await;
    assert_eq!(
        missing["output"]["evalue"],
        "Table or view not found: no_such_table; line 1 pos 14"
    );

    let r = livy.create_idle_session("sparkr").await;
    assert_eq!(text_plain(&api.run_code(&r, "1 + 1").await), "[1] 2");

    // Scripts and directives work in any kind.
    livy.script("secret()", Reply::json(json!({"k": [1, 2]})));
    let scripted = api.run_code(&r, "secret()").await;
    assert_eq!(scripted["output"]["data"]["application/json"], json!({"k": [1, 2]}));
    let raw = api
        .run_code(
            &r,
            r#"%fake output {"status":"ok","execution_count":99,"data":{"text/html":"<b>x</b>"}}"#,
        )
        .await;
    assert_eq!(raw["output"]["data"]["text/html"], "<b>x</b>");
    assert_eq!(raw["output"]["execution_count"], 2);
    let fixture = api.run_code(&r, "%fake fixture spark-statement-dataframe-show").await;
    assert_eq!(
        fixture["output"]["data"],
        fixture_body("spark-statement-dataframe-show")["output"]["data"]
    );
}

/// The fixture's statement output with `execution_count` set to the id it gets here.
fn fixture_body_output(name: &str, execution_count: u64) -> Value {
    let mut output = fixtures::statement_output(name).unwrap();
    output["execution_count"] = json!(execution_count);
    output
}

#[tokio::test]
async fn csrf_rejects_modifying_requests_without_the_header() {
    let livy = TestLivy::start_with(TestLivyConfig::default().csrf()).await;
    let bare = Api::bare(&livy);
    let api = Api::new(&livy);
    let rejected = bare.post("/sessions", json!({"kind": "spark"})).await;
    assert_eq!(rejected.status, 400);
    assert_eq!(rejected.content_type(), "text/html;charset=iso-8859-1");
    assert_eq!(
        Value::String(rejected.text.clone()),
        fixture_body("csrf-post-without-header")
    );
    assert_eq!(
        bare.get("/sessions").await.json(),
        fixture_body("csrf-get-without-header")
    );
    assert_eq!(api.post("/sessions", json!({"kind": "spark"})).await.status, 201);
    let delete = bare.delete("/sessions/0").await;
    assert_eq!(Value::String(delete.text), fixture_body("csrf-delete-without-header"));

    livy.faults().set_csrf(false);
    assert_eq!(bare.post("/sessions", json!({})).await.status, 201);
    livy.faults().set_csrf(true);
    assert_eq!(bare.post("/sessions", json!({})).await.status, 400);
}

#[tokio::test]
async fn basic_auth_is_enforced_and_sets_the_owner() {
    let livy = TestLivy::start_with(TestLivyConfig::default().basic_auth("alice", "s3cret")).await;
    let api = Api::new(&livy);
    for auth in [None, Some(("alice", "wrong")), Some(("bob", "s3cret"))] {
        let mut req = api.http.get(format!("{}/sessions", api.base));
        if let Some((user, password)) = auth {
            req = req.basic_auth(user, Some(password));
        }
        let resp = api.send(req).await;
        assert_eq!(resp.status, 401, "{auth:?}");
        assert_eq!(resp.header("www-authenticate"), "Basic realm=\"livy\"");
    }
    let ok = api
        .send(
            api.http
                .get(format!("{}/sessions", api.base))
                .basic_auth("alice", Some("s3cret")),
        )
        .await;
    assert_eq!(ok.status, 200);
    let created = api
        .send(
            api.http
                .post(format!("{}/sessions?doAs=carol", api.base))
                .basic_auth("alice", Some("s3cret"))
                .body("{}"),
        )
        .await;
    assert_eq!(created.json()["owner"], "alice");
    assert_eq!(created.json()["proxyUser"], "carol");

    livy.faults().set_basic_auth(None);
    assert_eq!(api.get("/sessions").await.status, 200);
    livy.faults().set_basic_auth(Some(("u", "p")));
    assert_eq!(api.get("/sessions").await.status, 401);
}

#[tokio::test]
async fn batches_run_to_success_or_dead() {
    let livy = TestLivy::start_with(TestLivyConfig::default().batch_ms(200, 600)).await;
    let api = Api::new(&livy);
    let created = api
        .post(
            "/batches",
            json!({"file": "/opt/livyref/batch/hello.jar", "className": "Hello", "args": ["a", "b"], "name": "hello-batch"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.header("location"), "/batches/0");
    assert_eq!(created.json(), fixture_body("batch-create"));

    let failing = api
        .post(
            "/batches",
            json!({"file": "/opt/livyref/batch/hello.jar", "className": "Hello", "args": ["fail"]}),
        )
        .await;
    assert_eq!(failing.json(), fixture_body("batch-create-failing"));
    let python = api
        .post("/batches", json!({"file": "/opt/x/hello.py", "args": ["x"]}))
        .await;
    assert_eq!(python.status, 201);

    let running = api.poll("/batches/0", |b| b["state"] == "running").await;
    let done = api.poll("/batches/hello-batch", |b| b["state"] == "success").await;
    assert_eq!(keys(&done), keys(&fixture_body("batch-get-success")));
    let lines = |b: &Value| b["log"].as_array().unwrap().len();
    assert!(lines(&done) > lines(&running), "the log grows while the batch runs");
    assert!(done["log"].to_string().contains("hello from batch, args=a,b"));
    let log = api.get("/batches/0/log?from=0&size=10").await.json();
    assert_eq!(keys(&log), keys(&fixture_body("batch-log")));
    assert_eq!(log["log"][0], "stdout: ");
    assert_eq!(log["log"].as_array().unwrap().last().unwrap(), "\nstderr: ");
    assert_eq!(
        api.get("/batches/0/state").await.json(),
        fixture_body("batch-state-success")
    );

    let dead = api.wait_state("/batches/1", "dead").await;
    assert_eq!(dead, fixture_body("batch-state-dead"));
    let done = api.poll("/batches/2", |b| b["state"] == "success").await;
    assert!(done["log"].to_string().contains("hello from python batch ['x']"));

    // The real quirk: a rejected create still registers a `starting` zombie.
    let rejected = api.post("/batches", json!({"className": "Hello"})).await;
    assert_eq!(
        (rejected.status, rejected.json()),
        (400, fixture_body("error-batch-missing-file"))
    );
    let zombie = api.get("/batches/3").await.json();
    assert_eq!(zombie, fixture_body("batch-zombie-after-rejected-create"));
    let list = api.get("/batches").await.json();
    assert_eq!(keys(&list), keys(&fixture_body("batches-list")));
    assert_eq!(list["total"], 4);

    let unknown = api.post("/batches", json!({"file": "x", "nope": 1})).await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.json().as_str().unwrap().contains("CreateBatchRequest"));

    assert_eq!(api.delete("/batches/0").await.json(), fixture_body("batch-delete"));
    let again = api.delete("/batches/0").await;
    assert_eq!(
        (again.status, again.json()),
        (404, fixture_body("error-batch-delete-again"))
    );
}

#[tokio::test]
async fn fault_latency_and_status() {
    let livy = TestLivy::start().await;
    let api = Api::new(&livy);
    livy.faults().set_latency_ms(150);
    let start = Instant::now();
    assert_eq!(api.get("/version").await.status, 200);
    assert!(start.elapsed() >= Duration::from_millis(150));
    livy.faults().set_latency_ms(0);

    livy.faults().fail_next(2, 503, json!("Service Unavailable"));
    for _ in 0..2 {
        let resp = api.get("/sessions").await;
        assert_eq!((resp.status, resp.json()), (503, json!("Service Unavailable")));
        assert_eq!(resp.content_type(), JSON_TYPE);
    }
    assert_eq!(api.get("/sessions").await.status, 200);
    assert_eq!(livy.faults().armed(), 0);

    // Only the matching method and path are hit, and the handler does not run.
    livy.faults().fail_next_on(1, "POST", "/sessions", 500, json!("boom"));
    assert_eq!(api.get("/sessions").await.status, 200);
    assert_eq!(api.post("/sessions", json!({})).await.status, 500);
    assert_eq!(api.get("/sessions").await.json()["total"], 0);
    livy.faults()
        .fail_next_html(1, "GET", "/version", 502, "<html>bad gateway</html>");
    let html = api.get("/version").await;
    assert_eq!((html.status, html.text.as_str()), (502, "<html>bad gateway</html>"));
    assert!(html.content_type().starts_with("text/html"));
}

#[tokio::test]
async fn fault_dropped_response_still_runs_the_handler() {
    let livy = TestLivy::start().await;
    let api = Api::new(&livy);
    let sid = livy.create_idle_session("spark").await;
    let base = format!("/sessions/{sid}/statements");
    livy.faults().drop_next_on(1, "POST", &base);
    let result = api
        .http
        .post(format!("{}{base}", api.base))
        .body(json!({"code": "1 + 1"}).to_string())
        .send()
        .await;
    assert!(result.is_err(), "the client must get no answer: {result:?}");
    // …but the statement exists, as after a lost reply from a real server.
    let listed = api.get(&base).await.json();
    assert_eq!(listed["total_statements"], 1);
    assert_eq!(listed["statements"][0]["code"], "1 + 1");
    assert_eq!(livy.requests_to("POST", &base).len(), 1);
}

#[tokio::test]
async fn fault_malformed_json_and_request_recording() {
    let livy = TestLivy::start().await;
    let api = Api::new(&livy);
    livy.faults().malform_next(1);
    let broken = api.post("/sessions", json!({"kind": "spark"})).await;
    assert_eq!(broken.status, 201);
    assert!(serde_json::from_str::<Value>(&broken.text).is_err(), "{}", broken.text);
    assert!(!broken.text.is_empty());
    let fine = api.get("/sessions/0").await;
    assert_eq!(fine.json()["id"], 0);

    api.get("/sessions/0/log?from=3&size=7").await;
    let requests = livy.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].line(), "POST /sessions");
    assert_eq!(requests[0].body_json().unwrap(), json!({"kind": "spark"}));
    assert_eq!(requests[0].header("X-Requested-By"), Some("livy-tui-test"));
    assert_eq!(requests[2].query.as_deref(), Some("from=3&size=7"));
    livy.clear_requests();
    assert!(livy.requests().is_empty());
}

/// A minimal backend, as `livy-tui serve` will plug in: echoes code, fails starts of
/// sessions named `broken`, and runs every batch to success.
struct EchoBackend;

struct Echo;

impl livy_tui::server::Interpreter for Echo {
    fn execute(
        &self,
        req: livy_tui::server::ExecRequest,
        ctx: livy_tui::server::ExecCtx,
    ) -> livy_tui::server::BoxFuture<'_, livy_tui::server::ExecOutcome> {
        Box::pin(async move {
            ctx.set_progress(0.5);
            ctx.log().stderr(format!("echo {}", req.statement_id));
            let mut data = serde_json::Map::new();
            data.insert("text/plain".into(), json!(format!("{}:{}", req.kind, req.code)));
            livy_tui::server::ExecOutcome::Ok(data)
        })
    }
}

impl livy_tui::server::Backend for EchoBackend {
    fn start_session(
        &self,
        spec: livy_tui::server::SessionSpec,
        log: livy_tui::server::LogSink,
    ) -> livy_tui::server::BoxFuture<
        'static,
        Result<std::sync::Arc<dyn livy_tui::server::Interpreter>, livy_tui::server::StartFailure>,
    > {
        Box::pin(async move {
            if spec.request.name.as_deref() == Some("broken") {
                log.stderr("no python here");
                return Err(livy_tui::server::StartFailure {
                    reason: "no python".into(),
                });
            }
            let interpreter: std::sync::Arc<dyn livy_tui::server::Interpreter> = std::sync::Arc::new(Echo);
            Ok(interpreter)
        })
    }

    fn run_batch(
        &self,
        _spec: livy_tui::server::BatchSpec,
        ctx: livy_tui::server::BatchCtx,
    ) -> livy_tui::server::BoxFuture<'static, livy_tui::server::BatchExit> {
        Box::pin(async move {
            ctx.set_running();
            ctx.log().stdout("ran");
            livy_tui::server::BatchExit::Success
        })
    }
}

#[tokio::test]
async fn livy_server_runs_a_custom_backend() {
    use livy_tui::server::{LivyServer, ServerConfig};
    let server = LivyServer::new(ServerConfig::default(), std::sync::Arc::new(EchoBackend));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = {
        let server = server.clone();
        tokio::spawn(async move {
            server
                .serve(listener, async {
                    let _ = stopped.await;
                })
                .await
        })
    };
    let api = Api {
        http: reqwest::Client::new(),
        base,
    };
    let created = api.post("/sessions", json!({"kind": "sql"})).await;
    assert_eq!(created.status, 201);
    api.wait_state("/sessions/0", "idle").await;
    let done = api.run_code("0", "select 1").await;
    assert_eq!(text_plain(&done), "sql:select 1");
    assert!(api.get("/sessions/0/log").await.text.contains("echo 0"));

    api.post("/sessions", json!({"name": "broken"})).await;
    api.wait_state("/sessions/broken", "dead").await;
    assert!(api.get("/sessions/1/log").await.text.contains("no python here"));

    api.post("/batches", json!({"file": "/x.py"})).await;
    api.wait_state("/batches/0", "success").await;
    assert_eq!(server.batch_state(0).map(|s| s.as_str()), Some("success"));

    stop.send(()).unwrap();
    serving.await.unwrap().unwrap();
}

/// Clients check that Livy is up with `GET /`, which redirects to the web UI at `/ui`: a
/// plain page of sessions and batches (names escaped: they are user input) with links to
/// their logs.
#[tokio::test]
async fn the_root_redirects_to_a_web_ui_of_sessions_and_batches() {
    let livy = TestLivy::start_with(TestLivyConfig::default().batch_ms(200, 600)).await;
    let api = Api::new(&livy);
    let hostile = r#"<img src=x onerror="alert(1)"> & 'x'"#;
    let session = livy.create_named_session("spark", Some(hostile));
    let batch = api
        .post(
            "/batches",
            json!({"file": "/opt/x/job.py", "name": "<b>\"nightly\"</b>"}),
        )
        .await;
    assert_eq!(batch.status, 201, "{}", batch.text);
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let root = bare.get(format!("{}/", livy.url())).send().await.unwrap();
    assert_eq!(root.status(), 302);
    assert_eq!(root.headers()["location"], "/ui");
    for path in ["/ui", "/ui/", "/"] {
        let page = api.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        assert!(page.content_type().starts_with("text/html"), "{path}");
        let html = &page.text;
        assert!(
            !html.contains("<img") && !html.contains("<b>") && !html.contains("<script"),
            "{html}"
        );
        assert!(
            html.contains("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;x&#39;"),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;&quot;nightly&quot;&lt;/b&gt;"), "{html}");
        assert!(
            html.contains(&format!("<a href=\"/sessions/{session}/log\">log</a>")),
            "{html}"
        );
        assert!(html.contains("<a href=\"/batches/0/log\">log</a>"), "{html}");
        assert!(
            html.contains("<td>spark</td>") && html.contains("<td>batch</td>"),
            "{html}"
        );
    }
}
