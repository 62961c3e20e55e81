//! Sniffing and the bundle walker over an in-memory file (usually a zip), then reading every
//! input it finds ready, as the app does.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::bundle(data));
