//! `saring report dsa` and `GET /v1/transparency/statements`: every exported statement of
//! reasons is valid against the schema kept in the repository
//! (`schemas/dsa-statement-of-reasons.schema.json`, checked with the `jsonschema` crate), holds
//! no account id, phone number or handle, and has a keyed-hash puid; statements with a phone
//! number in their facts, a made-up enumerated value or an extra field fail the schema.

use serde_json::{Value, json};

use crate::report_fixture::{MC_ADMIN_TOKEN, REGULATOR_TOKEN, transparency_store};
use crate::support::server::Server;
use crate::util::saring;

const SCHEMA: &str = include_str!("../../../../schemas/dsa-statement-of-reasons.schema.json");
const KEY: &str = "test-puid-key-0123456789";

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
    jsonschema::draft202012::new(&schema).expect("the schema is a valid draft 2020-12 schema")
}

fn errors(v: &jsonschema::Validator, s: &Value) -> Vec<String> {
    v.iter_errors(s).map(|e| e.to_string()).collect()
}

fn export(db: &str, extra: &[&str]) -> Vec<Value> {
    let out = saring()
        .args([
            "report",
            "dsa",
            "--db",
            db,
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-08",
        ])
        .args(extra)
        .env("SARING_REPORTS__PUID_KEY", KEY)
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect()
}

#[test]
fn every_exported_statement_is_valid_and_anonymous() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = transparency_store(dir.path());
    let statements = export(&db, &[]);
    // Seven decisions in the week, one of them no_violation (no statement).
    assert_eq!(statements.len(), 6);
    let v = validator();
    for s in &statements {
        let e = errors(&v, s);
        assert!(e.is_empty(), "{s}\n{e:#?}");
    }
    let text: String = statements.iter().map(Value::to_string).collect();
    for leak in ["acc-", "0812", "michat-case", "\"account\""] {
        assert!(!text.contains(leak), "{leak} in the export: {text}");
    }
    let mut puids: Vec<&str> = statements
        .iter()
        .filter_map(|s| s["puid"].as_str())
        .collect();
    puids.sort_unstable();
    puids.dedup();
    assert_eq!(puids.len(), 6, "puids are unique");
    // The same key gives the same puids; another key, others.
    assert_eq!(export(&db, &[]), statements);
    let other = saring()
        .args([
            "report",
            "dsa",
            "--db",
            &db,
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-08",
        ])
        .args(["--puid-key", "another-key-0123456789"])
        .assert()
        .success();
    let first: Value = serde_json::from_str(
        String::from_utf8_lossy(&other.get_output().stdout)
            .lines()
            .next()
            .expect("a line"),
    )
    .expect("JSON");
    assert_ne!(first["puid"], statements[0]["puid"]);

    // What the decisions were, in the DSA's terms.
    let by_ground = |g: &str| {
        statements
            .iter()
            .filter(|s| {
                s["illegal_content_legal_ground"]
                    .as_str()
                    .is_some_and(|x| x.contains(g))
            })
            .count()
    };
    assert_eq!(by_ground("Perlindungan Anak"), 1);
    let suspended = statements
        .iter()
        .filter(|s| s["decision_account"] == "DECISION_ACCOUNT_SUSPENDED")
        .count();
    assert_eq!(suspended, 3, "three freezes");
    let minors = statements
        .iter()
        .find(|s| s["platform_name"] == "BeeTalk")
        .expect("beetalk's statement");
    assert_eq!(
        minors["category"],
        "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    );
    let warn = statements
        .iter()
        .find(|s| s["decision_visibility"] == json!(["DECISION_VISIBILITY_OTHER"]))
        .expect("the warning");
    assert_eq!(
        warn["decision_ground"],
        "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    );
    assert!(warn["decision_visibility_other"].is_string());
    let notices = statements
        .iter()
        .filter(|s| s["source_type"] == "SOURCE_TRUSTED_FLAGGER")
        .count();
    assert_eq!(notices, 2, "the regulator's two requests");
    assert!(
        statements
            .iter()
            .all(|s| s["territorial_scope"] == json!(["ID"]))
    );

    // One platform.
    assert_eq!(export(&db, &["--platform", "beetalk"]).len(), 1);
}

#[test]
fn the_schema_refuses_personal_data_bad_enums_and_extra_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = transparency_store(dir.path());
    let good = export(&db, &["--platform", "beetalk"]).remove(0);
    let v = validator();
    assert!(errors(&v, &good).is_empty());
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut s = good.clone();
        f(&mut s);
        errors(&v, &s)
    };
    let phone = broken(&|s| {
        s["decision_facts"] = json!("Ads with contact wa 0812 3456 7890 were found.");
    });
    assert!(phone.iter().any(|e| e.contains("0812")), "{phone:?}");
    assert!(
        !broken(&|s| s["decision_facts"] = json!("Contact @sinta.cantik on the app.")).is_empty()
    );
    assert!(!broken(&|s| s["category"] = json!("STATEMENT_CATEGORY_SOMETHING_ELSE")).is_empty());
    assert!(!broken(&|s| s["automated_decision"] = json!("Yes")).is_empty());
    assert!(!broken(&|s| s["decision_account"] = json!("DECISION_ACCOUNT_FROZEN")).is_empty());
    assert!(
        !broken(&|s| s["account"] = json!("acc-b1")).is_empty(),
        "no extra field"
    );
    assert!(!broken(&|s| s["puid"] = json!("beetalk-case-7")).is_empty());
    assert!(
        !broken(&|s| {
            s.as_object_mut()
                .expect("object")
                .remove("application_date");
        })
        .is_empty()
    );
    assert!(
        !broken(&|s| {
            s.as_object_mut()
                .expect("object")
                .remove("illegal_content_legal_ground");
        })
        .is_empty(),
        "illegal content needs its legal ground"
    );
}

#[test]
fn export_without_a_key_fails_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("e.db").display());
    let out = saring()
        .args([
            "report",
            "dsa",
            "--db",
            &db,
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-08",
        ])
        .env_remove("SARING_REPORTS__PUID_KEY")
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("--puid-key"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn api_exports_the_same_statements() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = transparency_store(dir.path());
    let server = Server::start_on(&db, &[("SARING_REPORTS__PUID_KEY", KEY)]);
    let get = |token: &'static str, q: &'static str| {
        let req = server
            .http
            .get(format!("{}/v1/transparency/statements?{q}", server.url))
            .bearer_auth(token);
        async move {
            let r = req.send().await.expect("request");
            (r.status().as_u16(), r.text().await.expect("body"))
        }
    };
    let (s, body) = get(REGULATOR_TOKEN, "from=2026-11-02&to=2026-11-08").await;
    assert_eq!(s, 200, "{body}");
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(
        lines,
        export(&db, &[]),
        "the API and the CLI export the same"
    );
    let (s, body) = get(MC_ADMIN_TOKEN, "from=2026-11-02&to=2026-11-08").await;
    assert_eq!(s, 200);
    assert_eq!(body.lines().count(), 5, "michat's five");
    assert!(
        body.lines()
            .all(|l| l.contains("\"platform_name\":\"MiChat\""))
    );
}
