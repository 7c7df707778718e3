//! The web console over real HTTP (no browser): sign-in with CSRF, tenant isolation, hostile
//! content rendered inert, security headers. The browser tests arrive with issue 5.

use serde_json::json;

use crate::support::server::{Server, event};

struct Browser {
    http: reqwest::Client,
    url: String,
    session: Option<String>,
}

impl Browser {
    fn new(url: &str) -> Self {
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

    async fn login(&mut self, user: &str, password: &str) -> u16 {
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

    async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
        let mut req = self.http.get(format!("{}{path}", self.url));
        if let Some(s) = &self.session {
            req = req.header("cookie", format!("saring_session={s}"));
        }
        let resp = req.send().await.expect("get");
        let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
        (status, headers, resp.text().await.expect("body"))
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> u16 {
        let mut req = self.http.post(format!("{}{path}", self.url)).form(form);
        if let Some(s) = &self.session {
            req = req.header("cookie", format!("saring_session={s}"));
        }
        req.send().await.expect("post").status().as_u16()
    }
}

fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf field")
        .to_owned()
}

async fn set_password(server: &Server, name: &str) {
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
