//! `saring link`: finds networks of accounts in NDJSON inputs and writes one network per line
//! (members, item count, links with evidence) to stdout, with a summary on stderr.
//!
//! Input lines follow `saring scan`'s conventions (`text`, optional `id`, `account`,
//! `platform`, `kind`; bad lines are reported with their line number and skipped). A node of
//! the graph is `platform/account` when both are given, `account` alone without a platform,
//! and `item:<id>` for an item without an account. A line may also carry photo hashes it
//! already has: `photo_hashes` (a list) or `photo_hash`, each 16 hex digits of a 64-bit
//! pHash.
//!
//! `--images DIR` hashes the image files directly in `DIR` (jpg, jpeg, png, webp, gif, bmp):
//! a file's stem names what the photo belongs to — an item id (`p123.jpg`) or, when no item
//! has that id, an account (`dinda88.png`, or `michat/dinda88` spelled `michat%2Fdinda88`);
//! `p123__2.jpg` is a second photo of `p123`. Photos are read, hashed (pHash: DCT + median,
//! 64 bits) and dropped; only the hashes are used.
//!
//! Chunks of lines are parsed and prepared (identifiers, shingles, signatures) in parallel,
//! then fed in input order to [`saring_core::network::BatchLinker`], which makes the template
//! links at the end.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Deserialize;

use saring_core::network::{
    BatchLinker, LinkStats, LinkerConfig, Network, PhotoHash, Post, Prepared, ShingleMode,
    TemplateConfig,
};

use crate::input::{self, LineReader, Lines, PassThrough};
use crate::{LinkArgs, Outcome};

/// Lines read and prepared together.
const CHUNK_LINES: usize = 16_384;
/// A chunk also ends once it holds this many bytes.
const CHUNK_BYTES: usize = 16 << 20;
/// Image file extensions `--images` reads.
const IMAGE_EXTENSIONS: [&str; 6] = ["jpg", "jpeg", "png", "webp", "gif", "bmp"];

/// How ad text becomes shingles (`--shingles`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shingles {
    /// Character shingles of the lowercased text.
    Raw,
    /// Shingles of the text with slot values (phones, handles, prices, numbers) replaced.
    Slots,
    /// `slots`, plus one feature per phone, handle or account value.
    SlotsAndRaw,
}

impl From<Shingles> for ShingleMode {
    fn from(s: Shingles) -> Self {
        match s {
            Shingles::Raw => ShingleMode::Raw,
            Shingles::Slots => ShingleMode::Slots,
            Shingles::SlotsAndRaw => ShingleMode::SlotsAndRaw,
        }
    }
}

/// Photo hashes a line may carry.
#[derive(Deserialize)]
struct PhotoFields {
    #[serde(default)]
    photo_hashes: Vec<String>,
    #[serde(default)]
    photo_hash: Option<String>,
}

/// Runs `saring link`.
pub fn run(args: &LinkArgs) -> Result<Outcome> {
    let start = Instant::now();
    let config = LinkerConfig {
        identifiers: !args.no_identifiers,
        templates: !args.no_templates,
        photos: true,
        template: TemplateConfig {
            shingle_chars: args.shingle_chars,
            perms: args.perms,
            bands: args.bands,
            threshold: args.threshold,
            mode: args.shingles.into(),
            min_shingles: args.min_shingles,
        },
        photo_max_distance: args.photo_distance,
        anchor_similarity: args.anchor_similarity,
        ..LinkerConfig::default()
    };
    let mut linker = BatchLinker::new(config)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")?;

    let inputs = input::open_all(&args.files)?;

    let images = match &args.images {
        Some(dir) => pool.install(|| hash_images(dir))?,
        None => Images::default(),
    };

    let mut bad_lines = 0u64;
    let mut used_stems: HashSet<String> = HashSet::new();
    let mut account_stems: HashMap<String, String> = HashMap::new();
    let mut lines = Lines::default();
    'inputs: for opened in inputs {
        let name = opened.name;
        let mut reader = LineReader::new(opened.reader);
        loop {
            let eof = reader
                .read_chunk(&mut lines, CHUNK_LINES, CHUNK_BYTES)
                .with_context(|| format!("cannot read {name}"))?;
            let prepared: Vec<Result<Parsed, (u64, String)>> = pool.install(|| {
                (0..lines.len())
                    .into_par_iter()
                    .map(|i| {
                        let (number, bytes) = lines.get(i);
                        bytes
                            .and_then(|b| prepare(&config, &images.by_stem, b, number))
                            .map_err(|reason| (number, reason))
                    })
                    .collect()
            });
            for p in prepared {
                match p {
                    Ok(parsed) => {
                        if let Some(stem) = parsed.item_stem {
                            used_stems.insert(stem);
                        }
                        if let Some((stem, node)) = parsed.account_stem {
                            account_stems.entry(stem).or_insert(node);
                        }
                        linker.push(parsed.prepared)?;
                    }
                    Err((line, reason)) => {
                        bad_lines += 1;
                        eprintln!("error: {name}:{line}: {reason}");
                        if args.strict {
                            break 'inputs;
                        }
                    }
                }
            }
            if eof {
                break;
            }
        }
    }

    // Photos named after an account rather than an item.
    let mut unmatched = 0u64;
    let mut stems: Vec<&String> = images.by_stem.keys().collect();
    stems.sort();
    for stem in stems {
        if used_stems.contains(stem) {
            continue;
        }
        let Some(node) = account_stems.get(stem) else {
            unmatched += 1;
            continue;
        };
        let item = format!("image:{stem}");
        let post = Post {
            item: &item,
            node,
            text: "",
            photos: &images.by_stem[stem],
        };
        linker.push(Prepared::new(&config, &post))?;
    }

    let (networks, stats) = linker.finish(args.min_members);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 18, stdout.lock());
    for net in &networks {
        serde_json::to_writer(&mut out, net).context("cannot write to stdout")?;
        out.write_all(b"\n").context("cannot write to stdout")?;
    }
    out.flush().context("cannot write to stdout")?;
    if !args.quiet {
        eprint!(
            "{}",
            summary(&stats, &networks, bad_lines, &images, unmatched, start)
        );
    }
    Ok(if bad_lines > 0 || images.failed > 0 {
        Outcome::SomeBad
    } else {
        Outcome::Success
    })
}

/// One good line, prepared.
struct Parsed {
    prepared: Prepared,
    /// The image stem that named this item, if any.
    item_stem: Option<String>,
    /// An image stem that names this item's account, and the account's node.
    account_stem: Option<(String, String)>,
}

/// A string from a passed-through JSON value: a string's content, a number's digits.
fn pass_through_str(v: &PassThrough<'_>) -> Result<String, String> {
    match v {
        PassThrough::Json(s) => {
            if s.starts_with('"') {
                serde_json::from_str::<String>(s).map_err(|e| e.to_string())
            } else {
                Ok((*s).to_owned())
            }
        }
        PassThrough::Str(s) => Ok((*s).to_owned()),
        PassThrough::Number(n) => Ok(n.to_string()),
    }
}

/// Parses and prepares one NDJSON line.
fn prepare(
    config: &LinkerConfig,
    stems: &HashMap<String, Vec<PhotoHash>>,
    bytes: &[u8],
    number: u64,
) -> Result<Parsed, String> {
    let item = input::parse_ndjson_item(bytes, number)?;
    let id = pass_through_str(&item.id)?;
    let account = item
        .account
        .as_ref()
        .map(pass_through_str)
        .transpose()
        .map_err(|e| format!("`account`: {e}"))?;
    let platform = item
        .platform
        .as_ref()
        .map(pass_through_str)
        .transpose()
        .map_err(|e| format!("`platform`: {e}"))?;
    let node = match (&platform, &account) {
        (Some(p), Some(a)) => format!("{p}/{a}"),
        (None, Some(a)) => a.clone(),
        (_, None) => format!("item:{id}"),
    };
    let mut photos = Vec::new();
    if memchr::memmem::find(bytes, b"\"photo_hash").is_some() {
        let fields: PhotoFields = serde_json::from_slice(bytes)
            .map_err(|e| format!("`photo_hashes`/`photo_hash`: {e}"))?;
        for h in fields.photo_hashes.iter().chain(&fields.photo_hash) {
            photos.push(PhotoHash::from_hex(h).map_err(|e| e.to_string())?);
        }
    }
    let mut item_stem = None;
    if let Some(hashes) = stems.get(&id) {
        photos.extend_from_slice(hashes);
        item_stem = Some(id.clone());
    }
    let account_stem = account.as_ref().and_then(|a| {
        let escaped = node.replace('/', "%2F");
        [a.as_str(), escaped.as_str()]
            .into_iter()
            .find(|s| stems.contains_key(*s))
            .map(|s| (s.to_owned(), node.clone()))
    });
    let post = Post {
        item: &id,
        node: &node,
        text: &item.text,
        photos: &photos,
    };
    Ok(Parsed {
        prepared: Prepared::new(config, &post),
        item_stem,
        account_stem,
    })
}

/// Photo hashes read from `--images`.
#[derive(Debug, Default)]
struct Images {
    /// Hashes by stem (the part before `__`).
    by_stem: HashMap<String, Vec<PhotoHash>>,
    /// Files hashed.
    hashed: u64,
    /// Files that could not be read as images.
    failed: u64,
}

/// Hashes the images in `dir` (in parallel, on the current rayon pool).
fn hash_images(dir: &Path) -> Result<Images> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let path = entry.path();
        let is_image = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)));
        if is_image && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    let hasher = image_hasher::HasherConfig::with_bytes_type::<[u8; 8]>()
        .hash_size(8, 8)
        .preproc_dct()
        .hash_alg(image_hasher::HashAlg::Median)
        .to_hasher();
    let hashed: Vec<(String, Result<PhotoHash, String>)> = files
        .par_iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let key = stem.split("__").next().unwrap_or_default().to_owned();
            let hash = image::open(path)
                .map(|img| {
                    let bytes = hasher.hash_image(&img).into_inner();
                    PhotoHash(u64::from_be_bytes(bytes))
                })
                .map_err(|e| format!("{}: {e}", path.display()));
            (key, hash)
        })
        .collect();
    let mut images = Images::default();
    for (key, hash) in hashed {
        match hash {
            Ok(h) => {
                images.hashed += 1;
                images.by_stem.entry(key).or_default().push(h);
            }
            Err(e) => {
                images.failed += 1;
                eprintln!("error: cannot read image {e}");
            }
        }
    }
    Ok(images)
}

/// The summary printed on stderr.
fn summary(
    stats: &LinkStats,
    networks: &[Network],
    bad_lines: u64,
    images: &Images,
    unmatched: u64,
    start: Instant,
) -> String {
    let secs = start.elapsed().as_secs_f64();
    let largest = networks.iter().map(|n| n.members.len()).max().unwrap_or(0);
    let in_networks: usize = networks.iter().map(|n| n.members.len()).sum();
    let mut s = String::new();
    let _ = writeln!(s, "items        {}", stats.items);
    let _ = writeln!(s, "accounts     {}", stats.nodes);
    let _ = writeln!(
        s,
        "networks     {} ({in_networks} accounts, largest {largest})",
        networks.len()
    );
    let kinds: Vec<String> = stats
        .links_by_kind
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let total: u64 = stats.links_by_kind.iter().map(|(_, n)| n).sum();
    let _ = writeln!(s, "links        {total} ({})", kinds.join(", "));
    let _ = writeln!(
        s,
        "templates    {} signed items, {} candidates compared, {} refused by the chain guard",
        stats.signed, stats.template_candidates, stats.template_guarded
    );
    if images.hashed + images.failed > 0 {
        let _ = writeln!(
            s,
            "images       {} hashed, {} unreadable, {unmatched} stems matched nothing",
            images.hashed, images.failed
        );
    }
    let _ = writeln!(s, "bad lines    {bad_lines}");
    let _ = writeln!(s, "seconds      {secs:.3}");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_and_photos_come_from_the_line() {
        let config = LinkerConfig::default();
        let stems = HashMap::from([("p1".to_owned(), vec![PhotoHash(7)])]);
        let line = br#"{"id":"p1","account":"a1","platform":"michat","text":"wa 0812 3456 7890","photo_hash":"00000000000000ff"}"#;
        let parsed = prepare(&config, &stems, line, 1).expect("a good line");
        assert_eq!(parsed.item_stem.as_deref(), Some("p1"));
        assert_eq!(parsed.prepared.identifiers().len(), 1);
        let bad = br#"{"id":"p2","text":"x","photo_hash":"xyz"}"#;
        assert!(prepare(&config, &stems, bad, 2).is_err());
    }

    #[test]
    fn pass_through_strings_are_unescaped() {
        assert_eq!(
            pass_through_str(&PassThrough::Json(r#""a\"b""#)).expect("a string"),
            "a\"b"
        );
        assert_eq!(
            pass_through_str(&PassThrough::Number(9)).expect("a number"),
            "9"
        );
    }
}
