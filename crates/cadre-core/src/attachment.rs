//! Image attachments: which files are accepted (recognized by their first bytes,
//! never by a declared type), how big, how many, and how they are named (the
//! SHA-256 of the content, so the same image is stored once).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// Largest accepted image: 5 MiB.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// Most images in one request.
pub const MAX_IMAGES_PER_REQUEST: usize = 4;
/// Largest request body that may carry images: 25 MiB. Refused before it is read.
pub const MAX_UPLOAD_REQUEST_BYTES: usize = 25 * 1024 * 1024;

/// An accepted image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// WebP.
    Webp,
    /// GIF (87a or 89a).
    Gif,
}

impl ImageKind {
    /// Every accepted kind.
    pub const ALL: &'static [ImageKind] = &[
        ImageKind::Png,
        ImageKind::Jpeg,
        ImageKind::Webp,
        ImageKind::Gif,
    ];

    /// The kind `bytes` start like, if any.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageKind::Gif)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else {
            None
        }
    }

    /// The MIME type it is served with.
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Webp => "image/webp",
            ImageKind::Gif => "image/gif",
        }
    }

    /// The file extension it is stored with (agents recognize images by it).
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Webp => "webp",
            ImageKind::Gif => "gif",
        }
    }
}

/// Identifies a stored attachment: the SHA-256 of its content, as 64 lowercase
/// hex digits. Nothing else parses, so an id can name a file and never a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AttachmentId(String);

impl AttachmentId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The API path that serves it; what log entries and events carry.
    pub fn url(&self) -> String {
        format!("/api/v1/attachments/{}", self.0)
    }
}

impl fmt::Display for AttachmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for AttachmentId {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::new(
                "attachment",
                format!(
                    "`{}` is not an attachment id: ids are 64 lowercase hex digits (a SHA-256)",
                    s.chars().take(80).collect::<String>()
                ),
            ))
        }
    }
}

impl TryFrom<String> for AttachmentId {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<AttachmentId> for String {
    fn from(id: AttachmentId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognized_by_their_magic_bytes_only() {
        assert_eq!(
            ImageKind::sniff(b"\x89PNG\r\n\x1a\nrest"),
            Some(ImageKind::Png)
        );
        assert_eq!(
            ImageKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(ImageKind::sniff(b"GIF89a..."), Some(ImageKind::Gif));
        assert_eq!(ImageKind::sniff(b"GIF87a..."), Some(ImageKind::Gif));
        assert_eq!(
            ImageKind::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(ImageKind::Webp)
        );
        for not_an_image in [
            &b"<svg xmlns='http://www.w3.org/2000/svg'/>"[..],
            b"<html><script>alert(1)</script>",
            b"RIFF\0\0\0\0WAVEfmt ",
            b"\x89PNG",
            b"",
        ] {
            assert_eq!(ImageKind::sniff(not_an_image), None, "{not_an_image:?}");
        }
    }

    #[test]
    fn attachment_ids_are_exactly_64_lowercase_hex_digits() {
        let good = "a".repeat(64);
        assert_eq!(good.parse::<AttachmentId>().expect("id").as_str(), good);
        for bad in [
            "../../cadre.db".to_owned(),
            "A".repeat(64),
            "a".repeat(63),
            format!("{}/", "a".repeat(63)),
            String::new(),
        ] {
            assert!(bad.parse::<AttachmentId>().is_err(), "{bad}");
        }
        let id: AttachmentId = good.parse().expect("id");
        assert_eq!(id.url(), format!("/api/v1/attachments/{good}"));
    }
}
