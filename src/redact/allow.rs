//! What is never redacted, and words that are never treated as names: Microsoft service hosts (so
//! endpoints stay readable in evidence and remediation), well-known AD containers and built-in
//! account domains, and the vocabulary of the product's own messages.

/// DNS suffixes of Microsoft services and of certificate revocation endpoints the docs name. A host
/// equal to or under one of these stays.
const SERVICE_SUFFIXES: &[&str] = &[
    "microsoft.com",
    "microsoftonline.com",
    "microsoftonline-p.com",
    "microsoftonline-p.net",
    "windows.net",
    "windows.com",
    "windowsupdate.com",
    "msappproxy.net",
    "servicebus.windows.net",
    "azure.com",
    "azure.net",
    "azureedge.net",
    "azure-automation.net",
    "trafficmanager.net",
    "msftauth.net",
    "msauth.net",
    "msauthimages.net",
    "msftidentity.com",
    "msidentity.com",
    "msocsp.com",
    "msecnd.net",
    "live.com",
    "live.net",
    "office.com",
    "office.net",
    "office365.com",
    "aka.ms",
    "digicert.com",
    "entrust.net",
    "globalsign.com",
    "verisign.com",
    "symcd.com",
    "symcb.com",
    "github.com",
    "powershellgallery.com",
    "example",
    "example.com",
    "example.org",
    "example.net",
    "invalid",
];

/// Top-level names only used inside organisations: a host under one is always the customer's.
const INTERNAL_TLDS: &[&str] = &[
    "local",
    "lan",
    "corp",
    "internal",
    "intranet",
    "intra",
    "ad",
    "private",
    "home",
    "localdomain",
];

/// True for a Microsoft (or other public service) host name, which stays readable.
pub fn is_service_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    SERVICE_SUFFIXES
        .iter()
        .any(|suffix| is_same_or_under(host, suffix))
}

/// True for a host whose top-level name is an organisation-internal one (`dc01.contoso.local`).
pub fn has_internal_tld(host: &str) -> bool {
    host.rsplit('.')
        .next()
        .is_some_and(|tld| INTERNAL_TLDS.iter().any(|t| t.eq_ignore_ascii_case(tld)))
}

/// True when `host` is `domain` or a name under it (label-aligned, ASCII case-insensitive).
pub fn is_same_or_under(host: &str, domain: &str) -> bool {
    if host.len() == domain.len() {
        return host.eq_ignore_ascii_case(domain);
    }
    host.len() > domain.len()
        && host.is_char_boundary(host.len() - domain.len())
        && host[host.len() - domain.len()..].eq_ignore_ascii_case(domain)
        && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
}

/// CN values of well-known AD containers and Exchange recipient paths: not personal.
const WELL_KNOWN_CN: &[&str] = &[
    "users",
    "computers",
    "builtin",
    "system",
    "configuration",
    "schema",
    "program data",
    "foreignsecurityprincipals",
    "managed service accounts",
    "microsoft exchange system objects",
    "sites",
    "services",
    "partitions",
    "recipients",
    "domain controllers",
    "microsoft",
    "microsoftdns",
    "policies",
];

/// True for a CN or OU value that names a well-known container.
pub fn is_well_known_container(value: &str) -> bool {
    WELL_KNOWN_CN.iter().any(|w| w.eq_ignore_ascii_case(value))
}

/// Domain parts of `DOMAIN\name` that are Windows built-ins, registry hives or path words.
const NOT_A_DOMAIN: &[&str] = &[
    "nt",
    "authority",
    "nt authority",
    "service",
    "nt service",
    "builtin",
    "apppool",
    "iis apppool",
    "manager",
    "host",
    "workgroup",
    "hklm",
    "hkcu",
    "hkcr",
    "hku",
    "hkcc",
    "hkey_local_machine",
    "hkey_current_user",
    "hkey_classes_root",
    "hkey_users",
    "software",
    "system",
    "microsoft",
];

/// True for a `DOMAIN\` part that is not a customer domain.
pub fn is_not_a_domain(domain: &str) -> bool {
    NOT_A_DOMAIN.iter().any(|w| w.eq_ignore_ascii_case(domain))
}

/// File extensions: `Bin\miiserver.exe` is a path, not a logon name.
const FILE_EXTENSIONS: &[&str] = &[
    "log", "txt", "xml", "csv", "evtx", "etl", "exe", "dll", "config", "ps1", "psm1", "psd1",
    "json", "zip", "cab", "msi", "mdf", "ldf", "dat", "ini", "bak", "tmp", "cmd", "bat", "sys",
    "htm", "html", "md",
];

/// True when `name` ends in a file extension (`trace.log`).
pub fn looks_like_file(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && FILE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext))
    })
}

/// Words that may be learned as names (a NetBIOS domain `SYNC`, a user `admin`) but are too common
/// in the product's own messages to be replaced wherever they appear as words. They are still
/// replaced in the forms that name them (`SYNC\admin`, `sAMAccountName: admin`).
const COMMON_WORDS: &[&str] = &[
    "admin",
    "administrator",
    "administrators",
    "adsync",
    "agent",
    "azure",
    "cloud",
    "com",
    "computer",
    "connect",
    "connector",
    "default",
    "directory",
    "domain",
    "entra",
    "error",
    "example",
    "export",
    "guest",
    "import",
    "information",
    "local",
    "localhost",
    "microsoft",
    "network",
    "none",
    "null",
    "online",
    "password",
    "server",
    "service",
    "services",
    "sync",
    "system",
    "test",
    "true",
    "false",
    "user",
    "users",
    "warning",
    "windows",
];

/// True for a word that is not replaced where it appears alone (see [`COMMON_WORDS`]).
pub fn is_common_word(word: &str) -> bool {
    word.len() < 3 || COMMON_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_hosts_and_suffixes() {
        assert!(is_service_host("login.microsoftonline.com"));
        assert!(is_service_host("x.servicebus.windows.net"));
        assert!(is_service_host("Learn.Microsoft.com"));
        assert!(!is_service_host("notmicrosoft.com"));
        assert!(!is_service_host("contoso.com"));
        assert!(is_same_or_under("dc01.contoso.com", "contoso.com"));
        assert!(!is_same_or_under("dc01.xcontoso.com", "contoso.com"));
        assert!(has_internal_tld("dc01.contoso.local"));
        assert!(looks_like_file("trace-2024.log"));
        assert!(!looks_like_file("jdoe"));
    }
}
