//! A small JSON client for API tests: a real server plus reqwest, with helpers
//! that return `(status, body)` and build the usual project and task fixtures.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{TestServer, repo};

/// A running server and a client for it, optionally sending a bearer token.
pub struct Api {
    pub server: TestServer,
    pub http: reqwest::Client,
    pub token: Option<String>,
}

impl Api {
    /// A fresh server on loopback.
    pub fn start() -> Self {
        Self::on(TestServer::start())
    }

    /// A client for `server`.
    pub fn on(server: TestServer) -> Self {
        Self {
            server,
            http: reqwest::Client::new(),
            token: None,
        }
    }

    /// The URL of API path `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.server.url)
    }

    /// A request to API path `path`, with the bearer token if one is set.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let req = self.http.request(method, self.url(path));
        match &self.token {
            Some(token) => req.bearer_auth(token),
            None => req,
        }
    }

    /// Sends a JSON request; returns the status and the body (JSON, or a string).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.request(method, path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        read(req.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::DELETE, path, None).await
    }

    /// Creates project `key` on a fresh hermetic repository.
    pub async fn project(&self, key: &str) -> (tempfile::TempDir, Value) {
        let (dir, path) = repo();
        let (status, body) = self
            .post("/projects", json!({ "repo_path": path, "key": key }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (dir, body)
    }

    /// Creates a task in `project`.
    pub async fn task(&self, project: &str, body: Value) -> Value {
        let (status, task) = self.post(&format!("/projects/{project}/tasks"), body).await;
        assert_eq!(status, StatusCode::CREATED, "{task}");
        task
    }
}

/// The status and body of a response (JSON when it parses, else the text).
pub async fn read(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// `(code, message)` of an error body; panics when the body is not one.
pub fn error_of(body: &Value) -> (&str, &str) {
    (
        body["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("error.code in {body}")),
        body["error"]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("error.message in {body}")),
    )
}
