// What the parts of the in-memory engine (mock.ts, mock-projects.ts,
// mock-mail.ts, mock-files.ts) share: results and the state they all touch.
import type {
  ApiError,
  ChannelAccount,
  ChannelKind,
  ConversationSummary,
  EngineEvent,
  ErrorCode,
  Result,
} from "./api";

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
