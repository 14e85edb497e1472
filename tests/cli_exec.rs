//! `livy-tui exec` through the real binary against the test Livy server.

mod cli;
mod support;

use cli::{eventually, finish, interrupt, run, run_with_stdin, spawn};
use std::time::Duration;
use support::{TestLivy, TestLivyConfig};

fn server() -> TestLivy {
    TestLivy::start_blocking(TestLivyConfig::default())
}

fn sessions_alive(livy: &TestLivy) -> Vec<String> {
    (0..20)
        .map(|i| i.to_string())
        .filter(|id| livy.session_state(id).is_some())
        .collect()
}

#[test]
fn scala_result_is_printed_and_the_session_deleted() {
    let livy = server();
    let r = run(&livy.url(), &["exec", "--kind", "spark", "-c", "1 + 1"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "res0: Int = 2\n");
    assert_eq!(
        livy.requests_to("DELETE", "/sessions/0").len(),
        1,
        "the session it created is deleted"
    );
    assert!(sessions_alive(&livy).is_empty());
}

#[test]
fn sql_result_is_an_aligned_table() {
    let livy = server();
    let r = run(&livy.url(), &["exec", "--kind", "sql", "-c", "select 1 as a, 'x' as b"]);
    assert_eq!(r.code, 0, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0]
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>(),
        ["a", "b"],
        "{}",
        r.stdout
    );
    assert!(lines[2].contains("| 1 | x |"), "{}", r.stdout);
    assert!(r.stdout.ends_with("(1 row)\n"));
}

#[test]
fn a_failing_statement_exits_1_with_the_error_on_stderr() {
    let livy = server();
    let r = run(&livy.url(), &["exec", "--kind", "pyspark", "-c", "1/0"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("ZeroDivisionError: division by zero"), "{}", r.stderr);
    assert!(r.stderr.contains("Traceback"), "the traceback follows: {}", r.stderr);
}

#[test]
fn json_prints_the_raw_statement() {
    let livy = server();
    let r = run(&livy.url(), &["exec", "--kind", "pyspark", "-c", "1 + 1", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["state"], "available");
    assert_eq!(v["output"]["data"]["text/plain"], "2");
    assert!(r.stderr.is_empty(), "no progress noise with --json: {:?}", r.stderr);
}

#[test]
fn keep_leaves_the_session_and_names_it_and_session_reuses_it() {
    let livy = server();
    let r = run(
        &livy.url(),
        &["exec", "--kind", "spark", "-c", "1 + 1", "--keep", "--name", "mine"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("kept session 0"), "{}", r.stderr);
    assert_eq!(livy.session_state("0").as_deref(), Some("idle"));
    // By name, the counter shows the same interpreter ran both.
    let r = run(&livy.url(), &["exec", "--session", "mine", "-c", "2 + 2"]);
    assert_eq!(r.stdout, "res1: Int = 4\n", "{r:?}");
    assert_eq!(
        livy.session_state("0").as_deref(),
        Some("idle"),
        "an attached session is not deleted"
    );
}

#[test]
fn another_language_in_the_same_session() {
    let livy = server();
    let id = livy.create_idle_session_blocking("spark");
    let r = run(
        &livy.url(),
        &["exec", "--session", &id, "--kind", "sql", "-c", "select 2 as two"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("two"), "{}", r.stdout);
    let posts = livy.requests_to("POST", &format!("/sessions/{id}/statements"));
    assert_eq!(posts[0].body_json().unwrap()["kind"], "sql");
}

#[test]
fn code_from_stdin_and_from_a_file() {
    let livy = server();
    let r = run_with_stdin(&livy.url(), &["exec", "--kind", "pyspark"], "print(\"hi there\")\n");
    assert_eq!((r.code, r.stdout.as_str()), (0, "hi there\n"), "{r:?}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("job.scala");
    std::fs::write(&file, "20 + 22\n").unwrap();
    let r = run(&livy.url(), &["exec", "--kind", "spark", "-f", file.to_str().unwrap()]);
    assert_eq!(r.stdout, "res0: Int = 42\n", "{r:?}");
    let r = run(&livy.url(), &["exec", "--kind", "spark", "-f", "/no/such/file.scala"]);
    assert_eq!(r.code, 2);
    r.assert_one_clear_error_line();
}

#[test]
fn images_are_saved_to_a_file_whose_path_is_printed() {
    let livy = server();
    let dir = tempfile::tempdir().unwrap();
    let r = run(
        &livy.url(),
        &[
            "exec",
            "--kind",
            "pyspark",
            "-c",
            "%fake fixture pyspark-matplot-magic",
            "--output-dir",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let path = r.stdout.trim().strip_prefix("image saved to ").expect(&r.stdout);
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG file");
    assert!(path.starts_with(dir.path().to_str().unwrap()));
}

#[test]
fn ctrl_c_cancels_the_running_statement_and_deletes_the_session() {
    let livy = server();
    let child = spawn(&livy.url(), &["exec", "--kind", "spark", "-c", "Thread.sleep(60000)"]);
    eventually(Duration::from_secs(20), "the statement runs", || {
        livy.statement("0", 0).is_some_and(|s| s["state"] == "running")
    });
    interrupt(&child);
    let r = finish(child, Duration::from_secs(20));
    assert_eq!(r.code, 130, "{r:?}");
    assert_eq!(
        livy.requests_to("POST", "/sessions/0/statements/0/cancel").len(),
        1,
        "cancelled on the server"
    );
    assert_eq!(
        livy.requests_to("DELETE", "/sessions/0").len(),
        1,
        "and the session deleted"
    );
    assert!(r.stderr.contains("cancelling statement 0"), "{}", r.stderr);
}

#[test]
fn timeout_gives_up_and_cleans_up() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(60_000));
    let r = run(&livy.url(), &["exec", "--kind", "spark", "-c", "1", "--timeout", "1"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("gave up after --timeout"), "{}", r.stderr);
    assert!(
        r.stderr.contains("session 0 starting"),
        "progress was shown: {}",
        r.stderr
    );
    assert_eq!(livy.requests_to("DELETE", "/sessions/0").len(), 1);
}

#[test]
fn a_session_that_dies_while_starting_is_explained() {
    let livy = server();
    livy.faults().fail_session_starts(1);
    let r = run(&livy.url(), &["exec", "--kind", "spark", "-c", "1"]);
    assert!(r.stderr.contains("session 0 is dead"), "{}", r.stderr);
    assert!(r.stderr.contains("sessions log 0"), "{}", r.stderr);
    r.assert_one_clear_error_line();
}

#[test]
fn a_dead_session_is_a_clear_error() {
    let livy = server();
    let id = livy.create_idle_session_blocking("spark");
    livy.kill_session(&id);
    let r = run(&livy.url(), &["exec", "--session", &id, "-c", "1 + 1"]);
    assert!(r.stderr.contains(&format!("session {id} is dead")), "{}", r.stderr);
    r.assert_one_clear_error_line();
}

#[test]
fn no_code_is_a_usage_error() {
    let livy = server();
    let r = run(&livy.url(), &["exec", "--kind", "spark", "-c", "  "]);
    assert_eq!(r.code, 2);
    r.assert_one_clear_error_line();
}

#[test]
fn a_brief_outage_while_the_statement_runs_is_ridden_out() {
    let livy = server();
    let id = livy.create_idle_session_blocking("spark");
    // More failures than the client retries (once, in these tests): the follower carries on.
    livy.faults().fail_next_on(
        4,
        "GET",
        &format!("/sessions/{id}/statements/0"),
        503,
        serde_json::json!({"msg": "gateway restarting"}),
    );
    let r = run(&livy.url(), &["exec", "--session", &id, "-c", "Thread.sleep(500)"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("gateway restarting") && r.stderr.contains("still following"),
        "the trouble was shown: {}",
        r.stderr
    );
}

#[test]
fn exec_in_a_session_asks_only_what_it_needs() {
    let livy = server();
    let id = livy.create_idle_session_blocking("spark");
    livy.clear_requests();
    let r = run(&livy.url(), &["exec", "--session", &id, "-c", "1 + 1", "--keep"]);
    assert_eq!(r.stdout, "res0: Int = 2\n", "{r:?}");
    let sent: Vec<String> = livy.requests().iter().map(|r| r.line()).collect();
    // the session once (its kind and state), the statement, then polls of that statement
    assert_eq!(
        sent[..2],
        [format!("GET /sessions/{id}"), format!("POST /sessions/{id}/statements")]
    );
    let poll = format!("GET /sessions/{id}/statements/0");
    assert!(
        sent[2..].iter().all(|line| *line == poll) && sent.len() > 2,
        "nothing else, and never a keep-alive: {sent:?}"
    );
}
