//! `DialPlan`: dial patterns routed to a trunk or route group
//! (`/telephony/config/premisePstn/dialPlans`). Lookup by name; patterns are a set, reconciled
//! with ADD/DELETE actions.

use super::common::{ROUTE_REFS, RouteChoice, new_id, route_choice, route_identity, str_at};
use crate::model::LiveObject;
use crate::providers::webex::client::WebexClient;
use crate::providers::{DiffRules, IdIndex, KindInfo, ProviderError, Steps, WriteRequest};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// A dial plan: patterns and the route (trunk or route group) they use.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DialPlanSpec {
    /// Unique dial plan name; the lookup key.
    #[schemars(length(min = 1, max = 64))]
    pub name: String,
    #[serde(flatten)]
    pub route: RouteChoice,
    /// E.164 patterns with `X` wildcards (`+1408XXXXXXX`) or enterprise digits (`8XXX`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(inner(regex(pattern = r"^(\+[0-9X]{2,15}|[0-9X*#]{1,30})!?$")))]
    pub dial_patterns: Option<Vec<String>>,
}

pub const KIND: &str = "DialPlan";
const PATH: &str = "/telephony/config/premisePstn/dialPlans";
/// Webex accepts pattern changes in batches; a live test used 200 per PUT.
const PATTERN_BATCH: usize = 200;

pub static INFO: KindInfo = KindInfo {
    kind: KIND,
    provider: "webex",
    description: "A dial plan: dial patterns routed to a trunk or a route group.",
    spec_schema: || schemars::schema_for!(DialPlanSpec),
    ref_fields: ROUTE_REFS,
    natural_key: |spec| spec["name"].as_str().unwrap_or_default().to_string(),
    steps: Steps {
        lookup: "dial_plan_lookup",
        create: "dial_plan_create",
        update: "dial_plan_update",
    },
    singleton: false,
    diff_rules: DiffRules {
        unordered_lists: &[("/dialPatterns", "")],
        ..DiffRules::NONE
    },
};

pub async fn list(
    client: &WebexClient,
    ids: &IdIndex,
    name: Option<&str>,
    wants_detail: impl Fn(&str) -> bool,
) -> Result<Vec<LiveObject>, ProviderError> {
    let query: Vec<(&str, &str)> = name.map(|n| vec![("dialPlanName", n)]).unwrap_or_default();
    let items = client.list(PATH, &query, "dialPlans").await?;
    let mut out: Vec<LiveObject> = items
        .iter()
        .filter_map(|i| {
            let id = i.get("id")?.as_str()?.to_string();
            let name = i.get("name")?.as_str()?.to_string();
            let mut state = json!({"name": name});
            if let Some(Value::Object(route)) = route_choice(
                ids,
                str_at(i, "/routeType"),
                str_at(i, "/routeId"),
                str_at(i, "/routeName"),
            ) {
                state.as_object_mut()?.extend(route);
            }
            Some(LiveObject {
                kind: KIND.into(),
                key: name,
                id,
                state,
            })
        })
        .collect();
    let wanted: Vec<usize> = (0..out.len())
        .filter(|&i| wants_detail(&out[i].key))
        .collect();
    let patterns = super::fetch_all(
        wanted
            .iter()
            .map(|&i| {
                let path = format!("{PATH}/{}/dialPatterns", out[i].id);
                async move { client.list(&path, &[], "dialPatterns").await }
            })
            .collect(),
    )
    .await?;
    for (i, p) in wanted.into_iter().zip(patterns) {
        out[i].state["dialPatterns"] = Value::Array(p);
    }
    Ok(out)
}

pub async fn lookup(
    client: &WebexClient,
    ids: &IdIndex,
    key: &str,
) -> Result<Option<LiveObject>, ProviderError> {
    Ok(super::exactly(
        list(client, ids, Some(key), |k| k == key).await?,
        key,
    ))
}

fn patterns(value: &Value) -> BTreeSet<String> {
    value
        .get("dialPatterns")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn route_body(ids: &IdIndex, spec: &Value) -> Result<Value, ProviderError> {
    let (route_id, route_type) = route_identity(ids, spec)?;
    Ok(json!({"name": spec["name"], "routeId": route_id, "routeType": route_type}))
}

pub async fn create(
    client: &WebexClient,
    ids: &IdIndex,
    request: &WriteRequest,
) -> Result<String, ProviderError> {
    let mut body = route_body(ids, &request.spec)?;
    let wanted: Vec<String> = patterns(&request.spec).into_iter().collect();
    body["dialPatterns"] = json!(wanted.iter().take(PATTERN_BATCH).collect::<Vec<_>>());
    let response = client.post(PATH, &body).await?;
    let id = new_id(&response, KIND)?;
    if let Some(errors) = response
        .get("dialPatternErrors")
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
    {
        return Err(ProviderError::Api {
            method: "POST".into(),
            path: PATH.into(),
            status: 200,
            message: format!(
                "dial plan created but patterns were rejected: {}",
                Value::Array(errors.clone())
            ),
            duplicate: false,
            tracking_id: None,
        });
    }
    let rest: Vec<(String, &str)> = wanted
        .into_iter()
        .skip(PATTERN_BATCH)
        .map(|p| (p, "ADD"))
        .collect();
    modify_patterns(client, &id, rest).await?;
    Ok(id)
}

pub async fn update(
    client: &WebexClient,
    ids: &IdIndex,
    request: &WriteRequest,
    live: &LiveObject,
) -> Result<(), ProviderError> {
    let desired_route = route_body(ids, &request.spec)?;
    let live_route = route_body(ids, &live.state).ok();
    if live_route.as_ref() != Some(&desired_route) {
        client
            .put(&format!("{PATH}/{}", live.id), &desired_route)
            .await?;
    }
    if request.spec.get("dialPatterns").is_some() {
        let (want, have) = (patterns(&request.spec), patterns(&live.state));
        let mut changes: Vec<(String, &str)> =
            want.difference(&have).map(|p| (p.clone(), "ADD")).collect();
        changes.extend(have.difference(&want).map(|p| (p.clone(), "DELETE")));
        modify_patterns(client, &live.id, changes).await?;
    }
    Ok(())
}

async fn modify_patterns(
    client: &WebexClient,
    id: &str,
    changes: Vec<(String, &str)>,
) -> Result<(), ProviderError> {
    for batch in changes.chunks(PATTERN_BATCH) {
        let items: Vec<Value> = batch
            .iter()
            .map(|(p, a)| json!({"dialPattern": p, "action": a}))
            .collect();
        client
            .put(
                &format!("{PATH}/{id}/dialPatterns"),
                &json!({"dialPatterns": items}),
            )
            .await?;
    }
    Ok(())
}
