//! Evidence highlighting: splits a text into plain and highlighted segments by its signals'
//! byte spans, so a template can mark them up with auto-escaping intact (no HTML is built
//! here).

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
            out.push(Segment {
                text: text[pos..s].to_owned(),
                rules: String::new(),
                family: String::new(),
            });
        }
        out.push(Segment {
            text: text[s..e].to_owned(),
            rules,
            family,
        });
        pos = e;
    }
    if pos < text.len() {
        out.push(Segment {
            text: text[pos..].to_owned(),
            rules: String::new(),
            family: String::new(),
        });
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
