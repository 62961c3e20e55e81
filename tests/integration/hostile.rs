//! Hostile and broken input: every case gets an exact disposition, the rest of the bundle is still
//! read, nothing panics, and the input is never modified. All inputs are made here, in a temporary
//! folder, from a synthetic trace and one small real EVTX file (`tests/data/`).

use crate::util::{
    Method, agent_trace, dispositions, finding_ids, report, syncsift, temp_dir, utf16le_with_bom,
    write, zip_bytes,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The small real EVTX file: 7 records, one chunk at 0x1000, header checksum valid, not dirty.
fn evtx_sample() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/Security_short_selected.evtx"),
    )
    .expect("tests/data/Security_short_selected.evtx")
}

/// Offsets of the event records (`**\0\0`) of the sample's first chunk.
fn record_offsets(evtx: &[u8]) -> Vec<usize> {
    let chunk = 0x1000;
    (chunk + 512..evtx.len() - 4)
        .filter(|&i| &evtx[i..i + 4] == b"**\0\0")
        .collect()
}

/// Deterministic printable noise without line breaks (does not compress much, unlike one repeated
/// byte, so the compression-ratio cap does not interfere).
fn noise(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x2545_F491;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            b'a' + (state % 26) as u8
        })
        .collect()
}

/// An agent trace of `lines` distinct entries (numbered, so it compresses like a real one).
fn numbered_trace(lines: usize) -> String {
    (0..lines)
        .map(|i| format!("AADConnectProvisioningAgent.exe Information: 0 : step {i} done\r\n"))
        .collect()
}

/// An agent trace whose `DateTime=` footers go back in time half-way (a clock reset).
fn backwards_trace() -> String {
    let mut text = String::new();
    for (message, time) in [
        ("Starting agent", "2024-03-09T10:00:00.0000000Z"),
        (
            "Web socket failed to connect.",
            "2024-03-09T10:05:00.0000000Z",
        ),
        ("Clock reset", "2024-03-09T09:00:00.0000000Z"),
        (
            "Web socket failed to connect.",
            "2024-03-09T09:01:00.0000000Z",
        ),
    ] {
        text.push_str(&format!(
            "AADConnectProvisioningAgent.exe Error: 0 : {message}\r\n    DateTime={time}\r\n"
        ));
    }
    text
}

/// Patches the CRC-32 of the only member of a one-member zip, in its local and central headers.
fn corrupt_crc(zip: &mut [u8]) {
    let local = find(zip, b"PK\x03\x04").expect("local header");
    let central = find(zip, b"PK\x01\x02").expect("central header");
    for at in [local + 14, central + 16] {
        zip[at] ^= 0xFF;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Size, modification time and a hash of every file below `dir`.
fn fingerprints(dir: &Path) -> BTreeMap<PathBuf, (u64, SystemTime, u64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).expect("list") {
            let path = entry.expect("entry").path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                let mut hasher = DefaultHasher::new();
                std::fs::read(&path).unwrap_or_default().hash(&mut hasher);
                out.insert(
                    path,
                    (meta.len(), meta.modified().expect("mtime"), hasher.finish()),
                );
            }
        }
    }
    out
}

fn input<'a>(report: &'a Value, suffix: &str) -> &'a Value {
    report["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .find(|i| i["path"].as_str().is_some_and(|p| p.ends_with(suffix)))
        .unwrap_or_else(|| panic!("no input ending in {suffix:?}"))
}

/// The problems other than the clock notice the shared agent-trace fixture earns by stepping back
/// from 10:15 to 09:00.
fn damage(input: &Value) -> Vec<String> {
    problems(input)
        .into_iter()
        .filter(|p| !p.starts_with("time goes backwards"))
        .collect()
}

fn problems(input: &Value) -> Vec<String> {
    input["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p.as_str().unwrap_or_default().to_owned())
        .collect()
}

fn running_as_root() -> bool {
    // Root reads files whatever their mode, so an unreadable file cannot be made that way.
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"))
}

/// Builds the hostile bundle folder; returns the names made unreadable (none as root).
fn build_bundle(dir: &Path) -> bool {
    let trace = agent_trace();
    write(dir, "00-good-agent.log", trace.as_bytes());
    write(dir, "01-zero.log", b"");
    let mut binary = b"\x7fELF\x02\x01\x01\x00".to_vec();
    binary.extend((0u8..=255).cycle().take(4000));
    write(dir, "02-binary.log", &binary);

    // 100 MB without a newline after the first entry's header: one line, cut at the line cap.
    let mut long = b"AADConnectProvisioningAgent.exe Error: 0 : ".to_vec();
    long.extend(noise(100 << 20));
    write(dir, "03-no-newline.log", &long);
    // The same streamed through the decompressor (the bounded-buffer path).
    write(
        dir,
        "04-no-newline.zip",
        &zip_bytes(&[("long.log", &long, Method::Deflated)]),
    );
    drop(long);

    // UTF-16LE with a lone high surrogate, a lone low surrogate and an odd byte count.
    let mut utf16 = utf16le_with_bom(&trace);
    let cut = 2 + 2 * "AADConnectProvisioningAgent.exe Information: 0 : Start".len();
    utf16.splice(cut..cut, [0x00, 0xD8, 0x41, 0x00, 0x00, 0xDC]);
    utf16.push(0x41);
    write(dir, "05-utf16-broken.log", &utf16);
    write(dir, "06-backwards.log", backwards_trace().as_bytes());

    let evtx = evtx_sample();
    write(dir, "10-good.evtx", &evtx);
    let mut bad_header = evtx.clone();
    bad_header[0x28] ^= 0xFF; // inside the checksummed header: checksum no longer matches
    write(dir, "11-bad-header-checksum.evtx", &bad_header);
    write(dir, "12-header-cut.evtx", &evtx[..200]);
    let mut bad_magic = evtx.clone();
    bad_magic[0x1000..0x1008].copy_from_slice(b"XXXXXXXX");
    write(dir, "13-bad-chunk-magic.evtx", &bad_magic);
    let mut dirty = evtx.clone();
    dirty[0x78] |= 1;
    write(dir, "14-dirty.evtx", &dirty);
    let mut bad_binxml = evtx;
    let third = record_offsets(&bad_binxml)[2];
    bad_binxml[third + 24..third + 28].copy_from_slice(&[0xFF; 4]);
    write(dir, "15-bad-binxml.evtx", &bad_binxml);

    // A zip cut inside its third member: the central directory is gone.
    let whole = zip_bytes(&[
        ("Trace/a.log", trace.as_bytes(), Method::Deflated),
        ("Trace/b.log", trace.as_bytes(), Method::Stored),
        (
            "Trace/c.log",
            numbered_trace(20_000).as_bytes(),
            Method::Deflated,
        ),
    ]);
    let third_member = find(&whole, b"Trace/c.log").expect("third member");
    write(dir, "20-truncated.zip", &whole[..third_member + 5_000]);
    write(dir, "21-header-cut.zip", &whole[..20]);

    let mut bad_crc_deflated = zip_bytes(&[("x.log", trace.as_bytes(), Method::Deflated)]);
    corrupt_crc(&mut bad_crc_deflated);
    write(dir, "22-bad-crc-deflated.zip", &bad_crc_deflated);
    let mut bad_crc_stored = zip_bytes(&[("y.log", trace.as_bytes(), Method::Stored)]);
    corrupt_crc(&mut bad_crc_stored);
    write(dir, "23-bad-crc-stored.zip", &bad_crc_stored);

    // A bomb: 64 MiB of zeros deflate to about 64 KB (over 1000:1). And one nested in zips.
    let zeros = vec![0u8; 64 << 20];
    let bomb = zip_bytes(&[("bomb.log", &zeros, Method::Deflated)]);
    write(dir, "24-bomb.zip", &bomb);
    let middle = zip_bytes(&[("inner.zip", &bomb, Method::Deflated)]);
    write(
        dir,
        "25-nested-bomb.zip",
        &zip_bytes(&[("middle.zip", &middle, Method::Stored)]),
    );

    // Member names that would escape an extraction folder, and one with a terminal escape.
    write(
        dir,
        "30-names.zip",
        &zip_bytes(&[
            ("../../evil.log", trace.as_bytes(), Method::Deflated),
            ("/abs/agent.log", trace.as_bytes(), Method::Deflated),
            ("C:\\Windows\\agent.log", trace.as_bytes(), Method::Stored),
            ("ctl\u{1b}[2Jname.log", trace.as_bytes(), Method::Stored),
        ]),
    );

    std::fs::create_dir_all(dir.join("40-loop")).expect("folder");
    write(dir, "40-loop/inside.log", trace.as_bytes());
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("40-loop"), dir.join("40-loop/again")).expect("symlink");

    let unreadable = !running_as_root();
    if unreadable {
        let path = write(dir, "50-unreadable.log", trace.as_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000))
                .expect("chmod 000");
        }
    } else {
        eprintln!(
            "running as root: an unreadable file cannot be made with chmod; the file that vanishes \
             between discovery and reading is tested in parsers (bundle::tests)"
        );
    }
    unreadable
}

#[test]
fn every_broken_input_has_its_disposition_and_the_rest_is_read() {
    let dir = temp_dir();
    let unreadable = build_bundle(dir.path());
    let before = fingerprints(dir.path());

    let (report, code) = report(&[dir.path().as_os_str()]);

    let mut expected: Vec<(&str, &str, &str)> = vec![
        ("00-good-agent.log", "parsed", ""),
        ("01-zero.log", "skipped", "empty file"),
        (
            "02-binary.log",
            "skipped",
            "binary content of no known format (starts with 7F 45 4C 46",
        ),
        ("03-no-newline.log", "parsed", ""),
        ("04-no-newline.zip", "container", ""),
        ("long.log", "parsed", ""),
        ("05-utf16-broken.log", "parsed", ""),
        ("06-backwards.log", "parsed", ""),
        ("10-good.evtx", "parsed", ""),
        ("11-bad-header-checksum.evtx", "parsed", ""),
        (
            "12-header-cut.evtx",
            "failed",
            "not a readable EVTX file: An error occurred while trying to deserialize evtx stream.",
        ),
        ("13-bad-chunk-magic.evtx", "parsed", ""),
        ("14-dirty.evtx", "parsed", ""),
        ("15-bad-binxml.evtx", "parsed", ""),
        (
            "20-truncated.zip",
            "container",
            "damaged archive (invalid Zip archive: Could not find EOCD): truncated or without its \
             central directory; 3 member(s) recovered from local headers: Trace/a.log, \
             Trace/b.log, Trace/c.log; Trace/c.log is cut short",
        ),
        ("a.log", "parsed", ""),
        ("b.log", "parsed", ""),
        ("c.log", "parsed", ""),
        (
            "21-header-cut.zip",
            "failed",
            "not a readable zip archive: invalid Zip archive: Could not find EOCD; no member could \
             be recovered from local headers",
        ),
        ("22-bad-crc-deflated.zip", "container", ""),
        ("x.log", "parsed", ""),
        ("23-bad-crc-stored.zip", "container", ""),
        ("y.log", "parsed", ""),
        ("24-bomb.zip", "container", ""),
        ("bomb.log", "skipped", "compression ratio "),
        ("25-nested-bomb.zip", "container", ""),
        ("middle.zip", "container", ""),
        ("inner.zip", "container", ""),
        ("bomb.log", "skipped", "compression ratio "),
        ("30-names.zip", "container", ""),
        ("evil.log", "parsed", ""),
        ("agent.log", "parsed", ""),
        ("agent.log", "parsed", ""),
        ("u{1b}[2Jname.log", "parsed", ""),
        ("again", "skipped", "symlink loop: folder already read as"),
        ("inside.log", "parsed", ""),
    ];
    if unreadable {
        expected.push((
            "50-unreadable.log",
            "failed",
            "cannot read: Permission denied",
        ));
    }
    let got = dispositions(&report);
    let names: Vec<&str> = got.iter().map(|(n, _, _)| n.as_str()).collect();
    let want: Vec<&str> = expected.iter().map(|(n, _, _)| *n).collect();
    assert_eq!(names, want, "inventory order");
    for ((name, disposition, reason), (_, want_disposition, want_reason)) in
        got.iter().zip(&expected)
    {
        assert_eq!(disposition, want_disposition, "{name}: {reason}");
        assert!(
            reason.starts_with(want_reason),
            "{name}: {reason:?} should start with {want_reason:?}"
        );
    }
    for (name, _, reason) in &got {
        if name == "bomb.log" {
            assert!(
                reason.ends_with("over the cap of 1000:1 (raise it with --max-ratio)"),
                "{reason}"
            );
        }
    }

    // The good trace is read whole.
    assert_eq!(input(&report, "00-good-agent.log")["entries"], 4);
    // One entry, its line cut at the cap; memory stays bounded (see BENCHMARKS.md).
    for long in ["03-no-newline.log", "long.log"] {
        let long = input(&report, long);
        assert_eq!(long["entries"], 1, "{long}");
        assert_eq!(
            problems(long),
            vec![format!("at 1: line longer than {} bytes, cut", 1 << 20)],
        );
    }
    // Bad UTF-16 becomes U+FFFD; every entry is still there.
    assert_eq!(input(&report, "05-utf16-broken.log")["entries"], 4);
    // Times going backwards: every entry kept, the jump named, the timeline still in time order.
    let backwards = input(&report, "06-backwards.log");
    assert_eq!(backwards["entries"], 4);
    assert_eq!(
        problems(backwards),
        vec![
            "time goes backwards 1 time(s) in file order, by up to 1h 5m (from :3 to :5): a \
             clock or time-zone change, or entries from another writer; the timeline orders by \
             time"
                .to_owned()
        ]
    );
    let times: Vec<chrono::DateTime<chrono::FixedOffset>> = report["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["record"]["time"]["utc"].as_str())
        .map(|t| chrono::DateTime::parse_from_rfc3339(t).expect("RFC 3339 time"))
        .collect();
    assert!(times.len() >= 4, "timeline entries");
    let mut sorted = times.clone();
    sorted.sort_unstable();
    assert_eq!(times, sorted, "timeline in time order");

    // EVTX damage: exact counts and the problem named.
    let evtx = |name: &str| {
        let i = input(&report, name);
        (
            i["entries"].as_u64().expect("entries"),
            i["bad"].as_u64().expect("bad"),
            problems(i),
        )
    };
    assert_eq!(evtx("10-good.evtx"), (7, 0, vec![]));
    assert_eq!(
        evtx("11-bad-header-checksum.evtx"),
        (
            7,
            0,
            vec![
                "file header checksum does not match: the header is damaged; chunks read anyway"
                    .to_owned()
            ]
        )
    );
    assert_eq!(
        evtx("13-bad-chunk-magic.evtx"),
        (0, 1, vec!["Failed to parse chunk number 0".to_owned()])
    );
    let (entries, bad, dirty) = evtx("14-dirty.evtx");
    assert_eq!((entries, bad), (7, 0));
    assert_eq!(dirty.len(), 1);
    assert!(
        dirty[0].starts_with("file header is flagged dirty"),
        "{dirty:?}"
    );
    assert_eq!(
        evtx("15-bad-binxml.evtx"),
        (
            6,
            1,
            vec!["chunk 0: Failed to parse record number 3".to_owned()]
        )
    );

    // The truncated zip: the first two members whole, the damage said on the archive.
    assert_eq!(
        input(&report, "20-truncated.zip!/Trace/a.log")["entries"],
        4
    );
    assert_eq!(
        input(&report, "20-truncated.zip!/Trace/b.log")["entries"],
        4
    );
    let cut = input(&report, "20-truncated.zip!/Trace/c.log");
    assert!(cut["entries"].as_u64() > Some(100), "{cut}");
    assert!(
        problems(cut)[0].starts_with("data damaged after byte "),
        "{cut}"
    );
    assert_eq!(report["summary"]["damaged"], 1);

    // Bad CRC: the entries are read and the damage is reported.
    let deflated = input(&report, "!/x.log");
    assert_eq!(deflated["entries"], 4);
    // The damage, and the shared fixture's own step back in time (10:15 footer, then 09:00).
    assert_eq!(deflated["problem_count"], 2);
    assert!(problems(deflated)[1].starts_with("time goes backwards 1 time(s)"));
    assert!(
        problems(deflated)[0].starts_with("data damaged after byte "),
        "{deflated}"
    );
    let stored = input(&report, "!/y.log");
    assert_eq!(stored["entries"], 4);
    assert_eq!(
        problems(stored).len(),
        2,
        "the damage and the fixture's step back in time"
    );
    assert_eq!(
        problems(stored)[0],
        "CRC-32 of the stored member does not match the archive: its data may be damaged"
    );

    // Names are shown as stored (control characters escaped) and flagged.
    let names = |suffix: &str| damage(input(&report, suffix));
    assert_eq!(
        names("30-names.zip!/../../evil.log"),
        vec![
            "member name climbs out of its folder (..): shown as stored; syncsift never extracts \
             anything to disk"
                .to_owned()
        ]
    );
    assert!(names("30-names.zip!//abs/agent.log")[0].contains("is an absolute path"));
    assert!(names("30-names.zip!/C:\\Windows\\agent.log")[0].contains("drive letter"));
    assert!(names("30-names.zip!/ctl\\u{1b}[2Jname.log")[0].contains("control characters"));
    let json = serde_json::to_string(&report).expect("json");
    assert!(
        !json.contains('\u{1b}'),
        "no raw escape character in the report"
    );

    assert_eq!(code, 4, "some inputs failed");
    assert_eq!(fingerprints(dir.path()), before, "inputs unchanged");
}

#[test]
fn terminal_view_names_damage_and_never_prints_raw_control_characters() {
    let dir = temp_dir();
    let trace = agent_trace();
    let whole = zip_bytes(&[
        ("a.log", trace.as_bytes(), Method::Deflated),
        ("b\u{1b}[31m.log", trace.as_bytes(), Method::Deflated),
        ("c.log", numbered_trace(20_000).as_bytes(), Method::Deflated),
    ]);
    write(dir.path(), "cut.zip", &whole[..whole.len() / 2]);
    let assert = syncsift().arg(dir.path()).assert().code(4);
    let out = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(out.contains("1 archives (1 damaged)"), "{out}");
    assert!(out.contains("DAMAGED"), "{out}");
    assert!(
        out.contains("3 member(s) recovered from local headers: a.log, b\\u{1b}[31m.log, c.log; c.log is cut short"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "{out}");
}

#[test]
fn caps_on_total_size_depth_and_member_count_name_their_flag() {
    let dir = temp_dir();
    // 8 MiB of distinct trace lines each: they compress like real traces, far under 1000:1.
    let big = numbered_trace(150_000);
    assert!(big.len() > 8 << 20);
    let inner = zip_bytes(&[
        ("m1.log", big.as_bytes(), Method::Deflated),
        ("m2.log", big.as_bytes(), Method::Deflated),
        ("m3.log", big.as_bytes(), Method::Deflated),
    ]);
    let outer = zip_bytes(&[
        ("inner1.zip", &inner, Method::Deflated),
        ("inner2.zip", &inner, Method::Stored),
    ]);
    let path = write(dir.path(), "nested.zip", &outer);
    let path = path.as_os_str();

    let run = |flags: &[&str]| {
        let mut args: Vec<&OsStr> = flags.iter().map(OsStr::new).collect();
        args.push(path);
        let (report, code) = report(&args);
        let got: Vec<(String, String, String)> = dispositions(&report);
        (got, code)
    };

    // Total: the declared sizes are added up in inventory order; this cap lets the first inner
    // zip and two of its members in, and nothing after them.
    let cap = (inner.len() + 2 * big.len() + 1000).to_string();
    let (got, code) = run(&["--max-total-size", &cap]);
    let summary: Vec<(&str, &str)> = got
        .iter()
        .map(|(n, d, _)| (n.as_str(), d.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("nested.zip", "container"),
            ("inner1.zip", "container"),
            ("m1.log", "parsed"),
            ("m2.log", "parsed"),
            ("m3.log", "skipped"),
            ("inner2.zip", "skipped"),
        ]
    );
    for skipped in [&got[4].2, &got[5].2] {
        assert!(
            skipped.ends_with(&format!(
                "over the cap of {cap} bytes (raise it with --max-total-size)"
            )),
            "{skipped}"
        );
    }
    assert_eq!(code, 0, "skipping over a cap is not a failure");

    // Depth: the inner zips are not opened.
    let (got, _) = run(&["--max-depth", "1"]);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(
        got[1].2,
        "zip nested 2 levels deep, over the cap of 1 levels (raise it with --max-depth)"
    );

    // Members: four listed over the run, then one line for the rest.
    let (got, _) = run(&["--max-members", "4"]);
    let names: Vec<&str> = got.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "nested.zip",
            "inner1.zip",
            "m1.log",
            "m2.log",
            "m3.log",
            "*"
        ]
    );
    assert_eq!(
        got[5].2,
        "1 more member(s) not listed: archive members in this run, over the cap of 4 members \
         (raise it with --max-members)"
    );

    // Ratio: lowered to 2:1, ordinary compression counts as a bomb, for nested zips and members.
    let (got, _) = run(&["--max-ratio", "2"]);
    let states: Vec<&str> = got.iter().map(|(_, d, _)| d.as_str()).collect();
    assert_eq!(
        states,
        [
            "container",
            "skipped",
            "container",
            "skipped",
            "skipped",
            "skipped"
        ]
    );
    for (name, _, reason) in got.iter().filter(|(_, d, _)| d == "skipped") {
        assert!(
            reason.starts_with("compression ratio ")
                && reason.ends_with("over the cap of 2:1 (raise it with --max-ratio)"),
            "{name}: {reason}"
        );
    }

    // Memory: a member needing memory (a nested zip) over the per-member cap.
    let (got, _) = run(&["--max-member-size", "1KiB"]);
    assert_eq!(got[1].1, "skipped", "{got:?}");
    assert!(
        got[1].2.ends_with("(raise it with --max-member-size)"),
        "{got:?}"
    );
}

#[test]
fn damaged_corpus_evtx_files_are_read_with_their_problems() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/evtx-samples");
    if !corpus.join("README.md").is_file() {
        eprintln!("skipped: ../shared/corpus/evtx-samples is not present");
        return;
    }
    let files = [
        "sysmon.evtx",
        "sample_with_a_bad_chunk_magic.evtx",
        "2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx",
    ];
    let paths: Vec<PathBuf> = files.iter().map(|f| corpus.join(f)).collect();
    let args: Vec<&OsStr> = paths.iter().map(|p| p.as_os_str()).collect();
    let (report, code) = report(&args);
    let got: Vec<(u64, String)> = report["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|i| {
            (
                i["entries"].as_u64().unwrap_or_default(),
                i["disposition"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    // Record counts as the corpus README lists them (what evtx_dump emits).
    assert_eq!(
        got,
        vec![
            (358, "parsed".to_owned()),
            (301, "parsed".to_owned()),
            (1910, "parsed".to_owned()),
        ]
    );
    for (file, input) in files
        .iter()
        .zip(report["inputs"].as_array().expect("inputs"))
    {
        assert!(input["problem_count"].as_u64() > Some(0), "{file}");
    }
    assert!(problems(&report["inputs"][0])[0].starts_with("file header is flagged dirty"));
    assert_eq!(code, 0);
}

#[test]
fn a_bomb_that_lies_about_its_size_is_stopped_at_the_size_it_declares() {
    let dir = temp_dir();
    let line = "AADConnectProvisioningAgent.exe Error: 0 : Web socket failed to connect.\r\n";
    let mut liar = zip_bytes(&[(
        "liar.log",
        line.repeat(200_000).as_bytes(),
        Method::Deflated,
    )]);
    // Declare 2000 bytes in both headers; the data inflates to 15 MB.
    let local = find(&liar, b"PK\x03\x04").expect("local header");
    let central = find(&liar, b"PK\x01\x02").expect("central header");
    for at in [local + 22, central + 24] {
        liar[at..at + 4].copy_from_slice(&2000u32.to_le_bytes());
    }
    write(dir.path(), "liar.zip", &liar);
    write(dir.path(), "other.log", agent_trace().as_bytes());
    let (report, code) = report(&[dir.path().as_os_str()]);
    let got = dispositions(&report);
    assert_eq!(
        got,
        vec![
            ("liar.zip".to_owned(), "container".to_owned(), String::new()),
            (
                "liar.log".to_owned(),
                "failed".to_owned(),
                "cannot read member: File is larger than its declared uncompressed size".to_owned()
            ),
            ("other.log".to_owned(), "parsed".to_owned(), String::new()),
        ]
    );
    assert_eq!(code, 4);
}

/// A parser bug (a panic, injected through the debug-build hook `SYNCSIFT_TEST_PANIC_ON`) is caught
/// at the input boundary: that input is failed with the panic's message, the other inputs are
/// still read and diagnosed, and the run ends with exit code 4.
#[test]
fn a_panic_in_one_input_fails_that_input_only() {
    let dir = temp_dir();
    write(dir.path(), "agent-a.log", agent_trace().as_bytes());
    write(dir.path(), "agent-b.log", agent_trace().as_bytes());
    let clean = report(&[dir.path().as_os_str()]).0;

    let output = syncsift()
        .env("SYNCSIFT_TEST_PANIC_ON", "agent-b.log")
        .args(["analyse", "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("run syncsift");
    assert_eq!(output.status.code(), Some(4), "a contained panic exits 4");
    let injured: Value = serde_json::from_slice(&output.stdout).expect("JSON report");

    let found = dispositions(&injured);
    assert_eq!(found[0].0, "agent-a.log");
    assert_eq!(found[0].1, "parsed");
    assert_eq!(found[1].0, "agent-b.log");
    assert_eq!(found[1].1, "failed");
    assert!(
        found[1].2.starts_with(
            "internal error while reading (please report it): injected by SYNCSIFT_TEST_PANIC_ON"
        ),
        "{}",
        found[1].2
    );
    // The surviving input still yields the same causes as a clean run.
    assert!(!finding_ids(&clean).is_empty(), "the trace shows causes");
    assert_eq!(finding_ids(&injured), finding_ids(&clean));
}
