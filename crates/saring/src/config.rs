//! Service configuration: one [`Config`] read in layers — defaults, then `saring.toml` (or the
//! file named by `--config`), then `SARING_SECTION__KEY` environment variables — and then
//! validated as a whole, so every problem is reported at once.
//!
//! This is the only module that reads the environment.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::console::ConsoleConfig;
use crate::webhook::dispatch::WebhookConfig;

/// Everything `saring serve` can be told.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the HTTP API listens on.
    pub listen: SocketAddr,
    /// Database URL; `sqlite://FILE` (the default, created if missing) or `postgres://…`.
    pub database_url: String,
    /// SQLite durability: `full` (a commit survives power loss; the default) or `normal` (a
    /// commit survives a process crash but not an OS crash; cheaper per commit).
    pub sqlite_synchronous: String,
    /// Ingest limits.
    pub ingest: IngestConfig,
    /// Case handling.
    pub cases: CasesConfig,
    /// Content retention.
    pub retention: RetentionConfig,
    /// Enforcement-order delivery.
    pub webhook: WebhookConfig,
    /// The NATS JetStream event stream (`saring worker`, `saring serve` with
    /// `ingest.mode = "nats"`).
    pub nats: NatsConfig,
    /// Logging.
    pub log: LogConfig,
    /// Linking accounts into networks as events arrive.
    pub networks: crate::serve::NetworksConfig,
    /// The web console.
    pub console: ConsoleConfig,
    /// The protection route: services a protection case can be referred to.
    pub protection: crate::serve::ProtectionConfig,
    /// Seconds added to the system clock for deadlines, reports and the audit log: for drills
    /// and tests that need time to pass. Keep 0 in production.
    pub clock_offset_secs: i64,
    /// Reports (the location report's k is `console.k_anonymity`).
    pub reports: crate::report::ReportsConfig,
    /// Per-token request rates.
    pub limits: LimitsConfig,
    /// Token and session lifetimes.
    pub auth: AuthConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://saring.db".into(),
            sqlite_synchronous: "full".into(),
            ingest: IngestConfig::default(),
            cases: CasesConfig::default(),
            retention: RetentionConfig::default(),
            webhook: WebhookConfig::default(),
            nats: NatsConfig::default(),
            log: LogConfig::default(),
            networks: crate::serve::NetworksConfig::default(),
            console: ConsoleConfig::default(),
            protection: crate::serve::ProtectionConfig::default(),
            clock_offset_secs: 0,
            reports: crate::report::ReportsConfig::default(),
            limits: LimitsConfig::default(),
            auth: AuthConfig::default(),
        }
    }
}

/// Per-token rate limits on the API (`[limits]`). Each signed-in user (API token) has its own
/// bucket: `*_per_second` requests a second on average, bursts of up to `*_burst`. Over the
/// limit the answer is 429 with `Retry-After`. Ingest has its own, larger bucket.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Average API requests per second per token (every endpoint but ingest).
    pub api_per_second: u32,
    /// Most API requests a token may send at once before the average applies.
    pub api_burst: u32,
    /// Average `POST /v1/events` requests per second per token.
    pub ingest_per_second: u32,
    /// Most `POST /v1/events` requests a token may send at once.
    pub ingest_burst: u32,
    /// Console sign-in attempts per minute for one user name (and for all unknown names
    /// together); further attempts get 429 until the bucket refills.
    pub login_per_minute: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            api_per_second: 20,
            api_burst: 100,
            ingest_per_second: 50,
            ingest_burst: 200,
            login_per_minute: 10,
        }
    }
}

impl LimitsConfig {
    /// Every problem with the settings.
    fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        for (name, v) in [
            ("limits.api_per_second", self.api_per_second),
            ("limits.api_burst", self.api_burst),
            ("limits.ingest_per_second", self.ingest_per_second),
            ("limits.ingest_burst", self.ingest_burst),
            ("limits.login_per_minute", self.login_per_minute),
        ] {
            if v == 0 {
                p.push(format!("{name} must be positive"));
            }
        }
        p
    }
}

/// How long credentials last (`[auth]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Days an API token is valid after it was issued (`saring user add`, `saring user
    /// token`); then it is refused with 401 until an admin issues a new one. 0: never expires.
    pub token_ttl_days: i64,
    /// Hours a console session lasts after sign-in.
    pub session_ttl_hours: i64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            token_ttl_days: 90,
            session_ttl_hours: 12,
        }
    }
}

impl AuthConfig {
    /// Every problem with the settings.
    fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if !(0..=3650).contains(&self.token_ttl_days) {
            p.push(format!(
                "auth.token_ttl_days must be from 0 (never) to 3650, not {}",
                self.token_ttl_days
            ));
        }
        if !(1..=24 * 30).contains(&self.session_ttl_hours) {
            p.push(format!(
                "auth.session_ttl_hours must be from 1 to 720, not {}",
                self.session_ttl_hours
            ));
        }
        p
    }
}

/// Limits on `POST /v1/events`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    /// Largest request body, in bytes; larger bodies get 413.
    pub max_body_bytes: usize,
    /// Largest `text` of one event, in bytes; larger items are rejected.
    pub max_text_bytes: usize,
    /// Most events in one request.
    pub max_batch_items: usize,
    /// What `POST /v1/events` does with valid events: `store` scores and commits them in the
    /// request (the default); `nats` publishes them to the JetStream stream (see [`NatsConfig`])
    /// and answers once JetStream has stored them, and `saring worker` processes them.
    pub mode: String,
    /// Most events committed in one transaction when several batches wait for the writer
    /// (group commit); 0 commits every batch on its own.
    pub group_commit_events: usize,
    /// SQLite: milliseconds between checkpoints of the write-ahead log by a background task,
    /// off the writer's path; 0 leaves them to SQLite, which runs them in the commit that
    /// finds the log over 1,000 pages.
    pub checkpoint_interval_ms: u64,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 8 * 1024 * 1024,
            max_text_bytes: 16 * 1024,
            max_batch_items: 5000,
            mode: "store".into(),
            group_commit_events: 5000,
            checkpoint_interval_ms: 250,
        }
    }
}

/// How cases are opened and worked.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CasesConfig {
    /// Case threshold for platforms created without one.
    pub default_threshold: f64,
    /// How long a moderator's claim on a case lasts, in seconds.
    pub claim_lease_secs: i64,
    /// Hours a regulator's takedown request may take (Permenkominfo 5/2020: 24).
    pub regulator_deadline_hours: i64,
    /// Hours an urgent regulator request may take (Permenkominfo 5/2020: 4).
    pub urgent_deadline_hours: i64,
}

impl Default for CasesConfig {
    fn default() -> Self {
        Self {
            default_threshold: 0.8,
            claim_lease_secs: 15 * 60,
            regulator_deadline_hours: 24,
            urgent_deadline_hours: 4,
        }
    }
}

/// How long content is kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// Days the content of a dismissed case is kept before it is purged (unless under legal
    /// hold). Its SHA-256 stays.
    pub dismissed_days: i64,
    /// Seconds between purge runs.
    pub purge_interval_secs: u64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            dismissed_days: 90,
            purge_interval_secs: 3600,
        }
    }
}

/// The JetStream event stream that `saring serve --ingest nats` publishes to and `saring
/// worker` consumes. Events go to the subject `<subject_prefix>.<platform>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NatsConfig {
    /// NATS server URL.
    pub url: String,
    /// The JetStream stream (created, as a work queue on file storage, if missing).
    pub stream: String,
    /// Subject prefix; the stream takes `<subject_prefix>.>`.
    pub subject_prefix: String,
    /// The durable pull consumer all workers share (created if missing).
    pub consumer: String,
    /// Most messages a worker takes per pull, and so per store transaction.
    pub batch: usize,
    /// Milliseconds a pull waits for messages before it returns what it has.
    pub fetch_wait_ms: u64,
    /// Seconds JetStream waits for a worker's ack before it redelivers a message (to another
    /// worker); longer than a batch takes to score and commit.
    pub ack_wait_secs: u64,
    /// Most messages delivered to workers and not yet acknowledged, over all workers.
    pub max_ack_pending: i64,
    /// Most deliveries of one message; after that JetStream keeps it in the stream but stops
    /// delivering it (`-1`: no limit).
    pub max_deliver: i64,
    /// Milliseconds before a message that failed on a transient store error is redelivered;
    /// also the first pause of the worker's back-off while the store is down.
    pub retry_delay_ms: u64,
    /// Seconds JetStream remembers message ids to drop repeated publishes.
    pub duplicate_window_secs: u64,
    /// Seconds `saring serve` waits for JetStream to acknowledge a publish.
    pub publish_timeout_secs: u64,
}

impl Default for NatsConfig {
    fn default() -> Self {
        Self {
            url: "nats://127.0.0.1:4222".into(),
            stream: "SARING_EVENTS".into(),
            subject_prefix: "saring.events".into(),
            consumer: "saring-workers".into(),
            batch: 500,
            fetch_wait_ms: 500,
            ack_wait_secs: 60,
            max_ack_pending: 20_000,
            max_deliver: -1,
            retry_delay_ms: 1000,
            duplicate_window_secs: 120,
            publish_timeout_secs: 10,
        }
    }
}

impl NatsConfig {
    /// What is wrong with these settings.
    fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if !(self.url.starts_with("nats://") || self.url.starts_with("tls://")) {
            p.push(format!(
                "nats.url must start with nats:// or tls://, got {:?}",
                self.url
            ));
        }
        let name_ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        if !name_ok(&self.stream) {
            p.push(format!(
                "nats.stream must be letters, digits, - and _, got {:?}",
                self.stream
            ));
        }
        if !name_ok(&self.consumer) {
            p.push(format!(
                "nats.consumer must be letters, digits, - and _, got {:?}",
                self.consumer
            ));
        }
        if self.subject_prefix.is_empty()
            || self
                .subject_prefix
                .split('.')
                .any(|t| t.is_empty() || t.contains(['*', '>', ' ']))
        {
            p.push(format!(
                "nats.subject_prefix must be dot-separated tokens without wildcards, got {:?}",
                self.subject_prefix
            ));
        }
        if self.batch == 0 || self.fetch_wait_ms == 0 || self.ack_wait_secs == 0 {
            p.push("nats.batch, fetch_wait_ms and ack_wait_secs must be positive".into());
        }
        if self.max_ack_pending < self.batch as i64 {
            p.push("nats.max_ack_pending must be at least nats.batch".into());
        }
        if self.max_deliver == 0 || self.max_deliver < -1 {
            p.push("nats.max_deliver must be positive or -1 (no limit)".into());
        }
        if self.publish_timeout_secs == 0 || self.duplicate_window_secs == 0 {
            p.push("nats.publish_timeout_secs and duplicate_window_secs must be positive".into());
        }
        p
    }
}

/// Log output.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` for people, `json` for log collectors.
    pub format: String,
    /// A tracing filter such as `info` or `saring=debug,tower_http=info`.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: "text".into(),
            filter: "info".into(),
        }
    }
}

impl Config {
    /// Reads the layers: defaults, the TOML file (`path`, or `saring.toml` when present), then
    /// `SARING_…` environment variables (`SARING_WEBHOOK__MAX_ATTEMPTS=5`).
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match path {
            Some(p) => {
                if !p.exists() {
                    bail!("config file {} does not exist", p.display());
                }
                fig = fig.merge(Toml::file(p));
            }
            None => fig = fig.merge(Toml::file("saring.toml")),
        }
        let config: Config = fig
            .merge(
                Env::prefixed("SARING_")
                    .split("__")
                    .ignore(&["policy", "model"]),
            )
            .extract()
            .context("invalid configuration")?;
        config.validate()?;
        Ok(config)
    }

    /// Checks the values together, reporting every problem at once.
    pub fn validate(&self) -> anyhow::Result<()> {
        let mut problems = Vec::new();
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres:")
            || self.database_url.starts_with("postgresql:"))
        {
            problems.push(format!(
                "database_url must start with sqlite:// or postgres://, got {:?}",
                self.database_url
            ));
        }
        if !(0.0..=1.0).contains(&self.cases.default_threshold) {
            problems.push(format!(
                "cases.default_threshold must be between 0 and 1, got {}",
                self.cases.default_threshold
            ));
        }
        if self.cases.claim_lease_secs <= 0 {
            problems.push("cases.claim_lease_secs must be positive".into());
        }
        if self.cases.regulator_deadline_hours <= 0 || self.cases.urgent_deadline_hours <= 0 {
            problems.push("cases deadlines must be positive".into());
        }
        if self.ingest.max_body_bytes < 1024
            || self.ingest.max_text_bytes == 0
            || self.ingest.max_batch_items == 0
        {
            problems.push("ingest limits must be positive (max_body_bytes at least 1024)".into());
        }
        problems.extend(self.console.problems());
        problems.extend(self.protection.problems());
        problems.extend(self.reports.problems());
        if self.retention.dismissed_days < 0 || self.retention.purge_interval_secs == 0 {
            problems
                .push("retention.dismissed_days must be ≥ 0 and purge_interval_secs > 0".into());
        }
        if !matches!(self.sqlite_synchronous.as_str(), "full" | "normal") {
            problems.push(format!(
                "sqlite_synchronous must be full or normal, got {:?}",
                self.sqlite_synchronous
            ));
        }
        if !matches!(self.ingest.mode.as_str(), "store" | "nats") {
            problems.push(format!(
                "ingest.mode must be store or nats, got {:?}",
                self.ingest.mode
            ));
        }
        problems.extend(self.nats.problems());
        if !matches!(self.log.format.as_str(), "text" | "json") {
            problems.push(format!(
                "log.format must be text or json, got {:?}",
                self.log.format
            ));
        }
        problems.extend(self.webhook.problems());
        problems.extend(self.networks.problems());
        problems.extend(self.limits.problems());
        problems.extend(self.auth.problems());
        if problems.is_empty() {
            Ok(())
        } else {
            bail!("invalid configuration:\n  - {}", problems.join("\n  - "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        Config::default().validate().expect("defaults valid");
    }

    #[test]
    fn reports_every_problem_at_once() {
        let mut c = Config {
            database_url: "mysql://x".into(),
            ..Config::default()
        };
        c.cases.default_threshold = 2.0;
        c.log.format = "xml".into();
        c.ingest.mode = "kafka".into();
        c.nats.subject_prefix = "saring.*".into();
        c.nats.url = "http://127.0.0.1:4222".into();
        c.limits.api_burst = 0;
        c.auth.token_ttl_days = -1;
        let e = c.validate().expect_err("invalid").to_string();
        assert!(
            e.contains("database_url")
                && e.contains("default_threshold")
                && e.contains("log.format")
                && e.contains("ingest.mode")
                && e.contains("nats.subject_prefix")
                && e.contains("nats.url")
                && e.contains("limits.api_burst")
                && e.contains("auth.token_ttl_days"),
            "{e}"
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("saring.toml");
        std::fs::write(
            &p,
            "listen = \"127.0.0.1:9999\"\n[cases]\nthreshold = 0.5\n",
        )
        .expect("write");
        let e = format!("{:#}", Config::load(Some(&p)).expect_err("unknown key"));
        assert!(e.contains("threshold"), "{e}");
    }
}
