//! A JSON output drawn as a collapsible tree: one row per visible node, from the state's
//! view top, indented by depth, `▸`/`▾` on objects and arrays, keys and each kind of value
//! in their own style, the selected row highlighted, and a dim footer when there is room.
//! Draws only the rows that show ([`JsonTreeState::rows`]), whatever the size of the value.

use super::text::grouped;
use crate::output::json_tree::{JsonKind, JsonRow, JsonTree, JsonTreeState};
use crate::output::table_layout::fit;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

/// Columns of indentation per level.
const INDENT: usize = 2;

/// The tree view of one JSON value.
pub struct JsonView<'a> {
    tree: &'a JsonTree,
    state: &'a JsonTreeState,
    theme: &'a Theme,
}

impl<'a> JsonView<'a> {
    pub fn new(tree: &'a JsonTree, state: &'a JsonTreeState, theme: &'a Theme) -> Self {
        JsonView { tree, state, theme }
    }

    /// Height to draw at: the visible rows, at most `max_rows` of them, and the footer.
    pub fn height_for(tree: &JsonTree, state: &JsonTreeState, max_rows: u16) -> u16 {
        let rows = state.visible_rows(tree).min(usize::from(max_rows));
        u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(1)
    }

    /// Tree rows shown in an area `height` tall (the footer takes a line when there are two):
    /// the height to give [`JsonTreeState::scroll_into_view`] and
    /// [`JsonTreeState::scroll_by`].
    pub fn rows_shown(height: u16) -> usize {
        usize::from(if height >= 2 { height - 1 } else { height })
    }

    fn key_style(&self) -> Style {
        self.theme.style(self.theme.colors.badge_pyspark)
    }

    fn value_style(&self, kind: JsonKind) -> Style {
        let theme = self.theme;
        match kind {
            JsonKind::String => theme.style(theme.colors.state_idle),
            JsonKind::Number => theme.style(theme.colors.badge_sql),
            JsonKind::Bool => theme.style(theme.colors.state_busy),
            JsonKind::Null => theme.dim().add_modifier(Modifier::ITALIC),
            JsonKind::Object | JsonKind::Array => theme.dim(),
        }
    }

    /// Draws one row on line `y` of `area`.
    fn draw_row(&self, buf: &mut Buffer, area: Rect, y: u16, row: &JsonRow) {
        let width = usize::from(area.width);
        let dim = self.theme.dim();
        // Indentation stops at half the width; deeper rows say their depth there.
        let max_indent = (width / 2) / INDENT * INDENT;
        let full_indent = row.depth.saturating_mul(INDENT);
        let indent = full_indent.min(max_indent);
        if full_indent > indent {
            let tag = format!("‹{}›", row.depth);
            let tag_width = tag.width();
            if tag_width < indent {
                let x = area.x + u16::try_from(indent - 1 - tag_width).unwrap_or(0);
                buf.set_stringn(x, y, tag, tag_width, dim);
            }
        }

        // The line after the indentation, in styled pieces.
        let marker = match (self.tree.child_count(row.node) > 0, row.expanded) {
            (true, true) => "▾ ",
            (true, false) => "▸ ",
            (false, _) => "  ",
        };
        let label_style = if row.label.starts_with('[') {
            dim
        } else {
            self.key_style()
        };
        let mut pieces: Vec<(&str, Style)> = vec![(marker, dim)];
        if !row.label.is_empty() {
            pieces.push((&row.label, label_style));
            pieces.push((": ", dim));
        }
        pieces.push((&row.preview, self.value_style(row.kind)));

        let line: String = pieces.iter().map(|(text, _)| *text).collect();
        let room = width - indent;
        let (fitted, _) = fit(&line, false, room);
        let cut = fitted.len() != line.len();
        let kept = if cut {
            fitted.len() - '…'.len_utf8()
        } else {
            fitted.len()
        };
        let right = area.right();
        let mut x = area.x + u16::try_from(indent).unwrap_or(u16::MAX);
        let mut at = 0;
        for (text, style) in pieces {
            let end = (at + text.len()).min(kept);
            if let Some(part) = fitted.get(at..end).filter(|p| !p.is_empty()) {
                let left = usize::from(right.saturating_sub(x));
                x = buf.set_stringn(x, y, part, left, style).0;
            }
            at += text.len();
        }
        if cut && x < right {
            buf.set_stringn(x, y, "…", 1, dim);
        }
    }

    fn footer(&self, first: usize, shown: usize) -> String {
        let nodes = self.tree.node_count();
        let visible = self.state.visible_rows(self.tree);
        let mut footer = format!("{} node{}", grouped(nodes), if nodes == 1 { "" } else { "s" });
        if shown < visible {
            footer.push_str(&format!(
                " · rows {}–{} of {}",
                grouped(first + 1),
                grouped(first + shown),
                grouped(visible)
            ));
        }
        footer.push_str(" · [ ] move · o or ←→ fold · O all · v raw");
        footer
    }
}

impl Widget for JsonView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let body = Self::rows_shown(area.height);
        let top = self.state.view_top(body);
        let rows = self.state.rows(self.tree, top, body);
        for (y, row) in (area.y..).zip(&rows) {
            self.draw_row(buf, area, y, row);
            if row.selected {
                buf.set_style(Rect::new(area.x, y, area.width, 1), self.theme.selection());
            }
        }
        if area.height >= 2 {
            let footer = self.footer(top, rows.len());
            let width = usize::from(area.width);
            buf.set_stringn(
                area.x,
                area.bottom() - 1,
                fit(&footer, false, width).0,
                width,
                self.theme.dim(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn draw(tree: &JsonTree, state: &JsonTreeState, theme: &Theme, area: Rect, buf_area: Rect) -> Buffer {
        let mut buf = Buffer::empty(buf_area);
        JsonView::new(tree, state, theme).render(area, &mut buf);
        buf
    }

    #[test]
    fn heights() {
        let tree = JsonTree::new(&json!({"a": [1, 2], "b": 3}));
        let state = JsonTreeState::new(&tree);
        assert_eq!(state.visible_rows(&tree), 5);
        assert_eq!(JsonView::height_for(&tree, &state, 100), 6);
        assert_eq!(JsonView::height_for(&tree, &state, 3), 4);
        assert_eq!(JsonView::height_for(&tree, &state, 0), 1);
        assert_eq!(JsonView::rows_shown(0), 0);
        assert_eq!(JsonView::rows_shown(1), 1);
        assert_eq!(JsonView::rows_shown(6), 5);
    }

    #[test]
    fn never_panics_on_any_size() {
        let mut deep = json!("\u{1b}[31mred\u{9b}2J 漢字漢字");
        for i in 0..60 {
            deep = if i % 2 == 0 {
                json!([deep, 1])
            } else {
                json!({"k漢": deep})
            };
        }
        let values = [json!(null), json!([]), json!({"a": [1, {"b": "x"}]}), deep];
        let themes = [Theme::default(), Theme::builtin("none").unwrap()];
        for value in &values {
            let tree = JsonTree::new(value);
            let mut states = vec![JsonTreeState::default(), JsonTreeState::new(&tree)];
            let mut all = JsonTreeState::new(&tree);
            all.expand_all(&tree);
            all.select_row(&tree, 1_000);
            states.push(all);
            for state in &states {
                for theme in &themes {
                    for w in [0u16, 1, 2, 3, 5, 9, 17, 80] {
                        for h in [0u16, 1, 2, 3, 7, 40] {
                            let area = Rect::new(0, 0, w, h);
                            draw(&tree, state, theme, area, area);
                            // an area reaching past the buffer
                            draw(&tree, state, theme, Rect::new(2, 2, w, h), Rect::new(0, 0, 6, 4));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn styles_and_selection() {
        let tree = JsonTree::new(&json!({"k": "v", "n": 1, "t": true, "z": null}));
        let mut state = JsonTreeState::new(&tree);
        state.select_row(&tree, 2);
        let theme = Theme::default();
        let area = Rect::new(0, 0, 20, 6);
        let buf = draw(&tree, &state, &theme, area, area);
        let c = theme.colors;
        // row 1: `  k: "v"` (root's children are indented one level, after the marker column)
        assert_eq!(buf[(4, 1)].symbol(), "k");
        assert_eq!(buf[(4, 1)].fg, c.badge_pyspark);
        assert_eq!(buf[(7, 1)].symbol(), "\"");
        assert_eq!(buf[(7, 1)].fg, c.state_idle);
        assert_eq!(buf[(7, 2)].fg, c.badge_sql);
        assert_eq!(buf[(7, 3)].fg, c.state_busy);
        assert!(buf[(7, 4)].modifier.contains(Modifier::ITALIC));
        // the selected row, across the whole width
        for x in 0..20 {
            assert_eq!(buf[(x, 2)].bg, c.selection, "x {x}");
        }
        assert_ne!(buf[(0, 1)].bg, c.selection);
        // footer
        let footer: String = (0..20).map(|x| buf[(x, 5)].symbol()).collect();
        assert_eq!(footer, "5 nodes · [ ] move …", "cut to the width");

        let mono = Theme::builtin("none").unwrap();
        let buf = draw(&tree, &state, &mono, area, area);
        for cell in buf.content() {
            assert_eq!(
                (cell.fg, cell.bg),
                (ratatui::style::Color::Reset, ratatui::style::Color::Reset)
            );
        }
        assert!(buf[(0, 2)].modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn grouping() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1234567), "1,234,567");
    }
}
