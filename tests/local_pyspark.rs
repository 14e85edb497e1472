//! Local mode against REAL PySpark (Java and the pyspark that `.ci/test` installs into
//! `target/pyspark-venv`): `exec --local` and `run --local` through the real binary give what a
//! real Livy gives (compared with the captures in `tests/fixtures/livy/`), and no Python
//! driver or JVM outlives the command. Without PySpark each test says it skipped.

mod cli;
mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use support::fixtures;
use support::pyspark::{
    MARK_VAR, marked_processes, new_mark, quick_jvm_options, real_pyspark_python, wait_until_no_marked_processes,
};

/// A URL nothing listens on: local mode must never use it.
const UNUSED_URL: &str = "http://127.0.0.1:9";

/// How long one command may take (a Spark start is ~10 s alone, more with others beside it).
const RUN_LIMIT: Duration = Duration::from_secs(150);

/// What the processes of one run looked like while it ran.
#[derive(Debug, Default)]
struct Seen {
    /// A Python process running the driver program (not its `--check`).
    driver: bool,
    /// A JVM.
    java: bool,
}

/// Runs `livy-tui ARGS` with `python` for local sessions, in a scratch directory, with a
/// clean environment. While it runs, its processes are found by a mark in their environment;
/// once it exited, none of them may be left (zombies aside).
fn run_local(python: &Path, args: &[&str]) -> (cli::Run, Seen) {
    let dir = tempfile::tempdir().unwrap();
    let mark = new_mark();
    let mut cmd = cli::command(UNUSED_URL);
    // Nothing from the developer's shell may steer which Spark or Python runs.
    for var in [
        "PYTHONPATH",
        "PYTHONHOME",
        "SPARK_HOME",
        "PYSPARK_PYTHON",
        "PYSPARK_DRIVER_PYTHON",
        "PYSPARK_SUBMIT_ARGS",
    ] {
        cmd.env_remove(var);
    }
    cmd.env(MARK_VAR, &mark)
        .env("JAVA_TOOL_OPTIONS", quick_jvm_options())
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env("LIVY_TUI_STATE_DIR", dir.path().join("state"))
        .current_dir(dir.path())
        .args(with_python(args, python))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().expect("the binary runs");
    let pid = child.id();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    let started = Instant::now();
    let mut seen = Seen::default();
    let output = loop {
        if let Ok(output) = finished.recv_timeout(Duration::from_millis(200)) {
            break output.unwrap();
        }
        for (_, cmdline) in marked_processes(&mark) {
            let program = cmdline.split_whitespace().next().unwrap_or_default();
            seen.java |= program == "java" || program.ends_with("/java");
            seen.driver |= cmdline.contains("local_driver") && !cmdline.contains("--check");
        }
        if started.elapsed() > RUN_LIMIT {
            // SAFETY: signalling the child this test started.
            unsafe {
                libc::kill(pid as i32, libc::SIGKILL);
            }
            panic!("livy-tui {args:?} did not finish within {RUN_LIMIT:?}");
        }
    };
    let run = cli::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    eprintln!("livy-tui {:?}: exit {} after {:.1?}", args, run.code, started.elapsed());
    let left = wait_until_no_marked_processes(&mark, Duration::from_secs(5));
    assert!(
        left.is_empty(),
        "processes of `livy-tui {args:?}` outlived it: {left:#?}"
    );
    (run, seen)
}

/// `args` with `--python PY` after the subcommand's `--local`.
fn with_python(args: &[&str], python: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for arg in args {
        out.push(arg.to_string());
        if *arg == "--local" {
            out.push("--python".into());
            out.push(python.display().to_string());
        }
    }
    assert!(out.len() == args.len() + 2, "{args:?} needs --local");
    out
}

/// A fixture's statement output (`livy_statement_output`).
fn fixture_output(name: &str) -> Value {
    fixtures::statement_output(name).unwrap_or_else(|| panic!("fixture {name}"))
}

/// The code a fixture ran.
fn fixture_code(name: &str) -> String {
    let fixture = fixtures::load(name).unwrap_or_else(|| panic!("fixture {name}"));
    fixture["code"].as_str().expect("a code field").to_string()
}

/// A value with every leaf replaced by its JSON type; objects keep their keys in order.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => json!("null"),
    }
}

/// An object's keys, in order.
fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

/// The statement `exec --json` printed.
fn statement(run: &cli::Run) -> Value {
    assert_eq!(run.code, 0, "{run:?}");
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"))
}

/// An object's keys, sorted (a notebook file sorts them, as Jupyter does).
fn key_set(value: &Value) -> Vec<&str> {
    let mut keys = keys(value);
    keys.sort_unstable();
    keys
}

/// Checks a `sql` result of `select id, id*2 as twice from range(5)` against Livy's form
/// (key order aside: see [`assert_livy_key_order`]).
fn assert_twice_table(result: &Value) {
    let livy = fixture_output("sql-session-statement");
    let livy_table = &livy["data"]["application/json"];
    assert_eq!(key_set(result), key_set(livy_table), "{result}");
    let schema = &result["schema"];
    assert_eq!(key_set(schema), key_set(&livy_table["schema"]), "{schema}");
    assert_eq!(schema["type"], "struct", "{schema}");
    let fields = schema["fields"].as_array().expect("fields");
    let livy_field = &livy_table["schema"]["fields"][0];
    let names: Vec<_> = fields.iter().map(|f| f["name"].as_str().unwrap_or_default()).collect();
    assert_eq!(names, ["id", "twice"], "{schema}");
    for field in fields {
        assert_eq!(field["type"], "long", "{field}");
        assert_eq!(key_set(field), key_set(livy_field), "{field}");
        assert_eq!(
            field["nullable"].is_boolean(),
            livy_field["nullable"].is_boolean(),
            "{field}"
        );
        assert_eq!(field["metadata"], json!({}), "{field}");
    }
    assert_eq!(result["data"], json!([[0, 0], [1, 2], [2, 4], [3, 6], [4, 8]]));
}

/// The keys of a `sql` result come in the order real Livy sends them.
fn assert_livy_key_order(result: &Value) {
    let livy = fixture_output("sql-session-statement");
    let livy_table = &livy["data"]["application/json"];
    assert_eq!(keys(result), keys(livy_table), "{result}");
    assert_eq!(keys(&result["schema"]), keys(&livy_table["schema"]), "{result}");
    let livy_field = &livy_table["schema"]["fields"][0];
    for field in result["schema"]["fields"].as_array().expect("fields") {
        assert_eq!(keys(field), keys(livy_field), "{field}");
    }
}

#[test]
fn exec_pyspark_prints_the_statement_a_real_livy_would() {
    let Some(python) = real_pyspark_python() else {
        return;
    };
    let (run, seen) = run_local(
        &python,
        &[
            "exec",
            "--local",
            "--kind",
            "pyspark",
            "--json",
            "-c",
            "spark.range(10).count()",
        ],
    );
    assert!(seen.driver && seen.java, "a driver and its JVM ran: {seen:?}");
    let statement = statement(&run);
    assert_eq!(statement["state"], "available", "{statement}");
    let output = &statement["output"];
    assert_eq!(
        *output,
        json!({"status": "ok", "execution_count": 0, "data": {"text/plain": "10"}}),
        "{statement}"
    );
    let livy = fixture_output("pyspark-spark-job");
    assert_eq!(
        shape(output).to_string(),
        shape(&livy).to_string(),
        "the same keys, in the same order, with the same types as real Livy's"
    );
}

/// `batch submit --local` runs the file through spark-submit, prints its log as it comes
/// and exits with the batch's outcome; nothing of it outlives the command. The scripts
/// start no SparkContext (a JVM start only): Spark itself is `local_batch.rs`'s to test.
#[test]
fn batch_submit_local_follows_the_batch_and_exits_with_its_outcome() {
    let Some(python) = real_pyspark_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ok = dir.path().join("ok.py");
    std::fs::write(&ok, "import sys\nprint('batch says', sys.argv[1:])\n").unwrap();
    let ok = ok.display().to_string();
    let (run, seen) = run_local(&python, &["batch", "submit", "--local", &ok, "--arg", "a b"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(seen.java, "spark-submit's JVM ran: {seen:?}");
    assert!(run.stdout.lines().any(|l| l == "batch says ['a b']"), "{run:?}");
    assert!(run.stderr.ends_with("batch 0 succeeded\n"), "{run:?}");

    let fails = dir.path().join("fails.py");
    std::fs::write(&fails, "raise SystemExit('no input today')\n").unwrap();
    let fails = fails.display().to_string();
    let (run, _) = run_local(&python, &["batch", "submit", "--local", &fails]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.lines().any(|l| l == "no input today"), "{run:?}");
    assert!(run.stderr.ends_with("livy-tui: batch 0 ended dead\n"), "{run:?}");
}

#[test]
fn exec_sql_prints_livy_s_schema_and_rows() {
    let Some(python) = real_pyspark_python() else {
        return;
    };
    let (run, seen) = run_local(
        &python,
        &[
            "exec",
            "--local",
            "--kind",
            "sql",
            "--json",
            "-c",
            "select id, id*2 as twice from range(5)",
        ],
    );
    assert!(seen.driver && seen.java, "a driver and its JVM ran: {seen:?}");
    let statement = statement(&run);
    let output = &statement["output"];
    let livy = fixture_output("sql-session-statement");
    assert_eq!(keys(output), keys(&livy), "{statement}");
    assert_eq!(output["status"], "ok", "{statement}");
    assert_eq!(keys(&output["data"]), ["application/json"], "{statement}");
    assert_twice_table(&output["data"]["application/json"]);
    assert_livy_key_order(&output["data"]["application/json"]);
}

/// A notebook cell's first output.
fn first_output(notebook: &Value, cell: usize) -> &Value {
    let output = &notebook["cells"][cell]["outputs"][0];
    assert!(
        output.is_object(),
        "cell {cell} has an output: {}",
        notebook["cells"][cell]
    );
    output
}

/// A multiline string of a notebook (a string, or a list of lines).
fn nb_text(value: &Value) -> String {
    match value {
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
        other => other.as_str().unwrap_or_else(|| panic!("text: {other}")).to_string(),
    }
}

/// (width, height) of a PNG.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG signature");
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

// Named to sort first: the test harness starts tests in name order, and this, the longest,
// overlapping both `exec` runs keeps the file short on two cores.
#[test]
fn a_notebook_run_gives_every_kind_of_output_in_one_session() {
    let Some(python) = real_pyspark_python() else {
        return;
    };
    // The same code as the real Livy captures, so their outputs must match.
    let cells = [
        format!(
            "{}\n{}",
            fixture_code("pyspark-table-magic-define"),
            fixture_code("pyspark-table-magic")
        ),
        fixture_code("pyspark-json-magic"),
        fixture_code("pyspark-matplot-magic"),
        fixture_code("pyspark-error-name"),
        fixture_code("pyspark-error-sql-analysis"),
        fixture_code("pyspark-dataframe-show-wide"),
        "%%sql\nselect id, id*2 as twice from range(5)".to_string(),
        fixture_code("pyspark-spark-job"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("report.py");
    let text: Vec<String> = cells.iter().map(|code| format!("# %%\n{code}\n")).collect();
    std::fs::write(&script, text.join("\n")).unwrap();
    let out_file: PathBuf = dir.path().join("report.ipynb");
    let (run, seen) = run_local(
        &python,
        &[
            "run",
            "--local",
            script.to_str().unwrap(),
            "-o",
            out_file.to_str().unwrap(),
            "--allow-errors",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(seen.driver && seen.java, "a driver and its JVM ran: {seen:?}");
    assert!(
        run.stderr.contains("ran 8 cells") && run.stderr.contains("2 cells failed (4, 5)"),
        "{}",
        run.stderr
    );
    let notebook: Value = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    assert_eq!(notebook["cells"].as_array().map(Vec::len), Some(cells.len()));

    // %table of dict rows
    let table = first_output(&notebook, 0);
    let livy = fixture_output("pyspark-table-magic");
    let key = "application/vnd.livy.table.v1+json";
    assert_eq!(table["data"][key], livy["data"][key], "{table}");

    // %json
    let json_out = first_output(&notebook, 1);
    let livy = fixture_output("pyspark-json-magic");
    assert_eq!(
        json_out["data"]["application/json"], livy["data"]["application/json"],
        "{json_out}"
    );

    // %matplot plt: a PNG of the figure's size, and Livy's text/plain beside it
    let plot = first_output(&notebook, 2);
    let livy = fixture_output("pyspark-matplot-magic");
    let png = base64::engine::general_purpose::STANDARD
        .decode(nb_text(&plot["data"]["image/png"]).trim())
        .expect("image/png is base64");
    let livy_png = base64::engine::general_purpose::STANDARD
        .decode(livy["data"]["image/png"].as_str().unwrap())
        .unwrap();
    assert_eq!(png_size(&png), png_size(&livy_png), "figsize=(2, 1.5), dpi=50");
    assert!(
        nb_text(&plot["data"]["text/plain"]).contains("matplotlib.lines.Line2D"),
        "{}",
        plot["data"]["text/plain"]
    );

    // A NameError: exactly Livy's error
    let error = first_output(&notebook, 3);
    let livy = fixture_output("pyspark-error-name");
    assert_eq!(error["output_type"], "error", "{error}");
    for field in ["ename", "evalue", "traceback"] {
        assert_eq!(error[field], livy[field], "{field}: {error}");
    }

    // An AnalysisException from spark.sql in a pyspark cell
    let error = first_output(&notebook, 4);
    let livy = fixture_output("pyspark-error-sql-analysis");
    assert_eq!(error["output_type"], "error", "{error}");
    assert_eq!(error["ename"], livy["ename"], "{error}");
    assert!(
        error["evalue"].as_str().unwrap_or_default().contains("no_such_table"),
        "{error}"
    );
    let traceback = error["traceback"].as_array().expect("a traceback");
    assert_eq!(traceback.first(), livy["traceback"].get(0), "{error}");

    // DataFrame.show(): the ASCII table as text, as on a cluster
    let shown = first_output(&notebook, 5);
    let livy = fixture_output("pyspark-dataframe-show-wide");
    assert_eq!(
        nb_text(&shown["data"]["text/plain"]),
        livy["data"]["text/plain"].as_str().unwrap(),
        "{shown}"
    );

    // A %%sql cell ran as SQL
    let sql = first_output(&notebook, 6);
    assert_twice_table(&sql["data"]["application/json"]);

    // A Spark job
    let sum = first_output(&notebook, 7);
    let livy = fixture_output("pyspark-spark-job");
    assert_eq!(nb_text(&sum["data"]["text/plain"]), "499500");
    assert_eq!(livy["data"]["text/plain"], "499500");
}

/// One local session runs a notebook of Scala, Python and SQL cells that share one table, as
/// a Livy 0.5+ session does: Scala makes the view, Python and SQL read it, Scala reads back.
#[test]
fn a_mixed_scala_python_sql_notebook_shares_one_table() {
    let Some(python) = real_pyspark_python() else {
        return;
    };
    let cells = [
        "%%scalaspark\nval shared = spark.range(5).toDF(\"id\")\nshared.createOrReplaceTempView(\"shared_t\")\nshared.count()",
        "print(spark.table('shared_t').count())",
        "%%sql\nselect sum(id) as total from shared_t",
        "%%scalaspark\nspark.sql(\"select max(id) from shared_t\").first().getLong(0)",
    ];
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("mixed.py");
    let text: Vec<String> = cells.iter().map(|code| format!("# %%\n{code}\n")).collect();
    std::fs::write(&script, text.join("\n")).unwrap();
    let out_file: PathBuf = dir.path().join("mixed.ipynb");
    let (run, seen) = run_local(
        &python,
        &[
            "run",
            "--local",
            script.to_str().unwrap(),
            "-o",
            out_file.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(seen.driver && seen.java, "a driver and its JVM ran: {seen:?}");
    let notebook: Value = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    let text = |cell: usize| nb_text(&first_output(&notebook, cell)["data"]["text/plain"]);
    // The REPL numbers results (a Unit line takes a number too): only the value matters here.
    assert!(text(0).contains(": Long = 5"), "{}", text(0));
    assert_eq!(text(1).trim(), "5");
    let total = &first_output(&notebook, 2)["data"]["application/json"];
    assert_eq!(total["data"], json!([[10]]), "{total}");
    assert!(text(3).contains(": Long = 4"), "{}", text(3));
}

/// While a statement runs on real Spark the session is `busy`, and `idle` once it is done:
/// what the notebook's status bar shows. Completion answers meanwhile, as Python's
/// `rlcompleter` over the session's names. The statement waits for a file, so nothing here
/// depends on how fast Spark is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_is_busy_while_a_spark_statement_runs() {
    let Some(python) = real_pyspark_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mark = new_mark();
    let mut options = livy_tui::server::local::LocalOptions::new(python);
    options.env = vec![
        (MARK_VAR.into(), mark.clone().into()),
        ("JAVA_TOOL_OPTIONS".into(), quick_jvm_options().into()),
    ];
    options.start_timeout = RUN_LIMIT;
    let local = livy_tui::server::local::LocalLivy::start(options).await.unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let get = |path: String| {
        let request = http.get(format!("{}{path}", local.url()));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let post = |path: String, body: Value| {
        let request = http
            .post(format!("{}{path}", local.url()))
            .header("X-Requested-By", "test")
            .json(&body);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let wait = |path: String, key: &'static str, wanted: &'static str| {
        let get = &get;
        async move {
            let started = Instant::now();
            loop {
                let value = get(path.clone()).await;
                if value[key] == wanted {
                    return value;
                }
                assert!(
                    started.elapsed() < RUN_LIMIT,
                    "{path} never had {key} {wanted}: {value}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let id = post("/sessions".into(), json!({"kind": "pyspark"})).await["id"].clone();
    wait(format!("/sessions/{id}"), "state", "idle").await;

    let go = dir.path().join("go");
    let code = format!(
        "import os, time\nn = spark.range(1000).count()\nwhile not os.path.exists({:?}): time.sleep(0.05)\nn",
        go.display().to_string()
    );
    let statement = post(format!("/sessions/{id}/statements"), json!({ "code": code })).await;
    let sid = statement["id"].clone();
    wait(format!("/sessions/{id}/statements/{sid}"), "state", "running").await;
    assert_eq!(get(format!("/sessions/{id}")).await["state"], "busy");
    assert_eq!(get(format!("/sessions/{id}/state")).await["state"], "busy");
    // completion answers meanwhile, from the session's names
    let body = json!({"code": "x = spark.ran", "kind": "pyspark", "cursor": 13});
    let completion = post(format!("/sessions/{id}/completion"), body).await;
    assert_eq!(completion, json!({"candidates": ["spark.range("]}));
    std::fs::write(&go, "").unwrap();
    let done = wait(format!("/sessions/{id}/statements/{sid}"), "state", "available").await;
    assert_eq!(done["output"]["data"]["text/plain"], "1000", "{done}");
    assert_eq!(get(format!("/sessions/{id}")).await["state"], "idle");
    assert_eq!(get(format!("/sessions/{id}/state")).await["state"], "idle");

    local.stop(Duration::from_secs(10)).await;
    let left = wait_until_no_marked_processes(&mark, Duration::from_secs(10));
    assert!(left.is_empty(), "processes outlived the server: {left:#?}");
}
