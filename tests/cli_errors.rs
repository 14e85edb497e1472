//! Bad URLs, networks, credentials and servers: each is one clear line and a non-zero exit.

mod cli;
mod support;

use cli::{command, run};
use serde_json::json;
use support::{TestLivy, TestLivyConfig};

#[test]
fn a_refused_connection_points_at_the_url() {
    // Bind and drop to get a loopback port where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = run(&format!("http://127.0.0.1:{port}"), &["sessions", "list"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("connection refused") && r.stderr.contains("--url"),
        "{}",
        r.stderr
    );
    r.assert_one_clear_error_line();
}

#[test]
fn an_invalid_url_is_a_usage_error() {
    for url in ["localhost:8998", "ftp://x", ""] {
        let r = run(url, &["sessions", "list"]);
        assert_eq!(r.code, 2, "{url}: {r:?}");
        r.assert_one_clear_error_line();
    }
}

#[test]
fn a_wrong_path_prefix_is_named() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let r = run(&format!("{}/livy", livy.url()), &["sessions", "list"]);
    assert!(r.stderr.contains("404") && r.stderr.contains("prefix"), "{}", r.stderr);
    r.assert_one_clear_error_line();
}

#[test]
fn bad_credentials_and_missing_passwords() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().basic_auth("ann", "right"));
    let r = run(&livy.url(), &["sessions", "list"]);
    assert!(r.stderr.contains("401"), "{}", r.stderr);
    assert!(
        r.stderr.contains("asks for a user and password (Basic auth)"),
        "{}",
        r.stderr
    );
    r.assert_one_clear_error_line();

    let out = command(&livy.url())
        .args(["--user", "ann", "sessions", "list"])
        .env("LIVY_PASSWORD", "wrong")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("rejected the user or password (Basic auth)"),
        "{stderr}"
    );

    let out = command(&livy.url())
        .args(["--user", "ann", "sessions", "list"])
        .env("LIVY_PASSWORD", "right")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    let out = command(&livy.url())
        .args([
            "--user",
            "ann",
            "--password-command",
            "printf right",
            "sessions",
            "list",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    // No terminal, no variable: say where a password can come from (never the command line).
    let out = command(&livy.url())
        .args(["--user", "ann", "sessions", "list"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("LIVY_PASSWORD") && stderr.contains("--password-command"),
        "{stderr}"
    );
}

/// A 401's hint names what the server's `WWW-Authenticate` asks for.
#[test]
fn a_401_says_what_the_server_asks_for() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let line = |challenges: &[&str], args: &[&str]| {
        livy.faults().clear();
        livy.faults().challenge_next(1, "*", "", challenges);
        let r = run(&livy.url(), args);
        r.assert_one_clear_error_line();
        assert_eq!(livy.faults().armed(), 0, "the 401 was not served: {r:?}");
        r.stderr.trim_end().to_string()
    };
    let list = ["sessions", "list"];
    let exec = ["exec", "--kind", "pyspark", "-c", "1"];
    assert_eq!(
        line(&["Basic realm=\"livy\""], &list),
        "livy-tui: Error 401 Unauthorized (HTTP 401) — the server asks for a user and password (Basic auth): pass --user NAME, with the password in LIVY_PASSWORD or from --password-command"
    );
    assert_eq!(
        line(&["Negotiate"], &exec),
        "livy-tui: Error 401 Unauthorized (HTTP 401) — the server asks for Kerberos (Negotiate/SPNEGO): run kinit, then pass --auth kerberos"
    );
    assert_eq!(
        line(&["Bearer realm=\"gw\", error=\"invalid_token\""], &exec),
        "livy-tui: Error 401 Unauthorized (HTTP 401) — the server asks for a bearer token: put it in LIVY_TOKEN, or pass --token-file FILE or --token-command CMD"
    );
    // Two header lines, one with two schemes: all three are named.
    assert_eq!(
        line(&["Negotiate, Basic realm=\"a, b\"", "Bearer"], &list),
        "livy-tui: Error 401 Unauthorized (HTTP 401) — the server accepts Negotiate (Kerberos: kinit, then --auth kerberos), Basic (a user and password: --user NAME) or Bearer (a token: LIVY_TOKEN, --token-file or --token-command)"
    );
    // No challenge at all: the generic hint.
    assert_eq!(
        line(&[], &list),
        "livy-tui: Error 401 Unauthorized (HTTP 401) — the server rejected the credentials: check --user and the password (LIVY_PASSWORD, --password-command) or the token"
    );
    // A token that was sent and refused is called rejected, not missing.
    livy.faults().challenge_next(1, "*", "", &["Bearer"]);
    let out = command(&livy.url())
        .args(["sessions", "list"])
        .env("LIVY_TOKEN", "expired-token")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        "livy-tui: Error 401 Unauthorized (HTTP 401) — the server rejected the bearer token: it may have expired; get a fresh one (LIVY_TOKEN, --token-file, --token-command)"
    );
}

#[test]
fn a_proxy_that_strips_the_csrf_header() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().csrf());
    let html = support::fixtures::response_body("csrf-post-without-header").unwrap();
    livy.faults()
        .fail_next_html(1, "POST", "/sessions", 400, html.as_str().unwrap());
    let r = run(&livy.url(), &["exec", "--kind", "spark", "-c", "1"]);
    assert!(
        r.stderr.contains("Missing Required Header for CSRF protection.") && r.stderr.contains("X-Requested-By"),
        "{}",
        r.stderr
    );
    r.assert_one_clear_error_line();
}

#[test]
fn malformed_json_from_the_server() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    livy.faults().malform_next_on(5, "GET", "/sessions");
    let r = run(&livy.url(), &["sessions", "list"]);
    assert!(r.stderr.contains("not valid Livy JSON"), "{}", r.stderr);
    r.assert_one_clear_error_line();
}

#[test]
fn server_errors_after_retries() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    livy.faults().fail_next_on(
        10,
        "GET",
        "/sessions",
        503,
        json!("java.lang.IllegalStateException: overloaded\n\tat x.y(Z.java:1)"),
    );
    let r = run(&livy.url(), &["sessions", "list"]);
    assert!(r.stderr.contains("overloaded (HTTP 503)"), "{}", r.stderr);
    r.assert_one_clear_error_line();
}

#[test]
fn bad_flag_values_are_usage_errors() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    for args in [
        vec!["-H", "no colon here", "sessions", "list"],
        vec!["--read-timeout", "0", "sessions", "list"],
        vec!["exec", "-c", "1", "--conf", "novalue"],
        vec!["--token-file", "/no/such/token", "sessions", "list"],
        vec!["--ca-cert", "/no/such/ca.pem", "sessions", "list"],
    ] {
        let r = run(&livy.url(), &args);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        r.assert_one_clear_error_line();
    }
}

#[test]
fn https_against_a_plain_http_server() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let url = livy.url().replace("http://", "https://");
    let r = run(&url, &["sessions", "list"]);
    assert!(
        r.stderr.contains("did not answer in TLS") && r.stderr.contains("http://"),
        "{}",
        r.stderr
    );
    r.assert_one_clear_error_line();
}

#[test]
fn bearer_tokens_from_env_file_or_command_and_extra_headers() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "from-file\n").unwrap();
    let cases: Vec<(Vec<&str>, Option<&str>, &str)> = vec![
        (vec![], Some("from-env"), "Bearer from-env"),
        (
            vec!["--token-file", token_file.to_str().unwrap()],
            None,
            "Bearer from-file",
        ),
        (
            vec!["--token-command", "echo from-command"],
            None,
            "Bearer from-command",
        ),
    ];
    for (flags, env, expected) in cases {
        livy.clear_requests();
        let mut cmd = command(&livy.url());
        cmd.args(&flags)
            .args(["-H", "X-Gateway: g1", "--requested-by", "me", "sessions", "list"]);
        if let Some(token) = env {
            cmd.env("LIVY_TOKEN", token);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let request = &livy.requests()[0];
        assert_eq!(request.header("authorization"), Some(expected));
        assert_eq!(request.header("x-gateway"), Some("g1"));
        assert_eq!(request.header("x-requested-by"), Some("me"));
    }
    // Basic and bearer together is ambiguous: refused before any request.
    livy.clear_requests();
    let out = command(&livy.url())
        .args(["--user", "ann", "sessions", "list"])
        .env("LIVY_TOKEN", "t")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(livy.requests().is_empty());
}
