//! Tests of redaction as a whole: one test per class with the exact pseudonym, consistency across a
//! report, and property tests that values embedded in random text never survive.

use super::class::Family;
use super::pseudonym::Pseudonyms;
use super::*;
use proptest::prelude::*;

const SECRET: &str = "unit-test-key";

fn redactor() -> Redactor {
    Redactor::with_secret(SECRET).expect("key")
}

/// The pseudonym a family gives a value under the test key, computed independently of detection.
fn name(family: Family, value: &str) -> String {
    Pseudonyms::new(Key::from_secret(SECRET)).name(family, value)
}

fn one(text: &str) -> String {
    redactor().redact_texts(&[text]).0.remove(0)
}

#[test]
fn pseudonyms_are_stable_across_versions() {
    // Reports made with the same key are comparable only while this holds.
    let mut p = Pseudonyms::new(Key::from_secret("golden"));
    assert_eq!(p.name(Family::User, "jdoe"), "user-b5zg7r");
    assert_eq!(p.name(Family::Domain, "contoso.com"), "domain-34bg65");
}

#[test]
fn upn_and_email() {
    let expected = format!(
        "user {}@{}.example signed in",
        name(Family::User, "jdoe"),
        name(Family::Domain, "contoso.com")
    );
    assert_eq!(one("user jdoe@Contoso.com signed in"), expected);
    assert_eq!(
        one("GET /v1.0/users/jdoe%40contoso.com"),
        format!(
            "GET /v1.0/users/{}%40{}.example",
            name(Family::User, "jdoe"),
            name(Family::Domain, "contoso.com")
        )
    );
}

#[test]
fn proxy_addresses_keep_their_prefix_and_collide_visibly() {
    let (out, mapping) = redactor().redact_texts(&[
        "[ProxyAddresses SMTP:jdoe@contoso.com;]",
        "smtp:JDoe@contoso.com",
    ]);
    let address = format!(
        "{}@{}.example",
        name(Family::User, "jdoe"),
        name(Family::Domain, "contoso.com")
    );
    assert_eq!(out[0], format!("[ProxyAddresses SMTP:{address};]"));
    assert_eq!(out[1], format!("smtp:{address}"));
    assert_eq!(mapping.counts().get("proxy_address"), Some(&1));
}

#[test]
fn dn_components_with_escaped_commas() {
    let out = one(r"CN=Smith\, John,OU=Sales,OU=Users,DC=contoso,DC=com");
    let domain = name(Family::Domain, "contoso.com");
    assert_eq!(
        out,
        format!(
            "CN={},OU={},OU=Users,DC={domain},DC=example",
            name(Family::Cn, r"Smith\, John"),
            name(Family::Ou, "Sales")
        )
    );
}

#[test]
fn logon_names_and_sam_account_names() {
    let (out, _) = redactor().redact_texts(&[
        r"Logon as CONTOSO\jdoe failed",
        "sAMAccountName : jdoe",
        r"service account CONTOSO\ADSyncMSA1a2b3$",
        "password of jdoe expired",
    ]);
    let user = name(Family::User, "jdoe");
    let domain = name(Family::Netbios, "contoso");
    assert_eq!(out[0], format!(r"Logon as {domain}\{user} failed"));
    assert_eq!(out[1], format!("sAMAccountName : {user}"));
    assert_eq!(
        out[2],
        format!(
            r"service account {domain}\{}$",
            name(Family::Host, "ADSyncMSA1a2b3")
        )
    );
    assert_eq!(out[3], format!("password of {user} expired"));
}

#[test]
fn guids_braced_or_not_and_tenant_ids() {
    let (out, mapping) = redactor().redact_texts(&[
        "connector {B891884F-051E-4A83-95AF-2544101C9083}",
        "Identifier : b891884f-051e-4a83-95af-2544101c9083",
        "objectGUID: {B891884F-051E-4A83-95AF-2544101C9083}",
        "TenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47",
        "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2",
    ]);
    let guid = name(Family::Guid, "b891884f-051e-4a83-95af-2544101c9083");
    assert_eq!(out[0], format!("connector {{{guid}}}"));
    assert_eq!(out[1], format!("Identifier : {guid}"));
    assert_eq!(out[2], format!("objectGUID: {{{guid}}}"));
    let tenant = name(Family::TenantId, "72f988bf-86f1-41af-91ab-2d7cd011db47");
    assert_eq!(out[3], format!("TenantId: {tenant}"));
    assert_eq!(
        out[4],
        format!("https://login.microsoftonline.com/{tenant}/oauth2")
    );
    assert_eq!(mapping.counts().get("tenant"), Some(&1));
}

#[test]
fn anchors_base64_and_hex() {
    let out =
        one("ImmutableId : 9Xe6ZQmnSU+VfR0kXMqTlA== and CN={4A4B3C2D1E0F00112233445566778899}");
    assert_eq!(
        out,
        format!(
            "ImmutableId : {} and CN={}",
            name(Family::Anchor, "9Xe6ZQmnSU+VfR0kXMqTlA=="),
            name(Family::Cn, "{4A4B3C2D1E0F00112233445566778899}")
        )
    );
    let hex = one("anchor {4A4B3C2D1E0F00112233445566778899}");
    assert_eq!(
        hex,
        format!(
            "anchor {{{}}}",
            name(Family::Anchor, "4a4b3c2d1e0f00112233445566778899")
        )
    );
}

#[test]
fn sids_keep_their_rid() {
    let mut p = Pseudonyms::new(Key::from_secret(SECRET));
    let tag = p.tag(Family::SidDomain, "3623811015-3361044348-30300820");
    assert_eq!(
        one("owner S-1-5-21-3623811015-3361044348-30300820-1013, well-known S-1-5-18"),
        format!("owner S-1-5-21-sid{tag}-1013, well-known S-1-5-18")
    );
}

#[test]
fn tenant_names() {
    let tenant = name(Family::TenantName, "contoso");
    assert_eq!(
        one("connector contoso.onmicrosoft.com - AAD, mail contoso.mail.onmicrosoft.com"),
        format!("connector {tenant}.onmicrosoft.com - AAD, mail {tenant}.mail.onmicrosoft.com")
    );
}

#[test]
fn computers_and_domain_controllers() {
    let (out, _) = redactor().redact_texts(&[
        "Computer: AADCONNECT01.contoso.com",
        "dc DC01.contoso.com unreachable from AADCONNECT01",
        "bundle.zip!/RUNHISTORY/AADCONNECT01_Get-ADSyncRunProfileResult.csv",
        "endpoint login.microsoftonline.com and x.servicebus.windows.net stay",
    ]);
    let host = name(Family::Host, "aadconnect01");
    let domain = format!("{}.example", name(Family::Domain, "contoso.com"));
    assert_eq!(out[0], format!("Computer: {host}.{domain}"));
    assert_eq!(
        out[1],
        format!(
            "dc {}.{domain} unreachable from {host}",
            name(Family::Host, "dc01")
        )
    );
    assert_eq!(
        out[2],
        format!("bundle.zip!/RUNHISTORY/{host}_Get-ADSyncRunProfileResult.csv")
    );
    assert_eq!(
        out[3],
        "endpoint login.microsoftonline.com and x.servicebus.windows.net stay"
    );
}

#[test]
fn ip_addresses_but_not_versions() {
    assert_eq!(
        one("from 10.1.2.3 and fe80::1c2:3d4 (version 2.3.20.0)"),
        format!(
            "from {} and {} (version 2.3.20.0)",
            name(Family::Ipv4, "10.1.2.3"),
            name(Family::Ipv6, "fe80::1c2:3d4")
        )
    );
}

#[test]
fn documentation_urls_stay() {
    let text = "See https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/tshoot-connect-sync-errors and aka.ms/aadconnect";
    assert_eq!(one(text), text);
}

#[test]
fn consistent_within_and_distinct_between_values() {
    let (out, mapping) = redactor().redact_texts(&[
        "a jdoe@contoso.com b kim@contoso.com",
        "c kim@contoso.com d jdoe@contoso.com",
    ]);
    let words0: Vec<&str> = out[0].split(' ').collect();
    let words1: Vec<&str> = out[1].split(' ').collect();
    assert_eq!(words0[1], words1[3]);
    assert_eq!(words0[3], words1[1]);
    assert_ne!(words0[1], words0[3]);
    assert_eq!(mapping.counts().get("upn"), Some(&2));
}

// ------------------------------------------------------------------ property tests

fn filler() -> impl Strategy<Value = String> {
    // Prose around values: words, punctuation, quotes, XML brackets. No `/` or `\`: within a
    // path, `DOMAIN\user` is a path segment and is left alone by design.
    "[ ,;:()\\[\\]\"'<>]{1,3}([A-Za-z]{0,8}[ ,;:()\\[\\]\"'<>]{1,3}){0,6}"
}

/// Prose without `:`/`=`, so that no filler word can turn into an attribute name before a value.
fn plain_filler() -> impl Strategy<Value = String> {
    "[ ,;()\\[\\]]{1,3}([A-Za-z]{0,8}[ ,;()\\[\\]]{1,3}){0,6}"
}

fn label() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{5,10}"
}

/// `(the value, the part of it that must never survive)`.
fn class_value() -> impl Strategy<Value = (String, Vec<String>)> {
    prop_oneof![
        (label(), label()).prop_map(|(u, d)| (format!("{u}@{d}.com"), vec![u, d])),
        (label(), label()).prop_map(|(u, d)| (format!("SMTP:{u}@{d}.org"), vec![u, d])),
        (label(), label(), label())
            .prop_map(|(cn, ou, dc)| (format!("CN={cn},OU={ou},DC={dc},DC=com"), vec![cn, ou, dc])),
        ("[A-Z][A-Z0-9]{5,10}", label()).prop_map(|(d, u)| (format!("{d}\\{u}"), vec![d, u])),
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
            .prop_map(|g| (format!("{{{g}}}"), vec![g])),
        "[A-Za-z0-9+/]{21}[AQgw]==".prop_map(|a| (a.clone(), vec![a])),
        (
            1_000_000u32..4_000_000_000,
            1_000_000u32..4_000_000_000,
            1_000u32..99_999
        )
            .prop_map(|(a, b, r)| {
                let sid = format!("S-1-5-21-{a}-{b}-{r}-{r}");
                (sid, vec![format!("{a}-{b}")])
            }),
        label().prop_map(|t| (format!("{t}.onmicrosoft.com"), vec![t])),
        (1u8..=223, any::<u8>(), any::<u8>(), 1u8..=254)
            .prop_filter("not loopback", |(a, ..)| *a != 127)
            .prop_map(|(a, b, c, d)| {
                let ip = format!("{a}.{b}.{c}.{d}");
                (ip.clone(), vec![ip])
            }),
        (0x2001u16..0x2fff, any::<u16>(), any::<u16>(), 1u16..).prop_map(|(a, b, c, d)| {
            let ip = format!("{a:x}:{b:x}:{c:x}::{d:x}");
            (ip.clone(), vec![ip])
        }),
        ("[A-Z][A-Z0-9]{5,10}", label())
            .prop_map(|(h, d)| (format!("Computer: {h}.{d}.local"), vec![h, d])),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn values_in_random_text_never_survive(
        before in filler(),
        (value, secrets) in class_value(),
        after in filler(),
    ) {
        let text = format!("{before}{value}{after}");
        let out = one(&text);
        for secret in &secrets {
            prop_assert!(
                !out.to_lowercase().contains(&secret.to_lowercase()),
                "{secret:?} survived in {out:?} (from {text:?})"
            );
        }
    }

    #[test]
    fn same_value_same_pseudonym_everywhere(
        (value, _) in class_value(),
        a in plain_filler(),
        b in plain_filler(),
    ) {
        let (out, _) = redactor().redact_texts(&[&format!("x{a}{value}"), &format!("{value}{b}y")]);
        let first = out[0].strip_prefix('x').and_then(|s| s.strip_prefix(a.as_str())).map(str::to_owned);
        let second = out[1].strip_suffix('y').and_then(|s| s.strip_suffix(b.as_str())).map(str::to_owned);
        prop_assert!(first.is_some() && first == second, "{out:?}");
    }
}

// ------------------------------------------------------------------ whole reports

mod report {
    use super::*;
    use crate::report::{
        Confidence, Disposition, Evidence, FactReport, Finding, InputReport, Link, Report,
        RunSettings, Severity, Summary, Tool,
    };
    use crate::timeline::Timeline;
    use std::collections::BTreeMap;
    use syncsift_parsers::{EventTime, Level, Locator, Record};

    const UPN: &str = "jdoe@contoso.com";

    fn input(path: &str) -> InputReport {
        InputReport {
            path: path.to_owned(),
            container: None,
            format: Some("agent trace (UTF-8)".to_owned()),
            size: 1,
            disposition: Disposition::Parsed,
            reason: None,
            entries: 1,
            kept: 1,
            facts: 0,
            bad: 0,
            problems: vec![format!("at 3: odd line for {UPN}")],
            problem_count: 1,
        }
    }

    fn record(message: &str, computer: Option<&str>) -> Record {
        Record {
            time: EventTime::unknown(),
            provider: "Directory Synchronization".to_owned(),
            event_id: Some(611),
            level: Level::Error,
            channel: Some("Application".to_owned()),
            computer: computer.map(str::to_owned),
            message: message.to_owned(),
            fields: vec![("User".to_owned(), r"CONTOSO\jdoe".to_owned())],
            locator: Locator::Line(3),
        }
    }

    fn finding() -> Finding {
        Finding {
            id: "phs-domain-unreachable".to_owned(),
            title: "Password hash sync cannot reach a domain controller".to_owned(),
            product: "connect-sync".to_owned(),
            severity: Severity::Error,
            confidence: Confidence::High,
            first_seen: None,
            last_seen: None,
            count: 1,
            evidence: vec![Evidence {
                entry: Some(0),
                time: None,
                provenance: "C:/cases/AADCONNECT01_Application_events.txt:3".to_owned(),
                text: format!("failed for {UPN} on DC01.contoso.com (10.1.2.3)"),
            }],
            details: BTreeMap::from([
                ("domain".to_owned(), vec!["contoso.com".to_owned()]),
                ("dc_ip".to_owned(), vec!["10.1.2.3".to_owned()]),
            ]),
            gaps: Vec::new(),
            explanation: "The sync server must reach a writable DC of contoso-like forests."
                .to_owned(),
            remediation: vec!["Open https://learn.microsoft.com/troubleshoot-phs".to_owned()],
            links: vec![Link {
                title: "Troubleshoot password hash sync".to_owned(),
                url: "https://learn.microsoft.com/entra/identity/hybrid/connect/tshoot-connect-password-hash-synchronization".to_owned(),
            }],
        }
    }

    fn report() -> Report {
        Report {
            schema_version: crate::report::SCHEMA_VERSION,
            tool: Tool::default(),
            settings: RunSettings {
                source_zone: "UTC".to_owned(),
                selection: "all",
            },
            summary: Summary::default(),
            inputs: vec![input("C:/cases/AADCONNECT01_Application_events.txt")],
            findings: vec![finding()],
            facts: vec![FactReport {
                input: 0,
                source: "C:/cases/AADCONNECT01_Application_events.txt:9".to_owned(),
                section: Some("contoso.com".to_owned()),
                key: "UserPrincipalName".to_owned(),
                value: UPN.to_owned(),
            }],
            timeline: Timeline::merge(vec![(
                0,
                vec![record(
                    &format!("Password sync failed for {UPN}"),
                    Some("AADCONNECT01.contoso.com"),
                )],
            )]),
            redaction: None,
        }
    }

    #[test]
    fn every_text_from_the_bundle_is_redacted_and_catalogue_text_stays() {
        let mut report = report();
        let before = finding();
        let mapping = redact_report(&mut report, &redactor());
        let json = serde_json::to_string(&report).expect("JSON");
        for secret in ["jdoe", "contoso", "aadconnect01", "dc01", "10.1.2.3"] {
            let explanation_hits = before.explanation.to_lowercase().matches(secret).count();
            assert_eq!(
                json.to_lowercase().matches(secret).count(),
                explanation_hits,
                "{secret} left outside the catalogue text: {json}"
            );
        }
        let finding = &report.findings[0];
        assert_eq!(finding.title, before.title);
        assert_eq!(finding.explanation, before.explanation);
        assert_eq!(finding.remediation, before.remediation);
        assert_eq!(finding.links, before.links);
        assert_eq!(report.facts[0].key, "UserPrincipalName");
        assert_eq!(report.timeline.entries()[0].record.fields[0].0, "User");
        assert_eq!(
            report.timeline.entries()[0].record.provider,
            "Directory Synchronization"
        );
        let summary = report.redaction.as_ref().expect("summary");
        assert_eq!(summary.key, "given");
        assert_eq!(summary.replaced, mapping.counts());
        assert_eq!(summary.replaced.get("upn"), Some(&1));
    }

    #[test]
    fn one_value_one_pseudonym_across_findings_timeline_facts_and_inputs() {
        let mut report = report();
        redact_report(&mut report, &redactor());
        let upn = format!(
            "{}@{}.example",
            name(Family::User, "jdoe"),
            name(Family::Domain, "contoso.com")
        );
        let host = name(Family::Host, "aadconnect01");
        assert_eq!(report.facts[0].value, upn);
        assert!(report.findings[0].evidence[0].text.contains(&upn));
        assert!(report.inputs[0].problems[0].ends_with(&upn));
        let entry = &report.timeline.entries()[0].record;
        assert!(entry.message.ends_with(&upn));
        assert_eq!(
            entry.computer.as_deref(),
            Some(format!("{host}.{}.example", name(Family::Domain, "contoso.com")).as_str())
        );
        assert_eq!(
            entry.fields[0].1,
            format!(
                r"{}\{}",
                name(Family::Netbios, "contoso"),
                name(Family::User, "jdoe")
            )
        );
        assert!(
            report.inputs[0]
                .path
                .contains(&format!("{host}_Application"))
        );
        assert!(report.findings[0].evidence[0].provenance.contains(&host));
        assert_eq!(
            report.findings[0].details["domain"],
            [format!("{}.example", name(Family::Domain, "contoso.com"))]
        );
        assert_eq!(
            report.findings[0].details["dc_ip"],
            [name(Family::Ipv4, "10.1.2.3")]
        );
        assert_eq!(
            report.facts[0].section.as_deref(),
            Some(format!("{}.example", name(Family::Domain, "contoso.com")).as_str())
        );
    }
}
