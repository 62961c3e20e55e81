//! The rule-file format as written on disk: serde structures for `[[rule]]` tables and their
//! `[[rule.match]]` clauses. Only shape lives here; meaning and validation are in `catalogue.rs`.
//!
//! Every table denies unknown fields, so a misspelt key is an error naming the key and its line.
//! Fields whose values are checked after parsing (ids, kinds, regexes) keep their source span.

use crate::report::{Confidence, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// One rule file: a list of `[[rule]]` tables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// The rules, in file order.
    #[serde(default)]
    pub rule: Vec<RuleDef>,
}

/// One `[[rule]]`: a cause, how to recognise it and what to do about it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// Stable cause id (public API).
    pub id: Spanned<String>,
    /// One-line title.
    pub title: String,
    /// `connect-sync`, `cloud-sync` or `both`.
    pub product: Spanned<String>,
    /// How bad the cause is.
    pub severity: Severity,
    /// Confidence of a match when the clause does not say (default `high`).
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// Root-cause priority among findings of the same severity: lower ranks first (default 50).
    #[serde(default)]
    pub priority: Option<u32>,
    /// Ids of causes this one explains: when both fire, this one is ranked first.
    #[serde(default)]
    pub root_of: Vec<Spanned<String>>,
    /// Why it happens.
    pub explanation: String,
    /// What to do, in order.
    pub remediation: Vec<String>,
    /// Where to read more.
    #[serde(default)]
    pub links: Vec<LinkDef>,
    /// The clauses; the rule fires when any of them matches.
    #[serde(rename = "match")]
    pub matches: Vec<Spanned<MatchDef>>,
}

/// A documentation link.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkDef {
    /// Link text.
    pub title: String,
    /// Absolute URL.
    pub url: Spanned<String>,
}

/// One `[[rule.match]]` clause. One flat table for every kind, so that unknown keys are reported at
/// their own line; `catalogue.rs` checks which keys each kind accepts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchDef {
    /// `event`, `signature`, `state`, `absence` or `gap`.
    pub kind: Spanned<String>,
    /// Event providers (event, absence, gap) or the providers a signature is limited to.
    #[serde(default)]
    pub providers: Vec<String>,
    /// Event ids (event, absence, gap) or the ids a signature is limited to.
    #[serde(default)]
    pub events: Vec<u32>,
    /// Literals (signature: any of them selects the entry; event: the text must contain one).
    #[serde(default)]
    pub literals: Vec<String>,
    /// Literals that disqualify an entry.
    #[serde(default)]
    pub excludes: Vec<String>,
    /// A regex that must match too; its named groups become finding details.
    #[serde(default)]
    pub regex: Option<Spanned<String>>,
    /// Further regexes that only capture details.
    #[serde(default)]
    pub capture: Vec<Spanned<String>>,
    /// Record fields copied into the details: `{ detail name = "FieldName" }`.
    #[serde(default)]
    pub capture_fields: BTreeMap<String, String>,
    /// Fact keys (state).
    #[serde(default)]
    pub keys: Vec<String>,
    /// Accepted fact values, compared case-insensitively (state).
    #[serde(default)]
    pub equals: Vec<String>,
    /// Absence: the window before the end of the evidence that must hold an event of the set.
    #[serde(default)]
    pub window_minutes: Option<u32>,
    /// Gap: longest normal time between two events of the set.
    #[serde(default)]
    pub max_gap_minutes: Option<u32>,
    /// Absence/gap precondition: providers whose events show the feature is in use.
    #[serde(default)]
    pub requires_providers: Vec<String>,
    /// Absence/gap precondition: event ids of `requires_providers` (any id when empty).
    #[serde(default)]
    pub requires_events: Vec<u32>,
    /// Absence/gap precondition, alternative: a fact `{ key, equals }` that shows the feature is on.
    #[serde(default)]
    pub requires_fact: Option<FactDef>,
    /// Confidence of this clause's matches (default: the rule's).
    #[serde(default)]
    pub confidence: Option<Confidence>,
}

/// A fact condition.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactDef {
    /// Fact keys (any).
    pub keys: Vec<String>,
    /// Accepted values, case-insensitive.
    pub equals: Vec<String>,
}
