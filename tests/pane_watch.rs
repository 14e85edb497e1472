//! The effect runner's side of the sessions and batches panes, against the test server:
//! the listing is polled only while watched, backing off while nothing changes; a log is
//! followed line by line, each line once; kill, create and submit report when done, a batch
//! with the profile's defaults under the form.

mod support;

use livy_tui::app::panes::{PaneKind, PaneReport, PaneRequest};
use livy_tui::app::{AppEvent, Effect};
use livy_tui::livy::{
    BatchId, ClientConfig, CreateBatch, CreateSession, LivyClient, LogSource, Resources, RetryPolicy,
};
use livy_tui::session::effect_runner::EffectRunner;
use std::time::{Duration, Instant};
use support::{TestLivy, TestLivyConfig};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

fn runner(livy: &TestLivy) -> (EffectRunner, UnboundedReceiver<AppEvent>) {
    let mut config = ClientConfig::new(&livy.url()).unwrap();
    config.retry = RetryPolicy::none();
    let (tx, rx) = unbounded_channel();
    (EffectRunner::new(LivyClient::new(config).unwrap(), tx), rx)
}

/// `GET path` requests the server saw (the path exactly, so `/sessions` is the listing).
fn gets(livy: &TestLivy, path: &str) -> usize {
    livy.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == path)
        .count()
}

/// The next pane report, within 10 s.
async fn next(rx: &mut UnboundedReceiver<AppEvent>) -> PaneReport {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(AppEvent::Pane(report))) => return report,
            Ok(Some(_)) => continue,
            other => panic!("no pane report: {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_listing_is_polled_while_watched_backing_off_and_never_after_stop() {
    let livy = TestLivy::start().await;
    let first = livy.create_idle_session("pyspark").await;
    let (mut runner, mut rx) = runner(&livy);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(gets(&livy, "/sessions"), 0, "nothing watched, nothing polled");

    runner.run(Effect::Pane(PaneRequest::List {
        watch: 1,
        kind: PaneKind::Sessions,
    }));
    let PaneReport::Listed { watch: 1, rows, total } = next(&mut rx).await else {
        panic!("a listing")
    };
    assert_eq!((rows.len(), rows[0].id.as_str(), total), (1, first.as_str(), None));
    assert!(rows[0].seen.already_there, "in the first listing: at least that old");

    // Nothing changes: each listing comes later than the one before.
    let mut at = vec![Instant::now()];
    for _ in 0..3 {
        assert!(matches!(next(&mut rx).await, PaneReport::Listed { watch: 1, .. }));
        at.push(Instant::now());
    }
    let gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps[2] > gaps[0] + Duration::from_millis(500),
        "backing off while nothing changes: {gaps:?}"
    );

    // A session created meanwhile shows up, seen for the first time.
    let second = livy.create_session("spark");
    let rows = loop {
        if let PaneReport::Listed { rows, .. } = next(&mut rx).await
            && rows.len() == 2
        {
            break rows;
        }
    };
    let new = rows.iter().find(|r| r.id == second).unwrap();
    assert!(!new.seen.already_there);

    // Stopped: no more requests.
    runner.run(Effect::Pane(PaneRequest::Stop));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let polled = gets(&livy, "/sessions");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(gets(&livy, "/sessions"), polled, "nothing polled after the pane closed");
    assert!(polled >= 5, "{polled} listings");
}

#[tokio::test]
async fn a_batch_is_submitted_over_the_profile_defaults_its_log_followed_once_and_killed() {
    let livy = TestLivy::start_with(TestLivyConfig::default().batch_ms(100, 1200)).await;
    let (runner, mut rx) = runner(&livy);
    let mut runner = runner.with_batch_defaults(CreateBatch {
        name: Some("from-the-profile".into()),
        resources: Resources {
            driver_memory: Some("1g".into()),
            conf: [("spark.d".to_string(), "profile".to_string())].into(),
            ..Default::default()
        },
        ..Default::default()
    });
    runner.run(Effect::Pane(PaneRequest::SubmitBatch(Box::new(CreateBatch {
        file: "hello.py".into(),
        args: vec!["a b".into()],
        name: Some("nightly".into()),
        ..Default::default()
    }))));
    let PaneReport::Done {
        kind: PaneKind::Batches,
        result: Ok(done),
    } = next(&mut rx).await
    else {
        panic!("submitted")
    };
    assert_eq!(done.id.as_deref(), Some("0"));
    let posts = livy.requests_to("POST", "/batches");
    assert_eq!(
        posts[0].body_json().unwrap(),
        serde_json::json!({"file": "hello.py", "args": ["a b"], "name": "nightly", "driverMemory": "1g",
                           "conf": {"spark.d": "profile"}})
    );

    // The log, each line once, until the batch's last line.
    runner.run(Effect::Pane(PaneRequest::FollowLog {
        watch: 2,
        source: LogSource::Batch(BatchId::from("0")),
    }));
    let mut lines = Vec::new();
    while !lines.iter().any(|l: &String| l.contains("faq.html")) {
        if let PaneReport::Log { watch: 2, delta } = next(&mut rx).await {
            lines.extend(delta.lines);
        }
    }
    let hello = lines
        .iter()
        .filter(|l| l.contains("hello from python batch ['a b']"))
        .count();
    assert_eq!(hello, 1, "{lines:?}");
    let log_polls = gets(&livy, "/batches/0/log");

    // Killed; the log watch then finds it gone and stops.
    runner.run(Effect::Pane(PaneRequest::Kill {
        kind: PaneKind::Batches,
        id: "0".into(),
    }));
    let mut said = Vec::new();
    while said.len() < 2 {
        match next(&mut rx).await {
            PaneReport::Done { result: Ok(done), .. } => said.push(done.text),
            PaneReport::LogFailed { message, .. } => said.push(message),
            _ => {}
        }
    }
    said.sort();
    assert_eq!(said, ["batch 0 is gone from the server", "batch 0 killed"]);
    assert_eq!(livy.requests_to("DELETE", "/batches/0").len(), 1);
    assert!(gets(&livy, "/batches/0/log") > log_polls);
    let after = gets(&livy, "/batches/0/log");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(gets(&livy, "/batches/0/log"), after, "a log that is gone is not polled");

    // Killing it again says it was gone, not an error.
    runner.run(Effect::Pane(PaneRequest::Kill {
        kind: PaneKind::Batches,
        id: "0".into(),
    }));
    let PaneReport::Done { result: Ok(done), .. } = next(&mut rx).await else {
        panic!("done")
    };
    assert_eq!(done.text, "batch 0 was already gone");
}

#[tokio::test]
async fn a_session_is_created_and_a_failure_is_one_line() {
    let livy = TestLivy::start().await;
    let (mut runner, mut rx) = runner(&livy);
    runner.run(Effect::Pane(PaneRequest::CreateSession(Box::new(CreateSession {
        kind: Some(livy_tui::livy::SessionKind::PySpark),
        name: Some("adhoc".into()),
        ..Default::default()
    }))));
    let PaneReport::Done {
        kind: PaneKind::Sessions,
        result: Ok(done),
    } = next(&mut rx).await
    else {
        panic!("created")
    };
    assert_eq!(done.id.as_deref(), Some("0"));
    assert!(done.text.starts_with("session 0 created"), "{}", done.text);
    // The same name again: the server refuses, and says why in one line.
    runner.run(Effect::Pane(PaneRequest::CreateSession(Box::new(CreateSession {
        name: Some("adhoc".into()),
        ..Default::default()
    }))));
    let PaneReport::Done {
        result: Err(message), ..
    } = next(&mut rx).await
    else {
        panic!("refused")
    };
    assert!(!message.is_empty() && !message.contains('\n'), "{message}");
    assert_eq!(livy.requests_to("POST", "/sessions").len(), 2);
}
