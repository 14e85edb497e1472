//! The bottom two lines: key hints (or a message), and the session's status. Both fit the
//! width by dropping whole segments, least important first, never cutting one mid-word.

use super::UiContext;
use super::cells::{bar, elapsed};
use super::text::truncate;
use crate::app::{App, Command, KeepAliveStatus, Overlay, Phase, RunState};
use crate::livy::SessionState;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

/// A piece of a line that is shown whole or not at all.
struct Segment {
    spans: Vec<Span<'static>>,
    /// Higher stays longer when space runs out.
    priority: u8,
}

impl Segment {
    fn width(&self) -> usize {
        self.spans.iter().map(|s| s.content.width()).sum()
    }
}

/// Keeps the most important segments that fit, in their display order.
fn fit(segments: Vec<Segment>, separator: Span<'static>, width: usize) -> Vec<Span<'static>> {
    let sep = separator.content.width();
    let mut keep: Vec<bool> = vec![true; segments.len()];
    let total = |keep: &[bool]| -> usize {
        let shown: Vec<_> = segments
            .iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .map(|(s, _)| s.width())
            .collect();
        shown.iter().sum::<usize>() + sep * shown.len().saturating_sub(1)
    };
    let mut order: Vec<usize> = (0..segments.len()).collect();
    order.sort_by_key(|i| segments[*i].priority);
    for i in order {
        if total(&keep) <= width {
            break;
        }
        keep[i] = false;
    }
    let mut spans = Vec::new();
    for (segment, _) in segments.into_iter().zip(&keep).filter(|(_, k)| **k) {
        if !spans.is_empty() {
            spans.push(separator.clone());
        }
        spans.extend(segment.spans);
    }
    spans
}

/// The status line: the file, the session's state with its age, the session, the running
/// cell, keep-alive and the session's last activity, the queue, connection health, app id,
/// owner, server.
pub fn draw_status(frame: &mut Frame, area: Rect, app: &App, ui: &UiContext) {
    let base = ui.theme.status_bar();
    let s = &app.session;
    let mut segments = vec![
        seg(" livy-tui".into(), base.add_modifier(Modifier::BOLD), 1),
        file_segment(app, ui),
        state_segment(app, ui),
        session_segment(app, ui),
    ];
    segments.extend(running_segment(app, ui));
    segments.extend(keepalive_segment(app, ui));
    if app.queued() > 0 {
        segments.push(seg(format!("{} queued", app.queued()), base, 7));
    }
    if let Some(trouble) = &s.trouble {
        let room = (area.width as usize).saturating_sub(40).max(20);
        let style = on_bar(ui.theme.warning(), base);
        segments.push(seg(truncate(&format!("⚠ {trouble}"), room), style, 9));
    }
    if let Some(app_id) = &s.app_id {
        segments.push(seg(app_id.clone(), base, 4));
    }
    if let Some(owner) = s.proxy_user.as_ref().or(s.owner.as_ref()) {
        segments.push(seg(owner.clone(), base, 3));
    }
    segments.push(seg(app.settings.server.clone(), base, 2));

    let mut spans = vec![Span::styled(" ", base)];
    spans.extend(fit(
        segments,
        Span::styled(" │ ", base),
        (area.width as usize).saturating_sub(1),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)).style(base), area);
}

/// A segment of one span.
fn seg(text: String, style: Style, priority: u8) -> Segment {
    Segment {
        spans: vec![Span::styled(text, style)],
        priority,
    }
}

/// `style` on the status bar's background.
fn on_bar(style: Style, bar: Style) -> Style {
    match bar.bg {
        Some(bg) => style.patch(Style::default().bg(bg)),
        None => style,
    }
}

/// The file's name, marked while it has unsaved changes or is being saved.
fn file_segment(app: &App, ui: &UiContext) -> Segment {
    let base = ui.theme.status_bar();
    let doc = &app.notebook.document;
    if doc.saving.is_some() {
        seg(format!("{} saving…", doc.name()), base, 9)
    } else if doc.is_dirty() {
        let style = on_bar(ui.theme.warning(), base).add_modifier(Modifier::BOLD);
        seg(format!("{} [+]", doc.name()), style, 8)
    } else {
        seg(doc.name(), base.add_modifier(Modifier::BOLD), 3)
    }
}

/// The session's state, with how long it has been in it while it starts.
fn state_segment(app: &App, ui: &UiContext) -> Segment {
    let theme = &ui.theme;
    let age = elapsed(app.now.saturating_duration_since(app.session.since));
    let (text, style) = match &app.session.phase {
        Phase::Connecting if matches!(app.overlay(), Some(Overlay::Reattach { .. })) => (
            "● attach or new?".to_string(),
            theme.session_state(&SessionState::Starting),
        ),
        Phase::Connecting => (
            format!("● connecting {age}"),
            theme.session_state(&SessionState::Starting),
        ),
        Phase::Server(state) if state.is_starting() => (format!("● {state} {age}"), theme.session_state(state)),
        // Our statement runs: the session is busy, whatever the last slow poll of an idle
        // session said (Livy reports busy a poll later; local mode a moment later).
        Phase::Server(SessionState::Idle) if app.notebook.running_cell().is_some() => {
            let busy = SessionState::Busy;
            (format!("● {busy}"), theme.session_state(&busy))
        }
        Phase::Server(state) => (format!("● {state}"), theme.session_state(state)),
        Phase::Gone => ("● gone".into(), theme.session_state(&SessionState::Dead)),
        Phase::Failed => ("● failed".into(), theme.session_state(&SessionState::Dead)),
    };
    seg(text, on_bar(style.add_modifier(Modifier::BOLD), theme.status_bar()), 10)
}

/// `session 42 (name) kind`; a name the client made up is left out.
fn session_segment(app: &App, ui: &UiContext) -> Segment {
    let s = &app.session;
    let mut label =
        s.id.as_ref()
            .map_or_else(|| "session".to_string(), |id| format!("session {id}"));
    if let Some(name) = s.name.as_ref().filter(|n| !crate::livy::is_generated_session_name(n)) {
        label.push_str(&format!(" ({name})"));
    }
    if let Some(kind) = &s.kind {
        label.push_str(&format!(" {kind}"));
    }
    seg(label, ui.theme.status_bar(), 8)
}

/// The running cell: its number, progress and time.
fn running_segment(app: &App, ui: &UiContext) -> Option<Segment> {
    let cell = app.notebook.running_cell()?;
    let n = app.notebook.index_of(cell.id).map_or(0, |i| i + 1);
    let text = match &cell.run {
        RunState::Running {
            progress,
            since,
            waiting: false,
            ..
        } => format!(
            "▶ cell {n} {} {:.0}% {}",
            bar(*progress, 6),
            progress * 100.0,
            elapsed(app.now.saturating_duration_since(*since))
        ),
        RunState::Running { waiting: true, .. } => format!("▶ cell {n} waiting"),
        RunState::Cancelling { .. } => format!("▶ cell {n} cancelling"),
        _ => format!("▶ cell {n} sending"),
    };
    Some(seg(text, ui.theme.status_bar(), 9))
}

/// Keep-alive (on, ending soon, stopped, unavailable) and when the session last did
/// something the server counts as activity.
fn keepalive_segment(app: &App, ui: &UiContext) -> Option<Segment> {
    let status = app.keepalive_status()?;
    let base = ui.theme.status_bar();
    let warning = on_bar(ui.theme.warning(), base);
    let active = app
        .session
        .activity
        .last
        .map(|at| active_ago(app.now.saturating_duration_since(at)));
    let with_active = |text: &str| match &active {
        Some(active) => format!("{text} · {active}"),
        None => text.to_string(),
    };
    let (text, style, priority) = match status {
        KeepAliveStatus::Off => (active?, base, 5),
        KeepAliveStatus::On => (with_active("kept alive"), base, 5),
        KeepAliveStatus::Ending { left } => (
            format!(
                "kept alive for {} more min — press a key to keep it",
                left.as_secs().div_ceil(60)
            ),
            warning,
            9,
        ),
        KeepAliveStatus::Stopped => (with_active("keep-alive stopped: press a key"), warning, 8),
        KeepAliveStatus::Unavailable(_) => (with_active("keep-alive unavailable"), warning, 6),
    };
    Some(seg(text, style, priority))
}

/// `active just now`, `active 3 min ago`, `active 2 h 05 min ago`.
fn active_ago(d: std::time::Duration) -> String {
    let minutes = d.as_secs() / 60;
    match minutes {
        0 => "active just now".into(),
        1..=59 => format!("active {minutes} min ago"),
        _ => format!("active {} h {:02} min ago", minutes / 60, minutes % 60),
    }
}

/// The hints line: the search being typed, else a message, else why the session ended,
/// else the keys that matter in the current mode (taken from the live keymap), most useful
/// first.
pub fn draw_hints(frame: &mut Frame, area: Rect, app: &App, ui: &UiContext) {
    let theme = &ui.theme;
    let width = area.width as usize;
    let line = if let Some(search) = app.notebook.search.as_ref().filter(|s| s.typing) {
        Line::from(vec![
            Span::styled(" /", theme.text().add_modifier(Modifier::BOLD)),
            Span::styled(format!("{}▏", search.query), theme.text()),
            Span::styled("  Enter find · Esc cancel", theme.dim()),
        ])
    } else if let Some(message) = &app.message {
        let style = if message.is_error { theme.error() } else { theme.text() };
        Line::styled(truncate(&format!(" {}", message.text), width), style)
    } else if app.session.is_over() {
        session_over_line(app, ui, width)
    } else {
        key_hints_line(app, ui, width)
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Why the session ended, and the key for a new one.
fn session_over_line(app: &App, ui: &UiContext, width: usize) -> Line<'static> {
    let theme = &ui.theme;
    let key = key_of(app, Command::RecreateSession);
    let key = if app.notebook.editing {
        format!("Esc, {key}")
    } else {
        key
    };
    let action = format!("  {key}: new session");
    let why = app
        .session
        .failure
        .clone()
        .unwrap_or_else(|| "the session has ended".into());
    Line::from(vec![
        Span::styled(
            truncate(&format!(" ✗ {why}"), width.saturating_sub(action.width())),
            theme.error(),
        ),
        Span::styled(action, theme.text().add_modifier(Modifier::BOLD)),
    ])
}

/// The mode, and the keys of the commands that matter in it, as many as fit.
fn key_hints_line(app: &App, ui: &UiContext, width: usize) -> Line<'static> {
    let theme = &ui.theme;
    let (mode, commands) = mode_commands(app);
    let mode_badge = Span::styled(format!(" {mode} "), theme.selection().add_modifier(Modifier::BOLD));
    let room = width.saturating_sub(mode_badge.content.width() + 1);
    let n = commands.len() as u8;
    let segments = commands
        .iter()
        .enumerate()
        .map(|(i, (command, label))| Segment {
            spans: vec![
                Span::styled(key_of(app, *command), theme.text().add_modifier(Modifier::BOLD)),
                Span::styled(format!(" {label}"), theme.dim()),
            ],
            priority: n - i as u8,
        })
        .collect();
    let mut spans = vec![mode_badge, Span::raw(" ")];
    if app.log.focused {
        spans.push(Span::styled(
            "↑↓ PgUp PgDn scroll  End follow  / search  n/N older/newer  ",
            theme.dim(),
        ));
    }
    spans.extend(fit(segments, Span::raw("  "), room));
    Line::from(spans)
}

/// The mode's name and its commands worth a hint, most useful first.
fn mode_commands(app: &App) -> (&'static str, &'static [(Command, &'static str)]) {
    if app.log.focused {
        (
            "LOG",
            &[
                (Command::LeaveEdit, "back"),
                (Command::ToggleLog, "hide"),
                (Command::Help, "help"),
            ],
        )
    } else if app.notebook.editing {
        (
            "EDIT",
            &[
                (Command::RunCell, "run"),
                (Command::LeaveEdit, "cells"),
                (Command::Help, "help"),
                (Command::Quit, "quit"),
                (Command::RunAndAdvance, "run+next"),
                (Command::CancelRunning, "cancel"),
            ],
        )
    } else {
        (
            "CELLS",
            &[
                (Command::EditCell, "edit"),
                (Command::RunCell, "run"),
                (Command::Help, "help"),
                (Command::Quit, "quit"),
                (Command::InsertBelow, "add"),
                (Command::CycleKind, "language"),
                (Command::ToggleLog, "log"),
                (Command::RunAll, "run all"),
                (Command::DeleteCell, "delete"),
            ],
        )
    }
}

/// The first key bound to a command, as text.
pub fn key_of(app: &App, command: Command) -> String {
    app.keymap
        .keys_for(command, app.notebook.editing && !app.log.focused)
        .first()
        .map_or_else(|| command.name().to_string(), |k| k.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str, priority: u8) -> Segment {
        Segment {
            spans: vec![Span::raw(text.to_string())],
            priority,
        }
    }

    fn text(spans: &[Span]) -> String {
        spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn activity_is_said_in_minutes() {
        let secs = std::time::Duration::from_secs;
        assert_eq!(active_ago(secs(59)), "active just now");
        assert_eq!(active_ago(secs(3 * 60 + 59)), "active 3 min ago");
        assert_eq!(active_ago(secs(2 * 3600 + 5 * 60)), "active 2 h 05 min ago");
    }

    #[test]
    fn least_important_segments_go_first_and_order_stays() {
        let segments = vec![seg("aaaa", 1), seg("bb", 9), seg("cccc", 5)];
        assert_eq!(text(&fit(segments, Span::raw("|"), 20)), "aaaa|bb|cccc");
        let segments = vec![seg("aaaa", 1), seg("bb", 9), seg("cccc", 5)];
        assert_eq!(text(&fit(segments, Span::raw("|"), 8)), "bb|cccc");
        let segments = vec![seg("aaaa", 1), seg("bb", 9), seg("cccc", 5)];
        assert_eq!(text(&fit(segments, Span::raw("|"), 3)), "bb");
    }
}
