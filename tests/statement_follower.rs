//! The statement follower shared by the notebook and `exec`/`run`, against the test server:
//! what it reports, what it returns, how often it asks, and when it gives up.

mod support;

use livy_tui::livy::{ClientConfig, CreateStatement, ErrorKind, LivyClient, RetryPolicy, SessionId, StatementState};
use livy_tui::session::{Observation, StatementFollower, StatementPace};
use serde_json::json;
use std::time::{Duration, Instant};
use support::{Reply, TestLivy};

/// A client that does not retry, so every failed poll reaches the follower.
fn client(livy: &TestLivy) -> LivyClient {
    let mut config = ClientConfig::new(&livy.url()).unwrap();
    config.retry = RetryPolicy::none();
    LivyClient::new(config).unwrap()
}

fn code(code: &str) -> CreateStatement {
    CreateStatement {
        code: code.into(),
        kind: None,
    }
}

/// What a follower saw, in order, as short words (`submitted`, `running`, `trouble 503`).
#[derive(Default)]
struct Seen {
    events: Vec<String>,
    /// When each poll answered with progress.
    progress_at: Vec<Instant>,
}

impl Seen {
    fn record(&mut self, seen: Observation<'_>) {
        let event = match seen {
            Observation::Submitted(s) => format!("submitted {}", s.id),
            Observation::Progress(s) => {
                self.progress_at.push(Instant::now());
                s.state.to_string()
            }
            Observation::Trouble(e) => format!("trouble {}", e.status.unwrap_or_default()),
        };
        self.events.push(event);
    }
}

#[tokio::test]
async fn reports_the_submit_and_progress_and_returns_the_servers_json() {
    let livy = TestLivy::start().await;
    let session = SessionId::from(livy.create_idle_session("spark").await.as_str());
    livy.script("slow", Reply::text("done").taking_ms(400));
    let client = client(&livy);
    let mut seen = Seen::default();

    let finished = StatementFollower::new(&client, &session)
        .submit(&code("slow"), |o| seen.record(o))
        .await
        .unwrap();

    assert_eq!(seen.events.first().map(String::as_str), Some("submitted 0"));
    assert!(
        seen.events[1..].iter().all(|e| e == "waiting" || e == "running"),
        "{:?}",
        seen.events
    );
    assert!(seen.events.len() >= 2, "it reported progress: {:?}", seen.events);
    assert_eq!(finished.statement.state, StatementState::Available);
    assert_eq!(raw_json(&finished)["output"]["data"]["text/plain"], "done");
    let stored = livy.statement(session.as_str(), 0).unwrap();
    assert_eq!(raw_json(&finished)["id"], stored["id"]);
    assert_eq!(raw_json(&finished)["code"], json!("slow"));
}

#[tokio::test]
async fn waits_a_tenth_of_the_run_so_far_between_polls() {
    let livy = TestLivy::start().await;
    let session = SessionId::from(livy.create_idle_session("spark").await.as_str());
    livy.script("long", Reply::text("done").taking_ms(1500));
    let client = client(&livy);
    let mut seen = Seen::default();
    livy.clear_requests();

    let started = Instant::now();
    StatementFollower::new(&client, &session)
        .submit(&code("long"), |o| seen.record(o))
        .await
        .unwrap();
    let took = started.elapsed();

    // Each poll waits at least a tenth of the time the statement had run at the one before.
    let mut previous: Option<Instant> = None;
    for at in &seen.progress_at {
        if let Some(before) = previous {
            let floor = StatementPace::delay_after(before - started);
            assert!(
                *at - before >= floor,
                "polls {:?} apart, after {:?}",
                *at - before,
                before - started
            );
        }
        previous = Some(*at);
    }
    // So a 1.5 s statement gets a few dozen polls, not hundreds.
    let polls = livy.requests_to("GET", "/sessions/0/statements/0").len();
    assert!(polls <= StatementPace::polls_within(took), "{polls} polls in {took:?}");
    assert!(polls >= 2, "{polls} polls in {took:?}");
}

#[tokio::test]
async fn follows_through_trouble_until_the_statement_finishes() {
    let livy = TestLivy::start().await;
    let session = SessionId::from(livy.create_idle_session("spark").await.as_str());
    livy.script("work", Reply::text("done").taking_ms(300));
    livy.faults().fail_next_on(
        3,
        "GET",
        "/sessions/0/statements/0",
        503,
        json!({"msg": "gateway busy"}),
    );
    let client = client(&livy);
    let mut seen = Seen::default();

    let finished = StatementFollower::new(&client, &session)
        .give_up_after(Duration::from_secs(30))
        .submit(&code("work"), |o| seen.record(o))
        .await
        .unwrap();

    let troubles = seen.events.iter().filter(|e| *e == "trouble 503").count();
    assert_eq!(troubles, 3, "{:?}", seen.events);
    assert_eq!(raw_json(&finished)["output"]["data"]["text/plain"], "done");
}

#[tokio::test]
async fn gives_up_when_trouble_outlasts_its_patience() {
    let livy = TestLivy::start().await;
    let session = SessionId::from(livy.create_idle_session("spark").await.as_str());
    livy.script("work", Reply::text("done").taking_ms(10_000));
    livy.faults().fail_next_on(
        1000,
        "GET",
        "/sessions/0/statements/0",
        503,
        json!({"msg": "gateway busy"}),
    );
    let client = client(&livy);

    let e = StatementFollower::new(&client, &session)
        .give_up_after(Duration::from_millis(400))
        .submit(&code("work"), |_| {})
        .await
        .unwrap_err();
    assert_eq!(e.status, Some(503), "{e}");
}

#[tokio::test]
async fn stops_at_once_on_an_error_that_will_not_pass() {
    let livy = TestLivy::start().await;
    let session = SessionId::from(livy.create_idle_session("spark").await.as_str());
    livy.script("work", Reply::text("done").taking_ms(10_000));
    livy.faults().fail_next_on(
        1,
        "GET",
        "/sessions/0/statements/0",
        500,
        json!({"msg": "scripted outage"}),
    );
    let client = client(&livy);
    let mut seen = Seen::default();

    // No patience limit: only trouble is followed through, never a definite failure.
    let e = StatementFollower::new(&client, &session)
        .submit(&code("work"), |o| seen.record(o))
        .await
        .unwrap_err();
    assert_eq!(e.status, Some(500));
    assert!(e.message.contains("scripted outage"), "{e}");
    assert_eq!(seen.events, vec!["submitted 0"]);
}

#[tokio::test]
async fn follows_a_statement_submitted_elsewhere_without_posting() {
    let livy = TestLivy::start().await;
    let session = SessionId::from(livy.create_idle_session("spark").await.as_str());
    livy.script("work", Reply::text("done").taking_ms(200));
    let client = client(&livy);
    let submitted = client.submit_statement(&session, &code("work")).await.unwrap();
    livy.clear_requests();
    let mut seen = Seen::default();

    let finished = StatementFollower::new(&client, &session)
        .follow(submitted, |o| seen.record(o))
        .await
        .unwrap();

    assert!(livy.requests_to("POST", "/sessions").is_empty());
    assert!(
        seen.events.iter().all(|e| !e.starts_with("submitted")),
        "{:?}",
        seen.events
    );
    assert_eq!(finished.statement.state, StatementState::Available);
}

#[tokio::test]
async fn a_malformed_answer_ends_the_follow() {
    let livy = TestLivy::start().await;
    let session = SessionId::from(livy.create_idle_session("spark").await.as_str());
    livy.script("work", Reply::text("done").taking_ms(200));
    livy.faults().malform_next_on(1, "GET", "/sessions/0/statements/0");
    let client = client(&livy);

    let e = StatementFollower::new(&client, &session)
        .submit(&code("work"), |_| {})
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidResponse, "{e}");
}

#[tokio::test]
async fn follows_a_statement_by_id_alone_and_reads_a_finished_one_once() {
    let livy = TestLivy::start().await;
    let session = SessionId::from(livy.create_idle_session("spark").await.as_str());
    livy.script("slow", Reply::text("done").taking_ms(600));
    livy.script("quick", Reply::text("quick done"));
    let client = client(&livy);
    // submitted by an earlier run of the app, which went away
    let slow = client.submit_statement(&session, &code("slow")).await.unwrap();
    let mut seen = Seen::default();
    let finished = StatementFollower::new(&client, &session)
        .follow_id(slow.id.clone(), |o| seen.record(o))
        .await
        .unwrap();
    assert_eq!(raw_json(&finished)["output"]["data"]["text/plain"], "done");
    assert!(
        !seen.events.iter().any(|e| e.starts_with("submitted")),
        "{:?}",
        seen.events
    );

    let quick = client.submit_statement(&session, &code("quick")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    livy.clear_requests();
    let finished = StatementFollower::new(&client, &session)
        .follow_id(quick.id, |o| seen.record(o))
        .await
        .unwrap();
    assert_eq!(raw_json(&finished)["output"]["data"]["text/plain"], "quick done");
    assert_eq!(
        livy.requests().len(),
        1,
        "a finished statement is read once, nothing sent"
    );
    assert_eq!(livy.requests_to("GET", "/sessions/").len(), 1);
}

/// The follower's raw JSON, parsed for looking into.
fn raw_json(finished: &livy_tui::session::FinishedStatement) -> serde_json::Value {
    serde_json::from_str(finished.raw.get()).expect("the raw reply is JSON")
}
