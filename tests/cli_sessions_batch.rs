//! `livy-tui sessions …` and `livy-tui batch …` through the real binary.

mod cli;
mod support;

use cli::{eventually, finish, run, spawn};
use std::time::Duration;
use support::{TestLivy, TestLivyConfig};

#[test]
fn sessions_list_show_log_and_kill() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let r = run(&livy.url(), &["sessions", "list"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.is_empty() && r.stderr.contains("no sessions"), "{r:?}");

    let a = livy.create_idle_session_blocking("spark");
    livy.create_named_session("pyspark", Some("etl"));
    let r = run(&livy.url(), &["sessions", "list"]);
    assert_eq!(r.code, 0, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["ID", "NAME", "KIND", "STATE", "OWNER", "PROXY", "USER", "APP", "ID"]
    );
    assert!(
        lines[1].split_whitespace().take(4).eq(["0", "-", "spark", "idle"]),
        "{}",
        r.stdout
    );
    assert!(
        lines[2].split_whitespace().take(3).eq(["1", "etl", "pyspark"]),
        "{}",
        r.stdout
    );

    let r = run(&livy.url(), &["sessions", "show", "etl"]);
    assert!(r.stdout.contains("kind            pyspark"), "{}", r.stdout);
    let r = run(&livy.url(), &["sessions", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);

    livy.append_log(&a, &["a marker line".to_string()]);
    let r = run(&livy.url(), &["sessions", "log", &a]);
    assert!(r.stdout.contains("a marker line"), "{}", r.stdout);
    assert!(
        r.stdout.starts_with("stdout:"),
        "markers printed without their newline: {}",
        r.stdout
    );
    let r = run(&livy.url(), &["sessions", "log", &a, "-n", "1"]);
    assert_eq!(r.stdout.lines().count(), 1);

    let r = run(&livy.url(), &["sessions", "kill", &a]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "session 0 deleted\n"));
    let r = run(&livy.url(), &["sessions", "kill", &a]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Session '0' not found"), "{}", r.stderr);
    r.assert_one_clear_error_line();
}

#[test]
fn sessions_log_follow_prints_each_new_line_once_until_the_end() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().log_cap(30));
    let id = livy.create_idle_session_blocking("spark");
    let child = spawn(&livy.url(), &["sessions", "log", &id, "-f"]);
    let mut expected = Vec::new();
    for round in 0..5 {
        expected.extend(livy.append_numbered_log(&id, round * 10, 10));
        std::thread::sleep(Duration::from_millis(700));
    }
    livy.kill_session(&id);
    let r = finish(child, Duration::from_secs(20));
    assert_eq!(r.code, 0, "{r:?}");
    let printed: Vec<&str> = r.stdout.lines().filter(|l| l.contains("FakeLog")).collect();
    assert_eq!(printed, expected.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(r.stderr.contains("session 0 is dead"), "{}", r.stderr);
}

#[test]
fn batch_submit_follow_succeeds_and_fails_with_the_exit_code() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().batch_ms(100, 600));
    let r = run(
        &livy.url(),
        &[
            "batch",
            "submit",
            "/jobs/hello.jar",
            "--class",
            "Hello",
            "--arg",
            "a",
            "--arg",
            "-b",
            "--conf",
            "spark.x=1",
            "--name",
            "nightly",
            "-f",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("batch 0 succeeded"), "{}", r.stderr);
    assert!(!r.stdout.is_empty(), "the log was printed");
    let body = livy.requests_to("POST", "/batches")[0].body_json().unwrap();
    assert_eq!(body["args"], serde_json::json!(["a", "-b"]));
    assert_eq!(body["conf"]["spark.x"], "1");
    assert_eq!(body["name"], "nightly");

    let r = run(&livy.url(), &["batch", "submit", "/jobs/fail.py", "-f"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("batch 1 ended dead"), "{}", r.stderr);
}

#[test]
fn batch_submit_then_list_show_log_follow_and_kill() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().batch_ms(100, 800));
    let r = run(&livy.url(), &["batch", "submit", "/jobs/app.py", "--name", "report"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "0\n", "the id alone on stdout, for scripts");
    assert!(r.stderr.contains("batch log 0 -f"), "{}", r.stderr);

    let r = run(&livy.url(), &["batch", "list"]);
    assert!(
        r.stdout
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .take(2)
            .eq(["0", "report"]),
        "{}",
        r.stdout
    );
    let r = run(&livy.url(), &["batch", "show", "report"]);
    assert!(r.stdout.contains("name        report"), "{}", r.stdout);

    let r = run(&livy.url(), &["batch", "log", "0", "-f"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(livy.batch_state("0").as_deref(), Some("success"));

    let r = run(&livy.url(), &["batch", "submit", "/jobs/long.py"]);
    assert_eq!(r.code, 0);
    eventually(Duration::from_secs(10), "batch 1 exists", || {
        livy.batch_state("1").is_some()
    });
    let r = run(&livy.url(), &["batch", "kill", "1"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "batch 1 killed and deleted\n"));
    let r = run(&livy.url(), &["batch", "show", "1"]);
    assert!(r.stderr.contains("batch list"), "{}", r.stderr);
    r.assert_one_clear_error_line();
}

#[test]
fn a_batch_the_server_rejects_is_a_clear_error() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let r = run(&livy.url(), &["batch", "submit", "  "]);
    assert_eq!(r.code, 2, "{r:?}");
    r.assert_one_clear_error_line();
}

#[test]
fn following_a_session_that_gets_deleted_ends_cleanly() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let id = livy.create_idle_session_blocking("spark");
    let child = spawn(&livy.url(), &["sessions", "log", &id, "-f"]);
    std::thread::sleep(Duration::from_millis(600));
    let r = run(&livy.url(), &["sessions", "kill", &id]);
    assert_eq!(r.code, 0);
    let r = finish(child, Duration::from_secs(20));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("session 0 is deleted"), "{}", r.stderr);
}

#[test]
fn the_diagnostic_log_goes_to_the_file_and_to_stderr_only_when_verbose() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("sub/dir/livy.log");
    let out = cli::command_without_log_file(&livy.url())
        .args([
            "--log-file",
            log.to_str().unwrap(),
            "--log-level",
            "debug",
            "sessions",
            "list",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!("no sessions on {}", livy.url())
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("GET /sessions"), "{text}");

    let out = cli::command_without_log_file(&livy.url())
        .args(["--log-file", log.to_str().unwrap(), "--verbose", "sessions", "list"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("livy-tui starting"));

    // An unwritable log file is reported, never fatal.
    let out = cli::command_without_log_file(&livy.url())
        .args(["--log-file", "/proc/no/such.log", "sessions", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write the log file"));
}
