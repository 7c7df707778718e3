//! Two `saring serve` instances on one PostgreSQL database (the `services` feature): their
//! dispatchers compete for the same outbox, and each order still reaches the platform once —
//! the lease takes rows with `FOR UPDATE SKIP LOCKED`.

use std::time::Duration;

use serde_json::json;

use crate::support::receiver::Receiver;
use crate::support::server::{Server, event};
use crate::support::services::{self, PgDb};

const ORDERS: usize = 40;

#[tokio::test(flavor = "multi_thread")]
async fn two_dispatchers_deliver_each_order_once() {
    let _services = services::lock().await;
    let db = PgDb::new().await;
    let a = Server::start_on(&db.url, &[]);
    a.platform("michat").await;
    let admin = a.user("michat-admin", "michat", "admin").await;
    let m = a.user("mod", "michat", "moderator").await;
    let (s, b) = a
        .call(
            "PATCH",
            "/v1/platforms/michat",
            Some(&admin),
            Some(json!({"rotate_secret": true})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let receiver = Receiver::start(b["new_secret"].as_str().expect("secret"));
    let (s, b) = a
        .call(
            "PATCH",
            "/v1/platforms/michat",
            Some(&admin),
            Some(json!({"webhook_url": receiver.url()})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    // The second instance: same database, its own dispatcher.
    let b_server = Server::start_on(&db.url, &[]);
    let events: Vec<_> = (0..ORDERS)
        .map(|i| {
            event(
                "michat",
                &format!("acc-{i}"),
                &format!("e{i}"),
                "open bo st 500 lt 1jt wa 0812 0000 2222",
            )
        })
        .collect();
    let (s, b) = a
        .call("POST", "/v1/events", Some(&admin), Some(json!(events)))
        .await;
    assert_eq!(s, 200, "{b}");
    // Decisions alternate between the instances, so both dispatchers are woken.
    for (i, r) in b["results"].as_array().expect("results").iter().enumerate() {
        let case = r["case_id"].as_i64().expect("a case per account");
        let server = if i % 2 == 0 { &a } else { &b_server };
        let (s, d) = server
            .call(
                "POST",
                &format!("/v1/cases/{case}/decision"),
                Some(&m),
                Some(json!({"action": "restrict", "ground": "platform_terms", "note": "ad"})),
            )
            .await;
        assert_eq!(s, 200, "{d}");
    }
    assert!(
        receiver
            .wait_for_async(ORDERS, Duration::from_secs(60))
            .await,
        "every order arrives"
    );
    // Longer than the lease (3 s in tests): a second delivery would have happened by now.
    tokio::time::sleep(Duration::from_millis(4000)).await;
    assert_eq!(receiver.unique(), ORDERS);
    assert_eq!(receiver.deliveries(), ORDERS, "no order delivered twice");
    drop(b_server);
    drop(a);
    db.drop_db().await;
}
