//! What a 50 MB result costs, in time and memory, from the statement reply's bytes to what
//! is shown: `exec` (a table written out, JSON written indented) and the notebook (the
//! cell's output prepared). Prints the peak and kept memory as multiples of the reply's
//! size (issue 15: under 10×; it was ~40×). `cargo bench --bench output_memory`.

mod common;
#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{Counting, measure};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use livy_tui::app::PreparedOutput;
use livy_tui::cli::print::{statement_result, write_json};
use livy_tui::livy::Statement;
use serde_json::value::RawValue;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

#[global_allocator]
static ALLOC: Counting = Counting;

const BYTES: usize = 50 * 1024 * 1024;

/// As the client reads a reply: checked as JSON and kept as text, the statement read from it.
fn read_reply(body: &[u8]) -> (Box<RawValue>, Statement) {
    let raw: Box<RawValue> = serde_json::from_slice(body).expect("JSON");
    let statement = serde_json::from_str(raw.get()).expect("a statement");
    (raw, statement)
}

fn exec(body: Vec<u8>, json: bool) {
    let (raw, statement) = read_reply(&body);
    drop(body);
    let mut out = std::io::sink();
    if json {
        write_json(raw.get(), &mut out).expect("written");
    } else {
        drop(raw);
        let printed = statement_result(&statement, "0", std::path::Path::new("/nonexistent")).expect("printed");
        printed.write_to(&mut out).expect("written");
    }
}

fn notebook(body: Vec<u8>) -> PreparedOutput {
    let (raw, mut statement) = read_reply(&body);
    drop((body, raw));
    PreparedOutput::of_finished(Arc::new(statement.output.take().expect("an output")))
}

fn report(name: &str, body: &[u8]) {
    let size = body.len() as f64;
    let (_, table) = measure(|| exec(body.to_vec(), false));
    let (_, json) = measure(|| exec(body.to_vec(), true));
    let (kept, cell) = measure(|| notebook(body.to_vec()));
    drop(kept);
    eprintln!(
        "{name}: {:.1} MB reply; exec peak {:.1}×, exec --json peak {:.1}×, notebook peak {:.1}× kept {:.1}×",
        size / 1e6,
        table.peak as f64 / size,
        json.peak as f64 / size,
        cell.peak as f64 / size,
        cell.kept as f64 / size,
    );
}

fn bench(c: &mut Criterion) {
    for (name, body) in [
        ("sql_table_50MB", common::statement_json(BYTES)),
        ("nested_json_50MB", common::nested_json_statement(BYTES)),
    ] {
        report(name, &body);
        let mut g = c.benchmark_group(name);
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(8))
            .throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function("exec", |b| b.iter(|| exec(black_box(body.clone()), false)));
        g.bench_function("exec_json", |b| b.iter(|| exec(black_box(body.clone()), true)));
        g.bench_function("notebook", |b| {
            b.iter_with_large_drop(|| notebook(black_box(body.clone())))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
