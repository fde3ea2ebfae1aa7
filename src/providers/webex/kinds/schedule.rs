//! `Schedule`: a location's business-hours or holiday schedule with its events
//! (`/telephony/config/locations/{loc}/schedules`). Lookup by (location, type, name); events
//! are a set keyed by name, reconciled one event at a time.

use super::common::{id_for, input_key, new_id, pick, str_at};
use crate::model::LiveObject;
use crate::providers::kind::Operation;
use crate::providers::webex::client::WebexClient;
use crate::providers::{
    Change, DiffRules, IdIndex, Kind, KindInfo, ProviderError, Scope, Shape, Step,
};
use futures::future::BoxFuture;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A location schedule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleSpec {
    /// Schedule name, unique per location and type.
    #[schemars(length(min = 1, max = 60), regex(pattern = r"\S"))]
    pub name: String,
    #[serde(rename = "type")]
    pub schedule_type: ScheduleType,
    /// The Location the schedule belongs to.
    #[schemars(length(min = 1, max = 256), regex(pattern = r"\S"))]
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
    #[schemars(length(min = 1), regex(pattern = r"\S"))]
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
    #[schemars(range(min = 1))]
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
    #[schemars(range(min = 1))]
    pub recur_interval: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecurWeekly {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
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
    aliases: &[],
    spec_schema: || schemars::schema_for!(ScheduleSpec),
    ref_fields: &[("locationRef", "Location")],
    natural_key: |spec| {
        key(
            str_at(spec, "/locationRef"),
            str_at(spec, "/type"),
            str_at(spec, "/name"),
        )
    },
    shape: Shape::Object,
    lookup_step: "schedule_lookup",
    diff_rules: DiffRules {
        member_lists: &[("/events", "name")],
        immutable: &["/locationRef", "/type"],
        parent: Some(("locationRef", "Location")),
        ..DiffRules::NONE
    },
    provides: None,
};

pub struct Schedule;

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

fn wire_event(event: &Value) -> Value {
    Value::Object(pick(event, EVENT_FIELDS))
}

fn events_from_wire(detail: &Value) -> Value {
    let events = detail
        .get("events")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Value::Array(events.iter().map(wire_event).collect())
}

/// The schedules of one location (one list call, detail per schedule where wanted). Event ids
/// go to `meta.eventIds`, by event name, for the event steps.
async fn list_location(
    client: &WebexClient,
    location_id: &str,
    location_key: &str,
    scope: &Scope,
) -> Result<Vec<LiveObject>, ProviderError> {
    let name = scope.single_key().and_then(split_key).map(|(_, _, n)| n);
    let query: Vec<(&str, &str)> = name.map(|n| vec![("name", n)]).unwrap_or_default();
    let items = client.list(&base(location_id), &query, "schedules").await?;
    let mut out: Vec<LiveObject> = items
        .iter()
        .filter_map(|i| {
            let id = i.get("id")?.as_str()?.to_string();
            let name = i.get("name")?.as_str()?.to_string();
            let schedule_type = i.get("type")?.as_str()?.to_string();
            let state = json!({"name": name, "type": schedule_type, "locationRef": location_key});
            Some(LiveObject::new(
                KIND,
                key(location_key, &schedule_type, &name),
                id,
                state,
            ))
        })
        .filter(|s| scope.wants(&s.key))
        .collect();
    let wanted: Vec<usize> = (0..out.len())
        .filter(|&i| scope.wants_detail(&out[i].key))
        .collect();
    let details = super::fetch_all(
        wanted
            .iter()
            .map(|&i| {
                let schedule_type = str_at(&out[i].state, "/type");
                client.get_owned(format!(
                    "{}/{schedule_type}/{}",
                    base(location_id),
                    out[i].id
                ))
            })
            .collect(),
    )
    .await?;
    for (i, detail) in wanted.into_iter().zip(details) {
        out[i].state["events"] = events_from_wire(&detail);
        let ids: serde_json::Map<String, Value> = detail
            .get("events")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| Some((e.get("name")?.as_str()?.to_string(), e.get("id")?.clone())))
            .collect();
        out[i].meta = json!({"eventIds": ids});
    }
    Ok(out)
}

/// The path of the schedule a step names: `…/locations/{loc}/schedules/{type}/{id}`.
fn schedule_path(ids: &IdIndex, step: &Step) -> Result<String, ProviderError> {
    let location = id_for(ids, "Location", str_at(&step.input, "/locationRef"))?;
    let id = id_for(ids, KIND, input_key(step))?;
    Ok(format!(
        "{}/{}/{id}",
        base(&location),
        str_at(&step.input, "/type")
    ))
}

impl Kind<WebexClient> for Schedule {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    /// One list per location, concurrently, and only for the locations the scope asks about.
    fn observe<'a>(
        &'a self,
        client: &'a WebexClient,
        scope: &'a Scope,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        Box::pin(async move {
            let lookup_location = scope.single_key().and_then(location_of_key);
            let locations: Vec<(String, String)> = ids
                .all_of("Location")
                .filter(|(key, _)| scope.wants_parent(key))
                .filter(|(key, _)| lookup_location.is_none_or(|l| l == *key))
                .map(|(k, id)| (k.to_string(), id.to_string()))
                .collect();
            let per_location = super::fetch_all(
                locations
                    .iter()
                    .map(|(key, id)| list_location(client, id, key, scope))
                    .collect(),
            )
            .await?;
            Ok(per_location.into_iter().flatten().collect())
        })
    }

    fn steps(&self, change: &Change<'_>) -> Result<Vec<Step>, crate::providers::Blocked> {
        let (location, schedule_type) = match change.live {
            Some(live) => (&live.state["locationRef"], &live.state["type"]),
            None => (&change.desired["locationRef"], &change.desired["type"]),
        };
        let at = |input: Value| {
            let mut input = input;
            input["key"] = json!(change.key);
            input["locationRef"] = location.clone();
            input["type"] = schedule_type.clone();
            input
        };
        let event_ids = change.live.map(|l| &l.meta["eventIds"]);
        let event_id = |name: &str| -> Result<Value, String> {
            event_ids
                .and_then(|ids| ids.get(name))
                .cloned()
                .ok_or_else(|| format!("the live event '{name}' has no id in the observation"))
        };
        let mut steps = Vec::new();
        match change.operation {
            Operation::Create => {
                let spec = json!({
                    "name": change.desired["name"],
                    "type": schedule_type,
                    "events": events_from_wire(change.desired),
                });
                steps.push(Step::new("schedule_create", at(json!({"spec": spec}))).creating());
            }
            Operation::Update => {
                for m in change.members_of("/events") {
                    let step = match (&m.before, &m.after) {
                        (None, Some(event)) => Step::new(
                            "schedule_event_add",
                            at(json!({"event": wire_event(event)})),
                        ),
                        (Some(_), Some(event)) => Step::new(
                            "schedule_event_update",
                            at(json!({"event": wire_event(event), "eventId": event_id(&m.key)?})),
                        ),
                        (Some(_), None) => Step::new(
                            "schedule_event_delete",
                            at(json!({"eventId": event_id(&m.key)?})),
                        ),
                        (None, None) => continue,
                    };
                    steps.push(step.detail(format!("event {}", m.key)));
                }
            }
            Operation::Delete => steps.push(Step::new("schedule_delete", at(json!({})))),
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
            let event_id = str_at(&step.input, "/eventId");
            match step.name.as_str() {
                "schedule_create" => {
                    let location = id_for(ids, "Location", str_at(&step.input, "/locationRef"))?;
                    let response = client.post(&base(&location), &step.input["spec"]).await?;
                    Ok(Some(new_id(&response, KIND)?))
                }
                "schedule_event_add" => {
                    let path = format!("{}/events", schedule_path(ids, step)?);
                    client.post(&path, &step.input["event"]).await?;
                    Ok(None)
                }
                "schedule_event_update" => {
                    let path = format!("{}/events/{event_id}", schedule_path(ids, step)?);
                    let mut body = step.input["event"].clone();
                    body["newName"] = body["name"].clone();
                    client.put(&path, &body).await?;
                    Ok(None)
                }
                "schedule_event_delete" => {
                    let path = format!("{}/events/{event_id}", schedule_path(ids, step)?);
                    client.delete(&path).await?;
                    Ok(None)
                }
                "schedule_delete" => {
                    client.delete(&schedule_path(ids, step)?).await?;
                    Ok(None)
                }
                other => Err(super::unknown_step(KIND, other)),
            }
        })
    }
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
