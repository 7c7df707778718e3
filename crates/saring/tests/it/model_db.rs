//! `saring train --from-db` and `saring backtest` against a real SQLite store filled through
//! the store's API: content ingested, cases opened, moderators' decisions made.

use saring_core::auth::{Principal, Role};
use saring_core::decision::{Action, Ground};
use saring_core::event::{EventKind, NewEvent};
use saring_store::{DecisionInput, IngestOutcome, IngestParams, ScoredEvent, Store};

use crate::util::{saring, training_lines, write_lines};

const DAY: i64 = 86_400_000;

fn now() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

fn event(platform: &str, account: &str, id: &str, text: &str, ts: i64, label: &str) -> ScoredEvent {
    ScoredEvent {
        event: NewEvent {
            platform: platform.into(),
            account: account.into(),
            event_id: id.into(),
            kind: EventKind::Post,
            text: text.into(),
            ts,
            contacts: vec![],
            photo_hashes: vec![],
            location: None,
        },
        score: if label == "solicitation" { 0.97 } else { 0.1 },
        label: label.into(),
        flags: vec![],
        signals_json: "[]".into(),
    }
}

async fn moderator(s: &Store, platform: &str, name: &str, t: i64) -> Principal {
    s.create_user(
        name,
        platform,
        Role::Moderator,
        &format!("hash-{name}"),
        "system",
        t,
    )
    .await
    .expect("user")
}

/// Ingests `batch` and returns the case each accepted item opened.
async fn ingest(s: &Store, batch: &[ScoredEvent], t: i64) -> Vec<Option<saring_core::ids::CaseId>> {
    s.ingest(batch, &IngestParams::default(), "user:0", t)
        .await
        .expect("ingest")
        .into_iter()
        .map(|o| match o {
            IngestOutcome::Accepted { case_id, .. } => case_id,
            IngestOutcome::Duplicate => None,
        })
        .collect()
}

async fn decide(s: &Store, case: saring_core::ids::CaseId, action: Action, m: &Principal, t: i64) {
    s.claim(case, m, 60_000, t).await.expect("claim");
    let ground = if action == Action::NoViolation {
        Ground::None
    } else {
        Ground::IteDecency
    };
    s.decide(
        case,
        &DecisionInput {
            action,
            ground,
            note: "test".into(),
            referral: None,
        },
        m,
        t + 1,
    )
    .await
    .expect("decide");
}

/// Texts a moderator confirmed as ads (account `ayu`, frozen) and texts the detector flagged
/// wrongly (account `kopi`, no violation). Invented, like every name and number here.
const CONFIRMED: &[&str] = &[
    "sayang lagi senggang nih, mampir ke kamar 12 ya, 350 aja",
    "yang mau ditemani malam ini chat aku, 350 aja sayang",
];
const FALSE_ALARMS: &[&str] = &[
    "kopi susu gula aren ready malam ini, antar ke kamar kos, 35 aja",
    "promo kopi susu malam ini, antar sampai kamar, chat aja",
];

fn store_with_decisions(dir: &std::path::Path) -> String {
    let url = format!("sqlite://{}", dir.join("s.db").display());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let t = now();
        let s = Store::open(&url).await.expect("open");
        s.create_platform("michat", "MiChat", 0.8, "system", t)
            .await
            .expect("platform");
        let m = moderator(&s, "michat", "mod1", t).await;
        let mut batch: Vec<ScoredEvent> = CONFIRMED
            .iter()
            .enumerate()
            .map(|(i, x)| {
                event(
                    "michat",
                    "ayu",
                    &format!("a{i}"),
                    x,
                    t - DAY,
                    "solicitation",
                )
            })
            .collect();
        // A benign post of the frozen account: not a confirmed ad, so not a label.
        batch.push(event(
            "michat",
            "ayu",
            "a-benign",
            "selamat pagi semua",
            t - DAY,
            "benign",
        ));
        let cases = ingest(&s, &batch, t).await;
        decide(
            &s,
            cases[0].expect("a case for ayu"),
            Action::Freeze,
            &m,
            t + 10,
        )
        .await;
        let batch: Vec<ScoredEvent> = FALSE_ALARMS
            .iter()
            .enumerate()
            .map(|(i, x)| {
                event(
                    "michat",
                    "kopi",
                    &format!("k{i}"),
                    x,
                    t - DAY,
                    "solicitation",
                )
            })
            .collect();
        let cases = ingest(&s, &batch, t).await;
        decide(
            &s,
            cases[0].expect("a case for kopi"),
            Action::NoViolation,
            &m,
            t + 20,
        )
        .await;
        s.close().await;
    });
    url
}

fn score(model: &std::path::Path, text: &str) -> f64 {
    let out = saring()
        .arg("scan")
        .arg("--model")
        .arg(model)
        .arg("-q")
        .write_stdin(serde_json::json!({"text": text}).to_string())
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    v["score"].as_f64().expect("a score")
}

#[test]
fn train_from_db_learns_moderators_decisions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = store_with_decisions(dir.path());
    let data = write_lines(dir.path(), "train.jsonl", &training_lines());
    let train = |out: &str, db: bool| {
        let mut cmd = saring();
        cmd.arg("train")
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(dir.path().join(out))
            .args(["--epochs", "10", "--buckets-log2", "12", "--seed", "1"]);
        if db {
            cmd.args(["--from-db", &url, "--decision-weight", "3"]);
        }
        let a = cmd.assert().success();
        String::from_utf8_lossy(&a.get_output().stdout).into_owned()
    };
    let base = train("base.model", false);
    assert!(!base.contains("moderators' decisions"), "{base}");
    let learned = train("db.model", true);
    assert!(
        learned.contains(
            "moderators' decisions in the store: 4 rows (2 solicitation, 2 benign, 0 skipped)"
        ),
        "{learned}"
    );
    assert!(
        learned.contains("(weight 3, from 2 decisions)"),
        "{learned}"
    );
    let (b, d) = (dir.path().join("base.model"), dir.path().join("db.model"));
    for t in CONFIRMED {
        assert!(
            score(&d, t) > score(&b, t),
            "confirmed ad scores higher: {t}"
        );
    }
    for t in FALSE_ALARMS {
        assert!(score(&d, t) < score(&b, t), "false alarm scores lower: {t}");
    }
    // The model records where its labels came from, without the store's URL.
    let bytes = std::fs::read(&d).expect("model");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("--from-db STORE"), "command recorded");
    assert!(!text.contains(&url), "the URL is not recorded");
}

#[test]
fn train_from_a_missing_store_fails_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = write_lines(dir.path(), "train.jsonl", &training_lines());
    let out = saring()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(dir.path().join("m.model"))
        .args(["--from-db", "mysql://nowhere"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(err.contains("--from-db"), "{err}");
}

#[test]
fn backtest_reports_changes_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let before = rt.block_on(async {
        let t = now();
        let s = Store::open(&url).await.expect("open");
        for p in ["michat", "telegram"] {
            s.create_platform(p, p, 0.99, "system", t)
                .await
                .expect("platform");
        }
        // Stored verdicts as an old detector gave them: an ad it missed, a shop post it
        // flagged, and an old ad outside the window.
        let batch = [
            event(
                "michat",
                "rina",
                "m1",
                "open bo kak malam ini, wa 0812 1111 2222, st 500 lt 1jt",
                t - DAY,
                "benign",
            ),
            event(
                "michat",
                "toko",
                "m2",
                "ready stock gamis, cod, wa 0812 3333 4444",
                t - DAY,
                "solicitation",
            ),
            event(
                "telegram",
                "old",
                "t1",
                "open bo kak malam ini, wa 0812 5555 6666",
                t - 60 * DAY,
                "benign",
            ),
            event(
                "telegram",
                "tia",
                "t2",
                "selamat pagi semua",
                t - DAY,
                "benign",
            ),
        ];
        ingest(&s, &batch, t).await;
        let items = s.stored_items(i64::MIN, 0, 100).await.expect("items");
        s.close().await;
        items
    });
    let out = saring()
        .args(["backtest", "--db", &url, "--since", "30d", "--json"])
        .assert()
        .success();
    let r: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    assert_eq!(
        r["items"],
        serde_json::json!(3),
        "the 60-day-old item is outside the window"
    );
    let michat = &r["platforms"]["michat"];
    assert_eq!(
        michat["newly_flagged"]["count"],
        serde_json::json!(1),
        "{michat}"
    );
    assert_eq!(
        michat["newly_flagged"]["examples"][0],
        serde_json::json!("m1")
    );
    assert_eq!(
        michat["no_longer_flagged"]["examples"][0],
        serde_json::json!("m2")
    );
    assert_eq!(
        michat["accounts_newly_flagged"]["examples"][0],
        serde_json::json!("rina")
    );
    assert_eq!(
        michat["accounts_no_longer_flagged"]["examples"][0],
        serde_json::json!("toko")
    );
    let telegram = &r["platforms"]["telegram"];
    assert_eq!(telegram["items"], serde_json::json!(1));
    assert_eq!(telegram["newly_flagged"]["count"], serde_json::json!(0));

    // The human-readable report says the same.
    let out = saring()
        .args(["backtest", "--db", &url, "--since", "30d"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout);
    assert!(text.contains("nothing was changed"), "{text}");
    assert!(text.contains("platform michat"), "{text}");
    assert!(text.contains("e.g. m1"), "{text}");

    // Recomputing the current verdicts with the same (builtin) detector changes nothing.
    let out = saring()
        .args(["backtest", "--db", &url, "--recompute-current", "--json"])
        .assert()
        .success();
    let same: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    assert_eq!(
        same["platforms"]["michat"]["newly_flagged"]["count"],
        serde_json::json!(0)
    );
    assert_eq!(
        same["platforms"]["michat"]["no_longer_flagged"]["count"],
        serde_json::json!(0)
    );

    let after = rt.block_on(async {
        let s = Store::open(&url).await.expect("open");
        let items = s.stored_items(i64::MIN, 0, 100).await.expect("items");
        s.close().await;
        items
    });
    assert_eq!(before, after, "stored data unchanged");
    let out = saring()
        .args(["backtest", "--db", &url, "--since", "soon"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(err.contains("duration \"soon\""), "{err}");
}
