//! Ingest: storing scored content events, updating account scores, opening cases.
//!
//! A batch is one transaction: either every accepted item of the batch is committed, with its
//! account update, any case it opened and the batch's audit entry, or none is. Items already
//! stored (same platform and event id) are reported as duplicates and change nothing, so a
//! client may resend a batch whose answer it never received.

use std::collections::{BTreeMap, BTreeSet};

use saring_core::account::{ScoreParams, ScoredItem, TopItems};
use saring_core::audit::sha256_hex;
use saring_core::case::{CaseSource, Priority};
use saring_core::event::NewEvent;
use saring_core::ids::CaseId;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::audit::{AuditTx, record};
use crate::{Error, Result, Store, from_json, to_json};

/// A validated event with the detector's verdict.
#[derive(Debug, Clone)]
pub struct ScoredEvent {
    /// The event.
    pub event: NewEvent,
    /// The detector's score, 0..1.
    pub score: f64,
    /// `solicitation` or `benign`.
    pub label: String,
    /// Protection flags (`minor_risk`, `third_party`).
    pub flags: Vec<String>,
    /// The signals, as the JSON array `scan` prints.
    pub signals_json: String,
}

/// How ingest scores accounts.
#[derive(Debug, Clone, Copy, Default)]
pub struct IngestParams {
    /// Account score parameters.
    pub score: ScoreParams,
}

/// What happened to one item of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum IngestOutcome {
    /// Stored (committed).
    Accepted {
        /// The account's score after this batch.
        account_score: f64,
        /// The open case for the account, if its score reached the threshold.
        case_id: Option<CaseId>,
    },
    /// Already stored earlier; nothing changed.
    Duplicate,
}

#[derive(Default)]
struct AccountDelta {
    items: Vec<usize>,
}

impl Store {
    /// Stores a batch of scored events in one transaction. All events must belong to
    /// existing platforms (the caller checked the submitter's rights).
    pub async fn ingest(
        &self,
        batch: &[ScoredEvent],
        params: &IngestParams,
        actor: &str,
        now: i64,
    ) -> Result<Vec<IngestOutcome>> {
        let mut tx = self.write.begin().await.map_err(Error::db("begin"))?;
        let mut outcomes = vec![IngestOutcome::Duplicate; batch.len()];
        let mut accounts: BTreeMap<(&str, &str), AccountDelta> = BTreeMap::new();
        let mut digests: BTreeMap<&str, (Sha256, u64, u64)> = BTreeMap::new();
        for (i, s) in batch.iter().enumerate() {
            let e = &s.event;
            let text_hash = sha256_hex(e.text.as_bytes());
            let row = sqlx::query(
                "INSERT INTO events (platform, event_id, account, kind, text, text_sha256, ts, received_at, score, label, flags, signals, contacts, photo_hashes, location)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                 ON CONFLICT (platform, event_id) DO NOTHING RETURNING id",
            )
            .bind(&e.platform)
            .bind(&e.event_id)
            .bind(&e.account)
            .bind(e.kind.as_str())
            .bind(&e.text)
            .bind(&text_hash)
            .bind(e.ts)
            .bind(now)
            .bind(s.score)
            .bind(&s.label)
            .bind(to_json(&s.flags))
            .bind(&s.signals_json)
            .bind(to_json(&e.contacts))
            .bind(to_json(&e.photo_hashes))
            .bind(&e.location)
            .fetch_optional(&mut *tx)
            .await
            .map_err(Error::db("store an event"))?;
            let d = digests
                .entry(e.platform.as_str())
                .or_insert_with(|| (Sha256::new(), 0, 0));
            if row.is_some() {
                d.0.update(format!("{}\t{}\n", e.event_id, text_hash).as_bytes());
                d.1 += 1;
                accounts
                    .entry((e.platform.as_str(), e.account.as_str()))
                    .or_default()
                    .items
                    .push(i);
            } else {
                d.2 += 1;
            }
        }
        let mut thresholds: BTreeMap<&str, f64> = BTreeMap::new();
        let mut audit = AuditTx::new();
        for ((platform, account), delta) in &accounts {
            if !thresholds.contains_key(platform) {
                let t = sqlx::query("SELECT case_threshold FROM platforms WHERE id = $1")
                    .bind(*platform)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(Error::db("read a platform"))?
                    .ok_or_else(|| Error::NotFound(format!("platform {platform}")))?
                    .try_get::<f64, _>(0)
                    .map_err(Error::db("read a platform"))?;
                thresholds.insert(platform, t);
            }
            let threshold = thresholds[platform];
            let (score, case_id) = update_account(
                &mut tx,
                &mut audit,
                batch,
                platform,
                account,
                &delta.items,
                params,
                threshold,
                actor,
                now,
            )
            .await?;
            for &i in &delta.items {
                outcomes[i] = IngestOutcome::Accepted {
                    account_score: score,
                    case_id,
                };
            }
        }
        for (platform, (hasher, accepted, duplicates)) in digests {
            if accepted == 0 {
                continue;
            }
            let detail = serde_json::json!({"accepted": accepted, "duplicates": duplicates, "digest": hex::encode(hasher.finalize())});
            audit
                .append(
                    &mut tx,
                    record(
                        now,
                        actor,
                        platform,
                        "events.ingested",
                        format!("platform:{platform}"),
                        detail,
                    ),
                )
                .await?;
        }
        tx.commit().await.map_err(Error::db("commit a batch"))?;
        Ok(outcomes)
    }
}

#[allow(clippy::too_many_arguments)]
async fn update_account(
    conn: &mut AnyConnection,
    audit: &mut AuditTx,
    batch: &[ScoredEvent],
    platform: &str,
    account: &str,
    items: &[usize],
    params: &IngestParams,
    threshold: f64,
    actor: &str,
    now: i64,
) -> Result<(f64, Option<CaseId>)> {
    let g = Error::db("read an account");
    let row = sqlx::query("SELECT top_items, flags, events, flagged_events, first_seen FROM accounts WHERE platform = $1 AND account = $2")
        .bind(platform)
        .bind(account)
        .fetch_optional(&mut *conn)
        .await
        .map_err(&g)?;
    let (mut top, mut flags, mut events, mut flagged, mut first_seen) = match &row {
        Some(r) => (
            from_json::<TopItems>(
                "accounts.top_items",
                &r.try_get::<String, _>(0).map_err(&g)?,
            )?,
            from_json::<BTreeSet<String>>(
                "accounts.flags",
                &r.try_get::<String, _>(1).map_err(&g)?,
            )?,
            r.try_get::<i64, _>(2).map_err(&g)?,
            r.try_get::<i64, _>(3).map_err(&g)?,
            r.try_get::<i64, _>(4).map_err(&g)?,
        ),
        None => (TopItems::default(), BTreeSet::new(), 0, 0, i64::MAX),
    };
    let mut location = None;
    let mut last_seen = 0;
    for &i in items {
        let s = &batch[i];
        top.push(
            ScoredItem {
                score: s.score,
                ts: s.event.ts,
            },
            now,
            &params.score,
        );
        flags.extend(s.flags.iter().cloned());
        events += 1;
        if s.score >= params.score.flagged_at {
            flagged += 1;
        }
        first_seen = first_seen.min(s.event.ts);
        last_seen = last_seen.max(s.event.ts);
        if s.event.location.is_some() {
            location.clone_from(&s.event.location);
        }
    }
    let score = top.score(now, &params.score);
    sqlx::query(
        "INSERT INTO accounts (platform, account, score, top_items, flags, events, flagged_events, first_seen, last_seen)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (platform, account) DO UPDATE SET score = excluded.score, top_items = excluded.top_items, flags = excluded.flags,
           events = excluded.events, flagged_events = excluded.flagged_events, first_seen = excluded.first_seen,
           last_seen = CASE WHEN excluded.last_seen > accounts.last_seen THEN excluded.last_seen ELSE accounts.last_seen END",
    )
    .bind(platform)
    .bind(account)
    .bind(score)
    .bind(to_json(&top))
    .bind(to_json(&flags))
    .bind(events)
    .bind(flagged)
    .bind(first_seen)
    .bind(last_seen)
    .execute(&mut *conn)
    .await
    .map_err(Error::db("update an account"))?;
    let minor = flags.contains("minor_risk");
    let third = flags.contains("third_party");
    let open = crate::cases::open_case_for(&mut *conn, platform, account).await?;
    if let Some(id) = open {
        let rank = Priority {
            minor_risk: minor,
            third_party: third,
            deadline: None,
            score,
            opened_at: 0,
        }
        .rank();
        sqlx::query("UPDATE cases SET score = $1, minor_risk = $2, third_party = $3, rank = CASE WHEN rank < $4 THEN rank ELSE $4 END, updated_at = $5, location = COALESCE($6, location) WHERE id = $7")
            .bind(score)
            .bind(i64::from(minor))
            .bind(i64::from(third))
            .bind(rank)
            .bind(now)
            .bind(&location)
            .bind(id.0)
            .execute(&mut *conn)
            .await
            .map_err(Error::db("update a case"))?;
        return Ok((score, Some(id)));
    }
    if score < threshold {
        return Ok((score, None));
    }
    let id = crate::cases::open_case(
        &mut *conn,
        audit,
        crate::cases::OpenCase {
            platform,
            account,
            source: CaseSource::Automated,
            score,
            minor_risk: minor,
            third_party: third,
            deadline: None,
            location: location.as_deref(),
        },
        actor,
        now,
    )
    .await?;
    Ok((score, Some(id)))
}
