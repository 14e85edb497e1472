//! Plain-text forms of outputs, for the command line and for simple views.

use super::sanitize::strip_all;
use super::table::{Table, value_text};
use comfy_table::{CellAlignment, ContentArrangement, presets};
use serde_json::Value;

/// An aligned table with a header row, a row-count footer and the table's notes.
pub fn table_text(t: &Table) -> String {
    let mut table = comfy_table::Table::new();
    table
        .load_preset(presets::ASCII_MARKDOWN)
        .set_content_arrangement(ContentArrangement::Disabled);
    // Cells are plain text: escape sequences from the server would break the alignment, or
    // worse, reach the terminal.
    table.set_header(t.columns.iter().map(|c| strip_all(&c.name)));
    for row in &t.rows {
        table.add_row(row.iter().map(|v| strip_all(&value_text(v))));
    }
    for (i, column) in table.column_iter_mut().enumerate() {
        let numeric = !t.rows.is_empty()
            && t.rows
                .iter()
                .all(|r| matches!(r.get(i), Some(Value::Number(_)) | Some(Value::Null) | None));
        if numeric {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    let rows = t.rows.len();
    let mut text = format!("{table}\n({rows} row{})\n", if rows == 1 { "" } else { "s" });
    for note in &t.notes {
        text.push_str(&format!("note: {note}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Column;
    use serde_json::json;

    #[test]
    fn tables_align_and_count_rows() {
        let t = Table {
            columns: vec![
                Column {
                    name: "a".into(),
                    data_type: "integer".into(),
                },
                Column {
                    name: "b".into(),
                    data_type: "string".into(),
                },
            ],
            rows: vec![vec![json!(1), json!("x")], vec![json!(100), Value::Null]],
            notes: Vec::new(),
        };
        let text = table_text(&t);
        assert!(text.contains("|   a | b    |"), "{text}");
        assert!(text.contains("|   1 | x    |"), "{text}");
        assert!(text.contains("| 100 | null |"), "{text}");
        assert!(text.ends_with("(2 rows)\n"));
        let t = Table {
            notes: vec!["the result may have more".into()],
            ..t
        };
        assert!(table_text(&t).ends_with("(2 rows)\nnote: the result may have more\n"));
    }
}
