//! `POST /v1/events`: validate, score and store a batch of content events.
//!
//! The body is a JSON array of event objects, or NDJSON (one object per line). Each item is
//! validated on its own: a bad item is answered with its index, field and reason and nothing
//! of it is stored, while the valid items of the same batch are scored and committed together
//! in one transaction. "accepted" in the answer means committed.
//!
//! With `ingest.mode = "nats"` (`saring serve --ingest nats`) the valid items are published to
//! the JetStream stream instead, and the answer comes once JetStream has stored each one:
//! "queued" means it is in the stream (it survives a crash of this process), and `saring
//! worker` scores and commits it.

use std::collections::HashSet;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use saring_core::auth::{Permission, check};
use saring_core::event::{EventLimits, FieldError, NewEvent, validate_batch, validate_event};
use saring_detect::{Detector, Scratch};
use saring_store::{IngestOutcome, ScoredEvent};
use serde::Serialize;
use serde_json::Value;

use super::AppState;
use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use crate::worker::stream::{EventStream, Published};

/// The answer to one item.
#[derive(Debug, Serialize)]
pub struct ItemResult {
    /// Position in the batch, from 0.
    pub index: usize,
    /// The item's `event_id`, when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// `accepted`, `duplicate`, `queued` or `rejected`.
    pub status: &'static str,
    /// For rejected items: the field and the reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ItemError>,
    /// The item's score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The item's label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The item's flags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<Vec<String>>,
    /// The account's open case, if its score reached the threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_id: Option<i64>,
}

/// Why an item was rejected.
#[derive(Debug, Serialize)]
pub struct ItemError {
    /// The field (empty when the item as a whole was wrong).
    pub field: String,
    /// What was wrong.
    pub reason: String,
}

/// The answer to a batch.
#[derive(Debug, Serialize)]
pub struct IngestResponse {
    /// Items committed.
    pub accepted: usize,
    /// Items already stored earlier (nothing changed), or, when queued, published earlier
    /// inside JetStream's duplicate window.
    pub duplicates: usize,
    /// Items stored in the JetStream stream for the workers (`ingest.mode = "nats"`).
    pub queued: usize,
    /// Items refused (nothing stored).
    pub rejected: usize,
    /// One result per item, in order.
    pub results: Vec<ItemResult>,
}

fn rejected(
    index: usize,
    event_id: Option<String>,
    field: impl Into<String>,
    reason: impl Into<String>,
) -> ItemResult {
    ItemResult {
        index,
        event_id,
        status: "rejected",
        error: Some(ItemError {
            field: field.into(),
            reason: reason.into(),
        }),
        score: None,
        label: None,
        flags: None,
        case_id: None,
    }
}

/// Reads the body, refusing more than `limit` bytes with 413.
pub async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> ApiResult<axum::body::Bytes> {
    let too_large = || {
        ApiError::TooLarge(format!(
            "the body is over the limit of {limit} bytes; send smaller batches"
        ))
    };
    if let Some(len) = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && len > limit
    {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())
}

/// Splits a body into items: a JSON array, or NDJSON lines (see
/// [`saring_core::event::split_batch`]); a body that cannot be split is a 400.
pub fn parse_items(body: &[u8]) -> ApiResult<Vec<Result<Value, String>>> {
    saring_core::event::split_batch(body).map_err(ApiError::BadRequest)
}

/// An item that failed validation: its `event_id` when it had one, and the field error.
pub type Invalid = (Option<String>, FieldError);

/// Parses and validates the items of a body, each into an event or its field error. A batch
/// whose items are all valid takes the typed fast path
/// ([`saring_core::event::validate_batch`]: no JSON values built); any other goes through
/// [`parse_items`] and [`validate_event`], which name each problem.
pub fn check_items(body: &[u8], limits: &EventLimits) -> ApiResult<Vec<Result<NewEvent, Invalid>>> {
    if let Some(events) = validate_batch(body, limits) {
        return Ok(events.into_iter().map(Ok).collect());
    }
    Ok(parse_items(body)?
        .into_iter()
        .map(|item| {
            let value = item.map_err(|reason| {
                (
                    None,
                    FieldError {
                        field: String::new(),
                        reason,
                    },
                )
            })?;
            validate_event(&value, limits).map_err(|e| {
                let event_id = value
                    .get("event_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                (event_id, e)
            })
        })
        .collect())
}

/// Scores one event: the verdict as the store keeps it (score rounded as `scan` prints it).
pub fn score_event(
    detector: &Detector,
    scratch: &mut Scratch,
    event: saring_core::event::NewEvent,
) -> ScoredEvent {
    let (score, label, flags, signals_json) = {
        let v = detector.score(&event.text, scratch);
        (
            crate::scan::rounded(v.score),
            v.label.as_str().to_owned(),
            v.flags.iter().map(|f| f.as_str().to_owned()).collect(),
            serde_json::to_string(&v.signals).unwrap_or_else(|_| "[]".into()),
        )
    };
    ScoredEvent {
        event,
        score,
        label,
        flags,
        signals_json,
    }
}

/// Scores validated events off the async threads. With `Store::ingest` this is the one ingest
/// path: `POST /v1/events` and `saring worker` both go through it.
pub async fn score_batch(
    detector: Arc<Detector>,
    events: Vec<NewEvent>,
) -> anyhow::Result<Vec<ScoredEvent>> {
    tokio::task::spawn_blocking(move || {
        let mut scratch = Scratch::default();
        events
            .into_iter()
            .map(|event| score_event(&detector, &mut scratch, event))
            .collect()
    })
    .await
    .map_err(|e| anyhow::anyhow!("scoring stopped: {e}"))
}

/// `POST /v1/events`.
#[utoipa::path(post, path = "/v1/events", tag = "ingest",
    request_body(content_type = "application/json", description = "A JSON array of events, or NDJSON: {platform, account, event_id, kind, text, ts, contacts?, photo_hashes?, location?}"),
    responses((status = 200, description = "One result per item: accepted (committed), duplicate or rejected with field and reason"),
              (status = 400, description = "The body could not be read"), (status = 413, description = "Body or batch over the limit"),
              (status = 401, description = "No token"), (status = 403, description = "The token may not ingest")))]
pub async fn ingest(
    State(state): State<AppState>,
    Auth(who): Auth,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<IngestResponse>> {
    if who.role != saring_core::auth::Role::Admin {
        return Err(ApiError::Forbidden(format!(
            "ingest needs a platform admin's token; your token has the {} role",
            who.role
        )));
    }
    let cfg = &state.config.ingest;
    let bytes = read_body(&headers, body, cfg.max_body_bytes).await?;
    let limits = EventLimits {
        max_text_bytes: cfg.max_text_bytes,
    };
    let items = check_items(&bytes, &limits)?;
    if items.len() > cfg.max_batch_items {
        return Err(ApiError::TooLarge(format!(
            "the batch has {} items; the limit is {}",
            items.len(),
            cfg.max_batch_items
        )));
    }
    let platforms: HashSet<String> = state
        .store
        .platforms()
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let mut results: Vec<Option<ItemResult>> = (0..items.len()).map(|_| None).collect();
    let mut valid = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let ev = match item {
            Ok(ev) => ev,
            Err((event_id, e)) => {
                results[i] = Some(rejected(i, event_id, e.field, e.reason));
                continue;
            }
        };
        if let Err(denied) = check(&who, Permission::IngestEvents(&ev.platform)) {
            let reason = match denied {
                saring_core::auth::Denied::Forbidden(m) => m,
                saring_core::auth::Denied::NotFound => {
                    format!("unknown platform {}", ev.platform)
                }
            };
            results[i] = Some(rejected(i, Some(ev.event_id), "platform", reason));
        } else if !platforms.contains(&ev.platform) {
            let reason = format!("unknown platform {:?}", ev.platform);
            results[i] = Some(rejected(i, Some(ev.event_id), "platform", reason));
        } else {
            valid.push((i, ev));
        }
    }
    if let Some(events) = &state.events {
        return publish(events, valid, results).await.map(Json);
    }
    let (indexes, events): (Vec<usize>, Vec<NewEvent>) = valid.into_iter().unzip();
    let batch = score_batch(Arc::clone(&state.detector), events)
        .await
        .map_err(ApiError::Internal)?;
    let (batch, outcomes) = if batch.is_empty() {
        (batch, Vec::new())
    } else {
        let (batch, outcomes) = state
            .committer
            .commit(batch, who.actor(), state.clock.now())
            .await
            .map_err(ApiError::Internal)?;
        (batch, outcomes?)
    };
    // Linking follows the commit in the background (serve/networks.rs); wake it now.
    state.networks.wake();
    let (mut accepted, mut duplicates) = (0, 0);
    for ((i, s), outcome) in indexes.into_iter().zip(batch).zip(outcomes) {
        let (status, case_id) = match outcome {
            IngestOutcome::Accepted { case_id, .. } => {
                accepted += 1;
                ("accepted", case_id.map(|c| c.0))
            }
            IngestOutcome::Duplicate => {
                duplicates += 1;
                ("duplicate", None)
            }
        };
        results[i] = Some(ItemResult {
            index: i,
            event_id: Some(s.event.event_id),
            status,
            error: None,
            score: Some(s.score),
            label: Some(s.label),
            flags: Some(s.flags),
            case_id,
        });
    }
    Ok(Json(finish(results, accepted, duplicates, 0)))
}

/// Publishes the valid items to the event stream and answers once JetStream has stored them.
async fn publish(
    events: &EventStream,
    valid: Vec<(usize, NewEvent)>,
    mut results: Vec<Option<ItemResult>>,
) -> ApiResult<IngestResponse> {
    let (indexes, batch): (Vec<usize>, Vec<NewEvent>) = valid.into_iter().unzip();
    let published = if batch.is_empty() {
        Vec::new()
    } else {
        events.publish(&batch).await.map_err(|e| {
            tracing::warn!(error = format!("{e:#}"), "event stream unavailable");
            ApiError::Unavailable
        })?
    };
    let (mut queued, mut duplicates) = (0, 0);
    for ((i, e), p) in indexes.into_iter().zip(batch).zip(published) {
        let status = match p {
            Published::Stored => {
                queued += 1;
                "queued"
            }
            Published::Duplicate => {
                duplicates += 1;
                "duplicate"
            }
        };
        results[i] = Some(ItemResult {
            index: i,
            event_id: Some(e.event_id),
            status,
            error: None,
            score: None,
            label: None,
            flags: None,
            case_id: None,
        });
    }
    Ok(finish(results, 0, duplicates, queued))
}

/// Fills in the items not answered, counts the rejected ones and the metrics.
fn finish(
    results: Vec<Option<ItemResult>>,
    accepted: usize,
    duplicates: usize,
    queued: usize,
) -> IngestResponse {
    let results: Vec<ItemResult> = results
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|| rejected(i, None, "", "not processed")))
        .collect();
    let rejected_n = results.len() - accepted - duplicates - queued;
    metrics::counter!("saring_events_total", "status" => "accepted").increment(accepted as u64);
    metrics::counter!("saring_events_total", "status" => "duplicate").increment(duplicates as u64);
    metrics::counter!("saring_events_total", "status" => "queued").increment(queued as u64);
    metrics::counter!("saring_events_total", "status" => "rejected").increment(rejected_n as u64);
    IngestResponse {
        accepted,
        duplicates,
        queued,
        rejected: rejected_n,
        results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arrays_and_ndjson_and_names_bad_lines() {
        assert_eq!(
            parse_items(b" [{\"a\":1},{\"b\":2}]").map(|v| v.len()).ok(),
            Some(2)
        );
        let items = parse_items(b"{\"a\":1}\n\n{broken\n\xff\xfe\n{\"c\":3}\n").expect("ndjson");
        assert_eq!(items.len(), 4);
        assert!(items[0].is_ok() && items[3].is_ok());
        assert!(
            items[1]
                .as_ref()
                .expect_err("broken")
                .starts_with("line 3: not valid JSON")
        );
        assert!(
            items[2]
                .as_ref()
                .expect_err("utf8")
                .starts_with("line 4: not valid UTF-8")
        );
        assert!(parse_items(b"[{\"a\":1},").is_err());
        assert!(parse_items(b"  ").is_err());
    }
}
