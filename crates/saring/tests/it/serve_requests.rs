//! The authorities' workflows over HTTP: a regulator's takedown request naming several
//! accounts, its deadlines on the service clock (in time, late, overdue), a platform's
//! rejection with a reason, the compliance report's figures, police reports that see status
//! only, audited evidence reads, and the protection route (the referral a protection case's
//! decision needs, and the protection report).

use serde_json::{Value, json};

use crate::support::server::{Server, event};

const HOUR: i64 = 3600;

/// The item of `request` naming `account`.
fn item<'a>(request: &'a Value, account: &str) -> &'a Value {
    request["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["account"] == account))
        .unwrap_or_else(|| panic!("no item for {account} in {request}"))
}

async fn request_of(server: &Server, token: &str, id: i64) -> Value {
    let (s, b) = server
        .call("GET", &format!("/v1/requests/{id}"), Some(token), None)
        .await;
    assert_eq!(s, 200, "{b}");
    b["request"].clone()
}

async fn decide(server: &Server, token: &str, case: i64, body: Value) -> (u16, Value) {
    server
        .call(
            "POST",
            &format!("/v1/cases/{case}/decision"),
            Some(token),
            Some(body),
        )
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn takedown_requests_run_on_deadlines_and_add_up_in_the_compliance_report() {
    let mut server = Server::start(&[]);
    server.platform("michat").await;
    server.platform("beetalk").await;
    let reg = server.user("kominfo-1", "regulator", "regulator").await;
    let police = server.user("penyidik-1", "police", "police").await;
    let mc_admin = server.user("mc-admin", "michat", "admin").await;
    let mc_mod = server.user("mc-mod", "michat", "moderator").await;
    let bt_admin = server.user("bt-admin", "beetalk", "admin").await;

    // Bad requests name the field.
    let base = json!({"legal_ground": "UU ITE Pasal 27 ayat 1", "category": "prostitution"});
    for (accounts, field) in [
        (json!([]), "accounts"),
        (
            json!([{"platform": "michat", "account": "a"}, {"platform": "nope", "account": "b"}]),
            "accounts[1].platform",
        ),
        (
            json!([{"platform": "michat", "account": "a"}, {"platform": "michat", "account": "a"}]),
            "accounts[1]",
        ),
        (
            json!([{"platform": "michat", "account": " "}]),
            "accounts[0].account",
        ),
    ] {
        let mut body = base.clone();
        body["accounts"] = accounts;
        let (s, b) = server
            .call("POST", "/v1/requests", Some(&reg), Some(body))
            .await;
        assert_eq!(s, 422, "{b}");
        assert_eq!(b["error"]["field"], field, "{b}");
    }
    let (s, b) = server
        .call(
            "POST",
            "/v1/requests",
            Some(&mc_admin),
            Some(json!({"accounts": [{"platform": "michat", "account": "a"}], "legal_ground": "x", "category": "y"})),
        )
        .await;
    assert_eq!(s, 403, "a platform does not file authority requests: {b}");

    // Request A: normal (24 h), four accounts on two platforms. Request B: urgent (4 h).
    let (s, b) = server
        .call(
            "POST",
            "/v1/requests",
            Some(&reg),
            Some(json!({
                "accounts": [
                    {"platform": "michat", "account": "a1"},
                    {"platform": "michat", "account": "a2"},
                    {"platform": "michat", "account": "a3"},
                    {"platform": "beetalk", "account": "b1"}
                ],
                "legal_ground": "UU ITE Pasal 27 ayat 1; PP 71/2019",
                "category": "prostitution",
                "reference": "B-123/KOMINFO/2026"
            })),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let req_a = b["request"]["id"].as_i64().expect("request id");
    assert_eq!(b["request"]["items"].as_array().map(Vec::len), Some(4));
    assert_eq!(item(&b["request"], "a1")["status"], "pending");
    let (s, b) = server
        .call(
            "POST",
            "/v1/requests",
            Some(&reg),
            Some(json!({
                "accounts": [{"platform": "michat", "account": "a4"}],
                "legal_ground": "UU ITE Pasal 27 ayat 1",
                "category": "child_exploitation",
                "urgency": "urgent"
            })),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let req_b = b["request"]["id"].as_i64().expect("request id");
    let case_a4 = b["request"]["items"][0]["case_id"].as_i64().expect("case");

    // The moderator's queue has the urgent request's case first, with its deadline.
    let (_, q) = server
        .call("GET", "/v1/cases?platform=michat", Some(&mc_mod), None)
        .await;
    let cases = q["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 4, "{q}");
    assert_eq!(
        cases[0]["id"], case_a4,
        "the 4-hour deadline comes first: {q}"
    );
    assert!(cases.iter().all(|c| c["deadline"].is_i64()), "{q}");

    let req = request_of(&server, &reg, req_a).await;
    let case_a1 = item(&req, "a1")["case_id"].as_i64().expect("case");
    let a2 = item(&req, "a2")["id"].as_i64().expect("item");
    let b1 = item(&req, "b1")["id"].as_i64().expect("item");

    // a1 acted on in time; a2 rejected in time with a reason, once, by its own platform.
    let (s, b) = decide(
        &server,
        &mc_mod,
        case_a1,
        json!({"action": "freeze", "ground": "ite_decency", "note": "ads"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let reject = |item: i64, token: &str, body: Value| {
        let path = format!("/v1/requests/{req_a}/items/{item}/reject");
        let token = token.to_owned();
        let server = &server;
        async move { server.call("POST", &path, Some(&token), Some(body)).await }
    };
    let why = json!({"code": "account_not_found", "reason": "no such account on MiChat"});
    let (s, _) = reject(a2, &bt_admin, why.clone()).await;
    assert_eq!(s, 404, "another platform's item does not exist for beetalk");
    let (s, b) = reject(a2, &mc_mod, json!({"code": "other", "reason": " "})).await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (422, Some("reason")),
        "{b}"
    );
    let (s, b) = reject(a2, &mc_mod, why.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["item"]["status"], "rejected");
    assert_eq!(b["item"]["reject_reason"], "no such account on MiChat");
    let (s, _) = reject(a2, &mc_mod, why.clone()).await;
    assert_eq!(s, 409, "an answered item cannot be rejected again");
    let (s, _) = reject(b1, &mc_mod, why).await;
    assert_eq!(s, 404);

    // Five hours on: the urgent item is overdue, the normal ones are not.
    server.restart_with(&[("SARING_CLOCK_OFFSET_SECS", &(5 * HOUR).to_string())]);
    let req = request_of(&server, &reg, req_b).await;
    assert_eq!(req["items"][0]["status"], "overdue", "{req}");
    assert_eq!(req["items"][0]["overdue"], true);
    assert_eq!(req["overdue_items"], 1);
    let (_, q) = server
        .call("GET", "/v1/cases?platform=michat", Some(&mc_mod), None)
        .await;
    let flagged: Vec<&Value> = q["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["overdue"] == true)
        .collect();
    assert_eq!(flagged.len(), 1, "only the urgent case is overdue: {q}");
    assert_eq!(flagged[0]["id"], case_a4);
    let req = request_of(&server, &reg, req_a).await;
    assert_eq!(item(&req, "a3")["status"], "pending", "{req}");
    assert_eq!(item(&req, "a1")["status"], "acted_on");
    assert_eq!(item(&req, "a1")["action"], "freeze");
    assert_eq!(item(&req, "a1")["in_time"], true);
    // Acted on late.
    let (s, b) = decide(
        &server,
        &mc_mod,
        case_a4,
        json!({"action": "restrict", "ground": "ite_decency", "note": "late"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let req = request_of(&server, &reg, req_b).await;
    assert_eq!(req["items"][0]["status"], "acted_on");
    assert_eq!(req["items"][0]["in_time"], false);

    // A day and more on: a3 and b1 are overdue.
    server.restart_with(&[("SARING_CLOCK_OFFSET_SECS", &(25 * HOUR).to_string())]);
    let req = request_of(&server, &reg, req_a).await;
    assert_eq!(item(&req, "a3")["status"], "overdue", "{req}");
    assert_eq!(item(&req, "b1")["status"], "overdue");
    assert_eq!(req["overdue_items"], 2);

    // The compliance report: the regulator sees every platform.
    let (s, c) = server
        .call("GET", "/v1/reports/compliance", Some(&reg), None)
        .await;
    assert_eq!(s, 200, "{c}");
    let mc = &c["platforms"]["michat"];
    assert_eq!(mc["received"], 4, "{c}");
    assert_eq!(mc["acted_on_in_time"], 1);
    assert_eq!(mc["acted_on_late"], 1);
    assert_eq!(mc["rejected"], 1);
    assert_eq!(mc["rejected_by_reason"]["account_not_found"], 1);
    assert_eq!(mc["overdue"], 1);
    assert_eq!(mc["pending"], 0);
    assert_eq!(c["platforms"]["beetalk"]["overdue"], 1);
    assert_eq!(c["total"]["received"], 5);
    assert_eq!(c["total"]["overdue"], 2);
    // A period before the requests has none.
    let (_, c0) = server
        .call(
            "GET",
            "/v1/reports/compliance?from=2020-01-01&to=2020-01-31",
            Some(&reg),
            None,
        )
        .await;
    assert_eq!(c0["total"]["received"], 0, "{c0}");
    // A platform's admin sees only its own.
    let (s, c) = server
        .call("GET", "/v1/reports/compliance", Some(&mc_admin), None)
        .await;
    assert_eq!(s, 200, "{c}");
    let keys: Vec<&String> = c["platforms"]
        .as_object()
        .expect("platforms")
        .keys()
        .collect();
    assert_eq!(keys, ["michat"], "{c}");
    let (s, _) = server
        .call(
            "GET",
            "/v1/reports/compliance?platform=beetalk",
            Some(&mc_admin),
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, b) = server
        .call(
            "GET",
            "/v1/reports/compliance?from=2026-13-01",
            Some(&reg),
            None,
        )
        .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (422, Some("from")),
        "{b}"
    );

    // The platform's people see the requests naming their accounts, with only their items.
    let (_, l) = server
        .call("GET", "/v1/requests", Some(&mc_mod), None)
        .await;
    let a = l["requests"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["id"] == req_a))
        .expect("request A for michat");
    assert_eq!(a["items"].as_array().map(Vec::len), Some(3), "{a}");
    // The police do not see the regulator's requests.
    let (s, _) = server
        .call("GET", &format!("/v1/requests/{req_a}"), Some(&police), None)
        .await;
    assert_eq!(s, 404);
    let (_, l) = server
        .call("GET", "/v1/requests", Some(&police), None)
        .await;
    assert_eq!(l["requests"], json!([]), "{l}");
}

#[tokio::test(flavor = "multi_thread")]
async fn police_see_status_not_notes_and_evidence_reads_are_audited() {
    let server = Server::start(&[]);
    server.platform("michat").await;
    let admin = server.user("mc-admin", "michat", "admin").await;
    let moderator = server.user("mc-mod", "michat", "moderator").await;
    let police = server.user("penyidik-2", "police", "police").await;
    let auditor = server.user("auditor-1", "system", "auditor").await;
    let (s, b) = server
        .call(
            "POST",
            "/v1/events",
            Some(&admin),
            Some(json!([
                event(
                    "michat",
                    "p1",
                    "e1",
                    "open bo st 500 lt 1jt wa 0812 7777 0101"
                ),
                event(
                    "michat",
                    "p2",
                    "e2",
                    "avail vcs 150rb, open bo wa 0812 7777 0202"
                )
            ])),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let other_case = b["results"][1]["case_id"].as_i64().expect("case");
    let (s, b) = server
        .call(
            "POST",
            "/v1/requests",
            Some(&police),
            Some(json!({"accounts": [{"platform": "michat", "account": "p1"}], "legal_ground": "LP/B/77/XI/2026", "category": "prostitution", "urgency": "urgent"})),
        )
        .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (422, Some("urgency")),
        "{b}"
    );
    let (s, b) = server
        .call(
            "POST",
            "/v1/requests",
            Some(&police),
            Some(json!({"accounts": [{"platform": "michat", "account": "p1"}], "legal_ground": "LP/B/77/XI/2026", "category": "prostitution"})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let police_req = b["request"]["id"].as_i64().expect("request");
    let it = &b["request"]["items"][0];
    assert_eq!(
        it["deadline"],
        Value::Null,
        "police reports carry no deadline"
    );
    let case = it["case_id"].as_i64().expect("case");
    let (s, b) = decide(
        &server,
        &moderator,
        case,
        json!({"action": "freeze", "ground": "ite_decency", "note": "INTERNAL-NOTE-7f3a"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");

    // Status only: no note, no content.
    let (s, b) = server
        .call("GET", &format!("/v1/cases/{case}"), Some(&police), None)
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["case"]["status"], "actioned");
    assert_eq!(b["case"]["action"], "freeze");
    let text = b.to_string();
    assert!(
        !text.contains("INTERNAL-NOTE-7f3a") && !text.contains("0812"),
        "police see status only: {text}"
    );
    let req = request_of(&server, &police, police_req).await;
    assert_eq!(req["items"][0]["status"], "acted_on", "{req}");

    // Evidence of the police's own case: items and statements, never the note; audited.
    let (s, ev) = server
        .call(
            "GET",
            &format!("/v1/cases/{case}/evidence"),
            Some(&police),
            None,
        )
        .await;
    assert_eq!(s, 200, "{ev}");
    assert_eq!(ev["items"][0]["event_id"], "e1");
    assert!(
        ev["items"][0]["sha256"]
            .as_str()
            .is_some_and(|h| h.len() == 64)
    );
    assert_eq!(ev["statements"].as_array().map(Vec::len), Some(1), "{ev}");
    assert!(!ev.to_string().contains("INTERNAL-NOTE-7f3a"), "{ev}");
    // Not a case of theirs: refused, and nothing is recorded.
    let (s, b) = server
        .call(
            "GET",
            &format!("/v1/cases/{other_case}/evidence"),
            Some(&police),
            None,
        )
        .await;
    assert_eq!(s, 403, "{b}");

    let (_, a) = server
        .call("GET", "/v1/audit?limit=1000", Some(&auditor), None)
        .await;
    let entries = a["entries"].as_array().expect("entries");
    let reads: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "evidence.accessed")
        .collect();
    assert_eq!(reads.len(), 1, "one read, one entry: {reads:?}");
    let e = reads[0];
    assert_eq!(e["subject"], format!("case:{case}"));
    assert!(e["actor"].as_str().is_some_and(|a| a.starts_with("user:")));
    assert_eq!(e["tenant"], "michat");
    let detail = e["detail"].to_string();
    assert!(
        !detail.contains("0812") && !detail.contains("open bo"),
        "ids and counts only: {detail}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn protection_cases_need_a_referral_record_and_are_counted() {
    let server = Server::start(&[]);
    server.platform("michat").await;
    let admin = server.user("mc-admin", "michat", "admin").await;
    let moderator = server.user("mc-mod", "michat", "moderator").await;
    let reg = server.user("kominfo-2", "regulator", "regulator").await;
    let (s, b) = server
        .call(
            "POST",
            "/v1/events",
            Some(&admin),
            Some(json!([
                event(
                    "michat",
                    "m1",
                    "e1",
                    "open bo abg masih sekolah umur 16 wa 0812 3333 0101"
                ),
                event(
                    "michat",
                    "m2",
                    "e2",
                    "open bo, anak baru ready 3, order lewat mimin wa 0812 3333 0202"
                ),
                event(
                    "michat",
                    "m3",
                    "e3",
                    "open bo st 500 lt 1jt wa 0812 3333 0303"
                )
            ])),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let case = |i: usize| b["results"][i]["case_id"].as_i64().expect("case");
    let (minor, third, plain) = (case(0), case(1), case(2));
    let (_, c) = server
        .call("GET", &format!("/v1/cases/{minor}"), Some(&moderator), None)
        .await;
    assert_eq!(c["case"]["minor_risk"], true, "{c}");
    let (_, c) = server
        .call("GET", &format!("/v1/cases/{third}"), Some(&moderator), None)
        .await;
    assert_eq!(c["case"]["third_party"], true, "{c}");

    let freeze = json!({"action": "freeze", "ground": "child_protection", "note": "minor"});
    let (s, b) = decide(&server, &moderator, minor, freeze.clone()).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["error"]["field"], "referral_made", "{b}");
    let mut with = freeze.clone();
    with["referral_made"] = json!(true);
    let (s, b) = decide(&server, &moderator, minor, with.clone()).await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (422, Some("referral_to")),
        "{b}"
    );
    with["referral_to"] = json!("Example child-protection hotline");
    let (s, b) = decide(&server, &moderator, minor, with).await;
    assert_eq!(s, 200, "{b}");

    let mut no_ref = json!({"action": "freeze", "ground": "trafficking", "note": "pimp", "referral_made": false});
    let (s, b) = decide(&server, &moderator, third, no_ref.clone()).await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (422, Some("referral_note")),
        "{b}"
    );
    no_ref["referral_note"] = json!("already referred by the police");
    let (s, b) = decide(&server, &moderator, third, no_ref).await;
    assert_eq!(s, 200, "{b}");
    // An ordinary case needs no referral.
    let (s, b) = decide(
        &server,
        &moderator,
        plain,
        json!({"action": "warn", "ground": "ite_decency", "note": "ad"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");

    let (s, p) = server
        .call("GET", "/v1/reports/protection", Some(&admin), None)
        .await;
    assert_eq!(s, 200, "{p}");
    let t = &p["platforms"]["michat"];
    assert_eq!(t["cases"], 2, "{p}");
    assert_eq!(t["decided"], 2);
    assert_eq!(t["referrals_made"], 1);
    assert_eq!(t["no_referral"], 1);
    assert_eq!(t["referrals_by_kind"]["child_protection"], 1);
    assert!(
        t["median_time_to_referral_ms"]
            .as_i64()
            .is_some_and(|ms| ms >= 0)
    );
    assert!(
        !p.to_string().contains("m1"),
        "no accounts in the report: {p}"
    );
    let (s, p) = server
        .call("GET", "/v1/reports/protection", Some(&reg), None)
        .await;
    assert_eq!((s, &p["total"]["cases"]), (200, &json!(2)), "{p}");
    let (s, _) = server
        .call("GET", "/v1/reports/protection", Some(&moderator), None)
        .await;
    assert_eq!(s, 403);
}
