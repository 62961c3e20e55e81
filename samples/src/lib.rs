//! Deterministic generators of synthetic Entra Connect Sync and Cloud Sync support bundles: EVTX
//! files written like Windows writes them ([`evtx_writer`]), provisioning-agent and wizard traces
//! ([`trace`]), the Connect Sync text artefacts ([`connect_sync`] and the modules it uses), zips
//! ([`zip_pack`]), and a scenario API that assembles them in the real collectors' layouts
//! ([`scenario`]). Every output is byte-identical across runs and machines.
pub mod connect_sync;
pub mod error_export;
pub mod event_text;
pub mod events;
pub mod evtx_writer;
pub mod ps_dump;
pub mod rng;
pub mod run_history;
pub mod scale;
pub mod scenario;
pub mod shipped;
pub mod trace;
pub mod zip_pack;
