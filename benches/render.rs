//! Drawing cost of one frame (`ui::draw` into a `TestBackend` terminal, diff included) with a
//! huge output on screen, next to the same scene with a small one: the two should cost the
//! same, as drawing grows with what is visible, not with the output's size.
//!
//! Each frame scrolls by one row (alternating), so the terminal diff has something to write.
//! `cargo bench --bench render`; data is built once, outside the timed closures.

mod common;

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use livy_tui::app::ImageOutput;
use livy_tui::app::{
    App, AppEvent, CellOutput, DeleteOnQuit, Keymap, LogSearch, Outcome, RunState, SessionEvent, SessionStart,
    Settings, TableOutput,
};
use livy_tui::livy::{CreateSession, Session, SessionId, SessionKind, SessionState};
use livy_tui::output::TableLayout;
use livy_tui::output::image::decode_png;
use livy_tui::theme::Theme;
use livy_tui::ui::highlight::Highlighter;
use livy_tui::ui::images::{ImageMode, ImageView, make_picker};
use livy_tui::ui::{self, UiContext};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::VecDeque;
use std::hint::black_box;
use std::time::{Duration, Instant};

const SIZES: [(u16, u16); 2] = [(200, 50), (80, 24)];

/// A notebook attached to an idle session, its one cell holding `code`, run, with `output`.
fn app_with(kind: SessionKind, code: &str, output: CellOutput) -> App {
    let settings = Settings {
        server: "http://edge-livy:8998".into(),
        default_kind: kind.clone(),
        create: CreateSession {
            kind: Some(kind.clone()),
            ..Default::default()
        },
        defaults: Default::default(),
        delete_on_quit: DeleteOnQuit::Ask,
        keepalive: Default::default(),
    };
    let (mut app, _) = App::new(
        settings.clone(),
        SessionStart::Create(Box::new(settings.create)),
        Keymap::default(),
        Instant::now(),
    );
    let session = Session {
        id: SessionId::from("42"),
        name: Some("etl-dev".into()),
        kind: kind.clone(),
        state: SessionState::Idle,
        app_id: Some("application_1763700000000_0042".into()),
        owner: Some("ann".into()),
        ..Default::default()
    };
    let _ = app.update(AppEvent::Session(
        1,
        SessionEvent::Ready {
            session: Box::new(session),
            created: true,
        },
    ));
    app.notebook.push_cell(kind, code);
    app.notebook.cells.remove(0);
    app.notebook.focus = 0;
    app.notebook.editing = false;
    let cell = &mut app.notebook.cells[0];
    cell.output.execution_count = Some("0".into());
    cell.run = RunState::Finished {
        duration: Some(Duration::from_millis(2380)),
        outcome: Outcome::Ok,
    };
    cell.output.shown = Some(output);
    app
}

/// Syntax colours loaded, as in the app once its background loader is done.
fn ui_context() -> UiContext {
    let theme = Theme::builtin("dark").expect("the dark theme");
    let ui = UiContext::new(theme.clone());
    let _ = ui.highlighter_slot().set(Highlighter::new(&theme.syntax));
    ui
}

/// Times one frame per iteration; `scroll` moves the view by one step (alternating).
fn bench_frames(c: &mut Criterion, group: &str, cases: &mut [(usize, App)], scroll: impl Fn(&mut App, usize, bool)) {
    let ui = ui_context();
    let mut g = c.benchmark_group(group);
    for (w, h) in SIZES {
        for (size, app) in cases.iter_mut() {
            let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
            let size = *size;
            let mut flip = false;
            g.bench_function(BenchmarkId::new(format!("{w}x{h}"), size), |b| {
                b.iter(|| {
                    flip = !flip;
                    scroll(app, size, flip);
                    terminal
                        .draw(|frame| {
                            ui::draw(frame, app, &ui);
                        })
                        .expect("drawn");
                })
            });
        }
    }
    g.finish();
}

/// A 20-column SQL result of 100 rows and of 100,000 rows, scrolled to the middle.
fn table_frames(c: &mut Criterion) {
    let mut cases: Vec<(usize, App)> = [100, 100_000]
        .into_iter()
        .map(|rows| {
            let output = CellOutput::Table(TableOutput::new(common::table(rows)));
            (rows, app_with(SessionKind::Sql, "SELECT * FROM sales.orders", output))
        })
        .collect();
    bench_frames(c, "frame/table_rows", &mut cases, |app, rows, flip| {
        app.notebook.cells[0].view.scroll = rows / 2 + usize::from(flip);
        if let Some(CellOutput::Table(t)) = &mut app.notebook.cells[0].output.shown {
            // the cursor in the middle, two columns in: the grid scrolls to it
            t.cursor = (rows / 2 + usize::from(flip), 2);
        }
    });
}

/// Text outputs of 1,000 lines (~100 KB) and 200,000 lines (~20 MB), scrolled to the middle.
fn text_frames(c: &mut Criterion) {
    let mut buf = String::new();
    let mut cases: Vec<(usize, App)> = [1_000, 200_000]
        .into_iter()
        .map(|n| {
            let lines: Vec<String> = (0..n).map(|i| common::text_line(i, &mut buf)).collect();
            if n == 200_000 {
                let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
                eprintln!("text output: {n} lines, {:.1} MB", bytes as f64 / 1e6);
            }
            let code = "df.collect().foreach(println)";
            (n, app_with(SessionKind::Spark, code, CellOutput::Text(lines.into())))
        })
        .collect();
    bench_frames(c, "frame/text_lines", &mut cases, |app, n, flip| {
        app.notebook.cells[0].view.scroll = n / 2 + usize::from(flip);
    });
}

/// Resident set size of this process, from /proc (Linux); None elsewhere.
fn rss_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// `n` log lines, with what they cost in memory printed once for the 1M case.
fn log_lines(n: usize) -> VecDeque<String> {
    let before = rss_bytes();
    let mut buf = String::new();
    let mut lines = VecDeque::new();
    for i in 0..n {
        lines.push_back(common::log_line(i, &mut buf));
    }
    if n >= 1_000_000 {
        let after = rss_bytes();
        let text: usize = lines.iter().map(String::len).sum();
        let heap = lines.capacity() * std::mem::size_of::<String>() + lines.iter().map(String::capacity).sum::<usize>();
        let mb = |b: usize| b as f64 / 1e6;
        eprintln!(
            "session log: {n} lines, text {:.1} MB; VecDeque<String> {:.1} MB requested ({:.2}x the text)",
            mb(text),
            mb(heap),
            heap as f64 / text as f64
        );
        if let (Some(before), Some(after)) = (before, after) {
            let rss = after.saturating_sub(before);
            eprintln!(
                "session log: resident memory grew {:.1} MB while building it ({:.2}x the text, allocator overhead included)",
                mb(rss),
                rss as f64 / text as f64
            );
        }
    }
    lines
}

/// The log pane open (12 rows), following, with 10,000 lines (the app's `LOG_KEEP` cap) and
/// with 1,000,000 lines put in directly (past the cap).
fn log_cases() -> Vec<(usize, App)> {
    [livy_tui::app::LOG_KEEP, 1_000_000]
        .into_iter()
        .map(|n| {
            let output = CellOutput::Text(vec!["res0: Long = 1000000".into()].into());
            let mut app = app_with(SessionKind::Spark, "spark.range(1000000).count()", output);
            app.log.lines = log_lines(n);
            app.log.visible = true;
            app.log.height = 12;
            (n, app)
        })
        .collect()
}

fn log_frames(c: &mut Criterion) {
    // Built first, while the process is small, so the resident-memory reading is clean.
    let mut cases = log_cases();
    bench_frames(c, "frame/log_lines", &mut cases, |app, _, flip| {
        app.log.scroll_back = usize::from(flip);
    });

    // A search open in the log: its match count is kept current as lines come and go, so a
    // frame does not depend on the log's size.
    for (_, app) in &mut cases {
        app.log.focused = true;
        app.log.search = Some(LogSearch {
            query: "fetchfailed".into(),
            typing: false,
            current: None,
            count: 0,
        });
    }
    let ui = ui_context();
    let mut g = c.benchmark_group("frame/log_lines_searching");
    g.sample_size(10).sampling_mode(SamplingMode::Flat);
    for (n, app) in &cases {
        let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("a test terminal");
        g.bench_function(BenchmarkId::new("200x50", n), |b| {
            b.iter(|| {
                terminal
                    .draw(|frame| {
                        ui::draw(frame, app, &ui);
                    })
                    .map(|_| ())
                    .expect("drawn")
            })
        });
    }
    g.finish();
}

/// The column layout of a 100,000-row table (once per result, on a worker).
fn table_layout(c: &mut Criterion) {
    let table = common::table(100_000);
    let mut g = c.benchmark_group("table_layout");
    g.sample_size(10).sampling_mode(SamplingMode::Flat);
    g.bench_function("compute/100000x20", |b| {
        b.iter(|| TableLayout::compute(black_box(&table), 40))
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

/// A 2000×2000 PNG plot (noisy gradient: compresses like a real chart, not like a flat fill).
fn big_png() -> Vec<u8> {
    let mut seed = 7u32;
    let img = image::RgbImage::from_fn(2000, 2000, |x, y| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let noise = (seed >> 24) as u8 / 8;
        image::Rgb([(x / 8) as u8 ^ noise, (y / 8) as u8, ((x + y) / 16) as u8])
    });
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encoded");
    png
}

/// A 2000×2000 PNG: decoding (on a worker), making its terminal view (once, on first draw),
/// and a frame with it on screen in half blocks (every frame after).
fn image_frames(c: &mut Criterion) {
    let png = big_png();
    let mut g = c.benchmark_group("image_2000x2000");
    g.sampling_mode(SamplingMode::Flat).sample_size(10);
    g.bench_function("decode_png", |b| {
        b.iter(|| decode_png(black_box(&png)).expect("decoded"))
    });
    let decoded = decode_png(&png).expect("decoded");
    let picker = make_picker(ImageMode::Halfblocks).expect("half blocks need no terminal");
    g.bench_function("view_new_halfblocks", |b| {
        b.iter(|| ImageView::new(&picker, black_box(&decoded)))
    });
    g.finish();

    let output = CellOutput::Image(ImageOutput {
        image: std::sync::Arc::new(decoded),
    });
    let mut cases = [(2000, app_with(SessionKind::PySpark, "%matplot plt", output))];
    let ui = ui_context();
    let _ = ui.images.set(make_picker(ImageMode::Halfblocks));
    let mut g = c.benchmark_group("frame/image_png");
    for (w, h) in SIZES {
        for (size, app) in cases.iter_mut() {
            let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
            // the first frame makes the view and encodes it for this size
            terminal
                .draw(|frame| {
                    ui::draw(frame, app, &ui);
                })
                .expect("drawn");
            g.bench_function(BenchmarkId::new(format!("{w}x{h}"), *size), |b| {
                b.iter(|| {
                    terminal
                        .draw(|frame| {
                            ui::draw(frame, app, &ui);
                        })
                        .expect("drawn");
                })
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = log_frames, table_frames, text_frames, table_layout, image_frames
}
criterion_main!(benches);
