//! TLS options (extra CA, mutual TLS, --insecure) and proxies from the environment, through
//! the binary, against servers on 127.0.0.1 with certificates made for the test.

mod cli;

use axum::Router;
use axum::routing::get;
use cli::{Run, command};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::Path;
use std::sync::Arc;

struct Pki {
    dir: tempfile::TempDir,
    server_cert: CertificateDer<'static>,
    server_key: PrivateKeyDer<'static>,
    ca_der: CertificateDer<'static>,
}

impl Pki {
    /// A CA, a server certificate for 127.0.0.1 and a client certificate, all in PEM files.
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().unwrap();
        let server = CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()])
            .unwrap()
            .signed_by(&server_key, &issuer)
            .unwrap();
        let client_key = KeyPair::generate().unwrap();
        let client = CertificateParams::new(vec!["analyst".into()])
            .unwrap()
            .signed_by(&client_key, &issuer)
            .unwrap();

        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.path().join("client.pem"), client.pem()).unwrap();
        std::fs::write(dir.path().join("client.key"), client_key.serialize_pem()).unwrap();
        Pki {
            server_cert: server.der().clone(),
            server_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
            ca_der: ca.der().clone(),
            dir,
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
}

fn sessions_router() -> Router {
    Router::new().route(
        "/sessions",
        get(|| async { axum::Json(serde_json::json!({"from": 0, "total": 0, "sessions": []})) }),
    )
}

/// Serves the router over TLS on 127.0.0.1, optionally demanding client certificates.
async fn serve_tls(pki: &Pki, require_client_cert: bool) -> String {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client_cert {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki.ca_der.clone()).unwrap();
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder
        .with_single_cert(vec![pki.server_cert.clone()], pki.server_key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A failed handshake is part of what is tested.
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                let service = hyper_util::service::TowerToHyperService::new(sessions_router());
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    format!("https://127.0.0.1:{}", addr.port())
}

async fn livy_tui(url: &str, args: &[&str]) -> Run {
    let mut cmd = command(url);
    cmd.args(args);
    let output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_ca_is_explained_and_ca_cert_or_insecure_fix_it() {
    let pki = Pki::new();
    let url = serve_tls(&pki, false).await;
    let r = livy_tui(&url, &["sessions", "list"]).await;
    assert!(
        r.stderr.contains("TLS") && r.stderr.contains("--ca-cert"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("not trusted here"), "{}", r.stderr);
    r.assert_one_clear_error_line();

    let r = livy_tui(&url, &["--ca-cert", &pki.path("ca.pem"), "sessions", "list"]).await;
    assert_eq!(r.code, 0, "{r:?}");
    let r = livy_tui(&url, &["--insecure", "sessions", "list"]).await;
    assert_eq!(r.code, 0, "{r:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn mutual_tls_with_a_client_certificate() {
    let pki = Pki::new();
    let url = serve_tls(&pki, true).await;
    let ca = pki.path("ca.pem");
    let r = livy_tui(&url, &["--ca-cert", &ca, "sessions", "list"]).await;
    assert_ne!(r.code, 0, "no client certificate, no entry: {r:?}");
    assert!(
        r.stderr.contains("requires a client certificate") && r.stderr.contains("--client-cert"),
        "{}",
        r.stderr
    );
    r.assert_one_clear_error_line();
    let r = livy_tui(
        &url,
        &[
            "--ca-cert",
            &ca,
            "--client-cert",
            &pki.path("client.pem"),
            "--client-key",
            &pki.path("client.key"),
            "sessions",
            "list",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    // A key file that is not a key is a usage error before any connection.
    let r = livy_tui(&url, &["--client-cert", &ca, "--client-key", &ca, "sessions", "list"]).await;
    assert_eq!(r.code, 2, "{r:?}");
    r.assert_one_clear_error_line();
    assert!(!Path::new(&pki.path("nothing")).exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn http_proxy_from_the_environment_is_used_unless_no_proxy() {
    // The "proxy" is a plain server that answers whatever it is asked to fetch.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, sessions_router()).await.unwrap() });
    // A loopback address where nothing listens: only the proxy can answer for it.
    let target = "http://127.0.0.2:9";
    let run = |extra: &'static [&'static str]| {
        let mut cmd = command(target);
        cmd.env("HTTP_PROXY", &proxy).args(extra).args(["sessions", "list"]);
        async move {
            tokio::task::spawn_blocking(move || cmd.output().unwrap())
                .await
                .unwrap()
        }
    };
    let via_proxy = run(&[]).await;
    assert_eq!(
        via_proxy.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&via_proxy.stderr)
    );
    let direct = run(&["--no-proxy"]).await;
    assert_eq!(direct.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&direct.stderr).contains("connection refused"));
}
