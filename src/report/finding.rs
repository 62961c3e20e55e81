//! A diagnosed cause as the report carries it: what, how sure, when, the evidence and what to do.
//!
//! Filled by the rule engine (`crate::rules`), read by every renderer and by redaction. Only data
//! here: no matching, no rendering.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How bad a cause is for the sync service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Sync is stopped or will stop (service cannot start, database full).
    Critical,
    /// Part of sync fails (objects not exported, passwords not synced).
    Error,
    /// Degraded or at risk.
    Warning,
    /// Worth knowing; retried or harmless.
    Info,
}

/// How sure the engine is that the cause applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The evidence names the cause (verbatim text, status or setting).
    High,
    /// The evidence fits the cause but could have another reason.
    Medium,
    /// A hint only (e.g. absence of events that could be explained by a short bundle).
    Low,
}

/// One piece of evidence for a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Index of the timeline entry, when the evidence is an entry.
    pub entry: Option<usize>,
    /// Time of the evidence (RFC 3339, UTC) when it has one.
    pub time: Option<String>,
    /// `bundle.zip!/Trace/x.log:120`, `...System.evtx#record 4711`, or a fact's `file:line`.
    pub provenance: String,
    /// What the evidence says (message, or `key : value` for a fact).
    pub text: String,
}

/// A time window in which expected events were absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// Start of the window (RFC 3339, UTC): the last event seen before it, or the start of evidence.
    pub from: String,
    /// End of the window (RFC 3339, UTC): the next event, or the end of evidence.
    pub to: String,
    /// Length in minutes.
    pub minutes: i64,
}

/// A documentation link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// Link text.
    pub title: String,
    /// Absolute URL.
    pub url: String,
}

/// A diagnosed cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable cause id (public API), e.g. `phs-no-heartbeat`.
    pub id: String,
    /// One-line title.
    pub title: String,
    /// `connect-sync`, `cloud-sync` or `both`.
    pub product: String,
    /// Severity.
    pub severity: Severity,
    /// Confidence.
    pub confidence: Confidence,
    /// First evidence time (RFC 3339, UTC).
    pub first_seen: Option<String>,
    /// Last evidence time (RFC 3339, UTC).
    pub last_seen: Option<String>,
    /// How many pieces of evidence there were in all.
    pub count: u64,
    /// The strongest evidence, capped (see `count` for the total).
    pub evidence: Vec<Evidence>,
    /// Values captured from the evidence, by name (e.g. `domain`, `rpc_error`), distinct, in order seen.
    pub details: BTreeMap<String, Vec<String>>,
    /// Windows without the expected events (absence rules only).
    pub gaps: Vec<Gap>,
    /// Why this happens, in the troubleshooting articles' words.
    pub explanation: String,
    /// What to do, in order.
    pub remediation: Vec<String>,
    /// Where to read more.
    pub links: Vec<Link>,
}

/// What redaction did to a report (see `crate::redact`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RedactionSummary {
    /// `given` (`--redact-key`) or `random` (a new key this run: pseudonyms differ between runs).
    pub key: String,
    /// Distinct values replaced, by class (`upn`, `guid`, `ipv4`, ...; see `crate::redact::Class`).
    pub replaced: BTreeMap<String, u64>,
}
