//! `cadre login-link`: a fresh one-time link that logs a browser in to a server
//! bound beyond loopback.

use anyhow::Result;
use reqwest::Method;
use serde::Deserialize;

use crate::client::Client;

#[derive(Deserialize)]
struct LoginLink {
    path: String,
}

pub async fn run(client: &Client) -> Result<()> {
    let link: LoginLink = client
        .call(Method::POST, "/login-links", None::<&()>)
        .await?;
    println!("{}{}", client.base(), link.path);
    Ok(())
}
