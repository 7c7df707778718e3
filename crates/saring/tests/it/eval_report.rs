//! `saring eval`: variants, per-file and per-tag rows, JSON output.

use serde_json::{Value, json};

use crate::util::{Fixture, NEGATIVE, POSITIVE, saring, write_lines};

fn labelled(f: &Fixture) -> std::path::PathBuf {
    let mut lines = Vec::new();
    for t in POSITIVE {
        lines.push(json!({"text": t, "label": "solicitation", "tags": ["ad"]}).to_string());
    }
    for t in NEGATIVE {
        lines.push(json!({"text": t, "label": "benign", "tags": "other"}).to_string());
    }
    lines.push(json!({"text": "hmm", "label": "unknown"}).to_string());
    write_lines(f.dir.path(), "dev.jsonl", &lines)
}

#[test]
fn json_report_has_a_row_per_variant_and_tag() {
    let f = Fixture::new();
    let dev = labelled(&f);
    let out = saring()
        .arg("eval")
        .arg(&dev)
        .arg("--model")
        .arg(&f.model)
        .args(["--tags", "--json", "--seed", "3"])
        .assert()
        .success();
    let report: Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    assert_eq!(report["files"][0]["skipped"], json!(1));
    let rows = report["rows"].as_array().expect("rows");
    let slices: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["variant"].as_str().unwrap_or("").to_owned(),
                r["slice"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    for variant in ["clean", "no-hashtags", "obfuscated"] {
        for slice in [
            dev.display().to_string(),
            "ad".to_owned(),
            "other".to_owned(),
        ] {
            assert!(
                slices.contains(&(variant.to_owned(), slice.clone())),
                "{variant} {slice}: {slices:?}"
            );
        }
    }
    for r in rows {
        let n = ["tp", "fp", "tn", "fn"]
            .iter()
            .map(|k| r[k].as_u64().expect("a count"))
            .sum::<u64>();
        assert_eq!(Some(n), r["n"].as_u64());
    }
    let file_row = &rows[0];
    assert_eq!(file_row["n"], json!(12));
    assert_eq!(file_row["positives"], json!(6));
}

#[test]
fn the_table_is_repeatable() {
    let f = Fixture::new();
    let dev = labelled(&f);
    let run = || {
        let out = saring()
            .arg("eval")
            .arg(&dev)
            .arg("--model")
            .arg(&f.model)
            .args(["--variant", "obfuscated", "--threshold", "0.4"])
            .assert()
            .success();
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    };
    let a = run();
    assert_eq!(a, run());
    assert!(a.starts_with("threshold 0.4"), "{a}");
    assert!(a.contains("precision"), "{a}");
    assert!(a.lines().any(|l| l.starts_with("obfuscated")), "{a}");
}
