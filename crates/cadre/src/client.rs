//! The CLI's HTTP client: finds the running server and its access token, and turns
//! API errors into readable messages.

use anyhow::{Context, Result, anyhow, bail};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::home;

/// A client of one cadre server.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    /// The server named on the command line, if any (else `server.json` decides).
    explicit: Option<String>,
}

/// The server did not answer at all (as opposed to answering with an error).
#[derive(Debug)]
pub struct Unreachable(pub String);

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unreachable {}

impl Client {
    /// Finds the server: `--server`/`CADRE_SERVER` first, else `server.json` in the
    /// data dir. Finds the token: `CADRE_TOKEN`, else `CADRE_ATTEMPT_TOKEN` (an
    /// agent calling back), else the data dir's token file, which is sent only to
    /// the server recorded in that same data dir, never to an arbitrary `--server`.
    pub fn locate(server: Option<String>) -> Result<Self> {
        let recorded = match home::data_dir() {
            Ok(dir) => home::read_server_info(&dir)?.map(|info| (dir, info.url)),
            Err(_) if server.is_some() => None,
            Err(e) => return Err(e),
        };
        let base = match (&server, &recorded) {
            (Some(url), _) => url.clone(),
            (None, Some((_, url))) => url.clone(),
            (None, None) => bail!(
                "no cadre server is running for {}: start one with `cadre serve`, or pass --server URL",
                home::data_dir()?.display()
            ),
        };
        let base = base.trim_end_matches('/').to_owned();
        let token = match env_token("CADRE_TOKEN").or_else(|| env_token("CADRE_ATTEMPT_TOKEN")) {
            Some(token) => Some(token),
            None => match &recorded {
                Some((dir, url)) if url.trim_end_matches('/') == base => {
                    cadre_app::secrets::read_server_token(dir)?
                }
                _ => None,
            },
        };
        let http = reqwest::Client::builder()
            .user_agent(concat!("cadre-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Self {
            http,
            base,
            token,
            explicit: server,
        })
    }

    /// Finds the server again, e.g. after a restart on another port.
    pub fn relocate(&self) -> Result<Self> {
        Self::locate(self.explicit.clone())
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A request to `/api/v1{path}`, carrying the token when there is one.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
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

    /// Every item of a paged list: GETs `path`, then each page its `Link: <…>;
    /// rel="next"` header names, until there is none.
    pub async fn get_all<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>> {
        let mut all = Vec::new();
        let mut next = Some(path.to_owned());
        while let Some(path) = next.take() {
            let response = self.execute(self.request(Method::GET, &path)).await?;
            next = next_link(response.headers())
                .and_then(|link| link.strip_prefix("/api/v1").map(str::to_owned));
            let page: Vec<T> = response
                .json()
                .await
                .context("the server sent an unexpected answer")?;
            all.extend(page);
        }
        Ok(all)
    }

    /// Sends a request and returns the raw response when it succeeded.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<reqwest::Response> {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.execute(request).await
    }

    /// Sends a prepared request and returns the response when it succeeded.
    pub async fn execute(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response> {
        let response = request.send().await.map_err(|e| {
            if e.is_connect() {
                anyhow::Error::new(Unreachable(format!(
                    "cannot reach the cadre server at {}: is `cadre serve` running?",
                    self.base
                )))
            } else {
                anyhow!("request to {} failed: {e}", self.base)
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

/// A token from the environment variable `name`, if set and not empty.
fn env_token(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
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

/// The path in a `Link` header's `rel="next"` entry, if any.
fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let link = headers.get(reqwest::header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|entry| {
        let (target, params) = entry.trim().split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().eq_ignore_ascii_case("rel=\"next\""));
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        // Only paths on this server: a link elsewhere would send the token there.
        (is_next && target.starts_with('/')).then(|| target.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, LINK};

    fn link(value: &str) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(LINK, HeaderValue::from_str(value).expect("header"));
        next_link(&headers)
    }

    #[test]
    fn the_next_page_is_the_rel_next_path_of_the_link_header() {
        assert_eq!(
            link("</api/v1/tasks?limit=100&cursor=WEB.1.0.3>; rel=\"next\""),
            Some("/api/v1/tasks?limit=100&cursor=WEB.1.0.3".to_owned())
        );
        assert_eq!(
            link("</a>; rel=\"prev\", </b>; rel=\"next\""),
            Some("/b".to_owned())
        );
        assert_eq!(link("</a>; rel=\"prev\""), None);
        assert_eq!(
            link("<https://elsewhere.example/x>; rel=\"next\""),
            None,
            "never follows a link off this server"
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
    }
}
