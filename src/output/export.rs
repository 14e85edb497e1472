//! Tables and text as files and clipboard text: TSV for pasting into a spreadsheet, CSV and
//! JSON lines for files.

use super::save::SaveError;
use super::table::{Table, value_text};
use serde_json::{Map, Value};

/// Tab-separated, with a header row; tabs and newlines inside values become spaces.
pub fn to_tsv(table: &Table) -> String {
    let clean = |s: String| s.replace(['\t', '\n', '\r'], " ");
    let mut out = table
        .columns
        .iter()
        .map(|c| clean(c.name.clone()))
        .collect::<Vec<_>>()
        .join("\t");
    out.push('\n');
    for row in &table.rows {
        out.push_str(&row.cells().map(|v| clean(cell_text(&v))).collect::<Vec<_>>().join("\t"));
        out.push('\n');
    }
    out
}

/// Why a table could not be exported to a file.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error(transparent)]
    Save(#[from] SaveError),
}

/// RFC 4180 CSV with a header row.
pub fn to_csv(table: &Table) -> Result<Vec<u8>, ExportError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(table.columns.iter().map(|c| c.name.as_str()))?;
    for row in &table.rows {
        writer.write_record(row.cells().map(|v| cell_text(&v)))?;
    }
    writer.into_inner().map_err(|e| ExportError::Csv(e.into_error().into()))
}

/// One JSON object per row, keyed by column name.
pub fn to_json_lines(table: &Table) -> String {
    let mut out = String::new();
    for row in &table.rows {
        let object: Map<String, Value> = table
            .columns
            .iter()
            .zip(row.cells())
            .map(|(c, v)| (c.name.clone(), v.into_owned()))
            .collect();
        out.push_str(&Value::Object(object).to_string());
        out.push('\n');
    }
    out
}

/// A value as a spreadsheet wants it: null is empty, strings bare.
fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        other => value_text(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::table::Column;
    use serde_json::json;

    fn table() -> Table {
        Table {
            columns: vec![
                Column {
                    name: "id".into(),
                    data_type: "int".into(),
                },
                Column {
                    name: "text".into(),
                    data_type: "string".into(),
                },
            ],
            rows: vec![
                vec![json!(1), json!("a, \"quoted\"\tvalue")],
                vec![json!(2), Value::Null],
            ]
            .into(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn tsv_csv_and_json_lines() {
        assert_eq!(to_tsv(&table()), "id\ttext\n1\ta, \"quoted\" value\n2\t\n");
        let csv = String::from_utf8(to_csv(&table()).unwrap()).unwrap();
        assert_eq!(csv, "id,text\n1,\"a, \"\"quoted\"\"\tvalue\"\n2,\n");
        assert_eq!(
            to_json_lines(&table()),
            "{\"id\":1,\"text\":\"a, \\\"quoted\\\"\\tvalue\"}\n{\"id\":2,\"text\":null}\n"
        );
    }

    #[test]
    fn export_errors_display_as_one_line() {
        let csv = ExportError::from(csv::Error::from(std::io::Error::other("disk full")));
        assert_eq!(csv.to_string(), "cannot write CSV: disk full");
        let save = ExportError::from(SaveError::NamesTaken {
            dir: ".".into(),
            base: "t".into(),
            extension: "csv".into(),
        });
        assert_eq!(
            save.to_string(),
            "cannot save t.csv in the working directory: names up to t-9999.csv are all taken"
        );
    }
}
