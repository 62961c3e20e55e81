//! Every text of a report that can hold personal or tenant data, visited in one fixed order: inputs
//! (paths, reasons, problems), facts (sections, sources, values), timeline entries (computer,
//! message, field values), findings (evidence provenance and text, details). What stays is said
//! here too: fact keys, field names, providers and channels, and the catalogue texts of findings
//! (id, title, explanation, remediation, links), which never come from the bundle.

use crate::redact::text::{Session, Slot};
use crate::report::Report;

/// Lets the session learn from every text, in walk order.
pub fn learn(report: &Report, session: &mut Session<'_>) {
    for input in &report.inputs {
        session.learn(&input.path, Slot::Path);
        for text in input.reason.iter().chain(&input.problems) {
            session.learn(text, Slot::Text);
        }
    }
    for fact in &report.facts {
        session.learn(&fact.source, Slot::Path);
        if let Some(section) = &fact.section {
            session.learn(section, Slot::Text);
        }
        session.learn(&keyed(&fact.key, &fact.value), Slot::Text);
    }
    for entry in report.timeline.entries() {
        let record = &entry.record;
        if let Some(computer) = &record.computer {
            session.learn(computer, Slot::Computer);
        }
        session.learn(&record.message, Slot::Text);
        for (name, value) in &record.fields {
            session.learn(&keyed(name, value), Slot::Text);
        }
    }
    for finding in &report.findings {
        for evidence in &finding.evidence {
            session.learn(&evidence.provenance, Slot::Path);
            session.learn(&evidence.text, Slot::Text);
        }
        for (name, values) in &finding.details {
            for value in values {
                session.learn(&keyed(name, value), Slot::Text);
            }
        }
    }
}

/// Replaces every value in every text, in walk order.
pub fn replace(report: &mut Report, session: &mut Session<'_>) {
    for input in &mut report.inputs {
        redact_in_place(session, &mut input.path);
        if let Some(reason) = &mut input.reason {
            redact_in_place(session, reason);
        }
        for problem in &mut input.problems {
            redact_in_place(session, problem);
        }
    }
    for fact in &mut report.facts {
        redact_in_place(session, &mut fact.source);
        if let Some(section) = &mut fact.section {
            redact_in_place(session, section);
        }
        redact_value(session, &fact.key, &mut fact.value);
    }
    for entry in report.timeline.entries_mut() {
        let record = &mut entry.record;
        if let Some(computer) = &mut record.computer {
            redact_in_place(session, computer);
        }
        redact_in_place(session, &mut record.message);
        for (name, value) in &mut record.fields {
            redact_value(session, name, value);
        }
    }
    for finding in &mut report.findings {
        for evidence in &mut finding.evidence {
            redact_in_place(session, &mut evidence.provenance);
            redact_in_place(session, &mut evidence.text);
        }
        for (name, values) in &mut finding.details {
            for value in values {
                redact_value(session, name, value);
            }
        }
    }
}

fn redact_in_place(session: &mut Session<'_>, text: &mut String) {
    if let Some(redacted) = session.redact(text) {
        *text = redacted;
    }
}

/// `key: value`, so that the key tells what the value is (`sAMAccountName: jdoe`).
fn keyed(key: &str, value: &str) -> String {
    format!("{key}: {value}")
}

/// Redacts a value in the light of its key; the key itself stays.
fn redact_value(session: &mut Session<'_>, key: &str, value: &mut String) {
    let prefix = format!("{key}: ");
    let Some(redacted) = session.redact(&keyed(key, value)) else {
        return;
    };
    match redacted.strip_prefix(&prefix) {
        Some(rest) => *value = rest.to_owned(),
        // A replacement reached into the key: redact the value alone.
        None => redact_in_place(session, value),
    }
}
