//! Request checks and response headers for a server that launches code on the
//! user's machine.
//!
//! A page on any website can make the browser send requests to `127.0.0.1`. Two
//! checks stop that: the `Host` header must name this server (defeats DNS
//! rebinding, where an attacker's domain resolves to 127.0.0.1), and a
//! state-changing request that carries an `Origin` must come from this server's own
//! origin (defeats cross-site request forgery). Clients that are not browsers (the
//! CLI, curl) send no `Origin` and pass.
//!
//! Every response also carries headers that keep a browser from misusing it:
//! no MIME sniffing (an uploaded "image" must never run as HTML or script), a
//! Content-Security-Policy that forbids framing and any script or style not
//! served by cadre itself, and no `Referer` leaking ids to other sites.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Which `Host` and `Origin` values this server answers to.
#[derive(Debug, Clone)]
pub struct HostPolicy {
    port: u16,
    hosts: Vec<String>,
    /// Bound to every interface (`0.0.0.0`, `::`): any IP literal on our port is
    /// accepted. That is safe against DNS rebinding, which always goes through a
    /// domain name, and such a bind requires the access token anyway.
    any_ip_literal: bool,
}

impl HostPolicy {
    /// The names a server bound to `bound` may be addressed by: its address, and
    /// the loopback names (`localhost`, `127.0.0.1`, `[::1]`) on the same port.
    pub fn for_bound_address(bound: SocketAddr) -> Self {
        let port = bound.port();
        let mut hosts = vec![
            bound.to_string(),
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
        ];
        hosts.sort();
        hosts.dedup();
        Self {
            port,
            hosts,
            any_ip_literal: bound.ip().is_unspecified(),
        }
    }

    /// Also accepts `name` (a DNS name such as `devbox.lan`) on this server's port,
    /// for servers reached by name over the network.
    pub fn allow_name(mut self, name: &str) -> Self {
        let name = name.trim().to_ascii_lowercase();
        if !name.is_empty() {
            self.hosts.push(format!("{name}:{}", self.port));
        }
        self
    }

    /// Whether `host` (a `Host` header value) names this server.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        if self.hosts.contains(&host) {
            return true;
        }
        self.any_ip_literal
            && host
                .parse::<SocketAddr>()
                .is_ok_and(|addr| addr.port() == self.port)
    }

    /// Whether `origin` (an `Origin` header value) is this server's own.
    pub fn allows_origin(&self, origin: &str) -> bool {
        origin
            .trim()
            .to_ascii_lowercase()
            .strip_prefix("http://")
            .is_some_and(|host| self.allows_host(host))
    }
}

/// Middleware applying [`HostPolicy`] to every request.
pub(crate) async fn check_host_and_origin(
    State(policy): State<Arc<HostPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !policy.allows_host(host) {
        return ApiError::forbidden(format!(
            "requests must address this server as localhost or its bound address, not `{host}`"
        ))
        .into_response();
    }
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if let Some(origin) = headers.get(header::ORIGIN).filter(|_| !safe) {
        let origin = origin.to_str().unwrap_or("");
        if !policy.allows_origin(origin) {
            return ApiError::forbidden(format!("cross-origin request from `{origin}` refused"))
                .into_response();
        }
    }
    next.run(request).await
}

/// The Content-Security-Policy of every response. The UI is server-rendered HTML
/// with htmx loaded from cadre itself and no inline scripts, styles or event
/// handlers, so `'self'` is all it needs (htmx must be configured with
/// `includeIndicatorStyles: false`, since it would otherwise inject an inline
/// `<style>`). Images may also be `data:`/`blob:` URLs (pasted screenshots before
/// upload). `frame-ancestors 'none'` stops clickjacking.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Middleware adding the security headers to every response, errors included.
pub(crate) async fn add_security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> HostPolicy {
        HostPolicy::for_bound_address("127.0.0.1:7420".parse().expect("addr"))
    }

    #[test]
    fn loopback_names_on_the_bound_port_are_accepted() {
        let p = policy();
        for host in [
            "127.0.0.1:7420",
            "localhost:7420",
            "LOCALHOST:7420",
            "[::1]:7420",
        ] {
            assert!(p.allows_host(host), "{host}");
        }
    }

    #[test]
    fn rebinding_hosts_and_other_ports_are_refused() {
        let p = policy();
        for host in [
            "evil.example:7420",
            "127.0.0.1:80",
            "localhost",
            "",
            "127.0.0.1.nip.io:7420",
        ] {
            assert!(!p.allows_host(host), "{host}");
        }
    }

    #[test]
    fn an_all_interfaces_bind_accepts_ip_literals_on_its_port_and_allowed_names() {
        let p = HostPolicy::for_bound_address("0.0.0.0:7420".parse().expect("addr"))
            .allow_name("DevBox.lan");
        for host in [
            "192.168.1.20:7420",
            "[fe80::1]:7420",
            "localhost:7420",
            "devbox.lan:7420",
        ] {
            assert!(p.allows_host(host), "{host}");
        }
        for host in ["192.168.1.20:80", "evil.example:7420", "devbox.lan"] {
            assert!(!p.allows_host(host), "{host}");
        }
        assert!(p.allows_origin("http://192.168.1.20:7420"));
    }

    #[test]
    fn a_specific_bind_accepts_its_own_address_only() {
        let p = HostPolicy::for_bound_address("192.168.1.20:7420".parse().expect("addr"));
        assert!(p.allows_host("192.168.1.20:7420"));
        assert!(!p.allows_host("192.168.1.21:7420"));
    }

    #[test]
    fn only_this_servers_http_origin_is_accepted() {
        let p = policy();
        assert!(p.allows_origin("http://localhost:7420"));
        assert!(!p.allows_origin("https://localhost:7420"));
        assert!(!p.allows_origin("http://evil.example"));
        assert!(!p.allows_origin("null"));
    }
}
