// An in-memory engine with the same commands and events as the real one. It
// backs the window in a plain browser (no desktop shell) and in tests. It holds
// data, not the engine's rules (see mock-shared.ts): projects live in
// mock-projects.ts, mailboxes in mock-mail.ts, Avito accounts in mock-avito.ts,
// contacts in mock-contacts.ts, attachment files in mock-files.ts, the Test
// chat in mock-simulator.ts and the assistant in mock-assistant.ts,
// mock-catalogue.ts and mock-guard.ts, the Settings screen's choices in
// mock-settings.ts, backups in mock-backups.ts, the LAN API's tokens in
// mock-api-tokens.ts, webhooks in mock-webhooks.ts, providers in
// mock-providers.ts, the Health report and the figures in mock-health.ts, the
// Dashboard in mock-dashboard.ts, staff Telegram accounts in
// mock-telegram-accounts.ts, WhatsApp numbers linked as devices in
// mock-whatsapp-linked.ts, Cloud API numbers in mock-whatsapp-cloud.ts, and
// quick replies and replies scheduled for later in mock-composer.ts; this
// file keeps the inbox, and lets a test script any command's next answer.
import type {
  Account,
  AccountStatus,
  ApiError,
  Attachment,
  ChannelAccount,
  ChannelKind,
  Contact,
  ConversationDetail,
  ConversationFilter,
  ConversationPage,
  ConversationStatus,
  ConversationSummary,
  EngineCommands,
  EngineEvent,
  ShellEvent,
  Listing,
  Message,
  Note,
  Result,
  StatusCounts,
} from "./api";
import { createMockApiTokens } from "./mock-api-tokens";
import { createMockAssistant } from "./mock-assistant";
import { createMockAvito } from "./mock-avito";
import { createMockBackups } from "./mock-backups";
import { createMockComposer } from "./mock-composer";
import { createMockCatalogue } from "./mock-catalogue";
import { createMockContacts } from "./mock-contacts";
import { createMockDashboard } from "./mock-dashboard";
import { createMockFiles } from "./mock-files";
import { createMockGuard } from "./mock-guard";
import { createMockHealth } from "./mock-health";
import { createMockLabels } from "./mock-labels";
import { createMockSettings } from "./mock-settings";
import { createMockTelegramAccounts } from "./mock-telegram-accounts";
import { createMockTeam } from "./mock-team";
import { createMockWhatsAppCloud } from "./mock-whatsapp-cloud";
import { createMockWhatsAppLinked } from "./mock-whatsapp-linked";
import { createMockWebhooks } from "./mock-webhooks";
import { createMockProviders } from "./mock-providers";
import { createMockMail } from "./mock-mail";
import { createMockOutbox } from "./mock-outbox";
import { createMockProjects } from "./mock-projects";
import { BULK_FIRST, BULK_LAST, BULK_TEXT, DAY, MINUTE, seedContacts, seedData } from "./mock-seed";
import {
  customerMessage,
  newMessage,
  notFound,
  ok,
  type MockBackend,
  type MockCore,
  type MockOptions,
  type NewMessage,
} from "./mock-shared";
import { createMockSimulator } from "./mock-simulator";

export type { AssistantTurn, MockBackend, MockOptions } from "./mock-shared";
export { DEMO_BOT_USERNAME } from "./mock-projects";
export { DEMO_MAILBOX_ADDRESS } from "./mock-mail";
export { DEMO_AVITO_NAME } from "./mock-avito";

export function createMockBackend(options: MockOptions = {}): MockBackend {
  const locale = options.locale ?? "en";
  const now = options.now ?? (() => Date.now());
  const deliveryDelayMs = options.deliveryDelayMs ?? 700;

  const account = (id: number, kind: ChannelKind, name: string): ChannelAccount =>
    ({ id, kind, name, projectId: null, enabled: true });
  const accounts: ChannelAccount[] = [
    account(1, "simulator", locale === "ru" ? "Тестовый чат" : "Test chat"),
    account(2, "telegram_bot", "@tuberry_shop_bot"),
    account(3, "telegram_account", "+7 900 000-00-00"),
    account(4, "avito", locale === "ru" ? "Авито · Мебель и товары" : "Avito · Furniture & goods"),
    account(5, "whatsapp", "WhatsApp Business"),
    account(6, "email", locale === "ru" ? "Почта магазина" : "Shop mail"),
  ];
  const accountFor = (kind: ChannelKind) => accounts.find((a) => a.kind === kind) ?? accounts[0];
  /** When the Test chat opened (it is connected as long as the engine runs). */
  const openedAt = now();

  const conversations = new Map<number, ConversationSummary>();
  const messages = new Map<number, Message[]>();
  const notes = new Map<number, Note[]>();
  /** The sanitized HTML body of e-mail messages that had one. */
  const htmlBodies = new Map<number, string>();
  const listeners = new Set<(event: { payload: EngineEvent }) => void>();

  let nextConversationId = 1;
  let nextMessageId = 1;
  let nextNoteId = 1;
  let nextAccountId = accounts.length + 1;
  let sorted: ConversationSummary[] | null = null;

  const emit = (payload: EngineEvent) => {
    // Delivered on a later tick, as events from the desktop shell are.
    setTimeout(() => {
      for (const listener of [...listeners]) listener({ payload });
    }, 0);
  };

  const touch = () => {
    sorted = null;
  };

  /** Moves an account (and its conversations) to a project, or out of any. */
  function moveAccount(accountId: number, projectId: number | null) {
    const moved = accounts.find((a) => a.id === accountId);
    if (moved) moved.projectId = projectId;
    for (const c of conversations.values()) {
      if (c.channelAccountId === accountId && c.projectId !== projectId) {
        conversations.set(c.id, { ...c, projectId });
      }
    }
    touch();
  }

  const core: MockCore = {
    locale,
    now,
    emit,
    accounts,
    addAccount(kind, name) {
      const created = account(nextAccountId++, kind, name);
      accounts.push(created);
      return created;
    },
    conversations,
    touch,
    moveAccount,
  };
  const files = createMockFiles();
  const projects = createMockProjects(core, {
    botStartMs: options.botStartMs ?? 150,
    workGroupAfterMs: options.workGroupAfterMs,
  });
  const mail = createMockMail(core, {
    mailStartMs: options.mailStartMs ?? 800,
    mailImportMs: options.mailImportMs ?? 6000,
    mailProbeMs: options.mailProbeMs ?? 600,
  });
  mail.seed(accountFor("email").id);
  if (options.mailPasswordRefused) {
    mail.setState(accountFor("email").id, "offline", {
      problem: "auth",
      message: "535 5.7.8 Authentication failed: the password was refused",
    });
  }
  const avito = createMockAvito(core, { avitoStartMs: options.avitoStartMs ?? 1500 });
  avito.seed(accountFor("avito").id);
  const people = createMockContacts(core);
  const { contacts } = people;
  /** The listing each marketplace conversation is about. */
  const listings = new Map<number, Listing>();

  const preview = (text: string, attachments: Attachment[]) => text || attachments.map((a) => a.name).join(", ");

  const addContact = people.add;

  function addConversation(
    contact: Contact,
    kind: ChannelKind,
    subject: string | null,
    createdAt: number,
    accountId?: number,
  ) {
    const account = accounts.find((a) => a.id === accountId) ?? accountFor(kind);
    const summary: ConversationSummary = {
      id: nextConversationId++,
      projectId: account.projectId,
      channelAccountId: account.id,
      channelKind: account.kind,
      channelName: account.name,
      contactId: contact.id,
      contactName: contact.displayName,
      subject,
      status: "awaiting_response",
      lastMessageAt: createdAt,
      lastMessagePreview: "",
      lastMessageDirection: null,
      unreadCount: 0,
      createdAt,
      assigneeId: null,
      assigneeName: null,
      labelIds: [],
      snoozedUntil: null,
      nextScheduledAt: null,
    };
    conversations.set(summary.id, summary);
    messages.set(summary.id, []);
    contact.conversationCount += 1;
    touch();
    return summary;
  }

  function appendMessage(conversation: ConversationSummary, message: NewMessage) {
    const stored: Message = { ...message, id: nextMessageId++, conversationId: conversation.id };
    messages.get(conversation.id)?.push(stored);
    const updated: ConversationSummary = {
      ...conversation,
      lastMessageAt: stored.createdAt,
      lastMessagePreview: preview(stored.text, stored.attachments),
      lastMessageDirection: stored.direction,
      // A customer who writes brings a snoozed conversation back.
      snoozedUntil: stored.direction === "in" ? null : conversation.snoozedUntil,
    };
    conversations.set(conversation.id, updated);
    touch();
    return { stored, updated };
  }

  const team = createMockTeam(core, { botUsername: projects.botUsername });
  const inbox = createMockOutbox(core, {
    messages,
    contacts,
    appendMessage,
    delivered(conversation, message) {
      const customer = simulator.customerOf(conversation);
      if (customer) simulator.addEntry(customer, "out", message.text, message.id);
    },
    deliveryDelayMs,
    receiptsAfterMs: options.receiptsAfterMs,
    sign: team.sign,
  });
  const guard = createMockGuard(core, inbox);
  const settings = createMockSettings(core);
  const backups = createMockBackups(core, options);
  const apiTokens = createMockApiTokens(core, { seed: options.seed !== false });
  const webhooks = createMockWebhooks(core, { seed: options.seed !== false });
  const providers = createMockProviders(core, { seed: options.seed !== false, hasProject: projects.hasProject });
  const telegramAccounts = createMockTelegramAccounts(core, { scanAfterMs: options.telegramScanAfterMs });
  const whatsappCloud = createMockWhatsAppCloud(core, {
    inbox,
    addContact,
    addConversation,
    appendMessage,
    customerMessage,
  });
  const whatsappLinked = createMockWhatsAppLinked(core, {
    scanAfterMs: options.whatsappScanAfterMs,
    rotateQrMs: options.whatsappRotateQrMs,
  });
  const catalogue = createMockCatalogue(core, {
    stepMs: options.catalogueStepMs ?? 300,
    hasProject: projects.hasProject,
  });
  const assistant = createMockAssistant(core, inbox, {
    language: projects.language,
    delayMs: options.assistantDelayMs ?? 900,
  });
  const simulator = createMockSimulator(core, inbox, {
    addContact,
    addConversation,
    appendMessage,
    customerMessage,
    hasProject: projects.hasProject,
    onCustomerMessage: assistant.onCustomerMessage,
    forget: assistant.forget,
  });

  if (options.seed !== false) {
    const start = now();
    for (const seed of seedData(locale)) {
      const oldest = Math.max(...seed.messages.map((m) => m.ago));
      const contact = addContact(seed.name, seed.identities, seed, start - oldest - 30 * DAY);
      let conversation = addConversation(contact, seed.channel, seed.subject ?? null, start - oldest);
      for (const m of seed.messages) {
        const at = start - m.ago;
        const added = appendMessage(
          conversation,
          newMessage({
            direction: m.direction,
            authorKind: m.author,
            authorName: m.authorName ?? null,
            text: m.text,
            attachments: [
              ...(m.attachments ?? []),
              ...(m.files ?? []).map((f) => files.attach(f.kind, f.name, f.mime, f.base64)),
            ],
            delivery: m.direction === "out" ? (m.delivery ?? "sent") : null,
            deliveryError: m.deliveryError ?? null,
            createdAt: at,
            sentAt: m.direction === "out" && m.delivery !== "failed" && m.delivery !== "pending" ? at : null,
            quoted: m.quoted ?? null,
            hasHtml: m.html != null,
            held: m.held ?? false,
            readAt: m.readAgo != null ? start - m.readAgo : null,
            reaction: m.reaction ?? null,
          }),
        );
        if (m.html != null) htmlBodies.set(added.stored.id, m.html);
        conversation = added.updated;
      }
      conversation = { ...conversation, status: seed.status, unreadCount: seed.unread };
      conversations.set(conversation.id, conversation);
      const conversationId = conversation.id;
      if (seed.listing) listings.set(conversationId, seed.listing);
      notes.set(
        conversationId,
        (seed.notes ?? []).map((n) => ({
          id: nextNoteId++,
          conversationId,
          authorName: n.author,
          text: n.text,
          createdAt: start - n.ago,
        })),
      );
    }
    // The seeded WhatsApp conversations came through the shop's linked number.
    whatsappLinked.seed(accountFor("whatsapp").id, "+74951234567", locale === "ru" ? "Магазин Tuberry" : "Tuberry Shop");
    // Someone known on another channel who has not written yet there (a contact to merge).
    for (const other of seedContacts(locale)) addContact(other.name, other.identities, other, start - 60 * DAY);
  }

  const bulk = options.bulk ?? 0;
  if (bulk > 0) {
    const kinds: ChannelKind[] = ["avito", "telegram_bot", "whatsapp", "email", "telegram_account"];
    const start = now() - 6 * DAY;
    for (let i = 0; i < bulk; i++) {
      const name = `${BULK_FIRST[i % BULK_FIRST.length]} ${BULK_LAST[(i * 7) % BULK_LAST.length]} #${i + 1}`;
      const contact = addContact(name, [{ kind: "phone", value: `+7 900 ${String(1_000_000 + i).slice(1)}` }]);
      const at = start - i * 7 * MINUTE;
      const conversation = addConversation(contact, kinds[i % kinds.length], null, at);
      const statuses: ConversationStatus[] = ["awaiting_response", "answered_by_assistant", "needs_human", "closed"];
      const text = BULK_TEXT[i % BULK_TEXT.length];
      const { updated } = appendMessage(conversation, customerMessage(text, at));
      conversations.set(conversation.id, {
        ...updated,
        status: statuses[i % 4],
        unreadCount: i % 9 === 0 ? 1 : 0,
      });
    }
    touch();
  }

  function ordered(): ConversationSummary[] {
    if (!sorted) {
      sorted = [...conversations.values()].sort(
        (a, b) => b.lastMessageAt - a.lastMessageAt || b.id - a.id,
      );
    }
    return sorted;
  }

  // Paused from the desktop's tray; the window shows it and can resume.
  let autoRepliesPaused = false;
  const shellListeners = new Set<(event: { payload: ShellEvent }) => void>();
  const health = createMockHealth(core, { messages, commands: () => commands, seed: options.seed !== false });
  const dashboard = createMockDashboard(core, { seed: options.seed !== false });
  const inboxList = createMockLabels(core, { ordered, assigneeMatches: team.assigneeMatches, seed: options.seed !== false });
  const composer = createMockComposer(core, {
    messages,
    appendMessage,
    sign: team.sign,
    projects: async () => {
      const answer = await projects.commands.listProjects();
      return answer.status === "ok" ? answer.data : [];
    },
    seed: options.seed !== false,
  });
  const commands: EngineCommands = {
    ...health.commands,
    ...dashboard.commands,
    ...projects.commands,
    ...mail.commands,
    ...files.commands,
    ...avito.commands,
    ...people.commands,
    ...simulator.commands,
    ...guard.commands,
    ...catalogue.commands,
    ...assistant.commands,
    ...settings.commands,
    ...backups.commands,
    ...apiTokens.commands,
    ...webhooks.commands,
    ...providers.commands,
    ...telegramAccounts.commands,
    ...whatsappCloud.commands,
    ...team.commands,
    ...whatsappLinked.commands,
    ...inboxList.commands,
    ...composer.commands,

    // The desktop shell's tray follows the window's language; nothing to do here.
    async setLanguage(): Promise<void> {},
    // Only the desktop shell raises notifications.
    async setAttention(): Promise<void> {},
    // The desktop shell logs when the inbox first showed.
    async inboxShown(): Promise<void> {},

    async autoRepliesPaused(): Promise<Result<boolean, ApiError>> {
      return ok(autoRepliesPaused);
    },

    async pauseAutoReplies(paused: boolean): Promise<Result<boolean, ApiError>> {
      autoRepliesPaused = paused;
      emit({ type: "auto_replies_paused", paused });
      return ok(paused);
    },

    async getConversation(conversationId: number): Promise<Result<ConversationDetail, ApiError>> {
      const conversation = conversations.get(conversationId);
      const contact = conversation && contacts.get(conversation.contactId);
      if (!conversation || !contact) return notFound(`conversation ${conversationId}`);
      return ok({
        conversation,
        contact: people.copy(contact),
        messages: [...(messages.get(conversationId) ?? [])],
        notes: [...(notes.get(conversationId) ?? [])],
        listing: listings.has(conversationId) ? { ...listings.get(conversationId)! } : null,
      });
    },

    async markRead(conversationId: number): Promise<Result<null, ApiError>> {
      const conversation = conversations.get(conversationId);
      if (!conversation) return notFound(`conversation ${conversationId}`);
      if (conversation.unreadCount > 0) {
        const updated = { ...conversation, unreadCount: 0 };
        conversations.set(conversationId, updated);
        touch();
        emit({ type: "conversation_changed", conversation: updated });
      }
      return ok(null);
    },

    async sendReply(
      conversationId: number,
      text: string,
      attachments: Attachment[],
      replyTo: number | null,
      sendAt: number | null = null,
    ): Promise<Result<Message, ApiError>> {
      if (!conversations.has(conversationId)) return notFound(`conversation ${conversationId}`);
      let quoted: string | null = null;
      if (replyTo != null) {
        const answered = messages.get(conversationId)?.find((m) => m.id === replyTo);
        if (!answered) return notFound(`message ${replyTo} of conversation ${conversationId}`);
        quoted = answered.text || answered.attachments.map((a) => a.name).join(", ");
      }
      // A reply for later waits in mock-composer.ts until its time.
      if (sendAt != null) return composer.schedule(conversationId, text, attachments, quoted, sendAt);
      return ok(inbox.reply(conversationId, "manager", text, attachments, quoted));
    },

    async messageHtml(messageId: number): Promise<Result<string | null, ApiError>> {
      for (const list of messages.values()) {
        if (list.some((m) => m.id === messageId)) return ok(htmlBodies.get(messageId) ?? null);
      }
      return notFound(`message ${messageId}`);
    },

    async setConversationStatus(
      conversationId: number,
      status: ConversationStatus,
    ): Promise<Result<ConversationSummary, ApiError>> {
      const conversation = conversations.get(conversationId);
      if (!conversation) return notFound(`conversation ${conversationId}`);
      const updated = { ...conversation, status };
      conversations.set(conversationId, updated);
      touch();
      emit({ type: "conversation_changed", conversation: updated });
      return ok(updated);
    },

    async listAccounts(): Promise<Result<Account[], ApiError>> {
      // Each kind's part knows its accounts' states; the demo's other accounts (the seeded
      // conversations' bot, personal Telegram and WhatsApp) have no connection to show.
      const statusOf = (account: ChannelAccount): AccountStatus | null => {
        const whatsapp = whatsappCloud.status(account.id) ?? whatsappLinked.status(account.id);
        if (whatsapp) return whatsapp;
        switch (account.kind) {
          case "simulator":
            return { state: "connected", detail: null, lastError: null, lastConnectedAt: openedAt };
          case "email":
            return mail.status(account.id);
          case "avito":
            return avito.status(account.id);
          case "telegram_bot":
            return projects.status(account.id);
          default:
            return null;
        }
      };
      const list: Account[] = [];
      for (const account of accounts) {
        const status = account.enabled ? statusOf(account) : null;
        if (status) {
          const { id, kind, name, projectId } = account;
          list.push({ id, kind, name, projectId, status });
        }
      }
      return ok(list.sort((a, b) => a.id - b.id));
    },

    async appInfo() {
      return ok({ version: "0.1.0", dataDir: "(in memory)" });
    },
  };

  /** What tests scripted, by command, oldest first: the next call answers it instead of the engine above. */
  const scripted = new Map<string, unknown[]>();
  const script = (command: string, answer: unknown) => {
    scripted.set(command, [...(scripted.get(command) ?? []), answer]);
  };
  const scriptable = Object.fromEntries(
    Object.entries(commands as Record<string, (...args: unknown[]) => Promise<unknown>>).map(([name, run]) => [
      name,
      async (...args: unknown[]) => (scripted.get(name)?.length ? scripted.get(name)!.shift() : run(...args)),
    ]),
  ) as EngineCommands;

  return {
    commands: scriptable,
    answerNext: script,
    failNext: (command, error) => script(command, { status: "error", error: { ...error } }),
    assistantNext: assistant.next,
    engineEvent: {
      async listen(callback) {
        listeners.add(callback);
        return () => {
          listeners.delete(callback);
        };
      },
    },
    shellEvent: {
      async listen(callback) {
        shellListeners.add(callback);
        return () => {
          shellListeners.delete(callback);
        };
      },
    },
    emitShell: (payload: ShellEvent) => {
      for (const listener of shellListeners) listener({ payload });
    },
    size: () => conversations.size,
    emitEvent: emit,
    bindWorkGroup: projects.bindWorkGroup,
    setBotState: projects.setBotState,
    setMailboxState: mail.setState,
    setAvitoState: avito.setState,
    moveTelegramLogin: telegramAccounts.move,
    telegramLogins: telegramAccounts.attempts,
    moveWhatsappLink: whatsappLinked.move,
    whatsappLinks: whatsappLinked.attempts,
    linkWhatsappNumber: (projectId, phone, pushName) => whatsappLinked.link(projectId, phone, pushName).id,
    unlinkWhatsappNumber: whatsappLinked.unlinked,
    whatsappCloudConversation: whatsappCloud.conversation,
    joinTeam: (name, inviteId) => team.join(name, inviteId).id,
    updateMessage(messageId, change) {
      for (const list of messages.values()) {
        const index = list.findIndex((m) => m.id === messageId);
        if (index < 0) continue;
        list[index] = { ...list[index], ...change };
        emit({ type: "message_updated", message: list[index] });
        return;
      }
    },
    addNote(conversationId, authorName, text) {
      const conversation = conversations.get(conversationId);
      if (!conversation) return;
      const list = notes.get(conversationId) ?? [];
      list.push({ id: nextNoteId++, conversationId, authorName, text, createdAt: now() });
      notes.set(conversationId, list);
      emit({ type: "conversation_changed", conversation });
    },
  };
}
