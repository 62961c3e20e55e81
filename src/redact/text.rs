//! Redaction of one report's texts: learn what the customer's names are from every text first
//! (domains, computers, logon names), then replace every value of every class in every text.
//!
//! Learning first is what makes the replacement complete: `AADCONNECT01` in a file name is only
//! known to be a computer because an event's `Computer` field said so, and `contoso.com` in a
//! connector name only because a UPN or a DN used it.

use crate::redact::allow;
use crate::redact::class::{Class, Family};
use crate::redact::detect::{Candidate, Detectors, KeyedKind, Kind};
use crate::redact::pseudonym::{Key, Pseudonyms};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

/// Where a text comes from; some places say what their value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Free text (messages, values, problems).
    Text,
    /// A record's computer name (NetBIOS or FQDN).
    Computer,
    /// An input's display path (`bundle.zip!/RUNHISTORY/AADCONNECT01_Get-…`).
    Path,
}

/// One replaced value, for the counts and the mapping file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    /// Its class.
    pub class: Class,
    /// The value as first met.
    pub original: String,
    /// What it became.
    pub pseudonym: String,
    /// Order of first replacement (walk order).
    pub order: usize,
}

/// Redaction state for one report.
#[derive(Debug)]
pub struct Session<'a> {
    detectors: &'a Detectors,
    pseudonyms: Pseudonyms,
    /// Customer DNS domains, lowercase.
    domains: BTreeSet<String>,
    /// Tenant id GUIDs, lowercase.
    tenant_ids: BTreeSet<String>,
    /// Names replaced wherever they stand as a word, lowercase, with their family and class.
    words: BTreeMap<String, (Family, Class)>,
    matcher: Option<(AhoCorasick, Vec<(Family, Class)>)>,
    replaced: HashMap<(Class, String), Replaced>,
}

/// Priority among candidates that start at the same place and have the same length.
fn priority(kind: &Kind) -> u8 {
    match kind {
        Kind::Address { .. } => 0,
        Kind::DnValue { .. } | Kind::DcRun { .. } => 1,
        Kind::Logon { .. } => 2,
        Kind::DomainSid { .. } | Kind::OtherSid => 3,
        Kind::Guid => 4,
        Kind::Keyed(_) => 5,
        Kind::HexAnchor | Kind::Base64Anchor => 6,
        Kind::Ipv6 => 7,
        Kind::Ipv4 => 8,
        Kind::DottedName => 9,
    }
}

/// Local parts and names too generic to replace where they stand alone as words.
const ROLE_WORDS: &[&str] = &[
    "support",
    "info",
    "help",
    "helpdesk",
    "noreply",
    "no-reply",
    "postmaster",
    "mail",
    "contact",
    "sales",
    "office",
    "root",
    "sync",
];

struct Action {
    range: Range<usize>,
    priority: u8,
    replacement: String,
    class: Class,
}

impl<'a> Session<'a> {
    /// A new session with no knowledge.
    pub fn new(detectors: &'a Detectors, key: Key) -> Session<'a> {
        Session {
            detectors,
            pseudonyms: Pseudonyms::new(key),
            domains: BTreeSet::new(),
            tenant_ids: BTreeSet::new(),
            words: BTreeMap::new(),
            matcher: None,
            replaced: HashMap::new(),
        }
    }

    // ---------------------------------------------------------------- learning

    fn learn_word(&mut self, word: &str, family: Family, class: Class) {
        let word = word.trim();
        if word.chars().count() < 3
            || allow::is_common_word(word)
            || ROLE_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word))
        {
            return;
        }
        // The first family a word was learned in wins, so it always gets one pseudonym.
        self.words
            .entry(word.to_lowercase())
            .or_insert((family, class));
    }

    fn learn_domain(&mut self, domain: &str) {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        if !domain.contains('.') || allow::is_service_host(&domain) {
            return;
        }
        if let Some(label) = onmicrosoft_label(&domain) {
            // `contoso` alone (`contoso.servicebus.windows.net`) is named as in `contoso.onmicrosoft.com`.
            let label = label.to_owned();
            self.learn_word(&label, Family::TenantName, Class::Tenant);
            return;
        }
        if let Some((first, _)) = domain.split_once('.') {
            let first = first.to_owned();
            self.learn_word(&first, Family::Netbios, Class::NetbiosDomain);
        }
        self.domains.insert(domain);
    }

    /// Learns a computer name: `AADCONNECT01` or `AADCONNECT01.contoso.com`.
    fn learn_host(&mut self, name: &str) {
        let name = name.trim().trim_end_matches('.');
        if name.is_empty()
            || allow::is_service_host(name)
            || name.parse::<std::net::IpAddr>().is_ok()
        {
            return;
        }
        match name.split_once('.') {
            Some((host, domain)) if domain.contains('.') || allow::has_internal_tld(name) => {
                self.learn_word(host, Family::Host, Class::Host);
                self.learn_domain(domain);
            }
            Some(_) => self.learn_domain(name),
            None => self.learn_word(name, Family::Host, Class::Host),
        }
    }

    /// Learns names from one text.
    pub fn learn(&mut self, text: &str, slot: Slot) {
        let candidates = self.detectors.candidates(text);
        self.learn_with(text, slot, &candidates);
    }

    /// Learns names from one text whose candidates were found already (`Detectors::candidates`).
    pub fn learn_with(&mut self, text: &str, slot: Slot, candidates: &[Candidate]) {
        match slot {
            Slot::Computer => self.learn_host(text),
            Slot::Path => self.learn_path(text),
            Slot::Text => {}
        }
        for candidate in candidates {
            self.learn_candidate(text, candidate);
        }
    }

    /// Support collectors name files `<COMPUTER>_Get-ADSync….txt`, `<COMPUTER>_Application_….txt`.
    fn learn_path(&mut self, path: &str) {
        for segment in path.split(['/', '\\', '!']) {
            if let Some((host, rest)) = segment.split_once('_') {
                let looks_like_host = !host.is_empty()
                    && host.len() <= 15
                    && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
                let collector_file = [
                    "Get-",
                    "Application",
                    "System",
                    "RunHistory",
                    "Setup",
                    "MIIS",
                ]
                .iter()
                .any(|p| rest.starts_with(p));
                if looks_like_host && collector_file {
                    self.learn_word(host, Family::Host, Class::Host);
                }
            }
        }
    }

    fn learn_candidate(&mut self, text: &str, candidate: &Candidate) {
        let value = &text[candidate.range.clone()];
        match &candidate.kind {
            Kind::Address { local, domain, .. } => {
                let domain = &text[domain.clone()];
                self.learn_domain(domain);
                if !allow::is_service_host(domain) {
                    self.learn_word(&text[local.clone()], Family::User, Class::Account);
                }
            }
            Kind::DcRun { labels } => {
                let domain = labels
                    .iter()
                    .map(|l| &text[l.clone()])
                    .collect::<Vec<_>>()
                    .join(".");
                self.learn_domain(&domain);
            }
            Kind::Logon { domain, user } => {
                let domain = &text[domain.clone()];
                if domain.contains('.') {
                    self.learn_domain(domain);
                } else {
                    self.learn_word(domain, Family::Netbios, Class::NetbiosDomain);
                }
                let user = &text[user.clone()];
                if let Some(machine) = user.strip_suffix('$') {
                    // `DOMAIN\COMPUTER$` is a computer account; gMSAs look the same and are names too.
                    self.learn_word(machine, Family::Host, Class::Host);
                } else {
                    self.learn_word(user, Family::User, Class::Account);
                }
            }
            Kind::Keyed(KeyedKind::Account) => {
                self.learn_word(value, Family::User, Class::Account);
            }
            Kind::Keyed(KeyedKind::Person) => {
                self.learn_word(value, Family::Person, Class::Person);
            }
            Kind::Keyed(KeyedKind::Host) => self.learn_host(value),
            Kind::Keyed(KeyedKind::Domain) => {
                if value.contains('.') {
                    self.learn_domain(value);
                } else {
                    self.learn_word(value, Family::Netbios, Class::NetbiosDomain);
                }
            }
            Kind::Keyed(KeyedKind::Tenant) => {
                let id = value.trim_matches(['{', '}']);
                if is_guid(id) {
                    self.tenant_ids.insert(id.to_ascii_lowercase());
                } else if value.contains('.') {
                    self.learn_domain(value);
                }
            }
            Kind::Guid => {
                let before = text[..candidate.range.start].to_ascii_lowercase();
                let tenant_url = [
                    "microsoftonline.com/",
                    "windows.net/",
                    "microsoftonline.us/",
                ]
                .iter()
                .any(|p| before.ends_with(p));
                let tenant_word = before
                    .trim_end_matches([' ', ':', '=', '"', '\'', '{'])
                    .ends_with("tenant");
                if tenant_url || tenant_word {
                    self.tenant_ids.insert(value.to_ascii_lowercase());
                }
            }
            Kind::DottedName => {
                let lower = value.to_ascii_lowercase();
                if onmicrosoft_label(&lower).is_some() {
                    self.learn_domain(&lower);
                } else if allow::has_internal_tld(&lower) && !allow::looks_like_file(&lower) {
                    self.learn_host(&lower);
                }
            }
            _ => {}
        }
    }

    /// Ends learning: builds the word matcher. Called once, before the first [`Session::redact`].
    pub fn finish_learning(&mut self) {
        let (patterns, targets): (Vec<String>, Vec<(Family, Class)>) =
            self.words.iter().map(|(w, t)| (w.clone(), *t)).unzip();
        if patterns.is_empty() {
            return;
        }
        self.matcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .ok()
            .map(|ac| (ac, targets));
    }

    // ---------------------------------------------------------------- pseudonyms

    /// `domain-x.example`, `tenant-x.onmicrosoft.com`, or the domain itself for service domains.
    fn pseudo_domain(&mut self, domain: &str) -> String {
        let lower = domain.to_ascii_lowercase();
        if let Some(label) = onmicrosoft_label(&lower) {
            let rest = &lower[label.len()..];
            return format!("{}{rest}", self.pseudonyms.name(Family::TenantName, label));
        }
        if allow::is_service_host(&lower) {
            return domain.to_owned();
        }
        format!("{}.example", self.pseudonyms.name(Family::Domain, &lower))
    }

    /// The longest learned customer domain `name` is or is under.
    fn customer_domain(&self, name: &str) -> Option<String> {
        self.domains
            .iter()
            .filter(|d| allow::is_same_or_under(name, d))
            .max_by_key(|d| d.len())
            .cloned()
    }

    /// A host or domain name of the customer, pseudonymised label by label; `None` if not theirs.
    fn pseudo_name(&mut self, name: &str) -> Option<(String, Class)> {
        let lower = name.to_ascii_lowercase();
        if onmicrosoft_label(&lower).is_some() {
            return Some((self.pseudo_domain(&lower), Class::Tenant));
        }
        if allow::is_service_host(&lower) {
            return None;
        }
        let domain = match self.customer_domain(&lower) {
            Some(d) => d,
            None if allow::has_internal_tld(&lower) && !allow::looks_like_file(&lower) => {
                match lower.split_once('.') {
                    Some((_, rest)) if rest.contains('.') => rest.to_owned(),
                    _ => lower.clone(),
                }
            }
            None => return None,
        };
        let domain_pseudo = self.pseudo_domain(&domain);
        if lower.len() == domain.len() {
            return Some((domain_pseudo, Class::Domain));
        }
        let hosts = &lower[..lower.len() - domain.len() - 1];
        let mut out: Vec<String> = hosts
            .split('.')
            .map(|label| self.pseudonyms.name(Family::Host, label))
            .collect();
        out.push(domain_pseudo);
        Some((out.join("."), Class::Host))
    }

    fn pseudo_user(&mut self, user: &str) -> String {
        match user.strip_suffix('$') {
            Some(machine) => {
                let family = match self.words.get(&machine.to_lowercase()) {
                    Some((Family::Host, _)) => Family::Host,
                    _ => Family::User,
                };
                format!("{}$", self.pseudonyms.name(family, machine))
            }
            None => self.pseudonyms.name(Family::User, user),
        }
    }

    /// The replacement of one candidate, or `None` when it stays.
    fn replacement(&mut self, text: &str, candidate: &Candidate) -> Option<(String, Class)> {
        let value = &text[candidate.range.clone()];
        Some(match &candidate.kind {
            Kind::Address {
                prefix,
                local,
                domain,
            } => {
                let domain_text = &text[domain.clone()];
                let domain_pseudo = self.pseudo_domain(domain_text);
                let user = self.pseudonyms.name(Family::User, &text[local.clone()]);
                let (prefix_text, class) = match prefix {
                    Some(p) => (&text[p.clone()], Class::ProxyAddress),
                    None => ("", Class::Upn),
                };
                let separator = &text[local.end..domain.start];
                (
                    format!("{prefix_text}{user}{separator}{domain_pseudo}"),
                    class,
                )
            }
            Kind::DnValue { ou } => {
                if allow::is_well_known_container(value) {
                    return None;
                }
                let family = if *ou { Family::Ou } else { Family::Cn };
                (self.pseudonyms.name(family, value), Class::DnComponent)
            }
            Kind::DcRun { labels } => {
                let domain = labels
                    .iter()
                    .map(|l| &text[l.clone()])
                    .collect::<Vec<_>>()
                    .join(".");
                if allow::is_service_host(&domain) {
                    return None;
                }
                let pseudo = self.pseudo_domain(&domain);
                let dn = pseudo
                    .split('.')
                    .map(|l| format!("DC={l}"))
                    .collect::<Vec<_>>()
                    .join(",");
                (dn, Class::DnDomain)
            }
            Kind::Logon { domain, user } => {
                let domain_text = &text[domain.clone()];
                let domain_pseudo = if domain_text.contains('.') {
                    self.pseudo_domain(domain_text)
                } else {
                    self.pseudonyms.name(Family::Netbios, domain_text)
                };
                let user_pseudo = self.pseudo_user(&text[user.clone()]);
                (format!("{domain_pseudo}\\{user_pseudo}"), Class::Account)
            }
            Kind::Keyed(kind) => self.keyed_replacement(*kind, value)?,
            Kind::Guid => {
                if self.tenant_ids.contains(&value.to_ascii_lowercase()) {
                    (self.pseudonyms.name(Family::TenantId, value), Class::Tenant)
                } else {
                    (self.pseudonyms.name(Family::Guid, value), Class::Guid)
                }
            }
            Kind::HexAnchor => (
                self.pseudonyms
                    .name(Family::Anchor, &value.to_ascii_lowercase()),
                Class::Anchor,
            ),
            Kind::Base64Anchor => (self.pseudonyms.name(Family::Anchor, value), Class::Anchor),
            Kind::DomainSid { domain, rid } => {
                let tag = self
                    .pseudonyms
                    .tag(Family::SidDomain, &text[domain.clone()]);
                // `S-1-5-21-` as written.
                let head = value.get(..9).unwrap_or("S-1-5-21-");
                let rid = rid
                    .as_ref()
                    .map(|r| format!("-{}", &text[r.clone()]))
                    .unwrap_or_default();
                (format!("{head}sid{tag}{rid}"), Class::Sid)
            }
            Kind::OtherSid => (self.pseudonyms.name(Family::Sid, value), Class::Sid),
            Kind::Ipv4 => (self.pseudonyms.name(Family::Ipv4, value), Class::Ipv4),
            Kind::Ipv6 => {
                let canonical = value
                    .parse::<std::net::Ipv6Addr>()
                    .map_or_else(|_| value.to_owned(), |a| a.to_string());
                (self.pseudonyms.name(Family::Ipv6, &canonical), Class::Ipv6)
            }
            Kind::DottedName => self.pseudo_name(value)?,
        })
    }

    fn keyed_replacement(&mut self, kind: KeyedKind, value: &str) -> Option<(String, Class)> {
        let bare = value.trim_matches(['{', '}']);
        Some(match kind {
            KeyedKind::Account => (self.pseudo_user(value), Class::Account),
            KeyedKind::Person => (self.pseudonyms.name(Family::Person, value), Class::Person),
            KeyedKind::Anchor if is_guid(bare) => {
                let guid = self.pseudonyms.name(Family::Guid, bare);
                let braced = value.starts_with('{') && value.ends_with('}');
                (
                    if braced { format!("{{{guid}}}") } else { guid },
                    Class::Guid,
                )
            }
            KeyedKind::Anchor if value.contains('@') => return None,
            KeyedKind::Anchor => {
                let normalised = if bare.bytes().all(|b| b.is_ascii_hexdigit()) {
                    bare.to_ascii_lowercase()
                } else {
                    value.to_owned()
                };
                (
                    self.pseudonyms.name(Family::Anchor, &normalised),
                    Class::Anchor,
                )
            }
            KeyedKind::Tenant if is_guid(bare) => {
                (self.pseudonyms.name(Family::TenantId, bare), Class::Tenant)
            }
            KeyedKind::Host | KeyedKind::Domain | KeyedKind::Tenant if value.contains('.') => {
                if value.parse::<std::net::IpAddr>().is_ok() {
                    return None;
                }
                self.pseudo_name(value)?
            }
            KeyedKind::Host => (self.pseudonyms.name(Family::Host, value), Class::Host),
            KeyedKind::Domain | KeyedKind::Tenant => (
                self.pseudonyms.name(Family::Netbios, value),
                Class::NetbiosDomain,
            ),
        })
    }

    // ---------------------------------------------------------------- replacing

    /// The text with every value replaced, or `None` when nothing was replaced.
    pub fn redact(&mut self, text: &str) -> Option<String> {
        let candidates = self.detectors.candidates(text);
        self.redact_with(text, candidates)
    }

    /// [`Session::redact`] with the text's candidates found already.
    pub fn redact_with(&mut self, text: &str, candidates: Vec<Candidate>) -> Option<String> {
        let mut actions: Vec<Action> = Vec::new();
        for candidate in candidates {
            if let Some((replacement, class)) = self.replacement(text, &candidate) {
                actions.push(Action {
                    priority: priority(&candidate.kind),
                    range: candidate.range,
                    replacement,
                    class,
                });
            }
        }
        self.word_actions(text, &mut actions);
        if actions.is_empty() {
            return None;
        }
        actions.sort_by_key(|a| (a.range.start, std::cmp::Reverse(a.range.end), a.priority));
        let mut out = String::with_capacity(text.len() + 16);
        let mut at = 0;
        for action in actions {
            if action.range.start < at {
                continue;
            }
            out.push_str(&text[at..action.range.start]);
            out.push_str(&action.replacement);
            self.record(
                action.class,
                &text[action.range.clone()],
                &action.replacement,
            );
            at = action.range.end;
        }
        out.push_str(&text[at..]);
        Some(out)
    }

    fn word_actions(&mut self, text: &str, actions: &mut Vec<Action>) {
        let Some((matcher, targets)) = &self.matcher else {
            return;
        };
        let found: Vec<(Range<usize>, Family, Class)> = matcher
            .find_iter(text)
            .filter(|m| {
                let bytes = text.as_bytes();
                let before = m.start().checked_sub(1).map(|i| bytes[i]);
                let after = bytes.get(m.end()).copied();
                before.is_none_or(|b| !b.is_ascii_alphanumeric())
                    && after.is_none_or(|b| !b.is_ascii_alphanumeric())
            })
            .filter_map(|m| {
                targets
                    .get(m.pattern().as_usize())
                    .map(|(f, c)| (m.range(), *f, *c))
            })
            .collect();
        for (range, family, class) in found {
            let replacement = self.pseudonyms.name(family, &text[range.clone()]);
            actions.push(Action {
                range,
                priority: 10,
                replacement,
                class,
            });
        }
    }

    fn record(&mut self, class: Class, original: &str, pseudonym: &str) {
        let normalised = if class == Class::Anchor {
            original.to_owned()
        } else {
            original.to_lowercase()
        };
        let order = self.replaced.len();
        self.replaced
            .entry((class, normalised))
            .or_insert_with(|| Replaced {
                class,
                original: original.to_owned(),
                pseudonym: pseudonym.to_owned(),
                order,
            });
    }

    /// Every distinct value replaced, by class then in order of first replacement.
    pub fn replaced(&self) -> Vec<Replaced> {
        let mut out: Vec<Replaced> = self.replaced.values().cloned().collect();
        out.sort_by_key(|r| (r.class, r.order));
        out
    }
}

/// `contoso` of `contoso.onmicrosoft.com` / `contoso.mail.onmicrosoft.com`.
fn onmicrosoft_label(lower: &str) -> Option<&str> {
    let stem = lower.strip_suffix(".onmicrosoft.com")?;
    let stem = stem.strip_suffix(".mail").unwrap_or(stem);
    (!stem.is_empty() && !stem.contains('.')).then_some(stem)
}

fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}
