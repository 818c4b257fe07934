//! Security of the HTTP face against a real server: response headers on every
//! kind of response, token authentication on loopback and non-loopback binds, the
//! one-time login link, and per-attempt tokens.

mod support;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use support::TestServer;
use support::http::{Api, error_of, read};

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

/// A server bound to every interface (so token authentication is on), reached
/// through loopback, with the token read from its data dir.
fn exposed() -> (Api, String) {
    let server = TestServer::start_args(
        tempfile::tempdir().expect("home"),
        &[],
        &["--bind", "0.0.0.0"],
    );
    let token = std::fs::read_to_string(server.home.path().join("auth_token"))
        .expect("token file")
        .trim()
        .to_owned();
    (Api::on(server), token)
}

fn port_of(url: &str) -> &str {
    url.rsplit(':').next().expect("port")
}

#[tokio::test]
async fn loopback_server_needs_no_token_but_refuses_a_wrong_one() {
    let api = Api::start();
    let (status, _) = api.get("/health").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!api.server.home.path().join("auth_token").exists());
    let resp = api
        .request(Method::GET, "/health")
        .bearer_auth("cadre_srv_guess")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn non_loopback_bind_refuses_requests_without_the_token_and_accepts_the_bearer() {
    let (mut api, token) = exposed();
    let resp = api
        .request(Method::GET, "/health")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().contains_key("www-authenticate"));
    let (_, body) = read(resp).await;
    let (code, message) = error_of(&body);
    assert_eq!(code, "unauthorized");
    assert!(message.contains("Authorization: Bearer"), "{message}");
    assert!(message.contains("login link"), "{message}");

    api.token = Some("cadre_srv_0000".into());
    let (status, body) = api.get("/health").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error_of(&body).1.contains("not valid"), "{body}");

    api.token = Some(token);
    let (status, _) = api.get("/health").await;
    assert_eq!(status, StatusCode::OK);
    let (_dir, _) = api.project("WEB").await;

    // The bound address is "every interface": any IP literal on the port names it,
    // a DNS name does not (that is what DNS rebinding would send).
    let port = port_of(&api.server.url).to_owned();
    let by_ip = api
        .request(Method::GET, "/health")
        .header("host", format!("10.9.8.7:{port}"))
        .send()
        .await
        .expect("request");
    assert_eq!(by_ip.status(), StatusCode::OK);
    let by_name = api
        .request(Method::GET, "/health")
        .header("host", format!("rebind.example:{port}"))
        .send()
        .await
        .expect("request");
    assert_eq!(by_name.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn token_file_is_created_once_with_mode_0600_and_printed_only_then() {
    use std::os::unix::fs::PermissionsExt;
    let (api, token) = exposed();
    let path = api.server.home.path().join("auth_token");
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    assert!(
        api.server.printed().contains(&token),
        "printed when generated"
    );
    let (status, home) = api.server.stop();
    assert!(status.success());
    let again = TestServer::start_args(home, &[], &["--bind", "0.0.0.0"]);
    let kept = std::fs::read_to_string(again.home.path().join("auth_token")).expect("token");
    assert_eq!(kept.trim(), token, "the token survives restarts");
    assert!(!again.printed().contains(&token), "not printed again");
    assert!(
        again.printed().contains("/login?code="),
        "{}",
        again.printed()
    );
}

fn login_path(printed: &str) -> String {
    let start = printed.find("/login?code=").expect("login link printed");
    printed[start..]
        .split_whitespace()
        .next()
        .expect("link")
        .to_owned()
}

#[tokio::test]
async fn login_link_sets_an_httponly_strict_cookie_once() {
    let (api, _token) = exposed();
    let link = format!("{}{}", api.server.url, login_path(&api.server.printed()));
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let resp = browser.get(&link).send().await.expect("login");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/");
    let cookie = resp.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(cookie.starts_with("cadre_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    let session = cookie.split(';').next().expect("pair").to_owned();
    let with_cookie = browser
        .get(api.url("/health"))
        .header("cookie", &session)
        .send()
        .await
        .expect("request");
    assert_eq!(with_cookie.status(), StatusCode::OK);

    let reused = browser.get(&link).send().await.expect("login again");
    assert_eq!(reused.status(), StatusCode::UNAUTHORIZED);
    assert!(reused.headers().get("set-cookie").is_none());
    let (_, body) = read(reused).await;
    assert!(error_of(&body).1.contains("cadre login-link"), "{body}");
}

#[tokio::test]
async fn cli_finds_the_token_in_the_data_dir_and_mints_new_login_links() {
    let (api, _token) = exposed();
    api.server.ok(&["project", "list"]);
    let link = api.server.ok(&["login-link"]);
    let link = link.trim();
    assert!(
        link.starts_with(&format!("{}/login?code=", api.server.url)),
        "{link}"
    );
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let resp = browser.get(link).send().await.expect("login");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}
