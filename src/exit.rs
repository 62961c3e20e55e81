//! Exit codes, in one place. `--help` and the README document the same numbers.

use std::process::ExitCode;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Analysed; every input that could be read was read.
    Analysed,
    /// Bad flags or values (clap reports these itself with the same code).
    Usage,
    /// Nothing could be read: every input failed or was skipped.
    NothingRead,
    /// Analysed, but some inputs could not be read.
    SomeInputsFailed,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Analysed => 0,
            Outcome::Usage => 2,
            Outcome::NothingRead => 3,
            Outcome::SomeInputsFailed => 4,
        }
    }
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        ExitCode::from(outcome.code())
    }
}
