//! The scorer on arbitrary text with the shipped pack and model: no panic, a finite score in
//! [0, 1], and every signal's span is a valid slice of the original that equals its `text`.
#![no_main]

use std::cell::RefCell;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use saring_detect::{Detector, Scratch};

static DETECTOR: LazyLock<Detector> =
    LazyLock::new(|| Detector::builtin().expect("the shipped pack and model load"));

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text: &str = &text;
    SCRATCH.with(|s| {
        let scratch = &mut *s.borrow_mut();
        let v = DETECTOR.score(text, scratch);
        assert!(
            v.score.is_finite() && (0.0..=1.0).contains(&v.score),
            "score {} out of [0, 1]",
            v.score
        );
        let mut last = 0;
        for sig in &v.signals {
            assert!(sig.start <= sig.end && sig.end <= text.len(), "{sig:?}");
            assert_eq!(text.get(sig.start..sig.end), Some(sig.text), "{sig:?}");
            assert!(sig.start >= last, "signals come in text order: {:?}", v.signals);
            last = sig.start;
        }
        // The explanation walks the same text through every term of the model.
        let e = DETECTOR.explain(text);
        assert!(
            (e.verdict.score - v.score).abs() < 1e-4,
            "explain says {}, score says {}",
            e.verdict.score,
            v.score
        );
        serde_json::to_string(&e.verdict.signals).expect("signals serialise");
    });
});
