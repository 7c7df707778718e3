//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>).
//!
//! An enforcement order is signed so that the platform can check, with any off-the-shelf
//! Standard Webhooks library, that it came from Saring and was not altered or replayed. The
//! signed content is `{webhook-id}.{webhook-timestamp}.{body}`, the MAC is HMAC-SHA256 keyed
//! with the decoded secret, and the `webhook-signature` header holds one `v1,<base64>` entry
//! per active secret, separated by spaces, so that a secret can be rotated without a gap.
//!
//! Secrets are written `whsec_<base64 of random bytes>`; the key is the decoded bytes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit as _, Mac as _};
use rand::Rng as _;
use secrecy::{ExposeSecret as _, SecretSlice};
use sha2::Sha256;

/// The prefix of a written secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// The fewest key bytes a secret may have (the specification asks for 24 to 64).
pub const MIN_SECRET_BYTES: usize = 24;

/// How many random bytes [`generate_secret`] draws.
const GENERATED_SECRET_BYTES: usize = 32;

/// How far a received timestamp may lie from the receiver's clock, either way: five minutes,
/// as the Standard Webhooks libraries enforce. An order replayed later than this is refused
/// even with a valid signature; within it, the receiver dedupes by `webhook-id`.
#[allow(
    dead_code,
    reason = "receivers' side; used by the tests and by replay-protection checks"
)]
pub const TOLERANCE_SECS: i64 = 5 * 60;

/// The only signature scheme of the specification: HMAC-SHA256.
const SCHEME: &str = "v1";

/// What can go wrong when reading a secret or checking a signature.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignError {
    /// The secret is not base64 (after the optional `whsec_` prefix).
    #[error("webhook secret is not valid base64: expected `whsec_` followed by base64")]
    SecretNotBase64,
    /// The secret decodes to fewer bytes than the specification allows.
    #[error("webhook secret is too short: {len} bytes, at least {MIN_SECRET_BYTES} are needed")]
    SecretTooShort {
        /// How many bytes the secret decodes to.
        len: usize,
    },
    /// No secret to sign or verify with was given.
    #[error("no webhook secret is configured")]
    NoSecret,
    /// The signature header holds no `v1,` signature.
    #[error("the webhook-signature header holds no v1 signature")]
    NoSignature,
    /// None of the signatures matches any of the secrets.
    #[error("no webhook signature matches")]
    Mismatch,
    /// The timestamp is further in the past than the tolerance.
    #[error("webhook timestamp is {age_secs} s old, more than the tolerance of {tolerance_secs} s")]
    TooOld {
        /// How old the timestamp is, in seconds.
        age_secs: i64,
        /// The tolerance, in seconds.
        tolerance_secs: i64,
    },
    /// The timestamp is further in the future than the tolerance.
    #[error(
        "webhook timestamp is {ahead_secs} s in the future, more than the tolerance of \
         {tolerance_secs} s"
    )]
    InFuture {
        /// How far ahead the timestamp is, in seconds.
        ahead_secs: i64,
        /// The tolerance, in seconds.
        tolerance_secs: i64,
    },
}

/// A decoded signing key. Its bytes never appear in `Debug` output.
#[derive(Clone)]
pub struct Secret(SecretSlice<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl Secret {
    /// The HMAC-SHA256 of `{id}.{timestamp}.{body}` under this key.
    fn mac(&self, id: &str, timestamp_secs: i64) -> Hmac<Sha256> {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256>>::new_from_slice(self.0.expose_secret())
            .expect("HMAC accepts keys of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp_secs.to_string().as_bytes());
        mac.update(b".");
        mac
    }

    /// The base64 signature of one message.
    fn sign(&self, id: &str, timestamp_secs: i64, body: &[u8]) -> String {
        let mut mac = self.mac(id, timestamp_secs);
        mac.update(body);
        BASE64.encode(mac.finalize().into_bytes())
    }

    /// Whether `tag` is the signature of the message, compared in constant time.
    fn matches(&self, id: &str, timestamp_secs: i64, body: &[u8], tag: &[u8]) -> bool {
        let mut mac = self.mac(id, timestamp_secs);
        mac.update(body);
        mac.verify_slice(tag).is_ok()
    }
}

/// A new random secret, written `whsec_<base64>`: 32 bytes from the thread's
/// cryptographically secure generator, which the operating system seeds.
pub fn generate_secret() -> String {
    let mut key = [0u8; GENERATED_SECRET_BYTES];
    rand::rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", BASE64.encode(key))
}

/// Reads a written secret, with or without the `whsec_` prefix.
pub fn parse_secret(written: &str) -> Result<Secret, SignError> {
    let encoded = written.trim();
    let encoded = encoded.strip_prefix(SECRET_PREFIX).unwrap_or(encoded);
    let key = BASE64
        .decode(encoded)
        .map_err(|_| SignError::SecretNotBase64)?;
    if key.len() < MIN_SECRET_BYTES {
        return Err(SignError::SecretTooShort { len: key.len() });
    }
    Ok(Secret(SecretSlice::from(key)))
}

/// The `webhook-signature` header for one message: a `v1,<base64>` entry per secret, in the
/// order given, separated by spaces.
pub fn signature_header(id: &str, timestamp_secs: i64, body: &[u8], secrets: &[Secret]) -> String {
    secrets
        .iter()
        .map(|secret| format!("{SCHEME},{}", secret.sign(id, timestamp_secs, body)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks a received message: its timestamp must lie within `tolerance_secs` of `now_secs`
/// (replay protection), and one `v1` signature of the header must match one of the secrets.
/// Signatures are compared in constant time; entries of other schemes are ignored.
#[allow(
    dead_code,
    reason = "receivers' side; used by the tests and by replay-protection checks"
)]
pub fn verify(
    id: &str,
    timestamp_secs: i64,
    body: &[u8],
    header: &str,
    secrets: &[Secret],
    now_secs: i64,
    tolerance_secs: i64,
) -> Result<(), SignError> {
    if secrets.is_empty() {
        return Err(SignError::NoSecret);
    }
    let age_secs = now_secs.saturating_sub(timestamp_secs);
    if age_secs > tolerance_secs {
        return Err(SignError::TooOld {
            age_secs,
            tolerance_secs,
        });
    }
    if -age_secs > tolerance_secs {
        return Err(SignError::InFuture {
            ahead_secs: -age_secs,
            tolerance_secs,
        });
    }
    let entries: Vec<&str> = header
        .split(' ')
        .filter_map(|entry| entry.split_once(','))
        .filter(|(scheme, _)| *scheme == SCHEME)
        .map(|(_, tag)| tag)
        .collect();
    if entries.is_empty() {
        return Err(SignError::NoSignature);
    }
    // A signature that is not even base64 matches nothing.
    let tags: Vec<Vec<u8>> = entries
        .iter()
        .filter_map(|tag| BASE64.decode(tag).ok())
        .collect();
    // Every pair is checked, so the time taken does not depend on which one matched.
    let mut matched = false;
    for secret in secrets {
        for tag in &tags {
            matched |= secret.matches(id, timestamp_secs, body, tag);
        }
    }
    if matched {
        Ok(())
    } else {
        Err(SignError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The known-answer vector of the Standard Webhooks reference libraries
    // (`standardwebhooks` crate, `test_sign`).
    const SPEC_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const SPEC_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    const SPEC_TIMESTAMP: i64 = 1_649_367_553;
    const SPEC_BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
    const SPEC_SIGNATURE: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

    fn secret(written: &str) -> Secret {
        parse_secret(written).expect("a valid secret")
    }

    fn now_secs() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_secs()
            .try_into()
            .expect("the clock fits in i64")
    }

    fn headers(id: &str, timestamp: i64, signature: &str) -> axum::http::HeaderMap {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("webhook-id", id.parse().expect("header value"));
        headers.insert(
            "webhook-timestamp",
            timestamp.to_string().parse().expect("header value"),
        );
        headers.insert(
            "webhook-signature",
            signature.parse().expect("header value"),
        );
        headers
    }

    #[test]
    fn signs_the_specification_vector() {
        let header = signature_header(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY, &[secret(SPEC_SECRET)]);
        assert_eq!(header, SPEC_SIGNATURE);
    }

    #[test]
    fn verifies_the_specification_vector() {
        let result = verify(
            SPEC_ID,
            SPEC_TIMESTAMP,
            SPEC_BODY,
            SPEC_SIGNATURE,
            &[secret(SPEC_SECRET)],
            SPEC_TIMESTAMP + 10,
            TOLERANCE_SECS,
        );
        assert_eq!(result, Ok(()));
    }

    #[test]
    fn the_prefix_is_optional() {
        let bare = SPEC_SECRET.strip_prefix(SECRET_PREFIX).expect("prefixed");
        let header = signature_header(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY, &[secret(bare)]);
        assert_eq!(header, SPEC_SIGNATURE);
    }

    #[test]
    fn bad_secrets_are_refused_with_a_reason() {
        assert_eq!(
            parse_secret("whsec_not base64!").map(|_| ()),
            Err(SignError::SecretNotBase64)
        );
        assert_eq!(
            parse_secret("whsec_c2hvcnQ=").map(|_| ()),
            Err(SignError::SecretTooShort { len: 5 })
        );
        let message = SignError::SecretTooShort { len: 5 }.to_string();
        assert_eq!(
            message,
            "webhook secret is too short: 5 bytes, at least 24 are needed"
        );
    }

    #[test]
    fn generated_secrets_parse_and_differ() {
        let a = generate_secret();
        let b = generate_secret();
        assert!(a.starts_with(SECRET_PREFIX));
        assert_ne!(a, b);
        let key = BASE64
            .decode(a.strip_prefix(SECRET_PREFIX).expect("prefixed"))
            .expect("base64");
        assert_eq!(key.len(), GENERATED_SECRET_BYTES);
        parse_secret(&a).expect("a generated secret parses");
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let shown = format!("{:?}", secret(SPEC_SECRET));
        assert_eq!(shown, "Secret([redacted])");
    }

    #[test]
    fn several_secrets_give_several_signatures() {
        let old = secret(SPEC_SECRET);
        let new = secret(&generate_secret());
        let header = signature_header(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY, &[new.clone(), old]);
        let entries: Vec<&str> = header.split(' ').collect();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1], SPEC_SIGNATURE);
        assert!(entries[0].starts_with("v1,"));
        // A receiver that only knows the new secret accepts the message too.
        let ok = verify(
            SPEC_ID,
            SPEC_TIMESTAMP,
            SPEC_BODY,
            &header,
            &[new],
            SPEC_TIMESTAMP,
            TOLERANCE_SECS,
        );
        assert_eq!(ok, Ok(()));
    }

    #[test]
    fn verify_rejects_tampering_and_stale_messages() {
        let keys = [secret(SPEC_SECRET)];
        let check = |id: &str, ts: i64, body: &[u8], header: &str, now: i64| {
            verify(id, ts, body, header, &keys, now, TOLERANCE_SECS)
        };
        let t = SPEC_TIMESTAMP;
        assert_eq!(
            check(SPEC_ID, t, b"{}", SPEC_SIGNATURE, t),
            Err(SignError::Mismatch)
        );
        assert_eq!(
            check("msg_other", t, SPEC_BODY, SPEC_SIGNATURE, t),
            Err(SignError::Mismatch)
        );
        assert_eq!(
            check(SPEC_ID, t + 1, SPEC_BODY, SPEC_SIGNATURE, t),
            Err(SignError::Mismatch)
        );
        assert_eq!(
            check(SPEC_ID, t, SPEC_BODY, SPEC_SIGNATURE, t + 301),
            Err(SignError::TooOld {
                age_secs: 301,
                tolerance_secs: 300
            })
        );
        assert_eq!(
            check(SPEC_ID, t, SPEC_BODY, SPEC_SIGNATURE, t - 301),
            Err(SignError::InFuture {
                ahead_secs: 301,
                tolerance_secs: 300
            })
        );
        assert_eq!(
            check(SPEC_ID, t, SPEC_BODY, "v2,abc", t),
            Err(SignError::NoSignature)
        );
        assert_eq!(
            check(
                SPEC_ID,
                t,
                SPEC_BODY,
                "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPen",
                t
            ),
            Err(SignError::Mismatch)
        );
        assert_eq!(
            verify(
                SPEC_ID,
                t,
                SPEC_BODY,
                SPEC_SIGNATURE,
                &[],
                t,
                TOLERANCE_SECS
            ),
            Err(SignError::NoSecret)
        );
    }

    /// Replay protection: a correctly signed order is accepted up to exactly five minutes
    /// away from the receiver's clock, and refused one second beyond, either way.
    #[test]
    fn replays_outside_five_minutes_are_refused() {
        let keys = [secret(SPEC_SECRET)];
        let t = SPEC_TIMESTAMP;
        let at = |now: i64| {
            verify(
                SPEC_ID,
                t,
                SPEC_BODY,
                SPEC_SIGNATURE,
                &keys,
                now,
                TOLERANCE_SECS,
            )
        };
        assert_eq!(TOLERANCE_SECS, 300);
        assert_eq!(at(t + 300), Ok(()));
        assert_eq!(at(t - 300), Ok(()));
        assert!(matches!(at(t + 301), Err(SignError::TooOld { .. })));
        assert!(matches!(at(t - 301), Err(SignError::InFuture { .. })));
        assert!(matches!(at(t + 86_400), Err(SignError::TooOld { .. })));
    }

    #[test]
    fn the_reference_library_accepts_our_signatures() {
        let written = generate_secret();
        let body = br#"{"action":"freeze","account":"a-1"}"#;
        let ts = now_secs();
        let header = signature_header("order-1", ts, body, &[secret(&written)]);
        standardwebhooks::Webhook::new(&written)
            .expect("the reference library reads our secret")
            .verify(body, &headers("order-1", ts, &header))
            .expect("the reference library accepts our signature");
    }

    #[test]
    fn the_reference_library_accepts_a_rotated_header_when_only_the_second_matches() {
        let newest = generate_secret();
        let previous = generate_secret();
        let body = br#"{"action":"unfreeze"}"#;
        let ts = now_secs();
        let header = signature_header("order-2", ts, body, &[secret(&newest), secret(&previous)]);
        // The receiver still has the previous secret: only the second signature matches.
        standardwebhooks::Webhook::new(&previous)
            .expect("the reference library reads our secret")
            .verify(body, &headers("order-2", ts, &header))
            .expect("the second signature matches");
        // And a receiver with neither secret refuses it.
        let stranger = generate_secret();
        assert!(
            standardwebhooks::Webhook::new(&stranger)
                .expect("the reference library reads our secret")
                .verify(body, &headers("order-2", ts, &header))
                .is_err()
        );
    }

    #[test]
    fn we_accept_the_reference_library_signatures() {
        let written = generate_secret();
        let body = br#"{"x":1}"#;
        let ts = now_secs();
        let theirs = standardwebhooks::Webhook::new(&written)
            .expect("the reference library reads our secret")
            .sign("order-3", ts, body)
            .expect("the body is UTF-8");
        assert_eq!(
            verify(
                "order-3",
                ts,
                body,
                &theirs,
                &[secret(&written)],
                ts,
                TOLERANCE_SECS
            ),
            Ok(())
        );
    }
}
