//! The `syncsift` binary: flags in, report out, outcome to exit code. Errors that end the run are
//! printed here with their causes; everything else is data in the report.

use anyhow::Context;
use clap::Parser;
use std::io::{self, Write};
use std::process::ExitCode;
use syncsift::cli::{AnalyseArgs, Cli, Command, OutputFormat, with_default_subcommand};
use syncsift::exit::Outcome;
use syncsift::pipeline::{self, Options};
use syncsift::redact::{self, RedactError, Redactor};
use syncsift::relevance::CatalogueTerms;
use syncsift::report::terminal::{self, TerminalOptions};
use syncsift::terminal::stderr_is_terminal;
use syncsift_parsers::bundle::Limits;

fn main() -> ExitCode {
    let cli = Cli::parse_from(with_default_subcommand(std::env::args_os().collect()));
    let result = match cli.command {
        Command::Analyse(args) => analyse(&args),
    };
    match result {
        Ok(outcome) => outcome.into(),
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("syncsift: error: {error:#}");
            }
            Outcome::NothingRead.into()
        }
    }
}

fn analyse(args: &AnalyseArgs) -> anyhow::Result<Outcome> {
    let options = Options {
        paths: args.paths.clone(),
        all: args.all,
        threads: args.threads,
        source_zone: args.source_tz,
        limits: Limits {
            max_depth: args.max_depth,
            max_in_memory: args.max_member_size,
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
    let mut report = pipeline::analyse(&options, &CatalogueTerms::default())?;
    // Once, on the finished report, before any renderer sees it.
    if let Some(redactor) = &redactor {
        let mapping = redact::redact_report(&mut report, redactor);
        if let Some(path) = &args.redact_map {
            mapping.write_new(path)?;
        }
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        OutputFormat::Terminal => terminal::render(
            &report,
            TerminalOptions {
                every_entry: args.all,
            },
            &mut out,
        )?,
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report).context("writing JSON")?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(if report.summary.parsed == 0 {
        Outcome::NothingRead
    } else if report.has_failures() {
        Outcome::SomeInputsFailed
    } else {
        Outcome::Analysed
    })
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
