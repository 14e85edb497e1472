//! Data shared by the benchmarks: a realistic 20-column SQL result, made deterministically
//! (same seed, same rows), so `render` and `parse` measure the same kind of table.

#![allow(dead_code)] // each bench uses part of it

use serde_json::{Value, json};
use std::fmt::Write as _;

/// Spark SQL types of the 20 columns, as a `sql` statement's schema names them.
pub const FIELDS: [(&str, &str); 20] = [
    ("id", "long"),
    ("order_id", "string"),
    ("customer", "string"),
    ("email", "string"),
    ("country", "string"),
    ("city", "string"),
    ("amount", "decimal(12,2)"),
    ("quantity", "integer"),
    ("unit_price", "double"),
    ("discount", "double"),
    ("paid", "boolean"),
    ("status", "string"),
    ("created_at", "timestamp"),
    ("shipped_on", "date"),
    ("note", "string"),
    ("tags", "array<string>"),
    ("score", "double"),
    ("region", "string"),
    ("channel", "string"),
    ("version", "long"),
];

const NAMES: [&str; 8] = [
    "Ann Lindqvist",
    "Bo Chen",
    "Carla Ruiz-Ortega",
    "Dmitri Volkov",
    "Émilie Durand",
    "Farah Haddad",
    "Gus O'Neill",
    "Hiro Tanaka",
];
const CITIES: [(&str, &str); 8] = [
    ("SE", "Stockholm"),
    ("CN", "Shenzhen"),
    ("ES", "Valencia"),
    ("DE", "Berlin"),
    ("FR", "Lyon"),
    ("AE", "Dubai"),
    ("IE", "Cork"),
    ("JP", "Ōsaka"),
];
const STATUS: [&str; 4] = ["shipped", "pending", "returned", "cancelled"];
const CHANNELS: [&str; 3] = ["web", "store", "partner"];
const REGIONS: [&str; 4] = ["emea", "apac", "amer", "emea-north"];

/// Row `i` of the table, as Livy sends it (one JSON array per row; decimals as numbers,
/// dates and timestamps as strings, some nulls).
pub fn row(i: usize) -> Value {
    let mut rng = fastrand::Rng::with_seed(i as u64);
    let name = NAMES[rng.usize(..NAMES.len())];
    let (country, city) = CITIES[rng.usize(..CITIES.len())];
    let quantity = rng.u32(1..50);
    let unit_price = (rng.f64() * 500.0 * 100.0).round() / 100.0;
    let note = if rng.u8(..4) == 0 {
        json!(format!("gift wrap, deliver after {}:00, call ahead", rng.u8(8..18)))
    } else {
        Value::Null
    };
    let tags: Vec<&str> = ["promo", "b2b", "repeat", "fragile"]
        .into_iter()
        .filter(|_| rng.bool())
        .collect();
    json!([
        i,
        format!("ORD-2026-{i:08}"),
        name,
        format!(
            "{}.{}@example.com",
            name.split(' ').next().unwrap_or("x").to_lowercase(),
            i % 997
        ),
        country,
        city,
        (f64::from(quantity) * unit_price * 100.0).round() / 100.0,
        quantity,
        unit_price,
        if rng.bool() { json!(0.1) } else { json!(0.0) },
        rng.bool(),
        STATUS[rng.usize(..STATUS.len())],
        format!(
            "2026-0{}-{:02}T{:02}:{:02}:{:02}.000Z",
            rng.u8(1..10),
            rng.u8(1..29),
            rng.u8(..24),
            rng.u8(..60),
            rng.u8(..60)
        ),
        if rng.u8(..10) == 0 {
            Value::Null
        } else {
            json!(format!("2026-0{}-{:02}", rng.u8(1..10), rng.u8(1..29)))
        },
        note,
        tags,
        rng.f64(),
        REGIONS[rng.usize(..REGIONS.len())],
        CHANNELS[rng.usize(..CHANNELS.len())],
        rng.u64(..1_000_000_000_000),
    ])
}

/// The `sql` result's schema (Spark's StructType JSON).
pub fn schema() -> Value {
    let fields: Vec<Value> = FIELDS
        .iter()
        .map(|(name, ty)| {
            let ty = match *ty {
                "array<string>" => json!({"type": "array", "elementType": "string", "containsNull": true}),
                other => json!(other),
            };
            json!({"name": name, "type": ty, "nullable": true, "metadata": {}})
        })
        .collect();
    json!({"type": "struct", "fields": fields})
}

/// The table as the app holds it.
pub fn table(rows: usize) -> livy_tui::output::Table {
    livy_tui::output::Table::from_sql_result_with_cap(
        &json!({"schema": schema(), "data": (0..rows).map(row).collect::<Vec<_>>()}),
        0,
    )
    .expect("a sql result")
}

/// A finished `sql` statement whose JSON is at least `bytes` long, as the server sends it.
pub fn statement_json(bytes: usize) -> Vec<u8> {
    let mut data = String::with_capacity(bytes + 4096);
    let mut i = 0;
    while data.len() < bytes {
        data.push(if i == 0 { '[' } else { ',' });
        data.push_str(&row(i).to_string());
        i += 1;
    }
    data.push(']');
    let head =
        json!({"id": 0, "code": "SELECT * FROM sales.orders WHERE created_at >= '2026-01-01'", "state": "available"});
    let mut out = String::with_capacity(data.len() + 4096);
    let head = head.to_string();
    out.push_str(&head[..head.len() - 1]);
    let _ = write!(
        out,
        r#","output":{{"status":"ok","execution_count":0,"data":{{"application/json":{{"schema":{},"data":{data}}}}}}},"progress":1.0,"started":1,"completed":2}}"#,
        schema()
    );
    out.into_bytes()
}

/// A finished statement whose `application/json` is not a table (a `%json` of a list of
/// nested records, as `exec` and the JSON tree see it), at least `bytes` long.
pub fn nested_json_statement(bytes: usize) -> Vec<u8> {
    let mut data = String::with_capacity(bytes + 4096);
    let mut i = 0;
    while data.len() < bytes {
        data.push(if i == 0 { '[' } else { ',' });
        let mut rng = fastrand::Rng::with_seed(i as u64);
        let record = json!({
            "id": i,
            "user": {"name": NAMES[rng.usize(..NAMES.len())], "score": rng.f64(), "active": rng.bool()},
            "tags": ["a", "bb", STATUS[rng.usize(..STATUS.len())]],
            "events": [{"at": rng.u64(..1_000_000_000_000), "kind": CHANNELS[rng.usize(..CHANNELS.len())]}],
            "note": if rng.bool() { Value::Null } else { json!("free text, with a comma") },
        });
        data.push_str(&record.to_string());
        i += 1;
    }
    data.push(']');
    format!(
        r#"{{"id":0,"code":"%json data","state":"available","output":{{"status":"ok","execution_count":0,"data":{{"application/json":{data}}}}},"progress":1.0}}"#
    )
    .into_bytes()
}

/// A line of a Spark driver log, 60 to 160 characters.
pub fn log_line(i: usize, buf: &mut String) -> String {
    buf.clear();
    let (s, ms) = (i / 1000, i % 1000);
    let _ = write!(
        buf,
        "26/05/14 {:02}:{:02}:{:02} ",
        (s / 3600) % 24,
        (s / 60) % 60,
        s % 60
    );
    let _ = match i % 5 {
        0 => write!(
            buf,
            "INFO TaskSetManager: Finished task {}.0 in stage {}.0 (TID {i}) in {ms} ms on 10.0.3.{} (executor {}) ({}/200)",
            i % 200,
            i / 200,
            i % 250,
            i % 16,
            i % 200 + 1
        ),
        1 => write!(
            buf,
            "INFO BlockManagerInfo: Added broadcast_{}_piece0 in memory on 10.0.3.{}:4{:04} (size: {}.{} KiB, free: 2004.5 MiB)",
            i / 7,
            i % 250,
            i % 10_000,
            i % 90 + 1,
            i % 10
        ),
        2 => write!(
            buf,
            "INFO DAGScheduler: Job {} finished: collect at <stdin>:1, took {}.{:03} s",
            i / 9,
            ms % 7,
            ms
        ),
        3 => write!(
            buf,
            "WARN TaskSetManager: Lost task {}.0 in stage {}.0 (TID {i}) (10.0.3.{} executor {}): FetchFailed(BlockManagerId({}, 10.0.3.{}, 7337, None), shuffleId={}, mapIndex={}, reduceId={})",
            i % 200,
            i / 200,
            i % 250,
            i % 16,
            i % 16,
            i % 250,
            i / 1000,
            i % 64,
            i % 200
        ),
        _ => write!(buf, "INFO ContextCleaner: Cleaned accumulator {i}"),
    };
    // exact capacity, as a line parsed from the server's JSON has
    buf.as_str().to_owned()
}

/// A line of text output, about 100 characters; every 50th carries SGR colours.
pub fn text_line(i: usize, buf: &mut String) -> String {
    buf.clear();
    let r = row(i % 1000);
    if i.is_multiple_of(50) {
        let _ = write!(buf, "\u{1b}[1;33mcheckpoint {i}\u{1b}[0m: ");
    }
    let _ = write!(
        buf,
        "{i:>7} | {} | {:<20} | {:<9} | amount={:>9} | {:<9} | {}",
        r[1].as_str().unwrap_or(""),
        r[2].as_str().unwrap_or(""),
        r[5].as_str().unwrap_or(""),
        r[6],
        r[11].as_str().unwrap_or(""),
        r[17].as_str().unwrap_or("")
    );
    buf.as_str().to_owned()
}
