// What the parts of the in-memory engine (mock.ts, mock-projects.ts,
// mock-mail.ts, mock-avito.ts, mock-contacts.ts, mock-files.ts,
// mock-simulator.ts and the assistant's mock-assistant.ts, mock-catalogue.ts,
// mock-guard.ts) share: options, results and the state they all touch.
import type {
  ApiError,
  Attachment,
  AuthorKind,
  AvitoError,
  AvitoState,
  Backend,
  BotState,
  ChannelAccount,
  ChannelKind,
  Contact,
  ConversationStatus,
  ConversationSummary,
  EngineEvent,
  ErrorCode,
  ImportProgress,
  MailError,
  MailboxState,
  Message,
  Result,
  WorkGroupCheck,
} from "./api";

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
  /** How long a (re)started mailbox stays "connecting". */
  mailStartMs?: number;
  /** How long a new mailbox takes to import its existing mail. */
  mailImportMs?: number;
  /** How long checking a mailbox's servers takes. */
  mailProbeMs?: number;
  /** How long a new Avito account stays "connecting" (and a "Check now" takes). */
  avitoStartMs?: number;
  /**
   * How long the assistant "thinks" before it answers; an auto-reply goes
   * twice as late (the demo does not wait the configured delay).
   */
  assistantDelayMs?: number;
  /** How long each stage of a catalogue import takes. */
  catalogueStepMs?: number;
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
  /** Changes the state of a mailbox as its receiver would. */
  setMailboxState(
    accountId: number,
    state: MailboxState,
    lastError?: MailError | null,
    progress?: ImportProgress | null,
  ): void;
  /** Changes the state of an Avito account as its poller would. */
  setAvitoState(accountId: number, state: AvitoState, lastError?: AvitoError | null): void;
  /** Adds a note as an operator's /note in the work group does. */
  addNote(conversationId: number, authorName: string, text: string): void;
};

export const ok = <T>(data: T): Result<T, ApiError> => ({ status: "ok", data });

export const fail = <T>(code: ErrorCode, message: string): Result<T, ApiError> => ({
  status: "error",
  error: { code, message },
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
  /**
   * Stores an outgoing reply and sends it, or holds it when the outbox guard
   * does not allow it; says so with the engine's events.
   */
  reply(conversationId: number, author: AuthorKind, text: string, attachments?: Attachment[]): Message;
  /** Sends a reply the guard held; null when there is no such held reply. */
  release(messageId: number): Message | null;
  setStatus(conversationId: number, status: ConversationStatus): void;
};
