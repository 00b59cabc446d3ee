// The single door between the window and the engine. Components import from
// here only: types, the unwrapped commands and the engine event subscription.
import { commands as engineCommands, events as engineEvents } from "./bindings";
import type {
  ApiError,
  AssistantMode,
  AssistantSettingsInput,
  Attachment,
  AutoReplyMode,
  AvitoInput,
  AvitoProblem,
  AvitoState,
  BotInput,
  BotState,
  ConversationFilter,
  CatalogueProblem,
  ConversationStatus,
  EngineEvent,
  GuardMode,
  ImportStage,
  LlmProblem,
  LlmProvider,
  LlmSettingsInput,
  MailboxInput,
  MailboxState,
  MailProblem,
  MailSecurity,
  ProjectInput,
  TestChatInput,
  Weekday,
  WhitelistEntry,
  WhitelistKind,
  WorkGroupProblem,
} from "./bindings";
import { createMockBackend, type MockOptions } from "./mock";
import { detectLanguage } from "./i18n/detect";

export type {
  ApiError,
  AppInfo,
  AssistantMode,
  AssistantRun,
  AssistantSettings,
  AssistantSettingsInput,
  Attachment,
  AttachmentKind,
  AuthorKind,
  AutoReplyMode,
  AvitoAccount,
  AvitoConnect,
  AvitoError,
  AvitoInput,
  AvitoProblem,
  AvitoState,
  BotInput,
  BotState,
  Catalogue,
  CatalogueFormat,
  CatalogueImport,
  CataloguePage,
  CatalogueProblem,
  CatalogueRow,
  ChannelAccount,
  ChannelKind,
  ConnectionReport,
  Contact,
  ContactIdentity,
  ContactMatch,
  ConversationDetail,
  ConversationFilter,
  ConversationPage,
  ConversationStatus,
  ConversationSummary,
  Delivery,
  Direction,
  EngineEvent,
  ErrorCode,
  GuardMode,
  IdentityKind,
  ImportProgress,
  ImportStage,
  IngestOutcome,
  Language as ProjectLanguage,
  Listing,
  LlmModels,
  LlmProblem,
  LlmProvider,
  LlmSettings,
  LlmSettingsInput,
  MailError,
  MailProblem,
  MailSecurity,
  MailServer,
  MailServers,
  Mailbox,
  MailboxInput,
  MailboxState,
  Message,
  Note,
  OutboxGuard,
  Project,
  ProjectBot,
  ProjectInput,
  RunOutcome,
  ScheduleInterval,
  SimulatorEntry,
  StatusCounts,
  TestChat,
  TestChatInput,
  UsedRow,
  Weekday,
  WhitelistEntry,
  WhitelistKind,
  WorkGroup,
  WorkGroupCheck,
  WorkGroupProblem,
} from "./bindings";

/** What every engine command resolves to before it is unwrapped. */
export type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

export const CONVERSATION_STATUSES: readonly ConversationStatus[] = [
  "awaiting_response",
  "answered_by_assistant",
  "needs_human",
  "closed",
];

export const BOT_STATES: readonly BotState[] = ["connecting", "online", "offline", "unauthorized", "conflict", "stopped"];

export const WORK_GROUP_PROBLEMS: readonly WorkGroupProblem[] = [
  "bot_not_member",
  "topics_disabled",
  "not_admin",
  "cannot_manage_topics",
  "unreachable",
];

export const MAILBOX_STATES: readonly MailboxState[] = [
  "connecting",
  "importing",
  "listening",
  "polling",
  "offline",
  "stopped",
];

export const MAIL_PROBLEMS: readonly MailProblem[] = ["dns", "connect", "tls", "auth", "folder", "protocol", "rejected"];

export const AVITO_STATES: readonly AvitoState[] = ["connecting", "online", "offline", "stopped"];

export const AVITO_PROBLEMS: readonly AvitoProblem[] = [
  "connect",
  "credentials",
  "tariff",
  "rejected",
  "protocol",
  "duplicate",
];

export const ASSISTANT_MODES: readonly AssistantMode[] = ["off", "drafts", "automatic"];

export const AUTO_REPLY_MODES: readonly AutoReplyMode[] = ["off", "always", "schedule"];

export const WEEKDAYS: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export const LLM_PROVIDERS: readonly LlmProvider[] = ["ollama", "openai_compatible"];

export const LLM_PROBLEMS: readonly LlmProblem[] = [
  "not_running", "unauthorized", "model_missing", "no_model", "timeout", "rate_limited", "bad_answer",
];

export const CATALOGUE_PROBLEMS: readonly CatalogueProblem[] = ["empty", "unsupported", "too_large", "unreadable", "no_rows"];

export const IMPORT_STAGES: readonly ImportStage[] = ["reading", "parsing", "storing", "done", "failed"];

export const GUARD_MODES: readonly GuardMode[] = ["off", "whitelist", "on"];

export const WHITELIST_KINDS: readonly WhitelistKind[] = ["phone", "telegram_username", "telegram_user", "email", "avito_user"];

/** Where Ollama listens unless told otherwise (the engine's default). */
export const DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434/v1";

/** The largest catalogue file the engine reads. */
export const MAX_CATALOGUE_BYTES = 20 * 1024 * 1024;

/** The files a catalogue can be. */
export const CATALOGUE_ACCEPT = ".pdf,.csv,.xlsx,.xls";

export const MAIL_SECURITIES: readonly MailSecurity[] = ["tls", "starttls", "none"];

/** The largest file the composer can attach (the engine's limit). */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

/** Where a bot talks to Telegram unless the project names its own Bot API server. */
export const DEFAULT_BOT_API_URL = "https://api.telegram.org";

export const CHANNEL_KINDS = [
  "avito",
  "telegram_bot",
  "telegram_account",
  "whatsapp",
  "email",
  "simulator",
] as const;

/** The command set as the generated bindings expose it (each call resolves to a Result). */
export type EngineCommands = typeof engineCommands;

export interface EngineEventSource {
  listen(callback: (event: { payload: EngineEvent }) => void): Promise<() => void>;
}

export interface Backend {
  commands: EngineCommands;
  engineEvent: EngineEventSource;
}

/** A command the engine refused; `error.code` says why. */
export class ApiFailure extends Error {
  readonly error: ApiError;

  constructor(error: ApiError) {
    super(error.message || error.code);
    this.name = "ApiFailure";
    this.error = error;
  }

  get code() {
    return this.error.code;
  }
}

async function unwrap<T>(pending: Promise<Result<T, ApiError>>): Promise<T> {
  const result = await pending;
  if (result.status === "ok") return result.data;
  throw new ApiFailure(result.error);
}

export function isTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

function mockOptionsFromLocation(): MockOptions {
  const options: MockOptions = { locale: detectLanguage() };
  if (typeof location === "undefined") return options;
  // `?demo=empty` starts with no conversations; `?demo=100000` adds that many rows.
  const demo = new URLSearchParams(location.search).get("demo");
  // In a plain browser a connected demo bot "finds" its work group after a few seconds.
  options.workGroupAfterMs = 4000;
  if (demo === "empty") options.seed = false;
  else if (demo && /^\d+$/.test(demo)) options.bulk = Math.min(Number(demo), 1_000_000);
  return options;
}

let backend: Backend = isTauri()
  ? { commands: engineCommands, engineEvent: engineEvents.engineEvent }
  : createMockBackend(mockOptionsFromLocation());

/** Replaces the engine the window talks to (the in-memory one in tests and in a plain browser). */
export function setBackend(next: Backend): void {
  backend = next;
}

export function usingMockBackend(): boolean {
  return !isTauri();
}

export const api = {
  listConversations: (filter: ConversationFilter) =>
    unwrap(backend.commands.listConversations(filter)),
  statusCounts: () => unwrap(backend.commands.statusCounts()),
  getConversation: (conversationId: number) =>
    unwrap(backend.commands.getConversation(conversationId)),
  markRead: (conversationId: number) => unwrap(backend.commands.markRead(conversationId)),
  sendReply: (conversationId: number, text: string, attachments: Attachment[] = []) =>
    unwrap(backend.commands.sendReply(conversationId, text, attachments)),
  setConversationStatus: (conversationId: number, status: ConversationStatus) =>
    unwrap(backend.commands.setConversationStatus(conversationId, status)),
  simulateInbound: (customer: string, text: string) =>
    unwrap(backend.commands.simulateInbound(customer, text)),
  simulatorTranscript: (customer: string | null) =>
    unwrap(backend.commands.simulatorTranscript(customer)),
  appInfo: () => unwrap(backend.commands.appInfo()),
  listProjects: () => unwrap(backend.commands.listProjects()),
  createProject: (input: ProjectInput) => unwrap(backend.commands.createProject(input)),
  updateProject: (projectId: number, input: ProjectInput) =>
    unwrap(backend.commands.updateProject(projectId, input)),
  deleteProject: (projectId: number) => unwrap(backend.commands.deleteProject(projectId)),
  connectBot: (projectId: number, bot: BotInput) => unwrap(backend.commands.connectBot(projectId, bot)),
  disconnectBot: (projectId: number) => unwrap(backend.commands.disconnectBot(projectId)),
  setBotWebhook: (projectId: number, publicUrl: string | null) =>
    unwrap(backend.commands.setBotWebhook(projectId, publicUrl)),
  checkWorkGroup: (projectId: number) => unwrap(backend.commands.checkWorkGroup(projectId)),
  unbindWorkGroup: (projectId: number) => unwrap(backend.commands.unbindWorkGroup(projectId)),
  setProjectSources: (projectId: number, accountIds: number[]) =>
    unwrap(backend.commands.setProjectSources(projectId, accountIds)),
  listChannelAccounts: () => unwrap(backend.commands.listChannelAccounts()),
  uploadAttachment: (name: string, mime: string | null, base64: string) =>
    unwrap(backend.commands.uploadAttachment(name, mime, base64)),
  /** A stored attachment's content, as base64. */
  readAttachment: (url: string) => unwrap(backend.commands.readAttachment(url)),
  /** Saves a stored attachment in the Downloads folder; resolves to the new file's path. */
  saveAttachment: (url: string, name: string) => unwrap(backend.commands.saveAttachment(url, name)),
  openExternal: (url: string) => unwrap(backend.commands.openExternal(url)),
  /** The sanitized HTML of an e-mail message, or null when it had none. */
  messageHtml: (messageId: number) => unwrap(backend.commands.messageHtml(messageId)),
  listMailboxes: () => unwrap(backend.commands.listMailboxes()),
  addMailbox: (input: MailboxInput) => unwrap(backend.commands.addMailbox(input)),
  updateMailbox: (accountId: number, input: MailboxInput) =>
    unwrap(backend.commands.updateMailbox(accountId, input)),
  removeMailbox: (accountId: number) => unwrap(backend.commands.removeMailbox(accountId)),
  testMailbox: (input: MailboxInput, accountId: number | null) =>
    unwrap(backend.commands.testMailbox(input, accountId)),
  /** The usual servers for an address (never fails). */
  guessMailServers: (address: string) => backend.commands.guessMailServers(address),
  listAvitoAccounts: () => unwrap(backend.commands.listAvitoAccounts()),
  /** Connected, or refused with Avito's reason (a refusal is an answer, not a failure). */
  connectAvito: (input: AvitoInput) => unwrap(backend.commands.connectAvito(input)),
  removeAvito: (accountId: number) => unwrap(backend.commands.removeAvito(accountId)),
  /** Turns webhooks on with a public address, or off with null. */
  setAvitoWebhook: (accountId: number, publicUrl: string | null) =>
    unwrap(backend.commands.setAvitoWebhook(accountId, publicUrl)),
  /** Reads the account's chats now instead of at the next interval. */
  pollAvito: (accountId: number) => unwrap(backend.commands.pollAvito(accountId)),
  searchContacts: (text: string) => unwrap(backend.commands.searchContacts(text)),
  /** Moves `other`'s conversations and identities to `keep`; resolves to the merged contact. */
  mergeContacts: (keep: number, other: number) => unwrap(backend.commands.mergeContacts(keep, other)),
  /** A project's assistant, auto-reply and persona (the defaults when never saved). */
  assistantSettings: (projectId: number) => unwrap(backend.commands.assistantSettings(projectId)),
  saveAssistantSettings: (projectId: number, input: AssistantSettingsInput) =>
    unwrap(backend.commands.saveAssistantSettings(projectId, input)),
  llmSettings: () => unwrap(backend.commands.llmSettings()),
  saveLlmSettings: (input: LlmSettingsInput) => unwrap(backend.commands.saveLlmSettings(input)),
  /** The models of the stored server, or of `input` while it is being typed in. */
  llmModels: (input: LlmSettingsInput | null) => unwrap(backend.commands.llmModels(input)),
  /** Imported, or refused with the reason (a refusal is an answer, not a failure). */
  importCatalogue: (projectId: number, fileName: string, base64: string) =>
    unwrap(backend.commands.importCatalogue(projectId, fileName, base64)),
  getCatalogue: (projectId: number) => unwrap(backend.commands.getCatalogue(projectId)),
  catalogueRows: (projectId: number, search: string | null, offset: number, limit: number) =>
    unwrap(backend.commands.catalogueRows(projectId, search, offset, limit)),
  removeCatalogue: (projectId: number) => unwrap(backend.commands.removeCatalogue(projectId)),
  outboxGuard: () => unwrap(backend.commands.outboxGuard()),
  setOutboxGuard: (mode: GuardMode, includePeople: boolean) =>
    unwrap(backend.commands.setOutboxGuard(mode, includePeople)),
  allowRecipient: (entry: WhitelistEntry) => unwrap(backend.commands.allowRecipient(entry)),
  disallowRecipient: (entry: WhitelistEntry) => unwrap(backend.commands.disallowRecipient(entry)),
  /** Sends a reply the outbox guard holds, whatever the guard says. */
  sendHeldReply: (messageId: number) => unwrap(backend.commands.sendHeldReply(messageId)),
  assistantRuns: (conversationId: number) => unwrap(backend.commands.assistantRuns(conversationId)),
  /** The reply the assistant suggests in a conversation now, if any. */
  assistantDraft: (conversationId: number) => unwrap(backend.commands.assistantDraft(conversationId)),
  dismissDraft: (runId: number) => unwrap(backend.commands.dismissDraft(runId)),
  testChat: () => unwrap(backend.commands.testChat()),
  setTestChatProject: (projectId: number | null) => unwrap(backend.commands.setTestChatProject(projectId)),
  testChatWrite: (input: TestChatInput) => unwrap(backend.commands.testChatWrite(input)),
  /** Forgets a Test chat customer's transcript and conversation. */
  resetTestChat: (customer: string) => unwrap(backend.commands.resetTestChat(customer)),
};

/**
 * Calls `callback` for every engine event until the returned function is called.
 * Safe to call the returned function before the underlying listener is attached.
 */
export function subscribe(callback: (event: EngineEvent) => void): () => void {
  let stopped = false;
  let detach: (() => void) | null = null;
  backend.engineEvent
    .listen((event) => {
      if (!stopped) callback(event.payload);
    })
    .then((unlisten) => {
      if (stopped) unlisten();
      else detach = unlisten;
    })
    .catch((error: unknown) => {
      console.error("Could not listen to engine events", error);
    });
  return () => {
    stopped = true;
    detach?.();
    detach = null;
  };
}
