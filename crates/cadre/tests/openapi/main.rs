//! OpenAPI drift: the document (`cadre_web::openapi`, served at
//! `/api/v1/openapi.json`) against the routes `crates/cadre-web/src/routes/`
//! declares and against a real server.
//!
//! - The route source is scanned (`route_scan.rs`) for `.route("PATH", get(..).post(..))` calls (in
//!   `routes/mod.rs` and every module its `api()` merges), and the (method, path)
//!   pairs are compared with the document's, both ways. A route form the scanner
//!   does not understand fails the test rather than being skipped.
//! - Every documented operation is called on a real server with ids that do not
//!   exist and with every documented query parameter and body field: the answer
//!   must not be the unknown-route 404 or a 405, must not reject the documented
//!   input as unreadable (so a body field or parameter the handler does not know,
//!   or a required one the document forgot, fails), and its status must be one the
//!   document lists.
//! - The served document is 3.1, every `$ref` resolves, errors use `ErrorBody`,
//!   and the whole document is snapshotted, so every change to it is reviewed.

#[path = "../support/mod.rs"]
mod support;

mod route_scan;
mod sample;

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;
use support::TestServer;

use route_scan::{METHODS, Operation, routed_operations};
use sample::{BOGUS_ID, as_text, resolve, sample};

/// The document as the server builds it.
fn document() -> Value {
    serde_json::to_value(cadre_web::openapi::document()).expect("the document serializes")
}

fn documented_operations(doc: &Value) -> BTreeSet<Operation> {
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| (m.to_uppercase(), path.clone()))
        })
        .collect()
}

#[test]
fn routes_and_document_declare_the_same_operations() {
    let routed = routed_operations();
    let documented = documented_operations(&document());
    assert!(
        routed.len() > 30,
        "the scanner found the routes: {routed:?}"
    );
    let show = |set: Vec<&Operation>| {
        set.iter()
            .map(|(m, p)| format!("  {m} {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "the OpenAPI document drifted from the routes.\n\
         Routed but not documented (add a `#[utoipa::path]` function in \
         crates/cadre-web/src/openapi/ and list it in that file's `Doc`):\n{}\n\
         Documented but not routed (remove or fix the operation):\n{}",
        show(undocumented),
        show(unrouted),
    );
}

// ---------------------------------------------------------------------------
// Against a real server.

async fn served_document(server: &TestServer) -> Value {
    let response = reqwest::get(format!("{}/api/v1/openapi.json", server.url))
        .await
        .expect("GET /api/v1/openapi.json");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[reqwest::header::CONTENT_TYPE].clone();
    assert_eq!(content_type, "application/json");
    response.json().await.expect("the document is JSON")
}

/// Messages of the 400s the extractors give for input they cannot read.
const UNREADABLE: [&str; 5] = [
    "invalid request body",
    "malformed JSON",
    "send the body as JSON",
    "invalid query string",
    "invalid path",
];

#[tokio::test]
async fn every_documented_operation_is_routed_and_reads_its_documented_input() {
    let server = TestServer::start();
    let doc = served_document(&server).await;
    let http = reqwest::Client::new();
    let mut problems = vec![];
    for (method, path) in documented_operations(&doc) {
        let operation = &doc["paths"][&path][method.to_lowercase()];
        let parameters = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut url_path = path.clone();
        let mut query = vec![];
        let mut headers = vec![];
        for p in &parameters {
            let name = p["name"].as_str().expect("parameter name");
            let value = || {
                let example = p.get("example").cloned();
                as_text(&example.unwrap_or_else(|| sample(&p["schema"], &doc, true)))
            };
            match p["in"].as_str() {
                Some("path") => url_path = url_path.replace(&format!("{{{name}}}"), BOGUS_ID),
                Some("query") => query.push((name, value())),
                Some("header") => headers.push((name, value())),
                other => panic!("{method} {path}: parameter `{name}` in {other:?}"),
            }
        }
        let body_schema = &operation["requestBody"]["content"]["application/json"]["schema"];
        let bodies: Vec<Option<Value>> = if body_schema.is_null() {
            vec![None]
        } else {
            vec![
                Some(sample(body_schema, &doc, true)),
                Some(sample(body_schema, &doc, false)),
            ]
        };
        for body in bodies {
            let mut request = http
                .request(
                    method.parse().expect("method"),
                    format!("{}/api/v1{url_path}", server.url),
                )
                .query(&query);
            for (name, value) in &headers {
                request = request.header(*name, value);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.expect("request");
            let status = response.status();
            let text = response.text().await.expect("response body");
            let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let message = answer["error"]["message"].as_str().unwrap_or_default();
            let sent = format!(
                "{method} {url_path} query {query:?} body {}",
                body.as_ref().map(Value::to_string).unwrap_or_default()
            );
            if status == StatusCode::METHOD_NOT_ALLOWED
                || (status == StatusCode::NOT_FOUND && message.starts_with("no route for"))
            {
                problems.push(format!("{sent}: not routed ({status} {text})"));
            } else if status == StatusCode::BAD_REQUEST
                && UNREADABLE.iter().any(|u| message.starts_with(u))
            {
                problems.push(format!("{sent}: documented input refused: {message}"));
            } else if operation["responses"].get(status.as_str()).is_none() {
                problems.push(format!(
                    "{sent}: answered {status}, not documented ({text})"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every `$ref` string in `value`.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_served_as_openapi_3_1_and_hangs_together() {
    let server = TestServer::start();
    let doc = served_document(&server).await;
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "cadre");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc, document(), "the server serves the document it builds");

    let mut all = vec![];
    refs(&doc, &mut all);
    for reference in &all {
        assert!(
            reference.starts_with("#/components/schemas/")
                || reference.starts_with("#/components/responses/"),
            "unexpected $ref {reference}"
        );
        resolve(&doc, reference);
    }
    for wire in [
        "TaskView",
        "AttemptView",
        "EventView",
        "LogEntryView",
        "DiffView",
        "ErrorBody",
    ] {
        assert!(
            all.contains(&format!("#/components/schemas/{wire}")),
            "{wire} is used"
        );
    }

    let mut operation_ids = BTreeSet::new();
    for (method, path) in documented_operations(&doc) {
        let operation = &doc["paths"][&path][method.to_lowercase()];
        let id = operation["operationId"].as_str().expect("operationId");
        assert!(
            operation_ids.insert(id.to_owned()),
            "operationId `{id}` twice"
        );
        assert!(
            operation["summary"].is_string(),
            "{method} {path} has a summary"
        );
        for (status, response) in operation["responses"].as_object().expect("responses") {
            if status.starts_with('4') || status.starts_with('5') {
                let response = match response["$ref"].as_str() {
                    Some(r) => resolve(&doc, r),
                    None => response,
                };
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {status} uses the error body"
                );
            }
        }
    }

    let sse = |path: &str| {
        doc["paths"][path]["get"]["responses"]["200"]["content"]
            .get("text/event-stream")
            .is_some()
    };
    assert!(sse("/events") && sse("/attempts/{attempt}/stream"));
    let events_json = &doc["paths"]["/events"]["get"]["responses"]["200"]["content"];
    assert_eq!(
        events_json["application/json"]["schema"]["items"]["$ref"],
        "#/components/schemas/EventView"
    );
}

#[test]
fn the_document_is_snapshotted() {
    insta::assert_json_snapshot!("document", document(), {
        ".info.version" => "[version]",
    });
}
