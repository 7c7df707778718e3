//! Integration tests of the detector: properties of the normaliser and snapshot tests of
//! verdicts on a small hand-written corpus.

mod normalize_props;
mod verdicts;
