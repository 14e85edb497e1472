//! The Livy client against the stateful test server: one test per protocol rule.

mod support;

use livy_tui::livy::log_tail::LogTail;
use livy_tui::livy::{
    Auth, BatchId, ClientConfig, CompletionRequest, CreateBatch, CreateSession, CreateStatement, ErrorKind, LivyClient,
    Outcome, RetryPolicy, SessionId, SessionKind, SessionState, Statement, StatementId, StatementState,
};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{Reply, TestLivy, TestLivyConfig};

fn config(url: &str) -> ClientConfig {
    let mut c = ClientConfig::new(url).unwrap();
    c.retry = RetryPolicy {
        max_retries: 3,
        min_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    };
    c.requested_by = "client-tests".into();
    c
}

fn client(livy: &TestLivy) -> LivyClient {
    LivyClient::new(config(&livy.url())).unwrap()
}

async fn wait_statement(client: &LivyClient, session: &SessionId, id: &StatementId) -> Statement {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s = client.get_statement(session, id).await.unwrap();
        if s.state.is_finished() {
            return s;
        }
        assert!(Instant::now() < deadline, "statement {id} still {} after 20 s", s.state);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wait_idle(client: &LivyClient, session: &SessionId) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.session_state(session).await.unwrap().state != SessionState::Idle {
        assert!(Instant::now() < deadline, "session {session} never became idle");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn run(client: &LivyClient, session: &SessionId, code: &str, kind: Option<SessionKind>) -> Statement {
    let s = client
        .submit_statement(
            session,
            &CreateStatement {
                code: code.into(),
                kind,
            },
        )
        .await
        .unwrap();
    wait_statement(client, session, &s.id).await
}

fn code(code: &str) -> CreateStatement {
    CreateStatement {
        code: code.into(),
        kind: None,
    }
}

fn statements_with_code(livy: &TestLivy, session: &str, code: &str) -> usize {
    (0..50)
        .filter_map(|n| livy.statement(session, n))
        .filter(|s| s["code"] == code)
        .count()
}

#[tokio::test]
async fn sessions_are_created_addressed_by_name_and_deleted() {
    let livy = TestLivy::start().await;
    let c = client(&livy);
    let request = CreateSession {
        kind: Some(SessionKind::Spark),
        name: Some("etl-dev".into()),
        ..Default::default()
    };
    let created = c.create_session(&request).await.unwrap();
    assert!(created.state.is_starting(), "{}", created.state);
    // The create body holds exactly what was set.
    let posts = livy.requests_to("POST", "/sessions");
    assert_eq!(
        posts[0].body_json().unwrap(),
        json!({"kind": "spark", "name": "etl-dev"})
    );

    let by_name = SessionId::from("etl-dev");
    wait_idle(&c, &by_name).await;
    let session = c.get_session(&by_name).await.unwrap();
    assert_eq!(session.id, created.id);
    assert_eq!(session.kind, SessionKind::Spark);
    let list = c.list_sessions(None, None).await.unwrap();
    assert!(list.sessions.iter().any(|s| s.id == created.id));

    c.delete_session(&created.id).await.unwrap();
    let gone = c.get_session(&created.id).await.unwrap_err();
    assert!(gone.is_not_found());
    assert!(gone.to_string().contains("sessions list"), "{gone}");
}

#[tokio::test]
async fn every_request_carries_x_requested_by() {
    let livy = TestLivy::start().await;
    let c = client(&livy);
    let id = c
        .create_session(&CreateSession {
            kind: Some(SessionKind::PySpark),
            ..Default::default()
        })
        .await
        .unwrap()
        .id;
    wait_idle(&c, &id).await;
    run(&c, &id, "1 + 1", None).await;
    c.session_log(&id, None, None).await.unwrap();
    c.delete_session(&id).await.unwrap();
    let requests = livy.requests();
    assert!(requests.len() >= 5);
    for r in requests {
        assert_eq!(r.header("x-requested-by"), Some("client-tests"), "{}", r.line());
    }
}

#[tokio::test]
async fn ttl_and_idle_timeout_go_only_to_servers_that_know_them() {
    let old = TestLivy::start().await; // 0.7.1
    let c = client(&old);
    let with_ttl = CreateSession {
        ttl: Some("30m".into()),
        ..Default::default()
    };
    let e = c.create_session(&with_ttl).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert!(e.to_string().contains("0.7.1") && e.to_string().contains("0.8"), "{e}");
    assert!(old.requests_to("POST", "/sessions").is_empty(), "nothing was sent");

    let v08 = TestLivy::start_with(TestLivyConfig::default().version("0.8.0-incubating")).await;
    let c = client(&v08);
    c.create_session(&with_ttl).await.unwrap();
    let body = v08.requests_to("POST", "/sessions")[0].body_json().unwrap();
    assert_eq!(body["ttl"], "30m");
    assert!(body["name"].as_str().unwrap().starts_with("livy-tui-"), "{body}");
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    let with_idle = CreateSession {
        idle_timeout: Some("10m".into()),
        ..Default::default()
    };
    assert_eq!(
        c.create_session(&with_idle).await.unwrap_err().kind,
        ErrorKind::Unsupported
    );

    let v09 = TestLivy::start_with(TestLivyConfig::default().version("0.9.0-incubating")).await;
    let c = client(&v09);
    let s = c.create_session(&with_idle).await.unwrap();
    assert_eq!(s.idle_timeout.as_deref(), Some("10m"));
}

#[tokio::test]
async fn failed_statements_are_available_with_an_error_output() {
    let livy = TestLivy::start().await;
    let c = client(&livy);
    let id = SessionId::from(livy.create_idle_session("pyspark").await);
    let ok = run(&c, &id, "1 + 1", None).await;
    assert_eq!(ok.output.as_ref().unwrap().text().as_deref(), Some("2"));
    let failed = run(&c, &id, "1/0", None).await;
    assert_eq!(failed.state, StatementState::Available);
    match failed.outcome() {
        Some(Outcome::Failed(e)) => assert_eq!(e.ename, "ZeroDivisionError"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn one_shared_session_mixes_languages() {
    let livy = TestLivy::start().await;
    let c = client(&livy);
    let id = c.create_session(&CreateSession::default()).await.unwrap().id;
    wait_idle(&c, &id).await;
    assert_eq!(c.get_session(&id).await.unwrap().kind, SessionKind::Shared);
    let scala = run(&c, &id, "1 + 1", Some(SessionKind::Spark)).await;
    assert_eq!(scala.output.unwrap().text().as_deref(), Some("res0: Int = 2\n"));
    let sql = run(&c, &id, "select 1 as a", Some(SessionKind::Sql)).await;
    assert!(sql.output.unwrap().data.contains_key("application/json"));
    // Without a kind Livy answers 500 with a stack trace; the client gives one line and a hint.
    let e = c
        .submit_statement(
            &id,
            &CreateStatement {
                code: "1".into(),
                kind: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.status, Some(500));
    assert!(!e.to_string().contains('\n'));
    assert!(e.to_string().contains("--kind"), "{e}");
}

#[tokio::test]
async fn the_three_error_body_shapes() {
    let livy = TestLivy::start_with(TestLivyConfig::default().start_ms(30_000)).await;
    let c = client(&livy);
    // {"msg": …}
    let e = c.get_session(&SessionId::from("99")).await.unwrap_err();
    assert_eq!(e.message, "Session '99' not found.");
    // a bare JSON string
    let id = SessionId::from(livy.create_session("spark"));
    let e = c
        .submit_statement(
            &id,
            &CreateStatement {
                code: "1".into(),
                kind: None,
            },
        )
        .await
        .unwrap_err();
    assert!(e.is_session_starting(), "{e}");
    assert!(e.to_string().contains("still starting"), "{e}");
    // an HTML page (Jetty's CSRF error)
    let html = "<html><head><title>Error 400 </title></head><body><h2>HTTP ERROR: 400</h2><pre>    Missing Required Header for CSRF protection.</pre></body></html>";
    livy.faults().fail_next_html(1, "POST", "/sessions", 400, html);
    let e = c.create_session(&CreateSession::default()).await.unwrap_err();
    assert_eq!(e.message, "Missing Required Header for CSRF protection.");
    assert!(e.to_string().contains("X-Requested-By"), "{e}");
}

#[tokio::test]
async fn csrf_enforcement_is_satisfied() {
    let livy = TestLivy::start_with(TestLivyConfig::default().csrf()).await;
    let c = client(&livy);
    let s = c
        .create_session(&CreateSession {
            kind: Some(SessionKind::Spark),
            ..Default::default()
        })
        .await;
    assert!(s.is_ok(), "{s:?}");
}

#[tokio::test]
async fn reads_retry_with_backoff_and_report_each_retry() {
    let livy = TestLivy::start().await;
    let notices = Arc::new(Mutex::new(Vec::new()));
    let mut cfg = config(&livy.url());
    let sink = notices.clone();
    cfg.on_retry = Some(Arc::new(move |n: &livy_tui::livy::RetryNotice| {
        sink.lock().unwrap().push(n.error.status)
    }));
    let c = LivyClient::new(cfg).unwrap();
    livy.faults()
        .fail_next_on(2, "GET", "/sessions", 503, json!("Service Unavailable"));
    c.list_sessions(None, None).await.unwrap();
    assert_eq!(*notices.lock().unwrap(), vec![Some(503), Some(503)]);

    livy.faults()
        .fail_next_on(10, "GET", "/sessions", 502, json!("Bad Gateway"));
    let e = c.list_sessions(None, None).await.unwrap_err();
    assert_eq!(e.status, Some(502));
    assert!(e.to_string().contains("unavailable"), "{e}");
    livy.faults().clear();

    // Not-found is an answer, not a fault: no retries.
    livy.clear_requests();
    let _ = c.get_session(&SessionId::from("42")).await;
    assert_eq!(livy.requests().len(), 1);
}

#[tokio::test]
async fn a_statement_whose_reply_was_lost_is_not_run_twice() {
    let livy = TestLivy::start().await;
    let c = client(&livy);
    let id = livy.create_idle_session("spark").await;
    let sid = SessionId::from(id.as_str());
    // The same code ran before: the client must adopt the new statement, not the old one.
    let first = run(&c, &sid, "1 + 1", None).await;
    livy.faults()
        .drop_next_on(1, "POST", &format!("/sessions/{id}/statements"));
    let second = c
        .submit_statement(
            &sid,
            &CreateStatement {
                code: "1 + 1".into(),
                kind: None,
            },
        )
        .await
        .unwrap();
    assert_ne!(second.id, first.id);
    assert_eq!(
        statements_with_code(&livy, &id, "1 + 1"),
        2,
        "one run before, one now: nothing duplicated"
    );
    let done = wait_statement(&c, &sid, &second.id).await;
    assert_eq!(done.output.unwrap().text().as_deref(), Some("res1: Int = 2\n"));
}

#[tokio::test]
async fn a_lost_reply_in_a_session_the_client_never_saw_is_judged_by_the_servers_times() {
    let livy = TestLivy::start().await;
    let id = livy.create_idle_session("spark").await;
    let sid = SessionId::from(id.as_str());
    // Another client ran the same code a while ago; this one has seen nothing of the session.
    run(&client(&livy), &sid, "3 + 3", None).await;
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let c = client(&livy);
    livy.clear_requests();

    // The server took it but the answer was lost: the new statement is adopted, not the old.
    livy.faults()
        .drop_next_on(1, "POST", &format!("/sessions/{id}/statements"));
    let taken = c.submit_statement(&sid, &code("3 + 3")).await.unwrap();
    assert_eq!(taken.id.as_str(), "1");
    assert_eq!(statements_with_code(&livy, &id, "3 + 3"), 2, "nothing duplicated");
    let before_post: Vec<String> = livy
        .requests()
        .iter()
        .take_while(|r| r.method != "POST")
        .map(|r| r.line())
        .collect();
    assert!(before_post.is_empty(), "nothing asked before the POST: {before_post:?}");
    wait_statement(&c, &sid, &taken.id).await;

    // Never taken (a gateway timeout before Livy), with only old runs of the same code on the
    // server: sent again, once.
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let fresh = client(&livy);
    livy.faults().fail_next_on(
        1,
        "POST",
        &format!("/sessions/{id}/statements"),
        504,
        json!("Gateway Timeout"),
    );
    let resent = fresh.submit_statement(&sid, &code("3 + 3")).await.unwrap();
    assert_eq!(resent.id.as_str(), "2");
    assert_eq!(statements_with_code(&livy, &id, "3 + 3"), 3);
}

#[tokio::test]
async fn a_statement_the_server_never_took_is_sent_again_once() {
    let livy = TestLivy::start().await;
    let c = client(&livy);
    let id = livy.create_idle_session("spark").await;
    let sid = SessionId::from(id.as_str());
    // A gateway timeout in front of Livy: ambiguous; the statement is not there, so resend.
    livy.faults().fail_next_on(
        1,
        "POST",
        &format!("/sessions/{id}/statements"),
        504,
        json!("Gateway Timeout"),
    );
    let s = c
        .submit_statement(
            &sid,
            &CreateStatement {
                code: "2 + 2".into(),
                kind: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(statements_with_code(&livy, &id, "2 + 2"), 1);
    assert_eq!(livy.requests_to("POST", &format!("/sessions/{id}/statements")).len(), 2);
    assert_eq!(
        wait_statement(&c, &sid, &s.id).await.output.unwrap().text().as_deref(),
        Some("res0: Int = 4\n")
    );

    // A 503 means not processed: the POST is sent again, and the statement is made once.
    livy.faults()
        .fail_next_on(1, "POST", &format!("/sessions/{id}/statements"), 503, json!("busy"));
    let before = livy.requests_to("POST", &format!("/sessions/{id}/statements")).len();
    c.submit_statement(
        &sid,
        &CreateStatement {
            code: "3 + 3".into(),
            kind: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        livy.requests_to("POST", &format!("/sessions/{id}/statements")).len(),
        before + 2
    );
    assert_eq!(statements_with_code(&livy, &id, "3 + 3"), 1);
}

#[tokio::test]
async fn statements_list_page_and_cancel() {
    let livy = TestLivy::start().await;
    let c = client(&livy);
    let sid = SessionId::from(livy.create_idle_session("spark").await);
    let long = c
        .submit_statement(
            &sid,
            &CreateStatement {
                code: "Thread.sleep(10000)".into(),
                kind: None,
            },
        )
        .await
        .unwrap();
    let queued = c
        .submit_statement(
            &sid,
            &CreateStatement {
                code: "1 + 1".into(),
                kind: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(queued.state, StatementState::Waiting);
    let page = c.list_statements(&sid, Some(1), Some(1), None).await.unwrap();
    assert_eq!(page.total_statements, 2);
    assert_eq!(page.statements[0].id, queued.id);
    c.cancel_statement(&sid, &queued.id).await.unwrap();
    c.cancel_statement(&sid, &long.id).await.unwrap();
    assert_eq!(
        wait_statement(&c, &sid, &long.id).await.outcome(),
        Some(Outcome::Cancelled)
    );
    let q = wait_statement(&c, &sid, &queued.id).await;
    assert_eq!(q.outcome(), Some(Outcome::Cancelled));
    assert!(
        q.output.is_none() && q.started.is_none(),
        "a waiting statement is cancelled before it starts"
    );
}

#[tokio::test]
async fn progress_rises_while_a_statement_runs() {
    let livy = TestLivy::start().await;
    let c = client(&livy);
    let sid = SessionId::from(livy.create_idle_session("spark").await);
    let s = c
        .submit_statement(
            &sid,
            &CreateStatement {
                code: "Thread.sleep(1500)".into(),
                kind: None,
            },
        )
        .await
        .unwrap();
    let mut seen = Vec::new();
    loop {
        let now = c.get_statement(&sid, &s.id).await.unwrap();
        seen.push(now.progress);
        if now.state.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen.iter().any(|p| *p > 0.0 && *p < 1.0), "{seen:?}");
    assert_eq!(*seen.last().unwrap(), 1.0);
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
}

#[tokio::test]
async fn completion_needs_and_gets_a_kind() {
    let livy = TestLivy::start().await;
    let c = client(&livy);
    let sid = SessionId::from(livy.create_idle_session("spark").await);
    let req = CompletionRequest {
        code: "sc.".into(),
        kind: SessionKind::Spark,
        cursor: 3,
    };
    assert!(!c.complete(&sid, &req).await.unwrap().candidates.is_empty());
}

#[tokio::test]
async fn the_log_tailer_delivers_each_line_once_while_the_window_moves() {
    let livy = TestLivy::start_with(TestLivyConfig::default().log_cap(20)).await;
    let c = client(&livy);
    let id = livy.create_idle_session("spark").await;
    let sid = SessionId::from(id.as_str());
    let mut tail = LogTail::new();
    tail.update(c.session_log(&sid, None, Some(-1)).await.unwrap().log);
    let mut appended = Vec::new();
    let mut delivered = Vec::new();
    for round in 0..12 {
        // Fewer new lines per poll than the window holds: nothing may be lost.
        appended.extend(livy.append_numbered_log(&id, round * 7, 7));
        let page = c.session_log(&sid, None, Some(-1)).await.unwrap();
        assert!(page.total.unwrap() <= 22 + 2, "the window is capped");
        let before = tail.window().to_vec();
        let delta = tail.update(page.log.clone());
        assert!(!delta.gap, "round {round}: {before:#?} -> {:#?}", page.log);
        delivered.extend(delta.lines.into_iter().filter(|l| appended.contains(l)));
    }
    assert_eq!(delivered, appended, "each line once, in order");

    // More lines between two polls than the server keeps: said, not silently skipped.
    livy.append_numbered_log(&id, 1000, 60);
    let delta = tail.update(c.session_log(&sid, None, Some(-1)).await.unwrap().log);
    assert!(delta.gap);
}

#[tokio::test]
async fn log_paging_follows_livy() {
    let livy = TestLivy::start().await;
    let c = client(&livy);
    let id = livy.create_idle_session("spark").await;
    let sid = SessionId::from(id.as_str());
    livy.append_numbered_log(&id, 0, 150);
    let all = c.session_log(&sid, None, Some(-1)).await.unwrap();
    let total = all.total.unwrap();
    let last3 = c.session_log(&sid, None, Some(3)).await.unwrap();
    assert_eq!(last3.from, Some(total - 3));
    assert_eq!(last3.log, all.log[all.log.len() - 3..]);
    let negative = c.session_log(&sid, Some(-5), Some(2)).await.unwrap();
    assert_eq!(negative.from, Some(total - 2), "a negative from means the last lines");
    let page = c.session_log(&sid, Some(10), Some(5)).await.unwrap();
    assert_eq!(page.log, all.log[10..15]);
}

#[tokio::test]
async fn basic_auth_and_bearer_and_extra_headers() {
    let livy = TestLivy::start_with(TestLivyConfig::default().basic_auth("ann", "s3cret")).await;
    let mut cfg = config(&livy.url());
    cfg.auth = Auth::Basic {
        user: "ann".into(),
        password: "s3cret".into(),
    };
    cfg.headers = vec![("X-Gateway-Token".into(), "abc".into())];
    let c = LivyClient::new(cfg.clone()).unwrap();
    c.list_sessions(None, None).await.unwrap();
    assert_eq!(livy.requests()[0].header("x-gateway-token"), Some("abc"));

    cfg.auth = Auth::Basic {
        user: "ann".into(),
        password: "wrong".into(),
    };
    let e = LivyClient::new(cfg.clone())
        .unwrap()
        .list_sessions(None, None)
        .await
        .unwrap_err();
    assert_eq!(e.status, Some(401));
    assert!(e.to_string().contains("rejected the user or password"), "{e}");

    livy.faults().set_basic_auth(None);
    cfg.auth = Auth::Bearer {
        token: "tok-123".into(),
    };
    LivyClient::new(cfg).unwrap().list_sessions(None, None).await.unwrap();
    assert_eq!(
        livy.requests().last().unwrap().header("authorization"),
        Some("Bearer tok-123")
    );
}

#[tokio::test]
async fn slow_servers_time_out_clearly_and_malformed_replies_are_named() {
    let livy = TestLivy::start().await;
    let mut cfg = config(&livy.url());
    cfg.read_timeout = Duration::from_millis(300);
    cfg.retry = RetryPolicy::none();
    let c = LivyClient::new(cfg).unwrap();
    livy.faults().set_latency_ms(1500);
    let e = c.list_sessions(None, None).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("--read-timeout"), "{e}");
    livy.faults().set_latency_ms(0);

    livy.faults().malform_next_on(1, "GET", "/sessions");
    let e = c.list_sessions(None, None).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidResponse);
    assert!(!e.to_string().contains('\n'));
}

#[tokio::test]
async fn a_dead_session_says_so() {
    let livy = TestLivy::start().await;
    let c = client(&livy);
    let id = livy.create_idle_session("spark").await;
    let sid = SessionId::from(id.as_str());
    livy.kill_session(&id);
    assert_eq!(c.session_state(&sid).await.unwrap().state, SessionState::Dead);
    let e = c
        .submit_statement(
            &sid,
            &CreateStatement {
                code: "1".into(),
                kind: None,
            },
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("ended"), "{e}");
    let e = c.list_statements(&sid, None, None, None).await.unwrap_err();
    assert!(e.to_string().contains("ended"), "{e}");
}

#[tokio::test]
async fn batches_run_to_success_or_death() {
    let livy = TestLivy::start_with(TestLivyConfig::default().batch_ms(50, 150)).await;
    let c = client(&livy);
    let ok = c
        .create_batch(&CreateBatch {
            file: "/jobs/hello.jar".into(),
            class_name: Some("Hello".into()),
            args: vec!["a".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        livy.requests_to("POST", "/batches")[0].body_json().unwrap(),
        json!({"file": "/jobs/hello.jar", "className": "Hello", "args": ["a"]})
    );
    let bad = c
        .create_batch(&CreateBatch {
            file: "/jobs/fail.py".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let end = |id: &BatchId| {
        let c = c.clone();
        let id = id.clone();
        async move {
            loop {
                let s = c.batch_state(&id).await.unwrap().state;
                if s.is_finished() {
                    return s;
                }
                assert!(Instant::now() < deadline);
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
    };
    assert_eq!(end(&ok.id).await, SessionState::Success);
    assert_eq!(end(&bad.id).await, SessionState::Dead);
    assert!(!c.batch_log(&ok.id, None, None).await.unwrap().log.is_empty());
    assert_eq!(c.list_batches(None, None).await.unwrap().sessions.len(), 2);
    c.delete_batch(&ok.id).await.unwrap();
    assert!(
        c.get_batch(&ok.id)
            .await
            .unwrap_err()
            .to_string()
            .contains("batch list")
    );
    // A batch without a file is refused before anything is sent.
    assert_eq!(
        c.create_batch(&CreateBatch::default()).await.unwrap_err().kind,
        ErrorKind::Usage
    );
}

#[tokio::test]
async fn scripted_outputs_of_every_type_round_trip() {
    let livy = TestLivy::start().await;
    let c = client(&livy);
    let sid = SessionId::from(livy.create_idle_session("pyspark").await);
    livy.script("show table", Reply::fixture("pyspark-table-magic"));
    let s = run(&c, &sid, "show table", None).await;
    let data = s.output.unwrap().data;
    let table = &data.value("application/vnd.livy.table.v1+json").unwrap();
    assert_eq!(table["headers"][0]["name"], "age");
}
