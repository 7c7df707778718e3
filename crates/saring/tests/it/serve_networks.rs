//! Networks in the service over real HTTP: accounts linked as events arrive, with evidence;
//! another tenant's accounts never shown; a frozen account's linked newcomer opening a
//! ban-evasion case with a deadline; a network freeze that only a second moderator can carry
//! out; the links surviving a restart.

use serde_json::{Value, json};

use crate::support::server::{Server, event};

async fn ingest(server: &Server, token: &str, events: Value) {
    let (s, b) = server
        .call("POST", "/v1/events", Some(token), Some(events))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["rejected"], 0, "{b}");
    // Linking follows the commit in the background.
    server.linked().await;
}

fn member_accounts(net: &Value) -> Vec<String> {
    net["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            format!(
                "{}/{}",
                m["platform"].as_str().expect("platform"),
                m["account"].as_str().expect("account")
            )
        })
        .collect()
}

async fn open_case(server: &Server, token: &str, account: &str) -> i64 {
    let (s, b) = server
        .call(
            "POST",
            "/v1/reports",
            Some(token),
            Some(json!({"platform": "michat", "account": account, "reason": "menu of girls with prices"})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    b["case_id"].as_i64().expect("case id")
}

#[tokio::test(flavor = "multi_thread")]
async fn shared_phone_links_with_evidence_and_a_frozen_accounts_newcomer_opens_a_case() {
    let mut server = Server::start(&[]);
    server.platform("michat").await;
    server.platform("beetalk").await;
    let michat = server.user("michat-admin", "michat", "admin").await;
    let beetalk = server.user("beetalk-admin", "beetalk", "admin").await;
    let mod1 = server.user("mod1", "michat", "moderator").await;
    let other = server.user("bt-mod", "beetalk", "moderator").await;

    ingest(
        &server,
        &michat,
        json!([
            event(
                "michat",
                "sari-01",
                "e1",
                "open bo ready kak, ST 500 LT 1,2jt, wa 0812 3456 7890"
            ),
            event(
                "michat",
                "sari-02",
                "e2",
                "avail malam ini, hub nol delapan satu dua 3456 7890"
            ),
            event(
                "michat",
                "toko-99",
                "e3",
                "jual kue kering lebaran, pesan lewat wa 0813 1111 2222"
            ),
        ]),
    )
    .await;
    ingest(
        &server,
        &beetalk,
        json!([event(
            "beetalk",
            "bt-7",
            "b1",
            "ready kak wa 0812-3456-7890"
        )]),
    )
    .await;

    let (s, net) = server
        .call(
            "GET",
            "/v1/accounts/michat/sari-01/network",
            Some(&mod1),
            None,
        )
        .await;
    assert_eq!(s, 200, "{net}");
    assert_eq!(member_accounts(&net), ["michat/sari-01", "michat/sari-02"]);
    let links = net["links"].as_array().expect("links");
    assert_eq!(links.len(), 1, "{net}");
    assert_eq!(links[0]["kind"], "phone");
    assert_eq!(links[0]["value"], "+6281234567890");
    assert_eq!(
        (links[0]["item_a"].as_str(), links[0]["item_b"].as_str()),
        (Some("e1"), Some("e2"))
    );
    // The beetalk account names the same phone, but michat's people never see it, and
    // beetalk's moderator does not see michat's network.
    assert!(!net.to_string().contains("bt-7"), "{net}");
    let (s, _) = server
        .call(
            "GET",
            "/v1/accounts/michat/sari-01/network",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = server
        .call(
            "GET",
            "/v1/accounts/michat/nobody/network",
            Some(&mod1),
            None,
        )
        .await;
    assert_eq!(s, 404);

    // Freeze sari-01; a new account with the same number is a ban-evasion case, with a
    // deadline that puts it ahead of cases without one.
    let case = open_case(&server, &mod1, "sari-01").await;
    let (s, b) = server
        .call(
            "POST",
            &format!("/v1/cases/{case}/decision"),
            Some(&mod1),
            Some(
                json!({"action": "freeze", "ground": "ite_decency", "note": "prices and contact"}),
            ),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    ingest(
        &server,
        &michat,
        json!([event(
            "michat",
            "sari-03",
            "e4",
            "halo kak, ready lagi ya. WA 081234567890"
        )]),
    )
    .await;
    let (s, acc) = server
        .call("GET", "/v1/accounts/michat/sari-03", Some(&mod1), None)
        .await;
    assert_eq!(s, 200, "{acc}");
    let cases = acc["cases"].as_array().expect("cases");
    let evasion: Vec<&Value> = cases
        .iter()
        .filter(|c| c["source"] == "ban_evasion" && c["status"] == "open")
        .collect();
    assert_eq!(evasion.len(), 1, "{acc}");
    assert!(evasion[0]["deadline"].as_i64().is_some(), "{acc}");
    // sari-02 was linked before the freeze and is still active: the new link to sari-03
    // touches it too, and its network now holds the frozen sari-01.
    let (_, acc2) = server
        .call("GET", "/v1/accounts/michat/sari-02", Some(&mod1), None)
        .await;
    assert!(
        acc2["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .all(|c| c["source"] != "ban_evasion"),
        "sari-02 gained no new link, so no ban-evasion case: {acc2}"
    );
    // The unrelated shop is in no network.
    let (_, shop) = server
        .call(
            "GET",
            "/v1/accounts/michat/toko-99/network",
            Some(&mod1),
            None,
        )
        .await;
    assert_eq!(member_accounts(&shop), ["michat/toko-99"]);

    // Links survive a restart (the linker is rebuilt from the events; nothing is doubled).
    server.restart();
    server.linked().await;
    let (_, again) = server
        .call(
            "GET",
            "/v1/accounts/michat/sari-01/network",
            Some(&mod1),
            None,
        )
        .await;
    assert_eq!(
        member_accounts(&again),
        ["michat/sari-01", "michat/sari-02", "michat/sari-03"]
    );
    assert_eq!(
        again["links"].as_array().expect("links").len(),
        2,
        "{again}"
    );
    let (s, v) = server
        .call("GET", "/v1/audit/verify", Some(&server.admin), None)
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["valid"], true, "{v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_network_freeze_needs_a_second_moderator() {
    let server = Server::start(&[]);
    server.platform("michat").await;
    server.platform("beetalk").await;
    let michat = server.user("michat-admin", "michat", "admin").await;
    let mod1 = server.user("mod1", "michat", "moderator").await;
    let mod2 = server.user("mod2", "michat", "moderator").await;
    let other = server.user("bt-mod", "beetalk", "moderator").await;
    ingest(
        &server,
        &michat,
        json!([
            event("michat", "x1", "e1", "ready open bo, id line: mamisari88"),
            event("michat", "x2", "e2", "ada yg fresh kak, ID LINE mamisari88"),
            event("michat", "x3", "e3", "cek line.me/ti/p/~mamisari88 ya"),
        ]),
    )
    .await;
    let case = open_case(&server, &mod1, "x1").await;

    let (s, b) = server
        .call(
            "POST",
            &format!("/v1/cases/{case}/network-freeze"),
            Some(&mod1),
            Some(json!({"ground": "none", "note": "one pimp"})),
        )
        .await;
    assert_eq!(s, 422, "a freeze needs a ground: {b}");
    let (s, proposal) = server
        .call(
            "POST",
            &format!("/v1/cases/{case}/network-freeze"),
            Some(&mod1),
            Some(json!({"ground": "trafficking", "note": "one pimp, three accounts"})),
        )
        .await;
    assert_eq!(s, 201, "{proposal}");
    assert_eq!(proposal["status"], "pending");
    assert_eq!(proposal["members"], json!(["x1", "x2", "x3"]));
    let id = proposal["id"].as_i64().expect("id");
    let (s, _) = server
        .call(
            "POST",
            &format!("/v1/cases/{case}/network-freeze"),
            Some(&mod2),
            Some(json!({"ground": "trafficking", "note": "again"})),
        )
        .await;
    assert_eq!(s, 409, "one pending proposal per case");

    // Nothing is frozen yet; the proposer cannot approve; another platform cannot see it.
    let (_, acc) = server
        .call("GET", "/v1/accounts/michat/x2", Some(&mod1), None)
        .await;
    assert_eq!(acc["account"]["status"], "active", "{acc}");
    let (s, b) = server
        .call(
            "POST",
            &format!("/v1/network-actions/{id}/approve"),
            Some(&mod1),
            None,
        )
        .await;
    assert_eq!(s, 409, "{b}");
    assert!(b.to_string().contains("second moderator"), "{b}");
    let (s, _) = server
        .call(
            "POST",
            &format!("/v1/network-actions/{id}/approve"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (_, pending) = server
        .call(
            "GET",
            "/v1/network-actions?status=pending",
            Some(&mod2),
            None,
        )
        .await;
    assert_eq!(
        pending["network_actions"].as_array().map(Vec::len),
        Some(1),
        "{pending}"
    );

    let (s, done) = server
        .call(
            "POST",
            &format!("/v1/network-actions/{id}/approve"),
            Some(&mod2),
            None,
        )
        .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["status"], "approved");
    let result = done["result"].as_array().expect("result");
    assert_eq!(result.len(), 3, "{done}");
    for r in result {
        assert_eq!(r["outcome"], "frozen", "{done}");
        assert!(r["order_id"].as_str().is_some(), "{done}");
    }
    for account in ["x1", "x2", "x3"] {
        let (_, acc) = server
            .call(
                "GET",
                &format!("/v1/accounts/michat/{account}"),
                Some(&mod1),
                None,
            )
            .await;
        assert_eq!(acc["account"]["status"], "frozen", "{acc}");
    }
    let (s, _) = server
        .call(
            "POST",
            &format!("/v1/network-actions/{id}/approve"),
            Some(&mod2),
            None,
        )
        .await;
    assert_eq!(s, 409, "approved once only");
    let (_, orders) = server.call("GET", "/v1/orders", Some(&mod1), None).await;
    let freezes = orders["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .filter(|o| o["kind"] == "freeze")
        .count();
    assert_eq!(freezes, 3, "{orders}");
    let (_, v) = server
        .call("GET", "/v1/audit/verify", Some(&server.admin), None)
        .await;
    assert_eq!(v["valid"], true, "{v}");
}
