//! Finding candidate values in a text: one regular expression per form, run only when a single
//! `RegexSet` pass says the form occurs. Candidates are not yet decisions: whether a host name is
//! the customer's depends on what was learned from the whole report (see `super::text`).

use regex::{Regex, RegexSet};
use std::ops::Range;

/// The form a candidate was found in, with the parts its replacement needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `local@domain` (or URL-encoded `local%40domain`), with an optional proxy prefix (`smtp:`);
    /// prefix and separator are kept as written.
    Address {
        /// `smtp:`/`SMTP:`/`sip:` and the like, when present.
        prefix: Option<Range<usize>>,
        /// Local part.
        local: Range<usize>,
        /// Domain part.
        domain: Range<usize>,
    },
    /// The value of a `CN=` or `OU=` component.
    DnValue {
        /// True for OU.
        ou: bool,
    },
    /// A run of `DC=` components; `labels` are the value ranges.
    DcRun {
        /// The DC values, in order.
        labels: Vec<Range<usize>>,
    },
    /// `DOMAIN\user`.
    Logon {
        /// Domain part.
        domain: Range<usize>,
        /// User part (may end in `$`).
        user: Range<usize>,
    },
    /// The value of a named attribute.
    Keyed(KeyedKind),
    /// A GUID (without braces).
    Guid,
    /// A hex anchor inside braces (without them).
    HexAnchor,
    /// A 24-character base64 value ending in `==`.
    Base64Anchor,
    /// `S-1-5-21-a-b-c[-rid]`.
    DomainSid {
        /// `a-b-c`.
        domain: Range<usize>,
        /// The RID, when present.
        rid: Option<Range<usize>>,
    },
    /// Another SID that names one principal (`S-1-12-1-…`).
    OtherSid,
    /// An IPv4 address.
    Ipv4,
    /// An IPv6 address.
    Ipv6,
    /// A dotted name (`AADCONNECT01.contoso.com`, `System.Data`): the customer's or not.
    DottedName,
}

/// What a named attribute holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyedKind {
    /// sAMAccountName and other logon-name attributes.
    Account,
    /// A person's name.
    Person,
    /// An immutable id / source anchor.
    Anchor,
    /// A tenant id or tenant name.
    Tenant,
    /// A computer, domain controller or host name.
    Host,
    /// A domain or forest name.
    Domain,
}

/// One candidate: a byte range of the text and its form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Byte range replaced.
    pub range: Range<usize>,
    /// Its form.
    pub kind: Kind,
}

const ADDRESS: &str = r"(?i)(?:(smtp|sip|eum|x400):)?([a-z0-9._%+#-](?:[a-z0-9._%+#'-]*[a-z0-9._%+#-])?)(?:@|%40)([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)";
const DN_VALUE: &str = r#"(?i)(CN|OU)=((?:\\.|[^,+;"<>\\\r\n])+)"#;
const DC_RUN: &str = r"(?i)DC=([a-z0-9-]+)(?:\s*,\s*DC=([a-z0-9-]+))*";
const DC_ONE: &str = r"(?i)DC=([a-z0-9-]+)";
const LOGON: &str = r"([A-Za-z0-9][A-Za-z0-9._-]{0,62})\\([A-Za-z0-9][A-Za-z0-9._-]{0,63}\$?)";
const KEYED: &str = r#"(?i)(samaccountname|sam-account-name|accountname|account name|username|user name|logonname|logon name|displayname|display name|givenname|given name|surname|sn|immutableid|immutable id|onpremisesimmutableid|sourceanchor|source anchor|anchor|ms-ds-consistencyguid|msds-consistencyguid|objectguid|cloudanchor|tenantid|tenant id|tenant_id|tenant|directoryid|directory id|tenantname|tenant name|computername|computer name|computer|machinename|machine name|hostname|host name|dchostname|domain controller hostname|domain controller name|domain controller|fqdn|domainname|domain name|domain|forestname|forest name|forest)(?:"?\s*[:=]\s*"?|>)\s*([^\r\n"<>]+)"#;
const GUID: &str = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}";
const HEX_ANCHOR: &str = r"\{([0-9A-Fa-f]{32,})\}";
const BASE64_ANCHOR: &str = r"[A-Za-z0-9+/]{22}==";
const DOMAIN_SID: &str = r"(?i)S-1-5-21-(\d{1,10}-\d{1,10}-\d{1,10})(?:-(\d{1,10}))?";
const OTHER_SID: &str = r"(?i)S-1-12-1-\d{1,10}-\d{1,10}-\d{1,10}-\d{1,10}";
const IPV4: &str = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}";
const IPV6: &str = r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.[0-9]{1,3}){0,3}";
const DOTTED: &str = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))+";

/// The compiled detectors, built once per run.
#[derive(Debug)]
pub struct Detectors {
    set: RegexSet,
    address: Regex,
    dn_value: Regex,
    dc_run: Regex,
    dc_one: Regex,
    logon: Regex,
    keyed: Regex,
    guid: Regex,
    hex_anchor: Regex,
    base64_anchor: Regex,
    domain_sid: Regex,
    other_sid: Regex,
    ipv4: Regex,
    ipv6: Regex,
    dotted: Regex,
}

/// Order of the patterns in the set.
const PATTERNS: [&str; 13] = [
    ADDRESS,
    DN_VALUE,
    DC_RUN,
    LOGON,
    KEYED,
    GUID,
    HEX_ANCHOR,
    BASE64_ANCHOR,
    DOMAIN_SID,
    OTHER_SID,
    IPV4,
    IPV6,
    DOTTED,
];

fn is_alnum_at(text: &str, index: usize) -> bool {
    text.as_bytes()
        .get(index)
        .is_some_and(u8::is_ascii_alphanumeric)
}

fn byte_before(text: &str, start: usize) -> Option<u8> {
    start.checked_sub(1).map(|i| text.as_bytes()[i])
}

fn byte_at(text: &str, index: usize) -> Option<u8> {
    text.as_bytes().get(index).copied()
}

impl Default for Detectors {
    fn default() -> Self {
        Self::new()
    }
}

impl Detectors {
    /// Compiles the detectors.
    ///
    /// # Panics
    /// Never for the fixed patterns above (covered by tests).
    #[allow(clippy::expect_used)]
    pub fn new() -> Detectors {
        let re = |p: &str| Regex::new(p).expect("fixed pattern compiles");
        Detectors {
            set: RegexSet::new(PATTERNS).expect("fixed patterns compile"),
            address: re(ADDRESS),
            dn_value: re(DN_VALUE),
            dc_run: re(DC_RUN),
            dc_one: re(DC_ONE),
            logon: re(LOGON),
            keyed: re(KEYED),
            guid: re(GUID),
            hex_anchor: re(HEX_ANCHOR),
            base64_anchor: re(BASE64_ANCHOR),
            domain_sid: re(DOMAIN_SID),
            other_sid: re(OTHER_SID),
            ipv4: re(IPV4),
            ipv6: re(IPV6),
            dotted: re(DOTTED),
        }
    }

    /// Every candidate in `text`, in no particular order; overlaps are resolved by the caller.
    pub fn candidates(&self, text: &str) -> Vec<Candidate> {
        let mut out = Vec::new();
        let matched = self.set.matches(text);
        if !matched.matched_any() {
            return out;
        }
        for index in matched.iter() {
            match index {
                0 => self.addresses(text, &mut out),
                1 => self.dn_values(text, &mut out),
                2 => self.dc_runs(text, &mut out),
                3 => self.logons(text, &mut out),
                4 => self.keyed(text, &mut out),
                5 => self.guids(text, &mut out),
                6 => self.hex_anchors(text, &mut out),
                7 => self.base64_anchors(text, &mut out),
                8 => self.domain_sids(text, &mut out),
                9 => self.other_sids(text, &mut out),
                10 => self.ipv4s(text, &mut out),
                11 => self.ipv6s(text, &mut out),
                _ => self.dotted(text, &mut out),
            }
        }
        out
    }

    fn addresses(&self, text: &str, out: &mut Vec<Candidate>) {
        for caps in self.address.captures_iter(text) {
            let (Some(whole), Some(local), Some(domain)) = (caps.get(0), caps.get(2), caps.get(3))
            else {
                continue;
            };
            out.push(Candidate {
                range: whole.range(),
                kind: Kind::Address {
                    prefix: caps.get(1).map(|p| p.start()..p.end() + 1),
                    local: local.range(),
                    domain: domain.range(),
                },
            });
        }
    }

    fn dn_values(&self, text: &str, out: &mut Vec<Candidate>) {
        for caps in self.dn_value.captures_iter(text) {
            let (Some(whole), Some(attr), Some(value)) = (caps.get(0), caps.get(1), caps.get(2))
            else {
                continue;
            };
            if is_alnum_at(text, whole.start().wrapping_sub(1)) && whole.start() > 0 {
                continue;
            }
            let trimmed = value.as_str().trim_end();
            if trimmed.trim().is_empty() {
                continue;
            }
            let start = value.start() + (trimmed.len() - trimmed.trim_start().len());
            out.push(Candidate {
                range: start..value.start() + trimmed.len(),
                kind: Kind::DnValue {
                    ou: attr.as_str().eq_ignore_ascii_case("ou"),
                },
            });
        }
    }

    fn dc_runs(&self, text: &str, out: &mut Vec<Candidate>) {
        for whole in self.dc_run.find_iter(text) {
            if whole.start() > 0 && is_alnum_at(text, whole.start() - 1) {
                continue;
            }
            let labels = self
                .dc_one
                .captures_iter(whole.as_str())
                .filter_map(|c| c.get(1))
                .map(|m| whole.start() + m.start()..whole.start() + m.end())
                .collect();
            out.push(Candidate {
                range: whole.range(),
                kind: Kind::DcRun { labels },
            });
        }
    }

    fn logons(&self, text: &str, out: &mut Vec<Candidate>) {
        for caps in self.logon.captures_iter(text) {
            let (Some(whole), Some(domain), Some(user)) = (caps.get(0), caps.get(1), caps.get(2))
            else {
                continue;
            };
            let before_ok = byte_before(text, whole.start())
                .is_none_or(|b| !(b.is_ascii_alphanumeric() || b"\\/._-%".contains(&b)));
            let after_ok = byte_at(text, whole.end()) != Some(b'\\');
            let domain_text = domain.as_str();
            let user_text = user.as_str();
            if !before_ok
                || !after_ok
                || domain_text.bytes().all(|b| b.is_ascii_digit())
                || super::allow::is_not_a_domain(domain_text)
                || super::allow::looks_like_file(user_text)
                || super::allow::looks_like_file(domain_text)
                || (byte_before(text, whole.start()) == Some(b' ')
                    && ends_with_word(&text[..whole.start() - 1], &["nt", "iis"]))
            {
                continue;
            }
            out.push(Candidate {
                range: whole.range(),
                kind: Kind::Logon {
                    domain: domain.range(),
                    user: user.range(),
                },
            });
        }
    }

    fn keyed(&self, text: &str, out: &mut Vec<Candidate>) {
        for caps in self.keyed.captures_iter(text) {
            let (Some(key), Some(value)) = (caps.get(1), caps.get(2)) else {
                continue;
            };
            if key.start() > 0 && is_alnum_at(text, key.start() - 1) {
                continue;
            }
            let key_text = key.as_str().to_ascii_lowercase().replace(['_', '-'], " ");
            let kind = match key_text.as_str() {
                "samaccountname" | "sam account name" | "accountname" | "account name"
                | "username" | "user name" | "logonname" | "logon name" => KeyedKind::Account,
                "displayname" | "display name" | "givenname" | "given name" | "surname" | "sn" => {
                    KeyedKind::Person
                }
                "immutableid"
                | "immutable id"
                | "onpremisesimmutableid"
                | "sourceanchor"
                | "source anchor"
                | "anchor"
                | "ms ds consistencyguid"
                | "msds consistencyguid"
                | "objectguid"
                | "cloudanchor" => KeyedKind::Anchor,
                "tenantid" | "tenant id" | "tenant" | "directoryid" | "directory id"
                | "tenantname" | "tenant name" => KeyedKind::Tenant,
                "domainname" | "domain name" | "domain" | "forestname" | "forest name"
                | "forest" => KeyedKind::Domain,
                _ => KeyedKind::Host,
            };
            let raw = value.as_str();
            // Person names run to the end of the value; everything else is one token.
            let len = match kind {
                // PowerShell prints byte arrays as `{151, 231, 18, ...}`.
                KeyedKind::Anchor if raw.starts_with('{') => {
                    raw.find('}').map_or(raw.len(), |end| end + 1)
                }
                KeyedKind::Person => raw.find([',', ';', '\t', '\'']).unwrap_or(raw.len()),
                _ => raw
                    .find(|c: char| c.is_whitespace() || ",;'()[]{}".contains(c))
                    .unwrap_or(raw.len()),
            };
            let token = raw[..len].trim_end_matches(['.', ':']).trim_end();
            // `Source anchor: mS-DS-ConsistencyGuid` names the attribute, a setting worth keeping.
            let names_attribute = kind == KeyedKind::Anchor
                && [
                    "objectGUID",
                    "mS-DS-ConsistencyGuid",
                    "msDS-ConsistencyGuid",
                    "employeeID",
                ]
                .iter()
                .any(|a| a.eq_ignore_ascii_case(token));
            if token.is_empty() || is_placeholder(token) || names_attribute {
                continue;
            }
            out.push(Candidate {
                range: value.start()..value.start() + token.len(),
                kind: Kind::Keyed(kind),
            });
        }
    }

    fn guids(&self, text: &str, out: &mut Vec<Candidate>) {
        for m in self.guid.find_iter(text) {
            let bounded = (m.start() == 0 || !is_alnum_at(text, m.start() - 1))
                && !is_alnum_at(text, m.end());
            let nil = m.as_str().bytes().all(|b| b == b'0' || b == b'-');
            if bounded && !nil {
                out.push(Candidate {
                    range: m.range(),
                    kind: Kind::Guid,
                });
            }
        }
    }

    fn hex_anchors(&self, text: &str, out: &mut Vec<Candidate>) {
        for caps in self.hex_anchor.captures_iter(text) {
            if let Some(inner) = caps.get(1) {
                out.push(Candidate {
                    range: inner.range(),
                    kind: Kind::HexAnchor,
                });
            }
        }
    }

    fn base64_anchors(&self, text: &str, out: &mut Vec<Candidate>) {
        let is_b64 = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
        for m in self.base64_anchor.find_iter(text) {
            let before_ok = byte_before(text, m.start()).is_none_or(|b| !is_b64(b));
            let after_ok = byte_at(text, m.end()).is_none_or(|b| !is_b64(b) && b != b'=');
            if before_ok && after_ok {
                out.push(Candidate {
                    range: m.range(),
                    kind: Kind::Base64Anchor,
                });
            }
        }
    }

    fn domain_sids(&self, text: &str, out: &mut Vec<Candidate>) {
        for caps in self.domain_sid.captures_iter(text) {
            let (Some(whole), Some(domain)) = (caps.get(0), caps.get(1)) else {
                continue;
            };
            if sid_bounded(text, whole.range()) {
                out.push(Candidate {
                    range: whole.range(),
                    kind: Kind::DomainSid {
                        domain: domain.range(),
                        rid: caps.get(2).map(|r| r.range()),
                    },
                });
            }
        }
    }

    fn other_sids(&self, text: &str, out: &mut Vec<Candidate>) {
        for m in self.other_sid.find_iter(text) {
            if sid_bounded(text, m.range()) {
                out.push(Candidate {
                    range: m.range(),
                    kind: Kind::OtherSid,
                });
            }
        }
    }

    fn ipv4s(&self, text: &str, out: &mut Vec<Candidate>) {
        for m in self.ipv4.find_iter(text) {
            let before_ok =
                byte_before(text, m.start()).is_none_or(|b| !(b.is_ascii_digit() || b == b'.'));
            let after = &text.as_bytes()[m.end()..];
            let after_ok = match after {
                [d, ..] if d.is_ascii_digit() => false,
                [b'.', d, ..] if d.is_ascii_digit() => false,
                _ => true,
            };
            if !before_ok || !after_ok {
                continue;
            }
            let Ok(address) = m.as_str().parse::<std::net::Ipv4Addr>() else {
                continue;
            };
            if address.is_loopback()
                || address.is_unspecified()
                || address.is_broadcast()
                || is_netmask(address)
                || is_version_context(&text[..m.start()])
            {
                continue;
            }
            out.push(Candidate {
                range: m.range(),
                kind: Kind::Ipv4,
            });
        }
    }

    fn ipv6s(&self, text: &str, out: &mut Vec<Candidate>) {
        for m in self.ipv6.find_iter(text) {
            // The match may begin inside a word (`address:2001:db8::1`, `abc:` is hex) or run on
            // into the sentence (`…::1: down`, `…::1:aGateway`): try the starts after each colon
            // and the ends before each colon or dot, longest first.
            let starts_ok = byte_before(text, m.start()).is_none_or(|b| !b.is_ascii_alphanumeric());
            let candidate = m.as_str();
            let starts = std::iter::once(0)
                .filter(|_| starts_ok)
                .chain(candidate.match_indices(':').map(|(i, _)| i + 1));
            let found = starts
                .filter_map(|start| {
                    longest_ipv6(&candidate[start..], |len| {
                        !is_alnum_at(text, m.start() + start + len)
                    })
                    .map(|len| (start, len))
                })
                .next();
            if let Some((start, len)) = found {
                out.push(Candidate {
                    range: m.start() + start..m.start() + start + len,
                    kind: Kind::Ipv6,
                });
            }
        }
    }

    fn dotted(&self, text: &str, out: &mut Vec<Candidate>) {
        for m in self.dotted.find_iter(text) {
            // `_` is a boundary: file names such as `error_export_contoso.com_-_AAD.xml`.
            let before_ok = byte_before(text, m.start())
                .is_none_or(|b| !(b.is_ascii_alphanumeric() || b"-.".contains(&b)));
            if before_ok {
                out.push(Candidate {
                    range: m.range(),
                    kind: Kind::DottedName,
                });
            }
        }
    }
}

/// The length of the longest prefix of `text`, cut before a colon or dot, that is an IPv6 address
/// worth replacing (two groups at least, not loopback or unspecified) and that `ends_well`.
fn longest_ipv6(text: &str, ends_well: impl Fn(usize) -> bool) -> Option<usize> {
    let cuts = text
        .match_indices([':', '.'])
        .map(|(i, _)| i)
        .chain([text.len()]);
    let mut cuts: Vec<usize> = cuts.collect();
    cuts.sort_unstable_by(|a, b| b.cmp(a));
    cuts.into_iter().find(|&len| {
        let candidate = &text[..len];
        candidate
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|address| {
                candidate
                    .split([':', '.'])
                    .filter(|g| !g.is_empty())
                    .count()
                    >= 2
                    && !address.is_loopback()
                    && !address.is_unspecified()
            })
            && ends_well(len)
    })
}

fn sid_bounded(text: &str, range: Range<usize>) -> bool {
    byte_before(text, range.start).is_none_or(|b| !(b.is_ascii_alphanumeric() || b == b'-'))
        && byte_at(text, range.end).is_none_or(|b| !b.is_ascii_digit())
}

/// Values that stand for "nothing" (`N/A`, `<not available>` is cut at `<` already).
fn is_placeholder(token: &str) -> bool {
    [
        "n/a", "na", "none", "null", "-", "(null)", "true", "false", "unknown", "empty",
    ]
    .iter()
    .any(|p| p.eq_ignore_ascii_case(token))
}

/// True when the text before ends with one of `words` (ASCII case-insensitive, at a word start).
fn ends_with_word(before: &str, words: &[&str]) -> bool {
    words.iter().any(|w| {
        before.len() >= w.len()
            && before.is_char_boundary(before.len() - w.len())
            && before[before.len() - w.len()..].eq_ignore_ascii_case(w)
            && (before.len() == w.len() || !is_alnum_at(before, before.len() - w.len() - 1))
    })
}

/// `2.3.20.0` after `Version:`, `version=`, `v`: a version number, not an address.
fn is_version_context(before: &str) -> bool {
    if before.ends_with(['v', 'V']) {
        return true;
    }
    let trimmed = before.trim_end_matches([' ', '\t', ':', '=', '"', '\'']);
    ends_with_suffix_ci(trimmed, "version") || ends_with_suffix_ci(trimmed, "build")
}

fn ends_with_suffix_ci(text: &str, suffix: &str) -> bool {
    text.len() >= suffix.len()
        && text.is_char_boundary(text.len() - suffix.len())
        && text[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// `255.255.255.0`: a subnet mask.
fn is_netmask(address: std::net::Ipv4Addr) -> bool {
    let bits = u32::from(address);
    address.octets()[0] == 255 && bits.leading_ones() + bits.trailing_zeros() == 32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(String, Kind)> {
        let mut found: Vec<_> = Detectors::new()
            .candidates(text)
            .into_iter()
            .map(|c| (text[c.range].to_owned(), c.kind))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found
    }

    /// Candidate texts other than dotted names (those are decided later, see `super::text`).
    fn texts(text: &str) -> Vec<String> {
        kinds(text)
            .into_iter()
            .filter(|(_, k)| *k != Kind::DottedName)
            .map(|(t, _)| t)
            .collect()
    }

    #[test]
    fn logons_but_not_paths_or_builtins() {
        assert_eq!(
            texts(r"run as CONTOSO\ADSyncMSA1a2b3$ now"),
            [r"CONTOSO\ADSyncMSA1a2b3$"]
        );
        assert!(texts(r"C:\ProgramData\Microsoft\Azure AD Connect").is_empty());
        assert!(texts(r"NT AUTHORITY\SYSTEM and NT SERVICE\ADSync").is_empty());
        assert!(texts(r"HKLM\SOFTWARE").is_empty());
        assert!(texts(r"see Trace\agent.log").is_empty());
    }

    #[test]
    fn ipv4_but_not_versions_masks_or_loopback() {
        assert_eq!(texts("from 10.1.2.3:443"), ["10.1.2.3"]);
        assert!(texts("Version: 2.3.20.0").is_empty());
        assert!(texts("ServerConfigurationVersion: 2.3.20.0").is_empty());
        assert!(texts("mask 255.255.255.0 at 127.0.0.1 or 0.0.0.0").is_empty());
        assert!(texts("1.2.3.4.5").is_empty());
    }

    #[test]
    fn ipv6_with_trailing_colon_and_not_times() {
        assert_eq!(texts("peer fe80::1c2:3d4%12: down"), ["fe80::1c2:3d4"]);
        assert_eq!(texts("[2001:db8:0:1::20]:443"), ["2001:db8:0:1::20"]);
        assert!(texts("at 10:15:23.123 and ::1 or Class::Add").is_empty());
        assert_eq!(texts("address:2001:db8::1"), ["2001:db8::1"]);
    }

    #[test]
    fn dn_values_keep_escaped_commas() {
        let found = kinds(r"CN=Smith\, John,OU=Sales,DC=contoso,DC=com");
        assert_eq!(found[0].0, r"DC=contoso,DC=com");
        assert_eq!(found[1].0, r"Sales");
        assert_eq!(found[2].0, r"Smith\, John");
    }

    #[test]
    fn keyed_values() {
        assert_eq!(texts("sAMAccountName : jdoe"), ["jdoe"]);
        assert_eq!(
            texts("GET /users/jdoe%40contoso.com"),
            ["jdoe%40contoso.com"]
        );
        assert_eq!(
            texts("<displayName>John Smith</displayName>"),
            ["John Smith"]
        );
        assert_eq!(
            texts("mS-DS-ConsistencyGuid : {151, 231, 18, 52}"),
            ["{151, 231, 18, 52}"]
        );
        assert!(texts("User: N/A").is_empty());
        assert_eq!(
            texts("for domain: contoso.com, domain controller"),
            ["contoso.com"]
        );
    }

    #[test]
    fn sids_guids_anchors() {
        assert_eq!(
            texts("S-1-5-21-3623811015-3361044348-30300820-1013 x"),
            ["S-1-5-21-3623811015-3361044348-30300820-1013"]
        );
        assert_eq!(
            texts("{B891884F-051E-4A83-95AF-2544101C9083}"),
            ["B891884F-051E-4A83-95AF-2544101C9083"]
        );
        assert!(texts("00000000-0000-0000-0000-000000000000").is_empty());
        assert_eq!(
            texts("ImmutableId x 9Xe6ZQmnSU+VfR0kXMqTlA== ."),
            ["9Xe6ZQmnSU+VfR0kXMqTlA=="]
        );
    }
}
