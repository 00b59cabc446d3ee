//! A linked number at work, inbound: each kind of message in the inbox,
//! reactions, replies, edits and deletions applied to the stored messages,
//! the owner's own messages from the phone, group chats by flag, the
//! customer joined with the same person on another channel by phone, and a
//! dropped connection or a laptop that slept losing and repeating nothing.

use tuberry::api;
use tuberry::channels::whatsapp::linked::device::MediaKind;
use tuberry::channels::whatsapp::linked::model::WhatsAppFlags;
use tuberry::model::{
    AttachmentKind, AuthorKind, ContactIdentity, Delivery, Direction, IdentityKind,
};
use tuberry::relay::Inbound;
use tuberry_fakes::whatsapp_web::msg::{self, Build};

use super::{SHOP, Wa};

const ANNA: &str = "+79161234567";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_message_reaches_the_inbox_and_changes_apply_to_it() {
    let wa = Wa::start().await;
    let account_id = wa.link().await;
    let photo = wa
        .fake
        .add_media(MediaKind::Image, "image/jpeg", None, b"\xff\xd8jpeg bytes");
    let voice = wa.fake.add_media(
        MediaKind::Voice,
        "audio/ogg; codecs=opus",
        None,
        b"OggS opus voice",
    );
    let pdf = wa.fake.add_media(
        MediaKind::Document,
        "application/pdf",
        Some("price list.pdf"),
        b"%PDF-1.7",
    );
    let video = wa
        .fake
        .add_media(MediaKind::Video, "video/mp4", None, b"mp4 video bytes");
    let (hello, photo_id, poll) = (msg::id(), msg::id(), msg::id());
    for message in [
        msg::text(ANNA, &hello, "Do you have peonies?").named("Anna"),
        msg::media(ANNA, &photo_id, photo, Some("Like these")),
        msg::media(ANNA, &msg::id(), voice, None),
        msg::media(ANNA, &msg::id(), pdf, None),
        msg::media(ANNA, &msg::id(), video, None),
        msg::location(
            ANNA,
            &msg::id(),
            55.7558,
            37.6173,
            Some("Red Square"),
            Some("Moscow"),
        ),
        msg::contacts(
            ANNA,
            &msg::id(),
            vec![msg::contact("Olga", &["+7 916 000-00-01"])],
        ),
        msg::text(ANNA, &msg::id(), "How much are they?").reply_to(&photo_id, "Like these"),
        msg::other(ANNA, &poll, "a poll"),
    ] {
        wa.fake.write(SHOP, message);
    }
    let chat = msg::jid(ANNA);
    let conversation = wa.conversation(account_id, &chat).await;
    let all = wa
        .until_messages(conversation, "every message is stored", |m| m.len() == 9)
        .await;
    let detail = api::get_conversation(wa.engine(), conversation)
        .await
        .unwrap();
    assert_eq!(detail.conversation.contact_name, "Anna");
    assert_eq!(detail.conversation.channel_kind.as_str(), "whatsapp");
    assert!(detail.contact.identities.contains(&ContactIdentity {
        kind: IdentityKind::Phone,
        value: ANNA.into()
    }));

    assert_eq!(all[0].text, "Do you have peonies?");
    assert_eq!(all[1].text, "Like these");
    let file = |i: usize| all[i].attachments[0].clone();
    assert_eq!(file(1).kind, AttachmentKind::Image);
    let kept = wa
        .engine()
        .files()
        .read(file(1).url.as_deref().unwrap())
        .await;
    assert_eq!(kept.unwrap(), b"\xff\xd8jpeg bytes");
    assert_eq!(file(2).kind, AttachmentKind::Audio);
    assert_eq!(file(2).name, "voice.ogg");
    assert!(file(2).mime.unwrap().starts_with("audio/ogg"));
    assert_eq!(file(3).name, "price list.pdf");
    assert_eq!(file(4).kind, AttachmentKind::Video);
    assert!(all[5].text.contains("Red Square") && all[5].text.contains("55.7558"));
    assert!(all[6].text.contains("Olga") && all[6].text.contains("+7 916 000-00-01"));
    assert_eq!(all[7].quoted.as_deref(), Some("Like these"));
    assert_eq!(all[8].text, "[a poll]");

    // A reaction shows on its message; an edit and a deletion apply.
    wa.fake
        .write(SHOP, msg::reaction(ANNA, &msg::id(), &photo_id, "❤️"));
    wa.fake.write(
        SHOP,
        msg::edit(ANNA, &msg::id(), &hello, "Do you have white peonies?"),
    );
    wa.fake.write(SHOP, msg::revoke(ANNA, &msg::id(), &poll));
    let all = wa
        .until_messages(conversation, "the changes are applied", |m| {
            m[1].reaction.is_some() && m[0].edited_at.is_some() && m[8].deleted_at.is_some()
        })
        .await;
    assert_eq!(all.len(), 9, "changes are not messages");
    assert_eq!(all[1].reaction.as_deref(), Some("❤️"));
    assert_eq!(all[0].text, "Do you have white peonies?");
    wa.fake
        .write(SHOP, msg::reaction(ANNA, &msg::id(), &photo_id, ""));
    wa.until_messages(conversation, "the reaction is taken back", |m| {
        m[1].reaction.is_none()
    })
    .await;
    wa.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owners_messages_from_the_phone_are_kept_as_sent_and_groups_count_once_turned_on() {
    let wa = Wa::start().await;
    let account_id = wa.link().await;
    wa.fake.write_text(SHOP, ANNA, "Are you open today?");
    let chat = msg::jid(ANNA);
    let conversation = wa.conversation(account_id, &chat).await;
    wa.until_messages(conversation, "the customer's message", |m| m.len() == 1)
        .await;
    wa.fake
        .write(SHOP, msg::text(ANNA, &msg::id(), "Until eight.").from_me());
    let all = wa
        .until_messages(conversation, "the owner's message is stored", |m| {
            m.len() == 2
        })
        .await;
    let own = &all[1];
    assert_eq!(
        (own.direction, own.author_kind),
        (Direction::Out, AuthorKind::Manager)
    );
    assert_eq!(own.author_name.as_deref(), Some("Flower shop"));
    assert_eq!(own.delivery, Some(Delivery::Delivered));

    // A group's messages stay out until groups are turned on.
    let group = "120363000000000001@g.us";
    wa.fake.write(
        SHOP,
        msg::text(ANNA, &msg::id(), "in the group, before").in_group(group),
    );
    wa.fake.write_text(SHOP, ANNA, "marker");
    wa.until_messages(conversation, "the marker arrives", |m| m.len() == 3)
        .await;
    let groups: i64 =
        sqlx::query_scalar("SELECT count(*) FROM conversations WHERE external_thread_id = ?1")
            .bind(group)
            .fetch_one(wa.engine().store().pool())
            .await
            .unwrap();
    assert_eq!(groups, 0, "groups are off by default");
    api::set_whatsapp_flags(
        wa.engine(),
        account_id,
        WhatsAppFlags {
            private_chats: true,
            groups: true,
        },
    )
    .await
    .unwrap();
    wa.fake.write(
        SHOP,
        msg::text(ANNA, &msg::id(), "in the group, after").in_group(group),
    );
    let in_group = wa.conversation(account_id, group).await;
    let messages = wa
        .until_messages(in_group, "the group's message", |m| m.len() == 1)
        .await;
    assert_eq!(messages[0].text, "in the group, after");
    wa.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_phone_on_another_channel_is_the_same_contact() {
    let wa = Wa::start().await;
    let simulator = wa.engine().simulator().account_id();
    let earlier = wa
        .engine()
        .relay()
        .ingest(
            Inbound {
                channel_account_id: simulator,
                external_message_id: "tg-1".into(),
                external_thread_id: "anna on telegram".into(),
                sender: ContactIdentity {
                    kind: IdentityKind::Simulator,
                    value: "anna on telegram".into(),
                },
                sender_name: "Anna T.".into(),
                subject: None,
                text: "Hi from Telegram".into(),
                attachments: Vec::new(),
                sent_at: None,
            }
            .validate()
            .unwrap(),
        )
        .await
        .unwrap();
    // She shared her phone there.
    wa.engine()
        .relay()
        .note_identities(
            earlier.conversation_id,
            &[ContactIdentity {
                kind: IdentityKind::Phone,
                value: ANNA.into(),
            }],
        )
        .await
        .unwrap();
    let account_id = wa.link().await;
    wa.fake.write_text(SHOP, ANNA, "Hi from WhatsApp");
    let conversation = wa.conversation(account_id, &msg::jid(ANNA)).await;
    let jid = ContactIdentity {
        kind: IdentityKind::Whatsapp,
        value: msg::jid(ANNA),
    };
    // The WhatsApp address is noted and the contacts joined right after the
    // message is stored (before WhatsApp is told it arrived).
    let on_telegram = crate::helpers::eventually("her contacts are joined", async || {
        let detail = api::get_conversation(wa.engine(), earlier.conversation_id)
            .await
            .unwrap();
        detail.contact.identities.contains(&jid).then_some(detail)
    })
    .await;
    let on_whatsapp = api::get_conversation(wa.engine(), conversation)
        .await
        .unwrap();
    assert_eq!(on_whatsapp.contact.id, on_telegram.contact.id);
    wa.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_and_a_laptop_that_slept_lose_and_repeat_nothing() {
    let mut wa = Wa::start().await;
    let account_id = wa.link().await;
    for i in 0..30 {
        wa.fake.write_text(SHOP, ANNA, &format!("message {i}"));
    }
    // The line drops while they arrive.
    wa.fake.drop_connections(SHOP);
    let conversation = wa.conversation(account_id, &msg::jid(ANNA)).await;
    wa.until_state(account_id, "connected").await;
    wa.until_messages(conversation, "the first thirty arrive", |m| m.len() == 30)
        .await;

    // The laptop sleeps: the app is closed while customers write.
    wa.stop_engine().await;
    for i in 30..130 {
        wa.fake.write_text(SHOP, ANNA, &format!("message {i}"));
    }
    wa.restart().await;
    let all = wa
        .until_messages(conversation, "everything written meanwhile arrives", |m| {
            m.len() >= 130
        })
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let all_again = wa.messages(conversation).await;
    assert_eq!(all_again.len(), 130, "nothing twice");
    let texts: Vec<String> = all.iter().map(|m| m.text.clone()).collect();
    let expected: Vec<String> = (0..130).map(|i| format!("message {i}")).collect();
    assert_eq!(texts, expected, "in order, none lost");
    assert_eq!(wa.fake.unacked(SHOP), 0, "every batch was acknowledged");
    wa.stop().await;
}

/// A contact of the Test chat, known to have `phone`.
async fn contact_with_phone(wa: &Wa, who: &str, phone: &str) -> i64 {
    let simulator = wa.engine().simulator().account_id();
    let outcome = wa
        .engine()
        .relay()
        .ingest(
            Inbound {
                channel_account_id: simulator,
                external_message_id: format!("{who}-1"),
                external_thread_id: who.into(),
                sender: ContactIdentity {
                    kind: IdentityKind::Simulator,
                    value: who.into(),
                },
                sender_name: who.into(),
                subject: None,
                text: "Hello".into(),
                attachments: Vec::new(),
                sent_at: None,
            }
            .validate()
            .unwrap(),
        )
        .await
        .unwrap();
    let contact: i64 = sqlx::query_scalar(
        "UPDATE contacts SET phone = ?2 WHERE id = (SELECT contact_id FROM conversations WHERE id = ?1)
         RETURNING id",
    )
    .bind(outcome.conversation_id)
    .bind(phone)
    .fetch_one(wa.engine().store().pool())
    .await
    .unwrap();
    contact
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_contact_with_the_phone_is_joined_and_several_are_offered() {
    let wa = Wa::start().await;
    let vera = contact_with_phone(&wa, "Vera", "+7 (916) 765-43-21").await;
    let twin_a = contact_with_phone(&wa, "Oleg A", "+7 903 111 22 33").await;
    let twin_b = contact_with_phone(&wa, "Oleg B", "+7-903-111-22-33").await;
    let account_id = wa.link().await;

    wa.fake
        .write_text(SHOP, "+79167654321", "It's Vera, on WhatsApp");
    let conversation = wa.conversation(account_id, &msg::jid("+79167654321")).await;
    let detail = crate::helpers::eventually("Vera is joined", async || {
        let detail = api::get_conversation(wa.engine(), conversation)
            .await
            .ok()?;
        (detail.contact.id == vera).then_some(detail)
    })
    .await;
    assert!(detail.contact.identities.contains(&ContactIdentity {
        kind: IdentityKind::Phone,
        value: "+79167654321".into()
    }));

    // Two contacts with that phone: none is chosen, both are offered.
    wa.fake.write_text(SHOP, "+79031112233", "Oleg here");
    let conversation = wa.conversation(account_id, &msg::jid("+79031112233")).await;
    wa.until_messages(conversation, "Oleg's message", |m| m.len() == 1)
        .await;
    let contact = api::get_conversation(wa.engine(), conversation)
        .await
        .unwrap()
        .contact;
    assert!(contact.id != twin_a && contact.id != twin_b);
    assert_eq!(contact.phone.as_deref(), Some("+79031112233"));
    let offered: Vec<i64> = api::same_phone_contacts(wa.engine(), contact.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(offered, vec![twin_a, twin_b]);
    assert!(
        api::same_phone_contacts(wa.engine(), vera)
            .await
            .unwrap()
            .is_empty()
    );
    wa.stop().await;
}
