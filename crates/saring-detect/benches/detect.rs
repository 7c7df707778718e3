//! Detector throughput: normalise + signals alone, and the full score with the model, over
//! texts from ../shared/data (with obfuscated copies) when it is there, else a built-in
//! sample. Reported as items per second on one thread.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng};
use saring_detect::obfuscate::{Style, obfuscate};
use saring_detect::{Detector, Scratch};

fn texts() -> Vec<String> {
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

fn bench(c: &mut Criterion) {
    let detector = Detector::builtin().expect("the shipped model loads");
    let texts = texts();
    let bytes: usize = texts.iter().map(String::len).sum();
    eprintln!(
        "{} texts, {:.0} bytes on average",
        texts.len(),
        bytes as f64 / texts.len() as f64
    );
    let mut group = c.benchmark_group("detector");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("normalise+signals", |b| {
        let mut scratch = Scratch::default();
        b.iter(|| {
            for t in &texts {
                black_box(detector.signals_only(black_box(t), &mut scratch));
            }
        });
    });
    group.bench_function("score (normalise+signals+model)", |b| {
        let mut scratch = Scratch::default();
        b.iter(|| {
            for t in &texts {
                black_box(detector.score(black_box(t), &mut scratch).score);
            }
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
