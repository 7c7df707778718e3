//! `saring scan`: scores items from NDJSON or CSV inputs and writes one NDJSON verdict per
//! item to stdout, in input order.
//!
//! The input is read in chunks of lines on the calling thread; each chunk is parsed, scored
//! and serialised in parallel (rayon, one [`Scratch`] per worker job, in sub-batches that
//! each fill one output buffer), then written in order. Bad lines are reported on stderr with
//! their file and line number and produce no output; every other line is still scored, and
//! the exit code says that something was skipped. With `--strict` the run stops at the first
//! bad line, after writing the verdicts of the items before it.

use std::fmt::Write as _;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use saring_detect::{Detector, Flag, Label, Scratch, Verdict};

use crate::input::{self, CsvColumns, Item, LineReader, Lines, Opened, PassThrough};
use crate::{Format, Outcome, ScanArgs};

/// Lines read, scored and written together (at least; more with many threads, so that
/// waiting for a chunk's last job stays a small part of the chunk's time).
const CHUNK_LINES: usize = 8192;
/// Lines per chunk per worker thread, when that is more than [`CHUNK_LINES`].
const CHUNK_LINES_PER_THREAD: usize = 1024;
/// A chunk also ends once it holds this many bytes.
const CHUNK_BYTES: usize = 16 << 20;
/// Items per parallel job; each job fills one output buffer.
const SUB_BATCH: usize = 64;
/// The progress bar appears only for runs that take longer than this.
const PROGRESS_DELAY: Duration = Duration::from_secs(1);

/// Runs `saring scan`.
pub fn run(args: &ScanArgs) -> Result<Outcome> {
    let start = Instant::now();
    let detector = input::load_detector(
        args.detector.policy.as_deref(),
        args.detector.model.as_deref(),
    )?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")?;

    let inputs = input::open_all(&args.files)?;
    let total_bytes = inputs.iter().map(|o| o.len).sum::<Option<u64>>();

    let stdout = io::stdout();
    let mut scanner = Scanner {
        detector: &detector,
        pool: &pool,
        strict: args.strict,
        chunk_lines: CHUNK_LINES.max(CHUNK_LINES_PER_THREAD * pool.current_num_threads()),
        out: BufWriter::with_capacity(1 << 18, stdout.lock()),
        stats: Stats::default(),
        bad_lines: 0,
        bytes_done: 0,
        progress: Progress::new(total_bytes, args.quiet),
    };
    for (i, opened) in inputs.into_iter().enumerate() {
        // No files means stdin, which is NDJSON unless told otherwise.
        let format = args
            .format
            .unwrap_or_else(|| args.files.get(i).map_or(Format::Ndjson, |p| format_of(p)));
        let stop = match format {
            Format::Ndjson => scanner.ndjson(opened)?,
            Format::Csv => scanner.csv(opened, &args.text_column, args.id_column.as_deref())?,
        };
        if stop {
            break;
        }
    }
    scanner.out.flush().context("cannot write to stdout")?;
    scanner.progress.finish();
    if !args.quiet {
        eprint!(
            "{}",
            summary(&scanner.stats, scanner.bad_lines, start.elapsed())
        );
    }
    Ok(if scanner.bad_lines > 0 {
        Outcome::SomeBad
    } else {
        Outcome::Success
    })
}

/// The format of a file by its extension: `.csv` is CSV, anything else NDJSON.
fn format_of(path: &Path) -> Format {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        Format::Csv
    } else {
        Format::Ndjson
    }
}

/// Counts over scored items.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Stats {
    items: u64,
    flagged: u64,
    flags: [u64; Flag::ALL.len()],
}

impl Stats {
    fn add(&mut self, v: &Verdict<'_>) {
        self.items += 1;
        if v.label == Label::Solicitation {
            self.flagged += 1;
        }
        for f in &v.flags {
            if let Some(i) = Flag::ALL.iter().position(|g| g == f) {
                self.flags[i] += 1;
            }
        }
    }

    fn merge(&mut self, other: &Stats) {
        self.items += other.items;
        self.flagged += other.flagged;
        for (a, b) in self.flags.iter_mut().zip(other.flags) {
            *a += b;
        }
    }
}

/// A bad line found while scoring.
#[derive(Debug)]
struct Bad {
    /// Where in the batch's output the line's verdict would have gone.
    offset: usize,
    line: u64,
    reason: String,
}

/// The output of one parallel job: verdict lines in order, and the bad lines among them.
#[derive(Debug, Default)]
struct Batch {
    out: Vec<u8>,
    bad: Vec<Bad>,
    stats: Stats,
    /// The counts before the first bad line (what `--strict` keeps).
    stats_before_bad: Stats,
}

/// Rounds a score to four decimals for output.
pub(crate) fn rounded(score: f32) -> f64 {
    (f64::from(score) * 10_000.0).round() / 10_000.0
}

/// Appends the verdict line of `item` to `out`.
///
/// Writes the fields of a verdict line by hand, in its order and with serde_json's compact
/// formatting for each value (strings escaped as serde_json escapes them, passed-through JSON
/// verbatim, integers in decimal and the score as serde_json writes it), so the bytes are
/// exactly those serde_json writes for the equivalent struct (`OutLine` in the tests) without
/// the cost of the generic machinery per value; tests check the two agree.
fn write_verdict(out: &mut Vec<u8>, item: &Item<'_>, v: &Verdict<'_>) -> serde_json::Result<()> {
    out.extend_from_slice(b"{\"id\":");
    write_pass_through(out, &item.id);
    if let Some(account) = &item.account {
        out.extend_from_slice(b",\"account\":");
        write_pass_through(out, account);
    }
    if let Some(platform) = &item.platform {
        out.extend_from_slice(b",\"platform\":");
        write_pass_through(out, platform);
    }
    out.extend_from_slice(b",\"score\":");
    write_score(out, v.score)?;
    out.extend_from_slice(b",\"label\":\"");
    out.extend_from_slice(v.label.as_str().as_bytes());
    out.extend_from_slice(b"\",\"flags\":[");
    for (i, f) in v.flags.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(f.as_str().as_bytes());
        out.push(b'"');
    }
    out.extend_from_slice(b"],\"signals\":[");
    let mut digits = itoa::Buffer::new();
    for (i, s) in v.signals.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"family\":\"");
        out.extend_from_slice(s.family.as_str().as_bytes());
        out.extend_from_slice(b"\",\"rule\":");
        write_str(out, s.rule);
        out.extend_from_slice(b",\"start\":");
        out.extend_from_slice(digits.format(s.start).as_bytes());
        out.extend_from_slice(b",\"end\":");
        out.extend_from_slice(digits.format(s.end).as_bytes());
        out.extend_from_slice(b",\"text\":");
        write_str(out, s.text);
        out.push(b'}');
    }
    out.extend_from_slice(b"]}\n");
    Ok(())
}

/// Appends a passed-through value as serde_json writes it.
fn write_pass_through(out: &mut Vec<u8>, value: &PassThrough<'_>) {
    match value {
        PassThrough::Json(raw) => out.extend_from_slice(raw.as_bytes()),
        PassThrough::Str(s) => write_str(out, s),
        PassThrough::Number(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
    }
}

/// Appends `s` as a JSON string, escaped exactly as serde_json escapes it: `"` and `\` with
/// a backslash, the control characters with their short escapes where JSON has one and
/// `\u00xx` (lower-case hex) otherwise, everything else as it is.
fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    loop {
        let i = input::next_special(bytes, start);
        out.extend_from_slice(&bytes[start..i]);
        let Some(&c) = bytes.get(i) else { break };
        let short = match c {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x0c => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            _ => b'u',
        };
        if short == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(c >> 4)]);
            out.push(HEX[usize::from(c & 0xf)]);
        } else {
            out.extend_from_slice(&[b'\\', short]);
        }
        start = i + 1;
    }
    out.push(b'"');
}

/// Appends the score, [`rounded`], as serde_json writes it. Scores in 0..=1 (all of them,
/// in practice) are written from their four decimals — a test checks every one of the
/// 10,001 against serde_json; anything else is left to serde_json.
fn write_score(out: &mut Vec<u8>, score: f32) -> serde_json::Result<()> {
    let scaled = (f64::from(score) * 10_000.0).round();
    if scaled.is_sign_positive() && scaled <= 10_000.0 {
        // In 0..=10_000 and integral: the cast is exact.
        write_ten_thousandths(out, scaled as u32);
        Ok(())
    } else {
        serde_json::to_writer(&mut *out, &rounded(score))
    }
}

/// Appends `n / 10_000` (for `n` ≤ 10,000) as serde_json writes that `f64`: `0.0`, `1.0`,
/// or `0.` and up to four decimals without trailing zeros.
fn write_ten_thousandths(out: &mut Vec<u8>, n: u32) {
    if n >= 10_000 {
        out.extend_from_slice(b"1.0");
        return;
    }
    if n == 0 {
        out.extend_from_slice(b"0.0");
        return;
    }
    let digits = [n / 1000, n / 100 % 10, n / 10 % 10, n % 10].map(|d| b'0' + d as u8);
    let len = 4 - digits.iter().rev().take_while(|&&d| d == b'0').count();
    out.extend_from_slice(b"0.");
    out.extend_from_slice(&digits[..len]);
}

/// Parses, scores and serialises `n` items in parallel; the batches come back in order.
fn score_chunk<'a, F>(
    pool: &rayon::ThreadPool,
    detector: &Detector,
    n: usize,
    parse: F,
) -> Vec<Batch>
where
    F: Fn(usize) -> (u64, Result<Item<'a>, String>) + Sync,
{
    pool.install(|| {
        (0..n.div_ceil(SUB_BATCH))
            .into_par_iter()
            .map_init(Scratch::default, |scratch, b| {
                let mut batch = Batch {
                    out: Vec::with_capacity(SUB_BATCH * 256),
                    ..Batch::default()
                };
                for i in b * SUB_BATCH..n.min((b + 1) * SUB_BATCH) {
                    let (line, item) = parse(i);
                    let offset = batch.out.len();
                    let result = item.and_then(|item| {
                        let v = detector.score(&item.text, scratch);
                        match write_verdict(&mut batch.out, &item, &v) {
                            Ok(()) => {
                                batch.stats.add(&v);
                                Ok(())
                            }
                            Err(e) => {
                                batch.out.truncate(offset);
                                Err(format!("cannot write the verdict: {e}"))
                            }
                        }
                    });
                    if let Err(reason) = result {
                        if batch.bad.is_empty() {
                            batch.stats_before_bad = batch.stats;
                        }
                        batch.bad.push(Bad {
                            offset,
                            line,
                            reason,
                        });
                    }
                }
                batch
            })
            .collect()
    })
}

/// The state of one `scan` run.
struct Scanner<'d, W: Write> {
    detector: &'d Detector,
    pool: &'d rayon::ThreadPool,
    strict: bool,
    chunk_lines: usize,
    out: W,
    stats: Stats,
    bad_lines: u64,
    /// Bytes of the inputs finished before the current one.
    bytes_done: u64,
    progress: Progress,
}

impl<W: Write> Scanner<'_, W> {
    /// Writes a chunk's batches in order and reports its bad lines; returns true when
    /// `--strict` stops the run.
    fn emit(&mut self, name: &str, batches: Vec<Batch>) -> Result<bool> {
        for batch in batches {
            if self.strict
                && let Some(first) = batch.bad.first()
            {
                self.out
                    .write_all(&batch.out[..first.offset])
                    .context("cannot write to stdout")?;
                self.stats.merge(&batch.stats_before_bad);
                self.report(name, first);
                return Ok(true);
            }
            self.out
                .write_all(&batch.out)
                .context("cannot write to stdout")?;
            self.stats.merge(&batch.stats);
            for bad in &batch.bad {
                self.report(name, bad);
            }
        }
        Ok(false)
    }

    fn report(&mut self, name: &str, bad: &Bad) {
        self.bad_lines += 1;
        self.progress
            .println(&format!("error: {name}:{}: {}", bad.line, bad.reason));
    }

    /// Scans an NDJSON input; returns true when `--strict` stopped the run.
    fn ndjson(&mut self, opened: Opened) -> Result<bool> {
        let name = opened.name;
        let mut reader = LineReader::new(opened.reader);
        let mut lines = Lines::default();
        loop {
            let eof = reader
                .read_chunk(&mut lines, self.chunk_lines, CHUNK_BYTES)
                .with_context(|| format!("cannot read {name}"))?;
            if !lines.is_empty() {
                let batches = score_chunk(self.pool, self.detector, lines.len(), |i| {
                    let (number, bytes) = lines.get(i);
                    (
                        number,
                        bytes.and_then(|b| input::parse_ndjson_item(b, number)),
                    )
                });
                if self.emit(&name, batches)? {
                    return Ok(true);
                }
            }
            self.progress
                .update(self.bytes_done + reader.bytes_read(), self.stats.items);
            if eof {
                self.bytes_done += reader.bytes_read();
                return Ok(false);
            }
        }
    }

    /// Scans a CSV input; returns true when `--strict` stopped the run.
    fn csv(&mut self, opened: Opened, text_column: &str, id_column: Option<&str>) -> Result<bool> {
        let name = opened.name;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(opened.reader);
        let header = reader
            .byte_headers()
            .with_context(|| format!("cannot read the CSV header of {name}"))?
            .clone();
        let columns =
            CsvColumns::find(&header, text_column, id_column).with_context(|| name.clone())?;
        let mut rows: Vec<csv::ByteRecord> = Vec::new();
        let mut numbers: Vec<u64> = Vec::new();
        loop {
            let mut n = 0;
            let mut eof = false;
            while n < self.chunk_lines {
                if n == rows.len() {
                    rows.push(csv::ByteRecord::new());
                    numbers.push(0);
                }
                let more = reader
                    .read_byte_record(&mut rows[n])
                    .with_context(|| format!("cannot read {name}"))?;
                if !more {
                    eof = true;
                    break;
                }
                numbers[n] = rows[n].position().map_or(0, csv::Position::line);
                n += 1;
            }
            if n > 0 {
                let batches = score_chunk(self.pool, self.detector, n, |i| {
                    (numbers[i], columns.item(&rows[i], numbers[i]))
                });
                if self.emit(&name, batches)? {
                    return Ok(true);
                }
            }
            let pos = reader.position().byte();
            self.progress
                .update(self.bytes_done + pos, self.stats.items);
            if eof {
                self.bytes_done += pos;
                return Ok(false);
            }
        }
    }
}

/// A progress bar on stderr, shown only when stderr is a terminal and the run has taken
/// longer than [`PROGRESS_DELAY`]: by bytes when the inputs' sizes are known, else a
/// spinner counting items.
struct Progress {
    bar: Option<ProgressBar>,
    by_bytes: bool,
    start: Instant,
    shown: bool,
}

impl Progress {
    fn new(total_bytes: Option<u64>, quiet: bool) -> Self {
        let by_bytes = total_bytes.is_some();
        let bar = (!quiet && io::stderr().is_terminal()).then(|| {
            let (bar, template) = match total_bytes {
                Some(total) => (
                    ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden()),
                    "{wide_bar} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                ),
                None => (
                    ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()),
                    "{spinner} {human_pos} items, {per_sec}",
                ),
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            by_bytes,
            start: Instant::now(),
            shown: false,
        }
    }

    fn update(&mut self, bytes: u64, items: u64) {
        let Some(bar) = &self.bar else { return };
        bar.set_position(if self.by_bytes { bytes } else { items });
        if !self.shown && self.start.elapsed() >= PROGRESS_DELAY {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
    }

    fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    /// Clears the bar when a fatal error ends the run early, so the message stands alone.
    fn drop(&mut self) {
        self.finish();
    }
}

/// The end-of-run summary (counts only: no content).
fn summary(stats: &Stats, bad_lines: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let per_sec = if secs > 0.0 {
        stats.items as f64 / secs
    } else {
        0.0
    };
    let share = if stats.items > 0 {
        100.0 * stats.flagged as f64 / stats.items as f64
    } else {
        0.0
    };
    let mut s = String::new();
    let _ = writeln!(s, "items        {}", stats.items);
    let _ = writeln!(
        s,
        "flagged      {} solicitation ({share:.1} %)",
        stats.flagged
    );
    for (flag, n) in Flag::ALL.iter().zip(stats.flags) {
        let _ = writeln!(s, "{:<12} {n}", flag.as_str());
    }
    let _ = writeln!(s, "bad lines    {bad_lines}");
    let _ = writeln!(s, "seconds      {secs:.3}");
    let _ = writeln!(s, "items/s      {per_sec:.0}");
    s
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use proptest::prelude::*;

    use saring_detect::Signal;

    use super::*;

    /// One output line, as serde_json writes it: the layout [`write_verdict`] writes by hand.
    #[derive(Serialize)]
    struct OutLine<'a> {
        id: PassThrough<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        account: Option<PassThrough<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        platform: Option<PassThrough<'a>>,
        score: f64,
        label: Label,
        flags: &'a [Flag],
        signals: &'a [Signal<'a>],
    }

    #[test]
    fn format_follows_the_extension() {
        assert_eq!(format_of(Path::new("a/b.CSV")), Format::Csv);
        assert_eq!(format_of(Path::new("a/b.ndjson")), Format::Ndjson);
        assert_eq!(format_of(Path::new("-")), Format::Ndjson);
    }

    /// The hand-written verdict line must be byte for byte what serde_json writes for
    /// [`OutLine`].
    #[test]
    fn verdict_lines_are_serde_json_lines() {
        let detector = Detector::builtin().expect("the shipped model loads");
        let mut scratch = Scratch::default();
        let lines = [
            r#"{"id":"a1","account":"acct-1","platform":"x","text":"0p3n b0 ready \"kak\" ST 500 LT 1,2jt wa 0812 8845 1290 masih sma 16th"}"#,
            r#"{"id":7,"text":"🅾️🅿️🅴🅽 🅱️🅾️ kak\n\ttab \u0001"}"#,
            r#"{"account":null,"platform":{"a":[1,2]},"text":"selamat pagi"}"#,
            r#"{"id":-3.5e2,"text":""}"#,
        ];
        for (n, line) in lines.iter().enumerate() {
            let item = input::parse_ndjson_item(line.as_bytes(), n as u64 + 1).expect("parses");
            let v = detector.score(&item.text, &mut scratch);
            let mut fast = Vec::new();
            write_verdict(&mut fast, &item, &v).expect("writes");
            let mut want = serde_json::to_vec(&OutLine {
                id: item.id,
                account: item.account,
                platform: item.platform,
                score: rounded(v.score),
                label: v.label,
                flags: &v.flags,
                signals: &v.signals,
            })
            .expect("serialises");
            want.push(b'\n');
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&want)
            );
        }
        let item = Item {
            id: PassThrough::Str("id \"q\""),
            text: "x".into(),
            account: Some(PassThrough::Number(3)),
            platform: None,
        };
        let v = Verdict {
            score: 0.5,
            label: Label::Solicitation,
            flags: vec![Flag::MinorRisk, Flag::ThirdParty],
            signals: Vec::new(),
        };
        let mut fast = Vec::new();
        write_verdict(&mut fast, &item, &v).expect("writes");
        let mut want = serde_json::to_vec(&OutLine {
            id: item.id,
            account: item.account,
            platform: item.platform,
            score: rounded(v.score),
            label: v.label,
            flags: &v.flags,
            signals: &v.signals,
        })
        .expect("serialises");
        want.push(b'\n');
        assert_eq!(fast, want);
    }

    /// Every score the fast writer writes is written as serde_json writes it.
    #[test]
    fn every_four_decimal_score_is_written_as_serde_json_writes_it() {
        for n in 0..=10_000u32 {
            let mut fast = Vec::new();
            write_ten_thousandths(&mut fast, n);
            let want = serde_json::to_vec(&(f64::from(n) / 10_000.0)).expect("serialises");
            assert_eq!(fast, want, "{n}");
        }
        for score in [
            0.0f32,
            -0.0,
            1.0,
            0.99995,
            0.00005,
            0.123_456,
            -0.5,
            1.5,
            f32::NAN,
            f32::INFINITY,
        ] {
            let mut fast = Vec::new();
            write_score(&mut fast, score).expect("writes");
            let want = serde_json::to_vec(&rounded(score)).expect("serialises");
            assert_eq!(fast, want, "{score}");
        }
    }

    proptest! {
        #[test]
        fn scores_are_written_as_serde_json_writes_them(score in any::<f32>()) {
            let mut fast = Vec::new();
            write_score(&mut fast, score).expect("writes");
            let want = serde_json::to_vec(&rounded(score)).expect("serialises");
            prop_assert_eq!(fast, want);
        }

        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(
            s in "(\\PC|[\\x00-\\x20\"\\\\\\x7f]|\u{2028})*"
        ) {
            let mut fast = Vec::new();
            write_str(&mut fast, &s);
            prop_assert_eq!(fast, serde_json::to_vec(&s).expect("serialises"));
            let mut fast = Vec::new();
            write_pass_through(&mut fast, &PassThrough::Str(&s));
            prop_assert_eq!(fast, serde_json::to_vec(&s).expect("serialises"));
        }

        #[test]
        fn numbers_are_written_as_serde_json_writes_them(n in any::<u64>()) {
            let mut fast = Vec::new();
            write_pass_through(&mut fast, &PassThrough::Number(n));
            prop_assert_eq!(fast, serde_json::to_vec(&n).expect("serialises"));
        }
    }

    #[test]
    fn scores_are_rounded_to_four_decimals() {
        assert_eq!(rounded(0.123_456), 0.1235);
        assert_eq!(rounded(1.0), 1.0);
    }

    #[test]
    fn summary_has_every_count() {
        let stats = Stats {
            items: 10,
            flagged: 4,
            flags: [1, 2],
        };
        let s = summary(&stats, 3, Duration::from_secs(2));
        for want in [
            "items        10",
            "flagged      4 solicitation (40.0 %)",
            "minor_risk   1",
            "third_party  2",
            "bad lines    3",
            "items/s      5",
        ] {
            assert!(s.contains(want), "{want:?} in {s}");
        }
    }
}
