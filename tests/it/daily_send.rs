//! Answering faster: quick replies filled for the conversation, kept as
//! CSV, and replies scheduled for later.

use tuberry::api::{self, SendPreset};
use tuberry::assistant::model::{AssistantMode, AssistantSettingsInput};
use tuberry::events::EngineEvent;
use tuberry::model::{ConversationStatus, Delivery, Direction, Language};
use tuberry::operators::model::ProjectInput;
use tuberry::quick_replies::QuickReplyInput;
use tuberry::{Engine, ErrorCode};

use crate::helpers::{T0, next_event, open_engine, spawn_app};

const HOUR: i64 = 3_600_000;

fn quick(project_id: Option<i64>, name: &str, text: &str) -> QuickReplyInput {
    QuickReplyInput {
        project_id,
        name: name.into(),
        text: text.into(),
    }
}

async fn project(engine: &Engine, name: &str, language: Language) -> i64 {
    let project = api::create_project(
        engine,
        ProjectInput {
            name: name.into(),
            language,
        },
    )
    .await
    .unwrap();
    project.id
}

/// The assistant's settings of the tests, with this agent and brand.
fn settings(agent: &str, brand: &str) -> AssistantSettingsInput {
    AssistantSettingsInput {
        agent_name: agent.into(),
        brand: brand.into(),
        catalog_url: "https://shop.example/catalog".into(),
        ..crate::assistant::settings(AssistantMode::Off)
    }
}

async fn rows(engine: &Engine) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM quick_replies")
        .fetch_one(engine.store().pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn quick_replies_are_filled_for_the_conversation_in_its_projects_language() {
    let app = spawn_app().await;
    let e = &app.engine;
    let ru = project(e, "Диваны", Language::Ru).await;
    let en = project(e, "Sofas", Language::En).await;
    api::save_assistant_settings(e, ru, settings("Алина", ""))
        .await
        .unwrap();

    let hello =
        "{CUSTOMER_NAME}, здравствуйте! Я {AGENT_NAME} из «{BRAND}». Каталог: {CATALOG_URL}";
    api::create_quick_reply(e, quick(Some(ru), "/Привет", hello))
        .await
        .unwrap();
    api::create_quick_reply(
        e,
        quick(
            None,
            "hours",
            "We are open 9–18, {CUSTOMER_NAME}. — {AGENT_NAME}, {BRAND}",
        ),
    )
    .await
    .unwrap();
    // The project's own reply wins over every project's of the same name.
    api::create_quick_reply(e, quick(Some(en), "hours", "Sofas: open 10–20."))
        .await
        .unwrap();

    // Bad names and texts, duplicates, unknown projects: refused, nothing written.
    for (input, code) in [
        (quick(None, "два слова", "x"), ErrorCode::InvalidInput),
        (quick(None, "", "x"), ErrorCode::InvalidInput),
        (quick(None, "ok", "   "), ErrorCode::InvalidInput),
        (quick(Some(ru), "ПРИВЕТ", "again"), ErrorCode::InvalidInput),
        (quick(Some(999), "new", "x"), ErrorCode::NotFound),
    ] {
        let err = api::create_quick_reply(e, input.clone()).await.unwrap_err();
        assert_eq!(err.code, code, "{input:?}: {err:?}");
    }
    assert_eq!(rows(e).await, 3);

    // The Test chat in the Russian project: Russian fallbacks, the settings' facts.
    api::set_test_chat_project(e, Some(ru)).await.unwrap();
    let anna = api::simulate_inbound(e, "Анна".into(), "Добрый день".into())
        .await
        .unwrap()
        .conversation_id;
    let mine = api::list_quick_replies(e, Some(ru)).await.unwrap();
    assert_eq!(
        mine.iter().map(|q| q.name.as_str()).collect::<Vec<_>>(),
        ["hours", "привет"]
    );
    let filled = api::quick_reply_text(e, anna, mine[1].id).await.unwrap();
    assert_eq!(
        filled,
        "Анна, здравствуйте! Я Алина из «Диваны». Каталог: https://shop.example/catalog"
    );
    let hours = api::quick_reply_text(e, anna, mine[0].id).await.unwrap();
    assert_eq!(hours, "We are open 9–18, Анна. — Алина, Диваны");

    // The English project: its own "hours", English fallbacks for the rest.
    api::set_test_chat_project(e, Some(en)).await.unwrap();
    let bob = api::simulate_inbound(e, "Bob".into(), "Hi".into())
        .await
        .unwrap()
        .conversation_id;
    let theirs = api::list_quick_replies(e, Some(en)).await.unwrap();
    assert_eq!(theirs.len(), 2, "{theirs:?}");
    let every = theirs.iter().find(|q| q.project_id.is_none()).unwrap();
    assert_eq!(
        api::quick_reply_text(e, bob, every.id).await.unwrap(),
        "We are open 9–18, Bob. — a consultant, Sofas"
    );
}

#[tokio::test]
async fn quick_replies_go_out_as_csv_and_a_bad_file_changes_nothing() {
    let app = spawn_app().await;
    let e = &app.engine;
    let ru = project(e, "Диваны", Language::Ru).await;
    api::create_quick_reply(e, quick(Some(ru), "цена", "Цена — в каталоге, \"Диван\""))
        .await
        .unwrap();
    api::create_quick_reply(e, quick(None, "hi", "Hello,\nhow can I help?"))
        .await
        .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let path = api::export_quick_replies(e, Some(folder.path().display().to_string()))
        .await
        .unwrap();
    let csv = std::fs::read_to_string(&path).unwrap();
    assert!(path.ends_with("tuberry-quick-replies.csv"), "{path}");
    assert!(csv.starts_with("project,name,text\n"), "{csv}");
    assert!(csv.contains(",hi,\"Hello,\nhow can I help?\""), "{csv}");
    assert!(
        csv.contains("Диваны,цена,\"Цена — в каталоге, \"\"Диван\"\"\""),
        "{csv}"
    );

    // Round trip into an empty shop with the same project.
    let other = spawn_app().await;
    project(&other.engine, "Диваны", Language::Ru).await;
    let report = api::import_quick_replies(&other.engine, csv.clone())
        .await
        .unwrap();
    assert_eq!((report.added, report.updated), (2, 0));
    let again = api::import_quick_replies(&other.engine, csv).await.unwrap();
    assert_eq!((again.added, again.updated), (0, 2));

    // A spreadsheet's semicolons, Russian headers and a byte order mark.
    let sheet =
        "\u{feff}Проект;Название;Текст\n;доставка;Доставка 1–2 дня\nДиваны;цена;Новая цена\n";
    let report = api::import_quick_replies(e, sheet.into()).await.unwrap();
    assert_eq!((report.added, report.updated), (1, 1));
    let list = api::list_quick_replies(e, None).await.unwrap();
    assert_eq!(
        list.iter()
            .map(|q| (q.name.as_str(), q.text.as_str()))
            .collect::<Vec<_>>(),
        [
            ("hi", "Hello,\nhow can I help?"),
            ("доставка", "Доставка 1–2 дня"),
            ("цена", "Новая цена")
        ]
    );

    // Any bad line refuses the file, naming the line; nothing is written.
    let before = rows(e).await;
    for (bad, says) in [
        ("project,name,text\n,new,Fine\n,bad name,Text\n", "line 3"),
        (
            "project,name,text\nМагазин,new,Text\n",
            "no project called “Магазин”",
        ),
        ("project,name,text\n,new,One\n,NEW,Two\n", "twice"),
        ("name;description\nx;y\n", "“name” and “text”"),
        ("project,name,text\n,empty,\n", "line 2"),
    ] {
        let err = api::import_quick_replies(e, bad.into()).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{bad:?}");
        assert!(err.message.contains(says), "{bad:?}: {}", err.message);
    }
    assert_eq!(rows(e).await, before);
    let unchanged = api::list_quick_replies(e, None).await.unwrap();
    assert_eq!(unchanged, list);
}

#[tokio::test]
async fn a_reply_scheduled_for_later_goes_once_at_its_time_even_across_a_restart() {
    let app = spawn_app().await;
    let e = &app.engine;
    let anna = api::simulate_inbound(e, "Анна".into(), "Можно завтра?".into())
        .await
        .unwrap()
        .conversation_id;
    let err = api::send_reply_with_files(e, anna, "Late".into(), Vec::new(), None, Some(T0 - 1))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);

    let later = api::send_reply_with_files(
        e,
        anna,
        "Доброе утро!".into(),
        Vec::new(),
        None,
        Some(T0 + HOUR),
    )
    .await
    .unwrap();
    assert_eq!(later.scheduled_at, Some(T0 + HOUR));
    assert_eq!(later.delivery, Some(Delivery::Pending));
    let summary = api::get_conversation(e, anna).await.unwrap().conversation;
    assert_eq!(summary.next_scheduled_at, Some(T0 + HOUR));
    assert_eq!(
        (summary.status, summary.last_message_preview.as_str()),
        (ConversationStatus::AwaitingResponse, "Можно завтра?"),
        "the conversation is unchanged until the reply goes"
    );
    // Due later: the queue sends nothing now.
    e.queue().drain().await.unwrap();
    let transcript = api::simulator_transcript(e, Some("Анна".into()))
        .await
        .unwrap();
    assert_eq!(transcript.len(), 1);

    // Another one, cancelled: gone without a trace.
    let mut events = e.events().subscribe();
    let other =
        api::send_reply_with_files(e, anna, "Нет".into(), Vec::new(), None, Some(T0 + 2 * HOUR))
            .await
            .unwrap();
    api::cancel_scheduled_reply(e, other.id).await.unwrap();
    let removed = next_event(&mut events, |ev| match ev {
        EngineEvent::MessageRemoved { message_id, .. } => Some(*message_id),
        _ => None,
    })
    .await;
    assert_eq!(removed, other.id);
    let detail = api::get_conversation(e, anna).await.unwrap();
    assert_eq!(detail.messages.len(), 2);

    // Changed: a new text, an hour later.
    let edited =
        api::edit_scheduled_reply(e, later.id, "Доброе утро! Да, можно.".into(), T0 + 2 * HOUR)
            .await
            .unwrap();
    assert_eq!(edited.scheduled_at, Some(T0 + 2 * HOUR));
    let err = api::edit_scheduled_reply(e, later.id, "   ".into(), T0 + 2 * HOUR)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);

    // The customer writes meanwhile; the thread keeps the scheduled reply last.
    app.clock.advance(HOUR);
    api::simulate_inbound(e, "Анна".into(), "Или сегодня?".into())
        .await
        .unwrap();
    let detail = api::get_conversation(e, anna).await.unwrap();
    assert_eq!(
        detail
            .messages
            .iter()
            .map(|m| m.text.as_str())
            .collect::<Vec<_>>(),
        ["Можно завтра?", "Или сегодня?", "Доброе утро! Да, можно."]
    );

    // A restart before its time; it goes once when the time comes.
    e.shutdown(std::time::Duration::from_secs(1)).await;
    let engine = open_engine(&app.dir, &app.clock).await;
    engine.queue().drain().await.unwrap();
    assert_eq!(
        api::simulator_transcript(&engine, Some("Анна".into()))
            .await
            .unwrap()
            .len(),
        2
    );
    app.clock.advance(HOUR);
    engine.queue().drain().await.unwrap();
    engine.queue().drain().await.unwrap();
    let transcript = api::simulator_transcript(&engine, Some("Анна".into()))
        .await
        .unwrap();
    let sent: Vec<_> = transcript
        .iter()
        .filter(|t| t.direction == Direction::Out)
        .map(|t| t.text.as_str())
        .collect();
    assert_eq!(sent, ["Доброе утро! Да, можно."]);
    let detail = api::get_conversation(&engine, anna).await.unwrap();
    let reply = detail.messages.last().unwrap();
    assert_eq!(
        (reply.scheduled_at, reply.delivery),
        (None, Some(Delivery::Sent))
    );
    assert_eq!(
        reply.created_at,
        T0 + 2 * HOUR,
        "written, as it were, when it went"
    );
    assert_eq!(detail.conversation.status, ConversationStatus::Closed);
    assert_eq!(
        detail.conversation.last_message_preview,
        "Доброе утро! Да, можно."
    );
    assert_eq!(detail.conversation.next_scheduled_at, None);
    // Gone: it can no longer be changed or cancelled.
    let err = api::cancel_scheduled_reply(&engine, reply.id)
        .await
        .unwrap_err();
    assert!(err.message.contains("not waiting"), "{err:?}");
}

#[tokio::test]
async fn later_today_tomorrow_and_monday_are_offered_in_the_shops_time_zone() {
    let app = spawn_app().await;
    let e = &app.engine;
    let ru = project(e, "Диваны", Language::Ru).await;
    api::save_assistant_settings(e, ru, settings("Алина", "Диван-Сити"))
        .await
        .unwrap();
    api::set_test_chat_project(e, Some(ru)).await.unwrap();
    let anna = api::simulate_inbound(e, "Анна".into(), "?".into())
        .await
        .unwrap()
        .conversation_id;
    // 2026-01-01 is a Thursday; 00:00 UTC is 03:00 in Moscow.
    let times = api::send_times(e, anna).await.unwrap();
    assert_eq!(times.time_zone, "Europe/Moscow");
    let moscow = |day: i64, hour: i64| T0 + day * 24 * HOUR + (hour - 3) * HOUR;
    assert_eq!(
        times
            .presets
            .iter()
            .map(|p| (p.preset, p.at))
            .collect::<Vec<_>>(),
        [
            (SendPreset::InAnHour, T0 + HOUR),
            (SendPreset::ThisEvening, moscow(0, 18)),
            (SendPreset::TomorrowMorning, moscow(1, 9)),
            (SendPreset::Monday, moscow(4, 9)),
        ]
    );
    // Sunday 20:00 in Moscow: no evening left, and tomorrow is Monday.
    app.clock.set(moscow(3, 20));
    let sunday = api::send_times(e, anna).await.unwrap();
    assert_eq!(
        sunday.presets.iter().map(|p| p.preset).collect::<Vec<_>>(),
        [SendPreset::InAnHour, SendPreset::TomorrowMorning]
    );
}

#[tokio::test]
async fn a_reply_changed_before_it_goes_goes_changed_and_after_is_changed_at_the_customers_side() {
    let app = spawn_app().await;
    let e = &app.engine;
    let anna = api::simulate_inbound(e, "Anna".into(), "Price?".into())
        .await
        .unwrap()
        .conversation_id;
    let reply = api::send_reply(e, anna, "It is 100".into()).await.unwrap();
    // Not sent yet: only the text changes, no job to change it anywhere.
    api::edit_reply(e, reply.id, "It is 120".into())
        .await
        .unwrap();
    e.queue().drain().await.unwrap();
    let said = |transcript: Vec<tuberry::model::SimulatorEntry>| {
        transcript
            .into_iter()
            .filter(|t| t.direction == Direction::Out)
            .map(|t| t.text)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        said(
            api::simulator_transcript(e, Some("Anna".into()))
                .await
                .unwrap()
        ),
        ["It is 120"]
    );
    // Sent: the Test chat's customer sees it changed.
    let changed = api::edit_reply(e, reply.id, "It is 110".into())
        .await
        .unwrap();
    assert_eq!(changed.original_text.as_deref(), Some("It is 100"));
    e.queue().drain().await.unwrap();
    assert_eq!(
        said(
            api::simulator_transcript(e, Some("Anna".into()))
                .await
                .unwrap()
        ),
        ["It is 110"]
    );
    let history: Vec<String> =
        sqlx::query_scalar("SELECT text FROM message_edits WHERE message_id = ?1 ORDER BY id")
            .bind(reply.id)
            .fetch_all(e.store().pool())
            .await
            .unwrap();
    assert_eq!(history, ["It is 100", "It is 120"]);
    // A customer's message cannot be changed by the shop; nothing is written.
    let inbound = api::get_conversation(e, anna).await.unwrap().messages[0].id;
    let err = api::edit_reply(e, inbound, "Cheaper?".into())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(
        api::get_conversation(e, anna).await.unwrap().messages[0].text,
        "Price?"
    );
}
