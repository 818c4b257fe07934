//! The CLI's HTTP client: finds the running server and turns API errors into
//! readable messages.

use anyhow::{Context, Result, anyhow, bail};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::home;

/// A client of one cadre server.
pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// Finds the server: `--server`/`CADRE_SERVER` first, else `server.json` in the
    /// data dir.
    pub fn locate(server: Option<String>) -> Result<Self> {
        let base = match server {
            Some(url) => url,
            None => {
                let dir = home::data_dir()?;
                match home::read_server_info(&dir)? {
                    Some(info) => info.url,
                    None => bail!(
                        "no cadre server is running for {}: start one with `cadre serve`, or pass --server URL",
                        dir.display()
                    ),
                }
            }
        };
        let http = reqwest::Client::builder()
            .user_agent(concat!("cadre-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends a request to `/api/v1{path}` and decodes the JSON answer.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<T> {
        let response = self.send(method, path, body).await?;
        response
            .json::<T>()
            .await
            .context("the server sent an unexpected answer")
    }

    /// GET helper.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.call(Method::GET, path, None::<&()>).await
    }

    /// Sends a request and returns the raw response when it succeeded.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<reqwest::Response> {
        let url = format!("{}/api/v1{path}", self.base);
        let mut request = self.http.request(method, &url);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| {
            if e.is_connect() {
                anyhow!(
                    "cannot reach the cadre server at {}: is `cadre serve` running?",
                    self.base
                )
            } else {
                anyhow!("request to {url} failed: {e}")
            }
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        Err(api_error(status, response).await)
    }
}

async fn api_error(status: StatusCode, response: reqwest::Response) -> anyhow::Error {
    #[derive(serde::Deserialize)]
    struct Body {
        error: Inner,
    }
    #[derive(serde::Deserialize)]
    struct Inner {
        message: String,
    }
    let text = response.text().await.unwrap_or_default();
    match serde_json::from_str::<Body>(&text) {
        Ok(body) => anyhow!("{} ({})", body.error.message, status.as_u16()),
        Err(_) => anyhow!("the server answered {status}: {text}"),
    }
}

/// Percent-encodes one path segment (task keys and ids are safe, but user input
/// goes through here anyway).
pub fn segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
