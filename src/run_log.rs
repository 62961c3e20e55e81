//! What `-v/--verbose` writes to stderr: how long each phase took and what became of every input,
//! so an engineer piping a JSON report to a file still sees what was read and what was not.

use crate::report::{Disposition, Report};
use crate::sanitize;
use std::io::{self, Write};
use std::time::Duration;

/// Wall-clock time of each phase of one run.
#[derive(Debug, Default, Clone, Copy)]
pub struct PhaseTimes {
    /// Loading and checking the rule catalogue.
    pub catalogue: Duration,
    /// Discovering and reading every input into the timeline.
    pub read: Duration,
    /// Applying the rules.
    pub diagnose: Duration,
    /// Redaction, time window and rendering every format.
    pub report: Duration,
}

/// Writes the verbose run log: one line per input, then the phase times.
pub fn write(
    report: &Report,
    rules: usize,
    times: &PhaseTimes,
    out: &mut dyn Write,
) -> io::Result<()> {
    for input in &report.inputs {
        let what = match input.disposition {
            Disposition::Parsed => format!(
                "{} entries, {} kept, {} facts{}",
                input.entries,
                input.kept,
                input.facts,
                match input.problem_count {
                    0 => String::new(),
                    n => format!(", {n} problem(s)"),
                }
            ),
            Disposition::Container | Disposition::Skipped | Disposition::Failed => {
                input.reason.clone().unwrap_or_default()
            }
        };
        let format = input
            .format
            .as_deref()
            .map(|f| format!(" [{f}]"))
            .unwrap_or_default();
        let what = if what.is_empty() {
            String::new()
        } else {
            format!(": {}", sanitize::one_line(&what, 300))
        };
        writeln!(
            out,
            "syncsift: {:<9} {}{format}{what}",
            disposition_word(input.disposition),
            sanitize::inert(&input.path),
        )?;
    }
    let summary = &report.summary;
    writeln!(
        out,
        "syncsift: {} input(s) parsed, {} skipped, {} failed; {} entries, {} on the timeline; \
         {} rule(s), {} finding(s)",
        summary.parsed,
        summary.skipped,
        summary.failed,
        summary.entries,
        summary.timeline_entries,
        rules,
        report.findings.len(),
    )?;
    writeln!(
        out,
        "syncsift: time: catalogue {}, read {}, diagnose {}, report {}",
        seconds(times.catalogue),
        seconds(times.read),
        seconds(times.diagnose),
        seconds(times.report),
    )
}

fn disposition_word(disposition: Disposition) -> &'static str {
    match disposition {
        Disposition::Parsed => "parsed",
        Disposition::Container => "container",
        Disposition::Skipped => "skipped",
        Disposition::Failed => "failed",
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.3}s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_have_millisecond_precision() {
        assert_eq!(seconds(Duration::from_millis(1234)), "1.234s");
        assert_eq!(disposition_word(Disposition::Skipped), "skipped");
    }
}
