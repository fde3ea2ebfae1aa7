//! `License`: a license of the org (`/licenses`), observed only. Calling users and workspaces
//! name theirs by license name (`Webex Calling - Professional`); Switchboard never buys or
//! changes one, but it reads how many are left so a plan can say "none left" before apply.

use crate::model::LiveObject;
use crate::providers::webex::client::WebexClient;
use crate::providers::{
    Blocked, Change, DiffRules, IdIndex, Kind, KindInfo, ProviderError, Scope, Shape, Step, reason,
};
use futures::future::BoxFuture;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A license is never written; this type only gives the kind a schema.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LicenseSpec {
    /// The license's name, as Control Hub shows it.
    pub name: String,
}

pub const KIND: &str = "License";
/// The prefix of the licenses that carry Webex Calling (reference §2.3's names).
pub const CALLING_PREFIX: &str = "Webex Calling - ";

pub static INFO: KindInfo = KindInfo {
    kind: KIND,
    provider: "webex",
    description: "A license of the org, by name; observed only (units left are checked).",
    aliases: &[],
    spec_schema: || schemars::schema_for!(LicenseSpec),
    ref_fields: &[],
    natural_key: |spec| spec["name"].as_str().unwrap_or_default().to_string(),
    shape: Shape::ObservedOnly {
        reason: "licenses come with the org's subscription; reference one by name",
        missing: reason::LICENSE_OR_FEATURE_MISSING,
    },
    lookup_step: "license_lookup",
    diff_rules: DiffRules::NONE,
    provides: None,
};

pub struct License;

/// Units left of a license's live state (`totalUnits - consumedUnits`), None when the counts
/// are missing or not whole numbers.
pub fn units_left(state: &Value) -> Option<i64> {
    let total = state.get("totalUnits")?.as_i64()?;
    let consumed = state.get("consumedUnits")?.as_i64()?;
    (total >= 0 && consumed >= 0).then_some(total - consumed)
}

fn to_live(item: &Value) -> Option<LiveObject> {
    let id = item.get("id")?.as_str()?;
    let name = item.get("name")?.as_str()?;
    // Counts a server sends as anything but non-negative integers are left out, so "units
    // left" is unknown rather than wrong.
    let count = |field: &str| item.get(field).and_then(Value::as_u64);
    let state = json!({
        "name": name,
        "totalUnits": count("totalUnits"),
        "consumedUnits": count("consumedUnits"),
    });
    Some(LiveObject::new(KIND, name, id, state))
}

impl Kind<WebexClient> for License {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    /// The whole list: an org has a handful of licenses.
    fn observe<'a>(
        &'a self,
        client: &'a WebexClient,
        scope: &'a Scope,
        _ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        Box::pin(async move {
            let items = client.list("/licenses", &[], "items").await?;
            Ok(items
                .iter()
                .filter_map(to_live)
                .filter(|l| scope.wants(&l.key))
                .collect())
        })
    }

    fn steps(&self, change: &Change<'_>) -> Result<Vec<Step>, Blocked> {
        Err(Blocked::new(
            reason::PRECONDITION_MISSING,
            format!("{KIND} '{}' is observed only", change.key),
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
    fn units_left_needs_sane_counts() {
        let live = to_live(&json!({"id": "L1", "name": "Webex Calling - Professional",
            "totalUnits": 10, "consumedUnits": 10}))
        .expect("a license");
        assert_eq!(units_left(&live.state), Some(0));
        let odd =
            to_live(&json!({"id": "L2", "name": "x", "totalUnits": -3, "consumedUnits": "7"}))
                .expect("a license");
        assert_eq!(units_left(&odd.state), None);
    }
}
