//! `Person`: a Webex user, observed only. People come from the identity source (LDAP, SCIM,
//! Control Hub): Switchboard finds them by email (case-insensitively) so other kinds can
//! reference them, and never creates, renames or deletes one (seeds/002 forbids
//! `user_create` and `user_update_identity`).

use crate::model::LiveObject;
use crate::providers::webex::client::WebexClient;
use crate::providers::{
    Change, DiffRules, IdIndex, Kind, KindInfo, ProviderError, Scope, Shape, Step,
};
use futures::future::BoxFuture;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A person is never written; this type only gives the kind a schema.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonSpec {
    /// The person's email: the key other documents reference them by (`personRef`).
    pub email: String,
}

pub const KIND: &str = "Person";

pub static INFO: KindInfo = KindInfo {
    kind: KIND,
    provider: "webex",
    description: "A Webex user, found by email; observed only, never written.",
    aliases: &["User", "People"],
    spec_schema: || schemars::schema_for!(PersonSpec),
    ref_fields: &[],
    natural_key: |spec| spec["email"].as_str().unwrap_or_default().to_lowercase(),
    shape: Shape::ObservedOnly {
        reason: "user_create and user_update_identity are forbidden: people come from the \
                 identity source (LDAP/SCIM/Control Hub); manage their calling settings instead",
        missing: crate::providers::reason::USER_NOT_FOUND,
    },
    lookup_step: "person_lookup",
    diff_rules: DiffRules::NONE,
    provides: None,
};

pub struct Person;

fn to_live(item: &Value) -> Option<LiveObject> {
    let id = item.get("id")?.as_str()?.to_string();
    let email = item.get("emails")?.get(0)?.as_str()?.to_lowercase();
    let state = json!({"email": email, "displayName": item.get("displayName").cloned().unwrap_or(Value::Null)});
    Some(LiveObject::new(KIND, email, id, state))
}

impl Kind<WebexClient> for Person {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    /// By email for the few people referenced (one filtered read each), or the whole directory.
    fn observe<'a>(
        &'a self,
        client: &'a WebexClient,
        scope: &'a Scope,
        _ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        Box::pin(async move {
            let items = super::read_by_keys(scope, |email| async move {
                let query: Vec<(&str, &str)> = email.map(|e| ("email", e)).into_iter().collect();
                client.list("/people", &query, "items").await
            })
            .await?;
            Ok(items
                .iter()
                .filter_map(to_live)
                .filter(|p| scope.wants(&p.key))
                .collect())
        })
    }

    fn steps(&self, change: &Change<'_>) -> Result<Vec<Step>, crate::providers::Blocked> {
        Err(crate::providers::Blocked::from(format!(
            "{} '{}' is observed only: Switchboard never writes people",
            KIND, change.key
        )))
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
