//! Column widths and alignment of a [`Table`], computed once per table (off the draw path),
//! and the text a cell shows: `value_text` cut to a width, with control characters made
//! visible so nothing from the server can reach the terminal as a control.

use super::table::{Column, Table};
use serde_json::Value;
use std::borrow::Cow;
use unicode_width::UnicodeWidthChar;

/// Rows looked at in full; beyond them, a spread sample.
pub const FULL_SCAN_ROWS: usize = 20_000;
/// How many rows are sampled beyond the first [`FULL_SCAN_ROWS`].
pub const SAMPLE_ROWS: usize = 10_000;
/// The default cap on a column's width.
pub const DEFAULT_MAX_WIDTH: u16 = 40;
/// The narrowest a column is drawn.
pub const MIN_WIDTH: u16 = 3;

/// How a table's columns are drawn.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableLayout {
    /// Display width of each column: max of the header name, the type label, and the cell texts, capped at `max_width` (default 40), at least 3.
    pub widths: Vec<u16>,
    /// Per column: every non-null value is a JSON number (right-align it).
    pub numeric: Vec<bool>,
}

impl TableLayout {
    /// Measures every column of `table`.
    ///
    /// Looks at every row up to the first 20,000 ([`FULL_SCAN_ROWS`]); of a longer table it
    /// then samples 10,000 ([`SAMPLE_ROWS`]) rows spread evenly over the rest, the last row
    /// included, so the cost is bounded whatever the row count. A wider value or a
    /// non-number in a row not looked at is simply cut, or right-aligned, when drawn.
    ///
    /// A column is numeric when no value looked at is anything but a number or null, and
    /// either one is a number or (no values) its type is a numeric one (`INT_TYPE`,
    /// `integer`, `decimal(2,1)`…). Rows with fewer cells than columns are fine; extra cells
    /// are ignored.
    pub fn compute(table: &Table, max_width: u16) -> TableLayout {
        let cap = max_width.max(MIN_WIDTH) as usize;
        let n = table.columns.len();
        let mut widths: Vec<usize> = table
            .columns
            .iter()
            .map(|c| text_width(c.name.chars(), cap).max(text_width(type_label(&c.data_type).chars(), cap)))
            .collect();
        let mut saw_number = vec![false; n];
        let mut saw_other = vec![false; n];
        let mut measure = |row: crate::output::Row<'_>| {
            for (i, value) in row.cells().take(n).enumerate() {
                let value = value.as_ref();
                match value {
                    Value::Null => {}
                    Value::Number(_) => saw_number[i] = true,
                    _ => saw_other[i] = true,
                }
                if widths[i] < cap {
                    widths[i] = widths[i].max(value_width(value, cap));
                }
            }
        };
        let rows = &table.rows;
        rows.iter().take(FULL_SCAN_ROWS).for_each(&mut measure);
        if rows.len() > FULL_SCAN_ROWS {
            let rest = rows.len() - FULL_SCAN_ROWS;
            let step = rest.div_ceil(SAMPLE_ROWS).max(1);
            (FULL_SCAN_ROWS + step - 1..rows.len())
                .step_by(step)
                .filter_map(|i| rows.get(i))
                .for_each(&mut measure);
            if let Some(last) = rows.get(rows.len() - 1) {
                measure(last);
            }
        }
        TableLayout {
            widths: widths
                .iter()
                .map(|&w| w.clamp(MIN_WIDTH as usize, cap) as u16)
                .collect(),
            numeric: (0..n)
                .map(|i| !saw_other[i] && (saw_number[i] || numeric_type(&table.columns[i])))
                .collect(),
        }
    }
}

/// A column type as shown under its name: Livy's `INT_TYPE` as `int`, `STRING_TYPE` as
/// `string` (any `XXX_TYPE` lower-cased without the suffix), Spark's `integer` as `int`
/// (also inside `array<integer>`); everything else (`decimal(2,1)`, `map<string,long>`) as is.
pub fn type_label(data_type: &str) -> Cow<'_, str> {
    let data_type = data_type.trim();
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let shorten = |word: &str| -> Option<String> {
        if word == "integer" {
            return Some("int".into());
        }
        let stem = word.strip_suffix("_TYPE")?;
        (!stem.is_empty()
            && stem
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
        .then(|| stem.to_ascii_lowercase())
    };
    let mut out = String::new();
    let mut changed = false;
    let mut rest = data_type;
    while !rest.is_empty() {
        let end = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
        let (word, tail) = rest.split_at(end);
        match shorten(word) {
            Some(short) => {
                changed = true;
                out.push_str(&short);
            }
            None => out.push_str(word),
        }
        let sep_len = tail.find(is_word).unwrap_or(tail.len());
        out.push_str(&tail[..sep_len]);
        rest = &tail[sep_len..];
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(data_type)
    }
}

/// Whether a column type names a number type.
fn numeric_type(column: &Column) -> bool {
    let label = type_label(&column.data_type);
    let base = label.split('(').next().unwrap_or("");
    matches!(
        base,
        "byte" | "tinyint" | "short" | "smallint" | "int" | "bigint" | "long" | "float" | "double" | "decimal"
    )
}

/// A character as it may be drawn: C0 controls and ESC as their control pictures (`␛`,
/// `␉`), a newline as `↵`, DEL as `␡`, C1 controls and bidirectional overrides (which would
/// reorder the line on screen) as `�`. Everything else unchanged.
pub fn display_char(c: char) -> char {
    match c {
        '\n' => '↵',
        '\0'..='\x1f' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\x7f' => '\u{2421}',
        '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => '\u{fffd}',
        c => c,
    }
}

/// Display width of a character once made drawable by [`display_char`].
pub fn char_width(c: char) -> usize {
    display_char(c).width().unwrap_or(0)
}

/// The text of a cell (as [`value_text`](super::table::value_text)), only as much as a
/// column of `max_cols` can show: a string is borrowed whole (readers stop early); another
/// value is serialised up to a bound. The flag says the text was cut there.
pub fn cell_source(value: &Value, max_cols: usize) -> (Cow<'_, str>, bool) {
    match value {
        Value::String(s) => (Cow::Borrowed(s.as_str()), false),
        Value::Null => (Cow::Borrowed("null"), false),
        Value::Bool(b) => (Cow::Borrowed(if *b { "true" } else { "false" }), false),
        Value::Number(n) => (Cow::Owned(n.to_string()), false),
        other => {
            // every character at least one column but combining ones: 4 bytes per column
            // and some slack is plenty
            let mut writer = Bounded {
                buf: Vec::new(),
                limit: max_cols.saturating_mul(4).saturating_add(64),
                cut: false,
            };
            let _ = serde_json::to_writer(&mut writer, other);
            let text = match String::from_utf8(writer.buf) {
                Ok(s) => s,
                Err(e) => {
                    let valid = e.utf8_error().valid_up_to();
                    let mut bytes = e.into_bytes();
                    bytes.truncate(valid);
                    String::from_utf8(bytes).unwrap_or_default()
                }
            };
            (Cow::Owned(text), writer.cut)
        }
    }
}

/// Fits text into `width` columns: drawable characters ([`display_char`]), cut with `…` when
/// longer (or when `more` says the text goes on). Returns the text and its width.
pub fn fit(text: &str, more: bool, width: usize) -> (String, usize) {
    if width == 0 {
        return (String::new(), 0);
    }
    let mut out = String::new();
    let mut used = 0;
    // the longest prefix that leaves room for the `…`
    let mut keep = (0, 0);
    for c in text.chars() {
        let w = char_width(c);
        if used + w > width {
            return cut(out, keep);
        }
        out.push(display_char(c));
        used += w;
        if used < width {
            keep = (out.len(), used);
        }
    }
    if more { cut(out, keep) } else { (out, used) }
}

fn cut(mut out: String, (len, used): (usize, usize)) -> (String, usize) {
    out.truncate(len);
    out.push('…');
    (out, used + 1)
}

/// Display width of drawable text, counting no further than just past `cap`.
fn text_width(chars: impl Iterator<Item = char>, cap: usize) -> usize {
    let mut used = 0;
    for c in chars {
        used += char_width(c);
        if used > cap {
            break;
        }
    }
    used
}

/// Display width of a cell's text, counting no further than just past `cap`.
fn value_width(value: &Value, cap: usize) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(b) => 4 + usize::from(!*b),
        Value::String(s) => text_width(s.chars(), cap),
        other => {
            let (text, more) = cell_source(other, cap);
            text_width(text.chars(), cap) + usize::from(more)
        }
    }
}

/// A writer that keeps the first `limit` bytes and then refuses.
struct Bounded {
    buf: Vec<u8>,
    limit: usize,
    cut: bool,
}

impl std::io::Write for Bounded {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let room = self.limit.saturating_sub(self.buf.len());
        if bytes.len() > room {
            self.buf.extend_from_slice(&bytes[..room]);
            self.cut = true;
            return Err(std::io::Error::other("enough"));
        }
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table(columns: &[(&str, &str)], rows: Vec<Vec<Value>>) -> Table {
        let v = json!({
            "headers": columns.iter().map(|(n, t)| json!({"name": n, "type": t})).collect::<Vec<_>>(),
            "data": rows,
        });
        Table::from_livy_table(&v).unwrap()
    }

    #[test]
    fn widths_take_the_widest_of_name_type_and_cells() {
        let t = table(
            &[("id", "INT_TYPE"), ("name", "STRING_TYPE"), ("x", ""), ("n", "")],
            vec![
                vec![json!(1), json!("ann"), json!(null), json!(true)],
                vec![json!(123456), json!("漢字漢字"), json!(null), json!(false)],
            ],
        );
        let l = TableLayout::compute(&t, 40);
        // id: 6 digits; name: 4 wide chars; x: "null"; n: "false"
        assert_eq!(l.widths, vec![6, 8, 4, 5]);
        assert_eq!(l.numeric, vec![true, false, false, false]);
    }

    #[test]
    fn widths_are_capped_and_at_least_three() {
        let t = table(
            &[("a", ""), ("b", "BIGINT_TYPE"), ("c", "")],
            vec![vec![
                json!("x".repeat(500)),
                json!(1),
                json!([1, 2, 3, "a long array entry", {"k": "v"}]),
            ]],
        );
        let l = TableLayout::compute(&t, 40);
        assert_eq!(l.widths, vec![40, 6, 38]);
        let l = TableLayout::compute(&t, 10);
        assert_eq!(l.widths, vec![10, 6, 10]);
        let l = TableLayout::compute(&t, 0);
        assert_eq!(l.widths, vec![3, 3, 3]);
        let tiny = table(&[("a", "")], vec![vec![json!(1)]]);
        assert_eq!(TableLayout::compute(&tiny, 40).widths, vec![3]);
    }

    #[test]
    fn numeric_columns() {
        let t = table(
            &[("a", ""), ("b", ""), ("c", "INT_TYPE"), ("d", ""), ("e", "")],
            vec![
                vec![json!(1.5), json!(1), json!(null), json!(null), json!("1")],
                vec![json!(null), json!("two"), json!(null), json!(null), json!(2)],
            ],
        );
        let l = TableLayout::compute(&t, 40);
        assert_eq!(l.numeric, vec![true, false, true, false, false]);
        // ragged rows: missing cells are fine, extra ones ignored
        let t = table(
            &[("a", ""), ("b", "")],
            vec![vec![json!(1)], vec![json!(2), json!(3), json!("x")]],
        );
        assert_eq!(TableLayout::compute(&t, 40).numeric, vec![true, true]);
        // a zero-column table
        let t = table(&[], vec![]);
        assert_eq!(TableLayout::compute(&t, 40), TableLayout::default());
    }

    #[test]
    fn samples_big_tables() {
        let rows: Vec<Vec<Value>> = (0..100_000)
            .map(|i| {
                (0..20)
                    .map(|c| {
                        if c % 2 == 0 {
                            json!(i)
                        } else {
                            json!(format!("row {i}"))
                        }
                    })
                    .collect()
            })
            .collect();
        let columns: Vec<(String, String)> = (0..20).map(|c| (format!("c{c}"), String::new())).collect();
        let columns: Vec<(&str, &str)> = columns.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
        let t = table(&columns, rows);
        let l = TableLayout::compute(&t, 40);
        assert_eq!(l.widths.len(), 20);
        // the last row is always looked at: "99999" and "row 99999"
        assert_eq!(l.widths[0], 5);
        assert_eq!(l.widths[1], 9);
        assert!(l.numeric[0] && !l.numeric[1]);
    }

    #[test]
    fn type_labels() {
        assert_eq!(type_label("INT_TYPE"), "int");
        assert_eq!(type_label("STRING_TYPE"), "string");
        assert_eq!(type_label("BIGINT_TYPE"), "bigint");
        assert_eq!(type_label("DOUBLE_TYPE"), "double");
        assert_eq!(type_label("integer"), "int");
        assert_eq!(type_label("array<integer>"), "array<int>");
        assert_eq!(type_label("map<string,integer>"), "map<string,int>");
        assert_eq!(type_label("decimal(2,1)"), "decimal(2,1)");
        assert_eq!(type_label(""), "");
        assert_eq!(type_label("_TYPE"), "_TYPE");
        assert_eq!(type_label("My_TYPE"), "My_TYPE");
    }

    #[test]
    fn fitting_and_controls() {
        assert_eq!(fit("abcdef", false, 4), ("abc…".into(), 4));
        assert_eq!(fit("abcd", false, 4), ("abcd".into(), 4));
        assert_eq!(fit("abcd", true, 4), ("abc…".into(), 4));
        assert_eq!(fit("ab", true, 4), ("ab…".into(), 3));
        assert_eq!(fit("漢字漢字", false, 5), ("漢字…".into(), 5));
        assert_eq!(fit("漢字漢字", false, 4), ("漢…".into(), 3));
        assert_eq!(fit("abc", false, 0), (String::new(), 0));
        assert_eq!(fit("abc", false, 1), ("…".into(), 1));
        assert_eq!(
            fit("a\x1b[2Jb\nc\u{9b}\u{202e}\x7f", false, 20).0,
            "a␛[2Jb↵c\u{fffd}\u{fffd}␡"
        );
        let long = json!(vec!["abc"; 1000]);
        let (text, more) = cell_source(&long, 10);
        assert!(more && text.len() < 200 && text.starts_with("[\"abc\",\"abc\""));
        let short = json!({"k": [1, null]});
        let (text, more) = cell_source(&short, 10);
        assert_eq!((text.as_ref(), more), ("{\"k\":[1,null]}", false));
    }
}
