//! Messages as WhatsApp hands them to a linked device, for
//! [`FakeWhatsApp::write`](super::FakeWhatsApp::write): a customer writes
//! in a private chat (`<digits>@s.whatsapp.net`) with the profile name
//! `Customer NNNN` (the number's last four digits) unless [`Build::named`],
//! dated now unless [`Build::at`].
//!
//! ```text
//! fake.write("+79990000001", msg::text("+79161234567", &msg::id(), "Hi").reply_to("3A1F", "Price?"));
//! ```

use tuberry::channels::whatsapp::linked::device::{
    Content, Media, Quoted, SharedContact, WaMessage,
};

use super::state::{digits, hex};

/// A message id as a phone gives it.
pub fn id() -> String {
    format!("3A{}", hex(18))
}

/// The private chat with `phone`.
pub fn jid(phone: &str) -> String {
    format!("{}@s.whatsapp.net", digits(phone))
}

/// The customer `customer` (+E.164) wrote `content` as message `id`.
pub fn from(customer: &str, id: &str, content: Content) -> WaMessage {
    let digits = digits(customer);
    let last4 = &digits[digits.len().saturating_sub(4)..];
    WaMessage {
        id: id.to_owned(),
        chat: jid(customer),
        is_group: false,
        from_me: false,
        sender: jid(customer),
        sender_phone: Some(format!("+{digits}")),
        push_name: Some(format!("Customer {last4}")),
        timestamp: unix_now(),
        content,
        reply_to: None,
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

pub fn text(customer: &str, id: &str, text: &str) -> WaMessage {
    from(customer, id, Content::Text(text.to_owned()))
}

/// A file (made with [`FakeWhatsApp::add_media`](super::FakeWhatsApp::add_media)).
pub fn media(customer: &str, id: &str, media: Media, caption: Option<&str>) -> WaMessage {
    from(
        customer,
        id,
        Content::Media {
            media,
            caption: caption.map(str::to_owned),
        },
    )
}

pub fn location(
    customer: &str,
    id: &str,
    latitude: f64,
    longitude: f64,
    name: Option<&str>,
    address: Option<&str>,
) -> WaMessage {
    from(
        customer,
        id,
        Content::Location {
            latitude,
            longitude,
            name: name.map(str::to_owned),
            address: address.map(str::to_owned),
        },
    )
}

pub fn contacts(customer: &str, id: &str, cards: Vec<SharedContact>) -> WaMessage {
    from(customer, id, Content::Contacts(cards))
}

/// A contact card.
pub fn contact(name: &str, phones: &[&str]) -> SharedContact {
    SharedContact {
        name: name.to_owned(),
        phones: phones.iter().map(|&p| p.to_owned()).collect(),
    }
}

/// A reaction to message `target_id`; an empty emoji takes it back.
pub fn reaction(customer: &str, id: &str, target_id: &str, emoji: &str) -> WaMessage {
    from(
        customer,
        id,
        Content::Reaction {
            target_id: target_id.to_owned(),
            emoji: emoji.to_owned(),
        },
    )
}

/// Message `target_id` edited to `text`.
pub fn edit(customer: &str, id: &str, target_id: &str, text: &str) -> WaMessage {
    from(
        customer,
        id,
        Content::Edit {
            target_id: target_id.to_owned(),
            text: text.to_owned(),
        },
    )
}

/// Message `target_id` deleted for everyone.
pub fn revoke(customer: &str, id: &str, target_id: &str) -> WaMessage {
    from(
        customer,
        id,
        Content::Revoke {
            target_id: target_id.to_owned(),
        },
    )
}

/// Something the inbox does not show (a poll, a call…).
pub fn other(customer: &str, id: &str, what: &str) -> WaMessage {
    from(customer, id, Content::Other(what.to_owned()))
}

/// Changes to a message before it is written.
pub trait Build {
    /// It answers message `id` whose text was `text`.
    #[must_use]
    fn reply_to(self, id: &str, text: &str) -> Self;
    /// The owner wrote it on the phone, in the same chat.
    #[must_use]
    #[allow(
        clippy::wrong_self_convention,
        reason = "named after the message's `from_me`"
    )]
    fn from_me(self) -> Self;
    /// It was written in the group `group_jid` (`<id>@g.us`).
    #[must_use]
    fn in_group(self, group_jid: &str) -> Self;
    /// The sender's profile name (none with `""`).
    #[must_use]
    fn named(self, push_name: &str) -> Self;
    /// Dated `unix_s`.
    #[must_use]
    fn at(self, unix_s: i64) -> Self;
}

impl Build for WaMessage {
    fn reply_to(mut self, id: &str, text: &str) -> Self {
        self.reply_to = Some(Quoted {
            id: id.to_owned(),
            text: Some(text.to_owned()),
        });
        self
    }

    fn from_me(mut self) -> Self {
        self.from_me = true;
        self
    }

    fn in_group(mut self, group_jid: &str) -> Self {
        self.chat = group_jid.to_owned();
        self.is_group = true;
        self
    }

    fn named(mut self, push_name: &str) -> Self {
        self.push_name = (!push_name.is_empty()).then(|| push_name.to_owned());
        self
    }

    fn at(mut self, unix_s: i64) -> Self {
        self.timestamp = unix_s;
        self
    }
}
