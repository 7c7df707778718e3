//! The normaliser on arbitrary text: it never panics, every byte of the normalised text maps
//! back to a character boundary of the original, every span it maps back is a valid slice of
//! the original, and a reused `Normalizer` gives the same answer as a fresh one.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use saring_detect::normalize::{Normalized, Normalizer, normalize};

thread_local! {
    /// Reused across inputs, as the scorer reuses it: scratch state must never leak.
    static REUSED: RefCell<(Normalizer, Normalized)> = RefCell::default();
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text: &str = &text;
    let norm = normalize(text);
    let n = norm.as_str();

    REUSED.with(|r| {
        let (normalizer, out) = &mut *r.borrow_mut();
        normalizer.normalize_into(text, out);
        assert_eq!(out.as_str(), n, "a reused normaliser must give the fresh answer");
        for i in 0..n.len() {
            assert_eq!(out.source_offset(i), norm.source_offset(i));
        }
    });

    for i in 0..n.len() {
        let o = norm.source_offset(i);
        assert!(o < text.len(), "byte {i} maps to {o}, past the original's end");
        assert!(text.is_char_boundary(o), "byte {i} maps inside a character");
    }

    // Spans over character boundaries of the normalised text (bounded, so long inputs stay fast).
    let bounds: Vec<usize> = n.char_indices().map(|(i, _)| i).chain([n.len()]).collect();
    let step = (bounds.len() / 32).max(1);
    for (k, &start) in bounds.iter().enumerate().step_by(step) {
        for &end in bounds[k..].iter().take(4) {
            let (s, e) = norm.original_span(text, start, end);
            assert!(s <= e && e <= text.len(), "span {start}..{end} -> {s}..{e}");
            assert!(text.get(s..e).is_some(), "span {start}..{end} -> {s}..{e} is no slice");
        }
    }
    // And ranges that are not on boundaries or are out of range: still a valid slice.
    for &(a, b) in &[(0, usize::MAX), (n.len(), n.len() + 3), (1, 0), (n.len() / 2, n.len() / 3)] {
        let (s, e) = norm.original_span(text, a, b);
        assert!(text.get(s..e).is_some(), "span {a}..{b} -> {s}..{e} is no slice");
    }
});
