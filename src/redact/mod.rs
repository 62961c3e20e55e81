//! Redaction of personal and tenant data: one pass over a finished [`Report`], before any renderer
//! sees it, that replaces user names, addresses, distinguished names, GUIDs, anchors, SIDs, tenant
//! ids and names, computer names and IP addresses by keyed pseudonyms.
//!
//! * [`detect`] finds candidate values in a text (regular expressions, one `RegexSet` pass first).
//! * [`allow`] says what stays (Microsoft service hosts, built-in names, product vocabulary).
//! * [`pseudonym`] turns a value into its keyed pseudonym.
//! * [`text`] learns the customer's names from the whole report, then replaces values in one text.
//! * [`walk`] visits every text of a report in a fixed order.
//! * [`map`] writes the local-only mapping file.
//!
//! What two reports share: under the same key, the same value gets the same pseudonym in both
//! (pseudonyms come from a keyed hash of the value, not from a counter), so findings of two
//! bundles of one customer can be compared. Under a random key (no `--redact-key`) nothing is
//! comparable between runs.

pub mod allow;
pub mod class;
pub mod detect;
pub mod map;
pub mod pseudonym;
pub mod text;
pub mod walk;

pub use class::Class;
pub use map::Mapping;
pub use pseudonym::Key;

use crate::report::{RedactionSummary, Report};
use detect::Detectors;
use text::{Session, Slot};

/// Errors of redaction.
#[derive(Debug, thiserror::Error)]
pub enum RedactError {
    /// The operating system's random source failed.
    #[error("cannot draw a random redaction key: {0}")]
    Random(String),
    /// An empty `--redact-key`.
    #[error("the redaction key is empty")]
    EmptyKey,
    /// The mapping file exists already.
    #[error(
        "{0} exists; the redaction map is never overwritten (remove it or choose another file)"
    )]
    MapExists(std::path::PathBuf),
    /// Writing the mapping file failed.
    #[error("writing the redaction map {path}")]
    MapWrite {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Where the key came from; reports say it, since it decides what is comparable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrigin {
    /// `--redact-key` or `SYNCSIFT_REDACT_KEY`.
    Given,
    /// Drawn for this run.
    Random,
}

impl KeyOrigin {
    /// `given` or `random`, as the report's `redaction.key` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyOrigin::Given => "given",
            KeyOrigin::Random => "random",
        }
    }
}

/// A configured redactor: the key and the compiled detectors.
#[derive(Debug)]
pub struct Redactor {
    key: Key,
    origin: KeyOrigin,
    detectors: Detectors,
}

impl Redactor {
    /// A redactor with a key derived from a secret text.
    ///
    /// # Errors
    /// [`RedactError::EmptyKey`] for an empty secret.
    pub fn with_secret(secret: &str) -> Result<Redactor, RedactError> {
        if secret.is_empty() {
            return Err(RedactError::EmptyKey);
        }
        Ok(Redactor::new(Key::from_secret(secret), KeyOrigin::Given))
    }

    /// A redactor with a key drawn from the operating system for this run only.
    ///
    /// # Errors
    /// When the random source fails.
    pub fn with_random_key() -> Result<Redactor, RedactError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| RedactError::Random(e.to_string()))?;
        Ok(Redactor::new(Key::from_bytes(bytes), KeyOrigin::Random))
    }

    /// A redactor with `key`.
    pub fn new(key: Key, origin: KeyOrigin) -> Redactor {
        Redactor {
            key,
            origin,
            detectors: Detectors::new(),
        }
    }

    /// Redacts a set of texts as if they were one report (learning from all of them first).
    /// For tests and for callers outside a report.
    pub fn redact_texts(&self, texts: &[&str]) -> (Vec<String>, Mapping) {
        let mut session = Session::new(&self.detectors, self.key.clone());
        for text in texts {
            session.learn(text, Slot::Text);
        }
        session.finish_learning();
        let out = texts
            .iter()
            .map(|t| session.redact(t).unwrap_or_else(|| (*t).to_owned()))
            .collect();
        (out, Mapping::new(self.origin, session.replaced()))
    }
}

/// Replaces every personal and tenant value of `report` by its pseudonym and records what was done
/// in `report.redaction`. Returns the mapping (original → pseudonym) for `--redact-map`; it must
/// never be put into the report.
pub fn redact_report(report: &mut Report, redactor: &Redactor) -> Mapping {
    let mut session = Session::new(&redactor.detectors, redactor.key.clone());
    walk::redact(report, &redactor.detectors, &mut session);
    let mapping = Mapping::new(redactor.origin, session.replaced());
    report.redaction = Some(RedactionSummary {
        key: redactor.origin.as_str().to_owned(),
        replaced: mapping.counts(),
    });
    mapping
}

#[cfg(test)]
mod tests;
