//! The messages a reply or a file goes out as.

use whatsapp_rust::Jid;
use whatsapp_rust::wacore::proto_helpers::MessageBuilderExt;
use whatsapp_rust::waproto::buffa::MessageField;
use whatsapp_rust::waproto::whatsapp as wa;

use super::super::super::device::{MediaKind, Quoted, Upload};

/// The context of a reply to `quoted` in `chat`. The channel knows the
/// quoted message by id and text; its author is taken to be the customer
/// in a private chat, and left out in a group.
pub fn quote(chat: &Jid, quoted: &Quoted) -> wa::ContextInfo {
    let participant =
        (chat.server != whatsapp_rust::Server::Group).then(|| chat.to_non_ad().to_string());
    wa::ContextInfo {
        stanza_id: Some(quoted.id.clone()),
        participant,
        quoted_message: quoted
            .text
            .as_ref()
            .map(|t| MessageField::some(wa::Message::text(t.clone())))
            .unwrap_or_default(),
        ..Default::default()
    }
}

/// Where WhatsApp keeps an uploaded file, and its keys.
pub struct Uploaded {
    url: String,
    direct_path: String,
    media_key: [u8; 32],
    file_enc_sha256: [u8; 32],
    file_sha256: [u8; 32],
    file_length: u64,
    media_key_timestamp: i64,
    streaming_sidecar: Option<Vec<u8>>,
}

impl From<whatsapp_rust::upload::UploadResponse> for Uploaded {
    fn from(r: whatsapp_rust::upload::UploadResponse) -> Self {
        Self {
            url: r.url,
            direct_path: r.direct_path,
            media_key: r.media_key,
            file_enc_sha256: r.file_enc_sha256,
            file_sha256: r.file_sha256,
            file_length: r.file_length,
            media_key_timestamp: r.media_key_timestamp,
            streaming_sidecar: r.streaming_sidecar,
        }
    }
}

/// The message carrying an uploaded file, and the caption when the kind
/// of message has no place for one.
pub fn file_message(
    file: &Upload,
    up: Uploaded,
    caption: Option<&str>,
    context: Option<wa::ContextInfo>,
) -> (wa::Message, Option<String>) {
    let context = context.map(MessageField::some).unwrap_or_default();
    let caption_text = caption.map(str::to_owned);
    let mime = Some(file.mime.clone()).filter(|m| !m.is_empty());
    match file.kind {
        MediaKind::Image => (
            wa::Message {
                image_message: MessageField::some(wa::message::ImageMessage {
                    url: Some(up.url),
                    direct_path: Some(up.direct_path),
                    media_key: Some(up.media_key.to_vec()),
                    file_enc_sha256: Some(up.file_enc_sha256.to_vec()),
                    file_sha256: Some(up.file_sha256.to_vec()),
                    file_length: Some(up.file_length),
                    media_key_timestamp: Some(up.media_key_timestamp),
                    mimetype: mime.or_else(|| Some("image/jpeg".into())),
                    caption: caption_text,
                    context_info: context,
                    ..Default::default()
                }),
                ..Default::default()
            },
            None,
        ),
        MediaKind::Video => (
            wa::Message {
                video_message: MessageField::some(wa::message::VideoMessage {
                    url: Some(up.url),
                    direct_path: Some(up.direct_path),
                    media_key: Some(up.media_key.to_vec()),
                    file_enc_sha256: Some(up.file_enc_sha256.to_vec()),
                    file_sha256: Some(up.file_sha256.to_vec()),
                    file_length: Some(up.file_length),
                    media_key_timestamp: Some(up.media_key_timestamp),
                    streaming_sidecar: up.streaming_sidecar,
                    mimetype: mime.or_else(|| Some("video/mp4".into())),
                    caption: caption_text,
                    context_info: context,
                    ..Default::default()
                }),
                ..Default::default()
            },
            None,
        ),
        MediaKind::Voice | MediaKind::Audio => {
            let voice = file.kind == MediaKind::Voice;
            let mimetype = if voice {
                Some("audio/ogg; codecs=opus".to_owned())
            } else {
                mime.or_else(|| Some("audio/mpeg".into()))
            };
            (
                wa::Message {
                    audio_message: MessageField::some(wa::message::AudioMessage {
                        url: Some(up.url),
                        direct_path: Some(up.direct_path),
                        media_key: Some(up.media_key.to_vec()),
                        file_enc_sha256: Some(up.file_enc_sha256.to_vec()),
                        file_sha256: Some(up.file_sha256.to_vec()),
                        file_length: Some(up.file_length),
                        media_key_timestamp: Some(up.media_key_timestamp),
                        streaming_sidecar: up.streaming_sidecar,
                        mimetype,
                        ptt: Some(voice),
                        context_info: context,
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                caption_text,
            )
        }
        MediaKind::Sticker => (
            wa::Message {
                sticker_message: MessageField::some(wa::message::StickerMessage {
                    url: Some(up.url),
                    direct_path: Some(up.direct_path),
                    media_key: Some(up.media_key.to_vec()),
                    file_enc_sha256: Some(up.file_enc_sha256.to_vec()),
                    file_sha256: Some(up.file_sha256.to_vec()),
                    file_length: Some(up.file_length),
                    media_key_timestamp: Some(up.media_key_timestamp),
                    mimetype: mime.or_else(|| Some("image/webp".into())),
                    context_info: context,
                    ..Default::default()
                }),
                ..Default::default()
            },
            caption_text,
        ),
        MediaKind::Document => {
            let document = wa::Message {
                document_message: MessageField::some(wa::message::DocumentMessage {
                    url: Some(up.url),
                    direct_path: Some(up.direct_path),
                    media_key: Some(up.media_key.to_vec()),
                    file_enc_sha256: Some(up.file_enc_sha256.to_vec()),
                    file_sha256: Some(up.file_sha256.to_vec()),
                    file_length: Some(up.file_length),
                    media_key_timestamp: Some(up.media_key_timestamp),
                    mimetype: mime.or_else(|| Some("application/octet-stream".into())),
                    file_name: Some(file.name.clone()),
                    title: Some(file.name.clone()),
                    caption: caption_text.clone(),
                    context_info: context,
                    ..Default::default()
                }),
                ..Default::default()
            };
            // A document with a caption travels wrapped, as WhatsApp sends it.
            let message = if caption_text.is_some() {
                wa::Message {
                    document_with_caption_message: MessageField::some(
                        wa::message::FutureProofMessage {
                            message: MessageField::some(document),
                        },
                    ),
                    ..Default::default()
                }
            } else {
                document
            };
            (message, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uploaded() -> Uploaded {
        Uploaded {
            url: "https://mmg.whatsapp.net/x".into(),
            direct_path: "/v/x".into(),
            media_key: [1; 32],
            file_enc_sha256: [2; 32],
            file_sha256: [3; 32],
            file_length: 3,
            media_key_timestamp: 1_700_000_000,
            streaming_sidecar: None,
        }
    }

    fn upload(kind: MediaKind, mime: &str) -> Upload {
        Upload {
            kind,
            name: "file.bin".into(),
            mime: mime.into(),
            bytes: vec![1, 2, 3],
        }
    }

    #[test]
    fn files_go_out_as_the_right_kind_of_message() {
        let chat: Jid = "79991234567@s.whatsapp.net".parse().unwrap();
        let context = quote(
            &chat,
            &Quoted {
                id: "Q1".into(),
                text: Some("Which size?".into()),
            },
        );
        let (image, left) = file_message(
            &upload(MediaKind::Image, "image/png"),
            uploaded(),
            Some("big"),
            Some(context),
        );
        assert_eq!(left, None);
        let img = image.image_message.as_option().expect("an image");
        assert_eq!(img.caption.as_deref(), Some("big"));
        assert_eq!(img.mimetype.as_deref(), Some("image/png"));
        assert_eq!(img.direct_path.as_deref(), Some("/v/x"));
        assert_eq!(img.media_key.as_deref(), Some(&[1; 32][..]));
        let ctx = img.context_info.as_option().expect("a reply");
        assert_eq!(ctx.stanza_id.as_deref(), Some("Q1"));
        assert_eq!(
            ctx.participant.as_deref(),
            Some("79991234567@s.whatsapp.net")
        );
        assert_eq!(
            ctx.quoted_message
                .as_option()
                .and_then(|m| m.conversation.as_deref()),
            Some("Which size?")
        );

        let (voice, left) = file_message(
            &upload(MediaKind::Voice, "audio/webm"),
            uploaded(),
            Some("listen"),
            None,
        );
        let audio = voice.audio_message.as_option().expect("audio");
        assert_eq!(audio.ptt, Some(true));
        assert_eq!(audio.mimetype.as_deref(), Some("audio/ogg; codecs=opus"));
        assert_eq!(
            left.as_deref(),
            Some("listen"),
            "a voice note takes no caption"
        );

        let (music, _) = file_message(
            &upload(MediaKind::Audio, "audio/mpeg"),
            uploaded(),
            None,
            None,
        );
        assert_eq!(
            music.audio_message.as_option().and_then(|a| a.ptt),
            Some(false)
        );

        let (video, _) = file_message(
            &upload(MediaKind::Video, "video/mp4"),
            uploaded(),
            Some("v"),
            None,
        );
        assert_eq!(
            video
                .video_message
                .as_option()
                .and_then(|v| v.caption.as_deref()),
            Some("v")
        );

        let (plain_doc, _) = file_message(
            &upload(MediaKind::Document, "application/pdf"),
            uploaded(),
            None,
            None,
        );
        let doc = plain_doc.document_message.as_option().expect("a document");
        assert_eq!(doc.file_name.as_deref(), Some("file.bin"));
        let (captioned, _) = file_message(
            &upload(MediaKind::Document, "application/pdf"),
            uploaded(),
            Some("prices"),
            None,
        );
        let inner = captioned
            .document_with_caption_message
            .as_option()
            .and_then(|w| w.message.as_option())
            .and_then(|m| m.document_message.as_option())
            .expect("a wrapped document");
        assert_eq!(inner.caption.as_deref(), Some("prices"));
    }

    #[test]
    fn a_reply_in_a_group_names_no_author() {
        let group: Jid = "120363012345678901@g.us".parse().unwrap();
        let ctx = quote(
            &group,
            &Quoted {
                id: "Q".into(),
                text: None,
            },
        );
        assert_eq!(ctx.participant, None);
        assert!(!ctx.quoted_message.is_set());
    }
}
