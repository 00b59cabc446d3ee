// How a channel account's state reads on the Accounts screen: one model, the
// same words and colours for every kind.
import type { Account, AccountState } from "./api";

/** The colour family of an account's state badge (the same for every kind). */
export function accountStateTone(state: AccountState): "ok" | "pending" | "warn" | "off" | "none" {
  switch (state) {
    case "connected":
      return "ok";
    case "connecting":
      return "pending";
    case "offline":
      return "warn";
    case "bad_credentials":
    case "error":
      return "off";
    default:
      return "none";
  }
}

/**
 * The kinds' own words that say no more than the state does (a bot "online"
 * is connected; a mailbox "offline" with a refused password has bad credentials).
 */
const NOTHING_MORE = new Set(["connecting", "online", "offline", "unauthorized", "stopped"]);

/** The kind's finer word for the state ("importing", "conflict", "tariff"…), when it says more than the state. */
export function accountDetail(account: Account): string | null {
  const { state, detail } = account.status;
  if (!detail || detail === state || NOTHING_MORE.has(detail)) return null;
  return detail;
}
