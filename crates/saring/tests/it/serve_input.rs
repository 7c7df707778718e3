//! Bad input to the API gets a 4xx a developer can act on, and nothing of a bad item is
//! stored while the good items of the same batch are.

use serde_json::json;

use crate::support::server::{Server, event};

#[tokio::test(flavor = "multi_thread")]
async fn bad_items_are_named_and_good_ones_in_the_same_batch_are_kept() {
    let server = Server::start(&[
        ("SARING_INGEST__MAX_TEXT_BYTES", "200"),
        ("SARING_INGEST__MAX_BODY_BYTES", "4096"),
    ]);
    server.platform("michat").await;
    let t = server.user("ingest", "michat", "admin").await;
    let m = server.user("mod", "michat", "moderator").await;

    // Broken JSON array: 400 with the parser's position.
    let (s, b) = server
        .raw("/v1/events", &t, b"[{\"platform\": \"michat\",".to_vec())
        .await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .expect("message")
            .contains("not a valid JSON array"),
        "{b}"
    );

    // A batch mixing good and bad items.
    let mut wrong_type = event("michat", "bad-1", "b1", "hello");
    wrong_type["ts"] = json!(true);
    let mut missing = event("michat", "bad-2", "b2", "hello");
    missing.as_object_mut().expect("object").remove("account");
    let long = event("michat", "bad-3", "b3", &"x".repeat(201));
    let unknown_platform = event("nowhere", "bad-4", "b4", "hello");
    let good = event("michat", "good-1", "g1", "selamat pagi");
    let (s, b) = server
        .call(
            "POST",
            "/v1/events",
            Some(&t),
            Some(json!([
                wrong_type,
                missing,
                long,
                unknown_platform,
                good,
                42
            ])),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["accepted"], 1);
    assert_eq!(b["rejected"], 5);
    let err = |i: usize| {
        (
            b["results"][i]["error"]["field"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
            b["results"][i]["error"]["reason"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        )
    };
    assert_eq!(err(0).0, "ts");
    assert!(err(0).1.contains("found a boolean"));
    assert_eq!(err(1), ("account".into(), "is required".into()));
    assert_eq!(err(2).0, "text");
    assert!(err(2).1.contains("limit is 200"));
    assert_eq!(err(3).0, "platform");
    assert!(err(5).1.contains("expected a JSON object"));
    assert_eq!(b["results"][4]["status"], "accepted");
    for acc in ["bad-1", "bad-3"] {
        let (s, _) = server
            .call("GET", &format!("/v1/accounts/michat/{acc}"), Some(&m), None)
            .await;
        assert_eq!(s, 404, "nothing of a rejected item is stored ({acc})");
    }
    let (s, _) = server
        .call("GET", "/v1/accounts/michat/good-1", Some(&m), None)
        .await;
    assert_eq!(s, 200);

    // NDJSON with a broken line and a line that is not UTF-8.
    let mut nd = Vec::new();
    nd.extend_from_slice(event("michat", "nd-1", "n1", "halo").to_string().as_bytes());
    nd.extend_from_slice(b"\n{\"platform\": \n");
    nd.extend_from_slice(b"{\"text\": \"\xff\xfe\"}\n");
    nd.extend_from_slice(
        event("michat", "nd-2", "n2", "halo juga")
            .to_string()
            .as_bytes(),
    );
    let (s, b) = server.raw("/v1/events", &t, nd).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["accepted"], 2);
    assert!(
        b["results"][1]["error"]["reason"]
            .as_str()
            .expect("reason")
            .starts_with("line 2: not valid JSON"),
        "{b}"
    );
    assert!(
        b["results"][2]["error"]["reason"]
            .as_str()
            .expect("reason")
            .starts_with("line 3: not valid UTF-8"),
        "{b}"
    );

    // A body over the limit: 413, nothing stored.
    let big: Vec<_> = (0..40)
        .map(|i| {
            event(
                "michat",
                "big",
                &format!("big{i}"),
                "halo halo halo halo halo halo",
            )
        })
        .collect();
    let (s, b) = server
        .call("POST", "/v1/events", Some(&t), Some(json!(big)))
        .await;
    assert_eq!(s, 413, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .expect("message")
            .contains("4096")
    );
    let (s, _) = server
        .call("GET", "/v1/accounts/michat/big", Some(&m), None)
        .await;
    assert_eq!(s, 404);

    // Wrong types in a decision body name the field.
    let (s, b) = server
        .call(
            "POST",
            "/v1/cases/1/decision",
            Some(&m),
            Some(json!({"action": "ban", "ground": "ite_decency", "note": "x"})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["error"]["field"], "action");
    let (s, b) = server
        .call(
            "POST",
            "/v1/reports",
            Some(&m),
            Some(json!({"platform": "michat", "account": "a", "reason": "x", "extra": 1})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert!(
        b["error"]["reason"]
            .as_str()
            .expect("reason")
            .contains("unknown field `extra`"),
        "{b}"
    );
    // No token, bad token.
    let (s, b) = server.call("GET", "/v1/cases", None, None).await;
    assert_eq!(s, 401);
    assert!(
        b["error"]["message"]
            .as_str()
            .expect("message")
            .contains("Authorization: Bearer")
    );
    let (s, b) = server
        .call("GET", "/v1/cases", Some("srg_nope"), None)
        .await;
    assert_eq!(s, 401, "{b}");
}

#[tokio::test(flavor = "multi_thread")]
async fn resending_a_batch_is_idempotent() {
    let server = Server::start(&[]);
    server.platform("michat").await;
    let t = server.user("ingest", "michat", "admin").await;
    let batch = json!([
        event("michat", "a", "1", "open bo wa 0812 0000 3333"),
        event("michat", "a", "1", "open bo wa 0812 0000 3333")
    ]);
    let (_, b) = server
        .call("POST", "/v1/events", Some(&t), Some(batch.clone()))
        .await;
    assert_eq!(
        (b["accepted"].as_i64(), b["duplicates"].as_i64()),
        (Some(1), Some(1)),
        "{b}"
    );
    let (_, b) = server
        .call("POST", "/v1/events", Some(&t), Some(batch))
        .await;
    assert_eq!(
        (b["accepted"].as_i64(), b["duplicates"].as_i64()),
        (Some(0), Some(2)),
        "{b}"
    );
}

/// Batches that arrive together are committed together (group commit): whatever the grouping,
/// every event id is accepted exactly once, the answers add up, and the audit chain holds.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_batches_are_each_committed_once() {
    let server = Server::start(&[]);
    server.platform("michat").await;
    let t = server.user("ingest", "michat", "admin").await;
    let (batches, own, shared) = (8, 80, 20);
    let bodies: Vec<serde_json::Value> = (0..batches)
        .map(|k| {
            let mut items: Vec<serde_json::Value> = (0..own)
                .map(|i| {
                    event(
                        "michat",
                        &format!("acc-{}", k % 3),
                        &format!("b{k}-{i}"),
                        "halo kak, nanti malam jadi makan bareng?",
                    )
                })
                .collect();
            // The same ids in every batch: the first commit takes them, the rest are duplicates.
            items.extend((0..shared).map(|i| {
                event(
                    "michat",
                    "acc-shared",
                    &format!("shared-{i}"),
                    "open bo wa 0812 0000 4444",
                )
            }));
            serde_json::Value::Array(items)
        })
        .collect();
    let answers = futures_util::future::join_all(
        bodies
            .into_iter()
            .map(|b| server.call("POST", "/v1/events", Some(&t), Some(b))),
    )
    .await;
    let mut shared_accepted = std::collections::HashMap::new();
    let (mut accepted, mut duplicates) = (0, 0);
    for (s, b) in &answers {
        assert_eq!(*s, 200, "{b}");
        accepted += b["accepted"].as_i64().expect("accepted");
        duplicates += b["duplicates"].as_i64().expect("duplicates");
        for r in b["results"].as_array().expect("results") {
            let id = r["event_id"].as_str().expect("event_id");
            if id.starts_with("shared-") && r["status"] == "accepted" {
                *shared_accepted.entry(id.to_owned()).or_insert(0) += 1;
            } else if !id.starts_with("shared-") {
                assert_eq!(r["status"], "accepted", "{r}");
            }
        }
    }
    assert_eq!(accepted, batches * own + shared);
    assert_eq!(duplicates, (batches - 1) * shared);
    assert_eq!(shared_accepted.len(), shared as usize);
    assert!(
        shared_accepted.values().all(|&n| n == 1),
        "{shared_accepted:?}"
    );
    let (s, b) = server
        .call("GET", "/v1/audit/verify", Some(&server.admin), None)
        .await;
    assert_eq!((s, b["valid"].as_bool()), (200, Some(true)), "{b}");
    // Every batch went through the committer, in as many commits or fewer.
    let text = server.metrics().await;
    let counter = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    };
    let commits = counter("saring_ingest_commits_total");
    assert_eq!(counter("saring_ingest_committed_batches_total"), 8);
    assert!((1..=8).contains(&commits), "{commits} commits");
    eprintln!("8 batches in {commits} commits");
}
