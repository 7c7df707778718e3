//! The detector's error type.

/// Everything that can go wrong while loading a policy pack or a model, or training one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The policy pack is not valid TOML or does not have the expected shape.
    #[error("policy pack is not valid: {0}")]
    PolicySyntax(String),
    /// A rule in the policy pack is wrong; `rule` names it.
    #[error("policy pack rule `{rule}`: {reason}")]
    PolicyRule {
        /// The rule's name (or its position when it has none).
        rule: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The model bytes could not be decoded.
    #[error("model is not valid: {0}")]
    ModelFormat(String),
    /// The model was built for a different feature layout than this build computes.
    #[error("model is incompatible: {0}")]
    ModelIncompatible(String),
    /// Training could not run (for example, no examples of one class).
    #[error("cannot train: {0}")]
    Training(String),
}

/// Result with the detector's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
