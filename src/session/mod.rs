//! Watching sessions and statements over time (polling policy now; the notebook's tasks later).

pub mod poll;
pub mod tasks;

pub use poll::PollInterval;
