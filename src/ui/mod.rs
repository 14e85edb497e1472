//! Drawing the notebook with ratatui. Draws `&App` and nothing else: no IO, no waiting.

pub mod cells;
pub mod highlight;
pub mod images;
pub mod json_view;
pub mod log_pane;
pub mod overlays;
pub mod status_bar;
pub mod table_grid;
pub mod text;

use crate::app::{App, ScreenLayout};
use crate::theme::Theme;
use highlight::Highlighter;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::widgets::Block;
use std::sync::{Arc, OnceLock};

/// What drawing needs besides the app state.
pub struct UiContext {
    pub theme: Theme,
    /// How images are drawn; set once the terminal is in raw mode (see `images::make_picker`).
    pub images: OnceLock<Option<ratatui_image::picker::Picker>>,
    /// Filled once the syntaxes are loaded (off the draw path); code is plain until then,
    /// and always with NO_COLOR.
    highlighter: Arc<OnceLock<Highlighter>>,
}

impl UiContext {
    /// Plain code until a highlighter is put in `highlighter_slot`.
    pub fn new(theme: Theme) -> UiContext {
        UiContext {
            theme,
            images: OnceLock::new(),
            highlighter: Arc::new(OnceLock::new()),
        }
    }

    /// Where a background loader puts the highlighter.
    pub fn highlighter_slot(&self) -> Arc<OnceLock<Highlighter>> {
        self.highlighter.clone()
    }

    /// The highlighter, when loaded and colours are on.
    pub fn highlighter(&self) -> Option<&Highlighter> {
        if self.theme.monochrome {
            None
        } else {
            self.highlighter.get()
        }
    }
}

/// Draws one frame; returns what it laid out, for the event loop to hand to the app
/// (`AppEvent::Drawn`).
pub fn draw(frame: &mut Frame, app: &App, ui: &UiContext) -> ScreenLayout {
    let area = frame.area();
    frame.render_widget(Block::default().style(ui.theme.base()), area);
    let log_height = if app.log.visible {
        app.log.height.min(area.height.saturating_sub(6))
    } else {
        0
    };
    let [cells, log, hints, status] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(log_height),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let mut laid_out = cells::draw(frame, cells, app, ui);
    if log_height > 0 {
        log_pane::draw(frame, log, app, ui);
    }
    status_bar::draw_hints(frame, hints, app, ui);
    status_bar::draw_status(frame, status, app, ui);
    laid_out.inspect_last_scroll = overlays::draw(frame, area, app, ui).unwrap_or(app.layout.inspect_last_scroll);
    laid_out
}
