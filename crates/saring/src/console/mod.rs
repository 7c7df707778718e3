//! The web console: server-rendered pages for moderators (and the other roles) on top of the
//! same store and authorisation policy as the API.
//!
//! Pages are compiled askama templates with auto-escaping — reviewers look at hostile text all
//! day, so no HTML is ever built from strings. Sign-in is by username and password (argon2);
//! the session cookie is `HttpOnly`, `SameSite=Strict`, and `Secure` behind TLS; every form
//! carries a CSRF token checked in constant time. Assets are embedded in the binary; the only
//! script adds keyboard navigation and makes the blur toggle instant — every page works
//! without it.

pub(crate) mod charts;
mod dashboard;
mod highlight;
mod i18n;
mod pages;
mod reports;
mod requests;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use saring_core::audit::sha256_hex;
use saring_store::Session;
use serde::{Deserialize, Serialize};
use tower_http::set_header::SetResponseHeaderLayer as Set;

use crate::serve::AppState;
pub use i18n::Lang;

/// The session cookie's name.
const SESSION_COOKIE: &str = "saring_session";
/// The pre-login CSRF cookie's name (double-submit).
const LOGIN_CSRF_COOKIE: &str = "saring_login";
/// The blur preference's cookie (`1`: content text blurred). Not `HttpOnly`: the script sets
/// it too, so the toggle is instant; it holds nothing secret.
const BLUR_COOKIE: &str = "saring_blur";

/// The console's settings (`[console]` in `saring.toml`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// The dashboard's per-location table withholds every count below this many (and whole
    /// rows of fewer accounts), so no small group can be singled out. At least 2.
    pub k_anonymity: i64,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self { k_anonymity: 5 }
    }
}

impl ConsoleConfig {
    /// Every problem with the settings.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if !(2..=1000).contains(&self.k_anonymity) {
            p.push(format!(
                "console.k_anonymity must be from 2 to 1000, not {}",
                self.k_anonymity
            ));
        }
        p
    }
}

/// The console's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/lang", post(pages::set_lang))
        .route("/blur", post(pages::set_blur))
        .route("/queue", get(pages::queue))
        .route("/dashboard", get(dashboard::dashboard))
        .route(
            "/requests",
            get(requests::requests).post(requests::file_request),
        )
        .route("/incoming-requests", get(requests::incoming))
        .route("/request-items/{id}/reject", post(requests::reject_item))
        .route("/compliance", get(requests::compliance))
        .route("/protection", get(requests::protection))
        .route("/cases/{id}", get(pages::case))
        .route("/cases/{id}/claim", post(pages::claim))
        .route("/cases/{id}/release", post(pages::release))
        .route("/cases/{id}/decision", post(pages::decide))
        .route(
            "/cases/{id}/network-freeze",
            post(pages::propose_network_freeze),
        )
        .route("/network-actions/{id}", post(pages::decide_network_action))
        .route("/appeals", get(pages::appeals))
        .route("/appeals/{id}/decision", post(pages::decide_appeal))
        .route("/audit", get(pages::audit))
        .route("/reports/transparency.csv", get(reports::transparency_csv))
        .route(
            "/reports/statements.ndjson",
            get(reports::statements_ndjson),
        )
        .route("/reports/locations.csv", get(reports::locations_csv))
        .route(
            "/assets/console.css",
            get(|| async {
                asset(
                    "text/css; charset=utf-8",
                    include_str!("../../assets/console.css"),
                )
            }),
        )
        .route(
            "/assets/console.js",
            get(|| async {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../../assets/console.js"),
                )
            }),
        )
        // Every console response (pages, redirects, errors, assets) carries the security
        // headers; `Cache-Control: no-store` unless the response set its own (assets cache).
        .layer(Set::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(Set::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(Set::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(Set::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(Set::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// The content security policy of every console response: nothing inline, nothing from
/// elsewhere, no images, no framing.
pub const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// A cookie's value from the request.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether the request reached us over TLS (directly or through a proxy that says so).
fn is_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        == Some("https")
}

/// A `Set-Cookie` value.
fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Compares two strings in constant time.
fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The answer to a form without this session's CSRF token.
pub fn csrf_refused() -> Response {
    (
        axum::http::StatusCode::FORBIDDEN,
        "the form expired or did not come from this console; reload the page",
    )
        .into_response()
}

/// The signed-in console user; pages without one redirect to the login form.
pub struct Console {
    /// The session.
    pub session: Session,
    /// SHA-256 of the cookie value (the session's key).
    pub id_hash: String,
    /// Whether content text is blurred (the blur cookie).
    pub blur: bool,
}

impl Console {
    /// The session's language.
    pub fn lang(&self) -> Lang {
        Lang::parse(&self.session.lang)
    }

    /// Whether a form's CSRF token is this session's.
    pub fn csrf_ok(&self, token: &str) -> bool {
        same(token, &self.session.csrf)
    }
}

impl FromRequestParts<AppState> for Console {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let to_login = || Redirect::to("/login").into_response();
        let value = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(to_login)?;
        let id_hash = sha256_hex(value.as_bytes());
        let session = state
            .store
            .session(&id_hash, state.clock.now())
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "could not read a session");
                (
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    "the store is unavailable",
                )
                    .into_response()
            })?;
        let session = session.ok_or_else(to_login)?;
        let blur = cookie(&parts.headers, BLUR_COOKIE) == Some("1");
        Ok(Console {
            session,
            id_hash,
            blur,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies_and_compares_tokens() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; saring_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
        assert!(set_cookie("x", "y", 10, true).ends_with("; Secure"));
        assert!(set_cookie("x", "y", 10, false).contains("HttpOnly; SameSite=Strict"));
    }
}
