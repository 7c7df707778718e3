//! Appending to and reading the hash-chained audit log.

use saring_core::audit::{AuditEntry, AuditRecord, ChainBreak, Verifier, chain};
use sqlx::{AnyConnection, Row};

use crate::conn::Conn;
use crate::{Error, Result, Store};

/// The PostgreSQL advisory lock key that serialises audit appends (any constant unique to
/// Saring; "SARING" in ASCII).
const AUDIT_CHAIN_LOCK: i64 = 0x5341_5249_4e47;

/// Appends audit entries inside a transaction, reading the chain's head once. On PostgreSQL
/// the first append takes a transaction-scoped advisory lock, held until commit or rollback,
/// so concurrent writers extend one chain one after the other.
#[derive(Debug, Default)]
pub struct AuditTx {
    head: Option<Option<(i64, String)>>,
}

impl AuditTx {
    /// A fresh appender; the head is read on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one entry within the transaction `conn` is in and returns its sequence number.
    pub async fn append(&mut self, conn: &mut AnyConnection, record: AuditRecord) -> Result<i64> {
        self.append_many(conn, vec![record]).await?;
        Ok(self
            .head
            .as_ref()
            .and_then(|h| h.as_ref())
            .map_or(0, |(seq, _)| *seq))
    }

    /// Appends several entries with one multi-row insert, chained in order.
    pub async fn append_many(
        &mut self,
        conn: &mut AnyConnection,
        records: Vec<AuditRecord>,
    ) -> Result<()> {
        self.append_many_to(&mut Conn::Any(conn), records).await
    }

    /// [`AuditTx::append_many`] on either kind of write connection (ingest writes through
    /// the concrete SQLite driver).
    pub(crate) async fn append_many_to(
        &mut self,
        conn: &mut Conn<'_>,
        records: Vec<AuditRecord>,
    ) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        if self.head.is_none() {
            if conn.backend() == crate::Backend::Postgres {
                // One chain under concurrent writers: whoever appends holds this lock until
                // its transaction ends, so the head read below stays the head until the commit.
                conn.fixed("SELECT pg_advisory_xact_lock($1)")
                    .int(AUDIT_CHAIN_LOCK)
                    .execute(conn)
                    .await
                    .map_err(Error::db("lock the audit chain"))?;
            }
            let row = conn
                .fixed("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
                .fetch_optional(conn)
                .await
                .map_err(Error::db("read the audit head"))?;
            let g = Error::db("read the audit head");
            self.head = Some(match row {
                Some(r) => Some((r.int(0).map_err(g)?, r.str(1).map_err(g)?.to_owned())),
                None => None,
            });
        }
        let mut entries = Vec::with_capacity(records.len());
        for record in records {
            let prev = self
                .head
                .as_ref()
                .and_then(|h| h.as_ref())
                .map(|(s, h)| (*s, h.as_str()));
            let e = chain(prev, record);
            self.head = Some(Some((e.seq, e.hash.clone())));
            entries.push(e);
        }
        for chunk in entries.chunks(200) {
            let sql = format!(
                "INSERT INTO audit (seq, at, actor, tenant, action, subject, detail, prev_hash, hash) VALUES {}",
                crate::ingest::placeholders(chunk.len(), 9)
            );
            let mut q = conn.query(sql);
            for e in chunk {
                q = q
                    .int(e.seq)
                    .int(e.record.at)
                    .text(&e.record.actor)
                    .text(&e.record.tenant)
                    .text(&e.record.action)
                    .text(&e.record.subject)
                    .text(&e.record.detail)
                    .text(&e.prev_hash)
                    .text(&e.hash);
            }
            q.execute(conn)
                .await
                .map_err(Error::db("append to the audit log"))?;
        }
        Ok(())
    }
}

/// Builds an audit record.
pub(crate) fn record(
    at: i64,
    actor: &str,
    tenant: &str,
    action: &str,
    subject: String,
    detail: serde_json::Value,
) -> AuditRecord {
    AuditRecord {
        at,
        actor: actor.to_owned(),
        tenant: tenant.to_owned(),
        action: action.to_owned(),
        subject,
        detail: detail.to_string(),
    }
}

pub(crate) fn entry_from_row(
    r: &sqlx::any::AnyRow,
) -> std::result::Result<AuditEntry, sqlx::Error> {
    Ok(AuditEntry {
        seq: r.try_get("seq")?,
        record: AuditRecord {
            at: r.try_get("at")?,
            actor: r.try_get("actor")?,
            tenant: r.try_get("tenant")?,
            action: r.try_get("action")?,
            subject: r.try_get("subject")?,
            detail: r.try_get("detail")?,
        },
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

impl Store {
    /// Up to `limit` entries after `after_seq`, oldest first; only `tenant`'s entries when given.
    pub async fn audit_entries(
        &self,
        after_seq: i64,
        limit: i64,
        tenant: Option<&str>,
    ) -> Result<Vec<AuditEntry>> {
        let rows = match tenant {
            Some(t) => {
                sqlx::query(
                    "SELECT * FROM audit WHERE seq > $1 AND tenant = $2 ORDER BY seq LIMIT $3",
                )
                .bind(after_seq)
                .bind(t)
                .bind(limit)
                .fetch_all(&self.read)
                .await
            }
            None => {
                sqlx::query("SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2")
                    .bind(after_seq)
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await
            }
        }
        .map_err(Error::db("read the audit log"))?;
        rows.iter()
            .map(entry_from_row)
            .collect::<std::result::Result<_, _>>()
            .map_err(Error::db("read the audit log"))
    }

    /// The latest `limit` entries, newest first.
    pub async fn audit_latest(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query("SELECT * FROM audit ORDER BY seq DESC LIMIT $1")
            .bind(limit.clamp(1, 1000))
            .fetch_all(&self.read)
            .await
            .map_err(Error::db("read the audit log"))?;
        rows.iter()
            .map(entry_from_row)
            .collect::<std::result::Result<_, _>>()
            .map_err(Error::db("read the audit log"))
    }

    /// Walks the whole chain. `Ok(Ok((count, head)))` when it is intact; `Ok(Err(break))`
    /// naming the first entry that does not fit.
    pub async fn verify_audit(&self) -> Result<std::result::Result<(i64, String), ChainBreak>> {
        let mut v = Verifier::default();
        let mut after = 0;
        loop {
            let page = self.audit_entries(after, 2000, None).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for e in &page {
                if let Err(b) = v.check(e) {
                    return Ok(Err(b));
                }
            }
        }
        Ok(Ok((v.count(), v.head().to_owned())))
    }
}
