//! Content events as they arrive from a platform, and their validation.
//!
//! Validation works on the parsed JSON value rather than through a derived `Deserialize`, so
//! that a bad item is reported with the exact field and reason ("`ts`: expected an RFC 3339
//! string or epoch milliseconds, found a boolean") and the other items of the same batch can
//! still be accepted.

use std::borrow::Cow;

use serde::de::{self, Deserializer, MapAccess, Visitor};
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

/// The checks on a string field's value: not blank when required, at most `max` bytes, no NUL.
fn check_str<'a>(
    name: &str,
    s: &'a str,
    max: usize,
    required: bool,
) -> Result<&'a str, FieldError> {
    if required && s.trim().is_empty() {
        Err(err(name, "must not be empty"))
    } else if s.len() > max {
        Err(err(
            name,
            format!("is {} bytes, the limit is {max}", s.len()),
        ))
    } else if s.contains('\0') {
        Err(err(name, "must not contain NUL characters"))
    } else {
        Ok(s)
    }
}

/// The checks on a list of strings: at most `max_items`, each non-empty and at most `max_len`
/// bytes.
fn check_list_len(name: &str, len: usize, max_items: usize) -> Result<(), FieldError> {
    if len > max_items {
        return Err(err(
            name,
            format!("has {len} items, the limit is {max_items}"),
        ));
    }
    Ok(())
}

/// The checks on one item of a list of strings.
fn check_list_item(name: &str, i: usize, s: &str, max_len: usize) -> Result<(), FieldError> {
    if s.is_empty() {
        Err(err(format!("{name}[{i}]"), "must not be empty"))
    } else if s.len() > max_len {
        Err(err(
            format!("{name}[{i}]"),
            format!("is longer than {max_len} bytes"),
        ))
    } else {
        Ok(())
    }
}

/// Photo hashes are hexadecimal.
fn check_photo_hashes<S: AsRef<str>>(hashes: &[S]) -> Result<(), FieldError> {
    for (i, h) in hashes.iter().enumerate() {
        if !h.as_ref().bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err(
                format!("photo_hashes[{i}]"),
                "must be a hexadecimal hash, not an image",
            ));
        }
    }
    Ok(())
}

/// A timestamp given as an RFC 3339 string.
fn ts_from_str(s: &str) -> Result<Millis, FieldError> {
    // Both spellings cover the same span, 1970 to year 9999: a string used to accept
    // earlier dates (negative milliseconds) that the number form refused.
    parse_rfc3339(s).map_err(|r| err("ts", r)).and_then(|ms| {
        if TS_RANGE_MS.contains(&ms) {
            Ok(ms)
        } else {
            Err(err("ts", "must lie between 1970 and year 9999"))
        }
    })
}

/// A timestamp given as epoch milliseconds (`None`: not a whole number that fits an `i64`).
fn ts_from_millis(ms: Option<i64>) -> Result<Millis, FieldError> {
    ms.filter(|ms| TS_RANGE_MS.contains(ms)).ok_or_else(|| {
        err(
            "ts",
            "epoch milliseconds must be a whole number between 0 and year 9999",
        )
    })
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
        Some(Value::String(s)) => check_str(name, s, max, required).map(Some),
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
            check_list_len(name, items.len(), max_items)?;
            items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => check_list_item(name, i, s, max_len).map(|()| s.clone()),
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
        Some(Value::String(s)) => ts_from_str(s)?,
        Some(Value::Number(n)) => ts_from_millis(n.as_i64())?,
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
    check_photo_hashes(&photo_hashes)?;
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

/// Parses and validates a whole batch in one pass, straight into [`NewEvent`]s, when every
/// item is a valid event; `None` when any item is not, or the body cannot be split. The
/// caller then takes the general path ([`split_batch`] and [`validate_event`]), which names
/// each problem.
///
/// This is the fast path of `POST /v1/events`: no `serde_json::Value` is built, and strings
/// are borrowed from the body until the event is made. It accepts exactly the batches the
/// general path accepts without a rejection, and yields the same events: the checks are the
/// same functions, a field of another type or a repeated key sends the batch to the general
/// path, and fields it does not know are parsed as `Value`s (as the general path parses
/// them) and dropped.
pub fn validate_batch(body: &[u8], limits: &EventLimits) -> Option<Vec<NewEvent>> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first == b'[' {
        let text = std::str::from_utf8(body).ok()?;
        let items: Vec<Incoming<'_>> = serde_json::from_str(text).ok()?;
        items
            .into_iter()
            .map(|item| item.validate(limits).ok())
            .collect()
    } else {
        body.split(|&b| b == b'\n')
            .filter(|line| line.iter().any(|b| !b.is_ascii_whitespace()))
            .map(|line| {
                let text = std::str::from_utf8(line).ok()?;
                serde_json::from_str::<Incoming<'_>>(text)
                    .ok()?
                    .validate(limits)
                    .ok()
            })
            .collect()
    }
}

/// A string borrowed from the body, or owned when it held escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// `ts` as it arrived: an RFC 3339 string or whole epoch milliseconds (anything else fails
/// the parse, and the general path names it).
enum IncomingTs<'a> {
    Text(Str<'a>),
    Millis(i64),
}

impl<'de> Deserialize<'de> for IncomingTs<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IncomingTs<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or an integer")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(IncomingTs::Text(Str(Cow::Borrowed(s))))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(IncomingTs::Text(Str(Cow::Owned(s.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
                Ok(IncomingTs::Text(Str(Cow::Owned(s))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(IncomingTs::Millis(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v)
                    .map(IncomingTs::Millis)
                    .map_err(|_| E::custom("ts out of range"))
            }
        }
        d.deserialize_any(V)
    }
}

/// An event object as it arrived, before validation. A missing field and `null` are both
/// `None`, as in [`validate_event`].
#[derive(Default)]
struct Incoming<'a> {
    platform: Option<Str<'a>>,
    account: Option<Str<'a>>,
    event_id: Option<Str<'a>>,
    kind: Option<Str<'a>>,
    text: Option<Str<'a>>,
    ts: Option<IncomingTs<'a>>,
    contacts: Option<Vec<Str<'a>>>,
    photo_hashes: Option<Vec<Str<'a>>>,
    location: Option<Str<'a>>,
}

impl<'de> Deserialize<'de> for Incoming<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Incoming<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an event object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Incoming<'de>, A::Error> {
                let mut out = Incoming::default();
                let mut seen = 0u16;
                while let Some(Str(key)) = map.next_key::<Str<'de>>()? {
                    let bit = match key.as_ref() {
                        "platform" => 1,
                        "account" => 2,
                        "event_id" => 4,
                        "kind" => 8,
                        "text" => 16,
                        "ts" => 32,
                        "contacts" => 64,
                        "photo_hashes" => 128,
                        "location" => 256,
                        _ => {
                            // Parsed as the general path parses it, so that a value it
                            // refuses (a number out of range) is refused here too.
                            map.next_value::<Value>()?;
                            continue;
                        }
                    };
                    if seen & bit != 0 {
                        // The general path keeps the last of repeated keys: let it.
                        return Err(de::Error::custom("repeated key"));
                    }
                    seen |= bit;
                    match bit {
                        1 => out.platform = map.next_value()?,
                        2 => out.account = map.next_value()?,
                        4 => out.event_id = map.next_value()?,
                        8 => out.kind = map.next_value()?,
                        16 => out.text = map.next_value()?,
                        32 => out.ts = map.next_value()?,
                        64 => out.contacts = map.next_value()?,
                        128 => out.photo_hashes = map.next_value()?,
                        _ => out.location = map.next_value()?,
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

impl Incoming<'_> {
    /// The checks of [`validate_event`], on the typed fields.
    fn validate(self, limits: &EventLimits) -> Result<NewEvent, FieldError> {
        fn required<'s>(
            name: &str,
            v: &'s Option<Str<'_>>,
            max: usize,
        ) -> Result<&'s str, FieldError> {
            match v {
                None => Err(err(name, "is required")),
                Some(Str(s)) => check_str(name, s, max, true),
            }
        }
        fn list(
            name: &str,
            v: Option<Vec<Str<'_>>>,
            max_items: usize,
            max_len: usize,
        ) -> Result<Vec<String>, FieldError> {
            let items = v.unwrap_or_default();
            check_list_len(name, items.len(), max_items)?;
            items
                .into_iter()
                .enumerate()
                .map(|(i, Str(s))| check_list_item(name, i, &s, max_len).map(|()| s.into_owned()))
                .collect()
        }
        let platform = required("platform", &self.platform, 64)?;
        validate_platform_id(platform).map_err(|r| err("platform", r))?;
        required("account", &self.account, 256)?;
        required("event_id", &self.event_id, 256)?;
        let kind_name = match &self.kind {
            None => "post",
            Some(Str(k)) => check_str("kind", k, 32, false)?,
        };
        let kind = EventKind::parse(kind_name)
            .ok_or_else(|| err("kind", format!("unknown kind {kind_name:?}")))?;
        required("text", &self.text, limits.max_text_bytes)?;
        let ts = match &self.ts {
            None => return Err(err("ts", "is required")),
            Some(IncomingTs::Text(Str(s))) => ts_from_str(s)?,
            Some(IncomingTs::Millis(ms)) => ts_from_millis(Some(*ms))?,
        };
        let contacts = list("contacts", self.contacts, 32, 128)?;
        let photo_hashes = list("photo_hashes", self.photo_hashes, 16, 128)?;
        check_photo_hashes(&photo_hashes)?;
        let location = match self.location {
            None => None,
            Some(Str(s)) => Some(check_str("location", &s, 128, false)?.to_owned()),
        };
        let owned = |v: Option<Str<'_>>| v.map(|Str(s)| s.into_owned()).unwrap_or_default();
        Ok(NewEvent {
            platform: owned(self.platform),
            account: owned(self.account),
            event_id: owned(self.event_id),
            kind,
            text: owned(self.text),
            ts,
            contacts,
            photo_hashes,
            location,
        })
    }
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

    /// The general path's answer for a body: every item's event when all are valid.
    fn general(body: &[u8], limits: &EventLimits) -> Option<Vec<NewEvent>> {
        split_batch(body)
            .ok()?
            .into_iter()
            .map(|item| validate_event(&item.ok()?, limits).ok())
            .collect()
    }

    #[test]
    fn the_fast_path_agrees_with_the_general_path() {
        let limits = EventLimits { max_text_bytes: 40 };
        let ev = r#"{"platform":"michat","account":"a1","event_id":"e1","text":"open bo","ts":"2026-11-29T10:00:00+07:00"}"#;
        let bodies: Vec<String> = vec![
            format!("[{ev}]"),
            format!(" [ {ev} , {ev} ] \n"),
            format!("{ev}\n\n{ev}\r\n"),
            r#"[{"platform":"michat","account":"a\u00e9\n","event_id":"e\"1","kind":"nearby","text":"h\u0069 kak 💋","ts":1764400000000,"contacts":["0812 3456 7890"],"photo_hashes":["00ff"],"location":"Tower A","extra":{"x":[1,2.5,null]}}]"#.into(),
            r#"[{"platform":"michat","account":"a","event_id":"e","text":"t","ts":0,"kind":null,"contacts":null,"photo_hashes":[],"location":null}]"#.into(),
            // Rejected items, refused by both.
            r#"[{"platform":"michat","account":"a","event_id":"e","text":"t","ts":-1}]"#.into(),
            r#"[{"platform":"michat","account":"a","event_id":"e","text":"t","ts":1.5}]"#.into(),
            r#"[{"platform":"michat","account":"a","event_id":"e","text":"t","ts":18446744073709551615}]"#.into(),
            r#"[{"platform":"michat","account":"a","event_id":"e","text":"t","ts":"0425-11-29T10:00:00+07:00"}]"#.into(),
            r#"[{"platform":"michat","account":" ","event_id":"e","text":"t","ts":0}]"#.into(),
            r#"[{"platform":"michat","account":"a","event_id":"e","text":"t\u0000","ts":0}]"#.into(),
            r#"[{"platform":"michat","account":"a","event_id":"e","text":"t","ts":0,"kind":"story"}]"#.into(),
            r#"[{"platform":"Mi Chat","account":"a","event_id":"e","text":"t","ts":0}]"#.into(),
            r#"[{"platform":"michat","account":"a","event_id":"e","text":"this text is far longer than forty bytes, the limit","ts":0}]"#.into(),
            r#"[{"platform":"michat","account":"a","event_id":"e","text":"t","ts":0,"contacts":["ok",5]}]"#.into(),
            r#"[{"platform":"michat","account":"a","event_id":"e","text":"t","ts":0,"contacts":[""]}]"#.into(),
            r#"[{"platform":"michat","account":"a","event_id":"e","text":"t","ts":0,"photo_hashes":["zz"]}]"#.into(),
            r#"[{"platform":"michat","account":"a","event_id":"e","text":"t","ts":0,"extra":1e400}]"#.into(),
            r#"[{"platform":"michat","account":"a","event_id":"e","text":"t","ts":0}, 5]"#.into(),
            r#"[{"platform":"michat","account":"a","event_id":"e","text":"t","ts":0},"#.into(),
            format!("{ev}\n{{broken\n"),
            "  ".into(),
        ];
        for body in &bodies {
            assert_eq!(
                validate_batch(body.as_bytes(), &limits),
                general(body.as_bytes(), &limits),
                "{body}"
            );
        }
        assert_eq!(
            validate_batch(bodies[3].as_bytes(), &limits).map(|v| v[0].account.clone()),
            Some("a\u{e9}\n".to_owned())
        );
        // A repeated key: the general path keeps the last value; the fast path leaves it.
        let repeated = br#"[{"platform":"michat","account":"a","account":"b","event_id":"e","text":"t","ts":0}]"#;
        assert_eq!(validate_batch(repeated, &limits), None);
        assert!(general(repeated, &limits).is_some());
        assert_eq!(validate_batch(b"[{\"a\":1}]\xff", &limits), None);
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
