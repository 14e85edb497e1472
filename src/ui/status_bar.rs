//! The bottom two lines: key hints (or a message), and the session's status.

use super::UiContext;
use super::cells::{bar, elapsed};
use super::text::truncate;
use crate::app::{App, Command, Phase, RunState};
use crate::livy::SessionState;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The status line: server, session, state with its age, app id, owner, the running cell,
/// connection health.
pub fn draw_status(frame: &mut Frame, area: Rect, app: &App, ui: &UiContext) {
    let theme = &ui.theme;
    let base = theme.status_bar();
    let sep = || Span::styled(" │ ", base);
    let s = &app.session;
    let mut spans = vec![Span::styled(" livy-tui ", base.add_modifier(Modifier::BOLD)), sep()];
    spans.push(Span::styled(app.settings.server.clone(), base));
    spans.push(sep());
    let mut label = match &s.id {
        Some(id) => format!("session {id}"),
        None => "session".into(),
    };
    if let Some(name) = &s.name {
        label.push_str(&format!(" ({name})"));
    }
    if let Some(kind) = &s.kind {
        label.push_str(&format!(" {kind}"));
    }
    spans.push(Span::styled(label, base));
    spans.push(sep());
    let age = elapsed(app.now.saturating_duration_since(s.since));
    let (state_text, state_style) = match &s.phase {
        Phase::Connecting => (
            format!("● connecting {age}"),
            theme.session_state(&SessionState::Starting),
        ),
        Phase::Server(state) if state.is_starting() => (format!("● {state} {age}"), theme.session_state(state)),
        Phase::Server(state) => (format!("● {state}"), theme.session_state(state)),
        Phase::Gone => ("● gone".into(), theme.session_state(&SessionState::Dead)),
        Phase::Failed => ("● failed".into(), theme.session_state(&SessionState::Dead)),
    };
    spans.push(Span::styled(
        state_text,
        state_style.add_modifier(Modifier::BOLD).patch(bg_of(base)),
    ));
    if let Some(app_id) = &s.app_id {
        spans.push(sep());
        spans.push(Span::styled(app_id.clone(), base));
    }
    if let Some(owner) = s.proxy_user.as_ref().or(s.owner.as_ref()) {
        spans.push(sep());
        spans.push(Span::styled(owner.clone(), base));
    }
    if let Some(cell) = app.running_cell() {
        spans.push(sep());
        let n = app.index_of(cell.id).map_or(0, |i| i + 1);
        let text = match &cell.run {
            RunState::Running {
                progress,
                since,
                waiting: false,
                ..
            } => {
                format!(
                    "▶ cell {n} {} {:.0}% {}",
                    bar(*progress, 6),
                    progress * 100.0,
                    elapsed(app.now.saturating_duration_since(*since))
                )
            }
            RunState::Running { waiting: true, .. } => format!("▶ cell {n} waiting"),
            RunState::Cancelling { .. } => format!("▶ cell {n} cancelling"),
            _ => format!("▶ cell {n} sending"),
        };
        spans.push(Span::styled(text, base));
    }
    if !app.queue.is_empty() {
        spans.push(Span::styled(format!(" +{} queued", app.queue.len()), base));
    }
    if let Some(trouble) = &s.trouble {
        spans.push(sep());
        spans.push(Span::styled(format!("⚠ {trouble}"), theme.warning().patch(bg_of(base))));
    }
    let line = Line::from(spans);
    frame.render_widget(Paragraph::new(line).style(base), area);
}

fn bg_of(style: Style) -> Style {
    match style.bg {
        Some(bg) => Style::default().bg(bg),
        None => Style::default(),
    }
}

/// The hints line: a message if there is one, else why the session ended, else the keys
/// that matter in the current mode (taken from the live keymap).
pub fn draw_hints(frame: &mut Frame, area: Rect, app: &App, ui: &UiContext) {
    let theme = &ui.theme;
    let width = area.width as usize;
    let line = if let Some(message) = &app.message {
        let style = if message.is_error { theme.error() } else { theme.text() };
        Line::styled(truncate(&format!(" {}", message.text), width), style)
    } else if app.session.is_over() {
        let key = key_of(app, Command::RecreateSession);
        let why = app
            .session
            .failure
            .clone()
            .unwrap_or_else(|| "the session has ended".into());
        Line::from(vec![
            Span::styled(truncate(&format!(" ✗ {why}"), width.saturating_sub(28)), theme.error()),
            Span::styled(format!("  — {key} (cells mode) starts a new one"), theme.dim()),
        ])
    } else {
        let (mode, commands): (&str, &[(Command, &str)]) = if app.log.focused {
            ("LOG", &[(Command::LeaveEdit, "back"), (Command::ToggleLog, "hide")])
        } else if app.editing {
            (
                "EDIT",
                &[
                    (Command::RunCell, "run"),
                    (Command::RunAndAdvance, "run+next"),
                    (Command::LeaveEdit, "cells"),
                    (Command::CancelRunning, "cancel"),
                    (Command::Help, "help"),
                    (Command::Quit, "quit"),
                ],
            )
        } else {
            (
                "CELLS",
                &[
                    (Command::EditCell, "edit"),
                    (Command::RunCell, "run"),
                    (Command::RunAll, "run all"),
                    (Command::InsertBelow, "add"),
                    (Command::DeleteCell, "delete"),
                    (Command::CycleKind, "language"),
                    (Command::ToggleLog, "log"),
                    (Command::Help, "help"),
                    (Command::Quit, "quit"),
                ],
            )
        };
        let mut spans = vec![
            Span::styled(format!(" {mode} "), theme.selection().add_modifier(Modifier::BOLD)),
            Span::raw(" "),
        ];
        for (command, label) in commands {
            let key = key_of(app, *command);
            spans.push(Span::styled(key, theme.text().add_modifier(Modifier::BOLD)));
            spans.push(Span::styled(format!(" {label}  "), theme.dim()));
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The first key bound to a command, as text.
pub fn key_of(app: &App, command: Command) -> String {
    app.keymap
        .keys_for(command)
        .first()
        .map_or_else(|| command.name().to_string(), |k| k.to_string())
}
