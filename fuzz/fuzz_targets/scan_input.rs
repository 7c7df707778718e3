//! `saring scan`'s input parsing on arbitrary bytes: the first byte picks NDJSON or CSV, the
//! rest is the file. Readers and parsers never panic; every line gets a number, in order; a
//! good item's passed-through values serialise (as scan writes them).
#![no_main]

use libfuzzer_sys::fuzz_target;

/// The binary's own reader, compiled here as it is (the binary has no library target).
#[allow(dead_code)]
#[path = "../../crates/saring/src/input.rs"]
mod input;

use input::{CsvColumns, LineReader, Lines};

fn ndjson(bytes: &[u8], chunk_lines: usize) {
    let mut reader = LineReader::new(bytes);
    let mut lines = Lines::default();
    let mut last = 0;
    loop {
        let eof = reader
            .read_chunk(&mut lines, chunk_lines, 1 << 16)
            .expect("reading from memory cannot fail");
        for i in 0..lines.len() {
            let (number, line) = lines.get(i);
            assert!(number > last, "line numbers go up: {number} after {last}");
            last = number;
            if let Ok(item) = line.and_then(|b| input::parse_ndjson_item(b, number)) {
                serde_json::to_string(&item.id).expect("an id serialises");
                serde_json::to_string(&item.account).expect("an account serialises");
                serde_json::to_string(&item.platform).expect("a platform serialises");
            }
        }
        if eof {
            break;
        }
    }
    assert!(reader.bytes_read() == bytes.len() as u64, "every byte is read");
}

fn csv_rows(bytes: &[u8]) {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let Ok(header) = reader.byte_headers().cloned() else {
        return;
    };
    let Ok(columns) = CsvColumns::find(&header, "text", None) else {
        return;
    };
    let mut row = csv::ByteRecord::new();
    while let Ok(true) = reader.read_byte_record(&mut row) {
        let number = row.position().map_or(0, csv::Position::line);
        if let Ok(item) = columns.item(&row, number) {
            serde_json::to_string(&item.id).expect("an id serialises");
            assert!(item.text.len() <= bytes.len());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => ndjson(rest, 1 + usize::from(mode / 3) % 4),
        1 => csv_rows(rest),
        _ => {
            ndjson(rest, 8192);
            csv_rows(rest);
        }
    }
});
