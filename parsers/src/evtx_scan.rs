//! A fast first pass over one EVTX chunk: which records could the selector keep?
//!
//! Rendering a record (building its XML tree, then JSON) is what makes EVTX reading slow, and a
//! bundle's logs are mostly records nobody needs. This pass reads each record's System fields
//! (provider, event id, level, channel) straight from its template-instance substitution values:
//! each template definition in the chunk is walked once to learn which substitution fills which
//! field. Only records that may be kept are rendered afterwards, by the full path, which makes the
//! final decision. So this pass may over-select but must never miss a record the full path keeps;
//! whenever it is unsure (an unusual token, a value type it does not read), it selects the record,
//! and if a chunk's structure is unusual at all it gives up and the whole chunk takes the full path.
//!
//! Data values are searched where they are (UTF-16 strings undecoded, numbers spelt out as the full
//! path renders them). Where the full path's message is built rather than copied (SCM sentences,
//! `name: value | …` lists that a literal could cross), the pass rebuilds it the same way, with
//! `evtx_file::message`. Verdicts are memoised per worker ([`ScanMemo`]), keyed by their inputs.

use crate::evtx_file;
use crate::record::Level;
use crate::selector::{Candidate, Decision, Selector, TextClass};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

const CHUNK_HEADER_SIZE: usize = 512;
const RECORD_HEADER_SIZE: usize = 24;
const RECORD_MAGIC: &[u8; 4] = b"\x2a\x2a\x00\x00";
const SCM: &str = "Service Control Manager";

/// What the pass learnt about a chunk.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ChunkScan {
    /// Records in the chunk.
    pub records: u64,
    /// Record ids the full path must render (it decides whether to keep them).
    pub wanted: Vec<u64>,
}

/// Where a System field's value comes from in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    Absent,
    Literal(String),
    Substitution(u16),
}

/// What a template definition says about the fields the selector needs.
#[derive(Debug, Clone)]
struct Template {
    has_system: bool,
    provider: Slot,
    event_source: Slot,
    event_id: Slot,
    level: Slot,
    channel: Slot,
    /// Substitutions used outside `System` (EventData, UserData): their values reach the message.
    data_substitutions: Vec<u16>,
    /// Element and attribute names outside `System` contain a literal (they reach the message as
    /// field labels).
    names_match: bool,
    /// `EventData` when it is only `<Data Name="…">%n</Data>` and `<Binary>%n</Binary>` children
    /// (how SCM and other classic sources write it), or one substitution holding such an
    /// `EventData` as a fragment of its own; `None` for any other shape. With it the message can
    /// be rebuilt exactly as the full path builds it.
    event_data: Option<EventDataShape>,
    /// The template's root element is `EventData` (the template of a nested fragment).
    root_event_data: bool,
    /// The message may be a `name: value` list: some field outside System is named (a `Name`
    /// attribute, an element other than `Data`/`Binary`, UserData, a nested fragment).
    maybe_named: bool,
    /// A literal could cross the `: ` after one of the field names (or the names are not all
    /// known: UserData, nested fragments, names from substitutions).
    colon_span: bool,
    /// Values outside System (substitutions and literal texts; a nested fragment counts as
    /// many): with two or more, the message joins them with ` | `.
    value_count: usize,
}

/// Where a simple `EventData` comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum EventDataShape {
    /// Its children, in order.
    Inline(Vec<DataField>),
    /// A BinXML substitution right under `Event` whose fragment's root is `EventData`.
    Nested(u16),
}

/// One `EventData` child of a simple template: its field name (`None` for `<Binary>`) and the
/// substitution that fills it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DataField {
    name: Option<String>,
    value: u16,
}

/// An `EventData` child being walked.
#[derive(Debug, Default)]
struct PendingField {
    binary: bool,
    name: Option<String>,
    value: Option<u16>,
}

/// Element names the template walk tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Element {
    Event,
    System,
    EventData,
    Provider,
    EventId,
    Level,
    Channel,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attribute {
    Name,
    EventSourceName,
    Other,
}

fn u16_at(data: &[u8], pos: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        data.get(pos..pos.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(data: &[u8], pos: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        data.get(pos..pos.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_at(data: &[u8], pos: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        data.get(pos..pos.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// UTF-16LE bytes to a string, trailing NULs dropped; `None` for invalid UTF-16.
fn utf16(bytes: &[u8]) -> Option<String> {
    let units = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
    let text: String = char::decode_utf16(units).collect::<Result<_, _>>().ok()?;
    Some(text.trim_end_matches('\0').to_owned())
}

/// A string-table name at `offset`: `next (u32) hash (u16) length (u16) UTF-16 chars NUL`.
fn name_at(chunk: &[u8], offset: usize) -> Option<String> {
    let len = usize::from(u16_at(chunk, offset.checked_add(6)?)?);
    let start = offset + 8;
    utf16(chunk.get(start..start.checked_add(len * 2)?)?)
}

/// Reads a name reference at `pos` (a chunk offset, with the string inline when it points right
/// after the reference); returns the name and the position after the reference.
fn name_ref(chunk: &[u8], pos: usize) -> Option<(String, usize)> {
    let offset = usize::try_from(u32_at(chunk, pos)?).ok()?;
    let mut after = pos + 4;
    if offset == after {
        let len = usize::from(u16_at(chunk, after + 6)?);
        after = after.checked_add(6 + 2 + len * 2 + 2)?;
    }
    Some((name_at(chunk, offset)?, after))
}

fn element_kind(name: &str, depth: usize, stack: &[Element]) -> Element {
    match (depth, name) {
        (0, "Event") => Element::Event,
        (0, "EventData") => Element::EventData,
        (1, "System") if stack.first() == Some(&Element::Event) => Element::System,
        (1, "EventData") if stack.first() == Some(&Element::Event) => Element::EventData,
        (2, _) if stack.get(1) != Some(&Element::System) => Element::Other,
        (2, "Provider") => Element::Provider,
        (2, "EventID") => Element::EventId,
        (2, "Level") => Element::Level,
        (2, "Channel") => Element::Channel,
        _ => Element::Other,
    }
}

/// Walks the template definition at `offset` (its header, then its BinXML body); `None` when it
/// holds something this pass does not read.
fn walk_template(chunk: &[u8], offset: usize, selector: &Selector) -> Option<Template> {
    let data_size = usize::try_from(u32_at(chunk, offset.checked_add(20)?)?).ok()?;
    let body = offset + 24;
    let end = body.checked_add(data_size)?.min(chunk.len());
    let mut template = Template {
        has_system: false,
        provider: Slot::Absent,
        event_source: Slot::Absent,
        event_id: Slot::Absent,
        level: Slot::Absent,
        channel: Slot::Absent,
        data_substitutions: Vec::new(),
        names_match: false,
        event_data: None,
        root_event_data: false,
        maybe_named: false,
        colon_span: false,
        value_count: 0,
    };
    // Field names (labels before `: ` in a built message), or `None` once they are not all known.
    let mut labels: Option<Vec<String>> = Some(Vec::new());
    // The simple EventData shape (see `Template::event_data`); any surprise clears `simple`.
    let mut simple = true;
    let mut event_data_seen = false;
    let mut nested: Option<u16> = None;
    let mut fields: Vec<DataField> = Vec::new();
    let mut pending: Option<PendingField> = None;
    let mut names = String::new();
    let mut stack: Vec<Element> = Vec::new();
    let mut attribute: Option<Attribute> = None;
    let mut pos = body;
    while pos < end {
        let token = *chunk.get(pos)?;
        pos += 1;
        match token {
            0x00 => break,
            0x0F => pos += 3,
            0x01 | 0x41 => {
                // dependency id (u16), data size (u32), then the name reference.
                let (name, after) = name_ref(chunk, pos + 6)?;
                pos = after + if token == 0x41 { 4 } else { 0 };
                let kind = element_kind(&name, stack.len(), &stack);
                if kind == Element::System {
                    template.has_system = true;
                }
                let ed = event_data_depth(&stack);
                let in_event_data = stack.get(ed) == Some(&Element::EventData);
                if stack.get(1) != Some(&Element::System)
                    && !matches!(kind, Element::Event | Element::System | Element::EventData)
                {
                    let plain_child = in_event_data
                        && stack.len() == ed + 1
                        && (name == "Data" || name == "Binary");
                    template.maybe_named |= !plain_child;
                    // An EventData child's key is its element name (unless named); anything
                    // else (UserData paths, deeper elements) is not tracked.
                    match (&mut labels, in_event_data && stack.len() == ed + 1) {
                        (Some(list), true) => list.push(name.clone()),
                        (labels, _) => *labels = None,
                    }
                }
                match stack.len() {
                    0 => template.root_event_data = kind == Element::EventData,
                    depth if in_event_data && depth == ed + 1 => match name.as_str() {
                        "Data" => pending = Some(PendingField::default()),
                        "Binary" => {
                            pending = Some(PendingField {
                                binary: true,
                                ..PendingField::default()
                            });
                        }
                        _ => simple = false,
                    },
                    _ if in_event_data => simple = false,
                    1 if kind == Element::EventData => {
                        simple &= !event_data_seen && nested.is_none();
                        event_data_seen = true;
                    }
                    1 if kind != Element::System => simple = false,
                    _ => {}
                }
                if stack.get(1) != Some(&Element::System)
                    && kind != Element::Event
                    && kind != Element::System
                {
                    names.push_str(&name);
                    names.push(' ');
                }
                stack.push(kind);
                attribute = None;
            }
            0x02 => attribute = None,
            0x03 | 0x04 => {
                let ed = event_data_depth(&stack);
                if stack.len() == ed + 2 && stack.get(ed) == Some(&Element::EventData) {
                    match pending.take() {
                        Some(PendingField {
                            binary: false,
                            name: Some(name),
                            value: Some(value),
                        }) => fields.push(DataField {
                            name: Some(name),
                            value,
                        }),
                        Some(PendingField {
                            binary: true,
                            name: None,
                            value: Some(value),
                        }) => fields.push(DataField { name: None, value }),
                        _ => simple = false,
                    }
                }
                stack.pop();
                attribute = None;
            }
            0x06 | 0x46 => {
                let (name, after) = name_ref(chunk, pos)?;
                pos = after;
                attribute = Some(match name.as_str() {
                    "Name" => Attribute::Name,
                    "EventSourceName" => Attribute::EventSourceName,
                    _ => Attribute::Other,
                });
                let ed = event_data_depth(&stack);
                // An attribute of a field element (`<Data Name=…>`) names it.
                if stack.get(1) != Some(&Element::System) && stack.len() > ed + 1 {
                    template.maybe_named = true;
                }
                if stack.len() == ed + 2
                    && stack.get(ed) == Some(&Element::EventData)
                    && (attribute != Some(Attribute::Name)
                        || pending.as_ref().is_none_or(|p| p.binary))
                {
                    simple = false;
                }
                if stack.get(1) != Some(&Element::System) {
                    names.push_str(&name);
                    names.push(' ');
                }
            }
            0x05 | 0x45 => {
                // Only string values are read; anything else sends the chunk to the full path.
                if *chunk.get(pos)? != 0x01 {
                    return None;
                }
                let chars = usize::from(u16_at(chunk, pos + 1)?);
                let start = pos + 3;
                let text = utf16(chunk.get(start..start + chars * 2)?)?;
                pos = start + chars * 2;
                if stack.get(1) != Some(&Element::System) {
                    if attribute.is_none() {
                        template.value_count += 1;
                    }
                    let ed = event_data_depth(&stack);
                    let in_event_data = stack.get(ed) == Some(&Element::EventData);
                    match (stack.len(), in_event_data, attribute, pending.as_mut()) {
                        (depth, true, Some(Attribute::Name), Some(field))
                            if depth == ed + 2 && field.name.is_none() =>
                        {
                            field.name = Some(text.clone());
                        }
                        // Attributes of `Event` and `EventData` are not fields.
                        (depth, _, Some(_), _) if depth <= ed + 1 => {}
                        _ => simple = false,
                    }
                    // A `Name` attribute's value is the field's key in the JSON.
                    if attribute == Some(Attribute::Name)
                        && let Some(list) = &mut labels
                    {
                        list.push(text.clone());
                    }
                }
                match slot_for(&mut template, &stack, attribute) {
                    Some(slot) => *slot = Slot::Literal(text),
                    // Values such as `<Data Name="param1">` label fields in the message.
                    None if stack.get(1) != Some(&Element::System) => {
                        names.push_str(&text);
                        names.push(' ');
                    }
                    None => {}
                }
            }
            0x0D | 0x0E => {
                let id = u16_at(chunk, pos)?;
                pos += 3;
                // Outside System, a substitution is a field value only as the one content of an
                // EventData child, or the whole EventData as a fragment right in `Event`;
                // anywhere else (an attribute, mixed content) the shape is not the simple one.
                if stack.get(1) != Some(&Element::System) {
                    template.value_count += 1;
                    if stack.len() <= 1 || attribute.is_some() {
                        // A nested fragment (or a value in an attribute): its fields are unknown
                        // here (a fragment's own template is checked when the scan follows it).
                        template.maybe_named = true;
                        template.value_count += 1;
                        if attribute.is_some() {
                            labels = None;
                        }
                    }
                    let ed = event_data_depth(&stack);
                    let in_event_data = stack.get(ed) == Some(&Element::EventData);
                    match (stack.len(), in_event_data, attribute, pending.as_mut()) {
                        (depth, true, None, Some(field))
                            if depth == ed + 2 && field.value.is_none() =>
                        {
                            field.value = Some(id);
                        }
                        // `Event`'s content: EventData as a fragment of its own.
                        (1, false, None, _)
                            if stack.first() == Some(&Element::Event)
                                && !event_data_seen
                                && nested.is_none() =>
                        {
                            nested = Some(id);
                        }
                        _ => simple = false,
                    }
                }
                let in_system = stack.get(1) == Some(&Element::System);
                match slot_for(&mut template, &stack, attribute) {
                    Some(slot) => *slot = Slot::Substitution(id),
                    None if !in_system => template.data_substitutions.push(id),
                    None => {}
                }
            }
            // CDATA, character and entity references, processing instructions, nested
            // template instances: rare in templates, left to the full path.
            _ => return None,
        }
    }
    template.names_match = selector.text_matches(names.as_bytes());
    template.colon_span = template.maybe_named
        && selector.literal_spans_colon()
        && labels.is_none_or(|list| list.iter().any(|label| selector.colon_span_fits(label)));
    if simple && pending.is_none() && unique_field_names(&fields) {
        template.event_data = match nested {
            None => Some(EventDataShape::Inline(fields)),
            Some(id) if fields.is_empty() => Some(EventDataShape::Nested(id)),
            Some(_) => None,
        };
    }
    Some(template)
}

/// Depth of `EventData` in the element stack: 0 in a nested fragment whose root it is, else 1
/// (under `Event`).
fn event_data_depth(stack: &[Element]) -> usize {
    usize::from(stack.first() != Some(&Element::EventData))
}

/// Field names the full path's JSON keeps as they are: no duplicates (JSON keys would be renamed),
/// none that `evtx_file` treats specially (`Data`, `Binary`, `#…`), none empty.
fn unique_field_names(fields: &[DataField]) -> bool {
    let mut seen: Vec<Option<&str>> = Vec::with_capacity(fields.len());
    for field in fields {
        let name = field.name.as_deref();
        if let Some(name) = name
            && (name.is_empty() || name == "Data" || name == "Binary" || name.starts_with('#'))
        {
            return false;
        }
        if seen.contains(&name) {
            return false;
        }
        seen.push(name);
    }
    true
}

fn slot_for<'t>(
    template: &'t mut Template,
    stack: &[Element],
    attribute: Option<Attribute>,
) -> Option<&'t mut Slot> {
    if stack.len() != 3 || stack[1] != Element::System {
        return None;
    }
    match (stack[2], attribute) {
        (Element::Provider, Some(Attribute::Name)) => Some(&mut template.provider),
        (Element::Provider, Some(Attribute::EventSourceName)) => Some(&mut template.event_source),
        (Element::EventId, None) => Some(&mut template.event_id),
        (Element::Level, None) => Some(&mut template.level),
        (Element::Channel, None) => Some(&mut template.channel),
        _ => None,
    }
}

/// A record's substitution values: type, bytes, and where the bytes start in the chunk.
struct Values<'a> {
    values: Vec<(u8, &'a [u8], usize)>,
}

impl<'a> Values<'a> {
    fn get(&self, id: u16) -> Option<(u8, &'a [u8])> {
        self.values
            .get(usize::from(id))
            .map(|(kind, bytes, _)| (*kind, *bytes))
    }

    fn position(&self, id: u16) -> Option<usize> {
        self.values.get(usize::from(id)).map(|v| v.2)
    }
}

/// What a slot yields for one record.
enum Read<T> {
    Value(T),
    Missing,
    /// Present but not in a form this pass reads: the record goes to the full path.
    Unsure,
}

fn read_text(slot: &Slot, values: &Values<'_>) -> Read<String> {
    match slot {
        Slot::Absent => Read::Missing,
        Slot::Literal(text) => Read::Value(text.clone()),
        Slot::Substitution(id) => match values.get(*id) {
            None | Some((0x00, _)) => Read::Missing,
            Some((0x01, bytes)) => utf16(bytes).map_or(Read::Unsure, Read::Value),
            Some(_) => Read::Unsure,
        },
    }
}

fn read_unsigned(slot: &Slot, values: &Values<'_>) -> Read<u64> {
    match slot {
        Slot::Absent => Read::Missing,
        Slot::Literal(_) => Read::Unsure,
        Slot::Substitution(id) => match values.get(*id) {
            None | Some((0x00, _)) => Read::Missing,
            Some((0x04, [b])) => Read::Value(u64::from(*b)),
            Some((0x06, bytes)) if bytes.len() == 2 => {
                Read::Value(u64::from(u16::from_le_bytes([bytes[0], bytes[1]])))
            }
            Some((0x08, bytes)) if bytes.len() == 4 => {
                u32_at(bytes, 0).map_or(Read::Unsure, |v| Read::Value(u64::from(v)))
            }
            Some((0x0A, bytes)) if bytes.len() == 8 => {
                u64_at(bytes, 0).map_or(Read::Unsure, Read::Value)
            }
            Some(_) => Read::Unsure,
        },
    }
}

/// A record's values, filled into a reused buffer.
type ValueList<'c> = Vec<(u8, &'c [u8], usize)>;

/// Parses a record's BinXML (fragment header, one template instance) into `buffer`'s allocation;
/// `None` for other shapes.
fn template_instance<'c>(
    chunk: &'c [u8],
    start: usize,
    end: usize,
    buffer: ValueList<'c>,
) -> Option<(usize, Values<'c>)> {
    let mut pos = start;
    if *chunk.get(pos)? == 0x0F {
        pos += 4;
    }
    if *chunk.get(pos)? != 0x0C {
        return None;
    }
    let def_offset = usize::try_from(u32_at(chunk, pos + 6)?).ok()?;
    pos += 10;
    if def_offset == pos {
        let data_size = usize::try_from(u32_at(chunk, pos + 20)?).ok()?;
        pos = pos.checked_add(24 + data_size)?;
    }
    let count = usize::try_from(u32_at(chunk, pos)?).ok()?;
    pos += 4;
    let descriptors = chunk.get(pos..pos.checked_add(count.checked_mul(4)?)?)?;
    pos += count * 4;
    let mut values = buffer;
    values.clear();
    values.reserve(count);
    for descriptor in descriptors.chunks_exact(4) {
        let size = usize::from(u16::from_le_bytes([descriptor[0], descriptor[1]]));
        let value = chunk.get(pos..pos.checked_add(size)?)?;
        if pos + size > end {
            return None;
        }
        values.push((descriptor[2], value, pos));
        pos += size;
    }
    Some((def_offset, Values { values }))
}

/// Scans one chunk (64 KiB, header included). `None` when the chunk's layout is unusual in any way:
/// the caller then reads it entirely through the full path.
pub fn scan_chunk(chunk: &[u8], selector: &Selector) -> Option<ChunkScan> {
    scan_chunk_with(chunk, selector, &mut ScanMemo::default())
}

/// [`scan_chunk`], reusing the verdicts `memo` holds from chunks scanned before with the same
/// selector (pass one memo per worker, never one built for another selector).
pub fn scan_chunk_with(
    chunk: &[u8],
    selector: &Selector,
    memo: &mut ScanMemo,
) -> Option<ChunkScan> {
    if !chunk.starts_with(b"ElfChnk\0") {
        return None;
    }
    let last_record_id = u64_at(chunk, 32)?;
    let free_space = usize::try_from(u32_at(chunk, 48)?).ok()?;
    let live_end = free_space.min(chunk.len());
    let mut templates: Vec<(usize, Option<Rc<Template>>)> = Vec::new();
    let mut spare: ValueList<'_> = Vec::new();
    let mut scan = ChunkScan::default();
    let mut offset = CHUNK_HEADER_SIZE;
    while offset < live_end {
        if chunk.get(offset..offset + 4)? != RECORD_MAGIC {
            return None;
        }
        let size = usize::try_from(u32_at(chunk, offset + 4)?).ok()?;
        let record_id = u64_at(chunk, offset + 8)?;
        if size < RECORD_HEADER_SIZE + 4 || offset.checked_add(size)? > chunk.len() {
            return None;
        }
        let binxml = offset + RECORD_HEADER_SIZE;
        let binxml_end = offset + size - 4;
        scan.records += 1;
        if wanted(
            chunk,
            binxml,
            binxml_end,
            selector,
            &mut templates,
            memo,
            &mut spare,
        ) {
            scan.wanted.push(record_id);
        }
        offset += size;
        if record_id == last_record_id {
            break;
        }
    }
    Some(scan)
}

/// The cache slot of the template defined at `def_offset`, walking it on first use.
/// The template and values of substitution `id` when it is nested BinXML (a fragment of its
/// own, such as an `EventData` under `Event`); `None` when it is not, or cannot be read.
fn nested_template<'c>(
    chunk: &'c [u8],
    values: &Values<'c>,
    id: u16,
    selector: &Selector,
    templates: &mut Vec<(usize, Option<Rc<Template>>)>,
) -> Option<(Rc<Template>, Values<'c>)> {
    let (Some((0x21, bytes)), Some(start)) = (values.get(id), values.position(id)) else {
        return None;
    };
    let (def_offset, nested) = template_instance(chunk, start, start + bytes.len(), Vec::new())?;
    let index = template_index(chunk, def_offset, selector, templates);
    let inner = templates[index].1.clone()?;
    Some((inner, nested))
}

fn template_index(
    chunk: &[u8],
    def_offset: usize,
    selector: &Selector,
    templates: &mut Vec<(usize, Option<Rc<Template>>)>,
) -> usize {
    match templates.iter().position(|(o, _)| *o == def_offset) {
        Some(index) => index,
        None => {
            templates.push((
                def_offset,
                walk_template(chunk, def_offset, selector).map(Rc::new),
            ));
            templates.len() - 1
        }
    }
}

/// A substitution value as raw bytes (type, bytes), `None` for a missing value.
type RawValue<'c> = Option<(u8, &'c [u8])>;

/// What a record's System fields decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Header {
    Select,
    Drop,
    /// An SCM record whose rebuilt message decides.
    Scm,
    /// Its data values decide.
    Text,
}

/// Entries a memo holds at most, and the longest key it stores (longer inputs are decided
/// every time).
const MEMO_ENTRIES: usize = 1 << 14;
const MEMO_KEY_MAX: usize = 2048;

/// Verdicts already reached, keyed by exactly the bytes they were reached from (the System slots'
/// literal texts or raw values; an SCM record's event id, field names and raw values; a raw data
/// string). Logs repeat the same providers, channels, SCM insertion strings and messages, and
/// decoding and searching them again per record was most of the scan's time. One per worker,
/// carried across the chunks it scans.
#[derive(Default)]
pub struct ScanMemo {
    verdicts: HashMap<Box<[u8]>, Header, BuildHasherDefault<WordHasher>>,
    /// Raw UTF-16 data strings and whether they hold a literal (keyed as they are: no copy).
    texts: HashMap<Box<[u8]>, bool, BuildHasherDefault<WordHasher>>,
    key: Vec<u8>,
}

impl std::fmt::Debug for ScanMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanMemo")
            .field("verdicts", &self.verdicts.len())
            .finish()
    }
}

impl ScanMemo {
    /// The verdict for the key built in `self.key`, computing and keeping it on a miss.
    fn get_or(&mut self, compute: impl FnOnce() -> Header) -> Header {
        if let Some(&header) = self.verdicts.get(self.key.as_slice()) {
            return header;
        }
        let header = compute();
        if self.key.len() <= MEMO_KEY_MAX && self.verdicts.len() < MEMO_ENTRIES {
            self.verdicts.insert(self.key.as_slice().into(), header);
        }
        header
    }

    /// [`Selector::raw_utf16_matches`], once per distinct string.
    fn utf16_matches(&mut self, bytes: &[u8], selector: &Selector) -> bool {
        if let Some(&found) = self.texts.get(bytes) {
            return found;
        }
        let found = selector.raw_utf16_matches(bytes);
        if bytes.len() <= MEMO_KEY_MAX && self.texts.len() < MEMO_ENTRIES {
            self.texts.insert(bytes.into(), found);
        }
        found
    }
}

/// Appends a length-prefixed byte string to a memo key.
fn key_bytes(key: &mut Vec<u8>, bytes: &[u8]) {
    key.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
    key.extend_from_slice(bytes);
}

// Each part of a key starts with its own tag, so different inputs never make the same key.
fn key_raw(key: &mut Vec<u8>, raw: RawValue<'_>) {
    match raw {
        None => key.push(0),
        Some((kind, bytes)) => {
            key.extend_from_slice(&[1, kind]);
            key_bytes(key, bytes);
        }
    }
}

fn key_slot(key: &mut Vec<u8>, slot: &Slot, values: &Values<'_>) {
    match slot {
        Slot::Absent => key.push(2),
        Slot::Literal(text) => {
            key.push(3);
            key_bytes(key, text.as_bytes());
        }
        Slot::Substitution(id) => key_raw(key, values.get(*id)),
    }
}

fn key_event_id(key: &mut Vec<u8>, event_id: Option<u32>) {
    match event_id {
        None => key.push(0),
        Some(id) => {
            key.push(1);
            key.extend_from_slice(&id.to_le_bytes());
        }
    }
}

/// A fast, non-keyed hash (the Fx multiply-rotate over 8-byte words) for the memo's byte-string
/// keys: they come from the file, but a collision only costs a comparison.
#[derive(Default)]
struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(word);
            self.add(u64::from_le_bytes(buf));
        }
        let rest = words.remainder();
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(buf));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Whether the full path must render this record (`spare`: the value buffer, reused per record).
fn wanted<'c>(
    chunk: &'c [u8],
    start: usize,
    end: usize,
    selector: &Selector,
    templates: &mut Vec<(usize, Option<Rc<Template>>)>,
    memo: &mut ScanMemo,
    spare: &mut ValueList<'c>,
) -> bool {
    let Some((def_offset, values)) = template_instance(chunk, start, end, std::mem::take(spare))
    else {
        return true;
    };
    let wanted = record_wanted(chunk, def_offset, &values, selector, templates, memo);
    *spare = values.values;
    wanted
}

fn record_wanted(
    chunk: &[u8],
    def_offset: usize,
    values: &Values<'_>,
    selector: &Selector,
    templates: &mut Vec<(usize, Option<Rc<Template>>)>,
    memo: &mut ScanMemo,
) -> bool {
    let index = template_index(chunk, def_offset, selector, templates);
    let Some(template) = templates[index].1.clone() else {
        return true;
    };
    if !template.has_system {
        // The full path drops records without a System element whatever the selector says.
        return false;
    }
    let event_id = match read_unsigned(&template.event_id, values) {
        Read::Value(id) => u32::try_from(id).ok(),
        Read::Missing => None,
        Read::Unsure => return true,
    };
    let level = match read_unsigned(&template.level, values) {
        Read::Value(level) => u8::try_from(level).map_or(Level::Information, Level::from_evtx),
        Read::Missing => Level::Information,
        Read::Unsure => return true,
    };
    // Everything the header verdict depends on.
    memo.key.clear();
    memo.key.push(b'H');
    key_event_id(&mut memo.key, event_id);
    memo.key.push(level as u8);
    key_slot(&mut memo.key, &template.provider, values);
    key_slot(&mut memo.key, &template.event_source, values);
    key_slot(&mut memo.key, &template.channel, values);
    let header = memo.get_or(|| header_verdict(&template, values, event_id, level, selector));
    match header {
        Header::Select => true,
        Header::Drop => false,
        Header::Scm => message_wanted(
            chunk, &template, values, event_id, selector, templates, memo, true,
        ),
        Header::Text => data_may_match(chunk, &template, values, selector, templates, memo, 0),
    }
}

/// The verdict of a record's System fields (provider, event id, level, channel).
fn header_verdict(
    template: &Template,
    values: &Values<'_>,
    event_id: Option<u32>,
    level: Level,
    selector: &Selector,
) -> Header {
    let provider = match read_text(&template.provider, values) {
        Read::Value(name) => name,
        Read::Unsure => return Header::Select,
        Read::Missing => match read_text(&template.event_source, values) {
            Read::Value(name) => name,
            Read::Unsure => return Header::Select,
            Read::Missing => String::new(),
        },
    };
    let channel = match read_text(&template.channel, values) {
        Read::Value(channel) => Some(channel),
        Read::Missing => None,
        Read::Unsure => return Header::Select,
    };
    let candidate = Candidate {
        provider: &provider,
        channel: channel.as_deref(),
        event_id,
        level,
    };
    match selector.decide(&candidate) {
        Decision::Keep => Header::Select,
        Decision::Drop => Header::Drop,
        Decision::NeedText if selector.text_matches(provider.as_bytes()) => Header::Select,
        Decision::NeedText if provider.eq_ignore_ascii_case(SCM) => Header::Scm,
        Decision::NeedText if selector.scoped_applies(&provider) => Header::Select,
        Decision::NeedText => Header::Text,
    }
}

/// Whether a record is wanted, decided on the message the full path would build from its
/// `EventData`, rebuilt here (once per distinct event id, field names and values). For SCM
/// records (`scm`), whose messages are sentences rebuilt from the insertion strings so the values
/// alone cannot be searched; for others when a literal could cross the separators of the
/// `name: value | …` list. Any shape but the simple one selects the record.
#[allow(clippy::too_many_arguments)]
fn message_wanted(
    chunk: &[u8],
    template: &Template,
    values: &Values<'_>,
    event_id: Option<u32>,
    selector: &Selector,
    templates: &mut Vec<(usize, Option<Rc<Template>>)>,
    memo: &mut ScanMemo,
    scm: bool,
) -> bool {
    match &template.event_data {
        Some(EventDataShape::Inline(layout)) => {
            fields_message_wanted(layout, values, event_id, selector, memo, scm)
        }
        // Follow the fragment into its own template, which must be a simple `EventData`.
        Some(EventDataShape::Nested(id)) => {
            let Some((inner, nested)) = nested_template(chunk, values, *id, selector, templates)
            else {
                return true;
            };
            match &inner.event_data {
                Some(EventDataShape::Inline(layout)) if inner.root_event_data => {
                    fields_message_wanted(layout, &nested, event_id, selector, memo, scm)
                }
                _ => true,
            }
        }
        None => true,
    }
}

/// [`message_wanted`] for a simple `EventData` layout and the values that fill it.
fn fields_message_wanted(
    layout: &[DataField],
    values: &Values<'_>,
    event_id: Option<u32>,
    selector: &Selector,
    memo: &mut ScanMemo,
    scm: bool,
) -> bool {
    memo.key.clear();
    if scm {
        memo.key.push(b'S');
        key_event_id(&mut memo.key, event_id);
    } else {
        // Other providers' list messages do not depend on the event id.
        memo.key.push(b'G');
    }
    for field in layout {
        match &field.name {
            Some(name) => {
                memo.key.push(4);
                key_bytes(&mut memo.key, name.as_bytes());
            }
            None => memo.key.push(5),
        }
        key_raw(&mut memo.key, values.get(field.value));
    }
    let header = memo.get_or(|| {
        // Scoped literals of other providers already selected at the header.
        let wanted = built_message(layout, values, event_id, scm).is_none_or(|message| {
            if scm {
                selector.text_matches_for(SCM, message.as_bytes())
            } else {
                selector.text_matches(message.as_bytes())
            }
        });
        if wanted { Header::Select } else { Header::Drop }
    });
    header == Header::Select
}

/// UTF-16LE up to the first NUL unit, as the full path renders a string value; `None` when not
/// valid UTF-16 (its lossy rendering is not reproduced here).
fn utf16_until_nul(bytes: &[u8]) -> Option<String> {
    let units = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .take_while(|&unit| unit != 0);
    char::decode_utf16(units).collect::<Result<_, _>>().ok()
}

/// Little-endian integer of exactly `N` bytes.
fn le<const N: usize>(bytes: &[u8]) -> Option<[u8; N]> {
    bytes.try_into().ok()
}

/// Writes a substitution value to `out` exactly as the full path's message shows it (the evtx
/// crate's JSON rendering, read back through `serde_json`): strings, integers in decimal,
/// `HexInt`/`SizeT` as `0x…` lowercase, booleans, binary as uppercase hex. `None` for other
/// types, and for sizes that do not fit the type (the full path may render those otherwise).
fn write_value(kind: u8, bytes: &[u8], out: &mut String) -> Option<()> {
    match kind {
        0x01 => out.push_str(&utf16_until_nul(bytes)?),
        0x03 => write!(out, "{}", i8::from_le_bytes(le(bytes)?)).ok()?,
        0x04 => write!(out, "{}", u8::from_le_bytes(le(bytes)?)).ok()?,
        0x05 => write!(out, "{}", i16::from_le_bytes(le(bytes)?)).ok()?,
        0x06 => write!(out, "{}", u16::from_le_bytes(le(bytes)?)).ok()?,
        0x07 => write!(out, "{}", i32::from_le_bytes(le(bytes)?)).ok()?,
        0x08 => write!(out, "{}", u32::from_le_bytes(le(bytes)?)).ok()?,
        0x09 => write!(out, "{}", i64::from_le_bytes(le(bytes)?)).ok()?,
        0x0A => write!(out, "{}", u64::from_le_bytes(le(bytes)?)).ok()?,
        // Bool: `true`/`false`, other values as the integer they are.
        0x0D => match i32::from_le_bytes(le(bytes)?) {
            0 => out.push_str("false"),
            1 => out.push_str("true"),
            raw => write!(out, "{raw}").ok()?,
        },
        0x0E => {
            for b in bytes {
                write!(out, "{b:02X}").ok()?;
            }
        }
        0x10 | 0x14 if bytes.len() == 4 => {
            write!(out, "0x{:x}", u32::from_le_bytes(le(bytes)?)).ok()?;
        }
        0x10 | 0x15 if bytes.len() == 8 => {
            write!(out, "0x{:x}", u64::from_le_bytes(le(bytes)?)).ok()?;
        }
        _ => return None,
    }
    Some(())
}

/// The message the full path builds from a simple `EventData` layout (for an SCM record, `scm`, a
/// known event's sentence; otherwise the `name: value | …` list); `None` when the record is in
/// any way unlike that (an empty or unread value), so the caller selects it.
fn built_message(
    layout: &[DataField],
    values: &Values<'_>,
    event_id: Option<u32>,
    scm: bool,
) -> Option<String> {
    let mut fields: Vec<(String, String)> = Vec::with_capacity(layout.len());
    for field in layout {
        let (kind, bytes) = values.get(field.value)?;
        let mut text = String::new();
        match &field.name {
            Some(name) => {
                write_value(kind, bytes, &mut text)?;
                // Empty values may be left out of the JSON or rendered as null: not reproduced.
                if text.is_empty() {
                    return None;
                }
                fields.push((name.clone(), text));
            }
            // `<Binary>` only adds the decoded service name to a sentence; empty adds nothing.
            None if kind == 0x00 || bytes.is_empty() => {}
            None if kind == 0x0E => {
                write_value(kind, bytes, &mut text)?;
                fields.push(("Binary".to_owned(), text));
            }
            None => return None,
        }
    }
    Some(evtx_file::message(
        if scm { SCM } else { "" },
        event_id,
        &fields,
    ))
}

/// Could the rendered message contain a literal? Checked on what the message is made of: the data
/// values (UTF-16 strings searched undecoded, numbers spelt out as the full path renders them,
/// other typed values by their character set, nested BinXML fragments followed into their own
/// templates) and the field labels. SCM messages are rebuilt whole instead (see the caller).
fn data_may_match(
    chunk: &[u8],
    template: &Template,
    values: &Values<'_>,
    selector: &Selector,
    templates: &mut Vec<(usize, Option<Rc<Template>>)>,
    memo: &mut ScanMemo,
    depth: u8,
) -> bool {
    if template.names_match {
        return true;
    }
    // A literal that could cross the separators of a `name: value | …` message is only found in
    // the message itself: rebuild it (simple layouts) or select. In a followed fragment (depth
    // > 0) its own field names decide.
    if template.colon_span
        || (depth == 0 && template.value_count >= 2 && selector.literal_spans_bar())
    {
        return message_wanted(
            chunk, template, values, None, selector, templates, memo, false,
        );
    }
    let mut rendered = String::new();
    for id in &template.data_substitutions {
        let Some((kind, bytes)) = values.get(*id) else {
            continue;
        };
        rendered.clear();
        match kind {
            0x00 => {}
            // Strings and string arrays: searched as UTF-16 without decoding.
            0x01 | 0x81 => {
                if memo.utf16_matches(bytes, selector) {
                    return true;
                }
            }
            // Nested BinXML (EventData or UserData as a fragment of its own).
            0x21 => {
                let Some((inner, nested)) =
                    nested_template(chunk, values, *id, selector, templates)
                else {
                    return true;
                };
                if depth >= 4
                    || data_may_match(chunk, &inner, &nested, selector, templates, memo, depth + 1)
                {
                    return true;
                }
            }
            0x02 => {
                if selector.text_matches(bytes) {
                    return true;
                }
            }
            // Numbers, booleans and binary (a `<Binary>` element is left out of the message,
            // a binary `<Data>` is not): spelt out as the full path renders them.
            0x03..=0x0A | 0x0D | 0x0E | 0x10 | 0x14 | 0x15 => {
                if write_value(kind, bytes, &mut rendered).is_none()
                    || selector.text_matches(rendered.as_bytes())
                {
                    return true;
                }
            }
            // Renderings not spelt out here: only a literal made of their characters fits.
            0x0B | 0x0C => {
                if selector.literal_fits(TextClass::Float) {
                    return true;
                }
            }
            0x0F => {
                if selector.literal_fits(TextClass::Guid) {
                    return true;
                }
            }
            0x11 | 0x12 => {
                if selector.literal_fits(TextClass::DateTime) {
                    return true;
                }
            }
            0x13 => {
                if selector.literal_fits(TextClass::Sid) {
                    return true;
                }
            }
            // Arrays of numbers and anything else: unsure.
            _ => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::VecSink;
    use chrono::{TimeZone, Utc};
    use syncsift_samples::events;
    use syncsift_samples::evtx_writer::{DataValue, Event, EventData, evtx_bytes, level};

    fn time() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 9, 10, 0, 0).unwrap()
    }

    fn scm_7036(display: &str, key: &str) -> Event {
        events::scm(7036, level::INFORMATION, time(), &[display, "running"], key)
    }

    fn typed(values: Vec<(&str, DataValue)>) -> Event {
        Event {
            data: EventData::Typed(values.into_iter().map(|(n, v)| (n.to_owned(), v)).collect()),
            qualifiers: None,
            ..Event::classic(
                "Some-Manifest-Provider",
                100,
                level::INFORMATION,
                time(),
                "System",
                "PC",
                "",
            )
        }
    }

    /// Record ids (1-based, in push order) the scan selects, after checking that the full path
    /// keeps no record the scan left out.
    fn selected(events: &[Event], selector: &Selector) -> Vec<u64> {
        let file = evtx_bytes(events).unwrap();
        let scan = scan_chunk(&file[4096..4096 + 65536], selector).unwrap();
        assert_eq!(scan.records, events.len() as u64);
        let mut full = VecSink::default();
        evtx_file::parse_with(&file, selector, &mut full, evtx_file::Path::Full).unwrap();
        for record in &full.records {
            let crate::Locator::EvtxRecord(id) = record.locator else {
                panic!("locator");
            };
            assert!(scan.wanted.contains(&id), "missed record {id}: {record:?}");
        }
        scan.wanted
    }

    #[test]
    fn scm_records_are_decided_on_the_rebuilt_message() {
        let selector = Selector::none()
            .with_literals(["logon failure", "Update service entered", "param2: stopped"])
            .unwrap()
            .with_scoped_literals(SCM, ["ADSync"])
            .unwrap();
        let mut unknown_event = scm_7036("Windows Update", "wuauserv");
        unknown_event.event_id = 9999;
        let mut unknown_stopped = unknown_event.clone();
        unknown_stopped.data = EventData::Named(vec![
            ("param1".to_owned(), "BITS".to_owned()),
            ("param2".to_owned(), "stopped".to_owned()),
        ]);
        let events = [
            // 1: unrelated service: dropped without rendering.
            scm_7036("Background Intelligent Transfer Service", "BITS"),
            // 2: the literal spans a value and the sentence's fixed text.
            scm_7036("Windows Update", "wuauserv"),
            // 3: the scoped literal is only in the Binary service key name.
            scm_7036("Microsoft Azure AD Sync", "ADSync"),
            // 4: `%%1069` resolves to a text holding the literal.
            events::scm(
                7000,
                level::INFORMATION,
                time(),
                &["BITS", "%%1069"],
                "BITS",
            ),
            // 5, 6: no sentence template: the `name: value` list is the message.
            unknown_event,
            unknown_stopped,
        ];
        assert_eq!(selected(&events, &selector), [2, 3, 4, 6]);
    }

    #[test]
    fn scm_records_with_eventdata_as_a_nested_fragment_are_decided() {
        let selector = Selector::none()
            .with_literals(["logon failure"])
            .unwrap()
            .with_scoped_literals(SCM, ["ADSync"])
            .unwrap();
        let nested = |mut event: Event| {
            let EventData::Named(pairs) = event.data else {
                panic!("named");
            };
            event.data = EventData::NestedNamed(pairs);
            event
        };
        let events = [
            nested(scm_7036("Windows Update", "wuauserv")),
            nested(scm_7036("Microsoft Azure AD Sync", "ADSync")),
            nested(scm_7036("Plain", "ADSyncHelper")),
            nested(events::scm(
                7000,
                level::INFORMATION,
                time(),
                &["BITS", "%%1069"],
                "BITS",
            )),
            scm_7036("Windows Update", "wuauserv"),
        ];
        assert_eq!(selected(&events, &selector), [2, 3, 4]);
        // The full path reads the nested fragment as it reads inline EventData.
        let file = evtx_bytes(&events).unwrap();
        let mut all = VecSink::default();
        evtx_file::parse_with(&file, &Selector::all(), &mut all, evtx_file::Path::Full).unwrap();
        assert_eq!(all.records[0].message, all.records[4].message);
        assert_eq!(all.records[0].fields, all.records[4].fields);
    }

    #[test]
    fn literals_crossing_name_value_separators_are_found() {
        let named = |version: &str| Event {
            data: EventData::Named(vec![
                ("Application Version".to_owned(), version.to_owned()),
                ("Product".to_owned(), "Sync".to_owned()),
            ]),
            qualifiers: None,
            ..Event::classic(
                "MsiInstaller",
                1035,
                level::INFORMATION,
                time(),
                "Application",
                "PC",
                "",
            )
        };
        let unnamed = Event::classic(
            "App",
            1,
            level::INFORMATION,
            time(),
            "Application",
            "PC",
            "x",
        );
        // `Application Version: 1.` is only in the message `Application Version: 1.6 | Product: Sync`.
        let selector = Selector::none()
            .with_literals(["Application Version: 1."])
            .unwrap();
        assert!(selector.literal_spans_colon() && !selector.literal_spans_bar());
        let events = [named("1.6"), named("2.0"), unnamed.clone()];
        assert_eq!(selected(&events, &selector), [1]);
        let selector = Selector::none().with_literals(["1.6 | Product"]).unwrap();
        assert!(selector.literal_spans_bar());
        assert_eq!(selected(&events, &selector), [1]);
        // Without separator characters in the literals, values are searched one by one.
        let selector = Selector::none().with_literals(["Version"]).unwrap();
        assert!(!selector.literal_spans_colon() && !selector.literal_spans_bar());
        assert_eq!(selected(&[named("1.6"), unnamed], &selector), [1]);
    }

    #[test]
    fn scm_records_with_unusual_values_are_selected() {
        let selector = Selector::none().with_literals(["ADSync"]).unwrap();
        let mut empty = scm_7036("", "BITS");
        empty.level = level::INFORMATION;
        let mut typed_scm = typed(vec![("param1", DataValue::U32(5))]);
        typed_scm.provider = SCM.to_owned();
        let events = [scm_7036("BITS", "BITS"), empty, typed_scm];
        // An empty value may be left out of the full path's fields: unsure, so selected; a
        // number is spelt out exactly.
        assert_eq!(selected(&events, &selector), [2]);
    }

    #[test]
    fn numbers_are_matched_as_the_full_path_renders_them() {
        let selector = Selector::none()
            .with_literals(["0x54b", "RPC Error 1722", "-5", "AADSTS50034"])
            .unwrap();
        let events = [
            // 1, 2: signed values that do not (and do) print as a literal.
            typed(vec![
                ("Code", DataValue::I32(1722)),
                ("Other", DataValue::I64(-1)),
            ]),
            typed(vec![("Code", DataValue::I32(-5))]),
            // 3, 4: hex codes render as `0x…` lowercase.
            typed(vec![("Status", DataValue::Hex32(0x54b))]),
            typed(vec![("Status", DataValue::Hex64(0x54c))]),
            // 5: unsigned, boolean: neither holds these literals.
            typed(vec![
                ("A", DataValue::U64(50034)),
                ("B", DataValue::Bool(true)),
            ]),
            // 6: a string still matches.
            typed(vec![(
                "Text",
                DataValue::Text("AADSTS50034: no user".to_owned()),
            )]),
            // 7, 8: times and GUIDs are not spelt out, and `-5` is made of their characters.
            typed(vec![("D", DataValue::FileTime(133_543_000_000_000_000))]),
            typed(vec![("C", DataValue::Guid([0xAB; 16]))]),
        ];
        assert_eq!(selected(&events, &selector), [2, 3, 6, 7, 8]);
        let selector = Selector::none().with_literals(["0x54b"]).unwrap();
        assert_eq!(selected(&events, &selector), [3]);
    }

    #[test]
    fn typed_values_fall_back_to_their_character_set() {
        let selector = Selector::none().with_literals(["{abab"]).unwrap();
        let events = [
            typed(vec![("C", DataValue::Guid([0xAB; 16]))]),
            typed(vec![("D", DataValue::FileTime(1))]),
            typed(vec![("E", DataValue::Bytes(vec![0xAB, 0xCD]))]),
        ];
        assert_eq!(selected(&events, &selector), [1]);
        // Binary is spelt out; the GUID is only known to be made of hex digits.
        let selector = Selector::none().with_literals(["ABCD"]).unwrap();
        assert_eq!(selected(&events, &selector), [1, 3]);
    }

    #[test]
    fn values_are_written_as_rendered() {
        let mut out = String::new();
        let cases: [(u8, &[u8], &str); 8] = [
            (0x03, &[0xFF], "-1"),
            (0x07, &(-1722i32).to_le_bytes(), "-1722"),
            (0x0A, &u64::MAX.to_le_bytes(), "18446744073709551615"),
            (0x0D, &2u32.to_le_bytes(), "2"),
            (0x0E, &[0x0A, 0xFF], "0AFF"),
            (0x10, &0x54bu32.to_le_bytes(), "0x54b"),
            (0x15, &0u64.to_le_bytes(), "0x0"),
            (0x01, &[0x41, 0, 0, 0, 0x42, 0], "A"),
        ];
        for (kind, bytes, text) in cases {
            out.clear();
            assert_eq!(write_value(kind, bytes, &mut out), Some(()), "{kind:#x}");
            assert_eq!(out, text, "{kind:#x}");
        }
        // Wrong sizes and types not spelt out are left to the full path.
        assert_eq!(write_value(0x07, &[1, 2], &mut out), None);
        assert_eq!(write_value(0x0F, &[0; 16], &mut out), None);
        assert_eq!(write_value(0x01, &[0x00, 0xD8], &mut out), None);
    }

    #[test]
    fn damaged_chunks_do_not_panic() {
        let selector = Selector::none().with_literals(["ADSync", "0x54b"]).unwrap();
        let events = [
            scm_7036("ADSync", "ADSync"),
            typed(vec![("Status", DataValue::Hex32(0x54b))]),
        ];
        let file = evtx_bytes(&events).unwrap();
        let chunk = &file[4096..4096 + 65536];
        for cut in (0..2048).step_by(7) {
            let _ = scan_chunk(&chunk[..cut.min(chunk.len())], &selector);
            let mut damaged = chunk.to_vec();
            damaged[512 + cut] ^= 0xFF;
            let _ = scan_chunk(&damaged, &selector);
        }
    }
}
