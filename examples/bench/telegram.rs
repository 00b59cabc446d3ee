//! The work group's side, against the Telegram fake: how soon a customer's
//! message is in its topic, and how much of Telegram's budget for a group a
//! burst uses.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tuberry::channels::telegram_bot::BotInput;
use tuberry::clock::SystemClock;
use tuberry::keyring::Keyring;
use tuberry::model::Language;
use tuberry::operators::model::ProjectInput;
use tuberry::settings::{Settings, TelegramSettings};
use tuberry::{Engine, EngineOptions, api};
use tuberry_fakes::telegram::{FakeTelegram, Limits, User};

type Error = Box<dyn std::error::Error>;

const TOKEN: &str = "5550007777:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

/// A shop whose bot talks to the fake, with its work group bound.
struct Shop {
    engine: Engine,
    fake: FakeTelegram,
    group: i64,
    _dir: tempfile::TempDir,
}

impl Shop {
    async fn start(limits: Limits, telegram: TelegramSettings) -> Result<Self, Error> {
        let fake = FakeTelegram::start(limits).await;
        fake.add_bot(TOKEN, "bench_shop_bot");
        let dir = tempfile::tempdir()?;
        let engine = Engine::open(EngineOptions {
            data_dir: dir.path().to_path_buf(),
            clock: Arc::new(SystemClock),
            settings: Some(Settings {
                telegram: TelegramSettings {
                    poll_timeout_s: 1,
                    ..telegram
                },
                ..Settings::default()
            }),
            keyring: Keyring::new("app.tuberry.bench"),
            telegram_connector: None,
            whatsapp_connector: None,
        })
        .await?;
        engine.start().await?;
        let project = api::create_project(
            &engine,
            ProjectInput {
                name: "Bench shop".into(),
                language: Language::En,
            },
        )
        .await?;
        api::connect_bot(
            &engine,
            project.id,
            BotInput {
                token: TOKEN.into(),
                api_url: Some(fake.url()),
                proxy: None,
            },
        )
        .await?;
        let group = fake.create_group("Bench operators", true);
        fake.add_bot_to_group(TOKEN, group, true, true, &User::new(9001, "Olga"));
        let deadline = Instant::now() + Duration::from_secs(30);
        let bot_account = loop {
            let project = api::get_project(&engine, project.id).await?;
            let ready = project
                .work_group
                .as_ref()
                .and_then(|g| g.check.as_ref())
                .is_some_and(|c| c.missing.is_empty());
            if let (true, Some(bot)) = (ready, project.bot.as_ref()) {
                break bot.account_id;
            }
            if Instant::now() > deadline {
                return Err("the work group was not bound in 30 s".into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        api::set_project_sources(&engine, project.id, vec![bot_account]).await?;
        Ok(Self {
            engine,
            fake,
            group,
            _dir: dir,
        })
    }

    /// When the fake answered the first request carrying each marker: the
    /// requests read and written out once.
    fn first_requests_with(&self, markers: &[&str]) -> Vec<Option<u64>> {
        let requests: Vec<(u64, String)> = self
            .fake
            .requests()
            .into_iter()
            .filter(|r| r.method != "getUpdates")
            .map(|r| (r.at_us, r.params.to_string()))
            .collect();
        markers
            .iter()
            .map(|m| {
                requests
                    .iter()
                    .find(|(_, params)| params.contains(m))
                    .map(|(at, _)| *at)
            })
            .collect()
    }

    async fn stop(self) {
        self.engine.shutdown(Duration::from_secs(2)).await;
    }
}

fn customer(i: usize) -> User {
    User::new(
        700_000 + i64::try_from(i).unwrap_or(0),
        format!("Customer {i:02}"),
    )
}

/// Waits until every marker is in a message of the group (its mirror), at most `limit`.
async fn until_mirrored(shop: &Shop, markers: &[String], limit: Duration) -> Result<(), Error> {
    let deadline = Instant::now() + limit;
    loop {
        let texts: String = shop
            .fake
            .messages(shop.group, None)
            .into_iter()
            .filter_map(|m| m.text)
            .collect::<Vec<_>>()
            .join("\n");
        let missing = markers
            .iter()
            .filter(|m| !texts.contains(m.as_str()))
            .count();
        if missing == 0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{missing} of {} messages never reached their topics",
                markers.len()
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Inbound to the first mirror request: customers write to the bot at
/// `per_second` for `seconds`, into conversations whose topics exist; each
/// message's time from the fake taking it to the fake answering the first
/// request that carries it. Telegram's flood limits are off on both sides:
/// the figure is the engine's own delay, not a wait for budget.
pub async fn mirror_latency(per_second: u32, seconds: u32) -> Result<(f64, f64, usize), Error> {
    let unlimited = TelegramSettings {
        group_messages: 1_000_000,
        chat_interval_ms: 0,
        bot_per_second: 1_000_000,
        ..TelegramSettings::default()
    };
    let shop = Shop::start(Limits::unlimited(), unlimited).await?;
    let customers = 30;
    // Each customer's topic first.
    let warm: Vec<String> = (0..customers).map(|i| format!("warm-{i:03}")).collect();
    for (i, marker) in warm.iter().enumerate() {
        shop.fake.user_writes_to_bot(TOKEN, &customer(i), marker);
    }
    until_mirrored(&shop, &warm, Duration::from_secs(60)).await?;

    let started = shop.fake.started();
    let total = (per_second * seconds) as usize;
    let every = Duration::from_secs(1) / per_second;
    let mut sent = Vec::with_capacity(total);
    let mut tick = tokio::time::interval(every);
    for n in 0..total {
        tick.tick().await;
        let marker = format!("lat-{n:05}");
        let at = started.elapsed().as_micros() as u64;
        shop.fake
            .user_writes_to_bot(TOKEN, &customer(n % customers), &marker);
        sent.push((marker, at));
    }
    let markers: Vec<String> = sent.iter().map(|(m, _)| m.clone()).collect();
    until_mirrored(&shop, &markers, Duration::from_secs(60)).await?;
    let names: Vec<&str> = markers.iter().map(String::as_str).collect();
    let mut delays: Vec<f64> = shop
        .first_requests_with(&names)
        .into_iter()
        .zip(&sent)
        .filter_map(|(first, (_, at))| Some(first?.saturating_sub(*at) as f64 / 1000.0))
        .collect();
    delays.sort_by(f64::total_cmp);
    let at = |q: f64| delays[((delays.len() - 1) as f64 * q).round() as usize];
    let figures = (at(0.5), at(0.99), delays.len());
    shop.stop().await;
    Ok(figures)
}

/// What a burst used of Telegram's budget for one group.
pub struct Burst {
    /// Counted group calls per window ÷ the calls the window allows.
    pub ratio: f64,
    pub calls: usize,
    pub messages: usize,
    pub rate_limited: usize,
    pub early_calls: usize,
}

/// Customers of 30 conversations writing at `per_second` for `windows`
/// windows (more than the group's budget, so that mirrors always wait), with
/// the fake and the engine both holding Telegram's limits (20 calls into a
/// group per minute, one a second into a chat after a short burst), time
/// scaled so that the minute is `window_ms`. The counted calls into the
/// group (topics created, mirrors) from the first until the customers
/// stopped, per window, ÷ 20.
pub async fn mirror_burst(per_second: u32, windows: u32, window_ms: u64) -> Result<Burst, Error> {
    let chat_interval_ms = window_ms / 60;
    let limits = Limits {
        group_window_ms: window_ms,
        chat_interval_ms,
        ..Limits::default()
    };
    let telegram = TelegramSettings {
        group_window_ms: i64::try_from(window_ms)?,
        chat_interval_ms: i64::try_from(chat_interval_ms)?,
        ..TelegramSettings::default()
    };
    let shop = Shop::start(limits, telegram).await?;
    let started = shop.fake.started();
    let total = (u64::from(per_second) * u64::from(windows) * window_ms / 1000) as usize;
    let mut tick = tokio::time::interval(Duration::from_secs(1) / per_second);
    let mut markers = Vec::with_capacity(total);
    for n in 0..total {
        tick.tick().await;
        let marker = format!("burst-{n:05}");
        shop.fake
            .user_writes_to_bot(TOKEN, &customer(n % 30), &marker);
        markers.push(marker);
    }
    let stopped = started.elapsed().as_micros() as u64;
    until_mirrored(&shop, &markers, Duration::from_secs(600)).await?;
    let counted: Vec<u64> = shop
        .fake
        .requests()
        .into_iter()
        .filter(|r| {
            r.status == 200
                && r.params.get("chat_id").and_then(serde_json::Value::as_i64) == Some(shop.group)
                && (r.method.starts_with("send")
                    || matches!(
                        r.method.as_str(),
                        "createForumTopic" | "editForumTopic" | "copyMessage" | "forwardMessage"
                    ))
        })
        .map(|r| r.at_us)
        .collect();
    let first = *counted.first().ok_or("no call reached the group")?;
    let in_span = counted.iter().filter(|&&at| at <= stopped).count();
    let span_windows = (stopped - first) as f64 / (window_ms * 1000) as f64;
    let burst = Burst {
        ratio: in_span as f64 / (span_windows * 20.0),
        calls: counted.len(),
        messages: total,
        rate_limited: shop.fake.rate_limited().len(),
        early_calls: shop.fake.violations().len(),
    };
    shop.stop().await;
    Ok(burst)
}
