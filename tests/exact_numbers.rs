//! Numbers from the server or a file come back exactly: a double that needs 17 digits is
//! shown, printed as JSON, and saved with the digits it came with (serde_json parses floats
//! exactly: its `float_roundtrip` feature).

mod cli;
mod support;

use cli::run;
use livy_tui::testing::Reply;
use serde_json::json;
use support::{TestLivy, TestLivyConfig};

/// Doubles whose shortest exact text has 17 significant digits, where a parser that is one
/// unit in the last place off prints another number.
const SEVENTEEN_DIGITS: [&str; 3] = ["3.7154226196060236", "0.30000000000000004", "2.2250738585072014e-308"];

#[test]
fn exec_prints_the_servers_numbers_unchanged() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let values: Vec<serde_json::Value> = SEVENTEEN_DIGITS
        .iter()
        .map(|t| serde_json::from_str(t).unwrap())
        .collect();
    livy.script(
        "select numbers",
        Reply::json(json!({"schema": {"fields": [{"name": "x", "type": "double"}]}, "data": [values]})),
    );
    for extra in [&[][..], &["--json"][..]] {
        let mut args = vec!["exec", "--kind", "sql", "-c", "select numbers"];
        args.extend(extra);
        let r = run(&livy.url(), &args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        for text in ["3.7154226196060236", "0.30000000000000004"] {
            assert!(r.stdout.contains(text), "{extra:?}: {text} in {}", r.stdout);
        }
        assert!(!r.stdout.contains("3.715422619606024\n") && !r.stdout.contains("3.715422619606024 "));
    }
}

#[test]
fn a_notebook_keeps_its_numbers_through_a_load_and_save() {
    let text = format!(
        r#"{{
 "cells": [
  {{
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {{"widths": [{a}, {b}]}},
   "outputs": [
    {{
     "data": {{"application/json": {{"x": [{a}, {b}, {c}]}}, "text/plain": ["x"]}},
     "execution_count": 1,
     "metadata": {{}},
     "output_type": "execute_result"
    }}
   ],
   "source": ["spark.sql(\"select 1\")"]
  }}
 ],
 "metadata": {{"scale": {a}}},
 "nbformat": 4,
 "nbformat_minor": 5
}}"#,
        a = SEVENTEEN_DIGITS[0],
        b = SEVENTEEN_DIGITS[1],
        c = SEVENTEEN_DIGITS[2],
    );
    let nb = livy_tui::notebook::Notebook::parse(&text, livy_tui::notebook::Format::Ipynb).unwrap();
    let saved = nb.render(livy_tui::notebook::Format::Ipynb);
    for digits in SEVENTEEN_DIGITS {
        assert_eq!(
            saved.matches(digits).count(),
            text.matches(digits).count(),
            "{digits} in {saved}"
        );
    }
    assert!(!saved.contains("3.715422619606024,"), "{saved}");
}

/// The tests above pass even without the feature, because a dev-dependency (jsonschema)
/// turns `float_roundtrip` on in test builds; the shipped binary gets it only from our own
/// manifest. So the manifest must ask for it.
#[test]
fn the_shipped_binary_parses_floats_exactly() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let line = manifest
        .lines()
        .find(|l| l.starts_with("serde_json ="))
        .expect("serde_json in [dependencies]");
    assert!(line.contains("\"float_roundtrip\""), "{line}");
}
