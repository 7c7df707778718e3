//! Content events as they arrive from a platform, and their validation.
//!
//! Validation works on the parsed JSON value rather than through a derived `Deserialize`, so
//! that a bad item is reported with the exact field and reason ("`ts`: expected an RFC 3339
//! string or epoch milliseconds, found a boolean") and the other items of the same batch can
//! still be accepted.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::time::{Millis, parse_rfc3339};

/// Limits applied when validating events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventLimits {
    /// Largest accepted `text`, in bytes of UTF-8.
    pub max_text_bytes: usize,
}

impl Default for EventLimits {
    fn default() -> Self {
        Self {
            max_text_bytes: 16 * 1024,
        }
    }
}

/// What kind of content an event carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// An account's profile text.
    Profile,
    /// A post or message.
    Post,
    /// A "people nearby" listing.
    Nearby,
    /// Text of a user report forwarded by the platform.
    Report,
}

impl EventKind {
    /// The name used in JSON and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Profile => "profile",
            Self::Post => "post",
            Self::Nearby => "nearby",
            Self::Report => "report",
        }
    }

    /// Parses the name used in JSON and in the store.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "profile" => Self::Profile,
            "post" => Self::Post,
            "nearby" => Self::Nearby,
            "report" => Self::Report,
            _ => return None,
        })
    }
}

/// A validated content event, ready to be scored and stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// Platform (tenant) id.
    pub platform: String,
    /// The platform's account id.
    pub account: String,
    /// The platform's id for this event; (platform, event_id) is unique.
    pub event_id: String,
    /// What kind of content it is.
    pub kind: EventKind,
    /// The content text as the author wrote it.
    pub text: String,
    /// When the content was created, per the platform.
    pub ts: Millis,
    /// Contact identifiers the platform extracted (phone numbers, handles), if any.
    pub contacts: Vec<String>,
    /// Perceptual hashes of attached photos (hex); photos themselves are never sent.
    pub photo_hashes: Vec<String>,
    /// A coarse location label (an apartment complex or area), if known.
    pub location: Option<String>,
}

/// A field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name (`text`, `contacts[2]`).
    pub field: String,
    /// What was wrong, for a developer to act on.
    pub reason: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

fn err(field: impl Into<String>, reason: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        reason: reason.into(),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks that `s` is a platform id: 1–64 characters of `a-z`, `0-9`, `-` and `_`.
pub fn validate_platform_id(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 64 {
        return Err("must be 1 to 64 characters".into());
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        return Err("may hold only a-z, 0-9, '-' and '_'".into());
    }
    Ok(())
}

fn string_field<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    max: usize,
    required: bool,
) -> Result<Option<&'a str>, FieldError> {
    match obj.get(name) {
        None | Some(Value::Null) if required => Err(err(name, "is required")),
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            if required && s.trim().is_empty() {
                Err(err(name, "must not be empty"))
            } else if s.len() > max {
                Err(err(
                    name,
                    format!("is {} bytes, the limit is {max}", s.len()),
                ))
            } else if s.chars().any(|c| c == '\0') {
                Err(err(name, "must not contain NUL characters"))
            } else {
                Ok(Some(s))
            }
        }
        Some(other) => Err(err(
            name,
            format!("expected a string, found {}", type_name(other)),
        )),
    }
}

fn string_list(
    obj: &Map<String, Value>,
    name: &str,
    max_items: usize,
    max_len: usize,
) -> Result<Vec<String>, FieldError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => {
            if items.len() > max_items {
                return Err(err(
                    name,
                    format!("has {} items, the limit is {max_items}", items.len()),
                ));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) if s.len() <= max_len && !s.is_empty() => Ok(s.clone()),
                    Value::String(s) if s.is_empty() => {
                        Err(err(format!("{name}[{i}]"), "must not be empty"))
                    }
                    Value::String(_) => Err(err(
                        format!("{name}[{i}]"),
                        format!("is longer than {max_len} bytes"),
                    )),
                    other => Err(err(
                        format!("{name}[{i}]"),
                        format!("expected a string, found {}", type_name(other)),
                    )),
                })
                .collect()
        }
        Some(other) => Err(err(
            name,
            format!("expected an array of strings, found {}", type_name(other)),
        )),
    }
}

/// Splits a request body into items: a JSON array, or NDJSON lines. A line that is not JSON
/// becomes an `Err` item naming the line; an empty body or a broken JSON array is an error
/// for the whole body. Each item still goes through [`validate_event`].
pub fn split_batch(body: &[u8]) -> Result<Vec<Result<Value, String>>, String> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        None => Err("the body is empty; send a JSON array of events or NDJSON".into()),
        Some(b'[') => {
            let text = std::str::from_utf8(body).map_err(|e| {
                format!("the body is not valid UTF-8 (at byte {})", e.valid_up_to())
            })?;
            let items: Vec<Value> = serde_json::from_str(text)
                .map_err(|e| format!("the body is not a valid JSON array: {e}"))?;
            Ok(items.into_iter().map(Ok).collect())
        }
        Some(_) => Ok(body
            .split(|&b| b == b'\n')
            .enumerate()
            .filter(|(_, line)| line.iter().any(|b| !b.is_ascii_whitespace()))
            .map(|(i, line)| match std::str::from_utf8(line) {
                Err(e) => Err(format!(
                    "line {}: not valid UTF-8 (at byte {})",
                    i + 1,
                    e.valid_up_to()
                )),
                Ok(text) => serde_json::from_str::<Value>(text)
                    .map_err(|e| format!("line {}: not valid JSON: {e}", i + 1)),
            })
            .collect()),
    }
}

/// The timestamps an event may carry: from the Unix epoch to the end of year 9999 (ms).
const TS_RANGE_MS: std::ops::RangeInclusive<i64> = 0..=253_402_300_799_000;

/// Validates one event object. `platform` is taken from the object; the caller checks that the
/// submitter may write to it.
pub fn validate_event(value: &Value, limits: &EventLimits) -> Result<NewEvent, FieldError> {
    let Value::Object(obj) = value else {
        return Err(err(
            "",
            format!("expected a JSON object, found {}", type_name(value)),
        ));
    };
    let platform = string_field(obj, "platform", 64, true)?.unwrap_or_default();
    validate_platform_id(platform).map_err(|r| err("platform", r))?;
    let account = string_field(obj, "account", 256, true)?.unwrap_or_default();
    let event_id = string_field(obj, "event_id", 256, true)?.unwrap_or_default();
    let kind_name = string_field(obj, "kind", 32, false)?.unwrap_or("post");
    let kind = EventKind::parse(kind_name).ok_or_else(|| {
        err(
            "kind",
            format!("unknown kind {kind_name:?}; expected profile, post, nearby or report"),
        )
    })?;
    let text = match obj.get("text") {
        Some(Value::String(s)) if s.len() > limits.max_text_bytes => {
            return Err(err(
                "text",
                format!(
                    "is {} bytes, the limit is {}",
                    s.len(),
                    limits.max_text_bytes
                ),
            ));
        }
        _ => string_field(obj, "text", limits.max_text_bytes, true)?.unwrap_or_default(),
    };
    let ts = match obj.get("ts") {
        None | Some(Value::Null) => return Err(err("ts", "is required")),
        // Both spellings cover the same span, 1970 to year 9999: a string used to accept
        // earlier dates (negative milliseconds) that the number form refused.
        Some(Value::String(s)) => parse_rfc3339(s).map_err(|r| err("ts", r)).and_then(|ms| {
            if TS_RANGE_MS.contains(&ms) {
                Ok(ms)
            } else {
                Err(err("ts", "must lie between 1970 and year 9999"))
            }
        })?,
        Some(Value::Number(n)) => n
            .as_i64()
            .filter(|ms| TS_RANGE_MS.contains(ms))
            .ok_or_else(|| {
                err(
                    "ts",
                    "epoch milliseconds must be a whole number between 0 and year 9999",
                )
            })?,
        Some(other) => {
            return Err(err(
                "ts",
                format!(
                    "expected an RFC 3339 string or epoch milliseconds, found {}",
                    type_name(other)
                ),
            ));
        }
    };
    let contacts = string_list(obj, "contacts", 32, 128)?;
    let photo_hashes = string_list(obj, "photo_hashes", 16, 128)?;
    for (i, h) in photo_hashes.iter().enumerate() {
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err(
                format!("photo_hashes[{i}]"),
                "must be a hexadecimal hash, not an image",
            ));
        }
    }
    let location = string_field(obj, "location", 128, false)?.map(str::to_owned);
    Ok(NewEvent {
        platform: platform.to_owned(),
        account: account.to_owned(),
        event_id: event_id.to_owned(),
        kind,
        text: text.to_owned(),
        ts,
        contacts,
        photo_hashes,
        location,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok() -> Value {
        json!({"platform": "michat", "account": "a1", "event_id": "e1", "kind": "post",
               "text": "open bo", "ts": "2026-11-29T10:00:00+07:00"})
    }

    #[test]
    fn accepts_a_complete_event() {
        let ev = validate_event(&ok(), &EventLimits::default()).expect("valid event");
        assert_eq!(ev.kind, EventKind::Post);
        assert_eq!(ev.account, "a1");
    }

    #[test]
    fn names_the_field_and_reason() {
        let cases = [
            ("text", json!(null), "text", "is required"),
            ("ts", json!(true), "ts", "found a boolean"),
            ("kind", json!("story"), "kind", "unknown kind"),
            ("platform", json!("Mi Chat"), "platform", "may hold only"),
            (
                "contacts",
                json!(["ok", 5]),
                "contacts[1]",
                "found a number",
            ),
            (
                "photo_hashes",
                json!(["zz"]),
                "photo_hashes[0]",
                "hexadecimal",
            ),
        ];
        for (field, value, want_field, want_reason) in cases {
            let mut v = ok();
            v[field] = value;
            let e = validate_event(&v, &EventLimits::default()).expect_err(field);
            assert_eq!(e.field, want_field);
            assert!(e.reason.contains(want_reason), "{e}");
        }
    }

    #[test]
    fn refuses_text_over_the_limit() {
        let mut v = ok();
        v["text"] = json!("x".repeat(101));
        let e = validate_event(
            &v,
            &EventLimits {
                max_text_bytes: 100,
            },
        )
        .expect_err("too long");
        assert_eq!(e.field, "text");
        assert!(e.reason.contains("limit is 100"));
    }

    /// Regression (found by the `ingest` fuzz target): `"ts": "0425-11-29T10:00:00+07:00"`
    /// was accepted as negative milliseconds, while the same instant as a number was refused,
    /// so a valid event written back as JSON no longer validated.
    #[test]
    fn string_timestamps_before_1970_are_refused_like_numbers() {
        let mut v = ok();
        v["ts"] = json!("0425-11-29T10:00:00+07:00");
        let e = validate_event(&v, &EventLimits::default()).expect_err("before 1970");
        assert_eq!(e.field, "ts");
        assert!(e.reason.contains("between 1970 and year 9999"), "{e}");
        v["ts"] = json!("1970-01-01T00:00:00Z");
        let ev = validate_event(&v, &EventLimits::default()).expect("the epoch itself");
        assert_eq!(ev.ts, 0);
        let again = serde_json::to_value(&ev).expect("serialises");
        assert_eq!(validate_event(&again, &EventLimits::default()), Ok(ev));
    }

    #[test]
    fn accepts_epoch_millis_and_refuses_negative() {
        let mut v = ok();
        v["ts"] = json!(1_764_400_000_000_i64);
        assert!(validate_event(&v, &EventLimits::default()).is_ok());
        v["ts"] = json!(-1);
        assert!(validate_event(&v, &EventLimits::default()).is_err());
    }
}
