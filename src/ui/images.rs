//! Images in outputs, drawn with ratatui-image: the protocol is chosen once at start-up
//! ([`make_picker`]), each image becomes an [`ImageView`] that resizes and encodes only when the
//! area it is drawn in changes size.
//!
//! Halfblocks (coloured `▀` cells) work everywhere, plain ssh and tmux included; kitty, sixel
//! and iTerm2 draw real pixels in terminals that support them.

use crate::output::image::DecodedImage;
use image::imageops::FilterType;
use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui_image::picker::cap_parser::QueryStdioOptions;
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::protocol::StatefulProtocol;
use ratatui_image::{FontSize, Resize, ResizeEncodeRender};
use std::fmt;
use std::io::IsTerminal;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

/// How long the start-up query waits for the terminal to answer (ratatui-image's own default
/// is 2 s).
const QUERY_TIMEOUT: Duration = Duration::from_secs(1);

/// The largest terminal an image is prepared for, in cells: sources bigger than this many
/// cells of the picker's font size are downscaled once, when the view is built.
const MAX_CELLS: (u32, u32) = (512, 256);

/// How images are drawn: `--images auto|kitty|sixel|iterm2|halfblocks|none` and config key `images`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ImageMode {
    /// Detect the protocol at start-up (see [`make_picker`]).
    #[default]
    Auto,
    Kitty,
    Sixel,
    Iterm2,
    /// Coloured `▀` cells: works in any colour terminal, over ssh and in tmux.
    Halfblocks,
    /// No images: outputs show their text form.
    None,
}

impl ImageMode {
    /// Every mode, in the order of the help text.
    pub const ALL: [ImageMode; 6] = [
        ImageMode::Auto,
        ImageMode::Kitty,
        ImageMode::Sixel,
        ImageMode::Iterm2,
        ImageMode::Halfblocks,
        ImageMode::None,
    ];

    /// The name used on the command line and in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageMode::Auto => "auto",
            ImageMode::Kitty => "kitty",
            ImageMode::Sixel => "sixel",
            ImageMode::Iterm2 => "iterm2",
            ImageMode::Halfblocks => "halfblocks",
            ImageMode::None => "none",
        }
    }
}

impl fmt::Display for ImageMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ImageMode {
    type Err = ImageModeError;

    /// Case-insensitive; `off` is accepted for `none`.
    fn from_str(s: &str) -> Result<ImageMode, ImageModeError> {
        let lower = s.trim().to_ascii_lowercase();
        if lower == "off" {
            return Ok(ImageMode::None);
        }
        ImageMode::ALL
            .into_iter()
            .find(|m| m.as_str() == lower)
            .ok_or_else(|| ImageModeError::Unknown(s.to_string()))
    }
}

/// Why `--images` or the config's `images` cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImageModeError {
    /// Not one of [`ImageMode::ALL`] (nor `off`).
    #[error("unknown image mode {0:?}: expected one of {modes}", modes = mode_names())]
    Unknown(String),
}

/// Every mode's name, as the help lists them.
fn mode_names() -> String {
    ImageMode::ALL.map(ImageMode::as_str).join(", ")
}

/// What the environment says about the terminal, read once.
#[derive(Clone, Debug, Default)]
struct Env {
    /// stdin and stdout are both terminals.
    tty: bool,
    term: String,
    term_program: String,
    lc_terminal: String,
    /// `$TMUX` is set.
    tmux: bool,
    /// `ITERM_SESSION_ID` or `WEZTERM_EXECUTABLE` is set (survive into tmux).
    iterm_like: bool,
}

impl Env {
    fn from_process() -> Env {
        let var = |name: &str| std::env::var(name).unwrap_or_default();
        Env {
            tty: std::io::stdin().is_terminal() && std::io::stdout().is_terminal(),
            term: var("TERM"),
            term_program: var("TERM_PROGRAM"),
            lc_terminal: var("LC_TERMINAL"),
            tmux: !var("TMUX").is_empty(),
            iterm_like: !var("ITERM_SESSION_ID").is_empty() || !var("WEZTERM_EXECUTABLE").is_empty(),
        }
    }

    /// The protocol a well-known terminal's variables point to.
    fn hint(&self) -> Option<ProtocolType> {
        for value in [&self.term_program, &self.lc_terminal, &self.term] {
            let v = value.to_ascii_lowercase();
            if v.contains("kitty") || v.contains("ghostty") {
                return Some(ProtocolType::Kitty);
            }
            if v.contains("wezterm") || v.contains("iterm") {
                return Some(ProtocolType::Iterm2);
            }
        }
        self.iterm_like.then_some(ProtocolType::Iterm2)
    }

    fn dumb(&self) -> bool {
        self.term.is_empty() || self.term == "dumb"
    }
}

/// What [`make_picker`] does for a mode in an environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plan {
    /// Halfblocks without asking the terminal anything.
    Halfblocks,
    /// This protocol without asking the terminal (font size guessed).
    Assume(ProtocolType),
    /// Ask the terminal (font size, kitty/sixel support); then use `force` if given.
    Query { force: Option<ProtocolType> },
}

fn plan(mode: ImageMode, env: &Env) -> Option<Plan> {
    let forced = match mode {
        ImageMode::None => return None,
        ImageMode::Halfblocks => return Some(Plan::Halfblocks),
        ImageMode::Kitty => Some(ProtocolType::Kitty),
        ImageMode::Sixel => Some(ProtocolType::Sixel),
        ImageMode::Iterm2 => Some(ProtocolType::Iterm2),
        ImageMode::Auto => None,
    };
    let can_query = env.tty && !env.dumb();
    Some(match forced {
        // The user's choice wins; the query only finds the font size.
        Some(p) if can_query => Plan::Query { force: Some(p) },
        Some(p) => Plan::Assume(p),
        None if !can_query => Plan::Halfblocks,
        None => match env.hint() {
            Some(hint) => Plan::Query { force: Some(hint) },
            // Inside tmux a query needs passthrough and often only finds tmux itself.
            None if env.tmux => Plan::Halfblocks,
            None => Plan::Query { force: None },
        },
    })
}

/// Chooses how images are drawn; `None` for [`ImageMode::None`].
///
/// `Auto` never hangs start-up: it honours hints first (`TERM_PROGRAM` / `LC_TERMINAL` / `TERM`
/// naming kitty, ghostty, WezTerm or iTerm; inside tmux, halfblocks unless such a hint says
/// otherwise); only then queries the terminal (ratatui-image's `Picker::from_query_stdio`, 1 s
/// timeout) and falls back to halfblocks on any error. `TERM=dumb` or no TTY: halfblocks.
/// `Kitty` / `Sixel` / `Iterm2` force that protocol (querying only for the font size).
///
/// **Call once, after raw mode is on and BEFORE the crossterm `EventStream` starts**: the
/// query writes escape sequences to stdout and reads the answers from stdin. If the terminal
/// never answers, ratatui-image's reader thread stays blocked on stdin until the first key
/// press, which it then swallows.
pub fn make_picker(mode: ImageMode) -> Option<Picker> {
    let env = Env::from_process();
    let plan = plan(mode, &env)?;
    let picker = match plan {
        Plan::Halfblocks => Picker::halfblocks(),
        Plan::Assume(protocol) => {
            let mut picker = Picker::halfblocks();
            picker.set_protocol_type(protocol);
            picker
        }
        Plan::Query { force } => {
            let options = QueryStdioOptions {
                timeout: QUERY_TIMEOUT,
                ..QueryStdioOptions::default()
            };
            match Picker::from_query_stdio_with_options(options) {
                Ok(mut picker) => {
                    if let Some(protocol) = force {
                        picker.set_protocol_type(protocol);
                    }
                    // Pixels through tmux need its passthrough wrapping, which ratatui-image
                    // only does when TERM/TERM_PROGRAM say tmux.
                    if env.tmux && !picker.tmux_detected() && mode == ImageMode::Auto {
                        picker.set_protocol_type(ProtocolType::Halfblocks);
                    }
                    picker
                }
                Err(e) => {
                    tracing::info!("images: terminal query failed ({e}); using halfblocks");
                    let mut picker = Picker::halfblocks();
                    if mode != ImageMode::Auto
                        && let Some(protocol) = force
                    {
                        picker.set_protocol_type(protocol);
                    }
                    picker
                }
            }
        }
    };
    let font = picker.font_size();
    tracing::info!(
        "images: mode {mode}, protocol {:?}, font {}×{} px, tmux {}",
        picker.protocol_type(),
        font.width,
        font.height,
        picker.tmux_detected()
    );
    Some(picker)
}

/// One image as drawn in a cell: built from a DecodedImage and the picker; resized to fit an
/// area; keeps its protocol state, so it re-encodes only when the area's size changes.
///
/// Sizing: halfblocks scale the image to the width offered (their resolution is two pixels
/// per cell, so a plot is never shown smaller than it could be); pixel protocols show it at
/// its natural size, shrunk to fit, never enlarged. Both keep the aspect ratio at the
/// picker's font size.
pub struct ImageView {
    state: Mutex<ViewState>,
    resize: Resize,
    protocol: ProtocolType,
}

struct ViewState {
    protocol: StatefulProtocol,
    /// The size whose encoding failed, and why: not retried every frame.
    failed: Option<(Size, String)>,
}

impl ImageView {
    /// Downscales very large images once (to at most `MAX_CELLS` cells of the font size) and
    /// prepares the protocol; no encoding yet. Costs a resize for huge images: build it once
    /// per output, not per frame.
    pub fn new(picker: &Picker, image: &DecodedImage) -> ImageView {
        let font = picker.font_size();
        let (max_w, max_h) = max_pixels(font);
        let source = if image.width > max_w || image.height > max_h {
            image.image.resize(max_w, max_h, FilterType::Triangle)
        } else {
            image.image.clone()
        };
        let protocol = picker.protocol_type();
        let resize = match protocol {
            ProtocolType::Halfblocks => Resize::Scale(Some(FilterType::Triangle)),
            _ => Resize::Fit(Some(FilterType::Triangle)),
        };
        ImageView {
            state: Mutex::new(ViewState {
                protocol: picker.new_resize_protocol(source),
                failed: None,
            }),
            resize,
            protocol,
        }
    }

    /// The protocol it draws with.
    pub fn protocol(&self) -> ProtocolType {
        self.protocol
    }

    /// The cells the image covers when offered `width` columns and at most `max_rows` rows
    /// (aspect ratio kept at the picker's font size). Zero when either is zero.
    pub fn size_for(&self, width: u16, max_rows: u16) -> Size {
        if width == 0 || max_rows == 0 {
            return Size::new(0, 0);
        }
        let size = self
            .lock()
            .protocol
            .size_for(self.resize.clone(), Size::new(width, max_rows));
        Size::new(size.width.clamp(1, width), size.height.clamp(1, max_rows))
    }

    /// Rows it wants at this width (keep the aspect ratio using the picker's font size; at most max_rows).
    pub fn height_for(&self, width: u16, max_rows: u16) -> u16 {
        self.size_for(width, max_rows).height
    }

    /// Why the last encoding failed, if it did.
    pub fn error(&self) -> Option<String> {
        self.lock().failed.as_ref().map(|(_, e)| e.clone())
    }

    /// Draws into area, at its top-left corner, as large as fits (callable from a `&self` draw;
    /// the protocol state is behind a mutex). Resizes and encodes only when the size it gets
    /// differs from the last one; an encoding error is shown as one line instead of pixels.
    pub fn render(&self, frame_area: Rect, buf: &mut Buffer) {
        let area = frame_area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let mut state = self.lock();
        let state = &mut *state;
        if let Some(size) = state.protocol.needs_resize(&self.resize, area.as_size()) {
            let failed_before = state.failed.as_ref().is_some_and(|(s, _)| *s == size);
            if !failed_before {
                state.protocol.resize_encode(&self.resize, size);
                state.failed = match state.protocol.last_encoding_result() {
                    Some(Err(e)) => {
                        tracing::warn!("images: cannot encode for {:?}: {e}", self.protocol);
                        Some((size, e.to_string()))
                    }
                    _ => None,
                };
            }
        }
        match &state.failed {
            Some((_, e)) => {
                let text = format!("[image not shown: {e}]");
                buf.set_stringn(
                    area.x,
                    area.y,
                    text,
                    usize::from(area.width),
                    ratatui::style::Style::default(),
                );
            }
            None => state.protocol.render(area, buf),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ViewState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for ImageView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImageView")
            .field("protocol", &self.protocol)
            .field("resize", &self.resize)
            .finish_non_exhaustive()
    }
}

/// The largest source image worth keeping for this font size, in pixels.
fn max_pixels(font: FontSize) -> (u32, u32) {
    (
        MAX_CELLS.0 * u32::from(font.width.max(1)),
        MAX_CELLS.1 * u32::from(font.height.max(1)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(term: &str) -> Env {
        Env {
            tty: true,
            term: term.into(),
            ..Env::default()
        }
    }

    #[test]
    fn parses_modes() {
        for mode in ImageMode::ALL {
            assert_eq!(mode.as_str().parse::<ImageMode>(), Ok(mode));
            assert_eq!(mode.to_string().to_uppercase().parse::<ImageMode>(), Ok(mode));
        }
        assert_eq!(" Sixel ".parse::<ImageMode>(), Ok(ImageMode::Sixel));
        assert_eq!("off".parse::<ImageMode>(), Ok(ImageMode::None));
        assert_eq!(ImageMode::default(), ImageMode::Auto);
        let e = "png".parse::<ImageMode>().unwrap_err();
        assert_eq!(e, ImageModeError::Unknown("png".into()));
        assert_eq!(
            e.to_string(),
            r#"unknown image mode "png": expected one of auto, kitty, sixel, iterm2, halfblocks, none"#
        );
    }

    #[test]
    fn halfblocks_picker_needs_no_terminal() {
        let picker = make_picker(ImageMode::Halfblocks).unwrap();
        assert_eq!(picker.protocol_type(), ProtocolType::Halfblocks);
        assert!(make_picker(ImageMode::None).is_none());
    }

    #[test]
    fn auto_plan_honours_hints_and_never_queries_blind() {
        let auto = |e: &Env| plan(ImageMode::Auto, e).unwrap();
        // Not a terminal, or a dumb one: no query.
        assert_eq!(
            auto(&Env {
                tty: false,
                ..env("xterm-kitty")
            }),
            Plan::Halfblocks
        );
        assert_eq!(auto(&env("dumb")), Plan::Halfblocks);
        assert_eq!(auto(&env("")), Plan::Halfblocks);
        // Hints.
        let kitty = Plan::Query {
            force: Some(ProtocolType::Kitty),
        };
        let iterm = Plan::Query {
            force: Some(ProtocolType::Iterm2),
        };
        assert_eq!(auto(&env("xterm-kitty")), kitty);
        assert_eq!(auto(&env("xterm-ghostty")), kitty);
        let e = Env {
            term_program: "WezTerm".into(),
            ..env("xterm-256color")
        };
        assert_eq!(auto(&e), iterm);
        let e = Env {
            term_program: "iTerm.app".into(),
            ..env("xterm-256color")
        };
        assert_eq!(auto(&e), iterm);
        // tmux: halfblocks unless a hint says otherwise.
        let tmux = Env {
            tmux: true,
            term_program: "tmux".into(),
            ..env("tmux-256color")
        };
        assert_eq!(auto(&tmux), Plan::Halfblocks);
        let e = Env {
            lc_terminal: "iTerm2".into(),
            ..tmux.clone()
        };
        assert_eq!(auto(&e), iterm);
        let e = Env {
            iterm_like: true,
            ..tmux
        };
        assert_eq!(auto(&e), iterm);
        // No hint, a real terminal outside tmux: ask it.
        assert_eq!(auto(&env("xterm-256color")), Plan::Query { force: None });
    }

    #[test]
    fn forced_modes_win() {
        let sixel = plan(ImageMode::Sixel, &env("xterm-kitty")).unwrap();
        assert_eq!(
            sixel,
            Plan::Query {
                force: Some(ProtocolType::Sixel)
            }
        );
        let no_tty = Env {
            tty: false,
            ..env("xterm")
        };
        assert_eq!(plan(ImageMode::Kitty, &no_tty), Some(Plan::Assume(ProtocolType::Kitty)));
        assert_eq!(plan(ImageMode::Halfblocks, &env("xterm-kitty")), Some(Plan::Halfblocks));
        assert_eq!(plan(ImageMode::None, &env("xterm-kitty")), None);
    }

    #[test]
    fn view_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<ImageView>();
    }

    #[test]
    fn sizes_keep_the_aspect_ratio() {
        let picker = Picker::halfblocks(); // font 10×20
        let img = DecodedImage {
            image: image::DynamicImage::new_rgb8(400, 300),
            width: 400,
            height: 300,
            png: Default::default(),
        };
        let view = ImageView::new(&picker, &img);
        // 80 columns = 800 px wide → 600 px tall = 30 rows.
        assert_eq!(view.size_for(80, 100), Size::new(80, 30));
        assert_eq!(view.height_for(80, 10), 10);
        assert_eq!(view.height_for(0, 10), 0);
        assert_eq!(view.height_for(80, 0), 0);
        // A huge source is downscaled once, keeping its shape.
        let big = DecodedImage {
            image: image::DynamicImage::new_rgb8(16_000, 400),
            width: 16_000,
            height: 400,
            png: Default::default(),
        };
        let view = ImageView::new(&picker, &big);
        let size = view.size_for(200, 50);
        // 200 columns = 2000 px wide → 50 px tall = 2.5 rows, rounded up.
        assert_eq!(size, Size::new(200, 3));
    }
}
