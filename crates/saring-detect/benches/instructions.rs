//! A fixed workload for instruction counts, which stay comparable on a busy machine where
//! wall-clock figures do not. It scores the benchmark corpus (see `common`) a given number
//! of times on one thread:
//!
//! ```sh
//! cargo bench -p saring-detect --bench instructions --no-run   # prints the binary's path
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null BIN MODE 1
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null BIN MODE 3
//! ```
//!
//! MODE is `normalise`, `signals` (normalise + signals) or `score` (the full score with the
//! model). Instructions per item in the steady state = (instructions of the second run −
//! those of the first) ÷ (2 × the number of texts, which the harness prints): the difference
//! leaves out loading the corpus, compiling the detector and the lazy DFAs' first pass. A
//! third argument, `ascii` or `other`, keeps only the plain ASCII texts or the others.
//!
//! Other modes: `dump` prints, for every text and 300,000 generated ones, the normalised
//! text, its map, the signals and the score's bits (diff two builds' dumps to check that a
//! speed change changed nothing); `regexes` times the matcher of each pack regex alone, and
//! of all the term rules, over the normalised corpus (wall clock); `ac` compares kinds of
//! Aho-Corasick automata over the pack's terms (wall clock). Under `cargo bench` it runs one
//! pass of each scoring mode as a smoke test.

use std::hint::black_box;

use saring_detect::{Detector, Normalized, Normalizer, Scratch};

mod common;
use common::texts;

fn run(detector: &Detector, texts: &[String], mode: &str, passes: usize) -> usize {
    let mut scratch = Scratch::default();
    let mut normalizer = Normalizer::default();
    let mut normalized = Normalized::default();
    let mut sum = 0usize;
    for _ in 0..passes {
        for t in texts {
            sum += match mode {
                "normalise" => {
                    normalizer.normalize_into(black_box(t), &mut normalized);
                    normalized.as_str().len()
                }
                "signals" => detector.signals_only(black_box(t), &mut scratch),
                "score" => detector.score(black_box(t), &mut scratch).signals.len(),
                other => {
                    eprintln!("unknown mode {other:?}: normalise, signals or score");
                    std::process::exit(2);
                }
            };
        }
    }
    sum
}

/// Prints everything a verdict depends on, for the corpus and for generated texts.
fn dump(detector: &Detector, texts: &[String]) {
    use std::io::Write;
    let mut generated = Vec::new();
    // Texts built from pieces the normaliser treats specially (xorshift, fixed seed).
    let pieces = [
        "a", "o", "b", "e", "n", "p", "s", "t", "k", "0", "1", "3", "5", "8", " ", "  ", ".", "-",
        "*", "_", "@", "$", "#", ",", "/", "\n", "\t", "\r", "\u{b}", "\u{1}", "\u{7f}", "!", "rb",
        "jt", "open", "bo", "st", "lt", "wa", "0812", "umur", "th", "🅾️", "ｏ", "\u{200b}", "é",
        "\u{301}", "𝐁", "ⓞ", "⒪", "\u{43e}",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..300_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 24) as usize;
        let mut t = String::new();
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Mostly ASCII pieces, sometimes the others.
            let n = if state.is_multiple_of(4) {
                pieces.len()
            } else {
                31
            };
            t.push_str(pieces[((state >> 8) % n as u64) as usize]);
        }
        generated.push(t);
    }
    let mut scratch = Scratch::default();
    let mut normalizer = Normalizer::default();
    let mut normalized = Normalized::default();
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    for t in texts.iter().chain(&generated) {
        normalizer.normalize_into(t, &mut normalized);
        let map: Vec<usize> = (0..normalized.as_str().len())
            .map(|i| normalized.source_offset(i))
            .collect();
        let v = detector.score(t, &mut scratch);
        let signals: Vec<(&str, usize, usize)> =
            v.signals.iter().map(|s| (s.rule, s.start, s.end)).collect();
        writeln!(
            out,
            "{:?}\t{:?}\t{:?}\t{:08x}\t{:?}\t{:?}",
            normalized.as_str(),
            map,
            signals,
            v.score.to_bits(),
            v.label,
            v.flags
        )
        .expect("stdout is writable");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let detector = Detector::builtin().expect("the shipped model loads");
    let texts = texts();
    if args.iter().any(|a| a == "--bench") || args.is_empty() {
        // `cargo bench`: a smoke test of every mode.
        for mode in ["normalise", "signals", "score"] {
            black_box(run(&detector, &texts, mode, 1));
        }
        return;
    }
    let mode = args[0].as_str();
    if mode == "regexes" {
        let pack = saring_detect::PolicyPack::builtin();
        let norms: Vec<String> = texts
            .iter()
            .map(|t| saring_detect::normalize::normalize(t).as_str().to_owned())
            .collect();
        // One matcher per regex rule, and one for all the term rules: the matcher's own
        // compilation and gates, timed alone.
        let mut parts: Vec<(String, saring_detect::PolicyPack)> = Vec::new();
        for r in &pack.rules {
            if r.regex.is_some() {
                let mut p = pack.clone();
                p.rules = vec![r.clone()];
                parts.push((r.name.clone(), p));
            }
        }
        let mut terms = pack.clone();
        terms.rules.retain(|r| r.regex.is_none());
        parts.push(("(all term rules)".to_owned(), terms));
        let mut hits = Vec::new();
        for (name, p) in &parts {
            let m = saring_detect::signals::Matcher::new(p).expect("compiles");
            let t0 = std::time::Instant::now();
            let mut n = 0;
            for _ in 0..5 {
                for t in &norms {
                    hits.clear();
                    m.find(t, &mut hits);
                    n += hits.len();
                }
            }
            eprintln!(
                "{:>8.1} ns/item {:>6} hits  {name}",
                t0.elapsed().as_nanos() as f64 / (5 * norms.len()) as f64,
                n / 5,
            );
        }
        return;
    }
    if mode == "ac" {
        use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, Input, MatchKind, StartKind};
        let pack = saring_detect::PolicyPack::builtin();
        let norms: Vec<String> = texts
            .iter()
            .map(|t| saring_detect::normalize::normalize(t).as_str().to_owned())
            .collect();
        let mut pats: Vec<String> = Vec::new();
        for r in &pack.rules {
            for t in &r.terms {
                let n = saring_detect::normalize::normalize(t)
                    .as_str()
                    .trim()
                    .to_owned();
                if !n.is_empty() && !pats.contains(&n) {
                    pats.push(n);
                }
            }
        }
        let substring = pack
            .rules
            .iter()
            .filter(|r| r.mode == saring_detect::policy::MatchMode::Substring)
            .map(|r| r.terms.len())
            .sum::<usize>();
        eprintln!("{} patterns, {} substring terms", pats.len(), substring);
        for (name, kind, sk) in [
            ("dfa", AhoCorasickKind::DFA, StartKind::Unanchored),
            (
                "cnfa",
                AhoCorasickKind::ContiguousNFA,
                StartKind::Unanchored,
            ),
            (
                "nnfa",
                AhoCorasickKind::NoncontiguousNFA,
                StartKind::Unanchored,
            ),
            ("dfa-anchored", AhoCorasickKind::DFA, StartKind::Both),
            (
                "cnfa-anchored",
                AhoCorasickKind::ContiguousNFA,
                StartKind::Both,
            ),
        ] {
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(kind))
                .start_kind(sk)
                .build(&pats)
                .expect("builds");
            let t0 = std::time::Instant::now();
            let mut n = 0usize;
            for _ in 0..5 {
                for t in &norms {
                    if name.ends_with("anchored") {
                        let b = t.as_bytes();
                        for s in 0..b.len() {
                            if s > 0 && b[s - 1].is_ascii_alphanumeric() {
                                continue;
                            }
                            let input = Input::new(t).span(s..b.len()).anchored(Anchored::Yes);
                            let mut st = aho_corasick::automaton::OverlappingState::start();
                            loop {
                                ac.find_overlapping(input.clone(), &mut st);
                                if st.get_match().is_none() {
                                    break;
                                }
                                n += 1;
                            }
                        }
                    } else {
                        n += ac.find_overlapping_iter(t.as_str()).count();
                    }
                }
            }
            eprintln!(
                "{name:>14}: {:>8.1} ns/item, {} matches, {} KB",
                t0.elapsed().as_nanos() as f64 / (5 * norms.len()) as f64,
                n / 5,
                ac.memory_usage() / 1024
            );
        }
        return;
    }
    if mode == "dump" {
        dump(&detector, &texts);
        return;
    }
    let passes: usize = args
        .get(1)
        .map_or(Ok(1), |p| p.parse())
        .expect("PASSES is a number");
    // An optional third argument keeps only the plain ASCII texts (`ascii`) or the others.
    let texts: Vec<String> = match args.get(2).map(String::as_str) {
        Some("ascii") => texts.into_iter().filter(|t| t.is_ascii()).collect(),
        Some("other") => texts.into_iter().filter(|t| !t.is_ascii()).collect(),
        _ => texts,
    };
    let sum = run(&detector, &texts, mode, passes);
    eprintln!(
        "{} texts × {passes} passes, mode {mode} (checksum {sum})",
        texts.len()
    );
}
