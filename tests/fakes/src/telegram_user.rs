//! A stand-in for Telegram behind the account channel's narrow interface
//! ([`tuberry::channels::telegram_account::mtproto`]), scripted by the tests
//! directly or, for the whole app, over HTTP ([`server`]): accounts with
//! their data centre and password, login tokens that lapse and can be
//! scanned, each account's updates in order with a position the session
//! remembers (so a reconnect catches up from the saved session), sends that
//! come back as the account's own updates, dropped connections, flood waits
//! and sessions ended elsewhere.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tuberry::channels::telegram_account::mtproto::{
    AccountUpdate, Chat, ChatKind, CodeStep, ConnectParams, Connection, Connector, Me, Media,
    MtError, Peer, Person, TokenStep, Upload,
};
use tuberry::clock::SharedClock;
use tuberry::secret::Secret;

mod build;
pub mod server;

pub use build::{group, message, person, private};

/// What the session bytes hold: an authorization key worth hiding.
pub const AUTH_KEY_MARK: &str = "FAKE-MTPROTO-AUTH-KEY";

#[derive(Clone)]
pub struct Account {
    pub me: Me,
    pub dc: i32,
    pub password: Option<(String, String)>,
    pub phone: String,
}

impl Account {
    pub fn new(user_id: i64, first_name: &str) -> Self {
        Self {
            me: Me {
                user_id,
                first_name: first_name.into(),
                last_name: None,
                username: Some(format!("{}_shop", first_name.to_lowercase())),
                phone: Some(format!("+7999{user_id:07}")),
            },
            dc: 2,
            password: None,
            phone: format!("+7999{user_id:07}"),
        }
    }

    pub fn on_dc(mut self, dc: i32) -> Self {
        self.dc = dc;
        self
    }

    pub fn with_password(mut self, password: &str, hint: &str) -> Self {
        self.password = Some((password.into(), hint.into()));
        self
    }
}

#[derive(Serialize, Deserialize)]
struct SessionBytes {
    id: u64,
    auth_key: String,
    user: Option<i64>,
    dc: i32,
    /// How many of the account's updates were taken.
    position: usize,
}

#[derive(Default)]
struct State {
    accounts: HashMap<i64, Account>,
    /// Tokens handed out, and who scanned them.
    tokens: Vec<(Vec<u8>, Option<i64>)>,
    /// Each account's updates, in order.
    updates: HashMap<i64, Vec<AccountUpdate>>,
    /// Sessions ended (logged out, or revoked elsewhere).
    ended: Vec<u64>,
    /// Sessions the runner logged out itself.
    logged_out: Vec<i64>,
    /// Messages sent through an account: (user, chat, text, files).
    sent: Vec<(i64, i64, String, Vec<String>)>,
    /// The message each send answered.
    replied_to: Vec<Option<i32>>,
    /// Messages changed through an account: (chat, message, new text).
    edits: Vec<(i64, i32, String)>,
    /// Reactions put through an account: (chat, message, emoji; empty: taken back).
    reactions: Vec<(i64, i32, String)>,
    fail_sends: VecDeque<MtError>,
    /// Bumped to drop every connection.
    generation: u64,
    connects: usize,
    exports: usize,
    next_message_id: i32,
    /// The phone login's code.
    code: String,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Clone)]
pub struct FakeTelegram {
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
    clock: SharedClock,
}

impl FakeTelegram {
    /// Token lifetimes and message dates follow `clock`.
    pub fn new(clock: SharedClock) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                next_message_id: 1000,
                code: "24680".into(),
                ..State::default()
            })),
            changed: Arc::new(Notify::new()),
            clock,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn touch(&self) {
        self.changed.notify_waiters();
    }

    pub fn add_account(&self, account: Account) {
        self.state().accounts.insert(account.me.user_id, account);
    }

    /// The token last handed out.
    pub fn last_token(&self) -> Option<Vec<u8>> {
        self.state().tokens.last().map(|(t, _)| t.clone())
    }

    pub fn exports(&self) -> usize {
        self.state().exports
    }

    pub fn connects(&self) -> usize {
        self.state().connects
    }

    /// A phone scans the token shown now.
    pub fn scan(&self, user_id: i64) {
        {
            let mut state = self.state();
            let last = state.tokens.last_mut().expect("a token was shown");
            last.1 = Some(user_id);
        }
        self.touch();
    }

    pub fn code(&self) -> String {
        self.state().code.clone()
    }

    /// Something happens in the account.
    pub fn push(&self, user_id: i64, update: AccountUpdate) {
        self.state()
            .updates
            .entry(user_id)
            .or_default()
            .push(update);
        self.touch();
    }

    /// A customer writes to the account in a private chat.
    pub fn customer_writes(&self, user_id: i64, customer: &Person, text: &str) -> i32 {
        let id = self.next_id();
        self.push(
            user_id,
            AccountUpdate::Message(message(
                private(customer),
                id,
                false,
                customer.clone(),
                text,
                self.now_s(),
            )),
        );
        id
    }

    pub fn next_id(&self) -> i32 {
        let mut state = self.state();
        state.next_message_id += 1;
        state.next_message_id
    }

    pub fn now_s(&self) -> i64 {
        self.clock.now_ms() / 1000
    }

    pub fn sent(&self) -> Vec<(i64, i64, String, Vec<String>)> {
        self.state().sent.clone()
    }

    /// The message each of [`Self::sent`] answered, in the same order.
    pub fn replied_to(&self) -> Vec<Option<i32>> {
        self.state().replied_to.clone()
    }

    /// Messages changed through the accounts: (chat, message, new text).
    pub fn edits(&self) -> Vec<(i64, i32, String)> {
        self.state().edits.clone()
    }

    /// Reactions put through the accounts: (chat, message, emoji).
    pub fn reactions(&self) -> Vec<(i64, i32, String)> {
        self.state().reactions.clone()
    }

    pub fn fail_next_send(&self, error: MtError) {
        self.state().fail_sends.push_back(error);
    }

    /// Failures scripted and not yet met.
    pub fn pending_failures(&self) -> usize {
        self.state().fail_sends.len()
    }

    /// Every connection drops (a network loss).
    pub fn drop_connections(&self) {
        self.state().generation += 1;
        self.touch();
    }

    /// The account's sessions are ended on another device.
    pub fn revoke_all(&self, _user_id: i64) {
        let mut state = self.state();
        let generation = state.generation;
        state.ended.push(u64::MAX);
        state.generation = generation + 1;
        drop(state);
        self.touch();
    }

    pub fn logged_out(&self) -> Vec<i64> {
        self.state().logged_out.clone()
    }
}

#[async_trait]
impl Connector for FakeTelegram {
    async fn connect(
        &self,
        params: &ConnectParams,
        session: Option<&[u8]>,
    ) -> Result<Box<dyn Connection>, MtError> {
        assert!(params.api_id > 0, "an api_id is given");
        assert_eq!(
            params.device_model, "Tuberry Desktop",
            "the app says what it is"
        );
        let session = match session {
            Some(bytes) => {
                serde_json::from_slice(bytes).map_err(|e| MtError::Unauthorized(e.to_string()))?
            }
            None => SessionBytes {
                id: fastrand::u64(..),
                auth_key: format!("{AUTH_KEY_MARK}-{:016x}", fastrand::u64(..)),
                user: None,
                dc: 2,
                position: 0,
            },
        };
        let generation = {
            let mut state = self.state();
            state.connects += 1;
            state.generation
        };
        Ok(Box::new(FakeConnection {
            fake: self.clone(),
            session: Mutex::new(session),
            generation,
            password_for: Mutex::new(None),
        }))
    }
}

struct FakeConnection {
    fake: FakeTelegram,
    session: Mutex<SessionBytes>,
    generation: u64,
    /// The user whose password is asked for.
    password_for: Mutex<Option<i64>>,
}

impl FakeConnection {
    fn session(&self) -> MutexGuard<'_, SessionBytes> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn alive(&self) -> Result<(), MtError> {
        let state = self.fake.state();
        if state.generation != self.generation {
            return Err(MtError::Network("connection reset by peer".into()));
        }
        Ok(())
    }

    fn ended(&self) -> bool {
        let state = self.fake.state();
        let id = self.session().id;
        state.ended.contains(&id) || state.ended.contains(&u64::MAX)
    }

    /// The login of `user` goes on: on the wrong data centre it migrates,
    /// with a password it asks for it, otherwise it succeeds.
    fn logging_in(&self, user: i64, token: Vec<u8>) -> TokenStep {
        let account = self.fake.state().accounts[&user].clone();
        if account.dc != self.session().dc {
            return TokenStep::MigrateTo {
                dc_id: account.dc,
                token,
            };
        }
        if account.password.is_some() {
            *lock(&self.password_for) = Some(user);
            return TokenStep::PasswordNeeded;
        }
        self.session().user = Some(user);
        TokenStep::Success(account.me)
    }
}

#[async_trait]
impl Connection for FakeConnection {
    async fn export_login_token(&self) -> Result<TokenStep, MtError> {
        self.alive()?;
        let scanned = {
            let state = self.fake.state();
            state
                .tokens
                .last()
                .and_then(|(t, user)| user.map(|u| (t.clone(), u)))
        };
        if let Some((token, user)) = scanned {
            return Ok(self.logging_in(user, token));
        }
        let token: Vec<u8> = (0..32).map(|_| fastrand::u8(..)).collect();
        let mut state = self.fake.state();
        state.exports += 1;
        state.tokens.push((token.clone(), None));
        Ok(TokenStep::Token {
            token,
            expires: self.fake.now_s() + 6,
        })
    }

    async fn wait_scan(&self, wait: Duration) -> bool {
        let scanned = || {
            self.fake
                .state()
                .tokens
                .last()
                .is_some_and(|(_, user)| user.is_some())
        };
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if scanned() {
                return true;
            }
            let changed = self.fake.changed.notified();
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return scanned();
            }
        }
    }

    async fn import_login_token(&self, dc_id: i32, token: &[u8]) -> Result<TokenStep, MtError> {
        self.alive()?;
        self.session().dc = dc_id;
        let user = self
            .fake
            .state()
            .tokens
            .iter()
            .find(|(t, _)| t == token)
            .and_then(|(_, u)| *u)
            .ok_or_else(|| MtError::Rpc("AUTH_TOKEN_INVALID".into()))?;
        Ok(self.logging_in(user, token.to_vec()))
    }

    async fn password_hint(&self) -> Result<Option<String>, MtError> {
        let user =
            lock(&self.password_for).ok_or_else(|| MtError::Rpc("no password asked".into()))?;
        Ok(self.fake.state().accounts[&user]
            .password
            .as_ref()
            .map(|(_, hint)| hint.clone()))
    }

    async fn check_password(&self, password: &Secret<String>) -> Result<Option<Me>, MtError> {
        let user =
            lock(&self.password_for).ok_or_else(|| MtError::Rpc("no password asked".into()))?;
        let account = self.fake.state().accounts[&user].clone();
        match &account.password {
            Some((right, _)) if right == password.expose() => {
                self.session().user = Some(user);
                Ok(Some(account.me))
            }
            _ => Ok(None),
        }
    }

    async fn request_code(&self, phone: &str) -> Result<(), MtError> {
        let known = self
            .fake
            .state()
            .accounts
            .values()
            .any(|a| a.phone == phone);
        if !known {
            return Err(MtError::Rpc("PHONE_NUMBER_INVALID".into()));
        }
        self.session().user = None;
        *lock(&self.password_for) = self
            .fake
            .state()
            .accounts
            .values()
            .find(|a| a.phone == phone)
            .map(|a| a.me.user_id);
        Ok(())
    }

    async fn sign_in(&self, code: &str) -> Result<CodeStep, MtError> {
        if code != self.fake.code() {
            return Ok(CodeStep::InvalidCode);
        }
        let user = lock(&self.password_for).ok_or_else(|| MtError::Rpc("no code asked".into()))?;
        let account = self.fake.state().accounts[&user].clone();
        if account.password.is_some() {
            return Ok(CodeStep::PasswordNeeded);
        }
        self.session().user = Some(user);
        Ok(CodeStep::Success(account.me))
    }

    async fn me(&self) -> Result<Option<Me>, MtError> {
        self.alive()?;
        if self.ended() {
            return Ok(None);
        }
        let user = self.session().user;
        Ok(user.map(|u| self.fake.state().accounts[&u].me.clone()))
    }

    async fn next_update(&self) -> Result<AccountUpdate, MtError> {
        loop {
            let changed = self.fake.changed.notified();
            self.alive()?;
            if self.ended() {
                return Err(MtError::Unauthorized("AUTH_KEY_UNREGISTERED".into()));
            }
            let user = self
                .session()
                .user
                .ok_or_else(|| MtError::Unauthorized("not logged in".into()))?;
            let next = {
                let state = self.fake.state();
                let position = self.session().position;
                state
                    .updates
                    .get(&user)
                    .and_then(|u| u.get(position))
                    .cloned()
            };
            if let Some(update) = next {
                self.session().position += 1;
                return Ok(update);
            }
            changed.await;
        }
    }

    async fn edit(&self, peer: &Peer, message_id: i32, text: &str) -> Result<(), MtError> {
        self.alive()?;
        if text.trim().is_empty() {
            return Err(MtError::Rpc("MESSAGE_EMPTY".into()));
        }
        self.fake
            .state()
            .edits
            .push((peer.chat_id, message_id, text.to_owned()));
        Ok(())
    }

    async fn react(&self, peer: &Peer, message_id: i32, emoji: &str) -> Result<(), MtError> {
        self.alive()?;
        self.fake
            .state()
            .reactions
            .push((peer.chat_id, message_id, emoji.to_owned()));
        Ok(())
    }

    async fn send(
        &self,
        peer: &Peer,
        text: &str,
        files: &[Upload],
        reply_to: Option<i32>,
    ) -> Result<Vec<i32>, MtError> {
        self.alive()?;
        if let Some(error) = self.fake.state().fail_sends.pop_front() {
            return Err(error);
        }
        let user = self
            .session()
            .user
            .ok_or_else(|| MtError::Unauthorized("not logged in".into()))?;
        let me = self.fake.state().accounts[&user].me.clone();
        let id = self.fake.next_id();
        self.fake.state().sent.push((
            user,
            peer.chat_id,
            text.to_owned(),
            files.iter().map(|f| f.name.clone()).collect(),
        ));
        self.fake.state().replied_to.push(reply_to);
        // Telegram tells the account about its own message too.
        let sender = Person {
            user_id: me.user_id,
            name: me.display_name(),
            username: me.username.clone(),
            phone: None,
        };
        let chat = Chat {
            id: peer.chat_id,
            kind: if peer.chat_id > 0 {
                ChatKind::Private
            } else {
                ChatKind::Group
            },
            title: None,
            person: None,
        };
        self.fake.push(
            user,
            AccountUpdate::Message(message(chat, id, true, sender, text, self.fake.now_s())),
        );
        Ok(vec![id])
    }

    async fn download(&self, media: &Media) -> Result<Vec<u8>, MtError> {
        self.alive()?;
        Ok(media.handle.clone())
    }

    async fn keep_alive(&self) -> Result<(), MtError> {
        self.alive()
    }

    async fn log_out(&self) -> Result<(), MtError> {
        let (id, user) = {
            let session = self.session();
            (session.id, session.user)
        };
        let mut state = self.fake.state();
        state.ended.push(id);
        state.logged_out.extend(user);
        Ok(())
    }

    async fn session(&self) -> Result<Vec<u8>, MtError> {
        Ok(serde_json::to_vec(&*self.session()).unwrap_or_default())
    }

    async fn close(&self) {}
}
