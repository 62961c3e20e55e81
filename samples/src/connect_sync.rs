//! The files of a Connect Sync support bundle other than EVTX and traces, at their paths under
//! `MECLOG-<dt>/<dt>/` as the support collector `Get-MECDiagData.ps1` lays them out (research notes
//! §7.1). Three are not written by the collector but added by hand, as users do: run-history XML,
//! the Synchronization Service Manager's copied error details and an Event Viewer text export.
//!
//! Together they show staging mode, a disabled scheduler, a `stopped-database-disk-full` run,
//! three kinds of export errors and events 6323, 611 and 7000.

use crate::{error_export, event_text, ps_dump, run_history};

/// The sample server's name, in file names.
pub const COMPUTER: &str = "AADCONNECT01";

/// `(path under <dt>/, bytes)` of every artefact, in a stable order.
pub fn artefacts() -> Vec<(String, Vec<u8>)> {
    let runs = run_history::connect_sync_runs();
    let errors = error_export::connect_sync_export_errors();
    let (error_run, run_errors) = run_history::connect_sync_error_run();
    let aad = ps_dump::AAD_CONNECTOR;
    let file_safe = aad.replace(' ', "_");
    vec![
        (
            "CONFIG/MEC/Get-ADSyncScheduler.txt".to_owned(),
            ps_dump::scheduler(true, false),
        ),
        (
            "CONFIG/MEC/Get-ADSyncGlobalSettings.txt".to_owned(),
            ps_dump::global_settings(true),
        ),
        (
            "CONFIG/MEC/Get-ADSyncConnector.txt".to_owned(),
            ps_dump::connectors(),
        ),
        (
            "CONFIG/MEC/Get-ADSyncAADCompanyFeature.txt".to_owned(),
            ps_dump::company_feature(),
        ),
        (
            "CONFIG/MEC/Get-ADSyncAADPasswordSyncConfiguration.txt".to_owned(),
            ps_dump::password_sync_configuration(),
        ),
        (
            format!("RUNHISTORY/{COMPUTER}_Get-ADSyncRunProfileResult.csv"),
            run_history::run_profile_csv(&runs),
        ),
        (
            format!("RUNHISTORY/{COMPUTER}_Get-ADSyncRunStepErrorResult.txt"),
            run_history::run_step_error_result(&error_run, &run_errors),
        ),
        (
            format!("RUNHISTORY/{COMPUTER}_RunHistory.xml"),
            run_history::run_history_xml(&runs, &errors),
        ),
        (
            format!("CSEXPORT/error_export_{file_safe}.xml"),
            error_export::cs_export_xml(aad, &errors),
        ),
        (
            format!("CSEXPORT/analyzed_error_export_{file_safe}.csv"),
            error_export::analyzed_error_csv(&errors),
        ),
        (
            "CSEXPORT/error_details_114.txt".to_owned(),
            error_export::copy_details(aad, &errors[2]),
        ),
        (
            format!("EVENTLOG/{COMPUTER}_Application_events.txt"),
            event_text::event_text(&event_text::connect_sync_events()),
        ),
    ]
}

/// Damaged variants for tests: a truncated run history, a run-profile CSV without its `Result`
/// column, a scheduler dump without values and a text file of no known format.
pub fn malformed_artefacts() -> Vec<(String, Vec<u8>)> {
    let runs = run_history::connect_sync_runs();
    let errors = error_export::connect_sync_export_errors();
    vec![
        (
            format!("RUNHISTORY/{COMPUTER}_RunHistory-truncated.xml"),
            run_history::truncated_run_history_xml(&runs, &errors),
        ),
        (
            format!("RUNHISTORY/{COMPUTER}_Get-ADSyncRunProfileResult-no-result.csv"),
            run_history::run_profile_csv_without_result(&runs),
        ),
        (
            "CONFIG/MEC/Get-ADSyncScheduler-empty.txt".to_owned(),
            ps_dump::scheduler_without_values(),
        ),
        (
            "CONFIG/GENERAL/notes.txt".to_owned(),
            b"Customer says sync stopped on Monday.\r\n".to_vec(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_collector_layout() {
        let paths: Vec<String> = artefacts().into_iter().map(|(p, _)| p).collect();
        assert_eq!(paths.len(), 12);
        assert!(
            paths.contains(&"CSEXPORT/error_export_contoso.onmicrosoft.com_-_AAD.xml".to_owned())
        );
        assert!(
            paths
                .iter()
                .all(|p| !p.starts_with('/') && !p.contains('\\'))
        );
        assert_eq!(malformed_artefacts().len(), 4);
    }
}
