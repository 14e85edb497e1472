//! Popups over the notebook: the help (generated from the live keymap), the quit prompt and
//! the value inspector.

use super::UiContext;
use crate::app::{App, Overlay};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Row, Table};

/// Draws the overlay, if any; returns the last row the value inspector can scroll to.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, ui: &UiContext) -> Option<usize> {
    match app.overlay()? {
        Overlay::Help { scroll } => help(frame, area, app, ui, *scroll),
        Overlay::ConfirmQuit { delete_by_default } => confirm_quit(frame, area, app, ui, *delete_by_default),
        Overlay::Inspect {
            title, text, scroll, ..
        } => return Some(inspect(frame, area, ui, title, text, *scroll)),
        Overlay::SaveAs { input } => dialog(frame, area, ui, " save as ", save_as_lines(input, ui), 90),
        Overlay::ConfirmUnsaved => {
            let lines = vec![
                Line::from(format!("{} has unsaved changes.", app.notebook.document.name())),
                Line::styled("s save and quit · d quit without saving · Esc stay", ui.theme.dim()),
            ];
            dialog(frame, area, ui, " quit ", lines, 60);
        }
        Overlay::Recover { saved_at, notebook } => {
            let lines = recover_lines(app, ui, *saved_at, notebook);
            dialog(frame, area, ui, " recover ", lines, 76);
        }
        Overlay::Reattach { session, state } => {
            let lines = vec![
                Line::from(format!("This notebook ran on session {session}, which is {state}.")),
                Line::styled("a attach to it · n start a new session", ui.theme.dim()),
            ];
            dialog(frame, area, ui, " session ", lines, 64);
        }
        Overlay::Rerun { session, cells } => {
            let lines = vec![
                Line::from(format!(
                    "Session {session} from this notebook is gone; a new one is starting."
                )),
                Line::from(format!(
                    "Re-run the {} cells that had run, in the order they ran? A failure stops it.",
                    cells.len()
                )),
                Line::styled("y run them · n or Esc no", ui.theme.dim()),
            ];
            dialog(frame, area, ui, " session ", lines, 84);
        }
        Overlay::Pane(pane) => super::panes::draw(frame, area, app, ui, pane),
    }
    None
}

/// The file name being typed, and which extensions keep what.
fn save_as_lines<'a>(input: &str, ui: &UiContext) -> Vec<Line<'a>> {
    vec![
        Line::from(vec![
            Span::raw("File: "),
            Span::styled(format!("{input}█"), ui.theme.text()),
        ]),
        Line::styled(
            ".ipynb keeps outputs · .py .scala .r .sql keep code only · Enter saves · Esc cancels",
            ui.theme.dim(),
        ),
    ]
}

/// How old the recovery copy is and how many cells it has.
fn recover_lines<'a>(
    app: &App,
    ui: &UiContext,
    saved_at: std::time::SystemTime,
    notebook: &crate::notebook::Notebook,
) -> Vec<Line<'a>> {
    let age = std::time::SystemTime::now().duration_since(saved_at).map_or_else(
        |_| "just now".to_string(),
        |d| format!("{} ago", crate::human::elapsed(d)),
    );
    vec![
        Line::from(format!(
            "Unsaved changes to {} were kept {age} ({} cells), newer than the file.",
            app.notebook.document.name(),
            notebook.cells.len()
        )),
        Line::from("livy-tui ended without saving them. Recover them?"),
        Line::styled("r recover · d drop them · Esc decide later", ui.theme.dim()),
    ]
}

pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

fn help(frame: &mut Frame, area: Rect, app: &App, ui: &UiContext, scroll: usize) {
    let theme = &ui.theme;
    let all = app.keymap.help_rows();
    let total = all.len();
    let rows: Vec<Row> = all
        .into_iter()
        .skip(scroll)
        .map(|row| {
            Row::new(vec![
                Span::styled(row.keys, theme.text().add_modifier(Modifier::BOLD)),
                Span::styled(row.does, theme.text()),
                Span::styled(row.place, theme.dim()),
            ])
        })
        .collect();
    let height = rows.len() as u16 + 4;
    let rect = centered(area, 86, height);
    let visible = rect.height.saturating_sub(4) as usize;
    let more = if scroll + visible < total || scroll > 0 {
        format!(
            " {}–{} of {total} · ↑↓ PgUp PgDn scroll ",
            scroll + 1,
            (scroll + visible).min(total)
        )
    } else {
        String::new()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused())
        .title(Line::styled(
            " keys — any other key closes · remap them in the config file ",
            theme.text(),
        ))
        .title_bottom(Line::styled(more, theme.dim()).right_aligned())
        .style(theme.base());
    let table = Table::new(
        rows,
        [Constraint::Length(26), Constraint::Fill(1), Constraint::Length(9)],
    )
    .block(block)
    .header(Row::new(vec!["key", "does", "where"]).style(theme.dim()));
    frame.render_widget(Clear, rect);
    frame.render_widget(table, rect);
}

fn confirm_quit(frame: &mut Frame, area: Rect, app: &App, ui: &UiContext, delete_by_default: bool) {
    let theme = &ui.theme;
    let id = app
        .session
        .id
        .as_ref()
        .map_or_else(|| "?".to_string(), |i| i.to_string());
    let choice = if delete_by_default { "[Y/n]" } else { "[y/N]" };
    let text = vec![
        Line::from(format!("This notebook created session {id}.")),
        Line::from(format!("Delete it (stops its Spark application)? {choice}")),
        Line::styled("y delete and quit · n keep it and quit · Esc stay", theme.dim()),
    ];
    let rect = centered(area, 60, 5);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused())
        .title(" quit ")
        .style(theme.base());
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(text).block(block), rect);
}

/// One value whole: wrapped to the popup and scrolled by screen rows.
fn inspect(frame: &mut Frame, area: Rect, ui: &UiContext, title: &str, text: &str, scroll: usize) -> usize {
    let theme = &ui.theme;
    let rect = centered(
        area,
        area.width.saturating_sub(4).max(20),
        area.height.saturating_sub(2).max(5),
    );
    let inner_width = usize::from(rect.width.saturating_sub(2)).max(1);
    let inner_height = usize::from(rect.height.saturating_sub(2)).max(1);
    // The inspector holds at most a few hundred KB (the app cuts longer values), so
    // wrapping it all per frame stays cheap.
    let rows: Vec<String> = text
        .split('\n')
        .flat_map(|l| super::text::wrap_words(&l.replace('\t', "    "), inner_width))
        .collect();
    let last_start = rows.len().saturating_sub(inner_height);
    let scroll = scroll.min(last_start);
    let position = if rows.len() > inner_height {
        format!(
            " rows {}–{} of {} · ↑↓ PgUp PgDn scroll ·",
            scroll + 1,
            (scroll + inner_height).min(rows.len()),
            rows.len()
        )
    } else {
        String::new()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused())
        .title(Line::styled(
            format!(" {title} "),
            theme.text().add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Line::styled(format!("{position} y copies · any other key closes "), theme.dim()).right_aligned())
        .style(theme.base());
    let lines: Vec<Line> = rows
        .into_iter()
        .skip(scroll)
        .take(inner_height)
        .map(|l| Line::styled(l, theme.text()))
        .collect();
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
    last_start
}

/// A small box of lines in the middle of the screen.
pub(super) fn dialog(frame: &mut Frame, area: Rect, ui: &UiContext, title: &str, lines: Vec<Line>, width: u16) {
    let theme = &ui.theme;
    // as tall as the lines are once wrapped to the box (a narrow terminal wraps more)
    let inner = usize::from(width.min(area.width).saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    let rect = centered(area, width, u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused())
        .title(title.to_string())
        .style(theme.base());
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(ratatui::widgets::Wrap { trim: false }),
        rect,
    );
}
