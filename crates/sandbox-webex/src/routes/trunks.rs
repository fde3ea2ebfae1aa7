//! Premises PSTN trunks: `/telephony/config/premisePstn/trunks` (wrapper `trunks`).
//! The password is required on create and update, stored, and never returned. `inUse` is true while
//! a route group, dial plan or location (internal dialing / PSTN connection) references the trunk.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use switchboard_sandbox_kit::Schema as _;

use super::Shared;
use crate::errors::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::fields::Fields;
use crate::http::{contains_ci, created, no_content, ok};
use crate::ids;
use crate::model::{Org, Trunk};
use crate::pagination::{TELEPHONY_DEFAULT_MAX, list_response, paginate_map};
use crate::records::{Found as _, role};

const BASE: &str = "/telephony/config/premisePstn/trunks";
const TRUNK_TYPES: &[&str] = &["REGISTERING", "CERTIFICATE_BASED"];
const CUBE: &str = "Cisco Unified Border Element";
/// Device types per trunk type; sandbox values shaped like the Webex answer.
const DEVICE_TYPES: &[(&str, &[&str])] = &[
    ("REGISTERING", &[CUBE]),
    (
        "CERTIFICATE_BASED",
        &[
            CUBE,
            "Oracle ACME Session Border Controller",
            "AudioCodes Mediant SBC",
        ],
    ),
];
const MIN_CALLS: u32 = 1;
const MAX_CALLS: u32 = 1000;
const DEFAULT_CALLS: u32 = 250;
const P_CHARGE_POLICIES: &[&str] = &[
    "DISABLED",
    "ASSERTED_IDENTITY",
    "CONFIGURABLE_CHARGE_NUMBER",
];

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route(&format!("{BASE}/trunkTypes"), get(trunk_types))
        .route(
            &format!("{BASE}/{{id}}"),
            get(details).put(update).delete(remove),
        )
        .route(&format!("{BASE}/{{id}}/usage"), get(usage))
}

fn list_item(location_name: &str, in_use: bool, t: &Trunk) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "location": {"id": t.location_id, "name": location_name},
        "inUse": in_use,
        "trunkType": t.trunk_type,
        "isRestrictedToDedicatedInstance": false,
    })
}

fn detail_json(org: &Org, t: &Trunk) -> Value {
    let mut body = Map::new();
    let mut put = |k: &str, v: Value| {
        body.insert(k.to_string(), v);
    };
    put("id", json!(t.id));
    put("name", json!(t.name));
    put("organization", json!({"id": org.id, "name": org.name}));
    put(
        "location",
        json!({"id": t.location_id, "name": org.location_name(&t.location_id)}),
    );
    put("otgDtgId", json!(t.otg_dtg_id));
    put("linePort", json!(t.line_port));
    let using: Vec<Value> = org
        .locations_using::<Trunk>(&t.id)
        .iter()
        .map(|l| json!({"id": l.id, "name": l.name}))
        .collect();
    put("locationsUsingTrunk", Value::Array(using));
    put("pilotUserId", json!(t.pilot_user_id));
    put(
        "outboundProxy",
        json!({"dnsType": "SRV", "srvPrefix": "_sips._tcp", "outboundProxy": t.outbound_proxy}),
    );
    put(
        "sipAuthenticationUserName",
        json!(t.sip_authentication_user_name),
    );
    // Nothing ever registers against the sandbox.
    put("status", json!("offline"));
    put("errorCodes", json!([]));
    put("responseStatus", json!([]));
    put(
        "dualIdentitySupportEnabled",
        json!(t.dual_identity_support_enabled),
    );
    put("trunkType", json!(t.trunk_type));
    put("deviceType", json!(t.device_type));
    if let Some(v) = &t.address {
        put("address", json!(v));
    }
    if let Some(v) = &t.domain {
        put("domain", json!(v));
    }
    if let Some(v) = t.port {
        put("port", json!(v));
    }
    put("maxConcurrentCalls", json!(t.max_concurrent_calls));
    put(
        "pChargeInfoSupportPolicy",
        json!(t.p_charge_info_support_policy),
    );
    if let Some(v) = &t.peer_identity {
        put("peerIdentity", json!(v));
    }
    put("isRestrictedToDedicatedInstance", json!(false));
    Value::Object(body)
}

async fn list(State(store): State<Shared>, params: Params) -> ApiResult<Response> {
    let page = store.read(|org| {
        let location_name = |t: &Trunk| {
            org.locations
                .get(&t.location_id)
                .map_or("", |l| l.name.as_str())
        };
        let items = org
            .trunks
            .iter()
            .filter(|t| params.get("name").is_none_or(|n| contains_ci(&t.name, n)))
            .filter(|t| {
                params
                    .get("locationName")
                    .is_none_or(|n| contains_ci(location_name(t), n))
            })
            .filter(|t| params.get("trunkType").is_none_or(|ty| t.trunk_type == ty))
            .collect::<Vec<_>>();
        paginate_map(items, &params, TELEPHONY_DEFAULT_MAX, |t| {
            list_item(location_name(t), org.is_used::<Trunk>(&t.id), t)
        })
    })?;
    Ok(list_response("trunks", page))
}

async fn details(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.read(|org| Ok(ok(detail_json(org, org.trunks.found(&id)?))))
}

async fn trunk_types() -> Response {
    let types: Vec<Value> = DEVICE_TYPES
        .iter()
        .map(|(trunk_type, devices)| {
            let devices: Vec<Value> = devices
                .iter()
                .map(|d| json!({"deviceType": d, "minConcurrentCalls": MIN_CALLS, "maxConcurrentCalls": MAX_CALLS}))
                .collect();
            json!({"trunkType": trunk_type, "deviceTypes": devices})
        })
        .collect();
    ok(json!({ "trunkTypes": types }))
}

async fn usage(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.read(|org| {
        org.trunks.found(&id)?;
        let count = |role| org.count_users::<Trunk>(&id, role);
        Ok(ok(json!({
            "pstnConnectionCount": count(role::PSTN_CONNECTION),
            "callToExtensionCount": count(role::INTERNAL_DIALING),
            "dialPlanCount": count(role::DIAL_PLAN),
            "routeGroupCount": count(role::ROUTE_GROUP),
        })))
    })
}

fn password(f: &Fields<'_>) -> ApiResult<String> {
    f.req_str("password")
}

fn max_calls(f: &Fields<'_>) -> ApiResult<Option<u32>> {
    match f.opt_u32("maxConcurrentCalls")? {
        Some(n) if !(MIN_CALLS..=MAX_CALLS).contains(&n) => Err(ApiError::invalid(format!(
            "maxConcurrentCalls must be between {MIN_CALLS} and {MAX_CALLS}"
        ))),
        other => Ok(other),
    }
}

async fn create(State(store): State<Shared>, JsonBody(body): JsonBody) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let name = f.req_str("name")?;
    let location_id = f.req_str("locationId")?;
    let password = password(&f)?;
    let trunk_type = f.req_enum("trunkType", TRUNK_TYPES)?;
    let allowed_devices = DEVICE_TYPES
        .iter()
        .find(|(t, _)| *t == trunk_type)
        .map(|(_, d)| *d)
        .unwrap_or_default();
    let device_type = f
        .opt_enum("deviceType", allowed_devices)?
        .unwrap_or_else(|| CUBE.to_string());
    let certificate_based = trunk_type == "CERTIFICATE_BASED";
    let (address, domain, port, peer_identity) = if certificate_based {
        let port = f.opt_u32("port")?;
        if port.is_some_and(|p| p == 0 || p > 65535) {
            return Err(ApiError::invalid("port must be between 1 and 65535"));
        }
        (
            Some(f.req_str("address")?),
            Some(f.req_str("domain")?),
            port,
            f.opt_str("peerIdentity")?,
        )
    } else {
        (None, None, None, None)
    };
    let dual_identity = f.opt_bool("dualIdentitySupportEnabled")?.unwrap_or(false);
    let max_calls = max_calls(&f)?.unwrap_or(DEFAULT_CALLS);
    let policy = f
        .opt_enum("pChargeInfoSupportPolicy", P_CHARGE_POLICIES)?
        .unwrap_or_else(|| "DISABLED".into());

    store.write(|org| {
        let domain_of_location = org
            .locations
            .get(&location_id)
            .map(|l| l.calling.default_domain.clone())
            .ok_or_else(|| {
                ApiError::invalid(format!("locationId: no location with id {location_id}"))
            })?;
        let id = ids::new_id("TRUNK");
        // The identity a gateway would use to register / be recognised.
        let token = format!("lgu_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        org.trunks.insert(Trunk {
            id: id.clone(),
            name,
            location_id,
            password,
            trunk_type,
            device_type,
            address,
            domain,
            port,
            dual_identity_support_enabled: dual_identity,
            max_concurrent_calls: max_calls,
            p_charge_info_support_policy: policy,
            peer_identity,
            line_port: format!("{token}@{domain_of_location}"),
            pilot_user_id: format!("{token}@{domain_of_location}"),
            outbound_proxy: format!("sbc.{domain_of_location}"),
            sip_authentication_user_name: token.clone(),
            otg_dtg_id: token,
        })?;
        Ok(created(&id))
    })
}

/// Only name, password, dualIdentitySupportEnabled, maxConcurrentCalls and pChargeInfoSupportPolicy
/// can change; sending a different value for a fixed field is a 400 rather than silently ignored.
async fn update(
    State(store): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let name = f.req_str("name")?;
    let password = password(&f)?;
    let dual_identity = f.opt_bool("dualIdentitySupportEnabled")?;
    let max_calls = max_calls(&f)?;
    let policy = f.opt_enum("pChargeInfoSupportPolicy", P_CHARGE_POLICIES)?;
    store.write(|org| {
        let current = org.trunks.found(&id)?;
        let fixed = [
            ("locationId", Some(current.location_id.clone())),
            ("trunkType", Some(current.trunk_type.clone())),
            ("deviceType", Some(current.device_type.clone())),
            ("address", current.address.clone()),
            ("domain", current.domain.clone()),
        ];
        for (key, value) in fixed {
            if let Some(sent) = f.opt_str(key)?
                && Some(&sent) != value.as_ref()
            {
                return Err(ApiError::invalid(format!(
                    "{key} of a trunk cannot be changed"
                )));
            }
        }
        if f.has("port") && f.opt_u32("port")? != current.port {
            return Err(ApiError::invalid("port of a trunk cannot be changed"));
        }
        org.trunks.update(&id, |trunk| {
            trunk.name = name;
            trunk.password = password;
            if let Some(v) = dual_identity {
                trunk.dual_identity_support_enabled = v;
            }
            if let Some(v) = max_calls {
                trunk.max_concurrent_calls = v;
            }
            if let Some(v) = policy {
                trunk.p_charge_info_support_policy = v;
            }
        })?;
        Ok(no_content())
    })
}

async fn remove(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.write(|org| {
        org.delete_unused(&id, |org| &mut org.trunks)?;
        Ok(no_content())
    })
}
