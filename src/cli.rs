//! Command-line flags, as close to what the user typed as possible. Validation that needs more than
//! clap (zones, sizes) happens in the value parsers here; turning flags into pipeline options happens
//! in `main.rs`.

use crate::report::Severity;
use crate::report::color::ColorChoice;
use crate::report::view::TimeSpec;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;
use syncsift_parsers::SourceZone;

const ABOUT: &str = "Diagnose Entra Connect Sync and Cloud Sync support bundles offline";

const AFTER_HELP: &str = "\
INPUTS
  Give any mix of files, folders and zip archives: an Export-AADCloudSyncToolsLogs zip, an Entra
  Connect support-collector folder or zip (zips inside zips are read too), agent and wizard trace
  logs, EVTX exports. Each file is recognised by its content, never by its name, and read in place:
  nothing is extracted to disk and the input is never modified. Every input is listed with what
  happened to it: read (with counts), skipped (with the reason) or failed (with the reason).

TIME
  Every time is shown in UTC. EVTX times are exact. Wizard traces give local times plus the offset in
  their header, which is used. Times written without a zone are read in the zone given by
  --source-tz (UTC unless told) and marked *. Agent trace entries that carry no time at all keep
  their order in the file and are shown as at or before (≤) their file's modification time.

REPORTS
  --format takes one or more of terminal, markdown, html, json, jsonl, csv (comma-separated).
  Without -o the report goes to standard output (one format only). With -o PATH it is written to
  PATH, or to PATH.<ext> for each of several formats; an existing file is never replaced unless
  --force is given, and a report appears only once it is complete. --timezone sets the zone times
  are shown in; --from/--to cut the timeline (RFC 3339, or 24h/90m/7d before the end of the
  evidence) and every report says so.

REDACTION
  --redact replaces user names, e-mail and proxy addresses, DN values, logon names, GUIDs,
  immutable ids, SIDs, tenant ids and *.onmicrosoft.com names, computer names and IP addresses by
  pseudonyms (user-7hx2mq@domain-k3f9pz.example), the same value always by the same pseudonym, in
  every output format. Microsoft service hosts and documentation links stay. The report says it is
  redacted and how many values of each class were replaced. Without a key, a random one is drawn
  and pseudonyms differ from run to run; with the same key, two reports give the same value the
  same pseudonym. A key on the command line (--redact-key) lands in your shell history: prefer
  the SYNCSIFT_REDACT_KEY environment variable. --redact-map FILE writes the mapping back to the
  original values for you alone; it never overwrites a file and never goes into the report.

EXIT CODES
  0  analysed
  1  analysed, with a finding at or above --fail-on (only when --fail-on is given)
  2  usage error (bad flag or value, output file exists without --force)
  3  nothing could be read
  4  analysed, but some inputs could not be read (1 takes precedence when both apply)
  5  the run stopped: the report could not be written (no such folder, no permission, disk
     full), or another error outside any one input

EXAMPLES
  syncsift AADCloudProvisioningDiagnostics-20240309-101500.zip
  syncsift analyse MECLOG/ --source-tz Europe/Berlin
  syncsift analyse bundle.zip --format json > report.json
  syncsift analyse bundle.zip --format html,markdown -o ticket-4711 --timezone Europe/Berlin
  syncsift analyse bundle.zip --format csv -o timeline.csv --from 24h
  syncsift analyse bundle.zip -q --fail-on error

  SYNCSIFT_REDACT_KEY=case-4711 syncsift bundle.zip --redact --redact-map case-4711.map.json";

/// The `syncsift` command line.
#[derive(Debug, Parser)]
#[command(name = "syncsift", version, about = ABOUT, after_long_help = AFTER_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read bundles and show what they say (the default: `syncsift PATH...` means this).
    #[command(visible_alias = "analyze", after_long_help = AFTER_HELP)]
    Analyse(Box<AnalyseArgs>),
    /// List or check the rule catalogue.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Explain a cause: title, why it happens, what to do, links (offline).
    Explain(ExplainArgs),
}

/// `syncsift rules ...`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// One line per rule: id, severity, product, title.
    List(RulesListArgs),
    /// Validate the shipped catalogue and, when given, a folder of user rule files (*.toml).
    /// Exit 0 when valid, 2 with `file:line: field: problem` messages otherwise.
    Check(RulesDirArg),
}

/// Flags of `rules list`.
#[derive(Debug, Args)]
pub struct RulesListArgs {
    #[command(flatten)]
    pub dir: RulesDirArg,
    /// Print the catalogue's signature literals instead, one per line (for `rg -F -f` in
    /// `scripts/bench.sh`).
    #[arg(long, hide = true)]
    pub literals: bool,
}

/// An optional user rule folder.
#[derive(Debug, Args)]
pub struct RulesDirArg {
    /// Folder of user rule files (*.toml) that add rules or override shipped ones by id.
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Flags of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Cause id, e.g. phs-no-heartbeat (see `syncsift rules list`).
    #[arg(value_name = "ID")]
    pub id: String,

    /// Folder of user rule files, as for `analyse --rules`.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Summary, inventory and condensed timeline for a terminal.
    Terminal,
    /// A report to paste into a ticket (CommonMark with tables).
    #[value(alias = "md")]
    Markdown,
    /// One self-contained page: chart, findings, inputs, filterable timeline.
    Html,
    /// The whole result as one JSON document (schema_version 1).
    Json,
    /// The timeline, one JSON object per entry (Timesketch columns).
    Jsonl,
    /// The timeline as RFC 4180 CSV (Timesketch columns).
    Csv,
}

impl OutputFormat {
    /// File extension used when several formats are written with one `-o`.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Terminal => "txt",
            OutputFormat::Markdown => "md",
            OutputFormat::Html => "html",
            OutputFormat::Json => "json",
            OutputFormat::Jsonl => "jsonl",
            OutputFormat::Csv => "csv",
        }
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// When standard output is a terminal and NO_COLOR is not set.
    Auto,
    /// Always (also into files and pipes).
    Always,
    /// Never.
    Never,
}

impl From<ColorWhen> for ColorChoice {
    fn from(when: ColorWhen) -> ColorChoice {
        match when {
            ColorWhen::Auto => ColorChoice::Auto,
            ColorWhen::Always => ColorChoice::Always,
            ColorWhen::Never => ColorChoice::Never,
        }
    }
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Only critical findings.
    Critical,
    /// Errors and critical findings.
    Error,
    /// Warnings and worse.
    Warning,
    /// Any finding.
    Info,
}

impl From<FailOn> for Severity {
    fn from(level: FailOn) -> Severity {
        match level {
            FailOn::Critical => Severity::Critical,
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

/// Flags of `analyse`.
#[derive(Debug, Args)]
pub struct AnalyseArgs {
    /// Files, folders or zip archives to read.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Show every entry read, one line each, not only the relevant ones.
    #[arg(long)]
    pub all: bool,

    /// Worker threads (0: one per core).
    #[arg(short = 't', long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Zone of source times written without one: UTC, an offset (+02:00) or an IANA name
    /// (Europe/Berlin).
    #[arg(long, value_name = "ZONE", default_value = "UTC", value_parser = parse_zone)]
    pub source_tz: SourceZone,

    /// Output format(s), comma-separated: terminal, markdown, html, json, jsonl, csv.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "terminal")]
    pub format: Vec<OutputFormat>,

    /// Write the report to PATH (several formats: PATH.<ext> each) instead of standard output.
    #[arg(short = 'o', long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Replace existing output files.
    #[arg(long, requires = "output")]
    pub force: bool,

    /// Zone times are shown in: UTC, an offset (+02:00) or an IANA name (Europe/Berlin).
    #[arg(long, value_name = "ZONE", default_value = "UTC", value_parser = parse_zone)]
    pub timezone: SourceZone,

    /// Timeline from this time: RFC 3339, or a duration before the end of the evidence (24h, 90m, 7d).
    #[arg(long, value_name = "TIME", value_parser = parse_time_spec)]
    pub from: Option<TimeSpec>,

    /// Timeline up to this time: RFC 3339, or a duration before the end of the evidence.
    #[arg(long, value_name = "TIME", value_parser = parse_time_spec)]
    pub to: Option<TimeSpec>,

    /// Colour in the terminal report (NO_COLOR is honoured by auto).
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    /// Exit with 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,

    /// How many zips deep to read zips inside zips.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub max_depth: u32,

    /// Largest zip member to decompress into memory (EVTX files and nested zips), e.g. 512MiB.
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = parse_size)]
    pub max_member_size: u64,

    /// Total bytes to decompress from archives in one run (sizes as the archives declare them);
    /// members past it are skipped.
    #[arg(long, value_name = "SIZE", default_value = "16GiB", value_parser = parse_size)]
    pub max_total_size: u64,

    /// Largest compression ratio of an archive member (N for N:1), checked on the declared sizes
    /// and while decompressing; members over it (zip bombs) are skipped. Members under 1 MiB are
    /// never refused for their ratio.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = parse_ratio)]
    pub max_ratio: u64,

    /// Archive members to list in one run, over all archives; the rest are skipped.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_members: u64,

    /// Replace personal and tenant data by consistent pseudonyms in every output (see REDACTION).
    #[arg(long)]
    pub redact: bool,

    /// Key of the pseudonyms, to make reports comparable (default: SYNCSIFT_REDACT_KEY, else a
    /// random key). Warning: a key given here lands in your shell history; prefer the variable.
    #[arg(long, value_name = "KEY", requires = "redact")]
    pub redact_key: Option<String>,

    /// Write the mapping original → pseudonym to FILE (JSON, local only; an existing FILE is never
    /// overwritten).
    #[arg(long, value_name = "FILE", requires = "redact")]
    pub redact_map: Option<PathBuf>,

    /// No progress bar, no "wrote ..." line.
    #[arg(short = 'q', long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also print to stderr what became of every input (read, skipped, failed, why) and how long
    /// each phase took.
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// Folder of user rule files (*.toml): they add rules or replace shipped rules of the same id.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

/// `1000` or `1000:1`.
fn parse_ratio(value: &str) -> Result<u64, String> {
    let number = value.trim().strip_suffix(":1").unwrap_or(value.trim());
    match number.parse::<u64>() {
        Ok(0) | Err(_) => Err(format!(
            "{value:?} is not a ratio: use a positive number such as 1000 (for 1000:1)"
        )),
        Ok(n) => Ok(n),
    }
}

fn parse_time_spec(value: &str) -> Result<TimeSpec, String> {
    value
        .parse()
        .map_err(|e: crate::report::view::TimeSpecError| e.to_string())
}

fn parse_zone(value: &str) -> Result<SourceZone, String> {
    value
        .parse()
        .map_err(|e: syncsift_parsers::timefmt::ZoneParseError| e.to_string())
}

/// `1024`, `64KiB`, `512MiB`, `2GiB` (also `KB`/`MB`/`GB` as powers of 1024, as people mean them).
pub fn parse_size(value: &str) -> Result<u64, String> {
    let trimmed = value.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(split);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("{value:?} is not a size: use a number of bytes or e.g. 512MiB"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => return Err(format!("unknown size unit {other:?}: use KiB, MiB or GiB")),
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("{value:?} is too large"))
}

/// Inserts `analyse` when the first argument is not a subcommand or a top-level flag, so that
/// `syncsift bundle.zip` works.
pub fn with_default_subcommand(args: Vec<OsString>) -> Vec<OsString> {
    const KNOWN: &[&str] = &[
        "analyse",
        "analyze",
        "rules",
        "explain",
        "help",
        "-h",
        "--help",
        "-V",
        "--version",
    ];
    match args.get(1).and_then(|a| a.to_str()) {
        Some(first) if KNOWN.contains(&first) => args,
        None => args,
        Some(_) => {
            let mut out = Vec::with_capacity(args.len() + 1);
            let mut iter = args.into_iter();
            out.extend(iter.next());
            out.push(OsString::from("analyse"));
            out.extend(iter);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("1PB").is_err());
    }

    #[test]
    fn ratios() {
        assert_eq!(parse_ratio("1000"), Ok(1000));
        assert_eq!(parse_ratio("50:1"), Ok(50));
        assert!(parse_ratio("0").is_err());
        assert!(parse_ratio("ten").is_err());
    }

    #[test]
    fn default_subcommand() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            with_default_subcommand(args(&["s", "x.zip"])),
            args(&["s", "analyse", "x.zip"])
        );
        assert_eq!(
            with_default_subcommand(args(&["s", "analyze", "x"])),
            args(&["s", "analyze", "x"])
        );
        assert_eq!(
            with_default_subcommand(args(&["s", "--help"])),
            args(&["s", "--help"])
        );
        assert_eq!(
            with_default_subcommand(args(&["s", "--all", "x"])),
            args(&["s", "analyse", "--all", "x"])
        );
    }
}
