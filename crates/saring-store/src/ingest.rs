//! Ingest: storing scored content events, updating account scores, opening cases.
//!
//! A batch is one transaction: either every accepted item of the batch is committed, with its
//! account update, any case it opened and the batch's audit entry, or none is. Items already
//! stored (same platform and event id, earlier or earlier in the same batch) are reported as
//! duplicates and change nothing, so a client may resend a batch whose answer it never
//! received.
//!
//! The statements are batched — multi-row inserts and upserts, `IN (…)` look-ups — because
//! on SQLite the cost of a batch is dominated by the number of statements, not rows.

use std::collections::{BTreeSet, HashMap, HashSet};

use saring_core::account::{ScoreParams, ScoredItem, TopItems};
use saring_core::audit::{AuditRecord, sha256_hex};
use saring_core::case::{CaseSource, Priority};
use saring_core::event::NewEvent;
use saring_core::ids::CaseId;
use sha2::{Digest, Sha256};

use crate::audit::{AuditTx, record};
use crate::conn::{self, Conn, ConnRow, Query};
use crate::{Backend, Error, Result, Store, from_json, to_json};

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

/// Rows per multi-row insert (15 parameters each; SQLite allows 32,766).
const INSERT_ROWS: usize = 100;
/// Keys per `IN (…)` look-up and rows per account upsert.
const LOOKUP_KEYS: usize = 250;

/// An account as loaded for an update.
struct AccountState {
    top: TopItems,
    flags: BTreeSet<String>,
    events: i64,
    flagged: i64,
    first_seen: i64,
    last_seen: i64,
    location: Option<String>,
    items: Vec<usize>,
    /// The account score after this batch.
    score: f64,
}

/// An account's open case as loaded for an update.
struct OpenCaseState {
    id: CaseId,
    score: f64,
    minor_risk: bool,
    third_party: bool,
}

/// `(?,?,?),(?,?,?)` for a multi-row statement. Multi-row statements use positional `?`
/// parameters: SQLite resolves named ones (`$n`) by walking a list, so binding hundreds of
/// them costs time quadratic in their number (seen as `sqlite3_bind_parameter_name` at the top
/// of the ingest profile). On PostgreSQL, `dialect` numbers them.
pub(crate) fn placeholders(rows: usize, cols: usize) -> String {
    let row = format!("({})", vec!["?"; cols].join(","));
    vec![row; rows].join(",")
}

/// `?,?,?` for an `IN (…)` list.
fn list(n: usize) -> String {
    vec!["?"; n].join(",")
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
        self.write_tx("commit a batch", async |tx| {
            ingest_in(tx, batch, params, actor, now).await
        })
        .await
    }
}

/// [`Store::ingest`] inside the transaction `tx` is in.
async fn ingest_in(
    tx: &mut Conn<'_>,
    batch: &[ScoredEvent],
    params: &IngestParams,
    actor: &str,
    now: i64,
) -> Result<Vec<IngestOutcome>> {
    let mut outcomes = vec![IngestOutcome::Duplicate; batch.len()];

    // Events: the first occurrence of each id in the batch is a candidate; the database
    // says which candidates are new.
    let backend = tx.backend();
    let mut seen = HashSet::new();
    let mut candidates: Vec<usize> = (0..batch.len())
        .filter(|&i| seen.insert((&batch[i].event.platform, &batch[i].event.event_id)))
        .collect();
    if backend == Backend::Postgres {
        // Concurrent writers insert the same keys in the same order, so a redelivered
        // batch waits for the first instead of deadlocking with it.
        candidates.sort_unstable_by_key(|&i| (&batch[i].event.platform, &batch[i].event.event_id));
    }
    let hashes: Vec<String> = batch
        .iter()
        .map(|s| sha256_hex(s.event.text.as_bytes()))
        .collect();
    let accepted = match backend {
        Backend::Sqlite => insert_events_counted(tx, batch, &candidates, &hashes, now).await?,
        Backend::Postgres => insert_events_returning(tx, batch, &candidates, &hashes, now).await?,
    };

    // Group the accepted items by platform and account.
    let mut by_platform: HashMap<&str, HashMap<&str, Vec<usize>>> = HashMap::new();
    let mut digests: HashMap<&str, (Sha256, u64)> = HashMap::new();
    for &i in &accepted {
        let e = &batch[i].event;
        by_platform
            .entry(&e.platform)
            .or_default()
            .entry(&e.account)
            .or_default()
            .push(i);
        let d = digests
            .entry(&e.platform)
            .or_insert_with(|| (Sha256::new(), 0));
        d.0.update(e.event_id.as_bytes());
        d.0.update(b"\t");
        d.0.update(hashes[i].as_bytes());
        d.0.update(b"\n");
        d.1 += 1;
    }

    let mut records = Vec::new();
    let mut platforms: Vec<&str> = by_platform.keys().copied().collect();
    platforms.sort_unstable();
    for platform in platforms {
        let accounts = &by_platform[platform];
        let threshold = tx
            .fixed("SELECT case_threshold FROM platforms WHERE id = $1")
            .text(platform)
            .fetch_optional(tx)
            .await
            .map_err(Error::db("read a platform"))?
            .ok_or_else(|| Error::NotFound(format!("platform {platform}")))?
            .real(0)
            .map_err(Error::db("read a platform"))?;
        let mut names: Vec<&str> = accounts.keys().copied().collect();
        names.sort_unstable();
        if backend == Backend::Postgres {
            lock_accounts(tx, platform, &names, accounts, batch).await?;
        }
        let mut states = load_accounts(tx, platform, &names).await?;
        let open = load_open_cases(tx, platform, &names).await?;
        for name in &names {
            let st = states
                .entry((*name).to_owned())
                .or_insert_with(|| AccountState {
                    top: TopItems::default(),
                    flags: BTreeSet::new(),
                    events: 0,
                    flagged: 0,
                    first_seen: i64::MAX,
                    last_seen: i64::MIN,
                    location: None,
                    items: Vec::new(),
                    score: 0.0,
                });
            for &i in &accounts[name] {
                let s = &batch[i];
                st.top.push(
                    ScoredItem {
                        score: s.score,
                        ts: s.event.ts,
                    },
                    now,
                    &params.score,
                );
                st.flags.extend(s.flags.iter().cloned());
                st.events += 1;
                if s.score >= params.score.flagged_at {
                    st.flagged += 1;
                }
                st.first_seen = st.first_seen.min(s.event.ts);
                st.last_seen = st.last_seen.max(s.event.ts);
                if s.event.location.is_some() {
                    st.location.clone_from(&s.event.location);
                }
                st.items.push(i);
            }
            st.score = st.top.score(now, &params.score);
        }
        upsert_accounts(tx, platform, &names, &states).await?;
        let mut updates = Vec::new();
        let mut opens = Vec::new();
        for name in &names {
            let st = &states[*name];
            let score = st.score;
            let minor = st.flags.contains("minor_risk");
            let third = st.flags.contains("third_party");
            let case_id = if let Some(c) = open.get(*name) {
                if (c.score - score).abs() > 1e-9
                    || (minor && !c.minor_risk)
                    || (third && !c.third_party)
                {
                    updates.push((
                        c.id,
                        CaseFacts {
                            score,
                            minor_risk: minor || c.minor_risk,
                            third_party: third || c.third_party,
                            location: st.location.clone(),
                        },
                    ));
                }
                Some(c.id)
            } else if score >= threshold {
                opens.push((
                    *name,
                    CaseFacts {
                        score,
                        minor_risk: minor,
                        third_party: third,
                        location: st.location.clone(),
                    },
                ));
                None
            } else {
                None
            };
            for &i in &st.items {
                outcomes[i] = IngestOutcome::Accepted {
                    account_score: score,
                    case_id,
                };
            }
        }
        update_open_cases(tx, &updates, now).await?;
        let opened = open_cases(tx, &mut records, platform, &opens, actor, now).await?;
        for ((name, _), id) in opens.iter().zip(opened) {
            for &i in &states[*name].items {
                if let IngestOutcome::Accepted { case_id, .. } = &mut outcomes[i] {
                    *case_id = Some(id);
                }
            }
        }
    }
    let mut digests: Vec<_> = digests.into_iter().collect();
    digests.sort_unstable_by_key(|(p, _)| *p);
    for (platform, (hasher, n)) in digests {
        let duplicates = batch
            .iter()
            .filter(|s| s.event.platform == platform)
            .count() as u64
            - n;
        let detail = serde_json::json!({"accepted": n, "duplicates": duplicates, "digest": hex::encode(hasher.finalize())});
        records.push(record(
            now,
            actor,
            platform,
            "events.ingested",
            format!("platform:{platform}"),
            detail,
        ));
    }
    // The audit entries go last: on PostgreSQL appending holds the chain's lock until the
    // commit, so the less work after it, the more writers the chain admits.
    AuditTx::new().append_many_to(tx, records).await?;
    Ok(outcomes)
}

/// A list of strings as the JSON array the store keeps (`[]` without an allocation of the
/// serialiser's).
fn json_list(items: &[String]) -> String {
    if items.is_empty() {
        "[]".to_owned()
    } else {
        to_json(&items)
    }
}

/// The insert of `rows` events that skips the ones already stored (same platform and event
/// id), with nothing after it.
///
/// On SQLite it is `INSERT OR IGNORE`, which skips a row that breaks any constraint, instead of
/// `ON CONFLICT (platform, event_id) DO NOTHING`, which skips only the stored events and ends
/// the statement on a `NULL` in a `NOT NULL` column. A multi-row statement that can end
/// half-way inside a transaction makes SQLite copy every page it changes into a statement
/// journal first, to undo that statement alone (`subjournalPageIfRequired`); one that cannot
/// needs none. The two forms skip
/// the same rows: every `NOT NULL` column is bound from a value that cannot be `NULL` (see
/// [`bind_events`]; `text` and `location` may be `NULL`), and `events` has no other constraint
/// (no `CHECK`, no foreign key). PostgreSQL keeps `ON CONFLICT`, which it also needs for
/// concurrent writers.
fn insert_events_sql(rows: usize, backend: Backend) -> String {
    let (verb, tail) = match backend {
        Backend::Sqlite => ("INSERT OR IGNORE", ""),
        Backend::Postgres => ("INSERT", " ON CONFLICT (platform, event_id) DO NOTHING"),
    };
    format!(
        "{verb} INTO events (platform, event_id, account, kind, text, text_sha256, ts, received_at, score, label, flags, signals, contacts, photo_hashes, location)
         VALUES {}{tail}",
        placeholders(rows, 15)
    )
}

/// Binds the fifteen values of each event of `chunk` to `q`.
fn bind_events(
    mut q: Query,
    batch: &[ScoredEvent],
    chunk: &[usize],
    hashes: &[String],
    now: i64,
) -> Query {
    for &i in chunk {
        let (s, e) = (&batch[i], &batch[i].event);
        q = q
            .text(&e.platform)
            .text(&e.event_id)
            .text(&e.account)
            .text(e.kind.as_str())
            .text(&e.text)
            .text(&hashes[i])
            .int(e.ts)
            .int(now)
            .real(s.score)
            .text(&s.label)
            .string(json_list(&s.flags))
            .text(&s.signals_json)
            .string(json_list(&e.contacts))
            .string(json_list(&e.photo_hashes))
            .opt_text(e.location.as_deref());
    }
    q
}

/// The items of `keys` whose `(platform, event_id)` is among `rows` (columns 0 and 1).
fn named_in(batch: &[ScoredEvent], keys: &[usize], rows: &[ConnRow]) -> Result<HashSet<usize>> {
    let position: HashMap<(&str, &str), usize> = keys
        .iter()
        .map(|&i| {
            let e = &batch[i].event;
            ((e.platform.as_str(), e.event_id.as_str()), i)
        })
        .collect();
    let mut named = HashSet::with_capacity(rows.len());
    for r in rows {
        let platform = r.str(0).map_err(Error::db("store events"))?;
        let event_id = r.str(1).map_err(Error::db("store events"))?;
        if let Some(&i) = position.get(&(platform, event_id)) {
            named.insert(i);
        }
    }
    Ok(named)
}

/// Inserts the `candidates` of `batch` and returns those that were new (SQLite). Each
/// statement reports how many rows it inserted: when that is all of its rows — the usual
/// case — no row comes back to say which; only a statement that met stored events reads
/// back the rows it inserted, found by id. Row ids grow with every insert
/// (`AUTOINCREMENT`) and this transaction is the only writer, so the rows above the largest
/// id before a statement are exactly the ones it inserted.
async fn insert_events_counted(
    tx: &mut Conn<'_>,
    batch: &[ScoredEvent],
    candidates: &[usize],
    hashes: &[String],
    now: i64,
) -> Result<Vec<usize>> {
    let g = Error::db("store events");
    let mut last = conn::max_id(tx, "SELECT COALESCE(MAX(id), 0) FROM events")
        .await
        .map_err(g)?;
    let mut accepted = Vec::with_capacity(candidates.len());
    for chunk in candidates.chunks(INSERT_ROWS) {
        let q = bind_events(
            tx.query(insert_events_sql(chunk.len(), Backend::Sqlite)),
            batch,
            chunk,
            hashes,
            now,
        );
        let (inserted, last_id) = q.execute_counted(tx).await.map_err(g)?;
        if inserted == chunk.len() as u64 {
            accepted.extend_from_slice(chunk);
        } else if inserted > 0 {
            let rows = tx
                .fixed("SELECT platform, event_id FROM events WHERE id > $1")
                .int(last)
                .fetch_all(tx)
                .await
                .map_err(g)?;
            if rows.len() as u64 != inserted {
                return Err(Error::Corrupt(format!(
                    "{inserted} events inserted but {} found after id {last}",
                    rows.len()
                )));
            }
            let new = named_in(batch, chunk, &rows)?;
            accepted.extend(chunk.iter().copied().filter(|i| new.contains(i)));
        }
        if inserted > 0 {
            last = last_id.ok_or_else(|| Error::Corrupt("no id for inserted events".into()))?;
        }
    }
    Ok(accepted)
}

/// Inserts the `candidates` of `batch` and returns those that were new, as the rows the
/// inserts return name them (PostgreSQL: concurrent writers, so row ids do not say which
/// rows one statement inserted).
async fn insert_events_returning(
    tx: &mut Conn<'_>,
    batch: &[ScoredEvent],
    candidates: &[usize],
    hashes: &[String],
    now: i64,
) -> Result<Vec<usize>> {
    let mut accepted = Vec::with_capacity(candidates.len());
    for chunk in candidates.chunks(INSERT_ROWS) {
        let sql = insert_events_sql(chunk.len(), tx.backend()) + " RETURNING platform, event_id";
        let rows = bind_events(tx.query(sql), batch, chunk, hashes, now)
            .fetch_all(tx)
            .await
            .map_err(Error::db("store events"))?;
        let new = named_in(batch, chunk, &rows)?;
        accepted.extend(chunk.iter().copied().filter(|i| new.contains(i)));
    }
    Ok(accepted)
}

/// Rows of `select … WHERE platform = ? AND … account IN (…) tail` for `names`, in chunks;
/// `select` ends where the `IN` list goes.
async fn rows_for_accounts(
    conn: &mut Conn<'_>,
    select: &str,
    tail: &str,
    platform: &str,
    names: &[&str],
    op: &'static str,
) -> Result<Vec<ConnRow>> {
    let mut rows = Vec::with_capacity(names.len());
    for chunk in names.chunks(LOOKUP_KEYS) {
        let sql = format!("{select} ({}){tail}", list(chunk.len()));
        let mut q = conn.query(sql).text(platform);
        for n in chunk {
            q = q.text(n);
        }
        rows.extend(q.fetch_all(conn).await.map_err(Error::db(op))?);
    }
    Ok(rows)
}

/// Creates the accounts of `names` that do not exist yet (PostgreSQL only), so that
/// [`load_accounts`] can lock every one of them: a row that does not exist cannot be locked, and
/// two writers creating the same account would each overwrite the other's update.
async fn lock_accounts(
    conn: &mut Conn<'_>,
    platform: &str,
    names: &[&str],
    accounts: &HashMap<&str, Vec<usize>>,
    batch: &[ScoredEvent],
) -> Result<()> {
    for chunk in names.chunks(LOOKUP_KEYS) {
        let sql = format!(
            "INSERT INTO accounts (platform, account, first_seen, last_seen) VALUES {} ON CONFLICT (platform, account) DO NOTHING",
            placeholders(chunk.len(), 4)
        );
        let mut q = conn.query(sql);
        for name in chunk {
            let ts = accounts[*name].iter().map(|&i| batch[i].event.ts);
            let first = ts.clone().min().unwrap_or_default();
            let last = ts.max().unwrap_or_default();
            q = q.text(platform).text(name).int(first).int(last);
        }
        q.execute(conn)
            .await
            .map_err(Error::db("create accounts"))?;
    }
    Ok(())
}

async fn load_accounts(
    conn: &mut Conn<'_>,
    platform: &str,
    names: &[&str],
) -> Result<HashMap<String, AccountState>> {
    let op = "read accounts";
    let g = Error::db(op);
    let select = "SELECT account, top_items, flags, events, flagged_events, first_seen, last_seen FROM accounts WHERE platform = ? AND account IN";
    // On PostgreSQL the rows were created if missing and are locked here, in name order, until
    // the commit: concurrent batches for the same account update it one after the other.
    let tail = match conn.backend() {
        Backend::Sqlite => "",
        Backend::Postgres => " ORDER BY account FOR UPDATE",
    };
    let mut out = HashMap::with_capacity(names.len());
    for r in rows_for_accounts(conn, select, tail, platform, names, op).await? {
        out.insert(
            r.str(0).map_err(g)?.to_owned(),
            AccountState {
                top: from_json("accounts.top_items", r.str(1).map_err(g)?)?,
                flags: from_json("accounts.flags", r.str(2).map_err(g)?)?,
                events: r.int(3).map_err(g)?,
                flagged: r.int(4).map_err(g)?,
                first_seen: r.int(5).map_err(g)?,
                last_seen: r.int(6).map_err(g)?,
                location: None,
                items: Vec::new(),
                score: 0.0,
            },
        );
    }
    Ok(out)
}

async fn load_open_cases(
    conn: &mut Conn<'_>,
    platform: &str,
    names: &[&str],
) -> Result<HashMap<String, OpenCaseState>> {
    let op = "read open cases";
    let g = Error::db(op);
    let select = "SELECT account, id, score, minor_risk, third_party FROM cases WHERE platform = ? AND status = 'open' AND account IN";
    let mut out = HashMap::new();
    for r in rows_for_accounts(conn, select, "", platform, names, op).await? {
        out.insert(
            r.str(0).map_err(g)?.to_owned(),
            OpenCaseState {
                id: CaseId(r.int(1).map_err(g)?),
                score: r.real(2).map_err(g)?,
                minor_risk: r.int(3).map_err(g)? != 0,
                third_party: r.int(4).map_err(g)? != 0,
            },
        );
    }
    Ok(out)
}

async fn upsert_accounts(
    conn: &mut Conn<'_>,
    platform: &str,
    names: &[&str],
    states: &HashMap<String, AccountState>,
) -> Result<()> {
    for chunk in names.chunks(LOOKUP_KEYS / 2) {
        let sql = format!(
            "INSERT INTO accounts (platform, account, score, top_items, flags, events, flagged_events, first_seen, last_seen) VALUES {}
             ON CONFLICT (platform, account) DO UPDATE SET score = excluded.score, top_items = excluded.top_items, flags = excluded.flags,
               events = excluded.events, flagged_events = excluded.flagged_events, first_seen = excluded.first_seen,
               last_seen = CASE WHEN excluded.last_seen > accounts.last_seen THEN excluded.last_seen ELSE accounts.last_seen END",
            placeholders(chunk.len(), 9)
        );
        let mut q = conn.query(sql);
        for name in chunk {
            let st = &states[*name];
            q = q
                .text(platform)
                .text(name)
                .real(st.score)
                .string(to_json(&st.top))
                .string(to_json(&st.flags))
                .int(st.events)
                .int(st.flagged)
                .int(st.first_seen)
                .int(st.last_seen);
        }
        q.execute(conn)
            .await
            .map_err(Error::db("update accounts"))?;
    }
    Ok(())
}

/// A case's new score and flags.
struct CaseFacts {
    score: f64,
    minor_risk: bool,
    third_party: bool,
    location: Option<String>,
}

/// Updates open cases' scores and flags, many per statement.
async fn update_open_cases(
    conn: &mut Conn<'_>,
    updates: &[(CaseId, CaseFacts)],
    now: i64,
) -> Result<()> {
    for chunk in updates.chunks(LOOKUP_KEYS) {
        let sql = format!(
            "WITH v (id, score, minor_risk, third_party, rank, location) AS (VALUES {})
             UPDATE cases SET score = v.score, minor_risk = v.minor_risk, third_party = v.third_party,
               rank = CASE WHEN cases.rank < v.rank THEN cases.rank ELSE v.rank END,
               location = COALESCE(v.location, cases.location), updated_at = ?
             FROM v WHERE cases.id = v.id",
            placeholders(chunk.len(), 6)
        );
        let mut q = conn.query(sql);
        for (id, u) in chunk {
            let rank = Priority {
                minor_risk: u.minor_risk,
                third_party: u.third_party,
                deadline: None,
                score: u.score,
                opened_at: 0,
            }
            .rank();
            q = q
                .int(id.0)
                .real(u.score)
                .int(i64::from(u.minor_risk))
                .int(i64::from(u.third_party))
                .int(rank)
                .opt_text(u.location.as_deref());
        }
        q.int(now)
            .execute(conn)
            .await
            .map_err(Error::db("update cases"))?;
    }
    Ok(())
}

/// Opens one automated case per account of `opens`, many per statement, with their case
/// events; their audit entries are added to `records`. Returns the ids in order.
async fn open_cases(
    conn: &mut Conn<'_>,
    records: &mut Vec<AuditRecord>,
    platform: &str,
    opens: &[(&str, CaseFacts)],
    actor: &str,
    now: i64,
) -> Result<Vec<CaseId>> {
    let mut ids = Vec::with_capacity(opens.len());
    for chunk in opens.chunks(LOOKUP_KEYS / 2) {
        let sql = format!(
            "INSERT INTO cases (platform, account, status, source, score, minor_risk, third_party, rank, location, opened_at, updated_at) VALUES {} RETURNING id, account",
            placeholders(chunk.len(), 11)
        );
        let mut q = conn.query(sql);
        for (name, o) in chunk {
            let rank = Priority {
                minor_risk: o.minor_risk,
                third_party: o.third_party,
                deadline: None,
                score: o.score,
                opened_at: now,
            }
            .rank();
            q = q
                .text(platform)
                .text(name)
                .text("open")
                .text(CaseSource::Automated.as_str())
                .real(o.score)
                .int(i64::from(o.minor_risk))
                .int(i64::from(o.third_party))
                .int(rank)
                .opt_text(o.location.as_deref())
                .int(now)
                .int(now);
        }
        let rows = q.fetch_all(conn).await.map_err(Error::db("open cases"))?;
        let g = Error::db("open cases");
        let mut by_account = HashMap::with_capacity(rows.len());
        for r in &rows {
            by_account.insert(
                r.str(1).map_err(g)?.to_owned(),
                CaseId(r.int(0).map_err(g)?),
            );
        }
        let mut event_rows = Vec::with_capacity(chunk.len());
        for (name, o) in chunk {
            let id = *by_account
                .get(*name)
                .ok_or_else(|| Error::Corrupt(format!("case for {name} was not returned")))?;
            let detail = serde_json::json!({"source": "automated", "score": o.score, "minor_risk": o.minor_risk, "third_party": o.third_party});
            event_rows.push((id, detail.to_string()));
            records.push(record(
                now,
                actor,
                platform,
                "case.opened",
                format!("case:{id}"),
                detail,
            ));
            ids.push(id);
        }
        let sql = format!(
            "INSERT INTO case_events (case_id, at, actor, kind, from_status, to_status, detail) VALUES {}",
            placeholders(event_rows.len(), 7)
        );
        let mut q = conn.query(sql);
        for (id, detail) in event_rows {
            q = q
                .int(id.0)
                .int(now)
                .text(actor)
                .text("opened")
                .opt_text(None)
                .text("open")
                .string(detail);
        }
        q.execute(conn)
            .await
            .map_err(Error::db("record case events"))?;
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_and_columns() {
        assert_eq!(placeholders(2, 3), "(?,?,?),(?,?,?)");
        assert_eq!(list(3), "?,?,?");
    }

    /// The instructions of `sql`'s program by which it stops with an error (`Halt` or
    /// `HaltIfNull` with a non-zero result code), as `EXPLAIN` lists them on `store`'s ingest
    /// connection.
    async fn error_halts(store: &Store, sql: &str) -> Vec<String> {
        use sqlx::Row;
        let pool = store.sqlite_ingest.as_ref().expect("a SQLite store");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}")))
            .fetch_all(pool)
            .await
            .expect("explain");
        rows.iter()
            .filter_map(|r| {
                let opcode: String = r.get("opcode");
                let code: i64 = r.get("p1");
                let halts = opcode == "Halt" || opcode == "HaltIfNull";
                (halts && code != 0)
                    .then(|| format!("{opcode} {code} {}", r.get::<String, _>("p4")))
            })
            .collect()
    }

    /// The counted inserts of events and links cannot end half-way on SQLite, so SQLite keeps
    /// no statement journal for them (the copies of every page they change that undoing one
    /// statement would need). Their `ON CONFLICT … DO NOTHING` forms, which PostgreSQL runs,
    /// can: on a `NULL` in a `NOT NULL` column.
    #[tokio::test]
    async fn sqlite_event_and_link_inserts_cannot_end_half_way() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::open(&url).await.expect("open");
        for rows in [1, 3] {
            for sql in [
                insert_events_sql(rows, Backend::Sqlite),
                crate::networks::insert_links_sql(rows, Backend::Sqlite),
            ] {
                assert_eq!(
                    error_halts(&store, &sql).await,
                    Vec::<String>::new(),
                    "{sql}"
                );
            }
            for sql in [
                insert_events_sql(rows, Backend::Postgres),
                crate::networks::insert_links_sql(rows, Backend::Postgres),
            ] {
                assert!(!error_halts(&store, &sql).await.is_empty(), "{sql}");
            }
        }
        store.close().await;
    }
}
