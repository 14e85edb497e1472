//! livy-tui: a terminal notebook and command-line client for Apache Livy.
//!
//! Layers (see DESIGN.md): `livy` is the REST client and knows nothing of terminals;
//! `server` speaks the Livy protocol (the test server now, `livy-tui serve` later);
//! `cli` holds the headless commands.

pub mod livy;
pub mod server;
