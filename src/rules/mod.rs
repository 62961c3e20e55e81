//! Diagnosis: the rule catalogue (TOML data shipped in the binary, plus user rules) and the engine
//! that turns the timeline and facts of a [`Report`](crate::report::Report) into ranked findings.
//!
//! * [`model`]: the rule-file format (serde).
//! * [`catalogue`]: loading, merging and validating rule files.
//! * [`engine`]: matching, findings, ranking, evidence tags; [`terms`] for entry selection.
//! * [`commands`]: the text of `rules list`, `rules check` and `explain`.

pub mod catalogue;
pub mod commands;
pub mod engine;
pub mod model;

pub use catalogue::{Catalogue, CatalogueError, RuleProblem};
pub use engine::{diagnose, terms};

#[cfg(test)]
mod tests;
