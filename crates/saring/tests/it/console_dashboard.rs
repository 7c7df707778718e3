//! The console's dashboard over real HTTP: the charts are server-rendered SVG, the numbers
//! match what was seeded, each viewer sees only their tenant's numbers (the regulator all),
//! and the per-location table withholds counts below k — here k = 3, set through the
//! configuration, so a location with 3 accounts shows and one with 2 does not.

use serde_json::{Value, json};

use crate::console_pages::{Browser, set_password};
use crate::support::server::{Server, event};

const AD: &str = "0p3n b0 ready, ST 500 LT 1,2jt, wa 0812 0000 ";

fn located(platform: &str, account: &str, id: &str, text: &str, location: &str) -> Value {
    let mut e = event(platform, account, id, text);
    e["location"] = json!(location);
    e
}

/// The text of the element with id `id` (`<dd id="…">text</dd>`).
fn by_id<'a>(html: &'a str, id: &str) -> &'a str {
    html.split(&format!("id=\"{id}\">"))
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap_or_else(|| panic!("no element {id}"))
}

/// The cells of the location table's row for `location`.
fn location_row(html: &str, location: &str) -> Vec<String> {
    let row = html
        .split(&format!("<td class=\"content\">{location}</td>"))
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap_or_else(|| panic!("no row for {location}"));
    row.split("<td class=\"count\">")
        .skip(1)
        .map(|c| {
            let c = c.split("</td>").next().unwrap_or("");
            c.replace("<span class=\"suppressed\">", "")
                .replace("</span>", "")
        })
        .collect()
}

/// Flagged items in an ingest answer.
fn flagged(b: &Value) -> i64 {
    let n = b["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["label"] == "solicitation")
        .count();
    i64::try_from(n).expect("small")
}

#[tokio::test(flavor = "multi_thread")]
async fn dashboard_charts_numbers_scope_and_suppression() {
    let server = Server::start(&[("SARING_CONSOLE__K_ANONYMITY", "3")]);
    server.platform("michat").await;
    server.platform("beetalk").await;
    let mc = server.user("mc-admin", "michat", "admin").await;
    let bt = server.user("bt-admin", "beetalk", "admin").await;
    let mod1 = server.user("mc-mod", "michat", "moderator").await;
    let mod2 = server.user("mc-mod2", "michat", "moderator").await;
    let regulator = server.user("regulator-1", "regulator", "regulator").await;
    let police_token = server.user("police-1", "police", "police").await;
    for u in ["mc-mod", "regulator-1", "police-1"] {
        set_password(&server, u).await;
    }

    // michat: three accounts with ads at Kalibata City (k = 3: shown), two at Margonda
    // Residence (k - 1: withheld), and two ordinary chats without a location.
    let mut items = Vec::new();
    for i in 0..3 {
        items.push(located(
            "michat",
            &format!("kc-{i}"),
            &format!("kc-{i}"),
            &format!("{AD}11{i}1"),
            "Kalibata City",
        ));
    }
    for i in 0..2 {
        items.push(located(
            "michat",
            &format!("mr-{i}"),
            &format!("mr-{i}"),
            &format!("{AD}22{i}2"),
            "Margonda Residence",
        ));
    }
    items.push(event(
        "michat",
        "chat-1",
        "c1",
        "selamat pagi, sudah sarapan?",
    ));
    items.push(event("michat", "chat-2", "c2", "rapat RT jam 7 malam ya"));
    let (s, b) = server
        .call("POST", "/v1/events", Some(&mc), Some(json!(items)))
        .await;
    assert_eq!(s, 200, "{b}");
    let mc_flagged = flagged(&b);
    let labels: Vec<&Value> = b["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| &r["label"])
        .collect();
    assert!(
        labels[..5].iter().all(|l| *l == "solicitation")
            && labels[5..].iter().all(|l| *l != "solicitation"),
        "the seed is labelled as intended: {labels:?}"
    );
    let cases: Vec<i64> = b["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["case_id"].as_i64())
        .collect();
    assert!(cases.len() >= 2, "ads open cases: {b}");

    // beetalk: one ad, never in michat's numbers.
    let (s, bb) = server
        .call(
            "POST",
            "/v1/events",
            Some(&bt),
            Some(json!([located(
                "beetalk",
                "bt-1",
                "b1",
                &format!("{AD}3333"),
                "Kalibata City"
            )])),
        )
        .await;
    assert_eq!(s, 200, "{bb}");
    let bt_flagged = flagged(&bb);

    // Decisions: freeze one case, warn another; appeal the freeze and reverse it (no webhook
    // URL is set, so both orders stay pending).
    for (case, action) in [(cases[0], "freeze"), (cases[1], "warn")] {
        let (s, d) = server
            .call(
                "POST",
                &format!("/v1/cases/{case}/decision"),
                Some(&mod1),
                Some(json!({"action": action, "ground": "ite_decency", "note": "ad"})),
            )
            .await;
        assert_eq!(s, 200, "{d}");
    }
    let (s, a) = server
        .call(
            "POST",
            "/v1/appeals",
            Some(&mc),
            Some(json!({"case_id": cases[0], "reason": "bukan saya"})),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let appeal = a["appeal"]["id"].as_i64().expect("appeal");
    let (s, r) = server
        .call(
            "POST",
            &format!("/v1/appeals/{appeal}/decision"),
            Some(&mod2),
            Some(json!({"decision": "reverse", "note": "ok"})),
        )
        .await;
    assert_eq!(s, 200, "{r}");

    // The michat moderator's dashboard: michat's numbers only.
    let mut br = Browser::new(&server.url);
    assert_eq!(br.login("mc-mod", "correct horse battery").await, 303);
    let (s, _, html) = br.get("/dashboard").await;
    assert_eq!(s, 200, "{html}");
    assert!(
        !html.contains("id=\"reports\""),
        "no report links for a moderator"
    );
    assert!(
        html.contains("id=\"nav-dashboard\""),
        "the navigation offers it"
    );
    assert_eq!(by_id(&html, "scope"), "michat");
    assert_eq!(by_id(&html, "stat-scored"), "7");
    assert_eq!(by_id(&html, "stat-flagged"), mc_flagged.to_string());
    assert_eq!(
        by_id(&html, "stat-flagged-rate"),
        format!("{:.1}%", 500.0 / 7.0)
    );
    assert_eq!(by_id(&html, "stat-decisions"), "2");
    assert_eq!(by_id(&html, "stat-reversal-rate"), "100.0%");
    assert_eq!(by_id(&html, "stat-order-failures"), "0");
    for chart in [
        "chart-scored",
        "chart-flagged-rate",
        "chart-decisions",
        "chart-time-to-decision",
        "chart-appeals",
        "chart-orders",
    ] {
        let fig = html
            .split(&format!("id=\"{chart}\""))
            .nth(1)
            .and_then(|r| r.split("</figure>").next())
            .unwrap_or_else(|| panic!("no {chart}"));
        assert!(
            fig.contains("<svg") && fig.contains("</svg>"),
            "{chart} is an SVG chart"
        );
    }
    // The charts' tables hold the same numbers as the bars.
    let decisions = html
        .split("id=\"chart-decisions\"")
        .nth(1)
        .and_then(|r| r.split("</figure>").next())
        .expect("decisions chart");
    for (action, n) in [
        ("freeze", 1),
        ("restrict", 0),
        ("warn", 1),
        ("no_violation", 0),
    ] {
        assert!(
            decisions.contains(&format!("<th>{action}</th><td>{n}</td>")),
            "{action}: {n}"
        );
    }
    let orders = html
        .split("id=\"chart-orders\"")
        .nth(1)
        .and_then(|r| r.split("</figure>").next())
        .expect("orders chart");
    assert!(
        orders.contains("<th>pending</th><td>3</td>"),
        "freeze, warn and unfreeze orders pending: {orders}"
    );
    // k = 3: three accounts show with their counts, two are withheld whole.
    assert_eq!(by_id(&html, "k"), "3");
    assert_eq!(location_row(&html, "Kalibata City")[..2], ["3", "3"]);
    assert_eq!(
        location_row(&html, "Margonda Residence"),
        ["&lt;3", "&lt;3", "&lt;3"]
    );

    // The regulator sees every platform; Kalibata City now has four accounts.
    let mut reg = Browser::new(&server.url);
    assert_eq!(reg.login("regulator-1", "correct horse battery").await, 303);
    let (s, _, html) = reg.get("/").await;
    assert_eq!(s, 303, "the regulator's home is the dashboard");
    let (s, _, html2) = reg.get("/dashboard").await;
    assert_eq!(s, 200, "{html}");
    assert_eq!(by_id(&html2, "stat-scored"), "8");
    assert_eq!(
        by_id(&html2, "stat-flagged"),
        (mc_flagged + bt_flagged).to_string()
    );
    assert_eq!(location_row(&html2, "Kalibata City")[0], "4");
    // The regulator may download the reports for the window; the moderator may not.
    for (id, head) in [
        ("report-transparency", "platform,metric,key,value"),
        (
            "report-locations",
            "location,week,flagged_accounts,actioned_accounts",
        ),
    ] {
        let href = html2
            .split(&format!("id=\"{id}\" href=\""))
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_else(|| panic!("no link {id}"))
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        let (s, _, body) = reg.get(&href).await;
        assert_eq!(s, 200, "{href}: {body}");
        assert_eq!(body.lines().next(), Some(head), "{href}");
    }
    assert!(
        !html2.contains("id=\"nav-queue\""),
        "no review queue for the regulator"
    );
    let (s, _, _) = reg.get("/queue").await;
    assert_eq!(s, 403);
    let (s, _, _) = reg.get("/dashboard?days=0").await;
    assert_eq!(s, 400, "a window of 0 days is refused");

    // The police have no dashboard.
    let mut police = Browser::new(&server.url);
    assert_eq!(police.login("police-1", "correct horse battery").await, 303);
    let (s, _, body) = police.get("/dashboard").await;
    assert_eq!(s, 403, "{body}");

    // Each authority's requests page lists its own requests with the deadline countdown.
    let (s, r) = server
        .call(
            "POST",
            "/v1/reports",
            Some(&regulator),
            Some(json!({"platform": "michat", "account": "acc-reg", "reason": "iklan BO", "urgent": true})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let reg_report = r["report_id"].as_i64().expect("report id");
    let (s, r) = server
        .call(
            "POST",
            "/v1/reports",
            Some(&police_token),
            Some(json!({"platform": "beetalk", "account": "acc-pol", "reason": "penyelidikan"})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let pol_report = r["report_id"].as_i64().expect("report id");
    let (_, _, html) = reg.get("/requests").await;
    let row = html
        .split(&format!("id=\"request-{reg_report}\""))
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .expect("the regulator's request is listed");
    assert!(row.contains("acc-reg") && row.contains(">open<"), "{row}");
    assert!(
        row.contains(">3h 59m<") || row.contains(">4h 00m<"),
        "an urgent request has four hours: {row}"
    );
    assert!(!html.contains(&format!("id=\"request-{pol_report}\"")));
    assert!(
        !html.contains("iklan BO"),
        "no content or reasons on this page"
    );
    let (s, _, html) = police.get("/requests").await;
    assert_eq!(s, 200);
    assert!(html.contains(&format!("id=\"request-{pol_report}\"")));
    assert!(!html.contains(&format!("id=\"request-{reg_report}\"")));
    let (s, _, _) = br.get("/requests").await;
    assert_eq!(s, 403, "a moderator has no requests page");
}
