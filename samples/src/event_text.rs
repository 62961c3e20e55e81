//! Events as Event Viewer's "Copy details as text" lays them out (`Log Name:`, `Source:`, `Date:`,
//! ... `Description:`), saved to a text file (UTF-8, CRLF) the way users attach them to tickets when
//! they cannot export EVTX. Dates are local time in the server's culture; here en-US.
//!
//! The event texts are Microsoft's own (research notes §3.3, §5.3, §9.1).

/// One event.
#[derive(Debug, Clone)]
pub struct TextEvent {
    /// Log name (`Application`, `System`).
    pub log: &'static str,
    /// Event source.
    pub source: &'static str,
    /// Local date as Event Viewer shows it.
    pub date: &'static str,
    /// Event id.
    pub id: u32,
    /// Task category.
    pub task: &'static str,
    /// Level word.
    pub level: &'static str,
    /// Computer name.
    pub computer: &'static str,
    /// Description; may span lines (`\n`).
    pub description: &'static str,
}

/// The sample server's events: LocalDB out of space (6323), a password hash sync failure (611)
/// and the ADSync service failing to start (7000).
pub fn connect_sync_events() -> Vec<TextEvent> {
    vec![
        TextEvent {
            log: "Application",
            source: "ADSync",
            date: "3/4/2024 11:00:07 AM",
            id: 6323,
            task: "Server",
            level: "Error",
            computer: "AADCONNECT01.contoso.com",
            description: "The server encountered an error because SQL Server is out of disk space.",
        },
        TextEvent {
            log: "Application",
            source: "Directory Synchronization",
            date: "3/14/2024 3:12:40 PM",
            id: 611,
            task: "None",
            level: "Error",
            computer: "AADCONNECT01.contoso.com",
            description: "Password hash synchronization failed for domain: contoso.com, domain controller hostname: <not available>, domain controller IP address: <not available>.\nDetails:       Microsoft.Online.PasswordSynchronization.SynchronizationManagerException: Unable to open connection to domain: contoso.com. Error: There was an error establishing a connection to the directory replication service.",
        },
        TextEvent {
            log: "System",
            source: "Service Control Manager",
            date: "3/14/2024 3:20:02 PM",
            id: 7000,
            task: "None",
            level: "Error",
            computer: "AADCONNECT01.contoso.com",
            description: "The Microsoft Azure AD Sync service failed to start due to the following error: \nThe service did not start due to a logon failure.",
        },
    ]
}

/// The events as one text file, a blank line between events.
pub fn event_text(events: &[TextEvent]) -> Vec<u8> {
    let mut out = String::new();
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        out.push_str(&format!(
            "Log Name:      {}\r\nSource:        {}\r\nDate:          {}\r\nEvent ID:      {}\r\nTask Category: {}\r\nLevel:         {}\r\nKeywords:      Classic\r\nUser:          N/A\r\nComputer:      {}\r\nDescription:\r\n{}\r\n",
            e.log,
            e.source,
            e.date,
            e.id,
            e.task,
            e.level,
            e.computer,
            e.description.replace('\n', "\r\n"),
        ));
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_event_viewer() {
        let text = String::from_utf8(event_text(&connect_sync_events())).unwrap();
        assert!(text.starts_with(
            "Log Name:      Application\r\nSource:        ADSync\r\nDate:          3/4/2024 11:00:07 AM\r\nEvent ID:      6323\r\n"
        ));
        assert_eq!(text.matches("Log Name:").count(), 3);
        assert!(!text.replace("\r\n", "").contains('\n'));
    }
}
