//! How a command fails: one line for the user and an exit code.

use crate::livy::{ErrorKind, LivyError};
use std::fmt;

/// Exit code for a failure the user caused (bad flags, config or input).
pub const EXIT_USAGE: u8 = 2;
/// Exit code for "something failed" (server error, failed statement or batch).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code after Ctrl-C, as shells expect.
pub const EXIT_INTERRUPTED: u8 = 130;

/// A command's failure, already worded for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    /// Bad input from the user.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: EXIT_USAGE,
        }
    }

    /// Anything else that went wrong.
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: EXIT_FAILURE,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<LivyError> for Failure {
    fn from(e: LivyError) -> Self {
        let code = if e.kind == ErrorKind::Usage {
            EXIT_USAGE
        } else {
            EXIT_FAILURE
        };
        Self {
            message: e.to_string(),
            code,
        }
    }
}

/// What a command returns: its exit code, or a failure to print.
pub type CliResult = Result<u8, Failure>;
