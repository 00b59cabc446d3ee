use std::sync::Arc;

use whatsapp_rust::bytes::Bytes;
use whatsapp_rust::wacore::appstate::processor::AppStateMutationMAC;
use whatsapp_rust::wacore::store::traits::{
    AppSyncStore, DeviceStore, MsgSecretStore, ProtocolStore, SignalStore,
};

use super::*;

fn mac(index: u8, value: u8) -> AppStateMutationMAC {
    AppStateMutationMAC {
        index_mac: vec![index; 32],
        value_mac: vec![value; 32],
    }
}

/// Fills a store through the library's traits, as a paired device would.
async fn filled() -> KeyStore {
    let store = KeyStore::new();
    store.create().await.unwrap();
    let mut device = store.load().await.unwrap().unwrap();
    device.push_name = "Flower shop".into();
    device.pn = Some("79991234567:12@s.whatsapp.net".parse().unwrap());
    store.save(&device).await.unwrap();

    store
        .put_identity("79990000001.0:0", [7; 32])
        .await
        .unwrap();
    store
        .put_session("79990000001.0:0", b"session-one")
        .await
        .unwrap();
    store
        .put_sessions_batch(&[(Arc::from("100000012345678.1:0"), Bytes::from_static(b"two"))])
        .await
        .unwrap();
    store
        .store_prekeys_batch(
            &[
                (1, Bytes::from_static(b"pk1")),
                (2, Bytes::from_static(b"pk2")),
            ],
            false,
        )
        .await
        .unwrap();
    store.mark_prekeys_uploaded(&[1]).await.unwrap();
    store.store_signed_prekey(5, b"signed").await.unwrap();
    store
        .put_sender_key("group@g.us:sender", b"sender-key")
        .await
        .unwrap();

    store
        .set_sync_key(
            b"key-id",
            AppStateSyncKey {
                key_data: vec![1, 2, 3],
                fingerprint: vec![4],
                timestamp: 1_700_000_000,
            },
        )
        .await
        .unwrap();
    let version = HashState {
        version: 42,
        ..HashState::default()
    };
    store.set_version("regular", version).await.unwrap();
    store
        .put_mutation_macs("regular", 42, &[mac(1, 10), mac(2, 20)])
        .await
        .unwrap();

    store
        .put_lid_mapping(&LidPnMappingEntry {
            lid: "100000012345678".into(),
            phone_number: "79990000001".into(),
            created_at: 1,
            updated_at: 2,
            learning_source: "usync".into(),
        })
        .await
        .unwrap();
    store
        .store_pending_inbound(
            "79990000001@s.whatsapp.net",
            "79990000001@s.whatsapp.net",
            "ABC",
            b"msg",
        )
        .await
        .unwrap();
    store
        .put_msg_secret("chat", "sender", "M1", &[9; 32])
        .await
        .unwrap();
    store
        .store_sent_message("chat", "OUT1", b"payload")
        .await
        .unwrap();
    store
}

#[tokio::test]
async fn everything_written_reads_back_after_a_restore() {
    let store = filled().await;
    let bytes = store
        .snapshot()
        .unwrap()
        .expect("the first snapshot answers");
    let back = KeyStore::restore(&bytes).unwrap();

    let device = back.load().await.unwrap().expect("the device is kept");
    assert_eq!(device.push_name, "Flower shop");
    assert_eq!(
        device.pn.map(|j| j.to_string()).as_deref(),
        Some("79991234567:12@s.whatsapp.net")
    );
    assert!(back.is_paired());
    let original = store.load().await.unwrap().unwrap();
    assert_eq!(
        device.identity_key.public_key.public_key_bytes(),
        original.identity_key.public_key.public_key_bytes()
    );
    assert_eq!(device.registration_id, original.registration_id);

    assert_eq!(
        back.load_identity("79990000001.0:0").await.unwrap(),
        Some([7; 32])
    );
    assert_eq!(
        back.get_session("79990000001.0:0")
            .await
            .unwrap()
            .as_deref(),
        Some(&b"session-one"[..])
    );
    assert_eq!(
        back.get_session("100000012345678.1:0")
            .await
            .unwrap()
            .as_deref(),
        Some(&b"two"[..])
    );
    assert!(
        back.has_signal_state_for_user("79990000001.0")
            .await
            .unwrap()
    );
    assert!(!back.has_signal_state_for_user("7999").await.unwrap());
    assert_eq!(
        back.load_prekey(2).await.unwrap().as_deref(),
        Some(&b"pk2"[..])
    );
    assert_eq!(back.get_max_prekey_id().await.unwrap(), 2);
    assert_eq!(
        back.load_all_signed_prekeys().await.unwrap(),
        vec![(5, b"signed".to_vec())]
    );
    assert_eq!(
        back.get_sender_key("group@g.us:sender").await.unwrap(),
        Some(b"sender-key".to_vec())
    );

    let key = back.get_sync_key(b"key-id").await.unwrap().unwrap();
    assert_eq!(key.key_data, vec![1, 2, 3]);
    assert_eq!(
        back.get_latest_sync_key_id().await.unwrap(),
        Some(b"key-id".to_vec())
    );
    assert_eq!(back.get_version("regular").await.unwrap().version, 42);
    assert_eq!(back.get_version("other").await.unwrap().version, 0);
    assert_eq!(
        back.get_mutation_mac("regular", &[2; 32]).await.unwrap(),
        Some(vec![20; 32])
    );

    assert_eq!(
        back.get_pn_mapping("79990000001")
            .await
            .unwrap()
            .map(|m| m.lid),
        Some("100000012345678".to_owned())
    );
    assert_eq!(
        back.get_pending_inbound(
            "79990000001@s.whatsapp.net",
            "79990000001@s.whatsapp.net",
            "ABC"
        )
        .await
        .unwrap(),
        Some(b"msg".to_vec())
    );
    assert_eq!(
        back.get_msg_secret("chat", "sender", "M1").await.unwrap(),
        Some(vec![9; 32])
    );
    assert_eq!(
        back.take_sent_message("chat", "OUT1").await.unwrap(),
        Some(b"payload".to_vec())
    );
    assert_eq!(back.take_sent_message("chat", "OUT1").await.unwrap(), None);
}

#[tokio::test]
async fn a_snapshot_answers_only_after_a_change() {
    let store = KeyStore::new();
    assert!(
        store.snapshot().unwrap().is_some(),
        "the first call answers"
    );
    assert!(store.snapshot().unwrap().is_none(), "nothing changed since");

    // Reading changes nothing.
    store.get_session("nobody").await.unwrap();
    store.get_version("regular").await.unwrap();
    assert!(store.snapshot().unwrap().is_none());

    store.put_session("someone", b"s").await.unwrap();
    let bytes = store.snapshot().unwrap().expect("a change answers");
    assert!(store.snapshot().unwrap().is_none());

    // Clean-ups that find nothing leave the store as it was.
    store.delete_expired_sent_messages(i64::MAX).await.unwrap();
    store
        .delete_expired_pending_inbound(i64::MAX)
        .await
        .unwrap();
    store.delete_expired_msg_secrets(i64::MAX).await.unwrap();
    assert_eq!(store.take_sent_message("c", "m").await.unwrap(), None);
    assert!(store.snapshot().unwrap().is_none());

    // A restored store answers its first call, then only changes.
    let back = KeyStore::restore(&bytes).unwrap();
    assert!(back.snapshot().unwrap().is_some());
    assert!(back.snapshot().unwrap().is_none());
    back.delete_session("someone").await.unwrap();
    assert!(back.snapshot().unwrap().is_some());
}

#[tokio::test]
async fn removals_survive_a_restore() {
    let store = filled().await;
    store.remove_prekey(1).await.unwrap();
    store.mark_prekeys_uploaded(&[1]).await.unwrap();
    store.clear_mutation_macs("regular").await.unwrap();
    store.delete_identity("79990000001.0:0").await.unwrap();
    store
        .delete_pending_inbound(
            "79990000001@s.whatsapp.net",
            "79990000001@s.whatsapp.net",
            "ABC",
        )
        .await
        .unwrap();
    let back = KeyStore::restore(&store.snapshot().unwrap().unwrap()).unwrap();
    assert_eq!(
        back.load_prekey(1).await.unwrap(),
        None,
        "a used key stays gone"
    );
    assert_eq!(
        back.get_mutation_mac("regular", &[1; 32]).await.unwrap(),
        None
    );
    assert_eq!(back.load_identity("79990000001.0:0").await.unwrap(), None);
    assert_eq!(
        back.get_pending_inbound(
            "79990000001@s.whatsapp.net",
            "79990000001@s.whatsapp.net",
            "ABC"
        )
        .await
        .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_fresh_store_is_not_paired() {
    let store = KeyStore::new();
    assert!(!store.exists().await.unwrap());
    store.create().await.unwrap();
    assert!(store.exists().await.unwrap());
    assert!(!store.is_paired());
}

#[test]
fn unreadable_bytes_are_refused() {
    assert!(KeyStore::restore(b"not json").is_err());
    assert!(KeyStore::restore(br#"{"format": 99}"#).is_err());
    assert!(KeyStore::restore(br#"{"identities": {"a": "%%%"}}"#).is_err());
}

#[tokio::test]
async fn sent_messages_are_capped_oldest_first() {
    let store = KeyStore::new();
    for i in 0..(MAX_SENT_MESSAGES + 10) {
        store
            .store_sent_message("chat", &format!("M{i}"), b"p")
            .await
            .unwrap();
    }
    assert!(store.read(|s| s.sent_messages.len()) <= MAX_SENT_MESSAGES);
    assert!(
        store
            .take_sent_message("chat", &format!("M{}", MAX_SENT_MESSAGES + 9))
            .await
            .unwrap()
            .is_some()
    );
}
