//! Snapshot tests of the shipped detector's verdicts on a small hand-written corpus that
//! includes the hard negatives (shops, rentals, gambling, news, scam warnings, health
//! outreach, quarrels). The snapshot records every verdict, right or wrong, so any change in
//! behaviour shows up in review; the assertion below bounds how many may be wrong.

use saring_detect::{Detector, Label, Scratch};

const CORPUS: &str = include_str!("../corpus/verdicts.txt");

#[test]
fn verdicts_on_the_hand_written_corpus() {
    let detector = Detector::builtin().expect("the shipped model loads");
    let mut scratch = Scratch::default();
    let mut report = String::new();
    let (mut total, mut wrong) = (0, 0);
    for (n, line) in CORPUS.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (expected, text) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("verdicts.txt line {}: no tab", n + 1));
        let text = text.replace("\\n", "\n");
        let v = detector.score(&text, &mut scratch);
        let got = v.label.as_str();
        assert!(
            expected == Label::Solicitation.as_str() || expected == Label::Benign.as_str(),
            "verdicts.txt line {}: unknown label {expected:?}",
            n + 1
        );
        total += 1;
        let mark = if got == expected {
            "ok  "
        } else {
            wrong += 1;
            "MISS"
        };
        let flags: Vec<&str> = v.flags.iter().map(|f| f.as_str()).collect();
        report.push_str(&format!(
            "{mark} {expected:<12} {:.2} [{}] {}\n",
            v.score,
            flags.join(","),
            text.replace('\n', " | ")
        ));
    }
    insta::assert_snapshot!(report);
    assert!(total >= 50, "the corpus has {total} items");
    assert!(
        wrong * 10 <= total,
        "{wrong} of {total} verdicts are wrong (at most 10% allowed):\n{report}"
    );
}
