//! `LIVY_TUI_STATE_DIR` moves everything livy-tui keeps: the log with the recovery copies.

mod cli;
mod support;

use cli::command_without_log_file;
use support::{TestLivy, TestLivyConfig};

#[test]
fn the_state_dir_holds_the_log_too() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let state = tempfile::tempdir().unwrap();
    let out = command_without_log_file(&livy.url())
        .env("LIVY_TUI_STATE_DIR", state.path())
        .args(["sessions", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let log = std::fs::read_to_string(state.path().join("livy-tui.log")).expect("the log is in the state dir");
    assert!(log.contains("livy-tui starting"), "{log}");
}
