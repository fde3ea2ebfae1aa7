//! The Webex kinds, one file each: spec type (→ JSON Schema), natural key, wire mapping.

pub mod common;
pub mod dial_plan;
pub mod internal_dialing;
pub mod location;
pub mod route_group;
pub mod schedule;
pub mod trunk;

use crate::providers::ProviderError;
use futures::{StreamExt, stream};
use std::future::Future;

/// How many detail reads of one list run at once.
pub const DETAIL_CONCURRENCY: usize = 8;

/// Run the futures with bounded concurrency, keeping their order; the first error wins.
pub async fn fetch_all<T, F>(futures: Vec<F>) -> Result<Vec<T>, ProviderError>
where
    F: Future<Output = Result<T, ProviderError>>,
{
    stream::iter(futures)
        .buffered(DETAIL_CONCURRENCY)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}
