//! The account channel's way to Telegram: MTProto through grammers. QR login
//! is not built into grammers and is done here with its raw calls
//! (auth.exportLoginToken, auth.importLoginToken after a data centre
//! migration), finishing the login as grammers does for its own methods
//! (the account's user cached as itself, the update state fetched), or
//! updates would not flow.

mod convert;
mod session;

use std::collections::HashMap;
use std::io::Cursor;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use grammers_client::client::{LoginToken, PasswordToken, UpdateStream};
use grammers_client::media::Attribute;
use grammers_client::message::InputMessage;
use grammers_client::sender::{ConnectionParams, SenderPoolFatHandle, UpdatesConfiguration};
use grammers_client::session::Session as _;
use grammers_client::session::types::{PeerAuth, PeerId, PeerInfo, UpdateState, UpdatesState};
use grammers_client::session::updates::UpdatesLike;
use grammers_client::{Client, InvocationError, SenderPool, SignInError, tl};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use self::session::KeptSession;
use super::mtproto::{
    AccountUpdate, CodeStep, ConnectParams, Connection, Connector, Me, Media, MtError, Peer,
    TokenStep, Upload,
};
use crate::secret::Secret;

/// How many received files each connection remembers for download.
const MEDIA_KEPT: usize = 256;

/// Connects to Telegram's data centres (through a SOCKS5 proxy when given).
#[derive(Default)]
pub struct Grammers;

#[async_trait]
impl Connector for Grammers {
    async fn connect(
        &self,
        params: &ConnectParams,
        session: Option<&[u8]>,
    ) -> Result<Box<dyn Connection>, MtError> {
        let session = match session {
            Some(bytes) => KeptSession::from_bytes(bytes).map_err(|e| {
                MtError::Unauthorized(format!("the saved session is unreadable: {e}"))
            })?,
            None => KeptSession::new(),
        };
        let session = Arc::new(session);
        let connection = ConnectionParams {
            device_model: params.device_model.clone(),
            system_version: params.system_version.clone(),
            app_version: params.app_version.clone(),
            system_lang_code: params.system_lang_code.clone(),
            lang_code: params.lang_code.clone(),
            proxy_url: params.proxy.as_ref().map(|p| p.expose().clone()),
            updates_channel_capacity: NonZeroUsize::new(1024).unwrap_or(NonZeroUsize::MIN),
            ..ConnectionParams::default()
        };
        let SenderPool {
            runner,
            handle,
            updates,
        } = SenderPool::with_configuration(session.clone(), params.api_id, connection);
        let client = Client::new(handle.clone());
        let runner = tokio::spawn(runner.run());
        Ok(Box::new(GrammersConnection {
            client,
            handle,
            session,
            api_id: params.api_id,
            api_hash: params.api_hash.clone(),
            updates: tokio::sync::Mutex::new(Updates::Raw(updates)),
            runner: Mutex::new(Some(runner)),
            media: Mutex::new(HashMap::new()),
            code: Mutex::new(None),
            password: Mutex::new(None),
        }))
    }
}

enum Updates {
    /// Before the login: updateLoginToken is read from here.
    Raw(mpsc::Receiver<UpdatesLike>),
    /// Logged in: in order, with gaps filled from the saved state.
    Stream(Box<UpdateStream>),
    Gone,
}

struct GrammersConnection {
    client: Client,
    handle: SenderPoolFatHandle,
    session: Arc<KeptSession>,
    api_id: i32,
    api_hash: Secret<String>,
    updates: tokio::sync::Mutex<Updates>,
    runner: Mutex<Option<JoinHandle<()>>>,
    /// Files of received messages, by the handle given out.
    media: Mutex<HashMap<u64, grammers_client::media::Media>>,
    /// The phone login's token, between requesting the code and signing in.
    code: Mutex<Option<LoginToken>>,
    /// The password's parameters, between asking for it and checking it.
    password: Mutex<Option<PasswordToken>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A grammers failure in the channel's words.
fn failure(e: InvocationError) -> MtError {
    match e {
        InvocationError::Rpc(rpc)
            if rpc.name == "FLOOD_WAIT" || rpc.name == "FLOOD_PREMIUM_WAIT" =>
        {
            MtError::FloodWait {
                seconds: rpc.value.unwrap_or(60),
            }
        }
        InvocationError::Rpc(rpc) if rpc.code == 401 => MtError::Unauthorized(rpc.name),
        InvocationError::Rpc(rpc) => MtError::Rpc(rpc.name),
        InvocationError::Io(e) => MtError::Network(e.to_string()),
        other => MtError::Network(other.to_string()),
    }
}

fn me_of(user: &grammers_client::peer::User) -> Me {
    Me {
        user_id: user.id().bare_id_unchecked(),
        first_name: user.first_name().unwrap_or_default().to_owned(),
        last_name: user.last_name().map(str::to_owned),
        username: user.username().map(str::to_owned),
        phone: user.phone().map(str::to_owned),
    }
}

impl GrammersConnection {
    /// The chat as the session knows it (a chat never seen cannot be addressed).
    async fn target(&self, peer: &Peer) -> Result<grammers_session::types::PeerRef, MtError> {
        let id = PeerId::from_bot_api_dialog_id(peer.chat_id)
            .ok_or_else(|| MtError::Rpc(format!("PEER_ID_INVALID ({})", peer.chat_id)))?;
        self.session
            .peer_ref(id)
            .await
            .ok()
            .flatten()
            .ok_or_else(|| {
                MtError::Rpc("PEER_UNKNOWN: this chat was not seen by the account yet".into())
            })
    }

    /// What a login token call answered.
    async fn token_step(
        &self,
        answer: Result<tl::enums::auth::LoginToken, InvocationError>,
    ) -> Result<TokenStep, MtError> {
        match answer {
            Ok(tl::enums::auth::LoginToken::Token(token)) => Ok(TokenStep::Token {
                token: token.token,
                expires: i64::from(token.expires),
            }),
            Ok(tl::enums::auth::LoginToken::MigrateTo(to)) => Ok(TokenStep::MigrateTo {
                dc_id: to.dc_id,
                token: to.token,
            }),
            Ok(tl::enums::auth::LoginToken::Success(success)) => Ok(TokenStep::Success(
                self.complete_login(success.authorization).await?,
            )),
            Err(e) if e.is("SESSION_PASSWORD_NEEDED") => Ok(TokenStep::PasswordNeeded),
            Err(e) => Err(failure(e)),
        }
    }

    /// What grammers does after its own logins: the user cached as the
    /// account itself (with its access hash), the update state fetched.
    async fn complete_login(
        &self,
        authorization: tl::enums::auth::Authorization,
    ) -> Result<Me, MtError> {
        let tl::enums::auth::Authorization::Authorization(authorization) = authorization else {
            return Err(MtError::Rpc("SIGN_UP_REQUIRED".into()));
        };
        let state = self
            .client
            .invoke(&tl::functions::updates::GetState {})
            .await
            .ok();
        let tl::enums::User::User(raw) = &authorization.user else {
            return Err(MtError::Rpc("the login answered an empty user".into()));
        };
        let user_id = raw.id;
        let session = &self.session;
        let cached = session
            .cache_peer(PeerInfo::User {
                id: user_id,
                auth: raw.access_hash.map(PeerAuth::from_hash),
                bot: Some(raw.bot),
                is_self: Some(true),
            })
            .await;
        if cached.is_err() {
            return Err(MtError::Network(
                "the session could not keep the account".into(),
            ));
        }
        if let Some(tl::enums::updates::State::State(state)) = state {
            let _kept = session
                .set_update_state(UpdateState::All(UpdatesState {
                    pts: state.pts,
                    qts: state.qts,
                    date: state.date,
                    seq: state.seq,
                    channels: Vec::new(),
                }))
                .await;
        }
        let user = grammers_client::peer::User::from_raw(&self.client, authorization.user);
        Ok(me_of(&user))
    }

    fn remember(&self, media: grammers_client::media::Media) -> u64 {
        let id = fastrand::u64(..);
        let mut kept = lock(&self.media);
        if kept.len() >= MEDIA_KEPT
            && let Some(old) = kept.keys().next().copied()
        {
            kept.remove(&old);
        }
        kept.insert(id, media);
        id
    }

    /// The logged-in update stream, made on first use (it catches up from
    /// the saved state).
    async fn stream<'a>(&self, updates: &'a mut Updates) -> Result<&'a mut UpdateStream, MtError> {
        if let Updates::Raw(_) = updates {
            let Updates::Raw(raw) = std::mem::replace(updates, Updates::Gone) else {
                unreachable!("checked above");
            };
            let stream = self
                .client
                .stream_updates(raw, UpdatesConfiguration { catch_up: true })
                .await
                .map_err(|e| MtError::Network(e.to_string()))?;
            *updates = Updates::Stream(Box::new(stream));
        }
        match updates {
            Updates::Stream(stream) => Ok(stream),
            _ => Err(MtError::Network("the connection's updates are gone".into())),
        }
    }

    async fn upload(&self, file: &Upload) -> Result<InputMessage, MtError> {
        let uploaded = self
            .client
            .upload_stream(
                &mut Cursor::new(&file.bytes),
                file.bytes.len(),
                file.name.clone(),
            )
            .await
            .map_err(|e| MtError::Network(e.to_string()))?;
        let message = InputMessage::new();
        Ok(if file.as_photo {
            message.photo(uploaded)
        } else {
            let message = match &file.mime {
                Some(mime) => message.document(uploaded).mime_type(mime),
                None => message.document(uploaded),
            };
            if file.as_voice {
                message.attribute(Attribute::Voice {
                    duration: Duration::ZERO,
                    waveform: None,
                })
            } else {
                message.attribute(Attribute::FileName(file.name.clone()))
            }
        })
    }
}

#[async_trait]
impl Connection for GrammersConnection {
    async fn export_login_token(&self) -> Result<TokenStep, MtError> {
        let answer = self
            .client
            .invoke(&tl::functions::auth::ExportLoginToken {
                api_id: self.api_id,
                api_hash: self.api_hash.expose().clone(),
                except_ids: Vec::new(),
            })
            .await;
        self.token_step(answer).await
    }

    async fn wait_scan(&self, wait: Duration) -> bool {
        let mut updates = self.updates.lock().await;
        let Updates::Raw(raw) = &mut *updates else {
            tokio::time::sleep(wait).await;
            return false;
        };
        let scanned = async {
            while let Some(update) = raw.recv().await {
                if convert::is_login_token(&update) {
                    return true;
                }
            }
            false
        };
        tokio::time::timeout(wait, scanned).await.unwrap_or(false)
    }

    async fn import_login_token(&self, dc_id: i32, token: &[u8]) -> Result<TokenStep, MtError> {
        let old = self.session.home_dc_id().unwrap_or(dc_id);
        if self.session.set_home_dc_id(dc_id).await.is_err() {
            return Err(MtError::Network("the session could not move".into()));
        }
        self.handle.disconnect_from_dc(old);
        let answer = self
            .client
            .invoke(&tl::functions::auth::ImportLoginToken {
                token: token.to_vec(),
            })
            .await;
        self.token_step(answer).await
    }

    async fn password_hint(&self) -> Result<Option<String>, MtError> {
        let password: tl::types::account::Password = self
            .client
            .invoke(&tl::functions::account::GetPassword {})
            .await
            .map_err(failure)?
            .into();
        let token = PasswordToken::new(password);
        let hint = token.hint().map(str::to_owned);
        *lock(&self.password) = Some(token);
        Ok(hint)
    }

    async fn check_password(&self, password: &Secret<String>) -> Result<Option<Me>, MtError> {
        let taken = lock(&self.password).take();
        let token = match taken {
            Some(token) => token,
            None => {
                self.password_hint().await?;
                lock(&self.password)
                    .take()
                    .ok_or_else(|| MtError::Rpc("no password parameters".into()))?
            }
        };
        match self
            .client
            .check_password(token, password.expose().as_bytes())
            .await
        {
            Ok(user) => Ok(Some(me_of(&user))),
            Err(SignInError::InvalidPassword(token)) => {
                *lock(&self.password) = Some(token);
                Ok(None)
            }
            Err(SignInError::Other(e)) => Err(failure(e)),
            Err(other) => Err(MtError::Rpc(other.to_string())),
        }
    }

    async fn request_code(&self, phone: &str) -> Result<(), MtError> {
        let token = self
            .client
            .request_login_code(phone, self.api_hash.expose())
            .await
            .map_err(failure)?;
        *lock(&self.code) = Some(token);
        Ok(())
    }

    async fn sign_in(&self, code: &str) -> Result<CodeStep, MtError> {
        let token = lock(&self.code)
            .take()
            .ok_or_else(|| MtError::Rpc("no code was asked for".into()))?;
        let answer = self.client.sign_in(&token, code).await;
        match answer {
            Ok(user) => Ok(CodeStep::Success(me_of(&user))),
            Err(SignInError::PasswordRequired(password)) => {
                *lock(&self.password) = Some(password);
                Ok(CodeStep::PasswordNeeded)
            }
            Err(SignInError::InvalidCode) => {
                *lock(&self.code) = Some(token);
                Ok(CodeStep::InvalidCode)
            }
            Err(SignInError::SignUpRequired) => Ok(CodeStep::SignUpRequired),
            Err(SignInError::Other(e)) => Err(failure(e)),
            Err(other) => Err(MtError::Rpc(other.to_string())),
        }
    }

    async fn me(&self) -> Result<Option<Me>, MtError> {
        match self.client.get_me().await {
            Ok(user) => Ok(Some(me_of(&user))),
            Err(InvocationError::Rpc(rpc)) if rpc.code == 401 => Ok(None),
            Err(e) => Err(failure(e)),
        }
    }

    async fn next_update(&self) -> Result<AccountUpdate, MtError> {
        let mut updates = self.updates.lock().await;
        let stream = self.stream(&mut updates).await?;
        loop {
            let update = stream.next().await.map_err(failure)?;
            if let Some(update) = convert::update(update, |media| self.remember(media)) {
                return Ok(update);
            }
        }
    }

    async fn edit(&self, peer: &Peer, message_id: i32, text: &str) -> Result<(), MtError> {
        let target = self.target(peer).await?;
        self.client
            .edit_message(target, message_id, InputMessage::new().text(text))
            .await
            .map_err(failure)
    }

    async fn react(&self, peer: &Peer, message_id: i32, emoji: &str) -> Result<(), MtError> {
        let target = self.target(peer).await?;
        let reactions = match emoji.is_empty() {
            true => grammers_client::message::InputReactions::remove(),
            false => grammers_client::message::InputReactions::emoticon(emoji),
        };
        self.client
            .send_reactions(target, message_id, reactions)
            .await
            .map_err(failure)
    }

    async fn send(
        &self,
        peer: &Peer,
        text: &str,
        files: &[Upload],
        reply_to: Option<i32>,
    ) -> Result<Vec<i32>, MtError> {
        let target = self.target(peer).await?;
        let mut sent = Vec::new();
        let mut caption = Some(text.to_owned()).filter(|t| !t.trim().is_empty());
        for file in files {
            let message = self
                .upload(file)
                .await?
                .text(caption.take().unwrap_or_default())
                .reply_to(reply_to);
            let message = self
                .client
                .send_message(target, message)
                .await
                .map_err(failure)?;
            sent.push(message.id());
        }
        if let Some(text) = caption {
            let message = self
                .client
                .send_message(target, InputMessage::new().text(text).reply_to(reply_to))
                .await
                .map_err(failure)?;
            sent.push(message.id());
        }
        Ok(sent)
    }

    async fn download(&self, media: &Media) -> Result<Vec<u8>, MtError> {
        let handle = media
            .handle
            .get(..8)
            .and_then(|h| <[u8; 8]>::try_from(h).ok())
            .map(u64::from_le_bytes)
            .ok_or_else(|| MtError::Rpc("an unknown file".into()))?;
        let Some(found) = lock(&self.media).get(&handle).cloned() else {
            return Err(MtError::Rpc("the file is no longer at hand".into()));
        };
        let mut download = self.client.iter_download(&found);
        let mut bytes = Vec::new();
        while let Some(chunk) = download.next().await.map_err(failure)? {
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    async fn keep_alive(&self) -> Result<(), MtError> {
        self.client
            .invoke(&tl::functions::updates::GetState {})
            .await
            .map(|_| ())
            .map_err(failure)
    }

    async fn log_out(&self) -> Result<(), MtError> {
        self.client.sign_out().await.map(|_| ()).map_err(failure)
    }

    async fn session(&self) -> Result<Vec<u8>, MtError> {
        if let Updates::Stream(stream) = &*self.updates.lock().await
            && let Err(e) = stream.sync_update_state().await
        {
            tracing::warn!(error = %e, "the update state could not be noted");
        }
        Ok(self.session.to_bytes())
    }

    async fn close(&self) {
        self.handle.quit();
        let runner = lock(&self.runner).take();
        if let Some(runner) = runner
            && tokio::time::timeout(Duration::from_secs(2), runner)
                .await
                .is_err()
        {
            tracing::debug!("the MTProto connection took long to close");
        }
    }
}

#[cfg(test)]
mod tests {
    use grammers_client::tl::{self, Serializable};

    /// The two login calls made by hand, against their encoding as the TL
    /// schema defines it (little-endian; a string or bytes is its length
    /// byte, the bytes, and padding to four).
    #[test]
    fn the_login_token_calls_are_encoded_as_the_schema_says() {
        // auth.exportLoginToken#b7e085fe api_id:int api_hash:string except_ids:Vector<long>
        let export = tl::functions::auth::ExportLoginToken {
            api_id: 0x0102_0304,
            api_hash: "abc".into(),
            except_ids: vec![7],
        };
        let mut expected = 0xb7e0_85fe_u32.to_le_bytes().to_vec();
        expected.extend(0x0102_0304_i32.to_le_bytes());
        expected.extend([3, b'a', b'b', b'c']);
        expected.extend(0x1cb5_c415_u32.to_le_bytes());
        expected.extend(1_i32.to_le_bytes());
        expected.extend(7_i64.to_le_bytes());
        assert_eq!(export.to_bytes(), expected);

        // auth.importLoginToken#95ac5ce4 token:bytes
        let import = tl::functions::auth::ImportLoginToken {
            token: vec![1, 2, 3, 4, 5],
        };
        let mut expected = 0x95ac_5ce4_u32.to_le_bytes().to_vec();
        expected.extend([5, 1, 2, 3, 4, 5, 0, 0]);
        assert_eq!(import.to_bytes(), expected);
    }
}
