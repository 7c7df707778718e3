//! The domain's error type: the expected ways an operation on cases, decisions and appeals
//! can be refused.

use crate::case::{CaseAction, CaseStatus};

/// Result with the domain's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a domain operation was refused.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The case is not in a state where this action applies.
    #[error("a case that is {from} cannot be {action}")]
    InvalidTransition {
        /// The case's current status.
        from: CaseStatus,
        /// The action that was attempted.
        action: CaseAction,
    },
    /// A value failed validation.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field that was wrong.
        field: String,
        /// What was wrong with it.
        reason: String,
    },
}
