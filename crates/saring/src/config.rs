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
    /// Logging.
    pub log: LogConfig,
    /// Linking accounts into networks as events arrive.
    pub networks: crate::serve::NetworksConfig,
    /// The web console.
    pub console: ConsoleConfig,
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
            log: LogConfig::default(),
            networks: crate::serve::NetworksConfig::default(),
            console: ConsoleConfig::default(),
        }
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
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 8 * 1024 * 1024,
            max_text_bytes: 16 * 1024,
            max_batch_items: 5000,
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
        if !matches!(self.log.format.as_str(), "text" | "json") {
            problems.push(format!(
                "log.format must be text or json, got {:?}",
                self.log.format
            ));
        }
        problems.extend(self.webhook.problems());
        problems.extend(self.networks.problems());
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
        let e = c.validate().expect_err("invalid").to_string();
        assert!(
            e.contains("database_url")
                && e.contains("default_threshold")
                && e.contains("log.format"),
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
