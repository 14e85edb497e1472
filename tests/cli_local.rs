//! The real binary in local mode (`exec --local`, `run --local`, `serve`) with the stand-in
//! pyspark on PYTHONPATH: what a user sees, exit codes, and no process left behind.

mod cli;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A URL nothing listens on: local mode must never use it.
const UNUSED_URL: &str = "http://127.0.0.1:9";

fn support(dir: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(dir)
}

fn python() -> String {
    std::env::var("LIVY_TUI_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// `livy-tui` with the stand-in pyspark in `dir` first on PYTHONPATH.
fn local_command(dir: &str) -> Command {
    let mut cmd = cli::command(UNUSED_URL);
    cmd.env("PYTHONPATH", support(dir)).env("PYSPARK_PYTHON", python());
    cmd
}

fn run(dir: &str, args: &[&str]) -> cli::Run {
    let output = local_command(dir).args(args).output().expect("the binary runs");
    cli::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn exec_local_runs_pyspark_and_sql() {
    let out = run("fake_pyspark", &["exec", "--local", "-c", "spark.range(10).count()"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "10\n"), "{out:?}");
    let out = run(
        "fake_pyspark",
        &[
            "exec",
            "--local",
            "--kind",
            "sql",
            "-c",
            "select id, id*2 as twice from range(5)",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("twice"), "{out:?}");
    assert!(out.stdout.contains("|  4 |     8 |"), "{out:?}");
    let out = run(
        "fake_pyspark",
        &["exec", "--local", "--json", "-c", "d = {'a': [1, 2]}\n%json d"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let statement: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(statement["output"]["data"]["application/json"], json!({"a": [1, 2]}));
}

#[test]
fn exec_local_reports_a_failed_statement_like_on_a_cluster() {
    let out = run("fake_pyspark", &["exec", "--local", "-c", "1/0"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("ZeroDivisionError"), "{out:?}");
}

#[test]
fn missing_prerequisites_are_one_clear_line() {
    let out = run("no_pyspark", &["exec", "--local", "-c", "1"]);
    out.assert_one_clear_error_line();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("-m pip install pyspark`"), "{out:?}");
    let out = run(
        "fake_pyspark",
        &["exec", "--local", "--python", "/nonexistent/python3", "-c", "1"],
    );
    out.assert_one_clear_error_line();
    assert!(out.stderr.contains("/nonexistent/python3 was not found"), "{out:?}");
}

#[test]
fn flags_that_cannot_work_locally_are_refused() {
    for (args, needle) in [
        (
            vec!["exec", "--local", "--kind", "sparkr", "-c", "1"],
            "--kind sparkr (R) is not available",
        ),
        (
            vec!["exec", "--local", "--keep", "-c", "1"],
            "--keep cannot be used with --local",
        ),
        (
            vec!["exec", "--local", "--session", "3", "-c", "1"],
            "--session cannot be used",
        ),
        (
            vec!["exec", "--python", "python3", "-c", "1"],
            "--python only applies with --local",
        ),
        (
            vec!["--local", "sessions", "list"],
            "--local goes with the notebook, run, exec or batch submit",
        ),
        (
            vec!["run", "--local", "--keep-session", "x.py"],
            "--keep-session cannot be used",
        ),
    ] {
        let out = run("fake_pyspark", &args);
        out.assert_one_clear_error_line();
        assert!(out.stderr.contains(needle), "{args:?}: {out:?}");
    }
}

/// `batch submit --local` says what is wrong with its file, or with the local pyspark, in
/// one line before any server starts (the stand-in pyspark has no spark-submit).
#[test]
fn a_local_batch_that_cannot_run_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    let job = dir.path().join("job.py");
    std::fs::write(&notes, "x").unwrap();
    std::fs::write(&job, "print(1)").unwrap();
    let missing = dir.path().join("missing.py");
    let fake = support("fake_pyspark").join("pyspark/bin/spark-submit");
    for (file, needle, dir) in [
        (
            missing.display().to_string(),
            "missing.py does not exist",
            "fake_pyspark",
        ),
        (
            notes.display().to_string(),
            "notes.txt is not a .py or .jar file",
            "fake_pyspark",
        ),
        (
            "hdfs:///jobs/etl.py".to_string(),
            "is not on this machine",
            "fake_pyspark",
        ),
        (
            job.display().to_string(),
            &format!("{} does not exist", fake.display()),
            "fake_pyspark",
        ),
        (job.display().to_string(), "-m pip install pyspark`", "no_pyspark"),
    ] {
        let out = run(dir, &["batch", "submit", "--local", &file]);
        out.assert_one_clear_error_line();
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains(needle), "{file}: {out:?}");
    }
}

#[test]
fn run_local_runs_a_notebook_and_writes_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("report.py");
    std::fs::write(
        &script,
        "# %%\nrows = [{'a': 1, 'b': 'x'}, {'a': 2, 'b': 'y'}]\n%table rows\n\n# %%\n%%sql\nselect id from range(3)\n",
    )
    .unwrap();
    let out_file = dir.path().join("report.ipynb");
    let out = run(
        "fake_pyspark",
        &[
            "run",
            "--local",
            script.to_str().unwrap(),
            "-o",
            out_file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let notebook: Value = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    let table = &notebook["cells"][0]["outputs"][0]["data"]["application/vnd.livy.table.v1+json"];
    assert_eq!(table["data"], json!([[1, "x"], [2, "y"]]), "{notebook}");
    let sql = &notebook["cells"][1]["outputs"][0]["data"]["application/json"];
    assert_eq!(sql["data"], json!([[0], [1], [2]]), "{notebook}");
}

/// A `livy-tui serve` process, killed if a test fails.
struct Served {
    child: std::process::Child,
    url: String,
}

impl Served {
    fn start(dir: &str, extra: &[&str]) -> Served {
        let port = free_port();
        let mut child = local_command(dir)
            .args(["serve", "--port", &port.to_string()])
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut banner = String::new();
        stderr.read_line(&mut banner).unwrap();
        assert!(banner.contains(&format!("http://127.0.0.1:{port}")), "{banner}");
        // Keep draining so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in stderr.lines() {});
        Served {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    fn stop(mut self) -> std::process::ExitStatus {
        // SAFETY: signalling our own child.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "serve did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A blocking JSON request (the test itself is synchronous, like a shell script with curl).
fn request(method: reqwest::Method, url: &str, body: Option<Value>) -> Value {
    exchange(method, url, body).1
}

/// The status and JSON body of a request.
fn exchange(method: reqwest::Method, url: &str, body: Option<Value>) -> (u16, Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut request = client.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    })
}

fn get(url: &str) -> Value {
    request(reqwest::Method::GET, url, None)
}

fn post(url: &str, body: Value) -> Value {
    request(reqwest::Method::POST, url, Some(body))
}

fn wait_for(url: &str, field: &str, wanted: &[&str]) -> Value {
    let start = Instant::now();
    loop {
        let value = get(url);
        if wanted.contains(&value[field].as_str().unwrap_or_default()) {
            return value;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{url}: {value}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn alive(pid: i32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    !stat.is_empty() && !stat.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z')
}

#[test]
fn serve_speaks_livy_to_any_client_and_stops_everything_on_sigterm() {
    let served = Served::start("fake_pyspark", &[]);
    let version = get(&format!("{}/version", served.url));
    assert!(version["version"].as_str().unwrap().contains("incubating"), "{version}");
    // A plain HTTP client, as curl or sparkmagic would be: no X-Requested-By needed.
    let created = post(&format!("{}/sessions", served.url), json!({"kind": "pyspark"}));
    let session = format!("{}/sessions/{}", served.url, created["id"]);
    wait_for(&session, "state", &["idle"]);
    let statement = post(
        &format!("{session}/statements"),
        json!({"code": "import os\nos.getpid()"}),
    );
    let done = wait_for(
        &format!("{session}/statements/{}", statement["id"]),
        "state",
        &["available"],
    );
    let pid: i32 = done["output"]["data"]["text/plain"].as_str().unwrap().parse().unwrap();
    assert!(alive(pid));
    // livy-tui itself as the client: the session log is the driver's stderr.
    let log = cli::run(&served.url, &["sessions", "log", &created["id"].to_string()]);
    assert_eq!(log.code, 0, "{log:?}");
    assert!(log.stdout.contains("livy-tui: Spark 4.3.0 ready"), "{log:?}");
    let status = served.stop();
    assert_eq!(status.code(), Some(0));
    let start = Instant::now();
    while alive(pid) {
        assert!(start.elapsed() < Duration::from_secs(10), "driver {pid} outlived serve");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_deletes_a_session_idle_past_its_session_timeout() {
    let served = Served::start("fake_pyspark", &["--session-timeout", "2s"]);
    let created = post(&format!("{}/sessions", served.url), json!({"kind": "pyspark"}));
    let session = format!("{}/sessions/{}", served.url, created["id"]);
    wait_for(&session, "state", &["idle"]);
    // Polled all along (GETs are no activity), it goes ~2 s after it was created.
    let start = Instant::now();
    let status = loop {
        let (status, _) = exchange(reqwest::Method::GET, &session, None);
        if status != 200 || start.elapsed() > Duration::from_secs(20) {
            break status;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status, 404, "deleted by the idle timeout");
    let bad = run("fake_pyspark", &["serve", "--session-timeout", "soon"]);
    assert_eq!(bad.code, 2);
    bad.assert_one_clear_error_line();
    assert!(bad.stderr.contains("--session-timeout"), "{bad:?}");
}

#[test]
fn serve_refuses_a_taken_port_in_one_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = run("fake_pyspark", &["serve", "--port", &port]);
    out.assert_one_clear_error_line();
    assert!(out.stderr.contains("the port is taken"), "{out:?}");
}

/// A stand-in for `python3` that makes "venvs" without the network: `-m venv DIR` creates
/// DIR/pyvenv.cfg and a DIR/bin/python that records `-m pip …` calls and runs everything
/// else with the real python3 (which finds the stand-in pyspark on PYTHONPATH).
fn shim_python(dir: &std::path::Path) -> PathBuf {
    let shim = dir.join("python-shim");
    let real = python();
    std::fs::write(
        &shim,
        format!(
            r#"#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin" && touch "$3/pyvenv.cfg" && cp "$0" "$3/bin/python" && exit 0
fi
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
  echo "$@" >> "$(dirname "$0")/../pip-calls" && exit 0
fi
echo "$@" >> "$(dirname "$0")/../python-calls"
exec {real} "$@"
"#
        ),
    )
    .unwrap();
    std::fs::set_permissions(&shim, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    shim
}

#[test]
fn local_setup_makes_a_venv_that_local_mode_then_uses() {
    let dir = tempfile::tempdir().unwrap();
    let shim = shim_python(dir.path());
    let venv = dir.path().join("venv");
    let setup = |extra: &[&str]| {
        let mut args = vec![
            "local-setup",
            "--python",
            shim.to_str().unwrap(),
            "--dir",
            venv.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        run("fake_pyspark", &args)
    };
    let out = setup(&[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("ready — pyspark 4.3.0"), "{out:?}");
    let pip = std::fs::read_to_string(venv.join("pip-calls")).unwrap();
    assert_eq!(
        pip.trim(),
        "-m pip install --disable-pip-version-check pyspark matplotlib"
    );
    // Again: nothing to install.
    let out = setup(&[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("already has pyspark"), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(venv.join("pip-calls")).unwrap().lines().count(),
        1
    );

    // --local finds the venv by itself (no --python, no PYSPARK_PYTHON).
    let output = local_command("fake_pyspark")
        .env_remove("PYSPARK_PYTHON")
        .env("LIVY_TUI_PYSPARK_VENV", &venv)
        .args(["exec", "--local", "-c", "1 + 1"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "2\n", "{output:?}");
    let calls = std::fs::read_to_string(venv.join("python-calls")).unwrap();
    assert!(calls.contains("local_driver"), "{calls}");
}

#[test]
fn local_setup_refuses_a_directory_that_is_not_a_venv() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let out = run(
        "fake_pyspark",
        &[
            "local-setup",
            "--python",
            "python3",
            "--dir",
            dir.path().to_str().unwrap(),
        ],
    );
    out.assert_one_clear_error_line();
    assert!(out.stderr.contains("is not a venv"), "{out:?}");
    assert!(dir.path().join("notes.txt").exists());
}
