//! The table grid drawn with ratatui's TestBackend and compared with insta snapshots, each at
//! 80 and 200 columns: the two Livy table fixtures, a wide table scrolled right, a long one
//! scrolled down, nulls, long text, CJK text, an empty table, no columns, control characters.

use livy_tui::output::{Table, TableLayout};
use livy_tui::theme::Theme;
use livy_tui::ui::table_grid::{TableGrid, TableScroll};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use serde_json::{Value, json};
use std::path::PathBuf;

const WIDTHS: [u16; 2] = [80, 200];
/// Data rows shown at most.
const MAX_ROWS: u16 = 10;

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/livy")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn livy_table(columns: &[(&str, &str)], rows: Vec<Vec<Value>>) -> Table {
    let headers: Vec<Value> = columns.iter().map(|(n, t)| json!({"name": n, "type": t})).collect();
    Table::from_livy_table(&json!({"headers": headers, "data": rows})).unwrap()
}

/// The grid at `width`, as tall as it wants for at most `MAX_ROWS` rows.
fn draw(table: &Table, scroll: TableScroll, width: u16) -> String {
    let layout = TableLayout::compute(table, 40);
    let theme = Theme::default();
    let height = TableGrid::height_for(table, MAX_ROWS);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(TableGrid::new(table, &layout, scroll, &theme), frame.area()))
        .unwrap();
    terminal.backend().to_string()
}

fn snapshot_both(name: &str, table: &Table, scroll: TableScroll) {
    for width in WIDTHS {
        insta::assert_snapshot!(format!("{name}_{width}"), draw(table, scroll, width));
    }
}

#[test]
fn pyspark_table_magic() {
    let v = fixture("pyspark-table-magic.json");
    let table =
        Table::from_livy_table(&v["livy_statement_output"]["data"]["application/vnd.livy.table.v1+json"]).unwrap();
    snapshot_both("pyspark_table_magic", &table, TableScroll::default());
}

#[test]
fn sql_result() {
    let v = fixture("sql-session-statement.json");
    let table = Table::from_sql_result(&v["response"]["body"]["output"]["data"]["application/json"]).unwrap();
    snapshot_both("sql_result", &table, TableScroll::default());
    // a result as long as the server's row cap says it may be cut
    let capped = Table::from_sql_result_with_cap(&v["response"]["body"]["output"]["data"]["application/json"], 2);
    let capped = capped.unwrap();
    assert!(!capped.notes.is_empty());
    snapshot_both("sql_result_with_note", &capped, TableScroll::default());
}

fn wide() -> Table {
    let columns: Vec<(String, &str)> = (0..25)
        .map(|c| {
            (
                format!("column_{c}"),
                if c % 3 == 0 { "STRING_TYPE" } else { "BIGINT_TYPE" },
            )
        })
        .collect();
    let columns: Vec<(&str, &str)> = columns.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let rows = (0..4)
        .map(|r| {
            (0..25)
                .map(|c| {
                    if c % 3 == 0 {
                        json!(format!("r{r} c{c}"))
                    } else {
                        json!(r * 1000 + c)
                    }
                })
                .collect()
        })
        .collect();
    livy_table(&columns, rows)
}

#[test]
fn wide_table_scrolled_right() {
    let table = wide();
    let mut scroll = TableScroll::default();
    scroll.scroll_cols(5, table.columns.len());
    snapshot_both("wide_scrolled_right_5", &table, scroll);
    snapshot_both("wide_from_the_start", &table, TableScroll::default());
}

#[test]
fn thousand_rows_scrolled_to_500() {
    let rows = (0..1000)
        .map(|r| vec![json!(r), json!(format!("name {r}")), json!(r as f64 * 0.25)])
        .collect();
    let table = livy_table(
        &[("id", "INT_TYPE"), ("name", "STRING_TYPE"), ("score", "DOUBLE_TYPE")],
        rows,
    );
    let mut scroll = TableScroll::default();
    scroll.scroll_rows(500, table.rows.len(), usize::from(MAX_ROWS));
    assert_eq!(scroll.row, 500);
    snapshot_both("thousand_rows_at_500", &table, scroll);
    // far beyond the end: clamped to the last page
    let beyond = TableScroll {
        row: 5000,
        col: 99,
        selected: None,
    };
    snapshot_both("thousand_rows_beyond_the_end", &table, beyond);
}

#[test]
fn nulls() {
    let table = livy_table(
        &[
            ("id", "INT_TYPE"),
            ("maybe", "STRING_TYPE"),
            ("x", "DOUBLE_TYPE"),
            ("all_null", ""),
        ],
        vec![
            vec![json!(1), json!(null), json!(2.5), json!(null)],
            vec![json!(2), json!("present"), json!(null), json!(null)],
            vec![json!(null), json!("null"), json!(-1), json!(null)],
        ],
    );
    snapshot_both("nulls", &table, TableScroll::default());
}

#[test]
fn long_text_is_cut() {
    let long = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore";
    let table = livy_table(
        &[
            ("id", "INT_TYPE"),
            ("text", "STRING_TYPE"),
            ("json", ""),
            ("more", "STRING_TYPE"),
        ],
        vec![
            vec![
                json!(1),
                json!(long),
                json!({"nested": {"list": [1, 2, 3], "name": "a long nested value"}}),
                json!(long),
            ],
            vec![json!(2), json!("short"), json!([1, 2]), json!("end")],
        ],
    );
    snapshot_both("long_text_cut", &table, TableScroll::default());
}

#[test]
fn unicode_values() {
    let table = livy_table(
        &[("city", "STRING_TYPE"), ("名前", "STRING_TYPE"), ("n", "INT_TYPE")],
        vec![
            vec![json!("東京"), json!("山田太郎"), json!(1)],
            vec![json!("Zürich"), json!("ミュラー"), json!(2)],
            vec![
                json!("北京市海淀区中关村大街一号一二三四五六七八九十"),
                json!("李"),
                json!(3),
            ],
            vec![json!("😀 emoji"), json!("한국어"), json!(4)],
        ],
    );
    snapshot_both("unicode", &table, TableScroll::default());
}

#[test]
fn empty_table() {
    let table = livy_table(&[("id", "INT_TYPE"), ("name", "STRING_TYPE")], vec![]);
    snapshot_both("empty", &table, TableScroll::default());
}

#[test]
fn no_columns() {
    let table = livy_table(&[], vec![]);
    snapshot_both("no_columns", &table, TableScroll::default());
}

#[test]
fn control_characters_are_made_visible() {
    let table = livy_table(
        &[
            ("id", "INT_TYPE"),
            ("value", "STRING_TYPE"),
            ("na\x1bme", "STRING\x07_TYPE"),
        ],
        vec![
            vec![json!(1), json!("red\x1b[31m text\x1b[0m"), json!("line one\nline two")],
            vec![json!(2), json!("title\x1b]0;pwned\x07 bell"), json!("tab\there\r back")],
            vec![json!(3), json!("c1 \u{9b}2J and del \x7f"), json!("rtl \u{202e}olleh")],
        ],
    );
    for width in WIDTHS {
        let text = draw(&table, TableScroll::default(), width);
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
        insta::assert_snapshot!(format!("control_characters_{width}"), text);
    }
}

#[test]
fn styles_mark_headers_nulls_and_selection() {
    let table = livy_table(
        &[("id", "INT_TYPE"), ("s", "STRING_TYPE")],
        vec![vec![json!(1), json!(null)]],
    );
    let layout = TableLayout::compute(&table, 40);
    let theme = Theme::builtin("none").unwrap();
    let scroll = TableScroll {
        selected: Some((0, 0)),
        ..TableScroll::default()
    };
    let area = Rect::new(0, 0, 30, TableGrid::height_for(&table, 5));
    let mut terminal = Terminal::new(TestBackend::new(area.width, area.height)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(TableGrid::new(&table, &layout, scroll, &theme), area))
        .unwrap();
    let buf = terminal.backend().buffer();
    // header name ("id" right-aligned over "int"), bold; the null, italic
    assert_eq!(buf[(2, 0)].symbol(), "d");
    assert!(buf[(2, 0)].modifier.contains(Modifier::BOLD));
    let null_x = (0..area.width).find(|&x| buf[(x, 3)].symbol() == "n").unwrap();
    assert!(buf[(null_x, 3)].modifier.contains(Modifier::ITALIC));
    // the selected cell (row 0, column 0) is reversed in monochrome
    assert!(buf[(0, 3)].modifier.contains(Modifier::REVERSED));
}
