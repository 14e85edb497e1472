//! Scripted Python (`pyspark` kind), answering like Livy's `fake_shell.py`: stdout plus the
//! repr of the last expression, right-stripped.

use std::time::Duration;

use crate::server::{ExecOutcome, Kind};
use serde_json::Value;

use super::super::fixtures;
use super::text::{
    ArithError, call_arg, dotted_name_before, eval_arith, first_identifier, python_str_repr, range_show,
    show_range_table, split_top_level, string_literal,
};
use super::{Eval, LangState, error, ok_text};

const KIND: Kind = Kind::PySpark;
/// Names fake_shell predefines.
const GLOBALS: [&str; 5] = ["spark", "sc", "sqlContext", "HiveContext", "time"];

/// Runs Python code one line at a time (no blocks).
pub fn evaluate(code: &str, state: &mut LangState) -> Eval {
    let lines: Vec<&str> = code
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();
    let mut stdout = String::new();
    let mut last_value: Option<String> = None;
    let mut sleep = Duration::ZERO;
    for (index, line) in lines.iter().enumerate() {
        let is_last = index + 1 == lines.len();
        last_value = None;
        if line.ends_with(':') && is_last {
            return Eval {
                outcome: incomplete(line),
                sleep,
            };
        }
        if line.starts_with('%') {
            match magic(line, state) {
                Ok(outcome) if is_last => return Eval { outcome, sleep },
                Ok(_) => continue,
                Err(outcome) => return Eval { outcome, sleep },
            }
        }
        match statement(line, state, &mut stdout, &mut sleep) {
            Ok(value) => last_value = value,
            Err(outcome) => return Eval { outcome, sleep },
        }
    }
    let mut text = stdout;
    if let Some(value) = last_value {
        text.push_str(&value);
    }
    Eval {
        outcome: ok_text(text.trim_end()),
        sleep,
    }
}

/// What `rlcompleter` over fake_shell's globals offers for the dotted name before character
/// `cursor` (the local driver's answer): whole paths, a `(` after a callable.
pub fn complete(code: &str, cursor: usize, state: &LangState) -> Vec<String> {
    // (name, callable)
    const SPARK: [(&str, bool); 8] = [
        ("catalog", false),
        ("conf", false),
        ("createDataFrame", true),
        ("range", true),
        ("read", false),
        ("sql", true),
        ("table", true),
        ("version", false),
    ];
    const SC: [(&str, bool); 6] = [
        ("parallelize", true),
        ("range", true),
        ("setJobGroup", true),
        ("stop", true),
        ("textFile", true),
        ("version", false),
    ];
    const TOP: [(&str, bool); 10] = [
        ("HiveContext", true),
        ("len", true),
        ("print", true),
        ("range", true),
        ("sc", false),
        ("spark", false),
        ("sqlContext", false),
        ("str", true),
        ("sum", true),
        ("time", false),
    ];
    let (receiver, prefix) = dotted_name_before(code, cursor);
    let path = |name: &str, callable: bool| {
        let dot = if receiver.is_empty() { "" } else { "." };
        format!("{receiver}{dot}{name}{}", if callable { "(" } else { "" })
    };
    let members: Vec<(String, bool)> = match receiver.as_str() {
        "spark" => SPARK.iter().map(|(n, c)| (n.to_string(), *c)).collect(),
        "sc" => SC.iter().map(|(n, c)| (n.to_string(), *c)).collect(),
        "" => {
            let mut names: Vec<(String, bool)> = TOP.iter().map(|(n, c)| (n.to_string(), *c)).collect();
            let defined = state.nums.keys().chain(state.strs.keys()).chain(state.opaque.iter());
            names.extend(
                defined
                    .filter(|(k, _)| *k == KIND)
                    .map(|(_, name)| (name.clone(), false)),
            );
            names.sort();
            names.dedup_by(|a, b| a.0 == b.0);
            names
        }
        _ => Vec::new(),
    };
    members
        .iter()
        .filter(|(name, _)| name.starts_with(&prefix) && (!prefix.is_empty() || !name.starts_with('_')))
        .map(|(name, callable)| path(name, *callable))
        .collect()
}

/// One line; `Ok(Some(repr))` for an expression.
fn statement(
    line: &str,
    state: &mut LangState,
    stdout: &mut String,
    sleep: &mut Duration,
) -> Result<Option<String>, ExecOutcome> {
    if line.starts_with("import ") || line.starts_with("from ") || line == "pass" {
        return Ok(None);
    }
    if let Some(args) = call_arg(line, "print") {
        let mut parts = Vec::new();
        for arg in split_top_level(args, ',') {
            parts.push(print_text(&arg, state)?);
        }
        stdout.push_str(&parts.join(" "));
        stdout.push('\n');
        return Ok(None);
    }
    if let Some(arg) = call_arg(line, "time.sleep") {
        let seconds: f64 = arg.trim().parse().map_err(|_| name_error(&first_identifier(arg)))?;
        *sleep += Duration::from_secs_f64(seconds.max(0.0));
        return Ok(None);
    }
    if let Some(rest) = line.strip_prefix("raise ") {
        let (class, arg) = rest.split_once('(').unwrap_or((rest, ")"));
        let message = string_literal(arg.trim_end_matches(')'), true).unwrap_or_default();
        return Err(exception(class.trim(), &message));
    }
    if let Some(n) = range_show(line) {
        stdout.push_str(&show_range_table(n));
        return Ok(None);
    }
    if let Some((name, expr)) = assignment(line) {
        assign(name, expr, state)?;
        return Ok(None);
    }
    expression(line, state).map(Some)
}

fn assignment(line: &str) -> Option<(&str, &str)> {
    let index = line.find('=')?;
    let (lhs, rest) = line.split_at(index);
    if rest.starts_with("==") || lhs.ends_with(['!', '<', '>']) {
        return None;
    }
    let name = lhs.trim();
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    valid.then(|| (name, rest[1..].trim()))
}

fn assign(name: &str, expr: &str, state: &mut LangState) -> Result<(), ExecOutcome> {
    if let Some(text) = string_literal(expr, true) {
        state.bind_str(KIND, name, text);
        return Ok(());
    }
    match eval_arith(expr, &state.nums_of(KIND), true) {
        Ok(n) => {
            state.bind_num(KIND, name, n);
            Ok(())
        }
        Err(ArithError::DivideByZero) => Err(exception("ZeroDivisionError", "division by zero")),
        Err(_) => {
            // Lists, dicts, DataFrames…: remembered by name only, so `%table name` works.
            let head = first_identifier(expr);
            let literal = expr.starts_with(['[', '{', '(', '\'', '"']);
            if literal || GLOBALS.contains(&head.as_str()) || state.is_defined(KIND, &head) {
                state.bind_opaque(KIND, name);
                Ok(())
            } else {
                Err(name_error(&head))
            }
        }
    }
}

fn expression(line: &str, state: &LangState) -> Result<String, ExecOutcome> {
    if let Some(text) = string_literal(line, true) {
        return Ok(python_str_repr(&text));
    }
    if let Some(text) = state.str_of(KIND, line) {
        return Ok(python_str_repr(text));
    }
    if call_arg(line, "spark.range").is_some_and(|n| n.trim().parse::<i64>().is_ok()) {
        return Ok("DataFrame[id: bigint]".to_string());
    }
    if let Some(n) = line
        .strip_prefix("sc.parallelize(range(")
        .and_then(|rest| rest.strip_suffix(")).sum()"))
        .and_then(|n| n.trim().parse::<i64>().ok())
    {
        return Ok((n * (n - 1) / 2).to_string());
    }
    if state.opaque.contains(&(KIND, line.to_string())) {
        return Ok(format!("<{line}>"));
    }
    match eval_arith(line, &state.nums_of(KIND), true) {
        Ok(n) => Ok(n.python_repr()),
        Err(ArithError::DivideByZero) => Err(exception("ZeroDivisionError", "division by zero")),
        Err(ArithError::UnknownName(name)) => Err(name_error(&name)),
        Err(ArithError::NotArithmetic) => Err(name_error(&first_identifier(line))),
    }
}

fn print_text(arg: &str, state: &LangState) -> Result<String, ExecOutcome> {
    let arg = arg.trim();
    if let Some(text) = string_literal(arg, true) {
        return Ok(text);
    }
    if let Some(text) = state.str_of(KIND, arg) {
        return Ok(text.clone());
    }
    expression(arg, state)
}

/// `%table`, `%json`, `%matplot`: the real fake_shell outputs from the fixtures.
fn magic(line: &str, state: &LangState) -> Result<ExecOutcome, ExecOutcome> {
    let mut words = line[1..].split_whitespace();
    let name = words.next().unwrap_or("");
    let target = words.next().unwrap_or("");
    let known = state.is_defined(KIND, target);
    let fixture = match (name, known) {
        ("table", true) => "pyspark-table-magic",
        ("table", false) => "pyspark-table-magic-missing-variable",
        ("json", true) => "pyspark-json-magic",
        ("json", false) => "pyspark-json-magic-missing-variable",
        ("matplot", _) => "pyspark-matplot-magic",
        _ => {
            return Err(error(
                "UnknownMagic",
                format!("unknown magic command '{name}'"),
                vec![format!("UnknownMagic: unknown magic command '{name}'\n")],
            ));
        }
    };
    match fixtures::statement_output(fixture) {
        Some(output) => Ok(ExecOutcome::Raw(output)),
        None => Ok(ExecOutcome::Raw(Value::Null)),
    }
}

fn exception(class: &str, message: &str) -> ExecOutcome {
    let last = if message.is_empty() {
        format!("{class}\n")
    } else {
        format!("{class}: {message}\n")
    };
    error(
        class,
        message,
        vec!["Traceback (most recent call last):\n".to_string(), last],
    )
}

fn name_error(name: &str) -> ExecOutcome {
    exception("NameError", &format!("name '{name}' is not defined"))
}

/// A block opener with no body, like `pyspark-error-incomplete.json`.
fn incomplete(line: &str) -> ExecOutcome {
    let keyword = first_identifier(line);
    let message = format!("expected an indented block after '{keyword}' statement on line 1");
    error(
        "IndentationError",
        format!("{message} (<stdin>, line 1)"),
        vec![
            "  File \"<stdin>\", line 1\n".to_string(),
            format!("    {line}\n"),
            format!("{}^\n", " ".repeat(line.chars().count() + 4)),
            format!("IndentationError: {message}\n"),
        ],
    )
}
