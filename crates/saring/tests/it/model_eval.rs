//! `saring eval` for model work: label corrections, split parts, the keyword baseline,
//! flag recall, the threshold table and calibration error, and the SVG plots.

use serde_json::{Value, json};

use crate::util::{Fixture, NEGATIVE, POSITIVE, saring, write_lines};

/// Labelled rows with ids; `n1` is an ad labelled benign (to be corrected), `p*` rows
/// alternate between the dev and test parts of a split.
fn data(f: &Fixture) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let mut lines = Vec::new();
    let mut split = vec!["# source\tid\tpart\tgroup".to_owned()];
    for (i, t) in POSITIVE.iter().enumerate() {
        let id = format!("p{i}");
        let tags = if i == 0 {
            json!(["minor_risk"])
        } else {
            json!([])
        };
        lines.push(json!({"id": id, "text": t, "label": "solicitation", "tags": tags}).to_string());
        let part = if i % 2 == 0 { "test" } else { "dev" };
        split.push(format!("d.jsonl\t{id}\t{part}\t{id}"));
    }
    for (i, t) in NEGATIVE.iter().enumerate() {
        lines.push(json!({"id": format!("n{i}"), "text": t, "label": "benign"}).to_string());
    }
    lines.push(
        json!({"id": "n-wrong", "text": "open bo kak wa 0812 1111 2222 malam ini", "label": "benign"})
            .to_string(),
    );
    let d = write_lines(f.dir.path(), "d.jsonl", &lines);
    let s = write_lines(f.dir.path(), "split.tsv", &split);
    let c = write_lines(
        f.dir.path(),
        "corrections.jsonl",
        &[
            json!({"id": "n-wrong", "label": "solicitation", "was": "benign", "reason": "an ad"})
                .to_string(),
        ],
    );
    (d, s, c)
}

fn eval_json(f: &Fixture, args: &[&std::ffi::OsStr]) -> Value {
    let out = saring()
        .arg("eval")
        .arg("--model")
        .arg(&f.model)
        .args(["--json", "--variant", "clean"])
        .args(args)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("JSON")
}

#[test]
fn corrections_and_split_parts_change_what_is_scored() {
    let f = Fixture::new();
    let (d, s, c) = data(&f);
    let plain = eval_json(&f, &[d.as_os_str()]);
    assert_eq!(plain["rows"][0]["n"], json!(13));
    assert_eq!(plain["rows"][0]["positives"], json!(6));

    let corrected = eval_json(
        &f,
        &[d.as_os_str(), "--corrections".as_ref(), c.as_os_str()],
    );
    assert_eq!(corrected["files"][0]["corrected"], json!(1));
    assert_eq!(corrected["rows"][0]["positives"], json!(7));

    // Test part: the 3 positives listed as test, plus the 7 rows the split does not list.
    let test = eval_json(
        &f,
        &[
            d.as_os_str(),
            "--split".as_ref(),
            s.as_os_str(),
            "--part".as_ref(),
            "test".as_ref(),
        ],
    );
    assert_eq!(test["files"][0]["other_parts"], json!(3));
    assert_eq!(test["rows"][0]["n"], json!(10));
    assert_eq!(test["rows"][0]["positives"], json!(3));
}

#[test]
fn bad_correction_files_are_refused_with_their_line() {
    let f = Fixture::new();
    let (d, _, _) = data(&f);
    let bad = write_lines(
        f.dir.path(),
        "bad.jsonl",
        &[json!({"id": "x", "label": "maybe", "reason": "?"}).to_string()],
    );
    let out = saring()
        .arg("eval")
        .arg(&d)
        .arg("--model")
        .arg(&f.model)
        .arg("--corrections")
        .arg(&bad)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(err.contains("bad.jsonl") && err.contains("line 1"), "{err}");
}

#[test]
fn baseline_flags_thresholds_and_calibration_are_reported() {
    let f = Fixture::new();
    let (d, _, _) = data(&f);
    let r = eval_json(
        &f,
        &[
            d.as_os_str(),
            "--baseline".as_ref(),
            "keyword".as_ref(),
            "--tags".as_ref(),
        ],
    );
    let rows = r["rows"].as_array().expect("rows");
    let kw = rows
        .iter()
        .find(|r| r["variant"] == json!("keyword/clean") && r["kind"] == json!("file"))
        .expect("a keyword row");
    // "open bo" and "bispak" are on the list; the disguised "0p3n b0" is not.
    assert!(kw["tp"].as_u64().expect("tp") >= 2, "{kw}");
    assert!(kw["fn"].as_u64().expect("fn") >= 1, "{kw}");
    let flags = r["flags"].as_array().expect("flags");
    assert_eq!(flags[0]["flag"], json!("minor_risk"));
    assert_eq!(flags[0]["rows"], json!(1));
    let curve = &r["curves"][0];
    assert_eq!(curve["n"], json!(13));
    let ece = curve["ece"].as_f64().expect("ece");
    assert!((0.0..=1.0).contains(&ece), "{ece}");
    let ts = curve["thresholds"].as_array().expect("thresholds");
    assert_eq!(
        ts.iter().filter(|t| t["in_use"] == json!(true)).count(),
        1,
        "{ts:?}"
    );
    assert_eq!(
        ts.iter().filter(|t| t["best"] == json!(true)).count(),
        1,
        "{ts:?}"
    );
    // Recall never rises with the threshold.
    let recalls: Vec<f64> = ts.iter().filter_map(|t| t["recall"].as_f64()).collect();
    assert!(recalls.windows(2).all(|w| w[0] >= w[1]), "{recalls:?}");
    assert_eq!(curve["bins"].as_array().map(Vec::len), Some(10));
}

#[test]
fn plots_are_written_as_svg() {
    let f = Fixture::new();
    let (d, _, _) = data(&f);
    let plots = f.path("plots");
    let out = saring()
        .arg("eval")
        .arg(&d)
        .arg("--model")
        .arg(&f.model)
        .arg("--plots")
        .arg(&plots)
        .args(["--baseline", "keyword"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout);
    assert!(stdout.contains("expected calibration error"), "{stdout}");
    assert!(stdout.contains("predicted solicitation"), "{stdout}");
    for name in ["pr.svg", "reliability.svg"] {
        let svg = std::fs::read_to_string(plots.join(name)).expect("the plot was written");
        assert!(svg.starts_with("<svg"), "{name}");
        assert!(
            svg.contains("<polyline") || svg.contains("<path"),
            "{name} has a curve"
        );
    }
}
