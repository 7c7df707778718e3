//! `saring worker` against real PostgreSQL and NATS JetStream (the `services` feature): three
//! workers share one stream as a work queue and store 100,000 events exactly once — also when
//! one of them is killed with SIGKILL mid-stream, and when PostgreSQL restarts mid-run. The
//! audit chain stays one chain throughout. `saring serve --ingest nats` answers once
//! JetStream has the events, and the workers store them.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::server::{Server, event};
use crate::support::services::{self, PgDb, StreamNames, Worker, count};
use crate::util::saring;

const EVENTS: usize = 100_000;
const ACCOUNTS: usize = 5_000;
/// Events published twice, without a message id, so JetStream keeps both copies and the
/// store has to tell the repeat.
const REPEATS: usize = 1_000;

fn texts() -> [&'static str; 6] {
    [
        "open bo kak wa 0812 1111 2222 ready malam ini",
        "ready stock gamis cod wa 0812 3333 4444",
        "ST 500 LT 1,2jt kalcit, no DP, dm aja",
        "selamat pagi semua, jangan lupa sarapan",
        "disewakan apartemen harian dekat kampus",
        "avail vcs 100rb kak, cek bio",
    ]
}

fn nth_event(i: usize) -> Value {
    let mut e = event(
        "michat",
        &format!("acc{}", i % ACCOUNTS),
        &format!("e{i}"),
        texts()[i % 6],
    );
    e["ts"] = json!(1_800_000_000_000_i64 + i as i64);
    e
}

/// What may go wrong mid-run.
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    None,
    KillOneWorker,
    RestartPostgres,
}

/// Publishes the events, runs three workers, injects the fault once a third of the events
/// are stored, and checks that every event is stored exactly once.
async fn run(fault: Fault) {
    let _services = services::lock().await;
    let db = PgDb::new().await;
    let names = StreamNames::new();
    let logs = tempfile::tempdir().expect("tempdir");
    saring()
        .args(["platform", "add", "michat", "--db", &db.url])
        .assert()
        .success();
    // Workers whose messages are lost with them are redelivered after the ack wait.
    let env = [
        ("SARING_NATS__ACK_WAIT_SECS", "20"),
        ("SARING_NATS__RETRY_DELAY_MS", "300"),
    ];
    let mut workers: Vec<Worker> = (0..3)
        .map(|i| Worker::start(&format!("w{i}"), &db.url, &names, &env, logs.path()))
        .collect();
    let postmaster_started = db
        .scalar("SELECT CAST(EXTRACT(EPOCH FROM pg_postmaster_start_time()) AS BIGINT)")
        .await;
    let started = Instant::now();
    let published = services::publish(
        &names,
        (0..EVENTS)
            .map(nth_event)
            .chain((0..REPEATS).map(|i| nth_event(i * 97))),
    )
    .await;
    assert_eq!(published as usize, EVENTS + REPEATS);

    let mut fault_done = fault == Fault::None;
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let stored = db.scalar("SELECT COUNT(*) FROM events").await as usize;
        if !fault_done && stored >= EVENTS / 3 {
            match fault {
                Fault::KillOneWorker => workers[1].kill9(),
                Fault::RestartPostgres => {
                    let s = std::process::Command::new("pg_ctlcluster")
                        .args(["15", "main", "restart"])
                        .status()
                        .expect("run pg_ctlcluster");
                    assert!(s.success(), "PostgreSQL restarted");
                }
                Fault::None => {}
            }
            fault_done = true;
        }
        if stored >= EVENTS && names.unfinished().await == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {stored} of {EVENTS} events stored in time; worker log: {}",
            workers[0].log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let elapsed = started.elapsed();

    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM events").await as usize,
        EVENTS
    );
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM (SELECT DISTINCT platform, event_id FROM events) d")
            .await as usize,
        EVENTS,
        "no event stored twice"
    );
    assert_eq!(
        db.scalar("SELECT CAST(SUM(events) AS BIGINT) FROM accounts")
            .await as usize,
        EVENTS,
        "account counters count each event once"
    );
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM accounts").await as usize,
        ACCOUNTS
    );
    assert!(
        db.scalar("SELECT COUNT(*) FROM cases WHERE status = 'open'")
            .await
            > 0,
        "flagged accounts have cases"
    );

    let (mut stored, mut duplicate, mut retry) = (0, 0, 0);
    for (i, w) in workers.iter_mut().enumerate() {
        if fault == Fault::KillOneWorker && i == 1 {
            continue;
        }
        let (status, summary) = w.stop();
        assert!(
            status.success(),
            "worker w{i} stops cleanly on SIGTERM: {status}"
        );
        stored += count("stored", &summary);
        duplicate += count("duplicate", &summary);
        retry += count("retry", &summary);
        assert_eq!(count("invalid", &summary), 0, "{summary}");
    }
    if fault == Fault::KillOneWorker {
        assert!(
            stored < EVENTS as u64,
            "the killed worker had stored some events"
        );
    } else {
        assert_eq!(
            stored, EVENTS as u64,
            "the workers report each event stored once"
        );
        assert!(
            duplicate >= REPEATS as u64,
            "every repeat was recognised: {duplicate}"
        );
    }
    if fault == Fault::RestartPostgres {
        assert_ne!(
            db.scalar("SELECT CAST(EXTRACT(EPOCH FROM pg_postmaster_start_time()) AS BIGINT)")
                .await,
            postmaster_started,
            "PostgreSQL did restart"
        );
        assert!(retry > 0, "the workers met the restart and retried");
    }
    saring()
        .args(["audit", "verify", "--db", &db.url])
        .assert()
        .success();
    eprintln!(
        "{EVENTS} events + {REPEATS} repeats, 3 workers, fault {}: {:.1} s; messages retried {retry}",
        match fault {
            Fault::None => "none",
            Fault::KillOneWorker => "SIGKILL",
            Fault::RestartPostgres => "PostgreSQL restart",
        },
        elapsed.as_secs_f64()
    );
    names.delete().await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn three_workers_store_100k_events_exactly_once() {
    run(Fault::None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_mid_stream_loses_and_doubles_nothing() {
    run(Fault::KillOneWorker).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn workers_ride_out_a_postgres_restart() {
    run(Fault::RestartPostgres).await;
}

/// Invalid messages are terminated, named in the log, and never stored.
#[tokio::test(flavor = "multi_thread")]
async fn invalid_messages_are_terminated_with_a_log_line() {
    let _services = services::lock().await;
    let db = PgDb::new().await;
    let names = StreamNames::new();
    let logs = tempfile::tempdir().expect("tempdir");
    saring()
        .args(["platform", "add", "michat", "--db", &db.url])
        .assert()
        .success();
    let mut w = Worker::start("w0", &db.url, &names, &[], logs.path());
    let mut missing_text = nth_event(2);
    missing_text
        .as_object_mut()
        .expect("an object")
        .remove("text");
    let mut wrong_platform = nth_event(3);
    wrong_platform["platform"] = json!("beetalk");
    services::publish(
        &names,
        [nth_event(1), missing_text, wrong_platform, nth_event(4)].into_iter(),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while names.unfinished().await > 0 {
        assert!(Instant::now() < deadline, "the stream drains");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, summary) = w.stop();
    assert!(status.success());
    assert_eq!(count("stored", &summary), 2, "{summary}");
    assert_eq!(count("invalid", &summary), 2, "{summary}");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM events").await, 2);
    let log = w.log();
    assert!(log.contains("text: is required"), "{log}");
    assert!(log.contains("unknown platform"), "{log}");
    assert!(!log.contains("0812"), "no content in the log");
    names.delete().await;
    db.drop_db().await;
}

/// `saring serve --ingest nats` answers "queued" once JetStream has the events, drops a
/// repeated publish, and a worker stores them with their cases.
#[tokio::test(flavor = "multi_thread")]
async fn serve_publishes_and_a_worker_stores() {
    let _services = services::lock().await;
    let db = PgDb::new().await;
    let names = StreamNames::new();
    let env: Vec<(String, String)> = names.env();
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.push(("SARING_INGEST__MODE", "nats"));
    let server = Server::start_on(&db.url, &env);
    server.platform("michat").await;
    let admin = server.user("michat-admin", "michat", "admin").await;
    let moderator = server.user("mod", "michat", "moderator").await;
    let batch: Vec<Value> = (0..50).map(nth_event).collect();
    let (s, b) = server
        .call("POST", "/v1/events", Some(&admin), Some(json!(batch)))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["queued"], 50, "{b}");
    assert_eq!(b["results"][0]["status"], "queued");
    let (_, again) = server
        .call("POST", "/v1/events", Some(&admin), Some(json!(batch)))
        .await;
    assert_eq!(
        again["duplicates"], 50,
        "JetStream drops the repeat: {again}"
    );
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM events").await,
        0,
        "nothing is stored before a worker runs"
    );

    let logs = tempfile::tempdir().expect("tempdir");
    let mut w = Worker::start("w0", &db.url, &names, &[], logs.path());
    let q = server
        .poll("/v1/cases", &moderator, Duration::from_secs(60), |b| {
            b["cases"].as_array().is_some_and(|c| !c.is_empty())
        })
        .await;
    assert!(!q["cases"].as_array().expect("cases").is_empty(), "{q}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while db.scalar("SELECT COUNT(*) FROM events").await < 50 {
        assert!(Instant::now() < deadline, "the worker stores the events");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, summary) = w.stop();
    assert!(status.success());
    assert_eq!(count("stored", &summary), 50, "{summary}");
    drop(server);
    names.delete().await;
    db.drop_db().await;
}

/// Waits until `sql` (a count) reaches `want`, then for one more second, and returns it: a
/// count that keeps growing past `want` is caught.
async fn settle(db: &PgDb, sql: &str, want: i64, what: &str) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    while db.scalar(sql).await < want {
        assert!(
            Instant::now() < deadline,
            "{what}: {} of {want}",
            db.scalar(sql).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    db.scalar(sql).await
}

/// Ten phone numbers, each named by three accounts whose events reach different workers:
/// the first account's events are stored by a worker that then stops, the others' by two
/// workers started after it. The one linker the workers elect sees them all: each number
/// links its two later accounts to the first, exactly once. Freezing the first account makes
/// a new account naming its number a ban-evasion case.
#[tokio::test(flavor = "multi_thread")]
async fn workers_link_accounts_whose_events_reach_different_workers() {
    let _services = services::lock().await;
    let db = PgDb::new().await;
    let names = StreamNames::new();
    let logs = tempfile::tempdir().expect("tempdir");
    saring()
        .args(["platform", "add", "michat", "--db", &db.url])
        .assert()
        .success();
    // Small pulls, so the later events are spread over both later workers.
    let env = [("SARING_NATS__BATCH", "5")];
    let spellings = [
        "wa 0812 5555 00{k:02}",
        "hub +62 812-5555-00{k:02}",
        "wa.me/62812555500{k:02}",
    ];
    let planted = |j: usize, k: usize| {
        let text = spellings[j].replace("{k:02}", &format!("{k:02}"));
        event("michat", &format!("p{k}-{j}"), &format!("p{k}-{j}"), &text)
    };
    // Background chatter too short to be a template (fewer than 16 shingles).
    let chatter = |i: usize| {
        event(
            "michat",
            &format!("bg{i}"),
            &format!("bg{i}"),
            &format!("halo {i}"),
        )
    };

    let mut first = Worker::start("w0", &db.url, &names, &env, logs.path());
    services::publish(
        &names,
        (0..10).map(|k| planted(0, k)).chain((0..50).map(chatter)),
    )
    .await;
    settle(
        &db,
        "SELECT COUNT(*) FROM events",
        60,
        "events stored by w0",
    )
    .await;
    let mut later: Vec<Worker> = (1..3)
        .map(|i| Worker::start(&format!("w{i}"), &db.url, &names, &env, logs.path()))
        .collect();
    let (status, summary) = first.stop();
    assert!(status.success());
    assert_eq!(
        count("stored", &summary),
        60,
        "w0 stored the first accounts' events: {summary}"
    );
    services::publish(
        &names,
        (0..10)
            .flat_map(|k| [planted(1, k), planted(2, k)])
            .chain((50..150).map(chatter)),
    )
    .await;
    settle(
        &db,
        "SELECT COUNT(*) FROM events",
        180,
        "events stored by w1 and w2",
    )
    .await;

    let links = settle(&db, "SELECT COUNT(*) FROM links", 20, "links").await;
    assert_eq!(links, 20, "two links per number, none twice");
    for k in 0..10 {
        let anchor_links = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM links WHERE kind = 'phone' AND value = '+62812555500{k:02}'
                 AND account_a = 'p{k}-0' AND account_b IN ('p{k}-1', 'p{k}-2')"
            ))
            .await;
        assert_eq!(
            anchor_links, 2,
            "number {k}: both later accounts linked to the first"
        );
    }
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM links WHERE account_a LIKE 'bg%' OR account_b LIKE 'bg%'")
            .await,
        0,
        "chatter links nothing"
    );
    let mut stored = 0;
    for (i, w) in later.iter_mut().enumerate() {
        let (status, summary) = w.stop();
        assert!(status.success());
        let n = count("stored", &summary);
        assert!(
            n > 0,
            "w{} stored some of the later events: {summary}",
            i + 1
        );
        stored += n;
    }
    assert_eq!(stored, 120);

    // Ban evasion: freeze p0-0 through the service (on the same database; it stands by as
    // linker while a worker links), then a new account names its number.
    let worker = Worker::start("w3", &db.url, &names, &env, logs.path());
    let deadline = Instant::now() + Duration::from_secs(30);
    while !worker.log().contains("networks rebuilt") {
        assert!(
            Instant::now() < deadline,
            "w3 becomes the linker: {}",
            worker.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let server = Server::start_on(&db.url, &[]);
    let moderator = server.user("mod", "michat", "moderator").await;
    let (s, r) = server
        .call(
            "POST",
            "/v1/reports",
            Some(&moderator),
            Some(json!({"platform": "michat", "account": "p0-0", "reason": "prices and contact"})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let case = r["case_id"].as_i64().expect("case");
    let (s, d) = server
        .call(
            "POST",
            &format!("/v1/cases/{case}/decision"),
            Some(&moderator),
            Some(json!({"action": "freeze", "ground": "ite_decency", "note": "contact hand-off"})),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    services::publish(
        &names,
        [event(
            "michat",
            "p0-new",
            "p0-new",
            "halo kak wa 081255550000",
        )]
        .into_iter(),
    )
    .await;
    let acc = server
        .poll(
            "/v1/accounts/michat/p0-new",
            &moderator,
            Duration::from_secs(60),
            |b| {
                b["cases"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| c["source"] == "ban_evasion"))
            },
        )
        .await;
    let evasion = acc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["source"] == "ban_evasion" && c["status"] == "open")
        .count();
    assert_eq!(evasion, 1, "{acc}");
    let (_, h) = server.call("GET", "/healthz", None, None).await;
    assert_eq!(
        h["linker"]["role"], "standby",
        "the worker links, not the service: {h}"
    );
    drop(worker);
    drop(server);
    saring()
        .args(["audit", "verify", "--db", &db.url])
        .assert()
        .success();
    names.delete().await;
    db.drop_db().await;
}
