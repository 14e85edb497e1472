//! The full-screen notebook: the event loop that feeds terminal input and task reports to
//! the app, carries out its effects, and draws only when something changed. The only place
//! that owns the terminal; uses `app`, `ui` and the effect runner in `session`.

pub mod terminal;

use crate::app::{App, AppEvent, Effect, QuitPlan};
use crate::session::effect_runner::EffectRunner;
use crate::ui::images::{ImageMode, make_picker};
use crate::ui::{self, UiContext};
use crossterm::clipboard::CopyToClipboard;
use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use std::time::{Duration, Instant};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::UnboundedReceiver;

/// Runs the notebook until the user quits; returns what to do afterwards.
pub async fn run(
    mut app: App,
    initial: Vec<crate::app::Effect>,
    runner: &mut EffectRunner,
    mut reports: UnboundedReceiver<AppEvent>,
    ui: &UiContext,
    images: ImageMode,
) -> std::io::Result<QuitPlan> {
    let mut terminal = terminal::enter()?;
    // Asking the terminal about image protocols reads stdin: do it in raw mode, before the
    // input reader starts, once.
    let _ = ui.images.set(make_picker(images));
    let result = event_loop(&mut app, initial, runner, &mut reports, ui, &mut terminal).await;
    terminal::restore();
    result
}

async fn event_loop(
    app: &mut App,
    initial: Vec<crate::app::Effect>,
    runner: &mut EffectRunner,
    reports: &mut UnboundedReceiver<AppEvent>,
    ui: &UiContext,
    terminal: &mut terminal::Tui,
) -> std::io::Result<QuitPlan> {
    for effect in initial {
        carry_out(effect, runner);
    }
    let mut input = EventStream::new();
    let mut ticker = tokio::time::interval(Duration::from_millis(250));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;
    loop {
        // Every pass handled something (or is the first): draw once, then wait.
        draw(terminal, app, ui)?;
        if let Some(plan) = app.quit.take() {
            return Ok(plan);
        }
        let first = tokio::select! {
            maybe = input.next() => Incoming::Terminal(maybe),
            Some(report) = reports.recv() => Incoming::Report(report),
            _ = ticker.tick(), if app.needs_ticks() => Incoming::Report(AppEvent::Tick),
            _ = hangup.recv() => return Ok(QuitPlan { delete_session: None }),
            _ = terminate.recv() => return Ok(QuitPlan { delete_session: None }),
        };
        app.now = Instant::now();
        let mut burst = Burst {
            app: &mut *app,
            runner: &mut *runner,
            input: &mut input,
            reports: &mut *reports,
            terminal: &mut *terminal,
        };
        if let Some(plan) = burst.handle(first).await? {
            return Ok(plan);
        }
    }
}

/// Draws a frame and hands its layout facts back to the app (the next frame and mouse
/// clicks use them).
fn draw(terminal: &mut terminal::Tui, app: &mut App, ui: &UiContext) -> std::io::Result<()> {
    let mut laid_out = None;
    terminal.draw(|frame| laid_out = Some(ui::draw(frame, app, ui)))?;
    if let Some(layout) = laid_out {
        app.update(AppEvent::Drawn(layout));
    }
    Ok(())
}

/// What handling the events between two frames works with.
struct Burst<'a> {
    app: &'a mut App,
    runner: &'a mut EffectRunner,
    input: &'a mut EventStream,
    reports: &'a mut UnboundedReceiver<AppEvent>,
    terminal: &'a mut terminal::Tui,
}

impl Burst<'_> {
    /// Handles `first` and everything already waiting behind it (a burst of keys from a
    /// paste or a laggy link, a flurry of reports) before drawing once; returns a plan when
    /// the terminal is gone.
    async fn handle(&mut self, first: Incoming) -> std::io::Result<Option<QuitPlan>> {
        let mut incoming = Some(first);
        let mut handled = 0;
        while let Some(next) = incoming.take() {
            if let Some(plan) = self.one(next)? {
                return Ok(Some(plan));
            }
            handled += 1;
            if self.app.quit.is_some() || handled >= MAX_EVENTS_PER_FRAME {
                break;
            }
            // One poll with this task's own waker: a no-op waker here would leave crossterm's
            // reader waking nobody, and input would stall.
            incoming = match futures::poll!(self.input.next()) {
                std::task::Poll::Ready(maybe) => Some(Incoming::Terminal(maybe)),
                std::task::Poll::Pending => self.reports.try_recv().ok().map(Incoming::Report),
            };
        }
        Ok(None)
    }

    /// Handles one event: Ctrl+Z suspends, the rest goes to the app.
    fn one(&mut self, incoming: Incoming) -> std::io::Result<Option<QuitPlan>> {
        match incoming {
            Incoming::Terminal(Some(Ok(Event::Key(key))))
                if key.kind != KeyEventKind::Release
                    && key.code == KeyCode::Char('z')
                    && key.modifiers == KeyModifiers::CONTROL =>
            {
                terminal::suspend(self.terminal)?;
                *self.input = EventStream::new();
            }
            Incoming::Terminal(Some(Ok(event))) => {
                if let Some(event) = terminal_event(event) {
                    self.apply(event);
                }
            }
            // The terminal is gone: leave, keeping the session.
            Incoming::Terminal(Some(Err(_)) | None) => return Ok(Some(QuitPlan { delete_session: None })),
            Incoming::Report(report) => self.apply(report),
        }
        Ok(None)
    }

    fn apply(&mut self, event: AppEvent) {
        for effect in self.app.update(event) {
            carry_out(effect, self.runner);
        }
    }
}

/// Terminal effects are done here; the rest is IO for the runner's tasks.
fn carry_out(effect: Effect, runner: &mut EffectRunner) {
    match effect {
        Effect::Clipboard(text) => {
            let _ = crossterm::execute!(std::io::stdout(), CopyToClipboard::to_clipboard_from(text));
        }
        other => runner.run(other),
    }
}

/// Caps the work between two frames so the screen keeps up during long bursts.
const MAX_EVENTS_PER_FRAME: usize = 2000;

/// One thing to handle.
enum Incoming {
    Terminal(Option<std::io::Result<Event>>),
    Report(AppEvent),
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
