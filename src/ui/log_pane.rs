//! The session log pane: the last lines, following new ones unless scrolled back.

use super::UiContext;
use super::text::truncate;
use crate::app::{App, LogView};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

/// Draws the log pane.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, ui: &UiContext) {
    draw_view(frame, area, &app.log, "session log", app.log.focused, ui);
}

/// Draws a log's last lines (or the ones scrolled back to) in a box titled `name`.
pub fn draw_view(frame: &mut Frame, area: Rect, log: &LogView, name: &str, focused: bool, ui: &UiContext) {
    let theme = &ui.theme;
    let rows = area.height.saturating_sub(2) as usize;
    let end = log.lines.len().saturating_sub(log.scroll_back);
    let start = end.saturating_sub(rows);
    let position = if log.scroll_back == 0 {
        "following".to_string()
    } else {
        format!(
            "{} line{} up · End follows",
            log.scroll_back,
            if log.scroll_back == 1 { "" } else { "s" }
        )
    };
    let mut title = format!(" {name} · {} lines · {position} ", log.lines.len());
    let query = log.search.as_ref().map(|s| s.query.clone()).unwrap_or_default();
    if let Some(search) = &log.search {
        let cursor = if search.typing { "▏" } else { "" };
        let count = if search.typing {
            String::new()
        } else {
            format!(" · {} matching", search.count)
        };
        title.push_str(&format!("· /{}{cursor}{count} ", search.query));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(if focused {
            theme.border_focused()
        } else {
            theme.border()
        })
        .title(Line::styled(title, theme.dim()));
    let width = area.width.saturating_sub(2) as usize;
    let current = log.search.as_ref().and_then(|s| s.current);
    let lines: Vec<Line> = log
        .lines
        .range(start..end)
        .enumerate()
        .map(|(i, l)| {
            let line = highlight_matches(&truncate(l, width), &query, theme.log_text(), theme.search_match());
            if current == Some(start + i) {
                line.patch_style(Modifier::BOLD)
            } else {
                line
            }
        })
        .collect();
    let body = if lines.is_empty() {
        vec![Line::styled("(no log lines yet)", theme.dim())]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(body).block(block), area);
}

/// A line with every case-insensitive occurrence of `query` in the match style.
fn highlight_matches(line: &str, query: &str, normal: Style, hit: Style) -> Line<'static> {
    if query.is_empty() {
        return Line::styled(line.to_string(), normal);
    }
    let lower = line.to_lowercase();
    let q = query.to_lowercase();
    // Lower-casing can change byte lengths (rare); then show the line unmarked.
    if lower.len() != line.len() {
        return Line::styled(line.to_string(), normal);
    }
    let mut spans = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find(&q) {
        let start = at + found;
        let end = start + q.len();
        if !line.is_char_boundary(start) || !line.is_char_boundary(end) {
            break;
        }
        spans.push(Span::styled(line[at..start].to_string(), normal));
        spans.push(Span::styled(line[start..end].to_string(), hit));
        at = end;
    }
    spans.push(Span::styled(line[at..].to_string(), normal));
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_marked_case_insensitively() {
        let hit = Style::default().add_modifier(Modifier::UNDERLINED);
        let line = highlight_matches("INFO Job done, job 2", "job", Style::default(), hit);
        let marked: Vec<_> = line
            .spans
            .iter()
            .filter(|s| s.style == hit)
            .map(|s| s.content.to_string())
            .collect();
        assert_eq!(marked, ["Job", "job"]);
    }
}
