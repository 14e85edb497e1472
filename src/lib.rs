//! livy-tui: a terminal notebook and command-line client for Apache Livy.
//!
//! # Where things live
//!
//! ```text
//! main.rs ─► cli/ ─────────────┬─► livy/      REST client: types, requests, errors, retries
//!  parse,     the commands:    │               (knows nothing of terminals)
//!  logging    exec run export  ├─► session/   polling policy, the statement follower, and the
//!             sessions batch   │               notebook's effect runner (tokio tasks)
//!             serve local      ├─► notebook/  .ipynb and percent scripts, cell → statement,
//!             notebook ──┐     │               %%configure, recovery copies (no terminal, no network)
//!                        │     ├─► output/    statement output → render model (tables, JSON,
//!                        │     │               images, sanitizing); no ratatui
//!                        │     ├─► profile/   connection settings (profile < env < flags),
//!                        │     │               session/batch defaults, sparkmagic import
//!                        │     └─► server/    a Livy-compatible server: `serve`, `--local`
//!                        ▼
//!                      tui/   the event loop: terminal input and task reports in, effects out,
//!                        │     one draw per burst
//!            ┌───────────┴──────────┐
//!            ▼                      ▼
//!          app/  state + update    ui/  draws `&App` (ratatui); returns layout facts
//! config.rs  the config file, typed when read      theme.rs  themes/*.toml
//! human.rs   numbers, durations, dates for people   logging.rs  log file set-up
//! testing/   the test Livy server (feature `testing`: tests, examples, benches)
//! ```
//!
//! # How data flows (one way)
//!
//! ```text
//! terminal event / task report ──► App::update(AppEvent) ──► Vec<Effect>
//!        ▲                                                      │
//!        └──── AppEvent ◄──── session::effect runner tasks ◄────┘
//! ui::draw(&App) ──► ScreenLayout ──► AppEvent::Drawn (layout facts the update needs)
//! ```
//!
//! # Rules
//!
//! - `livy` knows nothing of terminals; `output` and `notebook` know nothing of ratatui.
//! - `app` does not import `ui`; it decides, and asks for IO with an [`app::Effect`].
//! - `ui` only reads: it never writes into `App` (no `Cell`/`RefCell` written during a draw).
//!   What a frame learns (first visible cell, click targets, scroll limits) goes back as
//!   `AppEvent::Drawn`; caches of the UI's own (image views) live in `ui::UiContext`.
//! - Nothing on the UI loop awaits the network or the disk, or parses big outputs: effects
//!   run on tasks and workers and report back with events.
//! - Everything from a server is untrusted: it goes through `output::sanitize` before it
//!   reaches a terminal.
//! - Errors that cross a module are `thiserror` enums whose `Display` is one line a user can
//!   act on.
//!
//! Which file a change belongs in: a new key or command → `app/command.rs` (one table); its
//! behaviour → `app/commands.rs` (`app/output_commands.rs` for an output key, `app/overlay.rs`
//! for a dialog); new state → the `app` value it belongs to (`App::notebook`, a `Cell`'s
//! `output` or `view`, …; see `app`); how it looks → `ui/`; a new request →
//! `livy/client.rs` (a vendor's difference → `livy/flavor.rs`, an auth scheme →
//! `livy/spnego/` or `cli/connection.rs`); a new config key → `config.rs` (a connection setting →
//! `profile/settings.rs` and `profile/file.rs`, with its flag in `cli/args.rs`); a new headless
//! command → `cli/` (flags in `cli/args.rs`).

pub mod app;
pub mod cli;
pub mod config;
pub mod human;
pub mod livy;
pub mod logging;
pub mod notebook;
pub mod output;
pub mod profile;
pub mod server;
pub mod session;
#[cfg(feature = "testing")]
pub mod testing;
pub mod theme;
pub mod tui;
pub mod ui;
