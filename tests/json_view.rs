//! The JSON tree view drawn with ratatui's TestBackend and compared with insta snapshots, each
//! at 80 and 200 columns: the two `%json` fixtures as first shown, collapsed and expanded,
//! after a search, a deep nesting, a long array scrolled, control characters and long texts.

use livy_tui::output::json_tree::{JsonTree, JsonTreeState, pretty};
use livy_tui::theme::Theme;
use livy_tui::ui::json_view::JsonView;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use std::path::PathBuf;

const WIDTHS: [u16; 2] = [80, 200];
/// Tree rows shown at most.
const MAX_ROWS: u16 = 16;

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/livy")
        .join(name);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["livy_statement_output"]["data"]["application/json"].clone()
}

/// The view at `width`, as tall as it wants for at most `MAX_ROWS` rows, the selection
/// scrolled into view as the notebook would.
fn draw(tree: &JsonTree, state: &JsonTreeState, width: u16) -> String {
    let theme = Theme::default();
    let height = JsonView::height_for(tree, state, MAX_ROWS);
    let mut state = state.clone();
    state.scroll_into_view(JsonView::rows_shown(height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(JsonView::new(tree, &state, &theme), frame.area()))
        .unwrap();
    terminal.backend().to_string()
}

fn snapshot_both(name: &str, tree: &JsonTree, state: &JsonTreeState) {
    for width in WIDTHS {
        insta::assert_snapshot!(format!("{name}_{width}"), draw(tree, state, width));
    }
}

/// Default, collapsed and expanded views of a value.
fn snapshot_views(name: &str, value: &Value) {
    let tree = JsonTree::new(value);
    let mut state = JsonTreeState::new(&tree);
    snapshot_both(&format!("{name}_default"), &tree, &state);
    state.collapse_all(&tree);
    snapshot_both(&format!("{name}_collapsed"), &tree, &state);
    state.expand_all(&tree);
    snapshot_both(&format!("{name}_expanded"), &tree, &state);
}

#[test]
fn pyspark_json_magic() {
    let value = fixture("pyspark-json-magic.json");
    assert!(value.is_object());
    snapshot_views("json_magic", &value);
    insta::assert_snapshot!("json_magic_pretty", pretty(&value).join("\n"));
}

#[test]
fn pyspark_json_magic_list() {
    let value = fixture("pyspark-json-magic-list.json");
    assert!(value.is_array());
    snapshot_views("json_magic_list", &value);
}

#[test]
fn after_a_search() {
    let value = json!({
        "app": {"id": "application_1763700000000_0042", "name": "etl"},
        "stages": [
            {"id": 0, "status": "COMPLETE", "metrics": {"records": 1200, "bytes": 51234}},
            {"id": 1, "status": "FAILED", "metrics": {"records": 0, "bytes": 0},
             "error": {"class": "java.lang.OutOfMemoryError", "message": "Java heap space"}}
        ],
        "ok": false
    });
    let tree = JsonTree::new(&value);
    let mut state = JsonTreeState::new(&tree);
    assert!(state.search_next(&tree, "outofmemory"));
    assert_eq!(tree.path(state.selected()), ".stages[1].error.class");
    snapshot_both("search_found", &tree, &state);
}

#[test]
fn deep_nesting() {
    let mut value = json!({"leaf": "bottom", "n": 42});
    for level in (0..40).rev() {
        value = json!({ format!("level{level}"): value, "i": level });
    }
    let tree = JsonTree::new(&value);
    let mut state = JsonTreeState::new(&tree);
    assert!(state.search_next(&tree, "bottom"));
    snapshot_both("deep_nesting", &tree, &state);
}

#[test]
fn long_array_scrolled() {
    let value = Value::Array((0..200_000).map(|i| json!({"id": i, "ok": i % 7 != 0})).collect());
    let tree = JsonTree::new(&value);
    let mut state = JsonTreeState::new(&tree);
    state.collapse_all(&tree);
    state.select_row(&tree, 100_000);
    snapshot_both("long_array_scrolled", &tree, &state);
}

#[test]
fn controls_and_long_texts() {
    let value = json!({
        "esc\u{1b}[2J": "red \u{1b}[31mtext\u{1b}[0m, bell \u{7}, csi \u{9b}31m, rtl \u{202e}abc",
        "lines": "one\ntwo\r\nthree",
        "long": "x".repeat(300),
        "wide": "漢字".repeat(60),
        "": "empty key",
    });
    let tree = JsonTree::new(&value);
    let state = JsonTreeState::new(&tree);
    snapshot_both("controls_and_long_texts", &tree, &state);
}
