//! The local driver (`assets/local_driver.py`, the Python program `livy-tui serve` and
//! `livy-tui --local` start per session) driven directly over its line protocol.
//!
//! The driver runs against the scripted stand-in in `tests/support/fake_pyspark` (pure
//! Python: no Java, no Spark), so these tests need only a Python 3 interpreter: `python3`,
//! or the one named by `LIVY_TUI_TEST_PYTHON`. `%matplot` needs matplotlib: from that Python,
//! else from the PySpark venv the other local-mode tests use (`support::pyspark`).
//! Outputs are compared with the real Livy captures in `tests/fixtures/livy/`.
#![cfg(unix)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long a plain statement may take before a test gives up.
const STEP: Duration = Duration::from_secs(20);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn driver_file() -> PathBuf {
    root().join("assets/local_driver.py")
}

fn fake_pyspark() -> PathBuf {
    root().join("tests/support/fake_pyspark")
}

fn no_pyspark() -> PathBuf {
    root().join("tests/support/no_pyspark")
}

/// The interpreter under test: `LIVY_TUI_TEST_PYTHON` or `python3`.
fn python() -> String {
    std::env::var("LIVY_TUI_TEST_PYTHON")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "python3".to_string())
}

/// `python -c SNIPPET` with the test's Python: its stdout when it exits 0.
fn python_says(snippet: &str) -> Option<String> {
    python_says_with(&python(), snippet)
}

/// `PYTHON -c SNIPPET`: its stdout when it exits 0.
fn python_says_with(python: &str, snippet: &str) -> Option<String> {
    let out = Command::new(python)
        .args(["-c", snippet])
        .env_remove("PYTHONPATH")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A `Command` running the driver with the fake pyspark first on PYTHONPATH.
fn driver_command(extra_args: &[&str]) -> Command {
    driver_command_with(&python(), extra_args)
}

/// [`driver_command`] with this Python.
fn driver_command_with(python: &str, extra_args: &[&str]) -> Command {
    let mut cmd = Command::new(python);
    cmd.arg("-u")
        .arg(driver_file())
        .args(extra_args)
        .env("PYTHONPATH", fake_pyspark())
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env_remove("LIVY_TUI_FAKE_NEEDS_JAVA")
        .env_remove("PYSPARK_PYTHON")
        .env_remove("PYSPARK_DRIVER_PYTHON")
        .env_remove("MPLBACKEND")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// The output Livy reported in a fixture, without `execution_count` (the driver leaves it
/// to the server).
fn fixture_output(name: &str) -> Value {
    let path = root().join("tests/fixtures/livy").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let fixture: Value = serde_json::from_str(&text).unwrap();
    let mut output = fixture
        .get("livy_statement_output")
        .or_else(|| fixture.pointer("/response/body/output"))
        .cloned()
        .unwrap_or_else(|| panic!("{name} has no statement output"));
    output.as_object_mut().unwrap().remove("execution_count");
    output
}

/// The `code` a fake_shell fixture ran.
fn fixture_code(name: &str) -> String {
    let path = root().join("tests/fixtures/livy").join(format!("{name}.json"));
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    fixture["code"].as_str().unwrap().to_string()
}

/// One driver process; killed when dropped.
struct Driver {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    next_id: u64,
    ready: Value,
}

/// What one `execute` produced.
struct Execution {
    output: Value,
    progress: Vec<f64>,
}

impl Driver {
    fn spawn(mut cmd: Command) -> Driver {
        let program = cmd.get_program().to_string_lossy().into_owned();
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        let stdout = child.stdout.take().unwrap();
        let mut stderr_pipe = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Driver {
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
            next_id: 0,
            ready: Value::Null,
        }
    }

    /// A driver on the fake pyspark that got `start` and answered `ready`.
    fn started(start: Value) -> Driver {
        Driver::started_with(&python(), start)
    }

    /// [`Driver::started`] with this Python.
    fn started_with(python: &str, start: Value) -> Driver {
        let mut driver = Driver::spawn(driver_command_with(python, &[]));
        driver.send(&start_message(start));
        let ready = driver.expect(STEP);
        assert_eq!(ready["type"], "ready", "{ready}\n{}", driver.log());
        driver.ready = ready;
        driver
    }

    fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Whether the session log shows `needle` within a short while (it is read by a thread).
    fn log_shows(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn python_is_311(&self) -> bool {
        self.ready["python_version"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.11."))
    }

    fn send_raw(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin already closed");
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    fn send(&mut self, message: &Value) {
        self.send_raw(&message.to_string());
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The next message, or None on timeout or when the driver closed its stdout.
    fn next(&mut self, timeout: Duration) -> Option<Value> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => Some(
                serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not a protocol line ({e}): {line:?}\n{}", self.log())),
            ),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    fn expect(&mut self, timeout: Duration) -> Value {
        match self.next(timeout) {
            Some(message) => message,
            None => panic!("no message within {timeout:?}; driver log:\n{}", self.log()),
        }
    }

    fn send_execute(&mut self, kind: &str, code: &str) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"type": "execute", "id": id, "kind": kind, "code": code}));
        id
    }

    /// Messages up to the result of statement `id`.
    fn result_of(&mut self, id: u64, timeout: Duration) -> Execution {
        let deadline = Instant::now() + timeout;
        let mut progress = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self.expect(left.max(Duration::from_millis(1)));
            match message["type"].as_str() {
                Some("progress") => {
                    assert_eq!(message["id"], id, "{message}");
                    progress.push(message["progress"].as_f64().unwrap());
                }
                Some("result") => {
                    assert_eq!(message["id"], id, "{message}");
                    return Execution {
                        output: message["output"].clone(),
                        progress,
                    };
                }
                _ => panic!("unexpected message while statement {id} runs: {message}"),
            }
        }
    }

    fn execute(&mut self, kind: &str, code: &str) -> Execution {
        let id = self.send_execute(kind, code);
        self.result_of(id, STEP)
    }

    /// A pyspark statement's output.
    fn run(&mut self, code: &str) -> Value {
        self.execute("pyspark", code).output
    }

    /// A pyspark statement that must succeed: its mime bundle.
    fn ok(&mut self, code: &str) -> Value {
        let output = self.run(code);
        assert_eq!(output["status"], "ok", "{code}: {output}");
        output["data"].clone()
    }

    /// A pyspark statement that must succeed with text only.
    fn text(&mut self, code: &str) -> String {
        let data = self.ok(code);
        data["text/plain"]
            .as_str()
            .unwrap_or_else(|| panic!("{code}: {data}"))
            .to_string()
    }

    fn sql(&mut self, code: &str) -> Value {
        self.execute("sql", code).output
    }

    fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn assert_fixture(&mut self, name: &str) {
        let code = fixture_code(name);
        let output = self.run(&code);
        self.assert_output_is_fixture(&output, name);
    }

    /// `output` equals the fixture's; errors whose text depends on the Python version are
    /// compared exactly only on Python 3.11 (the fixtures' version).
    fn assert_output_is_fixture(&self, output: &Value, name: &str) {
        let expected = fixture_output(name);
        if expected["status"] == "error" && !self.python_is_311() {
            assert_eq!(output["status"], "error", "{name}: {output}");
            assert_eq!(output["ename"], expected["ename"], "{name}: {output}");
        } else {
            assert_eq!(output, &expected, "{name}");
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_message(fields: Value) -> Value {
    let mut start = json!({"type": "start", "app_name": "livy-session-0", "kind": "pyspark"});
    if let Value::Object(extra) = fields {
        for (k, v) in extra {
            start[k] = v;
        }
    }
    start
}

fn error_of(output: &Value) -> (&str, &str) {
    assert_eq!(output["status"], "error", "{output}");
    (
        output["ename"].as_str().unwrap_or_default(),
        output["evalue"].as_str().unwrap_or_default(),
    )
}

// ---------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------

#[test]
fn ready_reports_versions_and_ids() {
    let driver = Driver::started(json!({}));
    let ready = &driver.ready;
    assert_eq!(ready["spark_version"], "4.3.0", "{ready}");
    assert_eq!(ready["pyspark"], "4.3.0", "{ready}");
    let python = ready["python_version"].as_str().unwrap();
    assert!(python.starts_with("3.") && python.split('.').count() == 3, "{ready}");
    assert!(ready["app_id"].as_str().unwrap().starts_with("local-fake-"), "{ready}");
    assert!(ready["ui_url"].is_null(), "{ready}");
}

#[test]
fn start_settings_reach_the_spark_session() {
    let mut driver = Driver::started(json!({
        "app_name": "livy-session-7",
        "conf": {"spark.executor.memory": "1g", "spark.sql.shuffle.partitions": "4"},
        "driver_memory": "2g",
        "driver_cores": 2,
        "jars": ["/tmp/a.jar", "/tmp/b.jar"],
        "py_files": ["/tmp/lib.py"],
        "files": [],
        "sql_rows": 10
    }));
    let conf = driver.ok("conf = spark._fake_conf\n%json conf")["application/json"].clone();
    assert_eq!(conf["spark.app.name"], "livy-session-7", "{conf}");
    assert_eq!(conf["spark.master"], "local[*]", "{conf}");
    assert_eq!(conf["spark.executor.memory"], "1g", "{conf}");
    assert_eq!(conf["spark.sql.shuffle.partitions"], "4", "{conf}");
    assert_eq!(conf["spark.driver.memory"], "2g", "{conf}");
    assert_eq!(conf["spark.driver.cores"], "2", "{conf}");
    assert_eq!(conf["spark.jars"], "/tmp/a.jar,/tmp/b.jar", "{conf}");
    assert_eq!(conf["spark.submit.pyFiles"], "/tmp/lib.py", "{conf}");
    assert_eq!(conf["spark.ui.showConsoleProgress"], "false", "{conf}");
    assert!(
        conf.get("spark.files").is_none() && conf.get("spark.archives").is_none(),
        "{conf}"
    );
    assert_eq!(driver.text("spark.conf.get('spark.driver.memory')"), "'2g'");
    // The predefined names, and the job group set before each statement.
    assert_eq!(
        driver.text("sc is spark.sparkContext, sqlContext is not None"),
        "(True, True)"
    );
    let id = driver.next_id;
    assert_eq!(
        driver.text("sc._fake_job_groups[-1]"),
        format!("('{id}', 'Job group for statement {id}', True)")
    );
    // Workers use the driver's interpreter; plots need no display.
    assert_eq!(
        driver.text("import os, sys\nos.environ['PYSPARK_PYTHON'] == sys.executable, os.environ['MPLBACKEND']"),
        "(True, 'Agg')"
    );
}

#[test]
fn user_settings_win_over_the_defaults() {
    let mut driver = Driver::started(json!({
        "conf": {"spark.master": "local[2]", "spark.ui.showConsoleProgress": "true"},
        "driver_memory": null,
        "driver_cores": null
    }));
    let conf = driver.ok("conf = spark._fake_conf\n%json conf")["application/json"].clone();
    assert_eq!(conf["spark.master"], "local[2]", "{conf}");
    assert_eq!(conf["spark.ui.showConsoleProgress"], "true", "{conf}");
    assert!(conf.get("spark.driver.memory").is_none(), "{conf}");
}

#[test]
fn a_missing_pyspark_is_fatal() {
    let mut cmd = driver_command(&[]);
    cmd.env("PYTHONPATH", no_pyspark());
    let mut driver = Driver::spawn(cmd);
    driver.send(&start_message(json!({})));
    let fatal = driver.expect(STEP);
    assert_eq!(fatal["type"], "fatal", "{fatal}");
    assert_eq!(fatal["reason"], "no_pyspark", "{fatal}");
    let message = fatal["message"].as_str().unwrap();
    assert!(message.contains("pyspark") && !message.contains('\n'), "{message}");
    assert!(!fatal["python"].as_str().unwrap().is_empty(), "{fatal}");
    assert_eq!(driver.wait_exit(STEP), Some(3));
}

#[test]
fn a_spark_that_cannot_start_is_fatal() {
    let mut driver = Driver::spawn(driver_command(&[]));
    driver.send(&start_message(json!({"conf": {"spark.fake.fail_start": "1"}})));
    let fatal = driver.expect(STEP);
    assert_eq!(fatal["type"], "fatal", "{fatal}");
    assert_eq!(fatal["reason"], "spark_start", "{fatal}");
    let message = fatal["message"].as_str().unwrap();
    assert!(
        message.contains("Java gateway process exited before sending its port number"),
        "{message}"
    );
    assert_eq!(driver.wait_exit(STEP), Some(3));
}

#[test]
fn a_first_line_that_is_not_start_is_fatal() {
    let mut driver = Driver::spawn(driver_command(&[]));
    driver.send_raw("this is not json");
    let fatal = driver.expect(STEP);
    assert_eq!(
        (&fatal["type"], &fatal["reason"]),
        (&json!("fatal"), &json!("protocol")),
        "{fatal}"
    );
    assert_eq!(driver.wait_exit(STEP), Some(3));
}

// ---------------------------------------------------------------------------------------
// --check
// ---------------------------------------------------------------------------------------

fn check(cmd: &mut Command) -> Value {
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.trim().lines().count(), 1, "{stdout}");
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Whether Spark's launcher would find a Java here ($JAVA_HOME/bin/java, else PATH).
fn java_available() -> bool {
    if let Some(home) = std::env::var_os("JAVA_HOME").filter(|h| !h.is_empty()) {
        return Path::new(&home).join("bin/java").is_file();
    }
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).any(|dir| dir.join("java").is_file()))
        .unwrap_or(false)
}

#[test]
fn check_describes_the_environment() {
    let report = check(&mut driver_command(&["--check"]));
    assert_eq!(report["pyspark"], "4.3.0", "{report}");
    assert!(report["pyspark_error"].is_null(), "{report}");
    assert!(report["problem"].is_null(), "the fake needs no Java: {report}");
    assert_eq!(report["java_required"], "17 or 21", "{report}");
    assert!(report["python"].as_str().unwrap().starts_with("3."), "{report}");
    assert!(!report["executable"].as_str().unwrap().is_empty(), "{report}");
    assert!(report["matplotlib"].is_boolean(), "{report}");
    if java_available() {
        assert!(report["java"]["path"].is_string(), "{report}");
        assert!(report["java"]["major"].as_u64().is_some_and(|m| m >= 8), "{report}");
    } else {
        assert!(report["java"]["path"].is_null(), "{report}");
    }
}

/// `--check` says whether the Spark that pyspark runs carries Scala's REPL (for `spark`
/// statements) and spark-submit (for batches): the fake's package has neither; a
/// `SPARK_HOME` with both is believed, as pyspark itself would use it.
#[test]
fn check_says_whether_scala_and_spark_submit_are_there() {
    let report = check(&mut driver_command(&["--check"]));
    assert_eq!(
        (&report["scala"], &report["spark_submit"]),
        (&json!(false), &json!(false)),
        "{report}"
    );

    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("jars")).unwrap();
    std::fs::create_dir_all(home.path().join("bin")).unwrap();
    std::fs::write(home.path().join("bin/spark-submit"), "#!/bin/sh\n").unwrap();
    std::fs::write(home.path().join("jars/scala-compiler-2.13.18.jar"), "").unwrap();
    let mut cmd = driver_command(&["--check"]);
    cmd.env("SPARK_HOME", home.path());
    let report = check(&mut cmd);
    assert_eq!(
        report["scala"], false,
        "the compiler without the REPL is not enough: {report}"
    );
    assert_eq!(report["spark_submit"], true, "{report}");
    std::fs::write(home.path().join("jars/spark-repl_2.13-4.3.0.jar"), "").unwrap();
    let mut cmd = driver_command(&["--check"]);
    cmd.env("SPARK_HOME", home.path());
    assert_eq!(check(&mut cmd)["scala"], true);
}

#[test]
fn check_without_pyspark() {
    let mut cmd = driver_command(&["--check"]);
    let path = std::env::join_paths([no_pyspark(), fake_pyspark()]).unwrap();
    cmd.env("PYTHONPATH", path);
    let report = check(&mut cmd);
    assert!(report["pyspark"].is_null(), "{report}");
    assert!(
        report["pyspark_error"]
            .as_str()
            .unwrap()
            .contains("No module named 'pyspark'"),
        "{report}"
    );
    assert_eq!(report["problem"]["reason"], "no_pyspark", "{report}");
    assert!(report["java_required"].is_null(), "{report}");
}

#[test]
fn without_java_check_and_start_say_what_to_install() {
    let executable = python_says("import sys; print(sys.executable)").expect("python runs");
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("python3");
    std::os::unix::fs::symlink(&executable, &link).unwrap();
    let isolate = |cmd: &mut Command| {
        cmd.env("PATH", dir.path())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env_remove("JAVA_HOME")
            .env("LIVY_TUI_FAKE_NEEDS_JAVA", "1");
    };

    let mut cmd = Command::new(&link);
    cmd.arg(driver_file()).arg("--check").env("PYTHONPATH", fake_pyspark());
    isolate(&mut cmd);
    let report = check(&mut cmd);
    assert_eq!(report["problem"]["reason"], "no_java", "{report}");
    let message = report["problem"]["message"].as_str().unwrap();
    assert!(
        message.contains("Java 17 or 21") && message.contains("JAVA_HOME"),
        "{message}"
    );
    assert!(report["java"]["path"].is_null(), "{report}");

    let mut cmd = Command::new(&link);
    cmd.arg("-u")
        .arg(driver_file())
        .env("PYTHONPATH", fake_pyspark())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    isolate(&mut cmd);
    let mut driver = Driver::spawn(cmd);
    driver.send(&start_message(json!({})));
    let fatal = driver.expect(STEP);
    assert_eq!(
        (&fatal["type"], &fatal["reason"]),
        (&json!("fatal"), &json!("no_java")),
        "{fatal}"
    );
    assert!(fatal["message"].as_str().unwrap().contains("17 or 21"), "{fatal}");
    assert_eq!(driver.wait_exit(STEP), Some(3));
}

/// `--check` with a stand-in `java` (a shell script) that reports `version`.
fn check_with_java_version(version: &str) -> Value {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let java = bin.join("java");
    let script = format!(
        "#!/bin/sh\necho 'openjdk version \"{version}\" 2024-01-16' >&2\necho 'OpenJDK Runtime Environment' >&2\n"
    );
    std::fs::write(&java, script).unwrap();
    std::fs::set_permissions(&java, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = driver_command(&["--check"]);
    cmd.env("JAVA_HOME", home.path()).env("LIVY_TUI_FAKE_NEEDS_JAVA", "1");
    check(&mut cmd)
}

#[test]
fn check_knows_which_java_spark_needs() {
    let report = check_with_java_version("1.8.0_392");
    assert_eq!(report["java"]["version"], "1.8.0_392", "{report}");
    assert_eq!(report["java"]["major"], 8, "{report}");
    assert_eq!(report["problem"]["reason"], "java_version", "{report}");
    let message = report["problem"]["message"].as_str().unwrap();
    assert!(
        message.contains("1.8.0_392") && message.contains("17 or 21"),
        "{message}"
    );

    for (version, major) in [("17.0.15", 17), ("21", 21), ("25.0.1", 25)] {
        let report = check_with_java_version(version);
        assert_eq!(report["java"]["major"], major, "{report}");
        assert!(report["problem"].is_null(), "{report}");
    }
}

// ---------------------------------------------------------------------------------------
// pyspark outputs (compared with fake_shell's real replies)
// ---------------------------------------------------------------------------------------

#[test]
fn plain_outputs_match_livy() {
    let mut driver = Driver::started(json!({}));
    for name in [
        "pyspark-expression",
        "pyspark-print",
        "pyspark-multiline",
        "pyspark-assignment-only",
        "pyspark-empty-code",
        "pyspark-comment-only",
        "pyspark-unicode",
        "pyspark-stderr",
        "pyspark-dataframe-repr",
    ] {
        driver.assert_fixture(name);
    }
    // `1 + 1` gives exactly Livy's bundle.
    let output = driver.run("1 + 1");
    assert_eq!(output["data"], fixture_output("pyspark-expression")["data"]);
    assert_eq!(output["data"], json!({"text/plain": "2"}));
}

#[test]
fn errors_match_livy() {
    let mut driver = Driver::started(json!({}));
    for name in [
        "pyspark-error-name",
        "pyspark-error-zerodivision",
        "pyspark-error-in-function",
        "pyspark-error-syntax",
        "pyspark-error-incomplete",
        "pyspark-error-chained",
    ] {
        driver.assert_fixture(name);
    }
    // The driver's own frames never show.
    let output = driver.run("def g():\n    return 1 / 0\n\ng()");
    let traceback = output["traceback"].to_string();
    assert!(!traceback.contains("local_driver"), "{traceback}");
    assert!(traceback.contains("line 2, in g"), "{traceback}");
}

#[test]
fn the_namespace_persists_across_statements() {
    let mut driver = Driver::started(json!({}));
    assert_eq!(
        driver.text("import math\ncounter = 1\ndef bump(n):\n    return n + counter"),
        ""
    );
    assert_eq!(driver.text("counter += 1\nbump(10), math.floor(2.5)"), "(12, 2)");
    assert_eq!(driver.text("__name__"), "'__main__'");
    // Only the last top-level statement echoes its value; earlier ones do not.
    assert_eq!(driver.text("5\n6\nprint('p')\n7"), "p\n7");
    // A compound last statement still runs (in "single" mode).
    assert_eq!(driver.text("for i in range(2):\n    i"), "0\n1");
    // Bytes written to sys.stdout.buffer are decoded as UTF-8.
    assert_eq!(
        driver.text("import sys\nsys.stdout.buffer.write('h\\u00e9'.encode())\nsys.stdout.flush()"),
        "h\u{e9}"
    );
}

#[test]
fn exit_input_and_interrupts_from_user_code_are_errors() {
    let mut driver = Driver::started(json!({}));
    let output = driver.run("import sys; sys.exit(3)");
    assert_eq!(error_of(&output), ("SystemExit", "3"));
    let output = driver.run("exit()");
    assert_eq!(error_of(&output).0, "SystemExit");
    let output = driver.run("input()");
    assert_eq!(error_of(&output).0, "EOFError");
    let output = driver.run("raise KeyboardInterrupt");
    assert_eq!(error_of(&output).0, "KeyboardInterrupt");
    let output = driver.run("class Bad:\n    def __repr__(self):\n        raise ValueError('no repr')\nBad()");
    assert_eq!(error_of(&output), ("ValueError", "no repr"));
    // Still alive, and stdin still empty for user code.
    assert_eq!(driver.text("1 + 1"), "2");
    assert_eq!(driver.text("import sys; sys.stdin.read()"), "''");
}

#[test]
fn output_of_native_code_and_children_stays_off_the_protocol() {
    let mut driver = Driver::started(json!({}));
    // fd 1 is the session log, not the protocol channel.
    assert_eq!(
        driver.text("import os\nos.write(1, b'raw bytes on fd 1\\n')\nprint('kept')"),
        "kept"
    );
    // A child reading stdin sees EOF instead of our messages.
    assert_eq!(
        driver.text("import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'import sys; print(len(sys.stdin.read()))']).returncode"),
        "0"
    );
    assert_eq!(driver.text("1 + 1"), "2");
    assert!(driver.log_shows("raw bytes on fd 1"), "{}", driver.log());
}

#[test]
fn protocol_noise_is_ignored() {
    let mut driver = Driver::started(json!({}));
    driver.send_raw("not json at all");
    driver.send_raw("[1, 2]");
    driver.send_raw(r#"{"type":"telemetry"}"#);
    driver.send(&json!({"type": "cancel", "id": 999}));
    driver.send_raw("");
    assert_eq!(driver.text("'still here'"), "'still here'");
    // Statements sent back to back run in order, one result each.
    let a = driver.send_execute("pyspark", "import time; time.sleep(0.2); 'a'");
    let b = driver.send_execute("pyspark", "'b'");
    assert_eq!(driver.result_of(a, STEP).output["data"]["text/plain"], "'a'");
    assert_eq!(driver.result_of(b, STEP).output["data"]["text/plain"], "'b'");
}

// ---------------------------------------------------------------------------------------
// Magics
// ---------------------------------------------------------------------------------------

#[test]
fn table_magic_matches_livy() {
    let mut driver = Driver::started(json!({}));
    driver.assert_fixture("pyspark-table-magic-define");
    driver.assert_fixture("pyspark-table-magic");
    driver.assert_fixture("pyspark-table-magic-lists");
    driver.assert_fixture("pyspark-table-magic-spark-rows");
}

#[test]
fn table_magic_types_and_errors() {
    let mut driver = Driver::started(json!({"sql_rows": 3}));
    // Mixed column types: an error (fake_shell crashes here).
    let output = driver.run("bad = [{'a': 1}, {'a': 'x'}]\n%table bad");
    assert_eq!(error_of(&output), ("TypeError", "table rows have different types"));
    assert_eq!(
        output["traceback"],
        json!(["TypeError: table rows have different types\n"])
    );
    // A missing variable: a proper NameError (fake_shell nests a KeyError in an ok result).
    let output = driver.run("%table does_not_exist");
    assert_eq!(error_of(&output), ("NameError", "name 'does_not_exist' is not defined"));
    // None first, then a concrete type; missing keys are null; a scalar is one row.
    let data = driver.ok(
        "import datetime, decimal\n\
         t = [{'a': None, 'd': datetime.date(2024, 1, 2)}, {'a': 2.5, 'n': decimal.Decimal('1.10'), 'l': [1, {'k': datetime.date(2024, 1, 3)}], 'm': {'x': True}}]\n\
         %table t",
    );
    assert_eq!(
        data,
        json!({"application/vnd.livy.table.v1+json": {
            "headers": [
                {"name": "a", "type": "DOUBLE_TYPE"},
                {"name": "d", "type": "DATE_TYPE"},
                {"name": "l", "type": "ARRAY_TYPE"},
                {"name": "m", "type": "MAP_TYPE"},
                {"name": "n", "type": "DECIMAL_TYPE"}
            ],
            "data": [
                [null, "2024-01-02", null, null, null],
                [2.5, null, [1, {"k": "2024-01-03"}], {"x": true}, "1.10"]
            ]
        }})
    );
    let data = driver.ok("n = 5\n%table n");
    assert_eq!(
        data,
        json!({"application/vnd.livy.table.v1+json": {"headers": [{"name": "0", "type": "INT_TYPE"}], "data": [[5]]}})
    );
    // Booleans are not integers; printed output joins the table as text/plain.
    let data = driver.ok("flags = [(True, 1)]\nprint('two columns')\n%table flags");
    assert_eq!(
        data,
        json!({
            "application/vnd.livy.table.v1+json": {
                "headers": [{"name": "0", "type": "BOOLEAN_TYPE"}, {"name": "1", "type": "INT_TYPE"}],
                "data": [[true, 1]]
            },
            "text/plain": "two columns"
        })
    );
    // A DataFrame: at most sql_rows rows, with a note when cut.
    let data = driver.ok("df = spark.range(5)\n%table df");
    assert_eq!(
        data["application/vnd.livy.table.v1+json"],
        json!({"headers": [{"name": "id", "type": "INT_TYPE"}], "data": [[0], [1], [2]]})
    );
    assert!(
        data["text/plain"]
            .as_str()
            .unwrap()
            .starts_with("Only the first 3 rows are shown"),
        "{data}"
    );
}

#[test]
fn json_and_unknown_magics() {
    let mut driver = Driver::started(json!({}));
    driver.assert_fixture("pyspark-json-magic");
    driver.assert_fixture("pyspark-json-magic-list");
    driver.assert_fixture("pyspark-unknown-magic");
    let output = driver.run("%json does_not_exist");
    assert_eq!(error_of(&output), ("NameError", "name 'does_not_exist' is not defined"));
    let output = driver.run("s = {1, 2}\n%json s");
    assert_eq!(error_of(&output).0, "TypeError");
    assert!(error_of(&output).1.contains("set"), "{output}");
    let output = driver.run("%");
    assert_eq!(error_of(&output), ("UnknownMagic", "magic command not specified"));
    // Rows, dates, decimals and NaN become JSON.
    let data = driver.ok(
        "import datetime, decimal\nfrom pyspark.sql import Row\n\
         v = {'r': Row(a=1, b=Row(c=2)), 'd': datetime.date(2024, 1, 2), 'x': decimal.Decimal('2.50'), 'nan': float('nan'), 't': (1, 2)}\n\
         %json v",
    );
    assert_eq!(
        data,
        json!({"application/json": {"r": {"a": 1, "b": {"c": 2}}, "d": "2024-01-02", "x": "2.50", "nan": null, "t": [1, 2]}})
    );
    // Magic lines and code mix; values from earlier statements are visible.
    assert_eq!(driver.text("earlier = [3]"), "");
    let data = driver.ok("%json earlier\nlater = 1\n%json later");
    assert_eq!(data, json!({"application/json": 1}));
    // Blank lines and comments after a magic (an editor's trailing newline) keep its result.
    let data = driver.ok("%json earlier\n\n   \n# the end\n");
    assert_eq!(data, json!({"application/json": [3]}));
}

/// A Python that can import matplotlib: the test's own, else the PySpark venv's (`.ci/test`
/// installs matplotlib there). `None` after a visible skip; a failure under
/// `LIVY_TUI_REQUIRE_PYSPARK=1`, so CI cannot pass without having drawn a plot.
fn matplotlib_python() -> Option<String> {
    let candidates =
        std::iter::once(python()).chain(support::pyspark::pyspark_python_candidate().map(|p| p.display().to_string()));
    let tried: Vec<String> = candidates.collect();
    if let Some(found) = tried
        .iter()
        .find(|p| python_says_with(p, "import matplotlib").is_some())
    {
        return Some(found.clone());
    }
    support::pyspark::skip_or_fail(&format!(
        "no Python with matplotlib (tried {}; set LIVY_TUI_TEST_PYTHON or run .ci/test)",
        tried.join(", ")
    ));
    None
}

#[test]
fn matplot_magic_gives_a_png() {
    let Some(python) = matplotlib_python() else { return };
    let mut driver = Driver::started_with(&python, json!({}));
    let data = driver.ok(&fixture_code("pyspark-matplot-magic"));
    let png = data["image/png"].as_str().unwrap();
    assert!(
        png.starts_with("iVBORw0KGgo"),
        "not a PNG: {}",
        &png[..png.len().min(40)]
    );
    let text = data["text/plain"].as_str().unwrap();
    assert!(text.starts_with("[<matplotlib.lines.Line2D object at 0x"), "{text}");
    let expected = fixture_output("pyspark-matplot-magic");
    let keys: Vec<_> = data.as_object().unwrap().keys().collect();
    let expected_keys: Vec<_> = expected["data"].as_object().unwrap().keys().collect();
    assert_eq!(keys, expected_keys);
    // The figure was closed: the next plot starts empty, without the earlier line.
    assert_eq!(driver.text("len(plt.gcf().axes)"), "0");
    let data = driver.ok("plt.bar([1], [2])\nfig = plt.gcf()\n%matplot plt");
    assert!(data["image/png"].as_str().unwrap().starts_with("iVBORw0KGgo"));
}

// ---------------------------------------------------------------------------------------
// SQL
// ---------------------------------------------------------------------------------------

const ROW_NOTE: &str =
    "Only the first 3 rows are shown: the local server's SQL row limit (livy-tui serve --sql-rows) was reached.";

#[test]
fn sql_results_have_livys_shape() {
    let mut driver = Driver::started(json!({"kind": "sql", "sql_rows": 3}));
    let output = driver.sql("select id, id*2 as twice from range(5)");
    assert_eq!(output["status"], "ok", "{output}");
    let result = &output["data"]["application/json"];
    // Key order as Livy writes it.
    assert_eq!(
        result["schema"].to_string(),
        r#"{"type":"struct","fields":[{"name":"id","type":"long","nullable":false,"metadata":{}},{"name":"twice","type":"long","nullable":false,"metadata":{}}]}"#
    );
    assert_eq!(result["data"], json!([[0, 0], [1, 2], [2, 4]]));
    assert_eq!(output["data"]["text/plain"], ROW_NOTE);

    // Exactly sql_rows rows: no note.
    let output = driver.sql("select * from range(3)");
    assert_eq!(output["data"]["application/json"]["data"], json!([[0], [1], [2]]));
    assert!(output["data"].get("text/plain").is_none(), "{output}");

    // Empty results and DDL, as Livy gives them.
    let output = driver.sql("select * from range(0)");
    assert_eq!(output, fixture_output("sql-session-statement-empty-result"));
    let output = driver.sql("create table t (a int)");
    assert_eq!(output, fixture_output("sql-session-statement-ddl"));

    // Every value kind.
    let output = driver.sql("SELECT * FROM fake_types;");
    assert_eq!(
        output["data"]["application/json"]["data"],
        json!([[
            1,
            "x",
            2.5,
            7,
            "2024-01-02",
            "2024-01-02T03:04:05Z",
            "2024-01-02T03:04:05.123Z",
            "2024-01-02T03:04:05",
            [1, 2],
            {"k": 1},
            {"x": 5},
            "YWI=",
            null,
            1.5,
            true,
            null
        ]])
    );
    let fields = &output["data"]["application/json"]["schema"]["fields"];
    assert_eq!(
        fields[8]["type"].to_string(),
        r#"{"type":"array","elementType":"integer","containsNull":false}"#
    );
}

#[test]
fn sql_errors_have_livys_shape() {
    let mut driver = Driver::started(json!({"kind": "sql"}));
    let output = driver.sql("select * from no_such_table");
    let (ename, evalue) = error_of(&output);
    assert_eq!(ename, "Error");
    assert!(evalue.starts_with("[TABLE_OR_VIEW_NOT_FOUND] The table or view `no_such_table` cannot be found."));
    assert!(!evalue.contains('\n'), "{evalue}");
    let traceback: Vec<&str> = output["traceback"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(traceback.iter().all(|l| !l.ends_with('\n')), "{traceback:?}");
    assert!(traceback.contains(&"'Project [*]"), "{traceback:?}");
    assert!(traceback.len() <= 50);

    let output = driver.sql("selec 1");
    let (ename, evalue) = error_of(&output);
    assert_eq!(ename, "Error");
    assert!(
        evalue.starts_with("[PARSE_SYNTAX_ERROR] Syntax error at or near 'selec'"),
        "{evalue}"
    );
    // In a pyspark statement the same failure is a Python exception.
    let output = driver.run("spark.sql('select * from no_such_table')");
    assert_eq!(error_of(&output).0, "AnalysisException");
}

// ---------------------------------------------------------------------------------------
// Progress and cancel
// ---------------------------------------------------------------------------------------

fn assert_progress_sane(progress: &[f64]) {
    assert!(progress.len() >= 2, "{progress:?}");
    assert!(progress.iter().all(|p| (0.0..=1.0).contains(p)), "{progress:?}");
    assert!(progress.windows(2).all(|w| w[0] < w[1]), "{progress:?}");
}

#[test]
fn progress_is_reported_while_a_job_runs() {
    let mut driver = Driver::started(json!({}));
    let run = driver.execute("pyspark", "sc._fake_job(tasks=4, seconds=1.5)");
    assert_eq!(run.output["data"]["text/plain"], "4", "{}", run.output);
    assert_progress_sane(&run.progress);
    // Nothing after the result.
    assert!(driver.next(Duration::from_millis(800)).is_none());

    let run = driver.execute("sql", "select * from fake_slow(5, 1.2)");
    assert_eq!(run.output["data"]["application/json"]["data"], json!([[5]]));
    assert_progress_sane(&run.progress);
    assert!(driver.next(Duration::from_millis(500)).is_none());
}

#[test]
fn cancel_interrupts_python_code() {
    let mut driver = Driver::started(json!({}));
    let id = driver.send_execute("pyspark", "import time; time.sleep(60)");
    std::thread::sleep(Duration::from_millis(300));
    let asked = Instant::now();
    driver.send(&json!({"type": "cancel", "id": id}));
    driver.send(&json!({"type": "cancel", "id": id}));
    let run = driver.result_of(id, Duration::from_secs(5));
    assert!(asked.elapsed() < Duration::from_secs(5));
    assert_eq!(error_of(&run.output).0, "KeyboardInterrupt", "{}", run.output);
    // A late cancel of a finished statement changes nothing; the session goes on.
    driver.send(&json!({"type": "cancel", "id": id}));
    assert_eq!(driver.text("1 + 1"), "2");
    // User code may catch the interrupt and finish normally.
    let id = driver.send_execute(
        "pyspark",
        "import time\ntry:\n    time.sleep(60)\nexcept KeyboardInterrupt:\n    print('caught')\n'done'",
    );
    std::thread::sleep(Duration::from_millis(300));
    driver.send(&json!({"type": "cancel", "id": id}));
    let run = driver.result_of(id, Duration::from_secs(5));
    assert_eq!(run.output["data"]["text/plain"], "caught\n'done'", "{}", run.output);
}

#[test]
fn cancel_stops_spark_jobs() {
    let mut driver = Driver::started(json!({}));
    let id = driver.send_execute("pyspark", "sc._fake_job(tasks=4, seconds=30)");
    // The first progress message means the job is registered.
    let first = driver.expect(STEP);
    assert_eq!(first["type"], "progress", "{first}");
    driver.send(&json!({"type": "cancel", "id": id}));
    let run = driver.result_of(id, Duration::from_secs(5));
    // The job's own failure ends the statement (no interrupt needed).
    let (ename, evalue) = error_of(&run.output);
    assert_eq!(ename, "Exception", "{}", run.output);
    assert!(
        evalue.ends_with(&format!("cancelled part of cancelled job group {id}")),
        "{evalue}"
    );
    assert_eq!(
        driver.ok("cancelled = sc._fake_cancelled_groups\n%json cancelled")["application/json"],
        json!([id.to_string()])
    );
    // The session still works, including jobs.
    let run = driver.execute("pyspark", "sc._fake_job(tasks=2, seconds=0.1)");
    assert_eq!(run.output["data"]["text/plain"], "2", "{}", run.output);

    // A cancelled SQL statement is an error in the SQL shape.
    let id = driver.send_execute("sql", "select * from fake_slow(4, 30)");
    let first = driver.expect(STEP);
    assert_eq!(first["type"], "progress", "{first}");
    driver.send(&json!({"type": "cancel", "id": id}));
    let run = driver.result_of(id, Duration::from_secs(5));
    assert_eq!(error_of(&run.output).0, "Error", "{}", run.output);
}

#[test]
fn cancel_reaches_jobs_started_after_it_and_loops_that_swallow_errors() {
    let mut driver = Driver::started(json!({}));
    // The interrupt is swallowed, then a job starts in the cancelled group: it is cancelled too.
    let id = driver.send_execute(
        "pyspark",
        "import time\ntry:\n    time.sleep(60)\nexcept KeyboardInterrupt:\n    pass\nsc._fake_job(tasks=4, seconds=30)",
    );
    std::thread::sleep(Duration::from_millis(300));
    driver.send(&json!({"type": "cancel", "id": id}));
    let run = driver.result_of(id, Duration::from_secs(5));
    assert_eq!(error_of(&run.output).0, "Exception", "{}", run.output);

    // Job failures swallowed in a loop: the interrupt follows after a short grace.
    let id = driver.send_execute(
        "pyspark",
        "while True:\n    try:\n        sc._fake_job(tasks=2, seconds=30)\n    except Exception:\n        pass",
    );
    let first = driver.expect(STEP);
    assert_eq!(first["type"], "progress", "{first}");
    driver.send(&json!({"type": "cancel", "id": id}));
    let run = driver.result_of(id, Duration::from_secs(5));
    assert_eq!(error_of(&run.output).0, "KeyboardInterrupt", "{}", run.output);
    assert_eq!(driver.text("1 + 1"), "2");
}

// ---------------------------------------------------------------------------------------
// Shutdown
// ---------------------------------------------------------------------------------------

#[test]
fn shutdown_message_exits_cleanly() {
    let mut driver = Driver::started(json!({}));
    assert_eq!(driver.text("1"), "1");
    let asked = Instant::now();
    driver.send(&json!({"type": "shutdown"}));
    assert_eq!(driver.wait_exit(Duration::from_secs(5)), Some(0), "{}", driver.log());
    assert!(asked.elapsed() < Duration::from_secs(3));
    assert!(driver.log_shows("Spark stopped"), "{}", driver.log());
}

#[test]
fn stdin_eof_exits() {
    let mut driver = Driver::started(json!({}));
    driver.close_stdin();
    assert_eq!(driver.wait_exit(Duration::from_secs(5)), Some(0), "{}", driver.log());
}

#[test]
fn shutdown_cancels_a_running_statement() {
    let mut driver = Driver::started(json!({}));
    driver.send_execute("pyspark", "import time; time.sleep(60)");
    std::thread::sleep(Duration::from_millis(300));
    let asked = Instant::now();
    driver.send(&json!({"type": "shutdown"}));
    assert_eq!(driver.wait_exit(Duration::from_secs(8)), Some(0), "{}", driver.log());
    assert!(asked.elapsed() < Duration::from_secs(5));
}

#[test]
fn shutdown_during_start_waits_for_spark_then_stops_it() {
    let mut driver = Driver::spawn(driver_command(&[]));
    driver.send(&start_message(json!({"conf": {"spark.fake.start_delay": "1"}})));
    driver.send(&json!({"type": "shutdown"}));
    let ready = driver.expect(STEP);
    assert_eq!(ready["type"], "ready", "{ready}");
    assert_eq!(driver.wait_exit(Duration::from_secs(8)), Some(0), "{}", driver.log());
    assert!(driver.log_shows("Spark stopped"), "{}", driver.log());
}

#[test]
fn a_hanging_spark_stop_does_not_hold_the_exit() {
    let mut driver = Driver::started(json!({"conf": {"spark.fake.stop_delay": "60"}}));
    let asked = Instant::now();
    driver.close_stdin();
    assert_eq!(driver.wait_exit(Duration::from_secs(12)), Some(0), "{}", driver.log());
    let took = asked.elapsed();
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(9),
        "{took:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Completion
// ---------------------------------------------------------------------------------------

impl Driver {
    /// Sends `complete` and returns its candidates (messages of a running statement are
    /// kept aside: the answer may come first).
    fn complete(&mut self, id: u64, code: &str, cursor: usize, aside: &mut Vec<Value>) -> Vec<String> {
        self.send(&json!({"type": "complete", "id": id, "code": code, "cursor": cursor}));
        loop {
            let message = self.expect(STEP);
            if message["type"] != "completion" {
                aside.push(message);
                continue;
            }
            assert_eq!(message["id"], id, "{message}");
            return serde_json::from_value(message["candidates"].clone()).unwrap();
        }
    }
}

#[test]
fn completion_offers_what_rlcompleter_offers_for_the_name_before_the_cursor() {
    let mut driver = Driver::started(json!({}));
    driver.ok("class Thing:\n    size = 3\n    def go(self):\n        pass\nthing = Thing()\nnumbers = [1]");
    let mut aside = Vec::new();
    assert_eq!(driver.complete(0, "x = spark.ran", 13, &mut aside), ["spark.range("]);
    // a `(` after a callable (Python 3.13 closes it when it takes no arguments)
    let members = driver.complete(1, "thing.", 6, &mut aside);
    assert!(
        matches!(&members[..], [go, size] if go.starts_with("thing.go(") && size == "thing.size"),
        "{members:?}"
    );
    assert_eq!(driver.complete(2, "print(num", 9, &mut aside), ["numbers"]);
    // the cursor, not the end of the code, says which name
    assert_eq!(driver.complete(3, "thing.s + thing.g", 7, &mut aside), ["thing.size"]);
    // nothing to complete, a name that is not there, a bad cursor: no candidates, no harm
    assert!(driver.complete(4, "x = ", 4, &mut aside).is_empty());
    assert!(driver.complete(5, "nothing_here.x", 14, &mut aside).is_empty());
    assert_eq!(driver.complete(6, "thing.s", 999, &mut aside), ["thing.size"]);
    assert!(aside.is_empty(), "{aside:?}");
    assert_eq!(driver.text("numbers"), "[1]", "the session goes on");

    // while a statement runs, completion answers at once (and sees the names bound so far)
    let id = driver.send_execute("pyspark", "import time\nbusy = 1\ntime.sleep(1.5)\n'done'");
    std::thread::sleep(Duration::from_millis(300));
    let asked = Instant::now();
    assert_eq!(driver.complete(7, "bus", 3, &mut aside), ["busy"]);
    assert!(asked.elapsed() < Duration::from_secs(1), "{:?}", asked.elapsed());
    let run = driver.result_of(id, STEP);
    assert_eq!(run.output["data"]["text/plain"], "'done'", "{}", run.output);
    assert!(aside.iter().all(|m| m["type"] == "progress"), "{aside:?}");
}

/// The driver's functions, called in a Python that imports it: what `snippet` prints (JSON).
fn driver_functions_say(snippet: &str) -> Value {
    let program = format!(
        "import importlib.util, json\n\
         spec = importlib.util.spec_from_file_location('local_driver', {path:?})\n\
         d = importlib.util.module_from_spec(spec)\n\
         spec.loader.exec_module(d)\n\
         {snippet}",
        path = driver_file().display().to_string()
    );
    let said = python_says(&program).expect("the snippet runs");
    serde_json::from_str(&said).unwrap_or_else(|e| panic!("{e}: {said}"))
}

/// Scala 2.13's REPL words become Livy's (its REPL was Scala 2.11/2.12): echoes, compile
/// errors (compared with the real capture), and `%table` of JSON values.
#[test]
fn scala_output_is_put_in_livy_s_words() {
    let echo = driver_functions_say(
        "print(json.dumps(d.scala_echo_livy('val res0: Int = 2\\nvar v: Int = 3\\ndef sq(i: Int): Int\\n\
         def f[T](x: T)(y: Int): List[T]\\ndef g: Int\\nclass P\\nobject O\\ntrait T\\ntype A\\n\
         lazy val z: Int // unevaluated\\nimport a.b\\nhello val x\\n')))",
    );
    assert_eq!(
        echo,
        "res0: Int = 2\nv: Int = 3\nsq: (i: Int)Int\nf: [T](x: T)(y: Int)List[T]\ng: Int\n\
         defined class P\ndefined object O\ndefined trait T\ndefined type alias A\nz: Int = <lazy>\n\
         import a.b\nhello val x\n"
    );

    let livy = fixture_output("spark-statement-compile-error");
    let code = fixture_code_of_response("spark-statement-compile-error");
    let said = "                    ^\n       error: type mismatch;\n        found   : String(\"not an int\")\n        required: Int\n";
    let error = driver_functions_say(&format!(
        "print(json.dumps(d.scala_compile_error({said:?}, {code:?}, 1)))"
    ));
    assert_eq!(error[0], "<console>:1: error: type mismatch;");
    assert_eq!(error[1], livy["traceback"]);
    // a later line of a chunk names its line and shows it; a runtime report is no compile error
    let said = "       val b: Int = \"s\"\n                    ^\nOn line 2: error: type mismatch;\n        found   : String(\"s\")\n        required: Int\n";
    let error = driver_functions_say(&format!(
        "print(json.dumps([d.scala_compile_error({said:?}, 'val a = 1\\nval b: Int = \"s\"', 4), \
         d.scala_compile_error('java.lang.RuntimeException: boom\\n  ... 33 elided\\n', 'x', 1)]))"
    ));
    assert_eq!(error[0][0], "<console>:5: error: type mismatch;");
    assert_eq!(error[0][1][2], "       val b: Int = \"s\"\n");
    assert_eq!(error[1], Value::Null);

    let table = fixture_output("spark-table-magic-same-statement");
    let ours = driver_functions_say("print(json.dumps(d.scala_table([[1, 'a'], [3, 'b']])))");
    assert_eq!(ours, table["data"]["application/vnd.livy.table.v1+json"]);
    let mixed = driver_functions_say(
        "try:\n    d.scala_table([[1], ['a']])\n    print('null')\nexcept d.MagicError as e:\n    print(json.dumps([e.ename, e.evalue]))",
    );
    assert_eq!(mixed, json!(["TypeError", "table rows have different types"]));
}

/// The `code` of a fixture that holds a whole response.
fn fixture_code_of_response(name: &str) -> String {
    let path = root().join("tests/fixtures/livy").join(format!("{name}.json"));
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    fixture["response"]["body"]["code"].as_str().unwrap().to_string()
}
