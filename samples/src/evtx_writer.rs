//! Writes EVTX files the way the Windows event log service lays them out, so that parsers meet the
//! same structures as in real exports: a 4 KiB file header (`ElfFile\0`, CRC32 of its first 120
//! bytes), 64 KiB chunks (`ElfChnk\0`, header CRC32 over bytes 0..120 and 128..512, records CRC32,
//! a 64-bucket string table and a 32-bucket template table), and records (`**\0\0`, size, record
//! id, FILETIME, BinXML, size copy).
//!
//! Each record's BinXML is a template instance, as Windows writes it: the first record of a given
//! layout in a chunk carries the template definition inline (names inline on first use and linked
//! into the string table), later records of that layout point at it by offset and carry only their
//! substitution values (provider, event id, level, time, record id, channel, computer, the
//! EventData strings, ...). Layout: the Microsoft event schema's `System` element followed by
//! `EventData` with `<Data>` (optionally `Name`d) and an optional `<Binary>`.
//!
//! Format knowledge comes from MS-EVEN6 (BinXML tokens) and libyal's EVTX format notes.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::io::{self, Seek, SeekFrom, Write};

/// File header block size.
pub const FILE_HEADER_SIZE: usize = 4096;
/// Chunk size.
pub const CHUNK_SIZE: usize = 65536;
const CHUNK_HEADER_SIZE: usize = 512;
const EVENT_NAMESPACE: &str = "http://schemas.microsoft.com/win/2004/08/events/event";

/// `Keywords` of classic (EventLog API) events.
pub const CLASSIC_KEYWORDS: u64 = 0x0080_0000_0000_0000;

/// Event levels as EVTX stores them.
pub mod level {
    /// Critical.
    pub const CRITICAL: u8 = 1;
    /// Error.
    pub const ERROR: u8 = 2;
    /// Warning.
    pub const WARNING: u8 = 3;
    /// Information.
    pub const INFORMATION: u8 = 4;
}

/// The `EventData` of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventData {
    /// `<Data>` elements without names: classic sources (Directory Synchronization, ADSync) put
    /// their whole message in one.
    Unnamed(Vec<String>),
    /// `<Data Name="...">` elements (Service Control Manager: `param1`, `param2`, ...).
    Named(Vec<(String, String)>),
    /// `<Data Name="...">` elements with typed values (manifest providers log integers, hex
    /// codes, GUIDs, times next to strings).
    Typed(Vec<(String, DataValue)>),
    /// Like [`EventData::Named`], but the whole `EventData` is a BinXML fragment of its own in one
    /// substitution right under `Event` (with its own template), as some real SCM records
    /// (7040, 7045) are written.
    NestedNamed(Vec<(String, String)>),
}

/// A typed `<Data>` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataValue {
    /// UTF-16 string.
    Text(String),
    /// `Int32`.
    I32(i32),
    /// `UInt32`.
    U32(u32),
    /// `Int64`.
    I64(i64),
    /// `UInt64`.
    U64(u64),
    /// `HexInt32` (rendered `0x…`).
    Hex32(u32),
    /// `HexInt64`.
    Hex64(u64),
    /// `Boolean` (4 bytes).
    Bool(bool),
    /// `GUID` (16 bytes as stored).
    Guid([u8; 16]),
    /// `FILETIME`.
    FileTime(u64),
    /// `Binary` bytes in a `<Data>` element.
    Bytes(Vec<u8>),
}

impl DataValue {
    /// BinXML value type and bytes.
    fn encode(&self) -> (u8, Vec<u8>) {
        match self {
            DataValue::Text(text) => (T_STRING, utf16_bytes(text)),
            DataValue::I32(v) => (0x07, v.to_le_bytes().to_vec()),
            DataValue::U32(v) => (T_U32, v.to_le_bytes().to_vec()),
            DataValue::I64(v) => (0x09, v.to_le_bytes().to_vec()),
            DataValue::U64(v) => (T_U64, v.to_le_bytes().to_vec()),
            DataValue::Hex32(v) => (0x14, v.to_le_bytes().to_vec()),
            DataValue::Hex64(v) => (T_HEX64, v.to_le_bytes().to_vec()),
            DataValue::Bool(v) => (0x0D, u32::from(*v).to_le_bytes().to_vec()),
            DataValue::Guid(bytes) => (0x0F, bytes.to_vec()),
            DataValue::FileTime(v) => (T_FILETIME, v.to_le_bytes().to_vec()),
            DataValue::Bytes(bytes) => (T_BINARY, bytes.clone()),
        }
    }
}

/// One event to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `Provider Name`.
    pub provider: String,
    /// `EventID`.
    pub event_id: u16,
    /// `EventID Qualifiers` (classic events have one; `None` leaves the attribute out).
    pub qualifiers: Option<u16>,
    /// `Level` (see [`level`]).
    pub level: u8,
    /// `Task`.
    pub task: u16,
    /// `Keywords`.
    pub keywords: u64,
    /// `TimeCreated SystemTime`, also the record header's time.
    pub time: DateTime<Utc>,
    /// `Channel` (`Application`, `System`, ...).
    pub channel: String,
    /// `Computer`.
    pub computer: String,
    /// `Execution ProcessID`.
    pub process_id: u32,
    /// `Execution ThreadID`.
    pub thread_id: u32,
    /// The `EventData` values.
    pub data: EventData,
    /// `<Binary>` bytes (SCM events put the service key name there as UTF-16LE).
    pub binary: Option<Vec<u8>>,
}

impl Event {
    /// A classic event (qualifiers 0, classic keywords) with one unnamed data string.
    pub fn classic(
        provider: &str,
        event_id: u16,
        level: u8,
        time: DateTime<Utc>,
        channel: &str,
        computer: &str,
        message: &str,
    ) -> Self {
        Self {
            provider: provider.to_owned(),
            event_id,
            qualifiers: Some(0),
            level,
            task: 0,
            keywords: CLASSIC_KEYWORDS,
            time,
            channel: channel.to_owned(),
            computer: computer.to_owned(),
            process_id: 0,
            thread_id: 0,
            data: EventData::Unnamed(vec![message.to_owned()]),
            binary: None,
        }
    }
}

/// Windows FILETIME (100 ns ticks since 1601-01-01 UTC) of a time.
pub fn filetime(time: DateTime<Utc>) -> u64 {
    const EPOCH_DIFFERENCE_SECS: i64 = 11_644_473_600;
    let secs = u64::try_from(time.timestamp() + EPOCH_DIFFERENCE_SECS).unwrap_or(0);
    secs * 10_000_000 + u64::from(time.timestamp_subsec_nanos() / 100)
}

/// The string-table hash of a name: `hash * 65599 + unit` over its UTF-16 units, low 16 bits.
fn name_hash(name: &str) -> u16 {
    let hash = name.encode_utf16().fold(0u32, |h, unit| {
        h.wrapping_mul(65599).wrapping_add(u32::from(unit))
    });
    (hash & 0xFFFF) as u16
}

/// What decides a template: the Data element names (`None` for unnamed) and whether `<Binary>`
/// is there.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Shape {
    data_names: Vec<Option<String>>,
    /// BinXML value type of each `<Data>`.
    data_kinds: Vec<u8>,
    binary: bool,
    /// `EventData` is a nested fragment (the event's template holds one BinXML substitution).
    nested: bool,
    /// The template of such a fragment (root `EventData`).
    inner: bool,
}

impl Shape {
    fn of(event: &Event) -> Self {
        let (data_names, data_kinds) = match &event.data {
            EventData::Unnamed(values) => (vec![None; values.len()], vec![T_STRING; values.len()]),
            EventData::Named(pairs) => (
                pairs.iter().map(|(n, _)| Some(n.clone())).collect(),
                vec![T_STRING; pairs.len()],
            ),
            EventData::Typed(pairs) => (
                pairs.iter().map(|(n, _)| Some(n.clone())).collect(),
                pairs.iter().map(|(_, v)| v.encode().0).collect(),
            ),
            EventData::NestedNamed(pairs) => (
                pairs.iter().map(|(n, _)| Some(n.clone())).collect(),
                vec![T_STRING; pairs.len()],
            ),
        };
        Self {
            data_names,
            data_kinds,
            binary: event.binary.is_some(),
            nested: matches!(event.data, EventData::NestedNamed(_)),
            inner: false,
        }
    }

    /// A stable GUID for the layout (FNV-1a over its description, twice with different bases).
    fn guid(&self) -> [u8; 16] {
        let mut text = String::new();
        for name in &self.data_names {
            text.push_str(name.as_deref().unwrap_or("\u{1}"));
            text.push('\u{0}');
        }
        // String-only layouts keep the GUIDs they had before typed values existed (the shipped
        // sample bundles are byte-stable).
        if self.data_kinds.iter().any(|&k| k != T_STRING) {
            for kind in &self.data_kinds {
                text.push(char::from(*kind));
            }
        }
        text.push(if self.binary { 'B' } else { '-' });
        // Only nested layouts add a mark, so other GUIDs stay as they were.
        if self.nested {
            text.push('N');
        }
        if self.inner {
            text.push('I');
        }
        let fnv = |basis: u64| {
            text.bytes().fold(basis, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
            })
        };
        let mut guid = [0u8; 16];
        guid[..8].copy_from_slice(&fnv(0xCBF2_9CE4_8422_2325).to_le_bytes());
        guid[8..].copy_from_slice(&fnv(0x6C62_272E_07BB_0142).to_le_bytes());
        guid
    }
}

// Substitution indexes of the System fields in every template.
const SUB_PROVIDER: u16 = 0;
const SUB_EVENT_ID: u16 = 1;
const SUB_QUALIFIERS: u16 = 2;
const SUB_VERSION: u16 = 3;
const SUB_LEVEL: u16 = 4;
const SUB_TASK: u16 = 5;
const SUB_OPCODE: u16 = 6;
const SUB_KEYWORDS: u16 = 7;
const SUB_TIME: u16 = 8;
const SUB_RECORD_ID: u16 = 9;
const SUB_PROCESS_ID: u16 = 10;
const SUB_THREAD_ID: u16 = 11;
const SUB_CHANNEL: u16 = 12;
const SUB_COMPUTER: u16 = 13;
const SUB_USER_ID: u16 = 14;
const FIRST_DATA_SUB: u16 = 15;

// BinXML value types.
const T_NULL: u8 = 0x00;
const T_STRING: u8 = 0x01;
const T_U8: u8 = 0x04;
const T_U16: u8 = 0x06;
const T_U32: u8 = 0x08;
const T_U64: u8 = 0x0A;
const T_BINARY: u8 = 0x0E;
const T_FILETIME: u8 = 0x11;
const T_SID: u8 = 0x13;
const T_HEX64: u8 = 0x15;
const T_BIN_XML: u8 = 0x21;

/// Bytes being built at a known chunk offset, so name and template references can be absolute.
struct Bin {
    base: usize,
    buf: Vec<u8>,
}

impl Bin {
    fn pos(&self) -> usize {
        self.base + self.buf.len()
    }
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn utf16(&mut self, text: &str) {
        self.buf
            .extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    }
    fn patch_u32(&mut self, at: usize, v: u32) {
        self.buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
}

fn offset_u32(offset: usize) -> u32 {
    // Offsets are inside a 64 KiB chunk.
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// One chunk under construction.
struct Chunk {
    data: Vec<u8>,
    used: usize,
    string_buckets: [u32; 64],
    template_buckets: [u32; 32],
    names: HashMap<String, u32>,
    templates: HashMap<Shape, (u32, u32)>,
    first_id: u64,
    last_id: u64,
    last_record_offset: usize,
    records: u64,
}

/// What a record attempt changed, to undo it when the record does not fit.
struct Undo {
    string_buckets: [u32; 64],
    template_buckets: [u32; 32],
    new_names: Vec<String>,
    new_templates: Vec<Shape>,
}

impl Chunk {
    fn new() -> Self {
        Self {
            data: vec![0; CHUNK_SIZE],
            used: CHUNK_HEADER_SIZE,
            string_buckets: [0; 64],
            template_buckets: [0; 32],
            names: HashMap::new(),
            templates: HashMap::new(),
            first_id: 0,
            last_id: 0,
            last_record_offset: 0,
            records: 0,
        }
    }

    /// A name reference at the current position: the offset of a name already in the chunk, or
    /// the name inline right after the reference, linked into the string table.
    fn name(&mut self, bin: &mut Bin, name: &str, undo: &mut Undo) {
        if let Some(&offset) = self.names.get(name) {
            bin.u32(offset);
            return;
        }
        let offset = offset_u32(bin.pos() + 4);
        bin.u32(offset);
        let hash = name_hash(name);
        let bucket = usize::from(hash % 64);
        bin.u32(self.string_buckets[bucket]);
        bin.u16(hash);
        bin.u16(u16::try_from(name.encode_utf16().count()).unwrap_or(u16::MAX));
        bin.utf16(name);
        bin.u16(0);
        self.string_buckets[bucket] = offset;
        self.names.insert(name.to_owned(), offset);
        undo.new_names.push(name.to_owned());
    }

    /// Opens an element (template form: with a dependency id); returns where its data size goes.
    fn open(&mut self, bin: &mut Bin, name: &str, has_attributes: bool, undo: &mut Undo) -> usize {
        bin.u8(if has_attributes { 0x41 } else { 0x01 });
        bin.u16(0xFFFF);
        let size_at = bin.buf.len();
        bin.u32(0);
        self.name(bin, name, undo);
        size_at
    }

    /// Ends an element opened at `size_at` (its data size counts from after the size field).
    fn close(bin: &mut Bin, size_at: usize, empty: bool) {
        bin.u8(if empty { 0x03 } else { 0x04 });
        let size = bin.buf.len() - (size_at + 4);
        bin.patch_u32(size_at, offset_u32(size));
    }

    /// `<name>%sub</name>`.
    fn sub_element(&mut self, bin: &mut Bin, name: &str, sub: u16, kind: u8, undo: &mut Undo) {
        let at = self.open(bin, name, false, undo);
        bin.u8(0x02);
        bin.u8(0x0D);
        bin.u16(sub);
        bin.u8(kind);
        Self::close(bin, at, false);
    }

    /// An attribute list: `(name, value)` where the value is a literal string or a substitution
    /// `(id, type, optional)`; returns where the list size goes.
    fn attributes(&mut self, bin: &mut Bin, attrs: &[(&str, AttrValue<'_>)], undo: &mut Undo) {
        let size_at = bin.buf.len();
        bin.u32(0);
        for (i, (name, value)) in attrs.iter().enumerate() {
            bin.u8(if i + 1 < attrs.len() { 0x46 } else { 0x06 });
            self.name(bin, name, undo);
            match value {
                AttrValue::Text(text) => {
                    bin.u8(0x05);
                    bin.u8(T_STRING);
                    bin.u16(u16::try_from(text.encode_utf16().count()).unwrap_or(u16::MAX));
                    bin.utf16(text);
                }
                AttrValue::Sub(id, kind, optional) => {
                    bin.u8(if *optional { 0x0E } else { 0x0D });
                    bin.u16(*id);
                    bin.u8(*kind);
                }
            }
        }
        let size = bin.buf.len() - (size_at + 4);
        bin.patch_u32(size_at, offset_u32(size));
    }

    /// `<name attrs.../>`.
    fn empty_with_attributes(
        &mut self,
        bin: &mut Bin,
        name: &str,
        attrs: &[(&str, AttrValue<'_>)],
        undo: &mut Undo,
    ) {
        let at = self.open(bin, name, !attrs.is_empty(), undo);
        if !attrs.is_empty() {
            self.attributes(bin, attrs, undo);
        }
        Self::close(bin, at, true);
    }

    /// The template definition body: fragment header, `<Event>`, end of stream.
    fn template_body(&mut self, bin: &mut Bin, shape: &Shape, undo: &mut Undo) {
        bin.buf.extend_from_slice(&[0x0F, 0x01, 0x01, 0x00]);
        let event = self.open(bin, "Event", true, undo);
        self.attributes(bin, &[("xmlns", AttrValue::Text(EVENT_NAMESPACE))], undo);
        bin.u8(0x02);

        let system = self.open(bin, "System", false, undo);
        bin.u8(0x02);
        self.empty_with_attributes(
            bin,
            "Provider",
            &[("Name", AttrValue::Sub(SUB_PROVIDER, T_STRING, false))],
            undo,
        );
        let event_id = self.open(bin, "EventID", true, undo);
        self.attributes(
            bin,
            &[("Qualifiers", AttrValue::Sub(SUB_QUALIFIERS, T_U16, true))],
            undo,
        );
        bin.u8(0x02);
        bin.u8(0x0D);
        bin.u16(SUB_EVENT_ID);
        bin.u8(T_U16);
        Self::close(bin, event_id, false);
        self.sub_element(bin, "Version", SUB_VERSION, T_U8, undo);
        self.sub_element(bin, "Level", SUB_LEVEL, T_U8, undo);
        self.sub_element(bin, "Task", SUB_TASK, T_U16, undo);
        self.sub_element(bin, "Opcode", SUB_OPCODE, T_U8, undo);
        self.sub_element(bin, "Keywords", SUB_KEYWORDS, T_HEX64, undo);
        self.empty_with_attributes(
            bin,
            "TimeCreated",
            &[("SystemTime", AttrValue::Sub(SUB_TIME, T_FILETIME, false))],
            undo,
        );
        self.sub_element(bin, "EventRecordID", SUB_RECORD_ID, T_U64, undo);
        self.empty_with_attributes(bin, "Correlation", &[], undo);
        self.empty_with_attributes(
            bin,
            "Execution",
            &[
                ("ProcessID", AttrValue::Sub(SUB_PROCESS_ID, T_U32, false)),
                ("ThreadID", AttrValue::Sub(SUB_THREAD_ID, T_U32, false)),
            ],
            undo,
        );
        self.sub_element(bin, "Channel", SUB_CHANNEL, T_STRING, undo);
        self.sub_element(bin, "Computer", SUB_COMPUTER, T_STRING, undo);
        self.empty_with_attributes(
            bin,
            "Security",
            &[("UserID", AttrValue::Sub(SUB_USER_ID, T_SID, true))],
            undo,
        );
        Self::close(bin, system, false);

        if shape.nested {
            // EventData is the one BinXML value at this substitution.
            bin.u8(0x0D);
            bin.u16(FIRST_DATA_SUB);
            bin.u8(T_BIN_XML);
        } else {
            self.event_data(bin, shape, FIRST_DATA_SUB, undo);
        }

        Self::close(bin, event, false);
        bin.u8(0x00);
    }

    /// The template body of a nested EventData fragment: fragment header, `<EventData>`, end.
    fn inner_template_body(&mut self, bin: &mut Bin, shape: &Shape, undo: &mut Undo) {
        bin.buf.extend_from_slice(&[0x0F, 0x01, 0x01, 0x00]);
        self.event_data(bin, shape, 0, undo);
        bin.u8(0x00);
    }

    /// `<EventData>` with its `<Data>` children (substitutions from `first_sub`) and `<Binary>`.
    fn event_data(&mut self, bin: &mut Bin, shape: &Shape, first_sub: u16, undo: &mut Undo) {
        let no_data = shape.data_names.is_empty() && !shape.binary;
        let event_data = self.open(bin, "EventData", false, undo);
        if !no_data {
            bin.u8(0x02);
        }
        let mut sub = first_sub;
        for (name, kind) in shape.data_names.iter().zip(&shape.data_kinds) {
            let data = self.open(bin, "Data", name.is_some(), undo);
            if let Some(name) = name {
                self.attributes(bin, &[("Name", AttrValue::Text(name))], undo);
            }
            bin.u8(0x02);
            bin.u8(0x0D);
            bin.u16(sub);
            bin.u8(*kind);
            Self::close(bin, data, false);
            sub += 1;
        }
        if shape.binary {
            self.sub_element(bin, "Binary", sub, T_BINARY, undo);
        }
        Self::close(bin, event_data, no_data);
    }

    /// A template instance's template reference: the offset of a definition already in the
    /// chunk, or the definition inline (linked into the template table).
    fn template_ref(&mut self, bin: &mut Bin, shape: &Shape, undo: &mut Undo) {
        bin.u8(0x0C);
        bin.u8(0x01);
        match self.templates.get(shape) {
            Some(&(id, offset)) => {
                bin.u32(id);
                bin.u32(offset);
            }
            None => {
                let guid = shape.guid();
                let id = u32::from_le_bytes([guid[0], guid[1], guid[2], guid[3]]);
                bin.u32(id);
                let offset = offset_u32(bin.pos() + 4);
                bin.u32(offset);
                let bucket = (id % 32) as usize;
                bin.u32(self.template_buckets[bucket]);
                bin.buf.extend_from_slice(&guid);
                let size_at = bin.buf.len();
                bin.u32(0);
                let body_start = bin.buf.len();
                if shape.inner {
                    self.inner_template_body(bin, shape, undo);
                } else {
                    self.template_body(bin, shape, undo);
                }
                let size = bin.buf.len() - body_start;
                bin.patch_u32(size_at, offset_u32(size));
                self.template_buckets[bucket] = offset;
                self.templates.insert(shape.clone(), (id, offset));
                undo.new_templates.push(shape.clone());
            }
        }
    }

    /// Substitution values: count, descriptors, bytes.
    fn values(bin: &mut Bin, values: &[(u8, Vec<u8>)]) {
        bin.u32(offset_u32(values.len()));
        for (kind, bytes) in values {
            bin.u16(u16::try_from(bytes.len()).unwrap_or(u16::MAX));
            bin.u8(*kind);
            bin.u8(0);
        }
        for (_, bytes) in values {
            bin.buf.extend_from_slice(bytes);
        }
    }

    /// Encodes a record at the current end of the chunk; `None` when it does not fit.
    fn try_push(&mut self, event: &Event, record_id: u64) -> Option<()> {
        let start = self.used;
        let mut undo = Undo {
            string_buckets: self.string_buckets,
            template_buckets: self.template_buckets,
            new_names: Vec::new(),
            new_templates: Vec::new(),
        };
        let mut bin = Bin {
            base: start,
            buf: Vec::with_capacity(512),
        };
        let ft = filetime(event.time);
        bin.buf.extend_from_slice(b"**\0\0");
        bin.u32(0);
        bin.buf.extend_from_slice(&record_id.to_le_bytes());
        bin.buf.extend_from_slice(&ft.to_le_bytes());

        // Fragment header, template instance.
        bin.buf.extend_from_slice(&[0x0F, 0x01, 0x01, 0x00]);
        let shape = Shape::of(event);
        self.template_ref(&mut bin, &shape, &mut undo);

        // Substitution values.
        let mut values: Vec<(u8, Vec<u8>)> = vec![
            (T_STRING, utf16_bytes(&event.provider)),
            (T_U16, event.event_id.to_le_bytes().to_vec()),
            match event.qualifiers {
                Some(q) => (T_U16, q.to_le_bytes().to_vec()),
                None => (T_NULL, Vec::new()),
            },
            (T_U8, vec![0]),
            (T_U8, vec![event.level]),
            (T_U16, event.task.to_le_bytes().to_vec()),
            (T_U8, vec![0]),
            (T_HEX64, event.keywords.to_le_bytes().to_vec()),
            (T_FILETIME, ft.to_le_bytes().to_vec()),
            (T_U64, record_id.to_le_bytes().to_vec()),
            (T_U32, event.process_id.to_le_bytes().to_vec()),
            (T_U32, event.thread_id.to_le_bytes().to_vec()),
            (T_STRING, utf16_bytes(&event.channel)),
            (T_STRING, utf16_bytes(&event.computer)),
            (T_NULL, Vec::new()),
        ];
        match &event.data {
            EventData::Unnamed(items) => {
                values.extend(items.iter().map(|v| (T_STRING, utf16_bytes(v))));
            }
            EventData::Named(pairs) => {
                values.extend(pairs.iter().map(|(_, v)| (T_STRING, utf16_bytes(v))));
            }
            EventData::Typed(pairs) => values.extend(pairs.iter().map(|(_, v)| v.encode())),
            EventData::NestedNamed(pairs) => {
                let mut inner_values: Vec<(u8, Vec<u8>)> = pairs
                    .iter()
                    .map(|(_, v)| (T_STRING, utf16_bytes(v)))
                    .collect();
                if let Some(binary) = &event.binary {
                    inner_values.push((T_BINARY, binary.clone()));
                }
                // The fragment lands after the outer descriptors and the values before it; its
                // template and name references are chunk offsets, so build it at that position.
                let count = values.len() + 1;
                let before: usize = values.iter().map(|(_, b)| b.len()).sum();
                let mut fragment = Bin {
                    base: bin.pos() + 4 + 4 * count + before,
                    buf: Vec::new(),
                };
                fragment.buf.extend_from_slice(&[0x0F, 0x01, 0x01, 0x00]);
                let inner = Shape {
                    nested: false,
                    inner: true,
                    ..shape.clone()
                };
                self.template_ref(&mut fragment, &inner, &mut undo);
                Self::values(&mut fragment, &inner_values);
                values.push((T_BIN_XML, fragment.buf));
            }
        }
        if let Some(binary) = &event.binary
            && !shape.nested
        {
            values.push((T_BINARY, binary.clone()));
        }
        Self::values(&mut bin, &values);

        let size = bin.buf.len() + 4;
        bin.u32(offset_u32(size));
        bin.patch_u32(4, offset_u32(size));

        if start + size > CHUNK_SIZE {
            self.string_buckets = undo.string_buckets;
            self.template_buckets = undo.template_buckets;
            for name in undo.new_names {
                self.names.remove(&name);
            }
            for shape in undo.new_templates {
                self.templates.remove(&shape);
            }
            return None;
        }
        self.data[start..start + size].copy_from_slice(&bin.buf);
        self.used += size;
        if self.records == 0 {
            self.first_id = record_id;
        }
        self.last_id = record_id;
        self.last_record_offset = start;
        self.records += 1;
        Some(())
    }

    /// The finished chunk: header fields, tables and both CRC32s.
    fn finish(mut self) -> Vec<u8> {
        let d = &mut self.data;
        d[0..8].copy_from_slice(b"ElfChnk\0");
        d[8..16].copy_from_slice(&self.first_id.to_le_bytes());
        d[16..24].copy_from_slice(&self.last_id.to_le_bytes());
        d[24..32].copy_from_slice(&self.first_id.to_le_bytes());
        d[32..40].copy_from_slice(&self.last_id.to_le_bytes());
        d[40..44].copy_from_slice(&128u32.to_le_bytes());
        d[44..48].copy_from_slice(&offset_u32(self.last_record_offset).to_le_bytes());
        d[48..52].copy_from_slice(&offset_u32(self.used).to_le_bytes());
        let records_crc = crc32fast::hash(&d[CHUNK_HEADER_SIZE..self.used]);
        d[52..56].copy_from_slice(&records_crc.to_le_bytes());
        for (i, offset) in self.string_buckets.iter().enumerate() {
            d[128 + i * 4..132 + i * 4].copy_from_slice(&offset.to_le_bytes());
        }
        for (i, offset) in self.template_buckets.iter().enumerate() {
            d[384 + i * 4..388 + i * 4].copy_from_slice(&offset.to_le_bytes());
        }
        d[120..124].copy_from_slice(&0u32.to_le_bytes());
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&d[..120]);
        hasher.update(&d[128..CHUNK_HEADER_SIZE]);
        d[124..128].copy_from_slice(&hasher.finalize().to_le_bytes());
        self.data
    }
}

enum AttrValue<'a> {
    Text(&'a str),
    Sub(u16, u8, bool),
}

fn utf16_bytes(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Errors of the EVTX writer.
#[derive(Debug, thiserror::Error)]
pub enum EvtxWriteError {
    /// The output could not be written.
    #[error("cannot write the EVTX output: {0}")]
    Io(#[from] io::Error),
    /// One event is larger than a chunk can hold.
    #[error("event {record_id} does not fit in an empty 64 KiB chunk")]
    EventTooLarge {
        /// The record id it would have had.
        record_id: u64,
    },
    /// More chunks than the header's 16-bit count can name.
    #[error("more than 65535 chunks")]
    TooManyChunks,
}

/// Streams an EVTX file to a seekable output: chunks are written as they fill, the file header
/// (which counts them) last. Memory stays at one chunk.
pub struct EvtxWriter<W: Write + Seek> {
    out: W,
    chunk: Chunk,
    chunks: u64,
    next_record_id: u64,
}

impl<W: Write + Seek> EvtxWriter<W> {
    /// Starts a file at the output's current position; record ids start at 1.
    ///
    /// # Errors
    /// When the output cannot be written.
    pub fn new(mut out: W) -> Result<Self, EvtxWriteError> {
        out.write_all(&[0u8; FILE_HEADER_SIZE])?;
        Ok(Self {
            out,
            chunk: Chunk::new(),
            chunks: 0,
            next_record_id: 1,
        })
    }

    /// Appends one event; returns its record id.
    ///
    /// # Errors
    /// When the output cannot be written or the event cannot fit in a chunk.
    pub fn push(&mut self, event: &Event) -> Result<u64, EvtxWriteError> {
        let record_id = self.next_record_id;
        if self.chunk.try_push(event, record_id).is_none() {
            if self.chunk.records == 0 {
                return Err(EvtxWriteError::EventTooLarge { record_id });
            }
            self.flush_chunk()?;
            if self.chunk.try_push(event, record_id).is_none() {
                return Err(EvtxWriteError::EventTooLarge { record_id });
            }
        }
        self.next_record_id += 1;
        Ok(record_id)
    }

    /// Bytes the file will have if it ended now (header, written chunks, the open chunk).
    pub fn len(&self) -> u64 {
        let open = u64::from(self.chunk.records > 0);
        FILE_HEADER_SIZE as u64 + (self.chunks + open) * CHUNK_SIZE as u64
    }

    /// Bytes of records written so far (header, full chunks, the open chunk's used part): grows
    /// with every event, unlike [`EvtxWriter::len`].
    pub fn used(&self) -> u64 {
        FILE_HEADER_SIZE as u64 + self.chunks * CHUNK_SIZE as u64 + self.chunk.used as u64
    }

    /// True before the first event.
    pub fn is_empty(&self) -> bool {
        self.next_record_id == 1
    }

    fn flush_chunk(&mut self) -> Result<(), EvtxWriteError> {
        if self.chunks >= 0xFFFF {
            return Err(EvtxWriteError::TooManyChunks);
        }
        let chunk = std::mem::replace(&mut self.chunk, Chunk::new());
        self.out.write_all(&chunk.finish())?;
        self.chunks += 1;
        Ok(())
    }

    /// Writes the last chunk and the file header; returns the output.
    ///
    /// # Errors
    /// When the output cannot be written.
    pub fn finish(mut self) -> Result<W, EvtxWriteError> {
        if self.chunk.records > 0 {
            self.flush_chunk()?;
        }
        let end = self.out.stream_position()?;
        let start = end - FILE_HEADER_SIZE as u64 - self.chunks * CHUNK_SIZE as u64;
        self.out.seek(SeekFrom::Start(start))?;
        self.out
            .write_all(&file_header(self.chunks, self.next_record_id))?;
        self.out.seek(SeekFrom::Start(end))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The 4 KiB file header for `chunks` chunks.
fn file_header(chunks: u64, next_record_id: u64) -> Vec<u8> {
    let mut h = vec![0u8; FILE_HEADER_SIZE];
    h[0..8].copy_from_slice(b"ElfFile\0");
    h[8..16].copy_from_slice(&0u64.to_le_bytes());
    h[16..24].copy_from_slice(&chunks.saturating_sub(1).to_le_bytes());
    h[24..32].copy_from_slice(&next_record_id.to_le_bytes());
    h[32..36].copy_from_slice(&128u32.to_le_bytes());
    h[36..38].copy_from_slice(&1u16.to_le_bytes());
    h[38..40].copy_from_slice(&3u16.to_le_bytes());
    h[40..42].copy_from_slice(&4096u16.to_le_bytes());
    h[42..44].copy_from_slice(&u16::try_from(chunks).unwrap_or(u16::MAX).to_le_bytes());
    h[120..124].copy_from_slice(&0u32.to_le_bytes());
    let crc = crc32fast::hash(&h[..120]);
    h[124..128].copy_from_slice(&crc.to_le_bytes());
    h
}

/// A whole EVTX file in memory.
///
/// # Errors
/// When an event is too large for a chunk.
pub fn evtx_bytes(events: &[Event]) -> Result<Vec<u8>, EvtxWriteError> {
    let mut writer = EvtxWriter::new(io::Cursor::new(Vec::new()))?;
    for event in events {
        writer.push(event)?;
    }
    Ok(writer.finish()?.into_inner())
}

/// Kinds of damage for bad-input tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Damage {
    /// The chunk's `ElfChnk\0` signature is overwritten.
    BadChunkMagic,
    /// The stored records CRC32 is wrong (the header CRC32 is recomputed, so only this check
    /// fails; the records themselves stay readable).
    BadRecordsCrc,
    /// A byte of the chunk header changes, so the header CRC32 no longer matches.
    BadHeaderCrc,
}

/// A copy of an EVTX file with chunk `chunk` (0-based) damaged; `None` when there is no such chunk.
pub fn damaged_copy(file: &[u8], chunk: usize, damage: Damage) -> Option<Vec<u8>> {
    let start = FILE_HEADER_SIZE + chunk * CHUNK_SIZE;
    if file.len() < start + CHUNK_SIZE {
        return None;
    }
    let mut copy = file.to_vec();
    match damage {
        Damage::BadChunkMagic => copy[start..start + 8].copy_from_slice(b"ElfJunk\0"),
        Damage::BadRecordsCrc => {
            copy[start + 52] ^= 0xFF;
            let mut hasher = crc32fast::Hasher::new();
            hasher.update(&copy[start..start + 120]);
            hasher.update(&copy[start + 128..start + CHUNK_HEADER_SIZE]);
            let crc = hasher.finalize().to_le_bytes();
            copy[start + 124..start + 128].copy_from_slice(&crc);
        }
        Damage::BadHeaderCrc => copy[start + 124] ^= 0xFF,
    }
    Some(copy)
}
