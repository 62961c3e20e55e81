//! Snapshots of the reports of the shipped sample bundles (`samples/bundles/`) in every format
//! (terminal without colour, Markdown, HTML, JSON, Timesketch JSONL and CSV) as the binary writes them, run from the repository root with a relative path
//! so that no absolute path of the machine ends up in a report. The tool version in the Markdown
//! header is replaced, so a version bump alone does not break the snapshots.

use crate::util::syncsift;
use syncsift_samples::shipped;

/// The report of one shipped bundle in one format; checks it is the same on a second run.
fn report(zip: &str, format: &str) -> String {
    let run = || {
        let output = syncsift()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["analyse", "--format", format])
            .arg(format!("samples/bundles/{zip}"))
            .output()
            .expect("run syncsift");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8 report")
    };
    let first = run();
    assert_eq!(
        first,
        run(),
        "the same input gives the same {format} report"
    );
    assert!(
        !first.contains(env!("CARGO_MANIFEST_DIR")),
        "no absolute path in the {format} report"
    );
    first
        .lines()
        .map(|line| match line.strip_prefix("syncsift ") {
            Some(rest) => match rest.split_once(' ') {
                Some((_version, tail)) => format!("syncsift [version] {tail}"),
                None => line.to_owned(),
            },
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        .replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn connect_sync_sample_markdown() {
    insta::assert_snapshot!(report(shipped::CONNECT_SYNC_ZIP, "markdown"));
}

#[test]
fn connect_sync_sample_jsonl() {
    insta::assert_snapshot!(report(shipped::CONNECT_SYNC_ZIP, "jsonl"));
}

#[test]
fn cloud_sync_sample_markdown() {
    insta::assert_snapshot!(report(shipped::CLOUD_SYNC_ZIP, "markdown"));
}

#[test]
fn cloud_sync_sample_jsonl() {
    insta::assert_snapshot!(report(shipped::CLOUD_SYNC_ZIP, "jsonl"));
}

#[test]
fn connect_sync_sample_terminal() {
    insta::assert_snapshot!(report(shipped::CONNECT_SYNC_ZIP, "terminal"));
}

#[test]
fn connect_sync_sample_html() {
    insta::assert_snapshot!(report(shipped::CONNECT_SYNC_ZIP, "html"));
}

#[test]
fn connect_sync_sample_json() {
    insta::assert_snapshot!(report(shipped::CONNECT_SYNC_ZIP, "json"));
}

#[test]
fn connect_sync_sample_csv() {
    insta::assert_snapshot!(report(shipped::CONNECT_SYNC_ZIP, "csv"));
}

#[test]
fn cloud_sync_sample_terminal() {
    insta::assert_snapshot!(report(shipped::CLOUD_SYNC_ZIP, "terminal"));
}

#[test]
fn cloud_sync_sample_html() {
    insta::assert_snapshot!(report(shipped::CLOUD_SYNC_ZIP, "html"));
}

#[test]
fn cloud_sync_sample_json() {
    insta::assert_snapshot!(report(shipped::CLOUD_SYNC_ZIP, "json"));
}

#[test]
fn cloud_sync_sample_csv() {
    insta::assert_snapshot!(report(shipped::CLOUD_SYNC_ZIP, "csv"));
}
