//! Saring's detector: scores Indonesian chat and social content for commercial-sex
//! solicitation, robust to the obfuscations people use, and explains every score with
//! evidence spans that point into the text the author actually wrote.
//!
//! The pipeline is: [`normalize`] (NFKC, confusables, zero-width, leetspeak, split and
//! stretched letters, with a byte map back to the original) → [`signals`] (the terms and
//! patterns of a [`policy`] pack, matched on the normalised text) → [`features`] (signals plus
//! hashed character n-grams) → [`model`] (logistic regression) → a [`Verdict`].
//!
//! **Invariant:** this crate does no I/O. Callers hand it text and bytes; it hands back
//! values. That keeps it fast to test, fuzzable, and usable for offline scoring.

pub mod detector;
mod error;
pub mod features;
pub mod model;
pub mod normalize;
pub mod obfuscate;
pub mod policy;
pub mod signals;
mod terms;

pub use detector::{Contribution, Detector, Explanation, Flag, Label, Scratch, Signal, Verdict};
pub use error::{Error, Result};
pub use model::{Model, Platt, TrainOptions, TrainReport};
pub use normalize::{Normalized, Normalizer};
pub use policy::{Family, PolicyPack};
