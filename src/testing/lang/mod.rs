//! Scripted "languages": just enough Scala, Python, SQL and R for end-to-end tests to type
//! realistic code and get outputs shaped like the real ones in `tests/fixtures/livy/`.

mod python;
mod scala;
mod sparkr;
mod sql;
pub mod text;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::server::{ExecOutcome, Kind};
use serde_json::{Map, Value};

use text::Num;

/// What evaluating a statement produced, and how long the code "runs".
pub struct Eval {
    /// The result.
    pub outcome: ExecOutcome,
    /// Time the code asked to sleep (`Thread.sleep`, `time.sleep`, `Sys.sleep`).
    pub sleep: Duration,
}

impl Eval {
    fn done(outcome: ExecOutcome) -> Eval {
        Eval {
            outcome,
            sleep: Duration::ZERO,
        }
    }
}

/// Per-session interpreter memory (the REPL's `resN` counter and defined names).
#[derive(Default)]
pub struct LangState {
    /// Next Scala `resN`.
    pub res_counter: u64,
    /// Numeric values by name (per language, as Livy runs one interpreter per language).
    pub nums: HashMap<(Kind, String), Num>,
    /// String values by name.
    pub strs: HashMap<(Kind, String), String>,
    /// Names bound to values the script cannot model (lists, DataFrames…).
    pub opaque: HashSet<(Kind, String)>,
}

impl LangState {
    fn nums_of(&self, kind: Kind) -> HashMap<String, Num> {
        self.nums
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|((_, name), v)| (name.clone(), *v))
            .collect()
    }

    fn str_of(&self, kind: Kind, name: &str) -> Option<&String> {
        self.strs.get(&(kind, name.to_string()))
    }

    fn is_defined(&self, kind: Kind, name: &str) -> bool {
        let key = (kind, name.to_string());
        self.nums.contains_key(&key) || self.strs.contains_key(&key) || self.opaque.contains(&key)
    }

    fn bind_num(&mut self, kind: Kind, name: &str, value: Num) {
        self.forget(kind, name);
        self.nums.insert((kind, name.to_string()), value);
    }

    fn bind_str(&mut self, kind: Kind, name: &str, value: String) {
        self.forget(kind, name);
        self.strs.insert((kind, name.to_string()), value);
    }

    fn bind_opaque(&mut self, kind: Kind, name: &str) {
        self.forget(kind, name);
        self.opaque.insert((kind, name.to_string()));
    }

    fn forget(&mut self, kind: Kind, name: &str) {
        let key = (kind, name.to_string());
        self.nums.remove(&key);
        self.strs.remove(&key);
        self.opaque.remove(&key);
    }
}

/// Evaluates `code` as `kind`.
pub fn evaluate(kind: Kind, code: &str, state: &mut LangState, sql_row_cap: usize) -> Eval {
    match kind {
        Kind::Spark | Kind::Shared => scala::evaluate(code, state),
        Kind::PySpark => python::evaluate(code, state),
        Kind::SparkR => sparkr::evaluate(code, state),
        Kind::Sql => Eval::done(sql::evaluate(code, sql_row_cap)),
    }
}

/// Completion candidates for the name before character `cursor`: Scala's member names (as
/// Livy's Scala interpreter answers), Python's whole paths (as `rlcompleter` answers in the
/// local driver), none for SQL and R (as Livy).
pub fn complete(kind: Kind, code: &str, cursor: usize, state: &LangState) -> Vec<String> {
    match kind {
        Kind::Spark => scala::complete(code, cursor),
        Kind::PySpark => python::complete(code, cursor, state),
        Kind::SparkR | Kind::Sql | Kind::Shared => Vec::new(),
    }
}

fn ok_text(text: impl Into<String>) -> ExecOutcome {
    let mut data = Map::new();
    data.insert("text/plain".to_string(), Value::String(text.into()));
    ExecOutcome::Ok(data)
}

fn error(ename: &str, evalue: impl Into<String>, traceback: Vec<String>) -> ExecOutcome {
    ExecOutcome::Error {
        ename: ename.to_string(),
        evalue: evalue.into(),
        traceback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_answers_per_language_as_their_completers() {
        let mut state = LangState::default();
        state.bind_num(Kind::PySpark, "rows", Num::Int(3));
        let complete = |kind, code: &str, state: &LangState| complete(kind, code, code.chars().count(), state);
        assert_eq!(complete(Kind::Spark, "sc.paral", &state), ["parallelize"]);
        assert_eq!(
            complete(Kind::PySpark, "df = spark.r", &state),
            ["spark.range(", "spark.read"]
        );
        assert_eq!(complete(Kind::PySpark, "print(ro", &state), ["rows"]);
        assert_eq!(complete(Kind::PySpark, "x = ra", &state), ["range("]);
        assert!(complete(Kind::PySpark, "unknown.x", &state).is_empty());
        assert!(complete(Kind::Sql, "sel", &state).is_empty());
        assert!(complete(Kind::SparkR, "pri", &state).is_empty());
        // the cursor, not the end, ends the name
        assert_eq!(super::complete(Kind::PySpark, "sc.te + 1", 5, &state), ["sc.textFile("]);
    }
}
