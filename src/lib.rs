//! Switchboard: keeps communications infrastructure in the state its Git repository declares.
//!
//! The data flows one way — load → validate → resolve → graph → observe → diff → plan →
//! execute → record — and each stage below is a module with plain-data input and output.

pub mod apply;
pub mod cli;
pub mod config;
pub mod diff;
pub mod graph;
pub mod http_log;
pub mod inventory;
pub mod manifest;
pub mod model;
pub mod plan;
pub mod providers;
pub mod redact;
pub mod resolve;
pub mod transport;
