//! Property tests: normalisation never panics, and every span maps back onto character
//! boundaries of the original text.

use proptest::prelude::*;
use saring_detect::normalize::normalize;
use saring_detect::{Detector, Model, PolicyPack, Scratch};
use std::sync::LazyLock;

/// A detector with the builtin pack and an all-zero model: the spans do not depend on the
/// model, and this keeps the test independent of the shipped one.
static DETECTOR: LazyLock<Detector> = LazyLock::new(|| {
    let pack = PolicyPack::builtin();
    Detector::new(pack.clone(), Model::zero(&pack, 8)).expect("the builtin pack compiles")
});

/// Text that looks like what the normaliser meets: ASCII, digits, separators, confusables,
/// emoji letters, zero-width characters, combining marks and anything else.
fn messy_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        "[a-zA-Z0-9 .\\-*_#@$,/]{0,8}",
        Just("🅾️".to_owned()),
        Just("🅱️".to_owned()),
        Just("\u{200b}".to_owned()),
        Just("\u{fe0f}".to_owned()),
        Just("\u{301}".to_owned()),
        Just("ｏｐｅｎ".to_owned()),
        Just("𝐉𝐔𝐍𝐈𝐎𝐑".to_owned()),
        Just("\u{43e}\u{440}".to_owned()),
        Just("½ﬁ".to_owned()),
        Just("\n\r\t".to_owned()),
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn spans_land_on_char_boundaries(text in messy_text(), a in 0usize..200, b in 0usize..200) {
        let norm = normalize(&text);
        let n = norm.as_str();
        // Pick a range on character boundaries of the normalised text.
        let bounds: Vec<usize> = n.char_indices().map(|(i, _)| i).chain([n.len()]).collect();
        let (x, y) = (bounds[a % bounds.len()], bounds[b % bounds.len()]);
        let (start, end) = (x.min(y), x.max(y));
        let (s, e) = norm.original_span(&text, start, end);
        prop_assert!(s <= e && e <= text.len());
        prop_assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
    }

    /// Normalising normalised text changes nothing, for words that do not collapse to a
    /// single letter (runs of single letters are joined, which is not idempotent by design:
    /// `a    a a` keeps its wide gap once, and the collapsed gap then joins).
    #[test]
    fn normalising_is_idempotent_on_ascii_words(
        text in "[a-z]{2,8}( {1,3}[a-z]{2,8}){0,6}".prop_filter(
            "every word keeps two different letters",
            |s| s.split(' ').all(|w| w.is_empty() || w.chars().any(|c| !w.starts_with(c))),
        )
    ) {
        let once = normalize(&text);
        let twice = normalize(once.as_str());
        prop_assert_eq!(once.as_str(), twice.as_str());
    }

    #[test]
    fn any_string_scores_with_valid_spans(text in any::<String>()) {
        let v = DETECTOR.score(&text, &mut Scratch::default());
        prop_assert!((0.0..=1.0).contains(&v.score));
        for s in &v.signals {
            prop_assert_eq!(&text[s.start..s.end], s.text);
        }
    }
}
