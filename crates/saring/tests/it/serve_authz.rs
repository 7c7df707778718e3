//! The authorisation matrix: every endpoint × every role × own and other tenant. Calls that
//! pass authorisation use bodies that then fail validation (422) or are harmless, so the
//! matrix does not depend on the order it runs in.

use serde_json::{Value, json};

use crate::support::server::{Server, event};

/// Expected outcome of one call.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    /// Authorised: anything but 401, 403 and 404.
    Ok,
    /// 401.
    NoAuth,
    /// 403.
    Forbidden,
    /// 404 (another tenant's).
    Hidden,
}
use Want::{Forbidden as F, Hidden as H, NoAuth as U, Ok as A};

const WHO: [&str; 9] = [
    "sysadmin",
    "mc_admin",
    "mc_mod",
    "bt_admin",
    "bt_mod",
    "regulator",
    "police",
    "auditor",
    "none",
];

#[tokio::test(flavor = "multi_thread")]
async fn every_endpoint_checks_role_and_tenant() {
    let server = Server::start(&[]);
    server.platform("michat").await;
    server.platform("beetalk").await;
    let mut tokens = vec![server.admin.clone()];
    for (name, tenant, role) in [
        ("mc_admin", "michat", "admin"),
        ("mc_mod", "michat", "moderator"),
        ("bt_admin", "beetalk", "admin"),
        ("bt_mod", "beetalk", "moderator"),
        ("regulator", "regulator", "regulator"),
        ("police", "police", "police"),
        ("auditor", "system", "auditor"),
    ] {
        tokens.push(server.user(name, tenant, role).await);
    }
    let mc_admin = tokens[1].clone();
    let mc_mod2 = server.user("mc_mod2", "michat", "moderator").await;
    // A michat case, and a second michat case that is actioned and appealed, with its order.
    let (_, b) = server
        .call(
            "POST",
            "/v1/events",
            Some(&mc_admin),
            Some(json!([
                event(
                    "michat",
                    "acc-a",
                    "e1",
                    "open bo st 500 lt 1jt wa 0812 0000 4444"
                ),
                event(
                    "michat",
                    "acc-b",
                    "e2",
                    "avail vcs 150rb, open bo wa 0812 0000 5555"
                )
            ])),
        )
        .await;
    let case = b["results"][0]["case_id"].as_i64().expect("case a");
    let case_b = b["results"][1]["case_id"].as_i64().expect("case b");
    let (_, d) = server
        .call(
            "POST",
            &format!("/v1/cases/{case_b}/decision"),
            Some(&mc_mod2),
            Some(json!({"action": "warn", "ground": "platform_terms", "note": "ad"})),
        )
        .await;
    let order = d["order_id"].as_str().expect("order").to_owned();
    let (_, a) = server
        .call(
            "POST",
            "/v1/appeals",
            Some(&mc_admin),
            Some(json!({"case_id": case_b, "reason": "mistake"})),
        )
        .await;
    let appeal = a["appeal"]["id"].as_i64().expect("appeal");
    // acc-c names acc-a's number: a network of two, and a network freeze proposed on it.
    let (_, b) = server
        .call(
            "POST",
            "/v1/events",
            Some(&mc_admin),
            Some(json!([event(
                "michat",
                "acc-c",
                "e3",
                "ready kak, wa 081200004444"
            )])),
        )
        .await;
    assert_eq!(b["accepted"], 1, "{b}");
    server.linked().await;
    let (s, na) = server
        .call(
            "POST",
            &format!("/v1/cases/{case}/network-freeze"),
            Some(&mc_mod2),
            Some(json!({"ground": "ite_decency", "note": "two accounts, one number"})),
        )
        .await;
    assert_eq!(s, 201, "{na}");
    let network_action = na["id"].as_i64().expect("network action");

    // A regulator's request naming acc-a (it joins `case`).
    let (s, rq) = server
        .call(
            "POST",
            "/v1/requests",
            Some(&tokens[5]),
            Some(json!({"accounts": [{"platform": "michat", "account": "acc-a"}], "legal_ground": "UU ITE Pasal 27", "category": "prostitution"})),
        )
        .await;
    assert_eq!(s, 201, "{rq}");
    let request = rq["request"]["id"].as_i64().expect("request");
    let request_item = rq["request"]["items"][0]["id"].as_i64().expect("item");
    assert_eq!(rq["request"]["items"][0]["case_id"], case, "{rq}");

    let no_note = json!({"action": "freeze", "ground": "ite_decency", "note": ""});
    let rows: Vec<(&str, String, Option<Value>, [Want; 9])> = vec![
        //                                                                           sys mc_adm mc_mod bt_adm bt_mod reg police audit none
        (
            "GET",
            "/v1/cases?platform=michat".into(),
            None,
            [A, A, A, H, H, F, F, F, U],
        ),
        (
            "GET",
            format!("/v1/cases/{case}"),
            None,
            [A, A, A, H, H, A, A, F, U],
        ),
        (
            "POST",
            format!("/v1/cases/{case}/claim"),
            None,
            [F, A, A, H, H, F, F, F, U],
        ),
        (
            "POST",
            format!("/v1/cases/{case}/release"),
            None,
            [F, A, A, H, H, F, F, F, U],
        ),
        (
            "POST",
            format!("/v1/cases/{case}/decision"),
            Some(no_note),
            [F, A, A, H, H, F, F, F, U],
        ),
        (
            "POST",
            "/v1/events".into(),
            Some(json!([event("michat", "acc-z", "z1", "halo")])),
            [A, A, F, A, F, F, F, F, U],
        ),
        (
            "GET",
            "/v1/accounts/michat/acc-a".into(),
            None,
            [A, A, A, H, H, F, F, F, U],
        ),
        (
            "POST",
            "/v1/reports".into(),
            Some(json!({"platform": "michat", "account": "acc-a", "reason": ""})),
            [A, A, A, F, F, A, A, F, U],
        ),
        (
            "POST",
            "/v1/appeals".into(),
            Some(json!({"case_id": case, "reason": ""})),
            [A, A, F, F, F, F, F, F, U],
        ),
        (
            "GET",
            "/v1/appeals".into(),
            None,
            [A, A, A, A, A, F, F, F, U],
        ),
        (
            "POST",
            format!("/v1/appeals/{appeal}/decision"),
            Some(json!({"decision": "reverse", "note": ""})),
            [F, A, A, H, H, F, F, F, U],
        ),
        (
            "GET",
            "/v1/orders?platform=michat".into(),
            None,
            [A, A, A, H, H, F, F, F, U],
        ),
        (
            "GET",
            format!("/v1/orders/{order}"),
            None,
            [A, A, A, H, H, F, F, F, U],
        ),
        ("GET", "/v1/audit".into(), None, [A, F, F, F, F, F, F, A, U]),
        (
            "GET",
            "/v1/audit/verify".into(),
            None,
            [A, F, F, F, F, F, F, A, U],
        ),
        (
            "POST",
            "/v1/platforms".into(),
            Some(json!({"id": "BAD ID", "name": "x"})),
            [A, F, F, F, F, F, F, F, U],
        ),
        (
            "PATCH",
            "/v1/platforms/michat".into(),
            Some(json!({"case_threshold": 5.0})),
            [A, A, F, H, F, F, F, F, U],
        ),
        (
            "POST",
            "/v1/users".into(),
            Some(json!({"name": "", "tenant": "michat", "role": "moderator"})),
            [A, A, F, F, F, F, F, F, U],
        ),
        (
            "GET",
            "/v1/accounts/michat/acc-a/network".into(),
            None,
            [A, A, A, H, H, F, F, F, U],
        ),
        (
            "POST",
            format!("/v1/cases/{case}/network-freeze"),
            Some(json!({"ground": "ite_decency", "note": ""})),
            [F, A, A, H, H, F, F, F, U],
        ),
        (
            "GET",
            "/v1/network-actions?platform=michat".into(),
            None,
            [A, A, A, H, H, F, F, F, U],
        ),
        (
            "GET",
            format!("/v1/network-actions/{network_action}"),
            None,
            [A, A, A, H, H, F, F, F, U],
        ),
        (
            "POST",
            format!("/v1/network-actions/{network_action}/reject"),
            Some(json!({"reason": ""})),
            [F, A, A, H, H, F, F, F, U],
        ),
        (
            "POST",
            format!("/v1/cases/{case}/legal-hold"),
            Some(json!({"hold": true, "reason": ""})),
            [F, A, F, H, F, A, A, F, U],
        ),
        (
            "POST",
            "/v1/requests".into(),
            Some(json!({"accounts": [], "legal_ground": "x", "category": "y"})),
            [F, F, F, F, F, A, A, F, U],
        ),
        (
            "GET",
            "/v1/requests".into(),
            None,
            [A, A, A, A, A, A, A, F, U],
        ),
        (
            "GET",
            format!("/v1/requests/{request}"),
            None,
            [A, A, A, H, H, A, H, F, U],
        ),
        (
            "POST",
            format!("/v1/requests/{request}/items/{request_item}/reject"),
            Some(json!({"code": "other", "reason": ""})),
            [F, A, A, H, H, F, F, F, U],
        ),
        (
            "GET",
            "/v1/reports/compliance?platform=michat".into(),
            None,
            [A, A, F, H, F, A, F, F, U],
        ),
        (
            "GET",
            "/v1/reports/protection?platform=michat".into(),
            None,
            [A, A, F, H, F, A, A, F, U],
        ),
        (
            "GET",
            format!("/v1/cases/{case}/evidence"),
            None,
            [A, A, A, H, H, A, F, F, U],
        ),
        // Reports: a platform's admins read their own; the regulator, the operator's auditor
        // and admins every platform's; the location report is not split by platform for
        // cross-platform viewers (422).
        (
            "GET",
            "/v1/transparency?from=2026-11-01&to=2026-11-30&platform=michat".into(),
            None,
            [A, A, F, H, F, A, F, A, U],
        ),
        (
            "GET",
            "/v1/transparency/statements?from=2026-11-01&to=2026-11-30&platform=michat".into(),
            None,
            [A, A, F, H, F, A, F, A, U],
        ),
        (
            "GET",
            "/v1/locations?from=2026-11-01&to=2026-11-30".into(),
            None,
            [A, A, F, A, F, A, F, A, U],
        ),
        (
            "GET",
            "/v1/locations?from=2026-11-01&to=2026-11-30&platform=michat".into(),
            None,
            [A, A, F, H, F, A, F, A, U],
        ),
        // Last: an authorised approval carries the freeze out (the next one is a 409).
        (
            "POST",
            format!("/v1/network-actions/{network_action}/approve"),
            None,
            [F, A, A, H, H, F, F, F, U],
        ),
    ];
    let mut failures = Vec::new();
    for (method, path, body, wants) in &rows {
        for (i, want) in wants.iter().enumerate() {
            let token = (WHO[i] != "none").then(|| tokens[i].as_str());
            let (status, resp) = server.call(method, path, token, body.clone()).await;
            let got = match status {
                401 => U,
                403 => F,
                404 => H,
                _ => A,
            };
            // Ingest by another platform's admin passes the request but refuses the item.
            let item_refused = path == "/v1/events" && status == 200 && resp["rejected"] == 1;
            let ok =
                got == *want && !(WHO[i] == "bt_admin" && path == "/v1/events" && !item_refused);
            if !ok {
                failures.push(format!(
                    "{method} {path} as {}: want {want:?}, got {status} {resp}",
                    WHO[i]
                ));
            }
            if status == 403 || status == 401 {
                assert!(
                    resp["error"]["message"]
                        .as_str()
                        .is_some_and(|m| !m.is_empty()),
                    "{method} {path}: 401/403 say what is missing"
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} authorisation mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Public operational endpoints.
    for path in ["/healthz", "/metrics", "/openapi.json"] {
        let (s, _) = server.call("GET", path, None, None).await;
        assert_eq!(s, 200, "{path}");
    }
    // The API description lists every endpoint of the matrix, and the matrix covers every
    // endpoint of the API description and of the router (no endpoint escapes the matrix).
    let (_, doc) = server.call("GET", "/openapi.json", None, None).await;
    let paths = doc["paths"].as_object().expect("paths");
    let documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(p, ops)| {
            let ops = ops.as_object().expect("operations");
            ops.keys()
                .map(|m| (m.to_uppercase(), p.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    for (method, path, _, _) in &rows {
        let template = path.split('?').next().expect("path");
        let known = documented
            .iter()
            .any(|(m, p)| m == method && same_route(p, template));
        assert!(known, "{method} {template} is missing from /openapi.json");
    }
    let public = ["/healthz", "/metrics", "/openapi.json"];
    let mut missing = Vec::new();
    for (method, template) in documented.iter().chain(&router_routes()) {
        if public.contains(&template.as_str()) {
            continue;
        }
        let in_matrix = rows.iter().any(|(m, path, _, _)| {
            m == method && same_route(template, path.split('?').next().expect("path"))
        });
        if !in_matrix {
            missing.push(format!("{method} {template}"));
        }
    }
    missing.dedup();
    assert!(
        missing.is_empty(),
        "endpoints missing from the authorisation matrix: {missing:?}"
    );
    for (method, template) in router_routes() {
        let documented = public.contains(&template.as_str())
            || documented
                .iter()
                .any(|(m, p)| *m == method && *p == template);
        assert!(
            documented,
            "{method} {template} is missing from /openapi.json"
        );
    }
}

/// Whether the route `template` (`/v1/cases/{id}`) matches `path` (`/v1/cases/7`).
fn same_route(template: &str, path: &str) -> bool {
    let (a, b): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x == y || x.starts_with('{'))
}

/// Every (method, path) the API router declares, read from its source: axum cannot list a
/// router's routes, and a route added there without a row in the matrix must fail this test.
fn router_routes() -> Vec<(String, String)> {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/serve/mod.rs"))
        .expect("read the router's source");
    let body = source
        .split("pub fn router(")
        .nth(1)
        .and_then(|r| r.split(".merge(").next())
        .expect("the router function");
    let route = regex::Regex::new(r#"\.route\(\s*"([^"]+)""#).expect("regex");
    let method = regex::Regex::new(r"\b(get|post|patch|put|delete)\(").expect("regex");
    let starts: Vec<_> = route.captures_iter(body).collect();
    let mut out = Vec::new();
    for (i, c) in starts.iter().enumerate() {
        let whole = c.get(0).expect("match");
        let end = starts
            .get(i + 1)
            .map_or(body.len(), |n| n.get(0).expect("match").start());
        let path = c[1].to_owned();
        for m in method.captures_iter(&body[whole.end()..end]) {
            out.push((m[1].to_uppercase(), path.clone()));
        }
    }
    assert!(out.len() > 20, "the router's routes were read: {out:?}");
    out
}
