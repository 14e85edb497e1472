//! livy-tui: a terminal notebook and command-line client for Apache Livy.
//!
//! Layers (see DESIGN.md): `livy` is the REST client and knows nothing of terminals;
//! `output` turns statement outputs into a render model; `session` polls sessions and statements
//! and runs the notebook's effects; `server` speaks the Livy protocol (the test server now,
//! `livy-tui serve` later); `cli` holds the headless commands.

pub mod app;
pub mod cli;
pub mod config;
pub mod human;
pub mod livy;
pub mod logging;
pub mod notebook;
pub mod output;
pub mod server;
pub mod session;
pub mod theme;
pub mod tui;
pub mod ui;
