//! `saring evidence export` on a real store after a real decision, and `saring evidence
//! verify` on the bundle: intact, then changed in several places, each named.

use serde_json::json;

use crate::support::server::{Server, event};
use crate::util::saring;

#[tokio::test(flavor = "multi_thread")]
async fn export_verify_and_tamper() {
    let mut server = Server::start(&[]);
    server.platform("michat").await;
    let admin = server.user("michat-admin", "michat", "admin").await;
    let mod1 = server.user("mod1", "michat", "moderator").await;
    let (s, b) = server
        .call(
            "POST",
            "/v1/events",
            Some(&admin),
            Some(json!([
                event(
                    "michat",
                    "dina-77",
                    "e1",
                    "0p3n b0 ready kalcit, ST 500 LT 1,2jt, wa 0812 7777 0001"
                ),
                event("michat", "dina-77", "e2", "masih avail kak, dm aja"),
            ])),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, r) = server
        .call(
            "POST",
            "/v1/reports",
            Some(&mod1),
            Some(
                json!({"platform": "michat", "account": "dina-77", "reason": "prices and contact"}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let case = r["case_id"].as_i64().expect("case");
    let (s, d) = server
        .call(
            "POST",
            &format!("/v1/cases/{case}/decision"),
            Some(&mod1),
            Some(
                json!({"action": "freeze", "ground": "ite_decency", "note": "open BO with prices"}),
            ),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    server.stop();

    let dir = tempfile::tempdir().expect("temp dir");
    let bundle = dir.path().join("case.json");
    let bundle_s = bundle.to_str().expect("utf-8 path");
    saring()
        .args([
            "evidence",
            "export",
            &case.to_string(),
            "--db",
            &server.db,
            "--out",
            bundle_s,
        ])
        .assert()
        .success();
    let text = std::fs::read_to_string(&bundle).expect("bundle written");
    assert!(text.contains("0p3n b0 ready kalcit"), "content as received");
    assert!(
        text.contains("statement"),
        "decisions carry their statement of reasons"
    );
    let out = saring()
        .args(["evidence", "verify", bundle_s])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("bundle intact: case"), "{stdout}");
    assert!(stdout.contains("2 items"), "{stdout}");
    // The export is in the audit log, with the manifest's hash; the chain still holds.
    let hash = stdout
        .split("manifest SHA-256 ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("hash printed")
        .to_owned();
    server.restart();
    let (_, log) = server
        .call("GET", "/v1/audit?limit=1000", Some(&server.admin), None)
        .await;
    assert!(
        log.to_string().contains("evidence.exported") && log.to_string().contains(&hash),
        "{log}"
    );
    saring()
        .args(["audit", "verify", "--db", &server.db])
        .assert()
        .success();

    // Each change is caught and named.
    for (from, to, place) in [
        ("ST 500 LT 1,2jt", "ST 300 LT 1,2jt", "items[0] (event e1)"),
        ("\"ite_decency\"", "\"platform_terms\"", "case"),
        ("DECISION_GROUND_", "DECISION_GROUNDS_", "decisions"),
        ("open BO with prices", "nothing much", "decisions"),
    ] {
        assert!(text.contains(from), "{from} is in the bundle");
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, text.replacen(from, to, 1)).expect("write");
        let out = saring()
            .args(["evidence", "verify", bad.to_str().expect("utf-8")])
            .assert()
            .code(1);
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(stdout.contains("bundle NOT intact"), "{stdout}");
        assert!(stdout.contains(&format!("  {place}: ")), "{from}: {stdout}");
    }
    saring()
        .args(["evidence", "export", "999", "--db", &server.db])
        .assert()
        .failure()
        .stderr(predicates::str::contains("case 999 not found"));
}
