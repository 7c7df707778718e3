//! Authorities' requests at the store level, on both backends: one request naming several
//! accounts opens or joins their cases with its deadline, a rejection is recorded and moves
//! the case's deadline, item states follow the decisions, and the protection facts count
//! referrals.

use saring_core::case::CaseSource;
use saring_core::decision::{Action, Ground};
use saring_core::request::{ItemOutcome, ReferralKind, RejectCode, Urgency};
use saring_store::{DecisionInput, IngestParams, NewRequest, ReferralInput, Store};

use crate::both_backends;
use crate::db::TestDb;
use crate::store_lifecycle::{NOW, moderator, scored};

both_backends!(
    a_request_opens_cases_and_its_items_follow_them,
    protection_decisions_need_a_referral_and_are_counted,
);

const H: i64 = 3_600_000;

async fn store(db: &TestDb) -> Store {
    let s = Store::open(&db.url).await.expect("open store");
    for p in ["michat", "beetalk"] {
        s.create_platform(p, p, 0.8, "system", NOW)
            .await
            .expect("platform");
    }
    s
}

fn request(accounts: &[(&str, &str)], deadline: Option<i64>) -> NewRequest {
    NewRequest {
        source: CaseSource::Regulator,
        legal_ground: "UU ITE Pasal 27 ayat 1".into(),
        category: "prostitution".into(),
        urgency: Urgency::Normal,
        reference: "B-1/2026".into(),
        accounts: accounts
            .iter()
            .map(|(p, a)| ((*p).to_owned(), (*a).to_owned()))
            .collect(),
        deadline,
    }
}

async fn a_request_opens_cases_and_its_items_follow_them(db: &TestDb) {
    let s = store(db).await;
    let m = moderator(&s, "mod1").await;
    let bad = s
        .file_request(
            &request(&[("michat", "a"), ("nowhere", "b")], None),
            "user:9",
            NOW,
        )
        .await
        .expect_err("unknown platform");
    assert!(bad.to_string().starts_with("accounts[1].platform"), "{bad}");
    assert!(
        s.requests(None, None, 10).await.expect("list").is_empty(),
        "nothing of a refused request is stored"
    );

    let r = s
        .file_request(
            &request(
                &[("michat", "a1"), ("michat", "a2"), ("beetalk", "b1")],
                Some(NOW + 24 * H),
            ),
            "user:9",
            NOW,
        )
        .await
        .expect("file");
    assert_eq!(r.items.len(), 3);
    let a1 = &r.items[0];
    let case = s.case(a1.case_id).await.expect("case").expect("exists");
    assert_eq!(case.deadline, Some(NOW + 24 * H));
    assert_eq!(case.source, CaseSource::Regulator);
    // An urgent request on a2 brings its case's deadline forward.
    let urgent = s
        .file_request(
            &request(&[("michat", "a2")], Some(NOW + 4 * H)),
            "user:9",
            NOW,
        )
        .await
        .expect("file urgent");
    let a2_case = urgent.items[0].case_id;
    assert_eq!(a2_case, r.items[1].case_id, "joins the open case");
    assert_eq!(
        s.case(a2_case)
            .await
            .expect("case")
            .expect("exists")
            .deadline,
        Some(NOW + 4 * H)
    );

    // Rejecting the urgent item moves the case's deadline back to the other item's.
    let rejected = s
        .reject_request_item(
            urgent.items[0].id,
            RejectCode::NoViolation,
            "profile is a shop",
            &m.actor(),
            NOW + H,
        )
        .await
        .expect("reject");
    assert_eq!(rejected.state(NOW + H).outcome, ItemOutcome::Rejected);
    assert_eq!(
        s.case(a2_case)
            .await
            .expect("case")
            .expect("exists")
            .deadline,
        Some(NOW + 24 * H)
    );
    let again = s
        .reject_request_item(urgent.items[0].id, RejectCode::Other, "x", &m.actor(), NOW)
        .await
        .expect_err("once");
    assert!(matches!(again, saring_store::Error::Conflict(_)), "{again}");

    // a1 decided late; the item says so.
    s.decide(
        a1.case_id,
        &DecisionInput {
            action: Action::Freeze,
            ground: Ground::IteDecency,
            note: "ads".into(),
            referral: None,
        },
        &m,
        NOW + 25 * H,
    )
    .await
    .expect("decide");
    let item = s.request_item(a1.id).await.expect("item").expect("exists");
    let st = item.state(NOW + 25 * H);
    assert_eq!(st.outcome, ItemOutcome::ActedOn);
    assert_eq!(st.in_time, Some(false));
    // A decided item cannot be rejected.
    assert!(
        s.reject_request_item(a1.id, RejectCode::Other, "x", &m.actor(), NOW)
            .await
            .is_err()
    );

    // The compliance facts: items received in the window, by platform.
    let items = s
        .request_items_received(CaseSource::Regulator, Some("michat"), NOW, NOW + 1)
        .await
        .expect("items");
    assert_eq!(items.len(), 3);
    let all = s
        .request_items_received(CaseSource::Regulator, None, NOW, NOW + 1)
        .await
        .expect("items");
    assert_eq!(all.len(), 4);
    let none = s
        .request_items_received(CaseSource::Police, None, NOW, NOW + 1)
        .await
        .expect("items");
    assert!(none.is_empty());
    // A platform's listing holds only its items.
    let bt = s
        .requests(None, Some("beetalk"), 10)
        .await
        .expect("beetalk");
    assert_eq!(bt.len(), 1);
    assert_eq!(bt[0].items.len(), 1);
    assert!(
        s.request(urgent.id, Some("beetalk"))
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        s.authority_reported(a1.case_id, CaseSource::Regulator)
            .await
            .expect("q")
    );
    assert!(
        !s.authority_reported(a1.case_id, CaseSource::Police)
            .await
            .expect("q")
    );
}

async fn protection_decisions_need_a_referral_and_are_counted(db: &TestDb) {
    let s = store(db).await;
    let m = moderator(&s, "mod1").await;
    let out = s
        .ingest(
            &[
                scored("e1", "minor", 0.9, &["minor_risk"]),
                scored("e2", "pimp", 0.9, &["third_party"]),
            ],
            &IngestParams::default(),
            "user:0",
            NOW,
        )
        .await
        .expect("ingest");
    let case = |i: usize| match out[i] {
        saring_store::IngestOutcome::Accepted {
            case_id: Some(c), ..
        } => c,
        ref o => panic!("a case: {o:?}"),
    };
    let input = |referral| DecisionInput {
        action: Action::Freeze,
        ground: Ground::ChildProtection,
        note: "minor".into(),
        referral,
    };
    let err = s
        .decide(case(0), &input(None), &m, NOW + H)
        .await
        .expect_err("referral required");
    assert!(err.to_string().starts_with("referral_made"), "{err}");
    s.decide(
        case(0),
        &input(Some(ReferralInput {
            made: true,
            kind: None,
            to: "Example service".into(),
            note: String::new(),
        })),
        &m,
        NOW + 2 * H,
    )
    .await
    .expect("decide with referral");
    s.decide(
        case(1),
        &input(Some(ReferralInput {
            made: false,
            kind: None,
            to: String::new(),
            note: "referred by the police already".into(),
        })),
        &m,
        NOW + H,
    )
    .await
    .expect("decide without referral");
    let facts = s
        .protection_facts(Some("michat"), NOW, NOW + 1)
        .await
        .expect("facts");
    assert_eq!(facts.len(), 2);
    let minor = facts
        .iter()
        .find(|(_, f)| f.minor_risk)
        .expect("minor case")
        .1;
    assert!(minor.decided);
    assert_eq!(
        minor.referral,
        Some((true, Some(ReferralKind::ChildProtection), NOW + 2 * H))
    );
    let pimp = facts.iter().find(|(_, f)| f.third_party).expect("pimp").1;
    assert_eq!(pimp.referral.map(|r| r.0), Some(false));
    assert!(
        s.protection_facts(Some("beetalk"), NOW, NOW + 1)
            .await
            .expect("facts")
            .is_empty()
    );
    assert!(s.verify_audit().await.expect("verify").is_ok());
}
