//! Several writers on one database: every event is stored once, account counters add up, the
//! audit log stays one chain, and two dispatchers never lease the same order at once. On
//! PostgreSQL each writer has its own `Store` (its own pool), as separate service instances and
//! workers have; SQLite is one process with one writer connection, so there the writers share
//! one `Store`, as tasks of one process do.

use std::collections::HashSet;

use saring_core::decision::{Action, Ground};
use saring_store::{
    Backend, DecisionInput, IngestOutcome, IngestParams, LinkCursor, NewLink, PlatformUpdate, Store,
};

use crate::both_backends;
use crate::db::TestDb;
use crate::store_lifecycle::{NOW, events_counted, moderator, scored};

both_backends!(
    concurrent_writers_store_each_event_once_in_one_chain,
    writers_on_different_accounts_extend_one_audit_chain,
    two_dispatchers_never_lease_the_same_order,
    the_linker_reads_every_committed_event_once_and_one_process_holds_its_lease,
    checkpoints_beside_the_writers_keep_every_commit,
);

const WRITERS: usize = 4;
const EVENTS: usize = 1200;
const ACCOUNTS: usize = 37;
const BATCH: usize = 100;

/// Another writer: its own store on PostgreSQL, a clone of `s` on SQLite.
async fn writer(s: &Store, db: &TestDb) -> Store {
    match s.backend() {
        Backend::Postgres => Store::open(&db.url).await.expect("open store"),
        Backend::Sqlite => s.clone(),
    }
}

async fn concurrent_writers_store_each_event_once_in_one_chain(db: &TestDb) {
    let s = Store::open(&db.url).await.expect("open store");
    s.create_platform("michat", "MiChat", 0.8, "system", NOW)
        .await
        .expect("platform");
    // Every writer sends every batch — the same events and accounts — in its own order, as
    // redeliveries to competing workers would: maximal contention on keys and account rows.
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let store = writer(&s, db).await;
        tasks.push(tokio::spawn(async move {
            let mut accepted = 0usize;
            for round in 0..EVENTS / BATCH {
                let b = (round + w * 3) % (EVENTS / BATCH);
                let batch: Vec<_> = (0..BATCH)
                    .map(|k| {
                        let i = b * BATCH + (k + w * 17) % BATCH;
                        scored(
                            &format!("e{i}"),
                            &format!("acc{}", i % ACCOUNTS),
                            if i.is_multiple_of(3) { 0.95 } else { 0.2 },
                            &[],
                        )
                    })
                    .collect();
                let out = store
                    .ingest(
                        &batch,
                        &IngestParams::default(),
                        &format!("worker:{w}"),
                        NOW,
                    )
                    .await
                    .expect("ingest");
                accepted += out
                    .iter()
                    .filter(|o| matches!(o, IngestOutcome::Accepted { .. }))
                    .count();
            }
            accepted
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        accepted += t.await.expect("writer");
    }
    assert_eq!(
        accepted, EVENTS,
        "each event accepted by exactly one writer"
    );
    let events = events_counted(&s, ACCOUNTS).await;
    assert_eq!(events as usize, EVENTS, "account counters lost no update");
    let open = s
        .queue(&saring_store::CaseFilter {
            limit: Some(500),
            ..Default::default()
        })
        .await
        .expect("queue");
    let accounts: HashSet<_> = open.iter().map(|c| c.account.clone()).collect();
    assert_eq!(accounts.len(), open.len(), "one open case per account");
    assert_eq!(open.len(), ACCOUNTS, "every account has flagged content");
    let (n, _) = s
        .verify_audit()
        .await
        .expect("verify")
        .expect("one intact chain");
    assert!(n as usize >= ACCOUNTS + EVENTS / BATCH, "{n} entries");
    s.close().await;
}

/// Writers that share no account take no common row lock: only the audit chain's lock keeps
/// their entries in one chain (without it two would append the same sequence number).
async fn writers_on_different_accounts_extend_one_audit_chain(db: &TestDb) {
    let s = Store::open(&db.url).await.expect("open store");
    s.create_platform("michat", "MiChat", 0.8, "system", NOW)
        .await
        .expect("platform");
    let (writers, batches) = (4, 25);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = writer(&s, db).await;
        tasks.push(tokio::spawn(async move {
            for b in 0..batches {
                let batch: Vec<_> = (0..10)
                    .map(|k| {
                        scored(
                            &format!("w{w}-b{b}-e{k}"),
                            &format!("w{w}-acc{}", b * 10 + k),
                            0.3,
                            &[],
                        )
                    })
                    .collect();
                store
                    .ingest(
                        &batch,
                        &IngestParams::default(),
                        &format!("worker:{w}"),
                        NOW,
                    )
                    .await
                    .expect("ingest");
            }
        }));
    }
    for t in tasks {
        t.await.expect("writer");
    }
    let (n, _) = s
        .verify_audit()
        .await
        .expect("verify")
        .expect("one intact chain");
    // The platform's entry and one `events.ingested` entry per batch.
    assert_eq!(n, 1 + writers * batches);
    s.close().await;
}

async fn two_dispatchers_never_lease_the_same_order(db: &TestDb) {
    let s = Store::open(&db.url).await.expect("open store");
    s.create_platform("michat", "MiChat", 0.8, "system", NOW)
        .await
        .expect("platform");
    s.update_platform(
        "michat",
        PlatformUpdate {
            webhook_url: Some(Some("http://receiver.invalid/hook".into())),
            ..Default::default()
        },
        "system",
        NOW,
    )
    .await
    .expect("webhook");
    let m = moderator(&s, "mod1").await;
    let batch: Vec<_> = (0..40)
        .map(|i| scored(&format!("e{i}"), &format!("acc{i}"), 0.95, &[]))
        .collect();
    let out = s
        .ingest(&batch, &IngestParams::default(), "user:0", NOW)
        .await
        .expect("ingest");
    for o in &out {
        let IngestOutcome::Accepted {
            case_id: Some(case),
            ..
        } = o
        else {
            panic!("a case per account: {o:?}")
        };
        s.decide(
            *case,
            &DecisionInput {
                action: Action::Freeze,
                ground: Ground::PlatformTerms,
                note: "ad".into(),
                referral: None,
            },
            &m,
            NOW,
        )
        .await
        .expect("freeze");
    }
    // Two dispatchers (separate stores) lease in small bites at the same time.
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let store = writer(&s, db).await;
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let due = store
                    .lease_due_orders(NOW + 1, 3, 60_000)
                    .await
                    .expect("lease");
                if due.is_empty() {
                    break;
                }
                got.extend(due.into_iter().map(|d| d.id));
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("dispatcher"));
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 40, "every order leased");
    assert_eq!(unique.len(), 40, "no order leased twice");
    assert!(
        s.lease_due_orders(NOW + 2, 100, 60_000)
            .await
            .expect("lease")
            .is_empty(),
        "leased orders are not due until the lease ends"
    );
    assert_eq!(
        s.lease_due_orders(NOW + 60_002, 100, 60_000)
            .await
            .expect("lease")
            .len(),
        40,
        "a lapsed lease frees them"
    );
    s.close().await;
}

/// Writers commit batches concurrently while the linker's cursor reads along, in small
/// pages: every event comes back exactly once (none skipped by a late commit), and only one
/// process at a time holds the linker lease on PostgreSQL.
async fn the_linker_reads_every_committed_event_once_and_one_process_holds_its_lease(db: &TestDb) {
    let s = Store::open(&db.url).await.expect("open store");
    s.create_platform("michat", "MiChat", 0.8, "system", NOW)
        .await
        .expect("platform");
    let reader = writer(&s, db).await;
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let store = writer(&s, db).await;
        tasks.push(tokio::spawn(async move {
            for round in 0..6 {
                let batch: Vec<_> = (0..50)
                    .map(|k| scored(&format!("w{w}-{round}-{k}"), &format!("acc{k}"), 0.2, &[]))
                    .collect();
                store
                    .ingest(&batch, &IngestParams::default(), "worker", NOW)
                    .await
                    .expect("ingest");
            }
        }));
    }
    let mut cursor = LinkCursor::default();
    let mut seen = Vec::new();
    let read = |cursor: LinkCursor| {
        let reader = reader.clone();
        async move { reader.committed_events(cursor, 7).await.expect("read") }
    };
    while !tasks.iter().all(tokio::task::JoinHandle::is_finished) {
        let (page, next) = read(cursor).await;
        seen.extend(page.into_iter().map(|e| e.event_id));
        cursor = next;
    }
    for t in tasks {
        t.await.expect("writer");
    }
    // On PostgreSQL the cursor waits for every transaction older than the newest event to end,
    // anywhere in the cluster (other tests run beside this one): an empty page means "not
    // yet", not "done", while events remain after the cursor.
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (page, next) = read(cursor).await;
        if page.is_empty() {
            if s.events_after(cursor).await.expect("count") == 0
                || std::time::Instant::now() > give_up
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        }
        seen.extend(page.into_iter().map(|e| e.event_id));
        cursor = next;
    }
    let total = WRITERS * 6 * 50;
    assert_eq!(seen.len(), total, "every event read once");
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        total,
        "none twice"
    );
    assert_eq!(s.events_after(cursor).await.expect("count"), 0);

    let first = s.linker_lease().await.expect("lease");
    assert!(first.is_some(), "the first asker gets the lease");
    let other = writer(&s, db).await;
    let second = other.linker_lease().await.expect("lease");
    match s.backend() {
        Backend::Postgres => {
            assert!(second.is_none(), "another process does not");
            drop(first);
            let mut third = None;
            for _ in 0..50 {
                third = other.linker_lease().await.expect("lease");
                if third.is_some() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert!(third.is_some(), "released when its holder drops it");
        }
        Backend::Sqlite => assert!(second.is_some(), "one process owns an SQLite file"),
    }
}

/// The service's background checkpoints (SQLite) run while ingest and the linker's links
/// commit: every commit stays readable after a reopen, links keep their strength, the audit
/// chain stays whole, and a checkpoint taken between two commits copies the whole log, so
/// the log starts again from its beginning. PostgreSQL has no log to copy.
async fn checkpoints_beside_the_writers_keep_every_commit(db: &TestDb) {
    let s = Store::open(&db.url).await.expect("open store");
    s.create_platform("michat", "MiChat", 0.8, "system", NOW)
        .await
        .expect("platform");
    s.defer_checkpoints().await.expect("defer checkpoints");
    let writer = {
        let s = s.clone();
        tokio::spawn(async move {
            for round in 0..EVENTS / BATCH {
                let batch: Vec<_> = (0..BATCH)
                    .map(|k| {
                        let i = round * BATCH + k;
                        scored(&format!("e{i}"), &format!("acc{}", i % ACCOUNTS), 0.3, &[])
                    })
                    .collect();
                s.ingest(&batch, &IngestParams::default(), "worker:0", NOW)
                    .await
                    .expect("ingest");
                let link = NewLink {
                    a: ("michat".into(), format!("acc{}", round % ACCOUNTS)),
                    b: ("michat".into(), format!("acc{}", (round + 1) % ACCOUNTS)),
                    kind: "template".into(),
                    value: String::new(),
                    strength: Some(0.75),
                    item_a: format!("e{}", round * BATCH),
                    item_b: format!("e{}", round * BATCH + 1),
                };
                let new = s
                    .record_links(&[link], "system:linker", NOW)
                    .await
                    .expect("record links");
                assert_eq!(new.len(), 1);
                assert_eq!(new[0].strength, Some(0.75));
            }
        })
    };
    let mut checkpoints = 0;
    while !writer.is_finished() {
        match s.checkpoint().await.expect("checkpoint") {
            Some(_) => checkpoints += 1,
            None => assert_eq!(s.backend(), Backend::Postgres),
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    writer.await.expect("writer");
    if let Some(c) = s.checkpoint().await.expect("checkpoint") {
        assert!(checkpoints > 0);
        assert_eq!(c.copied_frames, c.log_frames, "{c:?}");
    }
    s.close().await;

    let s = Store::open(&db.url).await.expect("reopen store");
    let events = events_counted(&s, ACCOUNTS).await;
    assert_eq!(events as usize, EVENTS);
    let links = s.links_of("michat", "acc0").await.expect("links");
    assert!(!links.is_empty());
    s.verify_audit()
        .await
        .expect("verify")
        .expect("one intact chain");
    s.close().await;
}
