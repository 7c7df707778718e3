//! Instructions per post of the streaming linker ([`Prepared::new`] and
//! [`Linker::add_prepared`]), for callgrind: every line of the file is read first, then the
//! first `--posts N` are prepared (and, unless `--prepare-only`, added). Run for two `N` and
//! take the difference per post; the digest of all links, networks and counts shows the
//! output is unchanged.
//!
//! ```sh
//! python3 bench/link/gen_ads.py --ads 20000 --seed 20261129 --out /tmp/ads.ndjson
//! cargo build --release -p saring-core --example linker_cpu
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/x.out \
//!     target/release/examples/linker_cpu /tmp/ads.ndjson --posts 4000
//! ```

use saring_core::network::{Linker, LinkerConfig, Post, Prepared};

/// FNV-1a over bytes, for the digest.
fn fnv(h: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *h = (*h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut file, mut posts, mut prepare_only) = (None, usize::MAX, false);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--posts" => posts = args.next().ok_or("--posts needs a value")?.parse()?,
            "--prepare-only" => prepare_only = true,
            _ => file = Some(a),
        }
    }
    let file = file.ok_or("give a JSON Lines file of ads (bench/link/gen_ads.py)")?;
    let mut rows = Vec::new();
    for (i, line) in std::fs::read_to_string(&file)?.lines().enumerate() {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{file}:{}: {e}", i + 1))?;
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        // Files without accounts (the labelled sets of ../shared/data): one node per item.
        let node = match v["account"].as_str() {
            Some(account) => format!("{}/{account}", s("platform")),
            None => s("id"),
        };
        rows.push((s("id"), node, s("text")));
    }
    let config = LinkerConfig::default();
    let mut linker = Linker::new(config)?.streaming();
    let mut digest = 0xcbf2_9ce4_8422_2325u64;
    let (mut n, mut links) = (0usize, 0usize);
    for (item, node, text) in rows.iter().take(posts) {
        let post = Post {
            item,
            node,
            text,
            photos: &[],
        };
        let p = Prepared::new(&config, &post);
        n += 1;
        if prepare_only {
            for id in p.identifiers() {
                fnv(&mut digest, id.kind.as_str().as_bytes());
                fnv(&mut digest, id.value.as_bytes());
            }
            for v in p.signature().iter().flat_map(|s| s.0.iter()) {
                fnv(&mut digest, &v.to_le_bytes());
            }
            continue;
        }
        for l in linker.add_prepared(p)? {
            links += 1;
            fnv(&mut digest, format!("{l:?}").as_bytes());
        }
    }
    if !prepare_only {
        for net in linker.networks(2) {
            fnv(&mut digest, format!("{net:?}").as_bytes());
        }
        fnv(&mut digest, format!("{:?}", linker.stats()).as_bytes());
    }
    println!("posts {n} links {links} digest {digest:016x}");
    Ok(())
}
