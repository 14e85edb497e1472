//! Kerberos (SPNEGO) end to end: a real throwaway MIT realm on 127.0.0.1 (`TestKdc`), a
//! gateway that demands `Negotiate` like hadoop-auth (`SpnegoGateway`) in front of the test
//! Livy server, and the real `livy-tui --auth kerberos` binary with its own `KRB5_CONFIG`
//! and ticket cache. Skipped, with a note on stderr, when the MIT KDC tools are not
//! installed; `LIVY_TUI_REQUIRE_KERBEROS=1` (CI) turns the skip into a failure.

mod cli;

use cli::{Run, command};
use livy_tui::testing::{MutualToken, SpnegoGateway, SpnegoGatewayConfig, TestKdc, TestLivy, TestLivyConfig};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const USER: &str = "alice";
const PASSWORD: &str = "alice-password";

/// A realm with a user and two services, `HTTP/localhost` and `HTTP/127.0.0.1`, each with a
/// keytab of its own.
struct Realm {
    kdc: TestKdc,
    localhost_keytab: PathBuf,
    loopback_ip_keytab: PathBuf,
}

impl Realm {
    fn start(test: &str) -> Option<Realm> {
        let kdc = TestKdc::start_or_skip(test)?;
        kdc.add_user(USER, PASSWORD);
        let localhost_keytab = kdc.add_service("HTTP/localhost");
        let loopback_ip_keytab = kdc.add_service("HTTP/127.0.0.1");
        eprintln!("{test}: KDC started in {:?}", kdc.started_in());
        Some(Realm {
            kdc,
            localhost_keytab,
            loopback_ip_keytab,
        })
    }

    fn kinit(&self) -> PathBuf {
        self.kdc.kinit(USER, PASSWORD, None)
    }

    /// `livy-tui --url URL --auth kerberos ARGS…` with this realm and ticket cache.
    fn livy_tui(&self, cache: &Path, url: &str, args: &[&str]) -> Run {
        let mut cmd = command(url);
        self.kdc.configure(&mut cmd, cache);
        cmd.args(["--auth", "kerberos"]).args(args);
        let out = cmd.output().expect("the binary runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

fn livy() -> TestLivy {
    TestLivy::start_blocking(TestLivyConfig::default().start_ms(50))
}

fn gateway(keytab: &Path, livy: &TestLivy) -> SpnegoGateway {
    SpnegoGateway::start(SpnegoGatewayConfig::new(keytab.to_path_buf(), &livy.url()))
}

/// The one line the binary printed on stderr.
fn error_line(run: &Run) -> String {
    run.assert_one_clear_error_line();
    let line = run.stderr.trim_end().to_string();
    eprintln!("{line}");
    line
}

/// Sends one raw HTTP request with this `Authorization` value; returns the status code.
fn raw_status(port: u16, authorization: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        stream,
        "GET /sessions HTTP/1.1\r\nHost: localhost:{port}\r\nX-Requested-By: test\r\nAuthorization: {authorization}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    reply
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {reply:?}"))
}

#[test]
fn with_a_ticket_the_request_is_authenticated_in_one_handshake() {
    let Some(realm) = Realm::start("with_a_ticket_the_request_is_authenticated_in_one_handshake") else {
        return;
    };
    let livy = livy();
    livy.create_session("pyspark");
    let gw = gateway(&realm.localhost_keytab, &livy);
    let cache = realm.kinit();
    let run = realm.livy_tui(&cache, &gw.url("localhost"), &["sessions", "list"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("pyspark"), "{run:?}");
    assert_eq!((gw.challenges(), gw.handshakes(), gw.refused()), (1, 1, 0));
    // The first request unauthenticated, then the same with the token.
    assert_eq!(gw.requests(), 2);
    assert_eq!(livy.requests_to("GET", "/sessions").len(), 1);
}

#[test]
fn without_a_ticket_the_error_says_to_run_kinit() {
    let Some(realm) = Realm::start("without_a_ticket_the_error_says_to_run_kinit") else {
        return;
    };
    let livy = livy();
    let gw = gateway(&realm.localhost_keytab, &livy);
    let no_ticket = realm.kdc.new_cache_path();
    let run = realm.livy_tui(&no_ticket, &gw.url("localhost"), &["sessions", "list"]);
    let line = error_line(&run);
    assert!(line.starts_with("livy-tui: no valid Kerberos ticket"), "{line}");
    assert!(line.contains("run kinit"), "{line}");
    assert_eq!((gw.challenges(), gw.handshakes()), (1, 0), "no token was sent");
    assert!(livy.requests().is_empty());
}

#[test]
fn an_expired_ticket_says_to_run_kinit() {
    let Some(realm) = Realm::start("an_expired_ticket_says_to_run_kinit") else {
        return;
    };
    let livy = livy();
    let gw = gateway(&realm.localhost_keytab, &livy);
    let issued = Instant::now();
    let cache = realm.kdc.kinit(USER, PASSWORD, Some("1s"));
    // One second of life, one of clock skew allowed (the realm's krb5.conf), and a margin.
    std::thread::sleep(Duration::from_millis(3000).saturating_sub(issued.elapsed()));
    let run = realm.livy_tui(&cache, &gw.url("localhost"), &["sessions", "list"]);
    let line = error_line(&run);
    assert!(line.starts_with("livy-tui: no valid Kerberos ticket"), "{line}");
    assert!(line.to_ascii_lowercase().contains("expired"), "{line}");
    assert!(line.contains("run kinit"), "{line}");
    assert_eq!(gw.handshakes(), 0);
}

#[test]
fn many_requests_share_one_handshake_through_the_cookie() {
    let Some(realm) = Realm::start("many_requests_share_one_handshake_through_the_cookie") else {
        return;
    };
    let livy = livy();
    let gw = gateway(&realm.localhost_keytab, &livy);
    let cache = realm.kinit();
    let run = realm.livy_tui(
        &cache,
        &gw.url("localhost"),
        &["exec", "--kind", "spark", "-c", "1 + 1"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "res0: Int = 2\n");
    let requests = gw.requests();
    eprintln!(
        "exec: {requests} requests to the gateway, {} handshake(s), {} cookie hits",
        gw.handshakes(),
        gw.cookie_hits()
    );
    assert!(requests >= 5, "create, poll, submit, poll, delete: {requests}");
    assert_eq!((gw.challenges(), gw.handshakes()), (1, 1));
    // Only the first request went without credentials and was sent again.
    assert_eq!(gw.cookie_hits(), requests - 2);
    assert_eq!(
        livy.requests_to("POST", "/sessions").len(),
        2,
        "the session and the statement, once each"
    );
}

#[test]
fn an_expired_cookie_gets_a_new_handshake_with_a_fresh_token() {
    let Some(realm) = Realm::start("an_expired_cookie_gets_a_new_handshake_with_a_fresh_token") else {
        return;
    };
    let livy = livy();
    livy.set_statement_ms(1500);
    let gw = gateway(&realm.localhost_keytab, &livy);
    let cache = realm.kinit();
    let url = gw.url("localhost");
    let run = std::thread::scope(|scope| {
        let running = scope.spawn(|| realm.livy_tui(&cache, &url, &["exec", "--kind", "spark", "-c", "1 + 1"]));
        // Once the first handshake is done and the cookie used, it "expires".
        let deadline = Instant::now() + Duration::from_secs(20);
        while gw.cookie_hits() == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        gw.expire_cookies();
        running.join().unwrap()
    });
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "res0: Int = 2\n");
    assert_eq!((gw.challenges(), gw.handshakes(), gw.refused()), (2, 2, 0));
    let tokens = gw.tokens();
    assert_eq!(tokens.len(), 2);
    assert_ne!(tokens[0], tokens[1], "each handshake has a context of its own");
}

#[test]
fn each_run_sends_a_fresh_token_and_a_replayed_one_is_refused() {
    let Some(realm) = Realm::start("each_run_sends_a_fresh_token_and_a_replayed_one_is_refused") else {
        return;
    };
    let livy = livy();
    let gw = gateway(&realm.localhost_keytab, &livy);
    let cache = realm.kinit();
    for _ in 0..2 {
        let run = realm.livy_tui(&cache, &gw.url("localhost"), &["sessions", "list"]);
        assert_eq!(run.code, 0, "{run:?}");
    }
    assert_eq!((gw.handshakes(), gw.refused()), (2, 0));
    let tokens = gw.tokens();
    assert_eq!(tokens.len(), 2);
    assert_ne!(tokens[0], tokens[1]);
    // What a captured token is worth to someone who replays it: nothing.
    assert_eq!(raw_status(gw.port(), &format!("Negotiate {}", tokens[0])), 403);
    assert_eq!(gw.replays(), 1);
    assert_eq!(raw_status(gw.port(), "Negotiate"), 401);
}

#[test]
fn spn_overrides_the_service_of_the_url_host() {
    let Some(realm) = Realm::start("spn_overrides_the_service_of_the_url_host") else {
        return;
    };
    let livy = livy();
    // Reached as 127.0.0.1, but running as HTTP/localhost (an alias, a load balancer).
    let gw = gateway(&realm.localhost_keytab, &livy);
    let cache = realm.kinit();
    let url = gw.url("127.0.0.1");
    let run = realm.livy_tui(&cache, &url, &["sessions", "list"]);
    let line = error_line(&run);
    assert!(
        line.contains("refused the Kerberos token for HTTP@127.0.0.1") && line.contains("--spn"),
        "{line}"
    );
    for spn in ["HTTP@localhost", "localhost"] {
        let run = realm.livy_tui(&cache, &url, &["--spn", spn, "sessions", "list"]);
        assert_eq!(run.code, 0, "--spn {spn}: {run:?}");
    }
    assert_eq!((gw.handshakes(), gw.refused()), (2, 1));
    // A service the KDC does not know: the library's words and the name tried.
    let run = realm.livy_tui(&cache, &url, &["--spn", "HTTP@nosuch.example", "sessions", "list"]);
    let line = error_line(&run);
    assert!(
        line.contains("Kerberos failed for service HTTP@nosuch.example")
            && line.contains("not found in Kerberos database"),
        "{line}"
    );
}

#[test]
fn a_redirect_to_another_host_gets_a_token_of_its_own() {
    let Some(realm) = Realm::start("a_redirect_to_another_host_gets_a_token_of_its_own") else {
        return;
    };
    let livy = livy();
    // The active server is 127.0.0.1 (HTTP/127.0.0.1); the one asked first, localhost
    // (HTTP/localhost), sends every request there with a 307.
    let active = gateway(&realm.loopback_ip_keytab, &livy);
    let standby = SpnegoGateway::start(
        SpnegoGatewayConfig::new(realm.localhost_keytab.clone(), &livy.url()).redirect_to(&active.url("127.0.0.1")),
    );
    let cache = realm.kinit();
    // `exec` POSTs JSON bodies: a 307 keeps the method and the body.
    let run = realm.livy_tui(
        &cache,
        &standby.url("localhost"),
        &["exec", "--kind", "spark", "-c", "1 + 1"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "res0: Int = 2\n");
    assert_eq!((standby.handshakes(), active.handshakes()), (1, 1));
    assert_eq!((standby.refused(), active.refused()), (0, 0));
    assert!(standby.redirects() >= 5, "{}", standby.redirects());
    assert_eq!(active.requests(), standby.redirects() + 1, "one 401 at the active one");
}

#[test]
fn the_servers_mutual_authentication_token_is_checked() {
    let Some(realm) = Realm::start("the_servers_mutual_authentication_token_is_checked") else {
        return;
    };
    let livy = livy();
    let cache = realm.kinit();
    let debug = ["-v", "--log-level", "livy_tui=debug"];
    let with = |mutual| {
        let gw =
            SpnegoGateway::start(SpnegoGatewayConfig::new(realm.localhost_keytab.clone(), &livy.url()).mutual(mutual));
        let mut args = debug.to_vec();
        args.extend(["sessions", "list"]);
        let run = realm.livy_tui(&cache, &gw.url("localhost"), &args);
        (run, gw.handshakes())
    };
    let (run, handshakes) = with(MutualToken::Send);
    assert_eq!((run.code, handshakes), (0, 1), "{run:?}");
    assert!(run.stderr.contains("the server proved itself"), "{}", run.stderr);
    let (run, _) = with(MutualToken::Omit);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("no mutual-authentication token"), "{}", run.stderr);
    let (run, handshakes) = with(MutualToken::Corrupt);
    assert_eq!(handshakes, 1, "{run:?}");
    assert_ne!(run.code, 0, "{run:?}");
    let last = run.stderr.lines().last().unwrap_or_default();
    eprintln!("{last}");
    assert!(
        last.starts_with("livy-tui: ")
            && last.contains("mutual authentication failed")
            && last.contains("HTTP@localhost"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unreachable_kdc_is_named_with_the_service() {
    let Some(realm) = Realm::start("an_unreachable_kdc_is_named_with_the_service") else {
        return;
    };
    let livy = livy();
    let gw = gateway(&realm.localhost_keytab, &livy);
    let cache = realm.kinit();
    let Realm { kdc, .. } = realm;
    // The KDC goes away; the ticket cache and krb5.conf stay (copied out first).
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("krb5.conf");
    std::fs::copy(kdc.krb5_conf(), &conf).unwrap();
    let kept_cache = dir.path().join("ccache");
    std::fs::copy(&cache, &kept_cache).unwrap();
    drop(kdc);
    let started = Instant::now();
    let mut cmd = command(&gw.url("localhost"));
    cmd.env("KRB5_CONFIG", &conf)
        .env("KRB5CCNAME", format!("FILE:{}", kept_cache.display()))
        .env_remove("KRB5_KTNAME")
        .args(["--auth", "kerberos", "sessions", "list"]);
    let out = cmd.output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let line = error_line(&run);
    assert!(line.contains("Kerberos failed for service HTTP@localhost"), "{line}");
    assert!(line.contains("KDC"), "{line}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "no hang: {:?}",
        started.elapsed()
    );
}

/// Needs no realm: the library named is not there.
#[test]
fn without_the_gssapi_library_the_error_names_the_package() {
    let livy = livy();
    livy.faults().challenge_next(1, "*", "", &["Negotiate"]);
    let mut cmd = command(&livy.url());
    cmd.env("LIVY_TUI_GSSAPI_LIBRARY", "/nonexistent/libgssapi_krb5.so.2")
        .args(["--auth", "kerberos", "sessions", "list"]);
    let out = cmd.output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let line = error_line(&run);
    assert!(
        line.contains("GSSAPI library") && line.contains("libgssapi-krb5-2") && line.contains("krb5-libs"),
        "{line}"
    );
    assert_eq!(run.code, 2, "a set-up problem: {run:?}");
}

#[test]
fn a_kerberos_profile_needs_no_flags() {
    let Some(realm) = Realm::start("a_kerberos_profile_needs_no_flags") else {
        return;
    };
    let livy = livy();
    livy.create_session("pyspark");
    let gw = gateway(&realm.localhost_keytab, &livy);
    let cache = realm.kinit();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    // Reached as 127.0.0.1, whose service has no key: the profile's spn names the right one.
    std::fs::write(
        &config,
        format!(
            "default-profile = \"edge\"\n[profiles.edge]\nurl = \"{}\"\nauth = \"kerberos\"\nspn = \"HTTP@localhost\"\n",
            gw.url("127.0.0.1")
        ),
    )
    .unwrap();
    let mut cmd = cli::command_without_url();
    realm.kdc.configure(&mut cmd, &cache);
    let out = cmd
        .arg("--config")
        .arg(&config)
        .args(["sessions", "list"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("pyspark"));
    assert_eq!(gw.handshakes(), 1);
}
