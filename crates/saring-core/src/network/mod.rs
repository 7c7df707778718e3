//! Networks: accounts that belong together because they share a phone number, a handle, a
//! payment account, a near-identical ad template or a near-identical photo.
//!
//! One pimp runs many accounts; a frozen account comes back under a new name. This module
//! finds those groups from content alone and keeps, for every link, the evidence a reviewer
//! needs: which identifier, template or photo, and the two items it came from.
//!
//! * [`identifiers`] extracts and normalises phones (to E.164), WhatsApp links, LINE,
//!   Telegram and Instagram handles, bank and e-wallet accounts.
//! * [`minhash`] turns an ad into a MinHash signature over character shingles (slot values
//!   normalised, raw values kept as features) with LSH band keys.
//! * [`photo`] holds 64-bit perceptual hashes and a Hamming-distance index.
//! * [`unionfind`] joins linked accounts into networks.
//! * [`Linker`] ties them together one post at a time (the service); [`BatchLinker`] does the
//!   same for a whole file with less memory (`saring link`).
//!
//! The nodes of the graph are opaque strings chosen by the caller: the service passes an
//! account (`AccountRef::to_string()`, `platform/account`), `saring link` the input's account
//! or, for an item without one, `item:<id>`. Two posts of one node never link to each other.
//! See `docs/networks.md` for the rules and thresholds.
//!
//! Like the rest of this crate, this module does no I/O: it takes text and hashes, and
//! returns values.

pub mod identifiers;
mod linker;
pub mod minhash;
pub mod photo;
pub mod unionfind;

use serde::{Deserialize, Serialize};

pub use identifiers::{Identifier, IdentifierKind};
pub use linker::{BatchLinker, Footprint, LinkStats, Linker, Prepared};
pub use minhash::{ShingleMode, Signature, TemplateConfig};
pub use photo::PhotoHash;

/// Result with this module's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong when linking.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is out of range.
    #[error("invalid linker setting `{field}`: {reason}")]
    InvalidConfig {
        /// The setting.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A photo hash could not be read.
    #[error("invalid photo hash: {0}")]
    InvalidPhotoHash(String),
    /// More items or nodes than the linker can number (2³² − 1).
    #[error("too many items or accounts for one linker")]
    TooMany,
}

/// What the linker links on, and its thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinkerConfig {
    /// Link on shared identifiers (phones, handles, accounts).
    pub identifiers: bool,
    /// Link on near-identical ad templates.
    pub templates: bool,
    /// Link on near-identical photos.
    pub photos: bool,
    /// Template parameters.
    pub template: TemplateConfig,
    /// Photos whose hashes differ in at most this many of 64 bits are one photo.
    pub photo_max_distance: u32,
    /// At most this many items are kept per LSH bucket (more members of one template add
    /// nothing: they are linked to those kept).
    pub bucket_cap: usize,
    /// The chain guard: a template link that joins two networks must also bring each of its
    /// two ads within this estimated similarity of one of the *other* network's anchors (the
    /// first signed ads that entered it, at most four). Without it, chains of ads each 0.8
    /// like the next (A ≈ B ≈ C ≈ …) drift into one network of unrelated operators. 0 turns
    /// the guard off.
    #[serde(default = "default_anchor_similarity")]
    pub anchor_similarity: f64,
    /// The streaming linker ([`Linker`]) compares a new ad with the most recent
    /// `template_window` ads it kept for templates (those that opened a bucket or anchor a
    /// network) and forgets older ones, so its memory stays bounded however long it runs.
    /// Older ads still link on identifiers and photos. [`BatchLinker`] sees a whole file and
    /// ignores it.
    #[serde(default = "default_template_window")]
    pub template_window: usize,
}

fn default_template_window() -> usize {
    100_000
}

fn default_anchor_similarity() -> f64 {
    0.75
}

impl Default for LinkerConfig {
    fn default() -> Self {
        LinkerConfig {
            identifiers: true,
            templates: true,
            photos: true,
            template: TemplateConfig::default(),
            photo_max_distance: 8,
            bucket_cap: 4,
            anchor_similarity: default_anchor_similarity(),
            template_window: default_template_window(),
        }
    }
}

impl LinkerConfig {
    /// Checks every setting and reports the first that is out of range.
    pub fn validate(&self) -> Result<()> {
        let bad = |field, reason: &str| {
            Err(Error::InvalidConfig {
                field,
                reason: reason.to_owned(),
            })
        };
        let t = &self.template;
        if !(t.threshold > 0.0 && t.threshold <= 1.0) {
            return bad("threshold", "must be above 0 and at most 1");
        }
        if t.shingle_chars == 0 || t.shingle_chars > 64 {
            return bad("shingle_chars", "must be 1 to 64");
        }
        if t.perms == 0 || t.perms > 1024 {
            return bad("perms", "must be 1 to 1024");
        }
        if t.bands == 0 || !t.perms.is_multiple_of(t.bands) {
            return bad("bands", "must divide perms");
        }
        if self.photo_max_distance > 32 {
            return bad("photo_max_distance", "must be at most 32 of 64 bits");
        }
        if self.bucket_cap == 0 {
            return bad("bucket_cap", "must be at least 1");
        }
        if !(0.0..=1.0).contains(&self.anchor_similarity) {
            return bad("anchor_similarity", "must be 0 to 1");
        }
        if self.template_window == 0 {
            return bad("template_window", "must be at least 1");
        }
        Ok(())
    }
}

/// One post to link: its id, the node it belongs to (an account), its text and the hashes of
/// its photos.
#[derive(Debug, Clone, Copy)]
pub struct Post<'a> {
    /// The item's id (shown in evidence).
    pub item: &'a str,
    /// The node: the account the item belongs to (see the module docs).
    pub node: &'a str,
    /// The text.
    pub text: &'a str,
    /// Perceptual hashes of its photos.
    pub photos: &'a [PhotoHash],
}

/// Why two nodes are linked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Evidence {
    /// Both items name this identifier.
    Identifier {
        /// The identifier's kind.
        kind: IdentifierKind,
        /// Its normalised value.
        value: String,
        /// The earlier and the later item.
        items: [String; 2],
    },
    /// The items are the same template.
    Template {
        /// Estimated Jaccard similarity of their shingle sets.
        similarity: f64,
        /// The earlier and the later item.
        items: [String; 2],
    },
    /// The items carry near-identical photos.
    Photo {
        /// Hamming distance of the photo hashes (0 to 64).
        distance: u32,
        /// The earlier and the later item.
        items: [String; 2],
    },
}

impl Evidence {
    /// The kind of evidence for counting: the identifier's kind, `template` or `photo`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Evidence::Identifier { kind, .. } => kind.as_str(),
            Evidence::Template { .. } => "template",
            Evidence::Photo { .. } => "photo",
        }
    }
}

/// A link between two nodes, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// The node of the earlier item.
    pub a: String,
    /// The node of the later item.
    pub b: String,
    /// Why.
    #[serde(flatten)]
    pub evidence: Evidence,
}

/// A network: nodes joined by links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Network {
    /// The network's id: its smallest member (stable while the network only grows by
    /// members that sort after it).
    pub id: String,
    /// The members, sorted.
    pub members: Vec<String>,
    /// How many items its members posted.
    pub items: u64,
    /// The links found between its members, in the order they were found.
    pub links: Vec<Link>,
}
