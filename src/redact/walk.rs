//! Every text of a report that can hold personal or tenant data, visited in one fixed order: inputs
//! (paths, reasons, problems), facts (sources, sections, values), timeline entries (computer,
//! message, field values), findings (evidence provenance and text, details). What stays is said
//! here too: fact keys, field names, providers and channels, and the catalogue texts of findings
//! (id, title, explanation, remediation, links), which never come from the bundle.
//!
//! Both passes (learn, replace) go through the one visitor [`visit`], so they see the same texts in
//! the same order; the candidates found in the first pass (in parallel) are reused by the second.

use crate::redact::detect::{Candidate, Detectors};
use crate::redact::text::{Session, Slot};
use crate::report::Report;
use rayon::prelude::*;

/// One text of the report, as the visitor hands it out.
enum Text<'a> {
    /// A text on its own.
    Plain(Slot, &'a mut String),
    /// A value under a key that stays; the key tells what the value is (`sAMAccountName: jdoe`).
    Keyed(&'a str, &'a mut String),
}

impl Text<'_> {
    /// The text that is searched: `key: value` for keyed values.
    fn searched(&self) -> String {
        match self {
            Text::Plain(_, text) => (*text).clone(),
            Text::Keyed(key, value) => keyed(key, value),
        }
    }

    fn slot(&self) -> Slot {
        match self {
            Text::Plain(slot, _) => *slot,
            Text::Keyed(..) => Slot::Text,
        }
    }
}

/// Calls `f` for every text of `report`, in the fixed order.
fn visit(report: &mut Report, f: &mut dyn FnMut(Text<'_>)) {
    for input in &mut report.inputs {
        f(Text::Plain(Slot::Path, &mut input.path));
        if let Some(reason) = &mut input.reason {
            f(Text::Plain(Slot::Text, reason));
        }
        for problem in &mut input.problems {
            f(Text::Plain(Slot::Text, problem));
        }
    }
    for fact in &mut report.facts {
        f(Text::Plain(Slot::Path, &mut fact.source));
        if let Some(section) = &mut fact.section {
            f(Text::Plain(Slot::Text, section));
        }
        f(Text::Keyed(&fact.key, &mut fact.value));
    }
    for entry in report.timeline.entries_mut() {
        let record = &mut entry.record;
        if let Some(computer) = &mut record.computer {
            f(Text::Plain(Slot::Computer, computer));
        }
        f(Text::Plain(Slot::Text, &mut record.message));
        for (name, value) in &mut record.fields {
            f(Text::Keyed(name, value));
        }
    }
    for finding in &mut report.findings {
        for evidence in &mut finding.evidence {
            f(Text::Plain(Slot::Path, &mut evidence.provenance));
            f(Text::Plain(Slot::Text, &mut evidence.text));
        }
        for (name, values) in &mut finding.details {
            for value in values {
                f(Text::Keyed(name, value));
            }
        }
    }
}

/// Learns from every text, then replaces every value in every text.
pub fn redact(report: &mut Report, detectors: &Detectors, session: &mut Session<'_>) {
    let mut texts: Vec<(Slot, String)> = Vec::new();
    visit(report, &mut |text| {
        texts.push((text.slot(), text.searched()))
    });
    let candidates: Vec<Vec<Candidate>> = texts
        .par_iter()
        .map(|(_, text)| detectors.candidates(text))
        .collect();
    for ((slot, text), found) in texts.iter().zip(&candidates) {
        session.learn_with(text, *slot, found);
    }
    session.finish_learning();
    drop(texts);
    let mut found = candidates.into_iter();
    visit(report, &mut |text| {
        let candidates = found.next().unwrap_or_default();
        match text {
            Text::Plain(_, text) => {
                if let Some(redacted) = session.redact_with(text, candidates) {
                    *text = redacted;
                }
            }
            Text::Keyed(key, value) => {
                let searched = keyed(key, value);
                let Some(redacted) = session.redact_with(&searched, candidates) else {
                    return;
                };
                match redacted.strip_prefix(&format!("{key}: ")) {
                    Some(rest) => *value = rest.to_owned(),
                    // A replacement reached into the key: redact the value alone.
                    None => {
                        if let Some(alone) = session.redact(value) {
                            *value = alone;
                        }
                    }
                }
            }
        }
    });
}

/// `key: value`, so that the key tells what the value is.
fn keyed(key: &str, value: &str) -> String {
    format!("{key}: {value}")
}
