//! Integration tests: they drive the real `syncsift` binary (assert_cmd) or the library pipeline on
//! bundles built in the test, one module per topic.

mod bad_input;
mod diagnosis;
mod equivalence;
mod evtx_fast_path;
mod hostile;
mod per_cause;
mod redaction;
mod reports;
mod sample_reports;
mod shipped_bundles;
mod util;
