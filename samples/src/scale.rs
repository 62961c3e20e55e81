//! Large bundles for benchmarks (issue 7): a Cloud Sync style zip of a requested size, streamed to
//! disk with bounded memory. Its content is what makes real bundles slow to read: Application and
//! System EVTX dominated by unrelated providers with sparse sync events, long UTF-8 and UTF-16LE
//! agent traces with rare error lines, many small members, and a nested zip.
//!
//! The size counts the members' uncompressed bytes (what an analyser reads); members are deflated
//! at a fast level, so the zip itself is smaller. Same size and seed give the same bytes.

use crate::events::{self, PING_END};
use crate::evtx_writer::{Event, EvtxWriteError, EvtxWriter, level};
use crate::rng::Rng;
use crate::scenario::zip_time;
use crate::trace::{AGENT_SOURCE, Encoding, dotnet_round_trip};
use crate::zip_pack::{Member, Method, ZipPackError, ZipStream};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Errors of scale generation.
#[derive(Debug, thiserror::Error)]
pub enum ScaleError {
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// EVTX writing failed.
    #[error(transparent)]
    Evtx(#[from] EvtxWriteError),
    /// Zip writing failed.
    #[error(transparent)]
    Zip(#[from] ZipPackError),
}

/// Parses `1GiB`, `500MiB`, `64KiB`, `100MB`, `1GB`, `4096` (bytes).
///
/// # Errors
/// When the text is not a size.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("not a size: {text:?} (try 500MiB or 1GiB)"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit {other:?} (use KiB, MiB, GiB, KB, MB, GB)"
            ));
        }
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("size too large: {text:?}"))
}

/// The collection time of scale bundles.
fn collected() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 9, 10, 15, 0)
        .single()
        .unwrap_or_default()
}

const NAME: &str = "AADCloudProvisioningDiagnostics-20240309-101500";
const COMPUTER: &str = "SYNC01.contoso.com";

/// Sync events sprinkled among the noise (one in [`SYNC_EVENT_EVERY`]).
fn sync_event(rng: &mut Rng, time: DateTime<Utc>, system: bool) -> Event {
    let mut event = if system {
        events::scm(
            7000,
            level::ERROR,
            time,
            &["Microsoft Azure AD Connect Provisioning Agent", "%%1069"],
            "AADConnectProvisioningAgent",
        )
    } else {
        match rng.below(4) {
            0 => events::dirsync(654, level::INFORMATION, time, PING_END),
            1 => events::dirsync(
                611,
                level::ERROR,
                time,
                "Password hash synchronization failed for domain: contoso.com, domain controller hostname: <not available>, domain controller IP address: <not available>. Details: RPC Error 1722 : The RPC server is unavailable.",
            ),
            2 => events::application(
                "Azure AD Connect Provisioning Agent",
                0,
                level::ERROR,
                time,
                "Web socket failed to connect.",
            ),
            _ => events::adsync(
                6323,
                level::ERROR,
                time,
                "The server encountered an error because SQL Server is out of disk space.",
            ),
        }
    };
    event.computer = COMPUTER.to_owned();
    event
}

const SYNC_EVENT_EVERY: u64 = 5000;
const ERROR_LINE_EVERY: u64 = 20_000;

/// Writes a scale EVTX file of about `budget` bytes to `path` (Application, or System with
/// `system`): unrelated noise with one sync event in about 5000. Returns the number of records.
///
/// # Errors
/// When the file cannot be written.
pub fn write_evtx(path: &Path, budget: u64, seed: u64, system: bool) -> Result<u64, ScaleError> {
    let io_error = |source| ScaleError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(path).map_err(io_error)?;
    let mut writer = EvtxWriter::new(BufWriter::with_capacity(1 << 20, file))?;
    let mut rng = Rng::new(seed);
    let end = collected() - Duration::minutes(1);
    let start = end - Duration::hours(24);
    let span_ms = (end - start).num_milliseconds();
    let mut count = 0u64;
    while writer.len() < budget {
        // Time follows progress through the budget, so the file spans the last day.
        let progress = (writer.used() as f64 / budget.max(1) as f64).min(1.0);
        let time = start + Duration::milliseconds((span_ms as f64 * progress) as i64);
        let mut event = if rng.below(SYNC_EVENT_EVERY) == 0 {
            sync_event(&mut rng, time, system)
        } else {
            let mut e = events::noise_event(&mut rng, time);
            if system {
                e.channel = "System".to_owned();
            } else {
                e.channel = "Application".to_owned();
            }
            e
        };
        if event.computer.is_empty() {
            event.computer = COMPUTER.to_owned();
        }
        writer.push(&event)?;
        count += 1;
    }
    writer.finish()?;
    Ok(count)
}

const TRACE_LINES: &[&str] = &[
    "Processing synchronization request for job AD2AADProvisioning.30b500eaf9c643b2b78804e80c1421fe.5c291d3c-d29f-4570-9d6b-f0c2fa3d5926",
    "Heartbeat sent to the service; next in 00:00:30",
    "LDAP search completed: 250 entries, cookie length 48",
    "Exported object CN=User 4711,OU=Sync,DC=contoso,DC=com with 14 attribute changes",
    "Received signaling message; correlation 7d3f0d2e-5c1b-4f3e-9a59-0a6c1e7f2b11",
    "Schema cache refreshed for domain contoso.com",
];

const TRACE_ERRORS: &[&str] = &[
    "Web socket failed to connect.",
    "ServiceBusClientWebSocket was expecting more bytes",
    "Synchronization job is in quarantine. Error code: HybridIdentityServiceNoActiveAgents.",
    "Unable to create gMSA because KDS may not be running on domain controller. Please create/run KDS manually.",
];

/// Streams an agent trace of about `budget` bytes into the current zip member.
fn write_trace(out: &mut dyn Write, budget: u64, seed: u64, encoding: Encoding) -> io::Result<u64> {
    let mut rng = Rng::new(seed);
    let mut buffer = String::with_capacity(1 << 20);
    let mut written = encoding.bom().len() as u64;
    out.write_all(encoding.bom())?;
    let mut lines = 0u64;
    let unit = if encoding == Encoding::Utf16LeBom {
        2
    } else {
        1
    };
    let start = collected() - Duration::hours(24);
    while written < budget {
        buffer.clear();
        // Fill at most 1 MiB, and no more than the budget left (in this encoding's units).
        let limit = usize::try_from((budget - written) / unit as u64)
            .unwrap_or(usize::MAX)
            .min(1 << 20);
        while buffer.len() < limit {
            lines += 1;
            if rng.below(ERROR_LINE_EVERY) == 0 {
                let text = rng.pick(TRACE_ERRORS);
                buffer.push_str(&format!("{AGENT_SOURCE} Error: 0 : {text}\r\n"));
                buffer.push_str("   at Microsoft.ApplicationProxy.Connector.Listeners.ConnectorSignalingWebSocket.ConnectAsync()\r\n");
                let t = start + Duration::milliseconds(i64::try_from(lines * 37).unwrap_or(0));
                buffer.push_str(&format!(
                    "    ThreadId=17\r\n    DateTime={}\r\n",
                    dotnet_round_trip(t)
                ));
            } else {
                let kind = if rng.chance(1, 3) {
                    "Verbose"
                } else {
                    "Information"
                };
                let text = rng.pick(TRACE_LINES);
                // A correlation id per line keeps the text from compressing unrealistically well.
                let correlation = rng.next_u64();
                buffer.push_str(&format!(
                    "{AGENT_SOURCE} {kind}: 0 : {text} [{correlation:016x}]\r\n"
                ));
            }
        }
        encoding.write(out, &buffer)?;
        written += (buffer.len() * unit) as u64;
    }
    Ok(lines)
}

/// Copies a file into the current zip member.
fn copy_file(path: &Path, zip: &mut ZipStream<BufWriter<File>>) -> Result<(), ScaleError> {
    let io_error = |source| ScaleError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io_error)?;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(io_error)?;
        if n == 0 {
            break;
        }
        zip.write(&buffer[..n])?;
    }
    Ok(())
}

/// Human size for file names: `1GiB`, `500MiB`, or bytes.
fn size_label(size: u64) -> String {
    if size >= 1 << 30 && size.is_multiple_of(1 << 30) {
        format!("{}GiB", size >> 30)
    } else if size >= 1 << 20 && size.is_multiple_of(1 << 20) {
        format!("{}MiB", size >> 20)
    } else {
        format!("{size}B")
    }
}

/// Writes `<dir>/<name>-scale-<size>.zip` whose members hold about `size` bytes; returns its path.
///
/// Shares: Application EVTX 30 %, System EVTX 20 %, UTF-8 agent trace 20 %, UTF-16LE verbose
/// trace 20 %, small agent logs 5 % (up to 2000 members), nested zip 5 % (at most 32 MiB, built in
/// memory). EVTX files are written to a temporary file next to the zip first (the file header
/// counts chunks, so it is written last) and removed afterwards.
///
/// # Errors
/// When a file cannot be written.
pub fn write_scale_bundle(dir: &Path, size: u64, seed: u64) -> Result<PathBuf, ScaleError> {
    let path = dir.join(format!("{NAME}-scale-{}.zip", size_label(size)));
    let io_error = |p: &Path| {
        let p = p.to_path_buf();
        move |source| ScaleError::Io { path: p, source }
    };
    let file = File::create(&path).map_err(io_error(&path))?;
    let local = collected().naive_utc();
    let mut zip = ZipStream::new(BufWriter::with_capacity(1 << 20, file), zip_time(local));
    let share = |percent: u64| size / 100 * percent;
    let large = size > (3 << 30);

    for (suffix, percent, system, salt) in [("Application", 30, false, 1), ("System", 20, true, 2)]
    {
        let temp = dir.join(format!(".{NAME}-{suffix}.evtx.tmp"));
        write_evtx(&temp, share(percent), seed ^ salt, system)?;
        zip.start(&format!("{NAME}-{suffix}.evtx"), Method::Deflated, large)?;
        copy_file(&temp, &mut zip)?;
        std::fs::remove_file(&temp).map_err(io_error(&temp))?;
    }
    {
        // The agent Admin channel: small and dense with agent events.
        let temp = dir.join(format!(".{NAME}-ProvisioningAgent.evtx.tmp"));
        let file = File::create(&temp).map_err(io_error(&temp))?;
        let mut writer = EvtxWriter::new(BufWriter::new(file))?;
        let mut t = collected() - Duration::hours(24);
        for i in 0..2000u32 {
            t += Duration::seconds(40);
            let mut event = if i % 50 == 0 {
                events::agent_admin(
                    2001,
                    level::ERROR,
                    t,
                    "ServiceBusClientWebSocket was expecting more bytes.",
                )
            } else {
                events::agent_admin(1001, level::INFORMATION, t, "Heartbeat sent.")
            };
            event.computer = COMPUTER.to_owned();
            writer.push(&event)?;
        }
        writer.finish()?;
        zip.start(
            &format!("{NAME}-ProvisioningAgent.evtx"),
            Method::Deflated,
            false,
        )?;
        copy_file(&temp, &mut zip)?;
        std::fs::remove_file(&temp).map_err(io_error(&temp))?;
    }

    zip.start(
        "AzureADConnectProvisioningAgent_20240308-101500.log",
        Method::Deflated,
        large,
    )?;
    write_trace(zip.writer(), share(20), seed ^ 3, Encoding::Utf8).map_err(io_error(&path))?;
    zip.start(
        "trace-agent-verbose-20240309-101212.log",
        Method::Deflated,
        large,
    )?;
    write_trace(zip.writer(), share(20), seed ^ 4, Encoding::Utf16LeBom)
        .map_err(io_error(&path))?;

    let small_budget = share(5);
    let small_count = (small_budget / (16 << 10)).clamp(1, 2000);
    for i in 0..small_count {
        zip.start(
            &format!("old/AzureADConnectProvisioningAgent_{i:05}.log"),
            Method::Deflated,
            false,
        )?;
        write_trace(
            zip.writer(),
            small_budget / small_count,
            seed ^ (100 + i),
            Encoding::Utf8,
        )
        .map_err(io_error(&path))?;
    }

    let nested_budget = share(5).min(32 << 20);
    let mut inner = ZipStream::new(io::Cursor::new(Vec::new()), zip_time(local));
    inner.start(
        "AzureADConnectProvisioningAgent_archived.log",
        Method::Deflated,
        false,
    )?;
    write_trace(inner.writer(), nested_budget, seed ^ 5, Encoding::Utf8Bom)
        .map_err(io_error(&path))?;
    let inner = inner.finish()?.into_inner();
    zip.member(&Member {
        path: "archive/older-traces.zip".to_owned(),
        bytes: inner,
        method: Method::Stored,
    })?;

    let mut out = zip.finish()?;
    out.flush().map_err(io_error(&path))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("500MiB"), Ok(500 << 20));
        assert_eq!(parse_size("100MB"), Ok(100_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5XB").is_err());
        assert_eq!(size_label(1 << 30), "1GiB");
        assert_eq!(size_label(3 << 20), "3MiB");
    }

    #[test]
    fn a_small_scale_bundle_is_deterministic_and_readable() {
        let dir = std::env::temp_dir().join(format!("syncsift-scale-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let first = std::fs::read(write_scale_bundle(&dir, 4 << 20, 7).unwrap()).unwrap();
        let second = std::fs::read(write_scale_bundle(&dir, 4 << 20, 7).unwrap()).unwrap();
        assert_eq!(first, second);
        let mut archive = zip::ZipArchive::new(io::Cursor::new(first)).unwrap();
        let total: u64 = (0..archive.len())
            .map(|i| archive.by_index(i).unwrap().size())
            .sum();
        assert!(total >= 4 << 20, "{total}");
        assert!(archive.len() > 8);
        assert!(archive.by_name("archive/older-traces.zip").is_ok());
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
