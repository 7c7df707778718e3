//! Signals: the policy pack's terms and patterns, compiled once and matched on normalised
//! text. Terms go into one Aho-Corasick DFA, copied into a compact table and walked byte by
//! byte without a prefilter (see the `terms` module: the same overlapping matches as the
//! crate's overlapping search). Patterns are compiled as byte regexes in
//! ASCII mode (`\b`, `\d`, `\s` are ASCII), which keeps them on the fast DFA path even in
//! emoji-heavy text: the normalised text has already mapped look-alike letters, digits and
//! spaces to ASCII. (A `RegexSet` gating the patterns was measured 8 times slower than
//! running each pattern with its own literal prefilter.)
//!
//! Cheap gates keep most patterns from scanning most texts, without changing a single
//! match (each is found by walking the pattern's syntax tree): a pattern whose matches hold
//! at least N ASCII digits (ten for a phone number, one for most prices) is skipped on text
//! with fewer; one whose matches each hold one of a few words (`jam`, `menit` for a
//! duration; `wa.me/`; `13`…`17` for an age in a menu, from the few strings a run of
//! parts such as `1[3-7]` can match, or from runs that reach into parts: `0k`, `0 rb`…
//! for `\d{2,4} ?(k|rb|…)`) is skipped on text without them — those words are searched for
//! by the terms' automaton, in the same pass as the terms, and a word that the pattern
//! puts next to a `\b` (`\bst`, `jam\b`) counts only where that boundary is; the age
//! pattern of the builtin pack has a gate written by hand (a whole number from 5 to 17
//! after one of its keywords or before a unit, or `belas`), and so has its price pattern (a
//! digit right after one of its keywords, `st 500`, `bo: rp 300`), while its phone pattern,
//! which matches on nearly every text it runs on, is matched by hand; one that cannot match without a digit or one of a few words is skipped on text
//! that has neither; and a pattern whose matches begin with very
//! short, common literals (`u`, `st`, `bo`) runs without the literal prefilter, which would
//! otherwise stop at nearly every word and restart the automaton there.

use regex::bytes::{Regex, RegexBuilder};
use regex_automata::meta;
use regex_automata::util::syntax;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Class, Hir, HirKind};

use crate::normalize::normalize;
use crate::policy::{Family, MatchMode, PolicyPack};
use crate::terms::Terms;
use crate::{Error, Result};

/// One rule firing on a range of the normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Index of the rule in the pack.
    pub rule: u32,
    /// Start byte in the normalised text.
    pub start: u32,
    /// End byte (exclusive) in the normalised text.
    pub end: u32,
}

/// The compiled rules of a policy pack.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// The terms and gate words as an Aho-Corasick automaton (every occurrence of every
    /// pattern, overlapping ones included), walked by [`Matcher::find`].
    terms: Option<Terms>,
    /// For each automaton pattern, the rules that own it and how they match.
    owners: Vec<Vec<(u32, MatchMode)>>,
    /// For each automaton pattern, the regexes it is a gate word of (bit `i`: the `i`th
    /// regex with a word gate), by where the word must sit to count: `[0]` anywhere, `[1]`
    /// after a word boundary, `[2]` before one, `[3]` between two (see [`Gate`]).
    gate_bits: Vec<[u64; 4]>,
    regexes: Vec<PackRegex>,
    families: Vec<Family>,
}

/// One compiled pack pattern and what gates it.
#[derive(Debug, Clone)]
struct PackRegex {
    rule: u32,
    regex: meta::Regex,
    /// Every match contains at least this many ASCII digits.
    min_digits: usize,
    /// When not 0: every match contains one of this regex's gate words, which the terms'
    /// automaton looks for along with the terms and which set this bit when found.
    words: u64,
    /// The words of `words` until the matcher gives them bits.
    gate_words: Option<Gate>,
    /// When `min_digits` is 0: every match contains a digit (if `.0`) or one of these words.
    needs_digit_or: Option<(bool, Vec<String>)>,
    /// The pattern is [`AGE_UNDER_18`]: every match holds one of its gate words (`belas`)
    /// or an age number that [`may_hold_age`] finds.
    age_gate: bool,
    /// The pattern is [`ST_LT_PRICE`]: every match holds a digit that [`may_hold_price`]
    /// finds after one of its keywords.
    price_gate: bool,
    /// The pattern is [`PHONE_ID`]: its matches are found by [`find_phones`], not by the
    /// regex.
    phone: bool,
}

impl Matcher {
    /// Compiles every rule of `pack`.
    pub fn new(pack: &PolicyPack) -> Result<Self> {
        let mut patterns: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<(u32, MatchMode)>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut regexes = Vec::new();
        for (i, rule) in pack.rules.iter().enumerate() {
            let id = u32::try_from(i).map_err(|_| Error::PolicyRule {
                rule: rule.name.clone(),
                reason: "too many rules".to_owned(),
            })?;
            if let Some(re) = &rule.regex {
                let compiled = compile_pack_regex(id, re).map_err(|reason| Error::PolicyRule {
                    rule: rule.name.clone(),
                    reason,
                })?;
                regexes.push(compiled);
            }
            for term in &rule.terms {
                let norm = normalize(term).as_str().trim().to_owned();
                if norm.is_empty() {
                    continue;
                }
                let p = *index.entry(norm.clone()).or_insert_with(|| {
                    patterns.push(norm);
                    owners.push(Vec::new());
                    patterns.len() - 1
                });
                if !owners[p].contains(&(id, rule.mode)) {
                    owners[p].push((id, rule.mode));
                }
            }
        }
        // The regexes' gate words join the terms in the automaton, which reports every
        // occurrence of every pattern, so the search that finds the terms also says which
        // words the text holds.
        let mut gate_bits = vec![[0u64; 4]; patterns.len()];
        let mut gated = 0u32;
        for re in &mut regexes {
            let Some(gate) = re.gate_words.take() else {
                continue;
            };
            // One bit per gated regex, set by any of its words; past 64, no word gate.
            let Some(bit) = 1u64.checked_shl(gated) else {
                continue;
            };
            gated += 1;
            for word in gate.words {
                // A boundary is checked only next to a word byte: that is what `\b` then
                // says about the byte beyond (it is not a word byte).
                let bytes = word.as_bytes();
                let start = gate.start && bytes.first().copied().is_some_and(is_word_byte);
                let end = gate.end && bytes.last().copied().is_some_and(is_word_byte);
                let p = *index.entry(word.clone()).or_insert_with(|| {
                    patterns.push(word);
                    owners.push(Vec::new());
                    gate_bits.push([0; 4]);
                    patterns.len() - 1
                });
                gate_bits[p][usize::from(start) | usize::from(end) << 1] |= bit;
            }
            re.words = bit;
        }
        let terms = if patterns.is_empty() {
            None
        } else {
            Some(
                Terms::new(&patterns)
                    .map_err(|e| Error::PolicySyntax(format!("cannot compile terms: {e}")))?,
            )
        };
        Ok(Matcher {
            terms,
            owners,
            gate_bits,
            regexes,
            families: pack.rules.iter().map(|r| r.family).collect(),
        })
    }

    /// The family of rule `rule`.
    pub fn family(&self, rule: u32) -> Family {
        self.families[rule as usize]
    }

    /// Records that automaton pattern `p` occurs at `s..e` of `bytes`: its gate bits, and a
    /// hit for each rule that owns it and whose mode accepts the place.
    #[inline(always)]
    fn report(
        &self,
        bytes: &[u8],
        p: usize,
        s: usize,
        e: usize,
        found: &mut u64,
        hits: &mut Vec<Hit>,
    ) {
        let start_ok = s == 0 || !is_word_byte(bytes[s - 1]);
        let end_ok = e == bytes.len() || !is_word_byte(bytes[e]);
        let gates = &self.gate_bits[p];
        *found |= gates[0];
        if start_ok {
            *found |= gates[1];
        }
        if end_ok {
            *found |= gates[2];
            if start_ok {
                *found |= gates[3];
            }
        }
        for &(rule, mode) in &self.owners[p] {
            let ok = match mode {
                MatchMode::Word => start_ok && end_ok,
                MatchMode::Prefix => start_ok,
                MatchMode::Substring => true,
            };
            if ok {
                hits.push(Hit {
                    rule,
                    start: s as u32,
                    end: e as u32,
                });
            }
        }
    }

    /// Appends every hit in `text` (normalised) to `hits`, sorted by position.
    pub fn find(&self, text: &str, hits: &mut Vec<Hit>) {
        let bytes = text.as_bytes();
        // The gate words found in `text`.
        let mut found = 0u64;
        if let Some(terms) = &self.terms {
            terms.for_each(bytes, |p, s, e| {
                self.report(bytes, p, s, e, &mut found, hits);
            });
        }
        let digits = count_digits(bytes);
        let has_digit = digits > 0;
        for re in &self.regexes {
            if digits < re.min_digits
                || (re.words != 0
                    && found & re.words == 0
                    && !(re.age_gate && has_digit && may_hold_age(bytes)))
            {
                continue;
            }
            if re.price_gate && !may_hold_price(bytes) {
                continue;
            }
            if let Some((digit, words)) = &re.needs_digit_or
                && !(*digit && has_digit)
                && !words.iter().any(|w| text.contains(w.as_str()))
            {
                continue;
            }
            if re.phone {
                find_phones(bytes, |start, end| {
                    hits.push(Hit {
                        rule: re.rule,
                        start: start as u32,
                        end: end as u32,
                    });
                });
                continue;
            }
            for m in re.regex.find_iter(bytes) {
                if m.start() < m.end() {
                    hits.push(Hit {
                        rule: re.rule,
                        start: m.start() as u32,
                        end: m.end() as u32,
                    });
                }
            }
        }
        hits.sort_unstable_by_key(|h| (h.start, h.end, h.rule));
        hits.dedup();
    }
}

/// Compiles a pack pattern the way the matcher runs it: bytes, ASCII classes.
pub fn compile_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern).unicode(false).build()
}

/// The syntax settings of [`compile_regex`]: bytes, ASCII classes.
fn syntax_config() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false)
}

/// Compiles a pack pattern for the matcher: the same regex as [`compile_regex`] (same syntax
/// and match semantics, so the same matches), with its gates.
fn compile_pack_regex(rule: u32, pattern: &str) -> Result<PackRegex, String> {
    // Compile the public way first, so errors read exactly as before.
    compile_regex(pattern).map_err(|e| format!("regex does not compile: {e}"))?;
    let hir = syntax::parse_with(pattern, &syntax_config())
        .map_err(|e| format!("regex does not compile: {e}"))?;
    let config = meta::Config::new()
        // The settings `regex::bytes::RegexBuilder` uses.
        .nfa_size_limit(Some(10 * (1 << 20)))
        .hybrid_cache_capacity(2 * (1 << 20))
        .match_kind(regex_automata::MatchKind::LeftmostFirst)
        .utf8_empty(false)
        .auto_prefilter(!weak_prefix(&hir) && !weak_suffix(&hir));
    let regex = meta::Builder::new()
        .configure(config)
        .syntax(syntax_config())
        .build(pattern)
        .map_err(|e| format!("regex does not compile: {e}"))?;
    let min_digits = min_digits(&hir);
    let age_gate = pattern == AGE_UNDER_18;
    let price_gate = pattern == ST_LT_PRICE;
    let phone = pattern == PHONE_ID;
    Ok(PackRegex {
        rule,
        regex,
        min_digits,
        words: 0,
        // The age pattern's words other than numbers: `belas` (see [`may_hold_age`]).
        gate_words: if age_gate {
            Some(Gate {
                words: vec!["belas".to_owned()],
                start: false,
                end: false,
            })
        } else {
            gate(&hir)
        },
        needs_digit_or: if min_digits >= 1 || age_gate {
            None
        } else {
            digit_or_words(&hir)
        },
        age_gate,
        price_gate,
        phone,
    })
}

/// The builtin pack's age rule (`age_under_18`), which runs on most texts with a digit and
/// almost never matches, and whose required words are single letters (`u`) or numbers: it
/// has a gate written by hand ([`may_hold_age`]), used only for exactly this pattern, so an
/// edited pack loses the gate, never a match.
const AGE_UNDER_18: &str = r"\b((umur|umr|usia|usianya|umurnya|u|age|um)\.?\s*:?\s*(1[0-7]|[5-9])\b|(1[2-7]) ?(th|thn|thun|tahun|taun|yo|y|yr|yrs|years)\b|(masih|baru|mau|jalan|blm|belum) (1[0-7])( ?(th|thn|tahun))?\b|(empat|lima|enam|tujuh) ?belas (th|thn|tahun|taun)\b|(umur|usia) (empat|lima|enam|tujuh) ?belas\b)";

/// True when `bytes` holds a whole number from 5 to 17 (`5`…`9` or `10`…`17`, with no digit
/// on either side) that the age pattern could read: `12`…`17` followed by `t` or `y`, with
/// or without a space between (`16th`, `15 y.o`), or any of them followed by the end, a
/// byte that is neither an ASCII letter nor a digit, or `t`, and preceded — past any
/// spaces, `.` and `:` — by `a`, `e`, `h`, `m`, `n`, `r` or `u`, the last letters of the
/// pattern's keywords (`umur 16`, `u17`, `usia: 9`, `masih 15`). Every match of
/// [`AGE_UNDER_18`] without `belas` holds one: its numbers are `(1[0-7]|[5-9])` after a
/// keyword, `\.?\s*:?\s*` and before `\b`; `1[2-7]` before ` ?(th|…|y…)`; and `1[0-7]`
/// after a keyword and a space and before `\b` or ` ?th…`. (A proptest checks this
/// against the regex.) Digits are looked for eight bytes at a time.
fn may_hold_age(bytes: &[u8]) -> bool {
    let n = bytes.len();
    let mut i = 0;
    while let Some(start) = next_digit(bytes, i) {
        // A run of digits starts at `start` (the byte before is not a digit).
        i = start;
        while i < n && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let number = &bytes[start..i];
        if !matches!(number, [b'5'..=b'9'] | [b'1', b'0'..=b'7']) {
            continue;
        }
        let next = bytes.get(i).copied();
        let unit = |b: Option<u8>| matches!(b, Some(b't' | b'y'));
        if matches!(number, [b'1', b'2'..=b'7'])
            && (unit(next) || (next == Some(b' ') && unit(bytes.get(i + 1).copied())))
        {
            return true;
        }
        if next.is_none_or(|b| !b.is_ascii_alphanumeric() || b == b't') {
            let before = bytes[..start]
                .iter()
                .rev()
                .find(|&&b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b'.' | b':'));
            if matches!(before, Some(b'a' | b'e' | b'h' | b'm' | b'n' | b'r' | b'u')) {
                return true;
            }
        }
    }
    false
}

/// The builtin pack's price rule (`st_lt_price`): its keywords (`st`, `bo`, `rate`…) are
/// in many texts, but in few followed by a price. Besides its word gate, it has a gate
/// written by hand ([`may_hold_price`]: a digit right after a keyword and what may come
/// between), used only for exactly this pattern, so an edited pack loses the gate, never a
/// match.
const ST_LT_PRICE: &str = r"\b(st|lt|short ?time|long ?time|shortime|longtime|bo|vcs|vc|video cal|fs|ons|stay|ful ?night|fn|nginep|ful ?serv|tarif|promo|rate|rr|expo|crot)\s*[:=]?\s*(rp\.? ?)?(\d{2,4}|\d[.,]\d{1,3})( ?(k|rb|rbu|ribu|rebu|jt|juta|jeti|jtan))?\b|\b(jam|menit|mnt)\s*[:=]?\s*(rp\.? ?)?(\d{3,4}\b|\d{2,4} ?(k|rb|rbu|ribu|rebu|jt|juta|jeti|jtan)\b|\d[.,]\d{1,3} ?(jt|juta|jeti|jtan)\b)";

/// The keywords of [`ST_LT_PRICE`], every spelling written out (`short ?time`: `short time`,
/// `shorttime`). Every match of the pattern begins with one of them after a `\b`;
/// [`keyword_before_price`] knows them (a test ties the two).
#[cfg(test)]
const ST_LT_PRICE_WORDS: [&str; 29] = [
    "st",
    "lt",
    "short time",
    "shorttime",
    "long time",
    "longtime",
    "shortime",
    "bo",
    "vcs",
    "vc",
    "video cal",
    "fs",
    "ons",
    "stay",
    "ful night",
    "fulnight",
    "fn",
    "nginep",
    "ful serv",
    "fulserv",
    "tarif",
    "promo",
    "rate",
    "rr",
    "expo",
    "crot",
    "jam",
    "menit",
    "mnt",
];

/// True when `bytes` holds a digit that [`ST_LT_PRICE`] could read as the start of its
/// price: one preceded by one of the pattern's keywords (with no letter or digit right
/// before it) and then `\s*[:=]?\s*(rp\.? ?)?`, which is what comes
/// between a keyword and the price in every match (each branch of the price begins with
/// `\d`). Going back from the digit, each optional part can be read in one way only (a
/// keyword ends with a letter, not a space or `:`), except that the bytes before the digit
/// may be `rp` or a keyword's end (`nginep`), so both are tried. (A proptest checks this
/// against the regex.)
fn may_hold_price(bytes: &[u8]) -> bool {
    let n = bytes.len();
    let mut i = 0;
    while let Some(start) = next_digit(bytes, i) {
        // A run of digits starts at `start` (the byte before is not a digit).
        if keyword_before_price(bytes, start) {
            return true;
        }
        i = start;
        while i < n && bytes[i].is_ascii_digit() {
            i += 1;
        }
    }
    false
}

/// The index of the first ASCII digit in `bytes[i..]`, looked for eight bytes at a time.
#[inline]
fn next_digit(bytes: &[u8], mut i: usize) -> Option<usize> {
    while let Some(chunk) = bytes.get(i..i + 8) {
        let digits = digit_bits(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
        if digits != 0 {
            return Some(i + (digits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes[i..]
        .iter()
        .position(u8::is_ascii_digit)
        .map(|k| i + k)
}

/// The high bit of each byte of `x` (eight bytes, little-endian) that is an ASCII digit.
fn digit_bits(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // No carry crosses a byte: the low seven bits plus 0x50 stay below 0x100.
    let low = x & LOW7;
    (low + 0x5050_5050_5050_5050) & !(low + 0x4646_4646_4646_4646) & !x & HIGH
}

/// True when `bytes[..d]` ends with `\b`, a keyword of [`ST_LT_PRICE`] and
/// `\s*[:=]?\s*(rp\.? ?)?` (see [`may_hold_price`]).
fn keyword_before_price(bytes: &[u8], d: usize) -> bool {
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r');
    let skip_spaces = |mut k: usize| {
        while k > 0 && space(bytes[k - 1]) {
            k -= 1;
        }
        k
    };
    // A keyword begins after a `\b` and ends with a letter, so the keyword before the
    // spaces is the whole run of letters and digits that ends there (with, for `short
    // time` and the like, the word and the space before it).
    let run_start = |mut k: usize| {
        while k > 0 && is_word_byte(bytes[k - 1]) {
            k -= 1;
        }
        k
    };
    let keyword_ends_at = |end: usize| {
        let mut k = skip_spaces(end);
        if k > 0 && matches!(bytes[k - 1], b':' | b'=') {
            k = skip_spaces(k - 1);
        }
        let r = run_start(k);
        let first_of_two = |first: &[u8]| {
            r > first.len()
                && bytes[r - 1] == b' '
                && bytes[..r - 1].ends_with(first)
                && run_start(r - 1) == r - 1 - first.len()
        };
        match &bytes[r..k] {
            b"st" | b"lt" | b"shorttime" | b"longtime" | b"shortime" | b"bo" | b"vcs" | b"vc"
            | b"fs" | b"ons" | b"stay" | b"fulnight" | b"fn" | b"nginep" | b"fulserv"
            | b"tarif" | b"promo" | b"rate" | b"rr" | b"expo" | b"crot" | b"jam" | b"menit"
            | b"mnt" => true,
            b"time" => first_of_two(b"short") || first_of_two(b"long"),
            b"cal" => first_of_two(b"video"),
            b"night" | b"serv" => first_of_two(b"ful"),
            _ => false,
        }
    };
    // `rp`, `rp.`, `rp ` or `rp. ` right before the digit.
    let mut j = d;
    if j > 0 && bytes[j - 1] == b' ' {
        j -= 1;
    }
    if j > 0 && bytes[j - 1] == b'.' {
        j -= 1;
    }
    (bytes[..j].ends_with(b"rp") && keyword_ends_at(j - 2)) || keyword_ends_at(d)
}

/// The builtin pack's phone rule (`phone_id`), which runs on most texts with ten digits and
/// matches on nearly all of them, so no gate helps; its matches are found by hand
/// ([`find_phones`]), only for exactly this pattern, so an edited pack runs its regex.
const PHONE_ID: &str = r"(\+62|\b62|\b0)[ .\-]?8[1-9]([ .\-]?\d){7,10}\b";

/// Calls `f(start, end)` for each match of [`PHONE_ID`] in `bytes`, in order, as the
/// regex's `find_iter` reports them (leftmost-first, non-overlapping). Every part of the
/// pattern can match in one way only: the three prefixes begin with different bytes; an
/// optional separator must be followed by a digit (`8` after the prefix), which a separator
/// is not; so the repetition's copies are forced, and only their number is chosen — the most,
/// up to ten, from seven on, that ends before a byte that is not a word byte (`\b` after a
/// digit). (A proptest checks this against the regex.)
fn find_phones(bytes: &[u8], mut f: impl FnMut(usize, usize)) {
    let mut from = 0;
    while let Some(at) = memchr::memchr3(b'+', b'6', b'0', &bytes[from..]) {
        let s = from + at;
        match phone_at(bytes, s) {
            Some(e) => {
                f(s, e);
                from = e;
            }
            None => from = s + 1,
        }
    }
}

/// The end of the match of [`PHONE_ID`] that starts at `s`, if one does.
fn phone_at(bytes: &[u8], s: usize) -> Option<usize> {
    // `\b` and `\d` in ASCII mode: word bytes are ASCII letters, digits and `_`.
    let word = |i: usize| {
        bytes
            .get(i)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
    };
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let sep = |i: usize| matches!(bytes.get(i), Some(b' ' | b'.' | b'-'));
    let after_boundary = s == 0 || !word(s - 1);
    let mut p = match bytes[s] {
        b'+' if bytes.get(s + 1..s + 3) == Some(b"62".as_slice()) => s + 3,
        b'6' if after_boundary && bytes.get(s + 1) == Some(&b'2') => s + 2,
        b'0' if after_boundary => s + 1,
        _ => return None,
    };
    if sep(p) && bytes.get(p + 1) == Some(&b'8') {
        p += 2;
    } else if bytes.get(p) == Some(&b'8') {
        p += 1;
    } else {
        return None;
    }
    if !matches!(bytes.get(p), Some(b'1'..=b'9')) {
        return None;
    }
    p += 1;
    let mut end = None;
    for copies in 1..=10 {
        if sep(p) && digit(p + 1) {
            p += 2;
        } else if digit(p) {
            p += 1;
        } else {
            break;
        }
        if copies >= 7 && !word(p) {
            end = Some(p);
        }
    }
    end
}

/// The most words a [`digit_or_words`] gate checks.
const GATE_WORDS: usize = 8;

/// When every match of `hir` contains an ASCII digit (`.0`) or one of a few literal words:
/// that requirement. None when there is no such small requirement.
fn digit_or_words(hir: &Hir) -> Option<(bool, Vec<String>)> {
    match hir.kind() {
        HirKind::Literal(lit) => {
            if lit.0.iter().any(u8::is_ascii_digit) {
                Some((true, Vec::new()))
            } else {
                let word = std::str::from_utf8(&lit.0).ok()?;
                Some((false, vec![word.to_owned()]))
            }
        }
        HirKind::Repetition(rep) if rep.min >= 1 => digit_or_words(&rep.sub),
        HirKind::Capture(cap) => digit_or_words(&cap.sub),
        _ if needs_digit(hir) => Some((true, Vec::new())),
        // Any part's requirement is the whole's: take the one whose shortest word is the
        // longest (the rarest in text), then the one with the fewest words.
        HirKind::Concat(subs) => subs
            .iter()
            .filter_map(digit_or_words)
            .min_by_key(|(_, words)| {
                let shortest = words.iter().map(String::len).min().unwrap_or(0);
                (std::cmp::Reverse(shortest), words.len())
            }),
        // Every branch needs its own.
        HirKind::Alternation(subs) => {
            let mut all = (false, Vec::new());
            for sub in subs {
                let (digit, words) = digit_or_words(sub)?;
                all.0 |= digit;
                all.1.extend(words);
            }
            all.1.sort();
            all.1.dedup();
            (!subs.is_empty() && all.1.len() <= GATE_WORDS).then_some(all)
        }
        _ => None,
    }
}

/// True when every match of `hir` contains an ASCII digit.
fn needs_digit(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(lit) => lit.0.iter().any(u8::is_ascii_digit),
        HirKind::Class(Class::Bytes(c)) => {
            !c.ranges().is_empty()
                && c.ranges()
                    .iter()
                    .all(|r| r.start().is_ascii_digit() && r.end().is_ascii_digit())
        }
        HirKind::Class(Class::Unicode(c)) => {
            !c.ranges().is_empty()
                && c.ranges()
                    .iter()
                    .all(|r| r.start().is_ascii_digit() && r.end().is_ascii_digit())
        }
        HirKind::Repetition(rep) => rep.min >= 1 && needs_digit(&rep.sub),
        HirKind::Capture(cap) => needs_digit(&cap.sub),
        HirKind::Concat(subs) => subs.iter().any(needs_digit),
        HirKind::Alternation(subs) => !subs.is_empty() && subs.iter().all(needs_digit),
    }
}

/// The shortest word [`gate`] accepts: shorter ones are in nearly every text.
const GATE_WORD_MIN: usize = 2;
/// Gate words shorter than this are common enough that [`gate`] looks for longer ones in
/// runs that reach into parts.
const RARE_WORD_MIN: usize = 3;
/// The most words [`gate`] gives one regex from whole parts.
const GATE_WORDS_MAX: usize = 32;
/// The most words [`gate`] gives one regex from runs that begin or end inside a part
/// (see [`Reach::Within`]).
const GATE_WORDS_WITHIN_MAX: usize = 256;

/// The words of [`gate`].
#[cfg(test)]
fn gate_words(hir: &Hir) -> Option<Vec<String>> {
    gate(hir).map(|g| g.words)
}

/// A regex's gate: words of which every match contains one, and whether a `\b` is known
/// to sit before (`start`) or after (`end`) that word in the match (`\bst`, `jam\b`), so
/// that an occurrence without the boundary does not count.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Gate {
    words: Vec<String>,
    start: bool,
    end: bool,
}

/// Words of which every match of `hir` contains at least one (`duration` needs `jam`,
/// `menit`, …; `whatsapp_link` needs `wa.me/`; `menu_age_under_18` one of `13`…`17`), each
/// at least [`GATE_WORD_MIN`] bytes long, with the boundaries known next to them; None
/// when there is no such small set. (`amount_rb` and `menu_of_women` need runs that begin
/// or end inside a part: `0k`, `0 r`… from `\d{2,4} ?(k|rb|…)`, and `10t`…`49 y` from
/// `(1\d|[2-4]\d) ?(th|…|y)`.)
fn gate(hir: &Hir) -> Option<Gate> {
    let candidate = |prefer: Prefer, reach: Reach| {
        let lits = required_literals(hir, prefer, reach)?;
        let start = lits.start == Side::Bounded;
        let end = lits.end == Side::Bounded;
        let mut words = lits.words;
        // A word that holds another of the set is found whenever it is (`ronde` and `ron`),
        // with the other's boundaries when it begins (ends) where the word does.
        let all = words.clone();
        words.retain(|w| {
            !all.iter().any(|v| {
                v != w
                    && match (start, end) {
                        (false, false) => w.contains(v.as_str()),
                        (true, false) => w.starts_with(v.as_str()),
                        (false, true) => w.ends_with(v.as_str()),
                        (true, true) => false,
                    }
            })
        });
        let ok = !words.is_empty()
            && words.len() <= reach.max_words()
            && words.iter().all(|w| w.len() >= GATE_WORD_MIN);
        ok.then_some(Gate { words, start, end })
    };
    let shortest = |g: &Gate| g.words.iter().map(String::len).min().unwrap_or(0);
    // The rarest-looking words, from whole parts unless those are shorter than
    // [`RARE_WORD_MIN`] and runs that reach into parts give longer ones (`081` rather than
    // `81` for a phone number) or whole parts give none (`(16)`, `: 13`… for an age in a
    // menu, rather than the fewest words, `13`…`17`); then the fewest words that are long
    // enough, when the branches of an alternation want too many between them.
    let rare = match (
        candidate(Prefer::Rare, Reach::Whole),
        candidate(Prefer::Rare, Reach::Within),
    ) {
        (Some(whole), Some(within))
            if shortest(&whole) < RARE_WORD_MIN && shortest(&within) > shortest(&whole) =>
        {
            Some(within)
        }
        (Some(whole), _) => Some(whole),
        (None, within) => within,
    };
    rare.or_else(|| candidate(Prefer::Few, Reach::Whole))
        .or_else(|| candidate(Prefer::Few, Reach::Within))
}

/// What is known about one side of every word of a set of required literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// Nothing.
    Free,
    /// Each word sits at this side's edge of the match of the expression it came from.
    Edge,
    /// A `\b` sits on this side of each word.
    Bounded,
}

/// The required literals of an expression (see [`required_literals`]) and their sides.
#[derive(Debug, Clone)]
struct Lits {
    words: Vec<String>,
    start: Side,
    end: Side,
}

/// True when `hir` is `\b`.
fn is_boundary(hir: &Hir) -> bool {
    use regex_syntax::hir::Look;
    matches!(
        hir.kind(),
        HirKind::Look(Look::WordAscii | Look::WordUnicode)
    )
}

/// One side of a set taken from a part of a concatenation, whose own side is `side`, with
/// the part next to it on that side (None when the part is the first, or last).
fn side_in_concat(side: Side, neighbour: Option<&Hir>) -> Side {
    match (side, neighbour) {
        (Side::Bounded, _) => Side::Bounded,
        (Side::Edge, None) => Side::Edge,
        (Side::Edge, Some(n)) if is_boundary(n) => Side::Bounded,
        _ => Side::Free,
    }
}

/// Which runs of parts [`required_literals`] takes strings from.
#[derive(Debug, Clone, Copy)]
enum Reach {
    /// Runs of whole parts, at most [`EXACT_MAX`] strings.
    Whole,
    /// Also runs that begin with the last copy of a repetition and end with the first byte
    /// of a part's matches, at most [`GATE_WORDS_WITHIN_MAX`] strings.
    Within,
}

impl Reach {
    /// The most words of a gate.
    fn max_words(self) -> usize {
        match self {
            Reach::Whole => GATE_WORDS_MAX,
            Reach::Within => GATE_WORDS_WITHIN_MAX,
        }
    }
}

/// Which of several sets of required literals [`required_literals`] takes.
#[derive(Debug, Clone, Copy)]
enum Prefer {
    /// The set whose shortest word is the longest (the rarest in text), then the smallest;
    /// a set with a word of spaces and punctuation alone only when there is no other.
    Rare,
    /// The smallest set whose words are all long enough for a gate, then the rarest; again
    /// one without a word of spaces and punctuation alone first.
    Few,
}

/// Literals of which every match of `hir` contains at least one, sorted, with their
/// sides; None when the walk finds none.
fn required_literals(hir: &Hir, prefer: Prefer, reach: Reach) -> Option<Lits> {
    match hir.kind() {
        HirKind::Literal(lit) => {
            let word = std::str::from_utf8(&lit.0).ok()?;
            (!word.is_empty()).then(|| Lits {
                words: vec![word.to_owned()],
                start: Side::Edge,
                end: Side::Edge,
            })
        }
        HirKind::Repetition(rep) if rep.min >= 1 => required_literals(&rep.sub, prefer, reach),
        HirKind::Capture(cap) => required_literals(&cap.sub, prefer, reach),
        // Every match holds a match of each part, and of each run of consecutive parts, so
        // any part's set will do, and so will every string a run of parts can match when
        // those are few (`1[3-7]`: `13`…`17`).
        HirKind::Concat(subs) => {
            let last_part = subs.len() - 1;
            let mut sets: Vec<Lits> = Vec::new();
            for (j, sub) in subs.iter().enumerate() {
                if let Some(lits) = required_literals(sub, prefer, reach) {
                    let before = j.checked_sub(1).map(|b| &subs[b]);
                    let after = subs.get(j + 1);
                    sets.push(Lits {
                        start: side_in_concat(lits.start, before),
                        end: side_in_concat(lits.end, after),
                        words: lits.words,
                    });
                }
            }
            let within = matches!(reach, Reach::Within);
            let max = reach.max_words();
            for start in 0..subs.len() {
                // A run may begin with the last copy of a repetition (`\d{2,4}` ends with a
                // `\d`), and ends at a part whose strings are too many, with the bytes that
                // part's matches begin with (`\d ?(k|rb|ribu)` → `0k`, `0 r`…).
                let last_copy =
                    within && matches!(subs[start].kind(), HirKind::Repetition(r) if r.min >= 1);
                let start_side = if last_copy {
                    Side::Free
                } else if is_boundary(&subs[start]) {
                    Side::Bounded
                } else {
                    side_in_concat(Side::Edge, start.checked_sub(1).map(|b| &subs[b]))
                };
                let mut run = vec![Vec::new()];
                for (k, sub) in subs[start..].iter().enumerate() {
                    let strings = if k == 0 && within {
                        last_copy_strings(sub)
                    } else {
                        exact_strings(sub)
                    };
                    let (next, last) = match strings.and_then(|e| cross(&run, &e, max)) {
                        Some(next) => (next, false),
                        None if k > 0 && within => {
                            let Some(next) = first_bytes(sub).and_then(|f| cross(&run, &f, max))
                            else {
                                break;
                            };
                            (next, true)
                        }
                        None => break,
                    };
                    run = next;
                    let m = start + k;
                    let end_side = if last {
                        Side::Free
                    } else if is_boundary(sub) {
                        Side::Bounded
                    } else {
                        side_in_concat(Side::Edge, subs.get(m + 1).filter(|_| m < last_part))
                    };
                    if run.iter().all(|w| !w.is_empty())
                        && let Ok(words) = run
                            .iter()
                            .map(|w| String::from_utf8(w.clone()))
                            .collect::<Result<Vec<_>, _>>()
                    {
                        let mut words = words;
                        words.sort();
                        words.dedup();
                        sets.push(Lits {
                            words,
                            start: start_side,
                            end: end_side,
                        });
                    }
                    if last {
                        break;
                    }
                }
            }
            sets.into_iter().min_by_key(|lits| {
                let words = &lits.words;
                let shortest = words.iter().map(String::len).min().unwrap_or(0);
                // A word of spaces and punctuation alone (`, `) is in most texts.
                let weak = words
                    .iter()
                    .any(|w| !w.bytes().any(|b| b.is_ascii_alphanumeric()));
                // Smaller keys win; `usize::MAX - shortest` puts longer shortest words first.
                match prefer {
                    Prefer::Rare => (
                        words.len() > reach.max_words(),
                        weak,
                        usize::MAX - shortest,
                        words.len(),
                    ),
                    Prefer::Few => (
                        shortest < GATE_WORD_MIN,
                        weak,
                        words.len(),
                        usize::MAX - shortest,
                    ),
                }
            })
        }
        // Every match is a match of one branch: each branch needs its own set, and a side
        // is known only when it is the same in every branch.
        HirKind::Alternation(subs) => {
            let mut all: Option<Lits> = None;
            for sub in subs {
                let lits = required_literals(sub, prefer, reach)?;
                all = Some(match all {
                    None => lits,
                    Some(mut a) => {
                        a.words.extend(lits.words);
                        if a.start != lits.start {
                            a.start = Side::Free;
                        }
                        if a.end != lits.end {
                            a.end = Side::Free;
                        }
                        a
                    }
                });
            }
            let mut all = all?;
            all.words.sort();
            all.words.dedup();
            (!all.words.is_empty()).then_some(all)
        }
        _ => None,
    }
}

/// The most strings [`exact_strings`] lists.
const EXACT_MAX: usize = 64;

/// Every string a match of `hir` can be (a look-around matches the empty string), when
/// there are at most [`EXACT_MAX`]; None when there are more.
fn exact_strings(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![Vec::new()]),
        HirKind::Literal(lit) => Some(vec![lit.0.to_vec()]),
        HirKind::Class(Class::Bytes(c)) => {
            let n: usize = c
                .ranges()
                .iter()
                .map(|r| usize::from(r.end() - r.start()) + 1)
                .sum();
            (n <= EXACT_MAX).then(|| {
                c.ranges()
                    .iter()
                    .flat_map(|r| (r.start()..=r.end()).map(|b| vec![b]))
                    .collect()
            })
        }
        HirKind::Class(Class::Unicode(c)) => {
            let n: usize = c
                .ranges()
                .iter()
                .map(|r| (r.end() as usize) - (r.start() as usize) + 1)
                .sum();
            (n <= EXACT_MAX).then(|| {
                c.ranges()
                    .iter()
                    .flat_map(|r| r.start()..=r.end())
                    .map(|ch| ch.to_string().into_bytes())
                    .collect()
            })
        }
        HirKind::Capture(cap) => exact_strings(&cap.sub),
        HirKind::Repetition(rep) => {
            let max = rep.max?;
            if max > 4 {
                return None;
            }
            let sub = exact_strings(&rep.sub)?;
            let mut all = Vec::new();
            let mut run = vec![Vec::new()];
            for k in 0..=max {
                if k >= rep.min {
                    all.extend(run.iter().cloned());
                }
                if k < max {
                    run = cross(&run, &sub, EXACT_MAX)?;
                }
            }
            all.sort();
            all.dedup();
            (all.len() <= EXACT_MAX).then_some(all)
        }
        HirKind::Concat(subs) => subs.iter().try_fold(vec![Vec::new()], |run, sub| {
            cross(&run, &exact_strings(sub)?, EXACT_MAX)
        }),
        HirKind::Alternation(subs) => {
            let mut all = Vec::new();
            for sub in subs {
                all.extend(exact_strings(sub)?);
            }
            all.sort();
            all.dedup();
            (all.len() <= EXACT_MAX).then_some(all)
        }
    }
}

/// Every string of `a` followed by every string of `b`, when there are at most `max`.
fn cross(a: &[Vec<u8>], b: &[Vec<u8>], max: usize) -> Option<Vec<Vec<u8>>> {
    if a.len().saturating_mul(b.len()) > max {
        return None;
    }
    let mut out: Vec<Vec<u8>> = a
        .iter()
        .flat_map(|x| b.iter().map(move |y| [x.as_slice(), y].concat()))
        .collect();
    out.sort();
    out.dedup();
    Some(out)
}

/// [`exact_strings`] of the last part of every match of `hir`: of one copy when `hir` is a
/// repetition of at least one copy, else of the whole.
fn last_copy_strings(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Repetition(rep) if rep.min >= 1 => exact_strings(&rep.sub),
        _ => exact_strings(hir),
    }
}

/// The first byte of every match of `hir`, each as a one-byte string, and the empty string
/// when `hir` can match the empty string; None when there are more than [`EXACT_MAX`] or a
/// class holds a non-ASCII character.
fn first_bytes(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let mut all: Vec<Vec<u8>> = match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![Vec::new()],
        HirKind::Literal(lit) => vec![lit.0.iter().take(1).copied().collect()],
        HirKind::Class(Class::Bytes(_)) => exact_strings(hir)?,
        HirKind::Class(Class::Unicode(c)) => {
            if c.ranges().iter().any(|r| !r.end().is_ascii()) {
                return None;
            }
            exact_strings(hir)?
        }
        HirKind::Capture(cap) => first_bytes(&cap.sub)?,
        HirKind::Repetition(rep) => {
            let mut f = first_bytes(&rep.sub)?;
            if rep.min == 0 {
                f.push(Vec::new());
            }
            f
        }
        HirKind::Concat(subs) => {
            // The first bytes of each part, while the parts before it can match nothing.
            let mut f = Vec::new();
            let mut empty = true;
            for sub in subs {
                let g = first_bytes(sub)?;
                empty = g.iter().any(Vec::is_empty);
                f.extend(g.into_iter().filter(|w| !w.is_empty()));
                if !empty {
                    break;
                }
            }
            if empty {
                f.push(Vec::new());
            }
            f
        }
        HirKind::Alternation(subs) => {
            let mut f = Vec::new();
            for sub in subs {
                f.extend(first_bytes(sub)?);
            }
            f
        }
    };
    all.sort();
    all.dedup();
    (all.len() <= EXACT_MAX).then_some(all)
}

/// The fewest ASCII digits any match of `hir` contains (a phone number needs ten, a price
/// list two prices): text with fewer digits cannot match, whatever they are.
fn min_digits(hir: &Hir) -> usize {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => 0,
        HirKind::Literal(lit) => lit.0.iter().filter(|b| b.is_ascii_digit()).count(),
        // A class is one character: a digit when it holds nothing else.
        HirKind::Class(_) => usize::from(needs_digit(hir)),
        HirKind::Repetition(rep) => {
            usize::try_from(rep.min).map_or(usize::MAX, |m| m.saturating_mul(min_digits(&rep.sub)))
        }
        HirKind::Capture(cap) => min_digits(&cap.sub),
        HirKind::Concat(subs) => subs.iter().map(min_digits).fold(0, usize::saturating_add),
        HirKind::Alternation(subs) => subs.iter().map(min_digits).min().unwrap_or(0),
    }
}

/// True when some match of `hir` may begin with a literal of at most two bytes that holds a
/// letter (`u`, `st`, `bo`): in chat text the prefilter then stops at nearly every word.
fn weak_prefix(hir: &Hir) -> bool {
    let prefixes = Extractor::new().extract(hir);
    prefixes.literals().is_some_and(|lits| {
        lits.iter()
            .any(|l| l.as_bytes().len() <= 2 && l.as_bytes().iter().any(u8::is_ascii_alphabetic))
    })
}

/// True when some match of `hir` may end with a literal of one letter (`300k`): the
/// prefilter built from the inner literals then stops at nearly every `k`, and the
/// automaton alone, gated on digits, is faster (measured on the `amount_rb` rule).
fn weak_suffix(hir: &Hir) -> bool {
    let suffixes = Extractor::new().kind(ExtractKind::Suffix).extract(hir);
    suffixes.literals().is_some_and(|lits| {
        lits.iter()
            .any(|l| l.as_bytes().len() <= 1 && l.as_bytes().iter().any(u8::is_ascii_alphabetic))
    })
}

/// The ASCII digits in `bytes`, counted 255 bytes at a time in a `u8`, which the compiler
/// turns into vector instructions.
fn count_digits(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|chunk| {
            let n: u8 = chunk
                .iter()
                .map(|&b| u8::from(b.wrapping_sub(b'0') < 10))
                .fold(0, u8::wrapping_add);
            usize::from(n)
        })
        .sum()
}

/// Bytes that continue a word: ASCII letters and digits. Other bytes, including every byte
/// of a non-ASCII character such as an emoji, are word boundaries.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy as _;

    fn pack(rules: &str) -> PolicyPack {
        PolicyPack::from_toml(&format!("[pack]\nname = \"t\"\nversion = \"1\"\n{rules}"))
            .expect("valid pack")
    }

    fn rules_hit(m: &Matcher, p: &PolicyPack, text: &str) -> Vec<String> {
        let norm = normalize(text);
        let mut hits = Vec::new();
        m.find(norm.as_str(), &mut hits);
        hits.iter()
            .map(|h| p.rules[h.rule as usize].name.clone())
            .collect()
    }

    #[test]
    fn word_prefix_and_substring_modes() {
        let p = pack(
            r#"
            [[rules]]
            family = "solicitation"
            name = "bo"
            terms = ["bo"]
            [[rules]]
            family = "solicitation"
            name = "openbo"
            match = "prefix"
            terms = ["openbo"]
            [[rules]]
            family = "service"
            name = "lendir"
            match = "substring"
            terms = ["lendir"]
        "#,
        );
        let m = Matcher::new(&p).expect("compiles");
        assert_eq!(rules_hit(&m, &p, "boleh kok"), Vec::<String>::new());
        assert_eq!(rules_hit(&m, &p, "ready BO💦"), vec!["bo"]);
        assert_eq!(rules_hit(&m, &p, "#openbojogja"), vec!["openbo"]);
        assert_eq!(rules_hit(&m, &p, "#reopenbo"), Vec::<String>::new());
        assert_eq!(rules_hit(&m, &p, "#wisatalendirjogja"), vec!["lendir"]);
    }

    #[test]
    fn terms_are_normalised_like_the_text() {
        let p = pack(
            r#"
            [[rules]]
            family = "solicitation"
            name = "booking"
            terms = ["Booking Out"]
        "#,
        );
        let m = Matcher::new(&p).expect("compiles");
        assert_eq!(rules_hit(&m, &p, "b00king 0ut"), vec!["booking"]);
        assert_eq!(rules_hit(&m, &p, "ᴮᴼᴼᴷᴵᴺᴳ out"), vec!["booking"]);
    }

    fn hir(pattern: &str) -> Hir {
        syntax::parse_with(pattern, &syntax_config()).expect("parses")
    }

    /// The regular expression of the rule `name` of `pack`.
    fn builtin_regex<'p>(pack: &'p PolicyPack, name: &str) -> &'p str {
        pack.rules
            .iter()
            .find(|r| r.name == name)
            .and_then(|r| r.regex.as_deref())
            .expect("the builtin pack has the rule")
    }

    /// `Some` of the words, owned: what [`gate_words`] returns.
    fn owned(words: &[&str]) -> Option<Vec<String>> {
        Some(words.iter().map(|w| (*w).to_owned()).collect())
    }

    #[test]
    fn digit_gate_is_sound() {
        for p in [
            r"\d",
            r"\b\d{2,4} ?(rb|k)\b",
            r"(st|lt) ?[0-9]+",
            r"a(1|2x)b",
            r"x\d+",
        ] {
            assert!(needs_digit(&hir(p)), "{p}");
        }
        for p in [
            r"\d*",
            r"\d?x",
            r"(st|\d)",
            r"[0-9a]",
            r"\bwa\b",
            r"(\d{2}){0,3}",
            r"",
        ] {
            assert!(!needs_digit(&hir(p)), "{p}");
        }
    }

    #[test]
    fn digit_count_gate_is_sound() {
        for (p, want) in [
            (r"\d", 1),
            (r"\d*", 0),
            (r"\d{2,4} ?(rb|k)", 2),
            (r"(st|lt) ?[0-9]+", 1),
            (r"a(1|2x)b", 1),
            (r"(12|3)", 1),
            (r"(\d\d|x)", 0),
            (r"([ .]?\d){7,10}", 7),
            (r"(a\d{2}b.*?){2,}", 4),
            (r"08[1-9]", 3),
            (r"[0-9a]", 0),
            (r"\b", 0),
            (r"", 0),
        ] {
            assert_eq!(min_digits(&hir(p)), want, "{p}");
        }
        // The builtin pack: a phone number holds at least ten digits, a price list two
        // prices.
        let p = PolicyPack::builtin();
        let gate = |name: &str| min_digits(&hir(builtin_regex(&p, name)));
        assert_eq!(gate("phone_id"), 10);
        assert_eq!(gate("price_list"), 4);
        assert_eq!(gate("age_under_18"), 0);
    }

    #[test]
    fn gate_words_are_required_literals() {
        let words = |p: &str| gate_words(&hir(p));
        assert_eq!(words(r"\bwa\.me/\d+"), owned(&["wa.me/"]));
        assert_eq!(
            words(r"\d ?(jam|menit|ron|ronde)\b"),
            // `ronde` stays: `ron` in it is not followed by a boundary.
            owned(&["jam", "menit", "ron", "ronde"])
        );
        assert_eq!(words(r"(ab|cd)x?"), owned(&["ab", "cd"]));
        // The longer of two required parts, not one of the optional ones.
        assert_eq!(words(r"(xy)?abc\d+(de|fg)"), owned(&["abc"]));
        // A run that begins with the last digit of `\d{2,4}`; one that ends with the first
        // byte of a part with too many strings.
        let digit_unit = |units: &[&str]| {
            let mut all: Vec<String> = (0..10)
                .flat_map(|d| {
                    units
                        .iter()
                        .flat_map(move |u| [format!("{d}{u}"), format!("{d} {u}")])
                })
                .collect();
            all.sort();
            Some(all)
        };
        assert_eq!(words(r"\d{2,4} ?(k|rb)\b"), digit_unit(&["k", "rb"]));
        assert_eq!(words(r"\d ?(k[a-z]+|r[a-z]+)"), digit_unit(&["k", "r"]));
        for p in [r"(ab)?\d", r"(ab|\d)", r"[a-z]+", r"(ab)*", r""] {
            assert_eq!(words(p), None, "{p}");
        }
        let p = PolicyPack::builtin();
        let gate = |name: &str| gate_words(&hir(builtin_regex(&p, name)));
        assert_eq!(gate("whatsapp_link"), owned(&["wa.me/"]));
        assert!(gate("duration").is_some_and(|w| w.contains(&"jam".to_owned())));
        let amount = gate("amount_rb").expect("amount_rb is gated");
        for w in ["0k", "9 rb", "5ribu", "1 rebu"] {
            assert!(amount.contains(&w.to_owned()), "{w}: {amount:?}");
        }
        assert!(amount.iter().all(|w| w.as_bytes()[0].is_ascii_digit()));
        // Ages in a menu: a two-digit number and the first byte of the unit, or a keyword
        // and the first digit.
        let menu = gate("menu_of_women").expect("menu_of_women is gated");
        for w in ["10t", "49 y", "u1", "u. 4", "umur 2", "usia3"] {
            assert!(menu.contains(&w.to_owned()), "{w}: {menu:?}");
        }
        // Runs of parts with few strings: a two-digit age with the punctuation of its menu
        // column, rather than the bare number; a mobile prefix with its trunk digit.
        let menu_age = gate("menu_age_under_18").expect("menu_age_under_18 is gated");
        for w in ["(16)", ": 13", "|17", "/14/", ", 15,", " - 14 - "] {
            assert!(menu_age.contains(&w.to_owned()), "{w}: {menu_age:?}");
        }
        assert!(menu_age.iter().all(|w| w.len() >= 3), "{menu_age:?}");
        let phone = gate("phone_id").expect("phone_id is gated");
        for w in ["081", "0 89", "62-85", "6281"] {
            assert!(phone.contains(&w.to_owned()), "{w}: {phone:?}");
        }
    }

    /// The builtin pack's word gates fit the 64 bits the automaton's patterns carry: no
    /// regex goes without the gate its words give it.
    #[test]
    fn every_builtin_word_gate_has_its_bits() {
        let p = PolicyPack::builtin();
        let m = Matcher::new(&p).expect("compiles");
        for re in &m.regexes {
            let rule = &p.rules[re.rule as usize];
            let wants = gate_words(&hir(rule.regex.as_deref().expect("a regex rule")));
            assert_eq!(
                re.words != 0,
                wants.is_some() || re.age_gate,
                "{}",
                rule.name
            );
        }
        let gated: Vec<&str> = m
            .regexes
            .iter()
            .filter(|re| re.words != 0)
            .map(|re| p.rules[re.rule as usize].name.as_str())
            .collect();
        assert!(gated.contains(&"menu_age_under_18"), "{gated:?}");
    }

    #[test]
    fn runs_of_parts_with_few_strings_are_required_literals() {
        let words = |p: &str| gate_words(&hir(p));
        // The run with the space is longer, so rarer.
        assert_eq!(words(r"\b[a-z]+ (1[3-5])\b"), owned(&[" 13", " 14", " 15"]));
        // Too many strings for whole parts (64); within parts, the run stops before the digit.
        let x = words(r"x ?[a-z][0-9]").expect("gated");
        assert_eq!(x.len(), 52);
        assert!(
            x.iter().all(|w| w.starts_with('x') && w.len() <= 3),
            "{x:?}"
        );
        assert_eq!(words(r"ab ?c"), owned(&["ab c", "abc"]));
        // Each branch's own, with its digits: `, ` alone would be in most texts.
        assert_eq!(
            words(r"[a-z]+(, (1[67]) ?,| - (1[67]) - )"),
            owned(&[" - 16 - ", " - 17 - ", ", 16 ,", ", 16,", ", 17 ,", ", 17,"])
        );
        for (p, strings) in [
            (r"1[3-5]", vec!["13", "14", "15"]),
            (r"a ?b", vec!["a b", "ab"]),
            (r"\bx{1,2}\b", vec!["x", "xx"]),
            (r"(a|bc)d", vec!["ad", "bcd"]),
        ] {
            let want: Vec<Vec<u8>> = strings.iter().map(|w| w.as_bytes().to_vec()).collect();
            assert_eq!(exact_strings(&hir(p)), Some(want), "{p}");
        }
        for p in [r"\d{2}", r"a+", r"[a-z]{2}"] {
            assert_eq!(exact_strings(&hir(p)), None, "{p}");
        }
    }

    #[test]
    fn digits_are_counted() {
        for t in ["", "abc", "0", "a1b2c3", "９", &"12a".repeat(300)] {
            let want = t.bytes().filter(u8::is_ascii_digit).count();
            assert_eq!(count_digits(t.as_bytes()), want, "{t}");
        }
    }

    #[test]
    fn digit_or_word_gate_is_sound() {
        let gate = |p: &str| digit_or_words(&hir(p));
        assert_eq!(gate(r"\d"), Some((true, vec![])));
        assert_eq!(gate(r"\bbelas\b"), Some((false, vec!["belas".to_owned()])));
        assert_eq!(
            gate(r"\b(\d{2}|(lima|enam) ?belas)\b"),
            Some((true, vec!["belas".to_owned()]))
        );
        assert_eq!(
            gate(r"(ab|cd)x?"),
            Some((false, vec!["ab".to_owned(), "cd".to_owned()]))
        );
        for p in [
            r"\d*",
            r"x?",
            r"[a-z]+",
            r"(\d|[a-z])",
            r"(a|b|c|d|e|f|g|h|i)",
            r"",
        ] {
            assert_eq!(gate(p), None, "{p}");
        }
        // The builtin pack's age rule reads digits, or words such as `enam belas tahun`.
        let p = PolicyPack::builtin();
        let (digit, words) =
            gate(builtin_regex(&p, "age_under_18")).expect("age_under_18 is gated");
        assert!(digit);
        assert!(words.iter().all(|w| w.contains("belas")), "{words:?}");
    }

    #[test]
    fn weak_suffixes_are_single_letters() {
        let p = PolicyPack::builtin();
        let weak: Vec<&str> = p
            .rules
            .iter()
            .filter(|r| r.regex.as_deref().is_some_and(|re| weak_suffix(&hir(re))))
            .map(|r| r.name.as_str())
            .collect();
        // `300k`: the one the prefilter measured slower for among those it was on for.
        assert!(weak.contains(&"amount_rb"), "{weak:?}");
        for name in ["duration", "amount_jt", "phone_id", "whatsapp_link"] {
            assert!(!weak.contains(&name), "{weak:?}");
        }
    }

    #[test]
    fn weak_prefixes_are_short_words() {
        let p = PolicyPack::builtin();
        let weak: Vec<&str> = p
            .rules
            .iter()
            .filter(|r| r.regex.as_deref().is_some_and(|re| weak_prefix(&hir(re))))
            .map(|r| r.name.as_str())
            .collect();
        // The three the prefilter measured slower for (their matches begin with `u`, `st`).
        assert_eq!(weak, ["st_lt_price", "price_list", "age_under_18"]);
    }

    /// Gated matching finds exactly what the plain regexes find.
    #[test]
    fn gates_change_no_match() {
        let p = PolicyPack::builtin();
        let m = Matcher::new(&p).expect("compiles");
        let texts = [
            "open bo st 500 lt 1,2jt wa 0812 8845 1290",
            "umur 16 th, usia 15, u17, 17th",
            "ready kak, no digits here at all",
            "vcs 200rb, 300k, 1.5jt, 2 jam, wa.me/62812",
            "dewi 22th, sari 21 th, t.me/abcde",
            "umur enam belas tahun, masih lima belas th",
            "usia tujuhbelas kak, no digits",
            // Phone numbers at and below the ten digits the gate asks for.
            "wa 0812 8845 12",
            "wa 0812 8845 129",
            "+62 812 8845 129",
            "st 50 lt 70",
            "st 500 lt",
            // Word gates: durations, millions, links.
            "2 ronde, 1 shoot, 3x crot, 2 kali main",
            "1 jeti, 2 jutaan, 1,5 jtan",
            "wa.me/+62812, t.me/abc_d",
            "tarif 300, expo 500, shortime 350, video cal 200",
        ];
        for t in texts {
            let norm = normalize(t);
            let mut got = Vec::new();
            m.find(norm.as_str(), &mut got);
            got.retain(|h| p.rules[h.rule as usize].regex.is_some());
            let mut want = Vec::new();
            for (i, r) in p.rules.iter().enumerate() {
                let Some(re) = &r.regex else { continue };
                for mm in compile_regex(re)
                    .expect("compiles")
                    .find_iter(norm.as_str().as_bytes())
                {
                    want.push(Hit {
                        rule: i as u32,
                        start: mm.start() as u32,
                        end: mm.end() as u32,
                    });
                }
            }
            want.sort_unstable_by_key(|h| (h.start, h.end, h.rule));
            want.dedup();
            assert_eq!(got, want, "{t}");
        }
    }

    #[test]
    fn regex_rules_report_every_match() {
        let p = pack(
            r#"
            [[rules]]
            family = "price"
            name = "rb"
            regex = '\b\d{2,4}\s?(rb|k)\b'
        "#,
        );
        let m = Matcher::new(&p).expect("compiles");
        assert_eq!(rules_hit(&m, &p, "300rb atau 450k"), vec!["rb", "rb"]);
    }

    #[test]
    fn gate_sides_are_the_boundaries_next_to_the_words() {
        let sides = |p: &str| gate(&hir(p)).map(|g| (g.start, g.end));
        assert_eq!(sides(r"\b(st|lt)\s*\d"), Some((true, false)));
        assert_eq!(sides(r"\d ?(jam|menit)\b"), Some((false, true)));
        assert_eq!(sides(r"\b(st|bo)\b"), Some((true, true)));
        assert_eq!(sides(r"(\bst|lt)\d"), Some((false, false)));
        assert_eq!(sides(r"x(st|lt)\b"), Some((false, true)));
        let p = PolicyPack::builtin();
        let side = |name: &str| gate(&hir(builtin_regex(&p, name))).map(|g| (g.start, g.end));
        assert_eq!(side("st_lt_price"), Some((true, false)));
        assert_eq!(side("price_list"), Some((true, true)));
        assert_eq!(side("duration"), Some((false, true)));
    }

    #[test]
    fn first_bytes_begin_every_match() {
        let first = |p: &str| {
            first_bytes(&hir(p)).map(|f| {
                f.into_iter()
                    .map(|w| String::from_utf8(w).expect("ascii"))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            first(r"(k|rb|ribu)"),
            Some(vec!["k".to_owned(), "r".to_owned()])
        );
        assert_eq!(first(r" ?x"), Some(vec![" ".to_owned(), "x".to_owned()]));
        assert_eq!(first(r"\b(ab)?"), Some(vec![String::new(), "a".to_owned()]));
        assert_eq!(first(r"[0-9]+z"), first(r"\d"));
        assert_eq!(first(r"."), None);
    }

    /// The names of the builtin pack's rules whose compiled pattern has `flag`.
    fn builtin_rules_where(flag: impl Fn(&PackRegex) -> bool) -> Vec<String> {
        let p = PolicyPack::builtin();
        let m = Matcher::new(&p).expect("compiles");
        m.regexes
            .iter()
            .filter(|re| flag(re))
            .map(|re| p.rules[re.rule as usize].name.clone())
            .collect()
    }

    /// The hand-written gate is for the builtin pack's pattern, and only for it.
    #[test]
    fn age_gate_is_for_the_builtin_age_pattern() {
        let p = PolicyPack::builtin();
        assert_eq!(builtin_regex(&p, "age_under_18"), AGE_UNDER_18);
        assert_eq!(builtin_rules_where(|re| re.age_gate), ["age_under_18"]);
        assert!(
            !compile_pack_regex(0, &AGE_UNDER_18.replace("1[0-7]", "1[0-8]"))
                .expect("compiles")
                .age_gate
        );
    }

    /// The hand-written price gate is for the builtin pack's pattern, and only for it, and
    /// its words are every spelling of the pattern's keywords.
    #[test]
    fn price_gate_is_for_the_builtin_price_pattern() {
        let p = PolicyPack::builtin();
        assert_eq!(builtin_regex(&p, "st_lt_price"), ST_LT_PRICE);
        assert_eq!(builtin_rules_where(|re| re.price_gate), ["st_lt_price"]);
        assert!(
            !compile_pack_regex(0, &ST_LT_PRICE.replace("|crot", "|crott"))
                .expect("compiles")
                .price_gate
        );
        // The two keyword groups, as the pattern writes them, spelled out.
        let groups = [
            "(st|lt|short ?time|long ?time|shortime|longtime|bo|vcs|vc|video cal|fs|ons|stay|ful ?night|fn|nginep|ful ?serv|tarif|promo|rate|rr|expo|crot)",
            "(jam|menit|mnt)",
        ];
        for g in groups {
            assert!(
                ST_LT_PRICE.contains(&format!(r"\b{g}\s*[:=]?\s*(rp\.? ?)?")),
                "{g}"
            );
        }
        let spelled = exact_strings(&hir(&groups.join("|"))).expect("few strings");
        let mut words: Vec<Vec<u8>> = ST_LT_PRICE_WORDS
            .iter()
            .map(|w| w.as_bytes().to_vec())
            .collect();
        words.sort();
        assert_eq!(spelled, words);
    }

    /// The hand-written phone matcher is for the builtin pack's pattern, and only for it.
    #[test]
    fn phone_matcher_is_for_the_builtin_phone_pattern() {
        let p = PolicyPack::builtin();
        assert_eq!(builtin_regex(&p, "phone_id"), PHONE_ID);
        assert_eq!(builtin_rules_where(|re| re.phone), ["phone_id"]);
        assert!(
            !compile_pack_regex(0, &PHONE_ID.replace("{7,10}", "{7,11}"))
                .expect("compiles")
                .phone
        );
        fn phones(t: &str) -> Vec<&str> {
            let mut v = Vec::new();
            find_phones(t.as_bytes(), |s, e| v.push(&t[s..e]));
            v
        }
        assert_eq!(
            phones("wa 0812 8845 1290, +62-812-8845-1290 or 6281288451290x 62812884512"),
            ["0812 8845 1290", "+62-812-8845-1290", "62812884512"]
        );
        assert_eq!(phones("08128845129012345"), Vec::<&str>::new());
        assert_eq!(phones("0812.8845.129.0"), ["0812.8845.129.0"]);
        assert_eq!(phones("a0812884512"), Vec::<&str>::new());
    }

    #[test]
    fn prices_after_keywords_are_found() {
        for t in [
            "st 500",
            "st500",
            "st: 500",
            "ok, st :\t 1,2jt",
            "bo=rp.300",
            "bo rp. 300",
            "bo rp 300",
            "bo rp300",
            "1 jam\n450",
            "short time 300",
            "nginep500",
            "x (fs 1)",
        ] {
            assert!(may_hold_price(t.as_bytes()), "{t}");
        }
        for w in ST_LT_PRICE_WORDS {
            for t in [
                format!("{w} 5"),
                format!("ok: {w}=rp. 50"),
                format!("{w}\t:\n1"),
            ] {
                assert!(may_hold_price(t.as_bytes()), "{t}");
            }
            for t in [format!("a{w} 5"), format!("{w}a 5"), format!("{w} x 5")] {
                assert!(!may_hold_price(t.as_bytes()), "{t}");
            }
        }
        for t in [
            "",
            "st",
            "st ya 500",
            "ful  night 300",
            "x (fs) 1",
            "xshort time 300",
            "st :: 500",
            "bo rp  300",
            "bo rp.. 300",
            "bo r 300",
            "kost 300",
            "st_500",
            "0812 8845 1290",
        ] {
            assert!(!may_hold_price(t.as_bytes()), "{t}");
        }
    }

    #[test]
    fn age_numbers_are_found() {
        for t in [
            "umur 16",
            "u17",
            "16th",
            "jam 5",
            "masih 15 ya",
            "a long text before the number, umur:12",
            "twelve bytes 0812 and then 17",
            "🙂🙂 usia 9🙂",
        ] {
            assert!(may_hold_age(t.as_bytes()), "{t}");
        }
        for t in [
            "",
            "rp 150",
            "0812 8845 1290",
            "18 th",
            "4 tahun",
            "umur 20",
            "150rb 300k 2jt",
            "a long text without a number at all",
            "16k and 17a and 115 and 170",
            // Numbers after words that are not the pattern's keywords.
            "rp 15.000",
            "17 agustus",
            "jl. 7",
            "no 9, hp",
            "jam 18 th",
        ] {
            assert!(!may_hold_age(t.as_bytes()), "{t}");
        }
    }

    proptest::proptest! {
        /// With every gate, the matcher finds exactly what the pack's regexes find alone.
        #[test]
        fn gates_change_no_match_on_random_text(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "st", "lt", "bo", "fs", "vcs", "jam", "1 jam", "ronde", "ron", "kost", "short",
                    "time", "rp", "500", "1", "2", "16", "17", "08", "0812", "+62", "62", "81",
                    "8845", "1290", " ", " ", " ", ":", ".", ",", "-", "|", "(", ")", "/", "\n",
                    "k", "rb", "ribu", "jt", "th", "y", "umur", "u", "belas", "enam", "masih",
                    "wa.me/", "t.me/", "abcd", "nia", "x", "a", "_", "🙂",
                ])
                .prop_map(str::to_owned),
                0..24,
            ),
        ) {
            // The matcher and the plain regexes, built once for all cases.
            static BUILT: std::sync::LazyLock<(Matcher, Vec<(u32, Regex)>)> =
                std::sync::LazyLock::new(|| {
                    let p = PolicyPack::builtin();
                    let plain = p
                        .rules
                        .iter()
                        .enumerate()
                        .filter_map(|(i, r)| {
                            let re = r.regex.as_deref()?;
                            Some((i as u32, compile_regex(re).expect("compiles")))
                        })
                        .collect();
                    (Matcher::new(&p).expect("compiles"), plain)
                });
            let (m, plain) = &*BUILT;
            let text = pieces.concat();
            let mut got = Vec::new();
            m.find(&text, &mut got);
            got.retain(|h| plain.iter().any(|(rule, _)| *rule == h.rule));
            let mut want = Vec::new();
            for (rule, re) in plain {
                for mm in re.find_iter(text.as_bytes()) {
                    if mm.start() < mm.end() {
                        want.push(Hit {
                            rule: *rule,
                            start: mm.start() as u32,
                            end: mm.end() as u32,
                        });
                    }
                }
            }
            want.sort_unstable_by_key(|h| (h.start, h.end, h.rule));
            want.dedup();
            proptest::prop_assert_eq!(got, want, "{:?}", text);
        }

        /// The hand-written phone matcher finds what the phone pattern finds.
        #[test]
        fn phone_matcher_finds_what_the_regex_finds(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(vec![
                        "+", "62", "+62", "0", "08", "8", "81", "89", "80", "1", "9", " ", ".",
                        "-", "--", "_", "a", "x", "wa", "🙂", "é", "\n",
                    ])
                    .prop_map(str::to_owned),
                    "[0-9]{1,6}",
                    "[0-9 .\\-]{1,6}",
                ],
                0..24,
            ),
        ) {
            static RE: std::sync::LazyLock<Regex> =
                std::sync::LazyLock::new(|| compile_regex(PHONE_ID).expect("compiles"));
            let text = pieces.concat();
            let mut got = Vec::new();
            find_phones(text.as_bytes(), |s, e| got.push((s, e)));
            let want: Vec<(usize, usize)> = RE
                .find_iter(text.as_bytes())
                .map(|m| (m.start(), m.end()))
                .collect();
            proptest::prop_assert_eq!(got, want, "{:?}", text);
        }

        /// With the price gate, the matcher finds exactly what the price pattern finds alone.
        #[test]
        fn price_gate_never_rejects_a_match(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(ST_LT_PRICE_WORDS.to_vec()).prop_map(str::to_owned),
                    proptest::sample::select(vec![
                        "rp", "rp.", "r", "p", "short", "time", "long", "ful", "s", "t", "k",
                        "rb", "ribu", "jt", "juta", " ", " ", "  ", ":", "=", ".", ",", "\n",
                        "\t", "\r", "-", "_", "x", "a", "🙂", "é",
                    ])
                    .prop_map(str::to_owned),
                    "[0-9]{1,5}",
                    "[a-z0-9 .:=]{1,4}",
                ],
                0..16,
            ),
        ) {
            static BUILT: std::sync::LazyLock<(Matcher, u32, Regex)> =
                std::sync::LazyLock::new(|| {
                    let p = PolicyPack::builtin();
                    let rule = p
                        .rules
                        .iter()
                        .position(|r| r.name == "st_lt_price")
                        .expect("the builtin pack has the rule") as u32;
                    let re = compile_regex(ST_LT_PRICE).expect("compiles");
                    (Matcher::new(&p).expect("compiles"), rule, re)
                });
            let (m, rule, re) = &*BUILT;
            let text = pieces.concat();
            let mut got = Vec::new();
            m.find(&text, &mut got);
            let got: Vec<(u32, u32)> = got
                .iter()
                .filter(|h| h.rule == *rule)
                .map(|h| (h.start, h.end))
                .collect();
            let want: Vec<(u32, u32)> = re
                .find_iter(text.as_bytes())
                .filter(|mm| mm.start() < mm.end())
                .map(|mm| (mm.start() as u32, mm.end() as u32))
                .collect();
            proptest::prop_assert_eq!(got, want, "{:?}", text);
        }

        /// The age gate never rejects a text the age pattern matches.
        #[test]
        fn age_gate_never_rejects_a_match(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(vec![
                        "umur", "umr", "usia", "u", "age", "um", "masih", "blm", "belum",
                        "mau", "baru", "jalan", "usianya", "umurnya", "rp", "no", "jl",
                        "enam", "tujuh", "belas", "th", "thn", "tahun", "yo", "y", "yrs", "t",
                        " ", " ", ".", ":", "\n", "\t", ",", "(", "-", "🙂", "é", "x", "k",
                    ])
                    .prop_map(str::to_owned),
                    "[0-9]{1,3}",
                    "[a-z0-9 .:]{1,4}",
                ],
                0..20,
            ),
        ) {
            let text = pieces.concat();
            let re = compile_regex(AGE_UNDER_18).expect("compiles");
            if re.is_match(text.as_bytes()) {
                proptest::prop_assert!(
                    text.contains("belas") || may_hold_age(text.as_bytes()),
                    "{:?}", text
                );
            }
        }
    }
}
