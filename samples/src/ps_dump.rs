//! PowerShell configuration dumps as a Connect Sync support collector saves them with `Out-File`
//! (`CONFIG/MEC/Get-ADSync*.txt`): `Format-List` objects (keys padded to one width, ` : `, value),
//! `Format-Table` tables, `## heading` lines between objects, CRLF line ends and UTF-16LE with a
//! byte-order mark, which is what Windows PowerShell 5.1's `Out-File` writes.

/// Text as `Out-File` writes it: UTF-16LE with a BOM.
pub fn out_file(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

/// One object as `Format-List` prints it: a blank line, `Key<pad> : value` lines, two blank lines.
/// A value with line breaks continues on lines indented to the value column.
pub fn format_list(pairs: &[(&str, &str)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::from("\r\n");
    for (key, value) in pairs {
        let mut lines = value.split('\n');
        let first = lines.next().unwrap_or_default();
        let sep = if first.is_empty() { " :" } else { " : " };
        out.push_str(&format!("{key:width$}{sep}{first}\r\n"));
        for more in lines {
            out.push_str(&format!("{:indent$}{more}\r\n", "", indent = width + 3));
        }
    }
    out.push_str("\r\n\r\n");
    out
}

/// Objects as `Format-Table` prints them: a blank line, the header, dashes under each column name,
/// the rows padded to the column widths, two blank lines.
pub fn format_table(header: &[&str], rows: &[Vec<&str>]) -> String {
    let widths: Vec<usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .chain([h.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| -> String {
        let mut text = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:w$}", w = widths[i]))
            .collect::<Vec<_>>()
            .join(" ");
        text.truncate(text.trim_end().len());
        text + "\r\n"
    };
    let mut out = String::from("\r\n");
    out.push_str(&line(header.iter().map(|h| (*h).to_owned()).collect()));
    out.push_str(&line(header.iter().map(|h| "-".repeat(h.len())).collect()));
    for row in rows {
        out.push_str(&line(row.iter().map(|c| (*c).to_owned()).collect()));
    }
    out.push_str("\r\n\r\n");
    out
}

/// `Get-ADSyncScheduler.txt`. `NextSyncCycleStartTimeInUTC` is written in a de-CH culture
/// (`05.01.2023 20:28:37`), as in real pastes, so readers must keep it raw.
pub fn scheduler(staging_mode: bool, sync_cycle_enabled: bool) -> Vec<u8> {
    let flag = |b: bool| if b { "True" } else { "False" };
    out_file(&format_list(&[
        ("AllowedSyncCycleInterval", "00:30:00"),
        ("CurrentlyEffectiveSyncCycleInterval", "00:30:00"),
        ("CustomizedSyncCycleInterval", ""),
        ("NextSyncCyclePolicyType", "Delta"),
        ("NextSyncCycleStartTimeInUTC", "05.01.2023 20:28:37"),
        ("PurgeRunHistoryInterval", "7.00:00:00"),
        ("SyncCycleEnabled", flag(sync_cycle_enabled)),
        ("MaintenanceEnabled", "True"),
        ("StagingModeEnabled", flag(staging_mode)),
        ("SchedulerSuspended", "False"),
        ("SyncCycleInProgress", "False"),
    ]))
}

/// A `Get-ADSyncScheduler.txt` whose keys have no values (a dump taken while the cmdlet returned
/// an empty object): malformed input for readers.
pub fn scheduler_without_values() -> Vec<u8> {
    out_file(&format_list(&[
        ("SyncCycleEnabled", ""),
        ("StagingModeEnabled", ""),
        ("SchedulerSuspended", ""),
    ]))
}

/// `Get-ADSyncGlobalSettings.txt`: the collector pipes the parameters through
/// `Select-Object Name,Value`, so it is a two-column table.
pub fn global_settings(staging_mode: bool) -> Vec<u8> {
    let staging = if staging_mode { "True" } else { "False" };
    out_file(&format_table(
        &["Name", "Value"],
        &[
            vec![
                "Microsoft.Synchronize.ServerConfigurationVersion",
                "2.3.20.0",
            ],
            vec!["Microsoft.Synchronize.StagingMode", staging],
            vec!["Microsoft.OptionalFeature.ExportDeletionThreshold", "500"],
            vec!["Microsoft.OptionalFeature.PasswordHashSync", "True"],
        ],
    ))
}

/// The AD and Azure AD connector names every artefact of the sample uses.
pub const AD_CONNECTOR: &str = "contoso.com";
/// The Azure AD connector's name.
pub const AAD_CONNECTOR: &str = "contoso.onmicrosoft.com - AAD";

/// `Get-ADSyncConnector.txt`: a `## Connector Summary` heading and list per connector, then its
/// run profiles as a table.
pub fn connectors() -> Vec<u8> {
    let mut text = String::new();
    for (id, name, kind, description) in [
        (
            "b891884f-051e-4a83-95af-2544101c9083",
            AD_CONNECTOR,
            "AD",
            "Active Directory connector for the contoso.com forest, created by the installation\nwizard on the first run",
        ),
        (
            "6e4b6e2a-4e37-4d4d-9c3f-0b3c8d57a0a1",
            AAD_CONNECTOR,
            "Extensible2",
            "",
        ),
    ] {
        text.push_str("## Connector Summary\r\n");
        text.push_str(&format_list(&[
            ("Identifier", id),
            ("Name", name),
            ("Description", description),
            ("Type", kind),
            ("CreationTime", "3/14/2024 8:00:00 AM"),
        ]));
        text.push_str("## Connector Runprofiles\r\n");
        text.push_str(&format_table(
            &["Name", "Type"],
            &[
                vec!["Full Import", "FullImport"],
                vec!["Delta Import", "DeltaImport"],
                vec!["Export", "Export"],
            ],
        ));
    }
    out_file(&text)
}

/// `Get-ADSyncAADCompanyFeature.txt`.
pub fn company_feature() -> Vec<u8> {
    out_file(&format_list(&[
        ("PasswordHashSync", "True"),
        ("ForcePasswordChangeOnLogOn", "False"),
        ("UserWriteback", "False"),
        ("DeviceWriteback", "False"),
        ("UnifiedGroupWriteback", "False"),
        ("GroupWritebackV2", "False"),
    ]))
}

/// `Get-ADSyncAADPasswordSyncConfiguration.txt`: three properties, so a table.
pub fn password_sync_configuration() -> Vec<u8> {
    out_file(&format_table(
        &["SourceConnector", "TargetConnector", "Enabled"],
        &[vec![AD_CONNECTOR, AAD_CONNECTOR, "True"]],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> String {
        assert_eq!(&bytes[..2], &[0xFF, 0xFE]);
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        String::from_utf16(&units).unwrap()
    }

    #[test]
    fn scheduler_is_utf16_crlf_and_aligned() {
        let out = text(&scheduler(true, false));
        assert!(out.contains("\r\nStagingModeEnabled                  : True\r\n"));
        assert!(out.contains("\r\nSyncCycleEnabled                    : False\r\n"));
        assert!(out.contains("\r\nCustomizedSyncCycleInterval         :\r\n"));
        assert!(out.contains("NextSyncCycleStartTimeInUTC         : 05.01.2023 20:28:37"));
        assert!(!out.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn tables_and_continuations() {
        assert_eq!(
            format_table(&["Name", "Value"], &[vec!["a.b", "1"], vec!["c", "22"]]),
            "\r\nName Value\r\n---- -----\r\na.b  1\r\nc    22\r\n\r\n\r\n"
        );
        assert_eq!(
            format_list(&[("Key", "one\ntwo"), ("K", "")]),
            "\r\nKey : one\r\n      two\r\nK   :\r\n\r\n\r\n"
        );
        assert!(text(&connectors()).contains("## Connector Summary\r\n"));
        assert!(text(&scheduler_without_values()).contains("SyncCycleEnabled   :\r\n"));
    }
}
