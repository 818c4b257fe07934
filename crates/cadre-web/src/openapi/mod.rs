//! The API's OpenAPI 3.1 document, served at `GET /api/v1/openapi.json`.
//!
//! Wire types (`wire.rs`, `wire_git.rs`) derive `utoipa::ToSchema`, and the
//! enumerations are generated from the domain's lists of values (`enums.rs`).
//! Each operation is described by a documentation-only function with
//! `#[utoipa::path]`, one file per resource (`projects.rs`, `tasks.rs`,
//! `attempts.rs`, `git.rs`, `agents.rs`), next to the schemas of its request
//! bodies and queries; the handlers in `routes/` stay as they are. The errors every
//! operation shares (400 for an unreadable request, 403 from the security policy,
//! 500) are added to each operation by [`document`].
//!
//! `crates/cadre/tests/openapi.rs` keeps this honest: it compares the (method,
//! path) pairs `routes/` declares with the document's, calls every documented
//! operation on a real server with every documented body field and query
//! parameter, and snapshots the whole document.

mod agents;
mod attempts;
mod enums;
mod git;
mod projects;
mod schemas;
mod tasks;

use std::sync::LazyLock;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, LicenseBuilder, PathItem, Ref, RefOr, ResponseBuilder,
};

pub use enums::{
    Actor, AttemptStatus, EventKind, GoalStatus, PrState, Priority, ProcessKind, ProcessStatus,
    TaskStatus,
};
pub use schemas::{ErrorBody, ErrorDetail, HealthView};

use crate::error::ApiError;

/// What the document says about the API as a whole.
const DESCRIPTION: &str = "\
The JSON API of cadre, a local-first kanban board that runs AI coding agents.

Every error has the body `{\"error\":{\"code\",\"message\"}}` (`ErrorBody`). \
Requests whose `Host` is not this server's address or `localhost`, and \
state-changing requests from a foreign `Origin`, are refused with 403. Live \
updates come as server-sent events from `GET /events` (with \
`Accept: text/event-stream`) and `GET /attempts/{attempt}/stream`.";

/// The root of the document: servers, tags and the shared schemas. The
/// operations come from each resource file's `Doc`.
#[derive(OpenApi)]
#[openapi(
    servers((url = "/api/v1", description = "This server.")),
    components(schemas(ErrorBody)),
    tags(
        (name = "projects", description = "Git repositories whose tasks live on the board."),
        (name = "goals", description = "Outcomes that group a project's tasks."),
        (name = "tasks", description = "Cards: create, edit, move through the columns, dependencies."),
        (name = "attempts", description = "Agents working on tasks: start, follow up, stop, logs, live stream."),
        (name = "git", description = "An attempt's branch: diff, commit, rebase, merge, push, pull request, editor, preview."),
        (name = "events", description = "The board's event log, as JSON or server-sent events."),
        (name = "agents", description = "Agent CLIs found on this machine, and named profiles of them."),
        (name = "server", description = "Health and this document."),
    )
)]
struct ApiDoc;

/// Errors every operation may answer with, as `(status, component name, description)`.
/// 400 applies only to operations that read parameters or a body.
const SHARED_ERRORS: [(&str, &str, &str); 3] = [
    (
        "400",
        "BadRequest",
        "The request could not be read: malformed JSON, a missing, mistyped or unknown \
         field, or a bad path or query parameter (`bad_request`).",
    ),
    (
        "403",
        "Forbidden",
        "Refused by the security policy (`forbidden`): the `Host` header does not name \
         this server (DNS rebinding), or a state-changing request came from a foreign \
         `Origin` (cross-site request forgery).",
    ),
    (
        "500",
        "Internal",
        "Something broke that the client cannot fix (`internal`); the server log has \
         the details and the message leaks nothing.",
    ),
];

/// The whole document: title `cadre`, this crate's version, every operation and
/// schema.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info = InfoBuilder::new()
        .title("cadre")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(DESCRIPTION))
        .license(Some(
            LicenseBuilder::new()
                .name(env!("CARGO_PKG_LICENSE"))
                .identifier(Some(env!("CARGO_PKG_LICENSE")))
                .build(),
        ))
        .build();
    for part in [
        projects::Doc::openapi(),
        tasks::Doc::openapi(),
        attempts::Doc::openapi(),
        git::Doc::openapi(),
        agents::Doc::openapi(),
    ] {
        doc.merge(part);
    }
    add_shared_errors(&mut doc);
    doc
}

/// Registers [`SHARED_ERRORS`] as reusable responses and refers to them from every
/// operation that does not describe that status itself.
fn add_shared_errors(doc: &mut utoipa::openapi::OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    for (_, name, description) in SHARED_ERRORS {
        let response = ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        components
            .responses
            .insert(name.to_owned(), RefOr::T(response));
    }
    for item in doc.paths.paths.values_mut() {
        for operation in operations(item) {
            let reads_input = operation.request_body.is_some()
                || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            for (status, name, _) in SHARED_ERRORS {
                if status == "400" && !reads_input {
                    continue;
                }
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
            }
        }
    }
}

/// The operations of a path, whatever their methods.
fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// The document as JSON, built once.
static DOCUMENT_JSON: LazyLock<Result<String, String>> =
    LazyLock::new(|| document().to_json().map_err(|e| e.to_string()));

/// `GET /api/v1/openapi.json`: the document.
pub(crate) async fn serve() -> Response {
    match &*DOCUMENT_JSON {
        Ok(json) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            json.clone(),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "the OpenAPI document does not serialize");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error; the server log has the details",
            )
            .into_response()
        }
    }
}
