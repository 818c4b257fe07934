//! The UI's static files, embedded in the binary so the UI works offline and a
//! build needs no network: our own CSS and JS, the vendored libraries (see
//! `assets/vendor/VENDORED.md`), and the syntax-highlighting stylesheet generated
//! from syntect's themes.
//!
//! URLs carry a version (a hash of every embedded file), `/assets/{version}/app.js`,
//! so the files can be cached for a year: a new binary with different files has a
//! new version and new URLs. A request with a stale version still gets the current
//! file, but uncached.

use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::highlight;
use crate::extract::ApiPath;

/// One embedded file.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $file:literal, $type:literal) => {
        Asset {
            path: $path,
            content_type: $type,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $file)),
        }
    };
}

const CSS: &str = "text/css; charset=utf-8";

static ASSETS: &[Asset] = &[
    asset!("app.css", "app.css", "text/css; charset=utf-8"),
    asset!("app.js", "app.js", "text/javascript; charset=utf-8"),
    asset!("board.js", "board.js", "text/javascript; charset=utf-8"),
    asset!("attempt.js", "attempt.js", "text/javascript; charset=utf-8"),
    asset!("review.js", "review.js", "text/javascript; charset=utf-8"),
    asset!("images.js", "images.js", "text/javascript; charset=utf-8"),
    asset!("favicon.svg", "favicon.svg", "image/svg+xml"),
    asset!(
        "vendor/htmx.min.js",
        "vendor/htmx/htmx.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "vendor/sse.js",
        "vendor/htmx-ext-sse/sse.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "vendor/Sortable.min.js",
        "vendor/sortablejs/Sortable.min.js",
        "text/javascript; charset=utf-8"
    ),
];

/// The version in asset URLs: FNV-1a over every embedded file, in hex.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for asset in ASSETS {
        for byte in asset.path.bytes().chain(asset.bytes.iter().copied()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{:012x}", hash >> 16)
});

/// The current asset version, for building URLs in templates.
pub(crate) fn version() -> &'static str {
    &VERSION
}

/// `GET /assets/{version}/{*path}`.
pub(crate) async fn serve(ApiPath((version, path)): ApiPath<(String, String)>) -> Response {
    let (content_type, body): (&str, Vec<u8>) = if path == "syntax.css" {
        (CSS, highlight::stylesheet().as_bytes().to_vec())
    } else if let Some(asset) = ASSETS.iter().find(|a| a.path == path) {
        (asset.content_type, asset.bytes.to_vec())
    } else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let cache = if version == *VERSION {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_distinct_path_and_a_known_type() {
        let mut paths: Vec<&str> = ASSETS.iter().map(|a| a.path).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), ASSETS.len());
        for asset in ASSETS {
            assert!(!asset.bytes.is_empty(), "{} is empty", asset.path);
            let expected = match asset.path.rsplit('.').next() {
                Some("js") => "text/javascript; charset=utf-8",
                Some("css") => CSS,
                Some("svg") => "image/svg+xml",
                other => panic!("unexpected extension {other:?}"),
            };
            assert_eq!(asset.content_type, expected, "{}", asset.path);
        }
    }

    #[test]
    fn version_is_stable_and_url_safe() {
        assert_eq!(version(), version());
        assert!(version().chars().all(|c| c.is_ascii_hexdigit()));
    }
}
