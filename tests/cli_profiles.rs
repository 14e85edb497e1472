//! Profiles through the real binary: a profile fills the connection and the defaults of what
//! is created; flags win over it; `profiles list/show/import-sparkmagic`; mistakes are one line.

mod cli;
mod support;

use cli::command_without_url;
use serde_json::json;
use std::path::Path;
use std::process::Command;
use support::{TestLivy, TestLivyConfig};

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(mut cmd: Command) -> Ran {
    let out = cmd.output().expect("the binary runs");
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A config file holding `text`, in a directory that lives as long as the first value.
fn config_file(text: String) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, text).unwrap();
    (dir, config)
}

fn with_config(config: &Path, args: &[&str]) -> Command {
    let mut cmd = command_without_url();
    cmd.arg("--config").arg(config).arg("--retries").arg("1").args(args);
    cmd
}

fn assert_one_line_error(r: &Ran, code: i32) {
    assert_eq!(r.code, code, "{}", r.stderr);
    let lines: Vec<_> = r.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{:?}", r.stderr);
    assert!(lines[0].starts_with("livy-tui: "), "{:?}", r.stderr);
}

#[test]
fn a_profile_fills_the_connection_and_flags_win_over_it() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let other = TestLivy::start_blocking(TestLivyConfig::default());
    let (_dir, config) = config_file(format!(
        r#"
default-profile = "gw"
[profiles.gw]
url = "{}"
auth = "token"
token-header = "X-Auth-Token"
token-command = "echo tok-from-command"
requested-by = "profile"
headers = {{ X-Gateway = "g1", X-Team = "data" }}
"#,
        livy.url()
    ));

    // Named, and as the default profile: the same requests.
    for args in [vec!["--profile", "gw"], vec![]] {
        livy.clear_requests();
        let mut args = args.clone();
        args.extend(["sessions", "list"]);
        let r = run(with_config(&config, &args));
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        let request = &livy.requests()[0];
        assert_eq!(request.header("x-auth-token"), Some("tok-from-command"));
        assert_eq!(
            request.header("authorization"),
            None,
            "the token goes only where the profile says"
        );
        assert_eq!(request.header("x-gateway"), Some("g1"));
        assert_eq!(request.header("x-requested-by"), Some("profile"));
    }

    // LIVY_PROFILE picks it too; flags win setting by setting.
    livy.clear_requests();
    let mut cmd = with_config(
        &config,
        &["-H", "X-Gateway: g2", "--requested-by", "flag", "sessions", "list"],
    );
    cmd.env("LIVY_PROFILE", "gw");
    let r = run(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let request = &livy.requests()[0];
    assert_eq!(request.header("x-gateway"), Some("g2"));
    assert_eq!(
        request.header("x-team"),
        Some("data"),
        "headers the flags do not name stay"
    );
    assert_eq!(request.header("x-requested-by"), Some("flag"));
    assert_eq!(request.header("x-auth-token"), Some("tok-from-command"));

    // A URL of its own means another server: the default profile stays out of it.
    let r = run(with_config(&config, &["--url", &other.url(), "sessions", "list"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let request = &other.requests()[0];
    assert_eq!(request.header("x-auth-token"), None);
    assert_eq!(request.header("x-gateway"), None);
}

#[test]
fn profile_mistakes_are_one_line_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[profiles.a]\nurl = \"http://127.0.0.1:9\"\n[profiles.b]\npassword = \"x\"\n",
    )
    .unwrap();
    let r = run(with_config(&config, &["--profile", "a", "sessions", "list"]));
    assert_one_line_error(&r, 2);
    assert!(
        r.stderr.contains(&config.display().to_string())
            && r.stderr
                .contains("[profiles.b] password is not kept in the config file"),
        "{}",
        r.stderr
    );

    std::fs::write(&config, "[profiles.a]\nurl = \"http://127.0.0.1:9\"\nauth = \"ntlm\"\n").unwrap();
    let r = run(with_config(&config, &["sessions", "list"]));
    assert_one_line_error(&r, 2);
    assert!(
        r.stderr.contains("auth: \"ntlm\" is not one of none, basic"),
        "{}",
        r.stderr
    );

    std::fs::write(&config, "[profiles.a]\nurl = \"http://127.0.0.1:9\"\n").unwrap();
    let r = run(with_config(&config, &["--profile", "prod", "sessions", "list"]));
    assert_one_line_error(&r, 2);
    assert!(
        r.stderr.contains("no profile named \"prod\" (there is a)"),
        "{}",
        r.stderr
    );
}

#[test]
fn session_and_batch_defaults_reach_the_create_body_under_the_flags() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let (_dir, config) = config_file(format!(
        r#"
[profiles.etl]
url = "{}"
[profiles.etl.session]
kind = "pyspark"
driverMemory = "2g"
executor-cores = 2
conf = {{ "spark.a" = "1", "spark.b" = "2" }}
[profiles.etl.batch]
queue = "analytics"
extra = {{ sc_type = "B" }}
"#,
        livy.url()
    ));
    let r = run(with_config(
        &config,
        &[
            "--profile",
            "etl",
            "exec",
            "-c",
            "1+1",
            "--executor-cores",
            "3",
            "--conf",
            "spark.b=9",
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let created = livy.requests_to("POST", "/sessions");
    let mut body = created
        .iter()
        .find(|r| r.path == "/sessions")
        .and_then(|r| r.body_json())
        .unwrap();
    // The client names every session it makes (its mark after a server restart).
    let name = body.as_object_mut().unwrap().remove("name").unwrap();
    assert!(name.as_str().unwrap().starts_with("livy-tui-"), "{name}");
    assert_eq!(
        body,
        json!({"kind": "pyspark", "driverMemory": "2g", "executorCores": 3, "conf": {"spark.a": "1", "spark.b": "9"}})
    );

    // Batch defaults and vendor fields: Livy itself refuses the unknown field, in one line.
    let r = run(with_config(
        &config,
        &[
            "--profile",
            "etl",
            "batch",
            "submit",
            "job.py",
            "--extra",
            "feature=basic",
        ],
    ));
    let body = livy.requests_to("POST", "/batches")[0].body_json().unwrap();
    assert_eq!(
        body,
        json!({"file": "job.py", "queue": "analytics", "sc_type": "B", "feature": "basic"})
    );
    assert_one_line_error(&r, 1);
    assert!(r.stderr.contains("Unrecognized field"), "{}", r.stderr);
}

const SPARKMAGIC: &str = r#"{
  "kernel_python_credentials": {"username": "ann", "base64_password": "cmlnaHQ=", "url": "URL", "auth": "Basic_Access"},
  "kernel_scala_credentials": {"username": "ann", "base64_password": "cmlnaHQ=", "url": "URL", "auth": "Basic_Access"},
  "kernel_r_credentials": {"username": "ann", "base64_password": "cmlnaHQ=", "url": "URL", "auth": "Basic_Access"},
  "ignore_ssl_errors": false,
  "session_configs": {"driverMemory": "1000M", "executorCores": 2},
  "custom_headers": {"X-Api-Key": "k1"}
}"#;

#[test]
fn sparkmagic_import_gives_a_profile_that_connects() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().basic_auth("ann", "right"));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("conf").join("config.toml");
    let sparkmagic = dir.path().join("config.json");
    std::fs::write(&sparkmagic, SPARKMAGIC.replace("URL", &livy.url())).unwrap();
    let source = sparkmagic.to_str().unwrap();

    let r = run(with_config(
        &config,
        &["profiles", "import-sparkmagic", source, "--dry-run"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("[profiles.sparkmagic]"), "{}", r.stdout);
    assert!(
        !r.stdout.contains("right") && !r.stdout.contains("cmlnaHQ"),
        "{}",
        r.stdout
    );
    assert!(!config.exists(), "a dry run writes nothing");

    let r = run(with_config(&config, &["profiles", "import-sparkmagic", source]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let password_file = config.parent().unwrap().join("secrets").join("sparkmagic.password");
    assert!(
        r.stderr.contains(&format!("goes to {}", password_file.display())),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("sparkmagic is now the default profile"),
        "{}",
        r.stderr
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&password_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(!written.contains("right"), "{written}");

    let r = run(with_config(&config, &["profiles", "list"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("sparkmagic*") && r.stdout.contains("basic"),
        "{}",
        r.stdout
    );
    let r = run(with_config(&config, &["profiles", "show", "sparkmagic"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("X-Api-Key: ***"), "{}", r.stdout);
    assert!(r.stdout.contains("driverMemory=1000M"), "{}", r.stdout);
    assert!(!r.stdout.contains("right") && !r.stdout.contains("k1"), "{}", r.stdout);

    // The default profile connects with the password from its file.
    let r = run(with_config(&config, &["sessions", "list"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(livy.requests()[0].header("x-api-key"), Some("k1"));

    // Importing again would replace it: refused without --replace.
    let r = run(with_config(&config, &["profiles", "import-sparkmagic", source]));
    assert_one_line_error(&r, 2);
    assert!(r.stderr.contains("--replace"), "{}", r.stderr);
}

#[test]
fn a_dli_profile_sends_its_token_header_and_has_no_sessions() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let (_dir, config) = config_file(format!(
        r#"
[profiles.dli]
url = "{}"
flavor = "dli"
token-command = "echo iam-token"
[profiles.dli.batch]
queue = "analytics"
extra = {{ sc_type = "B" }}
"#,
        livy.url()
    ));
    for args in [vec!["exec", "-c", "1"], vec!["sessions", "list"]] {
        let mut all = vec!["--profile", "dli"];
        all.extend(args);
        let r = run(with_config(&config, &all));
        assert_one_line_error(&r, 2);
        assert!(
            r.stderr.contains("Huawei DLI's API has batch jobs only") && r.stderr.contains("batch submit"),
            "{}",
            r.stderr
        );
    }
    assert!(livy.requests().is_empty(), "refused before any request");

    // DLI's error body is shown as its message, not as JSON.
    livy.faults().fail_next_on(
        1,
        "POST",
        "/batches",
        400,
        json!({"error_code": "DLI.0002", "error_msg": "The queue analytics does not exist."}),
    );
    let r = run(with_config(
        &config,
        &["--profile", "dli", "batch", "submit", "obs://b/job.py"],
    ));
    assert_one_line_error(&r, 1);
    assert!(
        r.stderr.contains("The queue analytics does not exist. (DLI.0002)") && !r.stderr.contains("error_msg"),
        "{}",
        r.stderr
    );
    let request = &livy.requests_to("POST", "/batches")[0];
    assert_eq!(request.header("x-auth-token"), Some("iam-token"));
    assert_eq!(request.header("authorization"), None);
    assert_eq!(
        request.body_json().unwrap(),
        json!({"file": "obs://b/job.py", "queue": "analytics", "sc_type": "B"})
    );
}

#[test]
fn a_refused_token_from_a_command_is_fetched_again_once() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let dir = tempfile::tempdir().unwrap();
    let counter = dir.path().join("count");
    // Each run prints a new token: tok-1, tok-2, …
    let command = format!(
        "n=$(cat {0} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {0}; echo tok-$n",
        counter.display()
    );
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[profiles.t]\nurl = \"{}\"\ntoken-command = '{command}'\n", livy.url()),
    )
    .unwrap();
    livy.faults()
        .fail_next_on(1, "GET", "/sessions", 401, json!({"msg": "token expired"}));
    let r = run(with_config(&config, &["--profile", "t", "sessions", "list"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let sent: Vec<_> = livy
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap_or("").to_string())
        .collect();
    assert_eq!(sent, ["Bearer tok-1", "Bearer tok-2"]);

    // Refused again with the fresh token: one retry only, then the error, in one line.
    livy.clear_requests();
    livy.faults()
        .fail_next_on(2, "GET", "/sessions", 401, json!({"msg": "token expired"}));
    let r = run(with_config(&config, &["--profile", "t", "sessions", "list"]));
    assert_one_line_error(&r, 1);
    assert_eq!(livy.requests().len(), 2, "{:?}", livy.requests());

    // A token from a variable cannot be fetched again: no second request.
    livy.clear_requests();
    livy.faults()
        .fail_next_on(1, "GET", "/sessions", 401, json!({"msg": "token expired"}));
    let mut cmd = with_config(&config, &["--url", &livy.url(), "sessions", "list"]);
    cmd.env("LIVY_TOKEN", "from-env");
    let r = run(cmd);
    assert_one_line_error(&r, 1);
    assert_eq!(livy.requests().len(), 1);
}

#[test]
fn a_flavor_fits_the_session_body_to_the_server() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let (_dir, config) = config_file(format!(
        "[profiles.syn]\nurl = \"{0}\"\nflavor = \"synapse\"\n[profiles.fab]\nurl = \"{0}\"\nflavor = \"fabric\"\n",
        livy.url()
    ));
    let r = run(with_config(
        &config,
        &["--profile", "syn", "exec", "--kind", "pyspark", "-c", "1"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let body = livy.requests_to("POST", "/sessions")[0].body_json().unwrap();
    assert!(
        body["name"].as_str().is_some_and(|n| n.starts_with("livy-tui-")),
        "Synapse needs a name: {body}"
    );
    assert_eq!(body["kind"], "pyspark");

    livy.clear_requests();
    let r = run(with_config(
        &config,
        &["--profile", "fab", "exec", "--kind", "pyspark", "-c", "1"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let created = livy.requests_to("POST", "/sessions");
    let body = created
        .iter()
        .find(|r| r.path == "/sessions")
        .unwrap()
        .body_json()
        .unwrap();
    assert_eq!(body.get("kind"), None, "Fabric sessions take no kind: {body}");
    let statement = created.iter().find(|r| r.path.ends_with("/statements")).unwrap();
    assert_eq!(
        statement.body_json().unwrap()["kind"],
        "pyspark",
        "the statement says it"
    );
}

/// Synapse and Fabric have no `/log` or `/state`: the client reads the object instead.
#[test]
fn without_log_and_state_endpoints_the_object_is_read_instead() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let (_dir, config) = config_file(format!(
        "[profiles.syn]\nurl = \"{}\"\nflavor = \"synapse\"\n",
        livy.url()
    ));
    // (`/state` cannot be armed alone: it is a prefix of `/statements`; the request list
    // at the end shows that neither is asked for.)
    livy.faults()
        .fail_next_on(100, "GET", "/sessions/0/log", 404, json!({"msg": "no such endpoint"}));
    let r = run(with_config(
        &config,
        &["--profile", "syn", "exec", "--keep", "--kind", "pyspark", "-c", "1 + 1"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), "2");
    let r = run(with_config(&config, &["--profile", "syn", "sessions", "log", "0"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stdout.trim().is_empty(),
        "the session object's last lines: {}",
        r.stdout
    );
    let asked: Vec<String> = livy.requests().iter().map(|r| r.line()).collect();
    assert!(
        !asked.iter().any(|l| l.ends_with("/log") || l.ends_with("/state")),
        "{asked:?}"
    );
}

/// The README's profiles work as written: the config block of "Connecting to your cluster"
/// reads, and `profiles list` shows each with its auth.
#[test]
fn the_readme_profiles_read_as_written() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = &readme[readme.find("## Connecting to your cluster").unwrap()..];
    let start = section.find("```toml\n").unwrap() + "```toml\n".len();
    let block = &section[start..start + section[start..].find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, block).unwrap();
    let r = run(with_config(&config, &["profiles", "list"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    for (name, auth) in [
        ("prod*", "kerberos"),
        ("hdi", "basic"),
        ("cdp", "basic"),
        ("emr", "none"),
        ("synapse", "token"),
        ("fabric", "token"),
        ("dli", "token"),
    ] {
        assert!(
            r.stdout
                .lines()
                .any(|l| l.split_whitespace().next() == Some(name) && l.trim_end().ends_with(auth)),
            "{name} {auth}: {}",
            r.stdout
        );
    }
}

#[test]
fn knox_says_the_proxy_user_is_its_own() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let (_dir, config) = config_file(format!("[profiles.cdp]\nurl = \"{}\"\nflavor = \"knox\"\n", livy.url()));
    let r = run(with_config(
        &config,
        &["--profile", "cdp", "exec", "--proxy-user", "bob", "-c", "1 + 1"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning: Knox runs it as the user you signed in as"),
        "{}",
        r.stderr
    );
    let r = run(with_config(&config, &["--profile", "cdp", "exec", "-c", "1 + 1"]));
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

/// The config's `default-kind` is the kind of a new session in `exec` and `run` too, under
/// `--kind` and the profile's session kind.
#[test]
fn default_kind_applies_to_exec_and_run_under_the_flags_and_the_profile() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let (dir, config) = config_file(format!(
        "default-kind = \"pyspark\"\n[profiles.sql]\nurl = \"{}\"\n[profiles.sql.session]\nkind = \"sql\"\n",
        livy.url()
    ));
    let kinds = || -> Vec<String> {
        livy.requests_to("POST", "/sessions")
            .iter()
            .filter(|r| r.path == "/sessions")
            .map(|r| r.body_json().unwrap()["kind"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let url = livy.url();
    let r = run(with_config(&config, &["--url", &url, "exec", "-c", "1+1"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(with_config(
        &config,
        &["--url", &url, "exec", "--kind", "spark", "-c", "1+1"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(with_config(&config, &["--profile", "sql", "exec", "-c", "select 1"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A notebook that names no kind: the config's is the session's.
    let notebook = dir.path().join("job.ipynb");
    std::fs::write(
        &notebook,
        r#"{"cells":[{"cell_type":"code","source":"1+1","metadata":{},"outputs":[],"execution_count":null}],"metadata":{},"nbformat":4,"nbformat_minor":5}"#,
    )
    .unwrap();
    let r = run(with_config(
        &config,
        &[
            "--url",
            &url,
            "run",
            notebook.to_str().unwrap(),
            "-o",
            dir.path().join("out.ipynb").to_str().unwrap(),
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(kinds(), ["pyspark", "spark", "sql", "pyspark"]);
}
