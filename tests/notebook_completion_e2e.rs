//! Tab completion through the real binary in tmux, against the test Livy server: one request
//! per Tab and none while typing filters the list, typing goes on while a slow answer is on
//! its way (and that answer, for older text, is dropped), Enter inserts, Esc closes only the
//! list, Tab at the start of a line indents, and a Scala cell asks as `spark` and gets Livy's
//! Scala names.

mod support;

use std::time::Duration;

use support::tmux::NotebookPane;
use support::{TestLivy, TestLivyConfig};

/// The completion requests the server got, as (kind, code, cursor).
fn completions(livy: &TestLivy) -> Vec<(String, String, i64)> {
    livy.requests_to("POST", "/sessions/")
        .iter()
        .filter(|r| r.path.ends_with("/completion"))
        .map(|r| {
            let body = r.body_json().unwrap_or_default();
            (
                body["kind"].as_str().unwrap_or_default().to_string(),
                body["code"].as_str().unwrap_or_default().to_string(),
                body["cursor"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

#[test]
fn tab_completes_from_the_session_without_holding_up_typing() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(100));
    let tui = NotebookPane::start(&livy, "--kind pyspark", 90, 24);
    tui.wait_for("● idle");

    // a slow answer: typing goes on, and the answer (for older text) never shows
    tui.text("df = spark.r");
    livy.faults().set_latency_ms(1500);
    tui.keys(&["Tab"]);
    tui.text("a");
    tui.wait_within("typing while the server thinks", Duration::from_millis(1000), |s| {
        s.contains("df = spark.ra")
    });
    std::thread::sleep(Duration::from_millis(2500));
    livy.faults().set_latency_ms(0);
    let screen = tui.screen();
    assert!(
        !screen.contains("range("),
        "a late answer for older text is dropped:\n{screen}"
    );
    assert_eq!(
        completions(&livy),
        [("pyspark".to_string(), "df = spark.r".to_string(), 12)]
    );

    // the list: every candidate, then typing filters it without asking again
    tui.keys(&["BSpace", "Tab"]);
    let screen = tui.wait_until("the candidates", |s| s.contains("range(") && s.contains("│ read"));
    assert!(screen.contains("df = spark.r"), "{screen}");
    tui.text("a");
    tui.wait_until("the list filtered", |s| s.contains("range(") && !s.contains("│ read"));
    assert_eq!(completions(&livy).len(), 2, "one request per Tab, none while filtering");
    tui.keys(&["Enter"]);
    tui.text("5)");
    let screen = tui.wait_for("df = spark.range(5)");
    assert!(!screen.contains("╭"), "the list closed:\n{screen}");

    // Esc closes the list and stays in the editor; Tab at the start of a line indents
    tui.keys(&["Enter"]);
    tui.text("sc.");
    tui.keys(&["Tab"]);
    tui.wait_for("parallelize(");
    tui.keys(&["Escape"]);
    let screen = tui.wait_until("the list closed", |s| !s.contains("parallelize("));
    assert!(screen.contains("EDIT"), "still editing:\n{screen}");
    tui.keys(&["Enter", "Tab"]);
    tui.text("x");
    tui.wait_for("    x");
    assert_eq!(completions(&livy).len(), 3, "Tab at a line's start asked nothing");

    // a Scala cell asks as spark and gets Scala's names (Livy's capture: sc.paral → parallelize)
    tui.keys(&["Escape", "b"]);
    tui.wait_for("(empty — Enter to edit)");
    tui.keys(&["1", "Enter"]);
    tui.text("val rdd = sc.paral");
    tui.keys(&["Tab"]);
    tui.wait_for("│ parallelize");
    tui.keys(&["Enter"]);
    tui.wait_for("val rdd = sc.parallelize ");
    let scala = completions(&livy).pop().unwrap();
    assert_eq!(scala, ("spark".to_string(), "val rdd = sc.paral".to_string(), 18));

    tui.quit_discarding_and_deleting();
}
