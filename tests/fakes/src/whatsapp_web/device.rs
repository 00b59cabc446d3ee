//! One device connected to the fake WhatsApp.

use std::time::Instant;

use async_trait::async_trait;
use tuberry::channels::whatsapp::linked::device::{
    Device, DeviceEvent, Media, Quoted, Upload, WaError,
};

use super::state::{Queued, Sent, Stage, State, hex};
use super::{FakeWhatsApp, digits};

/// The letters of a code to type on the phone.
const CODE_ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTVWXYZ";

pub(super) struct FakeDevice {
    fake: FakeWhatsApp,
    id: u64,
}

impl FakeDevice {
    pub fn new(fake: FakeWhatsApp, id: u64) -> Self {
        Self { fake, id }
    }

    /// The next thing to tell, if any now; `Err` once the connection ended.
    fn take_event(&self, state: &mut State) -> Result<Option<DeviceEvent>, WaError> {
        loop {
            let conn = state
                .conns
                .get_mut(&self.id)
                .ok_or_else(|| WaError::Network("the connection is closed".into()))?;
            match conn.events.pop_front() {
                Some(Queued::Event(event)) => return Ok(Some(event)),
                Some(Queued::Messages) => {
                    if let Some(batch) = state.batch(self.id) {
                        return Ok(Some(batch));
                    }
                }
                None => {
                    return match &conn.stage {
                        Stage::Connected => Ok(state.batch(self.id)),
                        Stage::Dropped(why) => Err(WaError::Network(why.clone())),
                        Stage::LoggedOut(why) => Err(WaError::LoggedOut(why.clone())),
                        Stage::Pairing { .. } | Stage::Stopped => Ok(None),
                    };
                }
            }
        }
    }

    /// The number's digits, when the device is connected and linked.
    fn connected(&self, state: &State) -> Result<String, WaError> {
        let conn = state
            .conns
            .get(&self.id)
            .ok_or_else(|| WaError::Network("the connection is closed".into()))?;
        match (&conn.stage, &conn.linked) {
            (Stage::Connected, Some((digits, _))) => Ok(digits.clone()),
            (Stage::LoggedOut(why), _) => Err(WaError::LoggedOut(why.clone())),
            _ => Err(WaError::Network("not connected to WhatsApp".into())),
        }
    }

    /// Runs `change` on the number this device is linked to, while connected.
    fn with_number<T>(
        &self,
        change: impl FnOnce(&mut super::state::Number) -> Result<T, WaError>,
    ) -> Result<T, WaError> {
        let mut state = self.fake.state();
        let digits = self.connected(&state)?;
        let number = state
            .numbers
            .get_mut(&digits)
            .ok_or_else(|| WaError::LoggedOut("the number is gone".into()))?;
        change(number)
    }

    fn send(
        &self,
        chat: &str,
        text: Option<&str>,
        file: Option<&Upload>,
        caption: Option<&str>,
        reply_to: Option<&Quoted>,
    ) -> Result<String, WaError> {
        let mut state = self.fake.state();
        let digits = self.connected(&state)?;
        let valid = matches!(
            chat.rsplit_once('@'),
            Some((user, "s.whatsapp.net" | "g.us" | "lid")) if !user.is_empty()
        );
        if !valid {
            return Err(WaError::Refused(format!("400: bad jid {chat}")));
        }
        let number = state
            .numbers
            .get_mut(&digits)
            .ok_or_else(|| WaError::LoggedOut("the number is gone".into()))?;
        if let Some(error) = number.fail_sends.pop_front() {
            return Err(error);
        }
        let id = format!("3EB0{}", hex(16));
        number.sent.push(Sent {
            chat: chat.to_owned(),
            text: text.map(str::to_owned),
            file: file.cloned(),
            caption: caption.map(str::to_owned),
            reply_to: reply_to.cloned(),
            id: id.clone(),
            at: Instant::now(),
            edited: false,
        });
        Ok(id)
    }

    fn end(&self) {
        let removed = self.fake.state().conns.remove(&self.id);
        if removed.is_some() {
            self.fake.touch();
        }
    }
}

#[async_trait]
impl Device for FakeDevice {
    async fn next_event(&self) -> Result<DeviceEvent, WaError> {
        loop {
            let changed = self.fake.changed.notified();
            if let Some(event) = self.take_event(&mut self.fake.state())? {
                return Ok(event);
            }
            changed.await;
        }
    }

    async fn pair_code(&self, phone: &str) -> Result<String, WaError> {
        let digits = digits(phone);
        let mut state = self.fake.state();
        let known = state.numbers.contains_key(&digits);
        let conn = state
            .conns
            .get_mut(&self.id)
            .ok_or_else(|| WaError::Network("the connection is closed".into()))?;
        let Stage::Pairing { code, .. } = &mut conn.stage else {
            return Err(WaError::Refused("the device is not pairing".into()));
        };
        if !known {
            let why = format!("+{digits} is not on WhatsApp");
            conn.events
                .push_back(Queued::Event(DeviceEvent::PairingFailed(why.clone())));
            drop(state);
            self.fake.touch();
            return Err(WaError::Refused(why));
        }
        let mut typed: String = (0..8)
            .map(|_| char::from(CODE_ALPHABET[fastrand::usize(..CODE_ALPHABET.len())]))
            .collect();
        typed.insert(4, '-');
        *code = Some((typed.clone(), digits));
        Ok(typed)
    }

    async fn edit(&self, chat: &str, id: &str, text: &str) -> Result<(), WaError> {
        self.with_number(|number| {
            let sent = number
                .sent
                .iter_mut()
                .find(|m| m.chat == chat && m.id == id)
                .ok_or_else(|| WaError::Refused(format!("404: no message {id} sent to {chat}")))?;
            if sent.text.is_some() {
                sent.text = Some(text.to_owned());
            } else {
                sent.caption = Some(text.to_owned());
            }
            sent.edited = true;
            Ok(())
        })
    }

    async fn react(&self, chat: &str, id: &str, from_me: bool, emoji: &str) -> Result<(), WaError> {
        self.with_number(|number| {
            number.reactions.push(super::state::Reacted {
                chat: chat.to_owned(),
                id: id.to_owned(),
                from_me,
                emoji: emoji.to_owned(),
            });
            Ok(())
        })
    }

    async fn send_text(
        &self,
        chat: &str,
        text: &str,
        reply_to: Option<&Quoted>,
    ) -> Result<String, WaError> {
        self.send(chat, Some(text), None, None, reply_to)
    }

    async fn send_file(
        &self,
        chat: &str,
        file: &Upload,
        caption: Option<&str>,
        reply_to: Option<&Quoted>,
    ) -> Result<String, WaError> {
        self.send(chat, None, Some(file), caption, reply_to)
    }

    async fn download(&self, media: &Media) -> Result<Vec<u8>, WaError> {
        let state = self.fake.state();
        self.connected(&state)?;
        state
            .media
            .get(&media.handle)
            .cloned()
            .ok_or_else(|| WaError::Refused("404: the media is gone".into()))
    }

    async fn log_out(&self) -> Result<(), WaError> {
        let mut state = self.fake.state();
        let Some(conn) = state.conns.get_mut(&self.id) else {
            return Err(WaError::Network("the connection is closed".into()));
        };
        let linked = match (&conn.stage, conn.linked.clone()) {
            (Stage::Connected, Some(linked)) => linked,
            (Stage::Pairing { .. } | Stage::Stopped, _) => {
                conn.stage = Stage::Stopped;
                return Ok(());
            }
            (Stage::LoggedOut(why), _) => return Err(WaError::LoggedOut(why.clone())),
            _ => return Err(WaError::Network("not connected to WhatsApp".into())),
        };
        let why = "logged out from this device";
        conn.end(Stage::LoggedOut(why.into()));
        let (digits, device) = linked;
        state.unlink(&digits, Some(device), why);
        if let Some(number) = state.numbers.get_mut(&digits) {
            number.logged_out = true;
        }
        drop(state);
        self.fake.touch();
        Ok(())
    }

    async fn keys(&self) -> Result<Option<Vec<u8>>, WaError> {
        let mut state = self.fake.state();
        let Some(keys) = state.keys_file(self.id) else {
            return Ok(None);
        };
        let Some(conn) = state.conns.get_mut(&self.id) else {
            return Ok(None);
        };
        if !std::mem::take(&mut conn.keys_changed) {
            return Ok(None);
        }
        serde_json::to_vec(&keys)
            .map(Some)
            .map_err(|e| WaError::Refused(e.to_string()))
    }

    async fn close(&self) {
        self.end();
    }
}

impl Drop for FakeDevice {
    fn drop(&mut self) {
        self.end();
    }
}
