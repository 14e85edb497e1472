//! Watching a Livy session and its statements over time: the polling policy, and the effect
//! runner that does the notebook's IO. It may use `livy`, `notebook` and `output`, and `app`
//! only for the effects it carries out and the events it reports; never the terminal.

pub mod effect_runner;
pub mod poll;

pub use poll::PollInterval;
