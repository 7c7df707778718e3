//! `saring link`: networks from shared phones (in several spellings), templates and photos,
//! with evidence; bad lines; flags. All names and numbers are invented.

use serde_json::{Value, json};

use crate::util::{parse_output, saring, write_lines};

fn ad(id: &str, account: &str, text: &str) -> String {
    json!({"id": id, "account": account, "platform": "michat", "text": text}).to_string()
}

const TEMPLATE: &str = "Ready open BO kak, {name} {age}th, ST {st} LT {lt}, apartemen Kalibata \
                        City tower B lantai 12, no DP no tipu, chat aja ya 💋";

fn fill(name: &str, age: u32, st: &str, lt: &str) -> String {
    TEMPLATE
        .replace("{name}", name)
        .replace("{age}", &age.to_string())
        .replace("{st}", st)
        .replace("{lt}", lt)
}

/// The networks written to stdout, by their sorted members.
fn members(out: &[Value]) -> Vec<Vec<String>> {
    out.iter()
        .map(|n| {
            n["members"]
                .as_array()
                .expect("members is a list")
                .iter()
                .map(|m| m.as_str().expect("a member is a string").to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn phones_templates_and_evidence() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let lines = vec![
        ad("p1", "dinda01", "open bo wa 0812 3456 7890"),
        ad("p2", "dinda02", "avail kak, nol delapan satu dua 3456 7890"),
        ad("p3", "rara01", &fill("Rara", 21, "300rb", "1jt")),
        ad("p4", "sinta01", &fill("Sinta", 23, "350rb", "1,2jt")),
        ad(
            "p5",
            "budi",
            "Dijual motor bekas mulus, surat lengkap, harga nego, hubungi pemilik langsung",
        ),
        ad("p6", "dinda03", "DANA ０８１２３４５６７８９０ ya kak"),
    ];
    let path = write_lines(dir.path(), "posts.ndjson", &lines);
    let out = saring().arg("link").arg(&path).assert().success();
    let output = out.get_output();
    let nets = parse_output(&output.stdout);
    assert_eq!(
        members(&nets),
        [
            vec!["michat/dinda01", "michat/dinda02", "michat/dinda03"],
            vec!["michat/rara01", "michat/sinta01"],
        ]
    );
    let phone_links = nets[0]["links"].as_array().expect("links is a list");
    assert!(phone_links.iter().any(|l| l["by"] == "identifier"
        && l["kind"] == "phone"
        && l["value"] == "+6281234567890"
        && l["items"] == json!(["p1", "p2"])));
    assert_eq!(nets[0]["items"], 3);
    let template = &nets[1]["links"][0];
    assert_eq!(template["by"], "template");
    assert_eq!(template["items"], json!(["p3", "p4"]));
    assert!(template["similarity"].as_f64().expect("a number") >= 0.8);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("networks     2"), "{stderr}");
    assert!(stderr.contains("items        6"), "{stderr}");
}

#[test]
fn flags_turn_link_kinds_off_and_set_the_threshold() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let lines = vec![
        ad("p1", "a", "open bo wa 0812 3456 7890"),
        ad("p2", "b", "ready wa 0812-3456-7890"),
        ad("p3", "c", &fill("Rara", 21, "300rb", "1jt")),
        ad("p4", "d", &fill("Sinta", 23, "350rb", "1,2jt")),
    ];
    let path = write_lines(dir.path(), "posts.ndjson", &lines);
    let run = |args: &[&str]| {
        let out = saring()
            .arg("link")
            .args(args)
            .arg(&path)
            .arg("--quiet")
            .assert()
            .success();
        members(&parse_output(&out.get_output().stdout))
    };
    assert_eq!(run(&["--no-templates"]), [vec!["michat/a", "michat/b"]]);
    assert_eq!(run(&["--no-identifiers"]), [vec!["michat/c", "michat/d"]]);
    assert!(run(&["--no-identifiers", "--threshold", "1.0"]).is_empty());
    saring()
        .args(["link", "--bands", "7"])
        .arg(&path)
        .assert()
        .code(2);
}

#[test]
fn bad_lines_are_reported_and_the_rest_is_linked() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let lines = vec![
        ad("p1", "a", "wa 0812 3456 7890"),
        "{\"id\": \"broken\"".to_owned(),
        ad("p3", "b", "wa 081234567890"),
    ];
    let path = write_lines(dir.path(), "posts.ndjson", &lines);
    let out = saring().arg("link").arg(&path).assert().code(1);
    let output = out.get_output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("error: {}:2: invalid JSON", path.display())),
        "{stderr}"
    );
    assert_eq!(
        members(&parse_output(&output.stdout)),
        [vec!["michat/a", "michat/b"]]
    );
}

/// A 64×64 test picture: a diagonal gradient with a block, `shift` brightening it a little.
fn picture(shift: u8, block: bool) -> image::RgbImage {
    image::RgbImage::from_fn(64, 64, |x, y| {
        let v = u8::try_from((x * 2 + y) % 256).expect("below 256") / 2 + shift;
        if block && (10..30).contains(&x) && (20..50).contains(&y) {
            image::Rgb([250, 250, 250])
        } else {
            image::Rgb([v, v / 2, 255 - v])
        }
    })
}

#[test]
fn photos_from_an_images_directory_and_from_events() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let images = dir.path().join("images");
    std::fs::create_dir(&images).expect("writable");
    picture(0, true)
        .save(images.join("p1.png"))
        .expect("writes a png");
    picture(3, true)
        .save(images.join("p2.png"))
        .expect("writes a png");
    // Named after an account rather than an item.
    picture(1, true)
        .save(images.join("carol.png"))
        .expect("writes a png");
    std::fs::write(images.join("notes.txt"), "not an image").expect("writable");
    let lines = vec![
        ad("p1", "alice", "halo semua"),
        ad("p2", "bob", "selamat malam"),
        ad("p3", "carol", "apa kabar"),
        json!({"id": "p4", "account": "dave", "text": "hai", "photo_hash": "0123456789abcdef"})
            .to_string(),
        json!({"id": "p5", "account": "erin", "text": "yo", "photo_hashes": ["0123456789abcdee"]})
            .to_string(),
    ];
    let path = write_lines(dir.path(), "posts.ndjson", &lines);
    let out = saring()
        .arg("link")
        .arg(&path)
        .arg("--images")
        .arg(&images)
        .assert()
        .success();
    let output = out.get_output();
    let nets = parse_output(&output.stdout);
    assert_eq!(
        members(&nets),
        [
            vec!["dave", "erin"],
            vec!["michat/alice", "michat/bob", "michat/carol"],
        ]
    );
    let photo = nets[1]["links"]
        .as_array()
        .expect("links is a list")
        .iter()
        .find(|l| l["items"] == json!(["p1", "p2"]))
        .expect("the item photos are linked");
    assert_eq!(photo["by"], "photo");
    assert!(
        nets[1]["links"]
            .as_array()
            .expect("links is a list")
            .iter()
            .any(|l| l["items"][1] == "image:carol")
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("images       3 hashed"), "{stderr}");
}
