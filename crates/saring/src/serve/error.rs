//! The HTTP API's one error type. 4xx bodies say exactly what was wrong; 5xx bodies stay
//! generic and the details go to the log.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use saring_core::auth::Denied;
use serde_json::json;

/// An error answer.
#[derive(Debug)]
pub enum ApiError {
    /// 400: the request could not be read.
    BadRequest(String),
    /// 401: no usable credentials.
    Unauthorized(String),
    /// 403: the credentials do not allow this.
    Forbidden(String),
    /// 404: no such thing (or not yours).
    NotFound(String),
    /// 409: conflicts with the current state.
    Conflict(String),
    /// 413: the body is over the limit.
    TooLarge(String),
    /// 422: a field had a value that cannot be accepted.
    Invalid {
        /// The field.
        field: String,
        /// Why.
        reason: String,
    },
    /// 429: this token sent too many requests; retry after the given seconds.
    TooManyRequests {
        /// Seconds until a request will be accepted again.
        retry_after_secs: u64,
    },
    /// 503: the store is unreachable or busy; nothing was changed, retry.
    Unavailable,
    /// 507: the store's disk is full; nothing was changed, retry once space is freed.
    InsufficientStorage,
    /// 500: a bug or a failure the client cannot act on.
    Internal(anyhow::Error),
}

/// Result with [`ApiError`].
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The status code.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// 422 for `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<Denied> for ApiError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::Forbidden(msg) => Self::Forbidden(msg),
            Denied::NotFound => Self::NotFound("no such resource".into()),
        }
    }
}

impl From<saring_store::Error> for ApiError {
    fn from(e: saring_store::Error) -> Self {
        use saring_store::Error as E;
        match e {
            E::NotFound(what) => Self::NotFound(format!("{what} not found")),
            E::Conflict(msg) => Self::Conflict(msg),
            E::Invalid { field, reason } => Self::Invalid { field, reason },
            E::Domain(d) => Self::Conflict(d.to_string()),
            // Before the transient check: PostgreSQL's disk_full is in class 53 too.
            e if e.is_storage_full() => {
                tracing::error!(error = %e, "the store's disk is full");
                Self::InsufficientStorage
            }
            e if e.is_transient() => {
                tracing::warn!(error = %e, "store unavailable");
                Self::Unavailable
            }
            e => Self::Internal(e.into()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let retry_after = match &self {
            Self::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let body = match self {
            Self::TooManyRequests { retry_after_secs } => {
                json!({"error": {"status": 429, "message": format!("too many requests for this token; retry after {retry_after_secs} s (limits are per token, see [limits])"), "retry_after_secs": retry_after_secs}})
            }
            Self::Invalid { field, reason } => {
                json!({"error": {"status": status.as_u16(), "message": format!("{field}: {reason}"), "field": field, "reason": reason}})
            }
            Self::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "internal error");
                json!({"error": {"status": 500, "message": "internal error; the details are in the server log"}})
            }
            Self::Unavailable => {
                json!({"error": {"status": 503, "message": "the store is unavailable; nothing was changed, retry later"}})
            }
            Self::InsufficientStorage => {
                json!({"error": {"status": 507, "message": "the store's disk is full; nothing was changed, retry once space is freed"}})
            }
            Self::BadRequest(m)
            | Self::Unauthorized(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Conflict(m)
            | Self::TooLarge(m) => {
                json!({"error": {"status": status.as_u16(), "message": m}})
            }
        };
        let mut resp = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}
