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

    /// Takes a token from every key's bucket, or from none: when one of them is
    /// empty, says how long until all of them have one.
    pub fn try_acquire_all(&mut self, keys: &[&str], now: Millis) -> Result<(), Millis> {
        let mut wait: Millis = 0;
        for key in keys {
            let Some(rate) = self.rule(key) else { continue };
            let bucket = self.refill(key, rate, now);
            if bucket.tokens < 1.0 {
                let need = ((1.0 - bucket.tokens) * rate.every_ms as f64).ceil() as Millis;
                wait = wait.max(need);
            }
        }
        if wait > 0 {
            return Err(wait);
        }
        for key in keys {
            if self.rule(key).is_some()
                && let Some(bucket) = self.buckets.get_mut(*key)
            {
                bucket.tokens -= 1.0;
            }
        }
        Ok(())
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

    #[test]
    fn all_or_nothing_across_keys() {
        let mut limits = RateLimits::default();
        limits.set("group:", Rate::per(2, 60_000));
        limits.set("bot:", Rate::per(30, 1_000));
        assert_eq!(
            limits.try_acquire_all(&["topic:1", "group:1", "bot:1"], 0),
            Ok(())
        );
        assert_eq!(
            limits.try_acquire_all(&["topic:2", "group:1", "bot:1"], 0),
            Ok(())
        );
        assert_eq!(
            limits.try_acquire_all(&["topic:3", "group:1", "bot:1"], 0),
            Err(30_000),
            "the group's budget is spent"
        );
        // The bot's bucket was not charged by the refused attempt: 28 left.
        for _ in 0..28 {
            assert_eq!(limits.try_acquire_all(&["chat:9", "bot:1"], 0), Ok(()));
        }
        assert!(limits.try_acquire_all(&["chat:9", "bot:1"], 0).is_err());
        assert_eq!(limits.try_acquire_all(&["group:1"], 30_000), Ok(()));
    }
}
