#![allow(clippy::unwrap_used)]

use std::time::Duration;

use tuberry::channels::whatsapp::linked::device::{
    Connector, Content, Device, DeviceEvent, MediaKind, Upload, WaError,
};

use super::msg::{self, Build as _};
use super::{FakeWhatsApp, KEYS_MARK};

mod http;

const SHOP: &str = "+79990001122";
const CUSTOMER: &str = "+79161234567";

pub(super) async fn event(device: &dyn Device) -> DeviceEvent {
    tokio::time::timeout(Duration::from_secs(5), device.next_event())
        .await
        .expect("an event comes")
        .expect("the device works")
}

async fn quiet(device: &dyn Device) -> bool {
    tokio::time::timeout(Duration::from_millis(100), device.next_event())
        .await
        .is_err()
}

/// A device of `SHOP` linked by scanning, its keys taken.
async fn linked(fake: &FakeWhatsApp) -> (Box<dyn Device>, Vec<u8>) {
    fake.add_number(SHOP, "Flower Shop");
    let device = fake.connect(None).await.unwrap();
    assert!(matches!(event(&*device).await, DeviceEvent::Qr { .. }));
    let me = fake.scan(SHOP).unwrap();
    assert!(matches!(event(&*device).await, DeviceEvent::Paired(m) if m == me));
    assert!(matches!(event(&*device).await, DeviceEvent::Connected(m) if m == me));
    let keys = device.keys().await.unwrap().unwrap();
    (device, keys)
}

#[tokio::test]
async fn qr_codes_rotate_six_times_then_the_pairing_lapses() {
    let fake = FakeWhatsApp::new();
    let device = fake.connect(None).await.unwrap();
    let DeviceEvent::Qr { code, valid_for_ms } = event(&*device).await else {
        panic!("a QR code first");
    };
    assert_eq!(valid_for_ms, 60_000);
    let parts: Vec<&str> = code.split(',').collect();
    assert_eq!(parts.len(), 4, "{code}");
    assert!(parts[0].starts_with("2@"));
    assert!(parts[1..].iter().all(|p| p.len() == 44 && p.ends_with('=')));
    for _ in 0..5 {
        fake.rotate_qr();
        assert!(matches!(
            event(&*device).await,
            DeviceEvent::Qr {
                valid_for_ms: 20_000,
                ..
            }
        ));
    }
    let codes = fake.qr_codes();
    assert_eq!(codes.len(), 6);
    assert_eq!(codes[0], code);
    let distinct: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(distinct.len(), 6);
    fake.rotate_qr();
    assert!(matches!(event(&*device).await, DeviceEvent::PairingExpired));
    fake.add_number(SHOP, "Flower Shop");
    assert_eq!(fake.scan(SHOP), None, "a lapsed pairing cannot be scanned");
    assert_eq!(device.keys().await.unwrap(), None);
}

#[tokio::test]
async fn a_device_pairs_by_a_code_typed_on_the_phone() {
    let fake = FakeWhatsApp::new();
    let me = fake.add_number(SHOP, "Flower Shop");
    assert_eq!(me.jid, "79990001122:12@s.whatsapp.net");
    let device = fake.connect(None).await.unwrap();
    assert!(matches!(event(&*device).await, DeviceEvent::Qr { .. }));

    let unknown = device.pair_code("79990000000").await;
    assert!(matches!(unknown, Err(WaError::Refused(_))), "{unknown:?}");
    assert!(matches!(
        event(&*device).await,
        DeviceEvent::PairingFailed(_)
    ));

    let code = device.pair_code("79990001122").await.unwrap();
    assert_eq!(code.len(), 9);
    assert_eq!(code.as_bytes()[4], b'-');
    assert_eq!(fake.enter_code("WRONG-CODE"), None);
    assert_eq!(
        fake.enter_code(&code.replace('-', "").to_lowercase()),
        Some(me.clone())
    );
    assert!(matches!(event(&*device).await, DeviceEvent::Paired(m) if m == me));
    assert!(matches!(event(&*device).await, DeviceEvent::Connected(m) if m == me));
    let keys = device.keys().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&keys).contains(KEYS_MARK));
    assert!(String::from_utf8_lossy(&keys).contains("79990001122"));
    assert_eq!(device.keys().await.unwrap(), None, "unchanged since");
    assert_eq!(fake.connections(SHOP), 1);
}

#[tokio::test]
async fn a_batch_comes_again_until_it_is_acknowledged() {
    let fake = FakeWhatsApp::new();
    let (device, keys) = linked(&fake).await;
    device.close().await;
    for (i, text) in ["one", "two", "three"].into_iter().enumerate() {
        fake.write(SHOP, msg::text(CUSTOMER, &format!("3A{i}"), text));
    }
    fake.write(SHOP, msg::text(CUSTOMER, "3A9", "mine").from_me());

    let device = fake.connect(Some(&keys)).await.unwrap();
    assert!(matches!(event(&*device).await, DeviceEvent::Connected(_)));
    let DeviceEvent::Messages(batch, ack) = event(&*device).await else {
        panic!("the queue is delivered");
    };
    let texts: Vec<_> = batch.iter().map(|m| m.content.clone()).collect();
    assert_eq!(texts[0], Content::Text("one".into()));
    assert_eq!(batch.len(), 4);
    assert_eq!(batch[0].chat, "79161234567@s.whatsapp.net");
    assert_eq!(batch[0].sender_phone.as_deref(), Some(CUSTOMER));
    assert!(batch[3].from_me);
    assert_eq!(batch[3].sender, "79990001122@s.whatsapp.net");
    assert!(quiet(&*device).await, "handed over once per connection");
    drop(ack);
    drop(device);
    assert_eq!(fake.unacked(SHOP), 4);

    let device = fake.connect(Some(&keys)).await.unwrap();
    assert!(matches!(event(&*device).await, DeviceEvent::Connected(_)));
    assert!(device.keys().await.unwrap().is_some(), "first call answers");
    let DeviceEvent::Messages(again, ack) = event(&*device).await else {
        panic!("delivered again");
    };
    assert_eq!(again, batch);
    ack.done();
    let ratcheted = device.keys().await.unwrap().expect("the sessions moved on");
    assert_ne!(ratcheted, keys);
    assert_eq!(fake.unacked(SHOP), 0);
    device.close().await;

    let device = fake.connect(Some(&ratcheted)).await.unwrap();
    assert!(matches!(event(&*device).await, DeviceEvent::Connected(_)));
    assert!(quiet(&*device).await, "nothing more once acknowledged");
}

#[tokio::test]
async fn a_long_queue_comes_in_batches_of_fifty_and_news_wakes_the_device() {
    let fake = FakeWhatsApp::new();
    let (device, _) = linked(&fake).await;
    for i in 0..120 {
        fake.write(SHOP, msg::text(CUSTOMER, &format!("3A{i:03}"), "hi"));
    }
    let mut sizes = Vec::new();
    for _ in 0..3 {
        let DeviceEvent::Messages(batch, ack) = event(&*device).await else {
            panic!("a batch");
        };
        sizes.push(batch.len());
        ack.done();
    }
    assert_eq!(sizes, [50, 50, 20]);
    let waiting = tokio::spawn(async move { event(&*device).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    fake.receipt(SHOP, "79161234567@s.whatsapp.net", &["3EB0AA"], true);
    assert!(matches!(
        waiting.await.unwrap(),
        DeviceEvent::Receipt { read: true, ref message_ids, .. } if message_ids == &["3EB0AA"]
    ));
}

#[tokio::test]
async fn a_dropped_connection_says_so_fails_and_gives_back_its_batch() {
    let fake = FakeWhatsApp::new();
    let (device, keys) = linked(&fake).await;
    fake.write(SHOP, msg::text(CUSTOMER, "3A1", "hello"));
    let DeviceEvent::Messages(_, ack) = event(&*device).await else {
        panic!("a batch");
    };
    fake.drop_connections(SHOP);
    assert!(matches!(
        event(&*device).await,
        DeviceEvent::Disconnected(_)
    ));
    assert!(matches!(
        device.next_event().await,
        Err(WaError::Network(_))
    ));
    assert_eq!(fake.connections(SHOP), 0);
    ack.done();
    assert_eq!(
        fake.unacked(SHOP),
        1,
        "too late once the connection is gone"
    );
    let sent = device
        .send_text("79161234567@s.whatsapp.net", "hi", None)
        .await;
    assert!(matches!(sent, Err(WaError::Network(_))));

    let device = fake.connect(Some(&keys)).await.unwrap();
    assert!(matches!(event(&*device).await, DeviceEvent::Connected(_)));
    assert!(matches!(event(&*device).await, DeviceEvent::Messages(m, _) if m.len() == 1));
}

#[tokio::test]
async fn unlinking_from_the_phone_ends_the_link_and_the_keys() {
    let fake = FakeWhatsApp::new();
    let (device, keys) = linked(&fake).await;
    fake.unlink(SHOP, "unlinked from the phone");
    assert!(matches!(
        event(&*device).await,
        DeviceEvent::LoggedOut(why) if why == "unlinked from the phone"
    ));
    assert!(matches!(
        device.next_event().await,
        Err(WaError::LoggedOut(_))
    ));
    let again = fake.connect(Some(&keys)).await.unwrap();
    assert!(matches!(event(&*again).await, DeviceEvent::LoggedOut(_)));
    let garbage = fake.connect(Some(b"not keys")).await.unwrap();
    assert!(matches!(event(&*garbage).await, DeviceEvent::LoggedOut(_)));
    assert!(!fake.logged_out(SHOP));
}

#[tokio::test]
async fn logging_out_unlinks_the_device_and_is_recorded() {
    let fake = FakeWhatsApp::new();
    let (device, keys) = linked(&fake).await;
    device.log_out().await.unwrap();
    assert!(fake.logged_out(SHOP));
    assert_eq!(fake.connections(SHOP), 0);
    let again = fake.connect(Some(&keys)).await.unwrap();
    assert!(matches!(event(&*again).await, DeviceEvent::LoggedOut(_)));
}

#[tokio::test]
async fn a_new_connection_of_the_device_replaces_the_old_one() {
    let fake = FakeWhatsApp::new();
    let (old, keys) = linked(&fake).await;
    let new = fake.connect(Some(&keys)).await.unwrap();
    assert!(matches!(event(&*new).await, DeviceEvent::Connected(_)));
    assert!(matches!(event(&*old).await, DeviceEvent::Disconnected(_)));
    assert_eq!(fake.connections(SHOP), 1);
}

#[tokio::test]
async fn sends_are_recorded_and_can_be_made_to_fail() {
    let fake = FakeWhatsApp::new();
    let (device, _) = linked(&fake).await;
    let chat = msg::jid(CUSTOMER);
    let quoted = msg::text(CUSTOMER, "3A7", "price?").reply_to("3EB0", "hi");
    let id = device
        .send_text(&chat, "100 ₽", quoted.reply_to.as_ref())
        .await
        .unwrap();
    assert!(id.starts_with("3EB0") && id.len() == 20, "{id}");
    let file = Upload {
        kind: MediaKind::Image,
        name: "rose.jpg".into(),
        mime: "image/jpeg".into(),
        bytes: vec![0xFF, 0xD8],
    };
    device
        .send_file(&chat, &file, Some("a rose"), None)
        .await
        .unwrap();
    fake.fail_next_sends(SHOP, 1, WaError::RateLimited { seconds: 5 });
    let limited = device.send_text(&chat, "again", None).await;
    assert_eq!(limited, Err(WaError::RateLimited { seconds: 5 }));
    assert!(matches!(
        device.send_text("nobody", "x", None).await,
        Err(WaError::Refused(_))
    ));

    let sent = fake.sent(SHOP);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].id, id);
    assert_eq!(sent[0].text.as_deref(), Some("100 ₽"));
    assert_eq!(
        sent[0].reply_to.as_ref().map(|q| q.id.as_str()),
        Some("3EB0")
    );
    assert_eq!(sent[1].file.as_ref(), Some(&file));
    assert_eq!(sent[1].caption.as_deref(), Some("a rose"));
}

#[tokio::test]
async fn media_written_to_the_number_downloads() {
    let fake = FakeWhatsApp::new();
    let (device, _) = linked(&fake).await;
    let media = fake.add_media(MediaKind::Voice, "audio/ogg; codecs=opus", None, b"OggS");
    fake.write(
        SHOP,
        msg::media(CUSTOMER, "3A1", media.clone(), None).in_group("1203@g.us"),
    );
    let DeviceEvent::Messages(batch, _) = event(&*device).await else {
        panic!("a batch");
    };
    assert!(batch[0].is_group);
    assert_eq!(batch[0].chat, "1203@g.us");
    assert_eq!(device.download(&media).await.unwrap(), b"OggS");
    let mut gone = media;
    gone.handle = b"gone".to_vec();
    assert!(matches!(
        device.download(&gone).await,
        Err(WaError::Refused(_))
    ));
}
