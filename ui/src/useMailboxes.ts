import { api, type Mailbox, type Project } from "./api";
import { useLiveList } from "./useLiveList";
import { useProjectList } from "./useProjectList";

export type MailboxesState = {
  /** Null until the first load. */
  mailboxes: Mailbox[] | null;
  /** The projects a mailbox can belong to (null until loaded). */
  projects: Project[] | null;
  /** Why the last load failed, if it did (what was loaded before stays). */
  error: unknown;
  /** Puts a mailbox the window just got from a command into the list. */
  applyMailbox: (mailbox: Mailbox) => void;
  /** Takes a mailbox the window just removed out of the list. */
  dropMailbox: (accountId: number) => void;
};

const mailboxSource = {
  load: () => api.listMailboxes(),
  // Any channel account's change: the event does not say its kind, and a new mailbox is not in the list yet.
  reloadOn: (event: { type: string }) => event.type === "account_changed",
  idOf: (mailbox: Mailbox) => mailbox.accountId,
  compare: (a: Mailbox, b: Mailbox) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.accountId - b.accountId),
};

/**
 * The mailboxes, read again whenever the engine says a channel account changed
 * (a mailbox's state, its import, its error) or that events were missed; and
 * the projects.
 */
export function useMailboxes(): MailboxesState {
  const { items, error, apply, drop } = useLiveList(mailboxSource);
  const projects = useProjectList();

  return { mailboxes: items, projects, error, applyMailbox: apply, dropMailbox: drop };
}
