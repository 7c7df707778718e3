//! The web console over real HTTP (no browser): sign-in with CSRF, tenant isolation, hostile
//! content rendered inert, security headers, queue filters, claim and release. The browser
//! tests are in `console_e2e` (behind the `services` feature); the dashboard's in
//! `console_dashboard`.

use serde_json::json;

use crate::support::server::{Server, event};

/// A cookie-carrying HTTP client that signs in like a browser does.
pub(crate) struct Browser {
    http: reqwest::Client,
    url: String,
    session: Option<String>,
}

impl Browser {
    pub(crate) fn new(url: &str) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Browser {
            http,
            url: url.to_owned(),
            session: None,
        }
    }

    /// Points the browser at a restarted server (a new port), keeping its session cookie.
    pub(crate) fn moved_to(&mut self, url: &str) {
        url.clone_into(&mut self.url);
    }

    fn cookie_of(resp: &reqwest::Response, name: &str) -> Option<String> {
        resp.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| {
                v.strip_prefix(&format!("{name}="))
                    .map(|r| r.split(';').next().unwrap_or("").to_owned())
            })
    }

    pub(crate) async fn login(&mut self, user: &str, password: &str) -> u16 {
        let resp = self
            .http
            .get(format!("{}/login", self.url))
            .send()
            .await
            .expect("login page");
        let login_cookie = Self::cookie_of(&resp, "saring_login").expect("login csrf cookie");
        let html = resp.text().await.expect("html");
        let csrf = html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("csrf field")
            .to_owned();
        let resp = self
            .http
            .post(format!("{}/login", self.url))
            .header("cookie", format!("saring_login={login_cookie}"))
            .form(&[("username", user), ("password", password), ("csrf", &csrf)])
            .send()
            .await
            .expect("login");
        self.session = Self::cookie_of(&resp, "saring_session");
        resp.status().as_u16()
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
        let mut req = self.http.get(format!("{}{path}", self.url));
        if let Some(s) = &self.session {
            req = req.header("cookie", format!("saring_session={s}"));
        }
        let resp = req.send().await.expect("get");
        let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
        (status, headers, resp.text().await.expect("body"))
    }

    pub(crate) async fn post(&self, path: &str, form: &[(&str, &str)]) -> u16 {
        let mut req = self.http.post(format!("{}{path}", self.url)).form(form);
        if let Some(s) = &self.session {
            req = req.header("cookie", format!("saring_session={s}"));
        }
        req.send().await.expect("post").status().as_u16()
    }
}

/// The CSRF token of the first form in `html`.
pub(crate) fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf field")
        .to_owned()
}

/// Sets `name`'s console password to `correct horse battery`.
pub(crate) async fn set_password(server: &Server, name: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_saring"))
        .args(["user", "passwd", name, "--db", &server.db])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("user passwd");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"correct horse battery\n")
        .expect("write");
    assert!(child.wait().expect("wait").success());
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_review_decide_and_stay_inside_the_tenant() {
    let server = Server::start(&[]);
    server.platform("michat").await;
    server.platform("beetalk").await;
    let mc_admin = server.user("mc-admin", "michat", "admin").await;
    let bt_admin = server.user("bt-admin", "beetalk", "admin").await;
    server.user("mc-mod", "michat", "moderator").await;
    set_password(&server, "mc-mod").await;
    let hostile = "open bo <script>alert(1)</script> \u{202E}gnp.exe wa 0812 0000 7777 ".to_owned()
        + &"x".repeat(3000);
    let (_, b) = server
        .call(
            "POST",
            "/v1/events",
            Some(&mc_admin),
            Some(json!([event("michat", "acc-1", "e1", &hostile)])),
        )
        .await;
    let case = b["results"][0]["case_id"].as_i64().expect("case");
    let (_, b) = server
        .call(
            "POST",
            "/v1/events",
            Some(&bt_admin),
            Some(json!([event(
                "beetalk",
                "acc-9",
                "e9",
                "open bo st 500 lt 1jt"
            )])),
        )
        .await;
    let other = b["results"][0]["case_id"].as_i64().expect("beetalk case");

    let mut br = Browser::new(&server.url);
    let (s, _, _) = br.get("/queue").await;
    assert_eq!(s, 303, "no session: redirect to the login form");
    assert_eq!(br.login("mc-mod", "wrong password!!").await, 401);
    assert_eq!(br.login("mc-mod", "correct horse battery").await, 303);
    let (s, headers, html) = br.get("/queue").await;
    assert_eq!(s, 200);
    assert!(html.contains(&format!("/cases/{case}")), "own case listed");
    assert!(
        !html.contains(&format!("/cases/{other}\"")),
        "other platform's case not listed"
    );
    assert!(
        headers
            .get("content-security-policy")
            .is_some_and(|v| v.to_str().unwrap_or("").contains("script-src 'self'"))
    );
    assert_eq!(
        headers.get("x-frame-options").and_then(|v| v.to_str().ok()),
        Some("DENY")
    );

    // The case page: evidence highlighted, hostile text inert.
    let (s, _, html) = br.get(&format!("/cases/{case}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("<mark"), "evidence is highlighted");
    assert!(
        !html.contains("<script>alert(1)"),
        "hostile markup is escaped"
    );
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "and still readable"
    );
    // A platform-A moderator asking for a platform-B case gets 404.
    let (s, _, html_other) = br.get(&format!("/cases/{other}")).await;
    assert_eq!(s, 404);
    assert!(!html_other.contains("acc-9"));

    // Forms without the session's CSRF token are refused; with it, the decision is recorded.
    let csrf = csrf_of(&html);
    assert_eq!(
        br.post(
            &format!("/cases/{case}/decision"),
            &[
                ("csrf", "forged"),
                ("action", "freeze"),
                ("ground", "ite_decency"),
                ("note", "x")
            ]
        )
        .await,
        403
    );
    assert_eq!(
        br.post(
            &format!("/cases/{case}/decision"),
            &[
                ("csrf", &csrf),
                ("action", "freeze"),
                ("ground", "ite_decency"),
                ("note", "menu")
            ]
        )
        .await,
        303
    );
    let (_, _, html) = br.get(&format!("/cases/{case}")).await;
    assert!(
        html.contains("id=\"case-status\">actioned<"),
        "decision recorded"
    );

    // Language switch: Indonesian by default, English on request.
    assert!(html.contains("Antrean tinjauan"));
    assert_eq!(
        br.post(
            "/lang",
            &[("csrf", &csrf), ("lang", "en"), ("back", "/queue")]
        )
        .await,
        303
    );
    let (_, _, html) = br.get("/queue").await;
    assert!(html.contains("Review queue"));
    // Logout ends the session.
    assert_eq!(br.post("/logout", &[("csrf", &csrf)]).await, 303);
    let (s, _, _) = br.get("/queue").await;
    assert_eq!(s, 303);
}

#[tokio::test(flavor = "multi_thread")]
async fn queue_filters_claim_release_blur_and_navigation_without_script() {
    let server = Server::start(&[]);
    server.platform("michat").await;
    let mc_admin = server.user("mc-admin", "michat", "admin").await;
    for name in ["mc-mod", "mc-mod2"] {
        server.user(name, "michat", "moderator").await;
        set_password(&server, name).await;
    }
    server.user("auditor-1", "system", "auditor").await;
    set_password(&server, "auditor-1").await;
    let mut kc = event(
        "michat",
        "acc-kc",
        "e1",
        "0p3n b0 ready kalcit, ST 500 LT 1,2jt, wa 0812 0000 1111",
    );
    kc["location"] = json!("Kalibata City");
    let mr = event(
        "michat",
        "acc-mr",
        "e2",
        "open bo margonda ST 400 LT 1jt wa 0812 0000 2222",
    );
    let (_, b) = server
        .call("POST", "/v1/events", Some(&mc_admin), Some(json!([kc, mr])))
        .await;
    let kc_case = b["results"][0]["case_id"].as_i64().expect("case");
    let mr_case = b["results"][1]["case_id"].as_i64().expect("case");

    let mut br = Browser::new(&server.url);
    assert_eq!(br.login("mc-mod", "correct horse battery").await, 303);
    let (s, _, html) = br.get("/").await;
    assert_eq!(s, 303, "home redirects to the role's first page: {html}");
    let (_, _, html) = br.get("/queue").await;
    assert!(
        html.contains(&format!("id=\"row-{kc_case}\""))
            && html.contains(&format!("id=\"row-{mr_case}\""))
    );
    assert!(html.contains("id=\"nav-dashboard\"") && !html.contains("id=\"nav-audit\""));
    // Location filter.
    let (_, _, html) = br.get("/queue?location=Kalibata+City").await;
    assert!(html.contains(&format!("id=\"row-{kc_case}\"")));
    assert!(!html.contains(&format!("id=\"row-{mr_case}\"")));
    assert!(
        html.contains("value=\"Kalibata City\""),
        "the filter keeps its value"
    );
    // Status filter: nothing is actioned yet.
    let (_, _, html) = br.get("/queue?status=actioned").await;
    assert!(html.contains("id=\"queue-empty\""));
    // Bad filters are named; another platform's queue does not exist for this user.
    let (s, _, body) = br.get("/queue?flag=bogus").await;
    assert_eq!((s, body.contains("flag")), (400, true));
    let (s, _, body) = br.get("/queue?status=bogus").await;
    assert_eq!((s, body.contains("status")), (400, true));
    let (s, _, _) = br.get("/queue?platform=beetalk").await;
    assert_eq!(s, 404);

    // Claim shows the holder's name and offers release; another moderator sees the claim.
    let (_, _, html) = br.get(&format!("/cases/{kc_case}")).await;
    let csrf = csrf_of(&html);
    assert!(html.contains("id=\"claim\""));
    assert!(
        html.contains("id=\"account-history\"") && html.contains("id=\"account-status\">active<")
    );
    assert_eq!(
        br.post(&format!("/cases/{kc_case}/claim"), &[("csrf", &csrf)])
            .await,
        303
    );
    let (_, _, html) = br.get(&format!("/cases/{kc_case}")).await;
    assert!(html.contains("id=\"claimed-by\">mc-mod<") && html.contains("id=\"release\""));
    let mut other = Browser::new(&server.url);
    assert_eq!(other.login("mc-mod2", "correct horse battery").await, 303);
    let (_, _, html2) = other.get(&format!("/cases/{kc_case}")).await;
    assert!(html2.contains("id=\"claimed-by\">mc-mod<") && !html2.contains("id=\"claim\""));
    let csrf2 = csrf_of(&html2);
    assert_eq!(
        other
            .post(&format!("/cases/{kc_case}/release"), &[("csrf", &csrf2)])
            .await,
        409,
        "only the holder releases"
    );
    assert_eq!(
        br.post(&format!("/cases/{kc_case}/release"), &[("csrf", &csrf)])
            .await,
        303
    );
    let (_, _, html) = br.get(&format!("/cases/{kc_case}")).await;
    assert!(html.contains("id=\"claim\"") && !html.contains("id=\"claimed-by\""));
    // The statement of reasons preview and the recommendation are on the page.
    assert!(html.contains("id=\"sor\"") && html.contains("decision_ground"));
    assert!(html.contains("id=\"recommendation\""));
    assert!(
        html.contains("<option value=\"ite_decency\" selected>"),
        "the form suggests the ground the preview assumes"
    );

    // The blur switch works without the script: a form and a cookie the page reads.
    let resp = br
        .http
        .post(format!("{}/blur", server.url))
        .header(
            "cookie",
            format!("saring_session={}", br.session.as_deref().unwrap_or("")),
        )
        .form(&[("csrf", csrf.as_str()), ("blur", "1"), ("back", "/queue")])
        .send()
        .await
        .expect("blur");
    assert_eq!(resp.status().as_u16(), 303);
    let set = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(set.starts_with("saring_blur=1;"), "{set}");
    let html = br
        .http
        .get(format!("{}/queue", server.url))
        .header(
            "cookie",
            format!(
                "saring_session={}; saring_blur=1",
                br.session.as_deref().unwrap_or("")
            ),
        )
        .send()
        .await
        .expect("queue")
        .text()
        .await
        .expect("html");
    assert!(html.contains("<body class=\"blurred\">"));
    // A switch never sends the browser to another site.
    let resp = br
        .http
        .post(format!("{}/lang", server.url))
        .header(
            "cookie",
            format!("saring_session={}", br.session.as_deref().unwrap_or("")),
        )
        .form(&[
            ("csrf", csrf.as_str()),
            ("lang", "en"),
            ("back", "//evil.example/x"),
        ])
        .send()
        .await
        .expect("lang");
    assert_eq!(
        resp.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/")
    );

    // The auditor's navigation: audit and dashboard, no queue.
    let mut aud = Browser::new(&server.url);
    assert_eq!(aud.login("auditor-1", "correct horse battery").await, 303);
    let (_, _, html) = aud.get("/audit").await;
    assert!(html.contains("id=\"nav-audit\"") && html.contains("id=\"nav-dashboard\""));
    assert!(!html.contains("id=\"nav-queue\"") && !html.contains("id=\"nav-appeals\""));
    // The verify button walks the chain: intact, with the entry count and head hash.
    let (s, _, html) = aud.get("/audit?verify=1").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("<p class=\"ok\" id=\"verify-result\">Rantai audit utuh: "),
        "{html}"
    );
    let (s, _, _) = br.get("/audit").await;
    assert_eq!(s, 403, "a moderator does not read the audit log");
}
