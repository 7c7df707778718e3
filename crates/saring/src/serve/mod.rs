//! `saring serve`: the HTTP API on one store, the webhook dispatcher and the retention purge,
//! in one process.

mod api;
mod auth;
mod background;
mod commit;
mod demo;
mod error;
mod ingest;
pub mod limits;
mod network_api;
mod networks;
mod outbox;
pub(crate) mod report_api;
mod requests;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::MatchedPath;
use axum::http::Request;
use axum::routing::{get, patch, post};
use metrics_exporter_prometheus::PrometheusHandle;
use saring_detect::Detector;
use saring_store::Store;
use tokio::sync::Notify;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

use crate::config::Config;
use crate::webhook::dispatch::{Dispatcher, http_client};

pub use auth::{hash_password, new_token, token_hash};
pub use ingest::score_batch;
pub use networks::{LinkerRole, Networks, NetworksConfig};
pub use requests::ProtectionConfig;
pub(crate) use requests::{compliance_figures, period, protection_figures};

/// The time the service runs on: the system clock plus an offset that tests can move.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock shifted by `offset_ms` (`clock_offset_secs` in the configuration).
    pub fn with_offset(offset_ms: i64) -> Self {
        Self {
            offset_ms: Arc::new(AtomicI64::new(offset_ms)),
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn now(&self) -> i64 {
        let sys = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        sys + self.offset_ms.load(Ordering::Relaxed)
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The shared parts.
pub struct Inner {
    /// The store.
    pub store: Store,
    /// The detector (policy pack and model).
    pub detector: Arc<Detector>,
    /// The configuration.
    pub config: Config,
    /// Wakes the dispatcher when an order is written.
    pub notify: Arc<Notify>,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// The clock.
    pub clock: Clock,
    /// The linker.
    pub networks: Arc<Networks>,
    /// The event stream `POST /v1/events` publishes to, with `ingest.mode = "nats"`.
    pub events: Option<crate::worker::stream::EventStream>,
    /// Per-token rate limits.
    pub limits: limits::RateLimits,
    /// Commits ingested batches, several at a time when they wait for the writer.
    pub committer: commit::Committer,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// The OpenAPI document served at `/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Saring API", description = "Find and freeze the accounts that sell commercial sex on chat apps, with due process. Authenticate with `Authorization: Bearer <token>`."),
    paths(api::healthz, api::metrics, ingest::ingest, api::account, api::file_report, api::queue, api::case, api::claim, api::release, api::decide,
          api::file_appeal, api::appeals, api::decide_appeal, api::orders, api::order, api::audit, api::audit_verify, api::create_platform,
          api::update_platform, api::create_user, network_api::network, network_api::propose_freeze, network_api::actions,
          network_api::action, network_api::approve, network_api::reject, api::legal_hold,
          requests::file_request, requests::requests, requests::request, requests::reject_item, requests::compliance,
          requests::protection, requests::evidence,
          report_api::transparency_report, report_api::statements, report_api::locations_report),
    tags((name = "ingest"), (name = "accounts"), (name = "cases"), (name = "appeals"), (name = "orders"), (name = "audit"), (name = "admin"), (name = "operations"),
         (name = "requests"), (name = "reports"))
)]
pub struct ApiDoc;

/// The API's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route(
            "/openapi.json",
            get(|| async { axum::Json(ApiDoc::openapi()) }),
        )
        .route("/v1/events", post(ingest::ingest))
        .route("/v1/accounts/{platform}/{account}", get(api::account))
        .route(
            "/v1/accounts/{platform}/{account}/network",
            get(network_api::network),
        )
        .route("/v1/reports", post(api::file_report))
        .route("/v1/cases", get(api::queue))
        .route("/v1/cases/{id}", get(api::case))
        .route("/v1/cases/{id}/claim", post(api::claim))
        .route("/v1/cases/{id}/release", post(api::release))
        .route("/v1/cases/{id}/decision", post(api::decide))
        .route(
            "/v1/cases/{id}/network-freeze",
            post(network_api::propose_freeze),
        )
        .route("/v1/cases/{id}/legal-hold", post(api::legal_hold))
        .route("/v1/cases/{id}/evidence", get(requests::evidence))
        .route(
            "/v1/requests",
            post(requests::file_request).get(requests::requests),
        )
        .route("/v1/requests/{id}", get(requests::request))
        .route(
            "/v1/requests/{id}/items/{item}/reject",
            post(requests::reject_item),
        )
        .route("/v1/reports/compliance", get(requests::compliance))
        .route("/v1/reports/protection", get(requests::protection))
        .route("/v1/network-actions", get(network_api::actions))
        .route("/v1/network-actions/{id}", get(network_api::action))
        .route(
            "/v1/network-actions/{id}/approve",
            post(network_api::approve),
        )
        .route("/v1/network-actions/{id}/reject", post(network_api::reject))
        .route("/v1/appeals", post(api::file_appeal).get(api::appeals))
        .route("/v1/appeals/{id}/decision", post(api::decide_appeal))
        .route("/v1/orders", get(api::orders))
        .route("/v1/orders/{id}", get(api::order))
        .route("/v1/audit", get(api::audit))
        .route("/v1/audit/verify", get(api::audit_verify))
        .route("/v1/platforms", post(api::create_platform))
        .route("/v1/platforms/{id}", patch(api::update_platform))
        .route("/v1/users", post(api::create_user))
        .route("/v1/transparency", get(report_api::transparency_report))
        .route("/v1/transparency/statements", get(report_api::statements))
        .route("/v1/locations", get(report_api::locations_report))
        .merge(crate::console::router())
        .fallback(|| async {
            error::ApiError::NotFound(
                "no such endpoint; the API is described at /openapi.json".into(),
            )
        })
        .layer(
            // Spans name the route template, never the path: account ids may be phone numbers.
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let route = req
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("unmatched", |m| m.as_str())
                    .to_owned();
                tracing::info_span!("http", method = %req.method(), route)
            }),
        )
        .with_state(state)
}

/// Options of `saring serve` beyond the configuration file.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Seed demo platforms, users and content on an empty store.
    pub demo: bool,
    /// Detector overrides (policy pack, model).
    pub detector: Option<Arc<Detector>>,
}

/// Creates the operator's first admin on an empty store and returns its token.
pub async fn bootstrap_admin(store: &Store, now: i64) -> anyhow::Result<Option<String>> {
    if store.user_count().await? > 0 {
        return Ok(None);
    }
    let token = new_token();
    store
        .create_user(
            "admin",
            saring_core::auth::SYSTEM,
            saring_core::auth::Role::Admin,
            &token_hash(&token),
            "system",
            now,
        )
        .await?;
    Ok(Some(token))
}

/// Runs the service until SIGINT or SIGTERM.
pub async fn run(config: Config, options: ServeOptions) -> anyhow::Result<()> {
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .context("could not install the metrics recorder")?;
    let store = Store::open_with(
        &config.database_url,
        if config.sqlite_synchronous == "normal" {
            saring_store::Durability::Normal
        } else {
            saring_store::Durability::Full
        },
    )
    .await
    .with_context(|| format!("could not open the store at {}", config.database_url))?;
    let clock = Clock::with_offset(config.clock_offset_secs.saturating_mul(1000));
    if let Some(token) = bootstrap_admin(&store, clock.now()).await? {
        println!(
            "Created the first admin user \"admin\" (tenant system). Its token, shown only this once:\n\n    {token}\n"
        );
    }
    let detector = match options.detector {
        Some(d) => d,
        None => Arc::new(Detector::builtin().context("could not load the builtin detector")?),
    };
    if options.demo {
        demo::seed(&store, &detector, &clock)
            .await
            .context("could not seed the demo data")?;
    }
    let networks = Arc::new(Networks::new(config.networks.clone())?);
    let events = if config.ingest.mode == "nats" {
        let events = crate::worker::stream::EventStream::connect(&config.nats).await?;
        tracing::info!(stream = %config.nats.stream, "ingest publishes to JetStream");
        Some(events)
    } else {
        None
    };
    let client = http_client(&config.webhook)?;
    let dispatcher = Dispatcher::new(
        outbox::StoreOutbox {
            store: store.clone(),
            clock: clock.clone(),
        },
        config.webhook.clone(),
        client,
    )
    .with_clock(Arc::new({
        let clock = clock.clone();
        move || clock.now()
    }));
    let notify = dispatcher.notifier();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let dispatch_task = tokio::spawn(dispatcher.run(stopped(stop_rx.clone())));
    let purge_task = tokio::spawn(purge_loop(
        store.clone(),
        clock.clone(),
        config.retention.clone(),
        stopped(stop_rx.clone()),
    ));
    let checkpoint_task = tokio::spawn(checkpoint_loop(
        store.clone(),
        config.ingest.checkpoint_interval_ms,
        stopped(stop_rx.clone()),
    ));
    let link_task = tokio::spawn(Arc::clone(&networks).run(
        store.clone(),
        Arc::new({
            let clock = clock.clone();
            move || clock.now()
        }),
        stop_rx.clone(),
    ));
    let state = AppState(Arc::new(Inner {
        store: store.clone(),
        detector,
        config: config.clone(),
        notify,
        metrics,
        clock,
        networks,
        events,
        limits: limits::RateLimits::new(&config.limits),
        committer: commit::Committer::start(store.clone(), config.ingest.group_commit_events),
    }));
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("could not listen on {}", config.listen))?;
    let addr = listener
        .local_addr()
        .context("could not read the listening address")?;
    tracing::info!(%addr, db = %redact_url(&config.database_url), "saring serve listening");
    println!("Saring is listening on http://{addr} (API description at /openapi.json)");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the HTTP server failed")?;
    let _ = stop_tx.send(true);
    let _ = dispatch_task.await;
    let _ = purge_task.await;
    let _ = checkpoint_task.await;
    let _ = link_task.await;
    store.close().await;
    tracing::info!("saring serve stopped");
    Ok(())
}

/// The URL without a password, for logs.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

async fn purge_loop(
    store: Store,
    clock: Clock,
    cfg: crate::config::RetentionConfig,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        match store
            .purge_dismissed(clock.now(), cfg.dismissed_days * saring_core::time::DAY_MS)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(events = n, "purged the content of dismissed cases"),
            Err(e) => tracing::warn!(error = %e, "retention purge failed; will retry"),
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(Duration::from_secs(cfg.purge_interval_secs)) => {}
        }
    }
}

/// Checkpoints the SQLite write-ahead log every `interval_ms` (see [`Store::checkpoint`]),
/// so that commits do not (0: leaves checkpoints to SQLite's commits; nothing on PostgreSQL).
async fn checkpoint_loop(
    store: Store,
    interval_ms: u64,
    shutdown: impl std::future::Future<Output = ()>,
) {
    if interval_ms == 0 || store.backend() != saring_store::Backend::Sqlite {
        return;
    }
    if let Err(e) = store.defer_checkpoints().await {
        tracing::warn!(error = %e, "could not move checkpoints off the writer; SQLite keeps running them");
        return;
    }
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(Duration::from_millis(interval_ms)) => {}
        }
        match store.checkpoint().await {
            Ok(Some(c)) => {
                metrics::counter!("saring_checkpoints_total").increment(1);
                metrics::gauge!("saring_wal_frames").set(c.log_frames as f64);
            }
            Ok(None) => return,
            Err(e) => tracing::warn!(error = %e, "checkpoint failed; will retry"),
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
