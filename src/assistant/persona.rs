//! The persona: who the assistant is and how it talks. A default template per
//! language, overridable per project, with placeholders filled from the
//! project's settings and the conversation's channel.

use super::model::AssistantSettings;
use crate::model::{ChannelKind, Language};

/// Longest persona the owner may write.
pub const MAX_PERSONA: usize = 20_000;

pub const DEFAULT_RU: &str = "\
Ты — {AGENT_NAME}, консультант магазина «{BRAND}» (город: {CITY}). Ты отвечаешь покупателям в {CHANNEL}.

Как ты общаешься:
- Вежливо, по-деловому и коротко: 1–3 предложения, без канцелярита.
- Отвечаешь только на вопросы о товарах, ценах, наличии, доставке и оплате.
- Цены называешь в {CURRENCY} и только те, что есть в каталоге. Ничего не выдумываешь: если товара или цены нет в каталоге, так и говоришь и предлагаешь уточнить у менеджера.
- Полный каталог: {CATALOG_URL}
- Если покупателю удобнее в WhatsApp: {WHATSAPP_LINK}
- Не обещаешь скидок, сроков и условий, которых нет в каталоге.
";

pub const DEFAULT_EN: &str = "\
You are {AGENT_NAME}, a sales consultant of {BRAND} (city: {CITY}). You answer customers on {CHANNEL}.

How you talk:
- Politely, to the point and briefly: 1–3 sentences.
- You only answer questions about products, prices, availability, delivery and payment.
- You quote prices in {CURRENCY} and only those in the catalogue. You never make anything up: if a product or price is not in the catalogue, say so and offer to check with a manager.
- The full catalogue: {CATALOG_URL}
- If WhatsApp is more convenient for the customer: {WHATSAPP_LINK}
- You do not promise discounts, delivery dates or terms that are not in the catalogue.
";

pub fn default_template(language: Language) -> &'static str {
    match language {
        Language::Ru => DEFAULT_RU,
        Language::En => DEFAULT_EN,
    }
}

pub use crate::placeholders::{channel_name, currency_symbol};

/// What the placeholders stand for in one conversation.
pub struct Fill<'a> {
    pub settings: &'a AssistantSettings,
    pub project_name: &'a str,
    pub language: Language,
    pub channel: Option<ChannelKind>,
}

/// The persona with its placeholders filled. Empty settings fall back: the
/// agent to "consultant", the brand to the project's name, the channel to
/// WhatsApp, links and city to nothing, the currency to "₽".
pub fn render(fill: &Fill<'_>) -> String {
    let template = fill
        .settings
        .persona
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| default_template(fill.language));
    fill_placeholders(template, fill)
}

/// Any text with the persona's placeholders filled, as in [`render`].
pub fn fill_placeholders(text: &str, fill: &Fill<'_>) -> String {
    let s = fill.settings;
    crate::placeholders::fill(
        text,
        &crate::placeholders::Facts {
            agent_name: &s.agent_name,
            brand: &s.brand,
            city: &s.city,
            whatsapp_link: &s.whatsapp_link,
            catalog_url: &s.catalog_url,
            currency: &s.currency,
            project_name: fill.project_name,
            language: fill.language,
            channel: fill.channel,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assistant::model::{AssistantMode, AutoReplyMode};

    fn settings(persona: Option<&str>) -> AssistantSettings {
        AssistantSettings {
            project_id: 1,
            mode: AssistantMode::Drafts,
            persona: persona.map(str::to_owned),
            default_persona: String::new(),
            agent_name: "Алина".into(),
            brand: "Диван-Сити".into(),
            city: "Казань".into(),
            whatsapp_link: "https://wa.me/79990001122".into(),
            catalog_url: "https://example.ru/catalog".into(),
            currency: "RUB".into(),
            auto_reply: AutoReplyMode::Off,
            auto_reply_text: String::new(),
            auto_reply_delay_s: 75,
            schedule: Vec::new(),
            time_zone: String::new(),
            effective_time_zone: "UTC".into(),
        }
    }

    #[test]
    fn every_placeholder_is_filled_from_the_settings_and_the_channel() {
        let s = settings(None);
        let text = render(&Fill {
            settings: &s,
            project_name: "Проект",
            language: Language::Ru,
            channel: Some(ChannelKind::Avito),
        });
        assert!(text.starts_with("Ты — Алина, консультант магазина «Диван-Сити» (город: Казань). Ты отвечаешь покупателям в Avito."), "{text}");
        for part in [
            "в ₽",
            "https://example.ru/catalog",
            "https://wa.me/79990001122",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
        assert!(!text.contains('{'), "no placeholder left: {text}");
    }

    #[test]
    fn empty_settings_fall_back_as_documented() {
        let mut s = settings(Some(
            "{AGENT_NAME}|{BRAND}|{CITY}|{CHANNEL}|{WHATSAPP_LINK}|{CATALOG_URL}|{CURRENCY}",
        ));
        for field in [
            &mut s.agent_name,
            &mut s.brand,
            &mut s.city,
            &mut s.whatsapp_link,
            &mut s.catalog_url,
            &mut s.currency,
        ] {
            field.clear();
        }
        let fill = |language, channel| {
            render(&Fill {
                settings: &s,
                project_name: "Sofa Town",
                language,
                channel,
            })
        };
        assert_eq!(
            fill(Language::En, None),
            "a consultant|Sofa Town||WhatsApp|||₽"
        );
        assert_eq!(
            fill(Language::Ru, Some(ChannelKind::TelegramBot)),
            "консультант|Sofa Town||Telegram|||₽"
        );
        assert_eq!(
            fill(Language::Ru, Some(ChannelKind::Email))
                .split('|')
                .nth(3),
            Some("e-mail")
        );
    }

    #[test]
    fn the_owners_persona_replaces_the_default_and_a_blank_one_does_not() {
        let own = settings(Some("Я {AGENT_NAME} из {BRAND}."));
        let fill = |s| {
            render(&Fill {
                settings: s,
                project_name: "P",
                language: Language::En,
                channel: None,
            })
        };
        assert_eq!(fill(&own), "Я Алина из Диван-Сити.");
        let blank = settings(Some("  \n"));
        assert!(fill(&blank).starts_with("You are Алина, a sales consultant of Диван-Сити"));
    }

    #[test]
    fn currencies_are_written_as_symbols() {
        for (given, shown) in [
            ("RUB", "₽"),
            ("руб.", "₽"),
            ("", "₽"),
            ("KZT", "₸"),
            ("usd", "$"),
            ("UZS", "сўм"),
            ("CHF", "CHF"),
        ] {
            assert_eq!(currency_symbol(given), shown, "{given}");
        }
    }
}
