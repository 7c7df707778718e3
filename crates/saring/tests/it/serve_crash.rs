//! SIGKILL the server while it ingests batches: every batch acknowledged before the kill is
//! in the database after a restart, none twice, and the batch that was in flight is all there
//! or not at all.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::support::server::{Server, event};

const BATCH: usize = 500;

fn batch(n: usize) -> Value {
    Value::Array(
        (0..BATCH)
            .map(|i| {
                event(
                    "michat",
                    &format!("acc-{}", (n * 7 + i) % 300),
                    &format!("k{n}-{i}"),
                    "open bo st 500 lt 1jt wa 0812 0000 6666 kalcit",
                )
            })
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_events_survive_sigkill_and_none_is_stored_twice() {
    let mut server = Server::start(&[]);
    server.platform("michat").await;
    let token = server.user("ingest", "michat", "admin").await;
    let acked: Arc<Mutex<Vec<usize>>> = Arc::default();
    let url = server.url.clone();
    let client = server.http.clone();
    let sender = {
        let acked = Arc::clone(&acked);
        let token = token.clone();
        tokio::spawn(async move {
            for n in 0.. {
                let resp = client
                    .post(format!("{url}/v1/events"))
                    .bearer_auth(&token)
                    .json(&batch(n))
                    .send()
                    .await;
                let Ok(resp) = resp else { return n };
                let Ok(body) = resp.json::<Value>().await else {
                    return n;
                };
                assert_eq!(
                    body["accepted"].as_u64(),
                    Some(BATCH as u64),
                    "batch {n}: {body}"
                );
                acked.lock().expect("lock").push(n);
            }
            unreachable!()
        })
    };
    // Let several batches through, then kill mid-stream.
    while acked.lock().expect("lock").len() < 4 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill9();
    let in_flight = sender.await.expect("sender");
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() >= 4);
    server.restart();

    // Every acknowledged item is there: resending its batch finds only duplicates.
    for &n in &acked {
        let (s, b) = server
            .call("POST", "/v1/events", Some(&token), Some(batch(n)))
            .await;
        assert_eq!(s, 200);
        assert_eq!(
            b["duplicates"].as_u64(),
            Some(BATCH as u64),
            "batch {n} was acknowledged but is not all there: {}",
            b["accepted"]
        );
    }
    server.stop();
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&server.db)
        .await
        .expect("open the file");
    let (total, distinct): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT event_id) FROM events")
            .fetch_one(&mut c)
            .await
            .expect("count");
    assert_eq!(total, distinct, "an event is stored twice");
    let (of_in_flight,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM events WHERE event_id LIKE $1")
            .bind(format!("k{in_flight}-%"))
            .fetch_one(&mut c)
            .await
            .expect("count");
    assert!(
        of_in_flight == 0 || of_in_flight == BATCH as i64,
        "the batch in flight was stored partly: {of_in_flight}"
    );
    assert!(total >= (acked.len() * BATCH) as i64);
    drop(c);
    crate::util::saring()
        .args(["audit", "verify", "--db", &server.db])
        .assert()
        .success();
}
