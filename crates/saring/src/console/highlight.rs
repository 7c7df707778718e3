//! Evidence highlighting: splits a text into plain and highlighted segments by its signals'
//! byte spans, so a template can mark them up with auto-escaping intact (no HTML is built
//! here).
//!
//! Invisible characters that change how text reads — bidirectional overrides and isolates
//! (U+202E turns `gnp.exe` into what looks like `exe.png`) and zero-width spaces used to split
//! words — become their own segments, which the template shows as visible `[U+202E]` markers
//! instead of the character: the text stays inert (nothing reorders the page) and the reviewer
//! sees the trick.

use serde_json::Value;

/// A piece of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The text, exactly as written.
    pub text: String,
    /// The rules that fired on it; empty when it is plain.
    pub rules: String,
    /// The family of the first rule, for colouring.
    pub family: String,
    /// For an invisible control character: its code point (`U+202E`), shown instead of it.
    pub control: Option<String>,
}

/// Whether `c` is an invisible character that reorders or splits text: bidirectional marks,
/// embeddings, overrides and isolates, and zero-width spaces and joiners' relatives (the
/// zero-width joiner itself is left alone: emoji sequences need it).
pub fn is_hidden_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'
            | '\u{200C}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// `s` with every hidden control character written out as `[U+XXXX]`, for short texts shown
/// without highlighting (account ids, signal texts, appeal reasons).
pub fn reveal(s: &str) -> String {
    if !s.chars().any(is_hidden_control) {
        return s.to_owned();
    }
    s.chars()
        .map(|c| {
            if is_hidden_control(c) {
                format!("[U+{:04X}]", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Appends `text` to `out` as segments with `rules` and `family`, with each hidden control
/// character split out as its own marker segment.
fn push_split(out: &mut Vec<Segment>, text: &str, rules: &str, family: &str) {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if is_hidden_control(c) {
            if i > start {
                out.push(Segment {
                    text: text[start..i].to_owned(),
                    rules: rules.to_owned(),
                    family: family.to_owned(),
                    control: None,
                });
            }
            out.push(Segment {
                text: String::new(),
                rules: rules.to_owned(),
                family: family.to_owned(),
                control: Some(format!("U+{:04X}", u32::from(c))),
            });
            start = i + c.len_utf8();
        }
    }
    if start < text.len() {
        out.push(Segment {
            text: text[start..].to_owned(),
            rules: rules.to_owned(),
            family: family.to_owned(),
            control: None,
        });
    }
}

/// Splits `text` by the `signals` JSON array (`[{start, end, rule, family}]`). Overlapping
/// spans merge; spans that are out of range or not on character boundaries are ignored.
pub fn segments(text: &str, signals: &Value) -> Vec<Segment> {
    let mut spans: Vec<(usize, usize, String, String)> = signals
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| {
            let start = usize::try_from(s.get("start")?.as_u64()?).ok()?;
            let end = usize::try_from(s.get("end")?.as_u64()?).ok()?;
            let ok = start < end
                && end <= text.len()
                && text.is_char_boundary(start)
                && text.is_char_boundary(end);
            ok.then(|| {
                (
                    start,
                    end,
                    s.get("rule")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    s.get("family")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                )
            })
        })
        .collect();
    spans.sort();
    let mut merged: Vec<(usize, usize, String, String)> = Vec::new();
    for (s, e, rule, family) in spans {
        match merged.last_mut() {
            Some(last) if s < last.1 => {
                last.1 = last.1.max(e);
                if !last.2.split(", ").any(|r| r == rule) {
                    last.2.push_str(", ");
                    last.2.push_str(&rule);
                }
            }
            _ => merged.push((s, e, rule, family)),
        }
    }
    let mut out = Vec::new();
    let mut pos = 0;
    for (s, e, rules, family) in merged {
        if s > pos {
            push_split(&mut out, &text[pos..s], "", "");
        }
        push_split(&mut out, &text[s..e], &rules, &family);
        pos = e;
    }
    if pos < text.len() {
        push_split(&mut out, &text[pos..], "", "");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn splits_merges_and_ignores_bad_spans() {
        let text = "0p3n b0 ready, wa 0812";
        let sig = json!([
            {"start": 0, "end": 7, "rule": "open_bo", "family": "solicitation"},
            {"start": 5, "end": 7, "rule": "bo", "family": "solicitation"},
            {"start": 15, "end": 22, "rule": "wa", "family": "contact"},
            {"start": 3, "end": 99, "rule": "bad", "family": "x"}
        ]);
        let segs = segments(text, &sig);
        let joined: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, text, "nothing lost or duplicated");
        assert_eq!(segs[0].text, "0p3n b0");
        assert_eq!(segs[0].rules, "open_bo, bo");
        assert_eq!(segs[1].rules, "");
        assert_eq!(segs[2].text, "wa 0812");
    }

    #[test]
    fn hidden_controls_become_markers_and_nothing_else_is_lost() {
        let text = "open bo \u{202E}gnp.exe w\u{200B}a";
        let sig = json!([{"start": 0, "end": 7, "rule": "open_bo", "family": "solicitation"}]);
        let segs = segments(text, &sig);
        let markers: Vec<&str> = segs.iter().filter_map(|s| s.control.as_deref()).collect();
        assert_eq!(markers, ["U+202E", "U+200B"]);
        assert!(segs.iter().all(|s| !s.text.chars().any(is_hidden_control)));
        let visible: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(visible, "open bo gnp.exe wa");
        assert_eq!(reveal("a\u{202E}b"), "a[U+202E]b");
        // An emoji sequence keeps its zero-width joiner.
        assert!(!is_hidden_control('\u{200D}'));
    }

    #[test]
    fn never_splits_inside_a_character() {
        let text = "🅾️🅱️ ok";
        let segs = segments(
            text,
            &json!([{"start": 1, "end": 3, "rule": "x", "family": "y"}]),
        );
        assert_eq!(segs.len(), 1);
        assert_eq!(segs[0].text, text);
    }
}
