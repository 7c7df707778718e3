//! The benchmark corpus, shared by the criterion benchmark and the instruction-count harness:
//! texts from ../shared/data (with obfuscated copies) when it is there, else a built-in
//! sample.

use rand::{RngExt, SeedableRng};
use saring_detect::obfuscate::{Style, obfuscate};

/// The benchmark's texts, in a fixed order (the obfuscated copies are seeded).
pub fn texts() -> Vec<String> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");
    let mut out = Vec::new();
    for file in [
        "nbc-twitter/dev-manual.jsonl",
        "sms-spam-id/sms.jsonl",
        "judol-comments/comments.jsonl",
    ] {
        let Ok(data) = std::fs::read_to_string(format!("{root}/{file}")) else {
            continue;
        };
        for line in data.lines().take(2000) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(line)
                && let Some(t) = v["text"].as_str()
            {
                out.push(t.to_owned());
            }
        }
    }
    if out.is_empty() {
        out = [
            "0p3n b0 ready kalcit, ST 500 LT 1,2jt, wa 0812 8845 1290",
            "ready stock gamis, COD, WA 0812 3456 7890",
            "Disewakan apartemen Kalibata City harian",
            "Polisi gerebek praktik prostitusi online di apartemen",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let n = out.len();
    for i in 0..n / 3 {
        let style = Style::ALL[rng.random_range(0..Style::ALL.len())];
        let o = obfuscate(&out[i * 3], style, &mut rng);
        out.push(o);
    }
    out
}
