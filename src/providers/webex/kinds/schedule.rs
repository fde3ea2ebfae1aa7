//! `Schedule`: a location's business-hours or holiday schedule with its events
//! (`/telephony/config/locations/{loc}/schedules`). Lookup by (location, type, name); events
//! are a set keyed by name, reconciled one event at a time.

use super::common::{id_for, new_id, pick, str_at};
use crate::model::LiveObject;
use crate::providers::webex::client::WebexClient;
use crate::providers::{DiffRules, IdIndex, KindInfo, ProviderError, Steps, WriteRequest};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A location schedule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleSpec {
    /// Schedule name, unique per location and type.
    #[schemars(length(min = 1, max = 60))]
    pub name: String,
    #[serde(rename = "type")]
    pub schedule_type: ScheduleType,
    /// The Location the schedule belongs to.
    pub location_ref: String,
    /// The events; the list is owned: events not listed here are removed.
    #[serde(default)]
    pub events: Vec<ScheduleEvent>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub enum ScheduleType {
    #[serde(rename = "businessHours")]
    BusinessHours,
    #[serde(rename = "holidays")]
    Holidays,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleEvent {
    /// Event name, unique within the schedule.
    #[schemars(length(min = 1))]
    pub name: String,
    /// `YYYY-MM-DD`.
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub start_date: String,
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub end_date: String,
    /// `HH:MM`; leave out for all-day events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^\d{2}:\d{2}$"))]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^\d{2}:\d{2}$"))]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_day_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Recurrence>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Recurrence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recur_for_ever: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recur_end_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recur_end_occurrence: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recur_daily: Option<RecurDaily>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recur_weekly: Option<RecurWeekly>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recur_yearly_by_date: Option<RecurYearlyByDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recur_yearly_by_day: Option<RecurYearlyByDay>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecurDaily {
    pub recur_interval: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecurWeekly {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recur_interval: Option<u32>,
    #[serde(default)]
    pub sunday: bool,
    #[serde(default)]
    pub monday: bool,
    #[serde(default)]
    pub tuesday: bool,
    #[serde(default)]
    pub wednesday: bool,
    #[serde(default)]
    pub thursday: bool,
    #[serde(default)]
    pub friday: bool,
    #[serde(default)]
    pub saturday: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecurYearlyByDate {
    #[schemars(range(min = 1, max = 31))]
    pub day_of_month: u32,
    pub month: Month,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecurYearlyByDay {
    pub day: Weekday,
    pub week: WeekOfMonth,
    pub month: Month,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Month {
    January,
    February,
    March,
    April,
    May,
    June,
    July,
    August,
    September,
    October,
    November,
    December,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WeekOfMonth {
    First,
    Second,
    Third,
    Fourth,
}

pub const KIND: &str = "Schedule";
const EVENT_FIELDS: &[&str] = &[
    "name",
    "startDate",
    "endDate",
    "startTime",
    "endTime",
    "allDayEnabled",
    "recurrence",
];

pub static INFO: KindInfo = KindInfo {
    kind: KIND,
    provider: "webex",
    description: "A location's business-hours or holiday schedule and its events.",
    spec_schema: || schemars::schema_for!(ScheduleSpec),
    ref_fields: &[("locationRef", "Location")],
    natural_key: |spec| {
        key(
            str_at(spec, "/locationRef"),
            str_at(spec, "/type"),
            str_at(spec, "/name"),
        )
    },
    steps: Steps {
        lookup: "schedule_lookup",
        create: "schedule_create",
        update: "schedule_update",
    },
    singleton: false,
    diff_rules: DiffRules {
        unordered_lists: &[("/events", "name")],
        immutable: &["/locationRef", "/type"],
        ..DiffRules::NONE
    },
};

pub fn key(location: &str, schedule_type: &str, name: &str) -> String {
    format!("{location}/{schedule_type}/{name}")
}

/// A schedule key's parts, `(location, type, name)`: both names may hold `/`, the type between
/// them never does.
fn split_key(key: &str) -> Option<(&str, &str, &str)> {
    ["businessHours", "holidays"]
        .iter()
        .filter_map(|t| key.find(&format!("/{t}/")).map(|i| (i, *t)))
        .min()
        .map(|(i, t)| (&key[..i], t, &key[i + t.len() + 2..]))
}

/// The location part of a schedule key.
pub fn location_of_key(key: &str) -> Option<&str> {
    split_key(key).map(|(location, _, _)| location)
}

fn base(location_id: &str) -> String {
    format!("/telephony/config/locations/{location_id}/schedules")
}

fn events_from_wire(detail: &Value) -> Value {
    let events = detail
        .get("events")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Value::Array(
        events
            .iter()
            .map(|e| Value::Object(pick(e, EVENT_FIELDS)))
            .collect(),
    )
}

/// The schedules of one location (one list call, detail per schedule where wanted).
pub async fn list_location(
    client: &WebexClient,
    location_id: &str,
    location_key: &str,
    name: Option<&str>,
    wants_detail: impl Fn(&str) -> bool,
) -> Result<Vec<LiveObject>, ProviderError> {
    let query: Vec<(&str, &str)> = name.map(|n| vec![("name", n)]).unwrap_or_default();
    let items = client.list(&base(location_id), &query, "schedules").await?;
    let mut out: Vec<(LiveObject, String)> = items
        .iter()
        .filter_map(|i| {
            let id = i.get("id")?.as_str()?.to_string();
            let name = i.get("name")?.as_str()?.to_string();
            let schedule_type = i.get("type")?.as_str()?.to_string();
            let state = json!({"name": name, "type": schedule_type, "locationRef": location_key});
            let live = LiveObject {
                kind: KIND.into(),
                key: key(location_key, &schedule_type, &name),
                id,
                state,
            };
            Some((live, schedule_type))
        })
        .collect();
    let wanted: Vec<usize> = (0..out.len())
        .filter(|&i| wants_detail(&out[i].0.key))
        .collect();
    let details = super::fetch_all(
        wanted
            .iter()
            .map(|&i| {
                client.get_owned(format!(
                    "{}/{}/{}",
                    base(location_id),
                    out[i].1,
                    out[i].0.id
                ))
            })
            .collect(),
    )
    .await?;
    for (i, detail) in wanted.into_iter().zip(details) {
        out[i].0.state["events"] = events_from_wire(&detail);
    }
    Ok(out.into_iter().map(|(live, _)| live).collect())
}

pub async fn lookup(
    client: &WebexClient,
    ids: &IdIndex,
    key: &str,
) -> Result<Option<LiveObject>, ProviderError> {
    let Some((location, _, name)) = split_key(key) else {
        return Ok(None);
    };
    let Some(location_id) = ids.id_of("Location", location) else {
        return Ok(None);
    };
    let found = list_location(client, location_id, location, Some(name), |k| k == key).await?;
    Ok(super::exactly(found, key))
}

pub async fn create(
    client: &WebexClient,
    ids: &IdIndex,
    request: &WriteRequest,
) -> Result<String, ProviderError> {
    let location_id = id_for(ids, "Location", str_at(&request.spec, "/locationRef"))?;
    let body = json!({
        "name": request.spec["name"],
        "type": request.spec["type"],
        "events": events_from_wire(&request.spec),
    });
    new_id(&client.post(&base(&location_id), &body).await?, KIND)
}

/// Events are reconciled one by one: create the missing, replace the changed, delete the extra.
pub async fn update(
    client: &WebexClient,
    ids: &IdIndex,
    request: &WriteRequest,
    live: &LiveObject,
) -> Result<(), ProviderError> {
    let location_id = id_for(ids, "Location", str_at(&live.state, "/locationRef"))?;
    let schedule_type = str_at(&live.state, "/type");
    let path = format!("{}/{}/{}", base(&location_id), schedule_type, live.id);
    let detail = client.get(&path, &[]).await?;
    let live_events: BTreeMap<String, (String, Value)> = detail
        .get("events")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            Some((
                e.get("name")?.as_str()?.to_string(),
                (
                    str_at(e, "/id").to_string(),
                    Value::Object(pick(e, EVENT_FIELDS)),
                ),
            ))
        })
        .collect();
    let desired = events_from_wire(&request.spec);
    let desired: BTreeMap<String, Value> = desired
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| (str_at(e, "/name").to_string(), e.clone()))
        .collect();
    for (name, event) in &desired {
        match live_events.get(name) {
            None => {
                client.post(&format!("{path}/events"), event).await?;
            }
            Some((id, current)) if current != event => {
                let mut body = event.clone();
                body["newName"] = Value::String(name.clone());
                client.put(&format!("{path}/events/{id}"), &body).await?;
            }
            Some(_) => {}
        }
    }
    for (name, (id, _)) in &live_events {
        if !desired.contains_key(name) {
            client.delete(&format!("{path}/events/{id}")).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_location_of_a_key_survives_slashes_in_names() {
        assert_eq!(
            location_of_key("Madrid/Centro/holidays/2026/27"),
            Some("Madrid/Centro")
        );
        assert_eq!(
            location_of_key(&key("Site 0001", "businessHours", "Office Hours")),
            Some("Site 0001")
        );
        assert_eq!(location_of_key("no type here"), None);
        assert_eq!(
            split_key("Madrid/Centro/holidays/2026/27"),
            Some(("Madrid/Centro", "holidays", "2026/27"))
        );
    }
}
