//! Finding every input in what the user dropped (files, folders, zips, zips inside zips) and reading
//! each one's bytes without ever extracting anything to disk.
//!
//! Discovery ([`discover`]) only looks at the first bytes of each file or member to decide what it
//! is; reading ([`read`]) happens later, input by input, possibly in parallel. Zip members stored
//! without compression are read in place from the archive's memory map; deflated members are
//! streamed through the decompressor (traces) or decompressed into memory up to a cap (EVTX and
//! nested zips, whose readers need random access).

use crate::adsync::{copy_details, error_csv, ps_dump, run_csv, sync_xml};
use crate::error::{InputError, Problem};
use crate::event_text;
use crate::evtx_file;
use crate::input::{Bytes, SharedBytes};
use crate::lines::{BlockLines, SliceLines};
use crate::record::TimeBasis;
use crate::selector::Selector;
use crate::sink::{ParseContext, ParseStats, Sink, TimeBound};
use crate::sniff::{Format, HEAD_LEN, TextKind, sniff};
use crate::text::Utf8Reader;
use crate::timefmt::SourceZone;
use crate::trace::{agent, wizard};
use crate::walk::{Found, walk};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};
use zip::CompressionMethod;
use zip::ZipArchive;

/// Caps that keep hostile or broken archives from exhausting memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How many zips deep discovery goes (a zip on disk is depth 1).
    pub max_depth: u32,
    /// Largest member decompressed into memory (EVTX files and nested zips need random access).
    pub max_in_memory: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 4,
            max_in_memory: 1 << 30,
        }
    }
}

/// When an input was last modified, as its container recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "zone", content = "time", rename_all = "snake_case")]
pub enum Modified {
    /// A file system time: an instant.
    Utc(DateTime<Utc>),
    /// A zip member time: local wall-clock time of the machine that made the zip, zone unknown.
    Local(NaiveDateTime),
}

/// A zip member that is read through the decompressor.
#[derive(Clone)]
pub struct ZipMember {
    archive: ZipArchive<Cursor<SharedBytes>>,
    index: usize,
}

impl std::fmt::Debug for ZipMember {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ZipMember({})", self.index)
    }
}

/// Where an input's bytes come from.
#[derive(Debug, Clone)]
pub enum DataSource {
    /// A file on disk, opened (mapped) when it is read.
    File(PathBuf),
    /// Bytes already in memory or mapped: a stored zip member, a member of a nested zip.
    Bytes {
        /// The bytes.
        bytes: SharedBytes,
        /// The CRC-32 the archive records for them, checked when they are read.
        crc32: Option<u32>,
    },
    /// A compressed zip member.
    Member(ZipMember),
}

/// What became of an input.
#[derive(Debug, Clone)]
pub enum InputState {
    /// Recognised and waiting to be read.
    Ready {
        /// What it is.
        format: Format,
        /// Where its bytes are.
        data: DataSource,
    },
    /// A zip archive; its members are listed as inputs of their own.
    Container {
        /// Number of file members.
        members: usize,
    },
    /// Not read, on purpose: empty, unknown format, too deep, not a regular file.
    Skipped(String),
    /// Could not be read.
    Failed(String),
}

/// One file or archive member.
#[derive(Debug, Clone)]
pub struct Input {
    /// Display path: as given on the command line, `!/` separating archive members, control
    /// characters escaped.
    pub path: String,
    /// Index of the archive that holds it, if any.
    pub container: Option<usize>,
    /// Size in bytes (uncompressed size for members, as the archive states it).
    pub size: u64,
    /// Last modification time, if known.
    pub modified: Option<Modified>,
    /// What became of it.
    pub state: InputState,
}

impl Input {
    /// The input's own time evidence, as a bound for entries that carry no time: it cannot have been
    /// written after its file was last modified.
    pub fn time_bound(&self, zone: SourceZone) -> Option<TimeBound> {
        let utc = match self.modified? {
            Modified::Utc(t) => t,
            Modified::Local(naive) => zone.to_utc(naive)?,
        };
        Some(TimeBound {
            utc,
            basis: TimeBasis::InferredAtOrBefore,
        })
    }
}

/// Finds every input under `paths`, in a stable order (arguments in order, folders sorted, archive
/// members in archive order).
pub fn discover(paths: &[PathBuf], limits: &Limits) -> Vec<Input> {
    let mut inputs = Vec::new();
    for path in paths {
        let shown = path.display().to_string();
        match std::fs::metadata(path) {
            Err(e) => inputs.push(failed(escape(&shown), None, format!("cannot read: {e}"))),
            Ok(meta) if meta.is_dir() => {
                for found in walk(path) {
                    match found {
                        Found::File(file) => visit_file(&file, &mut inputs, limits),
                        Found::Skipped(p, reason) => inputs.push(Input {
                            path: escape(&p.display().to_string()),
                            container: None,
                            size: 0,
                            modified: None,
                            state: InputState::Skipped(reason),
                        }),
                        Found::Failed(p, reason) => {
                            inputs.push(failed(escape(&p.display().to_string()), None, reason));
                        }
                    }
                }
            }
            Ok(_) => visit_file(path, &mut inputs, limits),
        }
    }
    inputs
}

fn failed(path: String, container: Option<usize>, reason: String) -> Input {
    Input {
        path,
        container,
        size: 0,
        modified: None,
        state: InputState::Failed(reason),
    }
}

fn visit_file(path: &Path, inputs: &mut Vec<Input>, limits: &Limits) {
    let shown = escape(&path.display().to_string());
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) => return inputs.push(failed(shown, None, format!("cannot read: {e}"))),
    };
    let modified = meta
        .modified()
        .ok()
        .map(|t| Modified::Utc(DateTime::<Utc>::from(t)));
    let head = match read_head(path) {
        Ok(head) => head,
        Err(e) => return inputs.push(failed(shown, None, format!("cannot read: {e}"))),
    };
    let mut input = Input {
        path: shown,
        container: None,
        size: meta.len(),
        modified,
        state: InputState::Skipped(String::new()),
    };
    match sniff(&head) {
        Err(unrecognised) => input.state = InputState::Skipped(unrecognised.0),
        Ok(Format::Zip) => match Bytes::open(path) {
            Ok(bytes) => {
                let index = inputs.len();
                inputs.push(input);
                visit_zip(SharedBytes::new(bytes), index, 1, inputs, limits);
                return;
            }
            Err(e) => input.state = InputState::Failed(error_chain(&e)),
        },
        Ok(format) => {
            input.state = InputState::Ready {
                format,
                data: DataSource::File(path.to_path_buf()),
            };
        }
    }
    inputs.push(input);
}

fn read_head(path: &Path) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    File::open(path)?
        .take(HEAD_LEN as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// Lists the members of the zip whose input is `inputs[index]`.
fn visit_zip(
    bytes: SharedBytes,
    index: usize,
    depth: u32,
    inputs: &mut Vec<Input>,
    limits: &Limits,
) {
    let mut archive = match ZipArchive::new(Cursor::new(bytes.clone())) {
        Ok(archive) => archive,
        Err(e) => {
            inputs[index].state = InputState::Failed(format!("not a readable zip archive: {e}"));
            return;
        }
    };
    let mut members = 0;
    for member in 0..archive.len() {
        let Some(input) = visit_member(&mut archive, &bytes, member, index, depth, inputs, limits)
        else {
            continue;
        };
        members += 1;
        let nested = match &input.state {
            InputState::Ready {
                format: Format::Zip,
                data,
            } => Some(data.clone()),
            _ => None,
        };
        let position = inputs.len();
        inputs.push(input);
        if let Some(data) = nested {
            match load_nested(data, limits) {
                Ok(inner) => visit_zip(inner, position, depth + 1, inputs, limits),
                Err(reason) => inputs[position].state = InputState::Failed(reason),
            }
        }
    }
    inputs[index].state = InputState::Container { members };
}

/// Examines one member; `None` for folders, which are not inputs.
fn visit_member(
    archive: &mut ZipArchive<Cursor<SharedBytes>>,
    bytes: &SharedBytes,
    member: usize,
    container: usize,
    depth: u32,
    inputs: &[Input],
    limits: &Limits,
) -> Option<Input> {
    let parent = &inputs[container].path;
    let mut file = match archive.by_index(member) {
        Ok(file) => file,
        Err(e) => {
            return Some(failed(
                format!("{parent}!/#{member}"),
                Some(container),
                format!("cannot read member: {e}"),
            ));
        }
    };
    if file.is_dir() {
        return None;
    }
    let name = escape(&String::from_utf8_lossy(file.name_raw()));
    let mut input = Input {
        path: format!("{parent}!/{name}"),
        container: Some(container),
        size: file.size(),
        modified: file.last_modified().and_then(zip_time).map(Modified::Local),
        state: InputState::Skipped(String::new()),
    };
    if file.encrypted() {
        input.state = InputState::Skipped("encrypted member (no password support)".to_owned());
        return Some(input);
    }
    let stored = file.compression() == CompressionMethod::Stored;
    let mut head = Vec::with_capacity(HEAD_LEN);
    if let Err(e) = (&mut file).take(HEAD_LEN as u64).read_to_end(&mut head) {
        input.state = InputState::Failed(format!("cannot read member: {e}"));
        return Some(input);
    }
    let stored_range = if stored {
        file.data_start().and_then(|start| {
            let start = usize::try_from(start).ok()?;
            let len = usize::try_from(file.compressed_size()).ok()?;
            bytes.slice(start..start.checked_add(len)?)
        })
    } else {
        None
    };
    let crc32 = file.crc32();
    drop(file);
    let format = match sniff(&head) {
        Ok(format) => format,
        Err(unrecognised) => {
            input.state = InputState::Skipped(unrecognised.0);
            return Some(input);
        }
    };
    if format == Format::Zip && depth >= limits.max_depth {
        input.state = InputState::Skipped(format!(
            "zip nested deeper than {} levels (raise the cap with --max-depth)",
            limits.max_depth
        ));
        return Some(input);
    }
    let data = match stored_range {
        Some(bytes) => DataSource::Bytes {
            bytes,
            crc32: Some(crc32),
        },
        None => DataSource::Member(ZipMember {
            archive: archive.clone(),
            index: member,
        }),
    };
    input.state = InputState::Ready { format, data };
    Some(input)
}

/// The bytes of a nested zip, decompressed when needed.
fn load_nested(data: DataSource, limits: &Limits) -> Result<SharedBytes, String> {
    match data {
        DataSource::Bytes { bytes, .. } => Ok(bytes),
        DataSource::Member(member) => decompress(&member, limits)
            .map(|vec| SharedBytes::new(Bytes::Owned(vec)))
            .map_err(|e| error_chain(&e)),
        DataSource::File(path) => Bytes::open(&path)
            .map(SharedBytes::new)
            .map_err(|e| error_chain(&e)),
    }
}

/// Decompresses a member into memory, refusing more than the cap.
fn decompress(member: &ZipMember, limits: &Limits) -> Result<Vec<u8>, InputError> {
    let mut archive = member.archive.clone();
    let file = archive
        .by_index(member.index)
        .map_err(|source| InputError::Zip { source })?;
    let declared = file.size();
    if declared > limits.max_in_memory {
        return Err(too_large(declared, limits));
    }
    let mut out = Vec::with_capacity(usize::try_from(declared).unwrap_or(0).min(64 << 20));
    file.take(limits.max_in_memory + 1)
        .read_to_end(&mut out)
        .map_err(|source| InputError::MemberData { source })?;
    if out.len() as u64 > limits.max_in_memory {
        return Err(too_large(out.len() as u64, limits));
    }
    Ok(out)
}

fn too_large(size: u64, limits: &Limits) -> InputError {
    InputError::TooLarge {
        what: "decompressed member",
        size,
        limit: limits.max_in_memory,
        flag: "--max-member-size",
    }
}

/// A zip (MS-DOS) time as a naive local time; `None` for the zero/invalid times some tools write.
fn zip_time(t: zip::DateTime) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(
        i32::from(t.year()),
        u32::from(t.month()),
        u32::from(t.day()),
    )?
    .and_hms_opt(
        u32::from(t.hour()),
        u32::from(t.minute()),
        u32::from(t.second()),
    )
}

/// Shows control characters (and the backslash) escaped, so a crafted member name cannot move the
/// cursor or fake lines in a terminal or report.
pub fn escape(name: &str) -> String {
    if !name.chars().any(char::is_control) {
        return name.to_owned();
    }
    name.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// An error and its causes on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// Reads an input that discovery left [`InputState::Ready`], pushing what the selector keeps.
///
/// # Errors
/// When the input cannot be read at all, including [`InputError::Malformed`] for structured text
/// that lacks what its format needs (a CSV without a required column, a dump with no values, XML
/// with an unknown root). Damage part-way (bad chunks, a bad CRC, a truncated compressed stream or
/// XML document) is reported to the sink as problems and what was read before it is kept.
pub fn read(
    format: &Format,
    data: &DataSource,
    ctx: &ParseContext,
    selector: &Selector,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<ParseStats, InputError> {
    match format {
        Format::Evtx => match data {
            DataSource::File(path) => evtx_file::parse(&Bytes::open(path)?, selector, sink),
            DataSource::Bytes { bytes, crc32 } => {
                check_crc(bytes, *crc32, sink);
                evtx_file::parse(bytes, selector, sink)
            }
            DataSource::Member(member) => {
                evtx_file::parse(&decompress(member, limits)?, selector, sink)
            }
        },
        Format::Text { encoding, kind } => {
            let encoding = *encoding;
            let kind = *kind;
            match data {
                DataSource::File(path) => {
                    let bytes = Bytes::open(path)?;
                    parse_text_in_memory(&bytes, encoding, kind, ctx, selector, sink)
                }
                DataSource::Bytes { bytes, crc32 } => {
                    check_crc(bytes, *crc32, sink);
                    parse_text_in_memory(bytes, encoding, kind, ctx, selector, sink)
                }
                DataSource::Member(member) => {
                    let mut archive = member.archive.clone();
                    let file = archive
                        .by_index(member.index)
                        .map_err(|source| InputError::Zip { source })?;
                    parse_text(file, encoding, kind, ctx, selector, sink)
                }
            }
        }
        Format::Zip => Ok(ParseStats::default()),
    }
}

fn check_crc(bytes: &[u8], expected: Option<u32>, sink: &mut dyn Sink) {
    if let Some(expected) = expected
        && crc32fast::hash(bytes) != expected
    {
        sink.problem(Problem {
            at: None,
            chunk: None,
            message:
                "CRC-32 of the stored member does not match the archive: its data may be damaged"
                    .to_owned(),
        });
    }
}

/// Text already in memory: UTF-8 is read in place, line by line, without copying; other encodings
/// go through the decoder.
fn parse_text_in_memory(
    bytes: &[u8],
    encoding: crate::text::TextEncoding,
    kind: TextKind,
    ctx: &ParseContext,
    selector: &Selector,
    sink: &mut dyn Sink,
) -> Result<ParseStats, InputError> {
    let text = match (encoding, kind) {
        (_, TextKind::AgentTrace | TextKind::WizardTrace) => match encoding {
            crate::text::TextEncoding::Utf8 => bytes,
            crate::text::TextEncoding::Utf8Bom => bytes.get(3..).unwrap_or_default(),
            _ => return parse_text(bytes, encoding, kind, ctx, selector, sink),
        },
        // The other formats are small and read through the decoder.
        _ => return parse_text(bytes, encoding, kind, ctx, selector, sink),
    };
    let lines = SliceLines::searching(text, Some(selector));
    let stats = if kind == TextKind::AgentTrace {
        agent::parse_lines(lines, ctx, selector, sink)
    } else {
        wizard::parse_lines(lines, ctx, selector, sink)
    }
    .map_err(|source| InputError::MemberData { source })?;
    Ok(stats)
}

/// Runs a text grammar over a reader; a read error part-way becomes a problem, not a failure.
fn parse_text<R: Read>(
    reader: R,
    encoding: crate::text::TextEncoding,
    kind: TextKind,
    ctx: &ParseContext,
    selector: &Selector,
    sink: &mut dyn Sink,
) -> Result<ParseStats, InputError> {
    let mut guarded = StopOnError {
        inner: reader,
        error: None,
        read: 0,
    };
    let text = Utf8Reader::new(&mut guarded, encoding);
    // The guard turns read errors into end of input, so the grammars fail only on content.
    let member = |source| InputError::MemberData { source };
    // Traces can be huge: read in blocks searched once for the selector's literals.
    let traces = |text| BlockLines::new(text, Some(selector));
    let stats = match kind {
        TextKind::AgentTrace => {
            agent::parse_lines(traces(text), ctx, selector, sink).map_err(member)
        }
        TextKind::WizardTrace => {
            wizard::parse_lines(traces(text), ctx, selector, sink).map_err(member)
        }
        TextKind::RunHistoryXml | TextKind::CsExportXml => {
            sync_xml::parse(text, ctx, selector, sink)
        }
        TextKind::RunProfileCsv => run_csv::parse(text, ctx, selector, sink),
        TextKind::ErrorCsv => error_csv::parse(text, ctx, selector, sink),
        TextKind::SyncErrorDetails => copy_details::parse(text, ctx, selector, sink),
        TextKind::EventText => event_text::parse(text, ctx, selector, sink),
        TextKind::PsDump => ps_dump::parse(text, ctx, selector, sink),
    };
    let stats = match stats {
        Ok(stats) => stats,
        // A read error cut the content short: say so rather than blame the content.
        Err(e) if guarded.error.is_some() => {
            return Err(InputError::MemberData {
                source: io::Error::other(format!(
                    "{}; data damaged after byte {}",
                    e, guarded.read
                )),
            });
        }
        Err(e) => return Err(e),
    };
    if let Some(e) = guarded.error {
        sink.problem(Problem {
            at: None,
            chunk: None,
            message: format!(
                "data damaged after byte {}: {e}; the rest was not read",
                guarded.read
            ),
        });
    }
    Ok(stats)
}

/// Ends a stream at its first read error and keeps the error for the report.
struct StopOnError<R> {
    inner: R,
    error: Option<io::Error>,
    read: u64,
}

impl<R: Read> Read for StopOnError<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.error.is_some() {
            return Ok(0);
        }
        loop {
            match self.inner.read(buf) {
                Ok(n) => {
                    self.read += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.error = Some(e);
                    return Ok(0);
                }
            }
        }
    }
}
