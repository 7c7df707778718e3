//! `saring explain`: text, stdin and JSON.

use serde_json::Value;

use crate::util::{Fixture, saring};

#[test]
fn explains_an_argument_for_people() {
    let f = Fixture::new();
    let out = saring()
        .args(["explain", "--model"])
        .arg(&f.model)
        .arg("0p3n b0 kak, wa 0812 1111 2222")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout);
    assert!(stdout.contains("normalised: open bo"), "{stdout}");
    assert!(stdout.contains("score:"), "{stdout}");
}

#[test]
fn explains_stdin_as_json() {
    let f = Fixture::new();
    let out = saring()
        .args(["explain", "--json", "--model"])
        .arg(&f.model)
        .arg("-")
        .write_stdin("open bo kak\n")
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    assert_eq!(v["normalized"], "open bo kak");
    assert!(v["verdict"]["score"].is_number());
    assert!(v["contributions"].is_array());
}

#[test]
fn needs_a_text() {
    saring().arg("explain").assert().code(2);
}
