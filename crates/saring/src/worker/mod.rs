//! `saring worker`: a stateless event processor for deployments beyond one machine. It pulls
//! validated events from the JetStream stream (see [`stream`]) through a durable pull consumer
//! that all workers share, so the stream is a work queue; scores them with the detector; and
//! writes each pulled batch with `Store::ingest` — the same function and transaction that
//! `POST /v1/events` uses — acknowledging the messages only after the commit.
//!
//! Every message ends in one named outcome, counted and logged:
//!
//! * `stored` — committed; acked.
//! * `duplicate` — the store already had (platform, event id), e.g. a redelivery after a
//!   worker died between commit and ack; nothing changed; acked.
//! * `invalid` — not JSON, not a valid event, on the wrong subject or of an unknown platform;
//!   terminated (`Term`: never redelivered) with a warning naming the stream sequence and the
//!   reason (never the content).
//! * `retry` — the store failed transiently (down, restarting, deadlock); nak'ed with a delay,
//!   so JetStream redelivers it, and the worker backs off before pulling again.
//! * `failed` — the store refused the event for another reason; nak'ed with a longer delay
//!   and logged as an error (JetStream's `max_deliver` bounds the attempts; the message stays
//!   in the stream).
//!
//! Linking accounts into networks follows the commits, off the ingest path: every worker
//! runs the linker task of `saring serve` (`serve/networks.rs`), and the processes on one
//! database elect one of them through a PostgreSQL advisory lock. The elected one reads every
//! committed event — whichever worker stored it — in a stable order, so accounts that share a
//! phone are linked however their events were spread over the workers, and exactly once; when
//! it dies, a standby takes over and replays the stored events (`docs/networks.md`).
//!
//! On SIGTERM or SIGINT the worker stops pulling, finishes the batch in hand (commit, acks),
//! flushes the acks to the server and exits.

pub mod stream;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_nats::jetstream::{self, AckKind};
use futures_util::StreamExt;
use saring_core::event::{EventLimits, NewEvent, validate_event};
use saring_detect::Detector;
use saring_store::{IngestOutcome, IngestParams, Store};

use crate::config::Config;
use stream::EventStream;

/// How many messages ended in each outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerStats {
    /// Committed.
    pub stored: u64,
    /// Already stored.
    pub duplicate: u64,
    /// Terminated as invalid.
    pub invalid: u64,
    /// Nak'ed after a transient store error.
    pub retry: u64,
    /// Nak'ed after another store error.
    pub failed: u64,
}

impl std::fmt::Display for WorkerStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stored {}, duplicate {}, invalid {}, retry {}, failed {}",
            self.stored, self.duplicate, self.invalid, self.retry, self.failed
        )
    }
}

/// One worker.
struct Worker {
    store: Store,
    detector: Arc<Detector>,
    events: EventStream,
    limits: EventLimits,
    platforms: HashSet<String>,
    actor: String,
    retry_delay: Duration,
    stats: WorkerStats,
}

/// Runs a worker until `shutdown` resolves; returns what it did.
pub async fn run(
    config: Config,
    detector: Arc<Detector>,
    name: String,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<WorkerStats> {
    let store = Store::open(&config.database_url)
        .await
        .with_context(|| "could not open the store".to_string())?;
    let events = EventStream::connect(&config.nats).await?;
    let consumer = events.consumer().await?;
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let networks = Arc::new(crate::serve::Networks::new(config.networks.clone())?);
    let link_task = tokio::spawn(networks.run(store.clone(), Arc::new(now_ms), stop_rx.clone()));
    let mut w = Worker {
        platforms: HashSet::new(),
        store,
        detector,
        events,
        limits: EventLimits {
            max_text_bytes: config.ingest.max_text_bytes,
        },
        actor: format!("worker:{name}"),
        retry_delay: Duration::from_millis(config.nats.retry_delay_ms),
        stats: WorkerStats::default(),
    };
    tracing::info!(worker = %name, stream = %config.nats.stream, consumer = %config.nats.consumer, "saring worker pulling");
    println!(
        "Saring worker {name} is pulling from {} / {}",
        config.nats.stream, config.nats.consumer
    );
    let fetch_wait = Duration::from_millis(config.nats.fetch_wait_ms);
    let mut backoff = Duration::ZERO;
    loop {
        if *stop_rx.borrow() {
            break;
        }
        let msgs = tokio::select! {
            _ = stop_rx.wait_for(|s| *s) => break,
            r = fetch(&consumer, config.nats.batch, fetch_wait) => r,
        };
        let msgs = match msgs {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "could not pull from JetStream; retrying"
                );
                backoff = next_backoff(backoff, w.retry_delay);
                sleep_or_stop(backoff, &mut stop_rx).await;
                continue;
            }
        };
        if msgs.is_empty() {
            continue;
        }
        if w.process(msgs).await {
            backoff = Duration::ZERO;
        } else {
            backoff = next_backoff(backoff, w.retry_delay);
            sleep_or_stop(backoff, &mut stop_rx).await;
        }
    }
    if let Err(e) = w.events.flush().await {
        tracing::warn!(error = format!("{e:#}"), "could not flush the last acks");
    }
    // The linker stops at its next page (its links so far are recorded; the next linker
    // replays the rest).
    let _ = link_task.await;
    w.store.close().await;
    tracing::info!(stats = %w.stats, "saring worker stopped");
    println!("Saring worker {name} stopped: {}", w.stats);
    Ok(w.stats)
}

/// Pulls up to `max` messages, waiting at most `wait` for them.
async fn fetch(
    consumer: &jetstream::consumer::PullConsumer,
    max: usize,
    wait: Duration,
) -> anyhow::Result<Vec<jetstream::Message>> {
    let mut batch = consumer
        .batch()
        .max_messages(max)
        .expires(wait)
        .messages()
        .await
        .context("could not request messages")?;
    let mut out = Vec::new();
    while let Some(m) = batch.next().await {
        match m {
            Ok(m) => out.push(m),
            Err(e) if out.is_empty() => return Err(anyhow::anyhow!(e).context("pull failed")),
            Err(e) => {
                tracing::debug!(error = %e, "pull ended early");
                break;
            }
        }
    }
    Ok(out)
}

/// The next pause of an exponential back-off from `base`, at most ten seconds.
fn next_backoff(current: Duration, base: Duration) -> Duration {
    if current.is_zero() {
        base
    } else {
        (current * 2).min(Duration::from_secs(10).max(base))
    }
}

async fn sleep_or_stop(d: Duration, stop: &mut tokio::sync::watch::Receiver<bool>) {
    tokio::select! {
        _ = stop.wait_for(|s| *s) => {}
        () = tokio::time::sleep(d) => {}
    }
}

/// The stream sequence and delivery count of a message, for logs.
fn position(m: &jetstream::Message) -> (u64, i64) {
    m.info()
        .map(|i| (i.stream_sequence, i.delivered))
        .unwrap_or((0, 0))
}

impl Worker {
    /// Handles one pulled batch. Returns false when the store failed, so the caller backs
    /// off before pulling again.
    async fn process(&mut self, msgs: Vec<jetstream::Message>) -> bool {
        let mut parsed = Vec::with_capacity(msgs.len());
        for m in msgs {
            let event = self.parse(&m);
            parsed.push((m, event));
        }
        // Learn platforms created since the last batch before calling an event's unknown.
        let unknown = parsed.iter().any(|(_, e)| {
            e.as_ref()
                .is_ok_and(|e| !self.platforms.contains(&e.platform))
        });
        if unknown {
            match self.store.platforms().await {
                Ok(p) => self.platforms = p.into_iter().map(|p| p.id).collect(),
                Err(e) => {
                    let msgs: Vec<_> = parsed.into_iter().map(|(m, _)| m).collect();
                    self.retry(&msgs, &e.into()).await;
                    return false;
                }
            }
        }
        let mut valid = Vec::with_capacity(parsed.len());
        for (m, event) in parsed {
            let event = event.and_then(|e| {
                if self.platforms.contains(&e.platform) {
                    Ok(e)
                } else {
                    Err(format!("unknown platform {:?}", e.platform))
                }
            });
            match event {
                Ok(e) => valid.push((m, e)),
                Err(reason) => {
                    let (seq, delivered) = position(&m);
                    tracing::warn!(outcome = "invalid", subject = %m.subject, seq, delivered, %reason, "not a valid event; terminated");
                    self.stats.invalid += 1;
                    if let Err(e) = m.ack_with(AckKind::Term).await {
                        tracing::warn!(error = %e, seq, "could not terminate a message");
                    }
                }
            }
        }
        if valid.is_empty() {
            return true;
        }
        let (msgs, events): (Vec<_>, Vec<_>) = valid.into_iter().unzip();
        match self.ingest(events.clone()).await {
            Ok(outcomes) => {
                self.ack(&msgs, &outcomes).await;
                true
            }
            Err(e) if is_transient(&e) => {
                self.retry(&msgs, &e).await;
                false
            }
            Err(e) if msgs.len() > 1 => {
                // Find the events the store refuses: one at a time.
                tracing::warn!(
                    error = format!("{e:#}"),
                    messages = msgs.len(),
                    "the store refused a batch; retrying its events one by one"
                );
                let mut ok = true;
                for (m, event) in msgs.into_iter().zip(events) {
                    match self.ingest(vec![event]).await {
                        Ok(outcomes) => self.ack(std::slice::from_ref(&m), &outcomes).await,
                        Err(e) if is_transient(&e) => {
                            self.retry(std::slice::from_ref(&m), &e).await;
                            ok = false;
                        }
                        Err(e) => self.fail(&m, &e).await,
                    }
                }
                ok
            }
            Err(e) => {
                if let Some(m) = msgs.first() {
                    self.fail(m, &e).await;
                }
                true
            }
        }
    }

    /// Decodes and validates one message.
    fn parse(&self, m: &jetstream::Message) -> Result<NewEvent, String> {
        let value: serde_json::Value =
            serde_json::from_slice(&m.payload).map_err(|e| format!("not JSON: {e}"))?;
        let event = validate_event(&value, &self.limits).map_err(|e| e.to_string())?;
        let expected = self
            .events
            .subject(&event.platform)
            .map_err(|e| e.to_string())?;
        if m.subject.as_str() != expected {
            return Err(format!(
                "an event of platform {:?} on subject {}",
                event.platform, m.subject
            ));
        }
        Ok(event)
    }

    /// Scores and commits events: the ingest path `POST /v1/events` uses.
    async fn ingest(&self, events: Vec<NewEvent>) -> anyhow::Result<Vec<IngestOutcome>> {
        let scored = crate::serve::score_batch(Arc::clone(&self.detector), events).await?;
        Ok(self
            .store
            .ingest(&scored, &IngestParams::default(), &self.actor, now_ms())
            .await?)
    }

    /// Acks committed messages.
    async fn ack(&mut self, msgs: &[jetstream::Message], outcomes: &[IngestOutcome]) {
        let (mut stored, mut duplicate) = (0u64, 0u64);
        for (m, o) in msgs.iter().zip(outcomes) {
            let (seq, delivered) = position(m);
            match o {
                IngestOutcome::Accepted { .. } => {
                    stored += 1;
                    tracing::debug!(outcome = "stored", seq, delivered, "event stored");
                }
                IngestOutcome::Duplicate => {
                    duplicate += 1;
                    tracing::debug!(
                        outcome = "duplicate",
                        seq,
                        delivered,
                        "event already stored"
                    );
                }
            }
            if let Err(e) = m.ack().await {
                // The commit stands; JetStream redelivers and the store answers duplicate.
                tracing::warn!(error = %e, seq, "could not ack a stored event");
            }
        }
        self.stats.stored += stored;
        self.stats.duplicate += duplicate;
        tracing::info!(stored, duplicate, "batch committed");
    }

    /// Naks messages after a transient failure, for redelivery after the retry delay.
    async fn retry(&mut self, msgs: &[jetstream::Message], e: &anyhow::Error) {
        tracing::warn!(
            outcome = "retry",
            messages = msgs.len(),
            error = format!("{e:#}"),
            "store unavailable; the messages will be redelivered"
        );
        self.stats.retry += msgs.len() as u64;
        for m in msgs {
            if let Err(e) = m.ack_with(AckKind::Nak(Some(self.retry_delay))).await {
                tracing::warn!(error = %e, "could not nak a message; it is redelivered after the ack wait");
            }
        }
    }

    /// Naks a message the store refused, with a longer delay.
    async fn fail(&mut self, m: &jetstream::Message, e: &anyhow::Error) {
        let (seq, delivered) = position(m);
        tracing::error!(
            outcome = "failed",
            seq,
            delivered,
            error = format!("{e:#}"),
            "the store refused an event; it will be redelivered"
        );
        self.stats.failed += 1;
        if let Err(e) = m.ack_with(AckKind::Nak(Some(self.retry_delay * 30))).await {
            tracing::warn!(error = %e, seq, "could not nak a message");
        }
    }
}

/// Whether an ingest error is the store's transient failure.
fn is_transient(e: &anyhow::Error) -> bool {
    e.downcast_ref::<saring_store::Error>()
        .is_some_and(saring_store::Error::is_transient)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_ten_seconds() {
        let base = Duration::from_millis(500);
        let mut d = Duration::ZERO;
        let mut seen = Vec::new();
        for _ in 0..7 {
            d = next_backoff(d, base);
            seen.push(d.as_millis());
        }
        assert_eq!(seen, [500, 1000, 2000, 4000, 8000, 10000, 10000]);
    }
}
