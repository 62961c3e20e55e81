//! syncsift
