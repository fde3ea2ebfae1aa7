//! `DialPlan`: dial patterns routed to a trunk or route group
//! (`/telephony/config/premisePstn/dialPlans`). Lookup by name; patterns are a set, reconciled
//! with ADD/DELETE actions.

use super::common::{
    ROUTE_REFS, RouteChoice, id_for, input_key, new_id, route_choice, route_identity, str_at,
};
use crate::model::LiveObject;
use crate::providers::kind::Operation;
use crate::providers::webex::client::WebexClient;
use crate::providers::{
    Change, DiffRules, ErrorClass, IdIndex, Kind, KindInfo, ProviderError, Scope, Shape, Step,
};
use futures::future::BoxFuture;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A dial plan: patterns and the route (trunk or route group) they use.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DialPlanSpec {
    /// Unique dial plan name; the lookup key.
    #[schemars(length(min = 1, max = 64), regex(pattern = r"\S"))]
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
    aliases: &[],
    spec_schema: || schemars::schema_for!(DialPlanSpec),
    ref_fields: ROUTE_REFS,
    natural_key: |spec| spec["name"].as_str().unwrap_or_default().to_string(),
    shape: Shape::Object,
    lookup_step: "dial_plan_lookup",
    diff_rules: DiffRules {
        member_lists: &[("/dialPatterns", "")],
        ..DiffRules::NONE
    },
    provides: None,
};

pub struct DialPlan;

/// The name and route of a spec, in manifest terms (the route's id is found when it runs).
fn route_spec(spec: &Value) -> Value {
    let mut out = json!({"name": spec["name"]});
    for field in ["routeGroupRef", "trunkRef"] {
        if let Some(v) = spec.get(field) {
            out[field] = v.clone();
        }
    }
    out
}

fn route_body(ids: &IdIndex, spec: &Value) -> Result<Value, ProviderError> {
    let (route_id, route_type) = route_identity(ids, spec)?;
    Ok(json!({"name": spec["name"], "routeId": route_id, "routeType": route_type}))
}

/// Pattern changes in batches of `PATTERN_BATCH`, one step each.
fn pattern_steps(key: &str, changes: &[(String, &str)]) -> Vec<Step> {
    changes
        .chunks(PATTERN_BATCH)
        .map(|batch| {
            let items: Vec<Value> = batch
                .iter()
                .map(|(p, a)| json!({"dialPattern": p, "action": a}))
                .collect();
            let detail = format!(
                "{} pattern(s): {}{}",
                items.len(),
                batch[0].0,
                if batch.len() > 1 { " …" } else { "" }
            );
            Step::new(
                "dial_plan_patterns",
                json!({"key": key, "dialPatterns": items}),
            )
            .detail(detail)
        })
        .collect()
}

impl Kind<WebexClient> for DialPlan {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    /// One list call; the pattern list (paginated) only for the keys wanted in detail.
    fn observe<'a>(
        &'a self,
        client: &'a WebexClient,
        scope: &'a Scope,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        Box::pin(async move {
            let mut out =
                super::list_in_scope(client, PATH, "dialPlanName", "dialPlans", scope, |i| {
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
                    Some(LiveObject::new(KIND, name, id, state))
                })
                .await?;
            let wanted: Vec<usize> = (0..out.len())
                .filter(|&i| scope.wants_detail(&out[i].key))
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
        })
    }

    fn steps(&self, change: &Change<'_>) -> Result<Vec<Step>, crate::providers::Blocked> {
        let pattern_changes: Vec<(String, &str)> = change
            .members_of("/dialPatterns")
            .map(|m| {
                (
                    m.key.clone(),
                    if m.after.is_some() { "ADD" } else { "DELETE" },
                )
            })
            .collect();
        let mut steps = Vec::new();
        match change.operation {
            Operation::Create => {
                // The create carries the first batch; the rest follow as pattern steps.
                let first: Vec<&str> = pattern_changes
                    .iter()
                    .take(PATTERN_BATCH)
                    .map(|(p, _)| p.as_str())
                    .collect();
                let mut spec = route_spec(change.desired);
                spec["dialPatterns"] = json!(first);
                steps.push(Step::new("dial_plan_create", json!({"spec": spec})).creating());
                let rest: Vec<(String, &str)> =
                    pattern_changes.into_iter().skip(PATTERN_BATCH).collect();
                steps.extend(pattern_steps(change.key, &rest));
            }
            Operation::Update => {
                if change.touches("/routeGroupRef") || change.touches("/trunkRef") {
                    steps.push(Step::new(
                        "dial_plan_update",
                        json!({"key": change.key, "spec": route_spec(change.desired)}),
                    ));
                }
                steps.extend(pattern_steps(change.key, &pattern_changes));
            }
            Operation::Delete => {
                steps.push(Step::new("dial_plan_delete", json!({"key": change.key})))
            }
        }
        Ok(steps)
    }

    fn run<'a>(
        &'a self,
        client: &'a WebexClient,
        step: &'a Step,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        Box::pin(async move {
            match step.name.as_str() {
                "dial_plan_create" => {
                    let spec = &step.input["spec"];
                    let mut body = route_body(ids, spec)?;
                    body["dialPatterns"] = spec["dialPatterns"].clone();
                    let response = client.post(PATH, &body).await?;
                    let id = new_id(&response, KIND)?;
                    if let Some(errors) = response
                        .get("dialPatternErrors")
                        .and_then(Value::as_array)
                        .filter(|e| !e.is_empty())
                    {
                        return Err(ProviderError::new(
                            ErrorClass::Definite,
                            format!(
                                "POST {PATH}: dial plan created but patterns were rejected: {}",
                                Value::Array(errors.clone())
                            ),
                        ));
                    }
                    Ok(Some(id))
                }
                "dial_plan_update" => {
                    let id = id_for(ids, KIND, input_key(step))?;
                    let body = route_body(ids, &step.input["spec"])?;
                    client.put(&format!("{PATH}/{id}"), &body).await?;
                    Ok(None)
                }
                "dial_plan_patterns" => {
                    let id = id_for(ids, KIND, input_key(step))?;
                    let body = json!({"dialPatterns": step.input["dialPatterns"]});
                    client
                        .put(&format!("{PATH}/{id}/dialPatterns"), &body)
                        .await?;
                    Ok(None)
                }
                "dial_plan_delete" => super::delete_by_key(client, ids, KIND, PATH, step).await,
                other => Err(super::unknown_step(KIND, other)),
            }
        })
    }
}
