//! Errors of the parsers crate, split by consequence: an [`InputError`] means one input could not be
//! read at all (the caller records it and moves on); a [`Problem`] is one bad line, record or chunk
//! inside an input that was otherwise read (counted and sampled, never fatal).

use crate::record::Locator;
use serde::Serialize;
use std::path::PathBuf;

/// Why an input could not be read. Messages are lowercase and do not repeat their source, so a
/// chained display prints each cause once.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The path could not be opened or read.
    #[error("cannot read {path}")]
    Io {
        /// The path as given.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A zip archive could not be opened or one of its members could not be read.
    #[error("not a readable zip archive")]
    Zip {
        /// What the zip reader said.
        #[source]
        source: zip::result::ZipError,
    },
    /// Reading a zip member failed part-way (bad CRC, truncated data, bad compression stream).
    #[error("zip member data is damaged")]
    MemberData {
        /// What the decompressor said.
        #[source]
        source: std::io::Error,
    },
    /// A member is larger than the cap that applies to it.
    #[error("{what} is {size} bytes, over the {limit}-byte cap (raise it with {flag})")]
    TooLarge {
        /// What was too large (e.g. "decompressed member").
        what: &'static str,
        /// Its size in bytes.
        size: u64,
        /// The cap in bytes.
        limit: u64,
        /// The command-line flag that raises the cap.
        flag: &'static str,
    },
    /// Reading it would exceed one of the archive caps; the input is skipped, not failed.
    #[error(transparent)]
    OverCap(#[from] CapExceeded),
    /// A structured text input lacks what its format needs; nothing usable was read from it.
    #[error("{format}: {reason}")]
    Malformed {
        /// The format it was recognised as (e.g. "PowerShell dump").
        format: &'static str,
        /// What is missing.
        reason: Malformed,
    },
    /// The EVTX file header is unusable, so no chunk can be located.
    #[error("not a readable EVTX file: {detail}")]
    Evtx {
        /// What the EVTX reader said (rendered, because the evtx crate's error is not `Sync`).
        detail: String,
    },
}

/// A cap of [`crate::bundle::Limits`] that an input would exceed. Its message names the cap and the
/// flag that raises it, e.g. `compression ratio 2000:1, over the cap of 1000:1 (raise it with
/// --max-ratio)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}, over the cap of {limit} (raise it with {flag})")]
pub struct CapExceeded {
    /// What is over the cap, with its value.
    pub what: String,
    /// The cap, as the user would write it.
    pub limit: String,
    /// The command-line flag that raises the cap.
    pub flag: &'static str,
}

/// Why a structured text input is unusable as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// A dump whose keys all lack values.
    #[error("{keys} keys and not one value (was the command's output empty?)")]
    NoValues {
        /// How many keys it has.
        keys: u64,
    },
    /// A CSV whose header lacks columns the format needs.
    #[error("header lacks column {missing} (it has {found})")]
    MissingColumns {
        /// The missing columns, comma-separated.
        missing: String,
        /// The columns it has, comma-separated.
        found: String,
    },
    /// An XML document whose root element is not one this reader knows.
    #[error(
        "root element <{root}> is not run history, synchronization errors or a connector-space export"
    )]
    UnknownRoot {
        /// The root element's name.
        root: String,
    },
    /// An XML document that is not well-formed before its first record.
    #[error("not well-formed XML at byte {at}: {detail}")]
    Xml {
        /// Byte offset (of the decoded text) where reading stopped.
        at: u64,
        /// What the XML reader said.
        detail: String,
    },
}

/// A non-fatal problem inside an input that was otherwise read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where it happened, when that is known.
    pub at: Option<Locator>,
    /// EVTX chunk number (0-based) for chunk-level damage.
    pub chunk: Option<u64>,
    /// What was wrong.
    pub message: String,
}
