//! A table's rows, kept where they came from.
//!
//! A result's rows are spans of its JSON text, which the cell's output already holds (shared,
//! not copied): 8 bytes a cell, a cell parsed only when looked at (the rows on screen, a
//! search, an export). Parsed up front, every cell would be a `serde_json::Value` of 72 bytes,
//! ten times a typical cell's text. Small tables made here (`show()` text, tests) keep their
//! values.

use crate::livy::SharedJson;
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// Rows of cells; rows may differ in length.
#[derive(Clone, Default)]
pub struct Rows(Storage);

#[derive(Clone)]
enum Storage {
    Values(Vec<Vec<Value>>),
    Text {
        json: SharedJson,
        /// Each cell's `(start, end)` in the text.
        cells: Vec<(u32, u32)>,
        /// Row `r` is `cells[starts[r]..starts[r + 1]]`; one more entry than rows.
        starts: Vec<u32>,
    },
}

impl Default for Storage {
    fn default() -> Self {
        Storage::Values(Vec::new())
    }
}

impl Rows {
    /// The rows of `data`, a JSON array of rows inside `json`'s text (a row that is not an
    /// array is one cell). `None` when `data` is not an array.
    pub fn in_text(json: &SharedJson, data: &RawValue) -> Option<Rows> {
        let base = json.get().as_ptr() as usize;
        let inside = |raw: &RawValue| {
            let at = raw.get().as_ptr() as usize;
            at >= base && at + raw.get().len() <= base + json.get().len()
        };
        // Spans are taken from where `data` lies in the text: it must lie in it.
        if !inside(data) {
            return None;
        }
        let offset = |raw: &RawValue| {
            let at = raw.get().as_ptr() as usize - base;
            (at as u32, (at + raw.get().len()) as u32)
        };
        // Offsets are u32: a text past 4 GiB keeps values instead.
        if json.get().len() > u32::MAX as usize {
            let rows: Vec<Value> = serde_json::from_str(data.get()).ok()?;
            return Some(Rows::from(rows.into_iter().map(row_values).collect::<Vec<_>>()));
        }
        let rows: Vec<&RawValue> = serde_json::from_str(data.get()).ok()?;
        let mut cells = Vec::new();
        let mut starts = Vec::with_capacity(rows.len() + 1);
        starts.push(0);
        for row in rows {
            match row.get().starts_with('[') {
                true => {
                    let items: Vec<&RawValue> = serde_json::from_str(row.get()).ok()?;
                    cells.extend(items.into_iter().map(offset));
                }
                false => cells.push(offset(row)),
            }
            starts.push(cells.len() as u32);
        }
        cells.shrink_to_fit();
        Some(Rows(Storage::Text {
            json: json.clone(),
            cells,
            starts,
        }))
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            Storage::Values(rows) => rows.len(),
            Storage::Text { starts, .. } => starts.len().saturating_sub(1),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `r`.
    pub fn get(&self, r: usize) -> Option<Row<'_>> {
        (r < self.len()).then_some(Row { rows: self, r })
    }

    /// Every row, in order.
    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        (0..self.len()).map(move |r| Row { rows: self, r })
    }

    /// Every cell as a value (a copy: for small tables and tests).
    pub fn to_values(&self) -> Vec<Vec<Value>> {
        self.iter().map(|row| row.to_vec()).collect()
    }
}

/// One row of [`Rows`].
#[derive(Clone, Copy)]
pub struct Row<'a> {
    rows: &'a Rows,
    r: usize,
}

impl<'a> Row<'a> {
    /// Number of cells.
    pub fn len(&self) -> usize {
        match &self.rows.0 {
            Storage::Values(rows) => rows[self.r].len(),
            Storage::Text { starts, .. } => (starts[self.r + 1] - starts[self.r]) as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cell `c`, parsed from the text when the rows are kept as text.
    pub fn get(&self, c: usize) -> Option<Cow<'a, Value>> {
        match &self.rows.0 {
            Storage::Values(rows) => rows[self.r].get(c).map(Cow::Borrowed),
            Storage::Text { json, cells, starts } => {
                let at = starts[self.r] as usize + c;
                if at >= starts[self.r + 1] as usize {
                    return None;
                }
                let (start, end) = cells[at];
                let text = json.get().get(start as usize..end as usize)?;
                // The span was checked as JSON when the rows were read.
                Some(Cow::Owned(serde_json::from_str(text).unwrap_or(Value::Null)))
            }
        }
    }

    /// The cells, in order.
    pub fn cells(self) -> impl Iterator<Item = Cow<'a, Value>> + 'a {
        (0..self.len()).filter_map(move |c| self.get(c))
    }

    pub fn to_vec(&self) -> Vec<Value> {
        self.cells().map(Cow::into_owned).collect()
    }
}

fn row_values(row: Value) -> Vec<Value> {
    match row {
        Value::Array(cells) => cells,
        other => vec![other],
    }
}

impl From<Vec<Vec<Value>>> for Rows {
    fn from(rows: Vec<Vec<Value>>) -> Rows {
        Rows(Storage::Values(rows))
    }
}

impl FromIterator<Vec<Value>> for Rows {
    fn from_iter<I: IntoIterator<Item = Vec<Value>>>(rows: I) -> Rows {
        Rows::from(rows.into_iter().collect::<Vec<_>>())
    }
}

impl<'a> IntoIterator for &'a Rows {
    type Item = Row<'a>;
    type IntoIter = Box<dyn Iterator<Item = Row<'a>> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl PartialEq for Rows {
    fn eq(&self, other: &Rows) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a.cells().eq(b.cells()))
    }
}

impl PartialEq<Vec<Vec<Value>>> for Rows {
    fn eq(&self, other: &Vec<Vec<Value>>) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .zip(other)
                .all(|(a, b)| a.len() == b.len() && a.cells().zip(b).all(|(x, y)| *x == *y))
    }
}

impl fmt::Debug for Rows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Storage::Values(rows) => f.debug_tuple("Rows").field(rows).finish(),
            Storage::Text { cells, .. } => write!(f, "Rows({} rows, {} cells as text)", self.len(), cells.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    fn text_rows(json: &str) -> Rows {
        let shared = SharedJson(Arc::from(RawValue::from_string(json.to_string()).unwrap()));
        let whole: &RawValue = serde_json::from_str(shared.get()).unwrap();
        Rows::in_text(&shared, whole).expect("rows")
    }

    #[test]
    fn cells_are_read_from_the_text_when_looked_at() {
        let rows = text_rows(r#"[[1, "a\"b", null, {"k": [1, 2]}], 7, [], [3.7154226196060236, true]]"#);
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows.to_values(),
            vec![
                vec![json!(1), json!("a\"b"), json!(null), json!({"k": [1, 2]})],
                vec![json!(7)],
                vec![],
                vec![json!(3.7154226196060236), json!(true)],
            ]
        );
        let row = rows.get(0).unwrap();
        assert_eq!(row.len(), 4);
        assert_eq!(row.get(4), None);
        assert!(rows.get(4).is_none());
        assert_eq!(rows, Rows::from(rows.to_values()));
        assert!(format!("{rows:?}").contains("4 rows, 7 cells as text"));
    }

    #[test]
    fn data_that_is_not_an_array_has_no_rows() {
        let shared = SharedJson(Arc::from(RawValue::from_string(r#"{"a": 1}"#.to_string()).unwrap()));
        let whole: &RawValue = serde_json::from_str(shared.get()).unwrap();
        assert!(Rows::in_text(&shared, whole).is_none());
        let elsewhere: &RawValue = serde_json::from_str("[[1]]").unwrap();
        assert!(
            Rows::in_text(&shared, elsewhere).is_none(),
            "spans must lie in the text"
        );
    }
}
