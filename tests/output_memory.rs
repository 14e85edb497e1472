//! What a big result costs in memory, from the reply's bytes to what is shown, through the
//! same functions `exec` and the notebook use. A result must take under 10 times its size
//! (issue 15: it took ~40 times). `cargo bench --bench output_memory` reports the figures.

#[path = "../benches/common/mod.rs"]
mod common;
#[path = "../benches/common/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{Counting, Usage, measure};
use livy_tui::app::PreparedOutput;
use livy_tui::cli::print::statement_result;
use livy_tui::livy::Statement;
use serde_json::value::RawValue;
use std::sync::Arc;

#[global_allocator]
static ALLOC: Counting = Counting;

/// Results of about this size (bytes of the statement reply).
const SIZE: usize = 20_000_000;
/// The most a result may take, as a multiple of its size.
const LIMIT: f64 = 10.0;

/// The reply as the client reads it: the body checked as JSON and kept as text, then the
/// statement read from it (`StatementFollower`).
fn read_reply(body: &[u8]) -> (Box<RawValue>, Statement) {
    let raw: Box<RawValue> = serde_json::from_slice(body).expect("JSON");
    let statement = serde_json::from_str(raw.get()).expect("a statement");
    (raw, statement)
}

/// `exec`: reply in, result written out (to nowhere); the reply's bytes count.
fn exec(body: Vec<u8>, json: bool) -> usize {
    let (raw, statement) = read_reply(&body);
    drop(body);
    let mut out = std::io::sink();
    if json {
        livy_tui::cli::print::write_json(raw.get(), &mut out).expect("written");
    } else {
        drop(raw);
        let printed = statement_result(&statement, "0", std::path::Path::new("/nonexistent")).expect("printed");
        printed.write_to(&mut out).expect("written");
    }
    statement.id.as_number().unwrap_or(0) as usize
}

/// The notebook: reply in, the cell's output prepared (what the cell keeps is returned).
fn notebook(body: Vec<u8>) -> PreparedOutput {
    let (raw, mut statement) = read_reply(&body);
    drop((body, raw));
    PreparedOutput::of_finished(Arc::new(statement.output.take().expect("an output")))
}

/// The counters are for the whole process: one measurement at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn ratio(usage: Usage, size: usize) -> (f64, f64) {
    (usage.peak as f64 / size as f64, usage.kept as f64 / size as f64)
}

fn check(what: &str, size: usize, usage: Usage) {
    let (peak, kept) = ratio(usage, size);
    eprintln!(
        "{what}: {:.1} MB reply → peak {peak:.1}×, kept {kept:.1}×",
        size as f64 / 1e6
    );
    assert!(peak < LIMIT, "{what}: peak {peak:.1}× its size");
}

#[test]
fn a_big_table_takes_under_ten_times_its_size() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let body = common::statement_json(SIZE);
    let size = body.len();
    let (_, usage) = measure(|| exec(body.clone(), false));
    check("exec table", size, usage);
    let (_, usage) = measure(|| exec(body.clone(), true));
    check("exec --json table", size, usage);
    // The reply's bytes count, as for exec: they are made inside.
    let (prepared, usage) = measure(|| notebook(body.clone()));
    check("notebook table", size, usage);
    saving_takes_little_more_than_the_file(&prepared, size);
    assert!(matches!(prepared.output, livy_tui::app::CellOutput::Table(_)));
}

#[test]
fn big_nested_json_takes_under_ten_times_its_size() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let body = common::nested_json_statement(SIZE);
    let size = body.len();
    let (_, usage) = measure(|| exec(body.clone(), false));
    check("exec json", size, usage);
    let (_, usage) = measure(|| exec(body.clone(), true));
    check("exec --json json", size, usage);
    // The reply's bytes count, as for exec: they are made inside.
    let (prepared, usage) = measure(|| notebook(body.clone()));
    check("notebook json", size, usage);
    saving_takes_little_more_than_the_file(&prepared, size);
    assert!(matches!(prepared.output, livy_tui::app::CellOutput::Json(_)));
}

/// Saving (and every recovery copy) writes the cell's output from its text: the file's
/// size, not a tree of values, is what it costs.
fn saving_takes_little_more_than_the_file(prepared: &PreparedOutput, size: usize) {
    let output = prepared.raw.as_ref().expect("the output is kept");
    let mut cell = livy_tui::notebook::NotebookCell::code("x");
    cell.set_statement_output(output);
    let mut notebook = livy_tui::notebook::Notebook::new(None);
    notebook.cells.push(cell);
    let (text, usage) = measure(|| notebook.to_ipynb_string());
    let (peak, _) = ratio(usage, size);
    let file = text.len() as f64 / size as f64;
    eprintln!("save: file {file:.1}× the reply, peak {peak:.1}×");
    assert!(
        peak < file + 1.5,
        "saving took {peak:.1}× for a file {file:.1}× the reply"
    );
    // Opening it reads the outputs' JSON as text too.
    let (back, usage) = measure(|| livy_tui::notebook::Notebook::from_ipynb_str(&text).expect("it reads back"));
    let (peak, _) = ratio(usage, text.len());
    eprintln!("open: peak {peak:.1}× the file");
    assert!(peak < 3.0, "opening took {peak:.1}× the file");
    assert_eq!(
        back.cells[0].statement_output().as_ref(),
        Some(&**output),
        "saved exactly"
    );
}
