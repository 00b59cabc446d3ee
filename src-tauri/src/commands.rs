//! The window's commands. Every engine function the window may call is
//! declared once in [`engine_commands!`] below: the macro writes its Tauri
//! command (a call of the `tuberry::api` function of the same name) and puts
//! it in the builder, from which the TypeScript bindings are generated. The
//! few commands that do more than forward (files as base64, the browser)
//! are written out in `lib.rs` and named in the macro's `shell` list.

use tuberry::api::{self, ApiResult};
use tuberry::api::{AppSettings, Health, RestoreOutcome, SendTimes};
use tuberry::api_tokens::{ApiToken, ApiTokenCreated, Scope};
use tuberry::assistant::model::{
    AssistantRun, AssistantSettings, AssistantSettingsInput, Catalogue, CataloguePage, GuardMode,
    LlmModels, LlmSettings, LlmSettingsInput, OutboxGuard, TestChat, TestChatInput, WhitelistEntry,
};
use tuberry::backup::Backup;
use tuberry::channels::Account;
use tuberry::channels::avito::model::{AvitoAccount, AvitoConnect, AvitoInput};
use tuberry::channels::custom::{Provider, ProviderCreated};
use tuberry::channels::email::model::{ConnectionReport, Mailbox, MailboxInput};
use tuberry::channels::login::LoginAttempt;
use tuberry::channels::telegram_account::model::{
    DeliveryFlags, LoginStart, TelegramAccount, TelegramApp, TelegramAppInput,
};
use tuberry::channels::telegram_bot::BotInput;
use tuberry::channels::whatsapp::cloud::model::{
    CloudNumber, CloudNumberAdded, CloudNumberInput, CloudNumberUpdate, CloudTemplate, ReplyWindow,
    TemplateReply,
};
use tuberry::channels::whatsapp::linked::model::{LinkStart, WhatsAppFlags, WhatsAppNumber};
use tuberry::http::LanStatus;
use tuberry::labels::{Label, LabelInput};
use tuberry::model::{
    Attachment, ChannelAccount, Contact, ContactMatch, ConversationDetail, ConversationFilter,
    ConversationPage, ConversationStatus, ConversationSummary, IngestOutcome, Language, Message,
    SimulatorEntry, StatusCounts,
};
use tuberry::operators::model::{Project, ProjectInput};
use tuberry::quick_replies::{QuickReply, QuickReplyImport, QuickReplyInput};
use tuberry::stats::{Dashboard, DashboardQuery, Figures, Period};
use tuberry::team::model::{
    Invite, InviteCreated, InviteInput, OwnerLink, Person, Role, RoleRights,
};
use tuberry::webhooks::{Webhook, WebhookCreated};

use crate::EngineState;

/// `name(args) -> T;` makes the command `name` calling `api::name(&engine,
/// args)`; `= other` calls `api::other` instead.
macro_rules! engine_commands {
    (
        shell [ $($shell:ident),* $(,)? ]
        $( $(#[$doc:meta])* $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty $(= $target:ident)? ; )*
    ) => {
        $(
            $(#[$doc])*
            #[tauri::command]
            #[specta::specta]
            pub async fn $name(engine: EngineState<'_>, $($arg: $ty),*) -> ApiResult<$ret> {
                engine_commands!(@call $name $($target)?)(&engine, $($arg),*).await
            }
        )*

        /// Every command the window may use.
        pub fn all() -> tauri_specta::Commands<tauri::Wry> {
            tauri_specta::collect_commands![$($name,)* $(crate::$shell),*]
        }
    };
    (@call $name:ident) => { api::$name };
    (@call $name:ident $target:ident) => { api::$target };
}

engine_commands! {
    // Written out in lib.rs: they do more than forward.
    shell [
        app_info,
        upload_attachment,
        read_attachment,
        save_attachment,
        open_external,
        guess_mail_servers,
        import_catalogue,
        set_language,
        set_attention,
        inbox_shown,
        start_at_login,
        set_start_at_login,
        open_folder,
        show_saved_file,
        restore_backup,
        update_status,
        check_for_update,
        install_update,
    ]

    list_conversations(filter: ConversationFilter) -> ConversationPage;
    /// What the Settings screen shows.
    app_settings() -> AppSettings;
    /// Keeps the language chosen for the window, the tray and the notifications.
    set_app_language(language: Language) -> Language;
    /// Turns the LAN endpoint on at an address with a port, or off with null.
    set_lan_endpoint(listen: Option<String>) -> LanStatus;
    set_log_level(level: String) -> String;
    notifications_enabled() -> bool;
    set_notifications_enabled(enabled: bool) -> bool;
    status_counts() -> StatusCounts;
    get_conversation(conversation_id: i64) -> ConversationDetail;
    mark_read(conversation_id: i64) -> ();
    send_reply(conversation_id: i64, text: String, attachments: Vec<Attachment>, reply_to: Option<i64>, send_at: Option<i64>) -> Message = send_reply_with_files;
    set_conversation_status(conversation_id: i64, status: ConversationStatus) -> ConversationSummary;
    /// Closes (or reopens) many conversations at once.
    set_conversations_status(conversation_ids: Vec<i64>, status: ConversationStatus) -> Vec<ConversationSummary>;
    /// Snoozes conversations until a time, or brings them back now (none).
    snooze_conversations(conversation_ids: Vec<i64>, until: Option<i64>) -> Vec<ConversationSummary>;
    list_labels() -> Vec<Label>;
    create_label(input: LabelInput) -> Label;
    update_label(label_id: i64, input: LabelInput) -> Label;
    /// Its conversations lose it.
    delete_label(label_id: i64) -> ();
    /// Puts a label on conversations, or takes it off.
    label_conversations(conversation_ids: Vec<i64>, label_id: i64, on: bool) -> Vec<ConversationSummary>;
    /// A project's quick replies and every project's (or all of them).
    list_quick_replies(project_id: Option<i64>) -> Vec<QuickReply>;
    create_quick_reply(input: QuickReplyInput) -> QuickReply;
    update_quick_reply(quick_reply_id: i64, input: QuickReplyInput) -> QuickReply;
    delete_quick_reply(quick_reply_id: i64) -> ();
    /// A quick reply with its placeholders filled for this conversation.
    quick_reply_text(conversation_id: i64, quick_reply_id: i64) -> String;
    /// Saves the quick replies as CSV (in Downloads unless a folder is given); answers the path.
    export_quick_replies(folder: Option<String>) -> String;
    /// Adds and updates quick replies from CSV text; a bad line refuses the whole file.
    import_quick_replies(csv: String) -> QuickReplyImport;
    /// The times offered for sending later, in the shop's time zone.
    send_times(conversation_id: i64) -> SendTimes;
    /// Changes a reply scheduled for later (text and time).
    edit_scheduled_reply(message_id: i64, text: String, send_at: i64) -> Message;
    /// Cancels a reply scheduled for later.
    cancel_scheduled_reply(message_id: i64) -> ();
    /// Changes a reply's text (at the customer's side too where the channel can).
    edit_reply(message_id: i64, text: String) -> Message;
    /// The sanitized HTML of an e-mail message, when it had one.
    message_html(message_id: i64) -> Option<String>;
    simulate_inbound(customer: String, text: String) -> IngestOutcome;
    simulator_transcript(customer: Option<String>) -> Vec<SimulatorEntry>;
    search_contacts(text: String) -> Vec<ContactMatch>;
    /// Other contacts with the same phone: offered for merging.
    same_phone_contacts(contact_id: i64) -> Vec<ContactMatch>;
    merge_contacts(keep: i64, other: i64) -> Contact;

    /// Every connected channel account of every kind, with its state.
    list_accounts() -> Vec<Account>;
    list_channel_accounts() -> Vec<ChannelAccount>;
    list_mailboxes() -> Vec<Mailbox>;
    add_mailbox(input: MailboxInput) -> Mailbox;
    update_mailbox(account_id: i64, input: MailboxInput) -> Mailbox;
    remove_mailbox(account_id: i64) -> ();
    test_mailbox(input: MailboxInput, account_id: Option<i64>) -> ConnectionReport;
    list_avito_accounts() -> Vec<AvitoAccount>;
    /// Connected, or refused with Avito's reason (a refusal is an answer, not a failure).
    connect_avito(input: AvitoInput) -> AvitoConnect;
    remove_avito(account_id: i64) -> ();
    /// Turns webhooks on with a public address, or off with null.
    set_avito_webhook(account_id: i64, public_url: Option<String>) -> AvitoAccount;
    /// Reads the account's chats now instead of at the next interval.
    poll_avito(account_id: i64) -> ();

    /// Staff members' own Telegram accounts.
    list_telegram_accounts() -> Vec<TelegramAccount>;
    set_telegram_account_flags(account_id: i64, flags: DeliveryFlags) -> TelegramAccount;
    /// Logs the account out at Telegram and forgets its session.
    remove_telegram_account(account_id: i64) -> ();
    telegram_app() -> TelegramApp;
    save_telegram_app(input: TelegramAppInput) -> TelegramApp;
    /// Starts connecting an account (QR or phone); follow it with `telegram_login`.
    start_telegram_login(start: LoginStart) -> LoginAttempt;
    telegram_login(login_id: String) -> LoginAttempt;
    telegram_login_password(login_id: String, password: String) -> LoginAttempt;
    telegram_login_code(login_id: String, code: String) -> LoginAttempt;
    cancel_telegram_login(login_id: String) -> ();

    /// The shop's WhatsApp numbers linked as devices.
    list_whatsapp_numbers() -> Vec<WhatsAppNumber>;
    set_whatsapp_flags(account_id: i64, flags: WhatsAppFlags) -> WhatsAppNumber;
    /// Unlinks the device at WhatsApp and forgets its keys.
    remove_whatsapp_number(account_id: i64) -> ();
    /// Starts linking a number (QR or pairing code); follow it with `whatsapp_link`.
    start_whatsapp_link(start: LinkStart) -> LoginAttempt;
    whatsapp_link(login_id: String) -> LoginAttempt;
    cancel_whatsapp_link(login_id: String) -> ();

    /// WhatsApp Business Cloud API numbers.
    list_whatsapp_cloud_numbers() -> Vec<CloudNumber>;
    /// Shows the verify token once, with the LAN address of the webhook.
    add_whatsapp_cloud_number(input: CloudNumberInput) -> CloudNumberAdded;
    update_whatsapp_cloud_number(account_id: i64, update: CloudNumberUpdate) -> CloudNumber;
    /// Forgets its secrets; its conversations stay.
    remove_whatsapp_cloud_number(account_id: i64) -> ();
    /// The business account's approved templates that can be filled in, read from Meta.
    whatsapp_cloud_templates(account_id: i64) -> Vec<CloudTemplate>;
    /// Whether a Cloud API conversation may still be answered freely (24 hours).
    whatsapp_reply_window(conversation_id: i64) -> Option<ReplyWindow>;
    /// Queues a template in place of a reply, for a closed window.
    send_whatsapp_template(reply: TemplateReply) -> Message;

    /// What each role of the team may do.
    team_rights() -> Vec<RoleRights>;
    /// The people linked through the bot, the owner first.
    list_people() -> Vec<Person>;
    /// A single-use link (15 minutes) that makes whoever opens it the owner.
    owner_link(project_id: Option<i64>) -> OwnerLink;
    /// Its code and link are shown this once.
    create_invite(input: InviteInput) -> InviteCreated;
    list_invites() -> Vec<Invite>;
    revoke_invite(invite_id: i64) -> Invite;
    remove_person(person_id: i64) -> ();
    set_person_role(person_id: i64, role: Role) -> Person;
    /// Gives a conversation to a person of the team, or to nobody.
    assign_conversation(conversation_id: i64, person_id: Option<i64>) -> ConversationSummary;
    /// Minutes a customer may wait for a person before the bot alerts the owner and admins (0: never).
    alert_waiting_minutes() -> u32;
    set_alert_waiting_minutes(minutes: u32) -> u32;

    /// What is broken and how to fix it.
    health() -> Health;
    /// Sends a failed job (a reply…) again.
    retry_job(job_id: i64) -> ();
    /// Gives a failed job up for good.
    discard_job(job_id: i64) -> ();
    /// Makes the support bundle (a zip with secrets blacked out) in Downloads
    /// unless a folder is given; answers the file's path.
    support_bundle(folder: Option<String>) -> String;
    /// How the shop answered in the last days (1: today).
    answer_figures(days: u32, project_id: Option<i64>) -> Figures;
    /// The last days (1: today) up to now, in this computer's time zone.
    last_days(days: u32) -> Period;
    /// Everything the Dashboard draws for a period, project and channel.
    dashboard(query: DashboardQuery) -> Dashboard;
    /// Saves the Dashboard as CSV (in Downloads unless a folder is given); answers the file's path.
    export_dashboard_csv(query: DashboardQuery, folder: Option<String>) -> String;

    /// The backups of the database, the newest first.
    list_backups() -> Vec<Backup>;
    /// Takes a backup now, checked before it is kept.
    back_up_now() -> Backup;
    backup_dir() -> String;
    /// Sends backups to a folder the owner picked, or back to the data directory's.
    set_backup_dir(dir: Option<String>) -> String;
    /// What the last restore did (once, until dismissed).
    restore_outcome() -> Option<RestoreOutcome>;
    dismiss_restore_outcome() -> ();
    /// The LAN API's tokens, the newest first (never the tokens themselves).
    list_api_tokens() -> Vec<ApiToken>;
    /// Creates a token with its scopes; the answer holds it, shown this once.
    create_api_token(name: String, scopes: Vec<Scope>) -> ApiTokenCreated;
    /// Revokes a token: requests with it are refused from now on.
    revoke_api_token(token_id: i64) -> ApiToken;
    /// The webhook subscriptions (never their secrets).
    list_webhooks() -> Vec<Webhook>;
    /// Subscribes a URL to events; the answer holds its signing secret, shown this once.
    create_webhook(url: String, events: Vec<String>) -> WebhookCreated;
    /// Ends a subscription; its events not yet delivered are dropped.
    delete_webhook(webhook_id: i64) -> ();
    /// The providers: the shop's own systems posting their customers' messages.
    list_providers() -> Vec<Provider>;
    /// Creates a provider; the answer holds its token, shown this once.
    create_provider(name: String, project_id: Option<i64>, reply_url: Option<String>) -> ProviderCreated;
    /// Removes a provider: its token stops working; its conversations stay.
    delete_provider(provider_id: i64) -> ();

    list_projects() -> Vec<Project>;
    create_project(input: ProjectInput) -> Project;
    update_project(project_id: i64, input: ProjectInput) -> Project;
    delete_project(project_id: i64) -> ();
    connect_bot(project_id: i64, bot: BotInput) -> Project;
    disconnect_bot(project_id: i64) -> Project;
    set_bot_webhook(project_id: i64, public_url: Option<String>) -> Project;
    check_work_group(project_id: i64) -> Project;
    unbind_work_group(project_id: i64) -> Project;
    set_project_sources(project_id: i64, account_ids: Vec<i64>) -> Project;

    /// A project's assistant, auto-reply and persona (the defaults when never saved).
    assistant_settings(project_id: i64) -> AssistantSettings;
    save_assistant_settings(project_id: i64, input: AssistantSettingsInput) -> AssistantSettings;
    /// Whether auto-replies are paused for the whole app (the tray pauses them).
    auto_replies_paused() -> bool;
    /// Pauses (or resumes) auto-replies for the whole app; answers the new state.
    pause_auto_replies(paused: bool) -> bool;
    llm_settings() -> LlmSettings;
    save_llm_settings(input: LlmSettingsInput) -> LlmSettings;
    /// The models of the stored server, or of `input` while it is being typed in.
    llm_models(input: Option<LlmSettingsInput>) -> LlmModels;
    get_catalogue(project_id: i64) -> Option<Catalogue>;
    catalogue_rows(project_id: i64, search: Option<String>, offset: u32, limit: u32) -> CataloguePage;
    remove_catalogue(project_id: i64) -> ();
    outbox_guard() -> OutboxGuard;
    set_outbox_guard(mode: GuardMode, include_people: bool) -> OutboxGuard;
    allow_recipient(entry: WhitelistEntry) -> OutboxGuard;
    disallow_recipient(entry: WhitelistEntry) -> OutboxGuard;
    /// Sends a reply the outbox guard holds, whatever the guard says.
    send_held_reply(message_id: i64) -> OutboxGuard;
    assistant_runs(conversation_id: i64) -> Vec<AssistantRun>;
    /// The reply the assistant suggests in a conversation now, if any.
    assistant_draft(conversation_id: i64) -> Option<AssistantRun>;
    dismiss_draft(run_id: i64) -> ();
    test_chat() -> TestChat;
    set_test_chat_project(project_id: Option<i64>) -> TestChat;
    test_chat_write(input: TestChatInput) -> IngestOutcome;
    /// Forgets a Test chat customer's transcript and conversation.
    reset_test_chat(customer: String) -> ();
}
