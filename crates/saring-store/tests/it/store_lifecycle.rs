//! The service's core loop at the store level: ingest → case → decision → order → appeal →
//! reversal, with the audit chain verified at the end and broken by an edit.

use saring_core::auth::{Principal, Role};
use saring_core::case::CaseStatus;
use saring_core::decision::{Action, Ground};
use saring_core::event::{EventKind, NewEvent};
use saring_store::{
    AppealDecision, DecisionInput, IngestOutcome, IngestParams, NewAppeal, OrderOutcome,
    ScoredEvent, Store,
};

use crate::both_backends;
use crate::db::TestDb;

both_backends!(
    lifecycle_from_ingest_to_reversal,
    one_open_case_per_account_and_reports_join_it,
    dismissed_content_is_purged_after_retention_unless_on_hold,
    large_batches_with_repeats_store_each_event_once,
    a_batch_of_stored_and_new_events_accepts_exactly_the_new_ones,
    links_are_found_from_either_account,
    a_lapsed_claim_frees_the_case,
    tokens_carry_their_issue_time_and_disabled_users_are_refused,
);

pub(crate) const NOW: i64 = 1_800_000_000_000;

pub(crate) fn scored(event_id: &str, account: &str, score: f64, flags: &[&str]) -> ScoredEvent {
    ScoredEvent {
        event: NewEvent {
            platform: "michat".into(),
            account: account.into(),
            event_id: event_id.into(),
            kind: EventKind::Post,
            text: format!("text of {event_id}"),
            ts: NOW - 1000,
            contacts: vec![],
            photo_hashes: vec![],
            location: Some("kalibata city".into()),
        },
        score,
        label: if score >= 0.5 {
            "solicitation"
        } else {
            "benign"
        }
        .into(),
        flags: flags.iter().map(|s| (*s).to_owned()).collect(),
        signals_json:
            r#"[{"family":"solicitation","rule":"open_bo","start":0,"end":4,"text":"text"}]"#.into(),
    }
}

async fn store(db: &TestDb) -> Store {
    let s = Store::open(&db.url).await.expect("open store");
    s.create_platform("michat", "MiChat", 0.8, "system", NOW)
        .await
        .expect("platform");
    s
}

pub(crate) async fn moderator(s: &Store, name: &str) -> Principal {
    s.create_user(
        name,
        "michat",
        Role::Moderator,
        &format!("hash-{name}"),
        "system",
        NOW,
    )
    .await
    .expect("user")
}

async fn lifecycle_from_ingest_to_reversal(db: &TestDb) {
    let s = store(db).await;
    let m1 = moderator(&s, "mod1").await;
    let m2 = moderator(&s, "mod2").await;
    let batch = vec![
        scored("e1", "acc1", 0.97, &[]),
        scored("e2", "acc2", 0.1, &[]),
        scored("e3", "acc3", 0.9, &["minor_risk"]),
    ];
    let out = s
        .ingest(&batch, &IngestParams::default(), "user:0", NOW)
        .await
        .expect("ingest");
    let IngestOutcome::Accepted {
        case_id: Some(case1),
        ..
    } = out[0]
    else {
        panic!("acc1 should open a case: {out:?}")
    };
    assert!(matches!(
        out[1],
        IngestOutcome::Accepted { case_id: None, .. }
    ));
    // Resending the batch changes nothing.
    let again = s
        .ingest(&batch, &IngestParams::default(), "user:0", NOW)
        .await
        .expect("ingest again");
    assert!(again.iter().all(|o| *o == IngestOutcome::Duplicate));
    // Minor risk comes first in the queue.
    let queue = s.queue(&Default::default()).await.expect("queue");
    assert_eq!(queue.len(), 2);
    assert!(queue[0].minor_risk);

    s.claim(case1, &m1, 60_000, NOW).await.expect("claim");
    let err = s
        .claim(case1, &m2, 60_000, NOW + 1)
        .await
        .expect_err("claimed by m1");
    assert!(err.to_string().contains("claimed by user"), "{err}");
    let d = s
        .decide(
            case1,
            &DecisionInput {
                action: Action::Freeze,
                ground: Ground::IteDecency,
                note: "menu with prices".into(),
                referral: None,
            },
            &m1,
            NOW + 2,
        )
        .await
        .expect("decide");
    assert_eq!(d.status, CaseStatus::Actioned);
    let order = d.order_id.expect("freeze writes an order");
    // No webhook yet: nothing is due.
    assert!(
        s.lease_due_orders(NOW + 3, 10, 1000)
            .await
            .expect("lease")
            .is_empty()
    );
    s.update_platform(
        "michat",
        saring_store::PlatformUpdate {
            webhook_url: Some(Some("http://127.0.0.1:9/hook".into())),
            add_secret: Some("whsec_dGVzdA==".into()),
            ..Default::default()
        },
        "system",
        NOW,
    )
    .await
    .expect("connect webhook");
    let due = s.lease_due_orders(NOW + 3, 10, 1000).await.expect("lease");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].id, order);
    // Leased: not handed out again until the lease ends.
    assert!(
        s.lease_due_orders(NOW + 4, 10, 1000)
            .await
            .expect("lease")
            .is_empty()
    );
    s.record_order_outcome(&order, &OrderOutcome::Delivered { attempts: 1 }, NOW + 5)
        .await
        .expect("record");

    let appeal = s
        .file_appeal(
            &NewAppeal {
                case_id: case1,
                reason: "not me".into(),
            },
            "user:0",
            NOW + 6,
        )
        .await
        .expect("appeal");
    let same = s
        .decide_appeal(appeal.id, AppealDecision::Reverse, "ok", &m1, NOW + 7)
        .await
        .expect_err("same moderator");
    assert!(same.to_string().contains("different moderator"), "{same}");
    let (decided, unfreeze) = s
        .decide_appeal(
            appeal.id,
            AppealDecision::Reverse,
            "photo belongs to someone else",
            &m2,
            NOW + 8,
        )
        .await
        .expect("reverse");
    assert_eq!(decided.status, "reversed");
    assert!(unfreeze.is_some());
    let detail = s.case_detail(case1).await.expect("detail").expect("exists");
    assert_eq!(detail.case.status, CaseStatus::Reversed);
    assert_eq!(detail.account.expect("account").status, "active");
    assert_eq!(detail.orders.len(), 2);

    let (n, _) = s
        .verify_audit()
        .await
        .expect("verify")
        .expect("chain intact");
    assert!(n >= 10, "{n} entries");
    s.close().await;

    // Edit one audit row behind the store's back: verify names it.
    let s = Store::open(&db.url).await.expect("reopen");
    let raw = db
        .execute(
            "UPDATE audit SET detail = '{\"edited\":true}' WHERE seq = 4",
            None,
        )
        .await;
    assert_eq!(raw, 1);
    let broken = s
        .verify_audit()
        .await
        .expect("verify")
        .expect_err("chain broken");
    assert_eq!(broken.seq, 4);
}

async fn one_open_case_per_account_and_reports_join_it(db: &TestDb) {
    let s = store(db).await;
    s.ingest(
        &[scored("e1", "acc1", 0.95, &[])],
        &IngestParams::default(),
        "user:0",
        NOW,
    )
    .await
    .expect("ingest");
    s.ingest(
        &[scored("e2", "acc1", 0.99, &["third_party"])],
        &IngestParams::default(),
        "user:0",
        NOW,
    )
    .await
    .expect("ingest");
    let r = s
        .file_report(
            &saring_store::NewReport {
                platform: "michat".into(),
                account: "acc1".into(),
                source: saring_core::case::CaseSource::Regulator,
                reason: "takedown".into(),
                deadline: Some(NOW + 4 * 3_600_000),
            },
            "user:9",
            NOW,
        )
        .await
        .expect("report");
    assert!(!r.case_opened);
    let q = s.queue(&Default::default()).await.expect("queue");
    assert_eq!(q.len(), 1);
    assert!(q[0].third_party);
    assert_eq!(q[0].deadline, Some(NOW + 4 * 3_600_000));
    let r2 = s
        .file_report(
            &saring_store::NewReport {
                platform: "michat".into(),
                account: "new".into(),
                source: saring_core::case::CaseSource::Police,
                reason: "investigation".into(),
                deadline: None,
            },
            "user:9",
            NOW,
        )
        .await
        .expect("report on an unseen account");
    assert!(r2.case_opened);
}

async fn dismissed_content_is_purged_after_retention_unless_on_hold(db: &TestDb) {
    let s = store(db).await;
    let m = moderator(&s, "mod1").await;
    let out = s
        .ingest(
            &[
                scored("e1", "acc1", 0.95, &[]),
                scored("e2", "acc2", 0.95, &[]),
                scored("e3", "acc3", 0.95, &[]),
            ],
            &IngestParams::default(),
            "user:0",
            NOW,
        )
        .await
        .expect("ingest");
    let ids: Vec<_> = out
        .iter()
        .map(|o| match o {
            IngestOutcome::Accepted {
                case_id: Some(c), ..
            } => *c,
            other => panic!("expected a case: {other:?}"),
        })
        .collect();
    let dismiss = DecisionInput {
        action: Action::NoViolation,
        ground: Ground::None,
        note: "a warning against scams".into(),
        referral: None,
    };
    s.decide(ids[0], &dismiss, &m, NOW)
        .await
        .expect("dismiss 1");
    s.decide(ids[1], &dismiss, &m, NOW)
        .await
        .expect("dismiss 2");
    // acc3's case stays open; acc2's case is put under legal hold.
    db.execute(
        "UPDATE cases SET legal_hold = 1 WHERE id = $1",
        Some(ids[1].0),
    )
    .await;
    let day = 86_400_000;
    assert_eq!(
        s.purge_dismissed(NOW + day, 30 * day).await.expect("purge"),
        0,
        "nothing before the retention period"
    );
    assert_eq!(
        s.purge_dismissed(NOW + 31 * day, 30 * day)
            .await
            .expect("purge"),
        1
    );
    let text = |acc: &'static str| {
        let s = s.clone();
        async move {
            s.account("michat", acc)
                .await
                .expect("read")
                .expect("exists")
                .1[0]
                .clone()
        }
    };
    let purged = text("acc1").await;
    assert_eq!(purged.text, None);
    assert_eq!(purged.text_sha256.len(), 64, "the hash stays as evidence");
    assert!(
        text("acc2").await.text.is_some(),
        "legal hold keeps content"
    );
    assert!(text("acc3").await.text.is_some(), "open cases keep content");
    assert!(s.verify_audit().await.expect("verify").is_ok());
}

async fn large_batches_with_repeats_store_each_event_once(db: &TestDb) {
    let s = store(db).await;
    // 500 items over several insert chunks; every 7th repeats an earlier id of the same batch.
    let batch: Vec<ScoredEvent> = (0..500)
        .map(|i| {
            let id = if i % 7 == 6 {
                format!("e{}", i - 1)
            } else {
                format!("e{i}")
            };
            scored(
                &id,
                &format!("acc{}", i % 130),
                if i % 2 == 0 { 0.9 } else { 0.1 },
                &[],
            )
        })
        .collect();
    let out = s
        .ingest(&batch, &IngestParams::default(), "user:0", NOW)
        .await
        .expect("ingest");
    let accepted = out
        .iter()
        .filter(|o| matches!(o, IngestOutcome::Accepted { .. }))
        .count();
    assert_eq!(accepted, 500 - 500 / 7);
    let again = s
        .ingest(&batch[..200], &IngestParams::default(), "user:0", NOW)
        .await
        .expect("resend");
    assert!(again.iter().all(|o| *o == IngestOutcome::Duplicate));
    let total = events_counted(&s, 130).await;
    assert_eq!(
        total as usize, accepted,
        "account counters add up to the events stored"
    );
    assert_eq!(
        s.queue(&saring_store::CaseFilter {
            limit: Some(500),
            ..Default::default()
        })
        .await
        .expect("queue")
        .len(),
        65,
        "one open case per flagged account"
    );
    assert!(s.verify_audit().await.expect("verify").is_ok());
}

/// On SQLite, an insert that met stored events finds the rows it inserted by id rather than
/// by rows returned; items on both sides of a 100-row chunk boundary must come out right.
async fn a_batch_of_stored_and_new_events_accepts_exactly_the_new_ones(db: &TestDb) {
    let s = store(db).await;
    let params = IngestParams::default();
    let event = |i: usize| scored(&format!("e{i}"), &format!("acc{}", i % 11), 0.1, &[]);
    // Every third of 0..250 first, then all of 0..250 (stored and new interleaved in each
    // chunk), then a batch of only stored ones, then new ones again.
    let first: Vec<ScoredEvent> = (0..250).filter(|i| i % 3 == 0).map(event).collect();
    let out = s
        .ingest(&first, &params, "user:0", NOW)
        .await
        .expect("first");
    assert!(
        out.iter()
            .all(|o| matches!(o, IngestOutcome::Accepted { .. }))
    );
    let all: Vec<ScoredEvent> = (0..250).map(event).collect();
    let out = s.ingest(&all, &params, "user:0", NOW).await.expect("all");
    for (i, o) in out.iter().enumerate() {
        assert_eq!(
            i % 3 == 0,
            *o == IngestOutcome::Duplicate,
            "item {i}: {o:?}"
        );
    }
    let out = s
        .ingest(&all[100..200], &params, "user:0", NOW)
        .await
        .expect("stored only");
    assert!(out.iter().all(|o| *o == IngestOutcome::Duplicate));
    let more: Vec<ScoredEvent> = (240..260).map(event).collect();
    let out = s.ingest(&more, &params, "user:0", NOW).await.expect("more");
    for (k, o) in out.iter().enumerate() {
        assert_eq!(
            k >= 10,
            matches!(o, IngestOutcome::Accepted { .. }),
            "item {k}: {o:?}"
        );
    }
    let total = events_counted(&s, 11).await;
    assert_eq!(total, 260, "every event counted once on its account");
    assert!(s.verify_audit().await.expect("verify").is_ok());
}

/// `links_of` finds a link from the account on either side of it: the a side through the
/// unique index on links (whose prefix is the account), the b side through `links_by_b`.
async fn links_are_found_from_either_account(db: &TestDb) {
    let s = store(db).await;
    let link = |a: &str, b: &str, value: &str| saring_store::NewLink {
        a: ("michat".into(), a.into()),
        b: ("michat".into(), b.into()),
        kind: "phone".into(),
        value: value.into(),
        strength: None,
        item_a: format!("{a}-1"),
        item_b: format!("{b}-1"),
    };
    let new = s
        .record_links(
            &[
                link("acc1", "acc2", "+6281234567890"),
                link("acc3", "acc1", "+6281111111111"),
            ],
            "system:linker",
            NOW,
        )
        .await
        .expect("record links");
    assert_eq!(new.len(), 2);
    let of = |l: &[saring_store::LinkRow]| {
        let mut v: Vec<(String, String)> = l
            .iter()
            .map(|l| (l.account_a.clone(), l.account_b.clone()))
            .collect();
        v.sort();
        v
    };
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(
        of(&s.links_of("michat", "acc1").await.expect("links")),
        vec![pair("acc1", "acc2"), pair("acc3", "acc1")]
    );
    assert_eq!(
        of(&s.links_of("michat", "acc2").await.expect("links")),
        vec![pair("acc1", "acc2")]
    );
    assert_eq!(
        of(&s.links_of("michat", "acc3").await.expect("links")),
        vec![pair("acc3", "acc1")]
    );
    assert!(
        s.links_of("michat", "acc4")
            .await
            .expect("links")
            .is_empty()
    );
}

async fn a_lapsed_claim_frees_the_case(db: &TestDb) {
    let s = store(db).await;
    let (m1, m2) = (moderator(&s, "m1").await, moderator(&s, "m2").await);
    let out = s
        .ingest(
            &[scored("e1", "acc1", 0.95, &[])],
            &IngestParams::default(),
            "user:0",
            NOW,
        )
        .await
        .expect("ingest");
    let IngestOutcome::Accepted {
        case_id: Some(case),
        ..
    } = out[0]
    else {
        panic!("case expected")
    };
    s.claim(case, &m1, 1000, NOW).await.expect("claim");
    let busy = s
        .decide(
            case,
            &DecisionInput {
                action: Action::Warn,
                ground: Ground::PlatformTerms,
                note: "ad".into(),
                referral: None,
            },
            &m2,
            NOW + 500,
        )
        .await;
    assert!(busy.is_err(), "m1 holds the claim");
    let c = s
        .claim(case, &m2, 1000, NOW + 1001)
        .await
        .expect("the claim lapsed");
    assert_eq!(c.claimed_by, Some(m2.id.0));
    assert!(
        s.release(case, &m1, NOW + 1002).await.is_err(),
        "m1 no longer holds it"
    );
}

/// Token expiry needs each token's issue time: set at creation, moved by a re-issue; a
/// disabled user's token is not found (and enabling brings it back). Both audited.
async fn tokens_carry_their_issue_time_and_disabled_users_are_refused(db: &TestDb) {
    let s = store(db).await;
    let m = moderator(&s, "mod1").await;
    let found = s
        .token_user("hash-mod1")
        .await
        .expect("look up")
        .expect("found");
    assert_eq!((found.user.id, found.issued_at), (m.id, NOW));
    assert!(
        s.reset_token("mod1", "hash-new", "system", NOW + 5)
            .await
            .expect("reset")
    );
    assert_eq!(s.token_user("hash-mod1").await.expect("look up"), None);
    let found = s
        .token_user("hash-new")
        .await
        .expect("look up")
        .expect("found");
    assert_eq!(found.issued_at, NOW + 5);
    assert!(
        s.set_disabled("mod1", true, "system", NOW + 6)
            .await
            .expect("disable")
    );
    assert_eq!(s.token_user("hash-new").await.expect("look up"), None);
    assert!(
        s.set_disabled("mod1", false, "system", NOW + 7)
            .await
            .expect("enable")
    );
    assert!(s.token_user("hash-new").await.expect("look up").is_some());
    assert!(
        !s.set_disabled("nobody", true, "system", NOW)
            .await
            .expect("no user")
    );
    let actions: Vec<String> = s
        .audit_latest(100)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.record.action)
        .collect();
    for want in ["user.token_reset", "user.disabled", "user.enabled"] {
        assert!(actions.iter().any(|a| a == want), "{want} in {actions:?}");
    }
}

/// The events counted on the accounts `acc0`…`acc{accounts - 1}` of `michat`, summed.
pub(crate) async fn events_counted(s: &Store, accounts: usize) -> i64 {
    let mut events = 0;
    for a in 0..accounts {
        let (acc, _, _) = s
            .account("michat", &format!("acc{a}"))
            .await
            .expect("read")
            .expect("exists");
        events += acc.events;
    }
    events
}
