//! Normalisation that undoes the obfuscations people really use, while keeping a map from
//! every byte of the normalised text back to the original, so evidence spans highlight what
//! the author actually wrote.
//!
//! Two passes:
//!
//! 1. **Characters.** Invisible characters (zero-width, variation selectors, bidi controls,
//!    combining marks) are dropped; everything else goes through `decancer` (confusables and
//!    homoglyphs: Cyrillic and Greek look-alikes, fullwidth, mathematical alphanumerics,
//!    enclosed and emoji letters) and Unicode compatibility decomposition (NFKC without the
//!    diacritics), then lower case. Whitespace becomes a single space, line breaks stay.
//! 2. **Tokens.** Letters split by spaces, dots, stars or dashes (`o.p.e.n b-o`) are joined;
//!    leetspeak digits inside words become letters (`0p3n b0` → `open bo`) while numbers stay
//!    numbers (`ST 500`, `300rb`, `1,2jt`) and look-alike letters inside numbers become digits
//!    (`5OO` → `500`); repeated letters are collapsed to one (`opeeeen` → `open`; so
//!    `booking` → `boking`: patterns go through the same function, so they still match).
//!
//! The map holds, for each byte of the normalised text, the byte offset in the original of
//! the character it came from. [`Normalized::original_span`] turns a normalised range into
//! an original range that always lies on character boundaries.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Normalised text with its map back to the original.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalized {
    text: String,
    /// For each byte of `text`, the byte offset in the original of its source character.
    map: Vec<u32>,
}

impl Normalized {
    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Byte offset in the original of the character that produced normalised byte `i`.
    pub fn source_offset(&self, i: usize) -> usize {
        self.map.get(i).copied().unwrap_or(0) as usize
    }

    /// Maps the normalised byte range `start..end` back to a byte range of `original`
    /// (the text this was made from). The result covers every original character that
    /// contributed to the range, plus any invisible characters (variation selectors,
    /// zero-width joiners) that directly follow the last one, and always lies on character
    /// boundaries of `original`.
    pub fn original_span(&self, original: &str, start: usize, end: usize) -> (usize, usize) {
        if self.map.is_empty() || start >= self.map.len() {
            return (original.len(), original.len());
        }
        let o_start = self.map[start] as usize;
        let last = end.clamp(start + 1, self.map.len()) - 1;
        let o_last = self.map[last] as usize;
        let mut o_end = o_last + original[o_last..].chars().next().map_or(0, char::len_utf8);
        for c in original[o_end..].chars() {
            if is_invisible(c) {
                o_end += c.len_utf8();
            } else {
                break;
            }
        }
        (o_start.min(o_end), o_end)
    }
}

/// One visible character after pass 1, with the byte offset of its source character.
#[derive(Debug, Clone, Copy)]
struct Unit {
    c: char,
    off: u32,
}

/// A reusable normaliser. It keeps scratch buffers between calls, so scoring many texts
/// on one thread allocates almost nothing.
#[derive(Debug, Default)]
pub struct Normalizer {
    units: Vec<Unit>,
    /// Pass 1's output for plain ASCII text (see [`Normalizer::normalize_ascii`]).
    ascii: String,
    /// Pass 1's output on the mapped path, and the original offset of each of its bytes
    /// (see [`Normalizer::normalize_mapped`]), or for ASCII text with line breaks or tabs;
    /// both only grow.
    pass1: Vec<u8>,
    offs: Vec<u32>,
    tokens: Vec<(usize, usize)>,
    word: Vec<Unit>,
    cache: CharCache,
}

/// Pass 1's answer for recently seen non-ASCII characters: a small direct-mapped cache in
/// front of `decancer` and the Unicode tables, which emoji- and confusable-heavy text
/// otherwise consults for every character. The answer depends on the character alone.
#[derive(Debug, Default)]
struct CharCache {
    slots: Vec<CacheSlot>,
}

/// One cached character and the characters pass 1 turns it into.
#[derive(Debug, Default, Clone, Copy)]
struct CacheSlot {
    /// The character; `'\0'` (never cached: it is ASCII) marks an empty slot.
    key: char,
    len: u8,
    /// Whether every non-ASCII character of `out` is a symbol that pass 2 reads as part of
    /// a separator: not a letter, a digit or a split character (see
    /// [`Normalizer::normalize_mapped`]).
    symbols: bool,
    out: [char; CACHED_MAX],
}

impl CacheSlot {
    /// The slot for `c`, or None when pass 1 turns it into more than [`CACHED_MAX`]
    /// characters (such answers are computed every time).
    fn fill(c: char) -> Option<CacheSlot> {
        let mut fresh = CacheSlot {
            key: c,
            ..CacheSlot::default()
        };
        let mut fits = true;
        map_non_ascii(c, &mut |m| {
            if usize::from(fresh.len) < CACHED_MAX {
                fresh.out[usize::from(fresh.len)] = m;
                fresh.len += 1;
            } else {
                fits = false;
            }
        });
        fresh.symbols = fresh.out[..usize::from(fresh.len)]
            .iter()
            .all(|&m| m.is_ascii() || !(m.is_alphanumeric() || is_split_char(m)));
        fits.then_some(fresh)
    }
}

/// The most characters a cached answer holds; longer answers are computed every time.
const CACHED_MAX: usize = 4;
/// Slots in the cache (a power of two).
const CACHE_SLOTS: usize = 2048;

impl CharCache {
    /// Pass 1's characters for the non-ASCII character `c`, and whether those that are not
    /// ASCII are all symbols (see [`CacheSlot::symbols`]); None when they are more than
    /// [`CACHED_MAX`].
    fn lookup(&mut self, c: char) -> Option<(&[char], bool)> {
        let i = self.slot_of(c);
        if self.slots[i].key != c {
            self.slots[i] = CacheSlot::fill(c)?;
        }
        let slot = &self.slots[i];
        Some((&slot.out[..usize::from(slot.len)], slot.symbols))
    }

    /// Pushes pass 1's units for the non-ASCII character `c`.
    fn push(&mut self, c: char, off: u32, units: &mut Vec<Unit>) {
        let i = self.slot_of(c);
        let slot = &mut self.slots[i];
        if slot.key != c {
            let Some(fresh) = CacheSlot::fill(c) else {
                map_non_ascii(c, &mut |m| units.push(Unit { c: m, off }));
                return;
            };
            *slot = fresh;
        }
        for &m in &slot.out[..usize::from(slot.len)] {
            units.push(Unit { c: m, off });
        }
    }

    /// The slot `c` belongs in, allocating the slots on first use.
    fn slot_of(&mut self, c: char) -> usize {
        if self.slots.is_empty() {
            self.slots = vec![CacheSlot::default(); CACHE_SLOTS];
        }
        // Fibonacci hashing: the top bits of the product spread neighbouring code points.
        ((c as u32).wrapping_mul(0x9E37_79B1) >> (32 - CACHE_SLOTS.trailing_zeros())) as usize
    }
}

/// Normalises `text` with a fresh [`Normalizer`].
///
/// ```
/// use saring_detect::normalize::normalize;
///
/// let original = "yuk 0p3n b-0 kak";
/// let n = normalize(original);
/// assert_eq!(n.as_str(), "yuk open bo kak");
/// let start = n.as_str().find("open bo").unwrap();
/// let (s, e) = n.original_span(original, start, start + "open bo".len());
/// assert_eq!(&original[s..e], "0p3n b-0");
/// ```
pub fn normalize(text: &str) -> Normalized {
    let mut out = Normalized::default();
    Normalizer::default().normalize_into(text, &mut out);
    out
}

impl Normalizer {
    /// Normalises `text` into `out`, reusing `out`'s buffers.
    pub fn normalize_into(&mut self, text: &str, out: &mut Normalized) {
        if !self.normalize_ascii(text, out) && !self.normalize_mapped(text, out) {
            self.normalize_general(text, out);
        }
    }

    /// The fast path for plain ASCII text, which most texts are: every byte below 0x80 and
    /// no control character that pass 1 drops. Then pass 1 maps each byte to one byte at the
    /// same offset (lower case, whitespace classes), with no Unicode tables and an identity
    /// offset map; pass 2 ([`emit_ascii`]) writes what the general pass 2 would, mostly in
    /// bulk. Returns false, having written nothing, when `text` does not qualify.
    fn normalize_ascii(&mut self, text: &str, out: &mut Normalized) -> bool {
        let bytes = text.as_bytes();
        if !bytes.is_ascii() {
            return false;
        }
        // Control characters looked for without an early exit, which lets the compiler
        // compare many bytes per instruction.
        let controls = bytes
            .iter()
            .fold(false, |any, &b| any | (b < 0x20) | (b == 0x7F));
        let pass1 = if controls {
            // Line breaks and tabs: pass 1 through `ASCII_PASS`, eight bytes at a time
            // between them.
            let n = bytes.len();
            if self.pass1.len() < n {
                self.pass1.resize(n, 0);
            }
            let buf = &mut self.pass1[..n];
            let mut i = 0;
            while i < n {
                if let Some(lower) = plain_ascii_lower_at(bytes, i)
                    && let Some(to) = buf.get_mut(i..i + 8)
                {
                    to.copy_from_slice(&lower);
                    i += 8;
                    continue;
                }
                let m = ASCII_PASS[usize::from(bytes[i])];
                if m == 0 {
                    return false;
                }
                buf[i] = m;
                i += 1;
            }
            let Ok(pass1) = std::str::from_utf8(buf) else {
                return false;
            };
            pass1
        } else {
            // No control character: pass 1 only lowers the case.
            self.ascii.clear();
            self.ascii.push_str(text);
            self.ascii.make_ascii_lowercase();
            &self.ascii
        };
        out.text.clear();
        out.map.clear();
        out.text.reserve(bytes.len());
        out.map.reserve(bytes.len());
        emit_ascii(&Ascii(pass1), &mut self.tokens, &mut self.word, out);
        true
    }

    /// The path for other text whose pass 1 writes only ASCII characters (look-alike
    /// letters, no-break spaces, emoji dropped as invisible…) and non-ASCII symbols that are
    /// neither letters, digits nor split characters (emoji kept as they are), nearly all of
    /// it: pass 1 writes UTF-8 bytes and the original offset of each, and pass 2 is
    /// [`emit_ascii`] with that map, the symbols' bytes read as separator bytes. Returns
    /// false, having written nothing, when pass 1 writes another character (or more than
    /// twice the text's length).
    fn normalize_mapped(&mut self, text: &str, out: &mut Normalized) -> bool {
        let bytes = text.as_bytes();
        let n = bytes.len();
        // Pass 1 writes at most two bytes per original byte: one per ASCII byte, and at most
        // `CACHED_MAX` (4) per non-ASCII character, which takes two bytes or more. The
        // buffers only grow, so they are not cleared: every byte read below was written.
        let cap = 2 * n + 8;
        if self.pass1.len() < cap {
            self.pass1.resize(cap, 0);
        }
        if self.offs.len() < cap {
            self.offs.resize(cap, 0);
        }
        let buf = &mut self.pass1[..cap];
        let offs = &mut self.offs[..cap];
        let mut i = 0;
        let mut j = 0;
        let mut wide = false;
        while i < n {
            let b = bytes[i];
            // Eight ASCII bytes without control characters: lower case, offsets `i..i + 8`
            // (not tried at a non-ASCII character, where it would fail).
            if b.is_ascii()
                && let Some(lower) = plain_ascii_lower_at(bytes, i)
                && let Some(to) = buf.get_mut(j..j + 8)
                && let Some(o) = offs.get_mut(j..j + 8)
            {
                to.copy_from_slice(&lower);
                for (k, o) in o.iter_mut().enumerate() {
                    *o = (i + k) as u32;
                }
                i += 8;
                j += 8;
                continue;
            }
            if b.is_ascii() {
                // Written unconditionally; kept (`j` moves on) unless pass 1 drops it.
                let m = ASCII_PASS[usize::from(b)];
                let (Some(to), Some(o)) = (buf.get_mut(j), offs.get_mut(j)) else {
                    return false;
                };
                *to = m;
                *o = i as u32;
                j += usize::from(m != 0);
                i += 1;
            } else {
                // `i` is on a character boundary: ASCII bytes and whole characters precede it.
                let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                    break;
                };
                let off = i as u32;
                let Some((chars, symbols)) = self.cache.lookup(c) else {
                    return false;
                };
                for &m in chars {
                    if let Ok(m) = u8::try_from(m)
                        && m.is_ascii()
                    {
                        let (Some(to), Some(o)) = (buf.get_mut(j), offs.get_mut(j)) else {
                            return false;
                        };
                        *to = m;
                        *o = off;
                        j += 1;
                        continue;
                    }
                    // Another symbol (an emoji, a box-drawing character…): pass 2 reads it
                    // as part of a separator, as the general path does. Letters, digits and
                    // split characters are left to the general path.
                    if !symbols {
                        return false;
                    }
                    let len = m.len_utf8();
                    let (Some(to), Some(o)) = (buf.get_mut(j..j + len), offs.get_mut(j..j + len))
                    else {
                        return false;
                    };
                    m.encode_utf8(to);
                    o.fill(off);
                    j += len;
                    wide = true;
                }
                i += c.len_utf8();
            }
        }
        let Ok(pass1) = std::str::from_utf8(&buf[..j]) else {
            return false;
        };
        out.text.clear();
        out.map.clear();
        out.text.reserve(j);
        out.map.reserve(j);
        let units = Mapped {
            text: pass1,
            offs: &offs[..j],
            wide,
        };
        emit_ascii(&units, &mut self.tokens, &mut self.word, out);
        true
    }

    /// The general path, for any text.
    fn normalize_general(&mut self, text: &str, out: &mut Normalized) {
        out.text.clear();
        out.map.clear();
        self.units.clear();
        self.tokens.clear();
        chars_pass(text, &mut self.units, &mut self.cache);
        let units = self.units.as_slice();
        tokenize(units, &mut self.tokens);
        emit(units, &self.tokens, &mut self.word, out);
    }
}

/// Pass 1 for one ASCII byte: the byte it becomes, or 0 for the control characters that
/// pass 1 drops (see [`chars_pass`]).
static ASCII_PASS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = match b as u8 {
            b'\n' | b'\r' | 0x0B | 0x0C => b'\n',
            b' ' | b'\t' => b' ',
            0x00..=0x1F | 0x7F => 0,
            c => c.to_ascii_lowercase(),
        };
        b += 1;
    }
    t
};

/// [`plain_ascii_lower`] of `bytes[i..i + 8]`; None also when fewer than eight bytes are
/// left.
#[inline(always)]
fn plain_ascii_lower_at(bytes: &[u8], i: usize) -> Option<[u8; 8]> {
    let word = <[u8; 8]>::try_from(bytes.get(i..i + 8)?).ok()?;
    plain_ascii_lower(u64::from_le_bytes(word)).map(u64::to_le_bytes)
}

/// Pass 1 for eight ASCII bytes read as a little-endian word: the word in lower case, or
/// None when a byte is not ASCII or is a control character (which [`ASCII_PASS`] may map
/// to another byte or drop). Each byte's value stays below 0x80 in the sums, so no carry
/// crosses into the next byte.
#[inline(always)]
fn plain_ascii_lower(w: u64) -> Option<u64> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit of each byte: not ASCII; below 0x20 (b + 0x60 < 0x80); 0x7F (b + 1 = 0x80).
    if (w | !w.wrapping_add(ONES * 0x60) | w.wrapping_add(ONES)) & HIGH != 0 {
        return None;
    }
    // `A`..=`Z`: b + 0x3F reaches 0x80 (b >= 0x41) and b + 0x25 does not (b < 0x5B).
    let upper = w.wrapping_add(ONES * 0x3F) & !w.wrapping_add(ONES * 0x25) & HIGH;
    Some(w | (upper >> 2))
}

/// Pass 1's output as pass 2 reads it: for each position, a character and the byte offset
/// in the original of the character it came from.
trait Units {
    /// Number of positions.
    fn len(&self) -> usize;
    /// The character at position `i`.
    fn c(&self, i: usize) -> char;
    /// The original byte offset of position `i`.
    fn off(&self, i: usize) -> u32;
    /// Positions `s..e` as text, when each position is one byte at its own offset (the
    /// ASCII fast path): then they can be copied in bulk.
    fn as_identity(&self, s: usize, e: usize) -> Option<&str>;
    /// Positions `s..e` as text when they are the UTF-8 bytes of characters, some of them
    /// not ASCII (symbols on the mapped path), each byte at its character's offset: then
    /// [`Units::c`] does not give their characters, and they are read from the text.
    #[inline]
    fn wide(&self, _s: usize, _e: usize) -> Option<&str> {
        None
    }
}

impl Units for [Unit] {
    #[inline]
    fn len(&self) -> usize {
        <[Unit]>::len(self)
    }
    #[inline]
    fn c(&self, i: usize) -> char {
        self[i].c
    }
    #[inline]
    fn off(&self, i: usize) -> u32 {
        self[i].off
    }
    #[inline]
    fn as_identity(&self, _: usize, _: usize) -> Option<&str> {
        None
    }
}

/// Pass 1's output for plain ASCII text: one byte per original byte, at the same offset.
struct Ascii<'a>(&'a str);

impl Units for Ascii<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline]
    fn c(&self, i: usize) -> char {
        char::from(self.0.as_bytes()[i])
    }
    #[inline]
    fn off(&self, i: usize) -> u32 {
        i as u32
    }
    #[inline]
    fn as_identity(&self, s: usize, e: usize) -> Option<&str> {
        self.0.get(s..e)
    }
}

/// Pass 1's output from any text when every character it wrote is ASCII or a symbol that
/// pass 2 reads as a separator character: one byte per position (a symbol takes the
/// positions of its UTF-8 bytes), with the original offset of each (see
/// [`Normalizer::normalize_mapped`]).
struct Mapped<'a> {
    text: &'a str,
    offs: &'a [u32],
    /// Whether `text` holds a non-ASCII symbol.
    wide: bool,
}

impl Units for Mapped<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.text.len()
    }
    #[inline]
    fn c(&self, i: usize) -> char {
        char::from(self.text.as_bytes()[i])
    }
    #[inline]
    fn off(&self, i: usize) -> u32 {
        self.offs[i]
    }
    #[inline]
    fn as_identity(&self, _: usize, _: usize) -> Option<&str> {
        None
    }
    #[inline]
    fn wide(&self, s: usize, e: usize) -> Option<&str> {
        if !self.wide {
            return None;
        }
        self.text.get(s..e).filter(|t| !t.is_ascii())
    }
}

/// Pass 1's output as one ASCII byte per position, which [`emit_ascii`] reads.
trait AsciiUnits: Units {
    /// Whether non-ASCII symbols may be among the positions (see [`Mapped`]).
    const WIDE: bool;
    /// The positions as text.
    fn text(&self) -> &str;
    /// Appends the offsets of positions `s..e` to `map`.
    fn extend_map(&self, map: &mut Vec<u32>, s: usize, e: usize);
}

impl AsciiUnits for Ascii<'_> {
    const WIDE: bool = false;
    #[inline]
    fn text(&self) -> &str {
        self.0
    }
    #[inline]
    fn extend_map(&self, map: &mut Vec<u32>, s: usize, e: usize) {
        map.extend(s as u32..e as u32);
    }
}

impl AsciiUnits for Mapped<'_> {
    const WIDE: bool = true;
    #[inline]
    fn text(&self) -> &str {
        self.text
    }
    #[inline]
    fn extend_map(&self, map: &mut Vec<u32>, s: usize, e: usize) {
        map.extend_from_slice(&self.offs[s..e]);
    }
}

/// Classes of ASCII pass-1 bytes, as [`emit_ascii`] reads them (bits of [`ASCII_CLASS`]).
const LETTER: u8 = 1;
const DIGIT: u8 = 2;
/// `@` and `$`: word bytes between letters (see [`ascii_is_word`]).
const LEET_SYMBOL: u8 = 4;
/// A space or a line break: two of them next to each other collapse (see [`push_separator`]).
const BLANK: u8 = 8;

/// The class of each byte (0 for punctuation, control and non-ASCII bytes).
static ASCII_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphabetic() {
            LETTER
        } else if c.is_ascii_digit() {
            DIGIT
        } else if c == b'@' || c == b'$' {
            LEET_SYMBOL
        } else if c == b' ' || c == b'\n' {
            BLANK
        } else {
            0
        };
        b += 1;
    }
    t
};

/// True when byte `i` of ASCII pass-1 text `b` belongs to a word: [`ascii_is_word`] through
/// [`ASCII_CLASS`].
#[inline(always)]
fn ascii_word_at(b: &[u8], i: usize) -> bool {
    let k = ASCII_CLASS[usize::from(b[i])];
    k & (LETTER | DIGIT) != 0 || (k & LEET_SYMBOL != 0 && ascii_is_word(b, i))
}

/// Pass 2 for the ASCII fast path: what [`tokenize`] and [`emit`] do, in one pass over the
/// bytes, writing most of the text in bulk.
///
/// Most of an ASCII text comes out exactly as it went in, with the identity map: words
/// without digits, `@`, `$` or a repeated letter, numbers, and separators without a
/// repeated character or a space next to a line break (after a token, whose last byte is
/// a letter or digit, such a separator's bytes are each written as they are by
/// [`push_separator`]). Those stretches are not written one by one: the pending stretch
/// `b[run..i]` grows until a token or separator needs another treatment, and is then
/// written with one copy and one map range. A token that may begin a run of split letters
/// (a single letter, `ooo`, or a leet digit) is gathered with the single-letter tokens that
/// follow it and handed to [`emit_tokens`], which is all [`spaced_run`] looks at; words
/// with leetspeak go through [`emit_leet_ascii`], words with repeats are written byte by
/// byte. On the mapped path a separator may hold non-ASCII symbols: it is then written by
/// [`push_separator`], which reads their characters from the text.
fn emit_ascii<U: AsciiUnits>(
    units: &U,
    tokens: &mut Vec<(usize, usize)>,
    word: &mut Vec<Unit>,
    out: &mut Normalized,
) {
    let text = units.text();
    let b = text.as_bytes();
    let n = b.len();
    // Writes the pending stretch `b[run..to]` with its map.
    let flush = |out: &mut Normalized, run: usize, to: usize| {
        if run < to {
            out.text.push_str(&text[run..to]);
            units.extend_map(&mut out.map, run, to);
        }
    };
    let token_end = |mut i: usize| {
        while i < n && ascii_word_at(b, i) {
            i += 1;
        }
        i
    };
    let mut run = 0usize;
    let mut i = 0usize;
    loop {
        // The separator `b[sep..i]`. It is written as it is unless two neighbours are the
        // same byte or both blanks (the byte before it, if any, is a letter or a digit).
        let sep = i;
        let mut plain_sep = true;
        // The usual separator, one space before a letter or digit, is plain: what the loop
        // below finds for it, without the loop.
        if b.get(i) == Some(&b' ')
            && b.get(i + 1)
                .is_some_and(|&c| ASCII_CLASS[usize::from(c)] & (LETTER | DIGIT) != 0)
        {
            i += 1;
        } else {
            let mut prev = 0u8;
            while i < n {
                let c = b[i];
                let k = ASCII_CLASS[usize::from(c)];
                if k & (LETTER | DIGIT) != 0 || (k & LEET_SYMBOL != 0 && ascii_is_word(b, i)) {
                    break;
                }
                // A non-ASCII symbol's bytes (mapped path) are written by `push_separator`,
                // which collapses repeated characters.
                if c == prev
                    || k & ASCII_CLASS[usize::from(prev)] & BLANK != 0
                    || (U::WIDE && c >= 0x80)
                {
                    plain_sep = false;
                }
                prev = c;
                i += 1;
            }
            if i == n {
                if !plain_sep {
                    flush(out, run, sep);
                    push_separator(out, units, sep, n);
                    run = n;
                }
                break;
            }
        }
        // The token `b[start..i]`, with the classes of its bytes and whether neighbours
        // repeat (`repeat`).
        let start = i;
        let first = b[start];
        let mut kinds = ASCII_CLASS[usize::from(first)];
        let mut repeat = false;
        i += 1;
        while i < n {
            let c = b[i];
            let k = ASCII_CLASS[usize::from(c)];
            if k & (LETTER | DIGIT) == 0 && !(k & LEET_SYMBOL != 0 && ascii_is_word(b, i)) {
                break;
            }
            repeat |= c == b[i - 1];
            kinds |= k;
            i += 1;
        }
        let end = i;
        // [`is_single`]: one letter, possibly stretched (then its bytes repeat), or one leet
        // digit.
        let one_letter = kinds == LETTER
            && (end - start == 1 || (repeat && b[start..end].iter().all(|&c| c == first)));
        if one_letter || (end - start == 1 && is_leet_digit(char::from(first))) {
            flush(out, run, sep);
            tokens.clear();
            tokens.push((start, end));
            loop {
                while i < n && !ascii_word_at(b, i) {
                    i += 1;
                }
                if i == n {
                    break;
                }
                let e = token_end(i + 1);
                if !is_single(units, i, e) {
                    break;
                }
                tokens.push((i, e));
                i = e;
            }
            i = emit_tokens(units, tokens, sep, word, out);
            run = i;
            continue;
        }
        if !plain_sep {
            flush(out, run, sep);
            push_separator(out, units, sep, start);
            run = start;
        }
        if kinds == LETTER || kinds == DIGIT {
            // A word or a number: digits never collapse, letters only when repeated.
            if kinds == DIGIT || !repeat {
                continue;
            }
            flush(out, run, start);
            let mut prev = 0u8;
            for (k, &c) in b[start..end].iter().enumerate() {
                if c != prev {
                    out.text.push(char::from(c));
                    out.map.push(units.off(start + k));
                }
                prev = c;
            }
        } else {
            flush(out, run, start);
            emit_leet_ascii(units, start, end, word, out);
        }
        run = end;
    }
    flush(out, run, n);
}

/// [`flush_word`] for the ASCII token at positions `s..e` of `units`: leetspeak resolved
/// and repeats collapsed on a copy of its bytes, without building units.
#[inline]
fn emit_leet_ascii<U: AsciiUnits>(
    units: &U,
    s: usize,
    e: usize,
    word: &mut Vec<Unit>,
    out: &mut Normalized,
) {
    let mut buf = [0u8; 32];
    let Some(w) = buf.get_mut(..e - s) else {
        word.clear();
        push_units(units, s, e, word);
        flush_word(word, out);
        return;
    };
    w.copy_from_slice(&units.text().as_bytes()[s..e]);
    resolve_leet(w);
    let mut prev = 0u8;
    for (k, &c) in w.iter().enumerate() {
        if c == prev && !c.is_ascii_digit() {
            continue;
        }
        prev = c;
        out.text.push(char::from(c));
        out.map.push(units.off(s + k));
    }
}

/// [`is_word`] for ASCII bytes.
#[inline(always)]
fn ascii_is_word(b: &[u8], i: usize) -> bool {
    let c = b[i];
    if c.is_ascii_alphanumeric() {
        return true;
    }
    let next_letter = || i + 1 < b.len() && b[i + 1].is_ascii_alphabetic();
    match c {
        b'@' => i > 0 && b[i - 1].is_ascii_alphabetic() && next_letter(),
        b'$' => next_letter() && (i == 0 || !b[i - 1].is_ascii_digit()),
        _ => false,
    }
}

/// Pass 2: joins split letters, resolves leetspeak, collapses repeats, writes `out`.
fn emit<U: Units + ?Sized>(
    units: &U,
    tokens: &[(usize, usize)],
    word: &mut Vec<Unit>,
    out: &mut Normalized,
) {
    let prev_end = emit_tokens(units, tokens, 0, word, out);
    push_separator(out, units, prev_end, units.len());
}

/// Writes `tokens`, each after the separator before it (from `prev_end`, the end of the
/// previous token); returns the end of the last one.
fn emit_tokens<U: Units + ?Sized>(
    units: &U,
    tokens: &[(usize, usize)],
    mut prev_end: usize,
    word: &mut Vec<Unit>,
    out: &mut Normalized,
) -> usize {
    let mut t = 0usize;
    while t < tokens.len() {
        let (start, _) = tokens[t];
        // Separator before this token.
        push_separator(out, units, prev_end, start);
        let run = spaced_run(units, tokens, t);
        if run > 1 {
            // Letters split by separators: join them, breaking words where a separator
            // holds more space than the run's usual one (`o.p.e.n b-o`, `o p e n  b o`).
            word.clear();
            let (us, ue) = usual_separator(units, &tokens[t..t + run]);
            let usual = spaces(units, us, ue);
            for k in t..t + run {
                if k > t {
                    let (ss, se) = (tokens[k - 1].1, tokens[k].0);
                    if spaces(units, ss, se) > usual {
                        flush_word(word, out);
                        push_unit(out, ' ', units.off(ss));
                    }
                }
                push_units(units, tokens[k].0, tokens[k].1, word);
            }
            flush_word(word, out);
            prev_end = tokens[t + run - 1].1;
            t += run;
        } else {
            let (s, e) = tokens[t];
            emit_token(units, s, e, word, out);
            prev_end = e;
            t += 1;
        }
    }
    prev_end
}

/// Appends positions `s..e` to `word`.
fn push_units<U: Units + ?Sized>(units: &U, s: usize, e: usize, word: &mut Vec<Unit>) {
    word.extend((s..e).map(|i| Unit {
        c: units.c(i),
        off: units.off(i),
    }));
}

/// Writes the one-token word at positions `s..e`. A word without ASCII digits, `@` or `$`
/// has no leetspeak to resolve (see [`resolve_leet`]): only its repeats collapse, written
/// straight out, as [`flush_word`] would.
#[inline]
fn emit_token<U: Units + ?Sized>(
    units: &U,
    s: usize,
    e: usize,
    word: &mut Vec<Unit>,
    out: &mut Normalized,
) {
    let plain = (s..e).all(|i| {
        let c = units.c(i);
        !c.is_ascii_digit() && c != '@' && c != '$'
    });
    if plain && let Some(w) = units.as_identity(s, e) {
        // Copy the stretches between repeats in bulk.
        let bytes = w.as_bytes();
        let mut from = 0;
        for k in 1..bytes.len() {
            if bytes[k] == bytes[k - 1] {
                push_identity(out, w, s, from, k);
                from = k + 1;
            }
        }
        push_identity(out, w, s, from, bytes.len());
    } else if plain {
        let mut prev: Option<char> = None;
        for i in s..e {
            let c = units.c(i);
            if prev == Some(c) {
                continue;
            }
            prev = Some(c);
            push_unit(out, c, units.off(i));
        }
    } else if (s..e).all(|i| units.c(i).is_ascii_digit()) {
        // A number: no leetspeak, and digits do not collapse (see [`flush_word`]).
        for i in s..e {
            push_unit(out, units.c(i), units.off(i));
        }
    } else {
        word.clear();
        push_units(units, s, e, word);
        flush_word(word, out);
    }
}

/// Writes `w[from..to]`, which starts at original offset `s`, with its identity map.
#[inline]
fn push_identity(out: &mut Normalized, w: &str, s: usize, from: usize, to: usize) {
    if from < to {
        out.text.push_str(&w[from..to]);
        out.map.extend((s + from) as u32..(s + to) as u32);
    }
}

/// Writes one word: resolves leetspeak, collapses repeated letters.
fn flush_word(word: &mut Vec<Unit>, out: &mut Normalized) {
    if word.is_empty() {
        return;
    }
    resolve_leet(word.as_mut_slice());
    let mut prev: Option<char> = None;
    for &u in word.iter() {
        if prev == Some(u.c) && !u.c.is_ascii_digit() {
            continue;
        }
        prev = Some(u.c);
        push_unit(out, u.c, u.off);
    }
    word.clear();
}

/// The last character of `text`.
#[inline]
fn last_char(text: &str) -> Option<char> {
    match text.as_bytes().last() {
        Some(&b) if b.is_ascii() => Some(char::from(b)),
        _ => text.chars().next_back(),
    }
}

/// Writes the separator characters at positions `s..e`, collapsing repeats of the same
/// character.
fn push_separator<U: Units + ?Sized>(out: &mut Normalized, units: &U, s: usize, e: usize) {
    // The usual separator, one space after a letter or digit, is written as it is (what
    // the loop below does with it, without reading the last character back).
    if e == s + 1
        && units.c(s) == ' '
        && out
            .text
            .as_bytes()
            .last()
            .is_some_and(u8::is_ascii_alphanumeric)
    {
        out.text.push(' ');
        out.map.push(units.off(s));
        return;
    }
    if let Some(wide) = units.wide(s, e) {
        for (k, c) in wide.char_indices() {
            push_separator_char(out, c, units.off(s + k));
        }
        return;
    }
    for i in s..e {
        push_separator_char(out, units.c(i), units.off(i));
    }
}

/// Writes one separator character, unless it repeats the last one written.
#[inline(always)]
fn push_separator_char(out: &mut Normalized, c: char, off: u32) {
    let last = last_char(&out.text);
    if last == Some(c) && !c.is_ascii_digit() {
        return;
    }
    if c == '\n' && last == Some(' ') {
        // "  \n" collapses to a line break.
        out.text.pop();
        out.map.pop();
    } else if c == ' ' && last == Some('\n') {
        return;
    }
    push_unit(out, c, off);
}

#[inline(always)]
fn push_unit(out: &mut Normalized, c: char, off: u32) {
    // Pushed in each branch, so that an ASCII character is pushed as the one byte it is.
    if c.is_ascii() {
        out.text.push(c);
        out.map.push(off);
    } else {
        out.text.push(c);
        for _ in 0..c.len_utf8() {
            out.map.push(off);
        }
    }
}

/// True for characters that carry no visible content and are dropped: zero-width
/// characters, joiners, variation selectors, bidi controls, tags, soft hyphens, combining
/// marks (diacritics, the keycap enclosure of `1️⃣`).
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{E0000}'..='\u{E0FFF}')
        || is_combining_mark(c)
}

/// Pass 1: maps every character, dropping invisible ones. ASCII bytes, most of any text,
/// go through [`ASCII_PASS`] without being decoded as characters.
fn chars_pass(text: &str, units: &mut Vec<Unit>, cache: &mut CharCache) {
    units.reserve(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            let m = ASCII_PASS[usize::from(b)];
            if m != 0 {
                units.push(Unit {
                    c: char::from(m),
                    off: i as u32,
                });
            }
            i += 1;
        } else {
            // `i` is on a character boundary: ASCII bytes and whole characters precede it.
            let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                break;
            };
            cache.push(c, i as u32, units);
            i += c.len_utf8();
        }
    }
}

/// Pass 1 for one non-ASCII character: calls `push` with each character it becomes.
fn map_non_ascii(c: char, push: &mut impl FnMut(char)) {
    if is_invisible(c) {
        return;
    }
    if matches!(c, '\u{2028}' | '\u{2029}' | '\u{0085}') {
        push('\n');
        return;
    }
    if c.is_whitespace() {
        push(' ');
        return;
    }
    if let Some(m) = parenthesized(c) {
        for d in m.chars() {
            push(d);
        }
        return;
    }
    match decancer::cure_char(c, decancer::Options::default()) {
        decancer::Translation::Character(m) if m != c => push_lower(push, m),
        decancer::Translation::Character(_) => {
            // decancer left it alone: apply compatibility decomposition, drop marks.
            decompose_compatible(c, |d| {
                if !is_combining_mark(d) && !is_invisible(d) {
                    push_lower(push, d);
                }
            });
        }
        decancer::Translation::String(s) => {
            for m in s.chars() {
                push_lower(push, m);
            }
        }
        decancer::Translation::None => {}
    }
}

/// Parenthesized and full-stop letters and numbers (`⒪⒫⒠⒩`, `🄑🄞`, `⑯`, `⒗`), which
/// compatibility decomposition turns into `(o)(p)(e)(n)` and `16.`: read as the plain letter
/// or number, so disguised words and ages match like any other.
fn parenthesized(c: char) -> Option<&'static str> {
    const LETTERS: [&str; 26] = [
        "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r",
        "s", "t", "u", "v", "w", "x", "y", "z",
    ];
    const NUMBERS: [&str; 20] = [
        "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
        "17", "18", "19", "20",
    ];
    let code = c as u32;
    match code {
        // ⒜..⒵ and 🄐..🄩 (parenthesized small and capital letters).
        0x249C..=0x24B5 => Some(LETTERS[(code - 0x249C) as usize]),
        0x1F110..=0x1F129 => Some(LETTERS[(code - 0x1F110) as usize]),
        // ⑴..⒇ (parenthesized numbers) and ⒈..⒛ (numbers with a full stop).
        0x2474..=0x2487 => Some(NUMBERS[(code - 0x2474) as usize]),
        0x2488..=0x249B => Some(NUMBERS[(code - 0x2488) as usize]),
        _ => None,
    }
}

fn push_lower(push: &mut impl FnMut(char), c: char) {
    if c.is_ascii() {
        let c = if c.is_ascii_whitespace() {
            ' '
        } else {
            c.to_ascii_lowercase()
        };
        if !c.is_ascii_control() {
            push(c);
        }
    } else if c.is_whitespace() {
        push(' ');
    } else {
        for l in c.to_lowercase() {
            push(l);
        }
    }
}

/// True for characters that belong to words: letters, digits, and the leet symbols `@` and
/// `$` when they sit between letters (`m@mi`, `$ex`).
#[inline(always)]
fn is_word<U: Units + ?Sized>(units: &U, i: usize) -> bool {
    let c = units.c(i);
    if c.is_ascii_alphanumeric() || (!c.is_ascii() && c.is_alphanumeric()) {
        return true;
    }
    if c != '@' && c != '$' {
        return false;
    }
    let next_letter = i + 1 < units.len() && units.c(i + 1).is_ascii_alphabetic();
    let prev_letter = i > 0 && units.c(i - 1).is_ascii_alphabetic();
    match c {
        '@' => prev_letter && next_letter,
        _ => next_letter && (prev_letter || i == 0 || !units.c(i - 1).is_alphanumeric()),
    }
}

/// Splits units into word tokens, as `(start, end)` index ranges.
fn tokenize<U: Units + ?Sized>(units: &U, tokens: &mut Vec<(usize, usize)>) {
    let mut i = 0;
    let n = units.len();
    while i < n {
        if is_word(units, i) {
            let start = i;
            i += 1;
            while i < n && is_word(units, i) {
                i += 1;
            }
            tokens.push((start, i));
        } else {
            i += 1;
        }
    }
}

/// Characters that may split the letters of an obfuscated word.
fn is_split_char(c: char) -> bool {
    matches!(
        c,
        ' ' | '.' | '-' | '*' | '_' | '·' | '•' | ',' | '~' | '+' | '|' | '/' | '=' | '^'
    )
}

/// The characters of [`is_split_char`], in a fixed order (see [`separator_key`]).
const SPLIT_CHARS: [char; 14] = [
    ' ', '.', '-', '*', '_', '·', '•', ',', '~', '+', '|', '/', '=', '^',
];

fn is_leet_digit(c: char) -> bool {
    matches!(c, '0' | '1' | '3' | '4' | '5' | '7')
}

/// True when the token at `s..e` is a single letter: one character, possibly stretched
/// (`ooo`), or one leet digit.
#[inline]
fn is_single<U: Units + ?Sized>(units: &U, s: usize, e: usize) -> bool {
    let c = units.c(s);
    (c.is_alphabetic() || (e - s == 1 && is_leet_digit(c))) && (s..e).all(|i| units.c(i) == c)
}

/// How many tokens starting at `t` form a run of single letters split by separators
/// (`o.p.e.n`, `o p e n  b o`, `b-o`); 1 when there is no such run.
fn spaced_run<U: Units + ?Sized>(units: &U, tokens: &[(usize, usize)], t: usize) -> usize {
    let single = |k: usize| {
        let (s, e) = tokens[k];
        is_single(units, s, e)
    };
    if !single(t) {
        return 1;
    }
    let mut n = 1;
    let mut letters = usize::from(units.c(tokens[t].0).is_alphabetic());
    let mut punct_sep = false;
    while t + n < tokens.len() && single(t + n) {
        let (ss, se) = (tokens[t + n - 1].1, tokens[t + n].0);
        if ss == se || se - ss > 3 || !(ss..se).all(|i| is_split_char(units.c(i))) {
            break;
        }
        punct_sep |= (ss..se).any(|i| units.c(i) != ' ');
        letters += usize::from(units.c(tokens[t + n].0).is_alphabetic());
        n += 1;
    }
    if (n >= 3 && letters >= 2) || (n == 2 && punct_sep && letters >= 1) {
        n
    } else {
        1
    }
}

/// The most common separator in a run of split letters (the one that does not break
/// words), as a range of positions: the first of those that occur most often.
///
/// Each separator of a run is one to three split characters (see [`spaced_run`]), so its
/// characters fit in a small number ([`separator_key`]): the separators are counted by
/// that number in one pass, not compared pairwise.
fn usual_separator<U: Units + ?Sized>(units: &U, run: &[(usize, usize)]) -> (usize, usize) {
    let sep = |w: usize| (run[w].1, run[w + 1].0);
    let n = run.len() - 1;
    // (key, count, first separator with that key), in order of first occurrence.
    let mut kinds: [(u32, usize, usize); 8] = [(0, 0, 0); 8];
    let mut len = 0;
    for a in 0..n {
        let (s, e) = sep(a);
        let Some(key) = separator_key(units, s, e) else {
            return usual_separator_pairwise(units, run);
        };
        if let Some(k) = kinds[..len].iter_mut().find(|k| k.0 == key) {
            k.1 += 1;
        } else if len < kinds.len() {
            kinds[len] = (key, 1, a);
            len += 1;
        } else {
            return usual_separator_pairwise(units, run);
        }
    }
    // The first separator whose kind occurs most often: kinds are in order of their first
    // separator, and only a strictly larger count replaces the best.
    let mut best = (0, 0);
    for &(_, count, first) in &kinds[..len] {
        if count > best.0 {
            best = (count, first);
        }
    }
    sep(best.1)
}

/// The characters at positions `s..e` as a number, when they are one to three split
/// characters (see [`is_split_char`]): equal numbers, equal characters.
fn separator_key<U: Units + ?Sized>(units: &U, s: usize, e: usize) -> Option<u32> {
    if e <= s || e - s > 3 {
        return None;
    }
    let mut key = 0u32;
    for i in s..e {
        let index = SPLIT_CHARS.iter().position(|&c| c == units.c(i))?;
        key = key * 16 + index as u32 + 1;
    }
    Some(key)
}

/// [`usual_separator`] by comparing every separator with every other.
fn usual_separator_pairwise<U: Units + ?Sized>(
    units: &U,
    run: &[(usize, usize)],
) -> (usize, usize) {
    let sep = |w: usize| (run[w].1, run[w + 1].0);
    let n = run.len() - 1;
    let mut best = sep(0);
    let mut best_count = 0;
    for a in 0..n {
        let s = sep(a);
        let count = (0..n).filter(|&b| same_chars(units, sep(b), s)).count();
        if count > best_count {
            best = s;
            best_count = count;
        }
    }
    best
}

/// Spaces among positions `s..e`.
fn spaces<U: Units + ?Sized>(units: &U, s: usize, e: usize) -> usize {
    (s..e).filter(|&i| units.c(i) == ' ').count()
}

/// True when positions `a` and `b` hold the same characters.
fn same_chars<U: Units + ?Sized>(units: &U, a: (usize, usize), b: (usize, usize)) -> bool {
    a.1 - a.0 == b.1 - b.0 && (0..a.1 - a.0).all(|k| units.c(a.0 + k) == units.c(b.0 + k))
}

/// Unit suffixes that make a leading number a quantity, not leetspeak (`300rb`, `2jt`,
/// `24jam`, `17th`).
const UNIT_SUFFIXES: &[&str] = &[
    "k", "rb", "rbu", "ribu", "ribuan", "jt", "jta", "juta", "m", "x", "an", "jam", "j", "menit",
    "mnt", "th", "thn", "tahun", "yo", "yr", "y", "gb", "mb", "cm", "kg", "pcs", "h", "hr", "hari",
    "am", "pm", "s", "nd", "rd", "st", "lt", "ml", "g", "kali", "p", "d", "w", "mg", "wib",
];

/// A word's characters as [`resolve_leet`] reads and rewrites them: pass 1's units, or
/// the bytes of an ASCII word.
trait LeetWord {
    /// Number of characters.
    fn count(&self) -> usize;
    /// Character `i`.
    fn ch(&self, i: usize) -> char;
    /// Replaces character `i` with `c`, an ASCII letter or digit.
    fn set(&mut self, i: usize, c: char);
}

impl LeetWord for [Unit] {
    #[inline]
    fn count(&self) -> usize {
        self.len()
    }
    #[inline]
    fn ch(&self, i: usize) -> char {
        self[i].c
    }
    #[inline]
    fn set(&mut self, i: usize, c: char) {
        self[i].c = c;
    }
}

impl LeetWord for [u8] {
    #[inline]
    fn count(&self) -> usize {
        self.len()
    }
    #[inline]
    fn ch(&self, i: usize) -> char {
        char::from(self[i])
    }
    #[inline]
    fn set(&mut self, i: usize, c: char) {
        // Every replacement is ASCII (see [`resolve_leet`]).
        self[i] = u8::try_from(c).unwrap_or(b'?');
    }
}

/// Resolves leetspeak in one word, in place. See the module docs for the rules.
fn resolve_leet<W: LeetWord + ?Sized>(word: &mut W) {
    let n = word.count();
    // Digits and symbols counted in one pass.
    let (mut digits, mut symbols) = (0usize, 0usize);
    for i in 0..n {
        let c = word.ch(i);
        digits += usize::from(c.is_ascii_digit());
        symbols += usize::from(c == '@' || c == '$');
    }
    if digits == 0 && symbols == 0 {
        return;
    }
    if symbols > 0 {
        for i in 0..n {
            match word.ch(i) {
                '@' => word.set(i, 'a'),
                '$' => word.set(i, 's'),
                _ => {}
            }
        }
    }
    if digits == 0 || digits == n {
        return;
    }
    // Look-alike letters inside a number: 5OO → 500, O812 → 0812.
    if n >= 3
        && (0..n).all(|i| {
            let c = word.ch(i);
            c.is_ascii_digit() || matches!(c, 'o' | 'i' | 'l')
        })
    {
        for i in 0..n {
            match word.ch(i) {
                'o' => word.set(i, '0'),
                'i' | 'l' => word.set(i, '1'),
                _ => {}
            }
        }
        return;
    }
    // A number with a unit suffix stays as it is: 300rb, 2jt, 24jam.
    let lead = (0..n).take_while(|&i| word.ch(i).is_ascii_digit()).count();
    if lead > 0 {
        let is_suffix = |s: &&str| {
            s.len() == n - lead
                && s.bytes()
                    .enumerate()
                    .all(|(k, c)| word.ch(lead + k) == char::from(c))
        };
        if lead >= 3 || UNIT_SUFFIXES.iter().any(is_suffix) {
            return;
        }
    }
    // Digit runs of one or two inside or at the edges of letters are letters in disguise;
    // a trailing run of two or more (u18, st500) is a number.
    let mut i = 0;
    while i < n {
        if !word.ch(i).is_ascii_digit() {
            i += 1;
            continue;
        }
        let s = i;
        while i < n && word.ch(i).is_ascii_digit() {
            i += 1;
        }
        let len = i - s;
        let trailing = i == n;
        if len > 2 || (trailing && len >= 2) || !(s..i).all(|k| is_leet_digit(word.ch(k))) {
            continue;
        }
        for k in s..i {
            let c = match word.ch(k) {
                '0' => 'o',
                '1' => 'i',
                '3' => 'e',
                '4' => 'a',
                '5' => 's',
                '7' => 't',
                c => c,
            };
            word.set(k, c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(s: &str) -> String {
        normalize(s).as_str().to_owned()
    }

    /// The original slice a normalised substring came from.
    fn back(original: &str, needle: &str) -> String {
        let norm = normalize(original);
        let start = norm
            .as_str()
            .find(needle)
            .expect("needle is in the normalised text");
        let (s, e) = norm.original_span(original, start, start + needle.len());
        original[s..e].to_owned()
    }

    #[test]
    fn lower_case_and_whitespace() {
        assert_eq!(n("OPEN   BO\t\tSekarang"), "open bo sekarang");
        assert_eq!(n("baris satu\r\nbaris dua"), "baris satu\nbaris dua");
    }

    #[test]
    fn fullwidth_and_nfkc() {
        assert_eq!(n("ｏｐｅｎ ｂｏ"), "open bo");
        assert_eq!(n("ﬁlm café"), "film cafe");
    }

    #[test]
    fn cyrillic_and_greek_homoglyphs() {
        // Cyrillic о, р, е and Greek Ο, Β.
        assert_eq!(n("\u{43e}\u{440}\u{435}n \u{392}\u{39f}"), "open bo");
    }

    #[test]
    fn mathematical_alphanumerics() {
        assert_eq!(n("𝐉𝐔𝐍𝐈𝐎𝐑𝟖𝟖"), "junior88");
        assert_eq!(n("𝓸𝓹𝓮𝓷 𝓑𝓞"), "open bo");
    }

    #[test]
    fn enclosed_and_emoji_letters() {
        assert_eq!(n("🅾️🅿️🅴🅽 🅱️🅾️"), "open bo");
        assert_eq!(n("ⓞⓟⓔⓝ ⓑⓞ"), "open bo");
    }

    #[test]
    fn parenthesized_letters_and_numbers() {
        assert_eq!(n("⒪⒫⒠⒩ ⒝⒪"), "open bo");
        assert_eq!(n("🄞🄟🄔🄝 🄑🄞"), "open bo");
        assert_eq!(n("umur ⒃, ⒈ nia"), "umur 16, 1 nia");
        assert_eq!(back("⒨⒜⒮⒤⒣ ⒮⒠⒦⒪⒧⒜⒣", "sekolah"), "⒮⒠⒦⒪⒧⒜⒣");
    }

    #[test]
    fn zero_width_characters() {
        assert_eq!(n("o\u{200b}pen b\u{200d}o\u{feff}"), "open bo");
        assert_eq!(n("bi\u{00ad}spak"), "bispak");
    }

    #[test]
    fn diacritics_are_dropped() {
        assert_eq!(n("ópèn bô"), "open bo");
    }

    #[test]
    fn leetspeak_in_words() {
        assert_eq!(n("0p3n b0"), "open bo");
        assert_eq!(n("s3x 4vail m@mi"), "sex avail mami");
        assert_eq!(n("$ange"), "sange");
    }

    #[test]
    fn numbers_stay_numbers() {
        assert_eq!(n("ST 500 LT 1,2jt"), "st 500 lt 1,2jt");
        assert_eq!(
            n("300rb 450k 1.5 24jam 17th u18"),
            "300rb 450k 1.5 24jam 17th u18"
        );
        assert_eq!(n("wa 0812 8845 1290"), "wa 0812 8845 1290");
        assert_eq!(n("st500"), "st500");
    }

    #[test]
    fn lookalike_letters_inside_numbers() {
        assert_eq!(n("5OO"), "500");
        assert_eq!(n("O812"), "0812");
    }

    #[test]
    fn split_letters_are_joined() {
        assert_eq!(n("o.p.e.n b-o"), "open bo");
        assert_eq!(n("o p e n  b o"), "open bo");
        assert_eq!(n("o*p*e*n b*o"), "open bo");
        assert_eq!(n("v c s"), "vcs");
        assert_eq!(n("o.p.3.n"), "open");
    }

    #[test]
    fn split_digits_in_prices_are_not_joined() {
        assert_eq!(n("lt 1.5"), "lt 1.5");
        assert_eq!(n("1 2 3"), "1 2 3");
    }

    #[test]
    fn stretched_letters_collapse() {
        assert_eq!(n("opeeeen booooo"), "open bo");
        assert_eq!(n("booking"), "boking");
        assert_eq!(n("!!!!"), "!");
        assert_eq!(n("1000"), "1000");
    }

    #[test]
    fn spans_map_back_to_what_was_written() {
        assert_eq!(back("ready 0p3n b0 kak", "open bo"), "0p3n b0");
        assert_eq!(back("yuk o.p.e.n b-o", "open bo"), "o.p.e.n b-o");
        assert_eq!(back("🅾️🅿️🅴🅽 🅱️🅾️ kak", "open bo"), "🅾️🅿️🅴🅽 🅱️🅾️");
        assert_eq!(back("mau OPEEEN", "open"), "OPEEEN");
        assert_eq!(back("ｏｐｅｎ", "pen"), "ｐｅｎ");
    }

    #[test]
    fn empty_and_invisible_only() {
        assert_eq!(n(""), "");
        assert_eq!(n("\u{200b}\u{fe0f}"), "");
        let norm = normalize("\u{200b}");
        assert_eq!(norm.original_span("\u{200b}", 0, 0), (3, 3));
    }

    /// `text` through `path` (None when it declines) and through the general path, with
    /// normalisers that have already normalised `before` (their buffers are reused).
    fn against_general(
        before: &str,
        text: &str,
        path: fn(&mut Normalizer, &str, &mut Normalized) -> bool,
    ) -> (Option<Normalized>, Normalized) {
        let mut scratch = Normalized::default();
        let mut tried_normalizer = Normalizer::default();
        tried_normalizer.normalize_into(before, &mut scratch);
        let mut tried = Normalized::default();
        let took = path(&mut tried_normalizer, text, &mut tried);
        let mut general_normalizer = Normalizer::default();
        general_normalizer.normalize_into(before, &mut scratch);
        let mut general = Normalized::default();
        general_normalizer.normalize_general(text, &mut general);
        (took.then_some(tried), general)
    }

    #[test]
    fn plain_ascii_lower_every_byte_in_every_place() {
        for b in 0..=255u8 {
            for place in 0..8 {
                let mut word = *b"aZ.9 ~x@";
                word[place] = b;
                let lower = plain_ascii_lower(u64::from_le_bytes(word));
                if (0x20..0x7F).contains(&b) {
                    let expected = word.map(|b| ASCII_PASS[usize::from(b)]);
                    assert_eq!(
                        lower.map(u64::to_le_bytes),
                        Some(expected),
                        "{b:#x} at {place}"
                    );
                } else {
                    assert_eq!(lower, None, "{b:#x} at {place}");
                }
            }
        }
    }

    #[test]
    fn buffers_grown_by_one_path_serve_the_other() {
        let long_lines = "Ab\n".repeat(200);
        let (mapped, general) = mapped_and_general(&long_lines, "\u{ff4f}pen 👍👍 bo");
        assert_eq!(mapped, Some(general));
        let long_mapped = "\u{ff4f}".repeat(200);
        let (fast, general) = both_paths(&long_mapped, "Open\nBO");
        assert_eq!(fast, Some(general));
        let mut normalizer = Normalizer::default();
        let mut out = Normalized::default();
        for text in [long_lines.as_str(), "\u{ff4f}", &long_mapped, "a\nb", "x"] {
            normalizer.normalize_into(text, &mut out);
            assert_eq!(out, normalize(text), "{text:?}");
        }
    }

    /// `text` through the ASCII fast path and the general path.
    fn both_paths(before: &str, text: &str) -> (Option<Normalized>, Normalized) {
        against_general(before, text, Normalizer::normalize_ascii)
    }

    /// `text` through the mapped path and the general path.
    fn mapped_and_general(before: &str, text: &str) -> (Option<Normalized>, Normalized) {
        against_general(before, text, Normalizer::normalize_mapped)
    }

    /// Text mixing [`ascii_text`] with look-alike letters and digits, invisible and
    /// enclosed characters, other spaces, and characters that stay non-ASCII.
    fn mixed_text() -> impl Strategy<Value = String> {
        let pieces = prop_oneof![
            ascii_text(),
            prop::sample::select(vec![
                "ｏ",
                "\u{43e}",
                "🅾️",
                "🅱\u{fe0f}",
                "\u{200b}",
                "é",
                "o\u{301}",
                "\u{a0}",
                "𝐁",
                "⒪",
                "⒗",
                "…",
                "ß",
                "İ",
                "💦",
                "٣",
                "ⓞⓟⓔⓝ",
                "\u{2028}",
                "ﬁ",
                "Ｏ",
                "\u{3000}",
                "👍",
                "👍👍",
                "☕☕ ",
                "█",
                "•",
                "·",
                "ᆻ",
                "✓",
                "\u{2e80}",
                "\u{80}",
                "\u{2022}\u{2022}",
            ])
            .prop_map(str::to_owned),
        ];
        prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
    }

    /// ASCII text with what pass 2 treats specially: split letters, leetspeak, numbers with
    /// units, repeats, hashtags, line breaks and the control characters pass 1 drops.
    fn ascii_text() -> impl Strategy<Value = String> {
        let pieces = prop_oneof![
            "[a-zA-Z0-9 .\\-*_#@$,/!|~+=^]{0,8}",
            "[aeiobnpst0-57 .*\\-]{1,12}",
            Just("o.p.e.n b-o".to_owned()),
            Just("o p e n  b o".to_owned()),
            Just("0p3n b00king".to_owned()),
            Just("5OO rb 1,2jt 24jam u18".to_owned()),
            Just("m@mi $ex".to_owned()),
            Just("  \n \r\n\t".to_owned()),
            "[\\x00-\\x7f]{0,4}",
        ];
        prop::collection::vec(pieces, 0..16).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// The ASCII fast path writes exactly what the general path writes (text and map),
        /// and takes every ASCII text without a control character that pass 1 drops.
        #[test]
        fn ascii_fast_path_agrees_with_the_general_path(
            before in ascii_text(),
            text in ascii_text(),
        ) {
            let (fast, general) = both_paths(&before, &text);
            let drops = text.bytes().any(|b| b.is_ascii_control() && ASCII_PASS[usize::from(b)] == 0);
            prop_assert_eq!(fast.is_none(), drops);
            if let Some(fast) = fast {
                prop_assert_eq!(fast, general);
            }
        }

        /// Counting separators by kind picks the separator that comparing each with every
        /// other picks, in every run of split letters.
        #[test]
        fn usual_separator_agrees_with_pairwise_counting(
            text in "([a-z0-5]{1,2}[ .\\-*_·•,~+|/=^]{1,3}){0,24}",
        ) {
            let mut units = Vec::new();
            chars_pass(&text, &mut units, &mut CharCache::default());
            let units = units.as_slice();
            let mut tokens = Vec::new();
            tokenize(units, &mut tokens);
            let mut t = 0;
            while t < tokens.len() {
                let run = spaced_run(units, &tokens, t);
                if run > 1 {
                    let r = &tokens[t..t + run];
                    prop_assert_eq!(usual_separator(units, r), usual_separator_pairwise(units, r));
                }
                t += run;
            }
        }

        /// The mapped path writes exactly what the general path writes (text and map), and
        /// takes every text whose pass 1 writes only ASCII characters and non-ASCII symbols
        /// (not letters, digits or split characters).
        #[test]
        fn mapped_path_agrees_with_the_general_path(
            before in mixed_text(),
            text in mixed_text(),
        ) {
            let (mapped, general) = mapped_and_general(&before, &text);
            let mut units = Vec::new();
            chars_pass(&text, &mut units, &mut CharCache::default());
            let declines = units
                .iter()
                .any(|u| !u.c.is_ascii() && (u.c.is_alphanumeric() || is_split_char(u.c)));
            let written: usize = units.iter().map(|u| u.c.len_utf8()).sum();
            if declines {
                prop_assert!(mapped.is_none());
            } else {
                // Also declined when pass 1 writes more than its buffer holds.
                prop_assert!(mapped.is_some() || written + 8 > 2 * text.len());
            }
            if let Some(mapped) = mapped {
                prop_assert_eq!(mapped, general);
            }
        }

        /// Pass 1 of eight bytes at a time takes exactly the words whose bytes are ASCII
        /// without control characters, and writes what [`ASCII_PASS`] writes for each byte.
        #[test]
        fn plain_ascii_lower_agrees_with_the_table(
            word in prop::array::uniform8(prop_oneof![0x20u8..0x7F, any::<u8>()]),
        ) {
            let plain = word.iter().all(|&b| (0x20..0x7F).contains(&b));
            let lower = plain_ascii_lower(u64::from_le_bytes(word));
            prop_assert_eq!(lower.is_some(), plain);
            if let Some(lower) = lower {
                let expected = word.map(|b| ASCII_PASS[usize::from(b)]);
                prop_assert_eq!(lower.to_le_bytes(), expected);
            }
        }

        /// Non-ASCII text is left to the general path.
        #[test]
        fn ascii_fast_path_declines_other_text(text in "[a-z ]{0,8}[^\\x00-\\x7f][a-z ]{0,8}") {
            let (fast, _) = both_paths("", &text);
            prop_assert!(fast.is_none());
        }
    }
}
