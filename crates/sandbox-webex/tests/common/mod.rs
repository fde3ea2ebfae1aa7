//! Shared helpers for the sandbox integration tests: start a sandbox on an ephemeral port and
//! talk raw JSON to it (no typed client structs, so field names are checked literally).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;
use switchboard_sandbox::{RunningSandbox, SandboxOptions, start};

pub async fn sandbox(state_dir: Option<PathBuf>) -> RunningSandbox {
    let bind: SocketAddr = "127.0.0.1:0".parse().unwrap();
    start(SandboxOptions {
        state_dir,
        bind,
        faults: Default::default(),
        lock_timeout: Default::default(),
    })
    .await
    .expect("sandbox starts")
}

pub struct Client {
    http: reqwest::Client,
    pub base: String,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The URL of the `rel="next"` link, if any.
    pub fn next_link(&self) -> Option<String> {
        let link = self.header("link")?;
        let start = link.find('<')? + 1;
        let end = link.find('>')?;
        assert!(link.contains("rel=\"next\""), "{link}");
        Some(link[start..end].to_string())
    }

    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {:?}", self.body))
            .to_string()
    }

    /// Assert the Webex error body shape and return errors[0].errorCode.
    pub fn error_code(&self) -> i64 {
        assert!(self.body["message"].is_string(), "{:?}", self.body);
        assert!(self.body["trackingId"].is_string(), "{:?}", self.body);
        assert!(
            self.body["errors"][0]["description"].is_string(),
            "{:?}",
            self.body
        );
        self.body["errors"][0]["errorCode"]
            .as_i64()
            .expect("errorCode")
    }
}

impl Client {
    pub fn new(sandbox: &RunningSandbox) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: sandbox.base_url(),
        }
    }

    pub async fn raw(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        token: Option<&str>,
    ) -> Resp {
        let mut req = self.http.request(method, url);
        if let Some(token) = token {
            req = req.header("Authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            req = req
                .header("Content-Type", "application/json;charset=utf-8")
                .body(body.to_string());
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body read");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON body")
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Resp {
        self.raw(
            method,
            &format!("{}{path}", self.base),
            body,
            Some("test-token"),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Resp {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.call(Method::DELETE, path, None).await
    }

    /// Follow Link headers from `path` to the end; returns every item and the links followed.
    pub async fn collect(&self, path: &str, wrapper: &str) -> (Vec<Value>, Vec<String>) {
        let mut resp = self.get(path).await;
        let mut items = Vec::new();
        let mut links = Vec::new();
        loop {
            assert_eq!(resp.status, 200, "{:?}", resp.body);
            items.extend(
                resp.body[wrapper]
                    .as_array()
                    .expect("wrapper array")
                    .iter()
                    .cloned(),
            );
            let Some(next) = resp.next_link() else { break };
            links.push(next.clone());
            resp = self.raw(Method::GET, &next, None, Some("test-token")).await;
        }
        (items, links)
    }

    /// Id of a seeded location by name.
    pub async fn location_id(&self, name: &str) -> String {
        let resp = self
            .get(&format!("/locations?name={}", name.replace(' ', "%20")))
            .await;
        resp.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .map(|l| l["id"].as_str().unwrap().to_string())
            .expect("location exists")
    }

    pub async fn create_trunk(&self, name: &str, location_id: &str) -> String {
        let resp = self
            .post(
                "/telephony/config/premisePstn/trunks",
                &serde_json::json!({"name": name, "locationId": location_id, "password": "P@ssw0rd123",
                    "trunkType": "REGISTERING"}),
            )
            .await;
        assert_eq!(resp.status, 201, "{:?}", resp.body);
        resp.id()
    }
}
