//! What happens off the UI loop before a big result is shown: parsing a ~50 MB Livy
//! statement response (a 20-column SQL result) and preparing it (`PreparedOutput::prepare`:
//! the table built from the JSON and laid out). `cargo bench --bench parse`.

mod common;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use livy_tui::app::{CellOutput, PreparedOutput};
use livy_tui::livy::Statement;
use livy_tui::output::Table;
use std::hint::black_box;
use std::time::Duration;

const BYTES: usize = 50 * 1024 * 1024;

fn parse(c: &mut Criterion) {
    let body = common::statement_json(BYTES);
    let statement: Statement = serde_json::from_slice(&body).expect("a statement");
    let output = statement.output.clone().expect("an output");
    let prepared = PreparedOutput::prepare(&output, None);
    let CellOutput::Table(t) = &prepared.output else {
        panic!("expected a table, got {:?}", prepared.mime)
    };
    eprintln!(
        "statement response: {:.1} MB, {} rows x {} columns",
        body.len() as f64 / 1e6,
        t.table.rows.len(),
        t.table.columns.len()
    );
    drop(prepared);

    let mut g = c.benchmark_group("statement_50MB");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Bytes(body.len() as u64));
    // Results are dropped outside the timing: the app keeps them.
    g.bench_function("from_slice", |b| {
        b.iter_with_large_drop(|| serde_json::from_slice::<Statement>(black_box(&body)).expect("parsed"))
    });
    // The table build inside `prepare`, straight from the result's JSON text.
    let json = livy_tui::livy::SharedJson(output.data.get_shared("application/json").expect("a result"));
    g.bench_function("table_from_sql_result", |b| {
        b.iter_with_large_drop(|| {
            Table::from_sql_result_json(black_box(&json), livy_tui::output::table::LIVY_SQL_ROW_CAP).expect("a table")
        })
    });
    g.bench_function("prepare", |b| {
        b.iter_with_large_drop(|| PreparedOutput::prepare(black_box(&output), None))
    });
    g.bench_function("from_slice+prepare", |b| {
        b.iter_with_large_drop(|| {
            let statement = serde_json::from_slice::<Statement>(black_box(&body)).expect("parsed");
            let prepared = PreparedOutput::prepare(statement.output.as_ref().expect("an output"), None);
            (statement, prepared)
        })
    });
    g.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
