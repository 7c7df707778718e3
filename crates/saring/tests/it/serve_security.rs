//! Security controls over real HTTP: per-token rate limits (429 with `Retry-After`), token
//! and session expiry on the service clock, token rotation and disabling from the command
//! line, sign-in rate limits, and the console's security headers on every kind of response.

use serde_json::json;

use crate::console_pages::{Browser, set_password};
use crate::support::server::{Server, event};

/// Runs `saring user <what> <name> --db <db>` and returns its standard output.
fn user_command(server: &Server, what: &str, name: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_saring"))
        .args(["user", what, name, "--db", &server.db])
        .output()
        .expect("run saring user");
    assert!(
        out.status.success(),
        "saring user {what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_over_the_limit_gets_429_and_another_token_is_unaffected() {
    let server = Server::start(&[
        ("SARING_LIMITS__API_PER_SECOND", "1"),
        ("SARING_LIMITS__API_BURST", "5"),
        ("SARING_LIMITS__INGEST_PER_SECOND", "1"),
        ("SARING_LIMITS__INGEST_BURST", "3"),
    ]);
    server.platform("michat").await;
    let a = server.user("mc_admin_a", "michat", "admin").await;
    let b = server.user("mc_admin_b", "michat", "admin").await;
    let get = |token: &str| {
        server
            .http
            .get(format!("{}/v1/cases?platform=michat", server.url))
            .bearer_auth(token)
            .send()
    };
    let mut statuses = Vec::new();
    let mut limited = None;
    // Up to 30 quick requests: the bucket (5, refilling 1/s) runs dry long before.
    for _ in 0..30 {
        let resp = get(&a).await.expect("request");
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            limited = Some(resp);
            break;
        }
    }
    assert_eq!(statuses[..5], [200; 5], "the burst passes: {statuses:?}");
    let resp = limited.unwrap_or_else(|| panic!("no 429 in {statuses:?}"));
    let retry_after: u64 = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header in whole seconds");
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = resp.json().await.expect("a JSON error");
    assert_eq!(body["error"]["status"], 429);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("too many requests")),
        "{body}"
    );
    // Another token has its own bucket.
    assert_eq!(get(&b).await.expect("request").status(), 200);
    // Ingest has its own bucket too: the limited token still ingests, up to its burst.
    let mut ingest = Vec::new();
    for i in 0..30 {
        // The first carries an event; the rest are empty batches (cheap, still counted).
        let batch = if i == 0 {
            json!([event("michat", "acc-r", "r0", "halo")])
        } else {
            json!([])
        };
        let (s, _) = server
            .call("POST", "/v1/events", Some(&a), Some(batch))
            .await;
        ingest.push(s);
        if s == 429 {
            break;
        }
    }
    assert_eq!(ingest[..3], [200; 3], "{ingest:?}");
    assert_eq!(ingest.last(), Some(&429), "{ingest:?}");
    // The bucket refills: after the wait, the first token is served again.
    tokio::time::sleep(std::time::Duration::from_millis(1100 * retry_after)).await;
    assert_eq!(get(&a).await.expect("request").status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_tokens_and_sessions_are_refused_on_the_moved_clock() {
    let mut server = Server::start(&[("SARING_AUTH__TOKEN_TTL_DAYS", "30")]);
    server.platform("michat").await;
    let token = server.user("mc_mod", "michat", "moderator").await;
    set_password(&server, "mc_mod").await;
    let (s, _) = server
        .call("GET", "/v1/cases?platform=michat", Some(&token), None)
        .await;
    assert_eq!(s, 200);
    let mut br = Browser::new(&server.url);
    assert_eq!(br.login("mc_mod", "correct horse battery").await, 303);
    let (s, _, _) = br.get("/queue").await;
    assert_eq!(s, 200, "signed in");

    // 29 days later the token still works; the 12-hour session does not.
    server.restart_with(&[("SARING_CLOCK_OFFSET_SECS", &(29 * 86_400_i64).to_string())]);
    br.moved_to(&server.url);
    let (s, _) = server
        .call("GET", "/v1/cases?platform=michat", Some(&token), None)
        .await;
    assert_eq!(s, 200, "29 days: still valid");
    let (s, headers, _) = br.get("/queue").await;
    assert_eq!(s, 303, "the session expired");
    assert_eq!(
        headers.get("location").and_then(|v| v.to_str().ok()),
        Some("/login")
    );

    // 31 days: the token expired, and the answer says so and how to get a new one.
    server.restart_with(&[("SARING_CLOCK_OFFSET_SECS", &(31 * 86_400_i64).to_string())]);
    let (s, body) = server
        .call("GET", "/v1/cases?platform=michat", Some(&token), None)
        .await;
    assert_eq!(s, 401, "{body}");
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(
        message.contains("token expired on") && message.contains("saring user token mc_mod"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reissued_token_replaces_the_old_one_and_a_disabled_user_is_refused() {
    let server = Server::start(&[]);
    server.platform("michat").await;
    let old = server.user("mc_mod", "michat", "moderator").await;
    let out = user_command(&server, "token", "mc_mod");
    let new = out
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("srg_"))
        .expect("the new token is printed")
        .to_owned();
    let path = "/v1/cases?platform=michat";
    assert_eq!(server.call("GET", path, Some(&old), None).await.0, 401);
    assert_eq!(server.call("GET", path, Some(&new), None).await.0, 200);

    user_command(&server, "disable", "mc_mod");
    let (s, body) = server.call("GET", path, Some(&new), None).await;
    assert_eq!(s, 401, "{body}");
    user_command(&server, "enable", "mc_mod");
    assert_eq!(server.call("GET", path, Some(&new), None).await.0, 200);

    // Both changes are in the audit log, by id only.
    let (_, audit) = server
        .call("GET", "/v1/audit", Some(&server.admin), None)
        .await;
    let text = audit.to_string();
    for action in ["user.token_reset", "user.disabled", "user.enabled"] {
        assert!(text.contains(action), "{action} audited: {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_attempts_are_rate_limited_per_name() {
    let server = Server::start(&[("SARING_LIMITS__LOGIN_PER_MINUTE", "3")]);
    server.platform("michat").await;
    server.user("mc_mod", "michat", "moderator").await;
    server.user("mc_mod2", "michat", "moderator").await;
    set_password(&server, "mc_mod").await;
    set_password(&server, "mc_mod2").await;
    let mut br = Browser::new(&server.url);
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(br.login("mc_mod", "wrong password!!").await);
    }
    assert_eq!(got, [401, 401, 401, 429], "the fourth guess waits");
    // Even the right password waits now, but another user signs in.
    assert_eq!(br.login("mc_mod", "correct horse battery").await, 429);
    assert_eq!(br.login("mc_mod2", "correct horse battery").await, 303);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_console_response_carries_the_security_headers() {
    let server = Server::start(&[]);
    server.platform("michat").await;
    server.user("mc_mod", "michat", "moderator").await;
    set_password(&server, "mc_mod").await;
    let mut br = Browser::new(&server.url);
    let anonymous = Browser::new(&server.url);
    let mut checked = Vec::new();
    for (who, path, status) in [
        (&anonymous, "/login", 200),
        (&anonymous, "/queue", 303),
        (&anonymous, "/assets/console.css", 200),
    ] {
        checked.push((path, status, who.get(path).await));
    }
    assert_eq!(br.login("mc_mod", "correct horse battery").await, 303);
    for (path, status) in [("/queue", 200), ("/dashboard", 200), ("/cases/999999", 404)] {
        checked.push((path, status, br.get(path).await));
    }
    for (path, want, (status, headers, _)) in &checked {
        assert_eq!(status, want, "{path}");
        let h = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let csp = h("content-security-policy");
        assert!(
            csp.contains("default-src 'none'")
                && csp.contains("frame-ancestors 'none'")
                && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(h("x-frame-options"), "DENY", "{path}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "no-referrer", "{path}");
        let cache = h("cache-control");
        if path.starts_with("/assets/") {
            assert_eq!(cache, "max-age=3600", "assets keep their caching");
        } else {
            assert_eq!(cache, "no-store", "{path}");
        }
    }
}
