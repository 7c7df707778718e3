//! The console's authority pages over real HTTP: the regulator files a request naming two
//! accounts, the platform's moderator sees the countdown, rejects one item with a reason and
//! decides the other (a protection case: the referral panel with the configured contacts,
//! and the decision refused without a referral record), and the compliance and protection
//! reports show the figures.

use serde_json::json;

use crate::console_pages::{Browser, csrf_of, set_password};
use crate::support::server::{Server, event};

/// The element with `id="…"` up to its row's end.
fn row<'a>(html: &'a str, id: &str) -> &'a str {
    html.split(&format!("id=\"{id}\""))
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap_or_else(|| panic!("no {id} in the page"))
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_rejections_referrals_and_reports_in_the_console() {
    let server = Server::start(&[(
        "SARING_PROTECTION__CONTACTS",
        r#"[{name="Example child-protection service", kind="child_protection", url="https://example.org/report"}]"#,
    )]);
    server.platform("michat").await;
    let admin = server.user("mc-admin", "michat", "admin").await;
    for (name, tenant, role) in [
        ("mc-mod", "michat", "moderator"),
        ("kominfo-3", "regulator", "regulator"),
    ] {
        server.user(name, tenant, role).await;
        set_password(&server, name).await;
    }
    set_password(&server, "mc-admin").await;
    let (s, b) = server
        .call(
            "POST",
            "/v1/events",
            Some(&admin),
            Some(json!([event(
                "michat",
                "m1",
                "e1",
                "open bo abg masih sekolah umur 16 wa 0812 4444 0101"
            )])),
        )
        .await;
    assert_eq!(s, 200, "{b}");

    // The regulator files an urgent request naming two accounts.
    let mut reg = Browser::new(&server.url);
    assert_eq!(reg.login("kominfo-3", "correct horse battery").await, 303);
    let (s, _, html) = reg.get("/requests").await;
    assert_eq!(s, 200);
    let csrf = csrf_of(&html);
    let bad = reg
        .post(
            "/requests",
            &[
                ("csrf", &csrf),
                ("accounts", "michat m1\nlonely"),
                ("legal_ground", "UU ITE Pasal 27"),
                ("category", "child_exploitation"),
                ("urgency", "urgent"),
            ],
        )
        .await;
    assert_eq!(bad, 422, "a line without an account is refused");
    let ok = reg
        .post(
            "/requests",
            &[
                ("csrf", &csrf),
                ("accounts", "michat m1\nmichat m2"),
                ("legal_ground", "UU ITE Pasal 27"),
                ("category", "child_exploitation"),
                ("reference", "B-9/KOMINFO/2026"),
                ("urgency", "urgent"),
            ],
        )
        .await;
    assert_eq!(ok, 303);
    let (_, _, html) = reg.get("/requests").await;
    let first = row(&html, "item-1");
    assert!(first.contains(">pending<"), "{first}");
    assert!(
        first.contains("3h 59m") || first.contains("4h 00m"),
        "urgent: four hours: {first}"
    );
    assert!(
        !html.contains("id=\"single-reports\""),
        "a request's items are not listed again as single reports"
    );

    // The moderator: countdown in the queue, the incoming requests, a rejection.
    let mut m = Browser::new(&server.url);
    assert_eq!(m.login("mc-mod", "correct horse battery").await, 303);
    let (_, _, html) = m.get("/queue").await;
    assert!(html.contains("3h 59m") || html.contains("4h 00m"), "{html}");
    let (s, _, html) = m.get("/incoming-requests").await;
    assert_eq!(s, 200);
    assert!(
        row(&html, "item-2").contains("reject-item"),
        "a reject form"
    );
    let csrf = csrf_of(&html);
    let s = m
        .post(
            "/request-items/2/reject",
            &[
                ("csrf", &csrf),
                ("code", "account_not_found"),
                ("reason", "no account m2 on MiChat"),
            ],
        )
        .await;
    assert_eq!(s, 303);
    let (_, _, html) = m.get("/incoming-requests").await;
    let second = row(&html, "item-2");
    assert!(
        second.contains(">rejected<") && second.contains("no account m2 on MiChat"),
        "{second}"
    );

    // The protection case: the panel with the configured contact; no decision without a
    // referral record.
    let (_, _, html) = m.get("/cases/1").await;
    assert!(html.contains("id=\"referral-panel\""), "the referral panel");
    assert!(html.contains("Example child-protection service"));
    assert!(html.contains("id=\"referral-fields\""), "the form asks");
    assert!(
        html.contains("id=\"case-requests\""),
        "the request is on the case"
    );
    let csrf = csrf_of(&html);
    let decision = [
        ("csrf", csrf.as_str()),
        ("action", "freeze"),
        ("ground", "child_protection"),
        ("note", "minor"),
    ];
    assert_eq!(m.post("/cases/1/decision", &decision).await, 422);
    let mut with = decision.to_vec();
    with.extend([
        ("referral_made", "yes"),
        ("referral_to", "Example child-protection service"),
        ("referral_kind", "child_protection"),
    ]);
    assert_eq!(m.post("/cases/1/decision", &with).await, 303);

    let (_, _, html) = reg.get("/requests").await;
    let first = row(&html, "item-1");
    assert!(
        first.contains(">acted_on<") && first.contains("freeze"),
        "{first}"
    );
    assert!(row(&html, "item-2").contains("account_not_found"));

    // Reports: the platform's admin sees its compliance and protection figures; a moderator
    // has neither.
    let mut a = Browser::new(&server.url);
    assert_eq!(a.login("mc-admin", "correct horse battery").await, 303);
    let (s, _, html) = a.get("/compliance").await;
    assert_eq!(s, 200);
    let r = row(&html, "compliance-michat");
    assert!(
        r.contains("class=\"received\">2<")
            && r.contains("class=\"in-time\">1<")
            && r.contains("class=\"rejected\">1<"),
        "{r}"
    );
    let (s, _, html) = a.get("/protection").await;
    assert_eq!(s, 200);
    let r = row(&html, "protection-michat");
    assert!(
        r.contains("class=\"cases\">1<") && r.contains("class=\"referrals\">1<"),
        "{r}"
    );
    let (s, _, _) = m.get("/compliance").await;
    assert_eq!(s, 403);
    let (s, _, _) = reg.get("/compliance?from=2026-02-30").await;
    assert_eq!(s, 400);
}
