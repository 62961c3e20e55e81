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
        "TenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47",
        "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2",
    ]);
    let guid = name(Family::Guid, "b891884f-051e-4a83-95af-2544101c9083");
    assert_eq!(out[0], format!("connector {{{guid}}}"));
    assert_eq!(out[1], format!("Identifier : {guid}"));
    let tenant = name(Family::TenantId, "72f988bf-86f1-41af-91ab-2d7cd011db47");
    assert_eq!(out[2], format!("TenantId: {tenant}"));
    assert_eq!(
        out[3],
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
    // Prose around values: words, punctuation, spaces; no characters that would join a value.
    "[ ,;:()\\[\\]]{1,3}([A-Za-z]{0,8}[ ,;:()\\[\\]]{1,3}){0,6}"
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
