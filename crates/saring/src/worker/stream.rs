//! The JetStream event stream: connecting, creating the stream and the workers' durable
//! consumer when they are missing, and publishing validated events.
//!
//! One message is one validated event, as JSON (`saring_core::event::NewEvent`), on the
//! subject `<subject_prefix>.<platform>`. Its `Nats-Msg-Id` is a hash of (platform, event id),
//! so JetStream drops a repeated publish inside its duplicate window; the store's uniqueness
//! on (platform, event id) is what makes processing idempotent beyond it.

use std::time::Duration;

use anyhow::{Context, bail};
use async_nats::jetstream::{self, consumer, stream};
use saring_core::event::NewEvent;
use sha2::{Digest, Sha256};

use crate::config::NatsConfig;

/// A connection to the event stream.
#[derive(Clone)]
pub struct EventStream {
    client: async_nats::Client,
    js: jetstream::Context,
    cfg: NatsConfig,
}

/// What JetStream said to one publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// Stored in the stream.
    Stored,
    /// Dropped as a repeat of a message published inside the duplicate window.
    Duplicate,
}

impl EventStream {
    /// Connects to NATS and makes sure the stream exists.
    pub async fn connect(cfg: &NatsConfig) -> anyhow::Result<Self> {
        let client = async_nats::ConnectOptions::new()
            .name("saring")
            .connect(cfg.url.as_str())
            .await
            .with_context(|| format!("could not connect to NATS at {}", cfg.url))?;
        let mut js = jetstream::new(client.clone());
        js.set_timeout(Duration::from_secs(cfg.publish_timeout_secs));
        js.get_or_create_stream(stream::Config {
            name: cfg.stream.clone(),
            subjects: vec![format!("{}.>", cfg.subject_prefix)],
            retention: stream::RetentionPolicy::WorkQueue,
            storage: stream::StorageType::File,
            duplicate_window: Duration::from_secs(cfg.duplicate_window_secs),
            ..Default::default()
        })
        .await
        .with_context(|| {
            format!(
                "could not create or open the JetStream stream {}",
                cfg.stream
            )
        })?;
        Ok(Self {
            client,
            js,
            cfg: cfg.clone(),
        })
    }

    /// The subject of a platform's events.
    pub fn subject(&self, platform: &str) -> anyhow::Result<String> {
        // Platform ids are validated as `a-z`, `0-9`, `-`, `_`; refuse anything that would
        // change the subject's shape all the same.
        if platform.is_empty() || platform.contains(['.', '*', '>', ' ', '\t', '\r', '\n']) {
            bail!("platform {platform:?} cannot be a subject token");
        }
        Ok(format!("{}.{platform}", self.cfg.subject_prefix))
    }

    /// Publishes events and waits until JetStream has stored each one (or dropped it as a
    /// repeat). Fails if any publish is not acknowledged within the publish timeout.
    pub async fn publish(&self, events: &[NewEvent]) -> anyhow::Result<Vec<Published>> {
        let timeout = Duration::from_secs(self.cfg.publish_timeout_secs);
        let mut out = Vec::with_capacity(events.len());
        // Publishes are pipelined, a window at a time (the client holds at most 5,000 acks in
        // flight).
        for window in events.chunks(1000) {
            let mut acks = Vec::with_capacity(window.len());
            for e in window {
                let payload = serde_json::to_vec(e).context("could not encode an event")?;
                let publish = jetstream::message::PublishMessage::build()
                    .payload(payload.into())
                    .message_id(message_id(&e.platform, &e.event_id));
                let ack = self
                    .js
                    .send_publish(self.subject(&e.platform)?, publish)
                    .await
                    .context("could not publish an event to JetStream")?;
                acks.push(ack);
            }
            for ack in acks {
                let ack = tokio::time::timeout(timeout, ack)
                    .await
                    .context("JetStream did not acknowledge a published event in time")?
                    .context("JetStream did not acknowledge a published event")?;
                out.push(if ack.duplicate {
                    Published::Duplicate
                } else {
                    Published::Stored
                });
            }
        }
        Ok(out)
    }

    /// The workers' durable pull consumer, created if missing. All workers share it, so the
    /// stream is a work queue: each message goes to one worker at a time.
    pub async fn consumer(&self) -> anyhow::Result<consumer::PullConsumer> {
        let stream = self
            .js
            .get_stream(&self.cfg.stream)
            .await
            .with_context(|| format!("could not open the JetStream stream {}", self.cfg.stream))?;
        stream
            .get_or_create_consumer(
                &self.cfg.consumer,
                consumer::pull::Config {
                    durable_name: Some(self.cfg.consumer.clone()),
                    ack_policy: consumer::AckPolicy::Explicit,
                    ack_wait: Duration::from_secs(self.cfg.ack_wait_secs),
                    max_deliver: self.cfg.max_deliver,
                    max_ack_pending: self.cfg.max_ack_pending,
                    filter_subject: format!("{}.>", self.cfg.subject_prefix),
                    ..Default::default()
                },
            )
            .await
            .with_context(|| {
                format!(
                    "could not create or open the JetStream consumer {}",
                    self.cfg.consumer
                )
            })
    }

    /// Sends what is buffered (acks included) to the server.
    pub async fn flush(&self) -> anyhow::Result<()> {
        self.client
            .flush()
            .await
            .context("could not flush the NATS connection")
    }
}

/// The `Nats-Msg-Id` of an event: SHA-256 of platform and event id (hex), so any event id
/// fits in a header.
pub fn message_id(platform: &str, event_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(platform.as_bytes());
    h.update([0]);
    h.update(event_id.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_separate_platform_and_event() {
        assert_eq!(message_id("a", "b"), message_id("a", "b"));
        assert_ne!(message_id("ab", "c"), message_id("a", "bc"));
        assert_eq!(message_id("a", "b").len(), 64);
    }
}
