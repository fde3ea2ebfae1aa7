//! Switchboard: keeps communications infrastructure in the state its Git repository declares.
//!
//! The data flows one way — load → validate → place → resolve → graph → observe → diff → plan
//! → execute → record — and each stage below is a module with plain-data input and output.

pub mod apply;
pub mod cli;
pub mod config;
pub mod diff;
pub mod exchange_log;
pub mod files;
pub mod graph;
pub mod inventory;
pub mod manifest;
pub mod model;
pub mod ownership;
pub mod partial;
pub mod placement;
pub mod plan;
pub mod policy;
pub mod progress;
pub mod providers;
pub mod redact;
pub mod resolve;
pub mod state_lock;
pub mod transport;
