//! Image attachments: checked (kind by magic bytes, size, count), stored
//! content-addressed under `<data dir>/attachments/<sha256>.<ext>`, found again by
//! id, and turned into a user turn: the log entry carries their URLs, the agent's
//! prompt their local paths.
//!
//! Files are written to a temporary name in the same directory, synced, then
//! renamed, so a reader never sees a partial image; an image already stored (same
//! hash) is not written again. Ids are validated hex digests
//! ([`AttachmentId`]), so a request can never name a path.

use std::io::Write;
use std::path::{Path, PathBuf};

use cadre_core::attachment::{MAX_IMAGE_BYTES, MAX_IMAGES_PER_REQUEST};
use cadre_core::log::LogEntryKind;
use cadre_core::{AttachmentId, AttemptId, ImageKind, ValidationError};
use sha2::{Digest, Sha256};

use crate::{App, AppError, Result};

/// An image stored in the data dir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    /// Its id (the SHA-256 of its content).
    pub id: AttachmentId,
    /// Its format.
    pub kind: ImageKind,
    /// Size in bytes.
    pub size: u64,
    /// Where it is on disk (for agents; never sent to clients).
    pub path: PathBuf,
}

/// A follow-up message: text, images, or both.
#[derive(Debug, Clone, Default)]
pub struct FollowUp {
    /// The message; may be empty when there are images.
    pub text: String,
    /// Images uploaded before (see [`App::save_attachments`]).
    pub attachments: Vec<AttachmentId>,
}

impl App {
    fn attachments_dir(&self) -> PathBuf {
        self.config.data_dir.join("attachments")
    }

    /// Checks `files` (at most [`MAX_IMAGES_PER_REQUEST`], each an image of at most
    /// [`MAX_IMAGE_BYTES`]) and stores them. Every file is checked before any is
    /// written, so a refused request stores nothing.
    pub async fn save_attachments(&self, files: Vec<Vec<u8>>) -> Result<Vec<StoredAttachment>> {
        if files.is_empty() {
            return Err(ValidationError::new("files", "send at least one image").into());
        }
        if files.len() > MAX_IMAGES_PER_REQUEST {
            return Err(ValidationError::new(
                "files",
                format!("too many images: at most {MAX_IMAGES_PER_REQUEST} per request"),
            )
            .into());
        }
        let mut checked = Vec::with_capacity(files.len());
        for (i, bytes) in files.into_iter().enumerate() {
            let kind = check_image(i + 1, &bytes)?;
            checked.push((kind, bytes));
        }
        let dir = self.attachments_dir();
        tokio::task::spawn_blocking(move || {
            checked
                .into_iter()
                .map(|(kind, bytes)| store_file(&dir, kind, &bytes))
                .collect()
        })
        .await
        .map_err(|e| AppError::internal(format!("storing attachments failed: {e}")))?
    }

    /// The stored attachment `id`.
    pub async fn attachment(&self, id: &AttachmentId) -> Result<StoredAttachment> {
        let dir = self.attachments_dir();
        for kind in ImageKind::ALL {
            let path = dir.join(format!("{id}.{}", kind.extension()));
            if let Ok(meta) = tokio::fs::metadata(&path).await {
                return Ok(StoredAttachment {
                    id: id.clone(),
                    kind: *kind,
                    size: meta.len(),
                    path,
                });
            }
        }
        Err(AppError::NotFound {
            entity: "attachment",
            id: id.to_string(),
        })
    }

    /// The attachment `id` and its bytes.
    pub async fn read_attachment(&self, id: &AttachmentId) -> Result<(StoredAttachment, Vec<u8>)> {
        let found = self.attachment(id).await?;
        let bytes = tokio::fs::read(&found.path).await.map_err(|e| {
            AppError::internal(format!("cannot read {}: {e}", found.path.display()))
        })?;
        Ok((found, bytes))
    }

    /// Checks that every id names a stored attachment (a 422 naming the first that
    /// does not).
    pub(crate) async fn check_attachments(&self, ids: &[AttachmentId]) -> Result<()> {
        if ids.len() > MAX_IMAGES_PER_REQUEST {
            return Err(ValidationError::new(
                "attachments",
                format!("at most {MAX_IMAGES_PER_REQUEST} images per message"),
            )
            .into());
        }
        for id in ids {
            if self.attachment(id).await.is_err() {
                return Err(ValidationError::new(
                    "attachments",
                    format!(
                        "attachment {id} does not exist: upload it first (POST /api/v1/attachments)"
                    ),
                )
                .into());
            }
        }
        Ok(())
    }

    /// Records what the person said (text and image URLs) in the log and returns
    /// the prompt for the agent: the text, then the images' local paths.
    pub(crate) async fn record_user_turn(
        &self,
        attempt: AttemptId,
        text: &str,
        attachments: &[AttachmentId],
    ) -> Result<String> {
        let mut paths = Vec::with_capacity(attachments.len());
        for id in attachments {
            match self.attachment(id).await {
                Ok(found) => paths.push(found.path),
                // Deleted from disk meanwhile: the log keeps the URL, the agent
                // cannot be given the file.
                Err(_) => tracing::warn!(%attempt, attachment = %id, "attachment missing on disk"),
            }
        }
        let entry = LogEntryKind::UserMessage {
            text: text.to_owned(),
            attachments: attachments.iter().map(AttachmentId::url).collect(),
        };
        self.append_entry(attempt, entry).await?;
        Ok(prompt_with_images(text, &paths))
    }
}

/// `text`, followed by the list of image files the agent should open.
pub(crate) fn prompt_with_images(text: &str, paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return text.to_owned();
    }
    let mut prompt = text.trim_end().to_owned();
    if !prompt.is_empty() {
        prompt.push_str("\n\n");
    }
    prompt.push_str("Attached images (local files; open them to see them):\n");
    for path in paths {
        prompt.push_str(&format!("- {}\n", path.display()));
    }
    prompt
}

/// The kind of file number `n`, or why it is refused.
fn check_image(n: usize, bytes: &[u8]) -> Result<ImageKind> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(AppError::TooLarge(format!(
            "file {n} is {} bytes: images may be at most {MAX_IMAGE_BYTES} bytes (5 MiB)",
            bytes.len()
        )));
    }
    ImageKind::sniff(bytes).ok_or_else(|| {
        AppError::UnsupportedMedia(format!(
            "file {n} is not a PNG, JPEG, WebP or GIF image (recognized by its content, not its name or declared type)"
        ))
    })
}

/// Stores `bytes` as `<dir>/<sha256>.<ext>` unless already there.
fn store_file(dir: &Path, kind: ImageKind, bytes: &[u8]) -> Result<StoredAttachment> {
    let io = |what: &str, p: &Path, e: std::io::Error| {
        AppError::internal(format!("cannot {what} {}: {e}", p.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| io("create", dir, e))?;
    let id: AttachmentId = hex::encode(Sha256::digest(bytes))
        .parse()
        .map_err(|e: ValidationError| AppError::internal(e.to_string()))?;
    let path = dir.join(format!("{id}.{}", kind.extension()));
    if !path.exists() {
        let tmp = dir.join(format!(".{id}.{}.tmp", uuid::Uuid::now_v7().simple()));
        let mut file = std::fs::File::create_new(&tmp).map_err(|e| io("create", &tmp, e))?;
        let written = file.write_all(bytes).and_then(|()| file.sync_all());
        drop(file);
        if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, &path)) {
            let _ = std::fs::remove_file(&tmp);
            return Err(io("write", &path, e));
        }
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(StoredAttachment {
        id,
        kind,
        size: bytes.len() as u64,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_lists_image_paths_after_the_text() {
        let paths = vec![PathBuf::from("/d/attachments/ab.png")];
        assert_eq!(
            prompt_with_images("Fix the layout", &paths),
            "Fix the layout\n\nAttached images (local files; open them to see them):\n- /d/attachments/ab.png\n"
        );
        assert!(prompt_with_images("", &paths).starts_with("Attached images"));
        assert_eq!(prompt_with_images("just text", &[]), "just text");
    }

    #[test]
    fn the_same_image_is_stored_once_under_its_hash() {
        let dir = tempfile::tempdir().expect("dir");
        let png = b"\x89PNG\r\n\x1a\nsome pixels".to_vec();
        let a = store_file(dir.path(), ImageKind::Png, &png).expect("store");
        let b = store_file(dir.path(), ImageKind::Png, &png).expect("store again");
        assert_eq!(a, b);
        assert_eq!(std::fs::read(&a.path).expect("read"), png);
        assert_eq!(
            a.path.file_name().and_then(|n| n.to_str()),
            Some(format!("{}.png", hex::encode(Sha256::digest(&png))).as_str())
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("ls").count(),
            1,
            "no temp files left"
        );
    }

    #[test]
    fn oversized_and_non_image_files_are_refused() {
        let big = vec![0xFF; MAX_IMAGE_BYTES + 1];
        assert!(matches!(check_image(1, &big), Err(AppError::TooLarge(_))));
        assert!(matches!(
            check_image(2, b"<svg/>"),
            Err(AppError::UnsupportedMedia(m)) if m.contains("file 2")
        ));
    }
}
