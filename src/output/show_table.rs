//! The ASCII tables that Spark's `Dataset.show()` (Scala and PySpark) prints into `text/plain`:
//!
//! ```text
//! +---+-------+
//! | id|  twice|
//! +---+-------+
//! |  0|      0|
//! +---+-------+
//! only showing top 20 rows
//! ```
//!
//! A table is a border line (`+---+---+`), a header row, the same border, data rows and the same
//! border again, optionally followed by the `only showing top N rows` footer. Anything that does
//! not fit that shape exactly (a vertical `-RECORD 0---` block, a broken border, a row with the
//! wrong cells) stays text. Column types are unknown (`data_type: ""`).

use super::table::{Column, Table};
use serde_json::{Number, Value};

/// `show()` cuts longer values to this many characters, ending in `...` (the default `truncate`).
const SHOW_TRUNCATE: usize = 20;

const NOTE_TRUNCATED: &str = "some values were cut to 20 characters by show(); use show(truncate=False) (Python) or show(false) (Scala) for full values";

/// A `show()` table found in text.
#[derive(Clone, Debug, PartialEq)]
pub struct ShowTable {
    pub table: Table,
    /// Index of the table's first line (its top border) in `text.split('\n')`.
    pub start_line: usize,
    /// Index one past the table's last line: the closing border, or the footer if there is one.
    pub end_line: usize,
}

/// A piece of text output: plain text or a table that `show()` printed.
#[derive(Clone, Debug, PartialEq)]
pub enum TextPart {
    /// Text exactly as it was between tables, line ends included (a part before a table ends
    /// with the `\n` of its last line). Never empty.
    Text(String),
    Table(Table),
}

/// Every `show()` table in `text`, in order. Lines are `text.split('\n')` (a trailing `\r` is
/// ignored). Linear in the length of the text; never panics.
pub fn find_show_tables(text: &str) -> Vec<ShowTable> {
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if border_widths(lines[i]).is_none() {
            i += 1;
            continue;
        }
        match parse_at(&lines, i) {
            Ok(show) => {
                i = show.end_line;
                found.push(show);
            }
            // Lines before the one that broke the table cannot start another one (they are its
            // header and rows, or its second border, whose table would break at the same line),
            // so go on from there: every line is looked at a bounded number of times.
            Err(broke_at) => i = broke_at.max(i + 1),
        }
    }
    found
}

/// `text` cut into plain text and `show()` tables, in order; joining the text parts with the
/// tables' original lines gives `text` back.
pub fn split_text_and_tables(text: &str) -> Vec<TextPart> {
    let tables = find_show_tables(text);
    if tables.is_empty() {
        return if text.is_empty() {
            Vec::new()
        } else {
            vec![TextPart::Text(text.to_string())]
        };
    }
    // Byte offset where each line starts; a line's end is where the next one starts (its `\n`
    // included) or the end of the text.
    let mut line_starts = vec![0];
    line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let offset = |line: usize| line_starts.get(line).copied().unwrap_or(text.len());
    let mut parts = Vec::new();
    let mut pos = 0;
    for show in tables {
        let (start, end) = (offset(show.start_line), offset(show.end_line));
        if start > pos {
            parts.push(TextPart::Text(text[pos..start].to_string()));
        }
        parts.push(TextPart::Table(show.table));
        pos = end;
    }
    if pos < text.len() {
        parts.push(TextPart::Text(text[pos..].to_string()));
    }
    parts
}

/// Parses the table whose top border is `lines[start]`; on failure, the index of the line that
/// did not fit.
fn parse_at(lines: &[&str], start: usize) -> Result<ShowTable, usize> {
    let border = lines[start];
    let widths = border_widths(border).ok_or(start)?;
    let line = |i: usize| lines.get(i).copied().ok_or(i);
    let header = parse_row(line(start + 1)?, &widths).ok_or(start + 1)?;
    if line(start + 2)? != border {
        return Err(start + 2);
    }
    let mut cells = Vec::new();
    let mut i = start + 3;
    loop {
        let l = line(i)?;
        if l == border {
            break;
        }
        cells.push(parse_row(l, &widths).ok_or(i)?);
        i += 1;
    }
    let mut end_line = i + 1;
    let mut notes = Vec::new();
    if header.iter().chain(cells.iter().flatten()).any(|c| is_truncated(c)) {
        notes.push(NOTE_TRUNCATED.to_string());
    }
    if let Some(n) = lines.get(end_line).copied().and_then(footer_rows) {
        let rows = if n == "1" { "row" } else { "rows" };
        notes.push(format!("show() printed only the first {n} {rows}"));
        end_line += 1;
    }
    let table = Table {
        columns: header
            .into_iter()
            .map(|name| Column {
                name,
                data_type: String::new(),
            })
            .collect(),
        rows: cells
            .into_iter()
            .map(|row| row.into_iter().map(cell_value).collect())
            .collect(),
        notes,
    };
    Ok(ShowTable {
        table,
        start_line: start,
        end_line,
    })
}

/// The column widths of a border line `+---+--+`; `None` for any other line.
fn border_widths(line: &str) -> Option<Vec<usize>> {
    let inner = line.strip_prefix('+')?.strip_suffix('+')?;
    let widths: Vec<usize> = inner.split('+').map(str::len).collect();
    let dashes_only = inner.bytes().all(|b| b == b'-' || b == b'+');
    (dashes_only && widths.iter().all(|&w| w > 0)).then_some(widths)
}

/// The trimmed cells of a row `|  a|bc|` under a border of `widths`. The `|` are looked for where
/// the border puts them, measuring text as `show()` does (Spark ≥ 2.4 counts East Asian wide
/// characters twice and, like Java, characters outside the BMP as two), as older Sparks did, and by
/// characters; failing all, splitting at every `|` must give the right number of cells.
fn parse_row(line: &str, widths: &[usize]) -> Option<Vec<String>> {
    let inner = line.strip_prefix('|')?.strip_suffix('|')?;
    let measures: [fn(char) -> usize; 3] = [spark_width, char::len_utf16, |_| 1];
    measures
        .iter()
        .find_map(|&measure| cells_by_width(inner, widths, measure))
        .or_else(|| {
            // A character is one or two wide however it is measured.
            let fits = |(cell, &width): (&&str, &usize)| {
                let chars = cell.chars().count();
                chars <= width && width <= 2 * chars
            };
            let cells: Vec<&str> = inner.split('|').collect();
            (cells.len() == widths.len() && cells.iter().zip(widths).all(fits))
                .then(|| cells.iter().map(|c| c.trim().to_string()).collect())
        })
}

/// Cuts `inner` (a row without its outer `|`) into cells of the given widths separated by `|`.
fn cells_by_width(inner: &str, widths: &[usize], measure: fn(char) -> usize) -> Option<Vec<String>> {
    let mut cells = Vec::with_capacity(widths.len());
    let mut chars = inner.char_indices().peekable();
    for (n, &width) in widths.iter().enumerate() {
        if n > 0 {
            // The separator after the previous cell.
            match chars.next() {
                Some((_, '|')) => {}
                _ => return None,
            }
        }
        let from = chars.peek().map_or(inner.len(), |&(i, _)| i);
        let mut used = 0;
        while used < width {
            let (_, c) = chars.next()?;
            used += measure(c);
        }
        if used != width {
            return None;
        }
        let to = chars.peek().map_or(inner.len(), |&(i, _)| i);
        cells.push(inner[from..to].trim().to_string());
    }
    chars.next().is_none().then_some(cells)
}

/// A character's width as Spark's `Utils.stringHalfWidth` counts it: UTF-16 units, plus one for
/// the full-width ranges it lists.
fn spark_width(c: char) -> usize {
    let wide = matches!(c,
        '\u{1100}'..='\u{115F}'
        | '\u{2E80}'..='\u{A4CF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE10}'..='\u{FE19}'
        | '\u{FE30}'..='\u{FE6F}'
        | '\u{FF00}'..='\u{FF60}'
        | '\u{FFE0}'..='\u{FFE6}');
    c.len_utf16() + usize::from(wide)
}

/// Whether `show()` cut this value: 20 characters ending in `...`.
fn is_truncated(cell: &str) -> bool {
    cell.ends_with("...") && (cell.chars().count() == SHOW_TRUNCATE || cell.encode_utf16().count() == SHOW_TRUNCATE)
}

/// `N` of the footer `only showing top N rows` (`… top 1 row`).
fn footer_rows(line: &str) -> Option<&str> {
    let rest = line.trim_end().strip_prefix("only showing top ")?;
    let n = rest.strip_suffix(" rows").or_else(|| rest.strip_suffix(" row"))?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some(n)
}

/// A cell as JSON: `null` → null, a number that prints back exactly as shown → a number (so it
/// aligns as one), anything else → the string. `2.50`, `007` or `1.0E10` stay strings rather than
/// show as `2.5`, `7` or `10000000000.0`.
fn cell_value(cell: String) -> Value {
    if cell == "null" {
        return Value::Null;
    }
    if let Some(n) = clean_number(&cell) {
        return Value::Number(n);
    }
    Value::String(cell)
}

fn clean_number(s: &str) -> Option<Number> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (digits, None),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || !frac.is_none_or(all_digits) {
        return None;
    }
    let n = if frac.is_some() {
        Number::from_f64(s.parse().ok()?)?
    } else if let Ok(i) = s.parse::<i64>() {
        Number::from(i)
    } else {
        Number::from(s.parse::<u64>().ok()?)
    };
    (n.to_string() == s).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture_text(fixture: &str, pointer: &str) -> String {
        let v: Value = serde_json::from_str(fixture).unwrap();
        v.pointer(pointer).and_then(Value::as_str).unwrap().to_string()
    }

    fn names(t: &Table) -> Vec<&str> {
        t.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// Joining the text parts with the tables' lines gives the text back.
    fn assert_round_trip(text: &str) {
        let tables = find_show_tables(text);
        let lines: Vec<&str> = text.split('\n').collect();
        let mut rebuilt = String::new();
        let mut tables = tables.iter();
        for part in split_text_and_tables(text) {
            match part {
                TextPart::Text(t) => {
                    assert!(!t.is_empty());
                    rebuilt.push_str(&t);
                }
                TextPart::Table(_) => {
                    let show = tables.next().unwrap();
                    for (i, line) in lines.iter().enumerate().take(show.end_line).skip(show.start_line) {
                        rebuilt.push_str(line);
                        if i + 1 < lines.len() {
                            rebuilt.push('\n');
                        }
                    }
                }
            }
        }
        assert!(tables.next().is_none());
        assert_eq!(rebuilt, text);
    }

    #[test]
    fn scala_show_fixture() {
        let text = fixture_text(
            include_str!("../../tests/fixtures/livy/spark-statement-dataframe-show.json"),
            "/response/body/output/data/text~1plain",
        );
        let found = find_show_tables(&text);
        assert_eq!(found.len(), 1);
        let show = &found[0];
        assert_eq!((show.start_line, show.end_line), (0, 7));
        assert_eq!(names(&show.table), ["id", "twice"]);
        assert!(show.table.columns.iter().all(|c| c.data_type.is_empty()));
        assert_eq!(
            show.table.rows,
            vec![
                vec![json!(0), json!(0)],
                vec![json!(1), json!(2)],
                vec![json!(2), json!(4)]
            ]
        );
        assert!(show.table.notes.is_empty());
        // show() ends with a newline and println adds one: a blank line stays after the table.
        assert_eq!(
            split_text_and_tables(&text),
            vec![TextPart::Table(show.table.clone()), TextPart::Text("\n".into())]
        );
        assert_round_trip(&text);
    }

    #[test]
    fn pyspark_sql_show_fixture() {
        let text = fixture_text(
            include_str!("../../tests/fixtures/livy/pyspark-spark-sql-show.json"),
            "/livy_statement_output/data/text~1plain",
        );
        let parts = split_text_and_tables(&text);
        let [TextPart::Table(t)] = parts.as_slice() else {
            panic!("{parts:?}")
        };
        assert_eq!(names(t), ["a", "b", "c"]);
        assert_eq!(t.rows, vec![vec![json!(1), json!("x"), json!(2.5)]]);
        assert_round_trip(&text);
    }

    #[test]
    fn pyspark_wide_show_fixture() {
        let text = fixture_text(
            include_str!("../../tests/fixtures/livy/pyspark-dataframe-show-wide.json"),
            "/livy_statement_output/data/text~1plain",
        );
        let found = find_show_tables(&text);
        assert_eq!(found.len(), 1);
        let t = &found[0].table;
        assert_eq!(names(t), ["id", "sq", "label"]);
        assert_eq!(t.rows.len(), 5);
        assert_eq!(
            t.rows.get(4).unwrap().to_vec(),
            vec![json!(4), json!(16), json!("row-4")]
        );
        assert_eq!(found[0].end_line, text.split('\n').count());
        assert_round_trip(&text);
    }

    const SMALL: &str = "+---+-----+\n| id|label|\n+---+-----+\n|  0|    a|\n+---+-----+";

    #[test]
    fn text_before_and_after_stays_in_order() {
        let text = format!("starting\nrows: 1\n{SMALL}\ndone\n");
        let parts = split_text_and_tables(&text);
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert_eq!(parts[0], TextPart::Text("starting\nrows: 1\n".into()));
        let TextPart::Table(t) = &parts[1] else { panic!() };
        assert_eq!(t.rows, vec![vec![json!(0), json!("a")]]);
        assert_eq!(parts[2], TextPart::Text("done\n".into()));
        let found = find_show_tables(&text);
        assert_eq!((found[0].start_line, found[0].end_line), (2, 7));
        assert_round_trip(&text);
    }

    #[test]
    fn two_tables_in_one_output() {
        let second = "+----+\n|name|\n+----+\n| ann|\n| bob|\n+----+\nonly showing top 2 rows";
        let text = format!("{SMALL}\n\n{second}\nres3: Unit = ()\n");
        let found = find_show_tables(&text);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].start_line, found[0].end_line), (0, 5));
        assert_eq!((found[1].start_line, found[1].end_line), (6, 13));
        assert_eq!(found[1].table.rows, vec![vec![json!("ann")], vec![json!("bob")]]);
        let parts = split_text_and_tables(&text);
        assert!(matches!(
            parts.as_slice(),
            [TextPart::Table(_), TextPart::Text(gap), TextPart::Table(_), TextPart::Text(end)]
                if gap == "\n" && end == "res3: Unit = ()\n"
        ));
        // Back to back, with nothing between them.
        let text = format!("{SMALL}\n{SMALL}");
        assert_eq!(find_show_tables(&text).len(), 2);
        assert_eq!(split_text_and_tables(&text).len(), 2);
        assert_round_trip(&text);
    }

    #[test]
    fn truncated_cells_get_a_note() {
        let text = "\
+---+--------------------+
| id|                text|
+---+--------------------+
|  1|a long sentence t...|
|  2|               short|
+---+--------------------+
";
        let t = &find_show_tables(text)[0].table;
        assert_eq!(*t.rows.get(0).unwrap().get(1).unwrap(), json!("a long sentence t..."));
        assert_eq!(t.notes, vec![NOTE_TRUNCATED]);
        // `...` in a value shorter than 20 characters was not cut.
        let text = "+---+-------+\n| id|   text|\n+---+-------+\n|  1|wait...|\n+---+-------+";
        let t = &find_show_tables(text)[0].table;
        assert_eq!(*t.rows.get(0).unwrap().get(1).unwrap(), json!("wait..."));
        assert!(t.notes.is_empty());
    }

    #[test]
    fn the_footer_becomes_a_note() {
        let text = format!("{SMALL}\nonly showing top 20 rows\nnext\n");
        let found = find_show_tables(&text);
        assert_eq!(found[0].end_line, 6);
        assert_eq!(found[0].table.notes, vec!["show() printed only the first 20 rows"]);
        assert_eq!(split_text_and_tables(&text)[1], TextPart::Text("next\n".into()));
        let text = format!("{SMALL}\nonly showing top 1 row\n");
        assert_eq!(
            find_show_tables(&text)[0].table.notes,
            vec!["show() printed only the first 1 row"]
        );
        // Not a footer: stays text.
        let text = format!("{SMALL}\nonly showing top rows\n");
        assert_eq!(find_show_tables(&text)[0].end_line, 5);
        assert_round_trip(&text);
    }

    #[test]
    fn vertical_mode_stays_text() {
        let text =
            "-RECORD 0------\n id    | 0     \n twice | 0     \n-RECORD 1------\n id    | 1     \n twice | 2     \n";
        assert!(find_show_tables(text).is_empty());
        assert_eq!(split_text_and_tables(text), vec![TextPart::Text(text.into())]);
    }

    #[test]
    fn malformed_tables_stay_text() {
        let cases = [
            // Closing border missing.
            "+---+\n| id|\n+---+\n|  0|",
            // Closing border of another width.
            "+---+\n| id|\n+---+\n|  0|\n+----+",
            // Second border differs.
            "+---+---+\n| id|  x|\n+---+\n|  0|  1|\n+---+---+",
            // A row with a cell too many or too few.
            "+---+\n| id|\n+---+\n|  0|  1|\n+---+",
            "+---+---+\n| id|  x|\n+---+---+\n|  0|\n+---+---+",
            // No header row.
            "+---+\n+---+\n+---+",
            // Not borders: empty segments, other characters, no closing `+`, no columns.
            "++\n||\n++\n++",
            "+---++---+\n| id||  x|\n+---++---+\n+---++---+",
            "+-=-+\n| id|\n+-=-+\n+-=-+",
            "+---\n| id|\n+---\n+---",
            "+\n|\n+\n+",
            // A row without its outer bars.
            "+---+\n| id|\n+---+\n  0|\n+---+",
            "",
            "\n\n",
            "+",
            "|",
        ];
        for text in cases {
            assert!(find_show_tables(text).is_empty(), "{text:?}");
            let parts = split_text_and_tables(text);
            if text.is_empty() {
                assert!(parts.is_empty());
            } else {
                assert_eq!(parts, vec![TextPart::Text(text.into())], "{text:?}");
            }
        }
    }

    #[test]
    fn a_broken_table_does_not_hide_a_good_one_after_it() {
        let text = format!("+---+\n| id|\n+---+\n|  0|\n{SMALL}\n");
        let found = find_show_tables(&text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].start_line, 4);
        assert_round_trip(&text);
    }

    #[test]
    fn empty_table_has_a_header_only() {
        let text = "+---+----+\n| id|name|\n+---+----+\n+---+----+\n";
        let found = find_show_tables(text);
        assert_eq!(found.len(), 1);
        assert_eq!(names(&found[0].table), ["id", "name"]);
        assert!(found[0].table.rows.is_empty());
        assert_eq!(found[0].end_line, 4);
        assert_eq!(split_text_and_tables(text).len(), 1);
    }

    #[test]
    fn unicode_values() {
        // Spark ≥ 2.4 pads by display width: wide characters count twice.
        let text = "\
+----+------+
|name|  city|
+----+------+
|张三|  北京|
|José|Zürich|
|  😀|  null|
+----+------+
";
        let t = &find_show_tables(text)[0].table;
        assert_eq!(
            t.rows,
            vec![
                vec![json!("张三"), json!("北京")],
                vec![json!("José"), json!("Zürich")],
                vec![json!("😀"), Value::Null],
            ]
        );
        // Older Sparks padded by characters; a `|` inside a value is kept when widths place it.
        let text = "+----+-----+\n|name|    x|\n+----+-----+\n|  张三|  a|b|\n+----+-----+";
        let t = &find_show_tables(text)[0].table;
        assert_eq!(t.rows, vec![vec![json!("张三"), json!("a|b")]]);
    }

    #[test]
    fn left_aligned_cells_of_show_false_are_trimmed() {
        let border = format!("+---+{}+", "-".repeat(28));
        let text = format!(
            "{border}\n|id |{:<28}|\n{border}\n|1  |{:<28}|\n{border}",
            "text", "a long sentence that is kept"
        );
        let t = &find_show_tables(&text)[0].table;
        assert_eq!(names(t), ["id", "text"]);
        assert_eq!(t.rows, vec![vec![json!(1), json!("a long sentence that is kept")]]);
        assert!(t.notes.is_empty());
    }

    #[test]
    fn numbers_only_when_they_print_back_the_same() {
        for (cell, want) in [
            ("0", json!(0)),
            ("-12", json!(-12)),
            ("2.5", json!(2.5)),
            ("-0.25", json!(-0.25)),
            ("18446744073709551615", json!(u64::MAX)),
            ("null", Value::Null),
            ("2.50", json!("2.50")),
            ("007", json!("007")),
            ("1.0E10", json!("1.0E10")),
            ("NaN", json!("NaN")),
            ("-", json!("-")),
            ("1.", json!("1.")),
            (".5", json!(".5")),
            ("+1", json!("+1")),
            ("99999999999999999999", json!("99999999999999999999")),
            ("true", json!("true")),
            ("", json!("")),
            ("[1, 2]", json!("[1, 2]")),
        ] {
            assert_eq!(cell_value(cell.to_string()), want, "{cell}");
        }
    }

    #[test]
    fn crlf_lines_are_read() {
        let text = SMALL.replace('\n', "\r\n");
        assert_eq!(find_show_tables(&text).len(), 1);
        assert_round_trip(&text);
    }

    #[test]
    fn never_panics_and_stays_linear() {
        // Every prefix of tricky text, cut at every char boundary.
        let text = format!("x\n{SMALL}\nonly showing top 9 rows\n|  张三|\n+-+\n|😀|\n+-+\n+-+\n");
        for (i, _) in text.char_indices() {
            let _ = split_text_and_tables(&text[..i]);
            let _ = split_text_and_tables(&text[i..]);
        }
        // Many unclosed tables and many rows without a closing border: quick all the same.
        let rows = "|  0|\n".repeat(20_000);
        let text = format!("+---+\n| id|\n+---+\n{rows}|x|\n").repeat(10);
        let start = std::time::Instant::now();
        assert!(find_show_tables(&text).is_empty());
        let borders = "+---+\n".repeat(100_000);
        assert!(find_show_tables(&borders).is_empty());
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
    }
}
