//! Bearer-token authentication. Tokens are random (`srg_` + 32 bytes, base64url) and stored
//! only as their SHA-256, which is enough for secrets of that entropy and keeps look-ups cheap.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use rand::Rng as _;
use saring_core::audit::sha256_hex;
use saring_core::auth::Principal;

use super::AppState;
use super::error::ApiError;
use super::limits::{Bucket, retry_after_secs};

/// A new random token.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "srg_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// An argon2id PHC string for a console password.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("could not hash the password: {e}"))
}

/// What is stored for a token.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// The signed-in user, for handlers that need one.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "missing credentials: send the header `Authorization: Bearer <token>`".into(),
                )
            })?;
        let value = header.to_str().map_err(|_| {
            ApiError::Unauthorized("the Authorization header is not valid text".into())
        })?;
        let token = value
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
            })?;
        let found = state
            .store
            .token_user(&token_hash(token))
            .await?
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "the token is not recognised (mistyped, replaced, or the user was disabled)"
                        .into(),
                )
            })?;
        let ttl_days = state.config.auth.token_ttl_days;
        if ttl_days > 0 {
            let expires_at = found
                .issued_at
                .saturating_add(ttl_days.saturating_mul(saring_core::time::DAY_MS));
            if state.clock.now() >= expires_at {
                return Err(ApiError::Unauthorized(format!(
                    "the token expired on {} (tokens last {ttl_days} days); an admin issues a new one with `saring user token {}`",
                    saring_core::time::rfc3339(expires_at),
                    found.user.name
                )));
            }
        }
        let bucket = if parts.uri.path() == "/v1/events" {
            Bucket::Ingest
        } else {
            Bucket::Api
        };
        state
            .limits
            .check(bucket, found.user.id.0)
            .map_err(|wait| ApiError::TooManyRequests {
                retry_after_secs: retry_after_secs(wait),
            })?;
        Ok(Auth(found.user))
    }
}
