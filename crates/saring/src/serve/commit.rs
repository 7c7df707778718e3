//! Group commit for `POST /v1/events`: batches that arrive while the one SQLite writer is busy
//! are committed together, in one transaction with one fsync, instead of one after the other.
//!
//! Each request scores its batch and hands it to the committer task, which takes every batch
//! already waiting (up to `ingest.group_commit_events` events, from the same submitter: the
//! audit entry names one actor) and calls `Store::ingest` once over all of them, in arrival order —
//! so an event id sent twice is accepted once and a duplicate after, exactly as if the
//! batches had been committed one by one. Each request is answered only after the commit, so
//! "accepted" still means committed. When a group's commit fails, each of its batches is
//! committed again on its own, so one request's failure (a full disk, say) reaches only that
//! request, with its own error.

use saring_store::{IngestOutcome, IngestParams, ScoredEvent, Store};
use tokio::sync::{mpsc, oneshot};

/// What a request gets back: its batch, and the outcome of each of its items.
pub type Committed = (Vec<ScoredEvent>, saring_store::Result<Vec<IngestOutcome>>);

struct Job {
    batch: Vec<ScoredEvent>,
    actor: String,
    now: i64,
    reply: oneshot::Sender<Committed>,
}

/// The handle requests commit through.
#[derive(Debug, Clone)]
pub struct Committer {
    tx: mpsc::UnboundedSender<Job>,
}

impl Committer {
    /// Starts the committer task on `store`, grouping up to `max_events` events (0: none); it
    /// ends when every handle is dropped.
    pub fn start(store: Store, max_events: usize) -> Committer {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(store, rx, max_events));
        Committer { tx }
    }

    /// Commits `batch` as `actor`, possibly together with other waiting batches, and gives
    /// the batch back with one outcome per item.
    pub async fn commit(
        &self,
        batch: Vec<ScoredEvent>,
        actor: String,
        now: i64,
    ) -> anyhow::Result<Committed> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job {
                batch,
                actor,
                now,
                reply,
            })
            .map_err(|_| anyhow::anyhow!("the committer has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the committer stopped before answering"))
    }
}

async fn run(store: Store, mut rx: mpsc::UnboundedReceiver<Job>, max_events: usize) {
    let params = IngestParams::default();
    let mut held: Option<Job> = None;
    loop {
        let first = match held.take() {
            Some(job) => job,
            None => match rx.recv().await {
                Some(job) => job,
                None => return,
            },
        };
        let mut group = vec![first];
        let mut events = group[0].batch.len();
        while events < max_events {
            match rx.try_recv() {
                Ok(job) if job.actor == group[0].actor => {
                    events += job.batch.len();
                    group.push(job);
                }
                Ok(job) => {
                    held = Some(job);
                    break;
                }
                Err(_) => break,
            }
        }
        metrics::counter!("saring_ingest_commits_total").increment(1);
        metrics::counter!("saring_ingest_committed_batches_total").increment(group.len() as u64);
        let now = group.iter().map(|j| j.now).max().unwrap_or_default();
        let mut all = Vec::with_capacity(events);
        let mut sizes = Vec::with_capacity(group.len());
        for job in &mut group {
            sizes.push(job.batch.len());
            all.append(&mut job.batch);
        }
        let started = std::time::Instant::now();
        let result = store.ingest(&all, &params, &group[0].actor, now).await;
        metrics::counter!("saring_ingest_commit_microseconds_total")
            .increment(started.elapsed().as_micros() as u64);
        let mut all = all.into_iter();
        let mut take = |n: usize| -> Vec<ScoredEvent> { all.by_ref().take(n).collect() };
        match result {
            Ok(outcomes) => {
                let mut outcomes = outcomes.into_iter();
                for (job, n) in group.into_iter().zip(sizes) {
                    let mine: Vec<IngestOutcome> = outcomes.by_ref().take(n).collect();
                    let _ = job.reply.send((take(n), Ok(mine)));
                }
            }
            Err(e) if group.len() == 1 => {
                let job = group.pop().expect("the group has one job");
                let _ = job.reply.send((take(sizes[0]), Err(e)));
            }
            Err(e) => {
                tracing::warn!(error = %e, batches = group.len(), "a group commit failed; committing its batches one by one");
                for (job, n) in group.into_iter().zip(sizes) {
                    let batch = take(n);
                    let result = store.ingest(&batch, &params, &job.actor, job.now).await;
                    let _ = job.reply.send((batch, result));
                }
            }
        }
    }
}
