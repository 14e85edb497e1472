//! `livy-tui run` and `livy-tui export` through the real binary against the test Livy server.

mod cli;
mod support;

use cli::{Run, eventually, finish, interrupt, run, spawn};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::{TestLivy, TestLivyConfig};

fn server() -> TestLivy {
    TestLivy::start_blocking(TestLivyConfig::default())
}

/// A copy of a fixture from `tests/fixtures/run/` in a fresh temporary directory.
fn fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/run")
        .join(name);
    std::fs::copy(source, &path).unwrap();
    (dir, path)
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn cells(nb: &Value) -> &Vec<Value> {
    nb["cells"].as_array().unwrap()
}

fn source(cell: &Value) -> String {
    match &cell["source"] {
        Value::Array(lines) => lines.iter().map(|l| l.as_str().unwrap()).collect(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

/// All text of a cell's outputs (`text/plain` of results, stream text, `ename: evalue`).
fn output_text(cell: &Value) -> String {
    let join = |v: &Value| match v {
        Value::Array(lines) => lines.iter().map(|l| l.as_str().unwrap_or_default()).collect(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    };
    cell["outputs"]
        .as_array()
        .map(|outs| {
            outs.iter()
                .map(|o| match o["output_type"].as_str() {
                    Some("error") => format!("{}: {}", o["ename"].as_str().unwrap(), o["evalue"].as_str().unwrap()),
                    Some("stream") => join(&o["text"]),
                    _ => join(&o["data"]["text/plain"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The code cells' sources as posted, in order.
fn posted_code(livy: &TestLivy, session: &str) -> Vec<Value> {
    livy.requests_to("POST", &format!("/sessions/{session}/statements"))
        .iter()
        .filter(|r| r.path.ends_with("/statements"))
        .map(|r| r.body_json().unwrap())
        .collect()
}

fn created_bodies(livy: &TestLivy) -> Vec<Value> {
    livy.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/sessions")
        .map(|r| r.body_json().unwrap())
        .collect()
}

fn assert_deleted(livy: &TestLivy, session: &str) {
    assert_eq!(
        livy.requests_to("DELETE", &format!("/sessions/{session}")).len(),
        1,
        "session {session} is deleted"
    );
}

#[test]
fn a_scala_script_runs_headless_and_the_outputs_are_written() {
    let livy = server();
    let (dir, nb) = fixture("daily.scala");
    let before = std::fs::read(&nb).unwrap();
    let out = dir.path().join("out.ipynb");
    let r = run(&livy.url(), &["run", arg(&nb), "-o", arg(&out)]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.is_empty(), "stdout stays free: {:?}", r.stdout);
    assert!(r.stderr.contains("[3/7] spark  val n = 20 + 22 … ok"), "{}", r.stderr);
    assert!(
        r.stderr.contains("[1/7] skipped (markdown cells are not run)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("[6/7] skipped (nothing to run: the cell is empty)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("ran 5 cells in"), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("wrote {}", out.display())), "{}", r.stderr);
    assert_eq!(std::fs::read(&nb).unwrap(), before, "the input is left alone");

    let written = read_json(&out);
    let cells = cells(&written);
    assert_eq!(cells.len(), 7);
    let counts: Vec<Value> = cells.iter().map(|c| c["execution_count"].clone()).collect();
    assert_eq!(
        counts,
        [
            Value::Null,
            json!(1),
            json!(2),
            json!(3),
            json!(4),
            Value::Null,
            json!(5)
        ]
    );
    assert_eq!(output_text(&cells[1]), "day: String = 2024-01-01\n");
    assert_eq!(output_text(&cells[2]), "n: Int = 42\n");
    assert_eq!(output_text(&cells[3]), "2024-01-01\n");
    assert_eq!(
        output_text(&cells[4]),
        "report for ${day}\n",
        "no parameters, no substitution"
    );
    assert_eq!(
        cells[2]["outputs"][0]["execution_count"], 2,
        "results carry the cell's count"
    );
    assert_eq!(cells[6]["outputs"][0]["data"]["application/json"]["data"], json!([[1]]));
    let timing = &cells[2]["metadata"]["execution"];
    assert!(
        timing["iopub.execute_input"].is_string() && timing["shell.execute_reply"].is_string(),
        "{timing}"
    );

    let posted = posted_code(&livy, "0");
    assert_eq!(posted.len(), 5);
    assert_eq!(posted[0].get("kind"), None, "the session's own kind is not repeated");
    assert_eq!(posted[4]["kind"], "sql", "a cell of another kind says so");
    assert_eq!(
        created_bodies(&livy)[0]["kind"],
        "spark",
        "the kind comes from the extension"
    );
    assert_deleted(&livy, "0");
}

#[test]
fn a_script_run_in_place_is_not_rewritten() {
    let livy = server();
    let (_dir, nb) = fixture("failing.py");
    std::fs::write(&nb, "# %%\nx = 1\n").unwrap();
    let r = run(&livy.url(), &["run", arg(&nb)]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("a script holds no outputs"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&nb).unwrap(), "# %%\nx = 1\n");
    assert_eq!(created_bodies(&livy)[0]["kind"], "pyspark");
}

#[test]
fn a_failing_cell_stops_the_run_and_is_saved_with_its_error() {
    let livy = server();
    let (dir, nb) = fixture("failing.py");
    let out = dir.path().join("failing.ipynb");
    let r = run(&livy.url(), &["run", arg(&nb), "-o", arg(&out)]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("[2/3] pyspark  1/0 … failed"), "{}", r.stderr);
    assert!(r.stderr.contains("ZeroDivisionError: division by zero"), "{}", r.stderr);
    assert!(
        r.stderr.contains("Traceback"),
        "the first traceback lines: {}",
        r.stderr
    );
    let last = r.stderr.lines().last().unwrap();
    assert!(
        last.starts_with("livy-tui: cell 2 failed; stopped there (the notebook was written to"),
        "{last}"
    );

    let posted = posted_code(&livy, "0");
    assert_eq!(posted.len(), 2, "the cell after the failure is not run");
    let written = read_json(&out);
    let cells = cells(&written);
    assert_eq!(cells[1]["outputs"][0]["output_type"], "error");
    assert_eq!(output_text(&cells[1]), "ZeroDivisionError: division by zero");
    assert_eq!(cells[1]["execution_count"], 2);
    assert_eq!(cells[2]["outputs"], json!([]), "not run");
    assert_eq!(cells[2]["execution_count"], Value::Null);
    assert_deleted(&livy, "0");
}

#[test]
fn allow_errors_runs_on_and_counts_the_failures() {
    let livy = server();
    let (dir, nb) = fixture("failing.py");
    let out = dir.path().join("failing.ipynb");
    let r = run(&livy.url(), &["run", arg(&nb), "-o", arg(&out), "--allow-errors"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("ZeroDivisionError"), "{}", r.stderr);
    assert!(r.stderr.contains("ran 3 cells in"), "{}", r.stderr);
    assert!(r.stderr.contains("1 cell failed (2)"), "{}", r.stderr);
    assert_eq!(posted_code(&livy, "0").len(), 3);
    let written = read_json(&out);
    assert_eq!(output_text(&cells(&written)[2]), "after");
    assert_eq!(cells(&written)[2]["execution_count"], 3);
    assert_deleted(&livy, "0");
}

#[test]
fn parameters_are_substituted_and_injected() {
    let livy = server();
    let (dir, nb) = fixture("daily.scala");
    let out = dir.path().join("out.ipynb");
    let r = run(
        &livy.url(),
        &[
            "run",
            arg(&nb),
            "-o",
            arg(&out),
            "--param",
            "day=2026-11-20",
            "-p",
            "typo=1",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("warning: parameter typo matched nothing"),
        "{}",
        r.stderr
    );
    let written = read_json(&out);
    let cells = cells(&written);
    assert_eq!(cells.len(), 8, "one cell injected");
    assert_eq!(cells[2]["metadata"]["tags"], json!(["injected-parameters"]));
    assert!(
        source(&cells[2]).contains("val day = \"2026-11-20\""),
        "{}",
        source(&cells[2])
    );
    assert_eq!(output_text(&cells[4]), "2026-11-20\n", "the injected value wins");
    assert_eq!(source(&cells[5]), "println(\"report for 2026-11-20\")");
    assert_eq!(output_text(&cells[5]), "report for 2026-11-20\n");
}

#[test]
fn bad_parameters_are_usage_errors_before_any_request() {
    let livy = server();
    let (_dir, nb) = fixture("daily.scala");
    for bad in ["day", "=x", "2day=x"] {
        let r = run(&livy.url(), &["run", arg(&nb), "--param", bad]);
        assert_eq!(r.code, 2, "{bad}: {r:?}");
        r.assert_one_clear_error_line();
    }
    assert!(livy.requests().is_empty(), "nothing reached the server");
}

#[test]
fn an_in_place_run_keeps_the_parameter_templates() {
    let livy = server();
    let (_dir, nb) = fixture("sparkmagic.ipynb");
    let r = run(&livy.url(), &["run", arg(&nb), "-p", "who=ops"]);
    assert_eq!(r.code, 0, "{r:?}");
    let written = read_json(&nb);
    let cell = &cells(&written)[3];
    assert_eq!(source(cell), "print(\"hello from ${who}\")", "still a template");
    assert_eq!(output_text(cell), "hello from ops", "with the run's output");
    assert!(nb.with_file_name("sparkmagic.ipynb~").exists(), "the old file is kept");
    assert!(
        !std::fs::read_to_string(&nb).unwrap().contains("livy_tui_run_origin"),
        "no bookkeeping leaks into the file"
    );
}

#[test]
fn a_sparkmagic_notebook_applies_configure_and_skips_client_magics() {
    let livy = server();
    let (dir, nb) = fixture("sparkmagic.ipynb");
    let before = read_json(&nb);
    let out = dir.path().join("done.ipynb");
    let r = run(
        &livy.url(),
        &[
            "run",
            arg(&nb),
            "-o",
            arg(&out),
            "--driver-memory",
            "2g",
            "--conf",
            "spark.sql.shuffle.partitions=16",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr
            .contains("[2/6] %%configure: settings given to the new session"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("[3/6] skipped (%%info runs in Jupyter, not on Livy)"),
        "{}",
        r.stderr
    );

    let bodies = created_bodies(&livy);
    assert_eq!(bodies.len(), 1);
    assert_eq!(
        bodies[0],
        json!({
            "kind": "pyspark",
            "name": "nightly",
            "executorMemory": "4G",
            "numExecutors": 3,
            "driverMemory": "2g",
            "conf": {"spark.sql.shuffle.partitions": "16", "spark.dynamicAllocation.enabled": "false"}
        }),
        "the notebook's settings with the flags over them"
    );
    let posted = posted_code(&livy, "0");
    assert_eq!(
        posted.len(),
        2,
        "%%configure, %%info and the empty cell are not statements"
    );
    assert_eq!(posted[0]["code"], "print(\"hello from ${who}\")");
    assert_eq!(posted[1]["code"], "SELECT 1 AS one");
    assert_eq!(posted[1]["kind"], "sql");

    let written = read_json(&out);
    let (old, new) = (cells(&before), cells(&written));
    assert_eq!(new[2]["outputs"], old[2]["outputs"], "%%info keeps its old outputs");
    assert_eq!(new[2]["execution_count"], 2);
    assert_eq!(source(&new[1]), source(&old[1]), "%%configure is kept as written");
    assert_eq!(
        output_text(&new[3]),
        "hello from ${who}",
        "the stale output is replaced"
    );
    assert_eq!(new[4]["outputs"][0]["data"]["application/json"]["data"], json!([[1]]));
    assert_eq!(source(&new[4]), "%%sql -o df\nSELECT 1 AS one");
    assert_eq!(written["metadata"]["kernelspec"]["name"], "pysparkkernel");
    assert_eq!(
        written["metadata"].get("livy_tui"),
        None,
        "no binding to a session that was deleted"
    );
    assert_deleted(&livy, "0");
}

#[test]
fn an_invalid_configure_cell_stops_before_a_session_is_created() {
    let livy = server();
    let (_dir, nb) = fixture("sparkmagic.ipynb");
    let text = std::fs::read_to_string(&nb)
        .unwrap()
        .replace("\\\"numExecutors\\\": 3", "\\\"numExecutors\\\": \\\"many\\\"");
    std::fs::write(&nb, text).unwrap();
    let r = run(&livy.url(), &["run", arg(&nb)]);
    assert_eq!(r.code, 2, "{r:?}");
    r.assert_one_clear_error_line();
    assert!(
        r.stderr
            .contains("cell 2: %%configure: \"numExecutors\" must be a whole number"),
        "{}",
        r.stderr
    );

    let text = std::fs::read_to_string(&nb)
        .unwrap()
        .replace("\\\"nightly\\\"", "nightly");
    std::fs::write(&nb, text).unwrap();
    let r = run(&livy.url(), &["run", arg(&nb)]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("cell 2: the %%configure cell is not valid JSON"),
        "{}",
        r.stderr
    );
    assert!(created_bodies(&livy).is_empty());
}

#[test]
fn an_attached_session_is_used_recorded_and_not_deleted() {
    let livy = server();
    let id = livy.create_idle_session_blocking("pyspark");
    let (dir, nb) = fixture("failing.py");
    std::fs::write(&nb, "# %%\nx = 1\n\n# %%\nprint(\"hi\")\n").unwrap();
    let before = std::fs::read(&nb).unwrap();
    let out = dir.path().join("attached.ipynb");
    let r = run(&livy.url(), &["run", arg(&nb), "--session", &id, "-o", arg(&out)]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(livy.requests_to("DELETE", "/sessions").is_empty(), "never deleted");
    assert!(created_bodies(&livy).is_empty());
    assert_eq!(livy.session_state(&id).as_deref(), Some("idle"));
    assert_eq!(std::fs::read(&nb).unwrap(), before, "-o leaves the input unchanged");
    let written = read_json(&out);
    assert_eq!(output_text(&cells(&written)[1]), "hi");
    let binding = &written["metadata"]["livy_tui"]["binding"];
    assert_eq!(binding["session_id"], id.as_str(), "{written}");
    assert_eq!(binding["server"], livy.url().as_str());
    assert_eq!(binding["kind"], "pyspark");
}

#[test]
fn keep_session_keeps_and_records_it() {
    let livy = server();
    let (dir, nb) = fixture("slow.scala");
    std::fs::write(&nb, "// %%\n1 + 1\n").unwrap();
    let out = dir.path().join("kept.ipynb");
    let r = run(
        &livy.url(),
        &["run", arg(&nb), "-o", arg(&out), "--keep-session", "--name", "report"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("kept session 0"), "{}", r.stderr);
    assert_eq!(livy.session_state("0").as_deref(), Some("idle"));
    let binding = read_json(&out)["metadata"]["livy_tui"]["binding"].clone();
    assert_eq!(binding["session_id"], "0");
    assert_eq!(binding["session_name"], "report");
}

#[test]
fn ctrl_c_cancels_the_cell_writes_what_ran_and_deletes_the_session() {
    let livy = server();
    let (dir, nb) = fixture("slow.scala");
    let out = dir.path().join("slow.ipynb");
    let child = spawn(&livy.url(), &["run", arg(&nb), "-o", arg(&out)]);
    eventually(Duration::from_secs(20), "the slow cell runs", || {
        livy.statement("0", 1).is_some_and(|s| s["state"] == "running")
    });
    interrupt(&child);
    let r: Run = finish(child, Duration::from_secs(20));
    assert_eq!(r.code, 130, "{r:?}");
    assert!(r.stderr.contains("cancelling statement 1"), "{}", r.stderr);
    assert_eq!(livy.requests_to("POST", "/sessions/0/statements/1/cancel").len(), 1);
    assert_deleted(&livy, "0");
    let written = read_json(&out);
    let cells = cells(&written);
    assert_eq!(output_text(&cells[0]), "res0: Int = 2\n");
    assert!(
        output_text(&cells[1]).starts_with("KeyboardInterrupt: "),
        "{}",
        output_text(&cells[1])
    );
    assert_eq!(cells[2]["outputs"], json!([]));
}

#[test]
fn a_cell_over_the_timeout_is_cancelled_and_stops_the_run() {
    let livy = server();
    let (dir, nb) = fixture("slow.scala");
    let out = dir.path().join("slow.ipynb");
    let r = run(&livy.url(), &["run", arg(&nb), "-o", arg(&out), "--timeout", "1"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("cell 2 ran longer than --timeout"), "{}", r.stderr);
    assert_eq!(livy.requests_to("POST", "/sessions/0/statements/1/cancel").len(), 1);
    assert_deleted(&livy, "0");
    let written = read_json(&out);
    assert!(output_text(&cells(&written)[1]).starts_with("CellTimeoutError: "));
    assert_eq!(posted_code(&livy, "0").len(), 2);
}

#[test]
fn a_server_failure_is_one_clear_line_and_the_file_still_written() {
    let livy = server();
    let (dir, nb) = fixture("failing.py");
    let out = dir.path().join("lost.ipynb");
    // Reading the second statement fails (500s are not retried).
    livy.faults().fail_next_on(
        5,
        "GET",
        "/sessions/0/statements/1",
        500,
        json!({"msg": "scripted outage"}),
    );
    let r = run(&livy.url(), &["run", arg(&nb), "-o", arg(&out)]);
    assert_eq!(r.code, 1, "{r:?}");
    let last = r.stderr.lines().last().unwrap();
    assert!(last.starts_with("livy-tui: cell 2: "), "{last}");
    assert!(last.contains("scripted outage"), "{last}");
    assert!(last.contains("the notebook was written to"), "{last}");
    let written = read_json(&out);
    assert_eq!(cells(&written)[0]["execution_count"], 1, "what ran is written");
    assert_eq!(cells(&written)[1]["outputs"], json!([]));
    assert_deleted(&livy, "0");
}

#[test]
fn export_converts_both_ways() {
    let (dir, nb) = fixture("sparkmagic.ipynb");
    let r = run("http://127.0.0.1:9", &["export", arg(&nb), "--to", "script"]);
    assert_eq!(r.code, 0, "{r:?}");
    let script = dir.path().join("sparkmagic.py");
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(text.contains("# %%\nprint(\"hello from ${who}\")"), "{text}");
    assert!(text.contains("%%sql -o df\nSELECT 1 AS one"), "{text}");
    assert!(r.stderr.contains("outputs were left out"), "{}", r.stderr);

    let r = run("http://127.0.0.1:9", &["export", arg(&nb), "--to", "script"]);
    assert_eq!(r.code, 2, "refuses to overwrite: {r:?}");
    r.assert_one_clear_error_line();
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    let r = run("http://127.0.0.1:9", &["export", arg(&nb), "--to", "script", "--force"]);
    assert_eq!(r.code, 0, "{r:?}");

    let back = dir.path().join("back.ipynb");
    let r = run("http://127.0.0.1:9", &["export", arg(&script), "-o", arg(&back)]);
    assert_eq!(r.code, 0, "{r:?}");
    let nb_back = read_json(&back);
    assert_eq!(nb_back["nbformat"], 4);
    let sources: Vec<String> = cells(&nb_back).iter().map(source).collect();
    assert!(
        sources.contains(&"%%sql -o df\nSELECT 1 AS one".to_string()),
        "{sources:?}"
    );

    std::fs::remove_file(&nb).unwrap();
    let r = run("http://127.0.0.1:9", &["export", arg(&script), "--to", "ipynb"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(read_json(&nb)["metadata"]["kernelspec"]["name"], "pysparkkernel");
}

#[test]
fn export_to_stdout_and_its_errors() {
    let (dir, nb) = fixture("daily.scala");
    let r = run("http://127.0.0.1:9", &["export", arg(&nb), "--to", "ipynb", "-o", "-"]);
    assert_eq!(r.code, 0, "{r:?}");
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(cells(&v).len(), 7);
    assert!(!dir.path().join("daily.ipynb").exists(), "nothing written beside");

    let r = run("http://127.0.0.1:9", &["export", arg(&nb), "-o", "-"]);
    assert_eq!(r.code, 2, "stdout has no extension: {r:?}");
    r.assert_one_clear_error_line();

    let r = run(
        "http://127.0.0.1:9",
        &["export", arg(&nb), "--to", "ipynb", "-o", "x.txt"],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("unknown notebook format"), "{}", r.stderr);

    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "hello").unwrap();
    let r = run("http://127.0.0.1:9", &["export", arg(&notes), "--to", "script"]);
    assert_eq!(r.code, 2, "{r:?}");
    r.assert_one_clear_error_line();

    let broken = dir.path().join("broken.ipynb");
    std::fs::write(&broken, "{\"cells\": [").unwrap();
    let r = run("http://127.0.0.1:9", &["export", arg(&broken), "--to", "script"]);
    assert_eq!(r.code, 2, "{r:?}");
    r.assert_one_clear_error_line();
    assert!(r.stderr.contains("broken.ipynb"), "{}", r.stderr);

    let r = run(
        "http://127.0.0.1:9",
        &["export", arg(&dir.path().join("missing.ipynb")), "--to", "script"],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
}

#[test]
fn a_missing_notebook_is_a_usage_error() {
    let livy = server();
    let r = run(&livy.url(), &["run", "/no/such/report.ipynb"]);
    assert_eq!(r.code, 2, "{r:?}");
    r.assert_one_clear_error_line();
    let r = run(&livy.url(), &["run", "/no/such/report.txt"]);
    assert_eq!(r.code, 2, "{r:?}");
    r.assert_one_clear_error_line();
    assert!(livy.requests().is_empty());
}

/// EMR Studio's and Synapse's language magics run their cells in that language, in one
/// session; client-side magics stay in Jupyter, unknown ones are not sent; the file keeps them.
#[test]
fn emr_studio_and_synapse_language_magics_run_in_their_language() {
    for (name, expected_kinds, unsupported) in [
        (
            "emr-studio.ipynb",
            ["(session's)", "spark", "sparkr", "sql"],
            "%%display",
        ),
        ("synapse.ipynb", ["(session's)", "spark", "sql", "sparkr"], "%%csharp"),
    ] {
        let livy = server();
        let (_dir, path) = fixture(name);
        let before = read_json(&path);
        let r = run(&livy.url(), &["run", arg(&path)]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("{unsupported} is not supported here")),
            "{name}: {}",
            r.stderr
        );
        let created = created_bodies(&livy);
        assert_eq!(created.len(), 1, "{name}: one session for every language");
        assert_eq!(created[0]["kind"], "pyspark", "{name}: the kernel's language");
        let kinds: Vec<_> = posted_code(&livy, "0")
            .iter()
            .map(|b| b["kind"].as_str().unwrap_or("(session's)").to_string())
            .collect();
        assert_eq!(kinds, expected_kinds, "{name}");
        let after = read_json(&path);
        let sources = |nb: &Value| cells(nb).iter().map(source).collect::<Vec<_>>();
        assert_eq!(
            sources(&after),
            sources(&before),
            "{name}: magic lines kept as they were"
        );
        assert!(
            !posted_code(&livy, "0")
                .iter()
                .any(|b| b["code"].as_str().unwrap().contains("%%"))
        );
    }
}

/// A notebook whose cells all stay in Jupyter (or are not supported) starts no session.
#[test]
fn a_notebook_with_nothing_for_livy_starts_no_session() {
    let livy = server();
    let (_dir, path) = fixture("client-side-only.ipynb");
    let before = std::fs::read_to_string(&path).unwrap();
    let r = run(&livy.url(), &["run", arg(&path)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("%%local runs in Jupyter"), "{}", r.stderr);
    assert!(r.stderr.contains("%%csharp is not supported here"), "{}", r.stderr);
    assert!(r.stderr.contains("no session was started"), "{}", r.stderr);
    assert!(livy.requests().is_empty(), "{:?}", livy.requests());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        before,
        "the file is left as it was"
    );
}

/// `--extra` puts vendor fields into the body of the session `run` creates.
#[test]
fn extra_fields_reach_the_session_run_creates() {
    let livy = server();
    let (_dir, path) = fixture("daily.scala");
    let r = run(
        &livy.url(),
        &["run", arg(&path), "--extra", "sc_type=B", "--extra", "n=2"],
    );
    let body = &created_bodies(&livy)[0];
    assert_eq!(body["sc_type"], "B");
    assert_eq!(body["n"], 2);
    // Apache Livy itself refuses fields it does not know, in one line.
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("Unrecognized field"), "{}", r.stderr);
}
