//! The service's whole loop over real HTTP, a real SQLite file and a real webhook receiver that
//! verifies signatures with the `standardwebhooks` library: ingest → case → claim → freeze →
//! order delivered → appeal → reversed by another moderator → unfreeze delivered → audit
//! verified; an edited audit row is then named by `saring audit verify`.

use std::time::Duration;

use serde_json::json;

use crate::support::receiver::Receiver;
use crate::support::server::{Server, event};
use crate::util::saring;

async fn connect_receiver(server: &Server, platform_admin: &str, platform: &str) -> Receiver {
    let (s, b) = server
        .call(
            "PATCH",
            &format!("/v1/platforms/{platform}"),
            Some(platform_admin),
            Some(json!({"rotate_secret": true})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let secret = b["new_secret"]
        .as_str()
        .expect("a new secret is returned once")
        .to_owned();
    let receiver = Receiver::start(&secret);
    let (s, b) = server
        .call(
            "PATCH",
            &format!("/v1/platforms/{platform}"),
            Some(platform_admin),
            Some(json!({"webhook_url": receiver.url()})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["platform"]["webhook_secret_count"], 1);
    receiver
}

#[tokio::test(flavor = "multi_thread")]
async fn ingest_to_freeze_to_appeal_to_unfreeze_with_audit() {
    lifecycle(Server::start(&[])).await;
}

/// The same loop on PostgreSQL.
#[cfg(feature = "services")]
#[tokio::test(flavor = "multi_thread")]
async fn ingest_to_freeze_to_appeal_to_unfreeze_with_audit_on_postgres() {
    let _services = crate::support::services::lock().await;
    let db = crate::support::services::PgDb::new().await;
    lifecycle(Server::start_on(&db.url, &[])).await;
    db.drop_db().await;
}

async fn lifecycle(mut server: Server) {
    server.platform("michat").await;
    let ingest = server.user("michat-admin", "michat", "admin").await;
    let mod1 = server.user("mod1", "michat", "moderator").await;
    let mod2 = server.user("mod2", "michat", "moderator").await;
    let receiver = connect_receiver(&server, &ingest, "michat").await;

    let (s, b) = server
        .call(
            "POST",
            "/v1/events",
            Some(&ingest),
            Some(json!([
                event(
                    "michat",
                    "acc-1",
                    "e1",
                    "0p3n b0 ready kalcit, ST 500 LT 1,2jt, wa 0812 0000 1111"
                ),
                event("michat", "acc-2", "e2", "selamat pagi, sudah sarapan?")
            ])),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["accepted"], 2);
    let case_id = b["results"][0]["case_id"]
        .as_i64()
        .expect("the ad opens a case");
    assert!(
        b["results"][1]["case_id"].is_null(),
        "ordinary chat opens no case: {b}"
    );

    // The queue shows it; the case page carries the evidence span into the original text.
    let (_, q) = server.call("GET", "/v1/cases", Some(&mod1), None).await;
    assert_eq!(q["cases"][0]["id"], case_id);
    let (s, detail) = server
        .call("GET", &format!("/v1/cases/{case_id}"), Some(&mod1), None)
        .await;
    assert_eq!(s, 200);
    let ev = &detail["events"][0];
    let text = ev["text"].as_str().expect("text");
    let sig = &ev["signals"][0];
    let (start, end) = (
        sig["start"].as_u64().expect("start") as usize,
        sig["end"].as_u64().expect("end") as usize,
    );
    assert_eq!(&text[start..end], sig["text"].as_str().expect("span text"));
    assert!(detail["recommendation"]["action"].is_string());

    // Claim; the other moderator cannot take it meanwhile.
    let (s, _) = server
        .call(
            "POST",
            &format!("/v1/cases/{case_id}/claim"),
            Some(&mod1),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (s, b) = server
        .call(
            "POST",
            &format!("/v1/cases/{case_id}/claim"),
            Some(&mod2),
            None,
        )
        .await;
    assert_eq!(s, 409, "{b}");

    let (s, d) = server.call("POST", &format!("/v1/cases/{case_id}/decision"), Some(&mod1), Some(json!({"action": "freeze", "ground": "ite_decency", "note": "price list and contact hand-off"}))).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "actioned");
    let order = d["order_id"]
        .as_str()
        .expect("freeze writes an order")
        .to_owned();

    assert!(
        receiver.wait_for_async(1, Duration::from_secs(20)).await,
        "the freeze order arrives"
    );
    let got = &receiver.bodies()[0];
    assert_eq!(got["data"]["kind"], "freeze");
    assert_eq!(got["data"]["account"], "acc-1");
    assert_eq!(
        got["data"]["statement_of_reasons"]["decision_account"],
        "DECISION_ACCOUNT_SUSPENDED"
    );
    assert_eq!(receiver.ids()[0], order);
    let o = server
        .poll(
            &format!("/v1/orders/{order}"),
            &mod1,
            Duration::from_secs(10),
            |b| b["order"]["status"] == "delivered",
        )
        .await;
    assert_eq!(o["order"]["status"], "delivered", "{o}");

    // Appeal through the platform; the deciding moderator may not decide it.
    let (s, a) = server
        .call(
            "POST",
            "/v1/appeals",
            Some(&ingest),
            Some(json!({"case_id": case_id, "reason": "this is not my account's ad"})),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let appeal = a["appeal"]["id"].as_i64().expect("appeal id");
    let (s, b) = server
        .call(
            "POST",
            &format!("/v1/appeals/{appeal}/decision"),
            Some(&mod1),
            Some(json!({"decision": "reverse", "note": "x"})),
        )
        .await;
    assert_eq!(s, 409, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .expect("message")
            .contains("different moderator")
    );
    let (s, b) = server
        .call(
            "POST",
            &format!("/v1/appeals/{appeal}/decision"),
            Some(&mod2),
            Some(json!({"decision": "reverse", "note": "photo and number belong to someone else"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(
        receiver.wait_for_async(2, Duration::from_secs(20)).await,
        "the unfreeze order arrives"
    );
    assert_eq!(receiver.bodies()[1]["data"]["kind"], "unfreeze");
    assert_eq!(receiver.deliveries(), 2, "each order acknowledged once");
    let (_, acc) = server
        .call("GET", "/v1/accounts/michat/acc-1", Some(&mod2), None)
        .await;
    assert_eq!(acc["account"]["status"], "active");

    // The audit chain verifies, over HTTP and from the command line.
    let auditor = server.user("auditor", "system", "auditor").await;
    let text = server.metrics().await;
    assert!(
        text.contains("saring_events_total{status=\"accepted\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("saring_decisions_total{action=\"freeze\"} 1"),
        "{text}"
    );
    let (_, v) = server
        .call("GET", "/v1/audit/verify", Some(&auditor), None)
        .await;
    assert_eq!(v["valid"], true, "{v}");
    server.stop();
    saring()
        .args(["audit", "verify", "--db", &server.db])
        .assert()
        .success()
        .stdout(predicates::str::contains("audit log intact"));

    // The log (at debug level) never holds content or phone numbers.
    let log = server.log();
    assert!(
        log.contains("saring serve listening"),
        "the log was captured"
    );
    // The phone number as sent ("0812" alone also matches timings such as `elapsed=812.9µs`).
    for secret in [
        "0812 0000",
        "0p3n",
        "kalcit",
        "not my account",
        "price list",
    ] {
        let lines: Vec<&str> = log.lines().filter(|l| l.contains(secret)).take(3).collect();
        assert!(
            lines.is_empty(),
            "the server log contains {secret:?}: {lines:?}"
        );
    }

    // Change one row in the database: verify fails and names it.
    {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&server.db)
            .await
            .expect("open the database");
        let n = sqlx::query("UPDATE audit SET actor = 'user:999' WHERE seq = 5")
            .execute(&mut c)
            .await
            .expect("edit")
            .rows_affected();
        assert_eq!(n, 1);
    }
    saring()
        .args(["audit", "verify", "--db", &server.db])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("audit entry 5 is not valid"));
}

#[tokio::test(flavor = "multi_thread")]
async fn receiver_down_then_up_gets_each_order_once_even_across_a_restart() {
    let mut server = Server::start(&[]);
    server.platform("michat").await;
    let ingest = server.user("michat-admin", "michat", "admin").await;
    let m = server.user("mod", "michat", "moderator").await;
    let receiver = connect_receiver(&server, &ingest, "michat").await;
    receiver.set_up(false);
    let mut orders = Vec::new();
    for i in 0..3 {
        let (_, b) = server
            .call(
                "POST",
                "/v1/events",
                Some(&ingest),
                Some(json!([event(
                    "michat",
                    &format!("acc-{i}"),
                    &format!("e{i}"),
                    "open bo st 500 lt 1jt wa 0812 0000 2222"
                )])),
            )
            .await;
        let case = b["results"][0]["case_id"].as_i64().expect("case");
        let (s, d) = server
            .call(
                "POST",
                &format!("/v1/cases/{case}/decision"),
                Some(&m),
                Some(json!({"action": "restrict", "ground": "platform_terms", "note": "ad"})),
            )
            .await;
        assert_eq!(s, 200, "{d}");
        orders.push(d["order_id"].as_str().expect("order").to_owned());
    }
    // While the receiver is down the orders are failing, with the error visible.
    let o = server
        .poll(
            &format!("/v1/orders/{}", orders[0]),
            &m,
            Duration::from_secs(10),
            |b| b["order"]["attempts"].as_i64().unwrap_or(0) >= 2,
        )
        .await;
    assert_eq!(o["order"]["status"], "failing", "{o}");
    assert!(
        o["order"]["last_error"]
            .as_str()
            .expect("error")
            .contains("503"),
        "{o}"
    );
    // A restart loses nothing: the outbox is in the database.
    server.restart();
    receiver.set_up(true);
    assert!(
        receiver.wait_for_async(3, Duration::from_secs(30)).await,
        "all orders arrive after the receiver is back"
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.unique(), 3);
    assert_eq!(receiver.deliveries(), 3, "no order acknowledged twice");
    let mut ids = receiver.ids();
    ids.sort();
    orders.sort();
    assert_eq!(ids, orders);
}
