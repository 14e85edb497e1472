//! The session log pane: the last lines, following new ones unless scrolled back.

use super::UiContext;
use super::text::truncate;
use crate::app::App;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

/// Draws the log pane.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, ui: &UiContext) {
    let theme = &ui.theme;
    let log = &app.log;
    let rows = area.height.saturating_sub(2) as usize;
    let end = log.lines.len().saturating_sub(log.scroll_back);
    let start = end.saturating_sub(rows);
    let position = if log.scroll_back == 0 {
        "following".to_string()
    } else {
        format!("{} lines up · End follows", log.scroll_back)
    };
    let title = format!(" session log · {} lines · {position} ", log.lines.len());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(if log.focused {
            theme.border_focused()
        } else {
            theme.border()
        })
        .title(Line::styled(title, theme.dim()));
    let width = area.width.saturating_sub(2) as usize;
    let lines: Vec<Line> = log
        .lines
        .range(start..end)
        .map(|l| Line::styled(truncate(l, width), theme.log_text()))
        .collect();
    let body = if lines.is_empty() {
        vec![Line::styled("(no log lines yet)", theme.dim())]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(body).block(block), area);
}
