//! The committed sample bundles are exactly what the generator builds: regenerating them in memory
//! gives the same bytes, so `gen-samples --out samples/bundles` is a no-op on a clean checkout.

use std::path::PathBuf;
use syncsift_samples::scenario::Product;
use syncsift_samples::shipped::{self, CLOUD_SYNC_ZIP, CONNECT_SYNC_ZIP};

fn committed(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("bundles")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn regenerated_bundles_equal_the_committed_files() {
    let bundles = shipped::shipped_bundles().unwrap();
    let names: Vec<String> = bundles.iter().map(|b| format!("{}.zip", b.name)).collect();
    assert_eq!(names, [CLOUD_SYNC_ZIP, CONNECT_SYNC_ZIP]);
    for bundle in &bundles {
        let bytes = bundle.to_zip_bytes().unwrap();
        let name = format!("{}.zip", bundle.name);
        assert!(
            bytes == committed(&name),
            "{name} differs from the generator's output: run `cargo run -p syncsift-samples --bin gen-samples -- --out samples/bundles`"
        );
        assert!(bytes.len() < 1 << 20, "{name} is {} bytes", bytes.len());
    }
}

#[test]
fn layouts_follow_the_collectors() {
    let bundles = shipped::shipped_bundles().unwrap();
    let cloud = &bundles[0];
    assert_eq!(cloud.product, Product::CloudSync);
    let paths: Vec<&str> = cloud.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "AADCloudProvisioningDiagnostics-20240309-101500-Application.evtx",
            "AADCloudProvisioningDiagnostics-20240309-101500-System.evtx",
            "AADCloudProvisioningDiagnostics-20240309-101500-ProvisioningAgent.evtx",
            "AzureADConnectProvisioningAgent_20240309-065800.log",
            "trace-agent-verbose-20240309-101212.log",
        ]
    );
    let verbose = cloud
        .file("trace-agent-verbose-20240309-101212.log")
        .unwrap();
    assert_eq!(&verbose[..2], b"\xFF\xFE");
    let connect = &bundles[1];
    let root = "MECLOG-20240314-153000/20240314-153000/";
    assert!(connect.files.iter().all(|f| f.path.starts_with(root)));
    for expected in [
        "EVENTLOG/AADCONNECT01_Application.evtx",
        "EVENTLOG/AADCONNECT01_SystemEvent.evtx",
        "AADCTRACE/AADConnect/trace-20240314-141500.log",
        "CONFIG/MEC/Get-ADSyncScheduler.txt",
        "RUNHISTORY/AADCONNECT01_Get-ADSyncRunProfileResult.csv",
    ] {
        assert!(
            connect.file(&format!("{root}{expected}")).is_some(),
            "{expected}"
        );
    }
}

#[test]
fn folder_layout_matches_the_zip() {
    let dir = std::env::temp_dir().join(format!("syncsift-shipped-{}", std::process::id()));
    let bundles = shipped::shipped_bundles().unwrap();
    let cloud_root = bundles[0].write_into(&dir).unwrap();
    assert_eq!(
        cloud_root,
        dir.join("AADCloudProvisioningDiagnostics-20240309-101500")
    );
    assert_eq!(
        std::fs::read(cloud_root.join("trace-agent-verbose-20240309-101212.log")).unwrap(),
        bundles[0]
            .file("trace-agent-verbose-20240309-101212.log")
            .unwrap()
    );
    let connect_root = bundles[1].write_into(&dir).unwrap();
    assert_eq!(connect_root, dir.join("MECLOG-20240314-153000"));
    assert!(
        connect_root
            .join("20240314-153000/CONFIG/MEC/Get-ADSyncScheduler.txt")
            .is_file()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
