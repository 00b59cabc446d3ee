//! Outside the 24-hour window: the number's approved templates, listed from
//! its business account and sent in their place.

use serde_json::json;
use tuberry::api;
use tuberry::channels::whatsapp::cloud::model::{CloudNumberUpdate, TemplateReply};
use tuberry::clock::Clock;
use tuberry::model::Delivery;
use tuberry_fakes::whatsapp_cloud::Template;

use super::{CUSTOMER, Cloud, PHONE_NUMBER_ID};

const HOUR: i64 = 60 * 60 * 1000;
const WABA: &str = "102290129340398";

fn templates() -> Vec<Template> {
    let mut promo = Template::approved("autumn_sale", "ru", "Скидка {{1}} до конца недели");
    promo.status = "PENDING".into();
    let mut ready = Template::approved(
        "order_ready",
        "ru",
        "Здравствуйте, {{1}}! Заказ {{2}} готов к выдаче.",
    );
    ready.footer = Some("Магазин «Дрель»".into());
    vec![
        ready,
        Template::approved("hello_world", "en_US", "Hello from the shop!"),
        promo,
    ]
}

fn reply(conversation_id: i64, name: &str, language: &str, params: &[&str]) -> TemplateReply {
    TemplateReply {
        conversation_id,
        name: name.into(),
        language: language.into(),
        params: params.iter().map(|&p| p.to_owned()).collect(),
    }
}

#[tokio::test]
async fn after_24_hours_an_approved_template_goes_in_place_of_a_reply() {
    let mut app = Cloud::start().await;
    app.fake
        .add_business_account(WABA, &[PHONE_NUMBER_ID], templates());
    app.customer_writes("Когда будет готов заказ?").await;
    let conversation = app.conversation_id().await;

    // Without the business account there are no templates to offer.
    let window = api::whatsapp_reply_window(app.engine(), conversation)
        .await
        .unwrap()
        .expect("a Cloud API conversation");
    assert_eq!(
        (window.open, window.templates, window.closes_at),
        (
            true,
            false,
            Some(app.clock.now_ms() / 1000 * 1000 + 24 * HOUR)
        )
    );
    let err = api::whatsapp_cloud_templates(app.engine(), app.account_id())
        .await
        .unwrap_err();
    assert!(err.message.contains("Business Account ID"), "{err:?}");
    let update = CloudNumberUpdate {
        business_account_id: Some(format!(" {WABA} ")),
        ..CloudNumberUpdate::default()
    };
    let number = api::update_whatsapp_cloud_number(app.engine(), app.account_id(), update)
        .await
        .unwrap();
    assert_eq!(number.business_account_id.as_deref(), Some(WABA));

    app.clock.advance(25 * HOUR);
    let window = api::whatsapp_reply_window(app.engine(), conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((window.open, window.templates), (false, true));

    // Only approved templates are offered, in order.
    let offered = api::whatsapp_cloud_templates(app.engine(), app.account_id())
        .await
        .unwrap();
    let names: Vec<(&str, &str, u32)> = offered
        .iter()
        .map(|t| (t.name.as_str(), t.language.as_str(), t.params))
        .collect();
    assert_eq!(
        names,
        vec![("hello_world", "en_US", 0), ("order_ready", "ru", 2)]
    );

    // Wrong values are refused before anything is stored.
    let before = app.rows().await;
    for (wrong, words) in [
        (
            reply(conversation, "order_ready", "ru", &["Анна"]),
            "takes 2 values",
        ),
        (
            reply(conversation, "order_ready", "ru", &["Анна", "42\n43"]),
            "one line",
        ),
        (
            reply(conversation, "autumn_sale", "ru", &["10%"]),
            "not among",
        ),
        (
            reply(conversation, "order_ready", "en_US", &["A", "1"]),
            "not among",
        ),
    ] {
        let err = api::send_whatsapp_template(app.engine(), wrong)
            .await
            .unwrap_err();
        assert!(err.message.contains(words), "{words}: {err:?}");
    }
    assert_eq!(
        app.rows().await,
        before,
        "a refused template writes nothing"
    );

    let sent = api::send_whatsapp_template(
        app.engine(),
        reply(conversation, "order_ready", "ru", &["Анна", "42"]),
    )
    .await
    .unwrap();
    assert_eq!(
        sent.text,
        "Здравствуйте, Анна! Заказ 42 готов к выдаче.\n\nМагазин «Дрель»"
    );
    app.until_message(sent.id, "sent", |m| m.delivery == Some(Delivery::Sent))
        .await;
    let accepted = app.fake.sent();
    assert_eq!(accepted.len(), 1);
    assert_eq!(
        accepted[0].body,
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER,
            "type": "template",
            "template": {
                "name": "order_ready", "language": { "code": "ru" },
                "components": [{ "type": "body", "parameters": [
                    { "type": "text", "text": "Анна" }, { "type": "text", "text": "42" },
                ] }],
            },
        })
    );

    // A free-form reply is still refused; a template without values goes as is.
    let late = api::send_reply(app.engine(), conversation, "ещё вопрос?".into())
        .await
        .unwrap();
    app.until_message(late.id, "failed", |m| m.delivery == Some(Delivery::Failed))
        .await;
    let hello = api::send_whatsapp_template(
        app.engine(),
        reply(conversation, "hello_world", "en_US", &[]),
    )
    .await
    .unwrap();
    app.until_message(hello.id, "sent", |m| m.delivery == Some(Delivery::Sent))
        .await;
    let accepted = app.fake.sent();
    assert_eq!(accepted.len(), 2);
    assert_eq!(
        accepted[1].body["template"],
        json!({ "name": "hello_world", "language": { "code": "en_US" } })
    );
    app.assert_spec_kept();
    app.close().await;
}

#[tokio::test]
async fn a_wrong_business_account_reads_as_metas_answer() {
    let mut app = Cloud::start().await;
    app.customer_writes("Добрый день").await;
    let update = CloudNumberUpdate {
        business_account_id: Some("999".into()),
        ..CloudNumberUpdate::default()
    };
    api::update_whatsapp_cloud_number(app.engine(), app.account_id(), update)
        .await
        .unwrap();
    let err = api::whatsapp_cloud_templates(app.engine(), app.account_id())
        .await
        .unwrap_err();
    assert!(err.message.contains("does not exist"), "{err:?}");
    let bad = CloudNumberUpdate {
        business_account_id: Some("waba 1".into()),
        ..CloudNumberUpdate::default()
    };
    assert!(
        api::update_whatsapp_cloud_number(app.engine(), app.account_id(), bad)
            .await
            .is_err()
    );
    // An empty ID forgets it.
    let cleared = CloudNumberUpdate {
        business_account_id: Some(String::new()),
        ..CloudNumberUpdate::default()
    };
    let number = api::update_whatsapp_cloud_number(app.engine(), app.account_id(), cleared)
        .await
        .unwrap();
    assert_eq!(number.business_account_id, None);
    app.assert_spec_kept();
    app.close().await;
}
