//! `saring train`: determinism, exclusion of test texts, bad lines.

use serde_json::json;

use crate::util::{saring, training_lines, write_lines};

#[test]
fn same_data_and_seed_give_the_same_model_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = write_lines(dir.path(), "train.jsonl", &training_lines());
    let train = |out: &str, seed: &str| {
        saring()
            .arg("train")
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(dir.path().join(out))
            .args([
                "--epochs",
                "4",
                "--buckets-log2",
                "10",
                "--augment-rate",
                "0.5",
            ])
            .args(["--seed", seed])
            .assert()
            .success();
        std::fs::read(dir.path().join(out)).expect("the model was written")
    };
    let a = train("a.model", "7");
    let b = train("b.model", "7");
    let c = train("c.model", "8");
    assert!(a.starts_with(b"SARINGM1"));
    assert_eq!(a, b, "same data and seed, same bytes");
    assert_ne!(a, c, "another seed, another model");
}

#[test]
fn the_report_counts_rows_and_epochs() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = write_lines(dir.path(), "train.jsonl", &training_lines());
    let out = saring()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(dir.path().join("m.model"))
        .args(["--epochs", "3", "--buckets-log2", "10"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout);
    assert!(
        stdout.contains("13 rows (6 solicitation, 6 benign, 1 skipped)"),
        "{stdout}"
    );
    assert!(stdout.contains("epoch   3: loss"), "{stdout}");
    assert!(stdout.contains("train accuracy:"), "{stdout}");
}

#[test]
fn excluded_texts_and_their_near_duplicates_are_not_trained_on() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut lines = training_lines();
    // A repost with other numbers is a near-duplicate of the first positive.
    lines.push(
        json!({"text": "open bo kak wa 0812 9999 0000", "label": "solicitation"}).to_string(),
    );
    let data = write_lines(dir.path(), "train.jsonl", &lines);
    let test = write_lines(
        dir.path(),
        "test.jsonl",
        &[json!({"text": "OPEN BO kak wa 0811 2222 3333", "label": "solicitation"}).to_string()],
    );
    let out = saring()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .arg("--exclude")
        .arg(&test)
        .arg("--out")
        .arg(dir.path().join("m.model"))
        .args(["--epochs", "2", "--buckets-log2", "10"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout);
    assert!(stdout.contains("2 excluded"), "{stdout}");
    assert!(stdout.contains("excluded: 2 near-duplicates ("), "{stdout}");
}

#[test]
fn texts_similar_to_held_out_ones_are_not_trained_on() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ad = "open bo kak malam ini di kalibata city tower jasmine, wa 0811 2222 3333, \
              st 500 lt 1jt, include room, no dp, real pict";
    let mut lines = training_lines();
    // The same ad with a word changed and another number: not equal without digits.
    lines.push(
        json!({"text": ad.replace("malam ini", "nanti malam").replace("0811 2222 3333", "0812 9999 0000"),
               "label": "solicitation"})
        .to_string(),
    );
    let data = write_lines(dir.path(), "train.jsonl", &lines);
    let test = write_lines(
        dir.path(),
        "test.jsonl",
        &[json!({"text": ad, "label": "solicitation"}).to_string()],
    );
    let run = |similar: &str| {
        let out = saring()
            .arg("train")
            .arg("--data")
            .arg(&data)
            .arg("--exclude")
            .arg(&test)
            .arg("--out")
            .arg(dir.path().join("m.model"))
            .args([
                "--epochs",
                "2",
                "--buckets-log2",
                "10",
                "--exclude-similar",
                similar,
            ])
            .assert()
            .success();
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    };
    let on = run("0.7");
    assert!(on.contains("1 similar to held-out texts excluded"), "{on}");
    let off = run("1.1");
    assert!(!off.contains("similar to held-out"), "{off}");
    assert!(off.contains("0 near-duplicates dropped, 13 kept"), "{off}");
}

#[test]
fn duplicates_are_kept_once() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut lines = training_lines();
    lines.extend(training_lines());
    let data = write_lines(dir.path(), "train.jsonl", &lines);
    let out = saring()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(dir.path().join("m.model"))
        .args(["--epochs", "2", "--buckets-log2", "10"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout);
    assert!(
        stdout.contains("12 near-duplicates dropped, 12 kept"),
        "{stdout}"
    );
}

#[test]
fn a_bad_training_line_is_fatal_and_named() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut lines = training_lines();
    lines.insert(2, json!({"text": "no label here"}).to_string());
    let data = write_lines(dir.path(), "train.jsonl", &lines);
    let model = dir.path().join("m.model");
    let out = saring()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&model)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    let want = format!("error: {}:3: missing field `label`", data.display());
    assert!(stderr.contains(&want), "{stderr}");
    assert!(!model.exists());
}

#[test]
fn one_class_only_cannot_train() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let lines = vec![json!({"text": "open bo", "label": "solicitation"}).to_string()];
    let data = write_lines(dir.path(), "train.jsonl", &lines);
    let out = saring()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(dir.path().join("m.model"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(stderr.contains("both classes"), "{stderr}");
}

#[test]
fn weak_positives_need_a_signal_outside_their_hashtags() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = write_lines(dir.path(), "train.jsonl", &training_lines());
    let weak = write_lines(
        dir.path(),
        "weak.jsonl",
        &[
            // Sex-related evidence in the text itself: kept.
            json!({"text": "avail bo kak, st 500 #jogja", "label": "solicitation"}).to_string(),
            // Only the hashtag speaks of sex: a shop ad collected by hashtag, dropped.
            json!({"text": "Jual madu asli, WA 0812 0000 1111 #openbojogja", "label": "solicitation"})
                .to_string(),
            json!({"text": "cuaca cerah hari ini", "label": "benign"}).to_string(),
            // A massage ad whose only sex-related signal is availability: dropped.
            json!({"text": "Avail massage panggilan, terapis ramah, WA 0812 0000 2222 #bojogja", "label": "solicitation"})
                .to_string(),
            // A massage ad that names a sex act: kept.
            json!({"text": "open pijat sm hj, wa 0812 0000 3333", "label": "solicitation"})
                .to_string(),
        ],
    );
    let out = saring()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .arg("--weak")
        .arg(&weak)
        .arg("--out")
        .arg(dir.path().join("m.model"))
        .args(["--epochs", "2", "--buckets-log2", "10"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout);
    assert!(
        stdout.contains("1 weak positives without sex-related signals dropped"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 weak positives that are massage ads without an explicit offer dropped"),
        "{stdout}"
    );
    assert!(stdout.contains("3 kept"), "{stdout}");
}
