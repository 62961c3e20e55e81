//! Finding every input in what the user dropped (files, folders, zips, zips inside zips) and reading
//! each one's bytes without ever extracting anything to disk.
//!
//! Discovery ([`discover`]) only looks at the first bytes of each file or member to decide what it
//! is; reading ([`read`]) happens later, input by input, possibly in parallel. Zip members stored
//! without compression are read in place from the archive's memory map; deflated members are
//! streamed through the decompressor (traces) or decompressed into memory up to a cap (EVTX and
//! nested zips, whose readers need random access).

use crate::adsync::{copy_details, error_csv, ps_dump, run_csv, sync_xml};
use crate::error::{CapExceeded, InputError, Problem};
use crate::event_text;
use crate::evtx_file;
use crate::input::{Bytes, SharedBytes, SharedCursor};
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
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};
use zip::CompressionMethod;
use zip::ZipArchive;

/// Caps that keep hostile or broken archives from exhausting memory, disk or time. Each has a
/// command-line flag; a member over a cap is skipped with a reason that names the cap and the flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How many zips deep discovery goes (a zip on disk is depth 1). `--max-depth`.
    pub max_depth: u32,
    /// Largest member decompressed into memory (EVTX files and nested zips need random access).
    /// `--max-member-size`.
    pub max_in_memory: u64,
    /// Total uncompressed bytes of archive members read in one run. `--max-total-size`.
    pub max_total: u64,
    /// Largest compression ratio (uncompressed : compressed) of a member, checked on the sizes the
    /// archive declares and again while decompressing. `--max-ratio`.
    pub max_ratio: u64,
    /// Archive members listed in one run, over all archives. `--max-members`.
    pub max_members: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 4,
            max_in_memory: 1 << 30,
            max_total: 16 << 30,
            max_ratio: 1000,
            max_members: 100_000,
        }
    }
}

/// Members smaller than this are never refused for their compression ratio: a small file of
/// repeated lines can legitimately compress very well, and it cannot hurt.
pub const RATIO_FLOOR: u64 = 1 << 20;

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
    location: MemberLocation,
    max_ratio: u64,
}

#[derive(Clone)]
enum MemberLocation {
    /// Listed in the archive's central directory.
    Indexed {
        archive: ZipArchive<SharedCursor>,
        /// The archive's bytes (what `archive` reads), to release once the member is read.
        bytes: SharedBytes,
        index: usize,
    },
    /// Found by reading local headers of an archive whose central directory is missing.
    Local { bytes: SharedBytes, offset: u64 },
}

impl std::fmt::Debug for ZipMember {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            MemberLocation::Indexed { index, .. } => write!(f, "ZipMember(#{index})"),
            MemberLocation::Local { offset, .. } => write!(f, "ZipMember(@{offset})"),
        }
    }
}

impl ZipMember {
    /// Runs `read` over the member's decompressed bytes, with the compression ratio watched.
    fn with_reader<T>(
        &self,
        read: impl FnOnce(&mut dyn Read) -> Result<T, InputError>,
    ) -> Result<T, InputError> {
        let zip_error = |source| InputError::Zip { source };
        match &self.location {
            MemberLocation::Indexed {
                archive,
                bytes,
                index,
            } => {
                let mut archive = archive.clone();
                let mut file = archive.by_index(*index).map_err(zip_error)?;
                let compressed = file.compressed_size();
                let stored = file.compression() == CompressionMethod::Stored;
                let start = file.data_start();
                let mut guarded = RatioGuard::new(&mut file, compressed, stored, self.max_ratio);
                let result = read(&mut guarded);
                drop(file);
                // Read once: its compressed bytes need not stay resident (see Bytes::release).
                if let (Some(start), Ok(len)) = (start, usize::try_from(compressed))
                    && let Ok(start) = usize::try_from(start)
                {
                    bytes.release(start..start.saturating_add(len));
                }
                result
            }
            MemberLocation::Local { bytes, offset } => {
                let mut cursor = SharedCursor::new(bytes.clone());
                cursor
                    .seek(io::SeekFrom::Start(*offset))
                    .map_err(|source| InputError::MemberData { source })?;
                let mut file = zip::read::read_zipfile_from_stream(&mut cursor)
                    .map_err(zip_error)?
                    .ok_or(InputError::Zip {
                        source: zip::result::ZipError::InvalidArchive(
                            "no local file header where one was found before".into(),
                        ),
                    })?;
                let compressed = file.compressed_size();
                let stored = file.compression() == CompressionMethod::Stored;
                let mut guarded = RatioGuard::new(&mut file, compressed, stored, self.max_ratio);
                let result = read(&mut guarded);
                drop(file);
                if let Ok(end) = usize::try_from(cursor.position())
                    && let Ok(offset) = usize::try_from(*offset)
                {
                    bytes.release(offset..end);
                }
                result
            }
        }
    }
}

/// Counts what a member decompresses to and stops, with a [`CapExceeded`] error, as soon as the
/// output exceeds the ratio cap: a bomb stops after at most `ratio` times its compressed size,
/// whatever its header claims.
struct RatioGuard<R> {
    inner: R,
    allowed: u64,
    max_ratio: u64,
    compressed: u64,
    out: u64,
}

impl<R: Read> RatioGuard<R> {
    fn new(inner: R, compressed: u64, stored: bool, max_ratio: u64) -> Self {
        let allowed = if stored {
            u64::MAX
        } else {
            compressed.saturating_mul(max_ratio).max(RATIO_FLOOR)
        };
        RatioGuard {
            inner,
            allowed,
            max_ratio,
            compressed,
            out: 0,
        }
    }
}

impl<R: Read> Read for RatioGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out = self.out.saturating_add(n as u64);
        if self.out > self.allowed {
            return Err(io::Error::other(ratio_cap(
                self.out,
                self.compressed,
                self.max_ratio,
                "decompressed to more than",
            )));
        }
        Ok(n)
    }
}

fn ratio_cap(size: u64, compressed: u64, max_ratio: u64, verb: &str) -> CapExceeded {
    let ratio = size.checked_div(compressed).unwrap_or(u64::MAX);
    let shown = if ratio == u64::MAX {
        "infinite".to_owned()
    } else {
        format!("{ratio}:1")
    };
    CapExceeded {
        what: format!(
            "compression ratio {shown} ({verb} {size} bytes from {compressed}; a zip bomb?)"
        ),
        limit: format!("{max_ratio}:1"),
        flag: "--max-ratio",
    }
}

/// The cap error inside an I/O error, if that is what it is.
fn cap_of(error: &io::Error) -> Option<CapExceeded> {
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<CapExceeded>())
        .cloned()
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
        /// Set when the archive is damaged and only part of it could be listed (e.g. truncated:
        /// members recovered from local headers). Says what was recovered and what was lost.
        damage: Option<String>,
    },
    /// Not read, on purpose: empty, unknown format, too deep, over a cap, not a regular file.
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
    /// Things discovery noticed that do not change what is read (e.g. a member name that would
    /// escape the folder it was extracted to).
    pub notes: Vec<String>,
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

    fn new(path: String, container: Option<usize>, state: InputState) -> Input {
        Input {
            path,
            container,
            size: 0,
            modified: None,
            state,
            notes: Vec::new(),
        }
    }
}

/// What discovery has used up of the run-wide caps so far.
#[derive(Debug, Default)]
struct Budget {
    members: u64,
    bytes: u64,
}

/// Finds every input under `paths`, in a stable order (arguments in order, folders sorted, archive
/// members in archive order).
pub fn discover(paths: &[PathBuf], limits: &Limits) -> Vec<Input> {
    let mut inputs = Vec::new();
    let mut budget = Budget::default();
    for path in paths {
        let shown = path.display().to_string();
        match std::fs::metadata(path) {
            Err(e) => inputs.push(failed(escape(&shown), None, format!("cannot read: {e}"))),
            Ok(meta) if meta.is_dir() => {
                for found in walk(path) {
                    match found {
                        Found::File(file) => visit_file(&file, &mut inputs, limits, &mut budget),
                        Found::Skipped(p, reason) => inputs.push(Input::new(
                            escape(&p.display().to_string()),
                            None,
                            InputState::Skipped(reason),
                        )),
                        Found::Failed(p, reason) => {
                            inputs.push(failed(escape(&p.display().to_string()), None, reason));
                        }
                    }
                }
            }
            Ok(_) => visit_file(path, &mut inputs, limits, &mut budget),
        }
    }
    inputs
}

/// Lists the inputs in bytes already in memory, as [`discover`] does for a file: a zip is opened
/// and its members listed (nested zips too), anything else is sniffed. For tests and fuzzing.
pub fn discover_bytes(name: &str, bytes: Vec<u8>, limits: &Limits) -> Vec<Input> {
    let mut inputs = Vec::new();
    let mut budget = Budget::default();
    let shared = SharedBytes::new(Bytes::Owned(bytes));
    let head = shared.get(..HEAD_LEN.min(shared.len())).unwrap_or_default();
    let mut input = Input::new(escape(name), None, InputState::Skipped(String::new()));
    input.size = shared.len() as u64;
    match sniff(head) {
        Err(unrecognised) => input.state = InputState::Skipped(unrecognised.0),
        Ok(Format::Zip) => {
            inputs.push(input);
            visit_zip(shared, 0, 1, &mut inputs, limits, &mut budget);
            return inputs;
        }
        Ok(format) => {
            input.state = InputState::Ready {
                format,
                data: DataSource::Bytes {
                    bytes: shared,
                    crc32: None,
                },
            };
        }
    }
    inputs.push(input);
    inputs
}

fn failed(path: String, container: Option<usize>, reason: String) -> Input {
    Input::new(path, container, InputState::Failed(reason))
}

fn visit_file(path: &Path, inputs: &mut Vec<Input>, limits: &Limits, budget: &mut Budget) {
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
    let mut input = Input::new(shown, None, InputState::Skipped(String::new()));
    input.size = meta.len();
    input.modified = modified;
    match sniff(&head) {
        Err(unrecognised) => input.state = InputState::Skipped(unrecognised.0),
        Ok(Format::Zip) => match Bytes::open(path) {
            Ok(bytes) => {
                let index = inputs.len();
                inputs.push(input);
                visit_zip(SharedBytes::new(bytes), index, 1, inputs, limits, budget);
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

/// Everything discovery needs to know about one member, however it was found.
struct MemberFacts {
    /// Escaped display name.
    name: String,
    /// The name as stored (lossily decoded), for the safety check.
    raw_name: String,
    size: u64,
    compressed: u64,
    stored: bool,
    encrypted: bool,
    is_dir: bool,
    modified: Option<Modified>,
    crc32: u32,
}

impl MemberFacts {
    fn of<R: Read + ?Sized>(file: &zip::read::ZipFile<'_, R>) -> MemberFacts {
        let raw_name = String::from_utf8_lossy(file.name_raw()).into_owned();
        MemberFacts {
            name: escape(&raw_name),
            raw_name,
            size: file.size(),
            compressed: file.compressed_size(),
            stored: file.compression() == CompressionMethod::Stored,
            encrypted: file.encrypted(),
            is_dir: file.is_dir(),
            modified: file.last_modified().and_then(zip_time).map(Modified::Local),
            crc32: file.crc32(),
        }
    }
}

/// Lists the members of the zip whose input is `inputs[index]`.
fn visit_zip(
    bytes: SharedBytes,
    index: usize,
    depth: u32,
    inputs: &mut Vec<Input>,
    limits: &Limits,
    budget: &mut Budget,
) {
    let mut archive = match ZipArchive::new(SharedCursor::new(bytes.clone())) {
        Ok(archive) => archive,
        Err(e) => return recover_local_headers(bytes, index, depth, &e, inputs, limits, budget),
    };
    let mut members = 0;
    for member in 0..archive.len() {
        if budget.members >= limits.max_members {
            inputs.push(members_over_cap(
                index,
                Some(archive.len() - member),
                inputs,
                limits,
            ));
            break;
        }
        let examined = match archive.by_index(member) {
            Err(e) => Err(format!("cannot read member: {e}")),
            Ok(mut file) => {
                let facts = MemberFacts::of(&file);
                let head = read_member_head(&mut file, limits);
                let stored_range = if facts.stored {
                    file.data_start().and_then(|start| {
                        let start = usize::try_from(start).ok()?;
                        let len = usize::try_from(facts.compressed).ok()?;
                        bytes.slice(start..start.checked_add(len)?)
                    })
                } else {
                    None
                };
                Ok((facts, head, stored_range))
            }
        };
        let input = match examined {
            Err(reason) => failed(
                format!("{}!/#{member}", inputs[index].path),
                Some(index),
                reason,
            ),
            Ok((facts, _, _)) if facts.is_dir => continue,
            Ok((facts, head, stored_range)) => {
                let data = match stored_range {
                    Some(bytes) => DataSource::Bytes {
                        bytes,
                        crc32: Some(facts.crc32),
                    },
                    None => DataSource::Member(ZipMember {
                        location: MemberLocation::Indexed {
                            archive: archive.clone(),
                            bytes: bytes.clone(),
                            index: member,
                        },
                        max_ratio: limits.max_ratio,
                    }),
                };
                member_input(facts, head, data, index, depth, inputs, limits, budget)
            }
        };
        budget.members += 1;
        members += 1;
        push_member(input, depth, inputs, limits, budget);
    }
    inputs[index].state = InputState::Container {
        members,
        damage: None,
    };
}

/// Adds a member and, when it is a zip itself, lists its members too.
fn push_member(
    input: Input,
    depth: u32,
    inputs: &mut Vec<Input>,
    limits: &Limits,
    budget: &mut Budget,
) {
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
            Ok(inner) => visit_zip(inner, position, depth + 1, inputs, limits, budget),
            Err(LoadError::OverCap(cap)) => {
                inputs[position].state = InputState::Skipped(cap.to_string());
            }
            Err(LoadError::Failed(reason)) => inputs[position].state = InputState::Failed(reason),
        }
    }
}

fn members_over_cap(
    container: usize,
    remaining: Option<usize>,
    inputs: &[Input],
    limits: &Limits,
) -> Input {
    let what = match remaining {
        Some(n) => format!("{n} more member(s) not listed"),
        None => "further members not listed".to_owned(),
    };
    let cap = CapExceeded {
        what: format!("{what}: archive members in this run"),
        limit: format!("{} members", limits.max_members),
        flag: "--max-members",
    };
    Input::new(
        format!("{}!/*", inputs[container].path),
        Some(container),
        InputState::Skipped(cap.to_string()),
    )
}

/// The first bytes of a member, for sniffing; an error message when they cannot be read.
fn read_member_head<R: Read + ?Sized>(
    file: &mut zip::read::ZipFile<'_, R>,
    limits: &Limits,
) -> Result<Vec<u8>, String> {
    if file.encrypted() {
        return Ok(Vec::new());
    }
    let mut head = vec![0; HEAD_LEN];
    let compressed = file.compressed_size();
    let stored = file.compression() == CompressionMethod::Stored;
    let mut guarded = RatioGuard::new(&mut *file, compressed, stored, limits.max_ratio);
    let mut filled = 0;
    while filled < HEAD_LEN {
        match guarded.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // Damage after the first bytes (a bad CRC, a cut stream) is reported when the member
            // is read; only a member with no readable start fails here.
            Err(_) if filled > 0 => break,
            Err(e) => return Err(format!("cannot read member: {e}")),
        }
    }
    head.truncate(filled);
    Ok(head)
}

/// Decides what becomes of one member from its facts and first bytes.
#[allow(clippy::too_many_arguments)]
fn member_input(
    facts: MemberFacts,
    head: Result<Vec<u8>, String>,
    data: DataSource,
    container: usize,
    depth: u32,
    inputs: &[Input],
    limits: &Limits,
    budget: &mut Budget,
) -> Input {
    let mut input = Input::new(
        format!("{}!/{}", inputs[container].path, facts.name),
        Some(container),
        InputState::Skipped(String::new()),
    );
    input.size = facts.size;
    input.modified = facts.modified;
    if let Some(note) = unsafe_name(&facts.raw_name) {
        input.notes.push(format!(
            "member name {note}: shown as stored; syncsift never extracts anything to disk"
        ));
    }
    input.state = member_state(&facts, head, data, depth, limits, budget);
    input
}

fn member_state(
    facts: &MemberFacts,
    head: Result<Vec<u8>, String>,
    data: DataSource,
    depth: u32,
    limits: &Limits,
    budget: &mut Budget,
) -> InputState {
    if facts.encrypted {
        return InputState::Skipped("encrypted member (no password support)".to_owned());
    }
    if !facts.stored
        && facts.size > RATIO_FLOOR
        && facts.size > facts.compressed.saturating_mul(limits.max_ratio)
    {
        let cap = ratio_cap(facts.size, facts.compressed, limits.max_ratio, "declares");
        return InputState::Skipped(cap.to_string());
    }
    let head = match head {
        Ok(head) => head,
        Err(reason) => return InputState::Failed(reason),
    };
    let format = match sniff(&head) {
        Ok(format) => format,
        Err(unrecognised) => return InputState::Skipped(unrecognised.0),
    };
    if format == Format::Zip && depth >= limits.max_depth {
        let cap = CapExceeded {
            what: format!("zip nested {} levels deep", depth + 1),
            limit: format!("{} levels", limits.max_depth),
            flag: "--max-depth",
        };
        return InputState::Skipped(cap.to_string());
    }
    let in_memory =
        matches!(format, Format::Zip | Format::Evtx) && matches!(data, DataSource::Member(_));
    if in_memory && facts.size > limits.max_in_memory {
        return InputState::Skipped(too_large(facts.size, limits).to_string());
    }
    if budget.bytes.saturating_add(facts.size) > limits.max_total {
        let cap = CapExceeded {
            what: format!(
                "{} bytes more would make {} bytes read from archives in this run",
                facts.size,
                budget.bytes.saturating_add(facts.size)
            ),
            limit: format!("{} bytes", limits.max_total),
            flag: "--max-total-size",
        };
        return InputState::Skipped(cap.to_string());
    }
    budget.bytes += facts.size;
    InputState::Ready { format, data }
}

/// Why a member name would be dangerous if it were extracted, if it would.
fn unsafe_name(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    if name.starts_with('/') || name.starts_with('\\') {
        return Some("is an absolute path");
    }
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Some("starts with a drive letter");
    }
    if name.split(['/', '\\']).any(|part| part == "..") {
        return Some("climbs out of its folder (..)");
    }
    if name.chars().any(char::is_control) {
        return Some("holds control characters (escaped here)");
    }
    None
}

/// Lists what can be found of an archive whose central directory cannot be read (a zip cut short
/// by a copy or a mail gateway): local file headers are read one after the other from the start.
#[allow(clippy::too_many_arguments)]
fn recover_local_headers(
    bytes: SharedBytes,
    index: usize,
    depth: u32,
    error: &zip::result::ZipError,
    inputs: &mut Vec<Input>,
    limits: &Limits,
    budget: &mut Budget,
) {
    let mut cursor = SharedCursor::new(bytes.clone());
    let total = bytes.len() as u64;
    let mut recovered: Vec<String> = Vec::new();
    let mut cut_short: Option<String> = None;
    let mut stopped: Option<String> = None;
    let mut members = 0;
    loop {
        let offset = cursor.position();
        if offset >= total {
            break;
        }
        if budget.members >= limits.max_members {
            inputs.push(members_over_cap(index, None, inputs, limits));
            break;
        }
        let (facts, head) = match zip::read::read_zipfile_from_stream(&mut cursor) {
            Ok(Some(mut file)) => {
                let facts = MemberFacts::of(&file);
                let head = read_member_head(&mut file, limits);
                (facts, head)
                // Dropping the file skips the rest of its compressed data.
            }
            // The central directory starts here: the archive is whole up to it.
            Ok(None) => break,
            Err(e) => {
                stopped = Some(e.to_string());
                break;
            }
        };
        let end = cursor.position();
        let header_and_data = 30 + facts.raw_name.len() as u64 + facts.compressed;
        if end >= total && end - offset < header_and_data {
            cut_short = Some(facts.name.clone());
        }
        if facts.is_dir {
            continue;
        }
        recovered.push(facts.name.clone());
        let data = DataSource::Member(ZipMember {
            location: MemberLocation::Local {
                bytes: bytes.clone(),
                offset,
            },
            max_ratio: limits.max_ratio,
        });
        let input = member_input(facts, head, data, index, depth, inputs, limits, budget);
        budget.members += 1;
        members += 1;
        push_member(input, depth, inputs, limits, budget);
    }
    if recovered.is_empty() {
        let mut reason = format!("not a readable zip archive: {error}");
        if let Some(stop) = stopped {
            reason.push_str(&format!(
                "; no member could be recovered from local headers ({stop})"
            ));
        }
        inputs[index].state = InputState::Failed(reason);
        return;
    }
    let mut damage = format!(
        "damaged archive ({error}): truncated or without its central directory; {} member(s) \
         recovered from local headers: {}",
        recovered.len(),
        recovered.join(", ")
    );
    if let Some(name) = cut_short {
        damage.push_str(&format!("; {name} is cut short"));
    }
    if let Some(stop) = stopped
        && cursor.position() < total
    {
        damage.push_str(&format!("; reading stopped: {stop}"));
    }
    inputs[index].state = InputState::Container {
        members,
        damage: Some(damage),
    };
}

/// Why a nested zip could not be loaded.
enum LoadError {
    OverCap(CapExceeded),
    Failed(String),
}

/// The bytes of a nested zip, decompressed when needed.
fn load_nested(data: DataSource, limits: &Limits) -> Result<SharedBytes, LoadError> {
    match data {
        DataSource::Bytes { bytes, .. } => Ok(bytes),
        DataSource::Member(member) => match decompress(&member, limits) {
            Ok(vec) => Ok(SharedBytes::new(Bytes::Owned(vec))),
            Err(InputError::OverCap(cap)) => Err(LoadError::OverCap(cap)),
            Err(e) => Err(LoadError::Failed(error_chain(&e))),
        },
        DataSource::File(path) => Bytes::open(&path)
            .map(SharedBytes::new)
            .map_err(|e| LoadError::Failed(error_chain(&e))),
    }
}

/// Decompresses a member into memory, refusing more than the cap.
fn decompress(member: &ZipMember, limits: &Limits) -> Result<Vec<u8>, InputError> {
    member.with_reader(|reader| {
        let mut out = Vec::new();
        match reader.take(limits.max_in_memory + 1).read_to_end(&mut out) {
            Ok(_) => {}
            Err(e) => {
                return Err(match cap_of(&e) {
                    Some(cap) => InputError::OverCap(cap),
                    None => InputError::MemberData { source: e },
                });
            }
        }
        if out.len() as u64 > limits.max_in_memory {
            return Err(too_large(out.len() as u64, limits).into());
        }
        Ok(out)
    })
}

fn too_large(size: u64, limits: &Limits) -> CapExceeded {
    CapExceeded {
        what: format!("member of {size} bytes to decompress into memory"),
        limit: format!("{} bytes", limits.max_in_memory),
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

/// Shows control characters escaped (`\u{1b}`), so a crafted member name cannot move the cursor or
/// fake lines in a terminal or report.
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

/// Text files larger than this are read as a stream rather than mapped, so that memory stays
/// bounded (a mapped file's pages count as resident once read).
pub const STREAM_FILES_OVER: u64 = 64 << 20;

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
                let result = evtx_file::parse(bytes, selector, sink);
                bytes.release(0..bytes.view_len());
                result
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
                    let io_error = |source| InputError::Io {
                        path: path.clone(),
                        source,
                    };
                    let file = File::open(path).map_err(io_error)?;
                    let len = file.metadata().map_err(io_error)?.len();
                    if len > STREAM_FILES_OVER {
                        // Streamed in blocks: a mapped file this size would stay resident.
                        return parse_text(file, encoding, kind, ctx, selector, sink);
                    }
                    drop(file);
                    let bytes = Bytes::open(path)?;
                    parse_text_in_memory(&bytes, encoding, kind, ctx, selector, sink)
                }
                DataSource::Bytes { bytes, crc32 } => {
                    check_crc(bytes, *crc32, sink);
                    if bytes.len() as u64 > STREAM_FILES_OVER {
                        // A large stored member of a mapped archive: streamed, releasing pages.
                        let cursor = SharedCursor::new(bytes.clone());
                        return parse_text(cursor, encoding, kind, ctx, selector, sink);
                    }
                    let result = parse_text_in_memory(bytes, encoding, kind, ctx, selector, sink);
                    bytes.release(0..bytes.view_len());
                    result
                }
                DataSource::Member(member) => member
                    .with_reader(|reader| parse_text(reader, encoding, kind, ctx, selector, sink)),
            }
        }
        Format::Zip => Ok(ParseStats::default()),
    }
}

fn check_crc(bytes: &SharedBytes, expected: Option<u32>, sink: &mut dyn Sink) {
    let Some(expected) = expected else {
        return;
    };
    // In blocks, releasing each: a large mapped member does not stay resident for the check.
    const CRC_BLOCK: usize = 16 << 20;
    let mut hasher = crc32fast::Hasher::new();
    for (i, block) in bytes.chunks(CRC_BLOCK).enumerate() {
        hasher.update(block);
        bytes.release(i * CRC_BLOCK..(i + 1) * CRC_BLOCK);
    }
    if hasher.finalize() != expected {
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
    // A cap hit while decompressing: the member is skipped, whatever was read before it.
    if let Some(cap) = guarded.error.as_ref().and_then(cap_of) {
        return Err(InputError::OverCap(cap));
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::VecSink;

    fn ctx() -> ParseContext {
        ParseContext {
            zone: SourceZone::Utc,
            bound: None,
        }
    }

    #[test]
    fn a_file_that_vanishes_between_discovery_and_reading_fails_alone() {
        let dir = std::env::temp_dir().join(format!("syncsift-vanish-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let trace = "AADConnectProvisioningAgent.exe Error: 0 : Web socket failed\r\n";
        std::fs::write(dir.join("a.log"), trace).unwrap();
        std::fs::write(dir.join("b.log"), trace).unwrap();
        let inputs = discover(std::slice::from_ref(&dir), &Limits::default());
        std::fs::remove_file(dir.join("a.log")).unwrap();
        let results: Vec<Result<u64, String>> = inputs
            .iter()
            .map(|input| match &input.state {
                InputState::Ready { format, data } => read(
                    format,
                    data,
                    &ctx(),
                    &Selector::all(),
                    &Limits::default(),
                    &mut VecSink::default(),
                )
                .map(|stats| stats.entries)
                .map_err(|e| error_chain(&e)),
                other => Err(format!("{other:?}")),
            })
            .collect();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(results.len(), 2);
        let vanished = results[0].as_ref().unwrap_err();
        assert!(
            vanished.starts_with("cannot read ")
                && vanished.ends_with("No such file or directory (os error 2)"),
            "{vanished}"
        );
        assert_eq!(results[1], Ok(1));
    }

    #[test]
    fn the_ratio_guard_stops_a_stream_at_its_cap() {
        // 4 MiB claimed to come from 1 KiB: past the 1 MiB floor, 1000:1 allows 1 MiB.
        let data = vec![b'a'; 4 << 20];
        let mut guarded = RatioGuard::new(&data[..], 1024, false, 1000);
        let mut out = Vec::new();
        let error = guarded.read_to_end(&mut out).unwrap_err();
        let cap = cap_of(&error).expect("a cap error");
        assert_eq!(cap.flag, "--max-ratio");
        assert!(out.len() as u64 <= RATIO_FLOOR + 64 * 1024, "{}", out.len());
        // Stored members are never refused.
        let mut stored = RatioGuard::new(&data[..], 1024, true, 1000);
        assert_eq!(stored.read_to_end(&mut Vec::new()).unwrap(), data.len());
    }

    #[test]
    fn unsafe_member_names_are_recognised() {
        assert_eq!(unsafe_name("Trace/agent.log"), None);
        assert_eq!(unsafe_name("a..b.log"), None);
        assert!(unsafe_name("../x").is_some());
        assert!(unsafe_name("a\\..\\x").is_some());
        assert!(unsafe_name("/etc/x").is_some());
        assert!(unsafe_name("\\\\server\\x").is_some());
        assert!(unsafe_name("c:x").is_some());
        assert!(unsafe_name("x\u{7}").is_some());
        assert_eq!(escape("x\u{1b}[2J"), "x\\u{1b}[2J");
    }

    #[test]
    fn a_zip_truncated_anywhere_never_panics_and_says_what_it_recovered() {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        for name in ["a.log", "b.log", "c.log"] {
            writer.start_file(name, options).unwrap();
            std::io::Write::write_all(
                &mut writer,
                b"AADConnectProvisioningAgent.exe Error: 0 : Web socket failed\r\n",
            )
            .unwrap();
        }
        let whole = writer.finish().unwrap().into_inner();
        for cut in 0..whole.len() {
            let inputs = discover_bytes("t.zip", whole[..cut].to_vec(), &Limits::default());
            for input in &inputs {
                if let InputState::Ready { format, data } = &input.state {
                    let _ = read(
                        format,
                        data,
                        &ctx(),
                        &Selector::all(),
                        &Limits::default(),
                        &mut VecSink::default(),
                    );
                }
            }
            if let InputState::Container { members, damage } = &inputs[0].state {
                let damage = damage.as_deref().unwrap_or_default();
                assert!(
                    damage.contains(&format!("{members} member(s) recovered")),
                    "{damage}"
                );
            }
        }
    }
}
