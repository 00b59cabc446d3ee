use whatsapp_rust::wacore::download::{Downloadable as _, MediaType};
use whatsapp_rust::wacore::types::message::MessageSource;

use super::*;

/// Base64 of bytes, as the handle writes them.
fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn jid(s: &str) -> Jid {
    s.parse().unwrap()
}

fn info(chat: &str, sender: &str, from_me: bool) -> MessageInfo {
    let chat = jid(chat);
    let is_group = chat.server == Server::Group;
    MessageInfo {
        id: "3EB0C0FFEE".into(),
        push_name: "Anna ".into(),
        timestamp: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        source: MessageSource {
            chat,
            sender: jid(sender),
            is_from_me: from_me,
            is_group,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn private() -> MessageInfo {
    info(
        "79991234567@s.whatsapp.net",
        "79991234567:3@s.whatsapp.net",
        false,
    )
}

fn map(m: wa::Message) -> WaMessage {
    to_wa_message(&private(), &m, None).expect("a message")
}

fn text(t: &str) -> wa::Message {
    wa::Message {
        conversation: Some(t.into()),
        ..Default::default()
    }
}

fn key(id: &str) -> MessageField<wa::MessageKey> {
    MessageField::some(wa::MessageKey {
        id: Some(id.into()),
        remote_jid: Some("79991234567@s.whatsapp.net".into()),
        ..Default::default()
    })
}

#[test]
fn a_plain_text_from_a_customer() {
    let m = map(text("Hello, are you open today?"));
    assert_eq!(m.id, "3EB0C0FFEE");
    assert_eq!(m.chat, "79991234567@s.whatsapp.net");
    assert_eq!(m.sender, "79991234567@s.whatsapp.net", "without the device");
    assert_eq!(m.sender_phone.as_deref(), Some("+79991234567"));
    assert_eq!(m.push_name.as_deref(), Some("Anna"));
    assert_eq!(m.timestamp, 1_700_000_000);
    assert!(!m.from_me && !m.is_group);
    assert_eq!(
        m.content,
        Content::Text("Hello, are you open today?".into())
    );
    assert_eq!(m.reply_to, None);
}

#[test]
fn an_extended_text_answering_another_message() {
    let m = map(wa::Message {
        extended_text_message: MessageField::some(wa::message::ExtendedTextMessage {
            text: Some("Yes, this one".into()),
            context_info: MessageField::some(wa::ContextInfo {
                stanza_id: Some("ORIGINAL".into()),
                participant: Some("79990000000@s.whatsapp.net".into()),
                quoted_message: MessageField::some(text("Do you have roses?")),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    });
    assert_eq!(m.content, Content::Text("Yes, this one".into()));
    assert_eq!(
        m.reply_to,
        Some(Quoted {
            id: "ORIGINAL".into(),
            text: Some("Do you have roses?".into())
        })
    );
}

#[test]
fn an_image_with_a_caption_keeps_what_the_download_needs() {
    let m = map(wa::Message {
        image_message: MessageField::some(wa::message::ImageMessage {
            mimetype: Some("image/jpeg".into()),
            caption: Some("this bouquet".into()),
            direct_path: Some("/v/t62.7118-24/123?ccb=1".into()),
            media_key: Some(vec![1; 32]),
            file_enc_sha256: Some(vec![2; 32]),
            file_sha256: Some(vec![3; 32]),
            file_length: Some(2048),
            ..Default::default()
        }),
        ..Default::default()
    });
    let Content::Media { media, caption } = m.content else {
        panic!("media expected, got {:?}", m.content);
    };
    assert_eq!(caption.as_deref(), Some("this bouquet"));
    assert_eq!(media.kind, MediaKind::Image);
    assert_eq!(media.mime.as_deref(), Some("image/jpeg"));
    assert_eq!(media.size, Some(2048));
    let handle = MediaHandle::decode(&media.handle).expect("a handle");
    assert_eq!(
        handle,
        MediaHandle {
            kind: MediaKind::Image,
            direct_path: Some("/v/t62.7118-24/123?ccb=1".into()),
            media_key: Some(vec![1; 32]),
            file_enc_sha256: Some(vec![2; 32]),
            file_sha256: Some(vec![3; 32]),
            file_length: Some(2048),
        }
    );
    assert!(matches!(handle.app_info(), MediaType::Image));
    // Keys go out as base64, not as lists of numbers.
    let json = String::from_utf8(media.handle).unwrap();
    assert!(json.contains(&b64(&[1; 32])), "{json}");
}

#[test]
fn a_voice_note_and_a_plain_audio() {
    let audio = |ptt| wa::Message {
        audio_message: MessageField::some(wa::message::AudioMessage {
            mimetype: Some("audio/ogg; codecs=opus".into()),
            ptt: Some(ptt),
            media_key: Some(vec![4; 32]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let kind = |m: WaMessage| match m.content {
        Content::Media { media, caption } => {
            assert_eq!(caption, None);
            let handle = MediaHandle::decode(&media.handle).unwrap();
            assert!(matches!(handle.app_info(), MediaType::Audio));
            media.kind
        }
        other => panic!("media expected, got {other:?}"),
    };
    assert_eq!(kind(map(audio(true))), MediaKind::Voice);
    assert_eq!(kind(map(audio(false))), MediaKind::Audio);
}

#[test]
fn a_video_a_document_and_a_sticker() {
    let video = map(wa::Message {
        video_message: MessageField::some(wa::message::VideoMessage {
            caption: Some("look".into()),
            mimetype: Some("video/mp4".into()),
            ..Default::default()
        }),
        ..Default::default()
    });
    assert!(matches!(
        video.content,
        Content::Media { ref media, ref caption }
            if media.kind == MediaKind::Video && caption.as_deref() == Some("look")
    ));

    let document = map(wa::Message {
        document_with_caption_message: MessageField::some(wa::message::FutureProofMessage {
            message: MessageField::some(wa::Message {
                document_message: MessageField::some(wa::message::DocumentMessage {
                    file_name: Some("price-list.pdf".into()),
                    mimetype: Some("application/pdf".into()),
                    caption: Some("prices".into()),
                    file_length: Some(10),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        }),
        ..Default::default()
    });
    let Content::Media { media, caption } = document.content else {
        panic!("a document expected");
    };
    assert_eq!(media.kind, MediaKind::Document);
    assert_eq!(media.file_name.as_deref(), Some("price-list.pdf"));
    assert_eq!(caption.as_deref(), Some("prices"));
    assert!(matches!(
        MediaHandle::decode(&media.handle).unwrap().app_info(),
        MediaType::Document
    ));

    let sticker = map(wa::Message {
        sticker_message: MessageField::some(wa::message::StickerMessage {
            mimetype: Some("image/webp".into()),
            ..Default::default()
        }),
        ..Default::default()
    });
    assert!(matches!(
        sticker.content,
        Content::Media { ref media, caption: None } if media.kind == MediaKind::Sticker
    ));
}

#[test]
fn a_location() {
    let m = map(wa::Message {
        location_message: MessageField::some(wa::message::LocationMessage {
            degrees_latitude: Some(41.3111),
            degrees_longitude: Some(69.2797),
            name: Some("Shop".into()),
            address: Some(" ".into()),
            ..Default::default()
        }),
        ..Default::default()
    });
    assert_eq!(
        m.content,
        Content::Location {
            latitude: 41.3111,
            longitude: 69.2797,
            name: Some("Shop".into()),
            address: None,
        }
    );
}

#[test]
fn shared_contacts_take_their_numbers_from_the_vcard() {
    let card = "BEGIN:VCARD\nVERSION:3.0\nN:;Boris;;;\nFN:Boris\n\
                item1.TEL;waid=79990000001:+7 999 000-00-01\nitem1.X-ABLabel:Mobile\n\
                TEL;type=WORK:+998 90 123 45 67\r\nEND:VCARD";
    let one = map(wa::Message {
        contact_message: MessageField::some(wa::message::ContactMessage {
            display_name: None,
            vcard: Some(card.into()),
            ..Default::default()
        }),
        ..Default::default()
    });
    assert_eq!(
        one.content,
        Content::Contacts(vec![SharedContact {
            name: "Boris".into(),
            phones: vec!["+7 999 000-00-01".into(), "+998 90 123 45 67".into()],
        }])
    );

    let many = map(wa::Message {
        contacts_array_message: MessageField::some(wa::message::ContactsArrayMessage {
            contacts: vec![
                wa::message::ContactMessage {
                    display_name: Some("Vera".into()),
                    vcard: Some("BEGIN:VCARD\nTEL:+1 555 0100\nEND:VCARD".into()),
                    ..Default::default()
                },
                wa::message::ContactMessage {
                    display_name: Some("Gleb".into()),
                    vcard: None,
                    ..Default::default()
                },
            ],
            ..Default::default()
        }),
        ..Default::default()
    });
    assert_eq!(
        many.content,
        Content::Contacts(vec![
            SharedContact {
                name: "Vera".into(),
                phones: vec!["+1 555 0100".into()],
            },
            SharedContact {
                name: "Gleb".into(),
                phones: vec![],
            },
        ])
    );
}

#[test]
fn a_reaction_and_its_withdrawal() {
    let react = |emoji: &str| wa::Message {
        reaction_message: MessageField::some(wa::message::ReactionMessage {
            key: key("TARGET"),
            text: Some(emoji.into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        map(react("👍")).content,
        Content::Reaction {
            target_id: "TARGET".into(),
            emoji: "👍".into()
        }
    );
    assert_eq!(
        map(react("")).content,
        Content::Reaction {
            target_id: "TARGET".into(),
            emoji: String::new()
        }
    );
}

#[test]
fn a_deletion_and_an_edit() {
    use wa::message::protocol_message::Type;
    let revoke = map(wa::Message {
        protocol_message: MessageField::some(wa::message::ProtocolMessage {
            key: key("GONE"),
            r#type: Some(Type::REVOKE),
            ..Default::default()
        }),
        ..Default::default()
    });
    assert_eq!(
        revoke.content,
        Content::Revoke {
            target_id: "GONE".into()
        }
    );

    // As edits arrive: wrapped, with the new text inside.
    let edit = map(wa::Message {
        edited_message: MessageField::some(wa::message::FutureProofMessage {
            message: MessageField::some(wa::Message {
                protocol_message: MessageField::some(wa::message::ProtocolMessage {
                    key: key("FIXED"),
                    r#type: Some(Type::MESSAGE_EDIT),
                    edited_message: MessageField::some(text("Open till 9 pm")),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        }),
        ..Default::default()
    });
    assert_eq!(
        edit.content,
        Content::Edit {
            target_id: "FIXED".into(),
            text: "Open till 9 pm".into()
        }
    );
}

#[test]
fn the_protocols_own_messages_are_not_messages() {
    use wa::message::protocol_message::Type;
    let key_share = wa::Message {
        protocol_message: MessageField::some(wa::message::ProtocolMessage {
            r#type: Some(Type::APP_STATE_SYNC_KEY_SHARE),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(to_wa_message(&private(), &key_share, None), None);
    let bare_key = wa::Message {
        sender_key_distribution_message: MessageField::some(Default::default()),
        ..Default::default()
    };
    assert_eq!(to_wa_message(&private(), &bare_key, None), None);
    assert_eq!(
        to_wa_message(&private(), &wa::Message::default(), None),
        None
    );
}

#[test]
fn what_the_inbox_does_not_show_is_described() {
    let poll = map(wa::Message {
        poll_creation_message_v3: MessageField::some(Default::default()),
        ..Default::default()
    });
    assert_eq!(poll.content, Content::Other("a poll".into()));
    let live = map(wa::Message {
        live_location_message: MessageField::some(Default::default()),
        ..Default::default()
    });
    assert_eq!(live.content, Content::Other("a live location".into()));
    let unknown = map(wa::Message {
        spoiler_message: MessageField::some(Default::default()),
        ..Default::default()
    });
    assert!(matches!(unknown.content, Content::Other(_)));
}

#[test]
fn status_updates_and_channels_are_not_conversations() {
    let status = info("status@broadcast", "79991234567@s.whatsapp.net", false);
    assert_eq!(to_wa_message(&status, &text("hi"), None), None);
    let channel = info(
        "120363000000000000@newsletter",
        "120363000000000000@newsletter",
        false,
    );
    assert_eq!(to_wa_message(&channel, &text("hi"), None), None);
}

#[test]
fn a_group_message() {
    let group = info(
        "120363012345678901@g.us",
        "79990000001:2@s.whatsapp.net",
        false,
    );
    let m = to_wa_message(&group, &text("hi all"), None).unwrap();
    assert!(m.is_group);
    assert_eq!(m.chat, "120363012345678901@g.us");
    assert_eq!(m.sender, "79990000001@s.whatsapp.net");
    assert_eq!(m.sender_phone.as_deref(), Some("+79990000001"));
    assert_eq!(lid_to_resolve(&group), None);

    let mine = info(
        "120363012345678901@g.us",
        "79991111111@s.whatsapp.net",
        true,
    );
    let m = to_wa_message(&mine, &text("hello"), None).unwrap();
    assert!(m.from_me);
    assert_eq!(
        m.sender_phone, None,
        "no customer in the number's own group message"
    );
}

#[test]
fn a_customer_known_by_lid() {
    let mut lid = info("100000012345678@lid", "100000012345678@lid", false);
    assert_eq!(
        lid_to_resolve(&lid).map(|j| j.to_string()).as_deref(),
        Some("100000012345678@lid")
    );
    let unknown = to_wa_message(&lid, &text("hi"), None).unwrap();
    assert_eq!(unknown.sender_phone, None);
    assert_eq!(unknown.chat, "100000012345678@lid");
    let mapped = to_wa_message(&lid, &text("hi"), Some("79990000001")).unwrap();
    assert_eq!(mapped.sender_phone.as_deref(), Some("+79990000001"));

    // The number alongside the LID in the message itself.
    lid.source.sender_alt = Some(jid("79990000002@s.whatsapp.net"));
    assert_eq!(lid_to_resolve(&lid), None);
    let alt = to_wa_message(&lid, &text("hi"), None).unwrap();
    assert_eq!(alt.sender_phone.as_deref(), Some("+79990000002"));
}

#[test]
fn the_numbers_own_message_carries_the_customers_number() {
    let mut mine = info(
        "79991234567@s.whatsapp.net",
        "79990000009:1@s.whatsapp.net",
        true,
    );
    let m = to_wa_message(&mine, &text("We open at 10"), None).unwrap();
    assert!(m.from_me);
    assert_eq!(m.sender_phone.as_deref(), Some("+79991234567"));

    mine.source.chat = jid("100000012345678@lid");
    assert!(lid_to_resolve(&mine).is_some());
    mine.source.recipient_alt = Some(jid("79991234567@s.whatsapp.net"));
    assert_eq!(lid_to_resolve(&mine), None);
    let m = to_wa_message(&mine, &text("We open at 10"), None).unwrap();
    assert_eq!(m.sender_phone.as_deref(), Some("+79991234567"));
}

#[test]
fn vcard_lines_without_numbers_are_skipped() {
    assert_eq!(
        vcard_phones("BEGIN:VCARD\nTEL;type=CELL:\nFN:x\nEND:VCARD"),
        Vec::<String>::new()
    );
    assert_eq!(vcard_phones("tel:+1 2"), vec!["+1 2".to_owned()]);
}
