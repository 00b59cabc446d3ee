//! Per-destination token buckets. A destination without a rule is unlimited.
//! Rules match a destination by prefix (`"tg-chat:"` covers every chat), and each
//! destination gets a bucket of its own.

use std::collections::HashMap;

use crate::clock::Millis;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// How many can go at once after a quiet spell.
    pub burst: u32,
    /// How long one token takes to come back.
    pub every_ms: Millis,
}

impl Rate {
    /// `count` per `window_ms`, allowing all of them at once.
    pub fn per(count: u32, window_ms: Millis) -> Self {
        let count = count.max(1);
        Self {
            burst: count,
            every_ms: (window_ms / Millis::from(count)).max(1),
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Millis,
}

#[derive(Debug, Default)]
pub struct RateLimits {
    rules: Vec<(String, Rate)>,
    buckets: HashMap<String, Bucket>,
}

impl RateLimits {
    pub fn set(&mut self, prefix: impl Into<String>, rate: Rate) {
        let prefix = prefix.into();
        self.rules.retain(|(p, _)| *p != prefix);
        self.rules.push((prefix, rate));
        // Longest prefix wins.
        self.rules.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        self.buckets.clear();
    }

    fn rule(&self, destination: &str) -> Option<Rate> {
        self.rules
            .iter()
            .find(|(p, _)| destination.starts_with(p.as_str()))
            .map(|(_, r)| *r)
    }

    fn refill(&mut self, destination: &str, rate: Rate, now: Millis) -> &mut Bucket {
        let bucket = self
            .buckets
            .entry(destination.to_owned())
            .or_insert(Bucket {
                tokens: f64::from(rate.burst),
                at: now,
            });
        let elapsed = (now - bucket.at).max(0) as f64;
        bucket.tokens = (bucket.tokens + elapsed / rate.every_ms as f64).min(f64::from(rate.burst));
        bucket.at = now;
        bucket
    }

    /// Takes a token if one is there; otherwise says how long until one is.
    pub fn try_acquire(&mut self, destination: &str, now: Millis) -> Result<(), Millis> {
        let Some(rate) = self.rule(destination) else {
            return Ok(());
        };
        let bucket = self.refill(destination, rate, now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) * rate.every_ms as f64).ceil() as Millis)
        }
    }

    /// Gives back a token taken for a job that did not run after all.
    pub fn refund(&mut self, destination: &str) {
        if let Some(rate) = self.rule(destination)
            && let Some(bucket) = self.buckets.get_mut(destination)
        {
            bucket.tokens = (bucket.tokens + 1.0).min(f64::from(rate.burst));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_the_rate_and_refills_with_time() {
        let mut limits = RateLimits::default();
        limits.set("chat:", Rate::per(2, 1_000));
        assert_eq!(limits.try_acquire("chat:1", 0), Ok(()));
        assert_eq!(limits.try_acquire("chat:1", 0), Ok(()));
        assert_eq!(
            limits.try_acquire("chat:1", 0),
            Err(500),
            "third within the window must wait for a token"
        );
        assert_eq!(
            limits.try_acquire("chat:2", 0),
            Ok(()),
            "each destination has its own bucket"
        );
        assert_eq!(limits.try_acquire("chat:1", 500), Ok(()));
        assert_eq!(limits.try_acquire("other", 0), Ok(()), "no rule, no limit");
    }
}
