//! Security of the HTTP face against a real server: response headers on every
//! kind of response, token authentication on loopback and non-loopback binds, the
//! one-time login link, and per-attempt tokens.

mod support;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use support::http::Api;

fn assert_security_headers(what: &str, headers: &HeaderMap) {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what}: no {name} header"))
            .to_owned()
    };
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
    let csp = get("content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
}

#[tokio::test]
async fn every_response_carries_nosniff_csp_and_referrer_policy() {
    let api = Api::start();
    let ok = api
        .request(reqwest::Method::GET, "/health")
        .send()
        .await
        .expect("health");
    assert_eq!(ok.status(), StatusCode::OK);
    assert_security_headers("200", ok.headers());
    let missing = api
        .request(reqwest::Method::GET, "/nowhere")
        .send()
        .await
        .expect("404");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_security_headers("404", missing.headers());
    let outside_api = api
        .http
        .get(format!("{}/", api.server.url))
        .send()
        .await
        .expect("root");
    assert_security_headers("page", outside_api.headers());
    let refused = api
        .request(reqwest::Method::GET, "/health")
        .header("host", "attacker.example")
        .send()
        .await
        .expect("403");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_security_headers("403", refused.headers());
    let stream = api
        .request(reqwest::Method::GET, "/events")
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("sse");
    assert_eq!(stream.status(), StatusCode::OK);
    assert_security_headers("sse", stream.headers());
}
