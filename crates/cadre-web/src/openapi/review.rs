//! Review comments, image attachments and login links (`routes/comments.rs`,
//! `routes/attachments.rs`, `routes/access.rs`).
//!
//! The functions are documentation only: `#[utoipa::path]` reads their doc
//! comments and attributes; nothing calls them.

#![allow(dead_code, reason = "documentation-only operations and schemas")]

use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

use super::ErrorBody;
use crate::wire_attachment::UploadView;
use crate::wire_review::{CommentView, ReviewSentView};

/// The operations of this file.
#[derive(OpenApi)]
#[openapi(paths(
    list_comments,
    create_comment,
    send_review,
    show_comment,
    delete_comment,
    resolve_comment,
    upload_attachments,
    download_attachment,
    create_login_link,
))]
pub(super) struct Doc;

/// Body of `POST /attempts/{attempt}/comments`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateComment {
    /// Path of the file in the diff.
    #[schema(example = "src/cart.rs")]
    file: String,
    /// Line number on that side, from 1.
    #[schema(example = 12)]
    line: i64,
    /// `new` (default) or `old`: which side of the diff the line is on.
    #[schema(example = "new")]
    side: Option<String>,
    /// What to change.
    #[schema(example = "Use a BTreeMap here.")]
    body: String,
}

/// A one-time login link.
#[derive(ToSchema)]
struct LoginLinkView {
    /// Path to open in a browser on this server, e.g. `/login?code=...`.
    path: String,
}

/// A multipart upload: up to 4 image files (PNG, JPEG, WebP, GIF) of at most 5 MiB.
#[derive(ToSchema)]
struct UploadForm {
    /// The images (repeat the part).
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
}

/// List an attempt's review comments
#[utoipa::path(get, path = "/attempts/{attempt}/comments", tag = "review",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    responses(
        (status = 200, description = "The comments, oldest first.", body = Vec<CommentView>),
        (status = 404, description = "No such attempt.", body = ErrorBody),
    ))]
fn list_comments() {}

/// Comment on a line of the attempt's diff
#[utoipa::path(post, path = "/attempts/{attempt}/comments", tag = "review",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    request_body = CreateComment,
    responses(
        (status = 201, description = "The comment.", body = CommentView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
        (status = 422, description = "A blank body, a line below 1 or an unknown side.", body = ErrorBody),
    ))]
fn create_comment() {}

/// Send the open comments to the agent
///
/// Turns every unresolved comment into one follow-up naming file, line and side,
/// sends it like any follow-up, and resolves the comments it sent.
#[utoipa::path(post, path = "/attempts/{attempt}/review/send", tag = "review",
    params(("attempt" = Uuid, Path, description = "Attempt id.")),
    responses(
        (status = 202, description = "The follow-up was sent or queued.", body = ReviewSentView),
        (status = 404, description = "No such attempt.", body = ErrorBody),
        (status = 409, description = "The worktree was cleaned up: restore it first.", body = ErrorBody),
        (status = 422, description = "There is no open comment to send.", body = ErrorBody),
    ))]
fn send_review() {}

/// Show a review comment
#[utoipa::path(get, path = "/comments/{comment}", tag = "review",
    params(("comment" = Uuid, Path, description = "Comment id.")),
    responses(
        (status = 200, description = "The comment.", body = CommentView),
        (status = 404, description = "No such comment.", body = ErrorBody),
    ))]
fn show_comment() {}

/// Delete a review comment
#[utoipa::path(delete, path = "/comments/{comment}", tag = "review",
    params(("comment" = Uuid, Path, description = "Comment id.")),
    responses(
        (status = 200, description = "The deleted comment.", body = CommentView),
        (status = 404, description = "No such comment.", body = ErrorBody),
    ))]
fn delete_comment() {}

/// Resolve a review comment by hand
#[utoipa::path(post, path = "/comments/{comment}/resolve", tag = "review",
    params(("comment" = Uuid, Path, description = "Comment id.")),
    responses(
        (status = 200, description = "The resolved comment.", body = CommentView),
        (status = 404, description = "No such comment.", body = ErrorBody),
        (status = 409, description = "Already resolved.", body = ErrorBody),
    ))]
fn resolve_comment() {}

/// Upload images
///
/// Recognized by their magic bytes, not the declared type; stored
/// content-addressed. A body declared over 25 MiB is refused before it is read.
#[utoipa::path(post, path = "/attachments", tag = "review",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The stored images, with their URLs.", body = UploadView),
        (status = 413, description = "A file over 5 MiB, or a body over 25 MiB.", body = ErrorBody),
        (status = 415, description = "Not a multipart form, or a file that is not a PNG, JPEG, WebP or GIF image.", body = ErrorBody),
        (status = 422, description = "No file, or more than 4.", body = ErrorBody),
    ))]
fn upload_attachments() {}

/// Download an image
#[utoipa::path(get, path = "/attachments/{id}", tag = "review",
    params(("id" = String, Path, description = "The image's SHA-256, 64 hex digits.")),
    responses(
        (status = 200, description = "The image, with its content type and `X-Content-Type-Options: nosniff`.", content_type = "image/*"),
        (status = 404, description = "No such image.", body = ErrorBody),
    ))]
fn download_attachment() {}

/// Mint a one-time login link
///
/// For a browser on a server bound beyond loopback: opening the link sets the
/// session cookie once.
#[utoipa::path(post, path = "/login-links", tag = "server",
    responses(
        (status = 201, description = "The link.", body = LoginLinkView),
        (status = 401, description = "No valid token.", body = ErrorBody),
        (status = 409, description = "This server is on loopback and needs no login.", body = ErrorBody),
    ))]
fn create_login_link() {}
