//! Text the server controls never writes escape sequences to the user's terminal through the
//! command line: statement output, errors, session names, listings and logs are made safe
//! (plain text into a pipe, as here); `--raw` passes them through for those who ask.

mod cli;
mod support;

use cli::{command, run};
use livy_tui::testing::Reply;
use serde_json::json;
use support::{TestLivy, TestLivyConfig};

/// Sets the title, writes the clipboard (OSC 52), clears the screen, moves the cursor, a DCS,
/// and an 8-bit CSI.
const HOSTILE: &str =
    "evil\u{1b}]0;NAME-TITLE\u{7}\u{1b}]52;c;ZXZpbA==\u{1b}\\\u{1b}[2J\u{1b}[H\u{1b}P1$r\u{1b}\\\u{9b}6n-end";

/// No control character that acts on a terminal.
fn assert_inert(what: &str, text: &str) {
    for bad in ['\u{1b}', '\u{7}', '\u{9b}'] {
        assert!(!text.contains(bad), "{what}: {bad:?} in {text:?}");
    }
}

/// Inert, and whole sequences dropped, not left as garbage.
fn assert_clean(what: &str, text: &str) {
    assert_inert(what, text);
    for fragment in ["]0;", "NAME-TITLE", "]52;", "[2J", "ZXZpbA"] {
        assert!(
            !text.contains(fragment),
            "{what}: the leftover {fragment:?} in {text:?}"
        );
    }
}

#[test]
fn statement_output_and_errors_reach_a_pipe_as_plain_text() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    livy.script("hostile text", Reply::text(HOSTILE));
    livy.script("hostile json", Reply::json(json!({"k": HOSTILE})));
    livy.script(
        "hostile error",
        Reply::error("Boom", HOSTILE, &[&format!("line {HOSTILE}")]),
    );
    // JSON keeps the data exact, escaped (`\u001b`, `\u009b`): inert, and still the same value.
    let r = run(&livy.url(), &["exec", "--kind", "pyspark", "-c", "hostile json"]);
    assert_inert("json", &r.stdout);
    let value: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(value["k"], HOSTILE);
    for code in ["hostile text", "hostile error"] {
        let r = run(&livy.url(), &["exec", "--kind", "pyspark", "-c", code]);
        assert_clean(code, &r.stdout);
        assert_clean(code, &r.stderr);
        assert!(
            r.stdout.contains("evil") || r.stderr.contains("evil"),
            "{code}: the text itself stays: {r:?}"
        );
    }
    // --raw: bytes as the server sent them.
    let r = run(
        &livy.url(),
        &["--raw", "exec", "--kind", "pyspark", "-c", "hostile text"],
    );
    assert!(r.stdout.contains(HOSTILE), "{:?}", r.stdout);
}

#[test]
fn names_listings_logs_and_error_messages_are_made_safe() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let r = run(
        &livy.url(),
        &["exec", "--keep", "--name", HOSTILE, "--kind", "pyspark", "-c", "1 + 1"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    for args in [vec!["sessions", "list"], vec!["sessions", "show", "0"]] {
        let r = run(&livy.url(), &args);
        assert_eq!(r.code, 0, "{args:?}: {r:?}");
        assert_clean(&format!("{args:?}"), &r.stdout);
        assert!(r.stdout.contains("evil"), "{args:?}: {}", r.stdout);
    }
    for args in [
        vec!["sessions", "show", "0", "--json"],
        vec!["sessions", "list", "--json"],
    ] {
        let r = run(&livy.url(), &args);
        assert_eq!(r.code, 0, "{args:?}: {r:?}");
        assert_inert(&format!("{args:?}"), &r.stdout);
        assert!(r.stdout.contains("\\u009b6n-end"), "{args:?}: {}", r.stdout);
    }
    livy.faults()
        .fail_next_on(1, "GET", "/sessions", 500, json!({"msg": HOSTILE}));
    let r = run(&livy.url(), &["sessions", "list"]);
    assert_ne!(r.code, 0);
    assert_clean("error line", &r.stderr);
    assert!(r.stderr.contains("evil"), "{}", r.stderr);

    let mut cmd = command(&livy.url());
    cmd.args(["sessions", "log", "0"]);
    let out = cmd.output().unwrap();
    assert_clean("log", &String::from_utf8_lossy(&out.stdout));
}

/// What the result is when it is nothing to print: said on stderr, stdout stays clean.
#[test]
fn empty_results_and_images_that_are_not_say_so() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    livy.script("nothing", Reply::text(""));
    livy.script(
        "fake image",
        Reply::bundle(
            json!({"image/png": "PGh0bWw+bm90IGEgcG5nPC9odG1sPg==", "text/plain": "<Figure>"})
                .as_object()
                .unwrap()
                .clone(),
        ),
    );
    let r = run(&livy.url(), &["exec", "--kind", "pyspark", "-c", "nothing"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{r:?}");
    assert!(r.stderr.contains("(no output)"), "{}", r.stderr);
    let dir = tempfile::tempdir().unwrap();
    let r = run(
        &livy.url(),
        &[
            "exec",
            "--kind",
            "pyspark",
            "-c",
            "fake image",
            "--output-dir",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stdout.contains("image saved"), "{}", r.stdout);
    assert!(r.stderr.contains("is not a PNG image"), "{}", r.stderr);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing saved");
}
