//! The Webex Calling provider: the only place that knows Webex paths and JSON names.

pub mod client;
pub mod kinds;

use crate::model::LiveObject;
use crate::providers::{IdIndex, KindInfo, ObserveRequest, Provider, ProviderError, WriteRequest};
use client::WebexClient;
use futures::future::BoxFuture;
use kinds::{dial_plan, fetch_all, internal_dialing, location, route_group, schedule, trunk};

/// Kinds in dependency order (also the order they are observed in).
pub static KINDS: &[&KindInfo] = &[
    &location::INFO,
    &trunk::INFO,
    &route_group::INFO,
    &dial_plan::INFO,
    &schedule::INFO,
    &internal_dialing::INFO,
];

pub struct WebexProvider {
    client: WebexClient,
}

impl WebexProvider {
    pub fn new(client: WebexClient) -> Self {
        Self { client }
    }

    async fn observe_all(
        &self,
        request: &ObserveRequest,
    ) -> Result<Vec<LiveObject>, ProviderError> {
        let wants = |kind: &str| request.kinds.iter().any(|k| k == kind);
        let client = &self.client;
        // Locations first: everything else names them.
        let locations = location::list(client, None).await?;
        let ids = IdIndex::from_live(&locations);
        let detail = |kind: &'static str| move |key: &str| request.wants_detail(kind, key);

        // Trunks before route groups and dial plans, so their references map ids → keys.
        let trunks = if wants(trunk::KIND)
            || wants(route_group::KIND)
            || wants(dial_plan::KIND)
            || wants(internal_dialing::KIND)
        {
            trunk::list(client, &ids, None, detail(trunk::KIND)).await?
        } else {
            Vec::new()
        };
        let mut ids = ids;
        for t in &trunks {
            ids.insert(&t.kind, &t.key, &t.id);
        }
        let route_groups = if wants(route_group::KIND)
            || wants(dial_plan::KIND)
            || wants(internal_dialing::KIND)
        {
            route_group::list(client, &ids, None, detail(route_group::KIND)).await?
        } else {
            Vec::new()
        };
        for r in &route_groups {
            ids.insert(&r.kind, &r.key, &r.id);
        }
        let dial_plans = if wants(dial_plan::KIND) {
            dial_plan::list(client, &ids, None, detail(dial_plan::KIND)).await?
        } else {
            Vec::new()
        };

        // Per-location sub-resources: one list per location, run concurrently — and only for
        // the locations whose schedules are asked about (a snapshot asks about all).
        let schedules = if wants(schedule::KIND) {
            let asked = schedule_locations(request);
            fetch_all(
                locations
                    .iter()
                    .filter(|l| asked.as_ref().is_none_or(|a| a.contains(l.key.as_str())))
                    .map(|l| {
                        schedule::list_location(client, &l.id, &l.key, None, detail(schedule::KIND))
                    })
                    .collect(),
            )
            .await?
            .into_iter()
            .flatten()
            .collect()
        } else {
            Vec::new()
        };
        let dialing = if wants(internal_dialing::KIND) {
            let scoped = locations
                .iter()
                .filter(|l| request.wants_detail(internal_dialing::KIND, &l.key));
            fetch_all(
                scoped
                    .map(|l| internal_dialing::read(client, &ids, &l.id, &l.key))
                    .collect(),
            )
            .await?
        } else {
            Vec::new()
        };

        let mut all = locations;
        all.extend(trunks);
        all.extend(route_groups);
        all.extend(dial_plans);
        all.extend(schedules);
        all.extend(dialing);
        Ok(all)
    }
}

/// The location keys of the schedules `request` wants in detail (None: every location).
fn schedule_locations(request: &ObserveRequest) -> Option<std::collections::HashSet<&str>> {
    let detail = request.detail.as_ref()?;
    Some(
        detail
            .iter()
            .filter(|k| k.kind == schedule::KIND)
            .filter_map(|k| schedule::location_of_key(&k.key))
            .collect(),
    )
}

impl Provider for WebexProvider {
    fn observe<'a>(
        &'a self,
        request: &'a ObserveRequest,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        Box::pin(self.observe_all(request))
    }

    fn lookup<'a>(
        &'a self,
        kind: &'a str,
        key: &'a str,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Option<LiveObject>, ProviderError>> {
        Box::pin(async move {
            let c = &self.client;
            match kind {
                location::KIND => location::lookup(c, key).await,
                trunk::KIND => trunk::lookup(c, ids, key).await,
                route_group::KIND => route_group::lookup(c, ids, key).await,
                dial_plan::KIND => dial_plan::lookup(c, ids, key).await,
                schedule::KIND => schedule::lookup(c, ids, key).await,
                internal_dialing::KIND => internal_dialing::lookup(c, ids, key).await,
                other => Err(ProviderError::Unsupported(format!(
                    "webex has no kind {other}"
                ))),
            }
        })
    }

    fn create<'a>(
        &'a self,
        request: &'a WriteRequest,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            let c = &self.client;
            match request.kind.as_str() {
                location::KIND => location::create(c, request).await,
                trunk::KIND => trunk::create(c, ids, request).await,
                route_group::KIND => route_group::create(c, ids, request).await,
                dial_plan::KIND => dial_plan::create(c, ids, request).await,
                schedule::KIND => schedule::create(c, ids, request).await,
                internal_dialing::KIND => {
                    internal_dialing::update(c, ids, request).await?;
                    Ok(ids
                        .id_of(location::KIND, &request.key)
                        .unwrap_or_default()
                        .to_string())
                }
                other => Err(ProviderError::Unsupported(format!(
                    "webex has no kind {other}"
                ))),
            }
        })
    }

    fn update<'a>(
        &'a self,
        request: &'a WriteRequest,
        live: &'a LiveObject,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let c = &self.client;
            match request.kind.as_str() {
                location::KIND => location::update(c, request, live).await,
                trunk::KIND => trunk::update(c, request, live).await,
                route_group::KIND => route_group::update(c, ids, request, live).await,
                dial_plan::KIND => dial_plan::update(c, ids, request, live).await,
                schedule::KIND => schedule::update(c, ids, request, live).await,
                internal_dialing::KIND => internal_dialing::update(c, ids, request).await,
                other => Err(ProviderError::Unsupported(format!(
                    "webex has no kind {other}"
                ))),
            }
        })
    }
}
