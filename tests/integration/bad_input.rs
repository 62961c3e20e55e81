//! Bad input gets a named disposition with its reason while the rest of the bundle is still read.

use crate::util::{
    Method, agent_trace, dispositions, report, syncsift, temp_dir, write, zip_bytes,
};
use predicates::prelude::*;

#[test]
fn each_bad_input_is_named_and_the_rest_is_read() {
    let dir = temp_dir();
    let good = zip_bytes(&[("agent.log", agent_trace().as_bytes(), Method::Deflated)]);
    write(dir.path(), "a-good.zip", &good);
    // A zip cut inside its first local header: nothing can be recovered (a zip cut later is read
    // from its local headers: see hostile.rs).
    write(dir.path(), "b-truncated.zip", &good[..20]);
    let mut binary = b"MZ\x90\x00".to_vec();
    binary.extend((0u8..=255).cycle().take(2000));
    write(dir.path(), "c-binary.log", &binary);
    write(dir.path(), "d-empty.log", b"");
    write(
        dir.path(),
        "e-notes.txt",
        b"Customer says sync stopped on Monday.\n",
    );
    let missing = dir.path().join("f-missing.zip");

    let (report, code) = report(&[dir.path().as_os_str(), missing.as_os_str()]);
    let got = dispositions(&report);
    let expected: Vec<(&str, &str, &str)> = vec![
        ("a-good.zip", "container", ""),
        ("agent.log", "parsed", ""),
        ("b-truncated.zip", "failed", "not a readable zip archive"),
        (
            "c-binary.log",
            "skipped",
            "binary content of no known format (starts with 4D 5A 90 00 00 01 02 03)",
        ),
        ("d-empty.log", "skipped", "empty file"),
        (
            "e-notes.txt",
            "skipped",
            "UTF-8 text of no known format (first line: \"Customer says sync stopped on Monday.\")",
        ),
        (
            "f-missing.zip",
            "failed",
            "cannot read: No such file or directory",
        ),
    ];
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for ((name, disposition, reason), (want_name, want_disposition, want_reason)) in
        got.iter().zip(&expected)
    {
        assert_eq!(name, want_name);
        assert_eq!(disposition, want_disposition, "{name}");
        assert!(
            reason.starts_with(want_reason),
            "{name}: {reason:?} should start with {want_reason:?}"
        );
    }
    assert_eq!(report["inputs"][1]["entries"], 4);
    assert_eq!(code, 4, "some inputs could not be read");
}

#[test]
fn nothing_readable_exits_3_and_says_why() {
    let dir = temp_dir();
    write(dir.path(), "empty.log", b"");
    syncsift()
        .arg(dir.path())
        .assert()
        .code(3)
        .stdout(predicates::str::contains("skipped").and(predicates::str::contains("empty file")));
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    syncsift()
        .args(["analyse", "--source-tz", "Mars/Olympus", "x.zip"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("IANA name"));
    syncsift().args(["analyse"]).assert().code(2);
}

#[test]
fn help_teaches_inputs_time_and_exit_codes() {
    let assert = syncsift().args(["analyse", "--help"]).assert().success();
    let help = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    for needle in [
        "INPUTS",
        "TIME",
        "EXIT CODES",
        "--source-tz",
        "never by its name",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}");
    }
}

/// `-v` lists every input with its disposition and reason on stderr, then the phase times; the
/// report on stdout is the same as without it.
#[test]
fn verbose_lists_every_input_on_stderr_and_leaves_the_report_alone() {
    let dir = temp_dir();
    write(dir.path(), "agent.log", agent_trace().as_bytes());
    write(dir.path(), "empty.log", b"");
    let run = |verbose: bool| {
        let mut command = syncsift();
        command.args(["analyse", "--format", "json"]);
        if verbose {
            command.arg("-v");
        }
        command.arg(dir.path()).output().expect("run syncsift")
    };
    let (plain, verbose) = (run(false), run(true));
    assert_eq!(plain.stdout, verbose.stdout, "same report");
    assert!(plain.stderr.is_empty(), "quiet without -v");
    let stderr = String::from_utf8(verbose.stderr).expect("UTF-8 stderr");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{stderr}");
    assert!(lines[0].starts_with("syncsift: parsed    "), "{}", lines[0]);
    assert!(
        lines[0]
            .ends_with("agent.log [agent trace (UTF-8)]: 4 entries, 3 kept, 0 facts, 1 problem(s)"),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("syncsift: skipped   "), "{}", lines[1]);
    assert!(lines[1].ends_with("empty.log: empty file"), "{}", lines[1]);
    assert!(lines[2].starts_with("syncsift: 1 input(s) parsed, 1 skipped, 0 failed; 4 entries"));
    assert!(
        lines[3].starts_with("syncsift: time: catalogue "),
        "{}",
        lines[3]
    );
}
