// An in-memory engine with the same commands and events as the real one.
// It backs the window in a plain browser (no desktop shell) and in tests.
import type {
  ApiError,
  Attachment,
  Backend,
  BotInput,
  BotState,
  ChannelAccount,
  ChannelKind,
  Contact,
  ContactIdentity,
  ConversationDetail,
  ConversationFilter,
  ConversationPage,
  ConversationStatus,
  ConversationSummary,
  Direction,
  EngineEvent,
  ErrorCode,
  IngestOutcome,
  Message,
  Note,
  Project,
  ProjectInput,
  ProjectLanguage,
  Result,
  SimulatorEntry,
  StatusCounts,
  WorkGroup,
  WorkGroupCheck,
} from "./api";
import { BULK_FIRST, BULK_LAST, BULK_TEXT, DAY, MINUTE, demoWorkGroupTitle, seedData } from "./mock-seed";

export type MockOptions = {
  /** Language of the demo conversations. */
  locale?: "ru" | "en";
  /** Start with the demo conversations (default) or with an empty inbox. */
  seed?: boolean;
  /** Extra generated conversations, to exercise long lists. */
  bulk?: number;
  /** How long an outgoing reply stays "pending" before it is "sent". */
  deliveryDelayMs?: number;
  /** How long a connected bot stays "connecting" before it is "online". */
  botStartMs?: number;
  /**
   * When set, a bot that comes online "finds" a work group this long after,
   * as if the seller had added it to one (the demo in a plain browser).
   */
  workGroupAfterMs?: number;
  now?: () => number;
};

export type MockBackend = Backend & {
  /** Number of stored conversations. */
  size(): number;
  /** Sends an event to the listeners as the engine would (e.g. "resync"). */
  emitEvent(event: EngineEvent): void;
  /** Binds a work group as the bot's poller does when it is added to a group (or /bind). */
  bindWorkGroup(projectId: number, title: string, check?: Partial<WorkGroupCheck>): void;
  /** Changes the state of a project's bot as its poller would. */
  setBotState(projectId: number, state: BotState, lastError?: string | null): void;
  /** Adds a note as an operator's /note in the work group does. */
  addNote(conversationId: number, authorName: string, text: string): void;
};

/** The username every demo token connects as. */
export const DEMO_BOT_USERNAME = "demo_shop_bot";

/** The engine's DEFAULT_API_URL (not imported from api.ts: that module imports this one). */
const DEFAULT_BOT_API_URL = "https://api.telegram.org";
const TOKEN = /^\d+:[A-Za-z0-9_-]{20,}$/;
const MAX_PROJECT_NAME = 80;

type StoredProject = {
  id: number;
  name: string;
  language: ProjectLanguage;
  createdAt: number;
  botAccountId: number | null;
  workGroup: WorkGroup | null;
};

type StoredBot = {
  accountId: number;
  username: string;
  apiUrl: string;
  state: BotState;
  lastError: string | null;
  webhookUrl: string | null;
};


const ok = <T>(data: T): Result<T, ApiError> => ({ status: "ok", data });
const fail = <T>(code: ErrorCode, message: string): Result<T, ApiError> => ({
  status: "error",
  error: { code, message },
});

export function createMockBackend(options: MockOptions = {}): MockBackend {
  const locale = options.locale ?? "en";
  const now = options.now ?? (() => Date.now());
  const deliveryDelayMs = options.deliveryDelayMs ?? 700;

  const botStartMs = options.botStartMs ?? 150;

  const account = (id: number, kind: ChannelKind, name: string): ChannelAccount => ({
    id,
    kind,
    name,
    projectId: null,
    enabled: true,
  });
  const accounts: ChannelAccount[] = [
    account(1, "simulator", locale === "ru" ? "Тестовый чат" : "Test chat"),
    account(2, "telegram_bot", "@tuberry_shop_bot"),
    account(3, "telegram_account", "+7 900 000-00-00"),
    account(4, "avito", locale === "ru" ? "Авито · Мебель и товары" : "Avito · Furniture & goods"),
    account(5, "whatsapp", "WhatsApp Business"),
    account(6, "email", "shop@tuberry.example"),
  ];
  const accountFor = (kind: ChannelKind) => accounts.find((a) => a.kind === kind) ?? accounts[0];

  const contacts = new Map<number, Contact>();
  const conversations = new Map<number, ConversationSummary>();
  const messages = new Map<number, Message[]>();
  const notes = new Map<number, Note[]>();
  const transcript: SimulatorEntry[] = [];
  const projects = new Map<number, StoredProject>();
  /** Connected bots by channel account. */
  const bots = new Map<number, StoredBot>();
  /** The Telegram id of each bot account, as the engine keys them. */
  const botIds = new Map<number, string>();
  const listeners = new Set<(event: { payload: EngineEvent }) => void>();

  let nextContactId = 1;
  let nextConversationId = 1;
  let nextMessageId = 1;
  let nextEntryId = 1;
  let nextNoteId = 1;
  let nextProjectId = 1;
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

  const preview = (text: string, attachments: Attachment[]) =>
    (text.trim() || attachments.map((a) => a.name).join(", ")).replace(/\s+/g, " ").slice(0, 160);

  function addContact(
    name: string,
    identities: ContactIdentity[],
    extra: Partial<Contact> = {},
    createdAt = now(),
  ): Contact {
    const contact: Contact = {
      id: nextContactId++,
      displayName: name,
      phone: extra.phone ?? null,
      email: extra.email ?? null,
      note: extra.note ?? null,
      createdAt,
      identities,
      conversationCount: 0,
    };
    contacts.set(contact.id, contact);
    return contact;
  }

  function addConversation(contact: Contact, kind: ChannelKind, subject: string | null, createdAt: number) {
    const account = accountFor(kind);
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
    };
    conversations.set(summary.id, summary);
    messages.set(summary.id, []);
    contact.conversationCount += 1;
    touch();
    return summary;
  }

  function appendMessage(conversation: ConversationSummary, message: Omit<Message, "id" | "conversationId">) {
    const stored: Message = { ...message, id: nextMessageId++, conversationId: conversation.id };
    messages.get(conversation.id)?.push(stored);
    const updated: ConversationSummary = {
      ...conversation,
      lastMessageAt: stored.createdAt,
      lastMessagePreview: preview(stored.text, stored.attachments),
      lastMessageDirection: stored.direction,
    };
    conversations.set(conversation.id, updated);
    touch();
    return { stored, updated };
  }

  const customerMessage = (text: string, createdAt: number): Omit<Message, "id" | "conversationId"> => ({
    direction: "in",
    authorKind: "customer",
    authorName: null,
    text,
    attachments: [],
    delivery: null,
    deliveryError: null,
    createdAt,
    sentAt: null,
  });

  if (options.seed !== false) {
    const start = now();
    for (const seed of seedData(locale)) {
      const oldest = Math.max(...seed.messages.map((m) => m.ago));
      const contact = addContact(seed.name, seed.identities, seed, start - oldest - 30 * DAY);
      let conversation = addConversation(contact, seed.channel, seed.subject ?? null, start - oldest);
      for (const m of seed.messages) {
        const at = start - m.ago;
        conversation = appendMessage(conversation, {
          direction: m.direction,
          authorKind: m.author,
          authorName: m.authorName ?? null,
          text: m.text,
          attachments: m.attachments ?? [],
          delivery: m.direction === "out" ? (m.delivery ?? "sent") : null,
          deliveryError: m.deliveryError ?? null,
          createdAt: at,
          sentAt: m.direction === "out" && m.delivery !== "failed" ? at : null,
        }).updated;
      }
      conversation = { ...conversation, status: seed.status, unreadCount: seed.unread };
      conversations.set(conversation.id, conversation);
      const conversationId = conversation.id;
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

  function simulatorCustomerOf(conversation: ConversationSummary): string | null {
    if (conversation.channelKind !== "simulator") return null;
    const contact = contacts.get(conversation.contactId);
    return contact?.identities.find((i) => i.kind === "simulator")?.value ?? null;
  }

  function addEntry(customer: string, direction: Direction, text: string, messageId: number | null) {
    const entry: SimulatorEntry = {
      id: nextEntryId++,
      customer,
      direction,
      text,
      messageId,
      createdAt: now(),
    };
    transcript.push(entry);
    emit({ type: "simulator_entry", entry });
    return entry;
  }

  function deliverLater(message: Message) {
    setTimeout(() => {
      const list = messages.get(message.conversationId);
      const index = list?.findIndex((m) => m.id === message.id) ?? -1;
      if (!list || index < 0) return;
      const sent: Message = { ...list[index], delivery: "sent", sentAt: now() };
      list[index] = sent;
      emit({ type: "message_updated", message: sent });
      const conversation = conversations.get(message.conversationId);
      const customer = conversation && simulatorCustomerOf(conversation);
      if (customer) addEntry(customer, "out", sent.text, sent.id);
    }, deliveryDelayMs);
  }

  const matches = (c: ConversationSummary, filter: ConversationFilter, needle: string | null) =>
    (!filter.status || c.status === filter.status) &&
    (!filter.channel || c.channelKind === filter.channel) &&
    (!needle ||
      c.contactName.toLowerCase().includes(needle) ||
      c.lastMessagePreview.toLowerCase().includes(needle) ||
      (c.subject ?? "").toLowerCase().includes(needle));

  // ---------- Projects (as src/telegram/projects.rs) ----------

  const projectChanged = (projectId: number) => emit({ type: "project_changed", project_id: projectId });

  function projectView(p: StoredProject): Project {
    const bot = p.botAccountId != null ? bots.get(p.botAccountId) : undefined;
    return {
      id: p.id,
      name: p.name,
      language: p.language,
      bot: bot
        ? {
            accountId: bot.accountId,
            username: bot.username,
            apiUrl: bot.apiUrl,
            state: bot.state,
            lastError: bot.lastError,
            webhookUrl: bot.webhookUrl,
          }
        : null,
      workGroup: p.workGroup
        ? {
            ...p.workGroup,
            check: p.workGroup.check ? { ...p.workGroup.check, missing: [...p.workGroup.check.missing] } : null,
          }
        : null,
      sources: accounts.filter((a) => a.projectId === p.id).map((a) => ({ ...a })),
      createdAt: p.createdAt,
    };
  }

  function checkProjectInput(input: ProjectInput): Result<string, ApiError> {
    const name = input.name.trim();
    if (!name) return fail("invalid_input", "a project needs a name");
    if ([...name].length > MAX_PROJECT_NAME) {
      return fail("invalid_input", `a project's name is at most ${MAX_PROJECT_NAME} characters`);
    }
    if (input.language !== "ru" && input.language !== "en") {
      return fail("invalid_input", `unknown language ${String(input.language)}`);
    }
    return ok(name);
  }

  function checkApiUrl(raw: string): Result<string, ApiError> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch (error) {
      return fail("invalid_input", `the Bot API address \`${raw}\` is not a URL: ${String(error)}`);
    }
    if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) {
      return fail("invalid_input", `the Bot API address \`${raw}\` must be an http or https URL`);
    }
    return ok(raw.replace(/\/+$/, ""));
  }

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

  function stopBot(accountId: number) {
    bots.delete(accountId);
    const stopped = accounts.find((a) => a.id === accountId);
    if (stopped) stopped.enabled = false;
  }

  /** The poller's side: the bot comes online, and in the demo finds its work group. */
  function startBot(projectId: number, accountId: number) {
    setTimeout(() => {
      const bot = bots.get(accountId);
      if (!bot || bot.state !== "connecting") return;
      bot.state = "online";
      projectChanged(projectId);
      if (options.workGroupAfterMs == null) return;
      setTimeout(() => {
        const project = projects.get(projectId);
        if (!project || project.botAccountId !== accountId || project.workGroup || !bots.has(accountId)) return;
        bindGroup(project, demoWorkGroupTitle(locale), { missing: ["topics_disabled", "cannot_manage_topics"] });
      }, options.workGroupAfterMs);
    }, botStartMs);
  }

  function bindGroup(project: StoredProject, title: string, check: Partial<WorkGroupCheck> = {}) {
    project.workGroup = {
      chatId: -1_001_000_000_000 - project.id,
      title,
      check: { checkedAt: now(), missing: [], error: null, ...check },
    };
    projectChanged(project.id);
  }

  function findProject(projectId: number): StoredProject | undefined {
    return projects.get(projectId);
  }

  const projectCommands = {
    async listProjects(): Promise<Result<Project[], ApiError>> {
      const list = [...projects.values()].sort(
        (a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id - b.id,
      );
      return ok(list.map(projectView));
    },

    async createProject(input: ProjectInput): Promise<Result<Project, ApiError>> {
      const name = checkProjectInput(input);
      if (name.status === "error") return name;
      const project: StoredProject = {
        id: nextProjectId++,
        name: name.data,
        language: input.language,
        createdAt: now(),
        botAccountId: null,
        workGroup: null,
      };
      projects.set(project.id, project);
      projectChanged(project.id);
      return ok(projectView(project));
    },

    async updateProject(projectId: number, input: ProjectInput): Promise<Result<Project, ApiError>> {
      const name = checkProjectInput(input);
      if (name.status === "error") return name;
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      project.name = name.data;
      project.language = input.language;
      projectChanged(projectId);
      return ok(projectView(project));
    },

    async deleteProject(projectId: number): Promise<Result<null, ApiError>> {
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      if (project.botAccountId != null) stopBot(project.botAccountId);
      // Its conversations and their history stay in the inbox.
      for (const a of accounts) if (a.projectId === projectId) moveAccount(a.id, null);
      for (const c of conversations.values()) {
        if (c.projectId === projectId) conversations.set(c.id, { ...c, projectId: null });
      }
      projects.delete(projectId);
      projectChanged(projectId);
      return ok(null);
    },

    async connectBot(projectId: number, input: BotInput): Promise<Result<Project, ApiError>> {
      const token = input.token.trim();
      if (!TOKEN.test(token)) {
        return fail(
          "invalid_input",
          "this does not look like a bot token: copy the whole token @BotFather gave, like 123456789:AAH…",
        );
      }
      const apiUrl = checkApiUrl(input.apiUrl?.trim() || DEFAULT_BOT_API_URL);
      if (apiUrl.status === "error") return apiUrl;
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      const botId = token.slice(0, token.indexOf(":"));
      const username = DEMO_BOT_USERNAME;
      const elsewhere = [...projects.values()].find(
        (p) => p.id !== projectId && p.botAccountId != null && botIds.get(p.botAccountId) === botId,
      );
      if (elsewhere) {
        return fail("invalid_input", `@${username} is already the bot of project “${elsewhere.name}”`);
      }

      let botAccount = accounts.find((a) => a.kind === "telegram_bot" && botIds.get(a.id) === botId);
      if (botAccount) {
        botAccount.name = `@${username}`;
        botAccount.enabled = true;
      } else {
        botAccount = account(nextAccountId++, "telegram_bot", `@${username}`);
        accounts.push(botAccount);
        botIds.set(botAccount.id, botId);
      }
      const previous = project.botAccountId;
      if (previous != null && previous !== botAccount.id) {
        stopBot(previous);
        // Another bot cannot post into the old bot's topics.
        project.workGroup = null;
      }
      bots.set(botAccount.id, {
        accountId: botAccount.id,
        username,
        apiUrl: apiUrl.data,
        state: "connecting",
        lastError: null,
        webhookUrl: null,
      });
      project.botAccountId = botAccount.id;
      moveAccount(botAccount.id, projectId);
      startBot(projectId, botAccount.id);
      projectChanged(projectId);
      return ok(projectView(project));
    },

    async setBotWebhook(projectId: number, publicUrl: string | null): Promise<Result<Project, ApiError>> {
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      const bot = project.botAccountId != null ? bots.get(project.botAccountId) : undefined;
      if (!bot) return fail("invalid_input", "connect the project's bot first");
      const url = publicUrl?.trim().replace(/\/+$/, "") || null;
      if (url) {
        const checked = checkApiUrl(url);
        if (checked.status === "error") return checked;
        // The demo engine has no LAN endpoint.
        return fail(
          "invalid_input",
          "webhook mode needs the LAN endpoint: set [http] listen in settings.toml and restart",
        );
      }
      bots.set(bot.accountId, { ...bot, webhookUrl: null });
      projectChanged(projectId);
      return ok(projectView(project));
    },

    async disconnectBot(projectId: number): Promise<Result<Project, ApiError>> {
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      if (project.botAccountId == null) return ok(projectView(project));
      stopBot(project.botAccountId);
      project.botAccountId = null;
      projectChanged(projectId);
      return ok(projectView(project));
    },

    async checkWorkGroup(projectId: number): Promise<Result<Project, ApiError>> {
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      const bot = project.botAccountId != null ? bots.get(project.botAccountId) : undefined;
      if (!bot || !project.workGroup) return fail("invalid_input", "bind a work group to the project first");
      if (bot.state === "stopped" || bot.state === "unauthorized") {
        return fail("invalid_input", "the project's bot is not running");
      }
      // The demo group has whatever was missing fixed by the time someone checks again.
      project.workGroup = { ...project.workGroup, check: { checkedAt: now(), missing: [], error: null } };
      projectChanged(projectId);
      return ok(projectView(project));
    },

    async unbindWorkGroup(projectId: number): Promise<Result<Project, ApiError>> {
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      project.workGroup = null;
      projectChanged(projectId);
      return ok(projectView(project));
    },

    async setProjectSources(projectId: number, accountIds: number[]): Promise<Result<Project, ApiError>> {
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      const missing = accountIds.find((id) => !accounts.some((a) => a.id === id));
      if (missing != null) return fail("not_found", `channel account ${missing}`);
      for (const a of accounts) {
        if (a.projectId === projectId && !accountIds.includes(a.id) && a.id !== project.botAccountId) {
          moveAccount(a.id, null);
        }
      }
      for (const id of accountIds) moveAccount(id, projectId);
      projectChanged(projectId);
      return ok(projectView(project));
    },

    async listChannelAccounts(): Promise<Result<ChannelAccount[], ApiError>> {
      return ok([...accounts].sort((a, b) => a.id - b.id).map((a) => ({ ...a })));
    },
  };

  const commands: Backend["commands"] = {
    ...projectCommands,

    async listConversations(filter: ConversationFilter): Promise<Result<ConversationPage, ApiError>> {
      const offset = filter.offset ?? 0;
      const requested = filter.limit ?? 100;
      if (offset < 0 || requested < 0) return fail("invalid_input", "negative offset or limit");
      const needle = filter.search?.trim().toLowerCase() || null;
      const all = ordered();
      const hits =
        !filter.status && !filter.channel && !needle ? all : all.filter((c) => matches(c, filter, needle));
      const limit = Math.min(requested, 500);
      return ok({ total: hits.length, offset, items: hits.slice(offset, offset + limit) });
    },

    async statusCounts(): Promise<Result<StatusCounts, ApiError>> {
      const counts: StatusCounts = {
        all: 0,
        awaitingResponse: 0,
        answeredByAssistant: 0,
        needsHuman: 0,
        closed: 0,
      };
      for (const c of conversations.values()) {
        counts.all += 1;
        if (c.status === "awaiting_response") counts.awaitingResponse += 1;
        else if (c.status === "answered_by_assistant") counts.answeredByAssistant += 1;
        else if (c.status === "needs_human") counts.needsHuman += 1;
        else counts.closed += 1;
      }
      return ok(counts);
    },

    async getConversation(conversationId: number): Promise<Result<ConversationDetail, ApiError>> {
      const conversation = conversations.get(conversationId);
      const contact = conversation && contacts.get(conversation.contactId);
      if (!conversation || !contact) return fail("not_found", `conversation ${conversationId}`);
      return ok({
        conversation,
        contact: { ...contact, identities: [...contact.identities] },
        messages: [...(messages.get(conversationId) ?? [])],
        notes: [...(notes.get(conversationId) ?? [])],
      });
    },

    async markRead(conversationId: number): Promise<Result<null, ApiError>> {
      const conversation = conversations.get(conversationId);
      if (!conversation) return fail("not_found", `conversation ${conversationId}`);
      if (conversation.unreadCount > 0) {
        const updated = { ...conversation, unreadCount: 0 };
        conversations.set(conversationId, updated);
        touch();
        emit({ type: "conversation_changed", conversation: updated });
      }
      return ok(null);
    },

    async sendReply(conversationId: number, text: string): Promise<Result<Message, ApiError>> {
      const conversation = conversations.get(conversationId);
      if (!conversation) return fail("not_found", `conversation ${conversationId}`);
      if (!text.trim()) return fail("invalid_input", "empty reply");
      const { stored, updated } = appendMessage(conversation, {
        direction: "out",
        authorKind: "manager",
        authorName: null,
        text,
        attachments: [],
        delivery: "pending",
        deliveryError: null,
        createdAt: now(),
        sentAt: null,
      });
      emit({ type: "message_added", message: stored });
      emit({ type: "conversation_changed", conversation: updated });
      deliverLater(stored);
      return ok(stored);
    },

    async setConversationStatus(
      conversationId: number,
      status: ConversationStatus,
    ): Promise<Result<ConversationSummary, ApiError>> {
      const conversation = conversations.get(conversationId);
      if (!conversation) return fail("not_found", `conversation ${conversationId}`);
      const updated = { ...conversation, status };
      conversations.set(conversationId, updated);
      touch();
      emit({ type: "conversation_changed", conversation: updated });
      return ok(updated);
    },

    async simulateInbound(customer: string, text: string): Promise<Result<IngestOutcome, ApiError>> {
      const name = customer.trim();
      if (!name) return fail("invalid_input", "customer name is empty");
      if (!text.trim()) return fail("invalid_input", "message is empty");
      let contact = [...contacts.values()].find((c) =>
        c.identities.some((i) => i.kind === "simulator" && i.value === name),
      );
      contact ??= addContact(name, [{ kind: "simulator", value: name }]);
      const contactId = contact.id;
      let conversation = [...conversations.values()].find(
        (c) => c.contactId === contactId && c.channelKind === "simulator",
      );
      conversation ??= addConversation(contact, "simulator", null, now());
      const { stored, updated } = appendMessage(conversation, customerMessage(text, now()));
      // As the engine does: a customer's message reopens the conversation,
      // but a request for a person stands.
      const status: ConversationStatus = updated.status === "needs_human" ? "needs_human" : "awaiting_response";
      const reopened = { ...updated, status, unreadCount: updated.unreadCount + 1 };
      conversations.set(reopened.id, reopened);
      addEntry(name, "in", text, stored.id);
      emit({ type: "message_added", message: stored });
      emit({ type: "conversation_changed", conversation: reopened });
      return ok({ conversationId: reopened.id, messageId: stored.id, duplicate: false });
    },

    async simulatorTranscript(customer: string | null): Promise<Result<SimulatorEntry[], ApiError>> {
      const name = customer?.trim();
      return ok(transcript.filter((e) => !name || e.customer === name));
    },

    async appInfo() {
      return ok({ version: "0.1.0", dataDir: "(in memory)" });
    },
  };

  return {
    commands,
    engineEvent: {
      async listen(callback) {
        listeners.add(callback);
        return () => {
          listeners.delete(callback);
        };
      },
    },
    size: () => conversations.size,
    emitEvent: emit,
    bindWorkGroup(projectId, title, check) {
      const project = findProject(projectId);
      if (project) bindGroup(project, title, check);
    },
    setBotState(projectId, state, lastError = null) {
      const project = findProject(projectId);
      const bot = project?.botAccountId != null ? bots.get(project.botAccountId) : undefined;
      if (!bot) return;
      bot.state = state;
      bot.lastError = lastError;
      projectChanged(projectId);
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
