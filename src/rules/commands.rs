//! What `syncsift rules list`, `syncsift rules check [DIR]` and `syncsift explain <id>` print.
//! Offline: everything comes from the catalogue.

use crate::report::Severity;
use crate::rules::catalogue::{Catalogue, Rule};
use crate::sanitize::inert;
use std::io::{self, Write};

/// The lowercase name of a severity, as in the JSON output.
pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// One line per rule: id, severity, product, title.
///
/// # Errors
/// When writing fails.
pub fn list(catalogue: &Catalogue, out: &mut dyn Write) -> io::Result<()> {
    let width = catalogue
        .rules()
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(0);
    for rule in catalogue.rules() {
        writeln!(
            out,
            "{:<width$}  {:<8}  {:<12}  {}",
            rule.id,
            severity_name(rule.severity),
            rule.product,
            inert(&rule.title)
        )?;
    }
    writeln!(out, "{} rules", catalogue.rules().len())
}

/// Every signature literal of the catalogue (scoped to providers or not), sorted, one per line:
/// the same strings the matcher searches for (ASCII case-insensitively), for comparisons with
/// `rg -i -F -f`.
///
/// # Errors
/// When writing fails.
pub fn literals(catalogue: &Catalogue, out: &mut dyn Write) -> io::Result<()> {
    let terms = crate::rules::engine::terms(catalogue);
    let mut all: Vec<&str> = terms
        .literals
        .iter()
        .chain(terms.scoped_literals.iter().flat_map(|(_, l)| l))
        .map(String::as_str)
        .filter(|l| !l.contains(['\r', '\n']))
        .collect();
    all.sort_unstable();
    all.dedup();
    for literal in all {
        writeln!(out, "{literal}")?;
    }
    Ok(())
}

/// Title, explanation, remediation and links of one rule.
///
/// # Errors
/// When writing fails.
pub fn explain(rule: &Rule, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}  ({})", rule.id, severity_name(rule.severity))?;
    writeln!(out, "{}", inert(&rule.title))?;
    writeln!(out, "Product: {}", rule.product)?;
    writeln!(out)?;
    writeln!(out, "WHY")?;
    for line in wrap(&rule.explanation, 96) {
        writeln!(out, "  {line}")?;
    }
    writeln!(out)?;
    writeln!(out, "WHAT TO DO")?;
    for (n, step) in rule.remediation.iter().enumerate() {
        let mut lines = wrap(step, 92).into_iter();
        if let Some(first) = lines.next() {
            writeln!(out, "  {}. {first}", n + 1)?;
        }
        for more in lines {
            writeln!(out, "     {more}")?;
        }
    }
    if !rule.links.is_empty() {
        writeln!(out)?;
        writeln!(out, "READ MORE")?;
        for link in &rule.links {
            writeln!(out, "  {}: {}", inert(&link.title), link.url)?;
        }
    }
    Ok(())
}

/// Greedy word wrap.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split("\n\n") {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&inert(word));
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}
