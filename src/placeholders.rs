//! The placeholders of texts that go to customers — the assistant's persona
//! and quick replies: `{AGENT_NAME}`, `{BRAND}`, `{CITY}`, `{CHANNEL}`,
//! `{WHATSAPP_LINK}`, `{CATALOG_URL}`, `{CURRENCY}`, filled from the shop's
//! facts (a project's assistant settings). Empty facts fall back: the agent
//! to "consultant", the brand to the project's name, the channel to
//! WhatsApp, links and city to nothing, the currency to "₽".

use crate::model::{ChannelKind, Language};

/// What the placeholders stand for in one conversation.
pub struct Facts<'a> {
    pub agent_name: &'a str,
    pub brand: &'a str,
    pub city: &'a str,
    pub whatsapp_link: &'a str,
    pub catalog_url: &'a str,
    pub currency: &'a str,
    pub project_name: &'a str,
    pub language: Language,
    pub channel: Option<ChannelKind>,
}

/// The channel as the persona names it; the Test chat without a chosen
/// channel is WhatsApp, as a customer most often writes there.
pub fn channel_name(kind: Option<ChannelKind>) -> &'static str {
    match kind {
        Some(ChannelKind::TelegramBot | ChannelKind::TelegramAccount) => "Telegram",
        Some(ChannelKind::Avito) => "Avito",
        Some(ChannelKind::Email) => "e-mail",
        Some(ChannelKind::Custom) => "the website chat",
        Some(ChannelKind::Whatsapp | ChannelKind::Simulator) | None => "WhatsApp",
    }
}

/// A currency as customers read it: codes and abbreviations of the rouble
/// become "₽"; an empty setting is "₽".
pub fn currency_symbol(currency: &str) -> String {
    let c = currency.trim();
    match c.to_lowercase().trim_end_matches('.') {
        "" | "rub" | "rur" | "руб" | "р" | "рубль" | "рублей" | "₽" => "₽".into(),
        "kzt" | "тенге" | "тг" => "₸".into(),
        "usd" => "$".into(),
        "eur" => "€".into(),
        "uzs" | "сум" | "сўм" | "so'm" | "soʻm" => "сўм".into(),
        _ => c.to_owned(),
    }
}

/// `text` with its placeholders filled from `facts`.
pub fn fill(text: &str, facts: &Facts<'_>) -> String {
    let or = |value: &str, fallback: &str| {
        let v = value.trim();
        if v.is_empty() {
            fallback.to_owned()
        } else {
            v.to_owned()
        }
    };
    let agent = match facts.language {
        Language::Ru => "консультант",
        Language::En => "a consultant",
    };
    let pairs = [
        ("{AGENT_NAME}", or(facts.agent_name, agent)),
        ("{BRAND}", or(facts.brand, facts.project_name)),
        ("{CITY}", or(facts.city, "")),
        ("{CHANNEL}", channel_name(facts.channel).to_owned()),
        ("{WHATSAPP_LINK}", or(facts.whatsapp_link, "")),
        ("{CATALOG_URL}", or(facts.catalog_url, "")),
        ("{CURRENCY}", currency_symbol(facts.currency)),
    ];
    let mut text = text.to_owned();
    for (name, value) in pairs {
        text = text.replace(name, &value);
    }
    text
}
