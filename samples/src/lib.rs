//! Sample generator
