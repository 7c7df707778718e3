//! The fault suite: SIGKILL `saring serve` at a random (seeded, printed) moment while it
//! ingests, decides and dispatches, restart it on the same SQLite file, let the traffic go
//! on, and check what the service promised.
//!
//! Each run starts a server on a fresh database with a webhook receiver that dedupes by
//! `webhook-id` (`support::receiver`) and opens cases; then two clients ingest batches of
//! [`BATCH`] events in a closed loop and a moderator freezes the cases one after the other.
//! The client records what the server acknowledged (200 with every event accepted; 200 for
//! a decision, with its order id). The server is SIGKILLed after a seeded delay,
//! `saring audit verify` runs on the file it left, the server restarts, the traffic goes on
//! for a seeded while, stops, and the outbox drains. Then, per run:
//!
//! * every acknowledged event is stored exactly once, and a batch whose answer was lost in
//!   the crash is stored whole or not at all;
//! * every acknowledged decision is stored, once, with its order, and the order was
//!   delivered; no case carries two decisions;
//! * the receiver saw every stored order and no other. Delivery is at-least-once: an order
//!   sent before the crash whose acknowledgement the server did not record in time is sent
//!   again after the restart. The suite counts **duplicates received** (deliveries of an id
//!   already seen), splits them into those across a restart (allowed) and those without one
//!   (a violation: the dispatcher sent twice in normal operation), checks a redelivery
//!   carries the same body, and counts **duplicates accepted** — ids the deduping receiver
//!   applied twice — which must be 0;
//! * `saring audit verify` exits 0 after the crash and at the end.
//!
//! It prints one table row per run and PASS/FAIL. The plain test runs three runs; the ignored
//! one runs `FAULT_SUITE_RUNS` (default 20) and is what `bench/fault.sh` runs.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};
use sqlx::Connection;

use crate::support::receiver::Receiver;
use crate::support::server::{Server, event};

/// Events per ingest batch.
const BATCH: usize = 100;
/// Cases opened before the traffic starts, for the moderator to freeze.
const CASES: usize = 80;
/// Ingest clients.
const INGESTERS: usize = 2;

/// What one run saw and checked.
#[derive(Debug, Default)]
struct RunReport {
    run: usize,
    seed: u64,
    kill_after_ms: u64,
    resume_ms: u64,
    batches_acked: usize,
    batches_lost_answer: usize,
    decisions_acked: usize,
    decisions_answer_lost: usize,
    orders: usize,
    deliveries: usize,
    dup_received: usize,
    dup_after_restart: usize,
    dup_without_restart: usize,
    dup_accepted: usize,
    audit_after_crash: bool,
    audit_at_end: bool,
    violations: Vec<String>,
}

/// The client's record of one run's traffic.
#[derive(Debug, Default)]
struct Ledger {
    /// Batches answered 200 with every event accepted.
    acked_batches: Vec<String>,
    /// Batches whose answer never came (the crash cut it off).
    lost_batches: Vec<String>,
    /// (case, order id) of decisions answered 200.
    acked_decisions: Vec<(i64, String)>,
    /// Cases whose decision answer was lost and whose retry found the case decided.
    decided_answer_lost: Vec<i64>,
}

fn batch(prefix: &str, account_base: &str) -> Value {
    Value::Array(
        (0..BATCH)
            .map(|i| {
                let text = if i % 10 == 0 {
                    format!("open bo st 500 lt 1jt wa 0813 {:04} {:04}", i, i * 7)
                } else {
                    "selamat pagi, nanti malam nonton bola bareng yuk".to_owned()
                };
                event(
                    "michat",
                    &format!("{account_base}-{}", i % 40),
                    &format!("{prefix}-{i}"),
                    &text,
                )
            })
            .collect(),
    )
}

/// What became of a request.
enum Sent {
    /// The server answered.
    Answer(u16, Value),
    /// No connection (the server is down): the request never reached it.
    Refused,
    /// The request may have reached the server, but no answer came.
    Lost,
}

/// Sends one request to the server's current address.
async fn send(
    http: &reqwest::Client,
    url: &RwLock<String>,
    path: &str,
    token: &str,
    body: &Value,
) -> Sent {
    let base = url.read().expect("the url lock is not poisoned").clone();
    let resp = match http
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) if e.is_connect() => return Sent::Refused,
        Err(_) => return Sent::Lost,
    };
    let status = resp.status().as_u16();
    match resp.json::<Value>().await {
        Ok(body) => Sent::Answer(status, body),
        Err(_) => Sent::Lost,
    }
}

async fn connect_receiver(server: &Server, admin: &str) -> Receiver {
    let (s, b) = server
        .call(
            "PATCH",
            "/v1/platforms/michat",
            Some(admin),
            Some(json!({"rotate_secret": true})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let receiver = Receiver::start(b["new_secret"].as_str().expect("a new secret"));
    let (s, b) = server
        .call(
            "PATCH",
            "/v1/platforms/michat",
            Some(admin),
            Some(json!({"webhook_url": receiver.url()})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    receiver
}

fn audit_verifies(db: &str) -> bool {
    crate::util::saring()
        .args(["audit", "verify", "--db", db])
        .output()
        .is_ok_and(|o| o.status.success())
}

async fn run_once(run: usize, seed: u64) -> RunReport {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut report = RunReport {
        run,
        seed,
        kill_after_ms: rng.random_range(200..2000),
        resume_ms: rng.random_range(300..1500),
        ..RunReport::default()
    };
    // The suite drives ingest and decisions as fast as it can: lift the per-token limits.
    let mut server = Server::start(&[
        ("SARING_LIMITS__API_PER_SECOND", "1000000"),
        ("SARING_LIMITS__API_BURST", "1000000"),
        ("SARING_LIMITS__INGEST_PER_SECOND", "1000000"),
        ("SARING_LIMITS__INGEST_BURST", "1000000"),
    ]);
    server.platform("michat").await;
    let admin = server.user("ingest", "michat", "admin").await;
    let moderator = server.user("mod1", "michat", "moderator").await;
    let receiver = connect_receiver(&server, &admin).await;
    let ledger = Arc::new(Mutex::new(Ledger::default()));

    // Cases to decide: one clear ad per account, distinct phones (no networks).
    let seed_events: Vec<Value> = (0..CASES)
        .map(|k| {
            event(
                "michat",
                &format!("ad-{k}"),
                &format!("seed-{k}"),
                &format!(
                    "open bo st 500 lt 1jt wa 0812 {:04} {:04}",
                    1000 + k,
                    2000 + k
                ),
            )
        })
        .collect();
    let (s, b) = server
        .call("POST", "/v1/events", Some(&admin), Some(json!(seed_events)))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["accepted"], CASES, "{b}");
    let cases: Vec<i64> = b["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["case_id"].as_i64())
        .collect();
    assert_eq!(cases.len(), CASES, "every seed ad opens a case: {b}");
    ledger
        .lock()
        .expect("ledger")
        .acked_batches
        .push("seed".to_owned());

    let url = Arc::new(RwLock::new(server.url.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for t in 0..INGESTERS {
        let (http, url, stop, ledger, token) = (
            server.http.clone(),
            Arc::clone(&url),
            Arc::clone(&stop),
            Arc::clone(&ledger),
            admin.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let prefix = format!("t{t}b{n}");
                let body = batch(&prefix, &format!("acc-t{t}"));
                n += 1;
                match send(&http, &url, "/v1/events", &token, &body).await {
                    Sent::Answer(200, b) if b["accepted"] == BATCH => {
                        ledger.lock().expect("ledger").acked_batches.push(prefix);
                    }
                    Sent::Answer(status, b) if status < 500 => {
                        panic!("batch {prefix}: unexpected answer {status}: {b}")
                    }
                    // No answer, or 5xx: not acknowledged; the batch may or may not be in.
                    Sent::Answer(..) | Sent::Lost => {
                        ledger.lock().expect("ledger").lost_batches.push(prefix);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    // The server is down: wait for the restart.
                    Sent::Refused => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        }));
    }
    {
        let (http, url, stop, ledger, token, cases) = (
            server.http.clone(),
            Arc::clone(&url),
            Arc::clone(&stop),
            Arc::clone(&ledger),
            moderator.clone(),
            cases.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let body = json!({"action": "freeze", "ground": "ite_decency", "note": "fault suite"});
            'cases: for case in cases {
                let path = format!("/v1/cases/{case}/decision");
                let mut lost = false;
                loop {
                    if stop.load(Ordering::SeqCst) {
                        break 'cases;
                    }
                    match send(&http, &url, &path, &token, &body).await {
                        Sent::Answer(200, d) => {
                            let order = d["order_id"].as_str().expect("a freeze has an order");
                            ledger
                                .lock()
                                .expect("ledger")
                                .acked_decisions
                                .push((case, order.to_owned()));
                            break;
                        }
                        // The earlier attempt committed but its answer was lost.
                        Sent::Answer(409, _) if lost => {
                            ledger
                                .lock()
                                .expect("ledger")
                                .decided_answer_lost
                                .push(case);
                            break;
                        }
                        Sent::Answer(status, d) if status < 500 => {
                            panic!("decision on case {case}: unexpected answer {status}: {d}")
                        }
                        Sent::Answer(..) | Sent::Lost => {
                            lost = true;
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        Sent::Refused => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
            }
        }));
    }

    // The crash.
    tokio::time::sleep(Duration::from_millis(report.kill_after_ms)).await;
    server.kill9();
    // Let deliveries the dead process had already written reach the receiver before the
    // epoch moves.
    tokio::time::sleep(Duration::from_millis(200)).await;
    receiver.set_epoch(1);
    report.audit_after_crash = audit_verifies(&server.db);
    server.restart();
    *url.write().expect("the url lock is not poisoned") = server.url.clone();
    tokio::time::sleep(Duration::from_millis(report.resume_ms)).await;
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.expect("a client task panicked");
    }

    // Drain the outbox (orders leased by the dead process come due after the 3 s lease).
    let ro = format!("{}?mode=ro", server.db);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut c = sqlx::SqliteConnection::connect(&ro)
            .await
            .expect("open the database read-only");
        let (pending,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM orders WHERE status <> 'delivered'")
                .fetch_one(&mut c)
                .await
                .expect("count pending orders");
        drop(c);
        if pending == 0 {
            break;
        }
        if std::time::Instant::now() > deadline {
            report
                .violations
                .push(format!("{pending} orders not delivered after 60 s"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Longer than the lease: a second delivery in normal operation would show by now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.stop();
    report.audit_at_end = audit_verifies(&server.db);

    // The client tasks are done: take the ledger out of its lock.
    let ledger = std::mem::take(&mut *ledger.lock().expect("ledger"));
    check(&mut report, &server.db, &ledger, &receiver).await;
    if !report.audit_after_crash {
        report
            .violations
            .push("saring audit verify failed after the crash".into());
    }
    if !report.audit_at_end {
        report
            .violations
            .push("saring audit verify failed at the end".into());
    }
    if !report.violations.is_empty() {
        eprintln!("run {run}: server log kept at\n{}", tail(&server.log(), 40));
    }
    report
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Compares the ledger and the receiver with the stored data.
async fn check(report: &mut RunReport, db: &str, ledger: &Ledger, receiver: &Receiver) {
    let mut c = sqlx::SqliteConnection::connect(db)
        .await
        .expect("open the database");
    let v = &mut report.violations;

    // Events.
    let rows: Vec<(String,)> = sqlx::query_as("SELECT event_id FROM events")
        .fetch_all(&mut c)
        .await
        .expect("event ids");
    let mut per_batch: HashMap<String, usize> = HashMap::new();
    let mut seen = BTreeSet::new();
    for (id,) in &rows {
        if !seen.insert(id.as_str()) {
            v.push(format!("event {id} is stored twice"));
        }
        let prefix = id.rsplit_once('-').map_or(id.as_str(), |(p, _)| p);
        *per_batch.entry(prefix.to_owned()).or_default() += 1;
    }
    report.batches_acked = ledger.acked_batches.len();
    report.batches_lost_answer = ledger.lost_batches.len();
    for b in &ledger.acked_batches {
        let want = if b == "seed" { CASES } else { BATCH };
        let got = per_batch.get(b).copied().unwrap_or(0);
        if got != want {
            v.push(format!(
                "acknowledged batch {b}: {got} of {want} events stored"
            ));
        }
    }
    for b in &ledger.lost_batches {
        let got = per_batch.get(b).copied().unwrap_or(0);
        if got != 0 && got != BATCH {
            v.push(format!(
                "batch {b} (answer lost) is stored partly: {got} of {BATCH}"
            ));
        }
    }

    // Decisions and orders.
    let decisions: Vec<(i64, i64)> = sqlx::query_as("SELECT id, case_id FROM decisions")
        .fetch_all(&mut c)
        .await
        .expect("decisions");
    let mut by_case: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (id, case) in &decisions {
        by_case.entry(*case).or_default().push(*id);
    }
    for (case, ids) in &by_case {
        if ids.len() > 1 {
            v.push(format!("case {case} carries {} decisions", ids.len()));
        }
    }
    let orders: Vec<(String, Option<i64>, String)> =
        sqlx::query_as("SELECT id, decision_id, status FROM orders")
            .fetch_all(&mut c)
            .await
            .expect("orders");
    let order_by_id: HashMap<&str, (Option<i64>, &str)> = orders
        .iter()
        .map(|(id, d, s)| (id.as_str(), (*d, s.as_str())))
        .collect();
    report.orders = orders.len();
    report.decisions_acked = ledger.acked_decisions.len();
    report.decisions_answer_lost = ledger.decided_answer_lost.len();
    for (case, order) in &ledger.acked_decisions {
        let Some(ids) = by_case.get(case) else {
            v.push(format!("acknowledged decision on case {case} is missing"));
            continue;
        };
        match order_by_id.get(order.as_str()) {
            None => v.push(format!(
                "order {order} of the decision on case {case} is missing"
            )),
            Some((d, status)) => {
                if d.is_none_or(|d| !ids.contains(&d)) {
                    v.push(format!(
                        "order {order} does not belong to case {case}'s decision"
                    ));
                }
                if *status != "delivered" {
                    v.push(format!("order {order} is {status}, not delivered"));
                }
            }
        }
    }
    for case in &ledger.decided_answer_lost {
        if !by_case.contains_key(case) {
            v.push(format!(
                "case {case} answered 409 on retry but holds no decision"
            ));
        }
    }

    // What the receiver saw.
    let arrivals = receiver.arrivals();
    report.deliveries = arrivals.len();
    let mut first: HashMap<&str, (u64, &Value)> = HashMap::new();
    for a in &arrivals {
        match first.get(a.id.as_str()) {
            None => {
                first.insert(&a.id, (a.epoch, &a.body));
            }
            Some((epoch, body)) => {
                report.dup_received += 1;
                if *epoch < a.epoch {
                    report.dup_after_restart += 1;
                } else {
                    report.dup_without_restart += 1;
                    v.push(format!("order {} delivered twice without a restart", a.id));
                }
                if *body != &a.body {
                    v.push(format!("order {} redelivered with another body", a.id));
                }
            }
        }
    }
    // The receiver applies each id once (it dedupes by webhook-id): what it applied is its
    // list of ids, which must hold no id twice.
    let applied = receiver.ids();
    report.dup_accepted = applied.len() - applied.iter().collect::<BTreeSet<_>>().len();
    if report.dup_accepted > 0 {
        v.push(format!(
            "{} orders applied twice by the receiver",
            report.dup_accepted
        ));
    }
    for (id, _, _) in &orders {
        if !first.contains_key(id.as_str()) {
            v.push(format!("stored order {id} never reached the receiver"));
        }
    }
    for id in first.keys() {
        if !order_by_id.contains_key(id) {
            v.push(format!("the receiver got order {id}, which is not stored"));
        }
    }
}

fn print_table(reports: &[RunReport]) {
    println!(
        "| run | seed | kill at ms | resumed ms | batches acked | answers lost | events acked | decisions acked | decided, answer lost | orders | deliveries | dup received | after restart | without restart | dup accepted | audit after crash | audit at end | result |"
    );
    println!(
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|"
    );
    for r in reports {
        let events = r.batches_acked.saturating_sub(1) * BATCH + CASES;
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.run,
            r.seed,
            r.kill_after_ms,
            r.resume_ms,
            r.batches_acked,
            r.batches_lost_answer,
            events,
            r.decisions_acked,
            r.decisions_answer_lost,
            r.orders,
            r.deliveries,
            r.dup_received,
            r.dup_after_restart,
            r.dup_without_restart,
            r.dup_accepted,
            if r.audit_after_crash { "ok" } else { "FAIL" },
            if r.audit_at_end { "ok" } else { "FAIL" },
            if r.violations.is_empty() {
                "PASS"
            } else {
                "FAIL"
            },
        );
    }
}

/// Runs `runs` runs with seeds `base, base + 1, …`; prints the table; panics on a violation.
async fn fault_suite(runs: usize, base_seed: u64) {
    println!(
        "fault suite: {runs} runs, base seed {base_seed} (FAULT_SUITE_SEED={base_seed} repeats it)"
    );
    let mut reports = Vec::with_capacity(runs);
    for run in 1..=runs {
        let r = run_once(run, base_seed + run as u64 - 1).await;
        println!(
            "run {run}/{runs}: seed {}, kill at {} ms: {}",
            r.seed,
            r.kill_after_ms,
            if r.violations.is_empty() {
                "PASS".to_owned()
            } else {
                format!("FAIL: {}", r.violations.join("; "))
            }
        );
        reports.push(r);
    }
    print_table(&reports);
    let failed: Vec<String> = reports
        .iter()
        .filter(|r| !r.violations.is_empty())
        .map(|r| {
            format!(
                "run {} (seed {}): {}",
                r.run,
                r.seed,
                r.violations.join("; ")
            )
        })
        .collect();
    let total_dup: usize = reports.iter().map(|r| r.dup_received).sum();
    let total_after: usize = reports.iter().map(|r| r.dup_after_restart).sum();
    println!(
        "overall: {} — {} of {runs} runs passed; duplicates received {total_dup} (after a restart {total_after}), duplicates accepted 0 required",
        if failed.is_empty() { "PASS" } else { "FAIL" },
        runs - failed.len()
    );
    assert!(
        failed.is_empty(),
        "fault suite failed:\n{}",
        failed.join("\n")
    );
}

/// The base seed from `FAULT_SUITE_SEED`, else the current time. (Not a `SARING_` name: the
/// server inherits the test's environment and refuses unknown `SARING_` settings.)
fn seed_from_env() -> u64 {
    std::env::var("FAULT_SUITE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_secs())
        })
}

/// Three runs, in the ordinary test suite.
#[tokio::test(flavor = "multi_thread")]
async fn sigkill_during_ingest_decisions_and_dispatch_loses_nothing() {
    fault_suite(3, seed_from_env()).await;
}

/// `FAULT_SUITE_RUNS` runs (default 20): `bench/fault.sh`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "the 20-run suite takes minutes; bench/fault.sh runs it"]
async fn fault_suite_full() {
    let runs = std::env::var("FAULT_SUITE_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    fault_suite(runs, seed_from_env()).await;
}
