//! What people do in the fake's Telegram: groups, rights, messages and topics.

use super::*;

impl FakeTelegram {
    /// A person adds a bot to a group (as an administrator when `as_admin`);
    /// the bot gets a `my_chat_member` update. The first person to add a bot
    /// is the group's owner.
    pub fn add_bot_to_group(
        &self,
        bot_token: &str,
        chat_id: i64,
        as_admin: bool,
        can_manage_topics: bool,
        by_user: &User,
    ) {
        let rights = Rights {
            admin: as_admin,
            can_manage_topics: as_admin && can_manage_topics,
        };
        control(
            self.shared()
                .update(|s| s.set_bot_membership(bot_token, chat_id, Some(rights), Some(by_user))),
        );
    }

    /// The owner changes a bot's rights in a group; the bot gets a
    /// `my_chat_member` update.
    pub fn set_bot_rights(
        &self,
        bot_token: &str,
        chat_id: i64,
        as_admin: bool,
        can_manage_topics: bool,
    ) {
        let rights = Rights {
            admin: as_admin,
            can_manage_topics: as_admin && can_manage_topics,
        };
        control(
            self.shared()
                .update(|s| s.set_bot_membership(bot_token, chat_id, Some(rights), None)),
        );
    }

    /// The owner removes a bot from a group; the bot gets a `my_chat_member`
    /// update.
    pub fn remove_bot_from_group(&self, bot_token: &str, chat_id: i64) {
        control(
            self.shared()
                .update(|s| s.set_bot_membership(bot_token, chat_id, None, None)),
        );
    }

    /// A person writes in a group, in a topic when `thread_id` is given.
    /// Administrator bots get it; other bots only commands and mentions.
    pub fn user_writes_in_group(
        &self,
        chat_id: i64,
        thread_id: Option<i64>,
        user: &User,
        text: &str,
    ) -> i64 {
        control(
            self.shared()
                .update(|s| s.user_writes_in_group(chat_id, thread_id, user, text)),
        )
    }

    /// A person answers message `reply_to` of a group (in a topic when
    /// `thread_id` is given).
    pub fn user_replies_in_group(
        &self,
        chat_id: i64,
        thread_id: Option<i64>,
        user: &User,
        reply_to: i64,
        text: &str,
    ) -> i64 {
        control(
            self.shared().update(|s| {
                s.user_replies_in_group(chat_id, thread_id, user, text, Some(reply_to))
            }),
        )
    }

    /// A person changes their message `message_id` in a group.
    pub fn user_edits_in_group(&self, chat_id: i64, user: &User, message_id: i64, text: &str) {
        control(
            self.shared()
                .update(|s| s.user_edits_in_group(chat_id, user, message_id, text)),
        )
    }

    /// A person reacts to message `message_id` of a group (`None`: takes it back).
    pub fn user_reacts_in_group(
        &self,
        chat_id: i64,
        user: &User,
        message_id: i64,
        emoji: Option<&str>,
    ) {
        control(
            self.shared()
                .update(|s| s.user_reacts_in_group(chat_id, user, message_id, emoji)),
        )
    }

    /// A person closes a topic; administrator bots get the service message.
    pub fn close_topic_by_user(&self, chat_id: i64, thread_id: i64, user: &User) {
        control(
            self.shared()
                .update(|s| s.user_sets_topic_closed(chat_id, thread_id, true, Some(user))),
        );
    }

    /// A person reopens a topic; administrator bots get the service message.
    pub fn reopen_topic_by_user(&self, chat_id: i64, thread_id: i64, user: &User) {
        control(
            self.shared()
                .update(|s| s.user_sets_topic_closed(chat_id, thread_id, false, Some(user))),
        );
    }

    /// A person deletes a topic: it and its messages vanish without update.
    pub fn delete_topic_by_user(&self, chat_id: i64, thread_id: i64) {
        control(
            self.shared()
                .update(|s| s.user_deletes_topic(chat_id, thread_id)),
        );
    }

    /// While offline, every Bot API request (and file download) is answered
    /// 502 Bad Gateway, as a proxy in front of an unreachable Telegram would;
    /// waiting `getUpdates` calls end the same way, and webhooks are not
    /// delivered. See [`Outage`] for a cut connection instead.
    pub fn set_offline(&self, offline: bool) {
        self.set_outage(offline.then_some(Outage::BadGateway));
    }

    /// Starts (`Some`) or ends (`None`) an outage of the given kind.
    pub fn set_outage(&self, outage: Option<Outage>) {
        self.shared().update(|s| s.outage = outage);
    }

    pub fn is_offline(&self) -> bool {
        self.shared().read(|s| s.outage.is_some())
    }

    // What happened.

    pub fn topics(&self, chat_id: i64) -> Vec<Topic> {
        self.shared().read(|s| s.topics(chat_id))
    }

    /// The messages of a chat in order, only those of one topic when
    /// `thread_id` is given. Messages of deleted topics are gone.
    pub fn messages(&self, chat_id: i64, thread_id: Option<i64>) -> Vec<SentMessage> {
        self.shared().read(|s| s.messages(chat_id, thread_id))
    }

    /// The emoji bots reacted to a message with.
    pub fn reactions(&self, chat_id: i64, message_id: i64) -> Vec<String> {
        self.shared().read(|s| s.reactions(chat_id, message_id))
    }

    /// Every Bot API request so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared().read(|s| s.requests.clone())
    }

    /// Every 429 answer so far.
    pub fn rate_limited(&self) -> Vec<RateLimited> {
        self.shared().read(|s| s.rate_limited.clone())
    }

    /// Counted calls made while a `retry_after` given for that chat (or the
    /// whole bot) was still in force. Tests assert this is empty.
    pub fn violations(&self) -> Vec<String> {
        self.shared().read(|s| s.violations.clone())
    }

    /// Requests or answers that do not match the Bot API description.
    pub fn spec_errors(&self) -> Vec<String> {
        self.shared().read(|s| s.spec_errors.clone())
    }

    /// Updates of a bot not yet confirmed (by a later `getUpdates` offset or
    /// a webhook's 2xx).
    pub fn pending_updates(&self, bot_token: &str) -> usize {
        self.shared().read(|s| s.pending_updates(bot_token))
    }

    /// Whether a `getUpdates` of the bot is waiting for updates right now,
    /// to know that a client is polling before making something happen.
    pub fn is_polling(&self, bot_token: &str) -> bool {
        self.shared().read(|s| {
            let bot = s.bot_id(bot_token).and_then(|id| s.bots.get(&id));
            bot.is_some_and(|b| b.waiting_polls > 0)
        })
    }

    /// The commands a bot set with `setMyCommands`.
    pub fn bot_commands(&self, bot_token: &str) -> serde_json::Value {
        self.shared().read(|s| {
            s.bot_id(bot_token)
                .and_then(|id| s.bots.get(&id))
                .map_or(serde_json::Value::Null, |b| b.commands.clone())
        })
    }

    /// Waits until `condition` holds, looking again after every change;
    /// `false` if it still does not after `timeout`.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut condition: impl FnMut(&Self) -> bool,
    ) -> bool {
        crate::wait::until(self.shared().subscribe(), timeout, || condition(self)).await
    }

    /// Waits until a chat (or one of its topics) has at least `n` messages
    /// and returns them all; fewer if `timeout` passes first.
    pub async fn wait_for_messages(
        &self,
        chat_id: i64,
        thread_id: Option<i64>,
        n: usize,
        timeout: Duration,
    ) -> Vec<SentMessage> {
        self.wait_until(timeout, |fake| fake.messages(chat_id, thread_id).len() >= n)
            .await;
        self.messages(chat_id, thread_id)
    }
}
