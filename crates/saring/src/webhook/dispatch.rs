//! The enforcement-order dispatcher: delivers each order to the platform's webhook, signed,
//! and retries with backoff until the platform acknowledges it or the attempts run out.
//!
//! Orders wait in an outbox (the store's table of orders, behind the [`Outbox`] trait). The
//! dispatcher leases due orders, so that no other dispatcher loop sends them at the same
//! time, POSTs each one, and records what happened. Delivery is at least once: when the
//! outcome cannot be recorded, the lease runs out and the order is sent again with the same
//! `webhook-id`, which receivers use as the idempotency key. An order that cannot be
//! delivered ends as [`Outcome::GaveUp`], visible to operators — never silently dropped.
//!
//! Logs name the order, the attempt, the status and the kind of error; never the body, the
//! URL or the secrets.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use rand::RngExt as _;
use reqwest::header::CONTENT_TYPE;
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tracing::Instrument as _;

use super::sign::{self, Secret};
use super::target::{self, PublicOnlyResolver};

/// The most characters of a receiver's answer kept in the stored error.
const MAX_ANSWER_CHARS: usize = 200;

/// The most bytes of a receiver's answer read to find those characters.
const MAX_ANSWER_BYTES: usize = 4 * MAX_ANSWER_CHARS;

/// One order due for delivery, as the outbox hands it out (leased: no other dispatcher loop
/// gets it until the lease expires).
#[derive(Clone)]
pub struct DueOrder {
    /// The order's id, sent as `webhook-id`: the receiver's idempotency key.
    pub id: String,
    /// The platform's webhook URL.
    pub url: String,
    /// The signing secrets (`whsec_…`), newest first; one signature is sent per secret.
    pub secrets: Vec<SecretString>,
    /// The JSON body, stored when the order was created and sent byte for byte.
    pub body: String,
    /// How many attempts were made before this one.
    pub attempts: u32,
}

impl fmt::Debug for DueOrder {
    // The body, the URL and the secrets stay out of debug output, which may reach logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DueOrder")
            .field("id", &self.id)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// What happened to one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver answered 2xx: the order is done.
    Delivered {
        /// Attempts made, this one included.
        attempts: u32,
        /// When the receiver answered, in milliseconds since the Unix epoch.
        at_ms: i64,
    },
    /// The attempt failed; the order is due again at `next_attempt_ms`.
    Retry {
        /// Attempts made, this one included.
        attempts: u32,
        /// What went wrong: the status and the start of the receiver's answer, or the kind of
        /// transport error.
        error: String,
        /// When the next attempt is due, in milliseconds since the Unix epoch.
        next_attempt_ms: i64,
    },
    /// The order will not be sent again: the attempts ran out, or the target or the secrets
    /// are refused.
    GaveUp {
        /// Attempts made, this one included.
        attempts: u32,
        /// The last error.
        error: String,
    },
}

/// The store of orders waiting for delivery.
pub trait Outbox: Clone + Send + Sync + 'static {
    /// Lease up to `limit` orders whose next attempt is due at `now_ms`, for `lease_ms`.
    fn lease_due(
        &self,
        now_ms: i64,
        limit: u32,
        lease_ms: i64,
    ) -> impl Future<Output = anyhow::Result<Vec<DueOrder>>> + Send;

    /// Record the outcome of one attempt (committed before returning).
    fn record(&self, id: &str, outcome: Outcome)
    -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// How enforcement orders are delivered (`[webhook]` in `saring.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    /// Allow webhook URLs on loopback, private, link-local and other non-public addresses.
    /// Only for tests and closed networks: it lets whoever sets a URL reach internal services.
    pub allow_private_targets: bool,
    /// Attempts per order before it is given up.
    pub max_attempts: u32,
    /// Delay before the first retry, in milliseconds; it doubles with each failed attempt.
    pub backoff_base_ms: u64,
    /// Longest delay between attempts, in milliseconds.
    pub backoff_max_ms: u64,
    /// Time allowed for one attempt, from connecting to the end of the answer, in
    /// milliseconds.
    pub request_timeout_ms: u64,
    /// Orders delivered at the same time.
    pub concurrency: u32,
    /// How often to look for due orders when not woken by a new one, in milliseconds.
    pub poll_interval_ms: u64,
    /// How long a leased order is reserved for one dispatcher, in milliseconds; must exceed
    /// `request_timeout_ms` so that no order is sent twice at once.
    pub lease_ms: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            allow_private_targets: false,
            max_attempts: 12,
            backoff_base_ms: 1000,
            backoff_max_ms: 3_600_000,
            request_timeout_ms: 10_000,
            concurrency: 8,
            poll_interval_ms: 1000,
            lease_ms: 60_000,
        }
    }
}

impl WebhookConfig {
    /// Every problem with these settings, as messages naming the `webhook.` key; empty when
    /// they are usable.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let positive = [
            ("max_attempts", u64::from(self.max_attempts)),
            ("backoff_base_ms", self.backoff_base_ms),
            ("request_timeout_ms", self.request_timeout_ms),
            ("concurrency", u64::from(self.concurrency)),
            ("poll_interval_ms", self.poll_interval_ms),
        ];
        for (key, value) in positive {
            if value == 0 {
                problems.push(format!("webhook.{key} must be at least 1"));
            }
        }
        if self.backoff_max_ms < self.backoff_base_ms {
            problems.push(format!(
                "webhook.backoff_max_ms ({}) must be at least webhook.backoff_base_ms ({})",
                self.backoff_max_ms, self.backoff_base_ms
            ));
        }
        if self.lease_ms <= self.request_timeout_ms {
            problems.push(format!(
                "webhook.lease_ms ({}) must exceed webhook.request_timeout_ms ({})",
                self.lease_ms, self.request_timeout_ms
            ));
        }
        problems
    }
}

/// The delay before the next attempt after `attempts` failed ones, in milliseconds:
/// exponential backoff with jitter. The ceiling is `base_ms · 2^(attempts − 1)`, capped at
/// `max_ms`; the delay is drawn uniformly between half the base and that ceiling, so that
/// retries spread out yet never come in a tight loop. `random_up_to(n)` must return a
/// uniform number in `0..=n`.
pub fn backoff_ms(
    attempts: u32,
    base_ms: u64,
    max_ms: u64,
    random_up_to: impl FnOnce(u64) -> u64,
) -> u64 {
    let doublings = attempts.saturating_sub(1).min(63);
    let ceiling = base_ms.saturating_mul(1 << doublings).min(max_ms);
    let floor = (base_ms / 2).min(ceiling);
    let spread = ceiling - floor;
    floor + random_up_to(spread).min(spread)
}

/// Builds the HTTP client for deliveries: rustls with the ring provider, the configured
/// timeout, no redirects (a redirect is a failed attempt), no proxy (the URL policy must see
/// the address actually connected to) and, unless private targets are allowed, a resolver that
/// refuses non-public addresses.
pub fn http_client(config: &WebhookConfig) -> anyhow::Result<reqwest::Client> {
    // reqwest is built without a crypto provider; this binary uses ring. An error only means
    // a provider is installed already, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .timeout(Duration::from_millis(config.request_timeout_ms))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("saring/", env!("CARGO_PKG_VERSION")));
    if !config.allow_private_targets {
        builder = builder.dns_resolver(PublicOnlyResolver);
    }
    builder
        .build()
        .context("could not build the webhook http client")
}

/// Delivers enforcement orders from an [`Outbox`].
#[derive(Clone)]
pub struct Dispatcher<O: Outbox> {
    /// Where orders wait.
    outbox: O,
    /// The settings.
    config: Arc<WebhookConfig>,
    /// The HTTP client, from [`http_client`].
    client: reqwest::Client,
    /// Wakes the run loop when an order is created.
    notify: Arc<Notify>,
    /// The time of leases and outcomes, in milliseconds since the Unix epoch.
    clock: Clock,
}

/// A source of the current time in milliseconds since the Unix epoch.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

impl<O: Outbox> Dispatcher<O> {
    /// A dispatcher for `outbox`, sending with `client` (see [`http_client`]).
    pub fn new(outbox: O, config: WebhookConfig, client: reqwest::Client) -> Self {
        Self {
            outbox,
            config: Arc::new(config),
            client,
            notify: Arc::new(Notify::new()),
            clock: Arc::new(now_ms),
        }
    }

    /// Uses `clock` instead of the system clock for leases, due times and delivery times,
    /// so that they follow the service's (possibly simulated) clock. The `webhook-timestamp`
    /// header always carries the real time, since receivers check it against theirs.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The handle that wakes [`Dispatcher::run`]: call `notify_one` after committing a new
    /// order so that its delivery starts at once instead of at the next poll.
    pub fn notifier(&self) -> Arc<Notify> {
        Arc::clone(&self.notify)
    }

    /// Delivers orders until `shutdown` completes: leases due orders, keeps up to
    /// `concurrency` attempts in flight, records each outcome, and between passes waits to be
    /// notified or for the poll interval. On shutdown it leases nothing more and returns once
    /// the attempts in flight are recorded.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let mut shutdown = std::pin::pin!(shutdown);
        let slots = self.slots();
        let poll = Duration::from_millis(self.config.poll_interval_ms.max(1));
        let mut in_flight = JoinSet::new();
        tracing::info!(concurrency = slots, "webhook dispatcher started");
        loop {
            let free = slots.saturating_sub(in_flight.len());
            if free > 0 {
                match self.lease(free).await {
                    Ok(orders) => {
                        for order in orders {
                            let this = self.clone();
                            in_flight.spawn(async move { this.attempt_and_record(order).await });
                        }
                    }
                    Err(err) => {
                        tracing::warn!(error = %format!("{err:#}"), "could not lease webhook orders");
                    }
                }
            }
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => {
                    log_finished(joined);
                }
                () = self.notify.notified() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
        tracing::info!(
            in_flight = in_flight.len(),
            "webhook dispatcher stopping, finishing attempts in flight"
        );
        while let Some(joined) = in_flight.join_next().await {
            log_finished(joined);
        }
        tracing::info!("webhook dispatcher stopped");
    }

    /// Makes one pass: leases up to `concurrency` due orders, attempts them all at once and
    /// records their outcomes. Returns how many orders were attempted; fails when leasing or
    /// recording failed (after every attempt has finished).
    #[allow(
        dead_code,
        reason = "one pass on demand, for tests and an admin `retry now`"
    )]
    pub async fn deliver_once(&self) -> anyhow::Result<usize> {
        let orders = self.lease(self.slots()).await?;
        let count = orders.len();
        let mut tasks = JoinSet::new();
        for order in orders {
            let this = self.clone();
            tasks.spawn(async move { this.attempt_and_record(order).await });
        }
        let mut first_error = None;
        while let Some(joined) = tasks.join_next().await {
            let result = joined
                .context("a webhook delivery task failed")
                .and_then(|recorded| recorded);
            if let Err(err) = result {
                first_error.get_or_insert(err);
            }
        }
        match first_error {
            Some(err) => Err(err),
            None => Ok(count),
        }
    }

    /// How many attempts may be in flight.
    fn slots(&self) -> usize {
        usize::try_from(self.config.concurrency.max(1)).unwrap_or(1)
    }

    /// Leases up to `limit` due orders.
    async fn lease(&self, limit: usize) -> anyhow::Result<Vec<DueOrder>> {
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        let lease_ms = i64::try_from(self.config.lease_ms).unwrap_or(i64::MAX);
        self.outbox
            .lease_due((self.clock)(), limit, lease_ms)
            .await
            .context("could not lease due webhook orders")
    }

    /// Makes one attempt at `order` and records its outcome.
    async fn attempt_and_record(&self, order: DueOrder) -> anyhow::Result<()> {
        let attempt = order.attempts.saturating_add(1);
        let span = tracing::info_span!("webhook_delivery", order_id = %order.id, attempt);
        async {
            let outcome = self.outcome(&order, attempt).await;
            self.outbox
                .record(&order.id, outcome)
                .await
                .with_context(|| {
                    format!("could not record the outcome of webhook order {}", order.id)
                })
                .inspect_err(|err| {
                    // The lease runs out and the order is sent again; receivers dedupe by id.
                    tracing::error!(
                        error = %format!("{err:#}"),
                        "could not record a webhook outcome; the order will be sent again"
                    );
                })
        }
        .instrument(span)
        .await
    }

    /// Makes attempt number `attempt` at `order`, logs it and says what follows.
    async fn outcome(&self, order: &DueOrder, attempt: u32) -> Outcome {
        match self.send(order).await {
            Ok(status) => {
                tracing::info!(status, "webhook order delivered");
                Outcome::Delivered {
                    attempts: attempt,
                    at_ms: (self.clock)(),
                }
            }
            Err(failure) => {
                let Failure {
                    kind,
                    status,
                    permanent,
                    error,
                } = failure;
                if permanent || attempt >= self.config.max_attempts {
                    tracing::warn!(kind, status, permanent, "webhook order given up");
                    Outcome::GaveUp {
                        attempts: attempt,
                        error,
                    }
                } else {
                    let delay = backoff_ms(
                        attempt,
                        self.config.backoff_base_ms,
                        self.config.backoff_max_ms,
                        |n| rand::rng().random_range(0..=n),
                    );
                    tracing::info!(kind, status, retry_in_ms = delay, "webhook attempt failed");
                    Outcome::Retry {
                        attempts: attempt,
                        error,
                        next_attempt_ms: (self.clock)()
                            .saturating_add(i64::try_from(delay).unwrap_or(i64::MAX)),
                    }
                }
            }
        }
    }

    /// Checks the target, signs and POSTs the order; the status on a 2xx answer.
    async fn send(&self, order: &DueOrder) -> Result<u16, Failure> {
        target::check_target(&order.url, self.config.allow_private_targets)
            .await
            .map_err(|err| Failure {
                kind: "target",
                status: None,
                permanent: err.is_permanent(),
                error: error_chain(&err),
            })?;
        let secrets = parse_secrets(&order.secrets)?;
        // Receivers compare this with their own clock, so it is the real time.
        let timestamp = now_ms().div_euclid(1000);
        let signature =
            sign::signature_header(&order.id, timestamp, order.body.as_bytes(), &secrets);
        let sent = self
            .client
            .post(&order.url)
            .header(CONTENT_TYPE, "application/json")
            .header("webhook-id", &order.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(order.body.clone())
            .send()
            .await;
        let response = sent.map_err(transport_failure)?;
        let status = response.status();
        if status.is_success() {
            return Ok(status.as_u16());
        }
        let answer = answer_start(response).await;
        let mut error = format!("receiver answered {status}");
        if status.is_redirection() {
            error.push_str(" (redirects are not followed)");
        }
        if !answer.is_empty() {
            error.push_str(": ");
            error.push_str(&answer);
        }
        Err(Failure {
            kind: "status",
            status: Some(status.as_u16()),
            permanent: false,
            error,
        })
    }
}

/// Why an attempt failed.
struct Failure {
    /// The kind of error, for logs: `target`, `secret`, `status`, `timeout`, `connect`, …
    kind: &'static str,
    /// The receiver's status, when it answered.
    status: Option<u16>,
    /// Whether retrying cannot help.
    permanent: bool,
    /// The message to store with the order.
    error: String,
}

/// Reads the order's secrets; an unreadable or missing secret is a permanent failure.
fn parse_secrets(written: &[SecretString]) -> Result<Vec<Secret>, Failure> {
    let permanent = |error: String| Failure {
        kind: "secret",
        status: None,
        permanent: true,
        error,
    };
    if written.is_empty() {
        return Err(permanent(sign::SignError::NoSecret.to_string()));
    }
    written
        .iter()
        .enumerate()
        .map(|(i, secret)| {
            sign::parse_secret(secret.expose_secret())
                .map_err(|err| permanent(format!("signing secret {} of the order: {err}", i + 1)))
        })
        .collect()
}

/// Describes a transport error by its kind and causes, without the URL.
fn transport_failure(err: reqwest::Error) -> Failure {
    let (kind, what, permanent) = if err.is_builder() {
        ("request", "could not build the request", true)
    } else if err.is_timeout() {
        ("timeout", "timed out", false)
    } else if err.is_connect() {
        ("connect", "could not connect", false)
    } else {
        ("transport", "request failed", false)
    };
    Failure {
        kind,
        status: None,
        permanent,
        error: format!("{what}: {}", error_chain(&err.without_url())),
    }
}

/// An error and its causes on one line.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some errors repeat their cause in their own message.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The start of a receiver's answer, on one line and at most [`MAX_ANSWER_CHARS`] long.
async fn answer_start(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < MAX_ANSWER_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    bytes.truncate(MAX_ANSWER_BYTES);
    let text: String = String::from_utf8_lossy(&bytes)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_ANSWER_CHARS)
        .collect();
    text.trim().to_owned()
}

/// Logs a delivery task that ended badly (its outcome is logged by the task itself).
fn log_finished(joined: Result<anyhow::Result<()>, tokio::task::JoinError>) {
    if let Err(err) = joined {
        tracing::error!(error = %err, "a webhook delivery task failed");
    }
}

/// Now, in milliseconds since the Unix epoch.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use axum::Router;
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;

    use super::*;

    // ---- an outbox in memory ----

    struct Entry {
        order: DueOrder,
        due_ms: i64,
        leased_until_ms: i64,
        finished: bool,
        outcomes: Vec<Outcome>,
    }

    #[derive(Clone, Default)]
    struct MemOutbox(Arc<Mutex<Vec<Entry>>>);

    impl MemOutbox {
        fn add(&self, id: &str, url: &str, secrets: &[&str], body: &str) {
            let order = DueOrder {
                id: id.to_owned(),
                url: url.to_owned(),
                secrets: secrets.iter().map(|s| SecretString::from(*s)).collect(),
                body: body.to_owned(),
                attempts: 0,
            };
            self.0.lock().expect("not poisoned").push(Entry {
                order,
                due_ms: 0,
                leased_until_ms: 0,
                finished: false,
                outcomes: Vec::new(),
            });
        }

        fn outcomes(&self, id: &str) -> Vec<Outcome> {
            let entries = self.0.lock().expect("not poisoned");
            entries
                .iter()
                .find(|e| e.order.id == id)
                .map(|e| e.outcomes.clone())
                .unwrap_or_default()
        }
    }

    impl Outbox for MemOutbox {
        async fn lease_due(
            &self,
            now_ms: i64,
            limit: u32,
            lease_ms: i64,
        ) -> anyhow::Result<Vec<DueOrder>> {
            let mut entries = self.0.lock().expect("not poisoned");
            let due = entries
                .iter_mut()
                .filter(|e| !e.finished && e.due_ms <= now_ms && e.leased_until_ms <= now_ms)
                .take(usize::try_from(limit)?);
            Ok(due
                .map(|e| {
                    e.leased_until_ms = now_ms + lease_ms;
                    e.order.clone()
                })
                .collect())
        }

        async fn record(&self, id: &str, outcome: Outcome) -> anyhow::Result<()> {
            let mut entries = self.0.lock().expect("not poisoned");
            let entry = entries
                .iter_mut()
                .find(|e| e.order.id == id)
                .context("no such order")?;
            entry.leased_until_ms = 0;
            match &outcome {
                Outcome::Delivered { attempts, .. } | Outcome::GaveUp { attempts, .. } => {
                    entry.order.attempts = *attempts;
                    entry.finished = true;
                }
                Outcome::Retry {
                    attempts,
                    next_attempt_ms,
                    ..
                } => {
                    entry.order.attempts = *attempts;
                    entry.due_ms = *next_attempt_ms;
                }
            }
            entry.outcomes.push(outcome);
            Ok(())
        }
    }

    // ---- a receiver that verifies with the reference library ----

    struct Request {
        id: String,
        body: Vec<u8>,
        content_type: Option<String>,
        verified: bool,
    }

    #[derive(Clone)]
    struct Hook {
        secret: String,
        /// Answers to give, in order; 200 once they run out.
        script: Arc<Mutex<VecDeque<(u16, String)>>>,
        delay: Duration,
        requests: Arc<Mutex<Vec<Request>>>,
    }

    impl Hook {
        fn new(secret: &str) -> Self {
            Self {
                secret: secret.to_owned(),
                script: Arc::default(),
                delay: Duration::ZERO,
                requests: Arc::default(),
            }
        }

        fn answering(self, answers: &[(u16, &str)]) -> Self {
            self.script
                .lock()
                .expect("not poisoned")
                .extend(answers.iter().map(|(s, b)| (*s, (*b).to_owned())));
            self
        }

        fn count(&self) -> usize {
            self.requests.lock().expect("not poisoned").len()
        }

        async fn serve(&self, listener: tokio::net::TcpListener) -> String {
            let addr = listener.local_addr().expect("a bound address");
            let app = Router::new()
                .route("/hook", post(answer))
                .with_state(self.clone());
            tokio::spawn(async move { axum::serve(listener, app).await.expect("serving") });
            format!("http://{addr}/hook")
        }

        async fn start(&self) -> String {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a free port");
            self.serve(listener).await
        }
    }

    async fn answer(
        State(hook): State<Hook>,
        headers: HeaderMap,
        body: Bytes,
    ) -> (StatusCode, String) {
        tokio::time::sleep(hook.delay).await;
        let verified = standardwebhooks::Webhook::new(&hook.secret)
            .expect("a valid secret")
            .verify(&body, &headers)
            .is_ok();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        hook.requests.lock().expect("not poisoned").push(Request {
            id: header("webhook-id").unwrap_or_default(),
            body: body.to_vec(),
            content_type: header("content-type"),
            verified,
        });
        if !verified {
            return (StatusCode::UNAUTHORIZED, "bad signature".to_owned());
        }
        let (status, text) = hook
            .script
            .lock()
            .expect("not poisoned")
            .pop_front()
            .unwrap_or((200, String::new()));
        (StatusCode::from_u16(status).expect("a status"), text)
    }

    // ---- helpers ----

    const BODY: &str = r#"{"order":"o-1","action":"freeze","account":"acc-42"}"#;

    fn config() -> WebhookConfig {
        WebhookConfig {
            allow_private_targets: true,
            backoff_base_ms: 2,
            backoff_max_ms: 4,
            request_timeout_ms: 2000,
            ..WebhookConfig::default()
        }
    }

    fn dispatcher(outbox: &MemOutbox, config: WebhookConfig) -> Dispatcher<MemOutbox> {
        let client = http_client(&config).expect("a client");
        Dispatcher::new(outbox.clone(), config, client)
    }

    /// Passes until nothing is due any more or `passes` ran, waiting out the short backoff.
    async fn settle(dispatcher: &Dispatcher<MemOutbox>, passes: usize) {
        for _ in 0..passes {
            tokio::time::sleep(Duration::from_millis(10)).await;
            dispatcher.deliver_once().await.expect("a pass");
        }
    }

    fn delivered_after(outcomes: &[Outcome]) -> Option<u32> {
        match outcomes.last() {
            Some(Outcome::Delivered { attempts, .. }) => Some(*attempts),
            _ => None,
        }
    }

    // ---- tests ----

    #[tokio::test]
    async fn delivers_once_signed_and_byte_for_byte() {
        let secret = sign::generate_secret();
        let hook = Hook::new(&secret);
        let url = hook.start().await;
        let outbox = MemOutbox::default();
        outbox.add("o-1", &url, &[&secret], BODY);
        let d = dispatcher(&outbox, config());

        assert_eq!(d.deliver_once().await.expect("a pass"), 1);
        assert_eq!(d.deliver_once().await.expect("a pass"), 0, "nothing left");

        assert_eq!(delivered_after(&outbox.outcomes("o-1")), Some(1));
        let requests = hook.requests.lock().expect("not poisoned");
        assert_eq!(requests.len(), 1);
        let request = &requests[0];
        assert!(request.verified);
        assert_eq!(request.id, "o-1");
        assert_eq!(request.body, BODY.as_bytes());
        assert_eq!(request.content_type.as_deref(), Some("application/json"));
    }

    #[tokio::test]
    async fn retries_after_503_until_delivered() {
        let secret = sign::generate_secret();
        let hook = Hook::new(&secret).answering(&[(503, "busy"), (503, "busy")]);
        let url = hook.start().await;
        let outbox = MemOutbox::default();
        outbox.add("o-2", &url, &[&secret], BODY);
        let d = dispatcher(&outbox, config());

        settle(&d, 6).await;

        let outcomes = outbox.outcomes("o-2");
        assert_eq!(outcomes.len(), 3, "{outcomes:?}");
        for (i, outcome) in outcomes[..2].iter().enumerate() {
            let Outcome::Retry {
                attempts, error, ..
            } = outcome
            else {
                panic!("a retry: {outcome:?}");
            };
            assert_eq!(*attempts, u32::try_from(i + 1).expect("small"));
            assert_eq!(error, "receiver answered 503 Service Unavailable: busy");
        }
        assert_eq!(delivered_after(&outcomes), Some(3));
        assert_eq!(hook.count(), 3);
    }

    #[tokio::test]
    async fn retries_while_the_receiver_is_down_then_delivers() {
        // Take a free port and close it again: connections to it are refused.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            listener.local_addr().expect("an address").port()
        };
        let secret = sign::generate_secret();
        let outbox = MemOutbox::default();
        outbox.add(
            "o-3",
            &format!("http://127.0.0.1:{port}/hook"),
            &[&secret],
            BODY,
        );
        let d = dispatcher(&outbox, config());

        assert_eq!(d.deliver_once().await.expect("a pass"), 1);
        let outcomes = outbox.outcomes("o-3");
        let Some(Outcome::Retry {
            attempts: 1,
            error,
            next_attempt_ms,
        }) = outcomes.first()
        else {
            panic!("a retry: {outcomes:?}");
        };
        assert!(error.starts_with("could not connect: "), "{error}");
        assert!(!error.contains("127.0.0.1"), "no url in the error: {error}");
        assert!(*next_attempt_ms > 0);

        let hook = Hook::new(&secret);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("the port is still free");
        hook.serve(listener).await;
        settle(&d, 3).await;

        assert_eq!(delivered_after(&outbox.outcomes("o-3")), Some(2));
        assert_eq!(hook.count(), 1);
    }

    #[tokio::test]
    async fn gives_up_after_max_attempts() {
        let secret = sign::generate_secret();
        let long_answer = "x".repeat(1000);
        let hook = Hook::new(&secret).answering(&[(500, long_answer.as_str()); 10]);
        let url = hook.start().await;
        let outbox = MemOutbox::default();
        outbox.add("o-4", &url, &[&secret], BODY);
        let d = dispatcher(
            &outbox,
            WebhookConfig {
                max_attempts: 3,
                ..config()
            },
        );

        settle(&d, 8).await;

        let outcomes = outbox.outcomes("o-4");
        assert_eq!(outcomes.len(), 3, "{outcomes:?}");
        assert!(matches!(outcomes[0], Outcome::Retry { attempts: 1, .. }));
        assert!(matches!(outcomes[1], Outcome::Retry { attempts: 2, .. }));
        let Outcome::GaveUp { attempts: 3, error } = &outcomes[2] else {
            panic!("given up: {outcomes:?}");
        };
        let expected = format!(
            "receiver answered 500 Internal Server Error: {}",
            "x".repeat(MAX_ANSWER_CHARS)
        );
        assert_eq!(error, &expected, "the answer is cut at 200 characters");
        assert_eq!(hook.count(), 3);
    }

    #[tokio::test]
    async fn refuses_private_targets_at_once() {
        let secret = sign::generate_secret();
        let hook = Hook::new(&secret);
        let url = hook.start().await;
        let outbox = MemOutbox::default();
        outbox.add("o-5", &url, &[&secret], BODY);
        let d = dispatcher(
            &outbox,
            WebhookConfig {
                allow_private_targets: false,
                ..config()
            },
        );

        assert_eq!(d.deliver_once().await.expect("a pass"), 1);

        let outcomes = outbox.outcomes("o-5");
        let [Outcome::GaveUp { attempts: 1, error }] = outcomes.as_slice() else {
            panic!("given up at once: {outcomes:?}");
        };
        assert!(error.contains("which is loopback"), "{error}");
        assert_eq!(hook.count(), 0, "nothing was sent");
    }

    #[tokio::test]
    async fn the_client_refuses_names_that_resolve_to_private_addresses() {
        // The check before sending is skipped here on purpose, to show that the client's own
        // resolver applies the policy too (a name re-pointed after the check).
        let config = WebhookConfig::default();
        let client = http_client(&config).expect("a client");
        let err = client
            .post("http://localhost:9/hook")
            .send()
            .await
            .expect_err("refused");
        let failure = transport_failure(err);
        assert!(
            failure.error.contains("which is loopback"),
            "{}",
            failure.error
        );
    }

    #[tokio::test]
    async fn signs_with_every_secret_during_rotation() {
        let newest = sign::generate_secret();
        let previous = sign::generate_secret();
        // The receiver has not switched to the newest secret yet.
        let hook = Hook::new(&previous);
        let url = hook.start().await;
        let outbox = MemOutbox::default();
        outbox.add("o-6", &url, &[&newest, &previous], BODY);
        let d = dispatcher(&outbox, config());

        d.deliver_once().await.expect("a pass");

        assert_eq!(delivered_after(&outbox.outcomes("o-6")), Some(1));
    }

    #[tokio::test]
    async fn gives_up_on_unreadable_secrets() {
        let hook = Hook::new(&sign::generate_secret());
        let url = hook.start().await;
        let outbox = MemOutbox::default();
        outbox.add("o-7", &url, &["whsec_???"], BODY);
        outbox.add("o-8", &url, &[], BODY);
        let d = dispatcher(&outbox, config());

        assert_eq!(d.deliver_once().await.expect("a pass"), 2);

        assert_eq!(
            outbox.outcomes("o-7"),
            [Outcome::GaveUp {
                attempts: 1,
                error: "signing secret 1 of the order: webhook secret is not valid base64: \
                        expected `whsec_` followed by base64"
                    .to_owned()
            }]
        );
        assert_eq!(
            outbox.outcomes("o-8"),
            [Outcome::GaveUp {
                attempts: 1,
                error: "no webhook secret is configured".to_owned()
            }]
        );
        assert_eq!(hook.count(), 0);
    }

    #[tokio::test]
    async fn a_slow_receiver_times_out_and_is_retried() {
        let secret = sign::generate_secret();
        let mut hook = Hook::new(&secret);
        hook.delay = Duration::from_secs(3);
        let url = hook.start().await;
        let outbox = MemOutbox::default();
        outbox.add("o-9", &url, &[&secret], BODY);
        let d = dispatcher(
            &outbox,
            WebhookConfig {
                request_timeout_ms: 200,
                ..config()
            },
        );

        d.deliver_once().await.expect("a pass");

        let outcomes = outbox.outcomes("o-9");
        let [Outcome::Retry { error, .. }] = outcomes.as_slice() else {
            panic!("a retry: {outcomes:?}");
        };
        assert!(error.starts_with("timed out: "), "{error}");
    }

    #[tokio::test]
    async fn due_times_follow_the_given_clock() {
        const NOW: i64 = 1_900_000_000_000;
        let secret = sign::generate_secret();
        let hook = Hook::new(&secret).answering(&[(500, "")]);
        let url = hook.start().await;
        let outbox = MemOutbox::default();
        outbox.add("o-13", &url, &[&secret], BODY);
        let config = WebhookConfig {
            backoff_base_ms: 1000,
            backoff_max_ms: 10_000,
            ..config()
        };
        let d = dispatcher(&outbox, config).with_clock(Arc::new(|| NOW));

        d.deliver_once().await.expect("a pass");
        // The order is due again after the clock's time, not the system's.
        assert_eq!(d.deliver_once().await.expect("a pass"), 0);

        let outcomes = outbox.outcomes("o-13");
        let [
            Outcome::Retry {
                next_attempt_ms, ..
            },
        ] = outcomes.as_slice()
        else {
            panic!("a retry: {outcomes:?}");
        };
        assert!(
            (NOW + 500..=NOW + 1000).contains(next_attempt_ms),
            "{next_attempt_ms}"
        );
        // The receiver still saw a real timestamp: it verified the request.
        assert!(hook.requests.lock().expect("not poisoned")[0].verified);
    }

    #[tokio::test]
    async fn redirects_are_not_followed() {
        let secret = sign::generate_secret();
        let hook = Hook::new(&secret).answering(&[(307, "")]);
        let url = hook.start().await;
        let outbox = MemOutbox::default();
        outbox.add("o-10", &url, &[&secret], BODY);
        let d = dispatcher(&outbox, config());

        d.deliver_once().await.expect("a pass");

        let outcomes = outbox.outcomes("o-10");
        let [Outcome::Retry { error, .. }] = outcomes.as_slice() else {
            panic!("a retry: {outcomes:?}");
        };
        assert_eq!(
            error,
            "receiver answered 307 Temporary Redirect (redirects are not followed)"
        );
    }

    #[tokio::test]
    async fn run_delivers_when_notified_and_stops_on_shutdown() {
        let secret = sign::generate_secret();
        let hook = Hook::new(&secret);
        let url = hook.start().await;
        let outbox = MemOutbox::default();
        let d = dispatcher(
            &outbox,
            WebhookConfig {
                // Long enough that only the notification can explain a quick delivery.
                poll_interval_ms: 60_000,
                ..config()
            },
        );
        let notify = d.notifier();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(d.run(async {
            let _ = stopped.await;
        }));
        // Let the loop make its first, empty pass and go to sleep.
        tokio::time::sleep(Duration::from_millis(50)).await;

        outbox.add("o-11", &url, &[&secret], BODY);
        notify.notify_one();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while delivered_after(&outbox.outcomes("o-11")).is_none() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "not delivered in time"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        stop.send(()).expect("the loop is running");
        tokio::time::timeout(Duration::from_secs(5), running)
            .await
            .expect("the loop stops")
            .expect("the loop did not panic");
        assert_eq!(hook.count(), 1);
    }

    #[tokio::test]
    async fn shutdown_waits_for_attempts_in_flight() {
        let secret = sign::generate_secret();
        let mut hook = Hook::new(&secret);
        hook.delay = Duration::from_millis(300);
        let url = hook.start().await;
        let outbox = MemOutbox::default();
        outbox.add("o-12", &url, &[&secret], BODY);
        let d = dispatcher(&outbox, config());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(d.run(async {
            let _ = stopped.await;
        }));
        // The attempt is under way (the receiver holds it for 300 ms) when shutdown comes.
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.send(()).expect("the loop is running");
        tokio::time::timeout(Duration::from_secs(5), running)
            .await
            .expect("the loop stops")
            .expect("the loop did not panic");

        assert_eq!(delivered_after(&outbox.outcomes("o-12")), Some(1));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_a_floor() {
        let highest = |attempts| backoff_ms(attempts, 1000, 3_600_000, |n| n);
        let lowest = |attempts| backoff_ms(attempts, 1000, 3_600_000, |_| 0);
        assert_eq!(highest(1), 1000);
        assert_eq!(highest(2), 2000);
        assert_eq!(highest(3), 4000);
        assert_eq!(highest(12), 2_048_000);
        assert_eq!(highest(13), 3_600_000);
        assert_eq!(highest(u32::MAX), 3_600_000);
        for attempts in [0, 1, 2, 12, 100, u32::MAX] {
            assert_eq!(lowest(attempts), 500, "never less than half the base");
        }
        assert_eq!(highest(0), 1000, "zero attempts counts as one");
    }

    #[test]
    fn backoff_draws_within_the_window() {
        let mut asked = None;
        let delay = backoff_ms(3, 1000, 3_600_000, |n| {
            asked = Some(n);
            1234
        });
        assert_eq!(asked, Some(3500), "uniform over 500..=4000");
        assert_eq!(delay, 1734);
        // A random source that overshoots is clamped.
        assert_eq!(backoff_ms(1, 1000, 3_600_000, |_| u64::MAX), 1000);
        // A cap below half the base wins over the floor.
        assert_eq!(backoff_ms(5, 1000, 100, |n| n), 100);
        // Real randomness stays inside the window.
        for _ in 0..1000 {
            let delay = backoff_ms(4, 1000, 3_600_000, |n| rand::rng().random_range(0..=n));
            assert!((500..=8000).contains(&delay), "{delay}");
        }
    }

    #[test]
    fn config_defaults_and_unknown_keys() {
        let parsed: WebhookConfig = serde_json::from_str("{}").expect("all defaults");
        assert_eq!(parsed, WebhookConfig::default());
        assert!(WebhookConfig::default().problems().is_empty());
        let parsed: WebhookConfig =
            serde_json::from_str(r#"{"max_attempts": 3}"#).expect("one key");
        assert_eq!(parsed.max_attempts, 3);
        assert_eq!(parsed.lease_ms, 60_000);
        let err = serde_json::from_str::<WebhookConfig>(r#"{"max_attempt": 3}"#)
            .expect_err("a misspelt key");
        assert!(
            err.to_string().contains("unknown field `max_attempt`"),
            "{err}"
        );
    }

    #[test]
    fn config_problems_are_all_reported() {
        let config = WebhookConfig {
            max_attempts: 0,
            concurrency: 0,
            backoff_base_ms: 10,
            backoff_max_ms: 5,
            request_timeout_ms: 60_000,
            lease_ms: 60_000,
            ..WebhookConfig::default()
        };
        assert_eq!(
            config.problems(),
            [
                "webhook.max_attempts must be at least 1",
                "webhook.concurrency must be at least 1",
                "webhook.backoff_max_ms (5) must be at least webhook.backoff_base_ms (10)",
                "webhook.lease_ms (60000) must exceed webhook.request_timeout_ms (60000)",
            ]
        );
    }

    #[test]
    fn debug_output_hides_the_body_and_secrets() {
        let order = DueOrder {
            id: "o-1".to_owned(),
            url: "https://hooks.example/x?token=abc".to_owned(),
            secrets: vec![SecretString::from("whsec_c2VjcmV0")],
            body: BODY.to_owned(),
            attempts: 2,
        };
        let shown = format!("{order:?}");
        assert_eq!(shown, r#"DueOrder { id: "o-1", attempts: 2, .. }"#);
    }
}
