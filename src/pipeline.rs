//! The analysis run: discover inputs, read them in parallel, merge one timeline, build the report.
//!
//! Parallelism is at one level only: one rayon task per input (the EVTX reader is single-threaded
//! inside). A panic while reading one input is caught at that input's boundary and becomes a failed
//! disposition; the run goes on.

use crate::duplicates;
use crate::relevance::{self, CatalogueTerms};
use crate::report::{Disposition, FactReport, InputReport, Report, RunSettings, Summary, Tool};
use crate::timeline::{self, Timeline};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use syncsift_parsers::bundle::{self, Input, InputState, Limits};
use syncsift_parsers::sniff::{Format, TextKind};
use syncsift_parsers::{
    Fact, InputError, ParseContext, ParseStats, Problem, Record, Selector, Sink, SourceZone,
};

/// How many problems per input are kept for the report (the count is always complete).
const PROBLEM_SAMPLES: usize = 10;

/// What an analysis run is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// Files, folders and zips to read.
    pub paths: Vec<PathBuf>,
    /// Keep every entry, not only relevant ones.
    pub all: bool,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Zone for zone-less source times.
    pub source_zone: SourceZone,
    /// Archive caps.
    pub limits: Limits,
    /// Show a progress bar (the caller checks that stderr is a terminal).
    pub progress: bool,
}

/// Everything read from one input.
#[derive(Default)]
struct Collected {
    records: Vec<Record>,
    facts: Vec<Fact>,
    problems: Vec<String>,
    problem_count: u64,
}

impl Sink for Collected {
    fn record(&mut self, record: Record) {
        self.records.push(record);
    }
    fn fact(&mut self, fact: Fact) {
        self.facts.push(fact);
    }
    fn problem(&mut self, problem: Problem) {
        self.problem_count += 1;
        if self.problems.len() < PROBLEM_SAMPLES {
            let mut text = String::new();
            if let Some(chunk) = problem.chunk {
                text.push_str(&format!("chunk {chunk}: "));
            }
            if let Some(at) = problem.at {
                text.push_str(&format!("at {}: ", at.to_string().trim_start_matches(':')));
            }
            text.push_str(&problem.message);
            self.problems.push(text);
        }
    }
}

/// Why a ready input was not read after all.
enum Unread {
    /// Over an archive cap found while decompressing: skipped, with the cap in the reason.
    Skipped(String),
    /// Could not be read.
    Failed(String),
}

/// The outcome of reading one input.
struct Outcome {
    result: Result<ParseStats, Unread>,
    collected: Collected,
}

/// Runs the whole analysis.
///
/// # Errors
/// Only for run-level failures (the thread pool cannot start, the selector cannot be built);
/// unreadable inputs are dispositions in the report, not errors.
pub fn analyse(options: &Options, terms: &CatalogueTerms) -> anyhow::Result<Report> {
    let selector =
        relevance::selector(options.all, terms).context("building the entry selector")?;
    let inputs = bundle::discover(&options.paths, &options.limits);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .build()
        .context("starting worker threads")?;
    let progress = progress_bar(options.progress, &inputs);
    // Largest first, one input per task: a bundle's time is in a few big members, and rayon's
    // default splitting would leave neighbouring big members in one serial run of tasks.
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(inputs[i].size));
    let done: Vec<(usize, Option<Outcome>)> = pool.install(|| {
        order
            .par_iter()
            .with_max_len(1)
            .map(|&i| {
                let input = &inputs[i];
                let outcome = read_one(input, options, &selector);
                if let Some(bar) = &progress
                    && outcome.is_some()
                {
                    bar.inc(input.size);
                }
                (i, outcome)
            })
            .collect()
    });
    let mut outcomes: Vec<Option<Outcome>> = (0..inputs.len()).map(|_| None).collect();
    for (i, outcome) in done {
        outcomes[i] = outcome;
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    Ok(build_report(options, inputs, outcomes))
}

fn progress_bar(enabled: bool, inputs: &[Input]) -> Option<ProgressBar> {
    if !enabled {
        return None;
    }
    let total: u64 = inputs
        .iter()
        .filter(|i| matches!(i.state, InputState::Ready { .. }))
        .map(|i| i.size)
        .sum();
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{spinner} reading {bytes}/{total_bytes} [{bar:30}] {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    Some(bar)
}

/// Reads one ready input; `None` for containers and inputs already skipped or failed.
fn read_one(input: &Input, options: &Options, selector: &Selector) -> Option<Outcome> {
    let InputState::Ready { format, data } = &input.state else {
        return None;
    };
    let ctx = ParseContext {
        zone: options.source_zone,
        bound: input.time_bound(options.source_zone),
    };
    let mut collected = Collected::default();
    let result = catch_unwind(AssertUnwindSafe(|| {
        inject_panic_for_tests(&input.path);
        bundle::read(
            format,
            data,
            &ctx,
            selector,
            &options.limits,
            &mut collected,
        )
    }));
    let result = match result {
        Ok(Ok(stats)) => Ok(stats),
        Ok(Err(InputError::OverCap(cap))) => {
            // What was read before the cap is dropped: the input is reported as not read.
            collected = Collected::default();
            Err(Unread::Skipped(cap.to_string()))
        }
        Ok(Err(e)) => Err(Unread::Failed(error_chain(&e))),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            // What was read before the bug is not trusted.
            collected = Collected::default();
            Err(Unread::Failed(format!(
                "internal error while reading (please report it): {message}"
            )))
        }
    };
    Some(Outcome { result, collected })
}

/// Debug builds only: panics while reading an input whose path ends with the value of
/// `SYNCSIFT_TEST_PANIC_ON`, so the tests can prove a parser bug is contained to its input.
/// Release builds compile this to nothing.
fn inject_panic_for_tests(path: &str) {
    if cfg!(debug_assertions)
        && let Some(suffix) = std::env::var_os("SYNCSIFT_TEST_PANIC_ON")
        && !suffix.is_empty()
        && path.ends_with(suffix.to_string_lossy().as_ref())
    {
        panic!("injected by SYNCSIFT_TEST_PANIC_ON for {path}");
    }
}

/// Drops the events of Event Viewer text exports that are copies of EVTX records read in the same
/// run (one event must not count twice), saying so, and which zone the export was written in, on
/// the export's inventory line.
fn drop_evtx_copies(
    per_input: &mut [(usize, Vec<Record>)],
    reports: &mut [InputReport],
    exports: &[usize],
    evtx: &[usize],
    source_zone: &str,
) {
    if exports.is_empty() || evtx.is_empty() {
        return;
    }
    let found: Vec<(usize, duplicates::Copies)> = {
        let originals: Vec<(usize, &[Record])> = per_input
            .iter()
            .filter(|(input, _)| evtx.contains(input))
            .map(|(input, records)| (*input, records.as_slice()))
            .collect();
        per_input
            .iter()
            .filter(|(input, _)| exports.contains(input))
            .filter_map(|(input, records)| {
                duplicates::find(records, &originals).map(|copies| (*input, copies))
            })
            .collect()
    };
    for (input, copies) in found {
        let names: Vec<String> = copies
            .sources
            .iter()
            .filter_map(|source| reports.get(*source))
            .map(|source| {
                let path = source.path.as_str();
                path.rsplit(['/', '\\']).next().unwrap_or(path).to_owned()
            })
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let Some((_, records)) = per_input.iter_mut().find(|(i, _)| *i == input) else {
            continue;
        };
        let of = records.len();
        let mut position = 0;
        records.retain(|_| {
            let copy = copies.records.contains(&position);
            position += 1;
            !copy
        });
        if let Some(report) = reports.get_mut(input) {
            report.kept = records.len() as u64;
            report
                .problems
                .push(duplicates::note(&copies, of, &names, source_zone));
            report.problem_count += 1;
        }
    }
}

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

fn build_report(options: &Options, inputs: Vec<Input>, outcomes: Vec<Option<Outcome>>) -> Report {
    let mut summary = Summary::default();
    let mut reports = Vec::with_capacity(inputs.len());
    let mut per_input_records = Vec::new();
    let mut facts = Vec::new();
    // Inputs an Event Viewer text export may have copied events from, and such exports.
    let (mut evtx_inputs, mut text_exports) = (Vec::new(), Vec::new());
    for (index, (input, outcome)) in inputs.into_iter().zip(outcomes).enumerate() {
        let mut report = InputReport {
            path: input.path,
            container: input.container,
            format: None,
            size: input.size,
            disposition: Disposition::Parsed,
            reason: None,
            entries: 0,
            kept: 0,
            facts: 0,
            bad: 0,
            problems: input.notes.clone(),
            problem_count: input.notes.len() as u64,
        };
        match (input.state, outcome) {
            (InputState::Container { damage, .. }, _) => {
                report.format = Some("zip".to_owned());
                report.disposition = Disposition::Container;
                summary.containers += 1;
                if let Some(damage) = damage {
                    // A damaged archive lost members: the run must not look complete.
                    summary.damaged += 1;
                    report.problems.push(damage.clone());
                    report.problem_count += 1;
                    report.reason = Some(damage);
                }
            }
            (InputState::Skipped(reason), _) => {
                report.disposition = Disposition::Skipped;
                report.reason = Some(reason);
                summary.skipped += 1;
            }
            (InputState::Failed(reason), _) => {
                report.disposition = Disposition::Failed;
                report.reason = Some(reason);
                summary.failed += 1;
            }
            (InputState::Ready { format, .. }, outcome) => {
                report.format = Some(format.label());
                let Some(outcome) = outcome else {
                    // read_one always returns an outcome for ready inputs.
                    report.disposition = Disposition::Failed;
                    report.reason = Some("not read".to_owned());
                    summary.failed += 1;
                    reports.push(report);
                    continue;
                };
                report.problems.extend(outcome.collected.problems);
                report.problem_count += outcome.collected.problem_count;
                match outcome.result {
                    Ok(stats) => {
                        report.entries = stats.entries;
                        report.bad = stats.bad;
                        report.kept = outcome.collected.records.len() as u64;
                        report.facts = outcome.collected.facts.len() as u64;
                        summary.parsed += 1;
                        summary.entries += stats.entries;
                        for fact in outcome.collected.facts {
                            facts.push(FactReport {
                                input: index,
                                source: format!("{}:{}", report.path, fact.line),
                                section: fact.section,
                                key: fact.key,
                                value: fact.value,
                            });
                        }
                        // Only logs are written in time order; run history and error exports
                        // list newest first or by object.
                        let log = matches!(
                            format,
                            Format::Evtx
                                | Format::Text {
                                    kind: TextKind::AgentTrace | TextKind::WizardTrace,
                                    ..
                                }
                        );
                        if let Some(jumps) = log
                            .then(|| timeline::backward_jumps(&outcome.collected.records))
                            .flatten()
                        {
                            report.problems.push(jumps);
                            report.problem_count += 1;
                        }
                        match format {
                            Format::Evtx => evtx_inputs.push(index),
                            Format::Text {
                                kind: TextKind::EventText,
                                ..
                            } => text_exports.push(index),
                            _ => {}
                        }
                        per_input_records.push((index, outcome.collected.records));
                    }
                    Err(Unread::Skipped(reason)) => {
                        report.disposition = Disposition::Skipped;
                        report.reason = Some(reason);
                        summary.skipped += 1;
                    }
                    Err(Unread::Failed(reason)) => {
                        report.disposition = Disposition::Failed;
                        report.reason = Some(reason);
                        summary.failed += 1;
                    }
                }
            }
        }
        reports.push(report);
    }
    drop_evtx_copies(
        &mut per_input_records,
        &mut reports,
        &text_exports,
        &evtx_inputs,
        &options.source_zone.to_string(),
    );
    let timeline = Timeline::merge(per_input_records);
    summary.timeline_entries = timeline.len();
    if let Some((first, last)) = timeline.span() {
        summary.first = Some(first.to_rfc3339());
        summary.last = Some(last.to_rfc3339());
    }
    Report {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: Tool::default(),
        settings: RunSettings {
            source_zone: options.source_zone.to_string(),
            selection: if options.all { "all" } else { "relevant" },
        },
        summary,
        inputs: reports,
        findings: Vec::new(),
        facts,
        timeline,
        redaction: None,
    }
}
