//! `livy-tui serve`'s backend over real HTTP: each session is the real driver program
//! (`assets/local_driver.py`) in a real Python process, with the scripted stand-in for
//! pyspark (`tests/support/fake_pyspark`) so no Spark or Java is needed. Shapes are checked
//! against the real Livy captures in `tests/fixtures/livy/`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use livy_tui::server::local::{LocalLivy, LocalOptions};
use serde_json::{Value, json};

const DEADLINE: Duration = Duration::from_secs(20);

fn python() -> PathBuf {
    std::env::var_os("LIVY_TUI_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("python3"))
}

fn stand_in(dir: &str) -> Vec<(OsString, OsString)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(dir);
    vec![("PYTHONPATH".into(), path.into())]
}

fn options(dir: &str) -> LocalOptions {
    let mut options = LocalOptions::new(python());
    options.env = stand_in(dir);
    options.start_timeout = Duration::from_secs(30);
    options.stop_timeout = Duration::from_secs(5);
    options
}

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/livy/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    fn new(local: &LocalLivy) -> Api {
        Api {
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            base: local.url(),
        }
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("X-Requested-By", "test");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.send(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn create(&self, body: Value) -> u64 {
        let (status, session) = self.post("/sessions", body).await;
        assert_eq!(status, 201, "{session}");
        session["id"].as_u64().unwrap()
    }

    async fn wait_state(&self, id: u64, wanted: &[&str]) -> Value {
        let start = Instant::now();
        loop {
            let session = self.get(&format!("/sessions/{id}")).await;
            if wanted.contains(&session["state"].as_str().unwrap_or("")) {
                return session;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "session {id} never became {wanted:?}: {session}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn submit(&self, id: u64, body: Value) -> u64 {
        let (status, statement) = self.post(&format!("/sessions/{id}/statements"), body).await;
        assert_eq!(status, 201, "{statement}");
        statement["id"].as_u64().unwrap()
    }

    async fn wait_statement(&self, id: u64, sid: u64) -> Value {
        let start = Instant::now();
        loop {
            let statement = self.get(&format!("/sessions/{id}/statements/{sid}")).await;
            if matches!(statement["state"].as_str(), Some("available" | "cancelled" | "error")) {
                return statement;
            }
            assert!(start.elapsed() < DEADLINE, "statement {sid} never ended: {statement}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn run(&self, id: u64, code: &str) -> Value {
        let sid = self.submit(id, json!({ "code": code })).await;
        self.wait_statement(id, sid).await["output"].clone()
    }

    async fn log(&self, id: u64) -> Vec<String> {
        let log = self.get(&format!("/sessions/{id}/log?from=0&size=10000")).await;
        log["log"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect()
    }
}

async fn idle_session(api: &Api, kind: &str) -> u64 {
    let id = api.create(json!({ "kind": kind })).await;
    api.wait_state(id, &["idle"]).await;
    id
}

fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

async fn wait_gone(pid: i32) {
    let start = Instant::now();
    while alive(pid) && !zombie(pid) {
        assert!(start.elapsed() < DEADLINE, "process {pid} is still running");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'))
        .unwrap_or(true)
}

async fn driver_pid(api: &Api, id: u64) -> i32 {
    let output = api.run(id, "import os\nos.getpid()").await;
    output["data"]["text/plain"].as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pyspark_session_starts_runs_and_answers_in_livys_shapes() {
    let local = LocalLivy::start(options("fake_pyspark")).await.unwrap();
    let api = Api::new(&local);
    let id = api
        .create(json!({"kind": "pyspark", "name": "etl", "driverMemory": "2g"}))
        .await;
    assert_eq!(api.get(&format!("/sessions/{id}/state")).await["state"], "starting");
    let session = api.wait_state(id, &["idle"]).await;
    assert!(
        session["appId"].as_str().unwrap().starts_with("local-fake-"),
        "{session}"
    );
    assert_eq!(session["name"], "etl");
    assert_eq!(session["kind"], "pyspark");

    for name in [
        "pyspark-expression",
        "pyspark-multiline",
        "pyspark-print",
        "pyspark-empty-code",
    ] {
        let fixture = fixture(name);
        let output = api.run(id, fixture["code"].as_str().unwrap()).await;
        assert_eq!(output["status"], "ok", "{name}: {output}");
        assert_eq!(output["data"], fixture["livy_statement_output"]["data"], "{name}");
    }
    let error = fixture("pyspark-error-name");
    let output = api.run(id, error["code"].as_str().unwrap()).await;
    let expected = &error["livy_statement_output"];
    for key in ["status", "ename", "evalue", "traceback"] {
        assert_eq!(output[key], expected[key], "{key}: {output}");
    }
    // One namespace for the whole session; the create body reached Spark.
    api.run(id, "x = 41").await;
    assert_eq!(api.run(id, "x + 1").await["data"]["text/plain"], "42");
    let memory = api.run(id, "spark.conf.get('spark.driver.memory')").await;
    assert_eq!(memory["data"]["text/plain"], "'2g'");
    // The statement list counts executions like Livy.
    let list = api.get(&format!("/sessions/{id}/statements")).await;
    assert_eq!(list["total_statements"], 8);
    assert_eq!(list["statements"][0]["output"]["execution_count"], 0);
    local.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_runs_in_sql_sessions_and_per_statement_in_others() {
    let local = LocalLivy::start(options("fake_pyspark")).await.unwrap();
    let api = Api::new(&local);
    let sql = idle_session(&api, "sql").await;
    let output = api.run(sql, "select id, id*2 as twice from range(5)").await;
    let result = &output["data"]["application/json"];
    assert_eq!(result["schema"]["type"], "struct");
    let names: Vec<&str> = result["schema"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["id", "twice"]);
    assert_eq!(result["data"], json!([[0, 0], [1, 2], [2, 4], [3, 6], [4, 8]]));
    // The same keys, in the same order, as a real Livy SQL result.
    let real = fixture("sql-session-statement");
    let real_output = &real["response"]["body"]["output"];
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(result), keys(&real_output["data"]["application/json"]));
    assert_eq!(
        keys(&result["schema"]["fields"][0]),
        keys(&real_output["data"]["application/json"]["schema"]["fields"][0])
    );
    let error = api.run(sql, "select * from no_such_table").await;
    assert_eq!(error["status"], "error");
    assert_eq!(error["ename"], "Error");
    assert!(error["evalue"].as_str().unwrap().contains("no_such_table"), "{error}");

    // A shared session mixes kinds per statement; R answers with a clear error, and so does
    // Scala where there is no JVM (this stand-in pyspark has none).
    let shared = idle_session(&api, "shared").await;
    let sid = api
        .submit(shared, json!({"code": "select id from range(2)", "kind": "sql"}))
        .await;
    let output = api.wait_statement(shared, sid).await["output"].clone();
    assert_eq!(output["data"]["application/json"]["data"], json!([[0], [1]]));
    let sid = api.submit(shared, json!({"code": "1 + 1", "kind": "pyspark"})).await;
    assert_eq!(
        api.wait_statement(shared, sid).await["output"]["data"]["text/plain"],
        "2"
    );
    for (kind, says) in [
        ("sparkr", "not available in local mode"),
        ("spark", "Scala needs the JVM of a real pyspark"),
    ] {
        let sid = api.submit(shared, json!({"code": "1 + 1", "kind": kind})).await;
        let output = api.wait_statement(shared, sid).await["output"].clone();
        assert_eq!(output["status"], "error", "{output}");
        assert!(output["evalue"].as_str().unwrap().contains(says), "{output}");
    }
    local.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sql_row_limit_cuts_and_says_so() {
    let mut opts = options("fake_pyspark");
    opts.sql_rows = 3;
    let local = LocalLivy::start(opts).await.unwrap();
    let api = Api::new(&local);
    let sql = idle_session(&api, "sql").await;
    let cut = api.run(sql, "select id from range(10)").await;
    assert_eq!(cut["data"]["application/json"]["data"], json!([[0], [1], [2]]));
    let note = cut["data"]["text/plain"].as_str().unwrap_or_default();
    assert!(note.contains("first 3 rows"), "{cut}");
    let whole = api.run(sql, "select id from range(3)").await;
    assert_eq!(whole["data"]["application/json"]["data"], json!([[0], [1], [2]]));
    assert!(whole["data"].get("text/plain").is_none(), "{whole}");
    local.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kinds_and_batch_files_local_mode_cannot_run_are_refused_clearly() {
    let local = LocalLivy::start(options("fake_pyspark")).await.unwrap();
    let api = Api::new(&local);
    let (status, body) = api.post("/sessions", json!({ "kind": "sparkr" })).await;
    assert_eq!(status, 400, "{body}");
    let message = body["msg"].as_str().unwrap();
    assert!(message.contains("not available in local mode"), "{message}");
    for (file, needle) in [
        ("/nonexistent/job.py", "/nonexistent/job.py does not exist"),
        ("hdfs:///jobs/job.py", "hdfs:///jobs/job.py is not on this machine"),
        (env!("CARGO_MANIFEST_DIR"), "is not a .py or .jar file"),
    ] {
        let (status, body) = api.post("/batches", json!({ "file": file })).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["msg"].as_str().unwrap().contains(needle), "{body}");
    }
    // Refusals leave nothing behind, and unknown ids answer like Livy.
    assert_eq!(api.get("/sessions").await["total"], 0);
    assert_eq!(api.get("/batches").await["total"], 0);
    let (status, body) = api.send(reqwest::Method::GET, "/sessions/99", None).await;
    assert_eq!(status, 404);
    assert_eq!(body, fixture("error-session-not-found")["response"]["body"]);
    local.stop(Duration::from_secs(5)).await;
}

/// A batch whose pyspark has no spark-submit (the stand-in has none) ends `dead`, with why
/// in its log; the real runs are `local_batch.rs`'s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_without_spark_submit_is_dead_with_the_reason_in_its_log() {
    let local = LocalLivy::start(options("fake_pyspark")).await.unwrap();
    let api = Api::new(&local);
    let job = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/fake_pyspark/pyspark/conf.py");
    let (status, batch) = api.post("/batches", json!({ "file": job })).await;
    assert_eq!(status, 201, "{batch}");
    let start = Instant::now();
    let batch = loop {
        let batch = api.get("/batches/0").await;
        if batch["state"] == "dead" {
            break batch;
        }
        assert!(start.elapsed() < DEADLINE, "{batch}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let log = api.get("/batches/0/log").await["log"].clone();
    let reason = log[1].as_str().unwrap();
    assert!(
        reason.starts_with("livy-tui: ") && reason.contains("bin/spark-submit does not exist"),
        "{log}"
    );
    assert_eq!(batch["appId"], Value::Null);
    local.stop(Duration::from_secs(5)).await;
}

/// `GET /` redirects to `/ui`, as Livy does, and `/ui` answers with the sessions and batches
/// in plain HTML, every name escaped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_ui_lists_sessions_and_batches_escaped() {
    let local = LocalLivy::start(options("fake_pyspark")).await.unwrap();
    let api = Api::new(&local);
    let hostile = r#"<script>alert('x')</script> "quoted""#;
    let id = api.create(json!({ "kind": "pyspark", "name": hostile })).await;
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .unwrap();
    for path in ["/", "/ui", "/ui/"] {
        let response = http.get(format!("{}{path}", local.url())).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.url().path().trim_end_matches('/'), "/ui", "{path}");
        let page = response.text().await.unwrap();
        assert!(!page.contains("<script"), "{page}");
        assert!(
            page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;quoted&quot;"),
            "{page}"
        );
        assert!(page.contains(&format!("<a href=\"/sessions/{id}/log\">")), "{page}");
        assert!(page.contains("<p>No batches.</p>"), "{page}");
    }
    local.stop(Duration::from_secs(5)).await;
}

/// Livy reports the session `busy` while a statement waits or runs and `idle` once none
/// does; the notebook's status bar shows exactly that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_is_busy_while_statements_wait_or_run() {
    let local = LocalLivy::start(options("fake_pyspark")).await.unwrap();
    let api = Api::new(&local);
    let id = idle_session(&api, "pyspark").await;
    let states = || async {
        let session = api.get(&format!("/sessions/{id}")).await["state"].clone();
        let state = api.get(&format!("/sessions/{id}/state")).await["state"].clone();
        (session, state)
    };
    let busy = (json!("busy"), json!("busy"));
    // The statement runs until the test lets it go, so no state is read by luck of timing.
    let dir = tempfile::tempdir().unwrap();
    let go = dir.path().join("go");
    let code = format!(
        "import os, time\nwhile not os.path.exists({:?}): time.sleep(0.02)",
        go.display().to_string()
    );
    let first = api.submit(id, json!({ "code": code })).await;
    assert_eq!(states().await, busy, "right after the submit");
    let second = api.submit(id, json!({"code": "1 + 1"})).await;
    let start = Instant::now();
    while api.get(&format!("/sessions/{id}/statements/{first}")).await["state"] != "running" {
        assert!(start.elapsed() < DEADLINE, "statement {first} never ran");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(states().await, busy, "while the first runs and the second waits");
    std::fs::write(&go, "").unwrap();
    assert_eq!(
        api.wait_statement(id, second).await["output"]["data"]["text/plain"],
        "2"
    );
    assert_eq!(states().await, (json!("idle"), json!("idle")), "after both ended");
    local.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_interrupts_python_and_spark_jobs_and_the_session_goes_on() {
    let local = LocalLivy::start(options("fake_pyspark")).await.unwrap();
    let api = Api::new(&local);
    let id = idle_session(&api, "pyspark").await;
    for code in ["import time; time.sleep(60)", "sc._fake_job(tasks=4, seconds=60)"] {
        let sid = api.submit(id, json!({ "code": code })).await;
        let start = Instant::now();
        while api.get(&format!("/sessions/{id}/statements/{sid}")).await["state"] != "running" {
            assert!(start.elapsed() < DEADLINE);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (status, body) = api
            .post(&format!("/sessions/{id}/statements/{sid}/cancel"), json!({}))
            .await;
        assert_eq!((status, body), (200, json!({"msg": "canceled"})));
        let cancelled = Instant::now();
        let statement = api.wait_statement(id, sid).await;
        assert_eq!(statement["state"], "cancelled", "{statement}");
        assert!(
            cancelled.elapsed() < Duration::from_secs(5),
            "{code}: took {:?}",
            cancelled.elapsed()
        );
        api.wait_state(id, &["idle"]).await;
    }
    assert_eq!(api.run(id, "2 + 2").await["data"]["text/plain"], "4");
    local.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_comes_from_the_status_tracker() {
    let local = LocalLivy::start(options("fake_pyspark")).await.unwrap();
    let api = Api::new(&local);
    let id = idle_session(&api, "pyspark").await;
    let sid = api
        .submit(id, json!({"code": "sc._fake_job(tasks=4, seconds=2.0)"}))
        .await;
    let mut seen = Vec::new();
    loop {
        let statement = api.get(&format!("/sessions/{id}/statements/{sid}")).await;
        seen.push(statement["progress"].as_f64().unwrap());
        if statement["state"] == "available" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let midway: Vec<f64> = seen.iter().copied().filter(|p| *p > 0.0 && *p < 1.0).collect();
    assert!(!midway.is_empty(), "no progress between 0 and 1: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "progress went back: {seen:?}");
    assert_eq!(*seen.last().unwrap(), 1.0);
    local.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_holds_the_drivers_stderr_with_livys_paging() {
    let local = LocalLivy::start(options("fake_pyspark")).await.unwrap();
    let api = Api::new(&local);
    let id = idle_session(&api, "pyspark").await;
    api.run(
        id,
        "import os\nfor i in range(30):\n    os.write(2, b'driver line %d\\n' % i)",
    )
    .await;
    let start = Instant::now();
    while !api.log(id).await.iter().any(|l| l == "driver line 29") {
        assert!(start.elapsed() < DEADLINE, "{:?}", api.log(id).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let all = api.log(id).await;
    assert!(all.iter().any(|l| l.contains("ready")), "{all:?}");
    let page = api.get(&format!("/sessions/{id}/log?from=2&size=3")).await;
    assert_eq!(page["from"], 2);
    assert_eq!(page["total"], all.len());
    assert_eq!(page["log"].as_array().unwrap().len(), 3);
    assert_eq!(page["log"][0], json!(all[2]));
    local.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_driver_makes_the_session_dead_with_its_last_lines() {
    let local = LocalLivy::start(options("fake_pyspark")).await.unwrap();
    let api = Api::new(&local);
    // Dies while running a statement.
    let running = idle_session(&api, "pyspark").await;
    api.submit(
        running,
        json!({"code": "import os, sys\nos.write(2, b'about to crash\\n')\nos._exit(7)"}),
    )
    .await;
    api.wait_state(running, &["dead"]).await;
    let log = api.log(running).await;
    assert!(
        log.iter()
            .any(|l| l.contains("exited with code 7") && l.contains("about to crash")),
        "{log:?}"
    );
    // Dies while idle.
    let idle = idle_session(&api, "pyspark").await;
    api.run(
        idle,
        "import os, threading, time\nthreading.Thread(target=lambda: (time.sleep(0.3), os._exit(9))).start()",
    )
    .await;
    api.wait_state(idle, &["dead"]).await;
    assert!(api.log(idle).await.iter().any(|l| l.contains("exited with code 9")));
    let (status, body) = api
        .post(&format!("/sessions/{idle}/statements"), json!({"code": "1"}))
        .await;
    let real = fixture("error-statement-post-dead-session");
    assert_eq!((status, body), (500, real["response"]["body"].clone()));
    local.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_pyspark_kills_the_session_with_the_reason_in_its_log() {
    let local = LocalLivy::start(options("no_pyspark")).await.unwrap();
    let api = Api::new(&local);
    let id = api.create(json!({"kind": "pyspark"})).await;
    api.wait_state(id, &["dead"]).await;
    let log = api.log(id).await;
    assert!(
        log.iter()
            .any(|l| l.contains("pyspark cannot be imported") && l.contains("-m pip install pyspark")),
        "{log:?}"
    );
    local.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_session_or_stopping_the_server_leaves_no_process() {
    let local = LocalLivy::start(options("fake_pyspark")).await.unwrap();
    let api = Api::new(&local);
    let first = idle_session(&api, "pyspark").await;
    let second = idle_session(&api, "pyspark").await;
    let busy = idle_session(&api, "pyspark").await;
    let (first_pid, second_pid, busy_pid) = (
        driver_pid(&api, first).await,
        driver_pid(&api, second).await,
        driver_pid(&api, busy).await,
    );
    // A child of the driver stands in for the JVM: it shares the driver's process group.
    let child = api
        .run(
            second,
            "import subprocess\np = subprocess.Popen(['sleep', '300'])\np.pid",
        )
        .await;
    let child_pid: i32 = child["data"]["text/plain"].as_str().unwrap().parse().unwrap();
    api.submit(busy, json!({"code": "import time; time.sleep(60)"})).await;

    let (status, _) = api
        .send(reqwest::Method::DELETE, &format!("/sessions/{first}"), None)
        .await;
    assert_eq!(status, 200);
    wait_gone(first_pid).await;
    assert!(alive(second_pid));

    let stopped = Instant::now();
    local.stop(Duration::from_secs(5)).await;
    for pid in [second_pid, child_pid, busy_pid] {
        wait_gone(pid).await;
    }
    assert!(stopped.elapsed() < Duration::from_secs(8), "{:?}", stopped.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_server_without_stopping_still_kills_the_drivers() {
    let local = LocalLivy::start(options("fake_pyspark")).await.unwrap();
    let api = Api::new(&local);
    let id = idle_session(&api, "pyspark").await;
    let pid = driver_pid(&api, id).await;
    drop(local);
    wait_gone(pid).await;
}
