//! `saring report transparency` and `GET /v1/transparency` on a store seeded with known
//! times (`report_fixture`): the counts, medians and deadlines met are checked number by
//! number, on the CLI's JSON, CSV and charts and on the API, per platform and in total.
//!
//! michat, decided in the week of 2026-11-02: acc-a1 freeze after 2 h (appeal: reversed),
//! acc-a2 warn after 4 h (appeal: upheld), acc-a3 no violation after 6 h, acc-a4 restrict after
//! 10 h; regulator requests acc-r1 freeze after 3 h (deadline 24 h: in time) and acc-r2
//! restrict after 5 h (deadline 4 h: late); a police report not acted on. Times to decision
//! 2, 3, 4, 5, 6, 10 h: median 4.5 h; to action (no no_violation) 2, 3, 4, 5, 10 h: median 4 h.
//! beetalk: one freeze after 1 h. Total medians: 1, 2, 3, 4, 5, 6, 10 → 4 h; actions 3.5 h.

use serde_json::Value;

use crate::report_fixture::{
    BT_ADMIN_TOKEN, MC_ADMIN_TOKEN, MC_MOD_TOKEN, REGULATOR_TOKEN, transparency_store,
};
use crate::support::server::Server;
use crate::util::saring;

fn section<'a>(report: &'a Value, platform: &str) -> &'a Value {
    if platform == "all" {
        return &report["total"];
    }
    report["platforms"]
        .as_array()
        .expect("platforms")
        .iter()
        .find(|s| s["platform"] == platform)
        .unwrap_or_else(|| panic!("no section for {platform}: {report}"))
}

fn check_michat(m: &Value) {
    assert_eq!(m["name"], "MiChat");
    assert_eq!(m["decisions"], 6);
    assert_eq!(m["actions"]["freeze"], 2);
    assert_eq!(m["actions"]["restrict"], 2);
    assert_eq!(m["actions"]["warn"], 1);
    assert_eq!(m["actions"]["no_violation"], 1);
    assert_eq!(m["grounds"]["ite_decency"], 2);
    assert_eq!(m["grounds"]["pornography_law"], 2);
    assert_eq!(m["grounds"]["platform_terms"], 1);
    assert_eq!(m["grounds"]["none"], 1);
    assert_eq!(m["grounds"]["child_protection"], 0);
    assert_eq!(m["detection"]["automated"], 4);
    assert_eq!(m["detection"]["notice"], 2);
    assert_eq!(m["detection"]["by_source"]["regulator"], 2);
    // The detector flagged acc-a*: a machine proposed, a person decided. The regulator's
    // accounts had no flagged content: not automated. No violation: no statement.
    assert_eq!(m["automated_decision"]["partially"], 3);
    assert_eq!(m["automated_decision"]["not_automated"], 2);
    assert_eq!(m["automated_decision"]["no_statement"], 1);
    assert_eq!(m["automated_decision"]["fully"], 0);
    assert_eq!(m["time_to_decision"]["count"], 6);
    assert_eq!(m["time_to_decision"]["median_hours"], 4.5);
    assert_eq!(m["time_to_decision"]["median_ms"], 4.5 * 3_600_000.0);
    assert_eq!(m["time_to_action"]["count"], 5);
    assert_eq!(m["time_to_action"]["median_hours"], 4.0);
    assert_eq!(m["reversed_decisions"], 1);
    assert_eq!(m["appeals"]["filed"], 2);
    assert_eq!(m["appeals"]["upheld"], 1);
    assert_eq!(m["appeals"]["reversed"], 1);
    assert_eq!(m["appeals"]["pending"], 0);
    let r = &m["regulator_requests"];
    assert_eq!(
        [
            &r["received"],
            &r["acted_on"],
            &r["with_deadline"],
            &r["acted_on_in_time"],
            &r["late"],
            &r["open"]
        ],
        [2, 2, 2, 1, 1, 0]
    );
    let p = &m["police_requests"];
    assert_eq!(
        [&p["received"], &p["acted_on"], &p["with_deadline"]],
        [1, 0, 0]
    );
}

#[test]
fn cli_writes_json_csv_and_charts_with_the_right_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = transparency_store(dir.path());
    let out = dir.path().join("report");
    saring()
        .args([
            "report",
            "transparency",
            "--db",
            &db,
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-08",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let report: Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("report.json"))
            .expect("JSON");
    assert_eq!(report["period"]["from"], "2026-11-02");
    assert_eq!(report["period"]["to"], "2026-11-08");
    check_michat(section(&report, "michat"));
    let b = section(&report, "beetalk");
    assert_eq!(b["decisions"], 1);
    assert_eq!(b["grounds"]["child_protection"], 1);
    assert_eq!(b["time_to_decision"]["median_hours"], 1.0);
    let t = section(&report, "all");
    assert_eq!(t["decisions"], 7, "acc-x was decided the week after");
    assert_eq!(t["actions"]["freeze"], 3);
    assert_eq!(t["time_to_decision"]["median_hours"], 4.0);
    assert_eq!(t["time_to_action"]["median_hours"], 3.5);
    assert_eq!(t["regulator_requests"]["late"], 1);

    let csv = std::fs::read_to_string(out.join("report.csv")).expect("report.csv");
    assert!(csv.starts_with("platform,metric,key,value\n"), "{csv}");
    for line in [
        "michat,actions,freeze,2",
        "michat,time_to_decision,median_hours,4.5",
        "michat,regulator_requests,acted_on_in_time,1",
        "michat,regulator_requests,late,1",
        "beetalk,grounds,child_protection,1",
        "all,decisions,all,7",
        "all,time_to_action,median_hours,3.5",
    ] {
        assert!(csv.lines().any(|l| l == line), "{line} missing from\n{csv}");
    }
    for chart in [
        "actions.svg",
        "grounds.svg",
        "automation.svg",
        "appeals.svg",
        "requests.svg",
    ] {
        let svg = std::fs::read_to_string(out.join(chart)).expect("chart");
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"), "{chart}");
    }
    // No account id anywhere in the report.
    let all = format!("{report}{csv}");
    assert!(!all.contains("acc-"), "account ids leaked: {all}");

    // One platform only.
    let one = dir.path().join("one");
    saring()
        .args([
            "report",
            "transparency",
            "--db",
            &db,
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-08",
            "--platform",
            "beetalk",
            "--out",
        ])
        .arg(&one)
        .assert()
        .success();
    let r: Value = serde_json::from_slice(&std::fs::read(one.join("report.json")).expect("json"))
        .expect("JSON");
    assert_eq!(r["platforms"].as_array().map(Vec::len), Some(1));
    assert_eq!(r["total"]["decisions"], 1);
}

#[test]
fn cli_names_the_bad_argument() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("empty.db").display());
    let out = saring()
        .args([
            "report",
            "transparency",
            "--db",
            &db,
            "--from",
            "2026-11-09",
            "--to",
            "2026-11-02",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("--to") && err.contains("before"), "{err}");
    let out = saring()
        .args([
            "report",
            "locations",
            "--db",
            &db,
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-08",
            "--platform",
            "nope",
        ])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("--platform") && err.contains("nope"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn api_serves_the_same_numbers_to_whom_it_may() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = transparency_store(dir.path());
    let server = Server::start_on(&db, &[]);
    let q = "/v1/transparency?from=2026-11-02&to=2026-11-08";
    // The regulator: every platform.
    let (s, all) = server.call("GET", q, Some(REGULATOR_TOKEN), None).await;
    assert_eq!(s, 200, "{all}");
    check_michat(section(&all, "michat"));
    assert_eq!(all["total"]["decisions"], 7);
    // michat's admin: michat only, without asking.
    let (s, own) = server.call("GET", q, Some(MC_ADMIN_TOKEN), None).await;
    assert_eq!(s, 200, "{own}");
    assert_eq!(own["scope"], "michat");
    assert_eq!(own["platforms"].as_array().map(Vec::len), Some(1));
    check_michat(section(&own, "michat"));
    // beetalk's admin asking for michat's: as if it did not exist.
    let (s, _) = server
        .call(
            "GET",
            &format!("{q}&platform=michat"),
            Some(BT_ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(s, 404);
    // A moderator: no reports.
    let (s, b) = server.call("GET", q, Some(MC_MOD_TOKEN), None).await;
    assert_eq!(s, 403, "{b}");
    // CSV.
    let resp = server
        .http
        .get(format!("{}{q}&format=csv", server.url))
        .bearer_auth(MC_ADMIN_TOKEN)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .is_ok_and(|c| c.starts_with("text/csv"))
    );
    let csv = resp.text().await.expect("body");
    assert!(
        csv.lines()
            .any(|l| l == "michat,time_to_action,median_hours,4"),
        "{csv}"
    );
    // Bad input names the field.
    let (s, b) = server
        .call(
            "GET",
            "/v1/transparency?from=2026-13-01&to=2026-11-08",
            Some(REGULATOR_TOKEN),
            None,
        )
        .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (422, Some("from")),
        "{b}"
    );
    let (s, b) = server
        .call(
            "GET",
            "/v1/transparency?from=2026-11-01",
            Some(REGULATOR_TOKEN),
            None,
        )
        .await;
    assert_eq!((s, b["error"]["field"].as_str()), (422, Some("to")), "{b}");
}
