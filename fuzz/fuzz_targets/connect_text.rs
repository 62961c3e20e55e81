//! The Entra Connect Sync text formats: run history and connector-space XML, run-profile and
//! error CSVs, error details, Event Viewer text, PowerShell dumps.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::connect_text(data));
