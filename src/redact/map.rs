//! The local-only mapping from original values to pseudonyms (`--redact-map FILE`), for the
//! engineer who must read a redacted report back. It is written to its own file, never overwrites
//! one, is readable by its owner only (on Unix), and is never part of any report.

use crate::redact::text::Replaced;
use crate::redact::{Class, KeyOrigin, RedactError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// What a redaction replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    origin: KeyOrigin,
    values: Vec<Replaced>,
}

#[derive(Serialize)]
struct MapFile<'a> {
    warning: &'static str,
    key: &'static str,
    values: Vec<MapEntry<'a>>,
}

#[derive(Serialize)]
struct MapEntry<'a> {
    class: Class,
    original: &'a str,
    pseudonym: &'a str,
}

impl Mapping {
    pub(crate) fn new(origin: KeyOrigin, values: Vec<Replaced>) -> Mapping {
        Mapping { origin, values }
    }

    /// Distinct values replaced, by class name.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        let mut counts = BTreeMap::new();
        for value in &self.values {
            *counts.entry(value.class.name().to_owned()).or_insert(0) += 1;
        }
        counts
    }

    /// `(class, original, pseudonym)` of every distinct value, by class then first appearance.
    pub fn entries(&self) -> impl Iterator<Item = (Class, &str, &str)> {
        self.values
            .iter()
            .map(|v| (v.class, v.original.as_str(), v.pseudonym.as_str()))
    }

    /// The pseudonym `original` was given (case-insensitively), if it was replaced.
    pub fn pseudonym_of(&self, original: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|v| v.original.eq_ignore_ascii_case(original))
            .map(|v| v.pseudonym.as_str())
    }

    /// The mapping as JSON.
    pub fn to_json(&self) -> String {
        let file = MapFile {
            warning: "LOCAL ONLY: this file reverses the pseudonyms of a redacted syncsift report. \
                      Never attach it to a ticket or share it with the report.",
            key: self.origin.as_str(),
            values: self
                .values
                .iter()
                .map(|v| MapEntry {
                    class: v.class,
                    original: &v.original,
                    pseudonym: &v.pseudonym,
                })
                .collect(),
        };
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }

    /// Writes the mapping to a new file `path`.
    ///
    /// # Errors
    /// [`RedactError::MapExists`] when `path` exists; [`RedactError::MapWrite`] when writing fails.
    pub fn write_new(&self, path: &Path) -> Result<(), RedactError> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                RedactError::MapExists(path.to_owned())
            } else {
                RedactError::MapWrite {
                    path: path.to_owned(),
                    source,
                }
            }
        })?;
        let mut json = self.to_json();
        json.push('\n');
        file.write_all(json.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|source| RedactError::MapWrite {
                path: path.to_owned(),
                source,
            })
    }
}
