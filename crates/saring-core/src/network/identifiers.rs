//! Contact and payment identifiers in ad text, normalised so that every spelling of one
//! identifier gives the same value: Indonesian mobile numbers to E.164 (`+628…`), WhatsApp
//! links, LINE, Telegram and Instagram handles, bank and e-wallet accounts.
//!
//! Phone numbers are found by a small scanner rather than a regex, because the spellings people
//! use to dodge filters mix digit forms freely: ASCII, fullwidth (`０８１２`), mathematical
//! (`𝟎𝟖`), circled (`⓪⑧`), emoji keycaps (`0️⃣8️⃣`), number words in Indonesian or English
//! (`nol delapan satu dua`, `kosong lapan`), look-alike letters between digits (`O8l2`), and
//! separators (spaces, dots, dashes, slashes, brackets) between any of them. The scanner turns
//! the text into digit *groups* and accepts a phone when consecutive groups, separated by at
//! most three separator characters, spell `08` + 8–11 digits or `628` + 8–11 digits.
//! Only mobile numbers are recognised (landlines are rare in ads and collide with prices).
//!
//! Handles and accounts are recognised only where the text says what they are (`line: …`,
//! `t.me/…`, `ig @…`, `BCA 123…`, `DANA 0812…`): a bare `@name` could be anyone's mention.

use std::ops::Range;
use std::sync::LazyLock;

use regex::{CaptureMatches, Regex, RegexSet};
use serde::{Deserialize, Serialize};

/// What an identifier is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// A mobile number in E.164, such as `+6281234567890` (also from `wa.me/62…` links).
    Phone,
    /// A WhatsApp link that does not contain a number (`wa.me/message/…`,
    /// `chat.whatsapp.com/…`, `wa.link/…`).
    Whatsapp,
    /// A LINE id.
    Line,
    /// A Telegram username.
    Telegram,
    /// An Instagram username.
    Instagram,
    /// A bank account: `bank:number`, such as `bca:1234567890`.
    BankAccount,
    /// An e-wallet account: `wallet:+62…`, such as `dana:+6281234567890`.
    Ewallet,
}

impl IdentifierKind {
    /// The kind's name as it appears in output (`phone`, `whatsapp`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierKind::Phone => "phone",
            IdentifierKind::Whatsapp => "whatsapp",
            IdentifierKind::Line => "line",
            IdentifierKind::Telegram => "telegram",
            IdentifierKind::Instagram => "instagram",
            IdentifierKind::BankAccount => "bank_account",
            IdentifierKind::Ewallet => "ewallet",
        }
    }
}

/// A normalised identifier: two ads that name the same number, handle or account give equal
/// identifiers however they spelled it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Identifier {
    /// What it is.
    pub kind: IdentifierKind,
    /// The normalised value.
    pub value: String,
}

impl Identifier {
    fn new(kind: IdentifierKind, value: impl Into<String>) -> Self {
        Identifier {
            kind,
            value: value.into(),
        }
    }
}

/// An identifier and where it was written (byte range in the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The identifier.
    pub identifier: Identifier,
    /// Its byte range in the text.
    pub span: Range<usize>,
}

/// The distinct identifiers in `text`, sorted.
pub fn extract(text: &str) -> Vec<Identifier> {
    let mut ids: Vec<Identifier> = scan(text).into_iter().map(|f| f.identifier).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Every identifier occurrence in `text`, in text order (overlaps possible: the number in
/// `DANA 0812…` is both a phone and an e-wallet).
pub fn scan(text: &str) -> Vec<Found> {
    let mut found = phones(text);
    // Most texts name no handle, link, bank or wallet: one pass over the set tells which
    // patterns can match, and only those are run for their captures.
    let hits = PATTERN_SET.matches(text);
    let captures = |i: usize, re: &'static Regex| -> Option<CaptureMatches<'static, '_>> {
        hits.matched(i).then(|| re.captures_iter(text))
    };
    let n = HANDLE_PATTERNS.len();
    for (i, (re, kind)) in HANDLE_PATTERNS.iter().enumerate() {
        for caps in captures(i, re).into_iter().flatten() {
            let (Some(whole), Some(handle)) = (caps.get(0), caps.get(1)) else {
                continue;
            };
            let value = handle
                .as_str()
                .trim_end_matches(['.', '-'])
                .to_ascii_lowercase();
            if value.len() >= 3 {
                found.push(Found {
                    identifier: Identifier::new(*kind, value),
                    span: whole.range(),
                });
            }
        }
    }
    for caps in captures(n, &WHATSAPP_LINK).into_iter().flatten() {
        if let Some(m) = caps.get(0) {
            let link = m.as_str();
            let link = link.find("://").map_or(link, |i| &link[i + 3..]);
            // Invite and message codes are case-sensitive: keep their case, lowercase the rest.
            let cut = link.rfind('/').map_or(0, |i| i + 1);
            let value = format!("{}{}", link[..cut].to_ascii_lowercase(), &link[cut..]);
            found.push(Found {
                identifier: Identifier::new(IdentifierKind::Whatsapp, value),
                span: m.range(),
            });
        }
    }
    for caps in captures(n + 1, &BANK).into_iter().flatten() {
        let (Some(whole), Some(bank), Some(number)) = (caps.get(0), caps.get(1), caps.get(2))
        else {
            continue;
        };
        let digits: String = number
            .as_str()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        if (10..=16).contains(&digits.len()) {
            let bank: String = bank
                .as_str()
                .chars()
                .filter(char::is_ascii_alphabetic)
                .collect::<String>()
                .to_ascii_lowercase();
            let bank = if bank.starts_with("cimb") {
                "cimb".to_owned()
            } else {
                bank
            };
            found.push(Found {
                identifier: Identifier::new(
                    IdentifierKind::BankAccount,
                    format!("{bank}:{digits}"),
                ),
                span: whole.range(),
            });
        }
    }
    for caps in captures(n + 2, &EWALLET).into_iter().flatten() {
        let (Some(whole), Some(wallet), Some(number)) = (caps.get(0), caps.get(1), caps.get(2))
        else {
            continue;
        };
        let digits: String = number
            .as_str()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        if let Some(phone) = phone_from_digits(&digits) {
            let wallet = wallet
                .as_str()
                .chars()
                .filter(char::is_ascii_alphabetic)
                .collect::<String>()
                .to_ascii_lowercase();
            found.push(Found {
                identifier: Identifier::new(IdentifierKind::Ewallet, format!("{wallet}:{phone}")),
                span: whole.range(),
            });
        }
    }
    found.sort_by_key(|f| (f.span.start, f.span.end));
    found
}

/// Handle patterns; group 1 is the handle. Word boundaries are ASCII (`(?-u:\b)`) so the
/// regexes stay on the fast automaton on any text.
static HANDLE_PATTERNS: LazyLock<Vec<(Regex, IdentifierKind)>> = LazyLock::new(|| {
    let p = |re: &str, kind| {
        (
            Regex::new(re).expect("the handle patterns are valid regexes (unit-tested)"),
            kind,
        )
    };
    vec![
        p(
            r"(?i)line\.me/(?:ti/p/)?[~@]?([a-z0-9._-]{3,20})",
            IdentifierKind::Line,
        ),
        p(
            r"(?i)(?-u:\b)(?:id\s*line|line\s*id|line|ln)\s*(?:[:=@]|:\s*@)\s*@?([a-z0-9][a-z0-9._-]{2,19})",
            IdentifierKind::Line,
        ),
        p(
            r"(?i)(?-u:\b)id\s+line\s+@?([a-z0-9][a-z0-9._-]{2,19})",
            IdentifierKind::Line,
        ),
        p(
            r"(?i)(?-u:\b)(?:t|telegram)\.me/([a-z][a-z0-9_]{4,31})",
            IdentifierKind::Telegram,
        ),
        p(
            r"(?i)(?-u:\b)(?:telegram|tele|tg)\s*(?:[:=@]|:\s*@)\s*@?([a-z][a-z0-9_]{4,31})",
            IdentifierKind::Telegram,
        ),
        p(
            r"(?i)(?-u:\b)instagram\.com/([a-z0-9._]{1,30})",
            IdentifierKind::Instagram,
        ),
        p(
            r"(?i)(?-u:\b)(?:ig|insta|instagram)\s*(?:[:=@]|:\s*@)\s*@?([a-z0-9._]{1,30})",
            IdentifierKind::Instagram,
        ),
    ]
});

/// The patterns of [`scan`] in one set: the handle patterns, then [`WHATSAPP_LINK`],
/// [`BANK`] and [`EWALLET`].
static PATTERN_SET: LazyLock<RegexSet> = LazyLock::new(|| {
    let handles = HANDLE_PATTERNS.iter().map(|(re, _)| re.as_str());
    RegexSet::new(handles.chain([WHATSAPP_LINK.as_str(), BANK.as_str(), EWALLET.as_str()]))
        .expect("the patterns are valid regexes (each is built alone first)")
});

/// WhatsApp links without a number in them (numbers are found by the phone scanner).
static WHATSAPP_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:https?://)?(?:wa\.me/message/[a-z0-9]{6,}|chat\.whatsapp\.com/[a-z0-9]{10,}|wa\.link/[a-z0-9]{4,})",
    )
    .expect("the WhatsApp link pattern is a valid regex (unit-tested)")
});

/// Bank accounts: a bank's name, optional words such as `rek`/`no`/`a.n`, then 10–16 digits.
static BANK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(bca|bri|bni|mandiri|bsi|btn|cimb(?:\s*niaga)?|permata|danamon|jago|seabank|jenius)(?-u:\b)\s*(?:(?:no|nomor|rek|rekening|norek)\.?\s*)?[:#-]?\s*([0-9][0-9 .-]{8,22}[0-9])",
    )
    .expect("the bank pattern is a valid regex (unit-tested)")
});

/// E-wallets: the wallet's name, then a phone number.
static EWALLET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(dana|ovo|gopay|go-pay|shopeepay|shopee\s*pay|linkaja|link\s*aja)(?-u:\b)\s*[:#-]?\s*(\+?[0-9][0-9 .-]{8,18}[0-9])",
    )
    .expect("the e-wallet pattern is a valid regex (unit-tested)")
});

/// Normalises a digit string to E.164 when it is an Indonesian mobile number.
pub fn phone_from_digits(digits: &str) -> Option<String> {
    let b = digits.as_bytes();
    if b.len() >= 10 && b.len() <= 13 && b.starts_with(b"08") {
        return Some(format!("+62{}", &digits[1..]));
    }
    if b.len() >= 11 && b.len() <= 14 && b.starts_with(b"628") {
        return Some(format!("+{digits}"));
    }
    None
}

/// The value of a character that stands for a decimal digit, in any of the forms seen in
/// ads.
fn digit_value(c: char) -> Option<u8> {
    // Nearly every character is ASCII, where only 0–9 are digits.
    if c.is_ascii() {
        return c.is_ascii_digit().then(|| c as u8 - b'0');
    }
    let u = c as u32;
    let v = match u {
        0x30..=0x39 => u - 0x30,
        0xFF10..=0xFF19 => u - 0xFF10,            // fullwidth
        0x1D7CE..=0x1D7FF => (u - 0x1D7CE) % 10,  // mathematical bold, double-struck, …
        0x2460..=0x2468 => u - 0x2460 + 1,        // ① – ⑨
        0x24EA | 0x24FF | 0x1F10B | 0x1F10C => 0, // ⓪ ⓿ 🄋 🄌
        0x2776..=0x277E => u - 0x2776 + 1,        // ❶ – ❾
        0x2780..=0x2788 => u - 0x2780 + 1,        // ➀ – ➈
        0x278A..=0x2792 => u - 0x278A + 1,        // ➊ – ➒
        0x24F5..=0x24FD => u - 0x24F5 + 1,        // ⓵ – ⓽
        0x0660..=0x0669 => u - 0x0660,            // Arabic-Indic
        0x06F0..=0x06F9 => u - 0x06F0,            // Extended Arabic-Indic
        0x2070 => 0,                              // superscript zero
        0x00B9 => 1,
        0x00B2 => 2,
        0x00B3 => 3,
        0x2074..=0x2079 => u - 0x2070,    // superscripts 4–9
        0x2080..=0x2089 => u - 0x2080,    // subscripts
        0x1FBF0..=0x1FBF9 => u - 0x1FBF0, // segmented digits
        _ => return None,
    };
    u8::try_from(v).ok()
}

/// Number words (Indonesian and English) and their digits.
fn word_value(word: &str) -> Option<u8> {
    const WORDS: [(&str, u8); 23] = [
        ("nol", 0),
        ("kosong", 0),
        ("zero", 0),
        ("satu", 1),
        ("one", 1),
        ("dua", 2),
        ("two", 2),
        ("tiga", 3),
        ("three", 3),
        ("empat", 4),
        ("four", 4),
        ("lima", 5),
        ("five", 5),
        ("enam", 6),
        ("six", 6),
        ("tujuh", 7),
        ("seven", 7),
        ("delapan", 8),
        ("lapan", 8),
        ("eight", 8),
        ("sembilan", 9),
        ("nine", 9),
        ("sambilan", 9),
    ];
    // The words are 3 (`nol`) to 8 (`sembilan`) letters long.
    if !(3..=8).contains(&word.len()) {
        return None;
    }
    WORDS
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(word))
        .map(|&(_, d)| d)
}

/// Characters that never end a run of digits and are skipped entirely (variation selectors,
/// the keycap mark, zero-width characters).
fn is_transparent(c: char) -> bool {
    matches!(
        c,
        '\u{FE0F}'
            | '\u{FE0E}'
            | '\u{20E3}'
            | '\u{200B}'
            | '\u{200C}'
            | '\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
    )
}

/// Characters allowed between the digit groups of one number.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\n'
            | '\r'
            | '.'
            | '-'
            | '_'
            | '('
            | ')'
            | '+'
            | '/'
            | '*'
            | '|'
            | '~'
            | '\u{00A0}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{3000}'
            | '・'
            | '•'
    )
}

/// A group of digits written together.
#[derive(Debug)]
struct Group {
    digits: String,
    span: Range<usize>,
}

/// The most separator characters allowed between two groups of one number.
const MAX_GAP: usize = 3;

/// Finds the mobile numbers in `text`.
fn phones(text: &str) -> Vec<Found> {
    let mut found = Vec::new();
    let mut run: Vec<Group> = Vec::new();
    let mut current: Option<Group> = None;
    let mut gap = 0usize;
    let mut chars = text.char_indices().peekable();
    let mut prev_digit = false;

    let close_group = |current: &mut Option<Group>, run: &mut Vec<Group>| {
        if let Some(g) = current.take() {
            run.push(g);
        }
    };

    while let Some((i, c)) = chars.next() {
        if is_transparent(c) {
            continue;
        }
        // One unit: a digit character, a number word or a look-alike letter, with its span.
        let mut unit: Option<(u8, Range<usize>)> = digit_value(c).map(|d| (d, i..i + c.len_utf8()));
        if unit.is_none() && c.is_ascii_alphabetic() {
            let mut end = i + 1;
            while let Some(&(j, d)) = chars.peek() {
                if d.is_ascii_alphabetic() {
                    end = j + 1;
                    chars.next();
                } else {
                    break;
                }
            }
            let word = &text[i..end];
            let next_is_digit = chars.peek().is_some_and(|&(_, d)| digit_value(d).is_some());
            if let Some(d) = word_value(word) {
                // A number word is a group of its own.
                close_group(&mut current, &mut run);
                gap = 0;
                run.push(Group {
                    digits: char::from(b'0' + d).to_string(),
                    span: i..end,
                });
                prev_digit = true;
                continue;
            } else if word.len() == 1 && (prev_digit || next_is_digit) {
                let d = match word {
                    "o" | "O" => Some(0),
                    "l" | "I" | "i" => Some(1),
                    _ => None,
                };
                unit = d.map(|d| (d, i..end));
            }
            if unit.is_none() {
                close_group(&mut current, &mut run);
                flush_run(text, &mut run, &mut found);
                gap = 0;
                prev_digit = false;
                continue;
            }
        }
        match unit {
            Some((d, span)) => {
                let digit = char::from(b'0' + d);
                match &mut current {
                    Some(g) => {
                        g.digits.push(digit);
                        g.span.end = span.end;
                    }
                    None => {
                        current = Some(Group {
                            digits: digit.to_string(),
                            span,
                        });
                    }
                }
                gap = 0;
                prev_digit = true;
            }
            None if is_separator(c) && (current.is_some() || !run.is_empty()) => {
                close_group(&mut current, &mut run);
                gap += 1;
                prev_digit = false;
                if gap > MAX_GAP {
                    flush_run(text, &mut run, &mut found);
                    gap = 0;
                }
            }
            None => {
                close_group(&mut current, &mut run);
                flush_run(text, &mut run, &mut found);
                gap = 0;
                prev_digit = false;
            }
        }
    }
    close_group(&mut current, &mut run);
    flush_run(text, &mut run, &mut found);
    found
}

/// Reads the phones out of a run of digit groups and empties it.
fn flush_run(_text: &str, run: &mut Vec<Group>, found: &mut Vec<Found>) {
    let mut g = 0;
    while g < run.len() {
        let first = &run[g].digits;
        let max = if first.starts_with("08") || first == "0" {
            13
        } else if first.starts_with("62") || first == "6" {
            14
        } else {
            g += 1;
            continue;
        };
        let mut digits = String::new();
        let mut end = g;
        while end < run.len() && digits.len() + run[end].digits.len() <= max {
            digits.push_str(&run[end].digits);
            end += 1;
        }
        match phone_from_digits(&digits) {
            Some(phone) => {
                found.push(Found {
                    identifier: Identifier::new(IdentifierKind::Phone, phone),
                    span: run[g].span.start..run[end - 1].span.end,
                });
                g = end;
            }
            None => g += 1,
        }
    }
    run.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHONE: &str = "+6281234567890";

    fn phones_of(text: &str) -> Vec<String> {
        extract(text)
            .into_iter()
            .filter(|i| i.kind == IdentifierKind::Phone)
            .map(|i| i.value)
            .collect()
    }

    fn one_phone(text: &str) {
        assert_eq!(phones_of(text), [PHONE], "{text}");
    }

    #[test]
    fn plain_digits() {
        one_phone("wa 081234567890 ya");
    }

    #[test]
    fn spaces() {
        one_phone("WA 0812 3456 7890");
    }

    #[test]
    fn dots() {
        one_phone("hub 0812.3456.7890");
    }

    #[test]
    fn dashes() {
        one_phone("wa: 0812-3456-7890");
    }

    #[test]
    fn mixed_separators() {
        one_phone("0812 - 3456.78/90");
    }

    #[test]
    fn country_code_plus() {
        one_phone("+62 812 3456 7890");
    }

    #[test]
    fn country_code_no_plus() {
        one_phone("call 6281234567890");
    }

    #[test]
    fn brackets() {
        one_phone("(0812) 3456 7890");
    }

    #[test]
    fn indonesian_number_words() {
        one_phone("nol delapan satu dua tiga empat lima enam tujuh delapan sembilan nol");
    }

    #[test]
    fn number_words_variants() {
        one_phone("kosong lapan satu dua tiga empat lima enam tujuh lapan sembilan kosong");
    }

    #[test]
    fn english_number_words() {
        one_phone("zero eight one two three four five six seven eight nine zero");
    }

    #[test]
    fn words_and_digits_mixed() {
        one_phone("nol 8 satu 2 - 34 lima 6 78 sembilan 0");
    }

    #[test]
    fn fullwidth_digits() {
        one_phone("ＷＡ ０８１２３４５６７８９０");
    }

    #[test]
    fn emoji_keycap_digits() {
        one_phone("0️⃣8️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣9️⃣0️⃣");
    }

    #[test]
    fn mathematical_digits() {
        one_phone("𝟎𝟖𝟏𝟐 𝟑𝟒𝟓𝟔 𝟕𝟖𝟗𝟎");
    }

    #[test]
    fn circled_digits() {
        one_phone("⓪⑧①② ③④⑤⑥ ⑦⑧⑨⓪");
    }

    #[test]
    fn zero_width_characters_inside() {
        one_phone("08\u{200B}12\u{200D}3456\u{FEFF}7890");
    }

    #[test]
    fn look_alike_letters() {
        one_phone("O8l2 3456 789O");
    }

    #[test]
    fn wa_me_link() {
        one_phone("klik https://wa.me/6281234567890 ya");
    }

    #[test]
    fn api_whatsapp_link() {
        one_phone("api.whatsapp.com/send?phone=6281234567890");
    }

    #[test]
    fn prices_and_short_numbers_are_not_phones() {
        assert!(phones_of("ST 500 LT 1,2jt, umur 21, 160/45").is_empty());
        assert!(phones_of("harga 300rb 450k").is_empty());
    }

    #[test]
    fn a_price_after_a_phone_stays_out() {
        assert_eq!(phones_of("wa 0812 3456 7890 300 rb"), [PHONE]);
    }

    #[test]
    fn two_phones() {
        let got = phones_of("wa 0812-3456-7890 / 0857 1111 2222");
        assert_eq!(got, ["+6281234567890", "+6285711112222"]);
    }

    #[test]
    fn whatsapp_links_without_a_number() {
        let ids = extract("gabung chat.whatsapp.com/AbCdEf123456 atau wa.me/message/XYZ123ABC");
        let wa: Vec<_> = ids
            .iter()
            .filter(|i| i.kind == IdentifierKind::Whatsapp)
            .map(|i| i.value.as_str())
            .collect();
        assert_eq!(
            wa,
            ["chat.whatsapp.com/AbCdEf123456", "wa.me/message/XYZ123ABC"]
        );
    }

    fn handle(text: &str, kind: IdentifierKind) -> Vec<String> {
        extract(text)
            .into_iter()
            .filter(|i| i.kind == kind)
            .map(|i| i.value)
            .collect()
    }

    #[test]
    fn line_ids() {
        assert_eq!(
            handle("id line: dinda_manis", IdentifierKind::Line),
            ["dinda_manis"]
        );
        assert_eq!(
            handle("ID LINE Dinda_Manis", IdentifierKind::Line),
            ["dinda_manis"]
        );
        assert_eq!(
            handle("line.me/ti/p/~dinda.manis", IdentifierKind::Line),
            ["dinda.manis"]
        );
        assert!(handle("online sekarang", IdentifierKind::Line).is_empty());
    }

    #[test]
    fn telegram_usernames() {
        assert_eq!(
            handle("t.me/rara_jkt99", IdentifierKind::Telegram),
            ["rara_jkt99"]
        );
        assert_eq!(
            handle("Tele: @Rara_Jkt99", IdentifierKind::Telegram),
            ["rara_jkt99"]
        );
        assert_eq!(
            handle("tg @rara_jkt99", IdentifierKind::Telegram),
            ["rara_jkt99"]
        );
    }

    #[test]
    fn instagram_usernames() {
        assert_eq!(
            handle("ig: @sinta.imut", IdentifierKind::Instagram),
            ["sinta.imut"]
        );
        assert_eq!(
            handle("instagram.com/sinta.imut", IdentifierKind::Instagram),
            ["sinta.imut"]
        );
        assert!(handle("bigger @sinta", IdentifierKind::Instagram).is_empty());
    }

    #[test]
    fn bank_accounts() {
        let banks = |t: &str| handle(t, IdentifierKind::BankAccount);
        assert_eq!(
            banks("transfer BCA 123 456 7890 a.n Sari"),
            ["bca:1234567890"]
        );
        assert_eq!(
            banks("rek BRI: 0012-01-000123-50-1"),
            ["bri:001201000123501"]
        );
        assert_eq!(banks("BNI no. 0123456789"), ["bni:0123456789"]);
        assert_eq!(banks("Mandiri 1230004567890"), ["mandiri:1230004567890"]);
        assert!(banks("bca 500rb").is_empty());
    }

    #[test]
    fn ewallets() {
        let wallets = |t: &str| handle(t, IdentifierKind::Ewallet);
        assert_eq!(wallets("DANA 0812-3456-7890"), ["dana:+6281234567890"]);
        assert_eq!(wallets("ovo: 081234567890"), ["ovo:+6281234567890"]);
        assert_eq!(wallets("GoPay 0812 3456 7890"), ["gopay:+6281234567890"]);
        assert_eq!(
            wallets("ShopeePay 081234567890"),
            ["shopeepay:+6281234567890"]
        );
        assert!(wallets("pinjaman dana cepat hub 0857 1234 5678").is_empty());
    }

    #[test]
    fn spans_cover_what_was_written() {
        let text = "wa ０８１２ 3456 7890 ok";
        let f = scan(text);
        assert_eq!(f.len(), 1);
        assert_eq!(&text[f[0].span.clone()], "０８１２ 3456 7890");
    }

    #[test]
    fn never_panics_on_odd_text() {
        for t in [
            "",
            "0",
            "08",
            "+",
            "o",
            "nol",
            "🅾️8️⃣",
            "\u{20E3}\u{FE0F}",
            "line:",
            "bca",
        ] {
            let _ = scan(t);
        }
    }
}
