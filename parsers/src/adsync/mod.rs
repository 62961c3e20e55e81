//! What an Entra Connect Sync server's support bundle holds besides event logs and traces: the
//! sync engine's run history and object errors (run-history and connector-space XML, run-profile
//! and error CSV, pasted Synchronization Service Manager details) and PowerShell configuration
//! dumps. Runs and errors share one record shape ([`records`]); dumps become facts.

pub mod columns;
pub mod copy_details;
pub mod csv_lines;
pub mod error_csv;
pub mod ps_dump;
pub mod records;
pub mod run_csv;
pub mod sync_xml;
