//! `saring report locations` and `GET /v1/locations`: distinct accounts per location and ISO
//! week, every count from 1 to k − 1 withheld. With k = 5: Kalibata City has exactly 5
//! flagged accounts in 2026-W45 (4 located by the platform, 1 only by the detector's location
//! signal "kalcit") and is shown; Margonda Residence has 4 (k − 1) and is withheld; a 6th
//! account flagged at a place named by free text is not reported at all. No account id ever
//! appears, and no totals are published.

use saring_core::auth::Role;
use saring_core::decision::{Action, Ground};
use saring_store::Store;
use serde_json::Value;

use crate::report_fixture::{
    BT_ADMIN_TOKEN, H, MC_ADMIN_TOKEN, REGULATOR_TOKEN, T0, decide, event, ingest, on_own_runtime,
    user,
};
use crate::support::server::Server;
use crate::util::saring;

const KALCIT_SIGNAL: &str =
    r#"[{"family":"location","rule":"gazetteer","start":8,"end":14,"text":"kalcit"}]"#;
const FREE_TEXT_SIGNAL: &str =
    r#"[{"family":"location","rule":"area","start":8,"end":18,"text":"dekat kampus"}]"#;

fn located_store(dir: &std::path::Path) -> String {
    let url = format!("sqlite://{}", dir.join("loc.db").display());
    let u = url.clone();
    on_own_runtime(async move {
        let s = Store::open(&u).await.expect("open");
        for id in ["michat", "beetalk"] {
            s.create_platform(id, id, 0.8, "system", T0 - H)
                .await
                .expect("platform");
        }
        let m = user(&s, "mod1", "michat", Role::Moderator, "srg_test-loc-mod").await;
        user(&s, "reg", "regulator", Role::Regulator, REGULATOR_TOKEN).await;
        user(&s, "mcadmin", "michat", Role::Admin, MC_ADMIN_TOKEN).await;
        user(&s, "btadmin", "beetalk", Role::Admin, BT_ADMIN_TOKEN).await;
        let mut batch = Vec::new();
        for i in 0..4 {
            batch.push(event(
                "michat",
                &format!("acc-k{i}"),
                &format!("k{i}"),
                T0,
                Some("Kalibata City"),
                "[]",
            ));
            batch.push(event(
                "michat",
                &format!("acc-m{i}"),
                &format!("m{i}"),
                T0,
                Some("Margonda Residence"),
                "[]",
            ));
        }
        batch.push(event("michat", "acc-k4", "k4", T0, None, KALCIT_SIGNAL));
        batch.push(event("michat", "acc-f", "f", T0, None, FREE_TEXT_SIGNAL));
        // Monday 10:00 UTC of 2026-W45.
        let cases = ingest(&s, &batch, T0 + 10 * H).await;
        // Freeze four of the Kalibata accounts on Wednesday (k - 1 actioned: withheld), one of
        // them the account located only by its signal (its case has no location).
        for c in [cases[0], cases[2], cases[4], cases[8]] {
            decide(&s, c, Action::Freeze, Ground::IteDecency, &m, T0 + 50 * H).await;
        }
        // The next week: one more account at Kalibata City.
        let next = T0 + 7 * 24 * H + H;
        ingest(
            &s,
            &[event(
                "michat",
                "acc-k9",
                "k9",
                next,
                Some("kalibata city"),
                "[]",
            )],
            next,
        )
        .await;
        // beetalk: one account at Margonda Residence in W45.
        ingest(
            &s,
            &[event(
                "beetalk",
                "acc-bm",
                "bm",
                T0,
                Some("Margonda Residence"),
                "[]",
            )],
            T0 + 10 * H,
        )
        .await;
        s.close().await;
    });
    url
}

fn row<'a>(report: &'a Value, location: &str, week: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["location"] == location && r["week"] == week)
        .unwrap_or_else(|| panic!("no row {location} {week}: {report}"))
}

fn run(db: &str, args: &[&str]) -> String {
    let out = saring()
        .args(["report", "locations", "--db", db])
        .args(args)
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout).to_string()
}

#[test]
fn suppression_holds_at_k_minus_one_and_shows_at_k() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = located_store(dir.path());
    let michat = |k: &str, format: &str| {
        run(
            &db,
            &[
                "--from",
                "2026-11-02",
                "--to",
                "2026-11-15",
                "--platform",
                "michat",
                "--k",
                k,
                "--format",
                format,
            ],
        )
    };
    let json: Value = serde_json::from_str(&michat("5", "json")).expect("JSON");
    assert_eq!(json["k"], 5);
    let kc = row(&json, "Kalibata City", "2026-W45");
    assert_eq!(kc["flagged_accounts"], 5, "exactly k: shown");
    assert_eq!(
        kc["actioned_accounts"],
        Value::Null,
        "k - 1 actioned: withheld"
    );
    let mr = row(&json, "Margonda Residence", "2026-W45");
    assert_eq!(mr["flagged_accounts"], Value::Null, "k - 1: withheld");
    assert_eq!(mr["actioned_accounts"], 0);
    let next = row(&json, "Kalibata City", "2026-W46");
    assert_eq!(next["flagged_accounts"], Value::Null);
    assert_eq!(
        json["rows"].as_array().map(Vec::len),
        Some(3),
        "free text is no place: {json}"
    );
    assert!(
        json.get("total").is_none() && json.get("totals").is_none(),
        "no totals"
    );

    let csv = michat("5", "csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines,
        [
            "location,week,flagged_accounts,actioned_accounts",
            "Kalibata City,2026-W45,5,<5",
            "Kalibata City,2026-W46,<5,0",
            "Margonda Residence,2026-W45,<5,0",
        ]
    );
    // With k = 4 the four actioned accounts and Margonda's four are shown.
    let json: Value = serde_json::from_str(&michat("4", "json")).expect("JSON");
    assert_eq!(
        row(&json, "Kalibata City", "2026-W45")["actioned_accounts"],
        4
    );
    assert_eq!(
        row(&json, "Margonda Residence", "2026-W45")["flagged_accounts"],
        4
    );
    // Every platform: beetalk's account makes Margonda's five.
    let all: Value = serde_json::from_str(&run(
        &db,
        &[
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-08",
            "--format",
            "json",
        ],
    ))
    .expect("JSON");
    assert_eq!(
        row(&all, "Margonda Residence", "2026-W45")["flagged_accounts"],
        5
    );
    for out in [csv, all.to_string()] {
        assert!(!out.contains("acc-"), "account ids leaked: {out}");
    }
    // k below 2 is refused.
    saring()
        .args([
            "report",
            "locations",
            "--db",
            &db,
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-08",
            "--k",
            "1",
        ])
        .assert()
        .failure();
}

#[test]
fn a_partial_week_is_widened_to_the_whole_week() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = located_store(dir.path());
    // Wednesday only: the report still covers Monday to Sunday, so it cannot be subtracted
    // from a report of the whole week to single out the days in between.
    let json: Value = serde_json::from_str(&run(
        &db,
        &[
            "--from",
            "2026-11-04",
            "--to",
            "2026-11-04",
            "--platform",
            "michat",
            "--format",
            "json",
        ],
    ))
    .expect("JSON");
    assert_eq!(json["period"]["from"], "2026-11-02");
    assert_eq!(json["period"]["to"], "2026-11-08");
    assert_eq!(
        row(&json, "Kalibata City", "2026-W45")["flagged_accounts"],
        5
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn api_scopes_and_refuses_splitting_by_platform() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = located_store(dir.path());
    let server = Server::start_on(&db, &[]);
    let q = "/v1/locations?from=2026-11-02&to=2026-11-08";
    let (s, all) = server.call("GET", q, Some(REGULATOR_TOKEN), None).await;
    assert_eq!(s, 200, "{all}");
    assert_eq!(all["scope"], "all");
    assert_eq!(all["k"], 5, "console.k_anonymity's default");
    assert_eq!(
        row(&all, "Margonda Residence", "2026-W45")["flagged_accounts"],
        5
    );
    let (s, own) = server.call("GET", q, Some(MC_ADMIN_TOKEN), None).await;
    assert_eq!(s, 200, "{own}");
    assert_eq!(own["scope"], "michat");
    assert_eq!(
        row(&own, "Margonda Residence", "2026-W45")["flagged_accounts"],
        Value::Null
    );
    // The regulator may not split by platform: michat's cell and the total would give
    // beetalk's single account.
    let (s, b) = server
        .call(
            "GET",
            &format!("{q}&platform=michat"),
            Some(REGULATOR_TOKEN),
            None,
        )
        .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (422, Some("platform")),
        "{b}"
    );
    let (s, _) = server
        .call(
            "GET",
            &format!("{q}&platform=michat"),
            Some(BT_ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(s, 404);
}
