//! Reading requests that carry images: the body cap, refused from the declared
//! `Content-Length` before a byte of the body is read (and enforced while reading
//! a body of unknown length), and multipart forms of a `text` field (and, for
//! the UI's forms, a few other named text fields) and image files. What an image
//! must be (kind, size, count) is the app's rule; this only stops reading early
//! so that memory stays bounded by the cap. An empty file part without a file
//! name is what a browser sends for a file input left empty, and is skipped.

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

/// A multipart form: an optional text, the other text fields asked for, and
/// the image files, in order.
#[derive(Debug, Default)]
pub(crate) struct Form {
    pub(crate) text: Option<String>,
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) files: Vec<Vec<u8>>,
}

impl Form {
    /// The last value of the text field `name`, if sent.
    pub(crate) fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
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

/// Reads a multipart form of `text` and images. Stops at the first file over
/// [`MAX_IMAGE_BYTES`] (413) and after one file more than
/// [`MAX_IMAGES_PER_REQUEST`], which the app then refuses, so no request holds
/// more than the cap in memory.
pub(crate) async fn read_form(req: Request) -> Result<Form, ApiError> {
    read_form_with(req, &[]).await
}

/// [`read_form`], also accepting the text fields named in `fields` (into
/// [`Form::fields`]).
pub(crate) async fn read_form_with(req: Request, fields: &[&str]) -> Result<Form, ApiError> {
    check_declared_length(req.headers())?;
    let mut multipart = Multipart::from_request(req, &()).await.map_err(|e| {
        ApiError::bad_request(format!("malformed multipart form: {}", e.body_text()))
    })?;
    let mut form = Form::default();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_owned();
        let unnamed = field.file_name().is_none_or(str::is_empty);
        let is_file = field.file_name().is_some() || FILE_FIELDS.contains(&name.as_str());
        let limit = if is_file {
            MAX_IMAGE_BYTES
        } else {
            MAX_TEXT_BYTES
        };
        if !is_file && name != "text" && !fields.contains(&name.as_str()) {
            let mut names = vec!["`text`".to_owned()];
            names.extend(fields.iter().map(|f| format!("`{f}`")));
            return Err(ApiError::bad_request(format!(
                "unexpected form field `{name}`: send {} and image files",
                names.join(", ")
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
            if bytes.is_empty() && unnamed {
                continue;
            }
            form.files.push(bytes);
            if form.files.len() > MAX_IMAGES_PER_REQUEST {
                break;
            }
        } else {
            let text = String::from_utf8(bytes)
                .map_err(|_| ApiError::bad_request(format!("the `{name}` field is not UTF-8")))?;
            if name == "text" {
                form.text = Some(text);
            } else {
                form.fields.push((name, text));
            }
        }
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::HeaderValue;

    fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Request {
        let mut body = Vec::new();
        for (name, file_name, bytes) in parts {
            body.extend_from_slice(b"--XYZ\r\n");
            let file = file_name
                .map(|f| format!("; filename=\"{f}\""))
                .unwrap_or_default();
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--XYZ--\r\n");
        Request::builder()
            .method("POST")
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XYZ")
            .body(Body::from(body))
            .expect("request")
    }

    #[tokio::test]
    async fn an_empty_file_input_is_skipped_and_asked_for_fields_are_kept() {
        let req = multipart(&[
            ("agent", None, b"claude-code"),
            ("images", Some(""), b""),
            ("images", Some("a.png"), b"\x89PNG"),
            ("text", None, b"hi"),
        ]);
        let form = read_form_with(req, &["agent"]).await.expect("form");
        assert_eq!(form.field("agent").as_deref(), Some("claude-code"));
        assert_eq!(form.text.as_deref(), Some("hi"));
        assert_eq!(form.files, vec![b"\x89PNG".to_vec()]);

        let req = multipart(&[("agent", None, b"x")]);
        let err = read_form(req).await.expect_err("not asked for");
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert!(err.message.contains("`agent`"), "{}", err.message);
    }

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
