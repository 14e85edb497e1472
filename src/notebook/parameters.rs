//! Parameters for headless runs, papermill style, in two ways that can be combined:
//!
//! - `${name}` in a code cell's source is replaced by the value as given (no quoting: write
//!   `'${day}'` in SQL). `$${name}` writes a literal `${name}`. Only names being set are
//!   touched, so `${other}` (a Scala interpolation, a Spark SQL variable) stays as it is.
//! - After the first code cell tagged `parameters`, a cell tagged `injected-parameters`
//!   assigns every value in that cell's language (replacing injected cells of an earlier
//!   run): `day = "2024-05-01"` (pyspark), `val day = "2024-05-01"` (spark),
//!   `day <- "2024-05-01"` (sparkr). A value that reads as a JSON number (`3`, `-1.5e3`) is
//!   written as a number, anything else as a string. SQL cells get no injected cell (a Livy
//!   SQL statement is one statement; use `${name}` there).

use super::error::NotebookError;
use super::magic::Magic;
use super::model::{INJECTED_PARAMETERS_TAG, Notebook, NotebookCell, PARAMETERS_TAG};
use crate::livy::SessionKind;
use std::collections::{BTreeMap, HashSet};

/// What applying parameters did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParameterReport {
    /// Names neither used as `${name}` nor mentioned in the parameters cell: probably typos.
    pub unmatched: Vec<String>,
    /// How many `${name}` placeholders were replaced.
    pub substituted: usize,
    /// Where the injected cell went.
    pub injected_at: Option<usize>,
    /// Why no cell was injected although there is a parameters cell.
    pub not_injected: Option<String>,
}

fn is_name(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Applies `name=value` parameters (a repeated name: the last wins). See the module docs.
pub fn apply_parameters(nb: &mut Notebook, params: &[(String, String)]) -> Result<ParameterReport, NotebookError> {
    if let Some((bad, _)) = params.iter().find(|(k, _)| !is_name(k)) {
        return Err(NotebookError::InvalidParameter { name: bad.clone() });
    }
    let mut order: Vec<&str> = Vec::new();
    let mut values: BTreeMap<&str, &str> = BTreeMap::new();
    for (k, v) in params {
        if values.insert(k, v).is_none() {
            order.push(k);
        }
    }
    let mut report = ParameterReport::default();
    let mut used: HashSet<String> = HashSet::new();
    for cell in nb.cells.iter_mut().filter(|c| c.is_code()) {
        let (text, n) = substitute(&cell.source, &values, &mut used);
        if n > 0 {
            cell.source = text;
            report.substituted += n;
        }
    }
    nb.cells
        .retain(|c| !(c.is_code() && c.has_tag(INJECTED_PARAMETERS_TAG)));
    let mut mentioned: HashSet<&str> = HashSet::new();
    if let Some(at) = nb.cells.iter().position(|c| c.is_code() && c.has_tag(PARAMETERS_TAG))
        && !order.is_empty()
    {
        let cell = &nb.cells[at];
        for name in &order {
            if mentions(&cell.source, name) {
                mentioned.insert(name);
            }
        }
        // Without a known kind (an IPython notebook's %%spark session), assume Python.
        let kind = nb.effective_kind(cell).unwrap_or(SessionKind::PySpark);
        let spark_magic = cell
            .magic
            .clone()
            .filter(|m| matches!(Magic::parse(m), Some(Magic::Spark { sql: false })));
        match assignments(&kind, &order, &values) {
            Some(code) => {
                let mut injected = NotebookCell::code(code);
                injected.kind = cell.kind.clone();
                injected.magic = spark_magic;
                injected.tags = vec![INJECTED_PARAMETERS_TAG.to_string()];
                nb.cells.insert(at + 1, injected);
                report.injected_at = Some(at + 1);
            }
            None => report.not_injected = Some(format!("the parameters cell is {kind}; use ${{name}} instead")),
        }
    }
    report.unmatched = order
        .iter()
        .filter(|n| !used.contains(**n) && !mentioned.contains(**n))
        .map(|n| n.to_string())
        .collect();
    Ok(report)
}

/// Replaces `${name}` for known names and unescapes `$${name}`.
fn substitute(text: &str, values: &BTreeMap<&str, &str>, used: &mut HashSet<String>) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(name) = tail.strip_prefix("$$").and_then(placeholder)
            && values.contains_key(name)
        {
            out.push_str(&format!("${{{name}}}"));
            rest = &tail[name.len() + 4..];
            count += 1;
        } else if let Some(name) = tail.strip_prefix('$').and_then(placeholder)
            && let Some(value) = values.get(name)
        {
            out.push_str(value);
            used.insert(name.to_string());
            rest = &tail[name.len() + 3..];
            count += 1;
        } else {
            out.push('$');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    (out, count)
}

/// `{name}` at the start of `s`: the name.
fn placeholder(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('{')?;
    let end = inner.find('}')?;
    let name = &inner[..end];
    is_name(name).then_some(name)
}

/// `name` appears as a whole word.
fn mentions(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !word(before) && !word(after)
    })
}

fn assignments(kind: &SessionKind, order: &[&str], values: &BTreeMap<&str, &str>) -> Option<String> {
    let (comment, line): (&str, fn(&str, &str) -> String) = match kind {
        SessionKind::PySpark => ("#", |k, v| format!("{k} = {}", python_literal(v))),
        SessionKind::Spark => ("//", |k, v| format!("val {k} = {}", scala_literal(v))),
        SessionKind::SparkR => ("#", |k, v| format!("{k} <- {}", r_literal(v))),
        _ => return None,
    };
    let mut code = format!("{comment} Parameters");
    for name in order {
        code.push('\n');
        code.push_str(&line(name, values[name]));
    }
    Some(code)
}

/// The value if it is a JSON number that is finite as a double.
fn number(v: &str) -> Option<serde_json::Number> {
    match serde_json::from_str::<serde_json::Value>(v) {
        Ok(serde_json::Value::Number(n)) if n.as_f64().is_some_and(f64::is_finite) && v == v.trim() => Some(n),
        _ => None,
    }
}

fn quoted(v: &str, control: impl Fn(char) -> String) -> String {
    let mut out = String::from('"');
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&control(c)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Python 3 literal.
pub fn python_literal(v: &str) -> String {
    match number(v) {
        Some(_) => v.to_string(),
        None => quoted(v, |c| match u32::from(c) {
            n if n <= 0xff => format!("\\x{n:02x}"),
            n => format!("\\u{n:04x}"),
        }),
    }
}

/// A Scala literal: `Int`, `Long` (`L`), `Double` or `String` (also for integers too big for
/// a `Long`). Control characters are
/// spliced in as `.toChar` because Scala 2 reads `\u` escapes before it lexes strings.
pub fn scala_literal(v: &str) -> String {
    match number(v) {
        Some(n) if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()) => v.to_string(),
        Some(n) if n.is_i64() => format!("{v}L"),
        Some(n) if n.is_f64() && v.contains(['.', 'e', 'E']) => v.to_string(),
        _ => quoted(v, |c| format!("\" + {}.toChar + \"", u32::from(c))),
    }
}

/// An R literal.
pub fn r_literal(v: &str) -> String {
    match number(v) {
        Some(_) => v.to_string(),
        None => quoted(v, |c| format!("\\u{{{:x}}}", u32::from(c))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_quote_strings_and_keep_numbers() {
        assert_eq!(python_literal("3"), "3");
        assert_eq!(python_literal("-1.5e3"), "-1.5e3");
        assert_eq!(python_literal("007"), "\"007\"");
        assert_eq!(python_literal("true"), "\"true\"");
        assert_eq!(python_literal("a\"b\\c\nd\u{1}é"), "\"a\\\"b\\\\c\\nd\\x01é\"");
        assert_eq!(python_literal(" 3"), "\" 3\"");
        assert_eq!(scala_literal("5"), "5");
        assert_eq!(scala_literal("10000000000"), "10000000000L");
        assert_eq!(scala_literal("99999999999999999999"), "\"99999999999999999999\"");
        assert_eq!(scala_literal("2.5"), "2.5");
        assert_eq!(scala_literal("a\u{1}"), "\"a\" + 1.toChar + \"\"");
        assert_eq!(r_literal("x\ty"), "\"x\\ty\"");
        assert_eq!(r_literal("1e400"), "\"1e400\"");
    }

    #[test]
    fn placeholders_and_escapes() {
        let values: BTreeMap<&str, &str> = [("day", "2024-05-01")].into_iter().collect();
        let mut used = HashSet::new();
        let (out, n) = substitute("a ${day} $${day} ${other} $$ $${other} ${ day} $", &values, &mut used);
        assert_eq!(out, "a 2024-05-01 ${day} ${other} $$ $${other} ${ day} $");
        assert_eq!(n, 2);
        assert!(used.contains("day"));
    }

    #[test]
    fn mentions_whole_words_only() {
        assert!(mentions("day = 1", "day"));
        assert!(!mentions("today = 1", "day"));
        assert!(!mentions("day_x = 1", "day"));
    }
}
