//! What deserves a desktop notification, decided from the engine's events and
//! what the person at the window is doing: a customer's new message while the
//! window is not in front, a conversation that now needs a person, a channel
//! account that broke. One notice per conversation, updated through a burst
//! rather than one per message; quiet while the person is looking at that
//! conversation or typing in it. Showing them is the desktop's business.

use std::collections::{HashMap, HashSet};

use crate::channels::accounts::{Account, AccountState};
use crate::clock::Millis;
use crate::model::{ConversationStatus, ConversationSummary, Direction, Language, Message};

/// Typing in a conversation keeps its notices quiet this long.
pub const TYPING_QUIET_MS: Millis = 30_000;

/// What the person at the window is doing, as the window reports it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attention {
    /// The window is shown and in front.
    pub focused: bool,
    /// The conversation open in the inbox.
    pub open: Option<i64>,
    /// The conversation last typed in, and when.
    pub typing: Option<(i64, Millis)>,
}

impl Attention {
    fn looking_at(&self, conversation_id: i64) -> bool {
        self.focused && self.open == Some(conversation_id)
    }

    fn typing_in(&self, conversation_id: i64, now: Millis) -> bool {
        self.typing.is_some_and(|(id, at)| {
            id == conversation_id && now.saturating_sub(at) < TYPING_QUIET_MS
        })
    }
}

/// What one notice is about; a new notice about the same thing replaces the
/// one shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Conversation(i64),
    Account(i64),
    /// Tuberry itself (where it went when the window closed).
    App,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub subject: Subject,
    pub title: String,
    pub body: String,
}

/// The decisions, with what they remember: unseen messages per conversation,
/// the conversations that need a person, which accounts are known broken.
#[derive(Debug, Default)]
pub struct Notices {
    unseen: HashMap<i64, u32>,
    needing: HashSet<i64>,
    broken: HashMap<i64, AccountState>,
}

const PREVIEW_CHARS: usize = 160;

fn preview(text: &str, language: Language, has_files: bool) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return match (language, has_files) {
            (Language::Ru, true) => "📎 Вложение".into(),
            (Language::En, true) => "📎 Attachment".into(),
            (Language::Ru, false) => "Новое сообщение".into(),
            (Language::En, false) => "New message".into(),
        };
    }
    if text.chars().count() <= PREVIEW_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(PREVIEW_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// "5 new messages" with Russian's three plural forms.
fn new_messages(count: u32, language: Language) -> String {
    match language {
        Language::En => format!("{count} new messages"),
        Language::Ru => {
            let (tens, ones) = (count % 100, count % 10);
            let word = if (11..=14).contains(&tens) {
                "новых сообщений"
            } else if ones == 1 {
                "новое сообщение"
            } else if (2..=4).contains(&ones) {
                "новых сообщения"
            } else {
                "новых сообщений"
            };
            format!("{count} {word}")
        }
    }
}

fn who(conversation: &ConversationSummary) -> String {
    format!(
        "{} · {}",
        conversation.contact_name, conversation.channel_name
    )
}

impl Notices {
    pub fn new() -> Self {
        Self::default()
    }

    /// A message was stored. A customer's message is told while the window
    /// is not in front, unless they are typing in that conversation; later
    /// ones update the same notice with how many there are.
    pub fn message(
        &mut self,
        conversation: &ConversationSummary,
        message: &Message,
        attention: &Attention,
        language: Language,
        now: Millis,
    ) -> Option<Notice> {
        let id = conversation.id;
        if message.direction != Direction::In {
            // Someone answered: what came before is dealt with.
            self.unseen.remove(&id);
            return None;
        }
        if attention.focused || attention.typing_in(id, now) {
            self.unseen.remove(&id);
            return None;
        }
        let count = self.unseen.entry(id).or_default();
        *count += 1;
        let text = preview(&message.text, language, !message.attachments.is_empty());
        let body = match *count {
            1 => text,
            n => format!("{}\n{text}", new_messages(n, language)),
        };
        Some(Notice {
            subject: Subject::Conversation(id),
            title: who(conversation),
            body,
        })
    }

    /// A conversation changed. Turning into "needs a person" is told even
    /// with the window in front, unless that conversation is open there.
    pub fn conversation(
        &mut self,
        conversation: &ConversationSummary,
        attention: &Attention,
        language: Language,
        now: Millis,
    ) -> Option<Notice> {
        let id = conversation.id;
        let needs = conversation.status == ConversationStatus::NeedsHuman;
        let needed = if needs {
            !self.needing.insert(id)
        } else {
            self.needing.remove(&id);
            true
        };
        if needed {
            return None;
        }
        if attention.looking_at(id) || attention.typing_in(id, now) {
            return None;
        }
        let title = match language {
            Language::Ru => format!("Нужен человек: {}", conversation.contact_name),
            Language::En => format!("Needs a person: {}", conversation.contact_name),
        };
        Some(Notice {
            subject: Subject::Conversation(id),
            title,
            body: preview(&conversation.last_message_preview, language, false),
        })
    }

    /// Learns which conversations already need a person (when the app
    /// starts), so that only those that come to need one are told.
    pub fn know_needing(&mut self, conversations: &[ConversationSummary]) {
        self.needing.extend(
            conversations
                .iter()
                .filter(|c| c.status == ConversationStatus::NeedsHuman)
                .map(|c| c.id),
        );
    }

    /// The person opened a conversation: its count starts again.
    pub fn seen(&mut self, conversation_id: i64) {
        self.unseen.remove(&conversation_id);
    }

    /// An account's state changed. Breaking (credentials refused, or an
    /// error that stops it) is told once; it is told again only after the
    /// account worked in between.
    pub fn account(&mut self, account: &Account, language: Language) -> Option<Notice> {
        let state = account.status.state;
        let broken = matches!(state, AccountState::BadCredentials | AccountState::Error);
        if !broken {
            if matches!(state, AccountState::Connected | AccountState::Stopped) {
                self.broken.remove(&account.id);
            }
            return None;
        }
        if self.broken.insert(account.id, state).is_some() {
            return None;
        }
        let title = match language {
            Language::Ru => format!("{} не работает", account.name),
            Language::En => format!("{} stopped working", account.name),
        };
        let body = match (&account.status.last_error, state, language) {
            (Some(error), _, _) => error.clone(),
            (None, AccountState::BadCredentials, Language::Ru) => {
                "Вход больше не принимается: подключите заново.".into()
            }
            (None, AccountState::BadCredentials, Language::En) => {
                "Its sign-in is no longer accepted: connect it again.".into()
            }
            (None, _, Language::Ru) => "Подробности — в разделе «Подключения».".into(),
            (None, _, Language::En) => "See Accounts for what happened.".into(),
        };
        Some(Notice {
            subject: Subject::Account(account.id),
            title,
            body,
        })
    }

    /// How many accounts are broken now (for the tray).
    pub fn broken_accounts(&self) -> usize {
        self.broken.len()
    }

    /// Forgets an account that was removed.
    pub fn forget_account(&mut self, account_id: i64) {
        self.broken.remove(&account_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_counts_take_their_plural_forms() {
        let ru = |n| new_messages(n, Language::Ru);
        assert_eq!(ru(2), "2 новых сообщения");
        assert_eq!(ru(5), "5 новых сообщений");
        assert_eq!(ru(11), "11 новых сообщений");
        assert_eq!(ru(21), "21 новое сообщение");
        assert_eq!(ru(23), "23 новых сообщения");
        assert_eq!(new_messages(3, Language::En), "3 new messages");
    }

    #[test]
    fn a_long_message_is_cut_and_an_empty_one_named() {
        let long = "слово ".repeat(100);
        let cut = preview(&long, Language::Ru, false);
        assert_eq!(cut.chars().count(), PREVIEW_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(preview("  ", Language::En, true), "📎 Attachment");
    }
}
