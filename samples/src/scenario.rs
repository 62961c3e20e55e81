//! Scenarios: a support bundle described by what happened on the server, built into the files and
//! layout the real collector produces.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use syncsift_samples::events;
//! use syncsift_samples::evtx_writer::level;
//! use syncsift_samples::scenario::Scenario;
//!
//! let t = Utc.with_ymd_and_hms(2024, 3, 14, 12, 0, 0).unwrap();
//! let bundle = Scenario::connect_sync()
//!     .without_artefacts()
//!     .with_event(events::dirsync(611, level::ERROR, t, "Password hash synchronization failed for domain: contoso.com, ..."))
//!     .with_noise(50)
//!     .build()
//!     .unwrap();
//! let zip = bundle.to_zip_bytes().unwrap();
//! assert!(zip.starts_with(b"PK\x03\x04"));
//! ```
//!
//! * [`Scenario::cloud_sync`]: `AADCloudProvisioningDiagnostics-<yyyyMMdd-hhmmss>.zip` as
//!   `Export-AADCloudSyncToolsLogs` writes it (research notes §2.4): a flat copy of the agent's
//!   Trace folder (agent traces, a `trace-agent-verbose-<dt>.log`) plus the three exports
//!   `<name>-Application.evtx`, `<name>-System.evtx`, `<name>-ProvisioningAgent.evtx`.
//! * [`Scenario::connect_sync`]: the support collector's `MECLOG-<dt>/<dt>/` tree (§7.1):
//!   `EVENTLOG/<COMPUTER>_Application.evtx`, `EVENTLOG/<COMPUTER>_SystemEvent.evtx`, wizard traces
//!   under `AADCTRACE/AADConnect/`, and the configuration dumps, run history and error exports of
//!   [`crate::connect_sync::artefacts`] (unless [`Scenario::without_artefacts`]).
//!
//! Events go to the EVTX file of their channel (`Application`, `System`, the agent's Admin
//! channel; any other channel gets a file of its own), sorted by time. Events with an empty
//! computer name get the scenario's.

use crate::connect_sync;
use crate::events;
use crate::evtx_writer::{self, Event, EvtxWriteError};
use crate::trace::{self, AgentEntry, Encoding, WizardSession};
use crate::zip_pack::{self, Member, Method, ZipPackError, ZipTime};
use chrono::{DateTime, Datelike, Duration, NaiveDateTime, TimeZone, Timelike, Utc};
use std::io;
use std::path::{Path, PathBuf};

/// Which product's collector made the bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    /// Cloud Sync provisioning agent (`Export-AADCloudSyncToolsLogs`).
    CloudSync,
    /// Entra Connect Sync (support collector `Get-MECDiagData.ps1`).
    ConnectSync,
}

/// Errors of building a bundle.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    /// An EVTX file could not be written.
    #[error(transparent)]
    Evtx(#[from] EvtxWriteError),
    /// The zip could not be written.
    #[error(transparent)]
    Zip(#[from] ZipPackError),
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

/// An agent trace file of a scenario.
#[derive(Debug, Clone)]
struct AgentTrace {
    name: String,
    encoding: Encoding,
    entries: Vec<AgentEntry>,
}

/// What happened on a server, to be built into a bundle.
#[derive(Debug, Clone)]
pub struct Scenario {
    product: Product,
    collected_utc: DateTime<Utc>,
    utc_offset: Duration,
    computer: String,
    events: Vec<Event>,
    agent_traces: Vec<AgentTrace>,
    wizard_traces: Vec<(String, WizardSession)>,
    files: Vec<(String, Vec<u8>, Method)>,
    noise: usize,
    seed: u64,
    artefacts: bool,
}

impl Scenario {
    fn new(product: Product, collected_utc: DateTime<Utc>, computer: &str) -> Self {
        Self {
            product,
            collected_utc,
            utc_offset: Duration::zero(),
            computer: computer.to_owned(),
            events: Vec::new(),
            agent_traces: Vec::new(),
            wizard_traces: Vec::new(),
            files: Vec::new(),
            noise: 0,
            seed: 0x5EED,
            artefacts: product == Product::ConnectSync,
        }
    }

    /// A Cloud Sync agent server, collected 2024-03-09 10:15:00 (server time = UTC).
    pub fn cloud_sync() -> Self {
        Self::new(
            Product::CloudSync,
            Utc.with_ymd_and_hms(2024, 3, 9, 10, 15, 0)
                .single()
                .unwrap_or_default(),
            "SYNC01.contoso.com",
        )
    }

    /// An Entra Connect Sync server, collected 2024-03-14 15:30:00 (server time = UTC), with the
    /// collector's text artefacts of [`crate::connect_sync::artefacts`].
    pub fn connect_sync() -> Self {
        Self::new(
            Product::ConnectSync,
            Utc.with_ymd_and_hms(2024, 3, 14, 15, 30, 0)
                .single()
                .unwrap_or_default(),
            "AADCONNECT01.contoso.com",
        )
    }

    /// When the collector ran (UTC); names and member times follow.
    pub fn collected_at(mut self, time: DateTime<Utc>) -> Self {
        self.collected_utc = time;
        self
    }

    /// The server's local time minus UTC (names, zip member times and wizard traces use local time).
    pub fn utc_offset(mut self, offset: Duration) -> Self {
        self.utc_offset = offset;
        self
    }

    /// The server's name (events' `Computer`, Connect Sync file names use its first label).
    pub fn computer(mut self, name: &str) -> Self {
        self.computer = name.to_owned();
        self
    }

    /// Seed of the noise.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Leaves out the Connect Sync text artefacts (scheduler dump, run history, error exports...).
    pub fn without_artefacts(mut self) -> Self {
        self.artefacts = false;
        self
    }

    /// Adds one event (see [`crate::events`] for ready-made ones).
    pub fn with_event(mut self, event: Event) -> Self {
        self.events.push(event);
        self
    }

    /// Adds events.
    pub fn with_events(mut self, events: impl IntoIterator<Item = Event>) -> Self {
        self.events.extend(events);
        self
    }

    /// Adds `count` unrelated Information events (Application and System) over the 30 hours
    /// before collection.
    pub fn with_noise(mut self, count: usize) -> Self {
        self.noise += count;
        self
    }

    /// Adds an agent trace file (Cloud Sync: at the zip root; Connect Sync: under `AADCTRACE/`).
    pub fn with_agent_trace(
        mut self,
        name: &str,
        encoding: Encoding,
        entries: Vec<AgentEntry>,
    ) -> Self {
        self.agent_traces.push(AgentTrace {
            name: name.to_owned(),
            encoding,
            entries,
        });
        self
    }

    /// Adds a wizard trace (`AADCTRACE/AADConnect/<name>` in a Connect Sync bundle).
    pub fn with_wizard_trace(mut self, name: &str, session: WizardSession) -> Self {
        self.wizard_traces.push((name.to_owned(), session));
        self
    }

    /// Adds any file at `path` under the bundle root (deflated).
    pub fn with_file(self, path: &str, bytes: Vec<u8>) -> Self {
        self.with_file_stored_as(path, bytes, Method::Deflated)
    }

    /// Adds any file with a chosen zip method.
    pub fn with_file_stored_as(mut self, path: &str, bytes: Vec<u8>, method: Method) -> Self {
        self.files.push((path.to_owned(), bytes, method));
        self
    }

    /// The collection time as the server's local wall clock.
    pub fn collected_local(&self) -> NaiveDateTime {
        self.collected_utc.naive_utc() + self.utc_offset
    }

    /// The bundle's name (without `.zip`).
    pub fn name(&self) -> String {
        let local = self.collected_local();
        match self.product {
            // `Get-Date -f yyyyMMdd-hhmmss`: a 12-hour clock without AM/PM (research notes §2.3).
            Product::CloudSync => format!(
                "AADCloudProvisioningDiagnostics-{}-{:02}{}",
                local.format("%Y%m%d"),
                local.hour12().1,
                local.format("%M%S")
            ),
            Product::ConnectSync => format!("MECLOG-{}", local.format("%Y%m%d-%H%M%S")),
        }
    }

    fn short_computer(&self) -> String {
        self.computer
            .split('.')
            .next()
            .unwrap_or_default()
            .to_uppercase()
    }

    /// Builds the files.
    ///
    /// # Errors
    /// When an event is too large for an EVTX chunk.
    pub fn build(&self) -> Result<Bundle, SampleError> {
        let name = self.name();
        let mut all_events: Vec<Event> = self
            .events
            .iter()
            .cloned()
            .chain(events::noise(
                self.seed,
                self.noise,
                self.collected_utc - Duration::hours(30),
                self.collected_utc - Duration::minutes(1),
            ))
            .collect();
        for event in &mut all_events {
            if event.computer.is_empty() {
                event.computer.clone_from(&self.computer);
            }
        }
        // Stable sort: events at the same instant keep the order they were given in.
        all_events.sort_by_key(|e| e.time);

        let mut channels: Vec<(&str, String)> = match self.product {
            Product::CloudSync => vec![
                ("Application", format!("{name}-Application.evtx")),
                ("System", format!("{name}-System.evtx")),
                (
                    events::AGENT_CHANNEL,
                    format!("{name}-ProvisioningAgent.evtx"),
                ),
            ],
            Product::ConnectSync => {
                let computer = self.short_computer();
                vec![
                    (
                        "Application",
                        format!("EVENTLOG/{computer}_Application.evtx"),
                    ),
                    ("System", format!("EVENTLOG/{computer}_SystemEvent.evtx")),
                ]
            }
        };
        for event in &all_events {
            if !channels.iter().any(|(c, _)| *c == event.channel) {
                let file = event.channel.replace(['/', '\\', ' '], "_");
                let path = match self.product {
                    Product::CloudSync => format!("{name}-{file}.evtx"),
                    Product::ConnectSync => {
                        format!("EVENTLOG/{}_{file}.evtx", self.short_computer())
                    }
                };
                channels.push((event.channel.as_str(), path));
            }
        }

        let mut files: Vec<BundleFile> = Vec::new();
        for (channel, path) in &channels {
            let in_channel: Vec<Event> = all_events
                .iter()
                .filter(|e| e.channel == *channel)
                .cloned()
                .collect();
            files.push(BundleFile {
                path: path.clone(),
                bytes: evtx_writer::evtx_bytes(&in_channel)?,
                method: Method::Deflated,
                entries: Some(in_channel.len()),
            });
        }
        let trace_dir = match self.product {
            Product::CloudSync => "",
            Product::ConnectSync => "AADCTRACE/AADConnect/",
        };
        for trace in &self.agent_traces {
            files.push(BundleFile {
                path: format!("{trace_dir}{}", trace.name),
                bytes: trace::agent_trace(&trace.entries, trace.encoding),
                method: Method::Deflated,
                entries: Some(trace.entries.len()),
            });
        }
        for (file, session) in &self.wizard_traces {
            files.push(BundleFile {
                path: format!("{trace_dir}{file}"),
                bytes: trace::wizard_trace(session),
                method: Method::Deflated,
                entries: Some(trace::wizard_line_count(session)),
            });
        }
        if self.product == Product::ConnectSync && self.artefacts {
            for (path, bytes) in connect_sync::artefacts() {
                files.push(BundleFile {
                    path,
                    bytes,
                    method: Method::Deflated,
                    entries: None,
                });
            }
        }
        for (path, bytes, method) in &self.files {
            files.push(BundleFile {
                path: path.clone(),
                bytes: bytes.clone(),
                method: *method,
                entries: None,
            });
        }
        let prefix = match self.product {
            Product::CloudSync => String::new(),
            Product::ConnectSync => {
                format!("{name}/{}/", self.collected_local().format("%Y%m%d-%H%M%S"))
            }
        };
        for file in &mut files {
            file.path = format!("{prefix}{}", file.path);
        }
        let local = self.collected_local();
        Ok(Bundle {
            name,
            product: self.product,
            files,
            time: zip_time(local),
        })
    }
}

/// A zip member time from a local wall clock (rounded down to even seconds, as zips store them).
pub fn zip_time(local: NaiveDateTime) -> ZipTime {
    ZipTime {
        year: u16::try_from(local.year()).unwrap_or(1980),
        month: u8::try_from(local.month()).unwrap_or(1),
        day: u8::try_from(local.day()).unwrap_or(1),
        hour: u8::try_from(local.hour()).unwrap_or(0),
        minute: u8::try_from(local.minute()).unwrap_or(0),
        second: u8::try_from(local.second() / 2 * 2).unwrap_or(0),
    }
}

/// One file of a built bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    /// Path as a zip member (`/`-separated).
    pub path: String,
    /// Content.
    pub bytes: Vec<u8>,
    /// How it is stored in the zip.
    pub method: Method,
    /// Entries written: events of an EVTX file, entries of a trace; `None` for other files.
    pub entries: Option<usize>,
}

/// A built bundle, in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// Its name: the zip's file name without `.zip`.
    pub name: String,
    /// The product whose collector made it.
    pub product: Product,
    /// Its files, as zip members.
    pub files: Vec<BundleFile>,
    /// Every member's time.
    pub time: ZipTime,
}

impl Bundle {
    /// The content of the member at `path`.
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.bytes.as_slice())
    }

    /// The bundle as a zip.
    ///
    /// # Errors
    /// When the zip cannot be written.
    pub fn to_zip_bytes(&self) -> Result<Vec<u8>, ZipPackError> {
        let members: Vec<Member> = self
            .files
            .iter()
            .map(|f| Member {
                path: f.path.clone(),
                bytes: f.bytes.clone(),
                method: f.method,
            })
            .collect();
        zip_pack::zip_bytes(&members, self.time)
    }

    /// Writes the bundle unzipped under `dir` (a Cloud Sync bundle in a folder of its name, a
    /// Connect Sync bundle as its `MECLOG-<dt>/<dt>/` tree); returns the bundle's root folder.
    ///
    /// # Errors
    /// When a file cannot be written.
    pub fn write_into(&self, dir: &Path) -> Result<PathBuf, SampleError> {
        let root = match self.product {
            Product::CloudSync => dir.join(&self.name),
            Product::ConnectSync => dir.to_path_buf(),
        };
        for file in &self.files {
            let path = root.join(&file.path);
            let io_error = |source| SampleError::Io {
                path: path.clone(),
                source,
            };
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io_error)?;
            }
            std::fs::write(&path, &file.bytes).map_err(io_error)?;
        }
        Ok(match self.product {
            Product::CloudSync => root,
            Product::ConnectSync => root.join(&self.name),
        })
    }

    /// Writes the zip as `dir/<name>.zip`; returns its path.
    ///
    /// # Errors
    /// When the zip cannot be built or written.
    pub fn write_zip_into(&self, dir: &Path) -> Result<PathBuf, SampleError> {
        let path = dir.join(format!("{}.zip", self.name));
        let bytes = self.to_zip_bytes()?;
        std::fs::write(&path, bytes).map_err(|source| SampleError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }
}
