//! A server that accepts connections and never answers is not a silent wait: after a couple
//! of seconds the command says what it waits for, and it gives up in the time `--help` states.

mod cli;
mod support;

use cli::command;
use std::time::{Duration, Instant};
use support::{TestLivy, TestLivyConfig};

#[test]
fn a_server_that_does_not_answer_is_named_and_given_up_on() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    livy.faults().set_latency_ms(60_000);
    let started = Instant::now();
    let out = command(&livy.url())
        .args(["--read-timeout", "2.5", "sessions", "list"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].starts_with("waiting for the server to answer GET /sessions …"),
        "{stderr}"
    );
    assert!(
        lines.last().unwrap().starts_with("livy-tui: ") && stderr.contains("--read-timeout"),
        "{stderr}"
    );
    // Two tries of 2.5 s (`--retries 1`) and the backoff between them: bounded.
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
}
