import { api, type TelegramAccount } from "./api";
import { useLiveList, type LiveList } from "./useLiveList";

const source = {
  load: () => api.listTelegramAccounts(),
  reloadOn: (event: { type: string }) => event.type === "account_changed" || event.type === "project_changed",
  idOf: (account: TelegramAccount) => account.id,
  compare: (a: TelegramAccount, b: TelegramAccount) => a.name.localeCompare(b.name) || a.id - b.id,
};

/** Staff members' own Telegram accounts, read again when one changes. */
export function useTelegramAccounts(): LiveList<TelegramAccount> {
  return useLiveList(source);
}
