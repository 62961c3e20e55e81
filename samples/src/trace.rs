//! Text traces: the Cloud Sync provisioning agent's .NET `TraceListener` log and the Entra Connect
//! wizard's `trace-*.log`, in the encodings and line ends Windows writes (research notes §1.2,
//! §2.5, §4.2).
//!
//! Agent entries are `<source> <EventType>: <id> : <message>`, then continuation lines (stack
//! frames, inner exceptions), then, when the listener's output options ask for them, indented
//! footer lines (`    ProcessId=`, `    ThreadId=`, `    DateTime=`). Wizard lines are
//! `[HH:mm:ss.fff] [ tid] [LEVEL] message` in local time; the date comes from the session's
//! `Start Time (Local)` / `Start Time (UTC)` header lines.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use std::io::{self, Write};

/// How a text file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 without a byte-order mark (.NET `StreamWriter`'s default).
    Utf8,
    /// UTF-8 with a byte-order mark.
    Utf8Bom,
    /// UTF-16LE with a byte-order mark (PowerShell 5.1 `Out-File`).
    Utf16LeBom,
}

impl Encoding {
    /// The byte-order mark that starts a file.
    pub fn bom(self) -> &'static [u8] {
        match self {
            Encoding::Utf8 => b"",
            Encoding::Utf8Bom => b"\xEF\xBB\xBF",
            Encoding::Utf16LeBom => b"\xFF\xFE",
        }
    }

    /// Writes `text` (no BOM) in this encoding.
    ///
    /// # Errors
    /// When `out` fails.
    pub fn write(self, out: &mut dyn Write, text: &str) -> io::Result<()> {
        match self {
            Encoding::Utf8 | Encoding::Utf8Bom => out.write_all(text.as_bytes()),
            Encoding::Utf16LeBom => {
                let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
                out.write_all(&bytes)
            }
        }
    }

    /// A whole file: BOM then `text`.
    pub fn encode(self, text: &str) -> Vec<u8> {
        let mut out = self.bom().to_vec();
        // Writing to a Vec cannot fail.
        let _ = self.write(&mut out, text);
        out
    }
}

/// The trace source the agent's process-wide `Trace` calls use.
pub const AGENT_SOURCE: &str = "AADConnectProvisioningAgent.exe";

/// One provisioning-agent trace entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentEntry {
    /// Trace source (`AADConnectProvisioningAgent.exe` or `AAD Connect Provisioning Agent`).
    pub source: String,
    /// `TraceEventType` word: `Error`, `Warning`, `Information`, `Verbose`, `Critical`.
    pub event_type: String,
    /// Trace event id (the agent uses 0).
    pub id: i32,
    /// The first line's message.
    pub message: String,
    /// Lines after the first (stack frames, inner exceptions), written as given.
    pub continuation: Vec<String>,
    /// Footer: `(process id, thread id, time)`; `None` writes no footer (the default listener).
    pub footer: Option<(u32, u32, DateTime<Utc>)>,
}

impl AgentEntry {
    /// An entry from the agent process, without footer.
    pub fn new(event_type: &str, message: &str) -> Self {
        Self {
            source: AGENT_SOURCE.to_owned(),
            event_type: event_type.to_owned(),
            id: 0,
            message: message.to_owned(),
            continuation: Vec::new(),
            footer: None,
        }
    }

    /// With continuation lines.
    pub fn lines(mut self, lines: &[&str]) -> Self {
        self.continuation = lines.iter().map(|l| (*l).to_owned()).collect();
        self
    }

    /// With a footer giving the entry's time.
    pub fn at(mut self, time: DateTime<Utc>, process_id: u32, thread_id: u32) -> Self {
        self.footer = Some((process_id, thread_id, time));
        self
    }

    /// The entry's text with CRLF line ends.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{} {}: {} : {}\r\n",
            self.source, self.event_type, self.id, self.message
        );
        for line in &self.continuation {
            out.push_str(line);
            out.push_str("\r\n");
        }
        if let Some((pid, tid, time)) = self.footer {
            out.push_str(&format!(
                "    ProcessId={pid}\r\n    ThreadId={tid}\r\n    DateTime={}\r\n",
                dotnet_round_trip(time)
            ));
        }
        out
    }
}

/// A time as .NET's round-trip format writes it: `2024-03-09T10:15:23.1234567Z`.
pub fn dotnet_round_trip(time: DateTime<Utc>) -> String {
    format!(
        "{}.{:07}Z",
        time.format("%Y-%m-%dT%H:%M:%S"),
        time.timestamp_subsec_nanos() / 100
    )
}

/// A whole agent trace file.
pub fn agent_trace(entries: &[AgentEntry], encoding: Encoding) -> Vec<u8> {
    let text: String = entries.iter().map(AgentEntry::text).collect();
    encoding.encode(&text)
}

/// A wizard trace level, padded as the wizard writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WizardLevel {
    /// `INFO `
    Info,
    /// `WARN `
    Warn,
    /// `ERROR`
    Error,
    /// `VERB `
    Verbose,
}

impl WizardLevel {
    fn word(self) -> &'static str {
        match self {
            WizardLevel::Info => "INFO ",
            WizardLevel::Warn => "WARN ",
            WizardLevel::Error => "ERROR",
            WizardLevel::Verbose => "VERB ",
        }
    }
}

/// One wizard trace line (with continuation lines for exceptions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WizardLine {
    /// Time after the session start.
    pub after: Duration,
    /// Thread id.
    pub thread: u32,
    /// Level.
    pub level: WizardLevel,
    /// Message.
    pub message: String,
    /// Lines without the prefix that follow (exception data).
    pub continuation: Vec<String>,
}

impl WizardLine {
    /// A line `after` the session start on thread 1.
    pub fn new(after: Duration, level: WizardLevel, message: &str) -> Self {
        Self {
            after,
            thread: 1,
            level,
            message: message.to_owned(),
            continuation: Vec::new(),
        }
    }
}

/// One wizard session: its start (local wall clock and UTC offset), version and lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WizardSession {
    /// Start of the session, UTC.
    pub start_utc: DateTime<Utc>,
    /// Local time minus UTC.
    pub utc_offset: Duration,
    /// `Application Version:` value.
    pub version: String,
    /// The lines after the header.
    pub lines: Vec<WizardLine>,
}

fn wizard_prefix(local: NaiveDateTime, thread: u32, level: WizardLevel) -> String {
    format!(
        "[{}] [{thread:>2}] [{}]",
        local.format("%H:%M:%S%.3f"),
        level.word()
    )
}

/// Lines with a `[time] [tid] [LEVEL]` prefix the session writes: the 7 header lines and its own.
pub fn wizard_line_count(session: &WizardSession) -> usize {
    7 + session.lines.len()
}

/// A wizard trace file (UTF-8 with BOM, CRLF): the session header then its lines.
pub fn wizard_trace(session: &WizardSession) -> Vec<u8> {
    let local_start = session.start_utc.naive_utc() + session.utc_offset;
    let head = |text: &str| {
        let p = wizard_prefix(local_start, 1, WizardLevel::Info);
        if text.is_empty() {
            format!("{p}\r\n")
        } else {
            format!("{p} {text}\r\n")
        }
    };
    let rule = "=".repeat(80);
    let mut out = String::new();
    out.push_str(&head(""));
    out.push_str(&head(&rule));
    out.push_str(&head("Application starting"));
    out.push_str(&head(&rule));
    // The wizard writes "GMT" after the local time too (a known quirk of the real header).
    out.push_str(&head(&format!(
        "Start Time (Local): {}",
        local_start.format("%a, %d %b %Y %H:%M:%S GMT")
    )));
    out.push_str(&head(&format!(
        "Start Time (UTC): {}",
        session.start_utc.format("%a, %d %b %Y %H:%M:%S GMT")
    )));
    out.push_str(&head(&format!("Application Version: {}", session.version)));
    for line in &session.lines {
        let local = local_start + line.after;
        out.push_str(&wizard_prefix(local, line.thread, line.level));
        out.push(' ');
        out.push_str(&line.message);
        out.push_str("\r\n");
        for more in &line.continuation {
            out.push_str(more);
            out.push_str("\r\n");
        }
    }
    Encoding::Utf8Bom.encode(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn agent_entries_have_listener_layout() {
        let t = Utc.with_ymd_and_hms(2024, 3, 9, 9, 1, 2).unwrap();
        let entry = AgentEntry::new("Error", "Web socket failed to connect.")
            .lines(&["   at X.Y()"])
            .at(t, 4242, 17);
        assert_eq!(
            entry.text(),
            "AADConnectProvisioningAgent.exe Error: 0 : Web socket failed to connect.\r\n   at X.Y()\r\n    ProcessId=4242\r\n    ThreadId=17\r\n    DateTime=2024-03-09T09:01:02.0000000Z\r\n"
        );
        let utf16 = agent_trace(std::slice::from_ref(&entry), Encoding::Utf16LeBom);
        assert_eq!(&utf16[..4], b"\xFF\xFEA\0");
        assert_eq!(utf16.len(), 2 + entry.text().encode_utf16().count() * 2);
    }

    #[test]
    fn wizard_header_gives_date_and_offset() {
        let session = WizardSession {
            start_utc: Utc.with_ymd_and_hms(2024, 3, 12, 23, 59, 0).unwrap(),
            utc_offset: Duration::hours(1),
            version: "2.3.8.0".into(),
            lines: vec![WizardLine::new(
                Duration::seconds(90),
                WizardLevel::Error,
                "boom",
            )],
        };
        let text = String::from_utf8(wizard_trace(&session)).unwrap();
        assert!(text.starts_with("\u{feff}[00:59:00.000] [ 1] [INFO ]\r\n"));
        assert!(text.contains("Start Time (Local): Wed, 13 Mar 2024 00:59:00 GMT\r\n"));
        assert!(text.contains("Start Time (UTC): Tue, 12 Mar 2024 23:59:00 GMT\r\n"));
        assert!(text.ends_with("[01:00:30.000] [ 1] [ERROR] boom\r\n"));
    }
}
