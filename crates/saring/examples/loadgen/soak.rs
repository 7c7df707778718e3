//! `loadgen soak`: mixed traffic at a fixed rate for a long time, and the server's memory
//! over time (`bench/load.sh`).
//!
//! Four kinds of request, each on its own open-loop schedule (a request starts at its
//! scheduled time however slow the earlier answers are, and its latency counts from that
//! time, so queueing in the server is not hidden):
//!
//! * `ingest`: `POST /v1/events`, a batch of `--batch` events — `--ads-per-batch` clear ads on
//!   new accounts (each opens a case) and real texts on a pool of accounts; 200 with every
//!   event accepted, else an error;
//! * `read`: `GET /v1/cases/{id}` of a case opened earlier in the run;
//! * `queue`: `GET /v1/cases?limit=50`;
//! * `decide`: `POST /v1/cases/{id}/decision` (freeze) on the oldest case not yet decided;
//!   its order goes to a webhook receiver this tool runs (`--no-receiver` to skip).
//!
//! Every `--sample-secs` it reads the server's RSS (`VmRSS` in `/proc/PID/status`) and
//! writes it, with the requests and errors so far, to `--csv`; at the end it draws `--svg`
//! (memory over time) and prints one JSON line: per kind count, errors and p50/p90/p99/max,
//! and the RSS of the first and the last minute and the least-squares slope. It exits 1 when
//! any request failed (after writing everything).

use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use clap::Args;
use plotters::prelude::*;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::{client, load_texts, ms, percentiles, round3};

#[derive(Debug, Clone, Args)]
pub(crate) struct SoakArgs {
    /// Base URL of the server.
    #[arg(long)]
    url: String,
    /// A platform admin's token (ingest, and connecting the webhook receiver).
    #[arg(long, env = "LOADGEN_INGEST_TOKEN", hide_env_values = true)]
    ingest_token: String,
    /// A moderator's token (reads and decisions).
    #[arg(long, env = "LOADGEN_MOD_TOKEN", hide_env_values = true)]
    mod_token: String,
    /// Seconds of load.
    #[arg(long, default_value_t = 600.0)]
    duration: f64,
    /// Ingest batches per second.
    #[arg(long, default_value_t = 2.0)]
    ingest_rate: f64,
    /// Events per ingest batch.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Clear ads on new accounts in each batch; each opens a case for the decisions.
    #[arg(long, default_value_t = 8)]
    ads_per_batch: usize,
    /// Case reads per second.
    #[arg(long, default_value_t = 150.0)]
    read_rate: f64,
    /// Queue reads per second.
    #[arg(long, default_value_t = 38.0)]
    queue_rate: f64,
    /// Decisions per second (at most the rate at which ads open cases).
    #[arg(long, default_value_t = 10.0)]
    decide_rate: f64,
    /// JSON Lines files with a `text` field for the ordinary events (repeatable).
    #[arg(long, required = true, value_name = "FILE")]
    texts: Vec<PathBuf>,
    /// Accounts the ordinary events are spread over.
    #[arg(long, default_value_t = 20_000)]
    accounts: usize,
    /// Platform id.
    #[arg(long, default_value = "michat")]
    platform: String,
    /// Prefix of event ids and account names.
    #[arg(long, default_value = "soak")]
    prefix: String,
    /// The server's process id, for its RSS.
    #[arg(long)]
    server_pid: u32,
    /// Seconds between RSS samples.
    #[arg(long, default_value_t = 10.0)]
    sample_secs: f64,
    /// CSV of the samples: t_s, rss_mib, requests, errors.
    #[arg(long)]
    csv: PathBuf,
    /// SVG chart of RSS over time.
    #[arg(long)]
    svg: PathBuf,
    /// A request slower than this counts as an error.
    #[arg(long, default_value_t = 10.0)]
    timeout_secs: f64,
    /// Do not run a webhook receiver (orders then stay pending in the outbox).
    #[arg(long)]
    no_receiver: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ingest,
    Read,
    Queue,
    Decide,
}

const KINDS: [Kind; 4] = [Kind::Ingest, Kind::Read, Kind::Queue, Kind::Decide];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Ingest => "ingest",
            Kind::Read => "read",
            Kind::Queue => "queue",
            Kind::Decide => "decide",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What one kind of request saw.
#[derive(Debug, Default)]
struct KindStats {
    latencies_ms: Vec<f64>,
    errors: usize,
    error_samples: Vec<String>,
}

/// State the requests share.
struct Ctx {
    args: SoakArgs,
    base: String,
    http: reqwest::Client,
    texts: Vec<String>,
    stats: [Mutex<KindStats>; 4],
    /// Cases opened and not yet taken by a decision, oldest first.
    open: Mutex<VecDeque<i64>>,
    /// Every case opened in the run (for reads). An ingest answer names the open case of an
    /// account again for each of its events, so ids are taken once ([`Ctx::seen`]).
    known: Mutex<Vec<i64>>,
    /// The case ids already taken.
    seen: Mutex<std::collections::HashSet<i64>>,
    /// Requests finished so far.
    done: AtomicUsize,
    /// Of which failed.
    failed: AtomicUsize,
    /// Decisions skipped because no case was open.
    starved: AtomicUsize,
}

impl Ctx {
    fn record(&self, kind: Kind, latency_ms: f64, result: Result<()>) {
        let mut s = self.stats[kind.index()]
            .lock()
            .expect("no request panics while holding the stats lock");
        match result {
            Ok(()) => s.latencies_ms.push(latency_ms),
            Err(e) => {
                s.errors += 1;
                if s.error_samples.len() < 5 {
                    s.error_samples.push(format!("{e:#}"));
                }
                self.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

/// A cheap deterministic mix (SplitMix64), so a run's events do not depend on timing.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn ingest_body(ctx: &Ctx, n: usize) -> Value {
    let a = &ctx.args;
    let events: Vec<Value> = (0..a.batch)
        .map(|i| {
            let r = mix((n * a.batch + i) as u64);
            let (account, text) = if i < a.ads_per_batch {
                (
                    format!("{}-ad{n}-{i}", a.prefix),
                    format!(
                        "open bo st 500 lt 1jt wa 0812 {:04} {:04}",
                        r % 10_000,
                        (r >> 20) % 10_000
                    ),
                )
            } else {
                (
                    format!("{}-a{:06}", a.prefix, r as usize % a.accounts.max(1)),
                    ctx.texts[(r >> 32) as usize % ctx.texts.len()].clone(),
                )
            };
            json!({
                "platform": a.platform, "account": account, "event_id": format!("{}-{n}-{i}", a.prefix),
                "kind": "post", "text": text, "ts": jiff::Timestamp::now().to_string(),
            })
        })
        .collect();
    Value::Array(events)
}

async fn answer(resp: reqwest::Response) -> Result<Value> {
    let status = resp.status();
    let bytes = resp.bytes().await.context("could not read the answer")?;
    ensure!(
        status == reqwest::StatusCode::OK,
        "answer {status}: {}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
    );
    serde_json::from_slice(&bytes).context("the answer is not JSON")
}

fn sent(r: reqwest::Result<reqwest::Response>) -> Result<reqwest::Response> {
    r.map_err(|e| {
        if e.is_timeout() {
            anyhow::anyhow!("timed out")
        } else {
            anyhow::anyhow!("request failed: {e}")
        }
    })
}

async fn one(ctx: &Ctx, kind: Kind, n: usize) -> Result<()> {
    let a = &ctx.args;
    match kind {
        Kind::Ingest => {
            let resp = sent(
                ctx.http
                    .post(format!("{}/v1/events", ctx.base))
                    .bearer_auth(&a.ingest_token)
                    .json(&ingest_body(ctx, n))
                    .send()
                    .await,
            )?;
            let v = answer(resp).await?;
            ensure!(
                v["accepted"].as_u64() == Some(a.batch as u64),
                "accepted {} of {}",
                v["accepted"],
                a.batch
            );
            let cases: Vec<i64> = {
                let mut seen = ctx
                    .seen
                    .lock()
                    .expect("no request panics while holding the lock");
                v["results"]
                    .as_array()
                    .map(|r| {
                        r.iter()
                            .filter_map(|x| x["case_id"].as_i64())
                            .filter(|c| seen.insert(*c))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            ctx.open
                .lock()
                .expect("no request panics while holding the lock")
                .extend(&cases);
            ctx.known
                .lock()
                .expect("no request panics while holding the lock")
                .extend(&cases);
        }
        Kind::Read => {
            let case = {
                let known = ctx
                    .known
                    .lock()
                    .expect("no request panics while holding the lock");
                ensure!(!known.is_empty(), "no case known yet");
                known[mix(n as u64) as usize % known.len()]
            };
            let resp = sent(
                ctx.http
                    .get(format!("{}/v1/cases/{case}", ctx.base))
                    .bearer_auth(&a.mod_token)
                    .send()
                    .await,
            )?;
            answer(resp).await?;
        }
        Kind::Queue => {
            let resp = sent(
                ctx.http
                    .get(format!("{}/v1/cases?limit=50", ctx.base))
                    .bearer_auth(&a.mod_token)
                    .send()
                    .await,
            )?;
            answer(resp).await?;
        }
        Kind::Decide => {
            let case = ctx
                .open
                .lock()
                .expect("no request panics while holding the lock")
                .pop_front();
            let Some(case) = case else {
                ctx.starved.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            };
            let resp = sent(
                ctx.http
                    .post(format!("{}/v1/cases/{case}/decision", ctx.base))
                    .bearer_auth(&a.mod_token)
                    .json(
                        &json!({"action": "freeze", "ground": "ite_decency", "note": "load test",
                            "referral_made": false, "referral_note": "load test"}),
                    )
                    .send()
                    .await,
            )?;
            let v = answer(resp).await?;
            ensure!(v["order_id"].is_string(), "a freeze without an order: {v}");
        }
    }
    Ok(())
}

/// Runs `kind` at `rate` per second from `start` for `duration` seconds.
async fn schedule(ctx: Arc<Ctx>, kind: Kind, rate: f64, start: Instant, duration: f64) {
    if rate <= 0.0 {
        return;
    }
    let total = (rate * duration).round() as usize;
    let mut set = tokio::task::JoinSet::new();
    for n in 0..total {
        let at = start + Duration::from_secs_f64(n as f64 / rate);
        tokio::time::sleep_until(at).await;
        let ctx = Arc::clone(&ctx);
        set.spawn(async move {
            let result = one(&ctx, kind, n).await;
            ctx.record(kind, ms(at.elapsed()), result);
        });
        while set.try_join_next().is_some() {}
    }
    while set.join_next().await.is_some() {}
}

/// The server's resident set in MiB.
fn rss_mib(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status (is the server running?)"))?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no VmRSS line in /proc/PID/status")?;
    Ok(kib / 1024.0)
}

/// One RSS sample.
#[derive(Debug, Clone, Copy)]
struct Sample {
    t_s: f64,
    rss_mib: f64,
    requests: usize,
    errors: usize,
}

/// Least-squares slope of RSS over time, in MiB per minute.
fn slope_per_min(samples: &[Sample]) -> f64 {
    let n = samples.len() as f64;
    if samples.len() < 2 {
        return 0.0;
    }
    let mt = samples.iter().map(|s| s.t_s).sum::<f64>() / n;
    let mr = samples.iter().map(|s| s.rss_mib).sum::<f64>() / n;
    let cov: f64 = samples
        .iter()
        .map(|s| (s.t_s - mt) * (s.rss_mib - mr))
        .sum();
    let var: f64 = samples.iter().map(|s| (s.t_s - mt).powi(2)).sum();
    if var == 0.0 { 0.0 } else { cov / var * 60.0 }
}

fn mean_rss(samples: &[Sample], pick: impl Fn(&Sample) -> bool) -> Option<f64> {
    let v: Vec<f64> = samples
        .iter()
        .filter(|s| pick(s))
        .map(|s| s.rss_mib)
        .collect();
    (!v.is_empty()).then(|| round3(v.iter().sum::<f64>() / v.len() as f64))
}

fn draw(samples: &[Sample], path: &std::path::Path, title: &str) -> Result<()> {
    let t_max = samples.last().map_or(1.0, |s| s.t_s / 60.0).max(0.1);
    let r_max = samples.iter().map(|s| s.rss_mib).fold(1.0, f64::max) * 1.25;
    let root = SVGBackend::new(path, (800, 400)).into_drawing_area();
    root.fill(&WHITE).context("fill the chart")?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..t_max, 0.0..r_max)
        .context("lay the chart out")?;
    chart
        .configure_mesh()
        .x_desc("minutes")
        .y_desc("server RSS (MiB)")
        .axis_desc_style(("sans-serif", 13))
        .label_style(("sans-serif", 12))
        .draw()
        .context("draw the axes")?;
    let ink = RGBColor(0x12, 0x34, 0x3b);
    chart
        .draw_series(LineSeries::new(
            samples.iter().map(|s| (s.t_s / 60.0, s.rss_mib)),
            ink.stroke_width(2),
        ))
        .context("draw the line")?;
    chart
        .draw_series(
            samples
                .iter()
                .map(|s| Circle::new((s.t_s / 60.0, s.rss_mib), 3, ink.filled())),
        )
        .context("draw the points")?;
    root.present().context("write the chart")?;
    Ok(())
}

/// Runs a receiver that answers 204 to every POST and counts them; returns its URL.
async fn receiver(count: Arc<AtomicUsize>) -> Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("bind the webhook receiver")?;
    let addr = listener.local_addr().context("the receiver's address")?;
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let count = Arc::clone(&count);
            async move {
                count.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("loadgen: the webhook receiver stopped: {e}");
        }
    });
    Ok(format!("http://{addr}/hook"))
}

async fn patch_platform(ctx: &Ctx, body: Value) -> Result<Value> {
    let resp = ctx
        .http
        .patch(format!("{}/v1/platforms/{}", ctx.base, ctx.args.platform))
        .bearer_auth(&ctx.args.ingest_token)
        .json(&body)
        .send()
        .await
        .context("PATCH the platform")?;
    answer(resp).await.context("PATCH the platform")
}

pub(crate) async fn soak(a: &SoakArgs) -> Result<()> {
    ensure!(a.duration > 0.0, "--duration must be positive");
    ensure!(
        a.batch > 0 && a.ads_per_batch <= a.batch,
        "--batch must be positive and at least --ads-per-batch"
    );
    ensure!(a.sample_secs > 0.0, "--sample-secs must be positive");
    ensure!(
        a.decide_rate <= a.ingest_rate * a.ads_per_batch as f64,
        "--decide-rate {} is above the rate cases open ({} batches/s × {} ads)",
        a.decide_rate,
        a.ingest_rate,
        a.ads_per_batch
    );
    rss_mib(a.server_pid)?;
    let ctx = Arc::new(Ctx {
        base: a.url.trim_end_matches('/').to_owned(),
        http: client(Duration::from_secs_f64(a.timeout_secs))?,
        texts: load_texts(&a.texts)?,
        args: a.clone(),
        stats: Default::default(),
        open: Mutex::default(),
        known: Mutex::default(),
        seen: Mutex::default(),
        done: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        starved: AtomicUsize::new(0),
    });
    let delivered = Arc::new(AtomicUsize::new(0));
    if !a.no_receiver {
        let secret = patch_platform(&ctx, json!({"rotate_secret": true})).await?;
        ensure!(
            secret["new_secret"].is_string(),
            "rotating the webhook secret returned no secret"
        );
        let url = receiver(Arc::clone(&delivered)).await?;
        patch_platform(&ctx, json!({"webhook_url": url})).await?;
    }
    // Warm-up outside the measurement: enough open cases for five seconds of decisions.
    let warm = ((a.decide_rate * 5.0) / a.ads_per_batch.max(1) as f64).ceil() as usize + 1;
    for n in 0..warm {
        one(&ctx, Kind::Ingest, 1_000_000_000 + n)
            .await
            .context("warm-up ingest")?;
    }

    let start = Instant::now() + Duration::from_millis(200);
    let mut handles = Vec::new();
    for (kind, rate) in [
        (Kind::Ingest, a.ingest_rate),
        (Kind::Read, a.read_rate),
        (Kind::Queue, a.queue_rate),
        (Kind::Decide, a.decide_rate),
    ] {
        handles.push(tokio::spawn(schedule(
            Arc::clone(&ctx),
            kind,
            rate,
            start,
            a.duration,
        )));
    }

    // RSS samples until the schedules end.
    let mut csv = std::io::BufWriter::new(
        std::fs::File::create(&a.csv)
            .with_context(|| format!("cannot create {}", a.csv.display()))?,
    );
    writeln!(csv, "t_s,rss_mib,requests,errors").context("write the CSV")?;
    let mut samples = Vec::new();
    let mut k = 0u32;
    loop {
        let at = start + Duration::from_secs_f64(f64::from(k) * a.sample_secs);
        if at.duration_since(start).as_secs_f64() > a.duration + 1e-9 {
            break;
        }
        tokio::time::sleep_until(at).await;
        let s = Sample {
            t_s: round3(at.duration_since(start).as_secs_f64()),
            rss_mib: round3(rss_mib(a.server_pid)?),
            requests: ctx.done.load(Ordering::Relaxed),
            errors: ctx.failed.load(Ordering::Relaxed),
        };
        writeln!(csv, "{},{},{},{}", s.t_s, s.rss_mib, s.requests, s.errors)
            .context("write the CSV")?;
        csv.flush().context("write the CSV")?;
        eprintln!(
            "loadgen: t={:>5.0}s rss={:.1} MiB requests={} errors={}",
            s.t_s, s.rss_mib, s.requests, s.errors
        );
        samples.push(s);
        k += 1;
    }
    for h in handles {
        h.await.context("a schedule panicked")?;
    }
    let wall = start.elapsed().as_secs_f64();
    // Let the dispatcher catch up with the last decisions.
    let decided = ctx.stats[Kind::Decide.index()]
        .lock()
        .expect("the schedules are done")
        .latencies_ms
        .len();
    if !a.no_receiver {
        let deadline = Instant::now() + Duration::from_secs(30);
        while delivered.load(Ordering::Relaxed) < decided && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    drop(csv);
    draw(
        &samples,
        &a.svg,
        &format!(
            "saring serve RSS under {:.0} requests/s for {:.0} s",
            a.ingest_rate + a.read_rate + a.queue_rate + a.decide_rate,
            a.duration
        ),
    )?;

    let mut kinds = serde_json::Map::new();
    let mut errors = 0;
    for kind in KINDS {
        let mut s = ctx.stats[kind.index()]
            .lock()
            .expect("the schedules are done");
        errors += s.errors;
        let count = s.latencies_ms.len() + s.errors;
        kinds.insert(
            kind.name().to_owned(),
            json!({
                "count": count,
                "errors": s.errors,
                "error_samples": s.error_samples,
                "latency_ms": percentiles(&mut s.latencies_ms),
            }),
        );
    }
    let minute = 60.0_f64.min(a.duration / 2.0);
    let last_t = samples.last().map_or(0.0, |s| s.t_s);
    let out = json!({
        "test": "soak",
        "duration_s": a.duration,
        "wall_s": round3(wall),
        "rates_per_s": {"ingest_batches": a.ingest_rate, "batch": a.batch, "events": a.ingest_rate * a.batch as f64,
                        "read": a.read_rate, "queue": a.queue_rate, "decide": a.decide_rate,
                        "total_requests": a.ingest_rate + a.read_rate + a.queue_rate + a.decide_rate},
        "requests": ctx.done.load(Ordering::Relaxed),
        "errors": errors,
        "decisions_skipped_no_open_case": ctx.starved.load(Ordering::Relaxed),
        "orders_delivered": if a.no_receiver { Value::Null } else { json!(delivered.load(Ordering::Relaxed)) },
        "kinds": kinds,
        "rss_mib": {
            "samples": samples.len(),
            "first_minute_mean": mean_rss(&samples, |s| s.t_s <= minute),
            "last_minute_mean": mean_rss(&samples, |s| s.t_s >= last_t - minute),
            "min": samples.iter().map(|s| s.rss_mib).reduce(f64::min),
            "max": samples.iter().map(|s| s.rss_mib).reduce(f64::max),
            "slope_per_min": round3(slope_per_min(&samples)),
            "slope_per_min_second_half": round3(slope_per_min(
                &samples.iter().copied().filter(|s| s.t_s >= last_t / 2.0).collect::<Vec<_>>())),
        },
    });
    println!("{out}");
    ensure!(errors == 0, "{errors} requests failed (see error_samples)");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_line_is_its_gradient_per_minute() {
        let s: Vec<Sample> = (0..10)
            .map(|i| Sample {
                t_s: f64::from(i) * 10.0,
                rss_mib: 40.0 + f64::from(i) * 0.5,
                requests: 0,
                errors: 0,
            })
            .collect();
        assert!((slope_per_min(&s) - 3.0).abs() < 1e-9);
        assert_eq!(mean_rss(&s, |x| x.t_s <= 10.0), Some(40.25));
    }
}
