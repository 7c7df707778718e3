//! Detector throughput: normalise + signals alone, and the full score with the model, over
//! texts from ../shared/data (with obfuscated copies) when it is there, else a built-in
//! sample. Reported as items per second on one thread.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use saring_detect::{Detector, Scratch};

mod common;
use common::texts;

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
