//! Networks in the service: the links the linker found, an account's network read back from
//! them, and network freezes that need a second moderator's approval.
//!
//! The links table is the durable truth: the linker in the service is rebuilt from stored
//! events at start-up and its links are recorded idempotently (one row per pair of accounts,
//! evidence kind and value), so a link found twice is stored once. An account's network is
//! read by walking the links from the account (breadth first, bounded), which needs no
//! network ids that would have to be renumbered when two networks merge.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::Ordering;

use saring_core::auth::Principal;
use saring_core::case::CaseSource;
use saring_core::decision::{Action, Ground};
use saring_core::ids::CaseId;
use serde::Serialize;
use sqlx::Row;

use crate::audit::{AuditTx, record};
use crate::cases::{DecisionInput, NewReport};
use crate::conn::{self, Conn, ConnRow, Query};
use crate::{Backend, Error, Result, Store, from_json, to_json};

/// A link to record: two accounts and the evidence that links them.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLink {
    /// The first account, `(platform, account)`: the one that named the evidence first.
    pub a: (String, String),
    /// The second account.
    pub b: (String, String),
    /// `phone`, `whatsapp`, `line`, `telegram`, `instagram`, `bank_account`, `ewallet`,
    /// `template` or `photo`.
    pub kind: String,
    /// The normalised identifier; empty for templates and photos.
    pub value: String,
    /// The estimated similarity (template) or the Hamming distance (photo).
    pub strength: Option<f64>,
    /// The event id the evidence was found in, on `a`'s side.
    pub item_a: String,
    /// The event id on `b`'s side.
    pub item_b: String,
}

/// A stored link.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkRow {
    /// Row id.
    pub id: i64,
    /// First account's platform.
    pub platform_a: String,
    /// First account.
    pub account_a: String,
    /// Second account's platform.
    pub platform_b: String,
    /// Second account.
    pub account_b: String,
    /// The kind of evidence.
    pub kind: String,
    /// The identifier (empty for templates and photos).
    pub value: String,
    /// Similarity (template) or distance (photo).
    pub strength: Option<f64>,
    /// Event id on `a`'s side.
    pub item_a: String,
    /// Event id on `b`'s side.
    pub item_b: String,
    /// When the link was found (ms).
    pub created_at: i64,
}

/// One account of a network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkMember {
    /// Platform.
    pub platform: String,
    /// The platform's account id.
    pub account: String,
    /// `active`, `warned`, `restricted` or `frozen` (`unknown` when the account has no
    /// stored events).
    pub status: String,
    /// The account score.
    pub score: f64,
}

/// An account's network as the links show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkView {
    /// The accounts, the starting one first, then in the order they were reached.
    pub members: Vec<NetworkMember>,
    /// The links between them, oldest first.
    pub links: Vec<LinkRow>,
    /// True when the walk stopped at the member limit: there may be more.
    pub truncated: bool,
}

/// An event as the linker needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkingEvent {
    /// Row id (the order events were stored in).
    pub id: i64,
    /// Platform.
    pub platform: String,
    /// Account.
    pub account: String,
    /// The event id.
    pub event_id: String,
    /// The text (`None` once purged).
    pub text: Option<String>,
    /// Photo hashes, 16 hex digits each.
    pub photo_hashes: Vec<String>,
    /// Contacts given with the event (phone numbers, handles, links).
    pub contacts: Vec<String>,
}

/// A proposed, approved or rejected network freeze.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkActionRow {
    /// Id.
    pub id: i64,
    /// The case the network was seen from.
    pub case_id: i64,
    /// Platform (only its accounts are covered).
    pub platform: String,
    /// `freeze`.
    pub action: String,
    /// Policy ground.
    pub ground: String,
    /// The proposer's note.
    pub note: String,
    /// The accounts covered, as proposed.
    pub members: Vec<String>,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// The proposing moderator's user id.
    pub proposed_by: i64,
    /// When (ms).
    pub proposed_at: i64,
    /// The approving or rejecting moderator's user id.
    pub decided_by: Option<i64>,
    /// When (ms).
    pub decided_at: Option<i64>,
    /// What happened to each account, or why it was rejected.
    pub result: Option<serde_json::Value>,
}

/// What an approved network freeze did to one account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberOutcome {
    /// The account.
    pub account: String,
    /// `frozen`, `already_frozen` or `failed`.
    pub outcome: String,
    /// The case that carries the decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_id: Option<i64>,
    /// The enforcement order written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The PostgreSQL advisory lock key of the linker lease ("SARLNK" in ASCII; the audit chain
/// uses "SARING").
const LINKER_LOCK: i64 = 0x5341_524c_4e4b;

/// A position in the stream of committed events (see [`Store::committed_events`]); the
/// default is the start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct LinkCursor {
    /// The inserting transaction of the last event read (PostgreSQL; 0 on SQLite).
    pub txid: i64,
    /// The row id of the last event read.
    pub id: i64,
}

/// The right to link accounts for a database, held until dropped (see
/// [`Store::linker_lease`]).
#[derive(Debug)]
pub struct LinkerLease {
    /// The connection holding the advisory lock (PostgreSQL).
    conn: Option<sqlx::AnyConnection>,
}

impl LinkerLease {
    /// Checks that the lease still holds: an error means its connection is gone (the
    /// database restarted), so the lock may be someone else's by now.
    pub async fn check(&mut self) -> Result<()> {
        if let Some(conn) = &mut self.conn {
            sqlx::Connection::ping(conn)
                .await
                .map_err(Error::db("check the linker lease"))?;
        }
        Ok(())
    }
}

/// An event for the linker, from a row of either driver (columns as in
/// [`Store::committed_events`]).
fn linking_event<R: Row>(r: &R) -> Result<LinkingEvent>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let g = || Error::db("read events for linking");
    Ok(LinkingEvent {
        id: r.try_get(0).map_err(g())?,
        platform: r.try_get(1).map_err(g())?,
        account: r.try_get(2).map_err(g())?,
        event_id: r.try_get(3).map_err(g())?,
        text: r.try_get(4).map_err(g())?,
        photo_hashes: json_list("events.photo_hashes", r.try_get(5).map_err(g())?)?,
        contacts: json_list("events.contacts", r.try_get(6).map_err(g())?)?,
    })
}

/// A JSON list of strings from a column; most events have none, whose `[]` needs no parse.
fn json_list(column: &str, s: &str) -> Result<Vec<String>> {
    if s == "[]" {
        return Ok(Vec::new());
    }
    from_json(column, s)
}

/// Rows per multi-row link insert (10 parameters each).
const LINK_ROWS: usize = 100;

/// [`Store::record_links`] inside the transaction `tx` is in.
async fn record_links_in(
    tx: &mut Conn<'_>,
    links: &[NewLink],
    actor: &str,
    now: i64,
) -> Result<Vec<LinkRow>> {
    let mut new = match tx.backend() {
        Backend::Sqlite => insert_links_counted(tx, links, now).await?,
        Backend::Postgres => insert_links_returning(tx, links, now).await?,
    };
    new.sort_by_key(|l| l.id);
    audit_links(tx, &new, actor, now).await?;
    Ok(new)
}

/// Links recorded in one part of [`Store::record_links`] on SQLite, at most (SQLite's writer
/// is handed to a waiting decision between parts).
const LINKS_PER_PART: usize = 250;

/// The audit entry of the links `new` (sorted by id) recorded in `tx`'s transaction; none
/// when there are none.
async fn audit_links(tx: &mut Conn<'_>, new: &[LinkRow], actor: &str, now: i64) -> Result<()> {
    if !new.is_empty() {
        let mut by_kind = std::collections::BTreeMap::<&str, u64>::new();
        let mut platforms = std::collections::BTreeSet::<&str>::new();
        for l in new {
            *by_kind.entry(l.kind.as_str()).or_default() += 1;
            platforms.insert(&l.platform_a);
            platforms.insert(&l.platform_b);
        }
        let tenant = if platforms.len() == 1 {
            platforms.iter().next().copied().unwrap_or("")
        } else {
            "*"
        };
        let first = new.first().map_or(0, |l| l.id);
        let last = new.last().map_or(0, |l| l.id);
        AuditTx::new()
            .append_many_to(
                tx,
                vec![record(
                    now,
                    actor,
                    tenant,
                    "network.linked",
                    format!("links:{first}-{last}"),
                    serde_json::json!({"links": new.len(), "by_kind": by_kind}),
                )],
            )
            .await?;
    }
    Ok(())
}

/// The multi-row insert of `rows` links (10 parameters each), stored links kept as they were.
/// On SQLite `INSERT OR IGNORE`, which needs no statement journal, as
/// [`crate::ingest::insert_events_sql`] explains; it skips the same rows, since every
/// `NOT NULL` column of `links` is bound from a value that cannot be `NULL` ([`bind_links`];
/// `strength` may be `NULL`) and the table has no other constraint.
pub(crate) fn insert_links_sql(rows: usize, backend: Backend) -> String {
    let (verb, tail) = match backend {
        Backend::Sqlite => ("INSERT OR IGNORE", ""),
        Backend::Postgres => (
            "INSERT",
            " ON CONFLICT (platform_a, account_a, platform_b, account_b, kind, value) DO NOTHING",
        ),
    };
    format!(
        "{verb} INTO links (platform_a, account_a, platform_b, account_b, kind, value, strength, item_a, item_b, created_at)
         VALUES {}{tail}",
        crate::ingest::placeholders(rows, 10)
    )
}

/// Binds the values of `chunk` to an insert of [`insert_links_sql`].
fn bind_links(mut q: Query, chunk: &[NewLink], now: i64) -> Query {
    for l in chunk {
        q = q
            .text(&l.a.0)
            .text(&l.a.1)
            .text(&l.b.0)
            .text(&l.b.1)
            .text(&l.kind)
            .text(&l.value)
            .opt_real(l.strength)
            .text(&l.item_a)
            .text(&l.item_b)
            .int(now);
    }
    q
}

/// Inserts `links` and returns the new ones as the inserts return them (PostgreSQL:
/// concurrent writers, so row ids do not say which rows one statement inserted).
async fn insert_links_returning(
    tx: &mut Conn<'_>,
    links: &[NewLink],
    now: i64,
) -> Result<Vec<LinkRow>> {
    let mut new = Vec::new();
    // Many rows per statement: a batch costs by its statements, not its rows.
    for chunk in links.chunks(LINK_ROWS) {
        let sql = insert_links_sql(chunk.len(), tx.backend()) + " RETURNING " + LINK_COLUMNS;
        for r in bind_links(tx.query(sql), chunk, now)
            .fetch_all(tx)
            .await
            .map_err(Error::db("store links"))?
        {
            new.push(conn_link_row(&r)?);
        }
    }
    Ok(new)
}

/// Inserts `links` and returns the new ones (SQLite), as [`insert_links_returning`] would,
/// without sending every row back. Each statement reports how many rows it inserted and the
/// id of the last: when it inserted all of its rows — the usual case, the linker reports each
/// link once — they got the ids up to that one in the order of the `VALUES` list (this
/// transaction is the only writer and `AUTOINCREMENT` ids only grow), so their rows are the
/// links given. Only a statement that met stored links (a replay after a restart) reads back
/// the rows above the largest id before it.
async fn insert_links_counted(
    tx: &mut Conn<'_>,
    links: &[NewLink],
    now: i64,
) -> Result<Vec<LinkRow>> {
    let g = Error::db("store links");
    let mut last = conn::max_id(tx, "SELECT COALESCE(MAX(id), 0) FROM links")
        .await
        .map_err(g)?;
    let mut new = Vec::with_capacity(links.len());
    for chunk in links.chunks(LINK_ROWS) {
        let sql = insert_links_sql(chunk.len(), Backend::Sqlite);
        let (inserted, last_id) = bind_links(tx.query(sql), chunk, now)
            .execute_counted(tx)
            .await
            .map_err(g)?;
        if inserted == 0 {
            continue;
        }
        let last_id = last_id.ok_or_else(|| Error::Corrupt("no id for inserted links".into()))?;
        if inserted == chunk.len() as u64 {
            let first = last_id - (inserted as i64 - 1);
            if first <= last {
                return Err(Error::Corrupt(format!(
                    "{inserted} links inserted up to id {last_id}, but id {last} was stored before"
                )));
            }
            new.extend(chunk.iter().zip(first..).map(|(l, id)| LinkRow {
                id,
                platform_a: l.a.0.clone(),
                account_a: l.a.1.clone(),
                platform_b: l.b.0.clone(),
                account_b: l.b.1.clone(),
                kind: l.kind.clone(),
                value: l.value.clone(),
                strength: l.strength,
                item_a: l.item_a.clone(),
                item_b: l.item_b.clone(),
                created_at: now,
            }));
        } else {
            let rows = tx
                .query(format!(
                    "SELECT {LINK_COLUMNS} FROM links WHERE id > $1 ORDER BY id"
                ))
                .int(last)
                .fetch_all(tx)
                .await
                .map_err(g)?;
            if rows.len() as u64 != inserted {
                return Err(Error::Corrupt(format!(
                    "{inserted} links inserted but {} found after id {last}",
                    rows.len()
                )));
            }
            for r in &rows {
                new.push(conn_link_row(r)?);
            }
        }
        last = last_id;
    }
    Ok(new)
}

/// A link row read through a [`Conn`] (columns as [`LINK_COLUMNS`]).
fn conn_link_row(r: &ConnRow) -> Result<LinkRow> {
    match r {
        ConnRow::Sqlite(r) => link_row(r),
        ConnRow::Any(r) => link_row(r),
    }
}

const LINK_COLUMNS: &str = "id, platform_a, account_a, platform_b, account_b, kind, value, strength, item_a, item_b, created_at";

/// A link row of either driver (columns as [`LINK_COLUMNS`]).
fn link_row<R: Row>(r: &R) -> Result<LinkRow>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> f64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let g = || Error::db("read a link");
    Ok(LinkRow {
        id: r.try_get(0).map_err(g())?,
        platform_a: r.try_get(1).map_err(g())?,
        account_a: r.try_get(2).map_err(g())?,
        platform_b: r.try_get(3).map_err(g())?,
        account_b: r.try_get(4).map_err(g())?,
        kind: r.try_get(5).map_err(g())?,
        value: r.try_get(6).map_err(g())?,
        strength: r.try_get(7).map_err(g())?,
        item_a: r.try_get(8).map_err(g())?,
        item_b: r.try_get(9).map_err(g())?,
        created_at: r.try_get(10).map_err(g())?,
    })
}

const ACTION_COLUMNS: &str = "id, case_id, platform, action, ground, note, members, status, proposed_by, proposed_at, decided_by, decided_at, result";

fn action_row(r: &sqlx::any::AnyRow) -> Result<NetworkActionRow> {
    let g = || Error::db("read a network action");
    let result: Option<String> = r.try_get(12).map_err(g())?;
    Ok(NetworkActionRow {
        id: r.try_get(0).map_err(g())?,
        case_id: r.try_get(1).map_err(g())?,
        platform: r.try_get(2).map_err(g())?,
        action: r.try_get(3).map_err(g())?,
        ground: r.try_get(4).map_err(g())?,
        note: r.try_get(5).map_err(g())?,
        members: from_json(
            "network_actions.members",
            &r.try_get::<String, _>(6).map_err(g())?,
        )?,
        status: r.try_get(7).map_err(g())?,
        proposed_by: r.try_get(8).map_err(g())?,
        proposed_at: r.try_get(9).map_err(g())?,
        decided_by: r.try_get(10).map_err(g())?,
        decided_at: r.try_get(11).map_err(g())?,
        result: result
            .map(|s| from_json("network_actions.result", &s))
            .transpose()?,
    })
}

impl Store {
    /// Records links; a link already stored (same two accounts, kind and value) is kept as it
    /// was. Returns the links that were new. One transaction, with one audit entry when any
    /// link is new (counts by kind, never the identifiers).
    pub async fn record_links(
        &self,
        links: &[NewLink],
        actor: &str,
        now: i64,
    ) -> Result<Vec<LinkRow>> {
        if links.is_empty() {
            return Ok(Vec::new());
        }
        if self.backend == Backend::Postgres {
            return self
                .write_tx("commit links", async |tx| {
                    record_links_in(tx, links, actor, now).await
                })
                .await;
        }
        // SQLite has one writer, and a page of the linker's catch-up holds thousands of links
        // (~75 ms of the writer for 1,400 in bench/README.md): a moderator's decision must
        // not wait behind all of it. The links go in parts of LINKS_PER_PART; after each
        // part, when a writer counted by `begin_write` is waiting, the part so far is
        // committed and the write connection handed over, then taken back. Ingest is not
        // let in that way (the linker would fall behind a busy ingest for good; see
        // bench/README.md), and with nobody waiting a page is one transaction, as before.
        // Recording is idempotent: a crash between two transactions loses nothing that a
        // replay does not find again.
        let mut out = Vec::with_capacity(links.len());
        let mut rest = links;
        while !rest.is_empty() {
            let (mut new, left) = self
                .write_tx("commit links", async |tx| {
                    let mut new = Vec::new();
                    let mut left = rest;
                    loop {
                        let (part, next) = left.split_at(left.len().min(LINKS_PER_PART));
                        new.extend(insert_links_counted(tx, part, now).await?);
                        left = next;
                        if left.is_empty() || self.writers_waiting.load(Ordering::Relaxed) > 0 {
                            break;
                        }
                    }
                    new.sort_by_key(|l| l.id);
                    audit_links(tx, &new, actor, now).await?;
                    Ok((new, left))
                })
                .await?;
            out.append(&mut new);
            rest = left;
        }
        Ok(out)
    }

    /// The links that touch one account, oldest first.
    pub async fn links_of(&self, platform: &str, account: &str) -> Result<Vec<LinkRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {LINK_COLUMNS} FROM links WHERE platform_a = $1 AND account_a = $2
             UNION SELECT {LINK_COLUMNS} FROM links WHERE platform_b = $1 AND account_b = $2
             ORDER BY id"
        )))
        .bind(platform)
        .bind(account)
        .fetch_all(&self.read)
        .await
        .map_err(Error::db("read links"))?;
        rows.iter().map(link_row).collect()
    }

    /// The network of `platform/account`: the accounts reachable over links, at most
    /// `max_members` of them, with the links among them. Only accounts for which `visible`
    /// says yes are walked through and shown (the caller's tenant), so a network never
    /// reveals another tenant's accounts. An account with no links is a network of one.
    pub async fn network_of(
        &self,
        platform: &str,
        account: &str,
        max_members: usize,
        visible: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<NetworkView> {
        let start = (platform.to_owned(), account.to_owned());
        let mut seen: HashSet<(String, String)> = HashSet::from([start.clone()]);
        let mut order = vec![start.clone()];
        let mut queue = VecDeque::from([start]);
        let mut link_ids = HashSet::new();
        let mut links = Vec::new();
        let mut truncated = false;
        while let Some((p, a)) = queue.pop_front() {
            for l in self.links_of(&p, &a).await? {
                let other =
                    if (l.platform_a.as_str(), l.account_a.as_str()) == (p.as_str(), a.as_str()) {
                        (l.platform_b.clone(), l.account_b.clone())
                    } else {
                        (l.platform_a.clone(), l.account_a.clone())
                    };
                if !visible(&other.0) {
                    continue;
                }
                if !seen.contains(&other) {
                    if order.len() >= max_members {
                        truncated = true;
                        continue;
                    }
                    seen.insert(other.clone());
                    order.push(other.clone());
                    queue.push_back(other);
                }
                if link_ids.insert(l.id) {
                    links.push(l);
                }
            }
        }
        links.sort_by_key(|l| l.id);
        let mut members = Vec::with_capacity(order.len());
        for (p, a) in order {
            let row = sqlx::query(
                "SELECT status, score FROM accounts WHERE platform = $1 AND account = $2",
            )
            .bind(&p)
            .bind(&a)
            .fetch_optional(&self.read)
            .await
            .map_err(Error::db("read an account"))?;
            let (status, score) = match row {
                Some(r) => (
                    r.try_get::<String, _>(0)
                        .map_err(Error::db("read an account"))?,
                    r.try_get::<f64, _>(1)
                        .map_err(Error::db("read an account"))?,
                ),
                None => ("unknown".to_owned(), 0.0),
            };
            members.push(NetworkMember {
                platform: p,
                account: a,
                status,
                score,
            });
        }
        Ok(NetworkView {
            members,
            links,
            truncated,
        })
    }

    /// True when `platform` has at least one frozen account (an indexed look-up).
    pub async fn has_frozen_accounts(&self, platform: &str) -> Result<bool> {
        let row =
            sqlx::query("SELECT 1 FROM accounts WHERE platform = $1 AND status = 'frozen' LIMIT 1")
                .bind(platform)
                .fetch_optional(&self.read)
                .await
                .map_err(Error::db("read accounts"))?;
        Ok(row.is_some())
    }

    /// The next committed events after `after`, at most `limit`, with the cursor to pass next
    /// time. Successive calls return every committed event exactly once, in one order that
    /// does not change: the order of row ids on SQLite (one writer, so ids are committed in
    /// order); on PostgreSQL the order of (inserting transaction, id) over the events whose
    /// transaction is older than every transaction still running — an event committed late
    /// with a low id is not skipped, only read when its transaction is done (migration 0007).
    pub async fn committed_events(
        &self,
        after: LinkCursor,
        limit: i64,
    ) -> Result<(Vec<LinkingEvent>, LinkCursor)> {
        let op = "read events for linking";
        if let Some(pool) = &self.linker_read {
            // SQLite: one writer, so row ids are committed in order.
            let rows = sqlx::query(
                "SELECT id, platform, account, event_id, text, photo_hashes, contacts FROM events WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(after.id)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(Error::db(op))?;
            let out = rows.iter().map(linking_event).collect::<Result<Vec<_>>>()?;
            let cursor = out
                .last()
                .map_or(after, |e| LinkCursor { txid: 0, id: e.id });
            return Ok((out, cursor));
        }
        let rows = sqlx::query(
            "SELECT id, platform, account, event_id, text, photo_hashes, contacts, txid FROM events
             WHERE (txid > $1 OR (txid = $1 AND id > $2))
               AND txid < CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT) AS BIGINT)
             ORDER BY txid, id LIMIT $3",
        )
        .bind(after.txid)
        .bind(after.id)
        .bind(limit)
        .fetch_all(&self.read)
        .await
        .map_err(Error::db(op))?;
        let mut cursor = after;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let g = || Error::db(op);
            cursor = LinkCursor {
                txid: r.try_get(7).map_err(g())?,
                id: r.try_get(0).map_err(g())?,
            };
            out.push(linking_event(r)?);
        }
        Ok((out, cursor))
    }

    /// How many committed events lie after `after` (see [`Store::committed_events`]), for
    /// showing how far the linker is behind.
    pub async fn events_after(&self, after: LinkCursor) -> Result<i64> {
        let q = match self.backend {
            Backend::Sqlite => {
                sqlx::query("SELECT COUNT(*) FROM events WHERE id > $1").bind(after.id)
            }
            Backend::Postgres => sqlx::query(
                "SELECT COUNT(*) FROM events WHERE txid > $1 OR (txid = $1 AND id > $2)",
            )
            .bind(after.txid)
            .bind(after.id),
        };
        q.fetch_one(&self.read)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(Error::db("count events to link"))
    }

    /// Tries to become the one process that links accounts for this database. On SQLite
    /// (one process owns the file) the lease is always granted. On PostgreSQL it is a
    /// session advisory lock held on a connection of its own, so several workers and
    /// service instances elect one linker among themselves, and when its process dies the
    /// connection closes and another takes over. `None`: another process holds it.
    pub async fn linker_lease(&self) -> Result<Option<LinkerLease>> {
        if self.backend == Backend::Sqlite {
            return Ok(Some(LinkerLease { conn: None }));
        }
        let mut conn = self
            .write
            .acquire()
            .await
            .map_err(Error::db("connect for the linker lease"))?
            .detach();
        let got: i64 = sqlx::query("SELECT CASE WHEN pg_try_advisory_lock($1) THEN 1 ELSE 0 END")
            .bind(LINKER_LOCK)
            .fetch_one(&mut conn)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(Error::db("take the linker lease"))?;
        if got == 1 {
            Ok(Some(LinkerLease { conn: Some(conn) }))
        } else {
            let _ = sqlx::Connection::close(conn).await;
            Ok(None)
        }
    }

    /// Proposes freezing the network of a case's account: its accounts on the case's platform
    /// (at most `max_members`, walked as [`Store::network_of`] does), recorded as proposed.
    /// Nothing happens to them until a different moderator approves. One pending proposal per
    /// case.
    pub async fn propose_network_freeze(
        &self,
        case_id: CaseId,
        max_members: usize,
        ground: Ground,
        note: &str,
        who: &Principal,
        now: i64,
    ) -> Result<NetworkActionRow> {
        if note.trim().is_empty() {
            return Err(Error::Invalid {
                field: "note".into(),
                reason: "must say why, in a few words".into(),
            });
        }
        if ground == Ground::None {
            return Err(Error::Invalid {
                field: "ground".into(),
                reason: "a network freeze needs a policy ground".into(),
            });
        }
        let case = self
            .case(case_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("case {case_id}")))?;
        let same_platform = |p: &str| p == case.platform;
        let members: Vec<String> = self
            .network_of(&case.platform, &case.account, max_members, &same_platform)
            .await?
            .members
            .into_iter()
            .map(|m| m.account)
            .collect();
        if members.len() < 2 {
            return Err(Error::Conflict(
                "the account has no linked accounts on its platform: decide the case itself".into(),
            ));
        }
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let case = crate::cases::load_case(&mut tx, case_id).await?;
        case.check_not_held_by_other(who, now)?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO network_actions (case_id, platform, action, ground, note, members, status, proposed_by, proposed_at)
             VALUES ($1, $2, 'freeze', $3, $4, $5, 'pending', $6, $7)
             ON CONFLICT DO NOTHING RETURNING {ACTION_COLUMNS}"
        )))
        .bind(case_id.0)
        .bind(&case.platform)
        .bind(ground.as_str())
        .bind(note)
        .bind(to_json(&members))
        .bind(who.id.0)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(Error::db("store a network action"))?
        .ok_or_else(|| {
            Error::Conflict(format!(
                "case {case_id} already has a network freeze waiting for approval"
            ))
        })?;
        let action = action_row(&row)?;
        AuditTx::new()
            .append(
                &mut tx,
                record(
                    now,
                    &who.actor(),
                    &case.platform,
                    "network_action.proposed",
                    format!("network_action:{}", action.id),
                    serde_json::json!({"case": case_id.0, "action": "freeze", "ground": ground.as_str(), "accounts": members.len()}),
                ),
            )
            .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        Ok(action)
    }

    /// One network action.
    pub async fn network_action(&self, id: i64) -> Result<Option<NetworkActionRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACTION_COLUMNS} FROM network_actions WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(Error::db("read a network action"))?;
        row.as_ref().map(action_row).transpose()
    }

    /// Network actions, newest first, of one platform (or all with `None`), optionally with
    /// one status.
    pub async fn network_actions(
        &self,
        platform: Option<&str>,
        status: Option<&str>,
    ) -> Result<Vec<NetworkActionRow>> {
        let mut conds = Vec::new();
        let mut binds = Vec::new();
        for (column, value) in [("platform", platform), ("status", status)] {
            if let Some(v) = value {
                binds.push(v);
                conds.push(format!("{column} = ${}", binds.len()));
            }
        }
        let filter = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        let sql = format!(
            "SELECT {ACTION_COLUMNS} FROM network_actions {filter} ORDER BY id DESC LIMIT 200"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in binds {
            q = q.bind(v);
        }
        let rows = q
            .fetch_all(&self.read)
            .await
            .map_err(Error::db("read network actions"))?;
        rows.iter().map(action_row).collect()
    }

    /// Rejects a pending network freeze (a moderator other than the proposer, or the
    /// proposer withdrawing it).
    pub async fn reject_network_action(
        &self,
        id: i64,
        reason: &str,
        who: &Principal,
        now: i64,
    ) -> Result<NetworkActionRow> {
        if reason.trim().is_empty() {
            return Err(Error::Invalid {
                field: "reason".into(),
                reason: "must say why, in a few words".into(),
            });
        }
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE network_actions SET status = 'rejected', decided_by = $1, decided_at = $2, result = $3
             WHERE id = $4 AND status = 'pending' RETURNING {ACTION_COLUMNS}"
        )))
        .bind(who.id.0)
        .bind(now)
        .bind(to_json(&serde_json::json!({"reason": reason})))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(Error::db("reject a network action"))?
        .ok_or_else(|| Error::Conflict(format!("network action {id} is not pending")))?;
        let action = action_row(&row)?;
        AuditTx::new()
            .append(
                &mut tx,
                record(
                    now,
                    &who.actor(),
                    &action.platform,
                    "network_action.rejected",
                    format!("network_action:{id}"),
                    serde_json::json!({"case": action.case_id}),
                ),
            )
            .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        Ok(action)
    }

    /// Approves a pending network freeze and carries it out: every covered account that is
    /// not frozen yet gets a case (its open one, or a new one with source `network`) and a
    /// freeze decision with its statement of reasons and enforcement order, decided by the
    /// approver. The approver must not be the proposer. Accounts are decided one by one (each
    /// in its own transaction, as a moderator would); the outcome of each is recorded with the
    /// approval, and an account that failed (its case claimed by someone else, say) can be
    /// decided on its own case.
    pub async fn approve_network_action(
        &self,
        id: i64,
        who: &Principal,
        now: i64,
    ) -> Result<NetworkActionRow> {
        let action = self
            .network_action(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("network action {id}")))?;
        let resuming = action.status == "approving" && action.decided_by == Some(who.id.0);
        if action.status != "pending" && !resuming {
            return Err(Error::Conflict(format!(
                "network action {id} is {}, not pending",
                action.status
            )));
        }
        if action.proposed_by == who.id.0 {
            return Err(Error::Conflict(
                "a network freeze needs a second moderator: you proposed it, so someone else must approve it"
                    .into(),
            ));
        }
        let ground = Ground::parse(&action.ground).ok_or_else(|| {
            Error::Corrupt(format!(
                "unknown ground {:?} in network action {id}",
                action.ground
            ))
        })?;
        // Claim the approval first, so two approvers cannot both carry it out. An approval cut
        // short (a crash) stays `approving` and its approver may run it again: accounts frozen
        // already are skipped.
        let claimed = sqlx::query("UPDATE network_actions SET status = 'approving', decided_by = $1, decided_at = $2 WHERE id = $3 AND (status = 'pending' OR (status = 'approving' AND decided_by = $1))")
            .bind(who.id.0)
            .bind(now)
            .bind(id)
            .execute(&self.write)
            .await
            .map_err(Error::db("approve a network action"))?;
        if claimed.rows_affected() != 1 {
            return Err(Error::Conflict(format!(
                "network action {id} is not pending"
            )));
        }
        let mut outcomes = Vec::with_capacity(action.members.len());
        for account in &action.members {
            outcomes.push(self.freeze_member(&action, ground, account, who, now).await);
        }
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE network_actions SET status = 'approved', result = $1 WHERE id = $2 RETURNING {ACTION_COLUMNS}"
        )))
        .bind(to_json(&outcomes))
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(Error::db("approve a network action"))?;
        let done = action_row(&row)?;
        let frozen = outcomes.iter().filter(|o| o.outcome == "frozen").count();
        let failed = outcomes.iter().filter(|o| o.outcome == "failed").count();
        AuditTx::new()
            .append(
                &mut tx,
                record(
                    now,
                    &who.actor(),
                    &action.platform,
                    "network_action.approved",
                    format!("network_action:{id}"),
                    serde_json::json!({"case": action.case_id, "proposed_by": action.proposed_by, "frozen": frozen, "failed": failed}),
                ),
            )
            .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        Ok(done)
    }

    async fn freeze_member(
        &self,
        action: &NetworkActionRow,
        ground: Ground,
        account: &str,
        who: &Principal,
        now: i64,
    ) -> MemberOutcome {
        let failed = |e: Error| MemberOutcome {
            account: account.to_owned(),
            outcome: "failed".into(),
            case_id: None,
            order_id: None,
            error: Some(e.to_string()),
        };
        let status: Option<String> = match sqlx::query_scalar(
            "SELECT status FROM accounts WHERE platform = $1 AND account = $2",
        )
        .bind(&action.platform)
        .bind(account)
        .fetch_optional(&self.read)
        .await
        {
            Ok(s) => s,
            Err(e) => return failed(Error::db("read an account")(e)),
        };
        if status.as_deref() == Some("frozen") {
            return MemberOutcome {
                account: account.to_owned(),
                outcome: "already_frozen".into(),
                case_id: None,
                order_id: None,
                error: None,
            };
        }
        let report = NewReport {
            platform: action.platform.clone(),
            account: account.to_owned(),
            source: CaseSource::Network,
            reason: format!(
                "network freeze {} (case {}), approved by a second moderator",
                action.id, action.case_id
            ),
            deadline: None,
        };
        let case_id = match self.file_report(&report, &who.actor(), now).await {
            Ok(r) => r.case_id,
            Err(e) => return failed(e),
        };
        let input = DecisionInput {
            action: Action::Freeze,
            ground,
            note: format!("network freeze {}: {}", action.id, action.note),
            referral: None,
        };
        match self.decide_with(case_id, &input, who, now, false).await {
            Ok(d) => MemberOutcome {
                account: account.to_owned(),
                outcome: "frozen".into(),
                case_id: Some(case_id.0),
                order_id: d.order_id,
                error: None,
            },
            Err(e) => MemberOutcome {
                case_id: Some(case_id.0),
                ..failed(e)
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(a: usize, b: usize, kind: &str, value: &str, strength: Option<f64>) -> NewLink {
        NewLink {
            a: ("michat".into(), format!("acc{a}")),
            b: (
                if b.is_multiple_of(7) {
                    "other"
                } else {
                    "michat"
                }
                .into(),
                format!("acc{b}"),
            ),
            kind: kind.into(),
            value: value.into(),
            strength,
            item_a: format!("e{a}"),
            item_b: format!("e{b}-ü"),
        }
    }

    /// Batches of links as the linker sends them, and as a replay or a second report would:
    /// new links over several statements, stored links mixed with new ones (also twice in one
    /// statement), only stored links, an empty batch.
    fn batches() -> Vec<Vec<NewLink>> {
        let first: Vec<NewLink> = (0..250)
            .map(|i| match i % 3 {
                0 => link(i, i + 1, "phone", &format!("+62{i}"), None),
                1 => link(i, i + 2, "template", "", Some(0.5 + i as f64 / 1000.0)),
                _ => link(i, i + 3, "photo", "", Some((i % 9) as f64)),
            })
            .collect();
        let mut mixed = Vec::new();
        for (i, stored) in first.iter().enumerate().take(230) {
            if i.is_multiple_of(4) {
                mixed.push(stored.clone());
            } else {
                mixed.push(link(i + 1000, i, "telegram", &format!("@t{i}"), None));
            }
            if i % 50 == 7 {
                mixed.push(link(i + 1000, i, "telegram", &format!("@t{i}"), None));
            }
        }
        let all_stored: Vec<NewLink> = first[40..180].to_vec();
        let after: Vec<NewLink> = (0..120)
            .map(|i| link(i + 5000, i, "bank_account", &format!("{i}"), None))
            .collect();
        vec![first, mixed, all_stored, Vec::new(), after]
    }

    async fn record_with(counted: bool) -> Vec<Vec<LinkRow>> {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::open(&url).await.expect("open");
        let mut out = Vec::new();
        for (n, batch) in batches().iter().enumerate() {
            let now = 1_000 + n as i64;
            let rows = store
                .write_tx("commit links", async |tx| {
                    if counted {
                        insert_links_counted(tx, batch, now).await
                    } else {
                        insert_links_returning(tx, batch, now).await
                    }
                })
                .await
                .expect("record");
            out.push(rows);
        }
        store.close().await;
        out
    }

    /// A decision that arrives while the linker records a large page gets the writer after
    /// the part being written, not after the whole page; the page is still recorded whole.
    #[tokio::test]
    async fn a_waiting_writer_gets_in_between_parts_of_a_large_link_record() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::open(&url).await.expect("open");
        let total = 40 * LINKS_PER_PART;
        let links: Vec<NewLink> = (0..total)
            .map(|i| link(i, i + 1, "phone", &format!("+62{i}"), None))
            .collect();
        let recorder = {
            let store = store.clone();
            tokio::spawn(async move { store.record_links(&links, "system:linker", 1).await })
        };
        // Until the recorder holds the one write connection.
        while store.write.num_idle() > 0 {
            tokio::task::yield_now().await;
        }
        let mut tx = store.begin_write().await.expect("the writer");
        let seen: i64 = sqlx::query("SELECT COUNT(*) FROM links")
            .fetch_one(&mut *tx)
            .await
            .expect("count")
            .get(0);
        tx.rollback().await.expect("rollback");
        let rows = recorder.await.expect("join").expect("record");
        assert!(
            seen >= LINKS_PER_PART as i64 && seen < total as i64,
            "the waiting writer saw {seen} of {total} links: it waited for the whole page"
        );
        assert_eq!(rows.len(), total);
        assert!(rows.windows(2).all(|w| w[0].id < w[1].id));
        let stored: i64 = sqlx::query("SELECT COUNT(*) FROM links")
            .fetch_one(&store.read)
            .await
            .expect("count")
            .get(0);
        assert_eq!(stored, total as i64);
        // One audit entry per transaction, together naming every link.
        let audited: Vec<String> =
            sqlx::query("SELECT detail FROM audit WHERE action = 'network.linked'")
                .fetch_all(&store.read)
                .await
                .expect("audit")
                .iter()
                .map(|r| r.get(0))
                .collect();
        assert!(audited.len() >= 2, "{audited:?}");
        let sum: u64 = audited
            .iter()
            .map(|d| {
                serde_json::from_str::<serde_json::Value>(d).expect("json")["links"]
                    .as_u64()
                    .expect("links")
            })
            .sum();
        assert_eq!(sum, total as u64);
        store.close().await;
    }

    #[tokio::test]
    async fn counted_link_inserts_return_what_returning_does() {
        let counted = record_with(true).await;
        let mut returning = record_with(false).await;
        for rows in &mut returning {
            rows.sort_by_key(|l| l.id);
        }
        assert_eq!(counted, returning);
        let lens: Vec<usize> = counted.iter().map(Vec::len).collect();
        assert_eq!(lens, [250, 172, 0, 0, 120]);
    }
}
