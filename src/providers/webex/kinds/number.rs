//! `Number`: one phone number of the org's inventory (`/telephony/config/numbers`), observed
//! only. Numbers enter a location through `LocationNumbers`, whose list provides their keys; a
//! reference to a number neither listed there nor live is `pending(number_inventory_missing)`.

use super::common::{E164, str_at};
use crate::model::LiveObject;
use crate::providers::webex::client::WebexClient;
use crate::providers::{
    Blocked, Change, DiffRules, IdIndex, Kind, KindInfo, ProviderError, Scope, Shape, Step, reason,
};
use futures::future::BoxFuture;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A number is never written; this type only gives the kind a schema (its observed state).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NumberSpec {
    /// E.164, the key other documents name the number by.
    #[schemars(regex(pattern = E164))]
    pub phone_number: String,
    /// The Location whose inventory holds the number.
    pub location_ref: String,
}

pub const KIND: &str = "Number";
pub const PATH: &str = "/telephony/config/numbers";

pub static INFO: KindInfo = KindInfo {
    kind: KIND,
    provider: "webex",
    description: "A phone number of the org's inventory; observed only (add it with LocationNumbers).",
    aliases: &["PhoneNumber"],
    spec_schema: || schemars::schema_for!(NumberSpec),
    ref_fields: &[("locationRef", "Location")],
    natural_key: |spec| str_at(spec, "/phoneNumber").to_string(),
    shape: Shape::ObservedOnly {
        reason: "numbers are added through LocationNumbers",
        missing: reason::NUMBER_INVENTORY_MISSING,
    },
    lookup_step: "number_lookup",
    diff_rules: DiffRules::NONE,
    provides: None,
};

pub struct Number;

/// One number row of the org list, read from the wire: what both `Number` and
/// `LocationNumbers` need of it.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberRow {
    pub phone_number: String,
    pub location_id: String,
    pub state: String,
    pub main_number: bool,
    /// `(type, id, name)` of the owner, if the number is assigned.
    pub owner: Option<(String, String, String)>,
}

impl NumberRow {
    /// A row with a phone number (extension-only rows, which the list also holds, are skipped).
    pub fn from_wire(item: &Value) -> Option<Self> {
        let phone_number = item.get("phoneNumber")?.as_str()?.to_string();
        let owner = item.get("owner").filter(|o| o.is_object()).map(|o| {
            let name = match o.get("displayName").and_then(Value::as_str) {
                Some(display) => display.to_string(),
                None => [str_at(o, "/firstName"), str_at(o, "/lastName")]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            (
                str_at(o, "/type").to_string(),
                str_at(o, "/id").to_string(),
                name,
            )
        });
        Some(Self {
            phone_number,
            location_id: str_at(item, "/location/id").to_string(),
            state: str_at(item, "/state").to_string(),
            main_number: item.get("mainNumber").and_then(Value::as_bool) == Some(true),
            owner,
        })
    }

    /// Who holds the number, for a message: `PEOPLE Ana Ruiz`.
    pub fn owner_label(&self) -> Option<String> {
        self.owner.as_ref().map(|(t, id, name)| {
            let who = if name.is_empty() { id } else { name };
            format!("{t} {who}")
        })
    }
}

/// The number rows of one list read, filtered by one query parameter (`locationId`,
/// `phoneNumber`) or not at all.
pub async fn read_rows(
    client: &WebexClient,
    filter: Option<(&str, &str)>,
) -> Result<Vec<NumberRow>, ProviderError> {
    let query: Vec<(&str, &str)> = filter.into_iter().collect();
    let items = client.list(PATH, &query, "phoneNumbers").await?;
    Ok(items.iter().filter_map(NumberRow::from_wire).collect())
}

/// The kind an owner type maps to, where Switchboard has one.
fn owner_kind(owner_type: &str) -> Option<&'static str> {
    match owner_type {
        "PEOPLE" => Some("Person"),
        "PLACE" => Some("Workspace"),
        _ => None,
    }
}

fn to_live(row: &NumberRow, ids: &IdIndex) -> LiveObject {
    let location = ids
        .key_of("Location", &row.location_id)
        .unwrap_or(&row.location_id);
    let mut state = json!({
        "phoneNumber": row.phone_number,
        "locationRef": location,
        "state": row.state,
        "mainNumber": row.main_number,
    });
    if let Some((owner_type, id, _)) = &row.owner {
        let mut owner = json!({"type": owner_type});
        if let Some(key) = owner_kind(owner_type).and_then(|k| ids.key_of(k, id)) {
            owner["key"] = json!(key);
        }
        state["owner"] = owner;
    }
    // The number is its own id: the inventory has no other.
    LiveObject::new(KIND, &row.phone_number, &row.phone_number, state)
}

impl Kind<WebexClient> for Number {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    /// A handful of numbers one filtered read each; otherwise the whole (paginated) org list.
    fn observe<'a>(
        &'a self,
        client: &'a WebexClient,
        scope: &'a Scope,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        Box::pin(async move {
            let rows = super::read_by_keys(scope, |number| {
                read_rows(client, number.map(|n| ("phoneNumber", n)))
            })
            .await?;
            Ok(rows
                .iter()
                .map(|r| to_live(r, ids))
                .filter(|n| scope.wants(&n.key))
                .collect())
        })
    }

    fn steps(&self, change: &Change<'_>) -> Result<Vec<Step>, Blocked> {
        Err(Blocked::new(
            reason::NUMBER_INVENTORY_MISSING,
            format!(
                "{KIND} '{}' is observed only: add it to its location with LocationNumbers",
                change.key
            ),
        ))
    }

    fn run<'a>(
        &'a self,
        _client: &'a WebexClient,
        step: &'a Step,
        _ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        Box::pin(async move { Err(super::unknown_step(KIND, &step.name)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wire_row_becomes_a_number_keyed_by_its_e164() {
        let mut ids = IdIndex::default();
        ids.insert("Location", "Madrid HQ", "LOC1");
        ids.insert("Person", "ana@example.com", "P1");
        let wire = json!({"phoneNumber": "+34910000001", "state": "ACTIVE", "mainNumber": false,
            "location": {"id": "LOC1", "name": "Madrid HQ"},
            "owner": {"id": "P1", "type": "PEOPLE", "firstName": "Ana", "lastName": "Ruiz"}});
        let row = NumberRow::from_wire(&wire).unwrap();
        assert_eq!(row.owner_label().as_deref(), Some("PEOPLE Ana Ruiz"));
        let live = to_live(&row, &ids);
        assert_eq!(live.key, "+34910000001");
        assert_eq!(
            live.state,
            json!({"phoneNumber": "+34910000001", "locationRef": "Madrid HQ", "state": "ACTIVE",
                "mainNumber": false, "owner": {"type": "PEOPLE", "key": "ana@example.com"}})
        );
        // Extension-only rows are not numbers of the inventory.
        assert!(NumberRow::from_wire(&json!({"extension": "1001"})).is_none());
    }
}
