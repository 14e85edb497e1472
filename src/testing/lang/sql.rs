//! Scripted Spark SQL (`sql` kind): `{"application/json": {"schema", "data"}}` results.

use crate::server::ExecOutcome;
use serde_json::{Map, Value, json};

use super::error;
use super::text::split_top_level;

/// Statements that return an empty result (DDL and friends).
const EMPTY_RESULT: [&str; 9] = [
    "create", "drop", "set", "use", "cache", "uncache", "insert", "refresh", "alter",
];

/// Evaluates one SQL statement, returning at most `row_cap` rows (`livy.rsc.sql.num-rows`).
pub fn evaluate(code: &str, row_cap: usize) -> ExecOutcome {
    let sql = code.trim().trim_end_matches(';').trim();
    let lower = sql.to_lowercase();
    let first_word = lower.split_whitespace().next().unwrap_or("");
    if EMPTY_RESULT.contains(&first_word) {
        return result(Vec::new(), Vec::new());
    }
    if first_word != "select" {
        return parse_error(sql);
    }
    let body = &sql[first_word.len()..];
    let (items_text, source) = match find_keyword(body, "from") {
        Some(at) => (&body[..at], Some(body[at + 4..].trim())),
        None => (body, None),
    };
    let (source, limit) = match source.map(split_limit) {
        Some((src, limit)) => (Some(src), limit),
        None => (None, None),
    };
    let rows: Option<i64> = match source {
        None => None,
        Some(src) => match range_source(src) {
            Some(n) => Some(n),
            None => {
                let name = src.split_whitespace().next().unwrap_or(src);
                let pos = sql.find(name).unwrap_or(0);
                return error(
                    "Error",
                    format!("Table or view not found: {name}; line 1 pos {pos}"),
                    analysis_trace(),
                );
            }
        },
    };
    let mut columns = Vec::new();
    for item in split_top_level(items_text, ',') {
        match column(item.trim(), rows.is_some()) {
            Ok(mut cols) => columns.append(&mut cols),
            Err(name) => {
                let pos = sql.find(&name).unwrap_or(0);
                let inputs = if rows.is_some() { "[id]" } else { "[]" };
                return error(
                    "Error",
                    format!("cannot resolve '`{name}`' given input columns: {inputs}; line 1 pos {pos}"),
                    analysis_trace(),
                );
            }
        }
    }
    let count = rows.unwrap_or(1).max(0);
    let count = limit.map_or(count, |l| count.min(l)).min(row_cap as i64);
    let data = (0..count)
        .map(|id| Value::Array(columns.iter().map(|c| c.value(id)).collect()))
        .collect();
    result(columns.iter().map(Column::field).collect(), data)
}

/// One output column.
struct Column {
    name: String,
    spark_type: String,
    nullable: bool,
    expr: Expr,
}

enum Expr {
    Literal(Value),
    Id,
    IdOp(char, Value),
}

impl Column {
    fn field(&self) -> Value {
        json!({"name": self.name, "type": self.spark_type, "nullable": self.nullable, "metadata": {}})
    }

    fn value(&self, id: i64) -> Value {
        match &self.expr {
            Expr::Literal(v) => v.clone(),
            Expr::Id => json!(id),
            Expr::IdOp(op, k) => match (k.as_i64(), k.as_f64()) {
                (Some(k), _) => json!(match op {
                    '+' => id + k,
                    '-' => id - k,
                    '*' => id * k,
                    _ => {
                        if k == 0 {
                            return Value::Null;
                        }
                        id / k
                    }
                }),
                (None, Some(k)) => json!(match op {
                    '+' => id as f64 + k,
                    '-' => id as f64 - k,
                    '*' => id as f64 * k,
                    _ => id as f64 / k,
                }),
                _ => Value::Null,
            },
        }
    }
}

/// Parses `expr [as alias]`; `Err(name)` for an unknown column.
fn column(item: &str, has_range: bool) -> Result<Vec<Column>, String> {
    let (expr, alias) = match find_keyword(item, "as") {
        Some(at) => (item[..at].trim(), Some(item[at + 2..].trim().trim_matches('`'))),
        None => (item, None),
    };
    let make = |default: String, spark_type: &str, nullable: bool, expr: Expr| Column {
        name: alias.map(str::to_string).unwrap_or(default),
        spark_type: spark_type.to_string(),
        nullable,
        expr,
    };
    let lower = expr.to_lowercase();
    if (expr == "*" || lower == "id") && has_range {
        return Ok(vec![make("id".into(), "long", false, Expr::Id)]);
    }
    if let Some(literal) = literal(expr) {
        let (value, spark_type, nullable) = literal;
        let default = match &value {
            Value::String(s) => s.clone(),
            Value::Null => "NULL".to_string(),
            _ => expr.to_string(),
        };
        return Ok(vec![make(default, &spark_type, nullable, Expr::Literal(value))]);
    }
    if has_range && let Some(rest) = lower.strip_prefix("id") {
        let rest = rest.trim();
        let op = rest.chars().next().filter(|c| "+-*/".contains(*c));
        if let Some(op) = op
            && let Some((k, k_type, _)) = literal(rest[1..].trim())
            && k.is_number()
        {
            let spark_type = if op == '/' || k_type != "integer" {
                "double"
            } else {
                "long"
            };
            let name = format!("(id {op} {})", rest[1..].trim());
            return Ok(vec![make(name, spark_type, op == '/', Expr::IdOp(op, k))]);
        }
    }
    Err(expr
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or(expr)
        .to_string())
}

/// A SQL literal: its JSON value, Spark type and nullability.
fn literal(expr: &str) -> Option<(Value, String, bool)> {
    let lower = expr.to_lowercase();
    if let Some(inner) = expr.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return Some((json!(inner), "string".into(), false));
    }
    match lower.as_str() {
        "true" => return Some((json!(true), "boolean".into(), false)),
        "false" => return Some((json!(false), "boolean".into(), false)),
        "null" => return Some((Value::Null, "null".into(), true)),
        _ => {}
    }
    if let Some(rest) = lower.strip_prefix("cast(null as ")
        && let Some(ty) = rest.strip_suffix(')')
    {
        return Some((Value::Null, ty.trim().to_string(), true));
    }
    if let Ok(i) = expr.parse::<i64>() {
        let ty = if i32::try_from(i).is_ok() { "integer" } else { "bigint" };
        return Some((json!(i), ty.into(), false));
    }
    if let Some((int, frac)) = expr.split_once('.')
        && int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
        && !frac.is_empty()
    {
        let value: f64 = expr.parse().ok()?;
        let digits = int.trim_start_matches('0').len() + frac.len();
        let ty = format!("decimal({},{})", digits.max(frac.len()).max(1), frac.len());
        return Some((json!(value), ty, false));
    }
    None
}

/// `range(N)` → N.
fn range_source(src: &str) -> Option<i64> {
    let inner = src.trim().strip_prefix("range(")?.strip_suffix(')')?;
    inner.trim().parse().ok()
}

/// Splits off a trailing `limit N`.
fn split_limit(src: &str) -> (&str, Option<i64>) {
    match find_keyword(src, "limit") {
        Some(at) => (src[..at].trim(), src[at + 5..].trim().parse().ok()),
        None => (src, None),
    }
}

/// Byte offset of a whole-word keyword (case-insensitive) outside quotes and parentheses.
fn find_keyword(text: &str, keyword: &str) -> Option<usize> {
    let lower = text.to_lowercase();
    let bytes = lower.as_bytes();
    let mut depth = 0i32;
    let mut in_quote = false;
    for (i, c) in lower.char_indices() {
        match c {
            '\'' => in_quote = !in_quote,
            '(' if !in_quote => depth += 1,
            ')' if !in_quote => depth -= 1,
            _ => {}
        }
        if in_quote || depth != 0 || !lower[i..].starts_with(keyword) {
            continue;
        }
        let before_ok = i == 0 || !(bytes[i - 1] as char).is_alphanumeric();
        let after = i + keyword.len();
        let after_ok = after >= bytes.len() || !(bytes[after] as char).is_alphanumeric();
        if before_ok && after_ok {
            return Some(i);
        }
    }
    None
}

fn result(fields: Vec<Value>, data: Vec<Value>) -> ExecOutcome {
    let mut bundle = Map::new();
    bundle.insert(
        "application/json".to_string(),
        json!({"schema": {"type": "struct", "fields": fields}, "data": data}),
    );
    ExecOutcome::Ok(bundle)
}

fn parse_error(sql: &str) -> ExecOutcome {
    let word = sql.split_whitespace().next().unwrap_or("");
    error(
        "Error",
        format!(
            "\nmismatched input '{word}' expecting {{'(', 'SELECT', 'FROM', 'ADD', 'DESC', 'WITH', 'VALUES', 'CREATE', 'TABLE', 'INSERT', 'DELETE', 'DESCRIBE', 'EXPLAIN', 'SHOW', 'USE', 'DROP', 'ALTER', 'MAP', 'SET', 'RESET', 'START', 'COMMIT', 'ROLLBACK', 'REDUCE', 'REFRESH', 'CLEAR', 'CACHE', 'UNCACHE', 'DFS', 'TRUNCATE', 'ANALYZE', 'LIST', 'REVOKE', 'GRANT', 'LOCK', 'UNLOCK', 'MSCK', 'EXPORT', 'IMPORT', 'LOAD'}}(line 1, pos 0)\n\n== SQL ==\n{sql}\n^^^\n"
        ),
        vec!["org.apache.spark.sql.catalyst.parser.ParseException.withCommand(ParseDriver.scala:241)".to_string()],
    )
}

/// The first Java frames of a Spark `AnalysisException` (no trailing newlines, as Livy sends).
fn analysis_trace() -> Vec<String> {
    [
        "org.apache.spark.sql.catalyst.analysis.package$AnalysisErrorAt.failAnalysis(package.scala:47)",
        "org.apache.spark.sql.catalyst.analysis.Analyzer$ResolveRelations$.resolveRelation(Analyzer.scala:750)",
        "org.apache.spark.sql.SparkSession.sql(SparkSession.scala:642)",
        "org.apache.livy.repl.SQLInterpreter.execute(SQLInterpreter.scala:83)",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}
