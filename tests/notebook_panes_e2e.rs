//! The sessions (`S`) and batches (`B`) panes in the real binary, in a real terminal (tmux):
//! nothing is listed while they are closed, the notebook attaches to another session and runs
//! there, a batch is submitted, its log followed and it is killed — and in local mode the
//! pane shows the local session and says in one line that batches are not run there.

mod support;

use std::path::Path;
use std::time::Duration;
use support::tmux::NotebookPane as Tmux;
use support::{TestLivy, TestLivyConfig};

/// `GET /sessions` and `GET /batches` requests: the panes' listings.
fn listings(livy: &TestLivy) -> usize {
    livy.requests()
        .iter()
        .filter(|r| r.method == "GET" && (r.path == "/sessions" || r.path == "/batches"))
        // Not the count taken before a session is created (`size=0`: no items).
        .filter(|r| r.query.as_deref() != Some("from=0&size=0"))
        .count()
}

/// No listing for a while: the panes are closed.
fn assert_not_listing(livy: &TestLivy) {
    std::thread::sleep(Duration::from_millis(300));
    let before = listings(livy);
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(listings(livy), before, "listed while no pane is open");
}

#[test]
fn attach_to_another_session_then_submit_follow_and_kill_a_batch() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(200).batch_ms(200, 1500));
    let other = livy.create_named_session("pyspark", Some("other"));
    // A profile with defaults for batches, which the batches pane's form goes over.
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("config.toml");
    let profile = format!(
        "[profiles.etl]\nurl = \"{}\"\n[profiles.etl.batch]\nqueue = \"analytics\"\nconf = {{ \"spark.b\" = \"1\" }}\n",
        livy.url()
    );
    std::fs::write(&config, profile).unwrap();
    let args = format!("--config {} --profile etl --kind pyspark --name mine", config.display());
    let tui = Tmux::start(&livy, &args, 120, 30);
    tui.wait_for("● idle");
    assert_eq!(listings(&livy), 0);
    assert_not_listing(&livy);

    // The list, newest first: the notebook's session (1, marked) then the other one (0).
    tui.keys(&["Escape", "S"]);
    let screen = tui.wait_for("other");
    assert!(screen.contains("sessions on http://127.0.0.1"), "{screen}");
    assert!(
        screen.lines().any(|l| l.contains("● 1") && l.contains("mine")),
        "{screen}"
    );
    assert!(listings(&livy) > 0);

    // Attach to the other one: asked first, then the notebook moves there and runs on it.
    tui.keys(&["j", "a"]);
    tui.wait_for(&format!(
        "Attach the notebook to session {other}? Session 1, started here"
    ));
    tui.keys(&["y"]);
    tui.wait_for(&format!("session {other} (other)"));
    assert_not_listing(&livy);
    tui.keys(&["Enter"]);
    tui.text("1 + 1");
    tui.keys(&["C-e"]);
    tui.wait_until("the result", |s| s.contains("│2 ") || s.contains("┃2 "));
    assert_eq!(
        livy.requests_to("POST", &format!("/sessions/{other}/statements")).len(),
        1
    );
    assert!(livy.requests_to("POST", "/sessions/1/statements").is_empty());

    // Batches: none; submit one from the form; it is selected; Enter follows its log.
    tui.keys(&["Escape", "B"]);
    tui.wait_for("no batches on the server");
    tui.keys(&["n"]);
    tui.wait_for("submit a batch");
    tui.text("hello.py");
    tui.keys(&["Tab", "Tab"]);
    tui.text("x 'y z'");
    tui.keys(&["Enter"]);
    tui.wait_for("batch 0 submitted");
    let body = livy.requests_to("POST", "/batches")[0].body_json().unwrap();
    assert_eq!(
        body,
        serde_json::json!({"file": "hello.py", "args": ["x", "y z"], "queue": "analytics", "conf": {"spark.b": "1"}})
    );
    tui.keys(&["Enter"]);
    tui.wait_for("batch 0 log");
    tui.wait_for("hello from python batch ['x', 'y z']");
    // Back to the list, where the state changes show.
    tui.keys(&["Escape"]);
    tui.wait_until("the batch succeeded", |s| {
        s.lines().any(|l| l.contains(" 0 ") && l.contains("success"))
    });
    tui.keys(&["x"]);
    tui.wait_for("Kill batch 0?");
    tui.keys(&["y"]);
    tui.wait_for("batch 0 killed");
    tui.wait_for("no batches on the server");
    assert_eq!(livy.requests_to("DELETE", "/batches/0").len(), 1);
    tui.keys(&["Escape"]);
    assert_not_listing(&livy);

    // Quit: the session it attached to is not its to delete, and the one it started was left.
    tui.keys(&["C-q"]);
    tui.wait_for("unsaved changes");
    tui.keys(&["d"]);
    let screen = tui.wait_for("EXITED=0");
    assert!(!screen.contains("Delete it"), "{screen}");
    assert_eq!(livy.session_state(&other).as_deref(), Some("idle"));
    assert_eq!(livy.session_state("1").as_deref(), Some("idle"));
}

#[test]
fn in_local_mode_the_pane_lists_the_local_session_and_refuses_a_batch_file_that_is_not_there() {
    // The URL of a server that must see nothing: local mode runs its own.
    let unused = TestLivy::start_blocking(TestLivyConfig::default());
    let fake = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fake_pyspark");
    let python = std::env::var("LIVY_TUI_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let env = format!("PYTHONPATH={} PYSPARK_PYTHON={python}", fake.display());
    let tui = Tmux::start_with_env(&unused, &env, "--local", 120, 30);
    tui.wait_for("● idle");
    tui.keys(&["Escape", "S"]);
    tui.wait_until("the local session, marked", |s| {
        s.lines().any(|l| l.contains("● 0") && l.contains("idle"))
    });
    tui.keys(&["Escape", "B"]);
    tui.wait_for("no batches on the server");
    tui.keys(&["n"]);
    tui.text("job.py");
    tui.keys(&["Enter"]);
    let screen = tui.wait_for("does not exist");
    assert!(
        screen.lines().any(|l| l.contains("job.py does not exist")),
        "the server's reason, in one line under the pane:\n{screen}"
    );
    tui.keys(&["Escape", "C-q"]);
    tui.wait_for("EXITED=0");
    assert!(unused.requests().is_empty(), "local mode never uses --url");
}
