//! Bot API updates as the outside may post them to a bot's webhook: valid
//! updates mutated byte by byte and field by field, and random bytes. Each
//! is acknowledged (stored) or refused with 400, never a 5xx, and a refused
//! one leaves every table as it was.

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, TestRunner};

use tuberry::channels::telegram_bot::TelegramBots;

use super::*;
use crate::parsers::json_input;

/// Updates of the kinds the bot reads: a message, an edit, a reaction, a
/// photo, and the bot added to a group.
const UPDATES: [&str; 5] = [
    r#"{"update_id":1000,"message":{"message_id":10,"date":1767225600,"chat":{"id":8101,"type":"private","first_name":"Vera"},"from":{"id":8101,"is_bot":false,"first_name":"Vera","language_code":"ru"},"text":"Hello","entities":[{"type":"bold","offset":0,"length":5}],"reply_to_message":{"message_id":9,"date":1767225500,"chat":{"id":8101,"type":"private","first_name":"Vera"},"text":"Earlier"}}}"#,
    r#"{"update_id":1001,"edited_message":{"message_id":10,"date":1767225600,"edit_date":1767225660,"chat":{"id":8101,"type":"private","first_name":"Vera"},"from":{"id":8101,"is_bot":false,"first_name":"Vera"},"text":"Hello again"}}"#,
    r#"{"update_id":1002,"message_reaction":{"chat":{"id":8101,"type":"private","first_name":"Vera"},"message_id":10,"user":{"id":8101,"is_bot":false,"first_name":"Vera"},"date":1767225700,"old_reaction":[],"new_reaction":[{"type":"emoji","emoji":"👍"}]}}"#,
    r#"{"update_id":1003,"message":{"message_id":11,"date":1767225600,"chat":{"id":8101,"type":"private","first_name":"Vera"},"from":{"id":8101,"is_bot":false,"first_name":"Vera"},"photo":[{"file_id":"AgAD","file_unique_id":"u1","width":90,"height":90,"file_size":1200}],"caption":"This one"}}"#,
    r#"{"update_id":1004,"my_chat_member":{"chat":{"id":-1001,"type":"supergroup","title":"Operators","is_forum":true},"from":{"id":1,"is_bot":false,"first_name":"Owner"},"date":1767225600,"old_chat_member":{"status":"left","user":{"id":5550001234,"is_bot":true,"first_name":"Bot","username":"shop_bot"}},"new_chat_member":{"status":"member","user":{"id":5550001234,"is_bot":true,"first_name":"Bot","username":"shop_bot"}}}}"#,
];

/// Every table's number of rows.
async fn rows(engine: &tuberry::Engine) -> Vec<(String, i64)> {
    let pool = engine.store().pool();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
           AND name NOT LIKE '%fts%' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut all = Vec::new();
    for table in tables {
        let sql = format!("SELECT count(*) FROM \"{table}\"");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(pool)
            .await
            .unwrap();
        all.push((table, n));
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_are_stored_or_refused_never_a_server_error() {
    let (limits, telegram) = scaled(3_000);
    let tg = Tg::start_with(limits, telegram, Some("127.0.0.1:0")).await;
    let endpoint = format!("http://{}", tg.engine().http_addr().unwrap());
    api::set_bot_webhook(tg.engine(), tg.project, Some(endpoint.clone()))
        .await
        .unwrap();
    let account: i64 = sqlx::query_scalar("SELECT channel_account_id FROM telegram_bots")
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    let secret_ref: String = sqlx::query_scalar("SELECT secret_ref FROM telegram_bots")
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    let secret = Keyring::new(TEST_KEYRING)
        .get(&TelegramBots::webhook_ref(&secret_ref))
        .await
        .unwrap()
        .expect("webhook mode keeps a secret");
    let url = format!("{endpoint}/telegram/{account}");
    let http = reqwest::Client::new();
    let post = async |body: Vec<u8>| {
        http.post(&url)
            .header("x-telegram-bot-api-secret-token", secret.expose())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };

    let mut runner = TestRunner::new(Config {
        cases: 0,
        failure_persistence: None,
        ..Config::default()
    });
    let (mut stored, mut refused) = (0, 0);
    for sample in UPDATES {
        let inputs = json_input(sample);
        for _ in 0..60 {
            let body = inputs.new_tree(&mut runner).unwrap().current();
            let before = rows(tg.engine()).await;
            let status = post(body.clone()).await;
            let shown = String::from_utf8_lossy(&body).into_owned();
            match status {
                200 => stored += 1,
                400 => {
                    refused += 1;
                    assert_eq!(
                        rows(tg.engine()).await,
                        before,
                        "refused but written: {shown}"
                    );
                }
                other => panic!("{other} for {shown}"),
            }
        }
    }
    println!("{stored} updates acknowledged, {refused} refused");
    assert!(refused > 0 && stored > 0, "both kinds were tried");

    // The bot still takes updates.
    let later = UPDATES[0]
        .replace("\"update_id\":1000", &format!("\"update_id\":{}", u32::MAX))
        .replacen("\"message_id\":10", "\"message_id\":999999", 1)
        .replace("\"Hello\"", "\"Still listening?\"");
    assert_eq!(post(later.into_bytes()).await, 200);
    let stored: Option<i64> =
        sqlx::query_scalar("SELECT id FROM messages WHERE text LIKE '%listening?'")
            .fetch_optional(tg.engine().store().pool())
            .await
            .unwrap();
    assert!(stored.is_some(), "the update after the fuzzing is stored");
    tg.stop().await;
}

#[test]
fn the_samples_are_updates_teloxide_reads() {
    use teloxide_core::types::{Update, UpdateKind};
    for sample in UPDATES {
        let update: Update = serde_json::from_str(sample).unwrap();
        assert!(
            !matches!(update.kind, UpdateKind::Error(_)),
            "{sample}: {:?}",
            update.kind
        );
    }
}
