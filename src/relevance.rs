//! What "relevant" means for the default timeline, turned into the parsers' [`Selector`].
//!
//! Relevant entries are: every event of a sync component's provider or channel; every warning, error
//! or critical entry of any source; Service Control Manager entries that name a sync service; and
//! any entry whose text matches a catalogue signature. Information and verbose lines of trace files are counted but not kept unless
//! they match (`--all` keeps everything): an agent trace can hold millions of them.

use syncsift_parsers::{Level, Selector};

/// Event providers of the sync components: Connect Sync engine and password sync, its database, the
/// provisioning agent's classic event source.
pub const SYNC_PROVIDERS: &[&str] = &[
    "Directory Synchronization",
    "ADSync",
    "FIMSynchronization",
    "Microsoft Azure AD Sync",
    "MSSQL$ADSYNC",
    "Azure AD Connect Provisioning Agent",
    "AADConnectProvisioningAgent",
    "Microsoft Azure AD Connect Provisioning Agent",
    "Microsoft Entra Connect Provisioning Agent",
    "AzureADConnectAgentUpdater",
    "Microsoft-AzureADConnect-ProvisioningAgent",
    "Microsoft-AzureADConnect-AgentUpdater",
];

/// Event channels that belong to the provisioning agent as a whole.
pub const SYNC_CHANNELS: &[&str] = &[
    "Microsoft-AzureADConnect-ProvisioningAgent/Admin",
    "Microsoft-AzureADConnect-AgentUpdater/Admin",
];

/// The provider of service start/stop/failure events.
pub const SERVICE_CONTROL_MANAGER: &str = "Service Control Manager";

/// Texts that name a sync service in Service Control Manager events.
pub const SYNC_SERVICE_NAMES: &[&str] = &[
    "ADSync",
    "Azure AD Sync",
    "Entra Connect Sync",
    "AADConnectProvisioningAgent",
    "Provisioning Agent",
    "AzureADConnectAgentUpdater",
    "Agent Updater",
];

/// Extra selection terms a rule catalogue contributes (its providers, event ids and literals).
#[derive(Debug, Clone, Default)]
pub struct CatalogueTerms {
    /// Providers whose every event a rule may need.
    pub providers: Vec<String>,
    /// (provider, event id) pairs rules match.
    pub events: Vec<(String, u32)>,
    /// Literal signatures rules match in text.
    pub literals: Vec<String>,
    /// Literal signatures that count only in entries of one provider: (provider, literals).
    pub scoped_literals: Vec<(String, Vec<String>)>,
}

/// The selector for a run: everything with `all`, otherwise the relevance policy plus `terms`.
///
/// # Errors
/// When the literal automaton cannot be built.
pub fn selector(all: bool, terms: &CatalogueTerms) -> Result<Selector, aho_corasick::BuildError> {
    if all {
        return Ok(Selector::all());
    }
    let selector = Selector::none()
        .with_min_level(Level::Warning)
        .with_providers(
            SYNC_PROVIDERS
                .iter()
                .copied()
                .chain(terms.providers.iter().map(String::as_str)),
        )
        .with_channels(SYNC_CHANNELS.iter().copied())
        .with_events(terms.events.iter().map(|(p, id)| (p.as_str(), *id)))
        .with_literals(terms.literals.iter().map(String::as_str))?
        .with_scoped_literals(SERVICE_CONTROL_MANAGER, SYNC_SERVICE_NAMES.iter().copied())?;
    terms
        .scoped_literals
        .iter()
        .try_fold(selector, |selector, (provider, literals)| {
            selector.with_scoped_literals(provider, literals.iter().map(String::as_str))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use syncsift_parsers::Candidate;

    #[test]
    fn keeps_sync_providers_warnings_and_service_mentions() {
        let selector = selector(false, &CatalogueTerms::default()).unwrap();
        let c = |provider, level| Candidate {
            provider,
            channel: Some("Application"),
            event_id: Some(1),
            level,
        };
        assert!(selector.wants(&c("Directory Synchronization", Level::Information), b""));
        assert!(selector.wants(&c("Unrelated", Level::Error), b""));
        assert!(selector.wants(
            &c("Service Control Manager", Level::Information),
            b"The Microsoft Azure AD Sync service entered the running state."
        ));
        assert!(!selector.wants(&c("Unrelated", Level::Information), b"routine"));
    }
}
