//! The case page's network section over real HTTP: linked accounts with the evidence of each
//! link (never another platform's), and a network freeze proposed by one moderator and
//! approved by another through the console's forms.

use serde_json::json;

use crate::console_pages::{Browser, csrf_of, set_password};
use crate::support::server::{Server, event};

#[tokio::test(flavor = "multi_thread")]
async fn the_case_page_shows_the_network_and_a_second_moderator_approves_its_freeze() {
    let server = Server::start(&[]);
    server.platform("michat").await;
    server.platform("beetalk").await;
    let michat = server.user("michat-admin", "michat", "admin").await;
    let beetalk = server.user("beetalk-admin", "beetalk", "admin").await;
    let mod_a = server.user("mod-a", "michat", "moderator").await;
    server.user("mod-b", "michat", "moderator").await;
    for name in ["mod-a", "mod-b"] {
        set_password(&server, name).await;
    }
    let (s, b) = server
        .call(
            "POST",
            "/v1/events",
            Some(&michat),
            Some(json!([
                event(
                    "michat",
                    "melati-1",
                    "m1",
                    "open bo ready kak, wa 0812 4444 9090"
                ),
                event(
                    "michat",
                    "melati-2",
                    "m2",
                    "avail kak, hub 0812-4444-9090 ya"
                ),
            ])),
        )
        .await;
    assert_eq!((s, b["accepted"].as_i64()), (200, Some(2)), "{b}");
    let (s, _) = server
        .call(
            "POST",
            "/v1/events",
            Some(&beetalk),
            Some(json!([event(
                "beetalk",
                "bt-secret",
                "b1",
                "wa 081244449090"
            )])),
        )
        .await;
    assert_eq!(s, 200);
    server.linked().await;
    let (_, r) = server
        .call(
            "POST",
            "/v1/reports",
            Some(&mod_a),
            Some(json!({"platform": "michat", "account": "melati-1", "reason": "menu"})),
        )
        .await;
    let case = r["case_id"].as_i64().expect("case");

    let mut a = Browser::new(&server.url);
    assert_eq!(a.login("mod-a", "correct horse battery").await, 303);
    let (s, _, html) = a.get(&format!("/cases/{case}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"network\""), "network section");
    assert!(
        html.contains("melati-2") && html.contains("+6281244449090"),
        "{html}"
    );
    assert!(
        !html.contains("bt-secret"),
        "another platform's account never shows"
    );
    let csrf = csrf_of(&html);
    let s = a
        .post(
            &format!("/cases/{case}/network-freeze"),
            &[
                ("csrf", &csrf),
                ("ground", "trafficking"),
                ("note", "one number, two accounts"),
            ],
        )
        .await;
    assert_eq!(s, 303);
    let (_, _, html) = a.get(&format!("/cases/{case}")).await;
    assert!(html.contains("id=\"network-pending\""), "pending shown");
    assert!(
        !html.contains("id=\"approve-network\""),
        "the proposer gets no approve button"
    );
    let pending = html
        .split("id=\"network-pending\"")
        .nth(1)
        .and_then(|r| r.split("(#").nth(1))
        .and_then(|r| r.split(')').next())
        .expect("pending id")
        .to_owned();
    let s = a
        .post(
            &format!("/network-actions/{pending}"),
            &[("csrf", &csrf), ("decision", "approve")],
        )
        .await;
    assert_eq!(s, 409, "the proposer cannot approve");

    let mut b = Browser::new(&server.url);
    assert_eq!(b.login("mod-b", "correct horse battery").await, 303);
    let (_, _, html) = b.get(&format!("/cases/{case}")).await;
    assert!(
        html.contains("id=\"approve-network\""),
        "a second moderator can approve"
    );
    let csrf_b = csrf_of(&html);
    let s = b
        .post(
            &format!("/network-actions/{pending}"),
            &[("csrf", &csrf_b), ("decision", "approve")],
        )
        .await;
    assert_eq!(s, 303);
    for account in ["melati-1", "melati-2"] {
        let (_, acc) = server
            .call(
                "GET",
                &format!("/v1/accounts/michat/{account}"),
                Some(&mod_a),
                None,
            )
            .await;
        assert_eq!(acc["account"]["status"], "frozen", "{acc}");
    }
    let (_, acc) = server
        .call(
            "GET",
            "/v1/accounts/beetalk/bt-secret",
            Some(&beetalk),
            None,
        )
        .await;
    assert_eq!(
        acc["account"]["status"], "active",
        "other platforms are untouched: {acc}"
    );
}
