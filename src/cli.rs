//! Command-line flags, as close to what the user typed as possible. Validation that needs more than
//! clap (zones, sizes) happens in the value parsers here; turning flags into pipeline options happens
//! in `main.rs`.

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
  2  usage error (bad flag or value)
  3  nothing could be read
  4  analysed, but some inputs could not be read

EXAMPLES
  syncsift AADCloudProvisioningDiagnostics-20240309-101500.zip
  syncsift analyse MECLOG/ --source-tz Europe/Berlin
  syncsift analyse bundle.zip --format json > report.json
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
    Analyse(AnalyseArgs),
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Summary, inventory and condensed timeline for a terminal.
    Terminal,
    /// The whole result as one JSON document (schema_version 1).
    Json,
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

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Terminal)]
    pub format: OutputFormat,

    /// How many zips deep to read zips inside zips.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub max_depth: u32,

    /// Largest zip member to decompress into memory (EVTX files and nested zips), e.g. 512MiB.
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = parse_size)]
    pub max_member_size: u64,

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

    /// No progress bar.
    #[arg(short = 'q', long)]
    pub quiet: bool,
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
