//! The `%matplot` fixture image drawn with halfblocks (coloured `▀` cells, what plain ssh and
//! tmux get) into ratatui's TestBackend at 80×24 and 200×50, compared with insta snapshots.
//! The text shows only the block characters, so each draw also checks the colours.

use base64::Engine;
use livy_tui::output::image::{DecodedImage, decode_png};
use livy_tui::ui::images::{ImageMode, ImageView, make_picker};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use std::collections::HashSet;
use std::path::PathBuf;

fn fixture() -> DecodedImage {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/livy/pyspark-matplot-magic.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let b64: String = v["livy_statement_output"]["data"]["image/png"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .collect();
    let png = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    decode_png(&png).unwrap()
}

/// Draws the view in a terminal of `width`×`height`, as tall as it wants (at most the screen).
fn draw(view: &ImageView, width: u16, height: u16) -> (Buffer, String) {
    let rows = view.height_for(width, height);
    assert!(rows > 0 && rows <= height);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| {
            let area = Rect::new(0, 0, width, rows);
            view.render(area, frame.buffer_mut());
        })
        .unwrap();
    (terminal.backend().buffer().clone(), terminal.backend().to_string())
}

/// Cells drawn with two distinct colours, and the distinct colours seen.
fn colour_stats(buf: &Buffer) -> (usize, usize) {
    let mut two_tone = 0;
    let mut colours = HashSet::new();
    for cell in buf.content() {
        if cell.fg != cell.bg && matches!(cell.fg, Color::Rgb(..)) && matches!(cell.bg, Color::Rgb(..)) {
            two_tone += 1;
        }
        for c in [cell.fg, cell.bg] {
            if let Color::Rgb(..) = c {
                colours.insert(format!("{c:?}"));
            }
        }
    }
    (two_tone, colours.len())
}

fn check(width: u16, height: u16) {
    let picker = make_picker(ImageMode::Halfblocks).unwrap();
    let view = ImageView::new(&picker, &fixture());
    let (buf, text) = draw(&view, width, height);
    let (two_tone, colours) = colour_stats(&buf);
    assert!(two_tone > 10, "only {two_tone} two-colour cells at {width}×{height}");
    assert!(colours > 3, "only {colours} colours at {width}×{height}");
    // Drawing again at the same size gives the same cells (the encoding is kept).
    assert_eq!(draw(&view, width, height).0, buf);
    insta::assert_snapshot!(format!("matplot_{width}x{height}"), text);
}

#[test]
fn matplot_halfblocks_80x24() {
    check(80, 24);
}

#[test]
fn matplot_halfblocks_200x50() {
    check(200, 50);
}

#[test]
fn shrinks_to_fit_fewer_rows() {
    let picker = make_picker(ImageMode::Halfblocks).unwrap();
    let view = ImageView::new(&picker, &fixture());
    let full = view.size_for(80, 100);
    let small = view.size_for(80, 6);
    assert_eq!(small.height, 6);
    assert!(small.width < full.width, "{small:?} vs {full:?}");
    // Drawn in a smaller area after a bigger one: re-encoded to fit, nothing outside.
    let _ = draw(&view, 80, 24);
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 24));
    view.render(Rect::new(2, 3, 10, 4), &mut buf);
    for y in 0..24 {
        for x in 0..80 {
            let inside = (2..12).contains(&x) && (3..7).contains(&y);
            let cell = buf.cell((x, y)).unwrap();
            if !inside {
                assert_eq!(cell.symbol(), " ", "drawn outside at {x},{y}");
                assert_eq!(cell.bg, Color::Reset);
            }
        }
    }
}
