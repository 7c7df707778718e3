//! Users and their bearer tokens (stored only as SHA-256 hashes).

use saring_core::auth::{Principal, Role};
use saring_core::ids::UserId;
use serde::Serialize;
use sqlx::Row;

use crate::audit::{AuditTx, record};
use crate::{Error, Result, Store};

/// A user as listed (no token hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    /// Id.
    pub id: UserId,
    /// Name.
    pub name: String,
    /// Tenant.
    pub tenant: String,
    /// Role.
    pub role: Role,
}

/// A token's user and when the token was issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUser {
    /// The user.
    pub user: Principal,
    /// When the token was issued (ms since the epoch).
    pub issued_at: i64,
}

pub(crate) fn principal(r: &sqlx::any::AnyRow) -> Result<Principal> {
    let g = Error::db("read a user");
    let role: String = r.try_get("role").map_err(&g)?;
    Ok(Principal {
        id: UserId(r.try_get("id").map_err(&g)?),
        name: r.try_get("name").map_err(&g)?,
        tenant: r.try_get("tenant").map_err(&g)?,
        role: Role::parse(&role).ok_or_else(|| Error::Corrupt(format!("unknown role {role:?}")))?,
    })
}

impl Store {
    /// Creates a user whose token hashes to `token_hash`.
    pub async fn create_user(
        &self,
        name: &str,
        tenant: &str,
        role: Role,
        token_hash: &str,
        actor: &str,
        now: i64,
    ) -> Result<Principal> {
        if name.trim().is_empty() || name.len() > 64 {
            return Err(Error::Invalid {
                field: "name".into(),
                reason: "must be 1 to 64 characters".into(),
            });
        }
        let platform_tenant = !saring_core::auth::RESERVED_TENANTS.contains(&tenant);
        if platform_tenant && self.platform(tenant).await?.is_none() {
            return Err(Error::Invalid {
                field: "tenant".into(),
                reason: format!(
                    "no platform {tenant:?}; tenants are platform ids, regulator, police or system"
                ),
            });
        }
        let allowed = match role {
            Role::Admin | Role::Auditor => true,
            Role::Moderator => platform_tenant,
            Role::Regulator => tenant == saring_core::auth::REGULATOR,
            Role::Police => tenant == saring_core::auth::POLICE,
        };
        if !allowed {
            return Err(Error::Invalid {
                field: "role".into(),
                reason: format!("a {role} cannot belong to tenant {tenant}"),
            });
        }
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let row = sqlx::query("INSERT INTO users (name, tenant, role, token_hash, created_at, token_issued_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (name) DO NOTHING RETURNING id")
            .bind(name)
            .bind(tenant)
            .bind(role.as_str())
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await
            .map_err(Error::db("create a user"))?;
        let Some(row) = row else {
            return Err(Error::Conflict(format!(
                "a user named {name:?} already exists"
            )));
        };
        let id: i64 = row.try_get(0).map_err(Error::db("create a user"))?;
        AuditTx::new()
            .append(
                &mut tx,
                record(
                    now,
                    actor,
                    tenant,
                    "user.created",
                    format!("user:{id}"),
                    serde_json::json!({"role": role.as_str()}),
                ),
            )
            .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        Ok(Principal {
            id: UserId(id),
            name: name.to_owned(),
            tenant: tenant.to_owned(),
            role,
        })
    }

    /// The active user whose token hashes to `token_hash`.
    pub async fn user_by_token_hash(&self, token_hash: &str) -> Result<Option<Principal>> {
        Ok(self.token_user(token_hash).await?.map(|t| t.user))
    }

    /// The active user whose token hashes to `token_hash`, with when that token was issued
    /// (the caller decides whether it has expired).
    pub async fn token_user(&self, token_hash: &str) -> Result<Option<TokenUser>> {
        let row = sqlx::query(
            "SELECT id, name, tenant, role, COALESCE(token_issued_at, created_at) AS issued_at FROM users WHERE token_hash = $1 AND disabled = 0",
        )
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await
        .map_err(Error::db("look up a token"))?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(TokenUser {
            user: principal(&row)?,
            issued_at: row
                .try_get("issued_at")
                .map_err(Error::db("look up a token"))?,
        }))
    }

    /// How many users exist.
    pub async fn user_count(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&self.read)
            .await
            .map_err(Error::db("count users"))?;
        row.try_get::<i64, _>(0).map_err(Error::db("count users"))
    }

    /// Users of a tenant (all when `None`).
    pub async fn users(&self, tenant: Option<&str>) -> Result<Vec<UserRow>> {
        let rows = match tenant {
            Some(t) => {
                sqlx::query(
                    "SELECT id, name, tenant, role FROM users WHERE tenant = $1 ORDER BY id",
                )
                .bind(t)
                .fetch_all(&self.read)
                .await
            }
            None => {
                sqlx::query("SELECT id, name, tenant, role FROM users ORDER BY id")
                    .fetch_all(&self.read)
                    .await
            }
        }
        .map_err(Error::db("list users"))?;
        rows.iter()
            .map(|r| {
                principal(r).map(|p| UserRow {
                    id: p.id,
                    name: p.name,
                    tenant: p.tenant,
                    role: p.role,
                })
            })
            .collect()
    }

    /// Replaces the token of the user called `name`; `false` when there is no such user.
    pub async fn reset_token(
        &self,
        name: &str,
        token_hash: &str,
        actor: &str,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let row =
            sqlx::query("UPDATE users SET token_hash = $1, token_issued_at = $3 WHERE name = $2 RETURNING id, tenant")
                .bind(token_hash)
                .bind(name)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await
                .map_err(Error::db("reset a token"))?;
        let Some(row) = row else { return Ok(false) };
        let id: i64 = row.try_get(0).map_err(Error::db("reset a token"))?;
        let tenant: String = row.try_get(1).map_err(Error::db("reset a token"))?;
        AuditTx::new()
            .append(
                &mut tx,
                record(
                    now,
                    actor,
                    &tenant,
                    "user.token_reset",
                    format!("user:{id}"),
                    serde_json::json!({}),
                ),
            )
            .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        Ok(true)
    }

    /// Disables (or enables again) the user called `name`: a disabled user's token and
    /// console sessions are refused. `false` when there is no such user.
    pub async fn set_disabled(
        &self,
        name: &str,
        disabled: bool,
        actor: &str,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let row =
            sqlx::query("UPDATE users SET disabled = $1 WHERE name = $2 RETURNING id, tenant")
                .bind(i64::from(disabled))
                .bind(name)
                .fetch_optional(&mut *tx)
                .await
                .map_err(Error::db("disable a user"))?;
        let Some(row) = row else { return Ok(false) };
        let id: i64 = row.try_get(0).map_err(Error::db("disable a user"))?;
        let tenant: String = row.try_get(1).map_err(Error::db("disable a user"))?;
        let action = if disabled {
            "user.disabled"
        } else {
            "user.enabled"
        };
        AuditTx::new()
            .append(
                &mut tx,
                record(
                    now,
                    actor,
                    &tenant,
                    action,
                    format!("user:{id}"),
                    serde_json::json!({}),
                ),
            )
            .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        Ok(true)
    }
}
