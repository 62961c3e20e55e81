//! The `syncsift` binary: flags in, report out, outcome to exit code. Errors that end the run are
//! printed here with their causes; everything else is data in the report.

use anyhow::Context;
use clap::Parser;
use std::io::{self, Write};
use std::process::ExitCode;
use syncsift::cli::{
    AnalyseArgs, Cli, Command, ExplainArgs, OutputFormat, RulesCommand, with_default_subcommand,
};
use syncsift::exit::Outcome;
use syncsift::pipeline::{self, Options};
use syncsift::report::terminal::{self, TerminalOptions};
use syncsift::rules::{self, Catalogue, commands};
use syncsift::terminal::stderr_is_terminal;
use syncsift_parsers::bundle::Limits;

fn main() -> ExitCode {
    let cli = Cli::parse_from(with_default_subcommand(std::env::args_os().collect()));
    let result = match cli.command {
        Command::Analyse(args) => analyse(&args),
        Command::Rules(RulesCommand::List(dir)) => rules_list(dir.dir.as_deref()),
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
            max_total: args.max_total_size,
            max_ratio: args.max_ratio,
            max_members: args.max_members,
        },
        progress: !args.quiet && stderr_is_terminal(),
    };
    let catalogue = match Catalogue::load(args.rules.as_deref()) {
        Ok(catalogue) => catalogue,
        Err(error) => return Ok(report_rule_problems(&error)),
    };
    let mut report = pipeline::analyse(&options, &rules::terms(&catalogue))?;
    rules::diagnose(&catalogue, &mut report);
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

/// Prints problems of a rule catalogue to stderr; the usage exit code.
fn report_rule_problems(error: &rules::CatalogueError) -> Outcome {
    #[allow(clippy::print_stderr)]
    for problem in &error.problems {
        eprintln!("syncsift: rule error: {problem}");
    }
    Outcome::Usage
}

fn rules_list(dir: Option<&std::path::Path>) -> anyhow::Result<Outcome> {
    let catalogue = match Catalogue::load(dir) {
        Ok(catalogue) => catalogue,
        Err(error) => return Ok(report_rule_problems(&error)),
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    commands::list(&catalogue, &mut out)?;
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

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
