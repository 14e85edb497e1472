//! What the integration tests share: the test Livy server from the library
//! (`livy_tui::testing`, re-exported here so tests say `support::TestLivy`), plus helpers
//! only tests use: a tmux pane for end-to-end runs and the real-PySpark finder.
#![allow(dead_code)]

pub mod pyspark;
pub mod tmux;

// Unused in the test files that need only tmux or PySpark.
#[allow(unused_imports)]
pub use livy_tui::testing::*;
