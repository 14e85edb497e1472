//! A statement's table drawn as a grid: column names and types frozen on top, rows under a
//! rule, columns side by side from a first visible one, never wrapped, and a footer saying
//! which part is shown.
//!
//! Drawing touches only the visible rows and columns; widths and alignment come from a
//! [`TableLayout`] computed once per table. Every text from the server goes through
//! [`fit`], which cuts it to its column and makes control characters visible.

use super::text::grouped;
use crate::output::table::Table;
use crate::output::table_layout::{MIN_WIDTH, TableLayout, cell_source, fit, type_label};
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::Widget;

/// Width of the gap between two columns: ` │ `.
const SEPARATOR: u16 = 3;

/// Scroll position of one table view (kept by the app per cell).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableScroll {
    /// First visible row.
    pub row: usize,
    /// First visible column.
    pub col: usize,
    /// The selected cell (row, column), for the cell inspector; drawn highlighted.
    pub selected: Option<(usize, usize)>,
}

impl TableScroll {
    /// Moves the first visible row by `delta`, stopping where the last row is at the bottom.
    pub fn scroll_rows(&mut self, delta: isize, table_rows: usize, visible_rows: usize) {
        let max = max_row(table_rows, visible_rows);
        self.row = self.row.min(max).saturating_add_signed(delta).min(max);
    }

    /// Moves the first visible column by `delta`, stopping at the last column.
    pub fn scroll_cols(&mut self, delta: isize, table_cols: usize) {
        let max = table_cols.saturating_sub(1);
        self.col = self.col.min(max).saturating_add_signed(delta).min(max);
    }

    /// One screen of rows down.
    pub fn page_down(&mut self, table_rows: usize, visible_rows: usize) {
        self.scroll_rows(page(visible_rows), table_rows, visible_rows);
    }

    /// One screen of rows up.
    pub fn page_up(&mut self, table_rows: usize, visible_rows: usize) {
        self.scroll_rows(-page(visible_rows), table_rows, visible_rows);
    }

    /// The first rows.
    pub fn home(&mut self) {
        self.row = 0;
    }

    /// The last rows, the last one at the bottom.
    pub fn end(&mut self, table_rows: usize, visible_rows: usize) {
        self.row = max_row(table_rows, visible_rows);
    }

    /// The first columns.
    pub fn first_cols(&mut self) {
        self.col = 0;
    }

    /// The last columns: as many as fit `width`, the last one at the right edge.
    pub fn last_cols(&mut self, layout: &TableLayout, width: u16) {
        let mut used = 0u32;
        let mut first = layout.widths.len().saturating_sub(1);
        for (i, &w) in layout.widths.iter().enumerate().rev() {
            let need = u32::from(w) + if used == 0 { 0 } else { u32::from(SEPARATOR) };
            if used > 0 && used + need > u32::from(width) {
                break;
            }
            used += need;
            first = i;
        }
        self.col = first;
    }

    /// Scrolls columns just enough that column `target` shows whole in `width` (or starts
    /// at the left edge when it is wider than that).
    pub fn show_col(&mut self, target: usize, layout: &TableLayout, width: u16) {
        if target <= self.col {
            self.col = target;
            return;
        }
        // the leftmost first column from which `target` still ends inside `width`
        let mut used = 0u32;
        let mut first = target;
        for i in (0..=target).rev() {
            let w = u32::from(layout.widths.get(i).copied().unwrap_or(MIN_WIDTH));
            let need = w + if i == target { 0 } else { u32::from(SEPARATOR) };
            if used + need > u32::from(width) && i != target {
                break;
            }
            used += need;
            first = i;
        }
        self.col = self.col.max(first);
    }

    /// This position with `row` and `col` pulled back inside the table.
    pub fn clamped(self, table_rows: usize, table_cols: usize, visible_rows: usize) -> TableScroll {
        TableScroll {
            row: self.row.min(max_row(table_rows, visible_rows)),
            col: self.col.min(table_cols.saturating_sub(1)),
            selected: self.selected,
        }
    }
}

fn max_row(table_rows: usize, visible_rows: usize) -> usize {
    table_rows.saturating_sub(visible_rows.max(1))
}

fn page(visible_rows: usize) -> isize {
    isize::try_from(visible_rows.max(1)).unwrap_or(isize::MAX)
}

/// A table as a grid, drawn from `scroll`.
pub struct TableGrid<'a> {
    table: &'a Table,
    layout: &'a TableLayout,
    scroll: TableScroll,
    theme: &'a Theme,
}

impl<'a> TableGrid<'a> {
    /// `layout` is [`TableLayout::compute`] of `table`, kept with it.
    pub fn new(table: &'a Table, layout: &'a TableLayout, scroll: TableScroll, theme: &'a Theme) -> Self {
        TableGrid {
            table,
            layout,
            scroll,
            theme,
        }
    }

    /// The lines the grid wants: the header (names, types when any column has one, a rule),
    /// the data rows (at most `max_rows`; one line for `(no rows)`), a footer. A table
    /// without columns wants one line for `(no columns)`.
    pub fn height_for(table: &Table, max_rows: u16) -> u16 {
        if table.columns.is_empty() {
            return 1;
        }
        let data = if table.rows.is_empty() {
            1
        } else {
            u16::try_from(table.rows.len()).unwrap_or(u16::MAX).min(max_rows)
        };
        Self::header_lines(table).saturating_add(data).saturating_add(1)
    }

    /// How many data rows show in a grid `height` lines high: the page size for scrolling.
    pub fn visible_rows(table: &Table, height: u16) -> usize {
        usize::from(height.saturating_sub(Self::header_lines(table) + 1))
    }

    /// Names, types (left out when no column has a type), rule.
    pub fn header_lines(table: &Table) -> u16 {
        if has_types(table) { 3 } else { 2 }
    }

    fn width_of(&self, col: usize) -> u16 {
        self.layout.widths.get(col).copied().unwrap_or(MIN_WIDTH).max(1)
    }

    fn numeric(&self, col: usize) -> bool {
        self.layout.numeric.get(col).copied().unwrap_or(false)
    }

    /// The columns that fit `area`, from `first`, the last maybe cut; and where the
    /// separators go.
    fn plan(&self, first: usize, area: Rect) -> (Vec<Slot>, Vec<u16>) {
        let mut slots = Vec::new();
        let mut separators = Vec::new();
        let right = area.right();
        let mut x = area.x;
        for index in first..self.table.columns.len() {
            if index > first {
                if right.saturating_sub(x) <= SEPARATOR {
                    break;
                }
                separators.push(x);
                x += SEPARATOR;
            }
            let full = self.width_of(index);
            let shown = full.min(right.saturating_sub(x));
            if shown == 0 {
                break;
            }
            slots.push(Slot { index, x, full, shown });
            x += shown;
            if shown < full {
                break;
            }
        }
        (slots, separators)
    }
}

/// One visible column: where it starts, its width, and how much of it shows.
struct Slot {
    index: usize,
    x: u16,
    full: u16,
    shown: u16,
}

impl Slot {
    /// Draws text in this column on line `y`: cut to the column with `…`, right-aligned
    /// when `right` and the column shows whole (a cut column is left-aligned).
    fn put(&self, buf: &mut Buffer, y: u16, text: &str, more: bool, right: bool, style: Style) {
        let whole = self.shown == self.full;
        let (text, width) = fit(text, more, usize::from(self.shown));
        let offset = if whole && right {
            self.shown.saturating_sub(u16::try_from(width).unwrap_or(u16::MAX))
        } else {
            0
        };
        buf.set_stringn(self.x + offset, y, text, usize::from(self.shown - offset), style);
    }
}

fn has_types(table: &Table) -> bool {
    table.columns.iter().any(|c| !c.data_type.trim().is_empty())
}

/// The table's notes (shown after the footer).
fn notes(table: &Table) -> &[String] {
    &table.notes
}

/// What one frame of the grid shows: the columns that fit from the first one, and the rows
/// in view.
struct Shown {
    slots: Vec<Slot>,
    /// Where the separators between the columns go.
    separators: Vec<u16>,
    first_col: usize,
    first_row: usize,
    /// Data rows that fit under the header.
    visible: usize,
    /// Data rows drawn (fewer than `visible` at the end of the table).
    rows: usize,
}

/// Hands out an area's lines from the top, none below its bottom.
struct Lines {
    next: u16,
    bottom: u16,
}

impl Iterator for Lines {
    type Item = u16;

    fn next(&mut self) -> Option<u16> {
        let y = self.next;
        self.next = self.next.saturating_add(1);
        (y < self.bottom).then_some(y)
    }
}

impl Widget for TableGrid<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        if self.table.columns.is_empty() {
            self.render_no_columns(area, buf);
            return;
        }
        let shown = self.shown(area);
        let mut lines = Lines {
            next: area.y,
            bottom: area.bottom(),
        };
        self.render_names(&shown, lines.next(), buf);
        if Self::header_lines(self.table) == 3 {
            self.render_types(&shown, lines.next(), buf);
        }
        self.render_rule(&shown, lines.next(), buf);
        self.render_rows(&shown, area, &mut lines, buf);
        self.render_footer(&shown, area, lines.next(), buf);
    }
}

impl TableGrid<'_> {
    /// One line: `(no columns)` and the table's notes.
    fn render_no_columns(&self, area: Rect, buf: &mut Buffer) {
        let width = usize::from(area.width);
        let mut line = String::from("(no columns)");
        for note in notes(self.table) {
            line.push_str(" · ");
            line.push_str(note);
        }
        let (line, _) = fit(&line, false, width);
        buf.set_stringn(area.x, area.y, line, width, self.theme.dim());
    }

    /// The columns and rows this area shows from the scroll position.
    fn shown(&self, area: Rect) -> Shown {
        let n_rows = self.table.rows.len();
        let first_col = self.scroll.col.min(self.table.columns.len() - 1);
        let (slots, separators) = self.plan(first_col, area);
        let visible = Self::visible_rows(self.table, area.height);
        let first_row = self.scroll.row.min(max_row(n_rows, visible));
        Shown {
            slots,
            separators,
            first_col,
            first_row,
            visible,
            rows: visible.min(n_rows - first_row),
        }
    }

    fn render_separators(&self, shown: &Shown, y: u16, buf: &mut Buffer) {
        for &x in &shown.separators {
            buf.set_stringn(x + 1, y, "│", 1, self.theme.dim());
        }
    }

    /// The column names, bold.
    fn render_names(&self, shown: &Shown, y: Option<u16>, buf: &mut Buffer) {
        let Some(y) = y else { return };
        let bold = self.theme.text().add_modifier(Modifier::BOLD);
        for slot in &shown.slots {
            let name = &self.table.columns[slot.index].name;
            slot.put(buf, y, name, false, self.numeric(slot.index), bold);
        }
        self.render_separators(shown, y, buf);
    }

    /// The column types, dim.
    fn render_types(&self, shown: &Shown, y: Option<u16>, buf: &mut Buffer) {
        let Some(y) = y else { return };
        for slot in &shown.slots {
            let label = type_label(&self.table.columns[slot.index].data_type);
            slot.put(buf, y, &label, false, self.numeric(slot.index), self.theme.dim());
        }
        self.render_separators(shown, y, buf);
    }

    /// The rule under the header.
    fn render_rule(&self, shown: &Shown, y: Option<u16>, buf: &mut Buffer) {
        let Some(y) = y else { return };
        let dim = self.theme.dim();
        for slot in &shown.slots {
            let width = usize::from(slot.shown);
            buf.set_stringn(slot.x, y, "─".repeat(width), width, dim);
        }
        for &x in &shown.separators {
            buf.set_stringn(x, y, "─┼─", usize::from(SEPARATOR), dim);
        }
    }

    /// The data rows in view (nulls in italics, the selected cell highlighted), or
    /// `(no rows)`.
    fn render_rows(&self, shown: &Shown, area: Rect, lines: &mut Lines, buf: &mut Buffer) {
        let dim = self.theme.dim();
        if self.table.rows.is_empty() {
            if shown.visible > 0
                && let Some(y) = lines.next()
            {
                let width = usize::from(area.width);
                buf.set_stringn(area.x, y, fit("(no rows)", false, width).0, width, dim);
            }
            return;
        }
        let null_style = dim.add_modifier(Modifier::ITALIC);
        let text_style = self.theme.text();
        for r in shown.first_row..shown.first_row + shown.rows {
            let Some(y) = lines.next() else { break };
            let Some(row) = self.table.rows.get(r) else { break };
            for slot in &shown.slots {
                let Some(value) = row.get(slot.index) else { continue };
                let style = if value.is_null() { null_style } else { text_style };
                let (text, more) = cell_source(&value, usize::from(slot.shown));
                slot.put(buf, y, &text, more, self.numeric(slot.index), style);
                if self.scroll.selected == Some((r, slot.index)) {
                    buf.set_style(Rect::new(slot.x, y, slot.shown, 1), self.theme.selection());
                }
            }
            self.render_separators(shown, y, buf);
        }
    }

    /// Which rows and columns show, the table's notes, and hints.
    fn render_footer(&self, shown: &Shown, area: Rect, y: Option<u16>, buf: &mut Buffer) {
        let Some(y) = y else { return };
        let width = usize::from(area.width);
        let footer = self.footer(shown);
        buf.set_stringn(area.x, y, fit(&footer, false, width).0, width, self.theme.dim());
    }

    /// The footer's text: rows, columns, notes (a capped result) before hints, so they are
    /// not the part cut off.
    fn footer(&self, shown: &Shown) -> String {
        let (n_rows, n_cols) = (self.table.rows.len(), self.table.columns.len());
        let (first_row, first_col) = (shown.first_row, shown.first_col);
        let last_whole = shown
            .slots
            .iter()
            .rev()
            .find(|s| s.shown == s.full)
            .map_or(first_col, |s| s.index);
        let mut footer = match (n_rows, shown.rows) {
            (0, _) => "no rows".to_string(),
            (1, _) => "1 row".to_string(),
            (n, 0) => format!("{} rows", grouped(n)),
            (n, 1) => format!("row {} of {}", grouped(first_row + 1), grouped(n)),
            (n, k) => format!(
                "rows {}–{} of {}",
                grouped(first_row + 1),
                grouped(first_row + k),
                grouped(n)
            ),
        };
        footer.push_str(" · ");
        if first_col == last_whole {
            footer.push_str(&format!("column {} of {}", first_col + 1, n_cols));
        } else {
            footer.push_str(&format!("columns {}–{} of {}", first_col + 1, last_whole + 1, n_cols));
        }
        for note in notes(self.table) {
            footer.push_str(" · ");
            footer.push_str(note);
        }
        if first_col > 0 || last_whole + 1 < n_cols {
            footer.push_str(" · ←→ more columns");
        }
        if self.scroll.selected.is_some() {
            footer.push_str(" · Space shows a cell whole");
        }
        footer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table(cols: usize, rows: usize) -> Table {
        let v = json!({
            "headers": (0..cols).map(|c| json!({"name": format!("c{c}"), "type": "INT_TYPE"})).collect::<Vec<_>>(),
            "data": (0..rows).map(|r| (0..cols).map(|c| json!(r * 100 + c)).collect::<Vec<_>>()).collect::<Vec<_>>(),
        });
        Table::from_livy_table(&v).unwrap()
    }

    #[test]
    fn rows_scroll_within_the_table() {
        let mut s = TableScroll::default();
        s.scroll_rows(5, 100, 10);
        assert_eq!(s.row, 5);
        s.scroll_rows(1000, 100, 10);
        assert_eq!(s.row, 90);
        s.scroll_rows(-1000, 100, 10);
        assert_eq!(s.row, 0);
        s.scroll_rows(isize::MIN, 100, 10);
        assert_eq!(s.row, 0);
        s.scroll_rows(isize::MAX, 100, 10);
        assert_eq!(s.row, 90);
        s.page_up(100, 10);
        assert_eq!(s.row, 80);
        s.page_down(100, 10);
        assert_eq!(s.row, 90);
        s.home();
        assert_eq!(s.row, 0);
        s.end(100, 10);
        assert_eq!(s.row, 90);
        // fewer rows than fit; no rows; nothing visible
        s.scroll_rows(3, 5, 10);
        assert_eq!(s.row, 0);
        s.end(0, 10);
        assert_eq!(s.row, 0);
        s.row = 1000;
        s.scroll_rows(0, 10, 0);
        assert_eq!(s.row, 9);
    }

    #[test]
    fn columns_scroll_within_the_table() {
        let mut s = TableScroll::default();
        s.scroll_cols(3, 5);
        assert_eq!(s.col, 3);
        s.scroll_cols(10, 5);
        assert_eq!(s.col, 4);
        s.scroll_cols(-10, 5);
        assert_eq!(s.col, 0);
        s.scroll_cols(1, 0);
        assert_eq!(s.col, 0);
        let layout = TableLayout {
            widths: vec![10, 10, 10, 10],
            numeric: vec![false; 4],
        };
        s.last_cols(&layout, 23);
        assert_eq!(s.col, 2);
        s.last_cols(&layout, 5);
        assert_eq!(s.col, 3);
        s.first_cols();
        assert_eq!(s.col, 0);
        let far = TableScroll {
            row: 99,
            col: 99,
            selected: None,
        };
        assert_eq!(
            far.clamped(10, 3, 4),
            TableScroll {
                row: 6,
                col: 2,
                selected: None
            }
        );
    }

    #[test]
    fn lines_are_handed_out_down_to_the_bottom_and_no_further() {
        let mut lines = Lines { next: 3, bottom: 5 };
        assert_eq!(lines.by_ref().take(4).collect::<Vec<_>>(), [3, 4]);
        assert_eq!(lines.next(), None);
        let mut at_the_end = Lines {
            next: u16::MAX,
            bottom: u16::MAX,
        };
        assert_eq!((at_the_end.next(), at_the_end.next()), (None, None));
    }

    #[test]
    fn heights() {
        assert_eq!(TableGrid::height_for(&table(3, 1000), 10), 3 + 10 + 1);
        assert_eq!(TableGrid::height_for(&table(3, 2), 10), 3 + 2 + 1);
        assert_eq!(TableGrid::height_for(&table(3, 0), 10), 3 + 1 + 1);
        assert_eq!(TableGrid::height_for(&table(0, 0), 10), 1);
        assert_eq!(TableGrid::visible_rows(&table(3, 5), 14), 10);
        assert_eq!(TableGrid::visible_rows(&table(3, 5), 2), 0);
    }

    #[test]
    fn never_panics_on_any_size_or_scroll() {
        let theme = Theme::default();
        let tables = [table(0, 0), table(3, 0), table(25, 1000), table(1, 1)];
        for t in &tables {
            let layout = TableLayout::compute(t, 40);
            for (w, h) in [
                (0, 0),
                (1, 1),
                (0, 5),
                (5, 0),
                (2, 3),
                (7, 4),
                (13, 6),
                (80, 24),
                (300, 3),
            ] {
                for scroll in [
                    TableScroll::default(),
                    TableScroll {
                        row: 999,
                        col: 24,
                        selected: Some((999, 24)),
                    },
                    TableScroll {
                        row: usize::MAX,
                        col: usize::MAX,
                        selected: Some((usize::MAX, 0)),
                    },
                ] {
                    let area = Rect::new(0, 0, w, h);
                    let mut buf = Buffer::empty(area);
                    TableGrid::new(t, &layout, scroll, &theme).render(area, &mut buf);
                    // an area reaching outside the buffer
                    let mut small = Buffer::empty(Rect::new(0, 0, w / 2, h / 2));
                    TableGrid::new(t, &layout, scroll, &theme).render(area, &mut small);
                }
            }
        }
        // a layout that does not match its table
        let t = table(5, 3);
        let stale = TableLayout::default();
        let area = Rect::new(0, 0, 40, 10);
        TableGrid::new(&t, &stale, TableScroll::default(), &theme).render(area, &mut Buffer::empty(area));
    }
}
