import { api, type Account, type Project } from "./api";
import { useLiveList } from "./useLiveList";
import { useProjectList } from "./useProjectList";

export type AccountsState = {
  /** Null until the first load. */
  accounts: Account[] | null;
  /** The projects the accounts belong to, to name them (null until loaded). */
  projects: Project[] | null;
  /** Why the last load failed, if it did (what was loaded before stays). */
  error: unknown;
};

const accountSource = {
  load: () => api.listAccounts(),
  // A project's change can move an account into or out of it.
  reloadOn: (event: { type: string }) => event.type === "account_changed" || event.type === "project_changed",
  idOf: (account: Account) => account.id,
  compare: (a: Account, b: Account) => a.id - b.id,
};

/**
 * Every connected channel account of every kind with its state, read again
 * whenever the engine says an account or a project changed (or that events
 * were missed); and the projects, to name them.
 */
export function useAccounts(): AccountsState {
  const { items, error } = useLiveList(accountSource);
  const projects = useProjectList();

  return { accounts: items, projects, error };
}
