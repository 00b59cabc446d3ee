//! Telegram's flood limits for bots.
//!
//! The Bot FAQ (<https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this>)
//! asks bots to send no more than about one message per second to one chat,
//! 20 messages per minute to one group, and 30 messages per second overall.
//! Telegram tolerates short bursts in a chat, so the per-chat rule is a token
//! bucket; the group and bot-wide rules are sliding windows.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The flood limits the fake enforces. Tests scale the windows down to stay
/// fast; a zero count or interval switches that rule off.
///
/// Counted calls are every `send*`, `copyMessage` and `forwardMessage`, and
/// `createForumTopic` and `editForumTopic` (which post a service message
/// into the group).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// One counted call per chat per this many milliseconds, on average.
    pub chat_interval_ms: u64,
    /// How many counted calls to one chat may come back to back.
    pub chat_burst: u32,
    /// Counted calls into one group allowed per `group_window_ms`.
    pub group_per_window: u32,
    /// The sliding window of the group rule, in milliseconds.
    pub group_window_ms: u64,
    /// Counted calls per bot per second, all chats together.
    pub bot_per_second: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            chat_interval_ms: 1000,
            chat_burst: 3,
            group_per_window: 20,
            group_window_ms: 60_000,
            bot_per_second: 30,
        }
    }
}

impl Limits {
    /// No limits at all, for tests about something else.
    pub fn unlimited() -> Self {
        Self {
            chat_interval_ms: 0,
            chat_burst: 0,
            group_per_window: 0,
            group_window_ms: 0,
            bot_per_second: 0,
        }
    }
}

/// The outcome of asking for a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Admission {
    Granted,
    /// Too many requests: wait `retry_after_s` seconds. `chat` is the chat
    /// the limit is about, `None` for the bot-wide limit. `violation` is set
    /// when the bot ignored a `retry_after` still in force.
    Refused {
        retry_after_s: u64,
        chat: Option<i64>,
        violation: Option<String>,
    },
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
}

/// Counted calls so far, per bot.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    buckets: HashMap<(i64, i64), Bucket>,
    group_calls: HashMap<(i64, i64), VecDeque<Instant>>,
    bot_calls: HashMap<i64, VecDeque<Instant>>,
    /// `retry_after`s given, per bot and chat (`None`: bot-wide), until when.
    blocked: HashMap<(i64, Option<i64>), Instant>,
}

const SECOND: Duration = Duration::from_secs(1);

impl Limiter {
    /// Asks for a slot for one counted call of `bot` to `chat`, taking it
    /// when granted.
    pub(crate) fn admit(
        &mut self,
        limits: &Limits,
        bot: i64,
        chat: i64,
        is_group: bool,
        now: Instant,
    ) -> Admission {
        for scope in [Some(chat), None] {
            if let Some(&until) = self.blocked.get(&(bot, scope))
                && now < until
            {
                let left = until - now;
                let what = scope.map_or_else(|| "any chat".to_owned(), |c| format!("chat {c}"));
                let violation = format!(
                    "bot {bot} called {what} again {} ms before its retry_after ran out",
                    left.as_millis()
                );
                return Admission::Refused {
                    retry_after_s: whole_seconds(left),
                    chat: scope,
                    violation: Some(violation),
                };
            }
        }

        let chat_wait = self.chat_wait(limits, bot, chat, now);
        let group_wait = if is_group {
            self.group_wait(limits, bot, chat, now)
        } else {
            Duration::ZERO
        };
        let bot_wait = self.bot_wait(limits, bot, now);
        let chat_side = chat_wait.max(group_wait);
        if chat_side.is_zero() && bot_wait.is_zero() {
            self.take(limits, bot, chat, is_group, now);
            return Admission::Granted;
        }
        let (wait, scope) = if bot_wait > chat_side {
            (bot_wait, None)
        } else {
            (chat_side, Some(chat))
        };
        let retry_after_s = whole_seconds(wait);
        self.blocked
            .insert((bot, scope), now + Duration::from_secs(retry_after_s));
        Admission::Refused {
            retry_after_s,
            chat: scope,
            violation: None,
        }
    }

    fn chat_wait(&mut self, limits: &Limits, bot: i64, chat: i64, now: Instant) -> Duration {
        if limits.chat_interval_ms == 0 || limits.chat_burst == 0 {
            return Duration::ZERO;
        }
        let interval = Duration::from_millis(limits.chat_interval_ms);
        let burst = f64::from(limits.chat_burst);
        let bucket = self.buckets.entry((bot, chat)).or_insert(Bucket {
            tokens: burst,
            refilled: now,
        });
        let gained =
            now.saturating_duration_since(bucket.refilled).as_secs_f64() / interval.as_secs_f64();
        bucket.tokens = (bucket.tokens + gained).min(burst);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            Duration::ZERO
        } else {
            interval.mul_f64(1.0 - bucket.tokens)
        }
    }

    fn group_wait(&mut self, limits: &Limits, bot: i64, chat: i64, now: Instant) -> Duration {
        if limits.group_per_window == 0 || limits.group_window_ms == 0 {
            return Duration::ZERO;
        }
        let window = Duration::from_millis(limits.group_window_ms);
        let calls = self.group_calls.entry((bot, chat)).or_default();
        window_wait(calls, window, limits.group_per_window, now)
    }

    fn bot_wait(&mut self, limits: &Limits, bot: i64, now: Instant) -> Duration {
        if limits.bot_per_second == 0 {
            return Duration::ZERO;
        }
        let calls = self.bot_calls.entry(bot).or_default();
        window_wait(calls, SECOND, limits.bot_per_second, now)
    }

    fn take(&mut self, limits: &Limits, bot: i64, chat: i64, is_group: bool, now: Instant) {
        if let Some(bucket) = self.buckets.get_mut(&(bot, chat)) {
            bucket.tokens -= 1.0;
        }
        if is_group && limits.group_per_window > 0 {
            self.group_calls
                .entry((bot, chat))
                .or_default()
                .push_back(now);
        }
        if limits.bot_per_second > 0 {
            self.bot_calls.entry(bot).or_default().push_back(now);
        }
    }
}

/// How long until a sliding window of `window` has room for one more call
/// when `allowed` fit in it. Forgets calls that left the window.
fn window_wait(
    calls: &mut VecDeque<Instant>,
    window: Duration,
    allowed: u32,
    now: Instant,
) -> Duration {
    while calls
        .front()
        .is_some_and(|&at| now.saturating_duration_since(at) >= window)
    {
        calls.pop_front();
    }
    let allowed = usize::try_from(allowed).unwrap_or(usize::MAX);
    if calls.len() < allowed {
        return Duration::ZERO;
    }
    // The call whose leaving makes room.
    let index = calls.len() - allowed;
    calls.get(index).map_or(Duration::ZERO, |&at| {
        (at + window).saturating_duration_since(now)
    })
}

/// Telegram's `retry_after`: whole seconds, at least one.
fn whole_seconds(wait: Duration) -> u64 {
    let millis = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
    millis.div_ceil(1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            chat_interval_ms: 100,
            chat_burst: 3,
            group_per_window: 5,
            group_window_ms: 1500,
            bot_per_second: 30,
        }
    }

    #[test]
    fn a_chat_takes_a_burst_then_one_per_interval() {
        let mut limiter = Limiter::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(
                limiter.admit(&limits(), 1, 10, false, t0),
                Admission::Granted
            );
        }
        let refused = limiter.admit(&limits(), 1, 10, false, t0);
        assert_eq!(
            refused,
            Admission::Refused {
                retry_after_s: 1,
                chat: Some(10),
                violation: None
            }
        );
        // Calling again before the retry_after ran out is a violation.
        let again = limiter.admit(&limits(), 1, 10, false, t0 + Duration::from_millis(500));
        assert!(matches!(
            again,
            Admission::Refused {
                violation: Some(_),
                ..
            }
        ));
        // Another chat is not affected.
        assert_eq!(
            limiter.admit(&limits(), 1, 11, false, t0),
            Admission::Granted
        );
        // After the retry_after, calls are granted again.
        let later = t0 + Duration::from_secs(1);
        assert_eq!(
            limiter.admit(&limits(), 1, 10, false, later),
            Admission::Granted
        );
    }

    #[test]
    fn a_group_has_a_sliding_window() {
        let limits = Limits {
            chat_interval_ms: 0,
            ..limits()
        };
        let mut limiter = Limiter::default();
        let t0 = Instant::now();
        for i in 0..5 {
            let at = t0 + Duration::from_millis(i * 10);
            assert_eq!(
                limiter.admit(&limits, 1, -100, true, at),
                Admission::Granted
            );
        }
        let refused = limiter.admit(&limits, 1, -100, true, t0 + Duration::from_millis(100));
        // The first call leaves the window 1400 ms later: two whole seconds.
        assert_eq!(
            refused,
            Admission::Refused {
                retry_after_s: 2,
                chat: Some(-100),
                violation: None
            }
        );
        let later = t0 + Duration::from_millis(2100);
        assert_eq!(
            limiter.admit(&limits, 1, -100, true, later),
            Admission::Granted
        );
    }

    #[test]
    fn a_bot_has_a_limit_over_all_chats() {
        let limits = Limits {
            bot_per_second: 2,
            ..Limits::unlimited()
        };
        let mut limiter = Limiter::default();
        let t0 = Instant::now();
        assert_eq!(limiter.admit(&limits, 1, 1, false, t0), Admission::Granted);
        assert_eq!(limiter.admit(&limits, 1, 2, false, t0), Admission::Granted);
        let refused = limiter.admit(&limits, 1, 3, false, t0);
        assert_eq!(
            refused,
            Admission::Refused {
                retry_after_s: 1,
                chat: None,
                violation: None
            }
        );
        assert_eq!(limiter.admit(&limits, 2, 3, false, t0), Admission::Granted);
    }
}
