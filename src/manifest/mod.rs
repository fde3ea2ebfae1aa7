pub mod diagnostics;
pub mod yaml;
