//! What the bot tells people of the team in its private chat: `/status`,
//! `/stats` and the alerts to the owner and admins, in the project's language.

use crate::channels::AccountState;
use crate::clock::Millis;
use crate::model::{ChannelKind, Language};
use crate::stats::Figures;

/// One channel account in `/status`.
pub struct ChannelLine {
    pub name: String,
    pub kind: ChannelKind,
    pub state: AccountState,
    pub error: Option<String>,
}

/// What `/status` reports.
pub struct Status {
    pub channels: Vec<ChannelLine>,
    pub queued: i64,
    pub failed: i64,
    pub held: i64,
    pub unanswered: i64,
    pub oldest_minutes: Option<i64>,
}

fn state_word(lang: Language, state: AccountState) -> &'static str {
    use AccountState as S;
    match (lang, state) {
        (Language::Ru, S::Connecting) => "подключается",
        (Language::Ru, S::Connected) => "работает",
        (Language::Ru, S::Offline) => "нет связи, повторяет",
        (Language::Ru, S::BadCredentials) => "не принят пароль или токен",
        (Language::Ru, S::Error) => "ошибка",
        (Language::Ru, S::Stopped) => "остановлен",
        (Language::En, S::Connecting) => "connecting",
        (Language::En, S::Connected) => "working",
        (Language::En, S::Offline) => "offline, retrying",
        (Language::En, S::BadCredentials) => "password or token refused",
        (Language::En, S::Error) => "error",
        (Language::En, S::Stopped) => "stopped",
    }
}

fn kind_word(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::TelegramBot => "Telegram bot",
        ChannelKind::TelegramAccount => "Telegram",
        ChannelKind::Email => "E-mail",
        ChannelKind::Avito => "Avito",
        ChannelKind::Whatsapp => "WhatsApp",
        ChannelKind::Simulator => "Test chat",
        ChannelKind::Custom => "Own system",
    }
}

pub fn status(lang: Language, s: &Status) -> String {
    let mut out = String::from(match lang {
        Language::Ru => "📡 Каналы",
        Language::En => "📡 Channels",
    });
    if s.channels.is_empty() {
        out.push_str(match lang {
            Language::Ru => "\nнет подключённых каналов",
            Language::En => "\nno channels connected",
        });
    }
    for c in &s.channels {
        let icon = match c.state {
            AccountState::Connected => "✅",
            AccountState::Connecting | AccountState::Offline => "⏳",
            AccountState::BadCredentials | AccountState::Error => "❌",
            AccountState::Stopped => "⏸",
        };
        out.push_str(&format!(
            "\n{icon} {} ({}): {}",
            c.name,
            kind_word(c.kind),
            state_word(lang, c.state)
        ));
        if let Some(error) = c
            .error
            .as_deref()
            .filter(|_| c.state != AccountState::Connected)
        {
            out.push_str(&format!(" — {}", super::text::truncate(error, 200)));
        }
    }
    out.push_str(&match lang {
        Language::Ru => format!(
            "\n\n📤 Очередь: ждут {}, не удались {}, задержаны защитой {}",
            s.queued, s.failed, s.held
        ),
        Language::En => format!(
            "\n\n📤 Queue: {} waiting, {} failed, {} held by the guard",
            s.queued, s.failed, s.held
        ),
    });
    let oldest = s
        .oldest_minutes
        .map(|m| match lang {
            Language::Ru => format!(" (дольше всех — {})", super::text::waited(lang, m)),
            Language::En => format!(" (the longest {})", super::text::waited(lang, m)),
        })
        .unwrap_or_default();
    out.push_str(&match lang {
        Language::Ru => format!("\n💬 Без ответа сейчас: {}{oldest}", s.unanswered),
        Language::En => format!("\n💬 Unanswered now: {}{oldest}", s.unanswered),
    });
    out
}

fn duration(lang: Language, ms: Option<Millis>) -> String {
    let Some(ms) = ms else {
        return "—".into();
    };
    let seconds = ms / 1000;
    match (lang, seconds) {
        (Language::Ru, s) if s < 60 => format!("{s} с"),
        (Language::En, s) if s < 60 => format!("{s} s"),
        (_, s) => super::text::waited(lang, s / 60),
    }
}

fn figures_block(lang: Language, title: &str, f: &Figures) -> String {
    match lang {
        Language::Ru => format!(
            "{title}\nНовых диалогов: {}, с ответом: {}\nПервый ответ: медиана {}, 90% — за {}\nОтветы: люди {}, ассистент {}, автоответ {}",
            f.new_conversations,
            f.answered,
            duration(lang, f.first_response_median_ms),
            duration(lang, f.first_response_p90_ms),
            f.replies_by_people,
            f.replies_by_assistant,
            f.replies_by_auto_reply
        ),
        Language::En => format!(
            "{title}\nNew conversations: {}, answered: {}\nFirst response: median {}, 90% within {}\nReplies: people {}, assistant {}, auto-reply {}",
            f.new_conversations,
            f.answered,
            duration(lang, f.first_response_median_ms),
            duration(lang, f.first_response_p90_ms),
            f.replies_by_people,
            f.replies_by_assistant,
            f.replies_by_auto_reply
        ),
    }
}

pub fn stats(lang: Language, today: &Figures, week: &Figures) -> String {
    let (t, w) = match lang {
        Language::Ru => ("📊 Сегодня", "📊 Эта неделя"),
        Language::En => ("📊 Today", "📊 This week"),
    };
    format!(
        "{}\n\n{}",
        figures_block(lang, t, today),
        figures_block(lang, w, week)
    )
}

pub fn stats_not_allowed(lang: Language) -> &'static str {
    match lang {
        Language::Ru => "Статистику видят менеджеры, администраторы и владелец.",
        Language::En => "Managers, admins and the owner see the figures.",
    }
}

/// An alert in both languages, chosen when it is sent.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Said {
    pub en: String,
    pub ru: String,
}

impl Said {
    pub fn get(&self, lang: Language) -> &str {
        match lang {
            Language::Ru => &self.ru,
            Language::En => &self.en,
        }
    }
}

pub fn account_broken(name: &str, kind: ChannelKind, error: Option<&str>) -> Said {
    let reason = error
        .map(|e| format!(": {}", super::text::truncate(e, 200)))
        .unwrap_or_default();
    Said {
        en: format!("❌ {name} ({}) stopped working{reason}", kind_word(kind)),
        ru: format!("❌ {name} ({}) не работает{reason}", kind_word(kind)),
    }
}

pub fn account_back(name: &str, kind: ChannelKind) -> Said {
    Said {
        en: format!("✅ {name} ({}) works again", kind_word(kind)),
        ru: format!("✅ {name} ({}) снова работает", kind_word(kind)),
    }
}

pub fn group_broken(project: &str, missing: &[super::model::WorkGroupProblem]) -> Said {
    let list = |lang| {
        missing
            .iter()
            .map(|m| super::text::explain(*m, lang))
            .collect::<Vec<_>>()
            .join("; ")
    };
    Said {
        en: format!(
            "❌ The work group of “{project}” lacks: {}",
            list(Language::En)
        ),
        ru: format!(
            "❌ В рабочей группе проекта «{project}» не хватает: {}",
            list(Language::Ru)
        ),
    }
}

pub fn group_back(project: &str) -> Said {
    Said {
        en: format!("✅ The work group of “{project}” works again"),
        ru: format!("✅ Рабочая группа проекта «{project}» снова работает"),
    }
}

pub fn waiting(name: &str, minutes: i64, url: Option<&str>) -> Said {
    let url = url.map(|u| format!(" — {u}")).unwrap_or_default();
    Said {
        en: format!(
            "⏰ {name} has waited {} for a person{url}",
            super::text::waited(Language::En, minutes)
        ),
        ru: format!(
            "⏰ {name} ждёт человека уже {}{url}",
            super::text::waited(Language::Ru, minutes)
        ),
    }
}

/// The head of a grouped alert message.
pub fn alerts_head(lang: Language) -> &'static str {
    match lang {
        Language::Ru => "🔔 Tuberry:",
        Language::En => "🔔 Tuberry:",
    }
}

pub fn invite_usage(lang: Language) -> &'static str {
    match lang {
        Language::Ru => "Кого пригласить? /invite оператор, /invite менеджер или /invite админ",
        Language::En => "Invite whom? /invite operator, /invite manager or /invite admin",
    }
}

pub fn invite_not_allowed(lang: Language) -> &'static str {
    match lang {
        Language::Ru => {
            "Приглашают администраторы и владелец; администраторов приглашает только владелец."
        }
        Language::En => "Admins and the owner invite people; only the owner invites admins.",
    }
}

pub fn invite_created(lang: Language, role: crate::team::model::Role, url: &str) -> String {
    use crate::team::model::Role;
    let (ru, en) = match role {
        Role::Admin => ("администратора", "an admin"),
        Role::Manager => ("менеджера", "a manager"),
        _ => ("оператора", "an operator"),
    };
    match lang {
        Language::Ru => format!(
            "Приглашение для {ru} — для одного человека, действует 72 часа:\n{url}\nОтправьте ссылку человеку: он откроет её в Telegram и нажмёт «Старт»."
        ),
        Language::En => format!(
            "An invite for {en} — one person, valid for 72 hours:\n{url}\nSend the link to the person: they open it in Telegram and press Start."
        ),
    }
}
