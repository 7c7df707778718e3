//! Shared helpers: running the binary, a tiny training set and a model trained on it.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// The `saring` binary under test.
pub fn saring() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_saring"));
    cmd.env_remove("SARING_POLICY").env_remove("SARING_MODEL");
    cmd
}

/// Texts of solicitation ads, as they are written (and disguised).
pub const POSITIVE: &[&str] = &[
    "open bo kak wa 0812 1111 2222",
    "avail vcs 100rb kak, dm aja",
    "ready bo st 500 lt 1jt include room",
    "0p3n b0 malam ini kalcit, wa 0813 5555 6666",
    "masih ready say yuk yang mau BO silahkan DM #openbojogja",
    "bispak jogja avail st lt, cek bio",
];

/// Ordinary texts, some of them hard negatives.
pub const NEGATIVE: &[&str] = &[
    "ready stock gamis cod wa 0812 3333 4444",
    "disewakan apartemen harian dekat kampus",
    "selamat pagi semua, jangan lupa sarapan",
    "polisi gerebek prostitusi online di hotel",
    "pinjaman dana cepat hub 0857 1234 5678 (WA)",
    "nonton bola bareng nanti malam yuk",
];

/// Writes `lines` (one per line) to `dir/name` and returns the path.
pub fn write_lines(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(&path, text).expect("the temporary directory is writable");
    path
}

/// The tiny training set as labelled JSON Lines.
pub fn training_lines() -> Vec<String> {
    let label = |texts: &[&str], label: &str| -> Vec<String> {
        texts
            .iter()
            .map(|t| serde_json::json!({"text": t, "label": label}).to_string())
            .collect()
    };
    let mut lines = label(POSITIVE, "solicitation");
    lines.extend(label(NEGATIVE, "benign"));
    lines.push(serde_json::json!({"text": "entah apa ini", "label": "unknown"}).to_string());
    lines
}

/// A temporary directory with a tiny model trained in it.
pub struct Fixture {
    /// The directory (removed on drop).
    pub dir: TempDir,
    /// The trained model.
    pub model: PathBuf,
}

impl Fixture {
    /// Trains the tiny model.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data = write_lines(dir.path(), "train.jsonl", &training_lines());
        let model = dir.path().join("tiny.model");
        saring()
            .arg("train")
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(&model)
            .args(["--epochs", "10", "--buckets-log2", "12", "--seed", "1"])
            .assert()
            .success();
        Fixture { dir, model }
    }

    /// `saring scan --model <tiny model>`.
    pub fn scan(&self) -> Command {
        let mut cmd = saring();
        cmd.arg("scan").arg("--model").arg(&self.model);
        cmd
    }

    /// A path inside the fixture's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Parses NDJSON output, one value per line.
pub fn parse_output(stdout: &[u8]) -> Vec<serde_json::Value> {
    std::str::from_utf8(stdout)
        .expect("output is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("every output line is JSON"))
        .collect()
}

/// The `id` of every output line.
pub fn ids(out: &[serde_json::Value]) -> Vec<serde_json::Value> {
    out.iter().map(|v| v["id"].clone()).collect()
}
