//! A store seeded for the report tests through the store's API, with every time chosen, so
//! the reports' numbers (counts, medians, deadlines met) are known exactly. Names and numbers
//! are invented.

use saring_core::auth::{Principal, Role};
use saring_core::case::CaseSource;
use saring_core::decision::{Action, Ground};
use saring_core::event::{EventKind, NewEvent};
use saring_core::ids::CaseId;
use saring_store::{
    AppealDecision, DecisionInput, IngestOutcome, IngestParams, NewAppeal, NewReport, ScoredEvent,
    Store,
};

/// 2026-11-02T00:00:00Z, a Monday (ISO week 2026-W45).
pub const T0: i64 = 1_793_577_600_000;
/// One hour, ms.
pub const H: i64 = 3_600_000;

/// Bearer tokens of users created in the store (their SHA-256 is stored).
pub const REGULATOR_TOKEN: &str = "srg_test-regulator-token";
/// Token of michat's admin.
pub const MC_ADMIN_TOKEN: &str = "srg_test-michat-admin-token";
/// Token of beetalk's admin.
pub const BT_ADMIN_TOKEN: &str = "srg_test-beetalk-admin-token";
/// Token of a michat moderator.
pub const MC_MOD_TOKEN: &str = "srg_test-michat-moderator-token";

/// A scored event; `label` solicitation scores 0.97 (a case opens), else 0.1.
pub fn event(
    platform: &str,
    account: &str,
    id: &str,
    ts: i64,
    location: Option<&str>,
    signals: &str,
) -> ScoredEvent {
    ScoredEvent {
        event: NewEvent {
            platform: platform.into(),
            account: account.into(),
            event_id: id.into(),
            kind: EventKind::Post,
            text: "open bo malam ini, wa 0812 0000 1111".into(),
            ts,
            contacts: vec![],
            photo_hashes: vec![],
            location: location.map(str::to_owned),
        },
        score: 0.97,
        label: "solicitation".into(),
        flags: vec![],
        signals_json: signals.into(),
    }
}

/// Signals as the detector writes them: contact and price, no location.
pub const SIGNALS: &str = r#"[{"family":"contact","rule":"phone","start":19,"end":33,"text":"0812 0000 1111"},{"family":"solicitation","rule":"open_bo","start":0,"end":7,"text":"open bo"}]"#;

pub async fn user(s: &Store, name: &str, tenant: &str, role: Role, token: &str) -> Principal {
    s.create_user(
        name,
        tenant,
        role,
        &saring_core::audit::sha256_hex(token.as_bytes()),
        "system",
        T0 - 10 * H,
    )
    .await
    .expect("user")
}

/// Ingests one batch at `t` and returns the case each item opened.
pub async fn ingest(s: &Store, batch: &[ScoredEvent], t: i64) -> Vec<CaseId> {
    s.ingest(batch, &IngestParams::default(), "user:0", t)
        .await
        .expect("ingest")
        .into_iter()
        .map(|o| match o {
            IngestOutcome::Accepted { case_id, .. } => case_id.expect("a case opened"),
            IngestOutcome::Duplicate => panic!("no duplicates in fixtures"),
        })
        .collect()
}

pub async fn decide(
    s: &Store,
    case: CaseId,
    action: Action,
    ground: Ground,
    m: &Principal,
    t: i64,
) {
    s.claim(case, m, 60_000, t).await.expect("claim");
    s.decide(
        case,
        &DecisionInput {
            action,
            ground,
            note: "reviewed".into(),
            referral: None,
        },
        m,
        t,
    )
    .await
    .expect("decide");
}

/// Runs `seed` to completion on a runtime of its own, on a thread of its own, so that plain
/// and async tests can both seed a store.
pub fn on_own_runtime<F>(seed: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    std::thread::spawn(move || {
        tokio::runtime::Runtime::new()
            .expect("runtime")
            .block_on(seed);
    })
    .join()
    .expect("the fixture was seeded");
}

/// The transparency fixture (see `report_transparency.rs` for the expected numbers).
pub fn transparency_store(dir: &std::path::Path) -> String {
    let url = format!("sqlite://{}", dir.join("reports.db").display());
    let u = url.clone();
    on_own_runtime(async move {
        let s = Store::open(&u).await.expect("open");
        for (id, name) in [("michat", "MiChat"), ("beetalk", "BeeTalk")] {
            s.create_platform(id, name, 0.8, "system", T0 - 10 * H)
                .await
                .expect("platform");
        }
        let mod1 = user(&s, "mod1", "michat", Role::Moderator, MC_MOD_TOKEN).await;
        let mod2 = user(&s, "mod2", "michat", Role::Moderator, "srg_test-mod2").await;
        let bmod = user(&s, "bmod", "beetalk", Role::Moderator, "srg_test-bmod").await;
        user(&s, "reg", "regulator", Role::Regulator, REGULATOR_TOKEN).await;
        user(&s, "mcadmin", "michat", Role::Admin, MC_ADMIN_TOKEN).await;
        user(&s, "btadmin", "beetalk", Role::Admin, BT_ADMIN_TOKEN).await;
        user(&s, "pol", "police", Role::Police, "srg_test-police").await;

        // michat: four accounts flagged at T0 + 1h (automated cases).
        let opened = T0 + H;
        let batch: Vec<_> = ["acc-a1", "acc-a2", "acc-a3", "acc-a4"]
            .iter()
            .enumerate()
            .map(|(i, a)| event("michat", a, &format!("e{i}"), T0, None, SIGNALS))
            .collect();
        let c = ingest(&s, &batch, opened).await;
        decide(
            &s,
            c[0],
            Action::Freeze,
            Ground::IteDecency,
            &mod1,
            opened + 2 * H,
        )
        .await;
        decide(
            &s,
            c[1],
            Action::Warn,
            Ground::PlatformTerms,
            &mod1,
            opened + 4 * H,
        )
        .await;
        decide(
            &s,
            c[2],
            Action::NoViolation,
            Ground::None,
            &mod1,
            opened + 6 * H,
        )
        .await;
        decide(
            &s,
            c[3],
            Action::Restrict,
            Ground::PornographyLaw,
            &mod1,
            opened + 10 * H,
        )
        .await;

        // Two regulator requests at T0 + 1h: one with 24 hours, decided after 3 (in time); one
        // with 4 hours, decided after 5 (late). A police report nobody has acted on yet.
        let report = |account: &str, source, deadline| NewReport {
            platform: "michat".into(),
            account: account.into(),
            source,
            reason: "takedown request".into(),
            deadline,
        };
        let r1 = s
            .file_report(
                &report("acc-r1", CaseSource::Regulator, Some(opened + 24 * H)),
                "user:reg",
                opened,
            )
            .await
            .expect("report");
        let r2 = s
            .file_report(
                &report("acc-r2", CaseSource::Regulator, Some(opened + 4 * H)),
                "user:reg",
                opened,
            )
            .await
            .expect("report");
        s.file_report(
            &report("acc-p1", CaseSource::Police, None),
            "user:pol",
            opened + H,
        )
        .await
        .expect("report");
        decide(
            &s,
            r1.case_id,
            Action::Freeze,
            Ground::IteDecency,
            &mod2,
            opened + 3 * H,
        )
        .await;
        decide(
            &s,
            r2.case_id,
            Action::Restrict,
            Ground::PornographyLaw,
            &mod2,
            opened + 5 * H,
        )
        .await;

        // Appeals: the freeze of acc-a1 reversed, the warning of acc-a2 upheld, by another
        // moderator.
        for (case, outcome) in [
            (c[0], AppealDecision::Reverse),
            (c[1], AppealDecision::Uphold),
        ] {
            let a = s
                .file_appeal(
                    &NewAppeal {
                        case_id: case,
                        reason: "a mistake".into(),
                    },
                    "user:mcadmin",
                    T0 + 30 * H,
                )
                .await
                .expect("appeal");
            s.decide_appeal(a.id, outcome, "second look", &mod2, T0 + 40 * H)
                .await
                .expect("appeal decided");
        }

        // beetalk: one account frozen on the child-protection ground after 1 hour.
        let b = ingest(
            &s,
            &[event("beetalk", "acc-b1", "b1", T0, None, SIGNALS)],
            T0 + 2 * H,
        )
        .await;
        decide(
            &s,
            b[0],
            Action::Freeze,
            Ground::ChildProtection,
            &bmod,
            T0 + 3 * H,
        )
        .await;

        // Outside the period (the next week): must not count.
        let late = T0 + 8 * 24 * H;
        let x = ingest(
            &s,
            &[event("michat", "acc-x", "x1", late, None, SIGNALS)],
            late,
        )
        .await;
        decide(
            &s,
            x[0],
            Action::Freeze,
            Ground::IteDecency,
            &mod1,
            late + H,
        )
        .await;
        s.close().await;
    });
    url
}
