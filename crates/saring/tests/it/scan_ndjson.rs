//! `saring scan` on NDJSON: bad lines, `--strict`, order, spans, stdin, pass-through.

use serde_json::{Value, json};

use crate::util::{Fixture, ids, parse_output, write_lines};

fn item(id: &str, text: &str) -> String {
    json!({"id": id, "text": text}).to_string()
}

#[test]
fn bad_lines_are_reported_with_their_number_and_the_rest_is_scored() {
    let f = Fixture::new();
    let path = f.path("in.ndjson");
    let mut input = Vec::new();
    input.extend_from_slice(item("a", "open bo kak wa 0812 1111 2222").as_bytes());
    input.extend_from_slice(b"\n{\"id\": \"broken\", \"text\": \"open\n"); // line 2
    input.extend_from_slice(b"{\"id\": \"no-text\"}\n"); // line 3
    input.extend_from_slice(b"{\"id\": \"number\", \"text\": 5}\n"); // line 4
    input.extend_from_slice(b"{\"id\": \"latin1\", \"text\": \"caf\xe9\"}\n"); // line 5
    input.extend_from_slice(b"{\"id\": \"kind\", \"text\": \"hi\", \"kind\": \"story\"}\n"); // 6
    input.extend_from_slice(b"\n"); // line 7: blank, skipped
    input.extend_from_slice(item("b", "selamat pagi semua").as_bytes()); // line 8
    input.push(b'\n');
    std::fs::write(&path, &input).expect("writable");

    let out = f.scan().arg(&path).assert().code(1);
    let output = out.get_output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let name = path.display().to_string();
    for (line, why) in [
        (2, "invalid JSON"),
        (3, "missing field `text`"),
        (4, "`text` to be a string"),
        (5, "invalid UTF-8"),
        (6, "`kind` must be one of"),
    ] {
        let want = format!("error: {name}:{line}: ");
        let found = stderr.lines().find(|l| l.starts_with(&want));
        assert!(
            found.is_some_and(|l| l.contains(why)),
            "line {line} ({why}) in:\n{stderr}"
        );
    }
    assert!(stderr.contains("bad lines    5"), "{stderr}");
    let scored = parse_output(&output.stdout);
    assert_eq!(ids(&scored), [json!("a"), json!("b")]);
}

#[test]
fn strict_stops_at_the_first_bad_line_after_writing_the_items_before_it() {
    let f = Fixture::new();
    let lines = vec![
        item("a", "open bo"),
        item("b", "selamat pagi"),
        "{\"id\": \"c\"}".to_owned(),
        item("d", "nonton bola"),
        "not json".to_owned(),
    ];
    let path = write_lines(f.dir.path(), "in.ndjson", &lines);
    let out = f.scan().arg("--strict").arg(&path).assert().code(1);
    let output = out.get_output();
    assert_eq!(ids(&parse_output(&output.stdout)), [json!("a"), json!("b")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(":3: missing field `text`"), "{stderr}");
    assert!(!stderr.contains(":5:"), "stops at the first: {stderr}");
}

#[test]
fn output_keeps_input_order_across_threads_and_chunks() {
    let f = Fixture::new();
    let texts = [
        "open bo kak wa 0812 1111 2222",
        "selamat pagi semua",
        "🅾️🅿️🅴🅽 🅱️🅾️ ready kalcit, ST 500 LT 1,2jt",
        "ready stock gamis",
    ];
    // More lines than one chunk (8,192), with every kind of id.
    let n = 9_000;
    let lines: Vec<String> = (0..n)
        .map(|i| {
            let text = texts[i % texts.len()];
            match i % 3 {
                0 => json!({"id": i, "text": text}).to_string(),
                1 => json!({"id": format!("s{i}"), "text": text}).to_string(),
                _ => json!({"text": text}).to_string(),
            }
        })
        .collect();
    let path = write_lines(f.dir.path(), "many.ndjson", &lines);
    let out = f
        .scan()
        .args(["--threads", "4", "--quiet"])
        .arg(&path)
        .assert()
        .success();
    let scored = parse_output(&out.get_output().stdout);
    assert_eq!(scored.len(), n);
    for (i, v) in scored.iter().enumerate() {
        let want = match i % 3 {
            0 => json!(i),
            1 => json!(format!("s{i}")),
            _ => json!(i + 1), // the line number
        };
        assert_eq!(v["id"], want, "line {}", i + 1);
    }
    assert!(out.get_output().stderr.is_empty(), "--quiet prints nothing");
}

#[test]
fn signal_spans_are_slices_of_the_input_text() {
    let f = Fixture::new();
    let texts = [
        "🅾️🅿️🅴🅽 🅱️🅾️ ready kalcit, ST 500 LT 1,2jt, wa 0812 8845 1290",
        "0p3n b0 malam ini, w.a 0813-5555-6666",
        "ＯＰＥＮ ＢＯ kak, avail vcs 100rb",
        "o\u{200b}p\u{200b}e\u{200b}n bo masih pelajar, dm aja",
        "ορen βο ready \"st\" 300rb\ncek bio",
    ];
    let lines: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"id": i, "text": t}).to_string())
        .collect();
    let path = write_lines(f.dir.path(), "spans.ndjson", &lines);
    let out = f.scan().arg(&path).assert().success();
    let scored = parse_output(&out.get_output().stdout);
    assert_eq!(scored.len(), texts.len());
    let mut signals = 0;
    for (v, text) in scored.iter().zip(texts) {
        for s in v["signals"].as_array().expect("signals is a list") {
            let start = s["start"].as_u64().expect("start") as usize;
            let end = s["end"].as_u64().expect("end") as usize;
            let slice = text
                .get(start..end)
                .expect("the span lies on character boundaries");
            assert_eq!(Some(slice), s["text"].as_str(), "{s} in {text:?}");
            signals += 1;
        }
        for key in ["score", "label", "flags", "signals"] {
            assert!(v.get(key).is_some(), "{key} in {v}");
        }
    }
    assert!(signals >= texts.len(), "every text has signals ({signals})");
}

#[test]
fn stdin_is_read_with_a_dash_or_without_files() {
    let f = Fixture::new();
    let input = format!(
        "{}\n{}\n",
        json!({"text": "open bo kak", "account": "acct-1", "platform": "michat", "kind": "nearby", "ts": 17}),
        json!({"id": 42, "text": "selamat pagi", "extra": {"x": 1}})
    );
    for args in [&["-"][..], &[][..]] {
        let out = f
            .scan()
            .args(args)
            .write_stdin(input.clone())
            .assert()
            .success();
        let scored = parse_output(&out.get_output().stdout);
        assert_eq!(ids(&scored), [json!(1), json!(42)]);
        assert_eq!(scored[0]["account"], json!("acct-1"));
        assert_eq!(scored[0]["platform"], json!("michat"));
        assert!(scored[1].get("account").is_none());
        let label = scored[0]["label"].as_str().expect("a label");
        assert!(label == "solicitation" || label == "benign");
        let score = scored[0]["score"].as_f64().expect("a score");
        assert!((0.0..=1.0).contains(&score));
        let stderr = String::from_utf8_lossy(&out.get_output().stderr);
        assert!(stderr.contains("items        2"), "{stderr}");
    }
}

#[test]
fn fatal_errors_exit_with_2() {
    let f = Fixture::new();
    let missing = f.path("nope.ndjson");
    let out = f.scan().arg(&missing).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(stderr.starts_with("error: cannot open"), "{stderr}");

    let bad_model = write_lines(f.dir.path(), "bad.model", &["garbage".to_owned()]);
    let out = crate::util::saring()
        .args(["scan", "--model"])
        .arg(&bad_model)
        .write_stdin("")
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(stderr.contains("model is not valid"), "{stderr}");

    crate::util::saring()
        .args(["scan", "--format", "xml"])
        .assert()
        .code(2);
}

#[test]
fn ids_that_are_neither_strings_nor_numbers_are_bad_lines() {
    let f = Fixture::new();
    let lines = vec![
        json!({"id": [1], "text": "a"}).to_string(),
        json!({"id": null, "text": "b"}).to_string(),
    ];
    let path = write_lines(f.dir.path(), "ids.ndjson", &lines);
    let out = f.scan().arg(&path).assert().code(1);
    let scored: Vec<Value> = parse_output(&out.get_output().stdout);
    assert_eq!(ids(&scored), [json!(2)], "a null id is no id");
}
