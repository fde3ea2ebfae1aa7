//! Stage 7: the plan — its model, how it is built from desired and live state, and its views.

pub mod build;
pub mod model;
pub mod render;

pub use build::build;
pub use model::{Action, ActionType, Plan};
