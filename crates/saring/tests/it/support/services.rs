//! Helpers for the tests that need PostgreSQL and NATS (the `services` feature): a fresh
//! database per test, a private JetStream stream per test, `saring worker` processes, and a
//! lock that keeps these tests from running at the same time (one of them restarts
//! PostgreSQL). The services must be running — `.ci/run` starts them; a test fails, never
//! skips, when one cannot be reached.

#![allow(
    dead_code,
    reason = "a harness shared by test modules; not every module uses every helper"
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::{Connection, Row};

/// The PostgreSQL server: `SARING_TEST_PG`, or the local one (trust authentication).
pub fn pg_admin_url() -> String {
    std::env::var("SARING_TEST_PG")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres".to_owned())
}

/// The NATS server: `SARING_TEST_NATS`, or the local one.
pub fn nats_url() -> String {
    std::env::var("SARING_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned())
}

static SERVICES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs service-backed tests one at a time.
pub async fn lock() -> tokio::sync::MutexGuard<'static, ()> {
    SERVICES.lock().await
}

/// A fresh PostgreSQL database.
pub struct PgDb {
    /// Its URL.
    pub url: String,
    name: String,
}

impl PgDb {
    /// Creates a database with a unique name; panics when the server cannot be reached.
    pub async fn new() -> PgDb {
        sqlx::any::install_default_drivers();
        let admin = pg_admin_url();
        let name = format!("saring_it_{}", uuid::Uuid::now_v7().simple());
        let mut c = sqlx::AnyConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL must be reachable at {admin}: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut c)
            .await
            .expect("create a test database");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        PgDb {
            url: format!("{base}/{name}"),
            name,
        }
    }

    /// One `i64` from a query on this database.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let mut c = connect_retrying(&self.url).await;
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .try_get::<i64, _>(0)
            .expect("an integer")
    }

    /// Drops the database.
    pub async fn drop_db(self) {
        let mut c = connect_retrying(&pg_admin_url()).await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut c)
        .await
        .expect("drop the test database");
    }
}

/// Connects, retrying for up to a minute (PostgreSQL may be restarting).
async fn connect_retrying(url: &str) -> sqlx::AnyConnection {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match sqlx::AnyConnection::connect(url).await {
            Ok(c) => return c,
            Err(e) if Instant::now() > deadline => panic!("connect to {url}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// A private stream, subject prefix and consumer for one test, as `SARING_NATS__…` variables.
pub struct StreamNames {
    /// Stream name.
    pub stream: String,
    /// Subject prefix.
    pub prefix: String,
    /// Durable consumer.
    pub consumer: String,
}

impl StreamNames {
    /// Fresh names.
    pub fn new() -> StreamNames {
        let id = uuid::Uuid::now_v7().simple().to_string();
        StreamNames {
            stream: format!("T_{id}"),
            prefix: format!("t{id}.events"),
            consumer: "workers".to_owned(),
        }
    }

    /// The environment that points `saring` at them (and at the NATS server).
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("SARING_NATS__URL".into(), nats_url()),
            ("SARING_NATS__STREAM".into(), self.stream.clone()),
            ("SARING_NATS__SUBJECT_PREFIX".into(), self.prefix.clone()),
            ("SARING_NATS__CONSUMER".into(), self.consumer.clone()),
        ]
    }

    /// Deletes the stream (and its consumer).
    pub async fn delete(&self) {
        let client = async_nats::connect(nats_url())
            .await
            .expect("connect to NATS");
        let js = async_nats::jetstream::new(client);
        let _ = js.delete_stream(&self.stream).await;
    }

    /// Messages of the stream not yet acknowledged by a worker (pending + in flight).
    pub async fn unfinished(&self) -> u64 {
        let client = async_nats::connect(nats_url())
            .await
            .expect("connect to NATS");
        let js = async_nats::jetstream::new(client);
        let mut stream = js.get_stream(&self.stream).await.expect("the stream");
        let info = stream.info().await.expect("stream info");
        info.state.messages
    }
}

/// A `saring worker` process.
pub struct Worker {
    child: Option<Child>,
    summary: Arc<Mutex<Option<String>>>,
    log: std::path::PathBuf,
}

impl Worker {
    /// Starts a worker on `db` and the stream of `names`, with extra environment; returns once
    /// it pulls.
    pub fn start(
        name: &str,
        db: &str,
        names: &StreamNames,
        env: &[(&str, &str)],
        logs: &std::path::Path,
    ) -> Worker {
        let log = logs.join(format!("{name}.log"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_saring"));
        cmd.args(["worker", "--db", db, "--nats", &nats_url(), "--name", name])
            .env_remove("SARING_POLICY")
            .env_remove("SARING_MODEL")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(
                std::fs::File::create(&log).expect("create the worker log"),
            ));
        for (k, v) in names.env() {
            cmd.env(k, v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start saring worker");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.contains("is pulling from") => break,
                Some(Ok(_)) => {}
                _ => panic!(
                    "saring worker {name} exited before pulling: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                ),
            }
        }
        let summary = Arc::new(Mutex::new(None));
        let s = Arc::clone(&summary);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if line.contains("stopped:") {
                    *s.lock().unwrap_or_else(|e| e.into_inner()) = Some(line);
                }
            }
        });
        Worker {
            child: Some(child),
            summary,
            log,
        }
    }

    /// Kills the worker with SIGKILL.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Stops the worker with SIGTERM; returns its exit status and summary line
    /// (`stored N, duplicate N, …`).
    pub fn stop(&mut self) -> (std::process::ExitStatus, String) {
        let mut c = self.child.take().expect("the worker is running");
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let status = c.wait().expect("wait for the worker");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(s) = self
                .summary
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
            {
                return (status, s);
            }
            if Instant::now() > deadline {
                return (status, String::new());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the worker logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A number from a worker's summary line: `count("stored", "… stored 12, …")` is 12.
pub fn count(what: &str, summary: &str) -> u64 {
    summary
        .split(", ")
        .flat_map(|part| part.rsplit(": ").next())
        .find_map(|part| part.strip_prefix(what)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {what} count in {summary:?}"))
}

/// Publishes events straight to JetStream, pipelined, and waits for every ack.
pub async fn publish(names: &StreamNames, events: impl Iterator<Item = serde_json::Value>) -> u64 {
    let client = async_nats::connect(nats_url())
        .await
        .expect("connect to NATS");
    let js = async_nats::jetstream::new(client);
    // The worker creates the stream too; whoever comes first makes it.
    js.get_or_create_stream(async_nats::jetstream::stream::Config {
        name: names.stream.clone(),
        subjects: vec![format!("{}.>", names.prefix)],
        retention: async_nats::jetstream::stream::RetentionPolicy::WorkQueue,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .expect("the stream");
    let mut acks = Vec::new();
    let mut n = 0;
    for e in events {
        let subject = format!(
            "{}.{}",
            names.prefix,
            e["platform"].as_str().expect("platform")
        );
        acks.push(
            js.publish(subject, serde_json::to_vec(&e).expect("json").into())
                .await
                .expect("publish"),
        );
        n += 1;
        if acks.len() >= 2000 {
            for a in acks.drain(..) {
                a.await.expect("JetStream acknowledges the publish");
            }
        }
    }
    for a in acks {
        a.await.expect("JetStream acknowledges the publish");
    }
    n
}
