//! The full-screen notebook: the event loop that feeds terminal input and task reports to
//! the app, carries out its effects, and draws only when something changed.

pub mod terminal;

use crate::app::{App, AppEvent, QuitPlan};
use crate::session::tasks::Runner;
use crate::ui::{self, UiContext};
use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use std::time::{Duration, Instant};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::UnboundedReceiver;

/// Runs the notebook until the user quits; returns what to do afterwards.
pub async fn run(
    mut app: App,
    initial: Vec<crate::app::Effect>,
    runner: &mut Runner,
    mut reports: UnboundedReceiver<AppEvent>,
    ui: &UiContext,
) -> std::io::Result<QuitPlan> {
    let mut terminal = terminal::enter()?;
    let result = event_loop(&mut app, initial, runner, &mut reports, ui, &mut terminal).await;
    terminal::restore();
    result
}

async fn event_loop(
    app: &mut App,
    initial: Vec<crate::app::Effect>,
    runner: &mut Runner,
    reports: &mut UnboundedReceiver<AppEvent>,
    ui: &UiContext,
    terminal: &mut terminal::Tui,
) -> std::io::Result<QuitPlan> {
    for effect in initial {
        runner.run(effect);
    }
    let mut input = EventStream::new();
    let mut ticker = tokio::time::interval(Duration::from_millis(250));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|frame| ui::draw(frame, app, ui))?;
            dirty = false;
        }
        if let Some(plan) = app.quit.take() {
            return Ok(plan);
        }
        let event = tokio::select! {
            maybe = input.next() => match maybe {
                Some(Ok(Event::Key(key)))
                    if key.kind != KeyEventKind::Release
                        && key.code == KeyCode::Char('z')
                        && key.modifiers == KeyModifiers::CONTROL =>
                {
                    terminal::suspend(terminal)?;
                    input = EventStream::new();
                    dirty = true;
                    continue;
                }
                Some(Ok(event)) => match terminal_event(event) {
                    Some(e) => e,
                    None => continue,
                },
                // The terminal is gone: leave, keeping the session.
                Some(Err(_)) | None => return Ok(QuitPlan { delete_session: None }),
            },
            Some(report) = reports.recv() => report,
            _ = ticker.tick(), if app.needs_ticks() => AppEvent::Tick,
            _ = hangup.recv() => return Ok(QuitPlan { delete_session: None }),
            _ = terminate.recv() => return Ok(QuitPlan { delete_session: None }),
        };
        app.now = Instant::now();
        for effect in app.update(event) {
            runner.run(effect);
        }
        // Take whatever else has arrived before drawing once.
        while let Ok(report) = reports.try_recv() {
            for effect in app.update(report) {
                runner.run(effect);
            }
        }
        dirty = true;
    }
}

fn terminal_event(event: Event) -> Option<AppEvent> {
    match event {
        Event::Key(key) => Some(AppEvent::Key(key)),
        Event::Paste(text) => Some(AppEvent::Paste(text)),
        Event::Mouse(mouse) => match mouse.kind {
            crossterm::event::MouseEventKind::Moved | crossterm::event::MouseEventKind::Drag(_) => None,
            _ => Some(AppEvent::Mouse(mouse)),
        },
        Event::Resize(..) => Some(AppEvent::Resize),
        Event::FocusGained | Event::FocusLost => None,
    }
}
