//! Faults a gateway adds, through the real binary: what must hold is stated in each test
//! (no duplicate statement, no orphan session, nothing lost, a clear message).

mod cli;
mod support;

use cli::{eventually, finish, run, spawn};
use livy_tui::testing::Reply;
use serde_json::json;
use std::time::Duration;
use support::{TestLivy, TestLivyConfig};

/// A 503 means the request was not processed: POSTs (a new session, a statement) are sent
/// again after a backoff instead of failing, and each is done once.
#[test]
fn a_503_on_a_post_is_retried_and_nothing_runs_twice() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let busy = json!({"msg": "Service Unavailable"});
    livy.faults().fail_next_on(1, "POST", "/sessions", 503, busy.clone());
    // (The test harness passes --retries 1: one refusal each is what it rides out.)
    livy.faults()
        .fail_next_on(1, "POST", "/sessions/0/statements", 503, busy);
    let r = run(&livy.url(), &["exec", "--keep", "--kind", "pyspark", "-c", "1 + 1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), "2");
    let creates = livy
        .requests_to("POST", "/sessions")
        .into_iter()
        .filter(|r| r.path == "/sessions")
        .count();
    assert_eq!(creates, 2, "one refused, one done");
    assert!(
        livy.session_state("0").is_some() && livy.session_state("1").is_none(),
        "one session on the server"
    );
    let statements = livy
        .requests_to("POST", "/sessions/0/statements")
        .into_iter()
        .filter(|r| r.path.ends_with("/statements"))
        .count();
    assert_eq!(statements, 2, "one refused, one done");
    assert!(
        livy.statement("0", 0).is_some() && livy.statement("0", 1).is_none(),
        "the statement ran once"
    );
}

/// A busy gateway's `Retry-After` is followed: the next try waits as long as it asked.
#[test]
fn retry_after_sets_the_wait() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    livy.faults().busy_next_on(1, "GET", "/sessions", 2);
    let r = run(&livy.url(), &["sessions", "list"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let seen = livy.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        r.stderr.contains("retrying in 2s"),
        "the wait the server asked for is the one taken: {}",
        r.stderr
    );
}

/// A create whose reply is lost: the session the server made is found and used, never left
/// behind holding cluster resources; one it did not make is asked for again.
#[test]
fn a_lost_create_reply_adopts_the_session_the_server_made() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    // Someone else's session, the same kind, made before.
    livy.create_session("pyspark");
    livy.faults().drop_next_on(1, "POST", "/sessions");
    let r = run(&livy.url(), &["exec", "--keep", "--kind", "pyspark", "-c", "1 + 1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), "2");
    assert!(
        livy.session_state("1").is_some() && livy.session_state("2").is_none(),
        "no orphan"
    );
    assert!(livy.statement("1", 0).is_some(), "ran in the session it made");
    assert!(livy.statement("0", 0).is_none(), "not in the other one");

    // A gateway error before Livy acted: nothing made, so it is asked for again, once.
    livy.faults()
        .fail_next_on(1, "POST", "/sessions", 502, json!({"msg": "Bad Gateway"}));
    let r = run(&livy.url(), &["exec", "--kind", "pyspark", "-c", "2 + 2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(livy.session_state("3").is_none(), "one new session (2), no orphan");
}

/// A restart without recovery while a statement runs: the id comes back naming someone
/// else's statement, whose result must not be printed as ours.
#[test]
fn after_a_restart_another_statement_under_our_id_is_not_our_result() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    livy.script("slow one", Reply::text("mine").taking_ms(4000));
    let ours = spawn(&livy.url(), &["exec", "--kind", "pyspark", "-c", "slow one"]);
    eventually(Duration::from_secs(10), "our statement runs", || {
        livy.statement("0", 0).is_some()
    });
    // While the server restarts and someone else's session and statement take the ids, our
    // polls meet a busy gateway (which a follower rides out).
    livy.faults().fail_next_on(
        10_000,
        "GET",
        "/sessions/0/statements/0",
        503,
        json!({"msg": "restarting"}),
    );
    livy.restart_without_recovery();
    let theirs = livy.create_idle_session_blocking("pyspark");
    assert_eq!(theirs, "0");
    livy.submit_statement(&theirs, "1 + 1");
    livy.faults().clear();
    let r = finish(ours, Duration::from_secs(30));
    assert_ne!(r.code, 0, "{r:?}");
    assert!(!r.stdout.contains('2'), "their result is not ours: {r:?}");
    assert!(r.stderr.contains("another statement under its id"), "{}", r.stderr);
    // The session under our id is theirs now: cleaning up must not delete it.
    assert!(livy.requests_to("DELETE", "/sessions/0").is_empty(), "{r:?}");
    assert_eq!(livy.session_state(&theirs).as_deref(), Some("idle"));
    assert!(r.stderr.contains("session 0 was not deleted"), "{}", r.stderr);
}

/// An outage while a statement runs is ridden out for `--wait-for-server`, saying so on
/// stderr; past it the command gives up in one line.
#[test]
fn an_outage_is_ridden_out_for_as_long_as_asked() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    livy.script("job", Reply::text("done").taking_ms(500));
    let unavailable = json!({"msg": "Service Unavailable"});
    livy.faults()
        .fail_next_on(10_000, "GET", "/sessions/0/statements/0", 503, unavailable.clone());
    let r = run(
        &livy.url(),
        &["--wait-for-server", "1s", "exec", "--kind", "pyspark", "-c", "job"],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.lines().last().unwrap().starts_with("livy-tui: "),
        "{}",
        r.stderr
    );

    livy.faults().clear();
    livy.faults()
        .fail_next_on(10_000, "GET", "/sessions/1/statements/0", 503, unavailable);
    let ours = spawn(
        &livy.url(),
        &["--wait-for-server", "30s", "exec", "--kind", "pyspark", "-c", "job"],
    );
    std::thread::sleep(Duration::from_secs(3));
    livy.faults().clear();
    let r = finish(ours, Duration::from_secs(30));
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout.trim(), "done");
}
