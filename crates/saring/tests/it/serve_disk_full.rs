//! A full disk (the `services` feature: it mounts a small tmpfs, so it runs as root, as CI
//! does; it fails, never skips, when the mount fails). The SQLite database lives on an 8 MiB
//! tmpfs; ingest runs until the disk is full. Then: the API answers 507 with a JSON message
//! naming the cause — never 200 for data that was not committed; the process stays up; reads
//! still work; after space is freed ingest resumes; every acknowledged event is stored once,
//! the refused ones not at all; `PRAGMA integrity_check` says "ok" and `saring audit verify`
//! passes.
//!
//! Regression: the first version of this test found that the batch acknowledged after space
//! was freed was lost at the next restart — a failed `COMMIT` had left sqlx counting the
//! write connection inside a transaction (see `sqlite_release_writer` in saring-store).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::server::{Server, event};
use crate::util::saring;

/// Events per batch; each event carries about 1 KiB of text.
const BATCH: usize = 100;

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
    _parent: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let parent = tempfile::tempdir().expect("a temporary directory");
        let dir = parent.path().join("disk");
        std::fs::create_dir(&dir).expect("the mount point");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "mount -t tmpfs failed (this test needs root, as CI runs it): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs {
            dir,
            _parent: parent,
        }
    }

    fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy: the server may still hold the files open while the test unwinds.
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// A batch of `BATCH` events of about 1 KiB each; its ids start with `b{n}-`.
fn batch(n: usize) -> Value {
    Value::Array(
        (0..BATCH)
            .map(|i| {
                // Varied words, so that the text does not compress into nothing anywhere.
                let text: String = (0..170)
                    .map(|w| format!("kata{:05} ", (n * 7919 + i * 131 + w * 17) % 99_991))
                    .collect();
                event(
                    "michat",
                    &format!("acc-{}", (n * BATCH + i) % 500),
                    &format!("b{n}-{i}"),
                    &text,
                )
            })
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_gives_507_keeps_serving_reads_and_recovers_without_corruption() {
    let disk = Tmpfs::mount("8m");
    // Ballast to free later: without it nothing could be freed but the database itself.
    let ballast = disk.path().join("ballast");
    std::fs::write(&ballast, vec![7u8; 2 << 20]).expect("write the ballast");
    let db = format!("sqlite://{}", disk.path().join("saring.db").display());
    let mut server = Server::start_on(&db, &[]);
    server.platform("michat").await;
    let admin = server.user("ingest", "michat", "admin").await;
    let moderator = server.user("mod1", "michat", "moderator").await;

    // Ingest until the disk is full.
    let mut acked = Vec::new();
    let refused = loop {
        let n = acked.len();
        assert!(n < 200, "8 MiB should be full long before 200 batches");
        let (s, b) = server
            .call("POST", "/v1/events", Some(&admin), Some(batch(n)))
            .await;
        match s {
            200 => {
                assert_eq!(b["accepted"], BATCH, "batch {n}: {b}");
                acked.push(n);
            }
            507 => break (n, b),
            other => panic!("batch {n}: expected 200 or 507, got {other}: {b}"),
        }
    };
    let (refused_n, body) = refused;
    assert!(
        refused_n > 3,
        "the disk filled after only {refused_n} batches"
    );
    assert_eq!(body["error"]["status"], 507, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("disk is full")),
        "the message names the cause: {body}"
    );

    // Still up; reads work; a write is still refused cleanly, not half done.
    let (s, b) = server.call("GET", "/healthz", None, None).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = server
        .call("GET", "/v1/cases", Some(&moderator), None)
        .await;
    assert_eq!(s, 200, "reads work on a full disk: {b}");
    let (s, b) = server
        .call("GET", "/v1/accounts/michat/acc-1", Some(&moderator), None)
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = server
        .call("POST", "/v1/events", Some(&admin), Some(batch(refused_n)))
        .await;
    assert_eq!(s, 507, "still full: {b}");

    // Free space: ingest resumes.
    std::fs::remove_file(&ballast).expect("remove the ballast");
    let (s, b) = server
        .call("POST", "/v1/events", Some(&admin), Some(batch(refused_n)))
        .await;
    assert_eq!(s, 200, "ingest resumes once space is freed: {b}");
    assert_eq!(b["accepted"], BATCH, "{b}");
    acked.push(refused_n);
    server.stop();

    // Every acknowledged event once; the database is sound; the audit chain verifies.
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&db)
        .await
        .expect("open the database");
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut c)
        .await
        .expect("integrity_check");
    assert_eq!(check, "ok");
    let rows: Vec<(String,)> = sqlx::query_as("SELECT event_id FROM events")
        .fetch_all(&mut c)
        .await
        .expect("event ids");
    let stored: BTreeSet<String> = rows.iter().map(|(id,)| id.clone()).collect();
    assert_eq!(stored.len(), rows.len(), "an event is stored twice");
    let expected: BTreeSet<String> = acked
        .iter()
        .flat_map(|n| (0..BATCH).map(move |i| format!("b{n}-{i}")))
        .collect();
    assert_eq!(
        stored, expected,
        "stored events are exactly the acknowledged ones"
    );
    drop(c);
    saring()
        .args(["audit", "verify", "--db", &db])
        .assert()
        .success();
}
