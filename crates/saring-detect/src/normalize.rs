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
    out: [char; CACHED_MAX],
}

/// The most characters a cached answer holds; longer answers are computed every time.
const CACHED_MAX: usize = 4;
/// Slots in the cache (a power of two).
const CACHE_SLOTS: usize = 512;

impl CharCache {
    /// Pushes pass 1's units for the non-ASCII character `c`.
    fn push(&mut self, c: char, off: u32, units: &mut Vec<Unit>) {
        if self.slots.is_empty() {
            self.slots = vec![CacheSlot::default(); CACHE_SLOTS];
        }
        let code = c as u32;
        let i = ((code ^ (code >> 9)) as usize) & (CACHE_SLOTS - 1);
        let slot = &mut self.slots[i];
        if slot.key != c {
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
            if !fits {
                map_non_ascii(c, &mut |m| units.push(Unit { c: m, off }));
                return;
            }
            *slot = fresh;
        }
        for &m in &slot.out[..usize::from(slot.len)] {
            units.push(Unit { c: m, off });
        }
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
        out.text.clear();
        out.map.clear();
        self.units.clear();
        self.tokens.clear();
        chars_pass(text, &mut self.units, &mut self.cache);
        tokenize(&self.units, &mut self.tokens);
        self.emit(out);
    }

    /// Pass 2: joins split letters, resolves leetspeak, collapses repeats, writes `out`.
    fn emit(&mut self, out: &mut Normalized) {
        let units = &self.units;
        let tokens = &self.tokens;
        let mut prev_end = 0usize;
        let mut t = 0usize;
        while t < tokens.len() {
            let (start, _) = tokens[t];
            // Separator before this token.
            push_separator(out, &units[prev_end..start]);
            let run = spaced_run(units, tokens, t);
            self.word.clear();
            if run > 1 {
                // Letters split by separators: join them, breaking words where a
                // separator holds more space than the run's usual one (`o.p.e.n b-o`,
                // `o p e n  b o`).
                let usual = usual_separator(units, &tokens[t..t + run]);
                for k in t..t + run {
                    if k > t {
                        let sep = &units[tokens[k - 1].1..tokens[k].0];
                        if spaces(sep) > spaces(usual) {
                            flush_word(&mut self.word, out);
                            push_unit(
                                out,
                                Unit {
                                    c: ' ',
                                    off: sep[0].off,
                                },
                            );
                        }
                    }
                    self.word
                        .extend_from_slice(&units[tokens[k].0..tokens[k].1]);
                }
                flush_word(&mut self.word, out);
                prev_end = tokens[t + run - 1].1;
                t += run;
            } else {
                let (s, e) = tokens[t];
                self.word.extend_from_slice(&units[s..e]);
                flush_word(&mut self.word, out);
                prev_end = e;
                t += 1;
            }
        }
        push_separator(out, &units[prev_end..]);
    }
}

/// Writes one word: resolves leetspeak, collapses repeated letters.
fn flush_word(word: &mut Vec<Unit>, out: &mut Normalized) {
    if word.is_empty() {
        return;
    }
    resolve_leet(word);
    let mut prev: Option<char> = None;
    for &u in word.iter() {
        if prev == Some(u.c) && !u.c.is_ascii_digit() {
            continue;
        }
        prev = Some(u.c);
        push_unit(out, u);
    }
    word.clear();
}

/// Writes separator characters, collapsing repeats of the same character.
fn push_separator(out: &mut Normalized, sep: &[Unit]) {
    for &u in sep {
        let last = out.text.chars().next_back();
        if last == Some(u.c) && !u.c.is_ascii_digit() {
            continue;
        }
        if u.c == '\n' && last == Some(' ') {
            // "  \n" collapses to a line break.
            out.text.pop();
            out.map.pop();
        } else if u.c == ' ' && last == Some('\n') {
            continue;
        }
        push_unit(out, u);
    }
}

#[inline]
fn push_unit(out: &mut Normalized, u: Unit) {
    out.text.push(u.c);
    if u.c.is_ascii() {
        out.map.push(u.off);
    } else {
        for _ in 0..u.c.len_utf8() {
            out.map.push(u.off);
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

/// Pass 1: maps every character, dropping invisible ones.
fn chars_pass(text: &str, units: &mut Vec<Unit>, cache: &mut CharCache) {
    for (off, c) in text.char_indices() {
        let off = off as u32;
        if c.is_ascii() {
            match c {
                '\n' | '\r' | '\u{0B}' | '\u{0C}' => units.push(Unit { c: '\n', off }),
                ' ' | '\t' => units.push(Unit { c: ' ', off }),
                c if c.is_ascii_control() => {}
                c => units.push(Unit {
                    c: c.to_ascii_lowercase(),
                    off,
                }),
            }
        } else {
            cache.push(c, off, units);
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
fn is_word(units: &[Unit], i: usize) -> bool {
    let c = units[i].c;
    if c.is_alphanumeric() {
        return true;
    }
    let next_letter = units.get(i + 1).is_some_and(|u| u.c.is_ascii_alphabetic());
    let prev_letter = i > 0 && units[i - 1].c.is_ascii_alphabetic();
    match c {
        '@' => prev_letter && next_letter,
        '$' => next_letter && (prev_letter || i == 0 || !units[i - 1].c.is_alphanumeric()),
        _ => false,
    }
}

/// Splits units into word tokens, as `(start, end)` index ranges.
fn tokenize(units: &[Unit], tokens: &mut Vec<(usize, usize)>) {
    let mut i = 0;
    while i < units.len() {
        if is_word(units, i) {
            let start = i;
            while i < units.len() && is_word(units, i) {
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

fn is_leet_digit(c: char) -> bool {
    matches!(c, '0' | '1' | '3' | '4' | '5' | '7')
}

/// How many tokens starting at `t` form a run of single letters split by separators
/// (`o.p.e.n`, `o p e n  b o`, `b-o`); 1 when there is no such run.
fn spaced_run(units: &[Unit], tokens: &[(usize, usize)], t: usize) -> usize {
    // A token is a single letter when it is one character, possibly stretched (`ooo`).
    let single = |k: usize| {
        let (s, e) = tokens[k];
        let c = units[s].c;
        (c.is_alphabetic() || (e - s == 1 && is_leet_digit(c)))
            && units[s..e].iter().all(|u| u.c == c)
    };
    if !single(t) {
        return 1;
    }
    let mut n = 1;
    let mut letters = usize::from(units[tokens[t].0].c.is_alphabetic());
    let mut punct_sep = false;
    while t + n < tokens.len() && single(t + n) {
        let sep = &units[tokens[t + n - 1].1..tokens[t + n].0];
        if sep.is_empty() || sep.len() > 3 || !sep.iter().all(|u| is_split_char(u.c)) {
            break;
        }
        punct_sep |= sep.iter().any(|u| u.c != ' ');
        letters += usize::from(units[tokens[t + n].0].c.is_alphabetic());
        n += 1;
    }
    if (n >= 3 && letters >= 2) || (n == 2 && punct_sep && letters >= 1) {
        n
    } else {
        1
    }
}

/// The most common separator in a run of split letters (the one that does not break words).
fn usual_separator<'u>(units: &'u [Unit], run: &[(usize, usize)]) -> &'u [Unit] {
    let seps: Vec<&[Unit]> = run.windows(2).map(|w| &units[w[0].1..w[1].0]).collect();
    let mut best = seps[0];
    let mut best_count = 0;
    for s in &seps {
        let count = seps.iter().filter(|o| same_chars(o, s)).count();
        if count > best_count {
            best = s;
            best_count = count;
        }
    }
    best
}

fn spaces(sep: &[Unit]) -> usize {
    sep.iter().filter(|u| u.c == ' ').count()
}

fn same_chars(a: &[Unit], b: &[Unit]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.c == y.c)
}

/// Unit suffixes that make a leading number a quantity, not leetspeak (`300rb`, `2jt`,
/// `24jam`, `17th`).
const UNIT_SUFFIXES: &[&str] = &[
    "k", "rb", "rbu", "ribu", "ribuan", "jt", "jta", "juta", "m", "x", "an", "jam", "j", "menit",
    "mnt", "th", "thn", "tahun", "yo", "yr", "y", "gb", "mb", "cm", "kg", "pcs", "h", "hr", "hari",
    "am", "pm", "s", "nd", "rd", "st", "lt", "ml", "g", "kali", "p", "d", "w", "mg", "wib",
];

/// Resolves leetspeak in one word, in place. See the module docs for the rules.
fn resolve_leet(word: &mut [Unit]) {
    let digits = word.iter().filter(|u| u.c.is_ascii_digit()).count();
    let symbols = word.iter().filter(|u| matches!(u.c, '@' | '$')).count();
    if digits == 0 && symbols == 0 {
        return;
    }
    for u in word.iter_mut() {
        match u.c {
            '@' => u.c = 'a',
            '$' => u.c = 's',
            _ => {}
        }
    }
    if digits == 0 || digits == word.len() {
        return;
    }
    // Look-alike letters inside a number: 5OO → 500, O812 → 0812.
    if word.len() >= 3
        && word
            .iter()
            .all(|u| u.c.is_ascii_digit() || matches!(u.c, 'o' | 'i' | 'l'))
    {
        for u in word.iter_mut() {
            u.c = match u.c {
                'o' => '0',
                'i' | 'l' => '1',
                c => c,
            };
        }
        return;
    }
    // A number with a unit suffix stays as it is: 300rb, 2jt, 24jam.
    let lead = word.iter().take_while(|u| u.c.is_ascii_digit()).count();
    if lead > 0 {
        let rest: String = word[lead..].iter().map(|u| u.c).collect();
        if UNIT_SUFFIXES.contains(&rest.as_str()) || lead >= 3 {
            return;
        }
    }
    // Digit runs of one or two inside or at the edges of letters are letters in disguise;
    // a trailing run of two or more (u18, st500) is a number.
    let n = word.len();
    let mut i = 0;
    while i < n {
        if !word[i].c.is_ascii_digit() {
            i += 1;
            continue;
        }
        let s = i;
        while i < n && word[i].c.is_ascii_digit() {
            i += 1;
        }
        let len = i - s;
        let trailing = i == n;
        if len > 2 || (trailing && len >= 2) || !word[s..i].iter().all(|u| is_leet_digit(u.c)) {
            continue;
        }
        for u in &mut word[s..i] {
            u.c = match u.c {
                '0' => 'o',
                '1' => 'i',
                '3' => 'e',
                '4' => 'a',
                '5' => 's',
                '7' => 't',
                c => c,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
