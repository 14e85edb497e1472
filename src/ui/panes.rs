//! The sessions and batches panes: the listing as a table (the notebook's own session
//! marked), or the log the pane follows; its question or its form over that; and one line
//! under it with the status message, or else the pane's keys. The status bar stays visible.

use super::UiContext;
use super::overlays::{centered, dialog};
use super::text::truncate;
use crate::app::App;
use crate::app::panes::form::Form;
use crate::app::panes::{Pane, PaneKind, PaneMode, PaneRow, Question};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Row, Table, TableState};
use unicode_width::UnicodeWidthStr;

/// Draws the pane over everything but the status bar.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, ui: &UiContext, pane: &Pane) {
    let area = Rect {
        height: area.height.saturating_sub(1),
        ..area
    };
    let [body, footer] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    frame.render_widget(Clear, area);
    frame.render_widget(Block::default().style(ui.theme.base()), area);
    match &pane.mode {
        PaneMode::Log(log) => {
            let name = format!("{} log", log.source);
            super::log_pane::draw_view(frame, body, &log.view, &name, true, ui);
        }
        _ => listing(frame, body, app, ui, pane),
    }
    match &pane.mode {
        PaneMode::Ask(question) => {
            let lines = vec![
                Line::from(question_text(app, pane.kind, question)),
                Line::styled("y yes · n or Esc no", ui.theme.dim()),
            ];
            dialog(frame, body, ui, " are you sure? ", lines, 64);
        }
        PaneMode::Form(form) => draw_form(frame, body, ui, form),
        _ => {}
    }
    footer_line(frame, footer, app, ui, pane);
}

/// The listing, newest first, the selected row highlighted.
fn listing(frame: &mut Frame, area: Rect, app: &App, ui: &UiContext, pane: &Pane) {
    let theme = &ui.theme;
    let count = match pane.total {
        Some(total) => format!("{} of {total}", pane.rows.len()),
        None => pane.rows.len().to_string(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused())
        .title(Line::styled(
            format!(" {} on {} · {count} ", pane.kind.plural(), app.settings.server),
            theme.text().add_modifier(Modifier::BOLD),
        ))
        .style(theme.base());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [trouble, table] = Layout::vertical([
        Constraint::Length(u16::from(pane.trouble.is_some())),
        Constraint::Fill(1),
    ])
    .areas(inner);
    if let Some(why) = &pane.trouble {
        let text = truncate(&format!("✗ {why}; trying again"), usize::from(trouble.width));
        frame.render_widget(Paragraph::new(Line::styled(text, theme.error())), trouble);
    }
    if pane.rows.is_empty() {
        let text = if pane.listed {
            let start = match pane.kind {
                PaneKind::Sessions => "starts",
                PaneKind::Batches => "submits",
            };
            format!("no {} on the server · n {start} one", pane.kind.plural())
        } else {
            format!("listing {} …", pane.kind.plural())
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim())), table);
        return;
    }
    let (header, widths) = columns(pane);
    let symbol = "› ";
    // The app id column's width, to shorten YARN's ids rather than cut their tails off.
    let row_area = Rect {
        width: table.width.saturating_sub(symbol.width() as u16),
        ..table
    };
    let app_column = header.iter().position(|h| *h == "app id").unwrap_or(0);
    let app_width = usize::from(Layout::horizontal(widths.clone()).spacing(1).split(row_area)[app_column].width);
    let ours = app.session.id.as_ref().filter(|_| pane.kind == PaneKind::Sessions);
    let rows: Vec<Row> = pane
        .rows
        .iter()
        .map(|row| {
            let marker = if ours.is_some_and(|id| id.as_str() == row.id) {
                "●"
            } else {
                ""
            };
            let mut cells = vec![
                Span::styled(marker, theme.text()),
                Span::styled(row.id.clone(), theme.text()),
                Span::styled(row.name.clone().unwrap_or_default(), theme.text()),
            ];
            if pane.kind == PaneKind::Sessions {
                let kind = row.kind.as_ref().map(|k| k.to_string()).unwrap_or_default();
                cells.push(Span::styled(kind, theme.dim()));
            }
            cells.push(Span::styled(row.state.to_string(), theme.session_state(&row.state)));
            if pane.kind == PaneKind::Sessions {
                cells.push(Span::styled(owner(row), theme.text()));
            }
            let app_id = row.app_id.as_deref().unwrap_or_default();
            cells.push(Span::styled(short_app_id(app_id, app_width), theme.dim()));
            cells.push(Span::styled(age(app, row), theme.dim()));
            Row::new(cells)
        })
        .collect();
    let widget = Table::new(rows, widths)
        .header(Row::new(header).style(theme.dim()))
        .row_highlight_style(theme.selection())
        .highlight_symbol(symbol);
    let mut state = TableState::default().with_selected(Some(pane.selected));
    frame.render_stateful_widget(widget, table, &mut state);
}

/// The header and the column widths of a pane's table.
fn columns(pane: &Pane) -> (Vec<&'static str>, Vec<Constraint>) {
    let id_width = pane.rows.iter().map(|r| r.id.width()).max().unwrap_or(0).clamp(2, 12) as u16;
    match pane.kind {
        PaneKind::Sessions => (
            vec!["", "id", "name", "kind", "state", "owner", "app id", "age"],
            vec![
                Constraint::Length(1),
                Constraint::Length(id_width),
                Constraint::Fill(1),
                Constraint::Length(7),
                Constraint::Length(13),
                Constraint::Fill(1),
                Constraint::Fill(2),
                Constraint::Length(5),
            ],
        ),
        PaneKind::Batches => (
            vec!["", "id", "name", "state", "app id", "age"],
            vec![
                Constraint::Length(1),
                Constraint::Length(id_width),
                Constraint::Fill(2),
                Constraint::Length(13),
                Constraint::Fill(3),
                Constraint::Length(5),
            ],
        ),
    }
}

/// YARN's `application_1763700000000_0042` without its prefix when the column is too
/// narrow for all of it (the numbers tell applications apart).
fn short_app_id(app_id: &str, width: usize) -> String {
    match app_id.strip_prefix("application_") {
        Some(short) if app_id.width() > width => short.to_string(),
        _ => app_id.to_string(),
    }
}

/// The owner, and whom the session runs as when that is someone else.
fn owner(row: &PaneRow) -> String {
    let owner = row.owner.clone().unwrap_or_default();
    match &row.proxy_user {
        Some(proxy) if *proxy != owner && owner.is_empty() => format!("as {proxy}"),
        Some(proxy) if *proxy != owner => format!("{owner} as {proxy}"),
        _ => owner,
    }
}

/// Since livy-tui first saw it; `≥` when it was there already then.
fn age(app: &App, row: &PaneRow) -> String {
    let age = crate::human::age(app.now.saturating_duration_since(row.seen.since));
    if row.seen.already_there {
        format!("≥{age}")
    } else {
        age
    }
}

fn question_text(app: &App, kind: PaneKind, question: &Question) -> String {
    match question {
        Question::Attach(id) => {
            let leaving = match &app.session.id {
                Some(old) if app.session.created_here && !app.session.is_over() => {
                    format!(" Session {old}, started here, keeps running.")
                }
                _ => String::new(),
            };
            format!("Attach the notebook to session {id}?{leaving}")
        }
        Question::Kill(id) => {
            let own = app.session.id.as_ref().is_some_and(|s| s.as_str() == id) && kind == PaneKind::Sessions;
            let what = if own { ", the notebook's own session" } else { "" };
            format!("Kill {} {id}{what}? Its Spark application stops.", kind.noun())
        }
    }
}

/// The form: one line per field, the one being edited marked, then its hint and any problem.
fn draw_form(frame: &mut Frame, area: Rect, ui: &UiContext, form: &Form) {
    let theme = &ui.theme;
    let title = if form.is_session() {
        " start a session "
    } else {
        " submit a batch "
    };
    let height = form.fields.len() as u16 + 6;
    let rect = centered(area, 78, height);
    let label_width = form.fields.iter().map(|(f, _)| f.label().width()).max().unwrap_or(0);
    let value_width = usize::from(rect.width).saturating_sub(label_width + 6).max(1);
    let mut lines: Vec<Line> = form
        .fields
        .iter()
        .enumerate()
        .map(|(i, (field, value))| {
            let editing = i == form.focus;
            let shown = if editing {
                tail(&format!("{value}█"), value_width)
            } else {
                truncate(value, value_width)
            };
            let style = if editing { theme.selection() } else { theme.text() };
            Line::from(vec![
                Span::styled(format!(" {:>label_width$}  ", field.label()), theme.dim()),
                Span::styled(shown, style),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    let hint = form.fields.get(form.focus).map_or("", |(f, _)| f.hint());
    lines.push(Line::styled(format!(" {hint}"), theme.dim()));
    match &form.error {
        Some(error) => lines.push(Line::styled(format!(" ✗ {error}"), theme.error())),
        None => lines.push(Line::raw("")),
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_editing())
        .title(Line::styled(title, theme.text().add_modifier(Modifier::BOLD)))
        .title_bottom(
            Line::styled(
                " Tab next field · Shift+Tab back · Enter send · Esc cancel ",
                theme.dim(),
            )
            .right_aligned(),
        )
        .style(theme.base());
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// The end of `text` that fits in `width` columns (what is being typed stays in view).
fn tail(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut used = 1;
    let mut kept: Vec<char> = Vec::new();
    for c in text.chars().rev() {
        used += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used > width {
            break;
        }
        kept.push(c);
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

/// The status message when there is one, else what the log watch says is wrong, else the
/// pane's keys.
fn footer_line(frame: &mut Frame, area: Rect, app: &App, ui: &UiContext, pane: &Pane) {
    let theme = &ui.theme;
    let width = usize::from(area.width);
    let trouble = match &pane.mode {
        PaneMode::Log(log) => log.trouble.as_deref(),
        _ => None,
    };
    let line = match (&app.message, trouble) {
        (Some(message), _) => {
            let style = if message.is_error { theme.error() } else { theme.text() };
            Line::styled(truncate(&format!(" {}", message.text), width), style)
        }
        (None, Some(why)) => Line::styled(truncate(&format!(" ✗ {why}"), width), theme.error()),
        (None, None) => Line::styled(truncate(hints(pane), width), theme.dim()),
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn hints(pane: &Pane) -> &'static str {
    match (&pane.mode, pane.kind) {
        (PaneMode::Log(_), _) => " ↑↓ PgUp PgDn scroll · End follows · Esc back to the list",
        (PaneMode::Ask(_), _) => " y yes · n or Esc no",
        (PaneMode::Form(_), _) => " Tab next field · Enter send · Esc cancel",
        (PaneMode::List, PaneKind::Sessions) => {
            " ↑↓ select · a attach the notebook · x kill · n new session · l log · r refresh · Esc close"
        }
        (PaneMode::List, PaneKind::Batches) => {
            " ↑↓ select · Enter log · x kill · n submit a batch · r refresh · Esc close"
        }
    }
}
