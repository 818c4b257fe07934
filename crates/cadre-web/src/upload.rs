//! Reading requests that carry images: the body cap, refused from the declared
//! `Content-Length` before a byte of the body is read (and enforced while reading
//! a body of unknown length), and multipart forms of a `text` field and image
//! files. What an image must be (kind, size, count) is the app's rule; this only
//! stops reading early so that memory stays bounded by the cap.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, StatusCode, header};
use cadre_core::AttachmentId;
use cadre_core::attachment::{MAX_IMAGE_BYTES, MAX_IMAGES_PER_REQUEST, MAX_UPLOAD_REQUEST_BYTES};

use crate::error::ApiError;

/// The body limit of routes that take images.
pub(crate) const BODY_LIMIT: usize = MAX_UPLOAD_REQUEST_BYTES;
/// Longest `text` field of a form.
const MAX_TEXT_BYTES: usize = 256 * 1024;
/// Names of form fields that hold images (any field with a file name does too).
const FILE_FIELDS: &[&str] = &["image", "images", "file", "files"];

/// A multipart form: an optional text and the image files, in order.
#[derive(Debug, Default)]
pub(crate) struct Form {
    pub(crate) text: Option<String>,
    pub(crate) files: Vec<Vec<u8>>,
}

fn too_large(message: String) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
}

/// 413 when the declared body is over [`BODY_LIMIT`], before anything is read.
pub(crate) fn check_declared_length(headers: &HeaderMap) -> Result<(), ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(len) if len > BODY_LIMIT as u64 => Err(too_large(format!(
            "the request body is {len} bytes: at most {BODY_LIMIT} bytes (25 MiB) are accepted"
        ))),
        _ => Ok(()),
    }
}

/// Parses attachment ids from a JSON body (a 422 naming the malformed one).
pub(crate) fn attachment_ids(raw: &[String]) -> Result<Vec<AttachmentId>, ApiError> {
    raw.iter()
        .map(|id| id.parse::<AttachmentId>())
        .collect::<Result<_, _>>()
        .map_err(|e| ApiError::from(cadre_app::AppError::from(e)))
}

/// Whether the request is a multipart form.
pub(crate) fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

fn multipart_error(err: axum::extract::multipart::MultipartError) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(format!(
            "the request body is over {BODY_LIMIT} bytes (25 MiB), the most accepted"
        ))
    } else {
        ApiError::bad_request(format!("malformed multipart form: {}", err.body_text()))
    }
}

/// Reads a multipart form. Stops at the first file over [`MAX_IMAGE_BYTES`] (413)
/// and after one file more than [`MAX_IMAGES_PER_REQUEST`], which the app then
/// refuses, so no request holds more than the cap in memory.
pub(crate) async fn read_form(req: Request) -> Result<Form, ApiError> {
    check_declared_length(req.headers())?;
    let mut multipart = Multipart::from_request(req, &()).await.map_err(|e| {
        ApiError::bad_request(format!("malformed multipart form: {}", e.body_text()))
    })?;
    let mut form = Form::default();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_owned();
        let is_file = field.file_name().is_some() || FILE_FIELDS.contains(&name.as_str());
        let limit = if is_file {
            MAX_IMAGE_BYTES
        } else {
            MAX_TEXT_BYTES
        };
        if !is_file && name != "text" {
            return Err(ApiError::bad_request(format!(
                "unexpected form field `{name}`: send `text` and image files"
            )));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            if bytes.len() + chunk.len() > limit {
                return Err(too_large(if is_file {
                    format!(
                        "file {} is over {MAX_IMAGE_BYTES} bytes: images may be at most 5 MiB",
                        form.files.len() + 1
                    )
                } else {
                    format!("the text is over {MAX_TEXT_BYTES} bytes")
                }));
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            form.files.push(bytes);
            if form.files.len() > MAX_IMAGES_PER_REQUEST {
                break;
            }
        } else {
            let text = String::from_utf8(bytes)
                .map_err(|_| ApiError::bad_request("the `text` field is not UTF-8"))?;
            form.text = Some(text);
        }
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_declared_length_over_the_cap_is_refused_before_reading() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_LENGTH,
            HeaderValue::from(BODY_LIMIT as u64 + 1),
        );
        let err = check_declared_length(&headers).expect_err("too big");
        assert_eq!(err.status, StatusCode::PAYLOAD_TOO_LARGE);
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(BODY_LIMIT as u64));
        assert!(check_declared_length(&headers).is_ok());
        assert!(check_declared_length(&HeaderMap::new()).is_ok());
    }
}
