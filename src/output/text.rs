//! Plain-text forms of outputs, for the command line and for simple views.

use super::sanitize::strip_all;
use super::table::{Table, value_text};
use serde_json::Value;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// An aligned table with a header row, a row-count footer and the table's notes.
pub fn table_text(t: &Table) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = write_table_text(t, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// [`table_text`] written out row by row: a table of any size takes only its column
/// widths in memory (each cell's text is made twice, once to measure and once to write).
pub fn write_table_text(t: &Table, out: &mut dyn Write) -> io::Result<()> {
    let columns = t.columns.len();
    let mut widths: Vec<usize> = t.columns.iter().map(|c| max_line_width(&strip_all(&c.name))).collect();
    for row in &t.rows {
        for (i, width) in widths.iter_mut().enumerate() {
            *width = (*width).max(max_line_width(&cell_text(row.get(i).as_deref())));
        }
    }
    let right: Vec<bool> = (0..columns).map(|i| is_numeric(t, i)).collect();
    let layout = Layout { widths, right };
    if columns > 0 {
        let header: Vec<String> = t.columns.iter().map(|c| strip_all(&c.name)).collect();
        layout.write_row(&header, out)?;
        out.write_all(b"|")?;
        for width in &layout.widths {
            out.write_all("-".repeat(width + 2).as_bytes())?;
            out.write_all(b"|")?;
        }
        out.write_all(b"\n")?;
    }
    for row in &t.rows {
        let cells: Vec<String> = (0..columns).map(|i| cell_text(row.get(i).as_deref())).collect();
        layout.write_row(&cells, out)?;
    }
    let rows = t.rows.len();
    writeln!(out, "({rows} row{})", if rows == 1 { "" } else { "s" })?;
    // Notes can be the server's text (a SQL result's `text/plain`): plain, as cells are.
    for note in &t.notes {
        writeln!(out, "note: {}", strip_all(note))?;
    }
    Ok(())
}

/// Column widths and alignment.
struct Layout {
    widths: Vec<usize>,
    right: Vec<bool>,
}

impl Layout {
    /// One table row; a cell of several lines makes the row as tall.
    fn write_row(&self, cells: &[String], out: &mut dyn Write) -> io::Result<()> {
        let lines: Vec<Vec<&str>> = cells.iter().map(|c| c.split('\n').collect()).collect();
        let height = lines.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            out.write_all(b"|")?;
            for (i, cell) in lines.iter().enumerate() {
                let text = cell.get(line).copied().unwrap_or("");
                let pad = " ".repeat(self.widths[i].saturating_sub(text.width()));
                if self.right[i] {
                    write!(out, " {pad}{text} |")?;
                } else {
                    write!(out, " {text}{pad} |")?;
                }
            }
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// Cells are plain text: escape sequences from the server would break the alignment, or
/// worse, reach the terminal.
fn cell_text(value: Option<&Value>) -> String {
    value.map(|v| strip_all(&value_text(v))).unwrap_or_default()
}

fn max_line_width(text: &str) -> usize {
    text.split('\n').map(UnicodeWidthStr::width).max().unwrap_or(0)
}

/// Numbers (and nulls) only: the column is right-aligned.
fn is_numeric(t: &Table, column: usize) -> bool {
    !t.rows.is_empty()
        && t.rows.iter().all(|r| {
            matches!(
                r.get(column).as_deref(),
                Some(Value::Number(_)) | Some(Value::Null) | None
            )
        })
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
            rows: vec![vec![json!(1), json!("x")], vec![json!(100), Value::Null]].into(),
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

    #[test]
    fn tall_and_wide_cells_keep_the_grid() {
        let column = |name: &str| Column {
            name: name.into(),
            data_type: String::new(),
        };
        let t = Table {
            columns: vec![column("a"), column("bé"), column("c")],
            rows: vec![
                vec![json!(1), json!("x\nyy"), json!([1, {"a": 2}])],
                vec![json!(100), json!("日本"), json!(null)],
                vec![json!(2.5), json!(""), json!(true)],
            ]
            .into(),
            notes: vec!["n1".into()],
        };
        let expected = "\
|   a | bé   | c           |
|-----|------|-------------|
|   1 | x    | [1,{\"a\":2}] |
|     | yy   |             |
| 100 | 日本 | null        |
| 2.5 |      | true        |
(3 rows)
note: n1
";
        assert_eq!(table_text(&t), expected);
        let empty = Table {
            columns: vec![column("a")],
            rows: vec![].into(),
            notes: vec![],
        };
        assert_eq!(table_text(&empty), "| a |\n|---|\n(0 rows)\n");
    }
}
