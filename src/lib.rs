//! syncsift: offline diagnosis of Entra Connect Sync and Cloud Sync support bundles.
//!
//! # Brief overview
//!
//! * [`pipeline::analyse`] reads every input (through the `syncsift-parsers` crate), in parallel,
//!   and merges one [`timeline::Timeline`] ordered by UTC time.
//! * [`relevance`] decides which entries the default timeline keeps.
//! * [`rules::diagnose`] applies the rule catalogue ([`rules::Catalogue`]) to the report: ranked
//!   findings, evidence tagged on the timeline.
//! * [`report::Report`] is the single result value; the renderers in [`report`] only present it.
//!
//! The binary (`main.rs`) parses flags ([`cli`]), runs the pipeline, renders and maps the outcome to
//! an exit code ([`exit`]).

pub mod cli;
pub mod duplicates;
pub mod exit;
pub mod output;
pub mod pipeline;
pub mod redact;
pub mod relevance;
pub mod report;
pub mod rules;
pub mod run_log;
pub mod sanitize;
pub mod terminal;
pub mod timeline;
