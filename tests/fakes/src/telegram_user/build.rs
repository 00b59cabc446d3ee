//! Building the objects the Telegram accounts' fake hands out: chats,
//! people and messages.

use tuberry::channels::telegram_account::mtproto::{Chat, ChatKind, ChatMessage, Person};

pub fn private(person: &Person) -> Chat {
    Chat {
        id: person.user_id,
        kind: ChatKind::Private,
        title: None,
        person: Some(person.clone()),
    }
}

pub fn group(id: i64, title: &str) -> Chat {
    Chat {
        id,
        kind: ChatKind::Group,
        title: Some(title.into()),
        person: None,
    }
}

pub fn message(
    chat: Chat,
    id: i32,
    outgoing: bool,
    sender: Person,
    text: &str,
    date: i64,
) -> ChatMessage {
    ChatMessage {
        chat,
        message_id: id,
        outgoing,
        sender,
        text: text.into(),
        media: None,
        date,
        reply_to: None,
    }
}

pub fn person(user_id: i64, name: &str) -> Person {
    Person {
        user_id,
        name: name.into(),
        username: Some(name.to_lowercase()),
        phone: None,
    }
}
