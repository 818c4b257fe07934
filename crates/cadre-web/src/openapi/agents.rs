//! Operations on agents and profiles (`routes/agents.rs`) and the server's own
//! endpoints (`routes/mod.rs`: health and this document).
//!
//! The functions are documentation only: `#[utoipa::path]` reads their doc
//! comments and attributes; nothing calls them.

#![allow(dead_code, reason = "documentation-only operations and schemas")]

use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{ErrorBody, HealthView};
use crate::wire::{AgentView, ProfileView};

/// The operations of this file.
#[derive(OpenApi)]
#[openapi(paths(
    health,
    openapi_document,
    list_agents,
    list_profiles,
    save_profile,
    delete_profile,
))]
pub(super) struct Doc;

/// Body of `POST /profiles`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ProfileBody {
    /// Name, unique within its scope.
    #[schema(example = "careful")]
    name: String,
    /// Agent id, e.g. `claude-code`.
    #[schema(example = "claude-code")]
    agent: String,
    /// Project (key or id) to scope it to; global when absent.
    project: Option<String>,
    /// Model passed to the agent.
    model: Option<String>,
    /// Extra command-line arguments.
    #[serde(default)]
    args: Vec<String>,
    /// Extra environment, as `KEY=VALUE` strings.
    #[serde(default)]
    #[schema(example = json!(["RUST_LOG=debug"]))]
    env: Vec<String>,
    /// Stop a run that takes longer, in seconds.
    timeout_secs: Option<i64>,
}

/// The profile scope of `GET /profiles` and `DELETE /profiles/{name}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct ScopeQuery {
    /// A project (key or id): its own profiles and the global ones; without it,
    /// every profile (listing) or the global one (deleting).
    #[param(example = "WEB")]
    project: Option<String>,
}

/// Health check
#[utoipa::path(get, path = "/health", tag = "server",
    responses((status = 200, description = "The server is up.", body = HealthView)))]
fn health() {}

/// This document
///
/// The OpenAPI 3.1 description of the API.
#[utoipa::path(get, path = "/openapi.json", tag = "server",
    responses((status = 200, description = "The OpenAPI document.", body = Object)))]
fn openapi_document() {}

/// List agents
///
/// The agent CLIs cadre knows, whether each is installed here, and its version.
#[utoipa::path(get, path = "/agents", tag = "agents",
    responses((status = 200, description = "The known agents.", body = Vec<AgentView>)))]
fn list_agents() {}

/// List profiles
#[utoipa::path(get, path = "/profiles", tag = "agents",
    params(ScopeQuery),
    responses(
        (status = 200, description = "The profiles in scope.", body = Vec<ProfileView>),
        (status = 404, description = "No such project.", body = ErrorBody),
        (status = 422, description = "Not a valid project key or id.", body = ErrorBody),
    ))]
fn list_profiles() {}

/// Save a profile
///
/// Creates the profile, or replaces the one of the same name in the same scope.
#[utoipa::path(post, path = "/profiles", tag = "agents",
    request_body = ProfileBody,
    responses(
        (status = 201, description = "The saved profile.", body = ProfileView),
        (status = 400, description = "An `env` entry that is not `KEY=VALUE`, or a body that could not be read.", body = ErrorBody),
        (status = 404, description = "No such project.", body = ErrorBody),
        (status = 422, description = "An unknown agent, an empty name, or not a valid project key or id.", body = ErrorBody),
    ))]
fn save_profile() {}

/// Delete a profile
#[utoipa::path(delete, path = "/profiles/{name}", tag = "agents",
    params(
        ("name" = String, Path, description = "The profile's name."),
        ScopeQuery,
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such profile in that scope, or no such project.", body = ErrorBody),
        (status = 422, description = "Not a valid project key or id.", body = ErrorBody),
    ))]
fn delete_profile() {}
