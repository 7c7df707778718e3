//! `saring scan` on CSV: choosing columns, rows with the wrong number of fields.

use serde_json::json;

use crate::util::{Fixture, ids, parse_output};

#[test]
fn csv_text_column_is_chosen_by_flag() {
    let f = Fixture::new();
    let path = f.path("posts.csv");
    let csv = "id,caption,account\n\
               p1,\"open bo kak, wa 0812 1111 2222\",acct-1\n\
               p2,\"selamat pagi\nsemua\",acct-2\n\
               p3,too,many,fields\n\
               ,ready stock gamis,\n";
    std::fs::write(&path, csv).expect("writable");
    let out = f
        .scan()
        .args(["--text-column", "caption"])
        .arg(&path)
        .assert()
        .code(1);
    let output = out.get_output();
    let scored = parse_output(&output.stdout);
    // The quoted line break makes p3 start on line 5; the last row has no id.
    assert_eq!(ids(&scored), [json!("p1"), json!("p2"), json!(6)]);
    assert_eq!(scored[0]["account"], json!("acct-1"));
    let spans = scored[0]["signals"].as_array().expect("signals");
    let text = "open bo kak, wa 0812 1111 2222";
    for s in spans {
        let (a, b) = (
            s["start"].as_u64().expect("start"),
            s["end"].as_u64().expect("end"),
        );
        assert_eq!(text.get(a as usize..b as usize), s["text"].as_str());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let want = format!("error: {}:5: expected 3 fields, found 4", path.display());
    assert!(stderr.contains(&want), "{stderr}");
}

#[test]
fn csv_format_can_be_forced_on_stdin() {
    let f = Fixture::new();
    let out = f
        .scan()
        .args(["--format", "csv", "-"])
        .write_stdin("text\nopen bo\nselamat pagi\n")
        .assert()
        .success();
    let scored = parse_output(&out.get_output().stdout);
    assert_eq!(ids(&scored), [json!(2), json!(3)]);
}

#[test]
fn a_missing_text_column_is_fatal_and_lists_the_header() {
    let f = Fixture::new();
    let path = f.path("posts.csv");
    std::fs::write(&path, "id,caption\n1,open bo\n").expect("writable");
    let out = f.scan().arg(&path).assert().code(2);
    let output = out.get_output();
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no column `text`"), "{stderr}");
    assert!(stderr.contains("id, caption"), "{stderr}");

    let out = f
        .scan()
        .args(["--text-column", "caption", "--id-column", "post_id"])
        .arg(&path)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(stderr.contains("no column `post_id`"), "{stderr}");
}
