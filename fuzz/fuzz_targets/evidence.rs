//! The evidence-bundle verifier on arbitrary text: no panic, whatever the file. Inputs that
//! start with `!` instead build a bundle from the rest (item texts), seal it, check that it
//! verifies, then change one byte and verify again (no panic; a changed hash is caught).
#![no_main]

use libfuzzer_sys::fuzz_target;
use saring_core::audit::sha256_hex;
use saring_core::evidence::{Contents, Item, seal, verify};
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    if let Some(rest) = data.strip_prefix(b"!") {
        sealed(rest);
        return;
    }
    if let Ok(text) = std::str::from_utf8(data) {
        match verify(text) {
            Ok(v) => assert!(v.purged <= v.items),
            Err(problems) => assert!(!problems.is_empty(), "a refusal names a problem"),
        }
    }
});

fn sealed(rest: &[u8]) {
    let text = String::from_utf8_lossy(rest);
    let items: Vec<Item> = text
        .split('\u{1e}')
        .enumerate()
        .map(|(i, t)| Item {
            event_id: format!("e{i}"),
            account: "acct-x".into(),
            kind: "post".into(),
            ts: i as i64,
            received_at: i as i64 + 1,
            text: (i % 3 != 2).then(|| t.to_owned()),
            sha256: sha256_hex(t.as_bytes()),
            score: 0.5,
            signals: json!([]),
        })
        .collect();
    let contents = Contents {
        case_id: 7,
        case: json!({"id": 7, "note": text.chars().take(16).collect::<String>()}),
        items,
        decisions: json!([]),
        appeals: json!([]),
        orders: json!([]),
        audit: Vec::new(),
    };
    let (bundle, manifest_sha256) = seal(&contents, 1_000, "fuzz");
    let v = verify(&bundle).expect("a freshly sealed bundle verifies");
    assert_eq!(v.manifest_sha256, manifest_sha256);
    assert_eq!(v.items, contents.items.len());
    let mut bytes = bundle.into_bytes();
    let at = rest.len() * 7919 % bytes.len();
    bytes[at] ^= 0x01;
    if let Ok(changed) = std::str::from_utf8(&bytes) {
        let _ = verify(changed);
    }
}
