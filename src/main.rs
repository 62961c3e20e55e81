//! The `syncsift` binary: flags in, report out, outcome to exit code. Errors that end the run are
//! printed here with their causes; everything else is data in the report.

use anyhow::Context;
use clap::Parser;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use syncsift::cli::{
    AnalyseArgs, Cli, Command, ExplainArgs, OutputFormat, RulesCommand, with_default_subcommand,
};
use syncsift::exit::Outcome;
use syncsift::output::{self, OutputError};
use syncsift::pipeline::{self, Options};
use syncsift::redact::{self, RedactError, Redactor};
use syncsift::report::color::use_color;
use syncsift::report::terminal::{self, TerminalOptions};
use syncsift::report::view::{self, View};
use syncsift::report::{self, Report, html, markdown, timesketch};
use syncsift::rules::{self, Catalogue, commands};
use syncsift::run_log::{self, PhaseTimes};
use syncsift::terminal::{stderr_is_terminal, stdout_is_terminal};
use syncsift_parsers::bundle::Limits;

/// A mistake in how the tool was called, found after clap: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

fn main() -> ExitCode {
    let cli = Cli::parse_from(with_default_subcommand(std::env::args_os().collect()));
    let result = match cli.command {
        Command::Analyse(args) => analyse(&args),
        Command::Rules(RulesCommand::List(args)) => {
            rules_list(args.dir.dir.as_deref(), args.literals)
        }
        Command::Rules(RulesCommand::Check(dir)) => rules_check(dir.dir.as_deref()),
        Command::Explain(args) => explain(&args),
    };
    match result {
        Ok(outcome) => outcome.into(),
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("syncsift: error: {error:#}");
            }
            let usage = error.downcast_ref::<UsageError>().is_some()
                || matches!(
                    error.downcast_ref::<OutputError>(),
                    Some(OutputError::Exists { .. })
                );
            if usage {
                Outcome::Usage.into()
            } else {
                Outcome::RunFailed.into()
            }
        }
    }
}

/// The formats asked for, each once, in the order given.
fn formats(args: &AnalyseArgs) -> Vec<OutputFormat> {
    let mut formats: Vec<OutputFormat> = Vec::new();
    for format in &args.format {
        if !formats.contains(format) {
            formats.push(*format);
        }
    }
    formats
}

fn analyse(args: &AnalyseArgs) -> anyhow::Result<Outcome> {
    let formats = formats(args);
    let targets: Option<Vec<PathBuf>> = args.output.as_deref().map(|base| {
        let extensions: Vec<&str> = formats.iter().map(|f| f.extension()).collect();
        output::targets(base, &extensions)
    });
    match &targets {
        None if formats.len() > 1 => {
            return Err(UsageError(
                "several formats need -o/--output PATH (they are written to PATH.<ext>)".to_owned(),
            )
            .into());
        }
        // Refused before reading anything; checked again, atomically, when the files are placed.
        Some(paths) if !args.force => output::check_free(paths)?,
        _ => {}
    }

    let options = Options {
        paths: args.paths.clone(),
        all: args.all,
        threads: args.threads,
        source_zone: args.source_tz,
        limits: Limits {
            max_depth: args.max_depth,
            max_in_memory: args.max_member_size,
            max_total: args.max_total_size,
            max_ratio: args.max_ratio,
            max_members: args.max_members,
        },
        progress: !args.quiet && stderr_is_terminal(),
    };
    let redactor = match redactor(args) {
        Ok(redactor) => redactor,
        Err(error @ (RedactError::EmptyKey | RedactError::MapExists(_))) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("syncsift: error: {error}");
            }
            return Ok(Outcome::Usage);
        }
        Err(error) => return Err(error.into()),
    };
    let mut times = PhaseTimes::default();
    let started = Instant::now();
    let catalogue = match Catalogue::load(args.rules.as_deref()) {
        Ok(catalogue) => catalogue,
        Err(error) => return Ok(report_rule_problems(&error)),
    };
    times.catalogue = started.elapsed();
    let started = Instant::now();
    let mut full = pipeline::analyse(&options, &rules::terms(&catalogue))?;
    times.read = started.elapsed();
    let started = Instant::now();
    rules::diagnose(&catalogue, &mut full);
    times.diagnose = started.elapsed();
    let started = Instant::now();
    // Once, on the finished report, before any renderer (or the time window) sees it.
    if let Some(redactor) = &redactor {
        let mapping = redact::redact_report(&mut full, redactor);
        if let Some(path) = &args.redact_map {
            mapping.write_new(path)?;
        }
    }
    let window =
        view::resolve_window(&full, args.from, args.to).map_err(|e| UsageError(e.to_string()))?;
    let report = match &window {
        Some(window) => view::apply_window(&full, window),
        None => full,
    };
    let view = View {
        zone: args.timezone,
        window,
    };
    let color = use_color(
        args.color.into(),
        targets.is_none() && stdout_is_terminal(),
        std::env::var("NO_COLOR").ok().as_deref(),
    );

    match targets {
        None => {
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            for format in &formats {
                render(*format, &report, &view, args, color, &mut out)?;
            }
            out.flush()?;
        }
        Some(paths) => {
            let mut outputs = Vec::with_capacity(paths.len());
            for (format, path) in formats.iter().zip(paths) {
                let mut bytes = Vec::new();
                render(*format, &report, &view, args, color, &mut bytes)?;
                outputs.push((path, bytes));
            }
            let written: Vec<String> = outputs
                .iter()
                .map(|(path, _)| path.display().to_string())
                .collect();
            output::write_all(outputs, args.force)?;
            if !args.quiet {
                #[allow(clippy::print_stderr)]
                {
                    eprintln!("syncsift: wrote {}", written.join(", "));
                }
            }
        }
    }
    if args.verbose {
        times.report = started.elapsed();
        run_log::write(
            &report,
            catalogue.rules().len(),
            &times,
            &mut io::stderr().lock(),
        )?;
    }
    Ok(Outcome::of(&report, args.fail_on.map(Into::into)))
}

fn render(
    format: OutputFormat,
    report: &Report,
    view: &View,
    args: &AnalyseArgs,
    color: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Terminal => terminal::render(
            report,
            TerminalOptions {
                every_entry: args.all,
                view: *view,
                color,
            },
            out,
        )?,
        OutputFormat::Markdown => markdown::render(report, view, out)?,
        OutputFormat::Html => html::render(report, view, out)?,
        OutputFormat::Json => report::render_json(report, view, out).context("writing JSON")?,
        OutputFormat::Jsonl => timesketch::render_jsonl(report, view, out)?,
        OutputFormat::Csv => timesketch::render_csv(report, view, out)?,
    }
    Ok(())
}

/// Prints problems of a rule catalogue to stderr; the usage exit code.
fn report_rule_problems(error: &rules::CatalogueError) -> Outcome {
    #[allow(clippy::print_stderr)]
    for problem in &error.problems {
        eprintln!("syncsift: rule error: {problem}");
    }
    Outcome::Usage
}

fn rules_list(dir: Option<&std::path::Path>, literals: bool) -> anyhow::Result<Outcome> {
    let catalogue = match Catalogue::load(dir) {
        Ok(catalogue) => catalogue,
        Err(error) => return Ok(report_rule_problems(&error)),
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    if literals {
        commands::literals(&catalogue, &mut out)?;
    } else {
        commands::list(&catalogue, &mut out)?;
    }
    out.flush()?;
    Ok(Outcome::Analysed)
}

fn rules_check(dir: Option<&std::path::Path>) -> anyhow::Result<Outcome> {
    match Catalogue::load(dir) {
        Ok(catalogue) => {
            let mut out = io::stdout().lock();
            writeln!(
                out,
                "{} rules OK ({})",
                catalogue.rules().len(),
                dir.map_or_else(
                    || "shipped catalogue".to_owned(),
                    |d| format!("shipped catalogue + {}", d.display())
                )
            )?;
            Ok(Outcome::Analysed)
        }
        Err(error) => Ok(report_rule_problems(&error)),
    }
}

fn explain(args: &ExplainArgs) -> anyhow::Result<Outcome> {
    let catalogue = match Catalogue::load(args.rules.as_deref()) {
        Ok(catalogue) => catalogue,
        Err(error) => return Ok(report_rule_problems(&error)),
    };
    let Some(rule) = catalogue.get(args.id.trim()) else {
        let similar = catalogue.similar_ids(args.id.trim());
        #[allow(clippy::print_stderr)]
        {
            eprintln!("syncsift: unknown cause id {:?}", args.id);
            if !similar.is_empty() {
                eprintln!("did you mean: {}", similar.join(", "));
            }
            eprintln!("(`syncsift rules list` shows every id)");
        }
        return Ok(Outcome::Usage);
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    commands::explain(rule, &mut out)?;
    out.flush()?;
    Ok(Outcome::Analysed)
}

/// The redactor `--redact` asks for: keyed by `--redact-key`, else `SYNCSIFT_REDACT_KEY`, else a
/// random key. Checks the map file first, so that a run does not end in an error after the work.
fn redactor(args: &AnalyseArgs) -> Result<Option<Redactor>, RedactError> {
    if !args.redact {
        return Ok(None);
    }
    if let Some(path) = &args.redact_map
        && path.exists()
    {
        return Err(RedactError::MapExists(path.clone()));
    }
    // An empty variable counts as unset; an empty --redact-key is an error.
    let from_env = std::env::var("SYNCSIFT_REDACT_KEY")
        .ok()
        .filter(|k| !k.is_empty());
    let redactor = match args.redact_key.as_deref().or(from_env.as_deref()) {
        Some(secret) => Redactor::with_secret(secret)?,
        None => Redactor::with_random_key()?,
    };
    Ok(Some(redactor))
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
