//! Per-destination budgets. A destination without a rule is unlimited.
//! Rules match a destination by prefix (`"tg-chat:"` covers every chat), and each
//! destination gets a budget of its own: a token bucket, or a sliding window
//! where a provider states its limit as "so many per so long".

use std::collections::{HashMap, VecDeque};

use crate::clock::Millis;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// A token bucket: `burst` may go at once after a quiet spell, and one
    /// token comes back every `every_ms`.
    Bucket { burst: u32, every_ms: Millis },
    /// At most `count` calls in any `window_ms`, as the provider counts them.
    /// Calls are counted when taken, and the provider when they arrive: a
    /// slot comes back a fortieth of the window (at least 100 ms) after the
    /// window, so that a call slow on its way is not counted twice. Within
    /// the window, calls are paced as a bucket of `burst` refilled every
    /// `pace_ms` (0: not paced).
    Window {
        count: u32,
        window_ms: Millis,
        burst: u32,
        pace_ms: Millis,
    },
}

impl Rate {
    /// `count` per `window_ms`, allowing all of them at once.
    pub fn per(count: u32, window_ms: Millis) -> Self {
        let count = count.max(1);
        Self::Bucket {
            burst: count,
            every_ms: (window_ms / Millis::from(count)).max(1),
        }
    }

    /// How long a window's slot stays taken.
    fn held_ms(window_ms: Millis) -> Millis {
        window_ms + (window_ms / 40).max(100)
    }

    /// The most calls this rule lets through in any `window` (for checks).
    pub fn most_in(&self, window: Millis) -> f64 {
        match *self {
            Self::Bucket { burst, every_ms } => f64::from(burst) + window as f64 / every_ms as f64,
            Self::Window {
                count,
                window_ms,
                burst,
                pace_ms,
            } => {
                let held = Self::held_ms(window_ms);
                let windowed = f64::from(count) * (window / held + 1) as f64;
                if pace_ms > 0 {
                    windowed.min(f64::from(burst) + window as f64 / pace_ms as f64)
                } else {
                    windowed
                }
            }
        }
    }
}

/// A token bucket's level.
#[derive(Debug)]
struct Tokens {
    tokens: f64,
    at: Millis,
}

impl Tokens {
    fn full(burst: u32, now: Millis) -> Self {
        Self {
            tokens: f64::from(burst.max(1)),
            at: now,
        }
    }

    /// Refilled up to `now`: how long until a token is there (0: now).
    fn wait(&mut self, burst: u32, every_ms: Millis, now: Millis) -> Millis {
        let elapsed = (now - self.at).max(0) as f64;
        self.tokens = (self.tokens + elapsed / every_ms as f64).min(f64::from(burst.max(1)));
        self.at = now;
        if self.tokens >= 1.0 {
            0
        } else {
            ((1.0 - self.tokens) * every_ms as f64).ceil() as Millis
        }
    }

    fn give_back(&mut self, burst: u32) {
        self.tokens = (self.tokens + 1.0).min(f64::from(burst.max(1)));
    }
}

#[derive(Debug)]
enum Budget {
    Bucket(Tokens),
    /// When each call still in the window was taken, oldest first, and
    /// the pacing bucket.
    Window {
        taken: VecDeque<Millis>,
        pace: Tokens,
    },
}

impl Budget {
    fn fresh(rate: Rate, now: Millis) -> Self {
        match rate {
            Rate::Bucket { burst, .. } => Self::Bucket(Tokens::full(burst, now)),
            Rate::Window { burst, .. } => Self::Window {
                taken: VecDeque::new(),
                pace: Tokens::full(burst, now),
            },
        }
    }
}

#[derive(Debug, Default)]
pub struct RateLimits {
    rules: Vec<(String, Rate)>,
    budgets: HashMap<String, Budget>,
}

impl RateLimits {
    pub fn set(&mut self, prefix: impl Into<String>, rate: Rate) {
        let prefix = prefix.into();
        self.rules.retain(|(p, _)| *p != prefix);
        self.rules.push((prefix, rate));
        // Longest prefix wins.
        self.rules.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        self.budgets.clear();
    }

    fn rule(&self, destination: &str) -> Option<Rate> {
        self.rules
            .iter()
            .find(|(p, _)| destination.starts_with(p.as_str()))
            .map(|(_, r)| *r)
    }

    /// How long until `destination` may have one more call (0: now), its
    /// budget brought up to `now` first.
    fn wait(&mut self, destination: &str, rate: Rate, now: Millis) -> Millis {
        let budget = self
            .budgets
            .entry(destination.to_owned())
            .or_insert_with(|| Budget::fresh(rate, now));
        match (rate, budget) {
            (Rate::Bucket { burst, every_ms }, Budget::Bucket(tokens)) => {
                tokens.wait(burst, every_ms, now)
            }
            (
                Rate::Window {
                    count,
                    window_ms,
                    burst,
                    pace_ms,
                },
                Budget::Window { taken, pace },
            ) => {
                let held = Rate::held_ms(window_ms);
                while taken.front().is_some_and(|&t| t + held <= now) {
                    taken.pop_front();
                }
                let count = count.max(1) as usize;
                // The slot of the call `count` back comes free first.
                let windowed = if taken.len() < count {
                    0
                } else {
                    (taken[taken.len() - count] + held - now).max(1)
                };
                let paced = if pace_ms > 0 {
                    pace.wait(burst, pace_ms, now)
                } else {
                    0
                };
                windowed.max(paced)
            }
            // `set` clears the budgets, so a budget always has its rule's kind.
            (_, budget) => {
                *budget = Budget::fresh(rate, now);
                0
            }
        }
    }

    fn take(&mut self, destination: &str, now: Millis) {
        match self.budgets.get_mut(destination) {
            Some(Budget::Bucket(tokens)) => tokens.tokens -= 1.0,
            Some(Budget::Window { taken, pace }) => {
                taken.push_back(now);
                pace.tokens -= 1.0;
            }
            None => {}
        }
    }

    /// Takes one call's budget if there is one; otherwise says how long until there is.
    pub fn try_acquire(&mut self, destination: &str, now: Millis) -> Result<(), Millis> {
        self.try_acquire_all(&[destination], now)
    }

    /// Takes one call's budget from every key, or from none: when one of them
    /// is spent, says how long until all of them have one.
    pub fn try_acquire_all(&mut self, keys: &[&str], now: Millis) -> Result<(), Millis> {
        let mut wait: Millis = 0;
        for key in keys {
            let Some(rate) = self.rule(key) else { continue };
            wait = wait.max(self.wait(key, rate, now));
        }
        if wait > 0 {
            return Err(wait);
        }
        for key in keys {
            if self.rule(key).is_some() {
                self.take(key, now);
            }
        }
        Ok(())
    }

    /// Gives back what was taken for a job that did not run after all.
    pub fn refund(&mut self, destination: &str) {
        let Some(rate) = self.rule(destination) else {
            return;
        };
        match (rate, self.budgets.get_mut(destination)) {
            (Rate::Bucket { burst, .. }, Some(Budget::Bucket(tokens))) => tokens.give_back(burst),
            (Rate::Window { burst, .. }, Some(Budget::Window { taken, pace })) => {
                taken.pop_back();
                pace.give_back(burst);
            }
            _ => {}
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

    #[test]
    fn a_window_lets_its_count_through_then_waits_for_the_oldest() {
        let mut limits = RateLimits::default();
        limits.set(
            "group:",
            Rate::Window {
                count: 3,
                window_ms: 60_000,
                burst: 3,
                pace_ms: 0,
            },
        );
        // Held a fortieth of the window longer than the window.
        let held = 61_500;
        assert_eq!(limits.try_acquire("group:1", 0), Ok(()));
        assert_eq!(limits.try_acquire("group:1", 10_000), Ok(()));
        assert_eq!(limits.try_acquire("group:1", 20_000), Ok(()));
        assert_eq!(limits.try_acquire("group:1", 30_000), Err(held - 30_000));
        assert_eq!(limits.try_acquire("group:2", 30_000), Ok(()), "per group");
        assert_eq!(limits.try_acquire("group:1", held - 1), Err(1));
        assert_eq!(limits.try_acquire("group:1", held), Ok(()));
        assert_eq!(
            limits.try_acquire("group:1", held),
            Err(10_000),
            "the next slot is the second call's"
        );
        // A refused job gives its slot back.
        limits.refund("group:1");
        assert_eq!(limits.try_acquire("group:1", held), Ok(()));
        // Never more than the count in any window, as the provider sees it.
        let mut log = Vec::new();
        let mut fresh = RateLimits::default();
        fresh.set(
            "g:",
            Rate::Window {
                count: 20,
                window_ms: 60_000,
                burst: 3,
                pace_ms: 1_001,
            },
        );
        for now in (0..600_000).step_by(250) {
            if fresh.try_acquire("g:1", now).is_ok() {
                log.push(now);
            }
        }
        for (i, &t) in log.iter().enumerate() {
            let within = log[i..].iter().take_while(|&&u| u < t + 60_000).count();
            assert!(within <= 20, "{within} calls in the window from {t}");
            let paced = log[i..].iter().take_while(|&&u| u < t + 1_000).count();
            assert!(paced <= 3, "{paced} calls in the second from {t}");
        }
        assert!(
            log.len() >= 190,
            "{} of 200 possible in 10 minutes",
            log.len()
        );
    }
}
