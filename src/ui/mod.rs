//! Drawing the notebook with ratatui, one widget per file. Draws `&App` and nothing else:
//! no IO, no waiting, no writes into the app (a frame's layout facts are returned, see
//! `ScreenLayout`). May use `app` (read only), `output`, `theme`.

pub mod cells;
pub mod completion;
pub mod highlight;
pub mod images;
pub mod json_view;
pub mod log_pane;
pub mod overlays;
pub mod panes;
pub mod status_bar;
pub mod table_grid;
pub mod text;

use crate::app::{App, ScreenLayout};
use crate::output::image::DecodedImage;
use crate::theme::Theme;
use highlight::Highlighter;
use images::ImageView;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::widgets::Block;
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// What drawing needs besides the app state.
pub struct UiContext {
    pub theme: Theme,
    /// How images are drawn; set once the terminal is in raw mode (see `images::make_picker`).
    pub images: OnceLock<Option<ratatui_image::picker::Picker>>,
    /// Filled once the syntaxes are loaded (off the draw path); code is plain until then,
    /// and always with NO_COLOR.
    highlighter: Arc<OnceLock<Highlighter>>,
    /// Terminal views of the images drawn, made once each; the UI's own cache (drawing
    /// writes nothing into the app), dropped with the images.
    image_views: Mutex<Vec<(Weak<DecodedImage>, Arc<ImageView>)>>,
}

impl UiContext {
    /// Plain code until a highlighter is put in `highlighter_slot`.
    pub fn new(theme: Theme) -> UiContext {
        UiContext {
            theme,
            images: OnceLock::new(),
            highlighter: Arc::new(OnceLock::new()),
            image_views: Mutex::new(Vec::new()),
        }
    }

    /// Where a background loader puts the highlighter.
    pub fn highlighter_slot(&self) -> Arc<OnceLock<Highlighter>> {
        self.highlighter.clone()
    }

    /// The terminal view of an image, made on its first draw; `None` when images are off.
    pub fn image_view(&self, image: &Arc<DecodedImage>) -> Option<Arc<ImageView>> {
        let picker = self.images.get()?.as_ref()?;
        let mut views = self.image_views.lock().unwrap_or_else(|p| p.into_inner());
        views.retain(|(image, _)| image.strong_count() > 0);
        if let Some((_, view)) = views.iter().find(|(known, _)| known.as_ptr() == Arc::as_ptr(image)) {
            return Some(view.clone());
        }
        let view = Arc::new(ImageView::new(picker, image));
        views.push((Arc::downgrade(image), view.clone()));
        Some(view)
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
    completion::draw(frame, cells, app, ui, &laid_out);
    laid_out.inspect_last_scroll = overlays::draw(frame, area, app, ui).unwrap_or(app.layout.inspect_last_scroll);
    laid_out
}
