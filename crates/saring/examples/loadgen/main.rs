//! Load generator for `saring serve`: measures the service's two performance targets.
//!
//! * `ingest` measures sustained ingest throughput: `POST /v1/events` with batches of real
//!   texts, `--concurrency` requests in flight (a closed loop: each connection sends its next
//!   batch when the previous one is answered). All request bodies are built in memory before
//!   the clock starts, so JSON encoding on the client is not counted; every answer must be
//!   200 with `accepted` equal to the batch size. Prints events/s, batches/s and the batch
//!   latency percentiles as one JSON line.
//! * `mixed` measures moderator latency: it first opens cases (clear ads, one account each),
//!   then runs an open-loop schedule at a fixed `--rate`, alternating `GET /v1/cases/{id}`
//!   and `POST /v1/cases/{id}/decision` on distinct cases. Each request starts at its
//!   scheduled time whatever happened to the earlier ones, and its latency is counted from
//!   that scheduled time, so a slow server cannot hide its queueing (no coordinated
//!   omission). Prints p50/p90/p99/max per kind and the errors as one JSON line.
//! * `corpus` writes the events `ingest` would send as NDJSON, for `saring scan`: the
//!   baseline of scoring alone, without HTTP or commits, over the same texts.
//! * `soak` runs mixed traffic at a fixed rate for a long time (`bench/load.sh`: ten
//!   minutes): ingest batches whose clear ads open cases, reads of those cases and of the
//!   queue, and freeze decisions on them, each kind on its own open-loop schedule, with the
//!   orders delivered to a webhook receiver it runs itself. It samples the server's RSS every
//!   `--sample-secs` and writes a CSV and an SVG chart of memory over time, and prints the
//!   errors, p50/p99 per operation and the RSS trend as one JSON line.
//!
//! `bench/serve.sh` sets up a server and runs the first three; `bench/load.sh` runs `soak`;
//! see `bench/README.md`.
//!
//! Tokens may be passed in the environment (`LOADGEN_TOKEN`, `LOADGEN_INGEST_TOKEN`,
//! `LOADGEN_MOD_TOKEN`) to keep them out of process listings.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use clap::{Args, Parser, Subcommand};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::time::Instant;

/// Load generator for `saring serve`.
#[derive(Debug, Parser)]
#[command(
    name = "loadgen",
    about = "Load generator for saring serve: ingest throughput and moderator latency"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sustained ingest throughput of `POST /v1/events` (closed loop, C connections).
    Ingest(IngestArgs),
    /// Moderator latency: open-loop fixed-rate case reads and decisions.
    Mixed(MixedArgs),
    /// Write the events `ingest` would send as NDJSON (for `saring scan`), and exit.
    Corpus(CorpusArgs),
    /// Long mixed traffic at a fixed rate, with the server's memory over time.
    Soak(soak::SoakArgs),
}

/// How the events are made; shared by `ingest` and `corpus` so both see the same texts.
#[derive(Debug, Args)]
struct EventsArgs {
    /// Number of events.
    #[arg(long, default_value_t = 200_000)]
    events: usize,
    /// JSON Lines files with a `text` field; texts are drawn from all of them (repeatable).
    #[arg(long, required = true, value_name = "FILE")]
    texts: Vec<PathBuf>,
    /// Number of distinct accounts the events are spread over.
    #[arg(long, default_value_t = 20_000)]
    accounts: usize,
    /// Platform id of the events.
    #[arg(long, default_value = "michat")]
    platform: String,
    /// Prefix of event ids and account names, so that several runs on one store do not collide.
    #[arg(long, default_value = "ing")]
    prefix: String,
    /// Seed for drawing texts and accounts.
    #[arg(long, default_value_t = 20_261_129)]
    seed: u64,
}

#[derive(Debug, Args)]
struct IngestArgs {
    /// Base URL of the server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// A platform admin's token.
    #[arg(long, env = "LOADGEN_TOKEN", hide_env_values = true)]
    token: String,
    /// Events per request.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Requests in flight.
    #[arg(long, default_value_t = 2)]
    concurrency: usize,
    #[command(flatten)]
    events: EventsArgs,
}

#[derive(Debug, Args)]
struct CorpusArgs {
    /// Output file (NDJSON: id, account, platform, kind, text).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    events: EventsArgs,
}

#[derive(Debug, Args)]
struct MixedArgs {
    /// Base URL of the server.
    #[arg(long)]
    url: String,
    /// A platform admin's token (to seed the cases).
    #[arg(long, env = "LOADGEN_INGEST_TOKEN", hide_env_values = true)]
    ingest_token: String,
    /// A moderator's token (to read and decide).
    #[arg(long, env = "LOADGEN_MOD_TOKEN", hide_env_values = true)]
    mod_token: String,
    /// Requests per second (reads and decisions together).
    #[arg(long, default_value_t = 200.0)]
    rate: f64,
    /// Seconds of load.
    #[arg(long, default_value_t = 30.0)]
    duration: f64,
    /// Platform id.
    #[arg(long, default_value = "michat")]
    platform: String,
    /// Prefix of the seeded accounts and event ids.
    #[arg(long, default_value = "mx")]
    prefix: String,
    /// A request slower than this counts as an error.
    #[arg(long, default_value_t = 10.0)]
    timeout_secs: f64,
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("loadgen: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    // reqwest is built with `rustls-no-provider`: a provider must be installed even for http.
    // `Err` only means one is installed already, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match Cli::parse().command {
        Command::Ingest(a) => ingest(&a).await,
        Command::Mixed(a) => mixed(&a).await,
        Command::Corpus(a) => corpus(&a),
        Command::Soak(a) => soak::soak(&a).await,
    }
}

pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .tcp_nodelay(true)
        .build()
        .context("could not build the HTTP client")
}

/// One event as the API takes it.
#[derive(Debug, Serialize)]
struct Event<'a> {
    platform: &'a str,
    account: String,
    event_id: String,
    kind: &'static str,
    text: &'a str,
    ts: String,
}

/// Reads the `text` field of every line of the JSON Lines files.
pub(crate) fn load_texts(paths: &[PathBuf]) -> Result<Vec<String>> {
    let mut texts = Vec::new();
    for path in paths {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        for (n, line) in BufReader::new(file).lines().enumerate() {
            let line = line.with_context(|| format!("cannot read {}", path.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            let v: Value = serde_json::from_str(&line)
                .with_context(|| format!("{}:{}: not JSON", path.display(), n + 1))?;
            match v.get("text").and_then(Value::as_str) {
                Some(t) if !t.trim().is_empty() => texts.push(t.to_owned()),
                _ => {}
            }
        }
    }
    ensure!(!texts.is_empty(), "no texts found in {paths:?}");
    Ok(texts)
}

/// The events, deterministic for the arguments: ids `PREFIX-00000000…`, accounts drawn
/// uniformly from `PREFIX-a00000…`, texts drawn uniformly, times spread over one day.
fn make_events<'a>(a: &'a EventsArgs, texts: &'a [String]) -> Result<Vec<Event<'a>>> {
    ensure!(
        a.events > 0 && a.accounts > 0,
        "--events and --accounts must be positive"
    );
    let mut rng = StdRng::seed_from_u64(a.seed);
    Ok((0..a.events)
        .map(|i| {
            let account = rng.random_range(0..a.accounts);
            let text = &texts[rng.random_range(0..texts.len())];
            let s = i % 86_400;
            Event {
                platform: &a.platform,
                account: format!("{}-a{account:06}", a.prefix),
                event_id: format!("{}-{i:08}", a.prefix),
                kind: "post",
                text,
                ts: format!(
                    "2026-11-29T{:02}:{:02}:{:02}+07:00",
                    s / 3600,
                    s / 60 % 60,
                    s % 60
                ),
            }
        })
        .collect())
}

fn corpus(a: &CorpusArgs) -> Result<()> {
    let texts = load_texts(&a.events.texts)?;
    let events = make_events(&a.events, &texts)?;
    let file = std::fs::File::create(&a.out)
        .with_context(|| format!("cannot create {}", a.out.display()))?;
    let mut w = BufWriter::new(file);
    for e in &events {
        let line = json!({"id": e.event_id, "account": e.account, "platform": e.platform, "kind": e.kind, "text": e.text});
        serde_json::to_writer(&mut w, &line).context("cannot write the corpus")?;
        w.write_all(b"\n").context("cannot write the corpus")?;
    }
    w.flush()
        .with_context(|| format!("cannot write {}", a.out.display()))?;
    eprintln!(
        "loadgen: wrote {} events ({} distinct texts available) to {}",
        events.len(),
        texts.len(),
        a.out.display()
    );
    Ok(())
}

/// The counts of an ingest answer; `results` is skipped unless asked for.
#[derive(Debug, Deserialize)]
struct IngestAnswer {
    accepted: usize,
    duplicates: usize,
    rejected: usize,
    /// Published to JetStream by `saring serve --ingest nats` (stored later by workers).
    #[serde(default)]
    queued: usize,
}

/// An ingest answer with its per-item results (for seeding cases).
#[derive(Debug, Deserialize)]
struct IngestAnswerFull {
    accepted: usize,
    results: Vec<ItemAnswer>,
}

#[derive(Debug, Deserialize)]
struct ItemAnswer {
    status: String,
    #[serde(default)]
    case_id: Option<i64>,
    #[serde(default)]
    error: Option<Value>,
}

/// Latency percentiles in milliseconds (nearest rank).
#[derive(Debug, Serialize)]
pub(crate) struct Percentiles {
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
}

pub(crate) fn percentiles(samples: &mut [f64]) -> Option<Percentiles> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_by(f64::total_cmp);
    let at = |p: f64| {
        let rank = (p * samples.len() as f64).ceil().max(1.0) as usize;
        round3(samples[rank.min(samples.len()) - 1])
    };
    Some(Percentiles {
        p50: at(0.50),
        p90: at(0.90),
        p99: at(0.99),
        max: at(1.0),
    })
}

pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Sends one batch; `Ok` only for 200 with every item accepted (or queued).
async fn send_batch(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: Vec<u8>,
    expected: usize,
) -> Result<()> {
    let resp = client
        .post(url)
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .context("request failed")?;
    let status = resp.status();
    let bytes = resp.bytes().await.context("could not read the answer")?;
    if status != reqwest::StatusCode::OK {
        bail!(
            "answer {status}: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
        );
    }
    let answer: IngestAnswer =
        serde_json::from_slice(&bytes).context("the answer is not the expected JSON")?;
    // With `--ingest nats` the server answers "queued" (in the stream) instead of "accepted".
    if answer.accepted + answer.queued != expected {
        bail!(
            "accepted {} of {expected} (duplicates {}, rejected {})",
            answer.accepted + answer.queued,
            answer.duplicates,
            answer.rejected
        );
    }
    Ok(())
}

async fn ingest(a: &IngestArgs) -> Result<()> {
    ensure!(
        a.batch > 0 && a.concurrency > 0,
        "--batch and --concurrency must be positive"
    );
    let build_start = Instant::now();
    let texts = load_texts(&a.events.texts)?;
    let events = make_events(&a.events, &texts)?;
    let mut bodies: Vec<(Vec<u8>, usize)> = Vec::with_capacity(events.len().div_ceil(a.batch));
    for chunk in events.chunks(a.batch) {
        bodies.push((
            serde_json::to_vec(chunk).context("could not encode a batch")?,
            chunk.len(),
        ));
    }
    let body_bytes: usize = bodies.iter().map(|(b, _)| b.len()).sum();
    let batches = bodies.len();
    drop(events);
    let build_secs = build_start.elapsed().as_secs_f64();

    let client = client(Duration::from_secs(300))?;
    let url = format!("{}/v1/events", a.url.trim_end_matches('/'));
    let queue = Arc::new(Mutex::new(bodies.into_iter()));
    let start = Instant::now();
    let mut workers = Vec::with_capacity(a.concurrency);
    for _ in 0..a.concurrency {
        let (client, url, token, queue) = (
            client.clone(),
            url.clone(),
            a.token.clone(),
            Arc::clone(&queue),
        );
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let next = queue
                    .lock()
                    .expect("no worker panics while holding the queue lock")
                    .next();
                let Some((body, n)) = next else { break };
                let t = Instant::now();
                send_batch(&client, &url, &token, body, n).await?;
                latencies.push(ms(t.elapsed()));
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(batches);
    let mut failure = None;
    for w in workers {
        match w.await.context("a worker panicked")? {
            Ok(l) => latencies.extend(l),
            Err(e) => failure = failure.or(Some(e)),
        }
    }
    let secs = start.elapsed().as_secs_f64();
    if let Some(e) = failure {
        return Err(e.context(format!("ingest failed after {} batches", latencies.len())));
    }
    let sent = a.events.events;
    let out = json!({
        "test": "ingest",
        "events": sent,
        "batch": a.batch,
        "batches": batches,
        "concurrency": a.concurrency,
        "accounts": a.events.accounts,
        "body_mb": round3(body_bytes as f64 / 1e6),
        "build_seconds": round3(build_secs),
        "seconds": round3(secs),
        "events_per_s": (sent as f64 / secs).round(),
        "batches_per_s": round3(batches as f64 / secs),
        "batch_latency_ms": percentiles(&mut latencies),
    });
    println!("{out}");
    Ok(())
}

/// Opens at least `needed` cases: one clear ad per new account, in batches of 500.
async fn seed_cases(client: &reqwest::Client, a: &MixedArgs, needed: usize) -> Result<Vec<i64>> {
    let url = format!("{}/v1/events", a.url.trim_end_matches('/'));
    let mut ids = BTreeSet::new();
    let mut next_account = 0usize;
    let limit = needed * 2 + 1000;
    while ids.len() < needed {
        ensure!(
            next_account < limit,
            "only {} of {needed} cases opened after {next_account} ads; are the ads still scored at or above the case threshold?",
            ids.len()
        );
        let events: Vec<Value> = (next_account..next_account + 500)
            .map(|k| {
                json!({
                    "platform": a.platform, "account": format!("{}-ad{k:06}", a.prefix), "event_id": format!("{}-ad{k:06}", a.prefix),
                    "kind": "post", "text": format!("open bo st 500 lt 1jt wa 0812 0000 {:04}", k % 10_000), "ts": jiff::Timestamp::now().to_string(),
                })
            })
            .collect();
        next_account += 500;
        let resp = client
            .post(&url)
            .bearer_auth(&a.ingest_token)
            .json(&events)
            .send()
            .await
            .context("seeding request failed")?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .context("could not read the seeding answer")?;
        ensure!(
            status == reqwest::StatusCode::OK,
            "seeding: answer {status}: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
        );
        let answer: IngestAnswerFull = serde_json::from_slice(&bytes)
            .context("seeding: the answer is not the expected JSON")?;
        if let Some(bad) = answer.results.iter().find(|r| r.status != "accepted") {
            bail!(
                "seeding: an ad was {} ({:?}); accepted {} of 500",
                bad.status,
                bad.error,
                answer.accepted
            );
        }
        ids.extend(answer.results.iter().filter_map(|r| r.case_id));
    }
    Ok(ids.into_iter().collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    Decide,
}

/// One finished request of the open-loop run.
#[derive(Debug)]
struct Sample {
    kind: Kind,
    /// From the scheduled start to the end of the answer.
    latency_ms: f64,
    error: Option<String>,
}

async fn one_request(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    kind: Kind,
    case: i64,
) -> Result<()> {
    let req = match kind {
        Kind::Read => client.get(format!("{base}/v1/cases/{case}")),
        Kind::Decide => client
            .post(format!("{base}/v1/cases/{case}/decision"))
            .json(
                &json!({"action": "warn", "ground": "platform_terms", "note": "bench",
                "referral_made": false, "referral_note": "benchmark"}),
            ),
    };
    let resp = req.bearer_auth(token).send().await.map_err(|e| {
        anyhow::anyhow!(
            "{}",
            if e.is_timeout() {
                "timed out".to_owned()
            } else {
                format!("request failed: {e}")
            }
        )
    })?;
    let status = resp.status();
    let bytes = resp.bytes().await.context("could not read the answer")?;
    ensure!(
        status == reqwest::StatusCode::OK,
        "answer {status}: {}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
    );
    Ok(())
}

async fn mixed(a: &MixedArgs) -> Result<()> {
    ensure!(
        a.rate > 0.0 && a.duration > 0.0,
        "--rate and --duration must be positive"
    );
    let total = (a.rate * a.duration).round() as usize;
    let decisions = total.div_ceil(2);
    let seed_client = client(Duration::from_secs(300))?;
    let client = client(Duration::from_secs_f64(a.timeout_secs))?;
    let base = a.url.trim_end_matches('/').to_owned();

    let seed_start = Instant::now();
    let cases = Arc::new(seed_cases(&seed_client, a, decisions + 100).await?);
    let seed_secs = seed_start.elapsed().as_secs_f64();
    // A read of the queue, as a moderator would start, and a check that the token works.
    let resp = client
        .get(format!("{base}/v1/cases?limit=500"))
        .bearer_auth(&a.mod_token)
        .send()
        .await
        .context("GET /v1/cases failed")?;
    ensure!(
        resp.status() == reqwest::StatusCode::OK,
        "GET /v1/cases answered {}",
        resp.status()
    );

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Sample>();
    let start = Instant::now() + Duration::from_millis(200);
    let mut max_lag = Duration::ZERO;
    for n in 0..total {
        let at = start + Duration::from_secs_f64(n as f64 / a.rate);
        tokio::time::sleep_until(at).await;
        max_lag = max_lag.max(at.elapsed());
        // Even requests read, odd ones decide: decision j takes case j from the front, read j
        // a case from the back, so each decision is on a distinct, still open case.
        let (kind, case) = if n % 2 == 0 {
            (Kind::Read, cases[cases.len() - 1 - (n / 2) % cases.len()])
        } else {
            (Kind::Decide, cases[n / 2])
        };
        let (client, base, token, tx) = (
            client.clone(),
            base.clone(),
            a.mod_token.clone(),
            tx.clone(),
        );
        tokio::spawn(async move {
            let result = one_request(&client, &base, &token, kind, case).await;
            let sample = Sample {
                kind,
                latency_ms: ms(at.elapsed()),
                error: result.err().map(|e| format!("{e:#}")),
            };
            // The receiver lives until every sender is dropped.
            let _ = tx.send(sample);
        });
    }
    let dispatched = start.elapsed().as_secs_f64();
    drop(tx);
    let mut samples = Vec::with_capacity(total);
    while let Some(s) = rx.recv().await {
        samples.push(s);
    }
    let wall = start.elapsed().as_secs_f64();

    let summary = |kind: Kind| {
        let of_kind: Vec<&Sample> = samples.iter().filter(|s| s.kind == kind).collect();
        let mut ok: Vec<f64> = of_kind
            .iter()
            .filter(|s| s.error.is_none())
            .map(|s| s.latency_ms)
            .collect();
        let mut all: Vec<f64> = of_kind.iter().map(|s| s.latency_ms).collect();
        let errors: Vec<&str> = of_kind.iter().filter_map(|s| s.error.as_deref()).collect();
        json!({
            "count": of_kind.len(),
            "errors": errors.len(),
            "error_samples": errors.iter().take(3).collect::<Vec<_>>(),
            "latency_ms": percentiles(&mut ok),
            "latency_ms_incl_errors": percentiles(&mut all),
        })
    };
    let mut all: Vec<f64> = samples.iter().map(|s| s.latency_ms).collect();
    let errors = samples.iter().filter(|s| s.error.is_some()).count();
    let out = json!({
        "test": "mixed",
        "rate": a.rate,
        "duration": a.duration,
        "requests": samples.len(),
        "cases_seeded": cases.len(),
        "seed_seconds": round3(seed_secs),
        "dispatch_seconds": round3(dispatched),
        "wall_seconds": round3(wall),
        "achieved_rate": round3(samples.len() as f64 / dispatched),
        "max_dispatch_lag_ms": round3(ms(max_lag)),
        "errors": errors,
        "all": {"latency_ms": percentiles(&mut all)},
        "read": summary(Kind::Read),
        "decide": summary(Kind::Decide),
    });
    println!("{out}");
    ensure!(
        errors == 0,
        "{errors} of {} requests failed (see error_samples above)",
        samples.len()
    );
    Ok(())
}

mod soak;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).collect();
        let p = percentiles(&mut v).expect("not empty");
        assert_eq!((p.p50, p.p90, p.p99, p.max), (50.0, 90.0, 99.0, 100.0));
        assert!(percentiles(&mut []).is_none());
    }

    #[test]
    fn events_are_deterministic_and_unique() {
        let a = EventsArgs {
            events: 1000,
            texts: Vec::new(),
            accounts: 10,
            platform: "p".into(),
            prefix: "x".into(),
            seed: 7,
        };
        let texts = vec!["a".to_owned(), "b".to_owned()];
        let (one, two) = (
            make_events(&a, &texts).expect("valid"),
            make_events(&a, &texts).expect("valid"),
        );
        assert!(
            one.iter()
                .zip(&two)
                .all(|(x, y)| x.account == y.account && x.text == y.text)
        );
        assert_eq!(
            one.iter()
                .map(|e| &e.event_id)
                .collect::<BTreeSet<_>>()
                .len(),
            1000
        );
        assert!(one.iter().all(|e| e.ts.len() == 25));
    }
}
