//! Heap held by the service's linker ([`Linker`]) as events stream through it: the events
//! `loadgen soak` sends (`bench/load.sh`), without HTTP or a store, so memory growth of the
//! service can be told apart from the linker's.
//!
//! ```sh
//! cargo run --release -p saring-core --example linker_memory -- \
//!     ../shared/data/nbc-twitter/dev-manual.jsonl ../shared/data/sms-spam-id/sms.jsonl
//! ```
//!
//! Events: batches of 100, the first 8 of each a clear ad with a new phone number on a new
//! account, the rest real texts from the files on a pool of 20,000 accounts (as the soak
//! test). Prints the live heap (a counting allocator) every `--every` events and the bytes
//! per event between the first and last report. Options: `--events N` (default 1,000,000),
//! `--every N` (default 100,000), `--window N` (the template window; default the linker's).

use saring_core::network::{Linker, LinkerConfig, Post};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated and not yet freed.
fn live() -> usize {
    let s = GLOBAL.stats();
    // A reallocation counts its growth as allocated and its shrinking as deallocated.
    s.bytes_allocated.saturating_sub(s.bytes_deallocated)
}

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files = Vec::new();
    let (mut events, mut every, mut window) = (1_000_000usize, 100_000usize, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || -> Result<usize, Box<dyn std::error::Error>> {
            Ok(args.next().ok_or(format!("{a} needs a value"))?.parse()?)
        };
        match a.as_str() {
            "--events" => events = value()?,
            "--every" => every = value()?.max(1),
            "--window" => window = Some(value()?),
            _ => files.push(a),
        }
    }
    let mut texts = Vec::new();
    for f in &files {
        for (i, line) in std::fs::read_to_string(f)?.lines().enumerate() {
            let v: serde_json::Value =
                serde_json::from_str(line).map_err(|e| format!("{f}:{}: {e}", i + 1))?;
            if let Some(t) = v["text"].as_str() {
                texts.push(t.to_owned());
            }
        }
    }
    if texts.is_empty() {
        return Err("give one or more JSON Lines files with a `text` field".into());
    }
    let mut config = LinkerConfig::default();
    if let Some(w) = window {
        config.template_window = w;
    }
    let mut linker = Linker::new(config)?.streaming();
    let start = live();
    let mut first: Option<(usize, usize)> = None;
    let mut last = (0, 0);
    let mut links = 0usize;
    for n in 0..events {
        let (batch, i) = (n / 100, n % 100);
        let r = mix(n as u64);
        let (node, text) = if i < 8 {
            (
                format!("ad{batch}-{i}"),
                format!(
                    "open bo st 500 lt 1jt wa 0812 {:04} {:04}",
                    r % 10_000,
                    (r >> 20) % 10_000
                ),
            )
        } else {
            (
                format!("a{:06}", r % 20_000),
                texts[(r >> 32) as usize % texts.len()].clone(),
            )
        };
        let item = format!("soak-{batch}-{i}");
        links += linker
            .add(&Post {
                item: &item,
                node: &node,
                text: &text,
                photos: &[],
            })?
            .len();
        if (n + 1) % every == 0 {
            let live = live() - start;
            println!(
                "events {:>9}  heap {:>8.1} MiB  links {links}  {:?}",
                n + 1,
                live as f64 / 1048576.0,
                linker.footprint()
            );
            if first.is_none() {
                first = Some((n + 1, live));
            }
            last = (n + 1, live);
        }
    }
    if let Some((n0, b0)) = first
        && last.0 > n0
    {
        println!(
            "growth after the first report: {:.1} bytes per event",
            (last.1 as f64 - b0 as f64) / (last.0 - n0) as f64
        );
    }
    Ok(())
}
