//! PowerShell output saved with `Out-File` (`Get-ADSyncScheduler.txt`, `Get-ADSyncConnector.txt`,
//! `Get-ADSyncGlobalSettings.txt`, ...): `Format-List` blocks (`Name<padding> : value`),
//! `Format-Table` tables (a header, a line of dashes, rows) and the `## heading` lines support
//! collectors write between objects.
//!
//! Every value becomes a [`Fact`], kept exactly as written (dates stay in the server's culture). A
//! list value wrapped onto indented continuation lines is joined with line breaks. The fact's
//! section names the object when the dump holds several: the heading, then the object's `Name`
//! (or `ConnectorName`, `SourceConnector`), else `#n` for the n-th object under that heading; a
//! dump of one unnamed object has no section. A `<synchronization-errors>` document pasted into
//! the dump (run-step results) is read as run-history XML. PowerShell error records in the dump
//! become problems, not facts.

use crate::adsync::sync_xml;
use crate::error::{InputError, Malformed, Problem};
use crate::lines::Lines;
use crate::record::{Fact, Locator};
use crate::selector::Selector;
use crate::sink::{ParseContext, ParseStats, Sink};
use std::collections::HashMap;
use std::io::BufRead;

/// Name of the format in reasons.
pub const FORMAT: &str = "PowerShell dump";

/// Keys that name the object they belong to, in order of preference.
const NAME_KEYS: [&str; 3] = ["Name", "ConnectorName", "SourceConnector"];

/// Facts of one object held until its name is known; more are pushed unnamed.
const MAX_BLOCK: usize = 10_000;

/// Largest embedded XML document read.
const MAX_EMBEDDED: usize = 16 << 20;

/// A `Format-List` line: key, value and the column of its colon.
fn list_line(line: &str) -> Option<(&str, &str)> {
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    let colon = line.find(" :")?;
    let key = line[..colon].trim_end();
    if key.is_empty() || key.contains(':') {
        return None;
    }
    let after = &line[colon + 2..];
    let value = if after.is_empty() {
        ""
    } else {
        after.strip_prefix(' ')?
    };
    Some((key, value))
}

/// Column starts of a `----  -----` line under a table header.
fn dash_columns(line: &str) -> Option<Vec<usize>> {
    let chars: Vec<char> = line.trim_end().chars().collect();
    if chars.first() != Some(&'-') || chars.iter().any(|c| !matches!(c, '-' | ' ')) {
        return None;
    }
    let starts = (0..chars.len())
        .filter(|&i| chars[i] == '-' && (i == 0 || chars[i - 1] == ' '))
        .collect();
    Some(starts)
}

/// Cells of `line` cut at the column starts; the last column runs to the end of the line.
fn cells(line: &str, starts: &[usize]) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    starts
        .iter()
        .enumerate()
        .map(|(i, &start)| {
            let end = starts.get(i + 1).copied().unwrap_or(chars.len());
            chars
                .get(start.min(chars.len())..end.min(chars.len()))
                .map(|c| c.iter().collect::<String>().trim().to_owned())
                .unwrap_or_default()
        })
        .collect()
}

fn is_heading(line: &str) -> Option<&str> {
    line.strip_prefix("##").map(str::trim)
}

fn is_error_position(line: &str) -> bool {
    line.starts_with("At line:") || (line.starts_with("At ") && line.contains(" char:"))
}

/// True when the decoded head of a file starts like `Out-File` output of list or table objects.
pub fn looks_like(head: &str) -> bool {
    let lines: Vec<&str> = head
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && is_heading(l).is_none())
        .take(40)
        .collect();
    // Allow a stray line or two first (e.g. a heading's continuation), not more.
    for start in 0..lines.len().min(3) {
        let rest = &lines[start..];
        if rest.len() >= 2 && rest[..2].iter().all(|l| list_line(l).is_some()) {
            let colon = |l: &str| l.find(" :");
            // Format-List pads every key of an object to one width.
            if colon(rest[0]) == colon(rest[1]) {
                return true;
            }
        }
        if rest.len() >= 2
            && dash_columns(rest[1]).is_some_and(|cols| {
                let header: Vec<char> = rest[0].chars().collect();
                cols.iter()
                    .all(|&c| header.get(c).is_some_and(|ch| !ch.is_whitespace()))
            })
        {
            return true;
        }
    }
    false
}

enum Block {
    None,
    List {
        facts: Vec<Fact>,
        last: Option<usize>,
    },
    Table {
        columns: Vec<usize>,
        names: Vec<String>,
        name_value: bool,
    },
}

struct Dump<'a> {
    sink: &'a mut dyn Sink,
    stats: ParseStats,
    heading: Option<String>,
    ordinals: HashMap<Option<String>, usize>,
    block: Block,
    /// The label of the current table (tables are one object for numbering).
    table_section: Option<String>,
    /// A line that may be a table header, if dashes follow.
    maybe_header: Option<String>,
    skipping_error: bool,
    keys: u64,
    seen_value: bool,
    unvalued: Vec<Fact>,
    last_connector: Option<String>,
}

impl Dump<'_> {
    fn next_ordinal(&mut self) -> usize {
        let n = self.ordinals.entry(self.heading.clone()).or_insert(0);
        *n += 1;
        *n
    }

    fn section(&self, name: Option<&str>, ordinal: usize) -> Option<String> {
        match (&self.heading, name) {
            (Some(h), Some(n)) => Some(format!("{h} / {n}")),
            (None, Some(n)) => Some(n.to_owned()),
            (Some(h), None) if ordinal > 1 => Some(format!("{h} #{ordinal}")),
            (Some(h), None) => Some(h.clone()),
            (None, None) if ordinal > 1 => Some(format!("#{ordinal}")),
            (None, None) => None,
        }
    }

    fn emit(&mut self, fact: Fact) {
        self.keys += 1;
        if fact.value.trim().is_empty() && !self.seen_value && self.unvalued.len() < MAX_BLOCK {
            self.unvalued.push(fact);
            return;
        }
        if !fact.value.trim().is_empty() && !self.seen_value {
            self.seen_value = true;
            for held in std::mem::take(&mut self.unvalued) {
                self.stats.entries += 1;
                self.sink.fact(held);
            }
        }
        self.stats.entries += 1;
        self.sink.fact(fact);
    }

    fn end_block(&mut self) {
        match std::mem::replace(&mut self.block, Block::None) {
            Block::None | Block::Table { .. } => {}
            Block::List { facts, .. } => {
                if facts.is_empty() {
                    return;
                }
                let name = NAME_KEYS.iter().find_map(|k| {
                    facts
                        .iter()
                        .find(|f| f.key == *k && !f.value.trim().is_empty())
                        .map(|f| f.value.clone())
                });
                if let Some(c) = facts.iter().find(|f| f.key == "ConnectorName") {
                    self.last_connector = Some(c.value.clone());
                }
                let ordinal = self.next_ordinal();
                let section = self.section(name.as_deref(), ordinal);
                for mut fact in facts {
                    fact.section.clone_from(&section);
                    self.emit(fact);
                }
            }
        }
        self.table_section = None;
    }

    fn list(&mut self, number: u64, key: &str, value: &str) {
        if !matches!(self.block, Block::List { .. }) {
            self.end_block();
            self.block = Block::List {
                facts: Vec::new(),
                last: None,
            };
        }
        let fact = Fact {
            section: None,
            key: key.to_owned(),
            value: value.trim_end().to_owned(),
            line: number,
        };
        let overflow = match &mut self.block {
            Block::List { facts, last } => {
                facts.push(fact);
                *last = Some(facts.len() - 1);
                facts.len() >= MAX_BLOCK
            }
            _ => false,
        };
        if overflow {
            self.end_block();
        }
    }

    fn continuation(&mut self, text: &str) -> bool {
        if let Block::List {
            facts,
            last: Some(i),
        } = &mut self.block
            && let Some(fact) = facts.get_mut(*i)
        {
            fact.value.push('\n');
            fact.value.push_str(text.trim());
            return true;
        }
        false
    }

    /// The previous list line was the first line of a PowerShell error record.
    fn error_record(&mut self, number: u64) {
        if let Block::List { facts, last } = &mut self.block
            && let Some(i) = last.take()
            && i + 1 == facts.len()
        {
            let fact = facts.remove(i);
            self.stats.bad += 1;
            self.sink.problem(Problem {
                at: Some(Locator::Line(fact.line)),
                chunk: None,
                message: format!(
                    "PowerShell error recorded in place of output: {} : {}",
                    fact.key,
                    fact.value.lines().next().unwrap_or_default()
                ),
            });
        } else {
            self.sink.problem(Problem {
                at: Some(Locator::Line(number)),
                chunk: None,
                message: "PowerShell error recorded in place of output".to_owned(),
            });
        }
        self.skipping_error = true;
    }

    fn table_start(&mut self, header: &str, columns: Vec<usize>) {
        self.end_block();
        let names = cells(header, &columns);
        let name_value = names.len() == 2 && names[0] == "Name" && names[1] == "Value";
        let ordinal = self.next_ordinal();
        self.table_section = self.section(None, ordinal);
        self.block = Block::Table {
            columns,
            names,
            name_value,
        };
    }

    fn table_row(&mut self, number: u64, line: &str) {
        let Block::Table {
            columns,
            names,
            name_value,
        } = &self.block
        else {
            return;
        };
        let row = cells(line, columns);
        let facts: Vec<Fact> = if *name_value {
            vec![Fact {
                section: self.table_section.clone(),
                key: row[0].clone(),
                value: row[1].clone(),
                line: number,
            }]
        } else {
            let section = match (&self.heading, row.first()) {
                (Some(h), Some(first)) if !first.is_empty() => Some(format!("{h} / {first}")),
                (None, Some(first)) if !first.is_empty() => Some(first.clone()),
                _ => self.table_section.clone(),
            };
            names
                .iter()
                .zip(row)
                .map(|(name, value)| Fact {
                    section: section.clone(),
                    key: name.clone(),
                    value,
                    line: number,
                })
                .collect()
        };
        for fact in facts {
            self.emit(fact);
        }
    }
}

/// Reads a dump, pushing its facts and the records of any run-history XML inside it.
///
/// # Errors
/// [`InputError::Malformed`] when no key in the dump has a value (keys without values are then not
/// pushed); read errors of the underlying reader.
pub fn parse<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    selector: &Selector,
    sink: &mut dyn Sink,
) -> Result<ParseStats, InputError> {
    let mut lines = Lines::new(reader);
    let mut dump = Dump {
        sink,
        stats: ParseStats::default(),
        heading: None,
        ordinals: HashMap::new(),
        block: Block::None,
        table_section: None,
        maybe_header: None,
        skipping_error: false,
        keys: 0,
        seen_value: false,
        unvalued: Vec::new(),
        last_connector: None,
    };
    let mut xml: Option<(u64, String)> = None;
    let mut after_heading = false;
    while let Some(raw) = lines.next_line().map_err(io_error)? {
        let number = raw.number;
        let text = String::from_utf8_lossy(raw.bytes);
        let line = text.trim_end();
        if let Some((start, doc)) = &mut xml {
            if doc.len() + line.len() < MAX_EMBEDDED {
                doc.push_str(line);
                doc.push('\n');
            }
            if line.contains("</synchronization-errors>") {
                let start = *start;
                let doc = std::mem::take(doc);
                xml = None;
                let stats = sync_xml::parse_embedded(
                    &doc,
                    start,
                    dump.last_connector.clone(),
                    ctx,
                    selector,
                    dump.sink,
                );
                dump.stats.entries += stats.entries;
                dump.stats.bad += stats.bad;
            }
            continue;
        }
        if line.is_empty() {
            dump.end_block();
            dump.maybe_header = None;
            dump.skipping_error = false;
            after_heading = false;
            continue;
        }
        if dump.skipping_error {
            continue;
        }
        if let Some(heading) = is_heading(line) {
            dump.end_block();
            dump.heading = (!heading.is_empty()).then(|| heading.to_owned());
            dump.maybe_header = None;
            after_heading = true;
            continue;
        }
        // `Write-Output "## Connector statistics for " $name` puts the name on the next line.
        let continues_heading = std::mem::take(&mut after_heading)
            && list_line(line).is_none()
            && !line.starts_with(char::is_whitespace)
            && !line.starts_with('<');
        if continues_heading && let Some(heading) = &mut dump.heading {
            heading.push(' ');
            heading.push_str(line.trim());
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("<?xml") || trimmed.starts_with("<synchronization-errors") {
            dump.end_block();
            if trimmed.starts_with("<synchronization-errors") && trimmed.ends_with("/>") {
                continue;
            }
            xml = Some((number, format!("{trimmed}\n")));
            continue;
        }
        if is_error_position(line) {
            dump.error_record(number);
            continue;
        }
        if let Block::Table { .. } = dump.block {
            dump.table_row(number, line);
            continue;
        }
        if let Some(columns) = dash_columns(line)
            && let Some(header) = dump.maybe_header.take()
        {
            dump.table_start(&header, columns);
            continue;
        }
        if line.starts_with(char::is_whitespace) && dump.continuation(line) {
            continue;
        }
        if let Some((key, value)) = list_line(line) {
            dump.list(number, key, value);
            dump.maybe_header = None;
            continue;
        }
        dump.end_block();
        dump.maybe_header = Some(line.to_owned());
    }
    if let Some((start, _)) = xml {
        dump.stats.bad += 1;
        dump.sink.problem(Problem {
            at: Some(Locator::Line(start)),
            chunk: None,
            message:
                "embedded <synchronization-errors> document is not closed: the dump ends inside it"
                    .to_owned(),
        });
    }
    dump.end_block();
    if !dump.seen_value && dump.stats.entries == 0 {
        return Err(InputError::Malformed {
            format: FORMAT,
            reason: Malformed::NoValues { keys: dump.keys },
        });
    }
    Ok(dump.stats)
}

fn io_error(source: std::io::Error) -> InputError {
    InputError::MemberData { source }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::VecSink;
    use crate::text::{TextEncoding, Utf8Reader};

    fn utf16(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(TextEncoding::Utf16Le { bom: true }.encode(text));
        bytes
    }

    fn read(bytes: &[u8], encoding: TextEncoding) -> Result<VecSink, InputError> {
        let mut sink = VecSink::default();
        parse(
            Utf8Reader::new(bytes, encoding),
            &ParseContext::default(),
            &Selector::all(),
            &mut sink,
        )?;
        Ok(sink)
    }

    fn triples(sink: &VecSink) -> Vec<(Option<&str>, &str, &str, u64)> {
        sink.facts
            .iter()
            .map(|f| {
                (
                    f.section.as_deref(),
                    f.key.as_str(),
                    f.value.as_str(),
                    f.line,
                )
            })
            .collect()
    }

    const SCHEDULER: &str = "\r\n\r\nAllowedSyncCycleInterval            : 00:30:00\r\nCustomizedSyncCycleInterval         : \r\nNextSyncCycleStartTimeInUTC         : 05.01.2023 20:28:37\r\nSyncCycleEnabled                    : False\r\nStagingModeEnabled                  : True\r\n\r\n\r\n";

    #[test]
    fn utf16_list_with_crlf_keeps_values_raw() {
        let bytes = utf16(SCHEDULER);
        let sink = read(&bytes, TextEncoding::Utf16Le { bom: true }).unwrap();
        assert_eq!(
            triples(&sink),
            [
                (None, "AllowedSyncCycleInterval", "00:30:00", 3),
                (None, "CustomizedSyncCycleInterval", "", 4),
                (
                    None,
                    "NextSyncCycleStartTimeInUTC",
                    "05.01.2023 20:28:37",
                    5
                ),
                (None, "SyncCycleEnabled", "False", 6),
                (None, "StagingModeEnabled", "True", 7),
            ]
        );
        assert!(looks_like(SCHEDULER));
    }

    #[test]
    fn sections_name_objects_and_continuations_join() {
        let text = "## Connector Summary\n\nIdentifier  : 1111\nName        : contoso.com\nDescription : first line of a long\n              description\n\n## Connector Summary\n\nIdentifier  : 2222\nName        : contoso.onmicrosoft.com - AAD\n\n## Connector statistics for\ncontoso.com\n\nA : 1\nB : 2\n\nA : 3\n";
        let sink = read(text.as_bytes(), TextEncoding::Utf8).unwrap();
        assert_eq!(
            triples(&sink),
            [
                (
                    Some("Connector Summary / contoso.com"),
                    "Identifier",
                    "1111",
                    3
                ),
                (
                    Some("Connector Summary / contoso.com"),
                    "Name",
                    "contoso.com",
                    4
                ),
                (
                    Some("Connector Summary / contoso.com"),
                    "Description",
                    "first line of a long\ndescription",
                    5
                ),
                (
                    Some("Connector Summary / contoso.onmicrosoft.com - AAD"),
                    "Identifier",
                    "2222",
                    10
                ),
                (
                    Some("Connector Summary / contoso.onmicrosoft.com - AAD"),
                    "Name",
                    "contoso.onmicrosoft.com - AAD",
                    11
                ),
                (Some("Connector statistics for contoso.com"), "A", "1", 16),
                (Some("Connector statistics for contoso.com"), "B", "2", 17),
                (
                    Some("Connector statistics for contoso.com #2"),
                    "A",
                    "3",
                    19
                ),
            ]
        );
    }

    #[test]
    fn tables_become_facts() {
        let text = "\r\nName                                              Value\r\n----                                              -----\r\nMicrosoft.Synchronize.StagingMode                 True\r\nMicrosoft.OptionalFeature.ExportDeletionThreshold 500\r\n\r\n\r\nSourceConnector TargetConnector               Enabled\r\n--------------- ---------------               -------\r\ncontoso.com     contoso.onmicrosoft.com - AAD    True\r\n";
        assert!(looks_like(text));
        let sink = read(text.as_bytes(), TextEncoding::Utf8).unwrap();
        assert_eq!(
            triples(&sink),
            [
                (None, "Microsoft.Synchronize.StagingMode", "True", 4),
                (
                    None,
                    "Microsoft.OptionalFeature.ExportDeletionThreshold",
                    "500",
                    5
                ),
                (Some("contoso.com"), "SourceConnector", "contoso.com", 10),
                (
                    Some("contoso.com"),
                    "TargetConnector",
                    "contoso.onmicrosoft.com - AAD",
                    10
                ),
                (Some("contoso.com"), "Enabled", "True", 10),
            ]
        );
    }

    #[test]
    fn powershell_errors_are_problems() {
        let text = "Get-ADSyncScheduler : The term 'Get-ADSyncScheduler' is not recognized.\nAt line:1 char:1\n+ Get-ADSyncScheduler\n+ ~~~~~~~~~~~~~~~~~~~\n    + CategoryInfo          : ObjectNotFound: (Get-ADSyncScheduler:String) [], CommandNotFoundException\n\nSyncCycleEnabled   : True\nStagingModeEnabled : False\n";
        let sink = read(text.as_bytes(), TextEncoding::Utf8).unwrap();
        assert_eq!(sink.facts.len(), 2);
        assert_eq!(
            sink.problems[0].message,
            "PowerShell error recorded in place of output: Get-ADSyncScheduler : The term 'Get-ADSyncScheduler' is not recognized."
        );
        assert_eq!(sink.problems[0].at, Some(Locator::Line(1)));
    }

    #[test]
    fn a_dump_without_values_is_malformed() {
        let text = "SyncCycleEnabled   :\r\nStagingModeEnabled :\r\n";
        assert!(looks_like(text));
        let err = read(text.as_bytes(), TextEncoding::Utf8).unwrap_err();
        assert_eq!(
            err.to_string(),
            "PowerShell dump: 2 keys and not one value (was the command's output empty?)"
        );
    }

    #[test]
    fn other_text_is_not_a_dump() {
        assert!(!looks_like("hello : world\nthis is prose : really\n"));
        assert!(!looks_like(
            "Log Name:      Application\nSource:        ADSync\n"
        ));
        assert!(!looks_like(
            "AADConnectProvisioningAgent.exe Error: 0 : Web socket failed to connect.\n"
        ));
    }
}
