//! A legal hold keeps a dismissed case's content past retention until it is released; only
//! the police, the regulator and the platform's admin may place one, and each is audited.

use std::time::Duration;

use serde_json::json;

use crate::support::server::{Server, event};

#[tokio::test(flavor = "multi_thread")]
async fn a_hold_stops_the_purge_until_released() {
    let server = Server::start(&[
        ("SARING_RETENTION__DISMISSED_DAYS", "0"),
        ("SARING_RETENTION__PURGE_INTERVAL_SECS", "1"),
    ]);
    server.platform("michat").await;
    let admin = server.user("michat-admin", "michat", "admin").await;
    let mod1 = server.user("mod1", "michat", "moderator").await;
    let police = server.user("penyidik-1", "police", "police").await;
    let (s, b) = server
        .call(
            "POST",
            "/v1/events",
            Some(&admin),
            Some(json!([event(
                "michat",
                "rina-5",
                "e1",
                "ready kak, open bo wa 0812 5555 0101"
            )])),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, r) = server
        .call(
            "POST",
            "/v1/reports",
            Some(&police),
            Some(json!({"platform": "michat", "account": "rina-5", "reason": "laporan polisi LP/123"})),
        )
        .await;
    let case = r["case_id"].as_i64().expect("case");
    let path = format!("/v1/cases/{case}/legal-hold");

    let (s, b) = server
        .call(
            "POST",
            &path,
            Some(&mod1),
            Some(json!({"hold": true, "reason": "x"})),
        )
        .await;
    assert_eq!(s, 403, "a moderator cannot place a hold: {b}");
    let (s, b) = server
        .call(
            "POST",
            &path,
            Some(&police),
            Some(json!({"hold": true, "reason": "penyidikan LP/123"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["legal_hold"], true);
    let (s, _) = server
        .call(
            "POST",
            &path,
            Some(&police),
            Some(json!({"hold": true, "reason": "again"})),
        )
        .await;
    assert_eq!(s, 409);

    let (s, d) = server
        .call(
            "POST",
            &format!("/v1/cases/{case}/decision"),
            Some(&mod1),
            Some(json!({"action": "no_violation", "ground": "none", "note": "not an ad"})),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    // Retention is 0 days and the purge runs every second: held content stays.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (_, detail) = server
        .call("GET", &format!("/v1/cases/{case}"), Some(&mod1), None)
        .await;
    assert_eq!(
        detail["events"][0]["text"], "ready kak, open bo wa 0812 5555 0101",
        "{detail}"
    );

    let (s, b) = server
        .call(
            "POST",
            &path,
            Some(&police),
            Some(json!({"hold": false, "reason": "perkara selesai"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let detail = server
        .poll(
            &format!("/v1/cases/{case}"),
            &mod1,
            Duration::from_secs(10),
            |d| d["events"][0]["text"].is_null(),
        )
        .await;
    assert!(
        detail["events"][0]["text"].is_null(),
        "purged once released: {detail}"
    );
    assert!(
        detail["events"][0]["text_sha256"].as_str().is_some(),
        "the hash stays: {detail}"
    );
    let (_, log) = server
        .call("GET", "/v1/audit?limit=1000", Some(&server.admin), None)
        .await;
    let log = log.to_string();
    assert!(
        log.contains("case.legal_hold") && log.contains("case.legal_hold_released"),
        "{log}"
    );
}
