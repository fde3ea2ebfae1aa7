//! Stage 8: the plan — its model, how it is built from desired and live state (deletes and
//! safety thresholds included), and its views.

pub mod build;
pub mod deletes;
pub mod model;
pub mod render;
pub mod signing;

pub use build::{PlanInput, build};
pub use model::{Action, ActionType, Plan};
