// What the parts of the in-memory engine share: options, results, the state
// they all touch, and how a test scripts an answer.
//
// The in-memory engine holds data, not the engine's rules: it stores what is
// saved and gives it back, and it answers with demo data. It checks nothing
// the engine checks (names, tokens, addresses, schedules…) and fills in no
// persona, prompt or catalogue search; the Rust tests and the end-to-end run
// cover those. A test that needs a refusal or another answer scripts it with
// `failNext` / `answerNext`, and the assistant's next turn with `assistantNext`.
import type {
  ApiError,
  AssistantRun,
  LoginAttempt,
  Attachment,
  AuthorKind,
  AvitoError,
  AvitoState,
  Backend,
  BotState,
  ChannelAccount,
  ChannelKind,
  Contact,
  ConversationSummary,
  EngineCommands,
  EngineEvent,
  ErrorCode,
  ShellEvent,
  ImportProgress,
  MailError,
  MailboxState,
  Message,
  Result,
  WorkGroupCheck,
} from "./api";

export type MockOptions = {
  /** In a plain browser, a shown Telegram QR code is "scanned" after this long. */
  telegramScanAfterMs?: number;
  /** In a plain browser, a shown WhatsApp QR code (or pairing code) is "scanned" (or typed) after this long. */
  whatsappScanAfterMs?: number;
  /** In a plain browser, WhatsApp offers a new QR code this often. */
  whatsappRotateQrMs?: number;
  /**
   * When set, a reply sent in a WhatsApp conversation is delivered this long
   * after it is sent, and read as long again after that (WhatsApp's receipts).
   */
  receiptsAfterMs?: number;
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
  /** How long a (re)started mailbox stays "connecting". */
  mailStartMs?: number;
  /** The demo's mailbox starts with its password refused by the server. */
  mailPasswordRefused?: boolean;
  /** How long a new mailbox takes to import its existing mail. */
  mailImportMs?: number;
  /** How long checking a mailbox's servers takes. */
  mailProbeMs?: number;
  /** How long a new Avito account stays "connecting" (and a "Check now" takes). */
  avitoStartMs?: number;
  /** How long the assistant "thinks" before it answers. */
  assistantDelayMs?: number;
  /** How long "Back up now" takes. */
  backupMs?: number;
  /** How long each step of preparing a restore takes. */
  restoreStepMs?: number;
  /**
   * What the last restore did, as the window reads it once after the app
   * started again: the demo's backup restored, or a restore that failed at
   * the start (none by default).
   */
  restored?: "ok" | "failed";
  /** How long each stage of a catalogue import takes. */
  catalogueStepMs?: number;
  now?: () => number;
};

/** What a command resolves to, as the bindings type it (a Result, or a plain value). */
export type Answer<K extends keyof EngineCommands> = Awaited<ReturnType<EngineCommands[K]>>;

/** The commands that answer with a Result, so can be refused. */
export type RefusableCommand = {
  [K in keyof EngineCommands]: Answer<K> extends { status: "ok" | "error" } ? K : never;
}[keyof EngineCommands];

/** What the assistant does on its next turn: answer (a draft in drafts mode), hand over, or fail. */
export type AssistantTurn = {
  outcome: "answered" | "handoff" | "failed";
  /** The answer, or the reason it handed over or failed. */
  text: string;
  catalogueRows?: AssistantRun["catalogueRows"];
  language?: string | null;
};

export type MockBackend = Backend & {
  /** The next call of `command` answers `answer` (and does nothing else); calls queue up. */
  answerNext<K extends keyof EngineCommands>(command: K, answer: Answer<K>): void;
  /** The next call of `command` is refused with `error`, as the engine would refuse it. */
  failNext(command: RefusableCommand, error: ApiError): void;
  /** The assistant's next turn (instead of the demo's canned answer); turns queue up. */
  assistantNext(turn: AssistantTurn): void;
  /** Number of stored conversations. */
  size(): number;
  /** Sends an event to the listeners as the engine would (e.g. "resync"). */
  emitEvent(event: EngineEvent): void;
  /** Sends what the desktop shell would (a clicked notification). */
  emitShell(event: ShellEvent): void;
  /** Binds a work group as the bot's poller does when it is added to a group (or /bind). */
  bindWorkGroup(projectId: number, title: string, check?: Partial<WorkGroupCheck>): void;
  /** Changes the state of a project's bot as its poller would. */
  setBotState(projectId: number, state: BotState, lastError?: string | null): void;
  /** Changes the state of a mailbox as its receiver would. */
  setMailboxState(
    accountId: number,
    state: MailboxState,
    lastError?: MailError | null,
    progress?: ImportProgress | null,
  ): void;
  /** Changes the state of an Avito account as its poller would. */
  setAvitoState(accountId: number, state: AvitoState, lastError?: AvitoError | null): void;
  /** Moves a Telegram login on as the engine would (scanned, a password asked, connected…). */
  moveTelegramLogin(loginId: string, change: Partial<LoginAttempt>): void;
  /** The Telegram login attempts started. */
  telegramLogins(): LoginAttempt[];
  /** Moves a WhatsApp link attempt on as the engine would (a new QR code, linked, expired…). */
  moveWhatsappLink(loginId: string, change: Partial<LoginAttempt>): void;
  /** The WhatsApp link attempts started (and not cancelled). */
  whatsappLinks(): LoginAttempt[];
  /** A number linked as a device, as if linked through the dialog; its account id. */
  linkWhatsappNumber(projectId: number | null, phone: string, pushName: string | null): number;
  /** WhatsApp ended a number's link (unlinked from the phone), with its reason. */
  unlinkWhatsappNumber(accountId: number, reason: string): void;
  /**
   * A customer who wrote to a Cloud API number `agoMs` ago (its webhook); the
   * conversation's id. Older than a day, the reply window is closed.
   */
  whatsappCloudConversation(accountId: number, name: string, phone: string, text: string, agoMs: number): number;
  /** Someone opened the owner's link (no invite) or an invite in Telegram; their person id. */
  joinTeam(name: string, inviteId: number | null): number;
  /** Changes a stored message as the channel would tell it (a receipt, a reaction), with the engine's event. */
  updateMessage(messageId: number, change: Partial<Pick<Message, "delivery" | "readAt" | "reaction">>): void;
  /** Adds a note as an operator's /note in the work group does. */
  addNote(conversationId: number, authorName: string, text: string): void;
};

export const ok = <T>(data: T): Result<T, ApiError> => ({ status: "ok", data });

export const fail = <T>(code: ErrorCode, message: string): Result<T, ApiError> => ({
  status: "error",
  error: { code, message },
});

export const notFound = <T>(what: string): Result<T, ApiError> => fail("not_found", what);

export const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A message's fields but its ids, as it is stored. */
export type NewMessage = Omit<Message, "id" | "conversationId">;

/**
 * A message with the fields given and the rest of one just written: no
 * author's name, attachment or quote; not sent, edited, deleted, scheduled,
 * read, reacted to or assigned.
 */
export const newMessage = (
  fields: Pick<NewMessage, "direction" | "authorKind" | "text" | "createdAt"> & Partial<NewMessage>,
): NewMessage => ({
  authorName: null,
  attachments: [],
  delivery: null,
  deliveryError: null,
  sentAt: null,
  quoted: null,
  hasHtml: false,
  held: false,
  editedAt: null,
  originalText: null,
  editError: null,
  deletedAt: null,
  scheduledAt: null,
  readAt: null,
  reaction: null,
  assignedTo: null,
  ...fields,
});

/** A customer's message as a channel brings it. */
export const customerMessage = (text: string, createdAt: number): NewMessage =>
  newMessage({ direction: "in", authorKind: "customer", text, createdAt });

/** A reply stored as pending: to go now, or at `scheduledAt`. */
export const pendingReply = (
  authorKind: AuthorKind,
  text: string,
  attachments: Attachment[],
  quoted: string | null,
  createdAt: number,
  scheduledAt: number | null = null,
): NewMessage =>
  newMessage({
    direction: "out",
    authorKind,
    text,
    attachments: attachments.map((a) => ({ ...a })),
    delivery: "pending",
    createdAt,
    quoted,
    scheduledAt,
  });

/** The engine's state every part of the demo engine sees. */
export type MockCore = {
  locale: "ru" | "en";
  now: () => number;
  /** Sends an event to the window on a later tick, as the desktop shell does. */
  emit: (event: EngineEvent) => void;
  /** Every channel account, in creation order. */
  accounts: ChannelAccount[];
  /** Creates (and keeps) a new channel account. */
  addAccount: (kind: ChannelKind, name: string) => ChannelAccount;
  conversations: Map<number, ConversationSummary>;
  /** Says that conversations changed (the sorted list is built again). */
  touch: () => void;
  /** Moves an account (and its conversations) to a project, or out of any. */
  moveAccount: (accountId: number, projectId: number | null) => void;
};

/** What the Test chat and the assistant's parts of the demo engine need from the inbox. */
export type MockInbox = {
  /** Every conversation's messages, oldest first. */
  messages: Map<number, Message[]>;
  contacts: Map<number, Contact>;
  /** Stores an outgoing reply as pending and "sends" it a moment later; says so with the engine's events. */
  /** `quoted` is the text of the message the reply answers, as the engine shows it. */
  reply(
    conversationId: number,
    author: AuthorKind,
    text: string,
    attachments?: Attachment[],
    quoted?: string | null,
  ): Message;
  /** Sends a reply that is held; null when there is no such held reply. */
  release(messageId: number): Message | null;
};
