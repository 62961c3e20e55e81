//! Applies a catalogue to a report: one pass over the timeline (one aho-corasick scan per entry
//! for every rule's literals; regexes only on entries that a literal or a provider/id already
//! selected), then facts, absences and gaps, then findings, ranking and evidence tags.

use crate::relevance::CatalogueTerms;
use crate::report::{Confidence, Evidence, FactReport, Finding, Gap, Report};
use crate::rules::catalogue::{Catalogue, Clause, ClauseKind, Rule};
use crate::timeline::Entry;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use chrono::{DateTime, Utc};
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use syncsift_parsers::TimeBasis;

/// Evidence entries kept per finding (the total is in `count`).
pub const EVIDENCE_CAP: usize = 5;
/// Distinct values kept per detail.
pub const DETAIL_CAP: usize = 20;
/// Longest evidence text.
const EVIDENCE_TEXT: usize = 400;

/// The selection terms that keep every entry a rule of `catalogue` can match.
pub fn terms(catalogue: &Catalogue) -> CatalogueTerms {
    let mut terms = CatalogueTerms::default();
    let mut scoped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let add = |providers: &[String], events: &[u32], terms: &mut CatalogueTerms| {
        for provider in providers {
            if events.is_empty() {
                terms.providers.push(provider.clone());
            } else {
                terms
                    .events
                    .extend(events.iter().map(|id| (provider.clone(), *id)));
            }
        }
    };
    for clause in catalogue.rules().iter().flat_map(|r| &r.clauses) {
        match clause.kind {
            ClauseKind::Event | ClauseKind::Absence { .. } | ClauseKind::Gap { .. } => {
                add(&clause.providers, &clause.events, &mut terms);
                add(
                    &clause.requires_providers,
                    &clause.requires_events,
                    &mut terms,
                );
            }
            // A signature limited to providers only needs their entries.
            ClauseKind::Signature if clause.providers.is_empty() => {
                terms.literals.extend(clause.literals.iter().cloned());
            }
            ClauseKind::Signature => {
                for provider in &clause.providers {
                    scoped
                        .entry(provider.clone())
                        .or_default()
                        .extend(clause.literals.iter().cloned());
                }
            }
            ClauseKind::State => {}
        }
    }
    terms.scoped_literals = scoped
        .into_iter()
        .map(|(provider, mut literals)| {
            literals.sort();
            literals.dedup();
            (provider, literals)
        })
        .collect();
    terms.providers.sort();
    terms.providers.dedup();
    terms.events.sort();
    terms.events.dedup();
    terms.literals.sort();
    terms.literals.dedup();
    terms
}

/// A clause's place: (rule index, clause index).
type ClauseRef = (usize, usize);

/// The catalogue prepared for one pass.
struct Prepared<'c> {
    rules: &'c [Rule],
    automaton: Option<AhoCorasick>,
    literal_count: usize,
    /// Per clause: ids of its literals and its excludes in the automaton.
    literal_ids: HashMap<ClauseRef, (Vec<usize>, Vec<usize>)>,
    /// Signature clauses by literal id.
    by_literal: Vec<Vec<ClauseRef>>,
    /// Event, absence and gap clauses (and preconditions) by lowercase provider.
    by_provider: HashMap<String, Vec<ClauseRef>>,
}

impl<'c> Prepared<'c> {
    fn new(catalogue: &'c Catalogue) -> Prepared<'c> {
        let rules = catalogue.rules();
        let mut patterns: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut id_of = |literal: &str, patterns: &mut Vec<String>| -> usize {
            let key = literal.to_ascii_lowercase();
            *index.entry(key.clone()).or_insert_with(|| {
                patterns.push(key);
                patterns.len() - 1
            })
        };
        let mut literal_ids = HashMap::new();
        let mut by_provider: HashMap<String, Vec<ClauseRef>> = HashMap::new();
        let mut signature_literals = Vec::new();
        for (r, rule) in rules.iter().enumerate() {
            for (c, clause) in rule.clauses.iter().enumerate() {
                let lits: Vec<usize> = clause
                    .literals
                    .iter()
                    .map(|l| id_of(l, &mut patterns))
                    .collect();
                let excl: Vec<usize> = clause
                    .excludes
                    .iter()
                    .map(|l| id_of(l, &mut patterns))
                    .collect();
                if clause.kind == ClauseKind::Signature {
                    signature_literals.extend(lits.iter().map(|&id| (id, (r, c))));
                } else {
                    let mut providers: Vec<&String> = clause.providers.iter().collect();
                    providers.extend(&clause.requires_providers);
                    providers.sort();
                    providers.dedup();
                    for provider in providers {
                        by_provider
                            .entry(provider.clone())
                            .or_default()
                            .push((r, c));
                    }
                }
                literal_ids.insert((r, c), (lits, excl));
            }
        }
        let mut by_literal = vec![Vec::new(); patterns.len()];
        for (id, clause) in signature_literals {
            by_literal[id].push(clause);
        }
        // Standard semantics with overlapping search: every literal present is reported, even
        // when one literal contains another.
        let automaton = (!patterns.is_empty())
            .then(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)
                    .ok()
            })
            .flatten();
        Prepared {
            rules,
            automaton,
            literal_count: patterns.len(),
            literal_ids,
            by_literal,
            by_provider,
        }
    }

    fn clause(&self, (r, c): ClauseRef) -> &'c Clause {
        &self.rules[r].clauses[c]
    }
}

/// What one rule gathered.
#[derive(Default)]
struct Gathered {
    /// (entry index, confidence of the clause that matched).
    hits: Vec<(usize, Confidence)>,
    facts: Vec<(usize, Confidence)>,
    gaps: Vec<(DateTime<Utc>, DateTime<Utc>, Confidence)>,
    /// Entries shown as evidence for gaps (the last event before a window).
    gap_evidence: Vec<usize>,
    details: BTreeMap<String, Vec<String>>,
}

impl Gathered {
    fn detail(&mut self, name: &str, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let values = self.details.entry(name.to_owned()).or_default();
        if values.len() < DETAIL_CAP && !values.iter().any(|v| v == value) {
            values.push(value.to_owned());
        }
    }
}

/// Per absence/gap clause: the instants of its event set and whether its precondition held.
#[derive(Default)]
struct Series {
    instants: Vec<(DateTime<Utc>, usize)>,
    feature_seen: bool,
}

/// Runs `catalogue` over `report`: fills `report.findings` (ranked) and tags timeline entries.
pub fn diagnose(catalogue: &Catalogue, report: &mut Report) {
    let prepared = Prepared::new(catalogue);
    let mut gathered: Vec<Gathered> = prepared.rules.iter().map(|_| Gathered::default()).collect();
    let mut series: HashMap<ClauseRef, Series> = HashMap::new();
    scan_timeline(
        &prepared,
        report.timeline.entries(),
        &mut gathered,
        &mut series,
    );
    match_facts(&prepared, &report.facts, &mut gathered);
    let span = evidence_span(report.timeline.entries());
    check_series(&prepared, &report.facts, span, &series, &mut gathered);
    let mut findings: Vec<(Finding, usize)> = prepared
        .rules
        .iter()
        .zip(gathered.iter_mut())
        .enumerate()
        .filter_map(|(r, (rule, g))| build_finding(rule, g, report).map(|f| (f, r)))
        .collect();
    rank(&mut findings, prepared.rules);
    let entries = report.timeline.entries_mut();
    for (finding, r) in &findings {
        let g = &gathered[*r];
        for &index in g.hits.iter().map(|(i, _)| i).chain(&g.gap_evidence) {
            if let Some(entry) = entries.get_mut(index)
                && !entry.findings.contains(&finding.id)
            {
                entry.findings.push(finding.id.clone());
            }
        }
    }
    report.findings = findings.into_iter().map(|(f, _)| f).collect();
}

fn scan_timeline(
    prepared: &Prepared<'_>,
    entries: &[Entry],
    gathered: &mut [Gathered],
    series: &mut HashMap<ClauseRef, Series>,
) {
    let mut present = vec![false; prepared.literal_count];
    let mut found: Vec<usize> = Vec::new();
    let mut lower = String::new();
    let mut candidates: Vec<ClauseRef> = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let record = &entry.record;
        for id in found.drain(..) {
            present[id] = false;
        }
        if let Some(automaton) = &prepared.automaton {
            let texts = std::iter::once(record.message.as_str())
                .chain(record.fields.iter().map(|(_, v)| v.as_str()));
            for text in texts {
                for hit in automaton.find_overlapping_iter(text) {
                    let id = hit.pattern().as_usize();
                    if !present[id] {
                        present[id] = true;
                        found.push(id);
                    }
                }
            }
        }
        candidates.clear();
        lower.clear();
        lower.push_str(&record.provider);
        lower.make_ascii_lowercase();
        if let Some(list) = prepared.by_provider.get(&lower) {
            candidates.extend(list);
        }
        for &id in &found {
            candidates.extend(&prepared.by_literal[id]);
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut haystack: Option<String> = None;
        for &clause_ref in &candidates {
            let clause = prepared.clause(clause_ref);
            let (lits, excl) = &prepared.literal_ids[&clause_ref];
            match clause.kind {
                ClauseKind::Absence { .. } | ClauseKind::Gap { .. } => {
                    let s = series.entry(clause_ref).or_default();
                    if let Some(at) = entry.instant()
                        && clause.selects_event(&record.provider, record.event_id)
                    {
                        s.instants.push((at, index));
                    }
                    let requires = clause
                        .requires_providers
                        .iter()
                        .any(|p| p.eq_ignore_ascii_case(&record.provider))
                        && (clause.requires_events.is_empty()
                            || record
                                .event_id
                                .is_some_and(|id| clause.requires_events.contains(&id)));
                    s.feature_seen |= requires;
                    continue;
                }
                ClauseKind::State => continue,
                ClauseKind::Event => {
                    if !clause.selects_event(&record.provider, record.event_id)
                        || (!lits.is_empty() && !lits.iter().any(|&id| present[id]))
                    {
                        continue;
                    }
                }
                ClauseKind::Signature => {
                    if !clause.scope_admits(&record.provider, record.event_id) {
                        continue;
                    }
                }
            }
            if excl.iter().any(|&id| present[id]) {
                continue;
            }
            let needs_text = clause.regex.is_some() || !clause.capture.is_empty();
            let text: &str = if needs_text {
                haystack.get_or_insert_with(|| haystack_of(entry))
            } else {
                ""
            };
            let g = &mut gathered[clause_ref.0];
            if let Some(regex) = &clause.regex {
                let Some(caps) = regex.captures(text) else {
                    continue;
                };
                for name in regex.capture_names().flatten() {
                    if let Some(value) = caps.name(name) {
                        g.detail(name, value.as_str());
                    }
                }
            }
            for regex in &clause.capture {
                if let Some(caps) = regex.captures(text) {
                    for name in regex.capture_names().flatten() {
                        if let Some(value) = caps.name(name) {
                            g.detail(name, value.as_str());
                        }
                    }
                }
            }
            for (name, field) in &clause.capture_fields {
                if let Some((_, value)) = record.fields.iter().find(|(k, _)| k == field) {
                    g.detail(name, value);
                }
            }
            g.hits.push((index, clause.confidence));
        }
    }
}

/// The text regexes see: the message, then every field value, one per line.
fn haystack_of(entry: &Entry) -> String {
    let record = &entry.record;
    let mut text = record.message.clone();
    for (_, value) in &record.fields {
        text.push('\n');
        text.push_str(value);
    }
    text
}

fn fact_matches(fact: &FactReport, keys: &[String], equals: &[String]) -> bool {
    keys.iter().any(|k| k.eq_ignore_ascii_case(fact.key.trim()))
        && equals
            .iter()
            .any(|v| v.eq_ignore_ascii_case(fact.value.trim()))
}

fn match_facts(prepared: &Prepared<'_>, facts: &[FactReport], gathered: &mut [Gathered]) {
    for (r, rule) in prepared.rules.iter().enumerate() {
        for clause in rule.clauses.iter().filter(|c| c.kind == ClauseKind::State) {
            for (index, fact) in facts.iter().enumerate() {
                if fact_matches(fact, &clause.keys, &clause.equals)
                    && !gathered[r].facts.iter().any(|(i, _)| *i == index)
                {
                    gathered[r].facts.push((index, clause.confidence));
                    let key = fact.key.clone();
                    gathered[r].detail(&key, &fact.value);
                }
            }
        }
    }
}

/// First and last time of entries whose time is their own or read in the given zone; bounds
/// inferred from file times (which can be days after the events) do not extend the evidence.
fn evidence_span(entries: &[Entry]) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let mut times = entries.iter().filter_map(|e| {
        let basis = e.record.time.basis;
        (basis.is_exact() || basis == TimeBasis::AssumedZone)
            .then_some(e.record.time.utc)
            .flatten()
    });
    let first = times.next()?;
    let (first, last) = times.fold((first, first), |(lo, hi), t| (lo.min(t), hi.max(t)));
    Some((first, last))
}

fn check_series(
    prepared: &Prepared<'_>,
    facts: &[FactReport],
    span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    series: &HashMap<ClauseRef, Series>,
    gathered: &mut [Gathered],
) {
    let Some((start, end)) = span else {
        return;
    };
    let empty = Series::default();
    for (r, rule) in prepared.rules.iter().enumerate() {
        for (c, clause) in rule.clauses.iter().enumerate() {
            let s = series.get(&(r, c)).unwrap_or(&empty);
            let by_fact = clause
                .requires_fact
                .as_ref()
                .is_some_and(|(keys, equals)| facts.iter().any(|f| fact_matches(f, keys, equals)));
            if !(s.feature_seen || by_fact) {
                continue;
            }
            let last = s.instants.last();
            let g = &mut gathered[r];
            match clause.kind {
                ClauseKind::Absence { window } => {
                    let window = chrono::Duration::minutes(i64::from(window));
                    // Absence can only be claimed when the evidence covers the whole window.
                    if end - start < window {
                        continue;
                    }
                    let from = last.map_or(start, |(at, _)| *at);
                    if end - from > window {
                        g.gaps.push((from, end, clause.confidence));
                        g.gap_evidence.extend(last.map(|(_, i)| *i));
                    }
                }
                ClauseKind::Gap { max_gap } => {
                    let max_gap = chrono::Duration::minutes(i64::from(max_gap));
                    for pair in s.instants.windows(2) {
                        let ((a, ai), (b, _)) = (pair[0], pair[1]);
                        if b - a > max_gap {
                            g.gaps.push((a, b, clause.confidence));
                            g.gap_evidence.push(ai);
                        }
                    }
                    if let Some((at, i)) = last
                        && end - *at > max_gap
                    {
                        g.gaps.push((*at, end, clause.confidence));
                        g.gap_evidence.push(*i);
                    }
                }
                _ => {}
            }
        }
    }
}

/// What makes two entries the same occurrence read from two files (an export error in the CS
/// export, the run history and a pasted detail): its own time, source and object or run. Entries
/// without a real time of their own are never merged.
fn occurrence_key(entry: &Entry) -> Option<(DateTime<Utc>, String, Option<u32>, String)> {
    let record = &entry.record;
    let basis = record.time.basis;
    if !(basis.is_exact() || basis == TimeBasis::AssumedZone) {
        return None;
    }
    let field = |name: &str| {
        record
            .fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
    };
    let identity = field("DN")
        .map(|dn| format!("dn:{dn}"))
        .or_else(|| {
            field("RunNumber")
                .map(|n| format!("run:{}:{n}", field("Connector").unwrap_or_default()))
        })
        .unwrap_or_else(|| {
            record
                .message
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_owned()
        });
    Some((
        record.time.utc?,
        record.provider.to_ascii_lowercase(),
        record.event_id,
        identity,
    ))
}

fn clip(text: &str, limit: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= limit {
        flat
    } else {
        let mut out: String = flat.chars().take(limit).collect();
        out.push('…');
        out
    }
}

fn build_finding(rule: &Rule, g: &mut Gathered, report: &Report) -> Option<Finding> {
    if g.hits.is_empty() && g.facts.is_empty() && g.gaps.is_empty() {
        return None;
    }
    let entries = report.timeline.entries();
    g.hits.sort_unstable_by_key(|(i, _)| *i);
    g.hits.dedup_by_key(|(i, _)| *i);
    g.gap_evidence.sort_unstable();
    g.gap_evidence.dedup();
    // The same (time, source, object) read from another input is the same occurrence; the first
    // entry read stands for it. Repeats within one input are occurrences of their own.
    let mut seen: HashMap<(DateTime<Utc>, String, Option<u32>, String), usize> = HashMap::new();
    let mut occurrences: Vec<(usize, Confidence)> = Vec::new();
    for &(index, confidence) in &g.hits {
        let Some(entry) = entries.get(index) else {
            continue;
        };
        let duplicate = match occurrence_key(entry) {
            None => false,
            Some(key) => match seen.get(&key) {
                Some(&input) => input != entry.input,
                None => {
                    seen.insert(key, entry.input);
                    false
                }
            },
        };
        if !duplicate {
            occurrences.push((index, confidence));
        }
    }
    let mut confidence = Confidence::Low;
    for c in g
        .hits
        .iter()
        .map(|(_, c)| *c)
        .chain(g.facts.iter().map(|(_, c)| *c))
        .chain(g.gaps.iter().map(|(_, _, c)| *c))
    {
        confidence = confidence.min(c);
    }
    let mut evidence = Vec::new();
    for &(index, _) in &g.facts {
        if let Some(fact) = report.facts.get(index) {
            evidence.push(Evidence {
                entry: None,
                time: None,
                provenance: fact.source.clone(),
                text: format!("{} : {}", fact.key, fact.value),
            });
        }
    }
    let mut strongest = occurrences.clone();
    strongest.sort_by_key(|&(index, c)| {
        let entry = &entries[index];
        (
            c,
            Reverse(entry.record.level),
            entry.instant().is_none(),
            index,
        )
    });
    let gap_entries = g.gap_evidence.iter().map(|&i| (i, Confidence::Low));
    for (index, _) in strongest.into_iter().chain(gap_entries) {
        if evidence.len() >= EVIDENCE_CAP {
            break;
        }
        if evidence.iter().any(|e: &Evidence| e.entry == Some(index)) {
            continue;
        }
        let entry = &entries[index];
        evidence.push(Evidence {
            entry: Some(index),
            time: entry.instant().map(|t| t.to_rfc3339()),
            provenance: report.provenance(entry),
            text: clip(&entry.record.message, EVIDENCE_TEXT),
        });
    }
    evidence.truncate(EVIDENCE_CAP);
    let mut times: Vec<DateTime<Utc>> = g
        .hits
        .iter()
        .filter_map(|(i, _)| entries.get(*i).and_then(Entry::instant))
        .collect();
    if times.is_empty() {
        times.extend(g.gaps.iter().flat_map(|(a, b, _)| [*a, *b]));
    }
    let mut gaps: Vec<(DateTime<Utc>, DateTime<Utc>)> =
        g.gaps.iter().map(|(a, b, _)| (*a, *b)).collect();
    gaps.sort();
    gaps.dedup();
    let count = (occurrences.len() + g.facts.len() + gaps.len()) as u64;
    Some(Finding {
        id: rule.id.clone(),
        title: rule.title.clone(),
        product: rule.product.clone(),
        severity: rule.severity,
        confidence,
        first_seen: times.iter().min().map(DateTime::to_rfc3339),
        last_seen: times.iter().max().map(DateTime::to_rfc3339),
        count,
        evidence,
        details: std::mem::take(&mut g.details),
        gaps: gaps
            .into_iter()
            .map(|(from, to)| Gap {
                from: from.to_rfc3339(),
                to: to.to_rfc3339(),
                minutes: (to - from).num_minutes(),
            })
            .collect(),
        explanation: rule.explanation.clone(),
        remediation: rule.remediation.clone(),
        links: rule.links.clone(),
    })
}

/// Sort key: severity, priority, first seen (untimed last), then roots before what they explain.
type RankKey = (
    crate::report::Severity,
    u32,
    (bool, Option<String>),
    u8,
    String,
);

/// Orders findings: by severity, then priority, then first seen; a finding that is the root of
/// another fired finding (`root_of`) moves up to just before it.
fn rank(findings: &mut [(Finding, usize)], rules: &[Rule]) {
    let own: Vec<RankKey> = findings
        .iter()
        .map(|(f, r)| {
            (
                f.severity,
                rules[*r].priority,
                (f.first_seen.is_none(), f.first_seen.clone()),
                1,
                f.id.clone(),
            )
        })
        .collect();
    let mut effective = own.clone();
    // Relax until stable; n rounds bound the longest root chain (and cycles).
    for _ in 0..findings.len() {
        let mut changed = false;
        for (a, (_, ra)) in findings.iter().enumerate() {
            for (b, (fb, _)) in findings.iter().enumerate() {
                if a == b || !rules[*ra].root_of.contains(&fb.id) {
                    continue;
                }
                let mut candidate = effective[b].clone();
                candidate.3 = 0;
                candidate.4 = own[a].4.clone();
                if candidate < effective[a] {
                    effective[a] = candidate;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by(|&a, &b| effective[a].cmp(&effective[b]).then(own[a].cmp(&own[b])));
    let sorted: Vec<(Finding, usize)> = order.iter().map(|&i| findings[i].clone()).collect();
    findings.clone_from_slice(&sorted);
}
