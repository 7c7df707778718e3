//! Per-token rate limits (GCRA, the `governor` crate): every signed-in user has one bucket for
//! the API and another, larger one for `POST /v1/events`; console sign-in has a bucket per
//! user name (all unknown names share one). Over the limit a request is answered 429 with
//! `Retry-After` before it does any work.
//!
//! Buckets are keyed by user id or by a known user name, so their number is bounded by the
//! number of users: an attacker cannot grow the table with made-up keys.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock as _;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::LimitsConfig;

/// Which bucket a request draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Every API endpoint but ingest.
    Api,
    /// `POST /v1/events`.
    Ingest,
}

/// The service's rate limiters.
#[derive(Debug)]
pub struct RateLimits {
    api: DefaultKeyedRateLimiter<i64>,
    ingest: DefaultKeyedRateLimiter<i64>,
    login: DefaultKeyedRateLimiter<String>,
}

/// A positive number from the configuration (validated to be positive; 1 otherwise).
fn positive(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl RateLimits {
    /// Limiters with the configured rates.
    pub fn new(cfg: &LimitsConfig) -> Self {
        let per_second =
            |rate: u32, burst: u32| Quota::per_second(positive(rate)).allow_burst(positive(burst));
        let login = Quota::per_minute(positive(cfg.login_per_minute))
            .allow_burst(positive(cfg.login_per_minute));
        RateLimits {
            api: RateLimiter::keyed(per_second(cfg.api_per_second, cfg.api_burst)),
            ingest: RateLimiter::keyed(per_second(cfg.ingest_per_second, cfg.ingest_burst)),
            login: RateLimiter::keyed(login),
        }
    }

    /// Takes one request from `user`'s bucket; `Err` holds how long to wait.
    pub fn check(&self, bucket: Bucket, user: i64) -> Result<(), Duration> {
        let limiter = match bucket {
            Bucket::Api => &self.api,
            Bucket::Ingest => &self.ingest,
        };
        limiter
            .check_key(&user)
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
    }

    /// Takes one sign-in attempt for `name` (a known user's name, or `None` for any unknown
    /// name); `Err` holds how long to wait.
    pub fn check_login(&self, name: Option<&str>) -> Result<(), Duration> {
        // A name can never start with NUL, so unknown names share a key no user has.
        let key = name.map_or_else(|| "\0unknown".to_owned(), str::to_owned);
        self.login
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(self.login.clock().now()))
    }
}

/// Whole seconds to put in `Retry-After` (at least 1).
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_over_the_limit_waits_and_other_users_are_unaffected() {
        let limits = RateLimits::new(&LimitsConfig {
            api_per_second: 1,
            api_burst: 3,
            ..LimitsConfig::default()
        });
        for _ in 0..3 {
            assert!(limits.check(Bucket::Api, 1).is_ok());
        }
        let wait = limits.check(Bucket::Api, 1).expect_err("over the burst");
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        assert!(limits.check(Bucket::Api, 2).is_ok(), "another user");
        assert!(
            limits.check(Bucket::Ingest, 1).is_ok(),
            "ingest has its own"
        );
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(10)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2001)), 3);
    }
}
