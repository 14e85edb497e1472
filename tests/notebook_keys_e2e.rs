//! Keys as a person types them, through the real binary in tmux: Ctrl+J (a line feed) is a
//! new line, a letter bound in the config never fires while editing and a key moved from
//! another command is said, a `%%sql` cell's badge says sql, a cut code line shows that it
//! goes on, and the "run again?" offer is closed only by its answers.

mod support;

use support::tmux::NotebookPane;
use support::{TestLivy, TestLivyConfig};

#[test]
fn ctrl_j_is_a_new_line_the_badge_follows_the_magic_and_config_keys_do_not_steal_typing() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(100));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[keys]\ninsert-below = [\"b\", \"o\"]\nsave = [\"w\", \"ctrl-s\"]\n",
    )
    .unwrap();
    let tui = NotebookPane::start(&livy, &format!("--kind pyspark --config {}", config.display()), 90, 24);
    // the key taken from toggle-output is said, not lost silently
    tui.wait_for("o now runs insert-below");
    tui.wait_for("● idle");

    // the first line survives Ctrl+J; `w` and `o` are text while editing
    tui.text("%%sql");
    tui.keys(&["C-j"]);
    tui.text("select 'wow' as o");
    let screen = tui.wait_for("select 'wow' as o");
    assert!(screen.contains("%%sql"), "the first line is kept:\n{screen}");
    assert!(!screen.contains("save as"), "w typed, not run:\n{screen}");
    assert!(
        screen.contains(" sql "),
        "the badge shows the language it runs in:\n{screen}"
    );
    assert!(!screen.contains(" python "), "{screen}");

    // a line wider than the cell shows that it goes on
    tui.keys(&["C-e"]);
    tui.wait_for("1 row");
    tui.keys(&["Escape", "o"]);
    tui.wait_until("a second cell", |s| {
        s.contains("CELLS") && s.contains("(empty — Enter to edit)")
    });
    tui.keys(&["Enter"]);
    tui.wait_for("EDIT");
    tui.text(&format!("x = '{}'", "long ".repeat(30)));
    tui.keys(&["Escape"]);
    let screen = tui.wait_until("the cut mark", |s| s.lines().any(|l| l.contains("long lo›┃")));
    assert!(!screen.contains("EDIT"), "{screen}");

    tui.quit_discarding_and_deleting();
}

#[test]
fn the_rerun_offer_is_closed_only_by_its_answers() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(100));
    let dir = tempfile::tempdir().unwrap();
    let notebook = dir.path().join("nb.ipynb");
    let ipynb = serde_json::json!({
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "pysparkkernel", "display_name": "PySpark", "language": "python"},
            "livy_tui": {"binding": {"server": livy.url(), "session_id": "77"}}
        },
        "cells": [{
            "cell_type": "code", "id": "a1", "metadata": {}, "execution_count": 3,
            "source": "1 + 1", "outputs": []
        }]
    });
    std::fs::write(&notebook, serde_json::to_string_pretty(&ipynb).unwrap()).unwrap();
    let tui = NotebookPane::start(&livy, &notebook.display().to_string(), 90, 24);
    tui.wait_for("Re-run the 1 cells");
    // stray keys, a habit of moving around: the question stays
    tui.keys(&["x", "j", "Down"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let screen = tui.screen();
    assert!(screen.contains("Re-run the 1 cells"), "{screen}");
    tui.keys(&["y"]);
    tui.wait_until("the cell ran again in the new session", |s| {
        s.contains("│2 ") || s.contains("┃2 ")
    });
    assert_eq!(livy.requests_to("POST", "/sessions/0/statements").len(), 1);
    tui.quit_discarding_and_deleting();
}
