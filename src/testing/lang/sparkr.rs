//! Scripted R (`sparkr` kind): console output such as `[1] 2`.

use std::time::Duration;

use crate::server::Kind;

use super::text::{ArithError, call_arg, eval_arith, first_identifier, string_literal};
use super::{Eval, LangState, error, ok_text};

const KIND: Kind = Kind::SparkR;

/// Runs R code line by line; every top-level value is auto-printed.
pub fn evaluate(code: &str, state: &mut LangState) -> Eval {
    let mut out: Vec<String> = Vec::new();
    let mut sleep = Duration::ZERO;
    for line in code.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with("library(") {
            continue;
        }
        if let Some(arg) = call_arg(line, "Sys.sleep") {
            sleep += Duration::from_secs_f64(arg.trim().parse::<f64>().unwrap_or(0.0).max(0.0));
            continue;
        }
        if let Some(arg) = call_arg(line, "cat") {
            out.push(string_literal(arg, true).unwrap_or_else(|| arg.to_string()));
            continue;
        }
        let (target, expr) = match line.split_once("<-") {
            Some((name, expr)) => (Some(name.trim()), expr.trim()),
            None => (None, call_arg(line, "print").unwrap_or(line)),
        };
        let value = if let Some(text) = string_literal(expr, true) {
            if let Some(name) = target {
                state.bind_str(KIND, name, text);
                continue;
            }
            format!("[1] \"{text}\"")
        } else {
            match eval_arith(expr, &state.nums_of(KIND), true) {
                Ok(n) => {
                    if let Some(name) = target {
                        state.bind_num(KIND, name, n);
                        continue;
                    }
                    // R prints whole doubles without a fraction: `[1] 2`.
                    let text = n.python_repr();
                    format!("[1] {}", text.strip_suffix(".0").unwrap_or(&text))
                }
                Err(ArithError::DivideByZero) => "[1] Inf".to_string(),
                Err(ArithError::UnknownName(name)) => return failed(&name, sleep),
                Err(ArithError::NotArithmetic) => return failed(&first_identifier(expr), sleep),
            }
        };
        out.push(value);
    }
    Eval {
        outcome: ok_text(out.join("\n")),
        sleep,
    }
}

fn failed(name: &str, sleep: Duration) -> Eval {
    Eval {
        outcome: error("Error", format!("Error: object '{name}' not found"), vec![]),
        sleep,
    }
}
