//! Sample generator
pub mod connect_sync;
pub mod error_export;
pub mod event_text;
pub mod ps_dump;
pub mod run_history;
