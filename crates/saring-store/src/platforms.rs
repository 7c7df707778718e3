//! Platforms: the tenants whose content Saring reviews, with their webhook and threshold.

use saring_core::event::validate_platform_id;
use serde::Serialize;
use sqlx::Row;

use crate::audit::{AuditTx, record};
use crate::{Error, Result, Store, from_json, to_json};

/// A platform as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Platform {
    /// Its id, such as `michat`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Where enforcement orders are delivered; none until the platform connects.
    pub webhook_url: Option<String>,
    /// Signing secrets (`whsec_…`), newest first. Never serialised.
    #[serde(skip)]
    pub webhook_secrets: Vec<String>,
    /// How many signing secrets are active.
    pub webhook_secret_count: usize,
    /// An account score at or above this opens a case.
    pub case_threshold: f64,
    /// When it was created (ms).
    pub created_at: i64,
}

/// Changes to a platform's settings; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PlatformUpdate {
    /// New display name.
    pub name: Option<String>,
    /// New webhook URL (`Some(None)` disconnects).
    pub webhook_url: Option<Option<String>>,
    /// A new secret to sign with, put first; older ones stay until removed.
    pub add_secret: Option<String>,
    /// Keep only the newest N secrets (ends a rotation).
    pub keep_secrets: Option<usize>,
    /// New case threshold.
    pub case_threshold: Option<f64>,
}

fn platform_from_row(r: &sqlx::any::AnyRow) -> Result<Platform> {
    let g = Error::db("read a platform");
    let secrets: String = r.try_get("webhook_secrets").map_err(&g)?;
    let webhook_secrets: Vec<String> = from_json("platforms.webhook_secrets", &secrets)?;
    Ok(Platform {
        id: r.try_get("id").map_err(&g)?,
        name: r.try_get("name").map_err(&g)?,
        webhook_url: r.try_get("webhook_url").map_err(&g)?,
        webhook_secret_count: webhook_secrets.len(),
        webhook_secrets,
        case_threshold: r.try_get("case_threshold").map_err(&g)?,
        created_at: r.try_get("created_at").map_err(&g)?,
    })
}

fn check_threshold(t: f64) -> Result<()> {
    if (0.0..=1.0).contains(&t) {
        Ok(())
    } else {
        Err(Error::Invalid {
            field: "case_threshold".into(),
            reason: format!("must be between 0 and 1, got {t}"),
        })
    }
}

impl Store {
    /// Creates a platform.
    pub async fn create_platform(
        &self,
        id: &str,
        name: &str,
        case_threshold: f64,
        actor: &str,
        now: i64,
    ) -> Result<Platform> {
        validate_platform_id(id).map_err(|reason| Error::Invalid {
            field: "id".into(),
            reason,
        })?;
        if saring_core::auth::RESERVED_TENANTS.contains(&id) {
            return Err(Error::Invalid {
                field: "id".into(),
                reason: format!("{id} is a reserved tenant name"),
            });
        }
        check_threshold(case_threshold)?;
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let done = sqlx::query("INSERT INTO platforms (id, name, case_threshold, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (id) DO NOTHING")
            .bind(id)
            .bind(name)
            .bind(case_threshold)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(Error::db("create a platform"))?;
        if done.rows_affected() == 0 {
            return Err(Error::Conflict(format!("platform {id} already exists")));
        }
        AuditTx::new()
            .append(
                &mut tx,
                record(
                    now,
                    actor,
                    id,
                    "platform.created",
                    format!("platform:{id}"),
                    serde_json::json!({"case_threshold": case_threshold}),
                ),
            )
            .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        self.platform(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("platform {id}")))
    }

    /// One platform.
    pub async fn platform(&self, id: &str) -> Result<Option<Platform>> {
        let row = sqlx::query("SELECT * FROM platforms WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(Error::db("read a platform"))?;
        row.as_ref().map(platform_from_row).transpose()
    }

    /// All platforms, by id.
    pub async fn platforms(&self) -> Result<Vec<Platform>> {
        let rows = sqlx::query("SELECT * FROM platforms ORDER BY id")
            .fetch_all(&self.read)
            .await
            .map_err(Error::db("list platforms"))?;
        rows.iter().map(platform_from_row).collect()
    }

    /// Changes a platform's settings; the audit entry names what changed, never a secret.
    pub async fn update_platform(
        &self,
        id: &str,
        update: PlatformUpdate,
        actor: &str,
        now: i64,
    ) -> Result<Platform> {
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let row = sqlx::query("SELECT * FROM platforms WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(Error::db("read a platform"))?;
        let mut p = row
            .as_ref()
            .map(platform_from_row)
            .transpose()?
            .ok_or_else(|| Error::NotFound(format!("platform {id}")))?;
        let mut changed = Vec::new();
        if let Some(name) = update.name {
            p.name = name;
            changed.push("name");
        }
        if let Some(url) = update.webhook_url {
            p.webhook_url = url;
            changed.push("webhook_url");
        }
        if let Some(secret) = update.add_secret {
            p.webhook_secrets.insert(0, secret);
            changed.push("webhook_secrets.added");
        }
        if let Some(keep) = update.keep_secrets {
            if keep == 0 {
                return Err(Error::Invalid {
                    field: "keep_secrets".into(),
                    reason: "at least one secret must stay".into(),
                });
            }
            p.webhook_secrets.truncate(keep);
            changed.push("webhook_secrets.retired");
        }
        if let Some(t) = update.case_threshold {
            check_threshold(t)?;
            p.case_threshold = t;
            changed.push("case_threshold");
        }
        sqlx::query("UPDATE platforms SET name = $1, webhook_url = $2, webhook_secrets = $3, case_threshold = $4, updated_at = $5 WHERE id = $6")
            .bind(&p.name)
            .bind(&p.webhook_url)
            .bind(to_json(&p.webhook_secrets))
            .bind(p.case_threshold)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(Error::db("update a platform"))?;
        AuditTx::new()
            .append(
                &mut tx,
                record(
                    now,
                    actor,
                    id,
                    "platform.updated",
                    format!("platform:{id}"),
                    serde_json::json!({"changed": changed}),
                ),
            )
            .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        p.webhook_secret_count = p.webhook_secrets.len();
        Ok(p)
    }
}
