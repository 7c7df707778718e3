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

// `ngram_buckets` unrolls the 3-, 4- and 5-grams.
const _: () = assert!(NGRAM_MIN == 3 && NGRAM_MAX == 5);

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The FNV-1a state after the first byte of an n-gram, for each byte: `step(FNV_OFFSET, b)`.
static FNV_FIRST: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (FNV_OFFSET ^ b as u64).wrapping_mul(FNV_PRIME);
        b += 1;
    }
    t
};

/// Appends the bucket of every n-gram of `text` to `out` (with repetition) and returns the
/// value each occurrence carries: `1 / sqrt(count)`, so that long and short texts weigh
/// alike.
pub fn ngram_buckets(text: &str, buckets_log2: u8, out: &mut Vec<u32>) -> f32 {
    out.reserve(3 * (text.len() + 2));
    let count = for_each_ngram(text, buckets_log2, |b| out.push(b));
    ngram_value(count)
}

/// The value each of `count` n-gram occurrences carries: `1 / sqrt(count)`, 0 for none.
pub fn ngram_value(count: usize) -> f32 {
    if count == 0 {
        0.0
    } else {
        1.0 / (count as f32).sqrt()
    }
}

/// Calls `f` with the bucket of every n-gram of `text`, in the order [`ngram_buckets`]
/// lists them, and returns how many there were. Scoring sums the weights this way without
/// storing the buckets.
#[inline]
pub fn for_each_ngram(text: &str, buckets_log2: u8, mut f: impl FnMut(u32)) -> usize {
    // The padded text, `len` bytes: a space, the bytes with every digit read as `0`, a space.
    let bytes = text.as_bytes();
    let shape = |b: u8| -> u64 { u64::from(if b.is_ascii_digit() { b'0' } else { b }) };
    let pad = u64::from(b' ');
    let mask = (1u64 << buckets_log2) - 1;
    let bucket = |h: u64| ((h ^ (h >> 29)) & mask) as u32;
    let step = |h: u64, b: u64| (h ^ b).wrapping_mul(FNV_PRIME);
    let n = bytes.len();
    match n {
        // Two bytes: no n-gram.
        0 => return 0,
        // Three bytes: one 3-gram.
        1 => {
            f(bucket(step(
                step(step(FNV_OFFSET, pad), shape(bytes[0])),
                pad,
            )));
            return 1;
        }
        _ => {}
    }
    let len = n + 2;
    // Every start has a 3-gram; all but the last two also a 4-gram and a 5-gram. The bytes
    // of the window (padded positions start..start + 5) roll along, so each is mapped once.
    let (mut b0, mut b1, mut b2) = (pad, shape(bytes[0]), shape(bytes[1]));
    for start in 0..len - 4 {
        let b3 = shape(bytes[start + 2]);
        let b4 = if start + 3 < n {
            shape(bytes[start + 3])
        } else {
            pad
        };
        let h = step(step(step(FNV_OFFSET, b0), b1), b2);
        f(bucket(h));
        let h = step(h, b3);
        f(bucket(h));
        f(bucket(step(h, b4)));
        (b0, b1, b2) = (b1, b2, b3);
    }
    // The last two starts: a 3-gram and a 4-gram ending on the pad, then a 3-gram.
    let h = step(step(step(FNV_OFFSET, b0), b1), b2);
    f(bucket(h));
    f(bucket(step(h, pad)));
    f(bucket(step(step(step(FNV_OFFSET, b1), b2), pad)));
    3 * (len - 4) + 3
}

/// Writes into `out` the bytes the n-grams of normalised `text` are read from, hashtags and
/// mentions left out ([`strip_tags`]): a space, the bytes with every ASCII digit read as
/// `0`, a space. [`for_each_ngram_shaped`] on them gives what [`for_each_ngram`] gives on
/// the stripped text, without the copy and with each byte mapped once.
pub fn shape_untagged(text: &str, out: &mut Vec<u8>) {
    out.clear();
    out.reserve(text.len() + 2);
    out.push(b' ');
    let bytes = text.as_bytes();
    // Most texts have no `#` or `@`: their one run is the whole text.
    for_each_untagged_run(bytes, |run| out.extend_from_slice(&bytes[run]));
    // Digits read as `0`, in place: a select per byte, also vectorised.
    for b in &mut out[1..] {
        *b = if b.wrapping_sub(b'0') < 10 { b'0' } else { *b };
    }
    out.push(b' ');
}

/// The bytes a hashtag or mention is made of: ASCII letters, digits and `_`.
static TAG_WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    t
};

/// Calls `f` with the byte range of each run of `bytes` between hashtags (`#word`) and
/// mentions (`@word`), in order; the runs together are the text without its tags. A `#` or
/// `@` not followed by a word character is kept. Every range starts and ends next to an
/// ASCII byte or at an end, so on UTF-8 text it is a `str` range.
#[inline]
fn for_each_untagged_run(bytes: &[u8], mut f: impl FnMut(std::ops::Range<usize>)) {
    let word = |b: u8| TAG_WORD[usize::from(b)];
    let mut kept = 0;
    let mut i = 0;
    // The gaps between tags are searched with vector instructions.
    while let Some(at) = memchr::memchr2(b'#', b'@', &bytes[i..]) {
        i += at;
        if bytes.get(i + 1).is_some_and(|&n| word(n)) {
            f(kept..i);
            i += 1;
            while i < bytes.len() && word(bytes[i]) {
                i += 1;
            }
            kept = i;
        } else {
            i += 1;
        }
    }
    f(kept..bytes.len());
}

/// Calls `f(lane, bucket)` with the bucket of every n-gram of the text that
/// [`shape_untagged`] wrote `shaped` for (padding included), in the order of
/// [`for_each_ngram`], and returns how many there were. The `k`th n-gram has lane `k % 3`
/// (see [`ngram_weight_sum`]); at each call site it is a constant.
#[inline]
pub fn for_each_ngram_shaped(
    shaped: &[u8],
    buckets_log2: u8,
    mut f: impl FnMut(usize, u32),
) -> usize {
    let mask = (1u64 << buckets_log2) - 1;
    let bucket = |h: u64| ((h ^ (h >> 29)) & mask) as u32;
    let step = |h: u64, b: u8| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
    let len = shaped.len();
    if len < 4 {
        // At most one byte between the pads: one 3-gram or none.
        if let [a, b, c] = *shaped {
            f(0, bucket(step(step(step(FNV_OFFSET, a), b), c)));
            return 1;
        }
        return 0;
    }
    // Every start but the last two has a 3-, a 4- and a 5-gram. The first step of each is a
    // load ([`FNV_FIRST`]).
    for i in 0..len - 4 {
        // `i + 4 < len`: no bounds checks, and one counter for the loop.
        let h = step(
            step(FNV_FIRST[usize::from(shaped[i])], shaped[i + 1]),
            shaped[i + 2],
        );
        f(0, bucket(h));
        let h = step(h, shaped[i + 3]);
        f(1, bucket(h));
        f(2, bucket(step(h, shaped[i + 4])));
    }
    // The last two starts: a 3-gram and a 4-gram, then a 3-gram.
    let w = &shaped[len - 4..];
    let h = step(step(step(FNV_OFFSET, w[0]), w[1]), w[2]);
    f(0, bucket(h));
    f(1, bucket(step(h, w[3])));
    f(2, bucket(step(step(step(FNV_OFFSET, w[1]), w[2]), w[3])));
    3 * (len - 4) + 3
}

/// The sum of `weight` over `buckets` (n-grams in the order of [`for_each_ngram`]), as every
/// path of the model adds them: three running sums, the `k`th n-gram going to sum `k % 3`,
/// then `(sum 0 + sum 1) + sum 2`. Float addition is not associative, so all paths must add
/// in this one order to agree to the bit; three sums instead of one let the additions of a
/// text's ~700 n-grams overlap instead of each waiting for the last.
pub fn ngram_weight_sum(buckets: &[u32], weight: impl Fn(u32) -> f32) -> f32 {
    // `-0.0`, like `Iterator::sum` for floats.
    let mut lanes = [-0.0f32; 3];
    for triplet in buckets.chunks(3) {
        for (lane, &b) in lanes.iter_mut().zip(triplet) {
            *lane += weight(b);
        }
    }
    lanes_total(lanes)
}

/// The sum of [`ngram_weight_sum`]'s three running sums.
#[inline]
pub fn lanes_total(lanes: [f32; 3]) -> f32 {
    (lanes[0] + lanes[1]) + lanes[2]
}

/// Copies normalised `text` into `out` without hashtags (`#word`) and mentions (`@word`).
pub fn strip_tags(text: &str, out: &mut String) {
    out.clear();
    for_each_untagged_run(text.as_bytes(), |run| out.push_str(&text[run]));
}

/// Texts of every length below `lengths`, of bytes that exercise the n-gram hashing (ASCII,
/// digits, a two-byte and a four-byte character, a newline): a deterministic spread
/// (xorshift) for tests that compare two ways of computing the same thing.
#[cfg(test)]
pub(crate) fn spread_of_texts(lengths: usize) -> Vec<String> {
    let alphabet: Vec<char> = "ab o0912 .#@\nxé🔥".chars().collect();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..lengths)
        .map(|len| {
            (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_summed_in_three_lanes() {
        // Lane 0 gets the 1st and 4th n-grams, lane 1 the 2nd, lane 2 the 3rd: 1e8 and 1.0
        // meet only at the end, where the 1.0s are lost in one order and not the other.
        let weights = [1e8f32, 1.0, -1e8, 1.0];
        let sum = ngram_weight_sum(&[0, 1, 2, 3], |b| weights[b as usize]);
        assert_eq!(sum, ((1e8f32 + 1.0) + 1.0) + -1e8);
        assert_eq!(
            ngram_weight_sum(&[], |_| 1.0).to_bits(),
            (-0.0f32).to_bits()
        );
    }

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

    /// The straightforward definition the model was trained with (feature version 2).
    fn reference_buckets(text: &str, buckets_log2: u8, out: &mut Vec<u32>) -> f32 {
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

    #[test]
    fn buckets_match_the_reference_definition() {
        let mut texts: Vec<String> = ["", "a", "ab", "abc", "abcd", "0812 8845", "🔥 bo 300rb"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        texts.extend(spread_of_texts(200));
        for t in &texts {
            for log2 in [8, 18, 20] {
                let (mut a, mut b) = (vec![7], vec![7]);
                let va = ngram_buckets(t, log2, &mut a);
                let vb = reference_buckets(t, log2, &mut b);
                assert_eq!(a, b, "{t:?}");
                assert_eq!(va.to_bits(), vb.to_bits(), "{t:?}");
            }
        }
    }

    /// The shaped bytes, stripped of tags, give the n-grams of the stripped text.
    #[test]
    fn shaped_ngrams_match_the_stripped_text() {
        let mut texts: Vec<String> = [
            "",
            "a",
            "ab",
            "abc",
            "#tag",
            "@a",
            "#",
            "a#",
            "x #a_b1 y @c #",
            "🔥#bo💦 #openbojogja wa 0812",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        texts.extend(spread_of_texts(300));
        let (mut stripped, mut shaped) = (String::new(), Vec::new());
        for t in &texts {
            strip_tags(t, &mut stripped);
            shape_untagged(t, &mut shaped);
            for log2 in [8, 18] {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                let na = for_each_ngram(&stripped, log2, |x| a.push(x));
                let nb = for_each_ngram_shaped(&shaped, log2, |_, x| b.push(x));
                assert_eq!(a, b, "{t:?}");
                assert_eq!(na, nb, "{t:?}");
            }
        }
    }

    /// `shape_untagged` on a text without tags (one run, the whole text) and with tags; the
    /// digits read as `0` in place.
    #[test]
    fn shaped_bytes_with_and_without_tags() {
        let mut out = vec![b'x'; 3];
        shape_untagged("wa 0812 é🔥 9", &mut out);
        assert_eq!(out, " wa 0000 é🔥 0 ".as_bytes());
        shape_untagged("a1 #tag9 b2 @m_3 c#", &mut out);
        assert_eq!(out, b" a0  b0  c# ");
        shape_untagged("", &mut out);
        assert_eq!(out, b"  ");
    }

    /// The runs between tags, found with `memchr2` and the byte table, are those of the
    /// straightforward byte-by-byte search.
    #[test]
    fn untagged_runs_match_a_byte_by_byte_search() {
        fn reference(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
            let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
            let (mut runs, mut kept, mut i) = (Vec::new(), 0, 0);
            while let Some(at) = bytes[i..].iter().position(|&b| b == b'#' || b == b'@') {
                i += at;
                if bytes.get(i + 1).is_some_and(|&n| word(n)) {
                    runs.push(kept..i);
                    i += 1;
                    while i < bytes.len() && word(bytes[i]) {
                        i += 1;
                    }
                    kept = i;
                } else {
                    i += 1;
                }
            }
            runs.push(kept..bytes.len());
            runs
        }
        let mut texts: Vec<String> = [
            "",
            "#",
            "@",
            "##a",
            "#_",
            "a#b@c",
            "x #a_b1 y @c #",
            "@@@x",
            "#é",
            "tag at end #z",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        texts.extend(spread_of_texts(300));
        // Long texts, so that the vector search runs over whole blocks.
        texts.extend(spread_of_texts(80).iter().map(|t| t.repeat(9)));
        for t in &texts {
            let mut runs = Vec::new();
            for_each_untagged_run(t.as_bytes(), |r| runs.push(r));
            assert_eq!(runs, reference(t.as_bytes()), "{t:?}");
        }
        for b in 0..=255u8 {
            assert_eq!(
                TAG_WORD[usize::from(b)],
                b.is_ascii_alphanumeric() || b == b'_'
            );
        }
    }

    #[test]
    fn first_fnv_step_is_tabled() {
        for b in 0..=255u8 {
            let step = (FNV_OFFSET ^ u64::from(b)).wrapping_mul(FNV_PRIME);
            assert_eq!(FNV_FIRST[usize::from(b)], step);
        }
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
