//! Telegram accounts as a channel kind.

use async_trait::async_trait;

use super::{RunState, TelegramAccounts};
use crate::channels::{AccountState, AccountStatus, Adapter};
use crate::model::ChannelKind;
use crate::queue::Rate;

/// Replies from one account: Telegram holds back accounts that write fast
/// to many people, so a user account goes slower than a bot.
const ACCOUNT_RATE: (u32, i64) = (20, 60_000);
/// And one message a second into the same chat.
const CHAT_RATE: (u32, i64) = (1, 1_000);

fn account_key(account_id: i64) -> String {
    format!("tgacc:{account_id}")
}

fn chat_key(account_id: i64, thread: &str) -> String {
    format!("tgacc-chat:{account_id}:{thread}")
}

#[async_trait]
impl Adapter for TelegramAccounts {
    fn kind(&self) -> ChannelKind {
        ChannelKind::TelegramAccount
    }

    async fn start(&self) {
        self.start_all().await;
    }

    async fn shutdown(&self) {
        self.runners.shutdown().await;
    }

    fn status(&self, account_id: i64) -> AccountStatus {
        let (state, error) = match self.core.board.get(account_id) {
            RunState::Connecting => (AccountState::Connecting, None),
            RunState::Connected => (AccountState::Connected, None),
            RunState::Offline(why) => (AccountState::Offline, Some(why)),
            RunState::LoggedOut(why) => (AccountState::BadCredentials, Some(why)),
            RunState::Stopped => (AccountState::Stopped, None),
        };
        AccountStatus::new(state)
            .error(error)
            .connected_at(self.core.board.connected_at(account_id))
    }

    fn rate_keys(&self, account_id: i64, thread: &str) -> Vec<String> {
        vec![chat_key(account_id, thread), account_key(account_id)]
    }

    /// A user's numeric id (a person the account has met), or @username /
    /// +phone of someone who wrote before.
    fn address(
        &self,
        _account_id: i64,
        to: &str,
    ) -> crate::error::Result<crate::channels::Address> {
        crate::channels::telegram_address(to)
    }

    fn rates(&self) -> Vec<(&'static str, Rate)> {
        vec![
            ("tgacc-chat:", Rate::per(CHAT_RATE.0, CHAT_RATE.1)),
            ("tgacc:", Rate::per(ACCOUNT_RATE.0, ACCOUNT_RATE.1)),
        ]
    }
}
