//! `gen-samples`: writes the shipped sample bundles, or a large bundle for benchmarks.
//!
//! * `gen-samples --out samples/bundles` regenerates the committed bundles byte for byte;
//! * `gen-samples --size 1GiB --out DIR` writes `DIR/<name>.zip` of about that size (streamed to
//!   disk, bounded memory; never committed).

use anyhow::{Context, Result};
use clap::Parser;
use std::path::PathBuf;
use syncsift_samples::{scale, shipped};

#[derive(Parser)]
#[command(version, about = "Writes syncsift's deterministic sample bundles")]
struct Args {
    /// Folder to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Write one large scale bundle of about this size (e.g. `500MiB`, `1GiB`, `100MB`) instead
    /// of the shipped samples.
    #[arg(long, value_parser = scale::parse_size)]
    size: Option<u64>,
    /// Seed of the scale bundle's content.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn main() -> Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    match args.size {
        Some(size) => {
            let path = scale::write_scale_bundle(&args.out, size, args.seed)?;
            let len = std::fs::metadata(&path)?.len();
            println!("{} ({len} bytes)", path.display());
        }
        None => {
            for bundle in shipped::shipped_bundles()? {
                let path = bundle.write_zip_into(&args.out)?;
                let len = std::fs::metadata(&path)?.len();
                println!("{} ({len} bytes)", path.display());
            }
        }
    }
    Ok(())
}
