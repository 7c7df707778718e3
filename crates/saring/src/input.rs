//! Reading what the commands take in: items to scan (NDJSON or CSV, with line numbers),
//! labelled JSON Lines for training and evaluation, and the policy pack and model files.
//!
//! Readers never give up on a file because one line is bad: NDJSON is read as bytes, line by
//! line, so a line that is not UTF-8, not JSON or lacks a `text` becomes a *bad line* (an
//! error that names the line) and the next line is read as usual. Parsing borrows from the
//! line buffer wherever it can, so scanning allocates little per item.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

use saring_detect::Detector;

/// The longest line a reader accepts; longer lines are bad lines (and are not kept in memory).
pub const MAX_LINE_BYTES: usize = 4 << 20;

/// The name under which stdin appears in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// Builds the detector from `--policy` and `--model` (the builtin pack and model when absent).
pub fn load_detector(policy: Option<&Path>, model: Option<&Path>) -> Result<Detector> {
    let policy_text = policy
        .map(|p| {
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read policy pack {}", p.display()))
        })
        .transpose()?;
    let model_bytes = model
        .map(|p| std::fs::read(p).with_context(|| format!("cannot read model {}", p.display())))
        .transpose()?;
    let detector = Detector::from_parts(policy_text.as_deref(), model_bytes.as_deref());
    match (detector, model) {
        (Ok(d), _) => Ok(d),
        (Err(e), Some(p)) => Err(e).with_context(|| format!("cannot use model {}", p.display())),
        (Err(e), None) => Err(e).context("cannot use the builtin model (pass --model FILE)"),
    }
}

/// True when `path` means stdin.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// An input opened for reading, with the name used in messages.
pub struct Opened {
    /// `FILE` as given, or [`STDIN_NAME`].
    pub name: String,
    /// The reader.
    pub reader: Box<dyn BufRead>,
    /// The size in bytes, when it is a regular file.
    pub len: Option<u64>,
}

impl fmt::Debug for Opened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opened")
            .field("name", &self.name)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// Opens every input before any is read, so a mistyped name fails before any output; no files
/// means stdin, which may be named only once.
pub fn open_all(files: &[std::path::PathBuf]) -> Result<Vec<Opened>> {
    let stdin = Path::new("-");
    let paths: Vec<&Path> = if files.is_empty() {
        vec![stdin]
    } else {
        files.iter().map(|p| p.as_path()).collect()
    };
    if paths.iter().filter(|p| is_stdin(p)).count() > 1 {
        anyhow::bail!("stdin (`-`) can be read only once");
    }
    paths.iter().map(|p| open(p)).collect()
}

/// Opens a file, or stdin for `-`.
pub fn open(path: &Path) -> Result<Opened> {
    if is_stdin(path) {
        return Ok(Opened {
            name: STDIN_NAME.to_owned(),
            reader: Box::new(BufReader::with_capacity(1 << 20, io::stdin())),
            len: None,
        });
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let len = file
        .metadata()
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len());
    Ok(Opened {
        name: path.display().to_string(),
        reader: Box::new(BufReader::with_capacity(1 << 20, file)),
        len,
    })
}

// ---------------------------------------------------------------------------------------
// Lines.

/// One line of a [`Lines`] chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRef {
    /// 1-based line number in its file.
    pub number: u64,
    start: usize,
    end: usize,
    too_long: bool,
}

/// A chunk of lines read into one buffer (no allocation per line).
#[derive(Debug, Default)]
pub struct Lines {
    buf: Vec<u8>,
    lines: Vec<LineRef>,
}

impl Lines {
    /// How many lines the chunk holds.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when the chunk holds no line.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Line `i`: its number, and its bytes without the line break, or an error when the
    /// line was too long to keep.
    pub fn get(&self, i: usize) -> (u64, Result<&[u8], String>) {
        let l = self.lines[i];
        if l.too_long {
            let reason = format!("line is longer than {} MiB", MAX_LINE_BYTES >> 20);
            return (l.number, Err(reason));
        }
        (l.number, Ok(&self.buf[l.start..l.end]))
    }
}

/// Reads a byte stream line by line, counting lines and bytes.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    line: u64,
    bytes: u64,
}

impl<R: BufRead> LineReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        LineReader {
            inner,
            line: 0,
            bytes: 0,
        }
    }

    /// Bytes consumed so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// Fills `out` with up to `max_lines` non-blank lines (or until it holds `max_bytes`);
    /// returns true at the end of the input.
    pub fn read_chunk(
        &mut self,
        out: &mut Lines,
        max_lines: usize,
        max_bytes: usize,
    ) -> io::Result<bool> {
        out.buf.clear();
        out.lines.clear();
        while out.lines.len() < max_lines && out.buf.len() < max_bytes {
            let start = out.buf.len();
            let Some(too_long) = self.read_line(&mut out.buf)? else {
                return Ok(true);
            };
            let mut end = out.buf.len();
            if out.buf[start..end].ends_with(b"\n") {
                end -= 1;
            }
            if out.buf[start..end].ends_with(b"\r") {
                end -= 1;
            }
            let mut first = start;
            if self.line == 1 && out.buf[start..end].starts_with(b"\xEF\xBB\xBF") {
                first += 3;
            }
            if !too_long && out.buf[first..end].iter().all(u8::is_ascii_whitespace) {
                out.buf.truncate(start);
                continue;
            }
            out.lines.push(LineRef {
                number: self.line,
                start: first,
                end,
                too_long,
            });
        }
        Ok(false)
    }

    /// Appends the next line (with its line break) to `buf`; returns whether it was too
    /// long (then nothing of it is kept), or `None` at the end of the input.
    fn read_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<bool>> {
        let start = buf.len();
        let mut too_long = false;
        let mut any = false;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            any = true;
            let (take, done) = match memchr::memchr(b'\n', available) {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            if !too_long {
                if buf.len() - start + take > MAX_LINE_BYTES {
                    too_long = true;
                    buf.truncate(start);
                } else {
                    buf.extend_from_slice(&available[..take]);
                }
            }
            self.inner.consume(take);
            self.bytes += take as u64;
            if done {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.line += 1;
        Ok(Some(too_long))
    }
}

// ---------------------------------------------------------------------------------------
// Items to scan.

/// A value copied from the input to the output as it was.
#[derive(Debug, Clone, Copy)]
pub enum PassThrough<'a> {
    /// The JSON text of one value (a string or a number), checked by the parser that read
    /// it, copied verbatim.
    Json(&'a str),
    /// A string (from CSV).
    Str(&'a str),
    /// A line number.
    Number(u64),
}

impl Serialize for PassThrough<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PassThrough::Json(v) => serde_json::from_str::<&RawValue>(v)
                .map_err(serde::ser::Error::custom)?
                .serialize(s),
            PassThrough::Str(v) => s.serialize_str(v),
            PassThrough::Number(n) => s.serialize_u64(*n),
        }
    }
}

/// One item to scan.
#[derive(Debug)]
pub struct Item<'a> {
    /// The item's id: the input's, or its line number.
    pub id: PassThrough<'a>,
    /// The text to score.
    pub text: Cow<'a, str>,
    /// The account, passed through.
    pub account: Option<PassThrough<'a>>,
    /// The platform, passed through.
    pub platform: Option<PassThrough<'a>>,
}

/// The item kinds the input may name.
pub const KINDS: [&str; 4] = ["profile", "post", "nearby", "report"];

/// A string field that must be a string; borrows when the JSON has no escapes.
#[derive(Debug)]
struct StrField<'a>(Cow<'a, str>);

/// A `kind` field: one of [`KINDS`].
#[derive(Debug)]
struct KindField;

/// A string visitor whose type errors name the field.
struct StrVisitor(&'static str);

impl<'de> Visitor<'de> for StrVisitor {
    type Value = StrField<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` to be a string", self.0)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(StrField(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(StrField(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(StrField(Cow::Owned(v)))
    }
}

fn text_field<'de, D: Deserializer<'de>>(d: D) -> Result<Option<StrField<'de>>, D::Error> {
    d.deserialize_str(StrVisitor("text")).map(Some)
}

fn label_field<'de, D: Deserializer<'de>>(d: D) -> Result<Option<StrField<'de>>, D::Error> {
    d.deserialize_str(StrVisitor("label")).map(Some)
}

impl<'de> Deserialize<'de> for KindField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let StrField(kind) = d.deserialize_str(StrVisitor("kind"))?;
        check_kind(&kind).map_err(de::Error::custom)?;
        Ok(KindField)
    }
}

/// Checks a `kind` value.
pub fn check_kind(kind: &str) -> Result<(), String> {
    if KINDS.contains(&kind) {
        return Ok(());
    }
    let shown: String = kind.chars().take(24).collect();
    Err(format!(
        "`kind` must be one of {}, not {shown:?}",
        KINDS.join(", ")
    ))
}

/// The fields of an NDJSON line that `scan` reads; others are ignored.
#[derive(Deserialize)]
struct RawItem<'a> {
    #[serde(borrow, default, deserialize_with = "text_field")]
    text: Option<StrField<'a>>,
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    account: Option<&'a RawValue>,
    #[serde(borrow, default)]
    platform: Option<&'a RawValue>,
    /// Only checked (a bad `kind` makes a bad line); scan has no other use for it.
    #[serde(default, rename = "kind")]
    _kind: Option<KindField>,
}

/// Says what is wrong with a JSON line, without the line's content.
fn json_error(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let msg = full.strip_suffix(&suffix).unwrap_or(&full);
    match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            format!("invalid JSON: {msg} (column {})", e.column())
        }
        _ => format!("{msg} (column {})", e.column()),
    }
}

/// Checks that a line is UTF-8 and holds a JSON object.
fn json_object_line(bytes: &[u8]) -> Result<&str, String> {
    // simdutf8 checks with vector instructions; std says where a bad line goes wrong.
    let line = match simdutf8::basic::from_utf8(bytes) {
        Ok(line) => line,
        Err(_) => std::str::from_utf8(bytes)
            .map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1))?,
    };
    if !line.trim_start().starts_with('{') {
        return Err("expected a JSON object".to_owned());
    }
    Ok(line)
}

/// True when a JSON value is a string or a number (by its first character: serde_json
/// has already checked that it is valid JSON).
fn is_string_or_number(v: &RawValue) -> bool {
    v.get()
        .starts_with(|c: char| c == '"' || c == '-' || c.is_ascii_digit())
}

/// Parses one NDJSON line into an item; `number` is its line number (the id when it has
/// none).
///
/// Lines of the common shape (one flat object, see [`simple_item`]) are parsed by hand;
/// every other line, and so every bad line, goes through serde_json, which also writes the
/// error messages.
pub fn parse_ndjson_item(bytes: &[u8], number: u64) -> Result<Item<'_>, String> {
    let line = json_object_line(bytes)?;
    if let Some(item) = simple_item(line, number) {
        return Ok(item);
    }
    general_item(line, number)
}

/// Parses a line that [`json_object_line`] accepted with serde_json.
fn general_item(line: &str, number: u64) -> Result<Item<'_>, String> {
    let raw: RawItem<'_> = serde_json::from_str(line).map_err(|e| json_error(&e))?;
    let Some(StrField(text)) = raw.text else {
        return Err("missing field `text`".to_owned());
    };
    let RawItem {
        id,
        account,
        platform,
        ..
    } = raw;
    let id = match id {
        None => PassThrough::Number(number),
        Some(v) if is_string_or_number(v) => PassThrough::Json(v.get()),
        Some(_) => return Err("`id` must be a string or a number".to_owned()),
    };
    Ok(Item {
        id,
        text,
        account: account.map(|v| PassThrough::Json(v.get())),
        platform: platform.map(|v| PassThrough::Json(v.get())),
    })
}

// ---------------------------------------------------------------------------------------
// The common NDJSON line, parsed by hand.

/// A value of the simple shape, as [`simple_item`] reads it.
enum Simple<'a> {
    /// A string: its JSON text with the quotes, and whether it holds a backslash.
    Str(&'a str, bool),
    /// A number, `true` or `false`: its JSON text.
    Scalar(&'a str),
    /// `null`.
    Null,
}

/// Parses the common shape of an NDJSON item without serde: one object whose values are
/// strings, numbers, `true`, `false` or `null`, whose keys have no escapes and whose known
/// keys (`text`, `id`, `account`, `platform`, `kind`) appear at most once, with a `text`
/// string, an `id` string, number or null, and a `kind` from [`KINDS`]. The result is what
/// [`general_item`] gives for the same line. Returns `None` for anything else — including
/// every line that [`general_item`] rejects — and the caller then uses [`general_item`].
fn simple_item(line: &str, number: u64) -> Option<Item<'_>> {
    let b = line.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    let mut text: Option<Cow<'_, str>> = None;
    let mut id: Option<Option<&str>> = None;
    let mut account: Option<Option<&str>> = None;
    let mut platform: Option<Option<&str>> = None;
    let mut kind_seen = false;
    if b.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let (key_end, key_escaped) = string_end(b, i + 1)?;
            if key_escaped {
                return None;
            }
            let key = &b[i + 1..key_end];
            i = skip_ws(b, key_end + 1);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = skip_ws(b, i + 1);
            let (value, end) = simple_value(line, i)?;
            match key {
                b"text" => {
                    let Simple::Str(s, escaped) = value else {
                        return None;
                    };
                    if text.is_some() {
                        return None;
                    }
                    let inner = &s[1..s.len() - 1];
                    text = Some(if escaped {
                        Cow::Owned(unescape(inner)?)
                    } else {
                        Cow::Borrowed(inner)
                    });
                }
                b"id" => {
                    if id.is_some() || matches!(value, Simple::Scalar("true" | "false")) {
                        return None;
                    }
                    id = Some(raw_value(&value)?);
                }
                b"account" => {
                    if account.is_some() {
                        return None;
                    }
                    account = Some(raw_value(&value)?);
                }
                b"platform" => {
                    if platform.is_some() {
                        return None;
                    }
                    platform = Some(raw_value(&value)?);
                }
                b"kind" => {
                    if kind_seen {
                        return None;
                    }
                    kind_seen = true;
                    match value {
                        Simple::Null => {}
                        Simple::Str(s, false) if KINDS.contains(&&s[1..s.len() - 1]) => {}
                        _ => return None,
                    }
                }
                _ => {
                    if matches!(value, Simple::Str(_, true)) {
                        return None;
                    }
                }
            }
            i = skip_ws(b, end);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b'}') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    if skip_ws(b, i) != b.len() {
        return None;
    }
    Some(Item {
        id: id
            .flatten()
            .map_or(PassThrough::Number(number), PassThrough::Json),
        text: text?,
        account: account.flatten().map(PassThrough::Json),
        platform: platform.flatten().map(PassThrough::Json),
    })
}

/// The pass-through of a simple value: `None` for `null`; strings with escapes are left to
/// serde_json (which checks them).
fn raw_value<'a>(value: &Simple<'a>) -> Option<Option<&'a str>> {
    match *value {
        Simple::Null => Some(None),
        Simple::Str(_, true) => None,
        Simple::Str(s, false) | Simple::Scalar(s) => Some(Some(s)),
    }
}

/// Reads the simple value at `i`: the value and where it ends, or `None` when it is not
/// simple (or not valid).
fn simple_value(line: &str, i: usize) -> Option<(Simple<'_>, usize)> {
    let b = line.as_bytes();
    match *b.get(i)? {
        b'"' => {
            let (end, escaped) = string_end(b, i + 1)?;
            Some((Simple::Str(&line[i..=end], escaped), end + 1))
        }
        b'n' if b[i..].starts_with(b"null") => Some((Simple::Null, i + 4)),
        b't' if b[i..].starts_with(b"true") => Some((Simple::Scalar(&line[i..i + 4]), i + 4)),
        b'f' if b[i..].starts_with(b"false") => Some((Simple::Scalar(&line[i..i + 5]), i + 5)),
        b'-' | b'0'..=b'9' => {
            let end = number_end(b, i)?;
            Some((Simple::Scalar(&line[i..end]), end))
        }
        _ => None,
    }
}

/// The end of the JSON number at `i`, or `None` when it does not follow the grammar
/// (`-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`) or runs into a letter or digit.
fn number_end(b: &[u8], mut i: usize) -> Option<usize> {
    let digits = |b: &[u8], mut i: usize| {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > start).then_some(i)
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    if b.get(i) == Some(&b'0') {
        i += 1;
    } else {
        i = digits(b, i)?;
    }
    if b.get(i) == Some(&b'.') {
        i = digits(b, i + 1)?;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(b, i)?;
    }
    if b.get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.')
    {
        return None;
    }
    Some(i)
}

/// Skips JSON whitespace.
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// True for the bytes a JSON string cannot hold as they are: `"`, `\` and control
/// characters.
fn is_special(c: u8) -> bool {
    c == b'"' || c == b'\\' || c < 0x20
}

/// The index of the first [`is_special`] byte at or after `i`, or `b.len()`.
pub(crate) fn next_special(b: &[u8], mut i: usize) -> usize {
    // Eight bytes at a time: a byte is flagged when it is `"` or `\` (zero after the xor)
    // or below 0x20; the lowest flagged byte is always a true one.
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(word) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let flagged = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        let flagged = flagged & HIGH;
        if flagged != 0 {
            return i + (flagged.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while b.get(i).is_some_and(|&c| !is_special(c)) {
        i += 1;
    }
    i
}

/// The index of the `"` that closes the string whose content starts at `i`, and whether
/// the string holds a backslash; `None` when the string holds a control character or does
/// not end.
fn string_end(b: &[u8], mut i: usize) -> Option<(usize, bool)> {
    let mut escaped = false;
    loop {
        i = next_special(b, i);
        match *b.get(i)? {
            b'"' => return Some((i, escaped)),
            // The escaped character is checked by whoever decodes the string.
            b'\\' => {
                escaped = true;
                i += 2;
            }
            _ => return None,
        }
    }
}

/// Decodes the content of a JSON string with escapes; `None` when an escape is not valid
/// or is a `\u` surrogate (left to serde_json).
fn unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    loop {
        let Some(k) = memchr::memchr(b'\\', &b[i..]) else {
            out.push_str(&s[i..]);
            return Some(out);
        };
        out.push_str(&s[i..i + k]);
        i += k + 1;
        let c = match *b.get(i)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hex = s.get(i + 1..i + 5)?;
                if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                i += 4;
                char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
            }
            _ => return None,
        };
        out.push(c);
        i += 1;
    }
}

/// The columns of a CSV input that `scan` reads.
#[derive(Debug, Clone)]
pub struct CsvColumns {
    /// Fields per row (from the header).
    pub width: usize,
    /// Index of the text column.
    pub text: usize,
    /// Index of the id column, if any.
    pub id: Option<usize>,
    /// Index of the `account` column, if any.
    pub account: Option<usize>,
    /// Index of the `platform` column, if any.
    pub platform: Option<usize>,
    /// Index of the `kind` column, if any.
    pub kind: Option<usize>,
}

impl CsvColumns {
    /// Finds the columns in the header row; the text column (and an id column asked for by
    /// name) must be there.
    pub fn find(header: &csv::ByteRecord, text: &str, id: Option<&str>) -> Result<Self> {
        let names: Vec<String> = header
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_owned())
            .collect();
        let find = |name: &str| names.iter().position(|n| n == name);
        let listing = || {
            if names.is_empty() {
                "the header is empty".to_owned()
            } else {
                format!("the header has: {}", names.join(", "))
            }
        };
        let Some(text_i) = find(text) else {
            bail!("no column `{text}` in the CSV header ({})", listing());
        };
        let id_i = match id {
            Some(name) => match find(name) {
                Some(i) => Some(i),
                None => bail!("no column `{name}` in the CSV header ({})", listing()),
            },
            None => find("id"),
        };
        Ok(CsvColumns {
            width: names.len(),
            text: text_i,
            id: id_i,
            account: find("account"),
            platform: find("platform"),
            kind: find("kind"),
        })
    }

    /// Reads one CSV row as an item; `number` is its line number.
    pub fn item<'a>(&self, row: &'a csv::ByteRecord, number: u64) -> Result<Item<'a>, String> {
        if row.len() != self.width {
            return Err(format!(
                "expected {} fields, found {}",
                self.width,
                row.len()
            ));
        }
        let field = |i: usize, name: &str| -> Result<&'a str, String> {
            let bytes = row.get(i).unwrap_or_default();
            std::str::from_utf8(bytes).map_err(|e| {
                format!(
                    "invalid UTF-8 in column `{name}` at byte {}",
                    e.valid_up_to() + 1
                )
            })
        };
        let text = field(self.text, "text")?;
        let id = match self.id {
            Some(i) => match field(i, "id")? {
                "" => PassThrough::Number(number),
                id => PassThrough::Str(id),
            },
            None => PassThrough::Number(number),
        };
        let optional = |col: Option<usize>, name: &str| -> Result<Option<&'a str>, String> {
            match col {
                Some(i) => field(i, name).map(|v| Some(v).filter(|v| !v.is_empty())),
                None => Ok(None),
            }
        };
        if let Some(kind) = optional(self.kind, "kind")? {
            check_kind(kind)?;
        }
        Ok(Item {
            id,
            text: Cow::Borrowed(text),
            account: optional(self.account, "account")?.map(PassThrough::Str),
            platform: optional(self.platform, "platform")?.map(PassThrough::Str),
        })
    }
}

// ---------------------------------------------------------------------------------------
// Labelled data.

/// A gold label from labelled data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gold {
    /// `solicitation`.
    Solicitation,
    /// `benign`.
    Benign,
    /// `unknown` or anything else: not used.
    Other,
}

/// One row of a labelled JSON Lines file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    /// 1-based line number.
    pub line: u64,
    /// The row's `id` (a string or a number), if it has one.
    pub id: Option<String>,
    /// The text.
    pub text: String,
    /// Its label.
    pub gold: Gold,
    /// The values of its `tags` field (a string or a list of strings), if any.
    pub tags: Vec<String>,
}

/// `tags`: a string or a list of strings.
#[derive(Debug, Default)]
struct Tags(Vec<String>);

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TagsVisitor;
        impl<'de> Visitor<'de> for TagsVisitor {
            type Value = Tags;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`tags` to be a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Tags, E> {
                Ok(Tags(vec![v.to_owned()]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Tags, E> {
                Ok(Tags::default())
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Tags, A::Error> {
                let mut tags = Vec::new();
                while let Some(t) = seq.next_element::<String>()? {
                    tags.push(t);
                }
                Ok(Tags(tags))
            }
        }
        d.deserialize_any(TagsVisitor)
    }
}

/// The fields of a labelled line.
#[derive(Deserialize)]
struct RawLabelled<'a> {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(borrow, default, deserialize_with = "text_field")]
    text: Option<StrField<'a>>,
    #[serde(borrow, default, deserialize_with = "label_field")]
    label: Option<StrField<'a>>,
    #[serde(default)]
    tags: Option<Tags>,
}

/// Whether a labelled file must have labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedLabel {
    /// Every line needs a `label`.
    Yes,
    /// Only `text` is read (lines without a label are [`Gold::Other`]).
    No,
}

/// Parses one labelled line.
fn parse_labelled(bytes: &[u8], line: u64, need: NeedLabel) -> Result<Labelled, String> {
    let text = json_object_line(bytes)?;
    let raw: RawLabelled<'_> = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    let Some(StrField(text)) = raw.text else {
        return Err("missing field `text`".to_owned());
    };
    let gold = match raw.label.as_ref().map(|l| l.0.as_ref()) {
        Some("solicitation") => Gold::Solicitation,
        Some("benign") => Gold::Benign,
        Some(_) => Gold::Other,
        None if need == NeedLabel::No => Gold::Other,
        None => return Err("missing field `label`".to_owned()),
    };
    let id = match raw.id {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err("`id` must be a string or a number".to_owned()),
    };
    Ok(Labelled {
        line,
        id,
        text: text.into_owned(),
        gold,
        tags: raw.tags.unwrap_or_default().0,
    })
}

/// Reads a whole labelled JSON Lines file (`-` for stdin); the first bad line is an error
/// that names it.
pub fn read_labelled(path: &Path, need: NeedLabel) -> Result<Vec<Labelled>> {
    let opened = open(path)?;
    let mut reader = LineReader::new(opened.reader);
    let mut lines = Lines::default();
    let mut out = Vec::new();
    loop {
        let eof = reader
            .read_chunk(&mut lines, 8192, 8 << 20)
            .with_context(|| format!("cannot read {}", opened.name))?;
        for i in 0..lines.len() {
            let (number, bytes) = lines.get(i);
            let row = bytes.and_then(|b| parse_labelled(b, number, need));
            match row {
                Ok(row) => out.push(row),
                Err(reason) => bail!("{}:{number}: {reason}", opened.name),
            }
        }
        if eof {
            return Ok(out);
        }
    }
}

/// A path as shown in messages and model notes.
pub fn shown(path: &Path) -> String {
    if is_stdin(path) {
        STDIN_NAME.to_owned()
    } else {
        path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn chunk(input: &[u8]) -> Vec<(u64, Result<Vec<u8>, String>)> {
        let mut reader = LineReader::new(input);
        let mut lines = Lines::default();
        let mut out = Vec::new();
        loop {
            let eof = reader
                .read_chunk(&mut lines, 2, 1 << 20)
                .expect("reads from memory");
            for i in 0..lines.len() {
                let (n, b) = lines.get(i);
                out.push((n, b.map(<[u8]>::to_vec)));
            }
            if eof {
                return out;
            }
        }
    }

    #[test]
    fn lines_keep_their_numbers_and_skip_blanks() {
        let got = chunk(b"\xEF\xBB\xBFa\r\n\n  \nb\nc");
        let want: Vec<(u64, Result<Vec<u8>, String>)> = vec![
            (1, Ok(b"a".to_vec())),
            (4, Ok(b"b".to_vec())),
            (5, Ok(b"c".to_vec())),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn overlong_lines_are_bad_lines_not_memory() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\nok\n");
        let got = chunk(&input);
        assert_eq!(got.len(), 2);
        assert!(got[0].1.as_ref().is_err_and(|e| e.contains("longer")));
        assert_eq!(got[1], (2, Ok(b"ok".to_vec())));
    }

    #[test]
    fn ndjson_items_borrow_and_pass_through() {
        let line = br#"{"id": 7, "text": "open bo", "account": "a-1", "kind": "post", "ts": 5}"#;
        let item = parse_ndjson_item(line, 3).expect("a good line");
        assert!(matches!(item.text, Cow::Borrowed("open bo")));
        assert!(matches!(item.id, PassThrough::Json("7")));
        assert!(matches!(item.account, Some(PassThrough::Json(r#""a-1""#))));
        let item = parse_ndjson_item(br#"{"text": "a\nb"}"#, 3).expect("a good line");
        assert_eq!(item.text, "a\nb");
        assert!(matches!(item.id, PassThrough::Number(3)));
    }

    #[test]
    fn bad_ndjson_lines_say_what_is_wrong() {
        let bad = |line: &[u8]| parse_ndjson_item(line, 1).expect_err("a bad line");
        assert!(bad(br#"{"text": "a""#).starts_with("invalid JSON"));
        assert_eq!(bad(br#"{"id": 1}"#), "missing field `text`");
        assert!(bad(br#"{"text": 5}"#).contains("`text` to be a string"));
        assert!(bad(b"{\"text\": \"\xff\"}").contains("invalid UTF-8 at byte 11"));
        assert!(bad(br#"{"text": "a", "kind": "story"}"#).contains("`kind` must be one of"));
        assert!(bad(br#"{"text": "a", "id": [1]}"#).contains("`id` must be"));
        assert_eq!(bad(br#"["text"]"#), "expected a JSON object");
    }

    /// The fields of a parsed item, as text, for comparing two parses.
    fn fields(item: &Item<'_>) -> String {
        let json = |v: &PassThrough<'_>| serde_json::to_string(v).expect("serialises");
        format!(
            "id={} text={:?} account={:?} platform={:?}",
            json(&item.id),
            item.text,
            item.account.as_ref().map(json),
            item.platform.as_ref().map(json)
        )
    }

    /// The hand parser must give what serde_json gives, or leave the line to it.
    fn check_simple(line: &str) {
        if let Some(fast) = simple_item(line, 9) {
            let general = general_item(line, 9)
                .unwrap_or_else(|e| panic!("the hand parser took {line:?}, serde_json says: {e}"));
            assert_eq!(fields(&fast), fields(&general), "{line:?}");
        }
    }

    #[test]
    fn simple_lines_parse_by_hand_as_serde_json_does() {
        let taken = [
            r#"{"id": "b0000042", "account": "acct-001234", "platform": "michat", "kind": "post", "text": "open bo"}"#,
            r#"{"text":"a\nb \"q\" \\ \/ \b\f\r\t \u00e9\u20ac"}"#,
            r#" {"id": -3.5e2 , "text" : "" , "ts": 5, "x": null, "y": true, "z": false}  "#,
            r#"{"id": null, "account": null, "platform": 7, "kind": null, "text": "x"}"#,
            "{\"text\":\t\"x\"\r}",
            r#"{"id": 0, "text": "x"}"#,
            r#"{"id": 1E+2, "text": "x"}"#,
        ];
        for line in taken {
            assert!(simple_item(line, 1).is_some(), "{line}");
            check_simple(line);
        }
        let left = [
            r#"{"text": "a", "text": "b"}"#,
            r#"{"id": 1, "id": 2, "text": "b"}"#,
            r#"{"id": null, "id": null, "text": "b"}"#,
            r#"{"kind": "post", "kind": "post", "text": "b"}"#,
            r#"{"kind": "story", "text": "b"}"#,
            r#"{"kind": "po\u0073t", "text": "b"}"#,
            r#"{"te\u0078t": "b"}"#,
            r#"{"text": "\ud83d\ude00"}"#,
            r#"{"text": "\x"}"#,
            r#"{"text": "\u12"}"#,
            r#"{"text": null}"#,
            r#"{"text": 5}"#,
            r#"{"id": true, "text": "b"}"#,
            r#"{"id": "a\"b", "text": "b"}"#,
            r#"{"id": 01, "text": "b"}"#,
            r#"{"id": 1., "text": "b"}"#,
            r#"{"id": -, "text": "b"}"#,
            r#"{"id": 1e, "text": "b"}"#,
            r#"{"id": 12a, "text": "b"}"#,
            r#"{"meta": {"a": 1}, "text": "b"}"#,
            r#"{"tags": [1], "text": "b"}"#,
            r#"{"text": "b",}"#,
            r#"{"text": "b"} x"#,
            r#"{"text": "b""#,
            "{\"text\": \"a\u{1}b\"}",
            "{\"text\": \"b\"}\u{a0}",
            r#"{"id": 1}"#,
            r#"{}"#,
            r#"{"text": nul}"#,
        ];
        for line in left {
            assert!(simple_item(line, 1).is_none(), "{line}");
        }
    }

    /// Pieces of NDJSON lines, good and bad, for the property below.
    fn line_piece() -> impl Strategy<Value = String> {
        let keys = prop::sample::select(vec![
            r#""text""#,
            r#""id""#,
            r#""account""#,
            r#""platform""#,
            r#""kind""#,
            r#""ts""#,
            r#""te\u0078t""#,
            r#""""#,
            "text",
            r#""text"#,
        ]);
        let values = prop::sample::select(vec![
            r#""open bo""#,
            r#""a\nb\t\"c\" \\ \/""#,
            r#""\u00e9\u0041""#,
            r#""\ud83d\ude00""#,
            r#""\udc00""#,
            r#""\x""#,
            r#""\u12x4""#,
            "\"tab\there\"",
            r#""post""#,
            r#""story""#,
            r#""nearby""#,
            "7",
            "-3.5e2",
            "0",
            "01",
            "1.",
            "-",
            "2e",
            "1e+9",
            "null",
            "true",
            "false",
            "nul",
            "[1]",
            r#"{"a":1}"#,
            r#""unterminated"#,
            r#""é 🅾️""#,
            r#""""#,
        ]);
        let ws = prop::sample::select(vec!["", " ", "\t", "\r", "  ", "\u{a0}"]);
        let field = (ws.clone(), keys, ws.clone(), ws.clone(), values, ws.clone())
            .prop_map(|(a, k, b, c, v, d)| format!("{a}{k}{b}:{c}{v}{d}"));
        let seps = prop::sample::select(vec![",", ",", ",", "", ",,", ":"]);
        let tails = prop::sample::select(vec!["}", "}", "}", "} ", "}x", "", ",}", "}}"]);
        (
            prop::collection::vec((field, seps), 0..7),
            tails,
            prop::sample::select(vec!["{", "{", " {", "[", "\u{feff}{"]),
        )
            .prop_map(|(fields, tail, open)| {
                let mut line = open.to_owned();
                let n = fields.len();
                for (i, (field, sep)) in fields.into_iter().enumerate() {
                    line.push_str(&field);
                    if i + 1 < n {
                        line.push_str(sep);
                    }
                }
                line.push_str(tail);
                line
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn utf8_is_checked_as_std_checks_it(
            mut bytes in prop::collection::vec(any::<u8>(), 0..80),
            text in "\\PC{0,40}",
            cut in any::<prop::sample::Index>(),
        ) {
            // Valid text cut anywhere, then random bytes: both answers come up.
            let mut line = b"{".to_vec();
            line.extend_from_slice(&text.as_bytes()[..cut.index(text.len() + 1)]);
            line.append(&mut bytes);
            let want = std::str::from_utf8(&line)
                .map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1));
            prop_assert_eq!(json_object_line(&line), want);
        }

        #[test]
        fn hand_parse_agrees_with_serde_json(line in line_piece()) {
            check_simple(&line);
        }

        #[test]
        fn hand_parse_agrees_on_any_text(line in "\\{[ \"a-z:,\\\\0-9\\[\\]{}.\t-]{0,40}\\}?") {
            check_simple(&line);
        }
    }

    #[test]
    fn labelled_lines() {
        let row = parse_labelled(
            br#"{"text": "x", "label": "benign", "tags": ["a", "b"]}"#,
            2,
            NeedLabel::Yes,
        )
        .expect("a good line");
        assert_eq!(row.gold, Gold::Benign);
        assert_eq!(row.tags, ["a", "b"]);
        let row = parse_labelled(
            br#"{"text": "x", "label": "unknown", "tags": "c"}"#,
            2,
            NeedLabel::Yes,
        )
        .expect("a good line");
        assert_eq!(row.gold, Gold::Other);
        assert_eq!(row.tags, ["c"]);
        assert!(parse_labelled(br#"{"text": "x"}"#, 2, NeedLabel::Yes).is_err());
        assert!(parse_labelled(br#"{"text": "x"}"#, 2, NeedLabel::No).is_ok());
    }

    #[test]
    fn csv_columns_and_rows() {
        let header = csv::ByteRecord::from(vec!["id", "caption", "kind"]);
        let err = CsvColumns::find(&header, "text", None).expect_err("no text column");
        assert!(err.to_string().contains("id, caption, kind"), "{err}");
        let cols = CsvColumns::find(&header, "caption", None).expect("has caption");
        let row = csv::ByteRecord::from(vec!["x1", "open bo", "post"]);
        let item = cols.item(&row, 2).expect("a good row");
        assert_eq!(item.text, "open bo");
        let short = csv::ByteRecord::from(vec!["x1"]);
        assert_eq!(
            cols.item(&short, 3).expect_err("bad row"),
            "expected 3 fields, found 1"
        );
    }
}
