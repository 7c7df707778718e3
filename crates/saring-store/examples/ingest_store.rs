//! The store's share of ingest: `Store::ingest` alone — no HTTP, no scoring — on a fresh
//! SQLite file, in batches of 500 events as `bench/serve.sh` sends them, so the write path
//! can be measured and profiled (`valgrind --tool=callgrind`) apart from the service.
//!
//! ```sh
//! cargo run --release -p saring-store --example ingest_store -- --events 100000
//! ```
//!
//! Events: nine in ten on a pool of 20,000 accounts with benign scores, one in ten a clear ad
//! on a new account (it opens a case), texts of 130 characters. Prints events per second of
//! wall time and per CPU-second of the process. Options: `--events N` (default 100,000),
//! `--batch N` (default 500), `--durability full|normal` (default full, as `saring serve`).

use std::time::Instant;

use saring_core::event::{EventKind, NewEvent};
use saring_store::{Durability, IngestParams, ScoredEvent, Store};

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn cpu_seconds() -> f64 {
    // utime + stime of this process, in clock ticks (100 per second on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut events, mut batch, mut durability) = (100_000usize, 500usize, Durability::Full);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next().ok_or(format!("{a} needs a value"))?;
        match a.as_str() {
            "--events" => events = value.parse()?,
            "--batch" => batch = value.parse::<usize>()?.max(1),
            "--durability" => {
                durability = match value.as_str() {
                    "full" => Durability::Full,
                    "normal" => Durability::Normal,
                    other => {
                        return Err(format!("--durability: full or normal, not {other}").into());
                    }
                }
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("bench.db").display());
    let store = Store::open_with(&url, durability).await?;
    let now = 1_796_000_000_000;
    store
        .create_platform("michat", "MiChat", 0.8, "system", now)
        .await?;
    let filler = "kak aku lagi di jalan pulang kantor, nanti malam jadi makan bareng di warung dekat stasiun kan? kabari ya kalau berubah";
    let make = |n: usize| {
        let r = mix(n as u64);
        let ad = n.is_multiple_of(10);
        ScoredEvent {
            event: NewEvent {
                platform: "michat".into(),
                account: if ad {
                    format!("ad{n}")
                } else {
                    format!("a{:05}", r % 20_000)
                },
                event_id: format!("e{n}"),
                kind: EventKind::Post,
                text: if ad {
                    format!(
                        "open bo st 500 lt 1jt wa 0812 {:04} {:04} {filler}",
                        r % 10_000,
                        (r >> 20) % 10_000
                    )
                } else {
                    format!("{filler} {n}")
                },
                ts: now - 60_000,
                contacts: vec![],
                photo_hashes: vec![],
                location: None,
            },
            score: if ad { 0.97 } else { 0.02 },
            label: if ad { "solicitation" } else { "benign" }.into(),
            flags: vec![],
            signals_json: if ad {
                r#"[{"family":"solicitation","rule":"open bo","start":0,"end":7,"text":"open bo"}]"#
                    .into()
            } else {
                "[]".into()
            },
        }
    };
    let params = IngestParams::default();
    let (start, cpu0) = (Instant::now(), cpu_seconds());
    let mut n = 0;
    while n < events {
        let items: Vec<ScoredEvent> = (n..(n + batch).min(events)).map(make).collect();
        let out = store.ingest(&items, &params, "bench", now).await?;
        if out.len() != items.len() {
            return Err("an answer per item was expected".into());
        }
        n += items.len();
    }
    let (wall, cpu) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu0);
    println!(
        "{events} events in batches of {batch}: {wall:.2} s wall, {cpu:.2} CPU-s; {:.0} events/s, {:.0} events per CPU-s",
        events as f64 / wall,
        events as f64 / cpu.max(1e-9)
    );
    Ok(())
}
