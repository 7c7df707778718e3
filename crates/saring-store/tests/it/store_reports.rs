//! The facts behind the reports, on every backend: decisions with their case's source and
//! opening time, the reversal flag, appeals per platform, authority requests with their
//! deadline and the first decision after them, and flagged items and actions with their
//! location — the same rows on SQLite and PostgreSQL, so the reports' medians and counts are.

use saring_core::case::CaseSource;
use saring_core::decision::{Action, Ground};
use saring_store::{
    AppealDecision, DecisionInput, NewAppeal, NewReport, PlatformAppeals, StatsScope, Store,
};

use crate::both_backends;
use crate::db::TestDb;
use crate::store_lifecycle::{NOW, moderator, scored};

both_backends!(report_facts_are_the_same_on_every_backend);

const H: i64 = 3_600_000;

async fn report_facts_are_the_same_on_every_backend(db: &TestDb) {
    let s = Store::open(&db.url).await.expect("open store");
    s.create_platform("michat", "MiChat", 0.8, "system", NOW)
        .await
        .expect("platform");
    let m1 = moderator(&s, "mod1").await;
    let m2 = moderator(&s, "mod2").await;
    let mut located = scored("e1", "acc1", 0.97, &[]);
    located.event.location = Some("Kalibata City".into());
    let mut signalled = scored("e2", "acc2", 0.97, &[]);
    signalled.event.location = None;
    let outcomes = s
        .ingest(&[located, signalled], &Default::default(), "user:0", NOW)
        .await
        .expect("ingest");
    let case = |i: usize| match &outcomes[i] {
        saring_store::IngestOutcome::Accepted { case_id, .. } => case_id.expect("a case"),
        saring_store::IngestOutcome::Duplicate => panic!("no duplicate"),
    };
    let decide = |c, action, ground, t| {
        let (s, m1) = (&s, &m1);
        async move {
            s.claim(c, m1, 60_000, t).await.expect("claim");
            s.decide(
                c,
                &DecisionInput {
                    action,
                    ground,
                    note: "reviewed".into(),
                    referral: None,
                },
                m1,
                t,
            )
            .await
            .expect("decide")
        }
    };
    decide(case(0), Action::Freeze, Ground::IteDecency, NOW + 2 * H).await;
    decide(case(1), Action::NoViolation, Ground::None, NOW + 3 * H).await;
    let r = s
        .file_report(
            &NewReport {
                platform: "michat".into(),
                account: "acc-r".into(),
                source: CaseSource::Regulator,
                reason: "takedown".into(),
                deadline: Some(NOW + 4 * H),
            },
            "user:9",
            NOW,
        )
        .await
        .expect("report");
    decide(
        r.case_id,
        Action::Restrict,
        Ground::PornographyLaw,
        NOW + 5 * H,
    )
    .await;
    let a = s
        .file_appeal(
            &NewAppeal {
                case_id: case(0),
                reason: "mistake".into(),
            },
            "user:0",
            NOW + 6 * H,
        )
        .await
        .expect("appeal");
    s.decide_appeal(
        a.id,
        AppealDecision::Reverse,
        "second look",
        &m2,
        NOW + 7 * H,
    )
    .await
    .expect("reverse");

    let scope = StatsScope::Platform("michat");
    let (from, to) = (NOW - H, NOW + 24 * H);
    let d = s
        .report_decisions(scope, from, to)
        .await
        .expect("decisions");
    let got: Vec<_> = d
        .iter()
        .map(|f| {
            (
                f.action,
                f.source,
                f.decided_at - f.opened_at,
                f.reversed,
                f.statement.is_some(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Action::Freeze, CaseSource::Automated, 2 * H, true, true),
            (
                Action::NoViolation,
                CaseSource::Automated,
                3 * H,
                false,
                false
            ),
            (Action::Restrict, CaseSource::Regulator, 5 * H, false, true),
        ]
    );
    assert!(
        s.report_decisions(StatsScope::Platform("other"), from, to)
            .await
            .expect("none")
            .is_empty()
    );
    assert!(
        s.report_decisions(scope, NOW + 4 * H, to)
            .await
            .expect("window")
            .len()
            == 1
    );

    let appeals = s
        .report_appeals(StatsScope::All, from, to)
        .await
        .expect("appeals");
    assert_eq!(
        appeals,
        [(
            "michat".to_owned(),
            PlatformAppeals {
                filed: 1,
                pending: 0,
                upheld: 0,
                reversed: 1
            }
        )]
    );

    let reqs = s.report_requests(scope, from, to).await.expect("requests");
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        (reqs[0].source, reqs[0].deadline, reqs[0].acted_at),
        (CaseSource::Regulator, Some(NOW + 4 * H), Some(NOW + 5 * H))
    );

    let items = s
        .report_located_items(scope, from, to)
        .await
        .expect("items");
    let got: Vec<_> = items
        .iter()
        .map(|i| {
            (
                i.account.as_str(),
                i.location.as_deref(),
                i.signals.is_some(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [("acc1", Some("Kalibata City"), false), ("acc2", None, true)]
    );
    let actions = s
        .report_located_actions(scope, from, to)
        .await
        .expect("actions");
    let got: Vec<_> = actions
        .iter()
        .map(|a| (a.account.as_str(), a.location.as_deref()))
        .collect();
    assert_eq!(
        got,
        [("acc1", Some("Kalibata City")), ("acc-r", None)],
        "no_violation is no action"
    );
    s.close().await;
}
