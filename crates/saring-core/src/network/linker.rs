//! The linker: posts in, links with evidence and networks out.
//!
//! Rules (see `docs/networks.md`):
//!
//! * **Identifiers.** The first node to name an identifier is its anchor; every other node
//!   that names it is linked to the anchor once, with the identifier and both items as
//!   evidence — even when the two are in one network already, so a reviewer sees every
//!   shared number.
//! * **Templates.** Posts are indexed by LSH band; a post is compared with the (at most
//!   `bucket_cap`) posts kept in each of its buckets that are not yet in its network, and
//!   linked when the estimated similarity reaches the threshold. A post joins a bucket only
//!   when nothing there is in its network, so a template posted ten thousand times costs one
//!   bucket entry. Template links therefore form a spanning forest: they say why a node is in
//!   the network, not every pair of similar posts.
//! * **Photos.** A photo is compared with the stored hashes within the distance; a hit in
//!   another network is linked. Exact duplicates of a stored hash are not stored again.
//!
//! [`Linker`] applies these one post at a time and returns the new links, for the service.
//! [`BatchLinker`] takes a whole file: identifiers and photos as posts arrive, templates at
//! the end by sorting band keys, which needs far less memory than one hash map per band.
//! [`Prepared::new`] is the expensive, pure part (identifiers, shingles, signature), so
//! callers may run it on many threads and feed the linker in order.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};

use super::identifiers::{self, Identifier, IdentifierKind};
use super::minhash::{self, Signature};
use super::photo::{PhotoHash, PhotoIndex};
use super::unionfind::UnionFind;
use super::{Error, Evidence, Link, LinkerConfig, Network, Post, Result};

/// A hash map on the linker's numbers (items, band keys, identifier hashes).
type IntMap<K, V> = HashMap<K, V, IntState>;
/// A hash set on the linker's numbers.
type IntSet<K> = HashSet<K, IntState>;

/// Hashes the linker's numbers with foldhash (one folded multiply per word) instead of
/// SipHash, which took most of the time of the band tables. Each map gets a random seed of
/// its own, so colliding keys cannot be planned from outside.
type IntState = foldhash::fast::RandomState;

/// A post with its identifiers and signature computed: the pure, parallelisable part of
/// linking.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    item: String,
    node: String,
    identifiers: Vec<Identifier>,
    signature: Option<Signature>,
    photos: Vec<PhotoHash>,
}

impl Prepared {
    /// Extracts what `post` can be linked on, under `config`.
    pub fn new(config: &LinkerConfig, post: &Post<'_>) -> Prepared {
        let needs_scan = config.identifiers
            || (config.templates && config.template.mode != super::ShingleMode::Raw);
        let found = if needs_scan {
            identifiers::scan(post.text)
        } else {
            Vec::new()
        };
        let identifiers = if config.identifiers {
            let mut ids: Vec<Identifier> = found.iter().map(|f| f.identifier.clone()).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        } else {
            Vec::new()
        };
        let signature = if config.templates {
            minhash::signature_with(post.text, &found, &config.template)
        } else {
            None
        };
        Prepared {
            item: post.item.to_owned(),
            node: post.node.to_owned(),
            identifiers,
            signature,
            photos: if config.photos {
                post.photos.to_vec()
            } else {
                Vec::new()
            },
        }
    }

    /// The identifiers found in the post.
    pub fn identifiers(&self) -> &[Identifier] {
        &self.identifiers
    }

    /// The post's template signature, when it is long enough to have one.
    pub fn signature(&self) -> Option<&Signature> {
        self.signature.as_ref()
    }
}

/// Counts over one linker's work.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Posts added.
    pub items: u64,
    /// Distinct nodes (accounts).
    pub nodes: u64,
    /// Posts with a template signature.
    pub signed: u64,
    /// Template candidates compared.
    pub template_candidates: u64,
    /// Template candidates above the threshold refused by the chain guard.
    pub template_guarded: u64,
    /// Links found, by evidence kind (`phone`, `template`, …), sorted by kind.
    pub links_by_kind: Vec<(&'static str, u64)>,
}

/// What a [`Linker`] holds in memory, counted (see [`Linker::footprint`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Footprint {
    /// Nodes (accounts) known.
    pub nodes: usize,
    /// Items (posts) added.
    pub items: usize,
    /// Item ids kept, for the links that may still name them.
    pub item_ids: usize,
    /// Items whose template signatures are kept.
    pub template_items: usize,
    /// Entries in the template buckets.
    pub bucket_entries: usize,
    /// Identifiers with an anchor.
    pub identifiers: usize,
    /// (identifier, node) pairs linked to their anchor.
    pub identifier_links: usize,
    /// Links kept (none when streaming).
    pub links: usize,
}

/// Evidence as stored: item and node numbers, not strings.
#[derive(Debug, Clone)]
enum Detail {
    Identifier(Identifier),
    Template(f32),
    Photo(u8),
}

impl Detail {
    fn kind(&self) -> &'static str {
        match self {
            Detail::Identifier(id) => id.kind.as_str(),
            Detail::Template(_) => "template",
            Detail::Photo(_) => "photo",
        }
    }
}

#[derive(Debug, Clone)]
struct RawLink {
    item_a: u32,
    item_b: u32,
    detail: Detail,
}

/// What [`Linker`] and [`BatchLinker`] share: nodes, items, the union-find, identifier and
/// photo indexes, and the links found.
#[derive(Debug, Default)]
struct Graph {
    config: LinkerConfig,
    node_ids: HashMap<Box<str>, u32>,
    node_names: Vec<Box<str>>,
    /// The ids of the items that may still appear in a link (every item in a batch; in the
    /// streaming linker, only identifier anchors, stored photos and template candidates).
    item_ids: IntMap<u32, Box<str>>,
    item_node: Vec<u32>,
    uf: UnionFind,
    /// The links found (not kept by the streaming linker, which hands them out).
    links: Vec<RawLink>,
    /// Links found, by evidence kind.
    by_kind: HashMap<&'static str, u64>,
    /// Identifier (by stable hash) → the anchor's (node, item).
    anchors: IntMap<u64, (u32, u32)>,
    /// (identifier hash, node) pairs already linked to their anchor.
    linked: IntSet<(u64, u32)>,
    photos: PhotoIndex,
    /// Per node: when it is a root, its network's anchors (first signed items, at most
    /// [`ANCHORS`]; `u32::MAX` for none).
    anchors_of: Vec<[u32; ANCHORS]>,
    signed: u64,
    candidates: u64,
    /// Template candidates refused by the chain guard.
    guarded: u64,
}

/// Anchors kept per network for the chain guard.
const ANCHORS: usize = 4;

/// What [`Graph::add`] did with a post.
struct Added {
    item: u32,
    /// Links before the post's.
    before: usize,
    /// The item anchors an identifier or holds a stored photo: links may name it any time.
    pinned: bool,
    /// The item became one of its network's chain-guard anchors.
    chain_anchor: bool,
}

impl Graph {
    fn new(config: LinkerConfig) -> Result<Graph> {
        config.validate()?;
        Ok(Graph {
            config,
            ..Graph::default()
        })
    }

    fn node(&mut self, name: &str) -> Result<u32> {
        if let Some(&n) = self.node_ids.get(name) {
            return Ok(n);
        }
        if self.uf.len() >= u32::MAX as usize - 1 {
            return Err(Error::TooMany);
        }
        let n = self.uf.add();
        self.anchors_of.push([u32::MAX; ANCHORS]);
        self.node_ids.insert(name.into(), n);
        self.node_names.push(name.into());
        Ok(n)
    }

    /// Registers the post's item and node; links on identifiers and photos. Says what it
    /// did: the item's number, the number of links before it, and what holds on to the item.
    fn add(&mut self, p: &Prepared) -> Result<Added> {
        let before = self.links.len();
        let node = self.node(&p.node)?;
        let item = u32::try_from(self.item_node.len()).map_err(|_| Error::TooMany)?;
        if item == u32::MAX {
            return Err(Error::TooMany);
        }
        self.item_ids.insert(item, p.item.as_str().into());
        self.item_node.push(node);
        let mut pinned = false;
        let mut chain_anchor = false;
        if p.signature.is_some() {
            self.signed += 1;
            let root = self.uf.find(node);
            let anchors = &mut self.anchors_of[root as usize];
            if let Some(free) = anchors.iter_mut().find(|a| **a == u32::MAX) {
                *free = item;
                chain_anchor = true;
            }
        }
        for id in &p.identifiers {
            let key = identifier_key(id);
            match self.anchors.get(&key) {
                None => {
                    self.anchors.insert(key, (node, item));
                    pinned = true;
                }
                Some(&(anchor_node, anchor_item)) => {
                    if anchor_node != node && self.linked.insert((key, node)) {
                        self.link(anchor_item, item, Detail::Identifier(id.clone()));
                    }
                }
            }
        }
        for &h in &p.photos {
            let hits = self.photos.within(h, self.config.photo_max_distance);
            let mut exact = false;
            for (other, d) in hits {
                exact |= d == 0;
                let other_node = self.item_node[other as usize];
                if self.uf.find(other_node) != self.uf.find(node) {
                    let d = u8::try_from(d).expect("a distance of 64-bit hashes fits in u8");
                    self.link(other, item, Detail::Photo(d));
                }
            }
            if !exact {
                self.photos.insert(h, item);
                pinned = true;
            }
        }
        Ok(Added {
            item,
            before,
            pinned,
            chain_anchor,
        })
    }

    /// Drops `item` from its network's chain-guard anchors, unless it is the last one (a
    /// network keeps one, so the guard never goes blind). Returns whether it is still an
    /// anchor.
    fn drop_anchor(&mut self, item: u32) -> bool {
        let root = self.uf.find(self.item_node[item as usize]);
        let anchors = &mut self.anchors_of[root as usize];
        match anchors.iter().position(|&a| a == item) {
            None => false,
            Some(0) if anchors[1] == u32::MAX => true,
            Some(at) => {
                anchors.copy_within(at + 1.., at);
                anchors[ANCHORS - 1] = u32::MAX;
                false
            }
        }
    }

    fn link(&mut self, item_a: u32, item_b: u32, detail: Detail) {
        let (a, b) = (
            self.item_node[item_a as usize],
            self.item_node[item_b as usize],
        );
        if a == b {
            return;
        }
        let (ra, rb) = (self.uf.find(a), self.uf.find(b));
        if self.uf.union(a, b) {
            // The merged network keeps the anchors of the bigger side first.
            let root = self.uf.find(a);
            let (first, second) = if root == ra { (ra, rb) } else { (rb, ra) };
            let mut merged = self.anchors_of[first as usize];
            let extra = self.anchors_of[second as usize];
            for x in extra.into_iter().filter(|&x| x != u32::MAX) {
                if let Some(free) = merged.iter_mut().find(|a| **a == u32::MAX) {
                    *free = x;
                }
            }
            self.anchors_of[root as usize] = merged;
        }
        *self.by_kind.entry(detail.kind()).or_default() += 1;
        self.links.push(RawLink {
            item_a,
            item_b,
            detail,
        });
    }

    /// Compares `item` with the posts of one bucket; says whether to keep it there (when
    /// nothing in the bucket is in its network and the bucket has room).
    fn consider<'s>(
        &mut self,
        item: u32,
        sig: &[u16],
        bucket: &[u32],
        sig_of: &dyn Fn(u32) -> Option<&'s [u16]>,
    ) -> bool {
        let node = self.item_node[item as usize];
        let mut joined = false;
        for &other in bucket.iter() {
            let other_node = self.item_node[other as usize];
            if self.uf.find(other_node) == self.uf.find(node) {
                joined = true;
                continue;
            }
            let Some(other_sig) = sig_of(other) else {
                continue;
            };
            self.candidates += 1;
            let s = minhash::similarity(sig, other_sig);
            if s >= self.config.template.threshold {
                if !self.near_anchor(other_node, sig, sig_of, (item, sig))
                    || !self.near_anchor(node, other_sig, sig_of, (item, sig))
                {
                    self.guarded += 1;
                    continue;
                }
                self.link(other, item, Detail::Template(s as f32));
                joined = true;
            }
        }
        !joined && bucket.len() < self.config.bucket_cap
    }

    /// The chain guard: true when `sig` is within `anchor_similarity` of one of the anchors
    /// of `node`'s network (or the network has none, or the guard is off). `current` is the
    /// item being linked, whose signature `sig_of` may not know yet.
    fn near_anchor<'s>(
        &mut self,
        node: u32,
        sig: &[u16],
        sig_of: &dyn Fn(u32) -> Option<&'s [u16]>,
        current: (u32, &[u16]),
    ) -> bool {
        let guard = self.config.anchor_similarity;
        if guard <= 0.0 {
            return true;
        }
        let root = self.uf.find(node);
        let mut any = false;
        for a in self.anchors_of[root as usize] {
            if a == u32::MAX {
                break;
            }
            any = true;
            let anchor_sig = if a == current.0 {
                Some(current.1)
            } else {
                sig_of(a)
            };
            if anchor_sig.is_some_and(|s| minhash::similarity(sig, s) >= guard) {
                return true;
            }
        }
        !any
    }

    fn public_link(&self, l: &RawLink) -> Link {
        let item = |i: u32| {
            self.item_ids
                .get(&i)
                .map(|s| s.to_string())
                .unwrap_or_default()
        };
        let node = |i: u32| self.node_names[self.item_node[i as usize] as usize].to_string();
        let items = [item(l.item_a), item(l.item_b)];
        let evidence = match &l.detail {
            Detail::Identifier(id) => Evidence::Identifier {
                kind: id.kind,
                value: id.value.clone(),
                items,
            },
            Detail::Template(s) => Evidence::Template {
                similarity: (f64::from(*s) * 1000.0).round() / 1000.0,
                items,
            },
            Detail::Photo(d) => Evidence::Photo {
                distance: u32::from(*d),
                items,
            },
        };
        Link {
            a: node(l.item_a),
            b: node(l.item_b),
            evidence,
        }
    }

    fn networks(&mut self, min_members: usize) -> Vec<Network> {
        let n = self.uf.len();
        let mut roots = Vec::with_capacity(n);
        for i in 0..n {
            let i = u32::try_from(i).expect("node numbers fit in u32 (checked when added)");
            roots.push(self.uf.find(i));
        }
        let mut size: HashMap<u32, u32> = HashMap::new();
        for &r in &roots {
            *size.entry(r).or_default() += 1;
        }
        let mut index: HashMap<u32, usize> = HashMap::new();
        let mut nets: Vec<Network> = Vec::new();
        for (i, &r) in roots.iter().enumerate() {
            if (size[&r] as usize) < min_members.max(2) {
                continue;
            }
            let at = *index.entry(r).or_insert_with(|| {
                nets.push(Network {
                    id: String::new(),
                    members: Vec::new(),
                    items: 0,
                    links: Vec::new(),
                });
                nets.len() - 1
            });
            nets[at].members.push(self.node_names[i].to_string());
        }
        for &node in &self.item_node {
            if let Some(&at) = index.get(&roots[node as usize]) {
                nets[at].items += 1;
            }
        }
        for l in &self.links {
            let r = roots[self.item_node[l.item_a as usize] as usize];
            if let Some(&at) = index.get(&r) {
                let link = self.public_link(l);
                nets[at].links.push(link);
            }
        }
        for net in &mut nets {
            net.members.sort_unstable();
            net.id = net.members.first().cloned().unwrap_or_default();
        }
        nets.sort_by(|a, b| a.id.cmp(&b.id));
        nets
    }

    fn stats(&self) -> LinkStats {
        let mut links_by_kind: Vec<(&'static str, u64)> =
            self.by_kind.iter().map(|(&k, &n)| (k, n)).collect();
        links_by_kind.sort_unstable();
        LinkStats {
            items: self.item_node.len() as u64,
            nodes: self.node_names.len() as u64,
            signed: self.signed,
            template_candidates: self.candidates,
            template_guarded: self.guarded,
            links_by_kind,
        }
    }
}

/// The key of an identifier in the anchor table.
fn identifier_key(id: &Identifier) -> u64 {
    let kind = match id.kind {
        IdentifierKind::Phone => 1,
        IdentifierKind::Whatsapp => 2,
        IdentifierKind::Line => 3,
        IdentifierKind::Telegram => 4,
        IdentifierKind::Instagram => 5,
        IdentifierKind::BankAccount => 6,
        IdentifierKind::Ewallet => 7,
    };
    minhash::stable_hash(id.value.as_bytes(), kind)
}

/// The items of one LSH bucket. Most buckets hold one item, kept inline rather than in a
/// vector of its own.
#[derive(Debug)]
enum Bucket {
    One(u32),
    Many(Vec<u32>),
}

impl Bucket {
    fn items(&self) -> &[u32] {
        match self {
            Bucket::One(x) => std::slice::from_ref(x),
            Bucket::Many(v) => v,
        }
    }

    fn push(&mut self, item: u32) {
        match self {
            Bucket::One(x) => *self = Bucket::Many(vec![*x, item]),
            Bucket::Many(v) => v.push(item),
        }
    }

    /// Takes `item` out; true when the bucket is left empty.
    fn remove(&mut self, item: u32) -> bool {
        match self {
            Bucket::One(x) => *x == item,
            Bucket::Many(v) => {
                v.retain(|&i| i != item);
                v.is_empty()
            }
        }
    }
}

/// Links posts one at a time, keeping everything needed to link the next: the service's
/// linker.
///
/// ```
/// use saring_core::network::{Linker, LinkerConfig, Post};
///
/// let mut linker = Linker::new(LinkerConfig::default())?;
/// let post = |item, node, text| Post { item, node, text, photos: &[] };
/// assert!(linker.add(&post("p1", "michat/a", "open bo wa 0812 3456 7890"))?.is_empty());
/// let links = linker.add(&post("p2", "michat/b", "ready kak, WA 0812-3456-7890"))?;
/// assert_eq!(links.len(), 1);
/// assert!(linker.same_network("michat/a", "michat/b"));
/// # Ok::<(), saring_core::network::Error>(())
/// ```
#[derive(Debug)]
pub struct Linker {
    graph: Graph,
    bands: Vec<IntMap<u64, Bucket>>,
    /// Signatures of the items in `window`.
    signatures: IntMap<u32, Signature>,
    /// Items whose signatures are kept (in a bucket or a chain-guard anchor), oldest first;
    /// at most `template_window`.
    window: VecDeque<u32>,
    /// Items of `window` that anchor an identifier or hold a photo: their ids outlive the
    /// window.
    pinned: IntSet<u32>,
    streaming: bool,
}

impl Linker {
    /// A linker with `config` (checked).
    pub fn new(config: LinkerConfig) -> Result<Linker> {
        let bands = (0..config.template.bands)
            .map(|_| IntMap::default())
            .collect();
        Ok(Linker {
            graph: Graph::new(config)?,
            bands,
            signatures: IntMap::default(),
            window: VecDeque::new(),
            pinned: IntSet::default(),
            streaming: false,
        })
    }

    /// The same linker, keeping only what the next posts need, so its memory stays bounded
    /// while posts stream through it (the service): the links found are handed out by
    /// [`Linker::add`] and not kept, so [`Linker::networks`] lists members and item counts
    /// without links; the ids of items that can no longer appear in a link are forgotten; and
    /// template candidates are limited to the last `template_window` kept.
    pub fn streaming(mut self) -> Linker {
        self.streaming = true;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &LinkerConfig {
        &self.graph.config
    }

    /// Adds one post and returns the links it made.
    pub fn add(&mut self, post: &Post<'_>) -> Result<Vec<Link>> {
        let prepared = Prepared::new(&self.graph.config, post);
        self.add_prepared(prepared)
    }

    /// Adds a post prepared with [`Prepared::new`] (under this linker's configuration) and
    /// returns the links it made.
    pub fn add_prepared(&mut self, p: Prepared) -> Result<Vec<Link>> {
        let added = self.graph.add(&p)?;
        let item = added.item;
        let mut in_bucket = false;
        if let Some(sig) = p.signature {
            let bands = self.graph.config.template.bands;
            let rows = sig.0.len() / bands;
            let signatures = &self.signatures;
            let sig_of = |i: u32| signatures.get(&i).map(|s| &s.0[..]);
            for (b, table) in self.bands.iter_mut().enumerate() {
                let key = minhash::band_key(&sig.0, rows, b);
                match table.entry(key) {
                    Entry::Occupied(mut e) => {
                        if self.graph.consider(item, &sig.0, e.get().items(), &sig_of) {
                            e.get_mut().push(item);
                            in_bucket = true;
                        }
                    }
                    Entry::Vacant(e) => {
                        if self.graph.consider(item, &sig.0, &[], &sig_of) {
                            e.insert(Bucket::One(item));
                            in_bucket = true;
                        }
                    }
                }
            }
            if in_bucket || added.chain_anchor || !self.streaming {
                self.signatures.insert(item, sig);
                if self.streaming {
                    self.window.push_back(item);
                    if added.pinned {
                        self.pinned.insert(item);
                    }
                }
            }
        }
        let links = self.graph.links[added.before..]
            .iter()
            .map(|l| self.graph.public_link(l))
            .collect();
        if self.streaming {
            self.graph.links.clear();
            if !in_bucket && !added.pinned {
                self.graph.item_ids.remove(&item);
            }
            while self.window.len() > self.graph.config.template_window {
                self.evict();
            }
        }
        Ok(links)
    }

    /// Forgets the oldest item of the window: its buckets, its anchorship and its signature
    /// (a network's last anchor keeps its signature), and its id, unless an identifier or
    /// photo still names it.
    fn evict(&mut self) {
        let Some(item) = self.window.pop_front() else {
            return;
        };
        if let Some(sig) = self.signatures.get(&item) {
            for (key, table) in sig
                .band_keys(self.bands.len())
                .into_iter()
                .zip(&mut self.bands)
            {
                if table.get_mut(&key).is_some_and(|b| b.remove(item)) {
                    table.remove(&key);
                }
            }
        }
        if !self.graph.drop_anchor(item) {
            self.signatures.remove(&item);
        }
        if !self.pinned.remove(&item) {
            self.graph.item_ids.remove(&item);
        }
    }

    /// What the linker holds in memory, counted.
    pub fn footprint(&self) -> Footprint {
        Footprint {
            nodes: self.graph.node_names.len(),
            items: self.graph.item_node.len(),
            item_ids: self.graph.item_ids.len(),
            template_items: self.signatures.len(),
            bucket_entries: self
                .bands
                .iter()
                .flat_map(|t| t.values())
                .map(|b| b.items().len())
                .sum(),
            identifiers: self.graph.anchors.len(),
            identifier_links: self.graph.linked.len(),
            links: self.graph.links.len(),
        }
    }

    /// True when both nodes are known and in one network.
    pub fn same_network(&mut self, a: &str, b: &str) -> bool {
        match (self.graph.node_ids.get(a), self.graph.node_ids.get(b)) {
            (Some(&a), Some(&b)) => self.graph.uf.find(a) == self.graph.uf.find(b),
            _ => false,
        }
    }

    /// The members of `node`'s network (itself alone when unlinked), or `None` for a node
    /// never seen.
    pub fn members(&mut self, node: &str) -> Option<Vec<String>> {
        let &n = self.graph.node_ids.get(node)?;
        let root = self.graph.uf.find(n);
        let mut out = Vec::new();
        for i in 0..self.graph.node_names.len() {
            let i = u32::try_from(i).expect("node numbers fit in u32 (checked when added)");
            if self.graph.uf.find(i) == root {
                out.push(self.graph.node_names[i as usize].to_string());
            }
        }
        out.sort_unstable();
        Some(out)
    }

    /// All networks of at least `min_members` (and at least 2) nodes, with their links.
    pub fn networks(&mut self, min_members: usize) -> Vec<Network> {
        self.graph.networks(min_members)
    }

    /// Counts so far.
    pub fn stats(&self) -> LinkStats {
        self.graph.stats()
    }
}

/// Links a whole collection: posts are pushed in order, networks come out at the end.
/// Identifier and photo links are made as posts arrive; template links in
/// [`BatchLinker::finish`], one band at a time by sorting band keys.
#[derive(Debug)]
pub struct BatchLinker {
    graph: Graph,
    /// Signatures of signed posts, `perms` values each, in push order.
    signatures: Vec<u16>,
    /// The item of each signature.
    signed_items: Vec<u32>,
    /// Signature row of each item (`u32::MAX` for none).
    row_of: Vec<u32>,
}

impl BatchLinker {
    /// A batch linker with `config` (checked).
    pub fn new(config: LinkerConfig) -> Result<BatchLinker> {
        Ok(BatchLinker {
            graph: Graph::new(config)?,
            signatures: Vec::new(),
            signed_items: Vec::new(),
            row_of: Vec::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &LinkerConfig {
        &self.graph.config
    }

    /// Adds a post prepared with [`Prepared::new`] under this linker's configuration.
    pub fn push(&mut self, p: Prepared) -> Result<()> {
        let item = self.graph.add(&p)?.item;
        debug_assert_eq!(item as usize, self.row_of.len());
        match p.signature {
            Some(sig) if sig.0.len() == self.graph.config.template.perms => {
                let row = u32::try_from(self.signed_items.len()).map_err(|_| Error::TooMany)?;
                self.row_of.push(row);
                self.signed_items.push(item);
                self.signatures.extend_from_slice(&sig.0);
            }
            _ => self.row_of.push(u32::MAX),
        }
        Ok(())
    }

    /// Makes the template links and returns the networks of at least `min_members` (and at
    /// least 2) nodes, with the counts.
    pub fn finish(mut self, min_members: usize) -> (Vec<Network>, LinkStats) {
        let perms = self.graph.config.template.perms;
        let bands = self.graph.config.template.bands;
        let rows = perms / bands;
        let n = self.signed_items.len();
        let signatures = &self.signatures;
        let row_of = &self.row_of;
        let sig_of = |item: u32| -> Option<&[u16]> {
            let row = *row_of.get(item as usize)?;
            (row != u32::MAX).then(|| &signatures[row as usize * perms..(row as usize + 1) * perms])
        };
        let mut keys: Vec<(u64, u32)> = Vec::with_capacity(n);
        let mut bucket: Vec<u32> = Vec::new();
        for b in 0..bands {
            keys.clear();
            for (row, sig) in signatures.chunks_exact(perms).enumerate() {
                let row = u32::try_from(row).expect("rows fit in u32 (checked in push)");
                keys.push((minhash::band_key(sig, rows, b), row));
            }
            keys.sort_unstable();
            let mut start = 0;
            while start < keys.len() {
                let mut end = start + 1;
                while end < keys.len() && keys[end].0 == keys[start].0 {
                    end += 1;
                }
                if end - start > 1 {
                    bucket.clear();
                    bucket.push(self.signed_items[keys[start].1 as usize]);
                    for &(_, row) in &keys[start + 1..end] {
                        let item = self.signed_items[row as usize];
                        let sig = &signatures[row as usize * perms..(row as usize + 1) * perms];
                        if self.graph.consider(item, sig, &bucket, &sig_of) {
                            bucket.push(item);
                        }
                    }
                }
                start = end;
            }
        }
        let stats = self.graph.stats();
        (self.graph.networks(min_members), stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::ShingleMode;

    fn post<'a>(item: &'a str, node: &'a str, text: &'a str) -> Post<'a> {
        Post {
            item,
            node,
            text,
            photos: &[],
        }
    }

    const TEMPLATE_A: &str = "Ready open BO kak, {name} {age}th, ST {st} LT {lt}, apartemen \
                              Kalibata City tower B lantai 12, no DP no tipu, chat aja ya 💋";

    fn fill(name: &str, age: u32, st: &str, lt: &str) -> String {
        TEMPLATE_A
            .replace("{name}", name)
            .replace("{age}", &age.to_string())
            .replace("{st}", st)
            .replace("{lt}", lt)
    }

    #[test]
    fn a_shared_phone_links_with_evidence() {
        let mut l = Linker::new(LinkerConfig::default()).expect("default config is valid");
        assert!(
            l.add(&post("p1", "x/a", "open bo wa 0812 3456 7890"))
                .expect("fits")
                .is_empty()
        );
        let links = l
            .add(&post(
                "p2",
                "x/b",
                "avail kak nol delapan satu dua 3456 7890",
            ))
            .expect("fits");
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].a, "x/a");
        assert_eq!(links[0].b, "x/b");
        assert_eq!(
            links[0].evidence,
            Evidence::Identifier {
                kind: IdentifierKind::Phone,
                value: "+6281234567890".to_owned(),
                items: ["p1".to_owned(), "p2".to_owned()],
            }
        );
        // The same account again adds nothing; a third account links once.
        assert!(
            l.add(&post("p3", "x/b", "wa 081234567890"))
                .expect("fits")
                .is_empty()
        );
        assert_eq!(
            l.add(&post("p4", "x/c", "wa 081234567890"))
                .expect("fits")
                .len(),
            1
        );
        assert_eq!(l.members("x/c").expect("known"), ["x/a", "x/b", "x/c"]);
        assert!(l.members("x/z").is_none());
    }

    #[test]
    fn the_same_template_with_other_slots_links() {
        let mut l = Linker::new(LinkerConfig::default()).expect("default config is valid");
        l.add(&post("p1", "a", &fill("Dinda", 21, "300rb", "1jt")))
            .expect("fits");
        let links = l
            .add(&post("p2", "b", &fill("Sinta", 23, "350rb", "1,2jt")))
            .expect("fits");
        assert_eq!(links.len(), 1, "{links:?}");
        assert!(
            matches!(links[0].evidence, Evidence::Template { similarity, .. } if similarity >= 0.8)
        );
        let other = "Dijual cepat rumah dua lantai di Depok, sertifikat SHM, harga nego, \
                     hubungi pemilik langsung tanpa perantara";
        assert!(l.add(&post("p3", "c", other)).expect("fits").is_empty());
        assert!(!l.same_network("a", "c"));
    }

    /// Twelve ads of 30 words, each shifted two words from the one before: neighbours are
    /// alike (≈ 0.875), the ends share nothing.
    fn drifting_chain() -> Vec<String> {
        let word = |i: usize| {
            let l = |n: usize| char::from(b'a' + u8::try_from(n % 26).expect("below 26"));
            format!("k{}{}{}", l(i / 26), l(i), l(i * 7 + 3))
        };
        (0..12)
            .map(|a| (a * 2..a * 2 + 30).map(word).collect::<Vec<_>>().join(" "))
            .collect()
    }

    #[test]
    fn the_chain_guard_stops_drifting_chains() {
        let ads = drifting_chain();
        let nodes: Vec<String> = (0..ads.len()).map(|i| format!("n{i}")).collect();
        let items: Vec<String> = (0..ads.len()).map(|i| format!("i{i}")).collect();
        let run = |anchor_similarity: f64| {
            let mut l = Linker::new(LinkerConfig {
                anchor_similarity,
                ..LinkerConfig::default()
            })
            .expect("valid config");
            for i in 0..ads.len() {
                l.add(&post(&items[i], &nodes[i], &ads[i])).expect("fits");
            }
            l
        };
        let mut off = run(0.0);
        assert!(
            off.same_network("n0", "n11"),
            "without the guard the chain links all"
        );
        let mut on = run(0.65);
        assert!(on.same_network("n0", "n1") && on.same_network("n0", "n3"));
        assert!(!on.same_network("n0", "n11"), "the guard cuts the chain");
        assert!(on.stats().template_guarded > 0);
        // The batch linker applies the same guard.
        let mut batch = BatchLinker::new(LinkerConfig::default()).expect("valid config");
        for i in 0..ads.len() {
            let p = Prepared::new(batch.config(), &post(&items[i], &nodes[i], &ads[i]));
            batch.push(p).expect("fits");
        }
        let (nets, stats) = batch.finish(2);
        assert!(stats.template_guarded > 0);
        assert!(
            nets.iter().all(|n| !(n.members.contains(&"n0".to_owned())
                && n.members.contains(&"n11".to_owned()))),
            "{nets:?}"
        );
    }

    #[test]
    fn photos_link_by_distance() {
        let mut l = Linker::new(LinkerConfig::default()).expect("default config is valid");
        let near = [PhotoHash(0xF0F0_F0F0_0000_FFFF)];
        let close = [PhotoHash(0xF0F0_F0F0_0000_FFF0)];
        let far = [PhotoHash(0x0F0F_0F0F_FFFF_0000)];
        let with = |item, node, photos| Post {
            item,
            node,
            text: "",
            photos,
        };
        l.add(&with("i1", "a", &near)).expect("fits");
        let links = l.add(&with("i2", "b", &close)).expect("fits");
        assert_eq!(links.len(), 1);
        assert!(matches!(
            links[0].evidence,
            Evidence::Photo { distance: 4, .. }
        ));
        assert!(l.add(&with("i3", "c", &far)).expect("fits").is_empty());
    }

    #[test]
    fn batch_and_incremental_find_the_same_networks() {
        let config = LinkerConfig::default();
        let texts = [
            ("p1", "a", fill("Dinda", 21, "300rb", "1jt")),
            ("p2", "b", fill("Rara", 22, "400rb", "1,5jt")),
            ("p3", "c", "wa 0857 1111 2222 ready".to_owned()),
            ("p4", "d", "ready juga, WA 0857-1111-2222".to_owned()),
            (
                "p5",
                "e",
                "selamat pagi semua, jangan lupa sarapan dan minum air putih".to_owned(),
            ),
            ("p6", "f", fill("Ayu", 20, "250rb", "900rb")),
        ];
        let mut inc = Linker::new(config).expect("valid");
        let mut batch = BatchLinker::new(config).expect("valid");
        for (item, node, text) in &texts {
            let p = post(item, node, text);
            inc.add(&p).expect("fits");
            batch.push(Prepared::new(&config, &p)).expect("fits");
        }
        let members = |nets: Vec<Network>| -> Vec<Vec<String>> {
            nets.into_iter().map(|n| n.members).collect()
        };
        let (batch_nets, stats) = batch.finish(2);
        assert_eq!(members(inc.networks(2)), members(batch_nets.clone()));
        assert_eq!(
            members(batch_nets.clone()),
            [vec!["a", "b", "f"], vec!["c", "d"]]
        );
        assert_eq!(batch_nets[0].items, 3);
        assert_eq!(batch_nets[0].links.len(), 2);
        assert_eq!(stats.items, 6);
        assert!(stats.links_by_kind.contains(&("phone", 1)));
    }

    /// An ad text unlike every other `unique_ad(j)`, long enough to be signed.
    fn unique_ad(i: usize) -> String {
        let letters = |mut n: usize| {
            let mut w = String::new();
            for _ in 0..4 {
                w.push(char::from(b'a' + u8::try_from(n % 26).expect("below 26")));
                n /= 26;
            }
            w
        };
        (0..24)
            .map(|w| letters(i * 24 + w))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn streaming_finds_the_same_links_while_the_window_holds() {
        let config = LinkerConfig::default();
        let texts = [
            ("p1", "a", fill("Dinda", 21, "300rb", "1jt")),
            ("p2", "b", fill("Rara", 22, "400rb", "1,5jt")),
            ("p3", "c", "wa 0857 1111 2222 ready".to_owned()),
            ("p4", "d", "ready juga, WA 0857-1111-2222".to_owned()),
            ("p5", "e", fill("Ayu", 20, "250rb", "900rb")),
        ];
        let mut plain = Linker::new(config).expect("valid");
        let mut streaming = Linker::new(config).expect("valid").streaming();
        let mut found = 0;
        for (item, node, text) in &texts {
            let p = post(item, node, text);
            let links = plain.add(&p).expect("fits");
            found += links.len();
            assert_eq!(links, streaming.add(&p).expect("fits"));
        }
        assert!(found >= 3, "templates and the phone link: {found}");
        assert_eq!(plain.footprint().links, found);
        assert_eq!(streaming.footprint().links, 0, "streaming keeps no links");
        assert_eq!(plain.stats().links_by_kind, streaming.stats().links_by_kind);
    }

    #[test]
    fn the_template_window_bounds_memory_and_forgets_only_templates() {
        let config = LinkerConfig {
            template_window: 50,
            ..LinkerConfig::default()
        };
        let mut l = Linker::new(config).expect("valid").streaming();
        let first = fill("Dinda", 21, "300rb", "1jt");
        l.add(&post("old", "first", &format!("{first} wa 0857 3333 4444")))
            .expect("fits");
        for i in 0..2_000 {
            let (item, node) = (format!("i{i}"), format!("n{i}"));
            l.add(&post(&item, &node, &unique_ad(i))).expect("fits");
            let f = l.footprint();
            assert!(
                f.template_items <= 50 + f.nodes,
                "at most the window plus one anchor per network: {f:?}"
            );
        }
        let f = l.footprint();
        assert!(f.bucket_entries <= 50 * config.template.bands, "{f:?}");
        assert_eq!(f.items, 2_001);
        // Ids are kept for the window's items and the identifier anchor only.
        assert!(f.item_ids <= 51, "{f:?}");

        // The old ad has left the window: its template no longer links ...
        let again = l
            .add(&post("new", "second", &fill("Rara", 22, "400rb", "1,5jt")))
            .expect("fits");
        assert!(again.is_empty(), "{again:?}");
        // ... but its phone number still does, naming the old item as evidence.
        let phone = l
            .add(&post("new2", "third", "ready, WA 0857-3333-4444"))
            .expect("fits");
        assert_eq!(phone.len(), 1, "{phone:?}");
        assert_eq!(phone[0].a, "first");
        match &phone[0].evidence {
            Evidence::Identifier { items, .. } => assert_eq!(items[0], "old"),
            other => panic!("expected a phone link, got {other:?}"),
        }
    }

    #[test]
    fn a_window_of_zero_is_refused() {
        let config = LinkerConfig {
            template_window: 0,
            ..LinkerConfig::default()
        };
        assert!(matches!(
            Linker::new(config),
            Err(Error::InvalidConfig {
                field: "template_window",
                ..
            })
        ));
    }

    #[test]
    fn raw_mode_is_stricter_about_slots() {
        let config = LinkerConfig {
            template: crate::network::TemplateConfig {
                mode: ShingleMode::Raw,
                threshold: 0.95,
                ..Default::default()
            },
            ..LinkerConfig::default()
        };
        let mut l = Linker::new(config).expect("valid");
        l.add(&post("p1", "a", &fill("Dinda", 21, "300rb", "1jt")))
            .expect("fits");
        let links = l
            .add(&post("p2", "b", &fill("Sinta", 23, "350rb", "1,2jt")))
            .expect("fits");
        assert!(links.is_empty());
    }

    #[test]
    fn bad_settings_are_refused() {
        let mut c = LinkerConfig::default();
        c.template.bands = 7;
        assert!(matches!(
            Linker::new(c),
            Err(Error::InvalidConfig { field: "bands", .. })
        ));
        let mut c = LinkerConfig::default();
        c.template.threshold = 0.0;
        assert!(BatchLinker::new(c).is_err());
    }

    #[test]
    fn output_is_json_with_evidence() {
        let mut l = Linker::new(LinkerConfig::default()).expect("valid");
        l.add(&post("p1", "a", "line: dinda_manis")).expect("fits");
        let links = l
            .add(&post("p2", "b", "ID LINE dinda_manis"))
            .expect("fits");
        let json = serde_json::to_value(&links[0]).expect("serialisable");
        assert_eq!(
            json,
            serde_json::json!({
                "a": "a", "b": "b", "by": "identifier", "kind": "line",
                "value": "dinda_manis", "items": ["p1", "p2"]
            })
        );
    }
}
