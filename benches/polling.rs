//! What the notebook and `exec` cost the server, and how soon they show a result, against the
//! test Livy server with a statement time set here, side by side with a client that polls
//! without pause (every 5 ms):
//!
//! - `statement_result`: time from submit to result for statements of 10 ms, 100 ms and 1 s,
//!   the statement follower (`StatementFollower`, shared by the notebook, `exec` and `run`)
//!   against the tight poller; the requests each sent are printed after.
//! - `ten_second_statement`: requests and time for one statement of 10 s.
//! - `exec_session`: `livy-tui exec --session` (the real binary) against the tight poller
//!   doing the same job: requests and wall time.
//! - `idle_minute`: the notebook (app and effect runner, no terminal) on an idle session with
//!   the log pane closed and keep-alive as frequent as allowed (30 s): requests in the minute
//!   after a statement finished.
//!
//! `cargo bench --bench polling` runs all (about 3 minutes); a name runs one, e.g.
//! `cargo bench --bench polling -- idle_minute`.

use criterion::{Criterion, SamplingMode};
use crossterm::event::{KeyCode, KeyModifiers};
use livy_tui::app::{App, RunState};
use livy_tui::livy::{ClientConfig, CreateStatement, LivyClient, RetryPolicy, SessionId, Statement};
use livy_tui::session::StatementFollower;
use livy_tui::testing::{HeadlessNotebook, TestLivy, TestLivyConfig};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The pause of the client that polls as fast as it reasonably can.
const TIGHT: Duration = Duration::from_millis(5);

fn client(livy: &TestLivy) -> LivyClient {
    let mut config = ClientConfig::new(&livy.url()).unwrap();
    config.retry = RetryPolicy::none();
    LivyClient::new(config).unwrap()
}

fn statement() -> CreateStatement {
    CreateStatement {
        code: "1 + 1".into(),
        kind: None,
    }
}

/// One run: how long until the result was seen, and the requests it took (the POST included).
#[derive(Clone, Copy, Default)]
struct Run {
    took: Duration,
    requests: usize,
}

/// Submits with the statement follower and waits for the result.
async fn follower(livy: &TestLivy, client: &LivyClient, session: &SessionId) -> Run {
    let before = livy.requests().len();
    let started = Instant::now();
    StatementFollower::new(client, session)
        .submit(&statement(), |_| {})
        .await
        .unwrap();
    Run {
        took: started.elapsed(),
        requests: livy.requests().len() - before,
    }
}

/// Submits, then asks for the statement every 5 ms until it is finished.
async fn tight(livy: &TestLivy, client: &LivyClient, session: &SessionId) -> Run {
    let before = livy.requests().len();
    let started = Instant::now();
    let submitted = client.submit_statement(session, &statement()).await.unwrap();
    loop {
        let now: Statement = client.get_statement(session, &submitted.id).await.unwrap();
        if now.state.is_finished() {
            break;
        }
        tokio::time::sleep(TIGHT).await;
    }
    Run {
        took: started.elapsed(),
        requests: livy.requests().len() - before,
    }
}

/// A server whose statements take `ms`, an idle pyspark session on it, a client, a runtime.
fn setup(ms: u64) -> (tokio::runtime::Runtime, TestLivy, LivyClient, SessionId) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(0).statement_ms(ms));
    let session = SessionId::from(livy.create_idle_session_blocking("pyspark").as_str());
    let client = client(&livy);
    // The client learns the session's statements once, as a notebook does on its first one.
    runtime.block_on(follower(&livy, &client, &session));
    (runtime, livy, client, session)
}

/// Criterion's time to the result, both clients, for statements of 10 ms to 1 s; the
/// requests they sent are printed after.
fn statement_result(c: &mut Criterion) {
    let mut sent: BTreeMap<(u64, &str), (usize, usize)> = BTreeMap::new();
    let mut group = c.benchmark_group("statement_result");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    for ms in [10, 100, 1000] {
        let (runtime, livy, client, session) = setup(ms);
        group
            .warm_up_time(Duration::from_millis(ms * 3))
            .measurement_time(Duration::from_millis(ms * 12 + 500));
        for (name, tight_poll) in [("follower", false), ("tight_5ms", true)] {
            group.bench_function(format!("{name}/{ms}ms"), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let run = runtime.block_on(async {
                            if tight_poll {
                                tight(&livy, &client, &session).await
                            } else {
                                follower(&livy, &client, &session).await
                            }
                        });
                        total += run.took;
                        let counted = sent.entry((ms, name)).or_default();
                        counted.0 += run.requests;
                        counted.1 += 1;
                    }
                    total
                })
            });
        }
    }
    group.finish();
    if sent.is_empty() {
        return;
    }
    eprintln!("\nrequests per statement (POST included):");
    for ((ms, name), (requests, runs)) in &sent {
        eprintln!("  {name:>9} {ms:>5} ms: {:.1}", *requests as f64 / *runs as f64);
    }
}

/// One statement of 10 s, each client once: requests and time to the result.
fn ten_second_statement() {
    let (runtime, livy, client, session) = setup(10_000);
    let ours = runtime.block_on(follower(&livy, &client, &session));
    let theirs = runtime.block_on(tight(&livy, &client, &session));
    eprintln!("\nten_second_statement (10 s statement):");
    report("follower", ours);
    report("tight_5ms", theirs);
    eprintln!(
        "  follower/tight: {:.3} of the requests, {:.3}× the time",
        ours.requests as f64 / theirs.requests as f64,
        ours.took.as_secs_f64() / theirs.took.as_secs_f64()
    );
}

fn report(name: &str, run: Run) {
    eprintln!(
        "  {name:>9}: {:>4} requests, result after {:.1} ms",
        run.requests,
        run.took.as_secs_f64() * 1e3
    );
}

/// `livy-tui exec --session` against the tight poller doing its job (look at the session,
/// submit, poll): requests and wall time, for a statement of 200 ms, 5 runs each.
fn exec_session() {
    let (runtime, livy, client, session) = setup(200);
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..5 {
        let before = livy.requests().len();
        let started = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_livy-tui"))
            .args(["--url", &livy.url(), "--log-file", "/dev/null"])
            .args(["exec", "--session", session.as_str(), "-c", "1 + 1"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        ours.push(Run {
            took: started.elapsed(),
            requests: livy.requests().len() - before,
        });
        let before = livy.requests().len();
        let started = Instant::now();
        runtime.block_on(async {
            client.get_session(&session).await.unwrap();
            tight(&livy, &client, &session).await
        });
        theirs.push(Run {
            took: started.elapsed(),
            requests: livy.requests().len() - before,
        });
    }
    let median = |runs: &mut Vec<Run>| {
        runs.sort_by_key(|r| r.took);
        runs[runs.len() / 2]
    };
    eprintln!("\nexec_session (200 ms statement, median of 5; exec's time includes starting the process):");
    report("exec", median(&mut ours));
    report("tight_5ms", median(&mut theirs));
}

/// The notebook on an idle session, log pane closed, keep-alive every 30 s (the most the
/// config allows): every request in the minute after a statement finished.
fn idle_minute() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(100));
    runtime.block_on(async {
        let mut notebook = HeadlessNotebook::start(&livy.url(), Some(Duration::from_secs(30)));
        notebook.until_idle().await;
        // A statement first: the minute after work is the busiest idle one.
        notebook.type_text("1 + 1");
        notebook.key(KeyCode::Char('e'), KeyModifiers::CONTROL);
        let done = |app: &App| matches!(app.notebook.cells[0].run, RunState::Finished { .. });
        assert!(notebook.run_until(Duration::from_secs(10), done).await);
        livy.clear_requests();
        notebook.run_for(Duration::from_secs(60)).await;
    });
    let requests = livy.requests();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for r in &requests {
        *kinds.entry(format!("{} {}", r.method, r.path)).or_default() += 1;
    }
    eprintln!(
        "\nidle_minute: {} requests in the minute after a statement finished",
        requests.len()
    );
    for (what, n) in kinds {
        eprintln!("  {n:>3} {what}");
    }
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    let mut criterion = Criterion::default().configure_from_args();
    statement_result(&mut criterion);
    criterion.final_summary();
    if wanted("ten_second_statement") {
        ten_second_statement();
    }
    if wanted("exec_session") {
        exec_session();
    }
    if wanted("idle_minute") {
        idle_minute();
    }
}
