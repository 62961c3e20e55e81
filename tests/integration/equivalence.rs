//! The same content must give the same timeline however it arrives: loose file, stored or deflated
//! zip member, zip inside a zip, UTF-8 or UTF-16; and on 1 thread or N threads.

use crate::util::{Method, agent_trace, syncsift, temp_dir, utf16le_with_bom, write, zip_bytes};
use serde_json::Value;
use std::path::Path;

/// The JSON report's timeline with provenance reduced to the locator (`:line` / `#record N`), so
/// containers of different names compare equal.
fn timeline_of(path: &Path) -> Vec<Value> {
    let output = syncsift()
        .args(["analyse", "--format", "json", "--all"])
        .arg(path)
        .output()
        .expect("run syncsift");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    report["timeline"]
        .as_array()
        .expect("timeline array")
        .iter()
        .map(|entry| {
            let mut entry = entry.clone();
            entry.as_object_mut().expect("entry object").remove("input");
            entry
        })
        .collect()
}

/// Entries without a time of their own are bounded by their file's time, which differs from copy to
/// copy (and so does their place in the timeline): compare everything else, in file order.
fn without_time(mut entries: Vec<Value>) -> Vec<Value> {
    entries.sort_by_key(|e| e["seq"].as_u64());
    entries
        .into_iter()
        .map(|mut e| {
            if e["record"]["time"]["basis"] != "recorded" {
                e["record"]["time"] = Value::Null;
            }
            e
        })
        .collect()
}

#[test]
fn loose_stored_deflated_and_nested_give_the_same_timeline() {
    let dir = temp_dir();
    let text = agent_trace();
    let trace = text.as_bytes();
    let loose = write(dir.path(), "loose/agent.log", trace);
    let stored = write(
        dir.path(),
        "stored.zip",
        &zip_bytes(&[("Trace/agent.log", trace, Method::Stored)]),
    );
    let deflated = write(
        dir.path(),
        "deflated.zip",
        &zip_bytes(&[("Trace/agent.log", trace, Method::Deflated)]),
    );
    let inner = zip_bytes(&[("agent.log", trace, Method::Deflated)]);
    let nested = write(
        dir.path(),
        "nested.zip",
        &zip_bytes(&[("inner.zip", &inner, Method::Stored)]),
    );
    let nested_deflated = write(
        dir.path(),
        "nested-deflated.zip",
        &zip_bytes(&[("inner.zip", &inner, Method::Deflated)]),
    );
    let expected = without_time(timeline_of(&loose));
    assert_eq!(expected.len(), 4, "{expected:#?}");
    // The footer's time is used, and the footer lines are not part of the message.
    let socket = expected
        .iter()
        .find(|e| {
            e["record"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Web socket"))
        })
        .expect("socket entry");
    assert_eq!(
        socket["record"]["time"]["utc"],
        "2024-03-09T10:15:23.123456700Z"
    );
    assert_eq!(
        socket["record"]["fields"],
        serde_json::json!([["ProcessId", "4242"], ["ThreadId", "17"]])
    );
    for path in [&stored, &deflated, &nested, &nested_deflated] {
        assert_eq!(
            without_time(timeline_of(path)),
            expected,
            "{}",
            path.display()
        );
    }
}

#[test]
fn utf16_and_utf8_traces_give_the_same_records() {
    let dir = temp_dir();
    let utf8 = write(dir.path(), "a/agent.log", agent_trace().as_bytes());
    let utf16 = write(dir.path(), "b/agent.log", &utf16le_with_bom(&agent_trace()));
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(agent_trace().as_bytes());
    let utf8_bom = write(dir.path(), "c/agent.log", &bom);
    let lf_only = write(
        dir.path(),
        "d/agent.log",
        agent_trace().replace("\r\n", "\n").as_bytes(),
    );
    let expected = without_time(timeline_of(&utf8));
    assert_eq!(expected.len(), 4);
    for path in [&utf16, &utf8_bom, &lf_only] {
        assert_eq!(
            without_time(timeline_of(path)),
            expected,
            "{}",
            path.display()
        );
    }
}

#[test]
fn one_thread_and_many_threads_give_identical_bytes() {
    let dir = temp_dir();
    for i in 0..6 {
        let text = agent_trace().replace("Starting agent", &format!("Starting agent {i}"));
        write(dir.path(), &format!("t{i}/agent.log"), text.as_bytes());
        write(
            dir.path(),
            &format!("z{i}.zip"),
            &zip_bytes(&[("agent.log", text.as_bytes(), Method::Deflated)]),
        );
    }
    let run = |threads: &str| {
        syncsift()
            .args(["analyse", "--all", "-t", threads])
            .arg(dir.path())
            .output()
            .expect("run")
            .stdout
    };
    let single = run("1");
    assert!(!single.is_empty());
    for threads in ["2", "4", "8"] {
        assert_eq!(run(threads), single, "threads = {threads}");
    }
}
