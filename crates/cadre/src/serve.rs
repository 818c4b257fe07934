//! `cadre serve`: open the data dir, set up access (the token beyond loopback),
//! bind, print the login link, publish `server.json`, serve until SIGINT/SIGTERM,
//! then shut down cleanly.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use cadre_app::{App, AppConfig, RuntimeConfig, secrets};
use cadre_web::{Access, ServeOptions};
use tokio::net::TcpListener;

use crate::home::{self, ServerInfo};

/// Options of `cadre serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to bind. A loopback address (the default) needs no token; any other
    /// (e.g. 0.0.0.0) makes every request present the access token.
    #[arg(long = "bind", visible_alias = "host", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port to bind; 0 picks a free one.
    #[arg(long, default_value_t = 7420)]
    pub port: u16,
    /// A DNS name the server may be reached by, besides its address and localhost
    /// (repeatable; e.g. `devbox.lan`).
    #[arg(long = "allow-host")]
    pub allow_hosts: Vec<String>,
}

/// Runs the server until a shutdown signal.
pub async fn run(args: ServeArgs) -> Result<()> {
    let data_dir = home::data_dir()?;
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create the data dir {}", data_dir.display()))?;
    // The server runs agents with the user's rights: beyond loopback, nobody gets
    // in without the token.
    let access = access_for(args.bind, &data_dir)?;
    let shim =
        std::env::current_exe().context("cannot find the cadre executable to supervise agents")?;
    let mut runtime = RuntimeConfig::new(shim);
    // Knobs for tests and unusual setups; the defaults suit interactive use.
    if let Some(ms) = env_u64("CADRE_STOP_GRACE_MS") {
        runtime.stop_grace = Duration::from_millis(ms);
    }
    if let Some(secs) = env_u64("CADRE_IDLE_TIMEOUT_SECS") {
        runtime.idle_timeout = Duration::from_secs(secs);
    }
    if let Some(ms) = env_u64("CADRE_RETRY_BASE_MS") {
        runtime.retry_base_delay = Duration::from_millis(ms);
    }
    let mut config = AppConfig::new(data_dir.clone(), runtime);
    if let Some(root) = std::env::var_os("CADRE_WORKTREE_ROOT") {
        config.worktree_root = root.into();
    }
    if let Ok(prefix) = std::env::var("CADRE_BRANCH_PREFIX") {
        config.branch_prefix = prefix;
    }
    if let Some(secs) = env_u64("CADRE_PR_POLL_SECS") {
        config.pr_poll_interval = Duration::from_secs(secs.max(1));
    }
    let app = App::open(config)
        .await
        .with_context(|| format!("cannot open the cadre database in {}", data_dir.display()))?;
    let listener = TcpListener::bind(SocketAddr::new(args.bind, args.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", args.bind, args.port))?;
    let addr = listener.local_addr()?;
    let url = format!("http://{}", local_address(addr));
    let shutdown = shutdown_signal()?;
    tracing::info!(%url, bound = %addr, data_dir = %data_dir.display(), "cadre is listening");
    println!(
        "cadre is listening on {addr} (data in {})",
        data_dir.display()
    );
    if let Some(code) = access.issue_login_code()? {
        let hint = if addr.ip().is_unspecified() {
            " (from another machine, use this machine's address instead of 127.0.0.1)"
        } else {
            ""
        };
        println!("log in from a browser, once, with {url}/login?code={code}{hint}");
    }
    // Announced only after the lines above are out: whoever waits for server.json
    // finds them printed.
    home::write_server_info(
        &data_dir,
        &ServerInfo {
            url: url.clone(),
            pid: std::process::id(),
        },
    )?;

    app.set_server_url(url.clone());
    // Only now, with the database open and the listener bound, pick up the runs a
    // previous server left: their ingesters publish to a hub that is ready.
    app.resume_runs()
        .await
        .context("cannot resume agent runs")?;
    // After the runs are adopted (so their worktrees count as owned): remove
    // worktrees nobody owns, snapshotting any uncommitted work first.
    if let Err(e) = app.sweep_orphan_worktrees().await {
        tracing::warn!(error = %e, "orphan worktree sweep failed");
    }
    app.spawn_pr_poller();
    let options = ServeOptions {
        allowed_names: args.allow_hosts,
        access: Arc::new(access),
    };
    let served = cadre_web::serve(listener, app.clone(), options, shutdown).await;
    home::remove_server_info(&data_dir);
    app.shutdown().await;
    tracing::info!("cadre stopped");
    served.context("server failed")
}

/// The access rules for a server bound to `bind`. Beyond loopback the token is
/// required, and created (and printed, this once) if there is none yet. On loopback
/// an existing token is still accepted, so a CLI that sends it is not refused.
fn access_for(bind: IpAddr, data_dir: &Path) -> Result<Access> {
    if bind.is_loopback() {
        return Ok(match secrets::read_server_token(data_dir)? {
            Some(token) => Access::with_token(token, false),
            None => Access::open(),
        });
    }
    let (token, created) = secrets::load_or_create_server_token(data_dir)?;
    if created {
        println!(
            "generated the access token for this server (shown only now; it is kept in {}, mode 0600):\n  {token}\nthe CLI on this machine reads it from there; elsewhere set CADRE_TOKEN",
            secrets::server_token_path(data_dir).display()
        );
    }
    Ok(Access::with_token(token, true))
}

/// The address to reach a server bound to `addr` from this machine: loopback for
/// an all-interfaces bind, else the bound address itself.
fn local_address(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(std::net::Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// Installs the SIGINT and SIGTERM handlers now and returns a future that completes
/// on either. Installing eagerly matters: `server.json` announces the server, and a
/// signal that arrives after that must shut it down cleanly, not kill it.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        tracing::info!("shutdown requested");
    })
}
