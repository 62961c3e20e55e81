//! The classes of personal and tenant data that redaction replaces, and the families of pseudonyms
//! they are written with.

use serde::Serialize;

/// What a replaced value was, as counted in the report and listed in the mapping file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// A user principal name or e-mail address (`jdoe@contoso.com`).
    Upn,
    /// A proxy address (`SMTP:jdoe@contoso.com`, `smtp:`, `sip:`).
    ProxyAddress,
    /// A CN or OU value of a distinguished name.
    DnComponent,
    /// The DC components of a distinguished name (`DC=contoso,DC=com`).
    DnDomain,
    /// A `DOMAIN\user` logon name, or a bare sAMAccountName.
    Account,
    /// A GUID (object id, connector id, tracking id).
    Guid,
    /// An immutable id or source anchor (base64 or hex).
    Anchor,
    /// A security identifier.
    Sid,
    /// A tenant id (a GUID named as one) or a `*.onmicrosoft.com` name.
    Tenant,
    /// A DNS domain of the customer.
    Domain,
    /// A computer or domain controller name (NetBIOS or FQDN under a customer domain).
    Host,
    /// A NetBIOS domain name or the organisation's name as a word.
    NetbiosDomain,
    /// An IPv4 address.
    Ipv4,
    /// An IPv6 address.
    Ipv6,
    /// A person's name from a name attribute (`displayName`, `givenName`, `sn`).
    Person,
}

impl Class {
    /// The name used in the report's counts and in the mapping file.
    pub fn name(self) -> &'static str {
        match self {
            Class::Upn => "upn",
            Class::ProxyAddress => "proxy_address",
            Class::DnComponent => "dn_component",
            Class::DnDomain => "dn_domain",
            Class::Account => "account",
            Class::Guid => "guid",
            Class::Anchor => "anchor",
            Class::Sid => "sid",
            Class::Tenant => "tenant",
            Class::Domain => "domain",
            Class::Host => "host",
            Class::NetbiosDomain => "netbios_domain",
            Class::Ipv4 => "ipv4",
            Class::Ipv6 => "ipv6",
            Class::Person => "person",
        }
    }
}

/// The unit a pseudonym is made for. Several classes share a family, which is what keeps patterns
/// visible: the `jdoe` of `jdoe@contoso.com` and of `CONTOSO\jdoe` get the same `user-…` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// Local part of an address, sAMAccountName.
    User,
    /// DNS domain.
    Domain,
    /// The first label of a `*.onmicrosoft.com` name.
    TenantName,
    /// A tenant id GUID.
    TenantId,
    /// One label of a host name.
    Host,
    /// A NetBIOS domain name or organisation word.
    Netbios,
    /// A CN value.
    Cn,
    /// An OU value.
    Ou,
    /// A GUID.
    Guid,
    /// An immutable id / source anchor.
    Anchor,
    /// The domain part (three sub-authorities) of an `S-1-5-21` SID.
    SidDomain,
    /// Any other SID, whole.
    Sid,
    /// IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
    /// A person's name.
    Person,
}

impl Family {
    /// The prefix of its pseudonyms; also the hash's domain separator.
    pub fn prefix(self) -> &'static str {
        match self {
            Family::User => "user",
            Family::Domain => "domain",
            Family::TenantName => "tenant",
            Family::TenantId => "tenant-id",
            Family::Host => "host",
            Family::Netbios => "dom",
            Family::Cn => "cn",
            Family::Ou => "ou",
            Family::Guid => "guid",
            Family::Anchor => "anchor",
            Family::SidDomain => "sid",
            Family::Sid => "sid",
            Family::Ipv4 => "ipv4",
            Family::Ipv6 => "ipv6",
            Family::Person => "person",
        }
    }

    /// The hash's domain separator: distinct for every family, stable across versions (changing it
    /// would make reports made with the same key incomparable).
    pub fn hash_label(self) -> &'static str {
        match self {
            Family::User => "user",
            Family::Domain => "domain",
            Family::TenantName => "tenant-name",
            Family::TenantId => "tenant-id",
            Family::Host => "host",
            Family::Netbios => "netbios",
            Family::Cn => "cn",
            Family::Ou => "ou",
            Family::Guid => "guid",
            Family::Anchor => "anchor",
            Family::SidDomain => "sid-domain",
            Family::Sid => "sid",
            Family::Ipv4 => "ipv4",
            Family::Ipv6 => "ipv6",
            Family::Person => "person",
        }
    }

    /// False only for values whose case carries meaning (base64 anchors).
    pub fn case_insensitive(self) -> bool {
        !matches!(self, Family::Anchor)
    }
}
