//! Features for the model: hashed character n-grams of the normalised text, plus the
//! policy pack's signals (one feature per rule, one per family).
//!
//! Hashtags and @mentions are left out of the n-grams ([`strip_tags`]): the labelled data
//! was collected by hashtag, so a model allowed to read them learns the collection method
//! instead of the content and fails on chat-app ads, which have none. Hashtags still count
//! through the policy pack's rules, which see the whole text and say what they matched.
//!
//! N-grams are 3 to 5 bytes long over the normalised text padded with a space at each end,
//! with every ASCII digit read as `0`, so that the shape of a price or a phone number counts
//! and its particular digits do not. They are hashed with 64-bit FNV-1a into a table of
//! `2^buckets_log2` weights: FNV is fixed by its specification, so a model file keeps its
//! meaning across builds, and it is cheap enough to run several hundred times per item.

/// Version of the feature layout; a model records it and refuses to load under another.
pub const FEATURE_VERSION: u32 = 2;

/// Shortest n-gram, in bytes.
pub const NGRAM_MIN: usize = 3;
/// Longest n-gram, in bytes.
pub const NGRAM_MAX: usize = 5;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Appends the bucket of every n-gram of `text` to `out` (with repetition) and returns the
/// value each occurrence carries: `1 / sqrt(count)`, so that long and short texts weigh
/// alike.
pub fn ngram_buckets(text: &str, buckets_log2: u8, out: &mut Vec<u32>) -> f32 {
    let bytes = text.as_bytes();
    let len = bytes.len() + 2;
    let at = |i: usize| -> u8 {
        if i == 0 || i == len - 1 {
            b' '
        } else {
            let b = bytes[i - 1];
            if b.is_ascii_digit() { b'0' } else { b }
        }
    };
    let mask = (1u64 << buckets_log2) - 1;
    let before = out.len();
    for start in 0..len.saturating_sub(NGRAM_MIN - 1) {
        let mut h = FNV_OFFSET;
        for n in 0..NGRAM_MAX.min(len - start) {
            h ^= u64::from(at(start + n));
            h = h.wrapping_mul(FNV_PRIME);
            if n + 1 >= NGRAM_MIN {
                out.push(((h ^ (h >> 29)) & mask) as u32);
            }
        }
    }
    let count = out.len() - before;
    if count == 0 {
        0.0
    } else {
        1.0 / (count as f32).sqrt()
    }
}

/// Copies normalised `text` into `out` without hashtags (`#word`) and mentions (`@word`).
pub fn strip_tags(text: &str, out: &mut String) {
    out.clear();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut kept = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if (b == b'#' || b == b'@')
            && bytes
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == b'_')
        {
            out.push_str(&text[kept..i]);
            i += 1;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            kept = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[kept..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_stripped() {
        let mut out = String::new();
        strip_tags("avail kak #openbojogja @user_1a wa ya #", &mut out);
        assert_eq!(out, "avail kak   wa ya #");
        strip_tags("🔥#bo💦", &mut out);
        assert_eq!(out, "🔥💦");
    }

    #[test]
    fn counts_and_value() {
        let mut out = Vec::new();
        // " ab " has 4 bytes: 2 trigrams, 1 four-gram.
        let v = ngram_buckets("ab", 10, &mut out);
        assert_eq!(out.len(), 3);
        assert!((v - 1.0 / 3f32.sqrt()).abs() < 1e-6);
        assert!(out.iter().all(|&b| b < 1024));
        out.clear();
        assert_eq!(ngram_buckets("", 10, &mut out), 0.0);
        assert!(out.is_empty());
    }

    #[test]
    fn digits_are_read_as_shape() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        ngram_buckets("wa 0812 8845", 18, &mut a);
        ngram_buckets("wa 0899 1234", 18, &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn different_text_different_buckets() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        ngram_buckets("open bo", 18, &mut a);
        ngram_buckets("toko baju", 18, &mut b);
        assert_ne!(a, b);
    }
}
