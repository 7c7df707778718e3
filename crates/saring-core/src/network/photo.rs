//! Photo hashes: 64-bit perceptual hashes (pHash: DCT of a 32×32 greyscale thumbnail, bits
//! above the median of the 8×8 low frequencies) and an index that finds every stored hash
//! within a Hamming distance, as a BK-tree.
//!
//! The hash is computed by the caller (the CLI reads image files with `image` and
//! `image_hasher`; the service may receive hashes in events) — this crate does no I/O and
//! never sees a photo. Only hashes are kept.

use serde::{Deserialize, Serialize};

use super::Error;

/// A 64-bit perceptual hash of a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PhotoHash(pub u64);

impl PhotoHash {
    /// Parses 16 hexadecimal digits.
    pub fn from_hex(hex: &str) -> Result<PhotoHash, Error> {
        if hex.len() != 16 {
            return Err(Error::InvalidPhotoHash(format!(
                "expected 16 hex digits, found {} characters",
                hex.chars().count()
            )));
        }
        u64::from_str_radix(hex, 16)
            .map(PhotoHash)
            .map_err(|_| Error::InvalidPhotoHash("not hexadecimal".to_owned()))
    }

    /// The hash as 16 lowercase hexadecimal digits.
    pub fn to_hex(self) -> String {
        format!("{:016x}", self.0)
    }

    /// The number of bits in which two hashes differ.
    pub fn distance(self, other: PhotoHash) -> u32 {
        (self.0 ^ other.0).count_ones()
    }
}

/// One node of the tree: a hash, what it belongs to, and children by distance.
#[derive(Debug, Clone)]
struct BkNode {
    hash: PhotoHash,
    value: u32,
    children: Vec<(u8, u32)>,
}

/// Hashes with a `u32` value each, searchable by Hamming distance.
#[derive(Debug, Clone, Default)]
pub struct PhotoIndex {
    nodes: Vec<BkNode>,
}

impl PhotoIndex {
    /// An empty index.
    pub fn new() -> Self {
        PhotoIndex::default()
    }

    /// How many hashes it holds.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Adds a hash with its value.
    pub fn insert(&mut self, hash: PhotoHash, value: u32) {
        let new = u32::try_from(self.nodes.len())
            .expect("fewer than 2^32 photo hashes: one per input item at most");
        self.nodes.push(BkNode {
            hash,
            value,
            children: Vec::new(),
        });
        if new == 0 {
            return;
        }
        let mut at = 0usize;
        loop {
            let d = u8::try_from(self.nodes[at].hash.distance(hash))
                .expect("a Hamming distance of 64-bit hashes is at most 64");
            match self.nodes[at].children.iter().find(|(cd, _)| *cd == d) {
                Some(&(_, child)) => at = child as usize,
                None => {
                    self.nodes[at].children.push((d, new));
                    return;
                }
            }
        }
    }

    /// Every `(value, distance)` whose hash is within `max_distance` of `hash`.
    pub fn within(&self, hash: PhotoHash, max_distance: u32) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        if self.nodes.is_empty() {
            return out;
        }
        let mut stack = vec![0usize];
        while let Some(at) = stack.pop() {
            let node = &self.nodes[at];
            let d = node.hash.distance(hash);
            if d <= max_distance {
                out.push((node.value, d));
            }
            let (lo, hi) = (d.saturating_sub(max_distance), d + max_distance);
            for &(cd, child) in &node.children {
                if (lo..=hi).contains(&u32::from(cd)) {
                    stack.push(child as usize);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_errors() {
        let h = PhotoHash::from_hex("00ff00ff00ff00ff").expect("valid hex");
        assert_eq!(h.to_hex(), "00ff00ff00ff00ff");
        assert!(PhotoHash::from_hex("00ff").is_err());
        assert!(PhotoHash::from_hex("zzzzzzzzzzzzzzzz").is_err());
    }

    #[test]
    fn the_index_finds_exactly_the_near_hashes() {
        let mut index = PhotoIndex::new();
        let mut x = 0x1234_5678_9abc_def0u64;
        let mut hashes = Vec::new();
        for i in 0..2000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            hashes.push(PhotoHash(x));
            index.insert(PhotoHash(x), i);
        }
        let probe = PhotoHash(hashes[77].0 ^ 0b1011);
        for radius in [0, 3, 10, 24] {
            let mut got: Vec<u32> = index
                .within(probe, radius)
                .into_iter()
                .map(|v| v.0)
                .collect();
            got.sort_unstable();
            let want: Vec<u32> = (0..2000u32)
                .filter(|&i| hashes[i as usize].distance(probe) <= radius)
                .collect();
            assert_eq!(got, want, "radius {radius}");
        }
    }
}
