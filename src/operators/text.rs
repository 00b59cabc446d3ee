//! What the bot writes to operators in the work group, in the project's language.

use super::model::WorkGroupProblem;
use crate::model::{AuthorKind, ConversationStatus, Language};

/// The line that says who wrote a mirrored message.
pub fn author_label(
    lang: Language,
    author: AuthorKind,
    name: Option<&str>,
    contact: &str,
    channel: &str,
) -> String {
    let named = |icon: &str, role_ru: &str, role_en: &str| {
        let role = match lang {
            Language::Ru => role_ru,
            Language::En => role_en,
        };
        match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => format!("{icon} {role} · {name}"),
            None => format!("{icon} {role}"),
        }
    };
    match author {
        AuthorKind::Customer => format!("👤 {contact} · {channel}"),
        AuthorKind::Manager => named("💼", "Менеджер", "Manager"),
        AuthorKind::Operator => named("🎧", "Оператор", "Operator"),
        AuthorKind::Assistant => named("✨", "Ассистент", "Assistant"),
        AuthorKind::AutoReply => named("🤖", "Автоответчик", "Auto-reply"),
    }
}

/// A topic's title: the customer and the channel, with a marker while the
/// auto-responder or the assistant handles it, or when a person is needed.
pub fn topic_title(
    status: ConversationStatus,
    contact: &str,
    channel: &str,
    assignee: Option<&str>,
) -> String {
    let marker = match status {
        ConversationStatus::AnsweredByAssistant => "🤖 ",
        ConversationStatus::NeedsHuman => "❗ ",
        ConversationStatus::AwaitingResponse | ConversationStatus::Closed => "",
    };
    let assignee = assignee.map(|a| format!(" → {a}")).unwrap_or_default();
    let title = format!("{marker}{contact} · {channel}{assignee}");
    truncate(&title, 128)
}

pub fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max_chars - 1).collect();
    format!("{cut}…")
}

pub fn not_delivered(lang: Language, reason: &str) -> String {
    let reason = truncate(reason, 300);
    match lang {
        Language::Ru => format!("⚠️ Не доставлено клиенту: {reason}"),
        Language::En => format!("⚠️ Not delivered to the customer: {reason}"),
    }
}

pub fn attachment_line(lang: Language, kind: &str, name: &str) -> String {
    match lang {
        Language::Ru => format!("📎 вложение ({kind}): {name}"),
        Language::En => format!("📎 attachment ({kind}): {name}"),
    }
}

pub fn cut_note(lang: Language) -> &'static str {
    match lang {
        Language::Ru => "… (полный текст — в приложении)",
        Language::En => "… (full text in the app)",
    }
}

pub fn help(lang: Language) -> &'static str {
    match lang {
        Language::Ru => {
            "Каждый диалог — отдельная тема. Напишите в теме, и ответ уйдёт клиенту.\n\
             /close — закрыть диалог\n/reopen — открыть снова\n\
             /note текст — заметка для команды, клиент её не увидит\n\
             /take — взять диалог себе\n/assign @имя — поручить диалог\n/unassign — снять назначение\n\
             /q имя — отправить быстрый ответ\n/label метка — поставить метку (/label -метка — снять)\n\
             /unanswered, /status, /stats, /invite в чате с ботом — для команды"
        }
        Language::En => {
            "Every conversation is a topic. Write in a topic and the customer gets it.\n\
             /close — close the conversation\n/reopen — open it again\n\
             /note text — a note for the team, never sent to the customer\n\
             /take — take the conversation\n/assign @name — give it to someone\n/unassign — give it to nobody\n\
             /q name — send a quick reply\n/label name — put a label on it (/label -name takes it off)\n\
             /unanswered, /status, /stats, /invite in the chat with the bot — for the team"
        }
    }
}

pub fn empty_note(lang: Language) -> &'static str {
    match lang {
        Language::Ru => "Напишите текст заметки после /note",
        Language::En => "Write the note's text after /note",
    }
}

/// What the bot says in a group after `/bind` or when it was added.
pub fn bind_result(lang: Language, project: &str, missing: &[WorkGroupProblem]) -> String {
    if missing.is_empty() {
        return match lang {
            Language::Ru => format!(
                "✅ Группа подключена к проекту «{project}». Новые диалоги появятся здесь темами."
            ),
            Language::En => format!(
                "✅ This group is now the work group of “{project}”. New conversations appear here as topics."
            ),
        };
    }
    let mut out = match lang {
        Language::Ru => format!("⚠️ Группа привязана к проекту «{project}», но не хватает:"),
        Language::En => format!("⚠️ This group is bound to “{project}”, but something is missing:"),
    };
    for m in missing {
        out.push_str("\n• ");
        out.push_str(explain(*m, lang));
    }
    out
}

pub fn bound_elsewhere(lang: Language) -> &'static str {
    match lang {
        Language::Ru => {
            "Этот бот уже работает с другой группой. Отвяжите её в приложении или отправьте /bind здесь ещё раз, чтобы перенести проект сюда."
        }
        Language::En => {
            "This bot already works with another group. Unbind it in the app, or send /bind here again to move the project to this group."
        }
    }
}

/// How to fix what a work group lacks, in words for a shop owner.
pub fn explain(problem: WorkGroupProblem, lang: Language) -> &'static str {
    use WorkGroupProblem as P;
    match (problem, lang) {
        (P::BotNotMember, Language::Ru) => "бот не в группе: добавьте его в участники",
        (P::BotNotMember, Language::En) => "the bot is not in the group: add it as a member",
        (P::TopicsDisabled, Language::Ru) => "темы: откройте настройки группы и включите «Темы»",
        (P::TopicsDisabled, Language::En) => "topics: open the group's settings and turn on Topics",
        (P::NotAdmin, Language::Ru) => {
            "права администратора: настройки группы → Администраторы → добавьте бота"
        }
        (P::NotAdmin, Language::En) => {
            "admin rights: group settings → Administrators → add the bot"
        }
        (P::CannotManageTopics, Language::Ru) => {
            "право «Управление темами»: Администраторы → бот → включите его"
        }
        (P::CannotManageTopics, Language::En) => {
            "the Manage topics right: Administrators → the bot → turn it on"
        }
        (P::Unreachable, Language::Ru) => "Telegram не ответил: проверка повторится позже",
        (P::Unreachable, Language::En) => "Telegram did not answer: the check will be repeated",
    }
}

/// The outbox guard held an automatic reply in this conversation.
pub fn held(lang: Language) -> String {
    match lang {
        Language::Ru => "⏸ Ответ задержан защитой исходящих: получателя нет в белом списке. Он уйдёт, когда защиту откроют или добавят получателя в список (Tuberry → Ассистент → Защита исходящих).".into(),
        Language::En => "⏸ The reply is held by the outbox guard: the recipient is not on the whitelist. It goes once the guard is opened or the recipient is listed (Tuberry → Assistant → Outbox guard).".into(),
    }
}

/// The assistant's suggested reply, for an operator to send or rewrite.
pub fn draft(lang: Language, text: &str) -> String {
    let text = truncate(text, 3500);
    match lang {
        Language::Ru => format!(
            "💡 Черновик ассистента (клиенту не отправлен):\n\n{text}\n\nОтветьте в этой теме — ответ уйдёт клиенту."
        ),
        Language::En => format!(
            "💡 The assistant's draft (not sent to the customer):\n\n{text}\n\nReply in this topic and it goes to the customer."
        ),
    }
}

/// The assistant handed the conversation to a person instead of answering.
pub fn needs_human(lang: Language, reason: &str) -> String {
    let reason = truncate(reason, 300);
    match lang {
        Language::Ru => format!("🙋 Нужен человек — ассистент не стал отвечать: {reason}"),
        Language::En => format!("🙋 A person is needed — the assistant did not answer: {reason}"),
    }
}

/// The assistant could not answer (the model server is down, say).
pub fn assistant_failed(lang: Language, reason: &str) -> String {
    let reason = truncate(reason, 300);
    match lang {
        Language::Ru => format!("⚠️ Ассистент не смог ответить: {reason}"),
        Language::En => format!("⚠️ The assistant could not answer: {reason}"),
    }
}

/// The bot's answer to a team code sent in its private chat.
pub fn redeemed(lang: Language, outcome: &crate::team::Redeemed) -> String {
    use crate::team::{Redeemed, Refusal};
    let ru = lang == Language::Ru;
    match outcome {
        Redeemed::Owner(p) if ru => format!(
            "✅ {}, вы — владелец. Приглашайте команду из окна Tuberry: только участники команды отвечают клиентам в темах.",
            p.name
        ),
        Redeemed::Owner(p) => format!(
            "✅ {}, you are the owner. Invite the team from the Tuberry window: only team members answer customers in the topics.",
            p.name
        ),
        Redeemed::Joined(p) if ru => format!(
            "✅ {}, вы в команде: {}. Отвечайте клиентам в темах рабочей группы.",
            p.name,
            role_name(lang, p.role)
        ),
        Redeemed::Joined(p) => format!(
            "✅ {}, you are in the team as {}. Answer customers in the work group's topics.",
            p.name,
            role_name(lang, p.role)
        ),
        Redeemed::AlreadyLinked(p) if ru => {
            format!("Вы уже в команде: {}.", role_name(lang, p.role))
        }
        Redeemed::AlreadyLinked(p) => {
            format!(
                "You are already in the team as {}.",
                role_name(lang, p.role)
            )
        }
        Redeemed::Refused(refusal) => match (refusal, ru) {
            (Refusal::Unknown, true) => {
                "Такого кода нет. Попросите у владельца новое приглашение.".into()
            }
            (Refusal::Unknown, false) => {
                "There is no such code. Ask the owner for a new invite.".into()
            }
            (Refusal::Expired, true) => {
                "Срок этого кода истёк. Попросите новое приглашение.".into()
            }
            (Refusal::Expired, false) => "This code has expired. Ask for a new invite.".into(),
            (Refusal::Revoked, true) => "Это приглашение отозвано.".into(),
            (Refusal::Revoked, false) => "This invite was revoked.".into(),
            (Refusal::UsedUp, true) => "Этот код уже использован.".into(),
            (Refusal::UsedUp, false) => "This code has already been used.".into(),
            (Refusal::Throttled, true) => "Слишком много неверных кодов. Попробуйте позже.".into(),
            (Refusal::Throttled, false) => "Too many wrong codes. Try again later.".into(),
            (Refusal::OwnerTaken, true) => "У Tuberry уже есть владелец.".into(),
            (Refusal::OwnerTaken, false) => "Tuberry already has an owner.".into(),
        },
    }
}

pub fn role_name(lang: Language, role: crate::team::model::Role) -> &'static str {
    use crate::team::model::Role;
    match (lang, role) {
        (Language::Ru, Role::Owner) => "владелец",
        (Language::Ru, Role::Admin) => "администратор",
        (Language::Ru, Role::Manager) => "менеджер",
        (Language::Ru, Role::Operator) => "оператор",
        (Language::En, Role::Owner) => "owner",
        (Language::En, Role::Admin) => "admin",
        (Language::En, Role::Manager) => "manager",
        (Language::En, Role::Operator) => "operator",
    }
}

/// Said once to a work group member who is not in the team; their message is kept as a note.
pub fn join_hint(lang: Language, name: &str, bot: &str) -> String {
    match lang {
        Language::Ru => format!(
            "{name}, ваше сообщение не отправлено клиенту: отвечают только участники команды. Попросите у владельца приглашение и откройте его в чате с @{bot}. Сообщение сохранено как заметка."
        ),
        Language::En => format!(
            "{name}, your message was not sent to the customer: only team members answer. Ask the owner for an invite and open it in the chat with @{bot}. Your message is kept as a note."
        ),
    }
}

/// A command the person's role does not allow.
/// After the label of a reply written while someone else had the conversation.
pub fn instead_of(lang: Language, assignee: &str) -> String {
    match lang {
        Language::Ru => format!(" (диалог у {assignee})"),
        Language::En => format!(" (assigned to {assignee})"),
    }
}

pub fn assign_usage(lang: Language) -> &'static str {
    match lang {
        Language::Ru => "Кому поручить? /assign @имя_пользователя или /assign Имя",
        Language::En => "Assign to whom? /assign @username or /assign Name",
    }
}

pub fn nobody_named(lang: Language, who: &str) -> String {
    let who = truncate(who, 64);
    match lang {
        Language::Ru => format!("В команде этого проекта нет «{who}», кто отвечает клиентам."),
        Language::En => {
            format!("Nobody called “{who}” answers customers in this project's team.")
        }
    }
}

pub fn no_team(lang: Language) -> &'static str {
    match lang {
        Language::Ru => {
            "Команды ещё нет: владелец подключает свой Telegram в приложении, затем приглашает людей."
        }
        Language::En => {
            "There is no team yet: the owner links their Telegram in the app, then invites people."
        }
    }
}

pub fn not_allowed(lang: Language, command: &str) -> String {
    match lang {
        Language::Ru => format!("Ваша роль не позволяет /{command}."),
        Language::En => format!("Your role does not allow /{command}."),
    }
}

/// Said once to a team member whose role or projects do not let them answer here.
pub fn answer_not_allowed(lang: Language, name: &str) -> String {
    match lang {
        Language::Ru => format!(
            "{name}, ваша роль или проекты не позволяют отвечать клиентам здесь: сообщение не отправлено и сохранено как заметка."
        ),
        Language::En => format!(
            "{name}, your role or projects do not let you answer customers here: the message was not sent and is kept as a note."
        ),
    }
}

/// A conversation waiting for an answer, as `/unanswered` lists it.
pub struct Waiting {
    pub name: String,
    pub url: String,
    pub minutes: i64,
}

pub(super) fn waited(lang: Language, minutes: i64) -> String {
    let (hours, minutes) = (minutes / 60, minutes % 60);
    match (lang, hours) {
        (Language::Ru, 0) => format!("{minutes} мин"),
        (Language::Ru, h) => format!("{h} ч {minutes} мин"),
        (Language::En, 0) => format!("{minutes} min"),
        (Language::En, h) => format!("{h} h {minutes} min"),
    }
}

/// The answer to `/unanswered`: the longest waiting first.
pub fn unanswered(lang: Language, waiting: &[Waiting]) -> String {
    if waiting.is_empty() {
        return match lang {
            Language::Ru => "Все клиенты получили ответ. 👌".into(),
            Language::En => "Every customer has an answer. 👌".into(),
        };
    }
    let head = match lang {
        Language::Ru => "Ждут ответа (дольше всех — первыми):",
        Language::En => "Waiting for an answer (the longest first):",
    };
    let lines: Vec<String> = waiting
        .iter()
        .map(|w| format!("• {} — {} — {}", w.name, waited(lang, w.minutes), w.url))
        .collect();
    format!("{head}\n{}", lines.join("\n"))
}

/// Names as a topic lists them: `a, b, c` (or a dash for none).
fn listed(names: &[String], prefix: &str) -> String {
    if names.is_empty() {
        return "—".into();
    }
    let all: Vec<String> = names.iter().map(|n| format!("{prefix}{n}")).collect();
    truncate(&all.join(", "), 1_500)
}

/// `/q` without a name, or with one nobody saved.
pub fn quick_reply_unknown(lang: Language, name: &str, known: &[String]) -> String {
    let known = listed(known, "");
    let name = truncate(name, 64);
    match (lang, name.is_empty()) {
        (Language::Ru, true) => format!("Какой быстрый ответ отправить? /q имя. Есть: {known}"),
        (Language::Ru, false) => {
            format!("Быстрого ответа «{name}» нет. Есть: {known}")
        }
        (Language::En, true) => format!("Which quick reply? /q name. There are: {known}"),
        (Language::En, false) => format!("There is no quick reply “{name}”. There are: {known}"),
    }
}

/// What a `/q` sent to the customer.
pub fn quick_reply_sent(lang: Language, text: &str) -> String {
    let text = truncate(text, 3_000);
    match lang {
        Language::Ru => format!("↪ Клиенту отправлено:\n{text}"),
        Language::En => format!("↪ Sent to the customer:\n{text}"),
    }
}

/// `/label` without a name, or with one that is not a label.
pub fn label_unknown(lang: Language, name: &str, known: &[String]) -> String {
    let known = listed(known, "");
    let name = truncate(name, 64);
    match (lang, name.is_empty()) {
        (Language::Ru, true) => format!("Какую метку поставить? /label метка. Есть: {known}"),
        (Language::Ru, false) => {
            format!("Метки «{name}» нет (метки создаются в приложении). Есть: {known}")
        }
        (Language::En, true) => format!("Which label? /label name. There are: {known}"),
        (Language::En, false) => {
            format!("There is no label “{name}” (labels are made in the app). There are: {known}")
        }
    }
}

/// Under a mirrored message the customer changed.
pub fn edited_mark(lang: Language) -> &'static str {
    match lang {
        Language::Ru => "✏️ изменено клиентом",
        Language::En => "✏️ edited by the customer",
    }
}

/// Under a mirrored message the customer deleted (kept here).
pub fn deleted_mark(lang: Language) -> &'static str {
    match lang {
        Language::Ru => "🗑 удалено клиентом",
        Language::En => "🗑 deleted by the customer",
    }
}

/// A reply changed in the topic that the customer's channel could not change.
pub fn not_changed_there(lang: Language, reason: &str) -> String {
    let reason = truncate(reason, 300);
    match lang {
        Language::Ru => {
            format!("✏️ Изменено только здесь: у клиента осталось как было ({reason}).")
        }
        Language::En => {
            format!("✏️ Changed here only: the customer still sees the earlier text ({reason}).")
        }
    }
}
