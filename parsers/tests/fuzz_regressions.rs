//! Inputs that once crashed (or hung) a fuzz target, and hand-made edge cases (`probe-*`), replayed
//! through the target's own code (`fuzz/fuzz_targets/common.rs`): `fuzz/regressions/<target>/*`.
//! Each must run to the end without a panic.

use std::path::PathBuf;

#[path = "../../fuzz/fuzz_targets/common.rs"]
mod common;

#[test]
fn saved_fuzz_inputs_no_longer_crash() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    let mut replayed = 0;
    for target in ["trace", "connect_text", "bundle", "evtx"] {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths.iter().filter(|p| p.is_file()) {
            let data = std::fs::read(path).expect("read regression input");
            assert!(common::run(target, &data), "unknown target {target}");
            replayed += 1;
        }
    }
    assert!(replayed >= 5, "fuzz/regressions holds at least the probes");
    eprintln!("{replayed} saved fuzz inputs replayed");
}
