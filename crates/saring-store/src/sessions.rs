//! Console logins: password hashes (argon2 PHC strings, computed by the caller) and sessions
//! (stored as the SHA-256 of the cookie value, with their CSRF token and language).

use saring_core::auth::Principal;
use sqlx::Row;

use crate::audit::{AuditTx, record};
use crate::users::principal;
use crate::{Error, Result, Store};

/// A live console session.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who is signed in.
    pub user: Principal,
    /// The token every form must carry.
    pub csrf: String,
    /// `id` or `en`.
    pub lang: String,
}

impl Store {
    /// Sets the password hash (a PHC string) of the user called `name`.
    pub async fn set_password(&self, name: &str, phc: &str, actor: &str, now: i64) -> Result<()> {
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let row =
            sqlx::query("UPDATE users SET password_hash = $1 WHERE name = $2 RETURNING id, tenant")
                .bind(phc)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await
                .map_err(Error::db("set a password"))?
                .ok_or_else(|| Error::NotFound(format!("user {name:?}")))?;
        let g = Error::db("set a password");
        let id: i64 = row.try_get(0).map_err(g)?;
        let tenant: String = row.try_get(1).map_err(g)?;
        AuditTx::new()
            .append(
                &mut tx,
                record(
                    now,
                    actor,
                    &tenant,
                    "user.password_set",
                    format!("user:{id}"),
                    serde_json::json!({}),
                ),
            )
            .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        Ok(())
    }

    /// The user called `name` with their password hash, for signing in.
    pub async fn login_candidate(&self, name: &str) -> Result<Option<(Principal, Option<String>)>> {
        let row = sqlx::query("SELECT id, name, tenant, role, password_hash FROM users WHERE name = $1 AND disabled = 0")
            .bind(name)
            .fetch_optional(&self.read)
            .await
            .map_err(Error::db("look up a user"))?;
        let Some(row) = row else { return Ok(None) };
        let phc: Option<String> = row
            .try_get("password_hash")
            .map_err(Error::db("look up a user"))?;
        Ok(Some((principal(&row)?, phc)))
    }

    /// Starts a session for `user`; `id_hash` is the SHA-256 of the cookie value.
    pub async fn create_session(
        &self,
        id_hash: &str,
        user: &Principal,
        csrf: &str,
        lang: &str,
        now: i64,
        ttl_ms: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(Error::db("expire sessions"))?;
        sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf, lang, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id_hash)
            .bind(user.id.0)
            .bind(csrf)
            .bind(lang)
            .bind(now)
            .bind(now + ttl_ms)
            .execute(&mut *tx)
            .await
            .map_err(Error::db("start a session"))?;
        AuditTx::new()
            .append(
                &mut tx,
                record(
                    now,
                    &user.actor(),
                    &user.tenant,
                    "session.started",
                    format!("user:{}", user.id),
                    serde_json::json!({}),
                ),
            )
            .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        Ok(())
    }

    /// The live session whose cookie hashes to `id_hash`.
    pub async fn session(&self, id_hash: &str, now: i64) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT u.id, u.name, u.tenant, u.role, s.csrf, s.lang FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&self.read)
        .await
        .map_err(Error::db("read a session"))?;
        let Some(row) = row else { return Ok(None) };
        let g = Error::db("read a session");
        Ok(Some(Session {
            user: principal(&row)?,
            csrf: row.try_get("csrf").map_err(g)?,
            lang: row.try_get("lang").map_err(g)?,
        }))
    }

    /// Changes a session's language.
    pub async fn set_session_lang(&self, id_hash: &str, lang: &str) -> Result<()> {
        sqlx::query("UPDATE sessions SET lang = $1 WHERE id_hash = $2")
            .bind(lang)
            .bind(id_hash)
            .execute(&self.write)
            .await
            .map_err(Error::db("update a session"))?;
        Ok(())
    }

    /// Ends a session.
    pub async fn end_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.write)
            .await
            .map_err(Error::db("end a session"))?;
        Ok(())
    }
}
