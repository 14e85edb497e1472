//! Local batches against REAL PySpark (Java and the pyspark that `.ci/test` installs into
//! `target/pyspark-venv`): `POST /batches` on the local server runs the file through
//! pyspark's `spark-submit` with Livy's states, log and `appId`, and deleting a batch leaves
//! no JVM or Python behind. Without PySpark each test says it skipped.

mod support;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use livy_tui::server::local::{LocalLivy, LocalOptions};
use serde_json::{Value, json};
use support::pyspark::{
    MARK_VAR, marked_processes, new_mark, quick_jvm_options, real_pyspark_python, wait_until_no_marked_processes,
};

/// How long one batch may take (a Spark start is ~10 s alone, more with others beside it).
const RUN_LIMIT: Duration = Duration::from_secs(150);

/// A local server whose processes carry `mark`.
async fn server(python: &Path, mark: &str) -> LocalLivy {
    let mut options = LocalOptions::new(python.to_path_buf());
    options.env = vec![
        (OsString::from(MARK_VAR), OsString::from(mark)),
        ("JAVA_TOOL_OPTIONS".into(), quick_jvm_options().into()),
    ];
    LocalLivy::start(options).await.unwrap()
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

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, String) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("X-Requested-By", "test");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn get(&self, path: &str) -> Value {
        let (status, text) = self.send(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    async fn submit(&self, body: Value) -> u64 {
        let (status, text) = self.send(reqwest::Method::POST, "/batches", Some(body)).await;
        assert_eq!(status, 201, "{text}");
        serde_json::from_str::<Value>(&text).unwrap()["id"].as_u64().unwrap()
    }

    /// Polls until the batch is finished; every state seen on the way, and the last object.
    async fn wait_finished(&self, id: u64) -> (Vec<String>, Value) {
        let started = Instant::now();
        let mut seen: Vec<String> = Vec::new();
        loop {
            let batch = self.get(&format!("/batches/{id}")).await;
            let state = batch["state"].as_str().unwrap().to_string();
            if seen.last() != Some(&state) {
                seen.push(state.clone());
            }
            if ["success", "dead", "killed", "error"].contains(&state.as_str()) {
                return (seen, batch);
            }
            assert!(started.elapsed() < RUN_LIMIT, "batch {id} did not finish: {batch}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The whole log, as `GET /batches/{id}/log` pages it.
    async fn log(&self, id: u64) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let page = self
                .get(&format!("/batches/{id}/log?from={}&size=50", lines.len()))
                .await;
            let got: Vec<String> = serde_json::from_value(page["log"].clone()).unwrap();
            if got.is_empty() {
                assert_eq!(page["total"].as_u64().unwrap() as usize, lines.len());
                return lines;
            }
            lines.extend(got);
        }
    }
}

fn script(dir: &Path, name: &str, code: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, code).unwrap();
    path
}

fn assert_nothing_left(mark: &str) {
    let left = wait_until_no_marked_processes(mark, Duration::from_secs(15));
    assert!(left.is_empty(), "processes outlived the batch: {left:#?}");
}

const SUCCEEDS: &str = r#"
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
print("ARGS", sys.argv[1:])
print("CONF", spark.conf.get("spark.livytui.test"))
print("NAME", spark.sparkContext.appName)
print("COUNT", spark.range(10).count())
spark.stop()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_batch_runs_to_success_with_its_output_and_app_id() {
    let Some(python) = real_pyspark_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = script(dir.path(), "count.py", SUCCEEDS);
    let mark = new_mark();
    let local = server(&python, &mark).await;
    let api = Api::new(&local);
    let submitted = Instant::now();
    let id = api
        .submit(json!({
            "file": file.display().to_string(), "name": "count <it>",
            "args": ["--day", "two words"], "conf": {"spark.livytui.test": "yes"}
        }))
        .await;
    let (seen, batch) = api.wait_finished(id).await;
    eprintln!(
        "a trivial local batch: submit to success in {:.1?}",
        submitted.elapsed()
    );
    assert_eq!(seen.last().map(String::as_str), Some("success"), "{seen:?} {batch}");
    assert!(seen.iter().any(|s| s == "running"), "{seen:?}");
    let log = api.log(id).await;
    for wanted in ["ARGS ['--day', 'two words']", "CONF yes", "NAME count <it>", "COUNT 10"] {
        assert!(log.iter().any(|l| l == wanted), "{wanted:?} in {log:#?}");
    }
    assert_eq!(
        log[0], "stdout: ",
        "spark-submit's output is the stdout part, as on Livy"
    );
    let app_id = batch["appId"].as_str().unwrap_or_else(|| panic!("an appId: {batch}"));
    assert!(app_id.starts_with("local-"), "{app_id}");
    assert!(
        batch["appInfo"]["sparkUiUrl"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"),
        "{batch}"
    );
    let (status, page) = api.send(reqwest::Method::GET, "/ui", None).await;
    assert_eq!(status, 200);
    assert!(page.contains(app_id) && page.contains("count &lt;it&gt;"), "{page}");
    local.stop(Duration::from_secs(10)).await;
    assert_nothing_left(&mark);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_that_raises_makes_the_batch_dead_with_its_traceback() {
    let Some(python) = real_pyspark_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = script(
        dir.path(),
        "fails.py",
        "print('before')\nraise ValueError('boom in the batch')\n",
    );
    let mark = new_mark();
    let local = server(&python, &mark).await;
    let api = Api::new(&local);
    let id = api.submit(json!({ "file": file.display().to_string() })).await;
    let (seen, batch) = api.wait_finished(id).await;
    assert_eq!(seen.last().map(String::as_str), Some("dead"), "{seen:?} {batch}");
    let log = api.log(id).await;
    let traceback = log
        .iter()
        .position(|l| l.starts_with("Traceback (most recent call last)"));
    let error = log.iter().position(|l| l == "ValueError: boom in the batch");
    assert!(matches!((traceback, error), (Some(t), Some(e)) if t < e), "{log:#?}");
    // The stdout part ends with how spark-submit ended; the stderr part is empty.
    assert_eq!(
        log[log.len() - 2..],
        ["livy-tui: spark-submit exited with code 1", "\nstderr: "]
    );
    local.stop(Duration::from_secs(10)).await;
    assert_nothing_left(&mark);
}

/// A job whose Python tasks sleep: the JVM, the application's Python and pyspark's
/// workers all run when the batch is deleted.
const RUNS_LONG: &str = r#"
import time
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
def slow(x):
    time.sleep(600)
    return x
print("JOB STARTS", flush=True)
spark.sparkContext.parallelize(range(2), 2).map(slow).count()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_running_batch_kills_every_process_of_it() {
    let Some(python) = real_pyspark_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = script(dir.path(), "slow.py", RUNS_LONG);
    let mark = new_mark();
    let local = server(&python, &mark).await;
    let api = Api::new(&local);
    let id = api.submit(json!({ "file": file.display().to_string() })).await;
    let started = Instant::now();
    loop {
        let log = api.log(id).await;
        // A task running means Python workers are up beside the JVM.
        if log.iter().any(|l| l.contains("Running task 0.0 in stage 0.0")) {
            break;
        }
        let state = api.get(&format!("/batches/{id}/state")).await;
        assert!(
            ["starting", "running"].contains(&state["state"].as_str().unwrap()),
            "{state} {log:#?}"
        );
        assert!(started.elapsed() < RUN_LIMIT, "{log:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let running = marked_processes(&mark);
    let runs = |what: &str| running.iter().any(|(_, cmdline)| cmdline.contains(what));
    assert!(
        runs("java") && runs("slow.py") && runs("pyspark.daemon"),
        "{running:#?}"
    );
    let (status, body) = api.send(reqwest::Method::DELETE, &format!("/batches/{id}"), None).await;
    assert_eq!((status, body.as_str()), (200, r#"{"msg":"deleted"}"#));
    assert_nothing_left(&mark);
    let (status, _) = api.send(reqwest::Method::GET, &format!("/batches/{id}"), None).await;
    assert_eq!(status, 404, "a deleted batch is gone, as on Livy");
    local.stop(Duration::from_secs(10)).await;
}

/// A jar with a plain `main` (no SparkContext: a JVM start only), built with the JDK's
/// javac and jar when they are there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jar_batch_runs_its_class_with_its_arguments() {
    let Some(python) = real_pyspark_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let Some(jar) = hello_jar(dir.path()) else {
        // .ci/test installs a JDK: there, a missing javac is a failure, not a skip.
        assert!(
            std::env::var_os("LIVY_TUI_REQUIRE_PYSPARK").is_none(),
            "no javac and jar to build the test jar (install a JDK: openjdk-17-jdk-headless)"
        );
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "skipped: no javac and jar to build a test jar");
        return;
    };
    let mark = new_mark();
    let local = server(&python, &mark).await;
    let api = Api::new(&local);
    let id = api
        .submit(json!({
            "file": format!("file://{}", jar.display()), "className": "demo.Hello", "args": ["a b", "c"]
        }))
        .await;
    let (seen, batch) = api.wait_finished(id).await;
    assert_eq!(seen.last().map(String::as_str), Some("success"), "{seen:?} {batch}");
    let log = api.log(id).await;
    assert!(log.iter().any(|l| l == "hello [a b|c]"), "{log:#?}");
    local.stop(Duration::from_secs(10)).await;
    assert_nothing_left(&mark);
}

/// `demo.Hello` in a jar, or `None` without a JDK.
fn hello_jar(dir: &Path) -> Option<PathBuf> {
    let source = dir.join("demo").join("Hello.java");
    std::fs::create_dir_all(source.parent().unwrap()).unwrap();
    std::fs::write(
        &source,
        "package demo;\npublic class Hello {\n  public static void main(String[] args) {\n    System.out.println(\"hello [\" + String.join(\"|\", args) + \"]\");\n  }\n}\n",
    )
    .unwrap();
    let ran = |program: &str, args: &[&str]| {
        std::process::Command::new(program)
            .args(args)
            .current_dir(dir)
            .status()
            .is_ok_and(|s| s.success())
    };
    let built = ran("javac", &["demo/Hello.java"]) && ran("jar", &["cf", "hello.jar", "demo/Hello.class"]);
    built.then(|| dir.join("hello.jar"))
}

/// `livy-tui serve` killed with SIGKILL cannot stop its sessions and batches: a session's
/// driver sees its pipe close and stops Spark; a batch's supervisor sees its pipe close and
/// ends the batch's process group. No JVM or Python runs on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_does_not_outlive_a_killed_server() {
    let Some(python) = real_pyspark_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = script(
        dir.path(),
        "slow.py",
        "import time\nprint('SLOW STARTS', flush=True)\ntime.sleep(600)\n",
    );
    let mark = new_mark();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut serve = std::process::Command::new(env!("CARGO_BIN_EXE_livy-tui"))
        .args(["serve", "--port", &port.to_string(), "--python"])
        .arg(&python)
        .env(MARK_VAR, &mark)
        .env("JAVA_TOOL_OPTIONS", quick_jvm_options())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let started = Instant::now();
    let submitted = loop {
        let sent = http
            .post(format!("{base}/batches"))
            .header("X-Requested-By", "test")
            .json(&json!({ "file": file.display().to_string() }))
            .send()
            .await;
        if let Ok(reply) = sent {
            break reply.json::<Value>().await.unwrap();
        }
        assert!(started.elapsed() < Duration::from_secs(30), "serve never listened");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let id = submitted["id"].as_u64().expect("a batch id");
    let session: Value = http
        .post(format!("{base}/sessions"))
        .header("X-Requested-By", "test")
        .json(&json!({"kind": "pyspark"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let state_path = format!("{base}/sessions/{}/state", session["id"]);
    loop {
        let state: Value = http.get(&state_path).send().await.unwrap().json().await.unwrap();
        if state["state"] == "idle" {
            break;
        }
        assert!(started.elapsed() < RUN_LIMIT, "the session never started: {state}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    while !marked_processes(&mark)
        .iter()
        .any(|(_, cmdline)| cmdline.contains("slow.py"))
    {
        assert!(
            started.elapsed() < RUN_LIMIT,
            "the batch never ran: {:#?}",
            marked_processes(&mark)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let log: Value = http
        .get(format!("{base}/batches/{id}/log"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(log["log"].to_string().contains("spark-submit"), "{log}");
    serve.kill().unwrap(); // SIGKILL
    serve.wait().unwrap();
    let left = wait_until_no_marked_processes(&mark, Duration::from_secs(20));
    assert!(left.is_empty(), "processes outlived the killed server: {left:#?}");
}
