//! Helpers shared by the integration tests: temporary folders, zip building, running the binary.

use assert_cmd::Command;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;

/// A fresh temporary folder, removed when dropped.
pub(crate) fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// How a member is stored in a test zip.
#[derive(Clone, Copy)]
pub(crate) enum Method {
    Stored,
    Deflated,
}

/// Builds a zip in memory from `(name, bytes, method)`, with a fixed member time.
pub(crate) fn zip_bytes(members: &[(&str, &[u8], Method)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let time = zip::DateTime::from_date_and_time(2024, 3, 9, 10, 15, 0).expect("zip time");
    for (name, bytes, method) in members {
        let method = match method {
            Method::Stored => zip::CompressionMethod::Stored,
            Method::Deflated => zip::CompressionMethod::Deflated,
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(time);
        writer.start_file(*name, options).expect("start member");
        writer.write_all(bytes).expect("write member");
    }
    writer.finish().expect("finish zip").into_inner()
}

/// Writes `bytes` to `dir/name` and returns the path.
pub(crate) fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create parent");
    }
    std::fs::write(&path, bytes).expect("write file");
    path
}

/// The `syncsift` binary, with a clean environment for stable output.
pub(crate) fn syncsift() -> Command {
    let mut cmd = Command::cargo_bin("syncsift").expect("binary built");
    cmd.env_remove("NO_COLOR").env("RUST_BACKTRACE", "0");
    cmd
}

/// Lines of a small agent trace exercising footers, continuations and entries without time.
const AGENT_TRACE_LINES: &[&str] = &[
    "AADConnectProvisioningAgent.exe Information: 0 : Starting agent",
    "AADConnectProvisioningAgent.exe Error: 0 : Web socket failed to connect.",
    "   at Microsoft.ApplicationProxy.Connector.Listeners.ConnectorSignalingWebSocket.Connect()",
    "    ProcessId=4242",
    "    ThreadId=17",
    "    DateTime=2024-03-09T10:15:23.1234567Z",
    "AADConnectProvisioningAgent.exe Warning: 0 : ServiceBusClientWebSocket was expecting more bytes",
    "AADConnectProvisioningAgent.exe Error: 0 : Processing failed at 2024-03-09 09:00:00Z with HybridIdentityServiceNoActiveAgents",
];

/// The trace with CRLF line ends, as written on Windows.
pub(crate) fn agent_trace() -> String {
    let mut text = AGENT_TRACE_LINES.join("\r\n");
    text.push_str("\r\n");
    text
}

/// The agent trace encoded as UTF-16LE with a BOM, as PowerShell writes files.
pub(crate) fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

/// Runs `syncsift analyse --format json ARGS...`: the report and the exit code.
pub(crate) fn report(args: &[&std::ffi::OsStr]) -> (Value, i32) {
    let output = syncsift()
        .args(["analyse", "--format", "json"])
        .args(args)
        .output()
        .expect("run syncsift");
    let report = serde_json::from_slice(&output.stdout).expect("JSON report");
    (report, output.status.code().expect("exit code"))
}

/// `(file name, disposition, reason)` of every input.
pub(crate) fn dispositions(report: &Value) -> Vec<(String, String, String)> {
    report["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|input| {
            let path = input["path"].as_str().unwrap_or_default();
            let name = path
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or_default()
                .to_owned();
            (
                name,
                input["disposition"].as_str().unwrap_or_default().to_owned(),
                input["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The ids of a JSON report's findings, in rank order.
pub(crate) fn finding_ids(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| f["id"].as_str().expect("id").to_owned())
        .collect()
}

/// The finding `id` of a JSON report; fails, listing the ids found, when it is missing.
pub(crate) fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no finding {id} in {:?}", finding_ids(report)))
}
