//! `drawbridge serve`: the local web app, or with `--server` the same app
//! for many people with accounts on one PostgreSQL database.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use anyhow::{Context, Result};
use drawbridge_core::Catalog;
use drawbridge_store::Workload;
use drawbridge_web::{AppState, ServerConfig};
use tokio::net::TcpListener;

use crate::config::DEFAULT_PORT;
use crate::{Ctx, UserError, open};

#[derive(clap::Args, Default)]
pub struct ServeArgs {
    /// Port to listen on (default 7878; if it is taken, a free one is used).
    #[arg(long, env = "DRAWBRIDGE_PORT")]
    port: Option<u16>,
    /// Address to listen on (default 127.0.0.1).
    #[arg(long, env = "DRAWBRIDGE_BIND", value_name = "ADDR")]
    bind: Option<IpAddr>,
    /// Allow an address other than loopback. Anyone who can reach it and has
    /// the link could see your data: only do this on a network you trust.
    #[arg(long)]
    allow_remote: bool,
    /// Do not open the browser; just print the link.
    #[arg(long, env = "DRAWBRIDGE_NO_OPEN")]
    no_open: bool,
    /// Serve many people from one PostgreSQL database (--database-url),
    /// each with an account whose words only their password opens. Binds
    /// where it is told; put TLS in front of it at a reverse proxy.
    #[arg(long)]
    server: bool,
}

impl ServeArgs {
    /// Server mode, which runs on every core.
    pub fn is_server(&self) -> bool {
        self.server
    }
}

/// Server mode's settings from the configuration file, checked.
fn server_policy(ctx: &Ctx) -> Result<drawbridge_web::ServerPolicy> {
    use drawbridge_web::ServerPolicy;
    let f = &ctx.file;
    let minutes = |m: u64| std::time::Duration::from_secs(m.saturating_mul(60));
    let idle = f.session_idle_minutes.map_or(ServerPolicy::DEFAULT_IDLE, minutes);
    let lifetime = f
        .session_hours
        .map_or(ServerPolicy::DEFAULT_LIFETIME, |h| minutes(h.saturating_mul(60)));
    if idle.is_zero() || lifetime.is_zero() || idle > lifetime {
        return Err(UserError::new(
            "session_idle_minutes and session_hours must be more than zero, and the idle time no longer than the whole.",
            "Fix them in drawbridge.toml, or leave them out for 60 minutes and 12 hours.",
        )
        .into());
    }
    let public_url = f.public_url.clone().map(|u| u.trim_end_matches('/').to_string());
    let host = public_url
        .as_deref()
        .and_then(|u| u.strip_prefix("https://").or_else(|| u.strip_prefix("http://")))
        .map(|rest| rest.split('/').next().unwrap_or(rest).to_string());
    if public_url.is_some() && host.is_none() {
        return Err(UserError::new(
            "public_url must start with https:// (or http://), like https://drawbridge.example.org.",
            "Fix it in drawbridge.toml.",
        )
        .into());
    }
    Ok(ServerPolicy {
        open_signup: f.open_signup.unwrap_or(false),
        idle,
        lifetime,
        hosts: host.into_iter().collect(),
        public_url,
        account_check: ServerPolicy::DEFAULT_ACCOUNT_CHECK,
    })
}

/// `serve --server`: many people, one PostgreSQL database.
async fn run_server(ctx: &Ctx, args: ServeArgs) -> Result<()> {
    let Some(url) = ctx.paths.database_url.clone() else {
        return Err(UserError::new(
            "Server mode keeps everyone's data in PostgreSQL, and no database was named.",
            "Give --database-url postgres://user:password@host:5432/database (or DRAWBRIDGE_DATABASE_URL, or DRAWBRIDGE_DATABASE_URL_FILE).",
        )
        .into());
    };
    let policy = server_policy(ctx)?;
    let catalog = Catalog::embedded();
    catalog
        .check()
        .map_err(|e| anyhow::anyhow!("the built-in content is damaged, so the app cannot start: {e}"))?;
    let engine = drawbridge_store::Store::open_server(&url).await?;
    let ip = args.bind.or(ctx.file.bind).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let port = args.port.or(ctx.file.port).unwrap_or(DEFAULT_PORT);
    let listener = TcpListener::bind(SocketAddr::new(ip, port))
        .await
        .with_context(|| format!("Could not listen on {ip}:{port}"))?;
    let addr = listener.local_addr()?;
    let open_signup = policy.open_signup;
    let (state, _) = AppState::new(
        ServerConfig {
            addr,
            local_offset: time::UtcOffset::UTC,
            location: ctx.paths.location(),
            catalog,
            suggested_region: ctx.file.region.clone(),
            metrics_from: metrics_from(ctx),
            trusted_proxies: ctx.file.trusted_proxies.clone().unwrap_or_default(),
            policy: drawbridge_web::Policy::Server(policy),
        },
        Some(engine),
    );
    let shutdown = shutdown_signal()?;
    {
        // The address alone on its own line on stdout, so scripts can read it.
        let mut out = std::io::stdout().lock();
        writeln!(out, "http://{addr}/login")?;
        out.flush()?;
    }
    crate::notice(format!(
        "drawbridge is serving many people on http://{addr}, with their data in {}.",
        drawbridge_store::shown_url(&url)
    ));
    if open_signup {
        crate::notice("Anyone who reaches it can make an account (open_signup).");
    } else {
        crate::notice("Accounts are made by invitation: `drawbridge admin invite --role admin` makes the first.");
    }
    if state.config().trusted_proxies.is_empty() {
        crate::notice(
            "No trusted_proxies are set, so each connection's own address is the person's. Behind a reverse \
             proxy, list its address in trusted_proxies, or everyone will share the proxy's log-in limits.",
        );
    }
    crate::notice("Stop it with SIGTERM or Ctrl-C; requests under way are finished first.");
    serve_until_stopped(listener, state, shutdown).await?;
    crate::notice("drawbridge has stopped. Everything saved is kept.");
    Ok(())
}

/// Serve until `shutdown`: requests under way are finished, then the store
/// is closed. The peer's address goes with each request, for /metrics'
/// allow list and the log-in throttle.
async fn serve_until_stopped(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let app = drawbridge_web::router(state.clone());
    // Server mode: sessions past their time end (and their keys go) even
    // when their browser never comes back.
    let sweeper = state.is_server().then(|| tokio::spawn(state.clone().sweep_sessions_forever()));
    let served = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
        .context("The web server stopped unexpectedly");
    if let Some(s) = sweeper {
        s.abort();
    }
    served?;
    state.close().await;
    Ok(())
}

/// The addresses /metrics answers: the configured ones, or this computer.
fn metrics_from(ctx: &Ctx) -> Vec<IpAddr> {
    ctx.file
        .metrics_allow
        .clone()
        .unwrap_or_else(|| vec![Ipv4Addr::LOCALHOST.into(), std::net::Ipv6Addr::LOCALHOST.into()])
}

pub async fn run(ctx: &Ctx, args: ServeArgs) -> Result<()> {
    if args.server {
        return run_server(ctx, args).await;
    }
    let ip = args.bind.or(ctx.file.bind).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    if ip.is_unspecified() {
        return Err(UserError::new(
            format!("drawbridge will not listen on {ip}, which means every network at once."),
            "Name the one address to listen on with --bind, or leave it out for 127.0.0.1.",
        )
        .into());
    }
    if !ip.is_loopback() {
        if !args.allow_remote {
            return Err(UserError::new(
                format!("{ip} is reachable from other computers, and drawbridge holds private data."),
                "Leave out --bind to stay on 127.0.0.1, or add --allow-remote if you really mean it.",
            )
            .into());
        }
        crate::notice(format!(
            "warning: listening on {ip}. Anyone on that network who gets the link can reach your data."
        ));
    }

    let catalog = Catalog::embedded();
    // A server reads every content set once, now, so no visitor waits for it.
    catalog
        .check()
        .map_err(|e| anyhow::anyhow!("the built-in content is damaged, so the app cannot start: {e}"))?;
    // Open now when we can; in passphrase mode without the passphrase in the
    // environment, the web app asks for it on its unlock page instead.
    let needs_passphrase = drawbridge_store::KeyFile::read(&ctx.paths.key)?.is_some_and(|k| k.needs_passphrase());
    let store = if needs_passphrase && std::env::var(open::PASSPHRASE_ENV).is_err() {
        None
    } else {
        Some(open::store(ctx, Workload::Server).await?)
    };

    let port = args.port.or(ctx.file.port).unwrap_or(DEFAULT_PORT);
    let listener = match TcpListener::bind(SocketAddr::new(ip, port)).await {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            let l = TcpListener::bind(SocketAddr::new(ip, 0))
                .await
                .context("Could not find a free port")?;
            let got = l.local_addr()?.port();
            crate::notice(format!("Port {port} is already in use, so drawbridge is using port {got} instead."));
            l
        }
        Err(e) => return Err(e).with_context(|| format!("Could not listen on {ip}:{port}")),
    };
    let addr = listener.local_addr()?;
    let (state, token) = AppState::new(
        ServerConfig {
            addr,
            local_offset: ctx.local_offset,
            location: ctx.paths.location(),
            catalog,
            suggested_region: crate::system::suggested_region(catalog),
            metrics_from: metrics_from(ctx),
            trusted_proxies: ctx.file.trusted_proxies.clone().unwrap_or_default(),
            policy: drawbridge_web::Policy::Local,
        },
        store,
    );
    // Listen for Ctrl-C and SIGTERM before anyone can see the link, so a stop
    // right after start still shuts down cleanly.
    let shutdown = shutdown_signal()?;
    let url = format!("http://{addr}/login?token={token}");
    {
        // The link alone on its own line on stdout, so scripts can read it.
        let mut out = std::io::stdout().lock();
        writeln!(out, "{url}")?;
        out.flush()?;
    }
    let open_browser = !args.no_open && ctx.file.open_browser.unwrap_or(true);
    if open_browser && open::browser(&url) {
        crate::notice("Opening drawbridge in your browser. If it does not appear, open the link above; it works once.");
    } else {
        crate::notice("Open the link above in your browser; it works once.");
    }
    if needs_passphrase && !state.is_unlocked().await {
        crate::notice("Your data is protected by a passphrase: the browser will ask for it.");
    }
    crate::notice("Press Ctrl-C to stop.");
    serve_until_stopped(listener, state, shutdown).await?;
    crate::notice("drawbridge has stopped. Everything you saved is kept.");
    Ok(())
}

/// A future that completes on Ctrl-C or SIGTERM. The handlers are installed
/// when this is called, not when the future is first polled.
#[cfg(unix)]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt()).context("Could not listen for Ctrl-C")?;
    let mut term = signal(SignalKind::terminate()).context("Could not listen for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {},
            _ = term.recv() => {},
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
