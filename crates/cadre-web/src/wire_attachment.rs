//! Wire types of image attachments. Clients get URLs, never local paths.

use cadre_app::StoredAttachment;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A stored image.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttachmentView {
    /// Id: the SHA-256 of the content, 64 hex digits.
    pub id: String,
    /// Where it is served, relative to the server's base URL.
    pub url: String,
    /// `image/png`, `image/jpeg`, `image/webp` or `image/gif`, from the content.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
}

impl From<StoredAttachment> for AttachmentView {
    fn from(a: StoredAttachment) -> Self {
        Self {
            url: a.id.url(),
            id: a.id.to_string(),
            content_type: a.kind.mime().to_owned(),
            size: a.size,
        }
    }
}

/// The answer to an upload: the images stored, in the order sent.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UploadView {
    /// The stored images.
    pub attachments: Vec<AttachmentView>,
}
