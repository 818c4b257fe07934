//! `cadre serve`: open the data dir, bind, publish `server.json`, serve until
//! SIGINT/SIGTERM, then shut down cleanly.

use std::net::{IpAddr, SocketAddr};

use anyhow::{Context, Result, bail};
use std::time::Duration;

use cadre_app::{App, AppConfig, RuntimeConfig};
use tokio::net::TcpListener;

use crate::home::{self, ServerInfo};

/// Options of `cadre serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to bind. Only loopback addresses are accepted for now.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to bind; 0 picks a free one.
    #[arg(long, default_value_t = 7420)]
    pub port: u16,
}

/// Runs the server until a shutdown signal.
pub async fn run(args: ServeArgs) -> Result<()> {
    if !args.host.is_loopback() {
        // The server runs agents with the user's rights. Until token authentication
        // exists, exposing it beyond this machine would hand that to the network.
        bail!(
            "refusing to bind {}: cadre serves only loopback addresses (127.0.0.1 or ::1) until token authentication lands",
            args.host
        );
    }
    let data_dir = home::data_dir()?;
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
    let listener = TcpListener::bind(SocketAddr::new(args.host, args.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let shutdown = shutdown_signal()?;
    home::write_server_info(
        &data_dir,
        &ServerInfo {
            url: url.clone(),
            pid: std::process::id(),
        },
    )?;
    tracing::info!(%url, data_dir = %data_dir.display(), "cadre is listening");
    println!(
        "cadre is listening on {url} (data in {})",
        data_dir.display()
    );

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
    let served = cadre_web::serve(listener, app.clone(), shutdown).await;
    home::remove_server_info(&data_dir);
    app.shutdown().await;
    tracing::info!("cadre stopped");
    served.context("server failed")
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
