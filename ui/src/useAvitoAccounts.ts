import { api, type AvitoAccount } from "./api";
import { useLiveList, type LiveList } from "./useLiveList";

const avitoSource = {
  load: () => api.listAvitoAccounts(),
  reloadOn: (event: { type: string }) => event.type === "avito_changed",
  idOf: (account: AvitoAccount) => account.id,
  compare: (a: AvitoAccount, b: AvitoAccount) =>
    a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id - b.id,
};

/**
 * The connected Avito accounts, read again whenever the engine says one
 * changed (its state, its error, its webhook) or that events were missed.
 */
export function useAvitoAccounts(): LiveList<AvitoAccount> {
  return useLiveList(avitoSource);
}
