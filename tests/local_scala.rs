//! Scala statements in local mode against REAL Spark (the pyspark `.ci/test` installs, whose
//! jars carry Scala's compiler): one session takes Scala, Python and SQL, Scala's outputs have
//! the shapes of the real Livy captures in `tests/fixtures/livy/`, closures over case classes
//! run in tasks, cancel stops a Spark job and a loop that never waits, and no driver or JVM
//! outlives the server. Without PySpark the test says it skipped.
//!
//! One Spark start for everything: each costs seconds, and CI has two cores.

mod support;

use std::time::{Duration, Instant};

use livy_tui::server::local::{LocalLivy, LocalOptions};
use serde_json::{Value, json};
use support::fixtures;
use support::pyspark::{MARK_VAR, new_mark, quick_jvm_options, real_pyspark_python, wait_until_no_marked_processes};

/// How long a Spark start or one statement may take.
const LIMIT: Duration = Duration::from_secs(150);

/// The REST API of one local server.
struct Api {
    url: String,
    http: reqwest::Client,
}

impl Api {
    fn new(local: &LocalLivy) -> Api {
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Api { url: local.url(), http }
    }

    async fn get(&self, path: &str) -> Value {
        let response = self.http.get(format!("{}{path}", self.url)).send().await.unwrap();
        response.json().await.unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let request = self.http.post(format!("{}{path}", self.url));
        let response = request
            .header("X-Requested-By", "test")
            .json(&body)
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    }

    /// Polls `path` until `key` is `wanted`.
    async fn wait_for(&self, path: &str, key: &str, wanted: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.get(path).await;
            if value[key] == wanted {
                return value;
            }
            assert!(started.elapsed() < LIMIT, "{path} never had {key} {wanted}: {value}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Submits `code` of `kind` to session `id`; the statement's id.
    async fn submit(&self, id: &Value, kind: &str, code: &str) -> Value {
        let body = json!({"code": code, "kind": kind});
        self.post(&format!("/sessions/{id}/statements"), body).await["id"].clone()
    }

    /// Runs `code` of `kind` in session `id`: the statement once it is available.
    async fn run(&self, id: &Value, kind: &str, code: &str) -> Value {
        let sid = self.submit(id, kind, code).await;
        self.wait_for(&format!("/sessions/{id}/statements/{sid}"), "state", "available")
            .await
    }

    /// The output of `code` in Scala, without its `execution_count`.
    async fn scala(&self, id: &Value, code: &str) -> Value {
        let mut output = self.run(id, "spark", code).await["output"].clone();
        output.as_object_mut().unwrap().remove("execution_count");
        output
    }
}

/// A fixture's code and output (without `execution_count`).
fn fixture(name: &str) -> (String, Value) {
    let body = fixtures::response_body(name).unwrap_or_else(|| panic!("fixture {name}"));
    let mut output = body["output"].clone();
    output.as_object_mut().unwrap().remove("execution_count");
    (body["code"].as_str().unwrap().to_string(), output)
}

/// `resN` numbers differ between sessions that ran other statements first.
fn without_res_numbers(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("res") {
        out.push_str(&rest[..at + 3]);
        rest = rest[at + 3..].trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

/// The server with real Spark; processes are marked to find leftovers.
async fn start_server(mark: &str) -> Option<LocalLivy> {
    let python = real_pyspark_python()?;
    let mut options = LocalOptions::new(python);
    options.env = vec![
        (MARK_VAR.into(), mark.into()),
        ("JAVA_TOOL_OPTIONS".into(), quick_jvm_options().into()),
    ];
    options.start_timeout = LIMIT;
    Some(LocalLivy::start(options).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scala_runs_in_a_local_session_as_on_livy() {
    let mark = new_mark();
    let Some(local) = start_server(&mark).await else { return };
    let api = Api::new(&local);
    // A pyspark session: its Scala interpreter is made by the first Scala statement.
    let id = api.post("/sessions", json!({"kind": "pyspark"})).await["id"].clone();
    api.wait_for(&format!("/sessions/{id}"), "state", "idle").await;

    outputs_match_livy(&api, &id).await;
    magics_match_livy(&api, &id).await;
    one_session_shares_tables_between_languages(&api, &id).await;
    closures_over_case_classes_run_in_tasks(&api, &id).await;
    let body = json!({"code": "spark.ran", "kind": "spark", "cursor": 9});
    let candidates = api.post(&format!("/sessions/{id}/completion"), body).await;
    assert!(
        candidates["candidates"].as_array().unwrap().contains(&json!("range")),
        "{candidates}"
    );
    cancel_stops_jobs_and_loops(&api, &id).await;
    a_killed_driver_leaves_no_scala_classes(&api, &id, &mark).await;

    local.stop(Duration::from_secs(10)).await;
    let left = wait_until_no_marked_processes(&mark, Duration::from_secs(10));
    assert!(left.is_empty(), "processes outlived the server: {left:#?}");
}

async fn outputs_match_livy(api: &Api, id: &Value) {
    // The first value is res0, as in a fresh Livy session.
    for name in [
        "spark-statement-1plus1",
        "spark-statement-println",
        "spark-statement-incomplete",
    ] {
        let (code, livy) = fixture(name);
        assert_eq!(api.scala(id, &code).await, livy, "{name}");
    }
    let (code, livy) = fixture("spark-statement-compile-error");
    let ours = api.scala(id, &code).await;
    assert_eq!(ours["ename"], livy["ename"]);
    assert_eq!(ours["traceback"], livy["traceback"], "{ours}");
    let evalue = ours["evalue"].as_str().unwrap();
    assert!(
        evalue.starts_with("<console>:") && evalue.ends_with(": error: type mismatch;"),
        "{ours}"
    );

    let (code, livy) = fixture("spark-statement-runtime-error");
    let ours = api.scala(id, &code).await;
    assert_eq!(
        (&ours["status"], &ours["ename"], &ours["evalue"]),
        (&livy["status"], &livy["ename"], &livy["evalue"])
    );
    let last = ours["traceback"].as_array().unwrap().last().unwrap().as_str().unwrap();
    assert!(last.starts_with("  ... ") && last.ends_with(" elided\n"), "{ours}");

    for name in ["spark-statement-dataframe-show", "spark-statement-unicode-and-value"] {
        let (code, livy) = fixture(name);
        let ours = api.scala(id, &code).await;
        let text = |v: &Value| without_res_numbers(v["data"]["text/plain"].as_str().unwrap());
        assert_eq!(text(&ours), text(&livy), "{name}: {ours}");
    }
    // Scala 2.13's echo in Livy's (2.11/2.12) words
    let (code, _) = fixture("spark-statement-multiline");
    let ours = api.scala(id, &code).await;
    assert_eq!(
        without_res_numbers(ours["data"]["text/plain"].as_str().unwrap()),
        "xs: List[Int] = List(1, 2, 3, 4, 5)\nsq: (i: Int)Int\nres: List[Int] = List(1, 4, 9, 16, 25)\n"
    );
}

async fn magics_match_livy(api: &Api, id: &Value) {
    for name in [
        "spark-table-magic-same-statement",
        "spark-json-magic-same-statement",
        "spark-unknown-magic",
        "spark-table-magic-missing-name",
    ] {
        let (code, livy) = fixture(name);
        assert_eq!(api.scala(id, &code).await, livy, "{name}");
    }
}

async fn one_session_shares_tables_between_languages(api: &Api, id: &Value) {
    let made = api
        .scala(
            id,
            "spark.range(4).selectExpr(\"id * 10 as v\").createOrReplaceTempView(\"from_scala\")",
        )
        .await;
    assert_eq!(made, json!({"status": "ok", "data": {"text/plain": ""}}));
    let python = api.run(id, "pyspark", "spark.table('from_scala').count()").await;
    assert_eq!(python["output"]["data"]["text/plain"], "4", "{python}");
    let sql = api.run(id, "sql", "select sum(v) as s from from_scala").await;
    assert_eq!(
        sql["output"]["data"]["application/json"]["data"],
        json!([[60]]),
        "{sql}"
    );
    // and back: Scala sees what Python made
    api.run(id, "pyspark", "spark.range(2).createOrReplaceTempView('from_python')")
        .await;
    let back = api.scala(id, "spark.table(\"from_python\").count()").await;
    assert_eq!(
        without_res_numbers(back["data"]["text/plain"].as_str().unwrap()),
        "res: Long = 2\n"
    );
}

async fn closures_over_case_classes_run_in_tasks(api: &Api, id: &Value) {
    let code = "case class Person(name: String, age: Int)\n\
                val people = Seq(Person(\"ann\", 31), Person(\"bob\", 42))\n\
                val doubled = sc.parallelize(1 to 10).map(_ * 2).sum\n\
                val ages = sc.parallelize(people).map(_.age + 1).collect().toList\n\
                val older = people.toDS().filter(_.age > 40).map(_.name).collect().toList";
    let text = api.scala(id, code).await["data"]["text/plain"].clone();
    let text = text.as_str().unwrap();
    for line in [
        "defined class Person\n",
        "doubled: Double = 110.0\n",
        "ages: List[Int] = List(32, 43)\n",
        "older: List[String] = List(bob)\n",
    ] {
        assert!(text.contains(line), "{line:?} not in {text}");
    }
}

async fn cancel_stops_jobs_and_loops(api: &Api, id: &Value) {
    // A long Spark job: progress shows, then the cancel ends it through its job group.
    let sid = api
        .submit(
            id,
            "spark",
            "sc.parallelize(1 to 40, 40).map { i => Thread.sleep(1000); i }.sum",
        )
        .await;
    let path = format!("/sessions/{id}/statements/{sid}");
    wait_for_progress(api, &path).await;
    api.post(&format!("{path}/cancel"), json!({})).await;
    let cancelled = api.wait_for(&path, "state", "cancelled").await;
    assert_eq!(cancelled["output"]["status"], "error", "{cancelled}");
    // A loop that never waits ignores interrupts: its thread is stopped.
    let sid = api.submit(id, "spark", "while (true) {}").await;
    let path = format!("/sessions/{id}/statements/{sid}");
    api.wait_for(&path, "state", "running").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    api.post(&format!("{path}/cancel"), json!({})).await;
    api.wait_for(&path, "state", "cancelled").await;
    // Both really stopped: the next statement runs.
    let after = api.scala(id, "6 * 7").await;
    assert_eq!(
        without_res_numbers(after["data"]["text/plain"].as_str().unwrap()),
        "res: Int = 42\n"
    );
}

/// The driver keeps Scala's classes in the temp directory; killed (it cannot clean up), the
/// server removes them.
async fn a_killed_driver_leaves_no_scala_classes(api: &Api, id: &Value, mark: &str) {
    let driver = support::pyspark::marked_processes(mark)
        .into_iter()
        .find(|(_, cmdline)| cmdline.contains("local_driver") && !cmdline.contains("--check"))
        .expect("the session's driver runs");
    let classes = || -> Vec<std::path::PathBuf> {
        let prefix = format!("livy-tui-repl-{}-", driver.0);
        std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
            .map(|e| e.path())
            .collect()
    };
    assert_eq!(classes().len(), 1, "Scala ran, so its classes are there");
    assert!(
        std::process::Command::new("kill")
            .args(["-9", &driver.0.to_string()])
            .status()
            .unwrap()
            .success()
    );
    api.wait_for(&format!("/sessions/{id}"), "state", "dead").await;
    let started = Instant::now();
    while !classes().is_empty() && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(classes().is_empty(), "{:?}", classes());
}

/// Waits until the statement at `path` shows progress above 0.
async fn wait_for_progress(api: &Api, path: &str) {
    let started = Instant::now();
    loop {
        let statement = api.get(path).await;
        if statement["progress"].as_f64().unwrap_or(0.0) > 0.0 {
            return;
        }
        assert!(started.elapsed() < LIMIT, "no progress: {statement}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
