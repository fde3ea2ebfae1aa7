//! The requests that change a person for `UserCalling`: the license assignment, the
//! read-merge-write of the people PUT, and the call settings' PUTs.

use super::call_settings;
use super::common::{id_for, str_at};
use super::user_calling::{ASSISTANTS_PATH, Section, path_of};
use crate::model::LiveObject;
use crate::providers::webex::client::WebexClient;
use crate::providers::{IdIndex, ProviderError};
use serde_json::{Map, Value, json};

/// `PATCH /licenses/users`: add the calling license with location, extension and number in
/// one request (the API refuses them apart), removing the license it replaces.
pub async fn assign_license(
    client: &WebexClient,
    ids: &IdIndex,
    person: &str,
    input: &Value,
) -> Result<(), ProviderError> {
    let license = id_for(ids, "License", str_at(input, "/license"))?;
    let mut properties = Map::new();
    if let Some(location) = input.get("locationRef").and_then(Value::as_str) {
        properties.insert(
            "locationId".into(),
            json!(id_for(ids, "Location", location)?),
        );
    }
    for f in ["extension", "phoneNumber"] {
        if let Some(v) = input.get(f).filter(|v| v.is_string()) {
            properties.insert(f.into(), v.clone());
        }
    }
    let mut licenses = vec![json!({"id": license, "operation": "add", "properties": properties})];
    if let Some(old) = input.get("replaces").and_then(Value::as_str) {
        licenses.push(json!({"id": id_for(ids, "License", old)?, "operation": "remove"}));
    }
    client
        .patch(
            "/licenses/users",
            &json!({"personId": person, "licenses": licenses}),
        )
        .await?;
    Ok(())
}

/// The people PUT replaces the whole person: read it, change the extension and the work
/// number only, and write back everything else as it was.
pub async fn update_numbers(
    client: &WebexClient,
    person: &str,
    input: &Value,
) -> Result<(), ProviderError> {
    let calling = [("callingData", "true")];
    let path = format!("/people/{person}");
    let mut body = client.get(&path, &calling).await?;
    if let Some(ext) = input.get("extension") {
        body["extension"] = ext.clone();
    }
    if let Some(number) = input.get("phoneNumber").and_then(Value::as_str) {
        let mut numbers: Vec<Value> = body
            .get("phoneNumbers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // The new work number takes the old one's place, primary flag included; it is primary
        // only if it was, or nothing else is.
        let old_primary = numbers
            .iter()
            .find(|n| n.get("type").and_then(Value::as_str) == Some("work"))
            .and_then(|n| n.get("primary"))
            .and_then(Value::as_bool);
        numbers.retain(|n| n.get("type").and_then(Value::as_str) != Some("work"));
        let other_primary = numbers
            .iter()
            .any(|n| n.get("primary").and_then(Value::as_bool) == Some(true));
        let primary = old_primary.unwrap_or(!other_primary);
        numbers.push(json!({"type": "work", "value": number, "primary": primary}));
        body["phoneNumbers"] = Value::Array(numbers);
    }
    client.put_with(&path, &calling, &body).await?;
    Ok(())
}

pub async fn write_section(
    client: &WebexClient,
    ids: &IdIndex,
    person: &str,
    section: &Section,
    body: &Value,
    merge_live: bool,
) -> Result<(), ProviderError> {
    let path = path_of(section.path, person);
    // Calling was enabled by an earlier step of this run, so the setting was never read: read
    // it now and lay the manifest over it, so a PUT never resets what the manifest leaves out.
    let merged;
    let body = if merge_live {
        let current = client.get(&path, &[]).await?;
        let current = super::user_calling::section_from_wire(section.field, ids, &current)?;
        merged = call_settings::overlay(Some(&current), body);
        &merged
    } else {
        body
    };
    match section.field {
        "callForwarding" => {
            client
                .put(&path, &call_settings::forwarding_to_wire(body))
                .await?;
        }
        "monitoring" => {
            client
                .put(&path, &call_settings::monitoring_to_wire(ids, body)?)
                .await?;
        }
        "executiveAssistant" => {
            client.put(&path, &json!({"type": body["type"]})).await?;
            // Only an executive has assistants (anyone else gets 400/4410); an assistant read
            // back by id only is written back by id.
            let executive = body["type"] == json!("EXECUTIVE");
            if let Some(assistants) = body
                .get("assistants")
                .and_then(Value::as_array)
                .filter(|_| executive)
            {
                let assistant_ids = assistants
                    .iter()
                    .map(|a| {
                        let key = str_at(a, "/personRef");
                        match key.strip_prefix("id:") {
                            Some(id) => Ok(id.to_string()),
                            None => id_for(ids, "Person", key),
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                client
                    .put(
                        &path_of(ASSISTANTS_PATH, person),
                        &json!({"assistantIds": assistant_ids}),
                    )
                    .await?;
            }
        }
        _ => {
            client.put(&path, body).await?;
        }
    }
    Ok(())
}

/// The assistants of the executives read, by email.
pub async fn read_assistants(
    client: &WebexClient,
    ids: &IdIndex,
    people: &mut [LiveObject],
    executives: &[usize],
) -> Result<(), ProviderError> {
    let answers = super::fetch_all(
        executives
            .iter()
            .map(|&i| client.get_owned(path_of(ASSISTANTS_PATH, &people[i].id)))
            .collect(),
    )
    .await?;
    for (&i, body) in executives.iter().zip(answers) {
        let assistants: Vec<Value> = body
            .get("assistants")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| a.get("id").and_then(Value::as_str))
            .map(|id| {
                let key = ids
                    .key_of("Person", id)
                    .map_or_else(|| format!("id:{id}"), str::to_string);
                json!({"personRef": key})
            })
            .collect();
        people[i].state["executiveAssistant"]["assistants"] = Value::Array(assistants);
    }
    Ok(())
}
