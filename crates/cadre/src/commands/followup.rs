//! `cadre attempt followup ID [TEXT] [--image FILE]...`: a message to the agent,
//! sent as JSON, or as a multipart form when images are attached; and the image
//! upload that `attempt start --image` uses.

use std::path::PathBuf;

use anyhow::{Context, Result};
use cadre_web::wire::AttemptView;
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde::Deserialize;
use serde_json::json;

use crate::client::{Client, segment};

pub async fn run(
    client: &Client,
    id: &str,
    text: Option<String>,
    images: &[PathBuf],
) -> Result<()> {
    let path = format!("/attempts/{}/followups", segment(id));
    let text = text.unwrap_or_default();
    let attempt: AttemptView = if images.is_empty() {
        client
            .call(Method::POST, &path, Some(&json!({ "text": text })))
            .await?
    } else {
        let form = with_images(Form::new().text("text", text), images).await?;
        let request = client.request(Method::POST, &path).multipart(form);
        client
            .execute(request)
            .await?
            .json()
            .await
            .context("the server sent an unexpected answer")?
    };
    let with = match images.len() {
        0 => String::new(),
        1 => " with 1 image".to_owned(),
        n => format!(" with {n} images"),
    };
    println!(
        "follow-up sent{with} to {} ({})",
        attempt.id, attempt.status
    );
    Ok(())
}

/// `form` plus one `image` part per file.
async fn with_images(mut form: Form, images: &[PathBuf]) -> Result<Form> {
    for image in images {
        let bytes = tokio::fs::read(image)
            .await
            .with_context(|| format!("cannot read the image {}", image.display()))?;
        let name = image
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "image".to_owned());
        form = form.part("image", Part::bytes(bytes).file_name(name));
    }
    Ok(form)
}

/// Uploads `images` with `POST /attachments` and returns their ids, for a request
/// that refers to them (starting an attempt).
pub async fn upload(client: &Client, images: &[PathBuf]) -> Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Uploaded {
        attachments: Vec<Stored>,
    }
    #[derive(Deserialize)]
    struct Stored {
        id: String,
    }
    if images.is_empty() {
        return Ok(vec![]);
    }
    let form = with_images(Form::new(), images).await?;
    let request = client.request(Method::POST, "/attachments").multipart(form);
    let uploaded: Uploaded = client
        .execute(request)
        .await?
        .json()
        .await
        .context("the server sent an unexpected answer to the upload")?;
    Ok(uploaded.attachments.into_iter().map(|a| a.id).collect())
}
