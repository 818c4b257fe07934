//! `cadre attempt followup ID [TEXT] [--image FILE]...`: a message to the agent,
//! sent as JSON, or as a multipart form when images are attached.

use std::path::PathBuf;

use anyhow::{Context, Result};
use cadre_web::wire::AttemptView;
use reqwest::Method;
use reqwest::multipart::{Form, Part};
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
        let mut form = Form::new().text("text", text);
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
