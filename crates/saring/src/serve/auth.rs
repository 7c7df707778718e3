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
        let principal = state
            .store
            .user_by_token_hash(&token_hash(token))
            .await?
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "the token is not recognised (mistyped, or the user was removed)".into(),
                )
            })?;
        Ok(Auth(principal))
    }
}
