//! The devices of the numbers connected now, for sending. A number's own
//! messages may come back as messages `from_me` (the phone tells its linked
//! devices): a send holds the number's lock until it has noted what it sent,
//! and the runner, before storing a message of the owner's as written on the
//! phone, waits for sends in flight and asks.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use super::device::{Device, Quoted, Upload, WaError};

/// How many sent messages each number remembers.
const REMEMBERED: usize = 512;
/// How long a message of the owner's waits for a send in flight.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(5);

pub struct Live {
    pub device: Box<dyn Device>,
    sending: tokio::sync::RwLock<()>,
    sent: Mutex<VecDeque<(String, String)>>,
}

impl Live {
    pub fn new(device: Box<dyn Device>) -> Self {
        Self {
            device,
            sending: tokio::sync::RwLock::new(()),
            sent: Mutex::new(VecDeque::new()),
        }
    }

    fn note(&self, chat: &str, id: &str) {
        let mut sent = self.sent.lock().unwrap_or_else(PoisonError::into_inner);
        sent.push_back((chat.to_owned(), id.to_owned()));
        while sent.len() > REMEMBERED {
            sent.pop_front();
        }
    }

    /// Sends a text, noting what was sent.
    pub async fn send_text(
        &self,
        chat: &str,
        text: &str,
        reply_to: Option<&Quoted>,
    ) -> Result<String, WaError> {
        let _sending = self.sending.write().await;
        let id = self.device.send_text(chat, text, reply_to).await?;
        self.note(chat, &id);
        Ok(id)
    }

    /// Sends a file, noting what was sent.
    pub async fn send_file(
        &self,
        chat: &str,
        file: &Upload,
        caption: Option<&str>,
        reply_to: Option<&Quoted>,
    ) -> Result<String, WaError> {
        let _sending = self.sending.write().await;
        let id = self.device.send_file(chat, file, caption, reply_to).await?;
        self.note(chat, &id);
        Ok(id)
    }

    /// Whether this message of the number was sent through Tuberry. A send
    /// may itself wait for the batch being stored to be acknowledged, so
    /// the wait for it is short.
    pub async fn sent_here(&self, chat: &str, id: &str) -> bool {
        let _settled = tokio::time::timeout(SETTLE, self.sending.read()).await;
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .any(|(c, i)| c == chat && i == id)
    }
}

#[derive(Default)]
pub struct LiveDevices(RwLock<HashMap<i64, Arc<Live>>>);

impl LiveDevices {
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
