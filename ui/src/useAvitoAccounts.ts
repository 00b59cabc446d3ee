import { api, type AvitoAccount } from "./api";
import { useLiveList, type LiveList } from "./useLiveList";

const avitoSource = {
  load: () => api.listAvitoAccounts(),
  // Any channel account's change: the event does not say its kind, and a new account is not in the list yet.
  reloadOn: (event: { type: string }) => event.type === "account_changed",
  idOf: (account: AvitoAccount) => account.id,
  compare: (a: AvitoAccount, b: AvitoAccount) =>
    a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id - b.id,
};

/**
 * The connected Avito accounts, read again whenever the engine says a channel
 * account changed (an account's state, its error, its webhook) or that events
 * were missed.
 */
export function useAvitoAccounts(): LiveList<AvitoAccount> {
  return useLiveList(avitoSource);
}
