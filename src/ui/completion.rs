//! The completion popup: the candidates for the name being typed, in a small list just under
//! the cursor (above it when there is no room below), always inside the screen; on a screen
//! too small for it, nothing is drawn.

use super::UiContext;
use super::text::truncate;
use crate::app::{App, ScreenLayout};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};
use tui_textarea::{DataCursor, TextArea};
use unicode_width::UnicodeWidthChar;

/// Candidates shown at once; more scroll.
const MAX_ROWS: u16 = 8;
/// The widest the popup gets.
const MAX_WIDTH: u16 = 48;

/// Draws the popup of the cell being edited, placed from where `cells` (the cells' area) drew
/// that cell in this frame (`laid_out`).
pub fn draw(frame: &mut Frame, cells: Rect, app: &App, ui: &UiContext, laid_out: &ScreenLayout) {
    let Some(popup) = app.completion_popup() else {
        return;
    };
    let Some(hit) = laid_out.cell_hits.iter().find(|h| h.cell == popup.cell) else {
        return;
    };
    let code = Rect {
        x: cells.x.saturating_add(1),
        y: hit.top.saturating_add(1),
        width: cells.width.saturating_sub(2),
        height: hit.code_bottom.saturating_sub(hit.top.saturating_add(1)),
    };
    let editor = &app.notebook.focused().editor;
    let Some((x, y)) = name_start(editor, popup.row, popup.start, code) else {
        return;
    };
    let items: Vec<&str> = popup.shown().collect();
    let Some(area) = place(frame.area(), x, y, &items) else {
        return;
    };
    let rows = area.height.saturating_sub(2) as usize;
    let selected = popup.selected();
    let first = (selected + 1).saturating_sub(rows);
    let inner_width = area.width.saturating_sub(2) as usize;
    let theme = &ui.theme;
    let lines: Vec<Line> = items
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, item)| {
            let style = if i == selected { theme.selection() } else { theme.text() };
            let text = format!(" {}", truncate(item, inner_width.saturating_sub(1)));
            Line::from(Span::styled(format!("{text:<inner_width$}"), style))
        })
        .collect();
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_editing())
        .style(theme.base());
    if items.len() > rows {
        block =
            block.title_bottom(Line::styled(format!("{}/{}", selected + 1, items.len()), theme.dim()).right_aligned());
    }
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Where the name being completed starts on screen: its column on the cursor's line, through
/// the editor's scroll, inside the code's area; `None` when it is not on screen.
fn name_start(editor: &TextArea<'static>, row: usize, start: usize, code: Rect) -> Option<(u16, u16)> {
    let DataCursor(cursor_row, _) = editor.cursor();
    if cursor_row != row || code.width == 0 {
        return None;
    }
    let (top, left) = editor.scroll_offset();
    let screen_row = row.checked_sub(top as usize)?;
    if screen_row >= code.height as usize {
        return None;
    }
    let tab = usize::from(editor.tab_length().max(1));
    let line = editor.lines().get(row)?;
    let col = line.chars().take(start).fold(0usize, |col, c| match c {
        '\t' => col + tab - col % tab,
        c => col + c.width().unwrap_or(0),
    });
    let x = col.saturating_sub(left as usize).min(code.width as usize - 1);
    Some((code.x + x as u16, code.y + screen_row as u16))
}

/// The popup's rectangle for `items` shown from column `x` of row `y`: under the row, or above
/// it when there is more room there, shifted left to stay on `screen`; `None` when not even
/// one candidate fits.
fn place(screen: Rect, x: u16, y: u16, items: &[&str]) -> Option<Rect> {
    let widest = items
        .iter()
        .map(|i| i.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>())
        .max()
        .unwrap_or(0);
    // a border and a space before the text, a space and a border after it
    let width = (widest.min(MAX_WIDTH as usize) as u16 + 4).min(screen.width);
    let wanted = (items.len().min(MAX_ROWS as usize) as u16) + 2;
    let below = screen.bottom().saturating_sub(y.saturating_add(1));
    let above = y.saturating_sub(screen.y);
    let (top, height) = if below >= wanted || below >= above {
        (y.saturating_add(1), wanted.min(below))
    } else {
        let height = wanted.min(above);
        (y - height, height)
    };
    if height < 3 || width < 5 {
        return None;
    }
    // the text lines up with the name: its first letter under the name's
    let left = x.saturating_sub(2).max(screen.x).min(screen.right() - width);
    Some(Rect {
        x: left,
        y: top,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_popup_goes_under_the_name_or_above_it_and_stays_on_screen() {
        let screen = Rect::new(0, 0, 80, 24);
        let items = ["range(", "read"];
        assert_eq!(place(screen, 10, 3, &items), Some(Rect::new(8, 4, 10, 4)));
        assert_eq!(
            place(screen, 10, 22, &items),
            Some(Rect::new(8, 18, 10, 4)),
            "no room below"
        );
        assert_eq!(
            place(screen, 79, 3, &items),
            Some(Rect::new(70, 4, 10, 4)),
            "shifted left"
        );
        let many: Vec<String> = (0..30).map(|i| format!("name{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(place(screen, 0, 0, &many).map(|r| r.height), Some(MAX_ROWS + 2));
        let long = "x".repeat(200);
        assert_eq!(place(screen, 0, 0, &[&long]).map(|r| r.width), Some(MAX_WIDTH + 4));
    }

    #[test]
    fn a_screen_too_small_gets_no_popup() {
        for (w, h) in [(1, 1), (4, 10), (80, 2), (3, 80)] {
            let screen = Rect::new(0, 0, w, h);
            for y in 0..h {
                let placed = place(screen, w.saturating_sub(1), y, &["range", "read"]);
                if let Some(r) = placed {
                    assert!(
                        r.right() <= screen.right() && r.bottom() <= screen.bottom(),
                        "{r:?} in {screen:?}"
                    );
                }
            }
        }
        assert_eq!(place(Rect::new(0, 0, 80, 2), 0, 0, &["a"]), None);
    }
}
