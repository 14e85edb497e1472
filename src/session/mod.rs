//! Watching a Livy session and its statements over time: the polling policy, the statement
//! follower shared by the notebook and the headless commands, the log follower (only the
//! lines not seen yet), and the effect runner that does the notebook's IO. It may use `livy`, `notebook` and `output`, and `app`
//! only for the effects it carries out and the events it reports; never the terminal.

mod completion;
pub mod effect_runner;
pub mod log_follow;
pub mod pane_watch;
pub mod poll;
pub mod statement_follower;

pub use poll::{PollInterval, StatementPace};
pub use statement_follower::{FinishedStatement, Observation, StatementFollower};
