//! The connections of the accounts that are connected now, for sending.
//! The account's own messages come back as updates, and Telegram may tell
//! them before the send returns: a send holds the account's lock until it
//! has noted what it sent, and the runner, before storing an outgoing
//! message as written from the phone, waits for sends in flight and asks.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use super::mtproto::{Connection, MtError, Peer, Upload};

/// How many sent messages each account remembers.
const REMEMBERED: usize = 512;

pub struct Live {
    pub conn: Box<dyn Connection>,
    sending: tokio::sync::RwLock<()>,
    sent: Mutex<VecDeque<(i64, i32)>>,
}

impl Live {
    pub fn new(conn: Box<dyn Connection>) -> Self {
        Self {
            conn,
            sending: tokio::sync::RwLock::new(()),
            sent: Mutex::new(VecDeque::new()),
        }
    }

    /// Sends through the account, noting what was sent.
    pub async fn send(
        &self,
        peer: &Peer,
        text: &str,
        files: &[Upload],
        reply_to: Option<i32>,
    ) -> Result<Vec<i32>, MtError> {
        let _sending = self.sending.write().await;
        let ids = self.conn.send(peer, text, files, reply_to).await?;
        let mut sent = self.sent.lock().unwrap_or_else(PoisonError::into_inner);
        for id in &ids {
            sent.push_back((peer.chat_id, *id));
        }
        while sent.len() > REMEMBERED {
            sent.pop_front();
        }
        Ok(ids)
    }

    /// Whether this message of the account was sent through Tuberry.
    pub async fn sent_here(&self, chat_id: i64, message_id: i32) -> bool {
        let _settled = self.sending.read().await;
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&(chat_id, message_id))
    }
}

#[derive(Default)]
pub struct LiveConnections(RwLock<HashMap<i64, Arc<Live>>>);

impl LiveConnections {
    pub fn insert(&self, account_id: i64, live: Arc<Live>) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(account_id, live);
    }

    pub fn remove(&self, account_id: i64) -> Option<Arc<Live>> {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&account_id)
    }

    pub fn get(&self, account_id: i64) -> Option<Arc<Live>> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&account_id)
            .cloned()
    }
}
