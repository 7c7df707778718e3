//! A real `saring serve` process on a loopback port and a temporary SQLite file, with an
//! HTTP client that speaks its API.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use tempfile::TempDir;

/// A running server.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The first admin's token (tenant system); empty when the store had users already.
    pub admin: String,
    /// The database URL.
    pub db: String,
    dir: TempDir,
    env: Vec<(String, String)>,
    /// The HTTP client.
    pub http: reqwest::Client,
}

fn spawn(
    db: &str,
    env: &[(String, String)],
    dir: &std::path::Path,
) -> (Child, String, Option<String>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_saring"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--db", db])
        .current_dir(dir)
        .env_remove("SARING_POLICY")
        .env_remove("SARING_MODEL")
        .env("SARING_WEBHOOK__ALLOW_PRIVATE_TARGETS", "true")
        .env("SARING_WEBHOOK__BACKOFF_BASE_MS", "100")
        .env("SARING_WEBHOOK__BACKOFF_MAX_MS", "400")
        .env("SARING_WEBHOOK__POLL_INTERVAL_MS", "100")
        .env("SARING_WEBHOOK__REQUEST_TIMEOUT_MS", "2000")
        .env("SARING_WEBHOOK__LEASE_MS", "3000")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join("server.log"))
                .expect("open the server log"),
        ));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start saring serve");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut token = None;
    let mut expect_token = false;
    let url = loop {
        let line = lines
            .next()
            .expect("saring serve exited before listening")
            .expect("read stdout");
        if line.contains("Its token, shown only this once") {
            expect_token = true;
        } else if expect_token && line.trim().starts_with("srg_") {
            token = Some(line.trim().to_owned());
            expect_token = false;
        } else if let Some(rest) = line.strip_prefix("Saring is listening on ") {
            break rest.split_whitespace().next().expect("url").to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines.by_ref() {});
    (child, url, token)
}

impl Server {
    /// Starts a server on a fresh SQLite database.
    pub fn start(env: &[(&str, &str)]) -> Server {
        Self::start_with(None, env)
    }

    /// Starts a server on the database at `db` (a fresh PostgreSQL database, say).
    #[cfg_attr(not(feature = "services"), allow(dead_code))]
    pub fn start_on(db: &str, env: &[(&str, &str)]) -> Server {
        Self::start_with(Some(db), env)
    }

    fn start_with(db: Option<&str>, env: &[(&str, &str)]) -> Server {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().expect("tempdir");
        let db = db.map_or_else(
            || format!("sqlite://{}", dir.path().join("saring.db").display()),
            str::to_owned,
        );
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let (child, url, token) = spawn(&db, &env, dir.path());
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Server {
            child: Some(child),
            url,
            // The first start on an empty store prints it; a second server on the same
            // database has none.
            admin: token.unwrap_or_default(),
            db,
            dir,
            env,
            http,
        }
    }

    /// Everything the server wrote to standard error (its log), across restarts.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Kills the server with SIGKILL (no graceful shutdown).
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Stops the server with SIGTERM and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same database (a new port).
    pub fn restart(&mut self) {
        self.kill9();
        let (child, url, _) = spawn(&self.db, &self.env, self.dir.path());
        self.child = Some(child);
        self.url = url;
    }

    /// Starts the server again on the same database with `env` set on top of the start's
    /// (`SARING_CLOCK_OFFSET_SECS` moves the service clock forward).
    pub fn restart_with(&mut self, env: &[(&str, &str)]) {
        for (k, v) in env {
            self.env.retain(|(key, _)| key != k);
            self.env.push(((*k).to_owned(), (*v).to_owned()));
        }
        self.restart();
    }

    /// The text of `/metrics` (Prometheus).
    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.url))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics text")
    }

    /// Sends a request; returns (status, JSON body or Null).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Sends raw bytes to `path`.
    pub async fn raw(&self, path: &str, token: &str, body: Vec<u8>) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .body(body)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Creates a user through the API and returns its token.
    pub async fn user(&self, name: &str, tenant: &str, role: &str) -> String {
        let (s, b) = self
            .call(
                "POST",
                "/v1/users",
                Some(&self.admin),
                Some(json!({"name": name, "tenant": tenant, "role": role})),
            )
            .await;
        assert_eq!(s, 201, "create user {name}: {b}");
        b["token"].as_str().expect("token").to_owned()
    }

    /// Creates a platform through the API.
    pub async fn platform(&self, id: &str) {
        let (s, b) = self
            .call(
                "POST",
                "/v1/platforms",
                Some(&self.admin),
                Some(json!({"id": id, "name": id})),
            )
            .await;
        assert_eq!(s, 201, "create platform {id}: {b}");
    }

    /// Waits until the linker, which follows the commits in the background, has linked every
    /// committed event (its links recorded, its ban-evasion cases filed); panics after 20 s.
    pub async fn linked(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let (s, b) = self.call("GET", "/healthz", None, None).await;
            if s == 200 && b["linker"]["role"] == "leader" && b["linker"]["pending_events"] == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the linker did not catch up: {b}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Polls `GET path` until `pred` holds or `timeout` passes; returns the last body.
    pub async fn poll(
        &self,
        path: &str,
        token: &str,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let (_, b) = self.call("GET", path, Some(token), None).await;
            if pred(&b) || std::time::Instant::now() > deadline {
                return b;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// An event object, posted a minute ago (scores decay with age, so a fixed date would make
/// the tests' clear ads fall under the case threshold as the calendar moves on).
pub fn event(platform: &str, account: &str, id: &str, text: &str) -> Value {
    let ts = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(60);
    json!({"platform": platform, "account": account, "event_id": id, "kind": "post", "text": text, "ts": ts.to_string()})
}
