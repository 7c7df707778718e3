//! The test webhook receiver (`support::receiver`) over real HTTP. Requests are signed here
//! by hand, HMAC-SHA256 over `{id}.{timestamp}.{body}` as the Standard Webhooks
//! specification says, to show that the receiver's verification is real: what the
//! end-to-end tests count as delivered was correctly signed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit as _, Mac as _};
use rand::Rng as _;
use serde_json::json;
use sha2::Sha256;

use crate::support::receiver::Receiver;

/// The known-answer vector of the Standard Webhooks reference libraries.
const SPEC_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// A fresh `whsec_` secret.
fn secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!("whsec_{}", BASE64.encode(key))
}

/// The `v1,<base64>` signature of one message, computed from the specification.
fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .expect("a base64 secret");
    let mut mac = <Hmac<Sha256>>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
}

fn now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs();
    i64::try_from(secs).expect("the clock fits in i64")
}

fn client() -> reqwest::Client {
    // reqwest is built without a crypto provider; an error means one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a client")
}

/// POSTs `body` with the given headers; the status.
async fn post(url: &str, id: &str, timestamp: i64, signature: &str, body: &[u8]) -> u16 {
    client()
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body.to_vec())
        .send()
        .await
        .expect("the receiver answers")
        .status()
        .as_u16()
}

#[test]
fn the_hand_signer_matches_the_specification_vector() {
    let signature = sign(
        SPEC_SECRET,
        "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
        1_649_367_553,
        br#"{"email":"test@example.com","username":"test_user"}"#,
    );
    assert_eq!(signature, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
}

#[tokio::test]
async fn a_good_signature_is_accepted_and_counted() {
    let secret = secret();
    let receiver = Receiver::start(&secret);
    let body = json!({"order": "o-1", "action": "freeze"}).to_string();
    let ts = now();

    let status = post(
        &receiver.url(),
        "o-1",
        ts,
        &sign(&secret, "o-1", ts, body.as_bytes()),
        body.as_bytes(),
    )
    .await;

    assert!((200..300).contains(&status), "{status}");
    assert_eq!(receiver.deliveries(), 1);
    assert_eq!(receiver.unique(), 1);
    assert_eq!(receiver.ids(), ["o-1"]);
    assert_eq!(
        receiver.bodies(),
        [json!({"order": "o-1", "action": "freeze"})]
    );
    assert_eq!(receiver.rejected(), 0);
}

#[tokio::test]
async fn a_tampered_body_is_refused_and_not_counted() {
    let secret = secret();
    let receiver = Receiver::start(&secret);
    let ts = now();
    let signature = sign(&secret, "o-2", ts, br#"{"action":"warn"}"#);

    let status = post(
        &receiver.url(),
        "o-2",
        ts,
        &signature,
        br#"{"action":"freeze"}"#,
    )
    .await;

    assert_eq!(status, 401);
    assert_eq!(receiver.deliveries(), 0);
    assert_eq!(receiver.unique(), 0);
    assert_eq!(receiver.rejected(), 1);
}

#[tokio::test]
async fn another_secret_a_changed_id_or_a_stale_timestamp_is_refused() {
    let secret = secret();
    let receiver = Receiver::start(&secret);
    let url = receiver.url();
    let body = br#"{"action":"freeze"}"#;
    let ts = now();

    let wrong_secret = sign(&self::secret(), "o-3", ts, body);
    assert_eq!(post(&url, "o-3", ts, &wrong_secret, body).await, 401);
    let signed_for_another_id = sign(&secret, "o-other", ts, body);
    assert_eq!(
        post(&url, "o-3", ts, &signed_for_another_id, body).await,
        401
    );
    // Correctly signed, but ten minutes old: a replay.
    let old = ts - 600;
    assert_eq!(
        post(&url, "o-3", old, &sign(&secret, "o-3", old, body), body).await,
        401
    );

    assert_eq!(receiver.deliveries(), 0);
    assert_eq!(receiver.rejected(), 3);
}

#[tokio::test]
async fn a_rotation_header_is_accepted_when_one_signature_matches() {
    let current = secret();
    let receiver = Receiver::start(&current);
    let body = br#"{"action":"restrict"}"#;
    let ts = now();
    let header = format!(
        "{} {}",
        sign(&secret(), "o-4", ts, body),
        sign(&current, "o-4", ts, body)
    );

    assert_eq!(post(&receiver.url(), "o-4", ts, &header, body).await, 204);
    assert_eq!(receiver.unique(), 1);
}

#[tokio::test]
async fn a_duplicate_id_counts_as_a_delivery_but_not_as_unique() {
    let secret = secret();
    let receiver = Receiver::start(&secret);
    let url = receiver.url();
    let ts = now();
    let first = br#"{"n":1}"#;
    let again = br#"{"n":2}"#;

    assert_eq!(
        post(&url, "o-5", ts, &sign(&secret, "o-5", ts, first), first).await,
        204
    );
    assert_eq!(
        post(&url, "o-5", ts, &sign(&secret, "o-5", ts, again), again).await,
        204
    );
    assert_eq!(
        post(&url, "o-6", ts, &sign(&secret, "o-6", ts, again), again).await,
        204
    );

    assert_eq!(receiver.deliveries(), 3);
    assert_eq!(receiver.unique(), 2);
    assert_eq!(receiver.ids(), ["o-5", "o-6"]);
    assert_eq!(receiver.bodies(), [json!({"n": 1}), json!({"n": 2})]);
}

#[tokio::test]
async fn a_receiver_that_is_down_answers_503_and_records_nothing() {
    let secret = secret();
    let receiver = Receiver::start(&secret);
    let url = receiver.url();
    let body = br#"{"action":"freeze"}"#;
    let ts = now();
    let signature = sign(&secret, "o-7", ts, body);

    receiver.set_up(false);
    assert_eq!(post(&url, "o-7", ts, &signature, body).await, 503);
    assert_eq!(receiver.deliveries(), 0);
    assert!(!receiver.wait_for_async(1, Duration::from_millis(50)).await);

    receiver.set_up(true);
    assert_eq!(post(&url, "o-7", ts, &signature, body).await, 204);
    assert!(receiver.wait_for_async(1, Duration::from_secs(1)).await);
    assert_eq!(receiver.deliveries(), 1);
}

#[test]
fn wait_for_sees_deliveries_from_another_thread() {
    let secret = secret();
    let receiver = Receiver::start(&secret);
    assert!(
        !receiver.wait_for(1, Duration::from_millis(50)),
        "nothing sent yet"
    );

    let url = receiver.url();
    let sender = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        runtime.block_on(async {
            std::thread::sleep(Duration::from_millis(100));
            for id in ["o-8", "o-9"] {
                let body = br#"{"action":"warn"}"#;
                let ts = now();
                post(&url, id, ts, &sign(&secret, id, ts, body), body).await;
            }
        });
    });

    assert!(receiver.wait_for(2, Duration::from_secs(5)));
    sender.join().expect("the sender did not panic");
    assert_eq!(receiver.unique(), 2);
}
