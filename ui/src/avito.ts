// How an Avito account's state reads on the Avito screens.
import type { AvitoAccount, AvitoState } from "./api";

/** The colour family of an Avito account's state badge. */
export function avitoStateTone(state: AvitoState): "ok" | "pending" | "warn" | "off" {
  switch (state) {
    case "online":
      return "ok";
    case "connecting":
      return "pending";
    case "offline":
      return "warn";
    default:
      return "off";
  }
}

/** The account's last problem, while it still stands (reading chats again clears it). */
export function currentProblem(account: AvitoAccount) {
  return account.state === "online" ? null : account.lastError;
}
