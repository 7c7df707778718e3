//! A webhook receiver for end-to-end tests: it plays the platform that enforcement orders are
//! sent to. It listens on `127.0.0.1` on a free port, checks every request with the
//! `standardwebhooks` crate (the reference library, which we did not write, so a signing
//! mistake of ours cannot cancel out), dedupes by `webhook-id` the way a real receiver would,
//! and counts what arrived.
//!
//! It runs on its own thread with its own runtime, so it serves both plain `#[test]`s (which
//! may run the `saring` binary) and `#[tokio::test]`s. In async tests wait with
//! [`Receiver::wait_for_async`]; [`Receiver::wait_for`] blocks the calling thread.

#![allow(
    dead_code,
    reason = "a harness shared by test modules; not every module uses every helper"
)]

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;

/// How often the waits look at the counts.
const POLL: Duration = Duration::from_millis(10);

/// A running test receiver; it stops when dropped.
pub struct Receiver {
    /// Where to send orders.
    url: String,
    /// What the handler shares with the test.
    shared: Arc<Shared>,
    /// Stops the server.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// The server's thread.
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The state of the receiver.
struct Shared {
    /// The verifier of the reference library.
    webhook: standardwebhooks::Webhook,
    /// Whether the receiver accepts requests (`false`: it answers 503).
    up: AtomicBool,
    /// A number the test moves (the fault suite: once per server restart); every verified
    /// delivery is recorded with the value it had on arrival.
    epoch: AtomicU64,
    /// What arrived.
    log: Mutex<Log>,
}

/// What arrived.
#[derive(Default)]
struct Log {
    /// Verified POSTs, duplicates included.
    deliveries: usize,
    /// Requests refused for a bad signature, a stale timestamp or a body that is not JSON.
    rejected: usize,
    /// Distinct ids, in order of first arrival.
    ids: Vec<String>,
    /// The body of the first delivery of each id, in the same order.
    bodies: Vec<Value>,
    /// The distinct ids, for lookups.
    seen: HashSet<String>,
    /// Every verified delivery, duplicates included, in order of arrival.
    arrivals: Vec<Arrival>,
}

/// One verified delivery.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// The `webhook-id`.
    pub id: String,
    /// The receiver's epoch when it arrived ([`Receiver::set_epoch`]).
    pub epoch: u64,
    /// The body.
    pub body: Value,
}

impl Receiver {
    /// Starts a receiver that verifies with `secret` (`whsec_…`).
    pub fn start(secret: &str) -> Receiver {
        let webhook = standardwebhooks::Webhook::new(secret)
            .expect("the receiver's secret is a valid Standard Webhooks secret");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free local port");
        listener
            .set_nonblocking(true)
            .expect("the listener can be non-blocking");
        let addr = listener.local_addr().expect("a bound address");
        let shared = Arc::new(Shared {
            webhook,
            up: AtomicBool::new(true),
            epoch: AtomicU64::new(0),
            log: Mutex::default(),
        });
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(Arc::clone(&shared));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("webhook-receiver".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the receiver");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .expect("the listener joins the runtime");
                    tokio::select! {
                        served = axum::serve(listener, app) => served.expect("the receiver serves"),
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime closes the connections still open.
            })
            .expect("a thread for the receiver");
        Receiver {
            url: format!("http://{addr}/hook"),
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The URL to send orders to.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Brings the receiver up or down; while down it answers 503 and records nothing.
    pub fn set_up(&self, up: bool) {
        self.shared.up.store(up, Ordering::SeqCst);
    }

    /// Sets the epoch recorded with the deliveries that arrive from now on.
    pub fn set_epoch(&self, epoch: u64) {
        self.shared.epoch.store(epoch, Ordering::SeqCst);
    }

    /// Every verified delivery so far, duplicates included, in order of arrival.
    pub fn arrivals(&self) -> Vec<Arrival> {
        self.log().arrivals.clone()
    }

    /// Verified POSTs so far, duplicates included.
    pub fn deliveries(&self) -> usize {
        self.log().deliveries
    }

    /// Distinct `webhook-id`s so far.
    pub fn unique(&self) -> usize {
        self.log().ids.len()
    }

    /// Requests refused so far (bad signature, stale timestamp, body not JSON).
    pub fn rejected(&self) -> usize {
        self.log().rejected
    }

    /// The distinct `webhook-id`s, in order of first arrival.
    pub fn ids(&self) -> Vec<String> {
        self.log().ids.clone()
    }

    /// The body of the first delivery of each id, in order of first arrival.
    pub fn bodies(&self) -> Vec<Value> {
        self.log().bodies.clone()
    }

    /// Waits until at least `n` distinct ids arrived; `false` when `timeout` passed first.
    /// Blocks the calling thread: in async tests use [`Receiver::wait_for_async`].
    pub fn wait_for(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.unique() >= n {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits until at least `n` distinct ids arrived, without blocking the runtime; `false`
    /// when `timeout` passed first.
    pub async fn wait_for_async(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.unique() >= n {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    fn log(&self) -> MutexGuard<'_, Log> {
        self.shared
            .log
            .lock()
            .expect("the receiver's log is not poisoned")
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Handles one POST: 503 when down, 401 when the signature or timestamp is bad, 400 when the
/// body is not JSON, else 204 — duplicates too, as a receiver that dedupes answers.
async fn receive(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    if !shared.up.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "receiver is down");
    }
    let mut log = shared
        .log
        .lock()
        .expect("the receiver's log is not poisoned");
    if shared.webhook.verify(&body, &headers).is_err() {
        log.rejected += 1;
        return (StatusCode::UNAUTHORIZED, "bad webhook signature");
    }
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        log.rejected += 1;
        return (StatusCode::BAD_REQUEST, "body is not JSON");
    };
    // Verification succeeded, so the id header is present and readable.
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    log.deliveries += 1;
    log.arrivals.push(Arrival {
        id: id.clone(),
        epoch: shared.epoch.load(Ordering::SeqCst),
        body: json.clone(),
    });
    if log.seen.insert(id.clone()) {
        log.ids.push(id);
        log.bodies.push(json);
    }
    (StatusCode::NO_CONTENT, "")
}
