//! The rule catalogue: the shipped rule files, user rule directories that add or override rules by
//! id, and the validation both go through. A problem is reported as `file:line: field: message`.

use crate::report::{Confidence, Link, Severity};
use crate::rules::model::{MatchDef, RuleDef, RuleFile};
use regex::Regex;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::Path;
use toml::Spanned;

/// The rule files built into the binary, as (name, text).
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "connect-service.toml",
        include_str!("catalogue/connect-service.toml"),
    ),
    (
        "connect-export.toml",
        include_str!("catalogue/connect-export.toml"),
    ),
    (
        "password-sync.toml",
        include_str!("catalogue/password-sync.toml"),
    ),
    ("cloud-sync.toml", include_str!("catalogue/cloud-sync.toml")),
];

/// Priority of rules that do not give one.
pub const DEFAULT_PRIORITY: u32 = 50;

/// One problem in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProblem {
    /// File name (shipped) or path (user).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The field at fault (`id`, `match.regex`, ...).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.field, self.message
        )
    }
}

/// Every problem found while loading a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CatalogueError {
    /// The problems, in file order.
    pub problems: Vec<RuleProblem>,
}

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        write!(f, "invalid rules:\n{}", lines.join("\n"))
    }
}

/// What a clause looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClauseKind {
    /// Events of given providers and ids, optionally with a text condition.
    Event,
    /// Literal signatures in any entry's text, confirmed by an optional regex.
    Signature,
    /// A configuration fact with one of the accepted values.
    State,
    /// No event of the set within `window` minutes before the end of the evidence.
    Absence {
        /// Window in minutes.
        window: u32,
    },
    /// Gaps longer than `max_gap` minutes between events of the set.
    Gap {
        /// Longest normal gap in minutes.
        max_gap: u32,
    },
}

/// A compiled `[[rule.match]]` clause.
#[derive(Debug, Clone)]
pub struct Clause {
    /// Kind and its parameters.
    pub kind: ClauseKind,
    /// Providers, lowercase.
    pub providers: Vec<String>,
    /// Event ids.
    pub events: Vec<u32>,
    /// Literals, as written.
    pub literals: Vec<String>,
    /// Disqualifying literals, as written.
    pub excludes: Vec<String>,
    /// Confirming regex.
    pub regex: Option<Regex>,
    /// Capture-only regexes.
    pub capture: Vec<Regex>,
    /// (detail name, record field name).
    pub capture_fields: Vec<(String, String)>,
    /// Fact keys.
    pub keys: Vec<String>,
    /// Accepted fact values.
    pub equals: Vec<String>,
    /// Precondition providers, lowercase.
    pub requires_providers: Vec<String>,
    /// Precondition event ids.
    pub requires_events: Vec<u32>,
    /// Precondition fact: (keys, values).
    pub requires_fact: Option<(Vec<String>, Vec<String>)>,
    /// Confidence of its matches.
    pub confidence: Confidence,
}

impl Clause {
    /// True when an entry of `provider` (any case) with `event_id` is in the clause's event set.
    pub fn selects_event(&self, provider: &str, event_id: Option<u32>) -> bool {
        self.providers
            .iter()
            .any(|p| p.eq_ignore_ascii_case(provider))
            && (self.events.is_empty() || event_id.is_some_and(|id| self.events.contains(&id)))
    }

    /// True when the provider/id scope of a signature admits the entry.
    pub fn scope_admits(&self, provider: &str, event_id: Option<u32>) -> bool {
        (self.providers.is_empty()
            || self
                .providers
                .iter()
                .any(|p| p.eq_ignore_ascii_case(provider)))
            && (self.events.is_empty() || event_id.is_some_and(|id| self.events.contains(&id)))
    }
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Cause id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Product.
    pub product: String,
    /// Severity.
    pub severity: Severity,
    /// Root-cause priority (lower first).
    pub priority: u32,
    /// Causes it explains.
    pub root_of: Vec<String>,
    /// Explanation.
    pub explanation: String,
    /// Remediation steps.
    pub remediation: Vec<String>,
    /// Links.
    pub links: Vec<Link>,
    /// Clauses (any).
    pub clauses: Vec<Clause>,
    /// The file it came from (`connect-service.toml`, or a user path).
    pub origin: String,
}

/// The rules in force, ordered by id.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    rules: Vec<Rule>,
}

impl Catalogue {
    /// The shipped catalogue.
    ///
    /// # Errors
    /// Only if a shipped file is broken (the tests keep that from happening).
    pub fn shipped() -> Result<Catalogue, CatalogueError> {
        Catalogue::load(None)
    }

    /// The shipped catalogue plus every `*.toml` of `user_dir`, whose rules add to or replace
    /// shipped rules of the same id.
    ///
    /// # Errors
    /// Every problem of every file, with file, line and field.
    pub fn load(user_dir: Option<&Path>) -> Result<Catalogue, CatalogueError> {
        let (user, unreadable) = match user_dir.map(user_files) {
            None => (Vec::new(), None),
            Some(Ok(files)) => (files, None),
            Some(Err(problem)) => (Vec::new(), Some(problem)),
        };
        let mut result = Catalogue::build(SHIPPED, &user);
        if let Some(problem) = unreadable {
            match &mut result {
                Ok(_) => {
                    result = Err(CatalogueError {
                        problems: vec![problem],
                    });
                }
                Err(error) => error.problems.push(problem),
            }
        }
        result
    }

    /// A catalogue of `base` rule files (ids unique across them) plus `overrides` (user files:
    /// they add rules or replace base rules of the same id; ids unique across them).
    ///
    /// # Errors
    /// Every problem of every file, with file, line and field.
    pub fn build(
        base: &[(&str, &str)],
        overrides: &[(String, String)],
    ) -> Result<Catalogue, CatalogueError> {
        let mut problems = Vec::new();
        let mut by_id: BTreeMap<String, Rule> = BTreeMap::new();
        let mut root_refs = Vec::new();
        for (name, text) in base {
            add_file(name, text, &mut by_id, &mut root_refs, &mut problems);
        }
        let mut user_ids = HashSet::new();
        for (path, text) in overrides {
            let mut file_rules = BTreeMap::new();
            add_file(path, text, &mut file_rules, &mut root_refs, &mut problems);
            for (id, rule) in file_rules {
                if !user_ids.insert(id.clone()) {
                    problems.push(RuleProblem {
                        file: path.clone(),
                        line: line_of_id(text, &id),
                        field: "id".into(),
                        message: format!("rule `{id}` is defined in more than one user rule file"),
                    });
                }
                by_id.insert(id, rule);
            }
        }
        for (file, line, id) in root_refs {
            if !by_id.contains_key(&id) {
                problems.push(RuleProblem {
                    file,
                    line,
                    field: "root_of".into(),
                    message: format!("no rule has the id `{id}`"),
                });
            }
        }
        if problems.is_empty() {
            Ok(Catalogue {
                rules: by_id.into_values().collect(),
            })
        } else {
            Err(CatalogueError { problems })
        }
    }

    /// Rules ordered by id.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Ids close to `id` (for "did you mean"), closest first.
    pub fn similar_ids(&self, id: &str) -> Vec<&str> {
        let wanted = id.to_ascii_lowercase();
        let mut scored: Vec<(usize, &str)> = self
            .rules
            .iter()
            .map(|r| {
                let distance = edit_distance(&wanted, &r.id);
                let contains = r.id.contains(&wanted) || wanted.contains(r.id.as_str());
                (if contains { 0 } else { distance }, r.id.as_str())
            })
            .filter(|(d, candidate)| *d <= (candidate.len() / 3).max(3))
            .collect();
        scored.sort();
        scored.into_iter().take(5).map(|(_, id)| id).collect()
    }
}

fn user_files(dir: &Path) -> Result<Vec<(String, String)>, RuleProblem> {
    let problem = |message: String| RuleProblem {
        file: dir.display().to_string(),
        line: 0,
        field: "-".into(),
        message,
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| problem(format!("cannot read the rule folder: {e}")))?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("toml"))
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            std::fs::read_to_string(&path)
                .map(|text| (path.display().to_string(), text))
                .map_err(|e| RuleProblem {
                    file: path.display().to_string(),
                    line: 0,
                    field: "-".into(),
                    message: format!("cannot read: {e}"),
                })
        })
        .collect()
}

/// Line of the first `"<id>"` in `text` (1 when absent).
fn line_of_id(text: &str, id: &str) -> usize {
    text.find(&format!("id = \"{id}\""))
        .or_else(|| text.find(&format!("\"{id}\"")))
        .map_or(1, |at| line_of(text, at))
}

/// 1-based line of byte offset `at` in `text`.
pub fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn add_file(
    file: &str,
    text: &str,
    into: &mut BTreeMap<String, Rule>,
    root_refs: &mut Vec<(String, usize, String)>,
    problems: &mut Vec<RuleProblem>,
) {
    let parsed: RuleFile = match toml::from_str(text) {
        Ok(parsed) => parsed,
        Err(error) => {
            let line = error.span().map_or(1, |s| line_of(text, s.start));
            let message = error.message().to_owned();
            let field = message
                .split('`')
                .nth(1)
                .filter(|f| !f.is_empty())
                .unwrap_or("-")
                .to_owned();
            problems.push(RuleProblem {
                file: file.to_owned(),
                line,
                field,
                message,
            });
            return;
        }
    };
    if parsed.rule.is_empty() {
        problems.push(RuleProblem {
            file: file.to_owned(),
            line: 1,
            field: "rule".into(),
            message: "the file defines no [[rule]]".into(),
        });
    }
    for def in parsed.rule {
        let mut checker = Checker {
            file,
            text,
            problems: Vec::new(),
        };
        let rule = checker.rule(def, root_refs);
        if checker.problems.is_empty()
            && let Some(rule) = rule
        {
            if into.contains_key(&rule.id) {
                let line = line_of_id(text, &rule.id);
                problems.push(RuleProblem {
                    file: file.to_owned(),
                    line,
                    field: "id".into(),
                    message: format!("duplicate rule id `{}`", rule.id),
                });
            } else {
                into.insert(rule.id.clone(), rule);
            }
        }
        problems.extend(checker.problems);
    }
}

struct Checker<'a> {
    file: &'a str,
    text: &'a str,
    problems: Vec<RuleProblem>,
}

impl Checker<'_> {
    fn at<T>(&mut self, spanned: &Spanned<T>, field: &str, message: impl Into<String>) {
        self.problems.push(RuleProblem {
            file: self.file.to_owned(),
            line: line_of(self.text, spanned.span().start),
            field: field.to_owned(),
            message: message.into(),
        });
    }

    fn rule(&mut self, def: RuleDef, root_refs: &mut Vec<(String, usize, String)>) -> Option<Rule> {
        let id = def.id.get_ref().clone();
        let valid_id = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_id {
            self.at(
                &def.id,
                "id",
                "ids are lowercase letters, digits and hyphens",
            );
        }
        let product = def.product.get_ref().clone();
        if !["connect-sync", "cloud-sync", "both"].contains(&product.as_str()) {
            self.at(
                &def.product,
                "product",
                format!("`{product}` is not one of connect-sync, cloud-sync, both"),
            );
        }
        for (empty, field) in [
            (def.title.trim().is_empty(), "title"),
            (def.explanation.trim().is_empty(), "explanation"),
            (
                def.remediation.iter().all(|s| s.trim().is_empty()),
                "remediation",
            ),
            (def.matches.is_empty(), "match"),
        ] {
            if empty {
                self.at(&def.id, field, "must not be empty");
            }
        }
        let mut links = Vec::new();
        for link in &def.links {
            if !link.url.get_ref().starts_with("https://") {
                self.at(&link.url, "links.url", "links must be https:// URLs");
            }
            links.push(Link {
                title: link.title.clone(),
                url: link.url.get_ref().clone(),
            });
        }
        let mut root_of = Vec::new();
        for target in &def.root_of {
            if target.get_ref() == &id {
                self.at(target, "root_of", "a rule cannot be the root of itself");
            }
            root_refs.push((
                self.file.to_owned(),
                line_of(self.text, target.span().start),
                target.get_ref().clone(),
            ));
            root_of.push(target.get_ref().clone());
        }
        let confidence = def.confidence.unwrap_or(Confidence::High);
        let clauses: Vec<Clause> = def
            .matches
            .iter()
            .filter_map(|m| self.clause(m, confidence))
            .collect();
        Some(Rule {
            id,
            title: def.title.trim().to_owned(),
            product,
            severity: def.severity,
            priority: def.priority.unwrap_or(DEFAULT_PRIORITY),
            root_of,
            explanation: def.explanation.trim().to_owned(),
            remediation: def
                .remediation
                .iter()
                .map(|s| s.trim().to_owned())
                .collect(),
            links,
            clauses,
            origin: self.file.to_owned(),
        })
    }

    fn regex(&mut self, source: &Spanned<String>, field: &str, need_names: bool) -> Option<Regex> {
        match Regex::new(source.get_ref()) {
            Ok(regex) => {
                if need_names && regex.capture_names().flatten().next().is_none() {
                    self.at(
                        source,
                        field,
                        "a capture regex needs at least one named group (?P<name>...)",
                    );
                }
                Some(regex)
            }
            Err(error) => {
                let message = error.to_string().replace('\n', " ");
                self.at(
                    source,
                    field,
                    format!("the regex does not compile: {message}"),
                );
                None
            }
        }
    }

    fn clause(&mut self, spanned: &Spanned<MatchDef>, default: Confidence) -> Option<Clause> {
        let m = spanned.get_ref();
        let kind_name = m.kind.get_ref().as_str();
        let set: [(&str, bool); 14] = [
            ("providers", !m.providers.is_empty()),
            ("events", !m.events.is_empty()),
            ("literals", !m.literals.is_empty()),
            ("excludes", !m.excludes.is_empty()),
            ("regex", m.regex.is_some()),
            ("capture", !m.capture.is_empty()),
            ("capture_fields", !m.capture_fields.is_empty()),
            ("keys", !m.keys.is_empty()),
            ("equals", !m.equals.is_empty()),
            ("window_minutes", m.window_minutes.is_some()),
            ("max_gap_minutes", m.max_gap_minutes.is_some()),
            ("requires_providers", !m.requires_providers.is_empty()),
            ("requires_events", !m.requires_events.is_empty()),
            ("requires_fact", m.requires_fact.is_some()),
        ];
        const TEXT: &[&str] = &[
            "providers",
            "events",
            "literals",
            "excludes",
            "regex",
            "capture",
            "capture_fields",
        ];
        const SERIES: &[&str] = &[
            "providers",
            "events",
            "requires_providers",
            "requires_events",
            "requires_fact",
        ];
        let (kind, allowed, required): (ClauseKind, Vec<&str>, &[&str]) = match kind_name {
            "event" => (ClauseKind::Event, TEXT.to_vec(), &["providers"]),
            "signature" => (ClauseKind::Signature, TEXT.to_vec(), &["literals"]),
            "state" => (
                ClauseKind::State,
                vec!["keys", "equals"],
                &["keys", "equals"],
            ),
            "absence" => (
                ClauseKind::Absence {
                    window: m.window_minutes.unwrap_or(0),
                },
                [SERIES, &["window_minutes"]].concat(),
                &["providers", "window_minutes"],
            ),
            "gap" => (
                ClauseKind::Gap {
                    max_gap: m.max_gap_minutes.unwrap_or(0),
                },
                [SERIES, &["max_gap_minutes"]].concat(),
                &["providers", "max_gap_minutes"],
            ),
            other => {
                self.at(
                    &m.kind,
                    "match.kind",
                    format!("`{other}` is not one of event, signature, state, absence, gap"),
                );
                return None;
            }
        };
        let before = self.problems.len();
        for (field, given) in set {
            if given && !allowed.contains(&field) {
                self.at(
                    &m.kind,
                    &format!("match.{field}"),
                    format!("does not apply to a `{kind_name}` clause"),
                );
            }
            if !given && required.contains(&field) {
                self.at(
                    &m.kind,
                    &format!("match.{field}"),
                    format!("a `{kind_name}` clause needs it (non-empty)"),
                );
            }
        }
        if matches!(kind, ClauseKind::Absence { .. } | ClauseKind::Gap { .. }) {
            if m.requires_providers.is_empty() && m.requires_fact.is_none() {
                self.at(
                    &m.kind,
                    "match.requires_providers",
                    "absence and gap clauses need a precondition (requires_providers or requires_fact) showing the feature is in use",
                );
            }
            if m.window_minutes == Some(0) || m.max_gap_minutes == Some(0) {
                self.at(&m.kind, "match.window_minutes", "must be above 0");
            }
        }
        for (field, list) in [
            ("literals", &m.literals),
            ("excludes", &m.excludes),
            ("providers", &m.providers),
            ("keys", &m.keys),
        ] {
            if list.iter().any(|s| s.trim().is_empty()) {
                self.at(
                    &m.kind,
                    &format!("match.{field}"),
                    "empty strings are not allowed",
                );
            }
        }
        let regex = m
            .regex
            .as_ref()
            .and_then(|r| self.regex(r, "match.regex", false));
        let capture: Vec<Regex> = m
            .capture
            .iter()
            .filter_map(|r| self.regex(r, "match.capture", true))
            .collect();
        if self.problems.len() > before {
            return None;
        }
        let lower = |v: &[String]| v.iter().map(|s| s.to_ascii_lowercase()).collect();
        Some(Clause {
            kind,
            providers: lower(&m.providers),
            events: m.events.clone(),
            literals: m.literals.clone(),
            excludes: m.excludes.clone(),
            regex,
            capture,
            capture_fields: m
                .capture_fields
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            keys: m.keys.clone(),
            equals: m.equals.clone(),
            requires_providers: lower(&m.requires_providers),
            requires_events: m.requires_events.clone(),
            requires_fact: m
                .requires_fact
                .as_ref()
                .map(|f| (f.keys.clone(), f.equals.clone())),
            confidence: m.confidence.unwrap_or(default),
        })
    }
}

/// Levenshtein distance (ids are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}
