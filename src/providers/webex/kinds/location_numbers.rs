//! `LocationNumbers`: the phone numbers of a location's inventory
//! (`/telephony/config/locations/{loc}/numbers`). A singleton of the location whose `numbers`
//! are a member list: missing numbers are added, inactive ones activated, and unlisted ones
//! removed only with `prune: true` and only while nobody holds them. Its list provides the
//! `Number` keys other documents reference.

use super::common::{E164, id_for, input_key, str_at};
use super::number::{self, NumberRow};
use crate::model::LiveObject;
use crate::providers::kind::Operation;
use crate::providers::webex::client::WebexClient;
use crate::providers::{
    Blocked, Change, DiffRules, IdIndex, Kind, KindInfo, ProviderError, Scope, Shape, Step, reason,
};
use futures::future::BoxFuture;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The numbers a location holds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocationNumbersSpec {
    /// The Location whose inventory this is.
    #[schemars(length(min = 1, max = 256), regex(pattern = r"\S"))]
    pub location_ref: String,
    /// E.164 numbers the location must hold.
    #[schemars(inner(regex(pattern = E164)))]
    pub numbers: Vec<String>,
    /// The state the listed numbers must be in: `ACTIVE` activates inactive ones. Left out,
    /// numbers are added as Webex adds them (inactive) and never activated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<NumberState>,
    /// Remove the location's numbers this list does not name (only unassigned ones; never the
    /// main number). Default false: numbers added by others are left alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prune: Option<bool>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NumberState {
    Active,
    Inactive,
}

pub const KIND: &str = "LocationNumbers";
/// Numbers sent in one add, state change or removal: keeps each request body bounded.
pub const BATCH: usize = 100;
/// Up to this many locations are read one filtered list each; more, and the org list once.
const FILTERED_LOCATIONS: usize = 10;
/// PSTN connections whose numbers come from the provider: the API cannot add or check them.
const PROVIDER_NUMBERS: &[&str] = &["INTEGRATED_CCP", "CISCO_PSTN"];

pub static INFO: KindInfo = KindInfo {
    kind: KIND,
    provider: "webex",
    description: "A location's phone number inventory: numbers added, activated and (with prune) removed.",
    aliases: &[],
    spec_schema: || schemars::schema_for!(LocationNumbersSpec),
    ref_fields: &[("locationRef", "Location")],
    natural_key: |spec| str_at(spec, "/locationRef").to_string(),
    shape: Shape::Singleton,
    lookup_step: "location_numbers_read",
    diff_rules: DiffRules {
        member_lists: &[("/numbers", "")],
        // A choice of this document, not a live value.
        write_only: &["/prune"],
        immutable: &["/locationRef"],
        parent: Some(("locationRef", "Location")),
        after_siblings: &["LocationCalling"],
        ..DiffRules::NONE
    },
    provides: Some(("/numbers", number::KIND)),
};

pub struct LocationNumbers;

fn path(location_id: &str) -> String {
    format!("/telephony/config/locations/{location_id}/numbers")
}

fn connection_path(location_id: &str) -> String {
    format!("/telephony/pstn/locations/{location_id}/connection")
}

/// The inventory of one location as observed: every number in `numbers`; `state` ACTIVE only
/// when all are; per number its state and holder in `meta.numbers` (for the steps' prechecks),
/// and the PSTN connection type in `meta.pstnConnectionType`.
fn to_live(location_key: &str, location_id: &str, rows: &[NumberRow], pstn: Value) -> LiveObject {
    let all_active = rows.iter().all(|r| r.state == "ACTIVE");
    let state = json!({
        "locationRef": location_key,
        "numbers": rows.iter().map(|r| r.phone_number.clone()).collect::<Vec<_>>(),
        "state": if all_active { "ACTIVE" } else { "INACTIVE" },
    });
    let numbers: Map<String, Value> = rows
        .iter()
        .map(|r| {
            let detail = json!({"state": r.state, "mainNumber": r.main_number,
                "owner": r.owner_label()});
            (r.phone_number.clone(), detail)
        })
        .collect();
    let mut live = LiveObject::new(KIND, location_key, location_id, state);
    live.meta = json!({"numbers": numbers, "pstnConnectionType": pstn});
    live
}

/// The location's PSTN connection type; a location with none yet answers 404.
async fn connection_type(client: &WebexClient, location_id: &str) -> Result<Value, ProviderError> {
    match client.get(&connection_path(location_id), &[]).await {
        Ok(wire) => Ok(wire
            .get("pstnConnectionType")
            .cloned()
            .unwrap_or(Value::Null)),
        Err(e) if e.is_not_found() => Ok(Value::Null),
        Err(e) => Err(e),
    }
}

impl Kind<WebexClient> for LocationNumbers {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    /// The org number list filtered by location for a few locations, or read once and grouped
    /// by location when many are in scope; plus each location's PSTN connection.
    fn observe<'a>(
        &'a self,
        client: &'a WebexClient,
        scope: &'a Scope,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        Box::pin(async move {
            let locations = super::locations_in_scope(ids, scope);
            let mut by_location: BTreeMap<String, Vec<NumberRow>> = BTreeMap::new();
            if locations.len() <= FILTERED_LOCATIONS {
                let lists = super::fetch_all(
                    locations
                        .iter()
                        .map(|(_, id)| number::read_rows(client, Some(("locationId", id.as_str()))))
                        .collect(),
                )
                .await?;
                for ((_, id), rows) in locations.iter().zip(lists) {
                    by_location.insert(id.clone(), rows);
                }
            } else {
                for row in number::read_rows(client, None).await? {
                    by_location
                        .entry(row.location_id.clone())
                        .or_default()
                        .push(row);
                }
            }
            let connections = super::fetch_all(
                locations
                    .iter()
                    .map(|(_, id)| connection_type(client, id))
                    .collect(),
            )
            .await?;
            Ok(locations
                .iter()
                .zip(connections)
                .map(|((key, id), pstn)| {
                    let rows = by_location.get(id).map(Vec::as_slice).unwrap_or_default();
                    to_live(key, id, rows, pstn)
                })
                .collect())
        })
    }

    fn steps(&self, change: &Change<'_>) -> Result<Vec<Step>, Blocked> {
        let key = change.key;
        if change.operation == Operation::Delete {
            // A singleton is never owned, so never deleted; and an inventory has no default to
            // go back to. Removing numbers is `prune`'s job.
            return Ok(Vec::new());
        }
        let meta = change.live.map(|l| &l.meta);
        let live_number = |n: &str| meta.and_then(|m| m["numbers"].get(n));
        let pstn = meta
            .map(|m| str_at(m, "/pstnConnectionType"))
            .unwrap_or_default();
        let desired_state = change.desired.get("state").and_then(Value::as_str);
        let prune = change.desired.get("prune").and_then(Value::as_bool) == Some(true);

        let added: Vec<&str> = change
            .members_of("/numbers")
            .filter(|m| m.before.is_none())
            .filter_map(|m| m.after.as_ref()?.as_str())
            .collect();
        let removed: Vec<&str> = change
            .members_of("/numbers")
            .filter(|m| m.after.is_none() && prune)
            .map(|m| m.key.as_str())
            .collect();
        // `number_removal`'s precheck: a number someone holds, or the main number, stays.
        for number in &removed {
            let detail = live_number(number);
            let holder = detail.and_then(|d| d["owner"].as_str()).map(str::to_string);
            let main = detail.and_then(|d| d["mainNumber"].as_bool()) == Some(true);
            if let Some(holder) =
                holder.or_else(|| main.then(|| "the location as its main number".into()))
            {
                return Err(Blocked::new(
                    reason::PRECONDITION_MISSING,
                    format!("{number} is assigned to {holder}; unassign it first"),
                ));
            }
        }
        let switched: Vec<&str> = match desired_state {
            Some(wanted) => change
                .desired
                .get("numbers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|n| live_number(n).is_some_and(|d| d["state"].as_str() != Some(wanted)))
                .collect(),
            None => Vec::new(),
        };

        // Numbers of an integrated provider are added, removed and activated by the provider;
        // the API cannot do or check it (seeds/002: `pending(out_of_scope)`).
        if PROVIDER_NUMBERS.contains(&pstn)
            && !(added.is_empty() && removed.is_empty() && switched.is_empty())
        {
            return Err(Blocked::new(
                reason::OUT_OF_SCOPE,
                format!(
                    "location '{key}' gets its numbers from its PSTN provider ({pstn}): the API \
                     cannot add, activate or remove them; order them from the provider"
                ),
            ));
        }

        let mut steps = Vec::new();
        for batch in added.chunks(BATCH) {
            let mut input = json!({"key": key, "phoneNumbers": batch});
            if let Some(state) = desired_state {
                input["state"] = json!(state);
            }
            steps.push(Step::new("location_numbers_add", input).detail(batch_detail(batch)));
        }
        let action = if desired_state == Some("INACTIVE") {
            "DEACTIVATE"
        } else {
            "ACTIVATE"
        };
        for batch in switched.chunks(BATCH) {
            let input = json!({"key": key, "phoneNumbers": batch, "action": action});
            steps
                .push(Step::new("location_manage_number_state", input).detail(batch_detail(batch)));
        }
        for batch in removed.chunks(BATCH) {
            let input = json!({"key": key, "phoneNumbers": batch});
            steps.push(Step::new("number_remove", input).detail(batch_detail(batch)));
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
            let location = id_for(ids, "Location", input_key(step))?;
            let numbers = &step.input["phoneNumbers"];
            match step.name.as_str() {
                "location_numbers_add" => {
                    let mut body = json!({"phoneNumbers": numbers});
                    if let Some(state) = step.input.get("state") {
                        body["state"] = state.clone();
                    }
                    client.post(&path(&location), &body).await?;
                }
                "location_manage_number_state" => {
                    let body = json!({"phoneNumbers": numbers, "action": step.input["action"]});
                    client.put(&path(&location), &body).await?;
                }
                "number_remove" => {
                    let body = json!({"phoneNumbers": numbers});
                    client.delete_with_body(&path(&location), &body).await?;
                }
                other => return Err(super::unknown_step(KIND, other)),
            }
            Ok(None)
        })
    }
}

/// `numbers +34910000001…+34910000099 (99)` for a batch.
fn batch_detail(batch: &[&str]) -> String {
    match batch {
        [one] => format!("number {one}"),
        [first, .., last] => format!("numbers {first}…{last} ({})", batch.len()),
        [] => String::new(),
    }
}
