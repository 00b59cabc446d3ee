use std::net::SocketAddr;
use std::time::Duration;

use tuberry::channels::whatsapp::linked::device::{Connector, Content, DeviceEvent, Quoted};
use tuberry::channels::whatsapp::linked::stand_in::StandIn;

use super::super::msg::{self, Build as _};
use super::super::{FakeWhatsApp, KEYS_MARK, server};
use super::{CUSTOMER, SHOP, event};

#[tokio::test]
async fn the_stand_in_pairs_receives_acknowledges_and_sends_over_http() {
    let fake = FakeWhatsApp::new();
    let addr = server::start(fake.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let stand_in = StandIn::new(&format!("http://{addr}/"));
    let me = fake.add_number(SHOP, "Flower Shop");

    let device = stand_in.connect(None).await.unwrap();
    let DeviceEvent::Qr { code, valid_for_ms } = event(&*device).await else {
        panic!("a QR code first");
    };
    assert_eq!(valid_for_ms, 60_000);
    assert_eq!(fake.qr_codes(), [code]);
    // A poll given up on keeps waiting: what it brings is not lost.
    let given_up = tokio::time::timeout(Duration::from_millis(100), device.next_event()).await;
    assert!(given_up.is_err());
    assert_eq!(fake.scan(SHOP), Some(me.clone()));
    assert!(matches!(event(&*device).await, DeviceEvent::Paired(m) if m == me));
    assert!(matches!(event(&*device).await, DeviceEvent::Connected(m) if m == me));
    let keys = device.keys().await.unwrap().expect("complete once paired");
    assert!(String::from_utf8_lossy(&keys).contains(KEYS_MARK));
    assert_eq!(device.keys().await.unwrap(), None);

    fake.write(
        SHOP,
        msg::text(CUSTOMER, "3A1", "Do you deliver?").named("Ivan"),
    );
    let DeviceEvent::Messages(batch, ack) = event(&*device).await else {
        panic!("a batch");
    };
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].content, Content::Text("Do you deliver?".into()));
    assert_eq!(batch[0].push_name.as_deref(), Some("Ivan"));
    assert_eq!(fake.unacked(SHOP), 1);
    ack.done();
    assert!(device.keys().await.unwrap().is_some(), "the ack ratcheted");
    assert_eq!(fake.unacked(SHOP), 0);

    let quoted = Quoted {
        id: "3A1".into(),
        text: Some("Do you deliver?".into()),
    };
    let id = device
        .send_text(&batch[0].chat, "Yes, today", Some(&quoted))
        .await
        .unwrap();
    let sent = fake.sent(SHOP);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].id, id);
    assert_eq!(sent[0].chat, "79161234567@s.whatsapp.net");
    assert_eq!(sent[0].reply_to, Some(quoted));

    device.close().await;
    assert_eq!(fake.connections(SHOP), 0);
    let again = stand_in.connect(Some(&keys)).await.unwrap();
    assert!(matches!(event(&*again).await, DeviceEvent::Connected(m) if m == me));
    fake.write(SHOP, msg::text(CUSTOMER, "3A2", "Thanks").from_me());
    let DeviceEvent::Messages(batch, ack) = event(&*again).await else {
        panic!("a batch");
    };
    assert!(batch[0].from_me);
    drop(ack);
    again.close().await;
    assert_eq!(fake.unacked(SHOP), 1, "kept for the next connection");
}

#[tokio::test]
async fn the_control_api_plays_the_phone_and_the_customers() {
    let fake = FakeWhatsApp::new();
    let addr = server::start(fake.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let base = format!("http://{addr}/_control");
    let http = reqwest::Client::new();
    let me: serde_json::Value = http
        .post(format!("{base}/add_number"))
        .json(&serde_json::json!({ "phone": SHOP, "pushName": "Flower Shop" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["phone"], SHOP);
    let nobody = http
        .post(format!("{base}/scan"))
        .json(&serde_json::json!({ "phone": SHOP }))
        .send()
        .await
        .unwrap();
    assert_eq!(nobody.status(), 409);

    let stand_in = StandIn::new(&format!("http://{addr}"));
    let device = stand_in.connect(None).await.unwrap();
    assert!(matches!(event(&*device).await, DeviceEvent::Qr { .. }));
    let codes: Vec<String> = http
        .get(format!("{base}/qr_codes"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(codes.len(), 1);
    let scanned = http
        .post(format!("{base}/scan"))
        .json(&serde_json::json!({ "phone": SHOP }))
        .send()
        .await
        .unwrap();
    assert!(scanned.status().is_success());
    assert!(matches!(event(&*device).await, DeviceEvent::Paired(_)));
    assert!(matches!(event(&*device).await, DeviceEvent::Connected(_)));

    http.post(format!("{base}/write_text"))
        .json(&serde_json::json!({ "shop": SHOP, "customer": CUSTOMER, "text": "Hi" }))
        .send()
        .await
        .unwrap();
    let DeviceEvent::Messages(batch, ack) = event(&*device).await else {
        panic!("a batch");
    };
    assert_eq!(batch[0].content, Content::Text("Hi".into()));
    ack.done();
    device
        .send_text(&batch[0].chat, "Hello", None)
        .await
        .unwrap();
    let sent: serde_json::Value = http
        .get(format!("{base}/sent?phone=%2B79990001122"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent[0]["text"], "Hello");

    http.post(format!("{base}/unlink"))
        .json(&serde_json::json!({ "phone": SHOP, "reason": "unlinked from the phone" }))
        .send()
        .await
        .unwrap();
    assert!(matches!(event(&*device).await, DeviceEvent::LoggedOut(_)));
}
