//! The cells: code (highlighted, or the editor when editing) and output, in bordered boxes
//! that scroll so the focused cell stays visible.

use super::UiContext;
use super::json_view::JsonView;
use super::table_grid::{TableGrid, TableScroll};
use super::text::{truncate, wrap};
use crate::app::{App, Cell, CellHit, CellOutput, Outcome, OutputView, RunState, ScreenLayout, TableOutput};
use crate::livy::SessionKind;
use ansi_to_tui::IntoText;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};
use tui_textarea::TextArea;
use unicode_width::UnicodeWidthChar;
use unicode_width::UnicodeWidthStr;

/// Output rows shown per cell before it scrolls within itself.
pub const MAX_OUTPUT_ROWS: usize = 15;

/// Draws every visible cell into `area`; returns what it laid out (the first cell drawn,
/// where each drawn cell is, where each table's columns start).
pub fn draw(frame: &mut Frame, area: Rect, app: &App, ui: &UiContext) -> ScreenLayout {
    let mut laid_out = ScreenLayout {
        first_visible: app.layout.first_visible,
        ..ScreenLayout::default()
    };
    if area.height == 0 || area.width < 4 {
        return laid_out;
    }
    let notebook = &app.notebook;
    let inner_width = area.width.saturating_sub(2) as usize;
    let heights: Vec<u16> = notebook.cells.iter().map(|c| cell_height(c, inner_width, ui)).collect();
    let first = first_visible(app.layout.first_visible, notebook.focus, &heights, area.height);
    let mut y = area.y;
    for (i, cell) in notebook.cells.iter().enumerate().skip(first) {
        let bottom = area.y + area.height;
        if y >= bottom {
            break;
        }
        let full = heights[i];
        let rect = Rect {
            x: area.x,
            y,
            width: area.width,
            height: full.min(bottom - y),
        };
        let focused = i == notebook.focus && !app.log.focused;
        let look = Look {
            focused,
            editing: focused && notebook.editing,
            cut: full > rect.height,
        };
        if let Some(first_col) = draw_cell(frame, rect, look, app, cell, ui) {
            laid_out.table_first_cols.push((cell.id, first_col));
        }
        let code_rows = cell.editor.lines().len().max(1) as u16;
        laid_out.cell_hits.push(CellHit {
            cell: cell.id,
            top: rect.y,
            bottom: rect.y + rect.height,
            code_bottom: (rect.y + 1 + code_rows).min(rect.y + rect.height),
        });
        y += full;
    }
    laid_out.first_visible = first;
    laid_out
}

/// The first cell to draw so that the focused one is on screen, moving as little as possible.
fn first_visible(previous: usize, focus: usize, heights: &[u16], available: u16) -> usize {
    let mut first = previous.min(focus);
    while first < focus && heights[first..=focus].iter().map(|h| *h as u32).sum::<u32>() > available as u32 {
        first += 1;
    }
    first
}

fn cell_height(cell: &Cell, width: usize, ui: &UiContext) -> u16 {
    let code = cell.editor.lines().len().max(1);
    let output = output_height(cell, width, ui);
    let separator = usize::from(output > 0);
    (2 + code + separator + output).min(u16::MAX as usize) as u16
}

/// How a cell is drawn.
#[derive(Clone, Copy)]
struct Look {
    /// It has the focus (a thick border).
    focused: bool,
    /// Its code is being edited (the editor, with its cursor).
    editing: bool,
    /// The screen ends inside it (no bottom border).
    cut: bool,
}

/// Draws one cell: its frame, its code, and its output under a rule; returns where its
/// table's columns start, when it shows a table.
fn draw_cell(frame: &mut Frame, rect: Rect, look: Look, app: &App, cell: &Cell, ui: &UiContext) -> Option<usize> {
    let block = cell_block(cell, look, app, ui);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.height == 0 {
        return None;
    }
    let code_rows = (cell.editor.lines().len().max(1) as u16).min(inner.height);
    draw_code(
        frame,
        Rect {
            height: code_rows,
            ..inner
        },
        look,
        app,
        cell,
        ui,
    );
    if output_height(cell, inner.width as usize, ui) == 0 || inner.height <= code_rows {
        return None;
    }
    let rule = Rect {
        y: inner.y + code_rows,
        height: 1,
        ..inner
    };
    frame.render_widget(Paragraph::new(separator(cell, inner.width as usize, ui)), rule);
    let out_area = Rect {
        y: rule.y + 1,
        height: inner.height.saturating_sub(code_rows + 1),
        ..inner
    };
    draw_output(frame, out_area, app, cell, ui)
}

/// The cell's frame: its execution count and language on the left, its run state on the
/// right.
fn cell_block<'a>(cell: &Cell, look: Look, app: &App, ui: &UiContext) -> Block<'a> {
    let theme = &ui.theme;
    let border = if look.editing {
        theme.border_editing()
    } else if look.focused {
        theme.border_focused()
    } else {
        theme.border()
    };
    let borders = if look.cut {
        Borders::TOP | Borders::LEFT | Borders::RIGHT
    } else {
        Borders::ALL
    };
    let count = cell
        .output
        .execution_count
        .as_deref()
        .map_or_else(|| "[ ]".to_string(), |n| format!("[{n}]"));
    let badge = if cell.is_text() {
        Span::styled(format!(" {} ", cell.doc.cell_type.as_str()), theme.dim())
    } else if let Some(why) = cell.not_run_badge() {
        Span::styled(format!(" {why} "), theme.dim())
    } else {
        let kind = cell.runs_as();
        Span::styled(
            format!(" {} ", kind_label(&kind)),
            theme.kind_badge(&kind).add_modifier(Modifier::BOLD),
        )
    };
    let title = Line::from(vec![
        Span::styled(format!(" {count} "), theme.dim()),
        badge,
        Span::raw(" "),
    ]);
    Block::default()
        .borders(borders)
        .border_type(if look.focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(border)
        .title(title)
        .title_top(run_state_line(cell, app, ui).right_aligned())
}

/// The code: the editor while editing (coloured in place), else the highlighted code with
/// the search's matches marked and long lines marked as cut.
fn draw_code(frame: &mut Frame, area: Rect, look: Look, app: &App, cell: &Cell, ui: &UiContext) {
    let theme = &ui.theme;
    let code = cell.code();
    let highlighter = ui.highlighter().filter(|_| !cell.is_text());
    if look.editing {
        frame.render_widget(&cell.editor, area);
        if let Some(h) = highlighter {
            paint_highlight(
                frame.buffer_mut(),
                area,
                &cell.editor,
                &h.highlight_shared(&code, &cell.kind),
            );
        }
    } else if code.is_empty() && look.focused {
        frame.render_widget(
            Paragraph::new(Line::styled("(empty — Enter to edit)", theme.dim())),
            area,
        );
    } else {
        let lines = match highlighter {
            Some(h) => h.highlight_shared(&code, &cell.kind).as_ref().clone(),
            None => crate::ui::highlight::Highlighter::plain(&code),
        };
        let query = search_query(app);
        let lines = lines
            .into_iter()
            .map(|l| mark(l, query, theme.search_match()))
            .collect::<Vec<_>>();
        frame.render_widget(Paragraph::new(lines).style(theme.text()), area);
        mark_cut_lines(frame.buffer_mut(), area, &code, theme.dim());
    }
}

/// The output under the rule; returns where a table's columns start, when it is a table.
fn draw_output(frame: &mut Frame, area: Rect, app: &App, cell: &Cell, ui: &UiContext) -> Option<usize> {
    match &cell.output.shown {
        Some(CellOutput::Table(t)) => return Some(draw_table(frame, area, app, cell, t, ui)),
        Some(CellOutput::Json(j)) if j.raw.is_none() => {
            frame.render_widget(JsonView::new(&j.tree, &j.state, &ui.theme), area);
        }
        Some(CellOutput::Image(img)) if image_view(img, ui).is_some() => {
            if let Some(view) = image_view(img, ui) {
                view.render(area, frame.buffer_mut());
            }
        }
        _ => {
            let query = search_query(app);
            let lines: Vec<Line> = output_lines(cell, area.width as usize, ui)
                .into_iter()
                .map(|l| mark(l, query, ui.theme.search_match()))
                .collect();
            frame.render_widget(Paragraph::new(lines), area);
        }
    }
    None
}

/// A table output, its cursor shown when the cell is selected; returns where its columns
/// start (the app asks for a first column; this is where it really starts now).
fn draw_table(frame: &mut Frame, area: Rect, app: &App, cell: &Cell, t: &TableOutput, ui: &UiContext) -> usize {
    let visible = TableGrid::visible_rows(&t.table, area.height);
    let selecting = app.notebook.is_focused(cell.id) && !app.notebook.editing;
    let mut scroll = TableScroll {
        row: cell.view.scroll,
        col: t.first_col,
        selected: selecting.then_some(t.cursor),
    }
    .clamped(t.table.rows.len(), t.table.columns.len(), visible);
    if selecting {
        scroll.show_col(t.cursor.1, &t.layout, area.width);
    }
    frame.render_widget(TableGrid::new(&t.table, &t.layout, scroll, &ui.theme), area);
    scroll.col
}

/// A code line wider than the cell ends in `›` at the edge, so it shows that it goes on
/// (Enter edits it; the editor scrolls to the cursor).
fn mark_cut_lines(buffer: &mut Buffer, area: Rect, code: &str, style: Style) {
    if area.width < 2 {
        return;
    }
    for (row, line) in code.split('\n').take(area.height as usize).enumerate() {
        if line.replace('\t', "    ").width() > area.width as usize {
            let cell = &mut buffer[(area.x + area.width - 1, area.y + row as u16)];
            cell.set_symbol("›");
            cell.set_style(style);
        }
    }
}

/// Rows an image may take in a cell.
const MAX_IMAGE_ROWS: u16 = 24;

/// The image's terminal view, made once; `None` when images are off.
fn image_view(img: &crate::app::ImageOutput, ui: &UiContext) -> Option<std::sync::Arc<crate::ui::images::ImageView>> {
    ui.image_view(&img.image)
}

/// The query of a finished search, for marking matches.
fn search_query(app: &App) -> &str {
    app.notebook
        .search
        .as_ref()
        .filter(|s| !s.typing)
        .map_or("", |s| s.query.as_str())
}

/// The current search match, when it is a cell of this cell's table.
/// A line with every case-insensitive occurrence of `query` in `style`, keeping the other
/// styles. Cost is the line's length; lines whose lower-casing changes byte offsets are left
/// unmarked rather than marked wrongly.
fn mark(line: Line<'static>, query: &str, style: Style) -> Line<'static> {
    if query.is_empty() {
        return line;
    }
    let q = query.to_lowercase();
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let lower = text.to_lowercase();
    if lower.len() != text.len() || !lower.contains(&q) {
        return line;
    }
    let mut hits = vec![false; text.len()];
    let mut at = 0;
    while let Some(found) = lower[at..].find(&q) {
        let start = at + found;
        hits[start..start + q.len()].iter_mut().for_each(|h| *h = true);
        at = start + q.len().max(1);
    }
    let mut spans = Vec::new();
    let mut offset = 0;
    for span in line.spans {
        let content = span.content.as_ref();
        let mut piece = String::new();
        let mut piece_hit = None;
        for (i, ch) in content.char_indices() {
            let hit = hits[offset + i];
            if piece_hit.is_some_and(|h| h != hit) {
                let st = if piece_hit == Some(true) {
                    span.style.patch(style)
                } else {
                    span.style
                };
                spans.push(Span::styled(std::mem::take(&mut piece), st));
            }
            piece_hit = Some(hit);
            piece.push(ch);
        }
        if !piece.is_empty() {
            let st = if piece_hit == Some(true) {
                span.style.patch(style)
            } else {
                span.style
            };
            spans.push(Span::styled(piece, st));
        }
        offset += content.len();
    }
    Line::from(spans).style(line.style)
}

/// The rule between code and output; names the shown type when there are others (`m`).
fn separator(cell: &Cell, width: usize, ui: &UiContext) -> Line<'static> {
    let theme = &ui.theme;
    let label = match (&cell.output.mime, cell.output.mimes.len()) {
        (Some(mime), n) if n > 1 => format!(" {mime} · m: {} more ", n - 1),
        _ => String::new(),
    };
    let label = truncate(&label, width.saturating_sub(2));
    let rule = width.saturating_sub(label.width() + 1);
    Line::from(vec![
        Span::styled("─".repeat(rule), theme.border()),
        Span::styled(label, theme.dim()),
        Span::styled("─", theme.border()),
    ])
}

/// Colours the editor's visible text in place (the textarea draws plain text): the
/// highlighted line's foreground colours are copied onto the cells the editor drew,
/// following its scroll, so the cursor and selection keep their own styles.
fn paint_highlight(buf: &mut Buffer, area: Rect, editor: &TextArea<'static>, lines: &[Line<'static>]) {
    let (top, left) = editor.scroll_offset();
    for row in 0..area.height {
        let Some(line) = lines.get(top as usize + row as usize) else {
            break;
        };
        let mut col = 0usize;
        for span in &line.spans {
            for ch in span.content.chars() {
                let width = ch.width().unwrap_or(0);
                if let (Some(fg), Some(x)) = (span.style.fg, col.checked_sub(left as usize))
                    && x < area.width as usize
                {
                    buf[(area.x + x as u16, area.y + row)].set_fg(fg);
                }
                col += width;
            }
        }
    }
}

/// The rows a cell's output takes at this width: at most `MAX_OUTPUT_ROWS` plus a line
/// saying what is hidden. Only the rows shown are parsed and wrapped, so a huge output costs
/// no more than a small one.
fn output_lines(cell: &Cell, width: usize, ui: &UiContext) -> Vec<Line<'static>> {
    let width = width.max(1);
    let theme = &ui.theme;
    let Some(output) = &cell.output.shown else {
        return Vec::new();
    };
    let scroll = cell.view.scroll;
    match output {
        CellOutput::Text(lines) => window(lines, scroll, width, theme.text(), ui),
        CellOutput::Error {
            ename,
            evalue,
            traceback,
        } => error_lines(ename, evalue, traceback, cell.view, width, ui),
        CellOutput::Placeholder(what) => vec![Line::styled(truncate(&format!("[{what}]"), width), theme.dim())],
        CellOutput::RequestError(message) => wrap(&format!("could not run: {message}"), width)
            .into_iter()
            .map(|l| Line::styled(l, theme.error()))
            .collect(),
        CellOutput::Cancelled => vec![Line::styled("cancelled", theme.warning())],
        // Drawn by the table grid; see `output_height`.
        CellOutput::Table(_) => Vec::new(),
        CellOutput::Image(img) => match image_view(img, ui) {
            // Drawn by the image view; see `output_height`.
            Some(_) => Vec::new(),
            None => vec![Line::styled(
                format!(
                    "[image/png {}×{} — images are off (--images); e saves it]",
                    img.image.width, img.image.height
                ),
                theme.dim(),
            )],
        },
        CellOutput::Styled(lines) => styled_window(lines, scroll, width, ui),
        CellOutput::Json(j) => match &j.raw {
            Some(lines) => window(lines, scroll, width, theme.text(), ui),
            None => Vec::new(),
        },
    }
}

/// An error: its name and message, then its traceback, folded to one line until unfolded.
fn error_lines(
    ename: &str,
    evalue: &str,
    traceback: &[String],
    view: OutputView,
    width: usize,
    ui: &UiContext,
) -> Vec<Line<'static>> {
    let theme = &ui.theme;
    let head = if evalue.is_empty() {
        ename.to_string()
    } else {
        format!("{ename}: {evalue}")
    };
    let head_lines: Vec<String> = head.split('\n').map(str::to_string).collect();
    let mut rows = window(&head_lines, 0, width, theme.error(), ui);
    if traceback.is_empty() {
        return rows;
    }
    if view.unfolded {
        rows.extend(window(traceback, view.scroll, width, theme.dim(), ui));
    } else {
        let n = traceback.len();
        let fold = format!("▸ traceback, {n} line{} (o unfolds)", if n == 1 { "" } else { "s" });
        rows.push(Line::styled(truncate(&fold, width), theme.dim()));
    }
    rows
}

/// Up to `MAX_OUTPUT_ROWS` rows of styled lines (rendered markdown) from line `from`, with a
/// note of what is below.
fn styled_window(lines: &[Line<'static>], from: usize, width: usize, ui: &UiContext) -> Vec<Line<'static>> {
    let shown: Vec<Line<'static>> = lines.iter().skip(from).take(MAX_OUTPUT_ROWS).cloned().collect();
    let mut rows: Vec<Line<'static>> = shown
        .iter()
        .flat_map(|l| wrap_styled(l, width))
        .take(MAX_OUTPUT_ROWS)
        .collect();
    let below = lines.len().saturating_sub(from + shown.len());
    if below > 0 {
        rows.push(Line::styled(
            format!("▼ {below} more lines (] scrolls down)"),
            ui.theme.dim(),
        ));
    }
    rows
}

/// Rows the output takes.
fn output_height(cell: &Cell, width: usize, ui: &UiContext) -> usize {
    match &cell.output.shown {
        Some(CellOutput::Table(t)) => TableGrid::height_for(&t.table, MAX_OUTPUT_ROWS as u16) as usize,
        Some(CellOutput::Json(j)) if j.raw.is_none() => {
            JsonView::height_for(&j.tree, &j.state, MAX_OUTPUT_ROWS as u16) as usize
        }
        Some(CellOutput::Image(img)) => match image_view(img, ui) {
            Some(view) => view.height_for(width as u16, MAX_IMAGE_ROWS) as usize,
            None => 1,
        },
        _ => output_lines(cell, width, ui).len(),
    }
}

/// Up to `MAX_OUTPUT_ROWS` wrapped rows from logical line `from`, with a note of what is
/// above and below. Lines may carry SGR colours (already sanitized); they become styles,
/// or are dropped with NO_COLOR.
fn window(lines: &[String], from: usize, width: usize, base: Style, ui: &UiContext) -> Vec<Line<'static>> {
    let dim = ui.theme.dim();
    let from = from.min(lines.len().saturating_sub(1));
    let mut rows = Vec::new();
    if from > 0 {
        rows.push(Line::styled(
            format!("▲ {from} line{} above ([ scrolls up)", if from == 1 { "" } else { "s" }),
            dim,
        ));
    }
    let mut shown = from;
    for line in &lines[from..] {
        if rows.len() >= MAX_OUTPUT_ROWS {
            break;
        }
        for piece in wrap_styled(&styled_line(line, base, ui), width) {
            if rows.len() >= MAX_OUTPUT_ROWS {
                break;
            }
            rows.push(piece);
        }
        shown += 1;
    }
    let below = lines.len() - shown;
    if below > 0 {
        rows.push(Line::styled(
            format!(
                "▼ {below} more line{} (] scrolls down)",
                if below == 1 { "" } else { "s" }
            ),
            dim,
        ));
    }
    rows
}

/// A text line with its SGR colours as styles over `base`.
fn styled_line(line: &str, base: Style, ui: &UiContext) -> Line<'static> {
    if !line.contains('\u{1b}') {
        return Line::styled(line.to_string(), base);
    }
    if ui.theme.monochrome {
        return Line::styled(crate::output::sanitize::strip_all(line), base);
    }
    match line.as_bytes().into_text() {
        Ok(text) => {
            let spans: Vec<Span<'static>> = text.lines.into_iter().flat_map(|l| l.spans).collect();
            Line::from(spans).style(base)
        }
        Err(_) => Line::styled(crate::output::sanitize::strip_all(line), base),
    }
}

/// Splits a styled line into rows at most `width` columns wide, keeping each span's style.
fn wrap_styled(line: &Line<'static>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut current: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in &line.spans {
        let mut piece = String::new();
        for ch in span.content.chars() {
            let w = ch.width().unwrap_or(0);
            if used + w > width && (used > 0 || !piece.is_empty()) {
                if !piece.is_empty() {
                    current.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                rows.push(Line::from(std::mem::take(&mut current)).style(line.style));
                used = 0;
            }
            piece.push(ch);
            used += w;
        }
        if !piece.is_empty() {
            current.push(Span::styled(piece, span.style));
        }
    }
    rows.push(Line::from(current).style(line.style));
    rows
}

/// The right side of a cell's title: queued, running with progress and time, done.
fn run_state_line<'a>(cell: &Cell, app: &App, ui: &UiContext) -> Line<'a> {
    let theme = &ui.theme;
    let now = app.now;
    let span = |text: String, style: Style| Line::from(vec![Span::styled(text, style), Span::raw(" ")]);
    match &cell.run {
        RunState::Idle => Line::default(),
        RunState::Queued => {
            let text = if app.session.accepts_statements() {
                " queued "
            } else {
                " queued (waiting for the session) "
            };
            span(text.into(), theme.dim())
        }
        RunState::Submitting { since } => span(
            format!(" sending… {} ", elapsed(now.saturating_duration_since(*since))),
            theme.dim(),
        ),
        RunState::Running {
            progress,
            since,
            waiting,
            ..
        } => {
            let t = elapsed(now.saturating_duration_since(*since));
            if *waiting {
                span(format!(" waiting {t} "), theme.dim())
            } else {
                Line::from(vec![
                    Span::styled(format!(" {} ", bar(*progress, 10)), theme.progress()),
                    Span::styled(
                        format!("{:>3.0}% {t} ", progress * 100.0),
                        theme.style(theme.colors.state_busy),
                    ),
                    Span::raw(" "),
                ])
            }
        }
        RunState::Cancelling { since, .. } => span(
            format!(" cancelling… {} ", elapsed(now.saturating_duration_since(*since))),
            theme.warning(),
        ),
        RunState::Finished { duration, outcome } => {
            let t = duration.map(elapsed).unwrap_or_default();
            match outcome {
                Outcome::Ok => span(format!(" ✓ {t} "), theme.success()),
                Outcome::Error => span(format!(" ✗ error {t} "), theme.error()),
                Outcome::Cancelled => span(format!(" ⊘ cancelled {t} "), theme.warning()),
            }
        }
    }
}

/// A text progress bar.
pub fn bar(fraction: f64, width: usize) -> String {
    let filled = ((fraction.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

pub use crate::human::elapsed;

fn kind_label(kind: &SessionKind) -> &str {
    match kind {
        SessionKind::Spark => "scala",
        SessionKind::PySpark => "python",
        SessionKind::SparkR => "r",
        SessionKind::Sql => "sql",
        other => other.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_focused_cell_stays_visible() {
        let heights = [5, 5, 5, 5];
        assert_eq!(first_visible(0, 3, &heights, 10), 2);
        assert_eq!(first_visible(3, 1, &heights, 10), 1);
        assert_eq!(first_visible(1, 2, &heights, 10), 1, "no needless scrolling");
        assert_eq!(
            first_visible(0, 3, &[50, 50, 50, 50], 10),
            3,
            "a tall cell shows from its top"
        );
    }

    fn ui() -> UiContext {
        UiContext::new(crate::theme::Theme::builtin("dark").unwrap())
    }

    fn plain(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn long_outputs_show_a_window_and_say_what_is_hidden() {
        let lines: Vec<String> = (0..100).map(|i| format!("line {i}")).collect();
        let rows = window(&lines, 0, 80, Style::default(), &ui());
        assert_eq!(rows.len(), MAX_OUTPUT_ROWS + 1);
        assert_eq!(plain(&rows).last().unwrap(), "▼ 85 more lines (] scrolls down)");
        let rows = window(&lines, 90, 80, Style::default(), &ui());
        assert!(plain(&rows)[0].starts_with("▲ 90 lines above"));
        assert_eq!(rows.len(), 11);
    }

    #[test]
    fn sgr_colours_become_styles_and_wrap_with_their_text() {
        use ratatui::style::Color;
        let rows = window(
            &["ab\u{1b}[31mcdef\u{1b}[0mgh".to_string()],
            0,
            4,
            Style::default(),
            &ui(),
        );
        assert_eq!(plain(&rows), ["abcd", "efgh"]);
        let red: Vec<_> = rows
            .iter()
            .flat_map(|l| &l.spans)
            .filter(|s| s.style.fg == Some(Color::Red))
            .map(|s| s.content.to_string())
            .collect();
        assert_eq!(red, ["cd", "ef"]);
        let mono = UiContext::new(crate::theme::Theme::builtin("dark").unwrap().with_no_color(true));
        let rows = window(&["\u{1b}[31mred\u{1b}[0m".to_string()], 0, 80, Style::default(), &mono);
        assert!(
            rows[0].spans.iter().all(|s| s.style.fg.is_none()),
            "NO_COLOR drops them"
        );
    }

    #[test]
    fn editor_text_is_coloured_in_place_following_the_scroll() {
        use ratatui::style::Color;
        let mut editor = TextArea::new(vec!["val x = 1".to_string(), "x".to_string()]);
        editor.set_cursor_line_style(Style::default());
        let area = Rect::new(0, 0, 20, 2);
        let mut buf = Buffer::empty(area);
        ratatui::widgets::Widget::render(&editor, area, &mut buf);
        let lines = vec![
            Line::from(vec![
                Span::styled("val", Style::default().fg(Color::Red)),
                Span::raw(" x = "),
                Span::styled("1", Style::default().fg(Color::Blue)),
            ]),
            Line::from(Span::styled("x", Style::default().fg(Color::Green))),
        ];
        paint_highlight(&mut buf, area, &editor, &lines);
        assert_eq!(buf[(0, 0)].symbol(), "v");
        assert_eq!(buf[(0, 0)].fg, Color::Red);
        assert_eq!(buf[(8, 0)].fg, Color::Blue);
        assert_eq!(buf[(0, 1)].fg, Color::Green);
        assert_ne!(buf[(4, 0)].fg, Color::Red, "unstyled spans keep the editor's colour");
    }

    #[test]
    fn matches_are_marked_keeping_other_styles() {
        use ratatui::style::Color;
        let hit = Style::default().bg(Color::Yellow);
        let line = Line::from(vec![
            Span::styled("Hello wor", Style::default().fg(Color::Red)),
            Span::raw("ld, WORLD"),
        ]);
        let marked = mark(line, "world", hit);
        let yellow: Vec<_> = marked
            .spans
            .iter()
            .filter(|s| s.style.bg == Some(Color::Yellow))
            .map(|s| (s.content.to_string(), s.style.fg))
            .collect();
        assert_eq!(
            yellow,
            [
                ("wor".to_string(), Some(Color::Red)),
                ("ld".to_string(), None),
                ("WORLD".to_string(), None)
            ]
        );
        assert_eq!(mark(Line::raw("abc"), "", hit), Line::raw("abc"));
    }

    #[test]
    fn progress_bars() {
        assert_eq!(bar(0.45, 10), "█████░░░░░");
        assert_eq!(bar(2.0, 4), "████");
    }
}
