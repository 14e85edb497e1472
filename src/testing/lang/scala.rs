//! Scripted Scala (`spark` kind), echoing like the Scala REPL (`res0: Int = 2\n`).

use std::time::Duration;

use crate::server::{ExecOutcome, Kind};

use super::text::{
    ArithError, call_arg, dotted_name_before, eval_arith, first_identifier, is_incomplete, range_show,
    show_range_table, split_top_level, string_literal,
};
use super::{Eval, LangState, error, ok_text};

const KIND: Kind = Kind::Spark;

/// Runs Scala code line by line (and `;` by `;`), concatenating the echoes.
pub fn evaluate(code: &str, state: &mut LangState) -> Eval {
    let mut sleep = Duration::ZERO;
    if is_incomplete(code) {
        return Eval::done(error("Error", "incomplete statement", vec![]));
    }
    let mut out = String::new();
    for line in code.lines() {
        for part in split_top_level(line, ';') {
            let stmt = part.trim();
            if stmt.is_empty() || stmt.starts_with("//") {
                continue;
            }
            match statement(stmt, state, &mut sleep) {
                Ok(text) => out.push_str(&text),
                Err(outcome) => return Eval { outcome, sleep },
            }
        }
    }
    Eval {
        outcome: ok_text(out),
        sleep,
    }
}

fn statement(stmt: &str, state: &mut LangState, sleep: &mut Duration) -> Result<String, ExecOutcome> {
    if stmt.starts_with("import ") {
        return Ok(format!("{stmt}\n"));
    }
    if let Some(arg) = call_arg(stmt, "println") {
        return Ok(format!("{}\n", value_text(stmt, arg, state)?));
    }
    if let Some(arg) = call_arg(stmt, "print") {
        return value_text(stmt, arg, state);
    }
    if let Some(arg) = call_arg(stmt, "Thread.sleep") {
        let ms: u64 = arg
            .trim()
            .trim_end_matches(['L', 'l'])
            .parse()
            .map_err(|_| not_found(stmt, &first_identifier(arg)))?;
        *sleep += Duration::from_millis(ms);
        return Ok(String::new());
    }
    if let Some(rest) = stmt.strip_prefix("throw new ") {
        let (class, arg) = rest.split_once('(').unwrap_or((rest, ")"));
        let message = string_literal(arg.trim_end_matches(')'), false).unwrap_or_default();
        return Err(error(
            "Error",
            format!("{}: {message}", qualify(class.trim())),
            vec!["  ... 50 elided\n".to_string()],
        ));
    }
    if let Some(n) = range_show(stmt) {
        // `show()` prints the table and the REPL adds an empty line for the Unit result.
        return Ok(format!("{}\n", show_range_table(n)));
    }
    if let Some(n) = parallelize_sum(stmt) {
        let sum = n * (n + 1) / 2;
        return Ok(format!("res{}: Double = {sum}.0\n", next_res(state)));
    }
    if let Some((name, expr)) = definition(stmt) {
        return define(stmt, name, expr, state);
    }
    if let Some(text) = string_literal(stmt, false) {
        return Ok(format!("res{}: String = {text}\n", next_res(state)));
    }
    if let Some(text) = state.str_of(KIND, stmt).cloned() {
        return Ok(format!("res{}: String = {text}\n", next_res(state)));
    }
    match eval_arith(stmt, &state.nums_of(KIND), false) {
        Ok(n) => Ok(format!("res{}: {}\n", next_res(state), n.scala_typed())),
        Err(e) => Err(arith_error(stmt, e)),
    }
}

fn next_res(state: &mut LangState) -> u64 {
    let n = state.res_counter;
    state.res_counter += 1;
    n
}

/// `val x = …` / `var x: Int = …`.
fn definition(stmt: &str) -> Option<(&str, &str)> {
    let rest = stmt.strip_prefix("val ").or_else(|| stmt.strip_prefix("var "))?;
    let (lhs, expr) = rest.split_once('=')?;
    let name = lhs.split(':').next()?.trim();
    let valid = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    valid.then_some((name, expr.trim()))
}

fn define(stmt: &str, name: &str, expr: &str, state: &mut LangState) -> Result<String, ExecOutcome> {
    if let Some(text) = string_literal(expr, false) {
        state.bind_str(KIND, name, text.clone());
        return Ok(format!("{name}: String = {text}\n"));
    }
    match eval_arith(expr, &state.nums_of(KIND), false) {
        Ok(n) => {
            state.bind_num(KIND, name, n);
            Ok(format!("{name}: {}\n", n.scala_typed()))
        }
        Err(ArithError::NotArithmetic) if expr.starts_with("spark.") || expr.starts_with("sc.") => {
            state.bind_opaque(KIND, name);
            Ok(format!("{name}: org.apache.spark.sql.DataFrame = [id: bigint]\n"))
        }
        Err(e) => Err(arith_error(stmt, e)),
    }
}

fn value_text(stmt: &str, arg: &str, state: &LangState) -> Result<String, ExecOutcome> {
    if let Some(text) = string_literal(arg, false) {
        return Ok(text);
    }
    if let Some(text) = state.str_of(KIND, arg.trim()) {
        return Ok(text.clone());
    }
    match eval_arith(arg, &state.nums_of(KIND), false) {
        Ok(n) => Ok(n
            .scala_typed()
            .split_once(" = ")
            .map(|(_, v)| v.to_string())
            .unwrap_or_default()),
        Err(e) => Err(arith_error(stmt, e)),
    }
}

fn arith_error(stmt: &str, err: ArithError) -> ExecOutcome {
    match err {
        ArithError::DivideByZero => error(
            "Error",
            "java.lang.ArithmeticException: / by zero",
            vec!["  ... 50 elided\n".to_string()],
        ),
        ArithError::UnknownName(name) => not_found(stmt, &name),
        ArithError::NotArithmetic => not_found(stmt, &first_identifier(stmt)),
    }
}

/// A compile error shaped like `spark-statement-compile-error.json`.
fn not_found(stmt: &str, name: &str) -> ExecOutcome {
    let column = stmt.find(name).unwrap_or(0);
    error(
        "Error",
        format!("<console>:24: error: not found: value {name}"),
        vec![format!("       {stmt}\n"), format!("       {}^\n", " ".repeat(column))],
    )
}

fn qualify(class: &str) -> String {
    const JAVA_LANG: [&str; 7] = [
        "RuntimeException",
        "Exception",
        "IllegalArgumentException",
        "IllegalStateException",
        "ArithmeticException",
        "UnsupportedOperationException",
        "NullPointerException",
    ];
    if JAVA_LANG.contains(&class) {
        format!("java.lang.{class}")
    } else {
        class.to_string()
    }
}

/// `sc.parallelize(1 to N).sum` → N.
fn parallelize_sum(stmt: &str) -> Option<i64> {
    let rest = stmt.strip_prefix("sc.parallelize(1 to ")?;
    let (n, tail) = rest.split_once(')')?;
    matches!(tail.trim(), ".sum" | ".sum()").then(|| n.trim().parse().ok())?
}

/// Member names offered after `sc.` and `spark.`, and top-level names otherwise.
pub fn complete(code: &str, cursor: usize) -> Vec<String> {
    const SC: [&str; 8] = [
        "parallelize",
        "range",
        "textFile",
        "setJobGroup",
        "stop",
        "sparkUser",
        "version",
        "uiWebUrl",
    ];
    const SPARK: [&str; 8] = [
        "range",
        "read",
        "sql",
        "table",
        "createDataFrame",
        "catalog",
        "conf",
        "version",
    ];
    const TOP: [&str; 6] = ["println", "print", "spark", "sc", "sqlContext", "Thread"];
    let (receiver, prefix) = dotted_name_before(code, cursor);
    let pool: &[&str] = match receiver.as_str() {
        "sc" => &SC,
        "spark" => &SPARK,
        "" => &TOP,
        _ => &[],
    };
    pool.iter()
        .filter(|name| name.starts_with(&prefix))
        .map(|name| name.to_string())
        .collect()
}
