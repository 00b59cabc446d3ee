//! A linked number at work, outbound: a reply with the message it answers,
//! its files by kind and a text beyond WhatsApp's limit, sent once through
//! failures; receipts moving it to delivered and read; WhatsApp's pace for
//! a burst of replies; the same through the HTTP stand-in.

use std::time::Duration;

use tuberry::api;
use tuberry::channels::whatsapp::linked::MAX_TEXT;
use tuberry::channels::whatsapp::linked::device::{MediaKind, WaError};
use tuberry::model::{Attachment, AttachmentKind, Delivery, Direction, Message};
use tuberry_fakes::whatsapp_web::msg;

use super::{SHOP, Wa, whatsapp_settings};
use tuberry::settings::WhatsAppSettings;

const ANNA: &str = "+79161234567";

/// The shop's number linked, and Anna's first message in its conversation.
async fn with_customer(wa: &Wa) -> (i64, i64, Message) {
    let account_id = wa.link().await;
    wa.fake.write_text(SHOP, ANNA, "Do you have peonies?");
    let conversation = wa.conversation(account_id, &msg::jid(ANNA)).await;
    let first = wa
        .until_messages(conversation, "the customer's message", |m| m.len() == 1)
        .await;
    (account_id, conversation, first[0].clone())
}

async fn until_delivery(
    wa: &Wa,
    conversation: i64,
    id: i64,
    check: impl Fn(&Message) -> bool,
) -> Message {
    super::eventually("the reply moves on", async || {
        wa.messages(conversation)
            .await
            .into_iter()
            .find(|m| m.id == id)
            .filter(|m| check(m))
    })
    .await
}

/// WhatsApp's id of a stored message (its external id is `chat:id`).
async fn first_external_id(wa: &Wa, message_id: i64) -> String {
    let external: String = sqlx::query_scalar("SELECT external_id FROM messages WHERE id = ?1")
        .bind(message_id)
        .fetch_one(wa.engine().store().pool())
        .await
        .unwrap();
    external.rsplit(':').next().unwrap().to_owned()
}

async fn upload(wa: &Wa, name: &str, mime: &str, bytes: &[u8]) -> Attachment {
    api::upload_attachment(wa.engine(), name.into(), Some(mime.into()), bytes.to_vec())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_answers_its_message_goes_once_through_failures_and_is_read() {
    let wa = Wa::start().await;
    let (_, conversation, first) = with_customer(&wa).await;
    // The first try finds the line down: the reply waits and goes once.
    wa.fake
        .fail_next_sends(SHOP, 1, WaError::Network("connection reset".into()));
    let reply = api::send_reply_with_files(
        wa.engine(),
        conversation,
        "Yes, pink and white.".into(),
        Vec::new(),
        Some(first.id),
        None,
    )
    .await
    .unwrap();
    let sent = until_delivery(&wa, conversation, reply.id, |m| {
        m.delivery == Some(Delivery::Sent)
    })
    .await;
    let out = wa.fake.sent(SHOP);
    assert_eq!(out.len(), 1, "sent once: {out:#?}");
    assert_eq!(out[0].chat, msg::jid(ANNA));
    assert_eq!(out[0].text.as_deref(), Some("Yes, pink and white."));
    let quoted = out[0].reply_to.clone().expect("it answers her message");
    assert_eq!(quoted.text.as_deref(), Some("Do you have peonies?"));
    assert!(sent.sent_at.is_some());
    assert_eq!(
        sent.quoted.as_deref(),
        Some("Do you have peonies?"),
        "the window shows what it answers"
    );

    // Her phone got it, then she read it.
    wa.fake.receipt(SHOP, &msg::jid(ANNA), &[&out[0].id], false);
    until_delivery(&wa, conversation, reply.id, |m| {
        m.delivery == Some(Delivery::Delivered) && m.read_at.is_none()
    })
    .await;
    wa.fake.receipt(SHOP, &msg::jid(ANNA), &[&out[0].id], true);
    until_delivery(&wa, conversation, reply.id, |m| m.read_at.is_some()).await;

    // Changed after she read it: changed on her phone; a reaction to her
    // question reaches her too.
    api::edit_reply(wa.engine(), reply.id, "Yes, pink, white and red.".into())
        .await
        .unwrap();
    let mut tx = wa.engine().store().write().await.unwrap();
    wa.engine()
        .outbox()
        .react_in(&mut tx, first.id, "👍")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    wa.engine().queue().wake();
    let asked = first_external_id(&wa, first.id).await;
    super::eventually("the edit and the reaction reach WhatsApp", async || {
        let edited = wa.fake.sent(SHOP)[0].edited;
        (edited && !wa.fake.reactions(SHOP).is_empty()).then_some(())
    })
    .await;
    assert_eq!(
        wa.fake.sent(SHOP)[0].text.as_deref(),
        Some("Yes, pink, white and red.")
    );
    let reaction = &wa.fake.reactions(SHOP)[0];
    assert_eq!(
        (
            reaction.chat.as_str(),
            reaction.id.as_str(),
            reaction.from_me,
            reaction.emoji.as_str()
        ),
        (msg::jid(ANNA).as_str(), asked.as_str(), false, "👍")
    );

    // A reply to a message of another conversation is refused.
    let wrong = api::send_reply_with_files(
        wa.engine(),
        conversation,
        "x".into(),
        Vec::new(),
        Some(first.id + 1_000),
        None,
    )
    .await
    .unwrap_err();
    assert!(wrong.message.contains("not in this conversation"));

    // A number WhatsApp logged out fails the reply with the reason.
    wa.fake
        .fail_next_sends(SHOP, 1, WaError::LoggedOut("the device was removed".into()));
    let refused = api::send_reply(wa.engine(), conversation, "Anything else?".into())
        .await
        .unwrap();
    let failed = until_delivery(&wa, conversation, refused.id, |m| {
        m.delivery == Some(Delivery::Failed)
    })
    .await;
    assert!(failed.delivery_error.unwrap().contains("link it again"));
    wa.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_go_by_their_kind_and_a_long_text_is_split() {
    let wa = Wa::start().await;
    let (_, conversation, _) = with_customer(&wa).await;
    let photo = upload(&wa, "peonies.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 jpeg").await;
    let voice = upload(&wa, "answer.ogg", "audio/ogg", b"OggS voice").await;
    let pdf = upload(&wa, "prices.pdf", "application/pdf", b"%PDF-1.7 prices").await;
    assert_eq!(photo.kind, AttachmentKind::Image);
    let reply = api::send_reply_with_files(
        wa.engine(),
        conversation,
        "Here they are".into(),
        vec![photo, voice, pdf],
        None,
        None,
    )
    .await
    .unwrap();
    until_delivery(&wa, conversation, reply.id, |m| {
        m.delivery == Some(Delivery::Sent)
    })
    .await;
    let out = wa.fake.sent(SHOP);
    let kinds: Vec<MediaKind> = out.iter().map(|s| s.file.as_ref().unwrap().kind).collect();
    assert_eq!(
        kinds,
        vec![MediaKind::Image, MediaKind::Voice, MediaKind::Document]
    );
    assert_eq!(out[0].caption.as_deref(), Some("Here they are"));
    assert_eq!(
        out[0].file.as_ref().unwrap().bytes,
        b"\xff\xd8\xff\xe0 jpeg"
    );
    assert_eq!(out[2].file.as_ref().unwrap().name, "prices.pdf");

    // A text beyond WhatsApp's limit leaves in two messages, whole.
    let long = format!("{} {}", "a".repeat(MAX_TEXT - 10), "b".repeat(100));
    let reply = api::send_reply(wa.engine(), conversation, long.clone())
        .await
        .unwrap();
    until_delivery(&wa, conversation, reply.id, |m| {
        m.delivery == Some(Delivery::Sent)
    })
    .await;
    let texts: Vec<String> = wa.fake.sent(SHOP)[3..]
        .iter()
        .map(|s| s.text.clone().unwrap())
        .collect();
    assert_eq!(texts.len(), 2);
    assert!(texts.iter().all(|t| t.chars().count() <= MAX_TEXT));
    assert_eq!(texts.join(" "), long);
    wa.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_a_hundred_replies_keeps_whatsapps_pace() {
    // A chat gets one reply per 200 ms; the number 20 per second, three at once.
    let settings = WhatsAppSettings {
        chat_interval_ms: 200,
        account_budget: 20,
        account_window_s: 1,
        ..whatsapp_settings()
    };
    let wa = Wa::start_with(false, settings).await;
    let account_id = wa.link().await;
    let customers: Vec<String> = (0..10).map(|i| format!("+7916000{i:04}")).collect();
    let mut conversations = Vec::new();
    for customer in &customers {
        wa.fake.write_text(SHOP, customer, "Hello");
        conversations.push(wa.conversation(account_id, &msg::jid(customer)).await);
    }
    for round in 0..10 {
        for conversation in &conversations {
            api::send_reply(wa.engine(), *conversation, format!("reply {round}"))
                .await
                .unwrap();
        }
    }
    super::eventually("all 100 replies are sent", async || {
        (wa.fake.sent(SHOP).len() >= 100).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = wa.fake.sent(SHOP);
    assert_eq!(sent.len(), 100, "each once");
    let start = sent[0].at;
    let took = sent.last().unwrap().at - start;
    // Per chat: never two replies closer than the interval (a little slack for the clock).
    let mut per_chat_min = Duration::MAX;
    for customer in &customers {
        let chat = msg::jid(customer);
        let times: Vec<_> = sent
            .iter()
            .filter(|s| s.chat == chat)
            .map(|s| s.at)
            .collect();
        assert_eq!(times.len(), 10);
        for pair in times.windows(2) {
            per_chat_min = per_chat_min.min(pair[1] - pair[0]);
        }
    }
    assert!(
        per_chat_min >= Duration::from_millis(180),
        "{per_chat_min:?}"
    );
    // Per number: about the budget in any second (the budget, the burst,
    // and a few for sends that leave late and bunch up on a busy machine;
    // unpaced, all 100 would leave within it), and the whole burst takes
    // at least as long as the budget allows.
    let mut busiest = 0;
    for (i, first) in sent.iter().enumerate() {
        let within = sent[i..]
            .iter()
            .take_while(|s| s.at - first.at < Duration::from_secs(1))
            .count();
        busiest = busiest.max(within);
    }
    assert!(busiest <= 28, "{busiest} replies within one second");
    assert!(took >= Duration::from_millis(4_500), "{took:?}");
    println!(
        "pacing: 100 replies in {took:?}, at most {busiest} in a second, chat gap at least {per_chat_min:?}"
    );
    let outs = wa
        .messages(conversations[0])
        .await
        .into_iter()
        .filter(|m| m.direction == Direction::Out && m.delivery == Some(Delivery::Sent))
        .count();
    assert_eq!(outs, 10);
    wa.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_holds_through_the_http_stand_in() {
    let wa = Wa::start_with(true, whatsapp_settings()).await;
    let (_, conversation, first) = with_customer(&wa).await;
    assert_eq!(first.text, "Do you have peonies?");
    let reply = api::send_reply(wa.engine(), conversation, "Yes.".into())
        .await
        .unwrap();
    until_delivery(&wa, conversation, reply.id, |m| {
        m.delivery == Some(Delivery::Sent)
    })
    .await;
    let out = wa.fake.sent(SHOP);
    assert_eq!(out.len(), 1);
    wa.fake.receipt(SHOP, &msg::jid(ANNA), &[&out[0].id], true);
    until_delivery(&wa, conversation, reply.id, |m| m.read_at.is_some()).await;
    wa.stop().await;
}
