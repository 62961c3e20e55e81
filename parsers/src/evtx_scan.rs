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

use crate::record::Level;
use crate::selector::{Candidate, Decision, Selector};
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
}

/// Element names the template walk tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Element {
    Event,
    System,
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
        (1, "System") if stack.first() == Some(&Element::Event) => Element::System,
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
    };
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
    Some(template)
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

/// Parses a record's BinXML (fragment header, one template instance); `None` for other shapes.
fn template_instance(chunk: &[u8], start: usize, end: usize) -> Option<(usize, Values<'_>)> {
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
    let mut values = Vec::with_capacity(count);
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
    if !chunk.starts_with(b"ElfChnk\0") {
        return None;
    }
    let last_record_id = u64_at(chunk, 32)?;
    let free_space = usize::try_from(u32_at(chunk, 48)?).ok()?;
    let live_end = free_space.min(chunk.len());
    let mut templates: Vec<(usize, Option<Rc<Template>>)> = Vec::new();
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
        if wanted(chunk, binxml, binxml_end, selector, &mut templates) {
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

/// Whether the full path must render this record.
fn wanted(
    chunk: &[u8],
    start: usize,
    end: usize,
    selector: &Selector,
    templates: &mut Vec<(usize, Option<Rc<Template>>)>,
) -> bool {
    let Some((def_offset, values)) = template_instance(chunk, start, end) else {
        return true;
    };
    let index = template_index(chunk, def_offset, selector, templates);
    let Some(template) = templates[index].1.clone() else {
        return true;
    };
    if !template.has_system {
        // The full path drops records without a System element whatever the selector says.
        return false;
    }
    let provider = match read_text(&template.provider, &values) {
        Read::Value(name) => name,
        Read::Unsure => return true,
        Read::Missing => match read_text(&template.event_source, &values) {
            Read::Value(name) => name,
            Read::Unsure => return true,
            Read::Missing => String::new(),
        },
    };
    let event_id = match read_unsigned(&template.event_id, &values) {
        Read::Value(id) => u32::try_from(id).ok(),
        Read::Missing => None,
        Read::Unsure => return true,
    };
    let level = match read_unsigned(&template.level, &values) {
        Read::Value(level) => u8::try_from(level).map_or(Level::Information, Level::from_evtx),
        Read::Missing => Level::Information,
        Read::Unsure => return true,
    };
    let channel = match read_text(&template.channel, &values) {
        Read::Value(channel) => Some(channel),
        Read::Missing => None,
        Read::Unsure => return true,
    };
    let candidate = Candidate {
        provider: &provider,
        channel: channel.as_deref(),
        event_id,
        level,
    };
    match selector.decide(&candidate) {
        Decision::Keep => true,
        Decision::Drop => false,
        Decision::NeedText => {
            provider.eq_ignore_ascii_case(SCM)
                || selector.scoped_applies(&provider)
                || selector.text_matches(provider.as_bytes())
                || data_may_match(chunk, &template, &values, selector, templates, 0)
        }
    }
}

/// Could the rendered message contain a literal? Checked on what the message is made of: the data
/// values (UTF-16 strings searched undecoded, integers as decimal text, nested BinXML fragments
/// followed into their own templates) and the field labels. SCM messages are rebuilt from sentence
/// templates, so those always go on (see the caller).
fn data_may_match(
    chunk: &[u8],
    template: &Template,
    values: &Values<'_>,
    selector: &Selector,
    templates: &mut Vec<(usize, Option<Rc<Template>>)>,
    depth: u8,
) -> bool {
    if template.names_match {
        return true;
    }
    let mut digits = String::new();
    for id in &template.data_substitutions {
        let Some((kind, bytes)) = values.get(*id) else {
            continue;
        };
        digits.clear();
        match kind {
            0x00 | 0x0E => {}
            // Strings and string arrays: searched as UTF-16 without decoding.
            0x01 | 0x81 => {
                if selector.raw_utf16_matches(bytes) {
                    return true;
                }
            }
            // Nested BinXML (EventData or UserData as a fragment of its own).
            0x21 => {
                let Some(start) = values.position(*id) else {
                    return true;
                };
                let Some((def_offset, nested)) =
                    template_instance(chunk, start, start + bytes.len())
                else {
                    return true;
                };
                let index = template_index(chunk, def_offset, selector, templates);
                let Some(inner) = templates[index].1.clone() else {
                    return true;
                };
                if depth >= 4
                    || data_may_match(chunk, &inner, &nested, selector, templates, depth + 1)
                {
                    return true;
                }
            }
            0x02 => {
                if selector.text_matches(bytes) {
                    return true;
                }
            }
            0x03..=0x0A => {
                let mut buf = [0u8; 8];
                let len = bytes.len().min(8);
                buf[..len].copy_from_slice(&bytes[..len]);
                let unsigned = u64::from_le_bytes(buf);
                digits.push_str(&unsigned.to_string());
                if selector.text_matches(digits.as_bytes()) {
                    return true;
                }
                // Signed values print differently; let any digit literal through.
                if matches!(kind, 0x03 | 0x05 | 0x07 | 0x09) && selector.literal_has_digit() {
                    return true;
                }
            }
            _ => {
                if selector.literal_has_digit() {
                    return true;
                }
            }
        }
    }
    false
}
