//! What an evidence bundle holds, read in one go, and the audit entry that records each
//! export (with the manifest's hash, so a bundle rebuilt from scratch is caught).

use saring_core::audit::AuditEntry;
use saring_core::evidence::{Contents, Item};
use saring_core::ids::CaseId;
use sqlx::Row;

use crate::audit::{AuditTx, entry_from_row, record};
use crate::{Error, Result, Store, from_json};

impl Store {
    /// The contents of case `id`'s evidence bundle: the case with its history and reports,
    /// every item of the account as received (purged ones by hash), decisions with their
    /// statements of reasons, appeals, orders, and the audit entries about the case, its
    /// orders and its appeals. `None` when there is no such case.
    pub async fn evidence_contents(&self, id: CaseId) -> Result<Option<Contents>> {
        let Some(detail) = self.case_detail(id).await? else {
            return Ok(None);
        };
        let rows = sqlx::query("SELECT event_id, account, kind, ts, received_at, text, text_sha256, score, signals FROM events WHERE platform = $1 AND account = $2 ORDER BY ts, id")
            .bind(&detail.case.platform)
            .bind(&detail.case.account)
            .fetch_all(&self.read)
            .await
            .map_err(Error::db("read evidence items"))?;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            let g = || Error::db("read evidence items");
            items.push(Item {
                event_id: r.try_get(0).map_err(g())?,
                account: r.try_get(1).map_err(g())?,
                kind: r.try_get(2).map_err(g())?,
                ts: r.try_get(3).map_err(g())?,
                received_at: r.try_get(4).map_err(g())?,
                text: r.try_get(5).map_err(g())?,
                sha256: r.try_get(6).map_err(g())?,
                score: r.try_get(7).map_err(g())?,
                signals: from_json("events.signals", &r.try_get::<String, _>(8).map_err(g())?)?,
            });
        }
        let mut subjects = vec![format!("case:{id}")];
        subjects.extend(detail.orders.iter().map(|o| format!("order:{}", o.id)));
        subjects.extend(detail.appeals.iter().map(|a| format!("appeal:{}", a.id)));
        let mut audit: Vec<AuditEntry> = Vec::new();
        for s in &subjects {
            let rows = sqlx::query("SELECT * FROM audit WHERE subject = $1 ORDER BY seq")
                .bind(s)
                .fetch_all(&self.read)
                .await
                .map_err(Error::db("read the audit log"))?;
            for r in &rows {
                audit.push(entry_from_row(r).map_err(Error::db("read the audit log"))?);
            }
        }
        audit.sort_by_key(|e| e.seq);
        let to_value = |v: serde_json::Result<serde_json::Value>| {
            v.map_err(|e| Error::Corrupt(format!("cannot serialise evidence: {e}")))
        };
        Ok(Some(Contents {
            case_id: id.0,
            case: to_value(serde_json::to_value(serde_json::json!({
                "case": detail.case,
                "history": detail.history,
                "reports": detail.reports,
            })))?,
            items,
            decisions: to_value(serde_json::to_value(&detail.decisions))?,
            appeals: to_value(serde_json::to_value(&detail.appeals))?,
            orders: to_value(serde_json::to_value(&detail.orders))?,
            audit,
        }))
    }

    /// Records that case `id`'s evidence was exported, with the bundle's manifest hash.
    pub async fn record_evidence_export(
        &self,
        id: CaseId,
        platform: &str,
        manifest_sha256: &str,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        AuditTx::new()
            .append(
                &mut tx,
                record(
                    now,
                    actor,
                    platform,
                    "evidence.exported",
                    format!("case:{id}"),
                    serde_json::json!({"manifest_sha256": manifest_sha256}),
                ),
            )
            .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        Ok(())
    }
}
