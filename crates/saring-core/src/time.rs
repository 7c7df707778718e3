//! Time as the domain sees it: milliseconds since the Unix epoch (UTC), formatted as RFC 3339
//! at the edges.

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// One hour in milliseconds.
pub const HOUR_MS: Millis = 3_600_000;
/// One day in milliseconds.
pub const DAY_MS: Millis = 24 * HOUR_MS;

/// Formats `ms` as RFC 3339 in UTC (`2026-11-29T10:00:00Z`); out-of-range values are clamped
/// to the representable range rather than failing.
pub fn rfc3339(ms: Millis) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(if ms < 0 {
            jiff::Timestamp::MIN
        } else {
            jiff::Timestamp::MAX
        })
        .to_string()
}

/// Formats `ms` as a calendar date in UTC (`2026-11-29`).
pub fn date(ms: Millis) -> String {
    rfc3339(ms).chars().take(10).collect()
}

/// Parses an RFC 3339 timestamp with an offset (`2026-11-29T10:00:00+07:00`).
pub fn parse_rfc3339(s: &str) -> Result<Millis, String> {
    s.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|e| format!("not an RFC 3339 timestamp with offset: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_rfc3339() {
        let ms = parse_rfc3339("2026-11-29T10:00:00+07:00").expect("valid timestamp");
        assert_eq!(rfc3339(ms), "2026-11-29T03:00:00Z");
        assert_eq!(date(ms), "2026-11-29");
        assert!(parse_rfc3339("yesterday").is_err());
    }
}
