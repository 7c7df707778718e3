//! Seeded obfuscation of text, the way ad writers disguise it: leetspeak, split letters,
//! stretched letters, fullwidth forms, Cyrillic and Greek look-alikes, mathematical and
//! enclosed letters, zero-width characters. Used to augment training data (so robustness is
//! learned as well as engineered) and to build evaluation variants.

use rand::{Rng, RngExt, SeedableRng};

use crate::model::Example;

/// One way of disguising letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `open bo` → `0p3n b0`.
    Leet,
    /// `open` → `o.p.e.n`.
    Split,
    /// `open` → `opeeeen`.
    Stretch,
    /// `open` → `ｏｐｅｎ`.
    Fullwidth,
    /// Cyrillic and Greek look-alikes.
    Homoglyph,
    /// `open` → `𝐨𝐩𝐞𝐧`.
    MathBold,
    /// `open` → `ⓞⓟⓔⓝ`.
    Enclosed,
    /// Zero-width spaces between letters.
    ZeroWidth,
}

impl Style {
    /// Every style.
    pub const ALL: [Style; 8] = [
        Style::Leet,
        Style::Split,
        Style::Stretch,
        Style::Fullwidth,
        Style::Homoglyph,
        Style::MathBold,
        Style::Enclosed,
        Style::ZeroWidth,
    ];
}

/// Removes hashtags (`#word`) and tidies the spaces they leave.
pub fn strip_hashtags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '#' && chars.peek().is_some_and(|n| n.is_alphanumeric()) {
            while chars
                .peek()
                .is_some_and(|n| n.is_alphanumeric() || *n == '_')
            {
                chars.next();
            }
        } else {
            out.push(c);
        }
    }
    let lines: Vec<&str> = out
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    lines.join("\n")
}

fn disguise_char(c: char, style: Style, rng: &mut impl Rng) -> String {
    let lower = c.to_ascii_lowercase();
    match style {
        Style::Leet => match lower {
            'o' => "0".into(),
            'e' => "3".into(),
            'a' => {
                if rng.random_bool(0.5) {
                    "4".into()
                } else {
                    "@".into()
                }
            }
            'i' => "1".into(),
            's' => "5".into(),
            't' => "7".into(),
            _ => c.to_string(),
        },
        Style::Stretch => {
            if "aeiou".contains(lower) && rng.random_bool(0.5) {
                std::iter::repeat_n(c, rng.random_range(3..7)).collect()
            } else {
                c.to_string()
            }
        }
        Style::Fullwidth => {
            char::from_u32(c as u32 - 0x21 + 0xFF01).map_or(c.to_string(), String::from)
        }
        Style::Homoglyph => match lower {
            'a' => "а".into(),
            'e' => "е".into(),
            'o' => {
                if rng.random_bool(0.5) {
                    "о".into()
                } else {
                    "ο".into()
                }
            }
            'p' => "р".into(),
            'c' => "с".into(),
            'x' => "х".into(),
            'y' => "у".into(),
            'i' => "і".into(),
            'b' => "Β".into(),
            'k' => "κ".into(),
            'n' => "ո".into(),
            _ => c.to_string(),
        },
        Style::MathBold => char::from_u32(0x1D41A + (lower as u32 - 'a' as u32))
            .map_or(c.to_string(), String::from),
        Style::Enclosed => {
            char::from_u32(0x24D0 + (lower as u32 - 'a' as u32)).map_or(c.to_string(), String::from)
        }
        Style::Split | Style::ZeroWidth => c.to_string(),
    }
}

fn disguise_word(word: &str, style: Style, rng: &mut impl Rng) -> String {
    match style {
        Style::Split => {
            let sep = [".", " ", "-", "*", "_"][rng.random_range(0..5)];
            word.chars().map(String::from).collect::<Vec<_>>().join(sep)
        }
        Style::ZeroWidth => word
            .chars()
            .map(String::from)
            .collect::<Vec<_>>()
            .join("\u{200b}"),
        _ => word.chars().map(|c| disguise_char(c, style, rng)).collect(),
    }
}

/// Disguises some of the words of `text` (letters only, at least two of them) in one style;
/// numbers, emoji and punctuation are left alone. Always changes at least one word when the
/// text has one.
pub fn obfuscate(text: &str, style: Style, rng: &mut impl Rng) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut word = String::new();
    let mut changed = false;
    let flush = |word: &mut String, out: &mut String, rng: &mut _, changed: &mut bool| {
        if word.is_empty() {
            return;
        }
        let eligible = word.chars().count() >= 2;
        if eligible && (!*changed || rng_bool(rng, 0.6)) {
            out.push_str(&disguise_word(word, style, rng));
            *changed = true;
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphabetic() {
            word.push(c);
        } else {
            flush(&mut word, &mut out, rng, &mut changed);
            out.push(c);
        }
    }
    flush(&mut word, &mut out, rng, &mut changed);
    out
}

fn rng_bool(rng: &mut impl Rng, p: f64) -> bool {
    rng.random_bool(p)
}

/// Training augmentation: every example as written; a copy without hashtags when it has
/// any; and, with probability `rate`, a copy disguised in a random style. Deterministic in
/// `seed`. A `rate` outside 0..1 is clamped into it (NaN counts as 0).
pub fn augment(examples: &[Example], rate: f64, seed: u64) -> Vec<Example> {
    let rate = if rate.is_nan() {
        0.0
    } else {
        rate.clamp(0.0, 1.0)
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(examples.len() * 2);
    for ex in examples {
        out.push(ex.clone());
        let base = if ex.text.contains('#') {
            let stripped = strip_hashtags(&ex.text);
            if !stripped.trim().is_empty() && stripped != ex.text {
                out.push(Example {
                    text: stripped.clone(),
                    ..ex.clone()
                });
            }
            stripped
        } else {
            ex.text.clone()
        };
        if rng.random_bool(rate) && !base.trim().is_empty() {
            let style = Style::ALL[rng.random_range(0..Style::ALL.len())];
            out.push(Example {
                text: obfuscate(&base, style, &mut rng),
                ..ex.clone()
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    #[test]
    fn hashtags_are_stripped() {
        assert_eq!(
            strip_hashtags("avail kak\n#openbojogja #bojogja\nwa aja"),
            "avail kak\nwa aja"
        );
        assert_eq!(strip_hashtags("harga #1 di kota"), "harga  di kota");
    }

    #[test]
    fn normaliser_undoes_every_style() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for style in Style::ALL {
            for _ in 0..5 {
                let o = obfuscate("open bo malam ini", style, &mut rng);
                assert_ne!(o, "open bo malam ini", "{style:?}");
                let n = normalize(&o);
                assert!(
                    n.as_str().contains("open"),
                    "{style:?}: {o:?} → {:?}",
                    n.as_str()
                );
            }
        }
    }

    #[test]
    fn augmentation_is_deterministic() {
        let ex = vec![Example::new("open bo #jogja", true)];
        assert_eq!(augment(&ex, 1.0, 3), augment(&ex, 1.0, 3));
        assert_eq!(augment(&ex, 1.0, 3).len(), 3);
    }

    /// Regression: a rate outside 0..1 used to panic inside `random_bool`.
    #[test]
    fn out_of_range_rates_do_not_panic() {
        let ex = vec![Example::new("open bo", true)];
        assert_eq!(augment(&ex, 2.0, 3).len(), 2);
        assert_eq!(augment(&ex, -1.0, 3).len(), 1);
        assert_eq!(augment(&ex, f64::NAN, 3).len(), 1);
    }
}
