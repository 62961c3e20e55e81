//! Exit codes, in one place. `--help` and the README document the same numbers.

use crate::report::{Report, Severity};
use std::process::ExitCode;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Analysed; every input that could be read was read.
    Analysed,
    /// Analysed, with a finding at or above the `--fail-on` severity.
    FindingsAtOrAbove,
    /// Bad flags or values (clap reports these itself with the same code).
    Usage,
    /// Nothing could be read: every input failed or was skipped.
    NothingRead,
    /// Analysed, but some inputs could not be read.
    SomeInputsFailed,
    /// The run itself stopped: the report could not be written (no such folder, no permission,
    /// disk full) or another error outside any one input.
    RunFailed,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Analysed => 0,
            Outcome::FindingsAtOrAbove => 1,
            Outcome::Usage => 2,
            Outcome::NothingRead => 3,
            Outcome::SomeInputsFailed => 4,
            Outcome::RunFailed => 5,
        }
    }
}

/// True when a finding is at least as severe as `threshold` (`Critical` is the most severe).
pub fn has_finding_at_or_above(report: &Report, threshold: Severity) -> bool {
    // Severity orders from most to least severe.
    report.findings.iter().any(|f| f.severity <= threshold)
}

impl Outcome {
    /// How a run that produced `report` ended. Nothing read beats everything; a `--fail-on` match
    /// beats failed inputs, since it is what the caller asked to be told about.
    pub fn of(report: &Report, fail_on: Option<Severity>) -> Outcome {
        if report.summary.parsed == 0 {
            Outcome::NothingRead
        } else if fail_on.is_some_and(|threshold| has_finding_at_or_above(report, threshold)) {
            Outcome::FindingsAtOrAbove
        } else if report.has_failures() {
            Outcome::SomeInputsFailed
        } else {
            Outcome::Analysed
        }
    }
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        ExitCode::from(outcome.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::sample_report;

    #[test]
    fn fail_on_compares_severity_at_or_above() {
        // The fixture has a critical and an error finding, and one failed input.
        let mut report = sample_report();
        assert_eq!(
            Outcome::of(&report, Some(Severity::Critical)),
            Outcome::FindingsAtOrAbove
        );
        assert_eq!(Outcome::of(&report, None), Outcome::SomeInputsFailed);
        report.findings.retain(|f| f.severity == Severity::Error);
        assert_eq!(
            Outcome::of(&report, Some(Severity::Critical)),
            Outcome::SomeInputsFailed
        );
        assert_eq!(
            Outcome::of(&report, Some(Severity::Warning)),
            Outcome::FindingsAtOrAbove
        );
        report.summary.parsed = 0;
        assert_eq!(
            Outcome::of(&report, Some(Severity::Info)),
            Outcome::NothingRead
        );
    }
}
