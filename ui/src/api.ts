// The single door between the window and the engine. Components import from
// here only: types, the unwrapped commands and the engine event subscription.
import { commands as engineCommands, events as engineEvents } from "./bindings";
import type {
  AccountState,
  ApiError,
  AssigneeFilter,
  AssistantMode,
  AutoReplyMode,
  AvitoProblem,
  AvitoState,
  BotState,
  CatalogueProblem,
  ChannelKind,
  ConversationSort,
  ConversationStatus,
  EngineEvent,
  Fix,
  GuardMode,
  GuardrailKind,
  ImportStage,
  LabelColor,
  LlmProblem,
  ShellEvent,
  LlmProvider,
  RestoreStage,
  MailboxState,
  Scope,
  MailProblem,
  MailSecurity,
  Weekday,
  WhitelistKind,
  WorkGroupProblem,
} from "./bindings";
import { createMockBackend, type MockOptions } from "./mock";
import { detectLanguage } from "./i18n/detect";

export type {
  Account,
  AccountHealth,
  AccountNeedingSecret,
  AccountState,
  AccountStatus,
  AgeBand,
  ApiError,
  ApiToken,
  ApiTokenCreated,
  AppInfo,
  AppSettings,
  AppSource,
  AssigneeFilter,
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
  Backup,
  BackupKind,
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
  CloudNumber,
  CloudNumberAdded,
  CloudNumberInput,
  CloudNumberUpdate,
  CloudTemplate,
  ConnectionReport,
  Contact,
  ContactIdentity,
  Dashboard,
  DashboardQuery,
  DayFigures,
  DeliveryFlags,
  ContactMatch,
  ConversationDetail,
  ConversationFilter,
  ConversationPage,
  ConversationSort,
  ConversationStatus,
  ConversationSummary,
  Delivery,
  Direction,
  EngineEvent,
  ErrorCode,
  FailedJob,
  Figures,
  Fix,
  Folder,
  Health,
  LanStatus,
  Language,
  ShellEvent,
  GuardMode,
  Guardrail,
  GuardrailKind,
  IdentityKind,
  ImportProgress,
  ImportStage,
  IngestOutcome,
  Language as ProjectLanguage,
  Listing,
  LoginAttempt,
  LoginMethod,
  LoginStart,
  LoginState,
  LinkMethod,
  LinkStart,
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
  Invite,
  InviteCreated,
  Label,
  LabelColor,
  LabelInput,
  InviteInput,
  InviteState,
  MailboxInput,
  MailboxState,
  Message,
  Note,
  OutboxGuard,
  OwnerLink,
  Period,
  Person,
  PersonFigures,
  Project,
  ProjectBot,
  ProjectInput,
  Provider,
  ProviderCreated,
  QueueHealth,
  QuickReply,
  QuickReplyImport,
  QuickReplyInput,
  ReplyWindow,
  RestoreOutcome,
  RestoreStage,
  RestoreStep,
  Restored,
  Role,
  RoleRights,
  RunOutcome,
  ScheduleInterval,
  SendPreset,
  SendTime,
  SendTimes,
  ServerCertificate,
  Scope,
  SimulatorEntry,
  StatusCounts,
  TelegramAccount,
  TelegramApp,
  TelegramAppInput,
  TemplateReply,
  TestChat,
  TestChatInput,
  UpdateStatus,
  UsedRow,
  Weekday,
  Waiting,
  Webhook,
  WebhookCreated,
  WhatsAppFlags,
  WhatsAppNumber,
  WhitelistEntry,
  WhitelistKind,
  WorkGroup,
  WorkGroupCheck,
  WorkGroupHealth,
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

/** The orders of the inbox list, as its sort selector offers them. */
export const CONVERSATION_SORTS: readonly ConversationSort[] = ["recent", "unread", "waiting"];

/** A label's colours, in the order the window offers them. */
export const LABEL_COLORS: readonly LabelColor[] = [
  "gray",
  "red",
  "orange",
  "yellow",
  "green",
  "teal",
  "blue",
  "purple",
  "pink",
];

/** Most conversations one bulk action takes (the engine's limit). */
export const MAX_BULK = 500;

/** Whose conversations the inbox shows: the owner's, or those assigned to nobody. */
export const ASSIGNEE_FILTERS: readonly AssigneeFilter[] = ["mine", "unassigned"];

/** Where any channel account's connection stands: one model for every kind. */
export const ACCOUNT_STATES: readonly AccountState[] = [
  "connecting",
  "connected",
  "offline",
  "bad_credentials",
  "error",
  "stopped",
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

/** Where a restore being prepared is (the window says each in words). */
export const RESTORE_STAGES: readonly RestoreStage[] = ["copying", "checking", "files", "ready"];

/** What a person does about a problem the Health screen shows. */
export const FIXES: readonly Fix[] = [
  "reconnect",
  "wait",
  "read_error",
  "group_rights",
  "unlock_keyring",
  "start_model_server",
  "free_disk",
  "restore",
  "back_up",
];

/** What a LAN API token may do, in the order the window offers them. */
export const API_SCOPES: readonly Scope[] = ["send", "read", "admin"];

/** The events a webhook subscription may follow, in the order the window offers them. */
export const WEBHOOK_EVENTS = [
  "message.received",
  "message.sent",
  "message.delivered",
  "message.failed",
  "conversation.status_changed",
] as const;

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The events a new subscription follows unless the owner chooses otherwise. */
export const DEFAULT_WEBHOOK_EVENTS: readonly WebhookEvent[] = ["message.received", "conversation.status_changed"];

export const GUARD_MODES: readonly GuardMode[] = ["off", "whitelist", "on"];

/** What the Health screen's guardrails of the last 24 hours watch. */
export const GUARDRAIL_KINDS: readonly GuardrailKind[] = ["no_sender", "failed_replies", "late_mirrors", "handovers"];

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
  "custom",
  "simulator",
] as const;

/** The channel kinds the engine can connect today (what the inbox filters by). */
export const CONNECTABLE_CHANNEL_KINDS: readonly ChannelKind[] = [
  "avito",
  "telegram_bot",
  "telegram_account",
  "whatsapp",
  "email",
  "custom",
  "simulator",
];

/** The command set as the generated bindings expose it (each call resolves to a Result). */
export type EngineCommands = typeof engineCommands;

export interface EngineEventSource {
  listen(callback: (event: { payload: EngineEvent }) => void): Promise<() => void>;
}

export interface ShellEventSource {
  listen(callback: (event: { payload: ShellEvent }) => void): Promise<() => void>;
}

export interface Backend {
  commands: EngineCommands;
  engineEvent: EngineEventSource;
  /** What the desktop shell asks of the window (a clicked notification). */
  shellEvent: ShellEventSource;
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

export function isTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

function mockOptionsFromLocation(): MockOptions {
  const options: MockOptions = { locale: detectLanguage() };
  if (typeof location === "undefined") return options;
  // `?demo=empty` starts with no conversations; `?demo=100000` adds that many rows.
  const demo = new URLSearchParams(location.search).get("demo");
  // In a plain browser a connected demo bot "finds" its work group after a few
  // seconds, a shown Telegram QR code is "scanned", a WhatsApp QR code is
  // replaced now and then until the phone "scans" it (or "types" the pairing
  // code), and WhatsApp's receipts mark replies delivered, then read.
  options.workGroupAfterMs = 4000;
  options.telegramScanAfterMs = 6000;
  options.whatsappRotateQrMs = 5000;
  options.whatsappScanAfterMs = 15000;
  options.receiptsAfterMs = 1500;
  // The shop's mailbox no longer takes its password (the Health screen shows it).
  options.mailPasswordRefused = true;
  // `?restored=ok` (or `failed`) shows what a restore did, as after the app started again.
  const restored = new URLSearchParams(location.search).get("restored");
  if (restored === "ok" || restored === "failed") options.restored = restored;
  if (demo === "empty") options.seed = false;
  else if (demo && /^\d+$/.test(demo)) options.bulk = Math.min(Number(demo), 1_000_000);
  return options;
}

let backend: Backend = isTauri()
  ? { commands: engineCommands, engineEvent: engineEvents.engineEvent, shellEvent: engineEvents.shellEvent }
  : createMockBackend(mockOptionsFromLocation());

/** Replaces the engine the window talks to (the in-memory one in tests and in a plain browser). */
export function setBackend(next: Backend): void {
  backend = next;
}

export function usingMockBackend(): boolean {
  return !isTauri();
}

/** What a command resolves to once unwrapped: a Result's data, or a plain value as it is. */
type Unwrapped<R> = R extends Promise<infer V> ? ([V] extends [Result<infer T, ApiError>] ? Promise<T> : R) : R;

/**
 * The engine's commands as the window calls them: each one resolves to its
 * data or throws an {@link ApiFailure} with the engine's refusal; a command
 * that cannot fail (such as `guessMailServers`) resolves to its plain value.
 */
export type Api = {
  [K in keyof EngineCommands]: (...args: Parameters<EngineCommands[K]>) => Unwrapped<ReturnType<EngineCommands[K]>>;
};

const isResult = (answer: unknown): answer is Result<unknown, ApiError> =>
  typeof answer === "object" &&
  answer !== null &&
  "status" in answer &&
  ((answer.status === "ok" && "data" in answer) || (answer.status === "error" && "error" in answer));

/** One command, looked up on the current backend at each call (`setBackend` can replace it). */
function unwrapped(name: keyof EngineCommands) {
  return async (...args: unknown[]): Promise<unknown> => {
    const command = backend.commands[name] as (...args: unknown[]) => Promise<unknown>;
    const answer = await command(...args);
    if (!isResult(answer)) return answer;
    if (answer.status === "ok") return answer.data;
    throw new ApiFailure(answer.error);
  };
}

/** Every command of the generated bindings, unwrapped; a new engine command is here without an edit. */
export const api = Object.fromEntries(
  (Object.keys(engineCommands) as (keyof EngineCommands)[]).map((name) => [name, unwrapped(name)]),
) as Api;

/**
 * Calls `callback` for every engine event until the returned function is called.
 * Safe to call the returned function before the underlying listener is attached.
 */
export function subscribe(callback: (event: EngineEvent) => void): () => void {
  return listenTo(backend.engineEvent, callback);
}

/** Calls `callback` for everything the desktop shell asks of the window, until the returned function is called. */
export function subscribeShell(callback: (event: ShellEvent) => void): () => void {
  return listenTo(backend.shellEvent, callback);
}

function listenTo<E>(
  source: { listen(callback: (event: { payload: E }) => void): Promise<() => void> },
  callback: (event: E) => void,
): () => void {
  let stopped = false;
  let detach: (() => void) | null = null;
  source
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
