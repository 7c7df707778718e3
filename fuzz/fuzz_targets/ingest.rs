//! `POST /v1/events` body handling on arbitrary bytes: splitting the body (JSON array or
//! NDJSON) and validating each item never panics; a valid event respects the limits, and a
//! valid event written back as JSON validates to the same event.
#![no_main]

use libfuzzer_sys::fuzz_target;
use saring_core::event::{EventLimits, split_batch, validate_event, validate_platform_id};

fuzz_target!(|data: &[u8]| {
    let limits = EventLimits {
        max_text_bytes: 256,
    };
    let Ok(items) = split_batch(data) else {
        return;
    };
    for item in items.into_iter().flatten() {
        let Ok(ev) = validate_event(&item, &limits) else {
            continue;
        };
        assert!(ev.text.len() <= limits.max_text_bytes);
        assert!(validate_platform_id(&ev.platform).is_ok());
        assert!(!ev.account.is_empty() && !ev.event_id.is_empty());
        let again = serde_json::to_value(&ev).expect("an event serialises");
        let back = validate_event(&again, &limits).expect("a valid event stays valid");
        assert_eq!(back, ev, "a valid event round-trips");
    }
});
