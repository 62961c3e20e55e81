//! Reading Entra Connect Sync and Cloud Sync support bundles into timeline records.
//!
//! # Brief overview
//!
//! * [`bundle::discover`] turns the paths a user dropped (files, folders, zips, zips in zips) into a
//!   flat list of [`bundle::Input`]s, each recognised by content ([`sniff`]) or given a reason why
//!   it was skipped or failed.
//! * [`bundle::read`] reads one input and pushes what it finds into a [`Sink`]: [`Record`]s (events,
//!   trace entries), [`Fact`]s (configuration values) and [`Problem`]s (damage that did not stop the
//!   input).
//! * Besides EVTX and trace logs, an Entra Connect Sync bundle's PowerShell dumps, run history,
//!   error exports and Event Viewer text are read ([`adsync`], [`event_text`]): runs and errors
//!   become records, configuration values become facts.
//! * A [`Selector`] decides, from each entry's cheap fields, which entries become owned records, so
//!   memory follows what is kept rather than what is read.
//!
//! Every record carries its time in UTC together with a [`TimeBasis`] saying how that time was
//! obtained. This crate knows nothing about rules, reports or the command line.
#![deny(missing_docs)]

pub mod adsync;
pub mod bundle;
pub mod culture_time;
pub mod error;
pub mod event_text;
pub mod evtx_file;
pub mod evtx_scan;
pub mod input;
mod line_scan;
pub mod lines;
pub mod record;
pub mod scm_messages;
pub mod selector;
pub mod sink;
pub mod sniff;
pub mod text;
pub mod timefmt;
pub mod trace;
pub mod walk;

pub use error::{CapExceeded, InputError, Malformed, Problem};
pub use record::{EventTime, Fact, Level, Locator, Record, TimeBasis};
pub use selector::{Candidate, Decision, Selector, TextClass};
pub use sink::{ParseContext, ParseStats, Sink, TimeBound, VecSink};
pub use timefmt::SourceZone;
