import { useCallback, useEffect, useRef, useState } from "react";
import { api, type Mailbox, type Project } from "./api";
import { useEngineEvents } from "./hooks";

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

function sortMailboxes(list: Mailbox[]): Mailbox[] {
  return [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.accountId - b.accountId));
}

/**
 * The mailboxes, read again whenever the engine says one changed (its state,
 * its import, its error) or that events were missed; and the projects.
 */
export function useMailboxes(): MailboxesState {
  const [mailboxes, setMailboxes] = useState<Mailbox[] | null>(null);
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const request = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const load = useCallback(() => {
    const id = ++request.current;
    api
      .listMailboxes()
      .then((next) => {
        // A newer load, or a command's own answer, came after this one started.
        if (id !== request.current) return;
        setMailboxes(next);
        setError(null);
      })
      .catch((reason: unknown) => {
        if (id === request.current) setError(reason);
      });
  }, []);

  const loadProjects = useCallback(() => {
    api
      .listProjects()
      .then(setProjects)
      .catch((reason: unknown) => console.error("Could not load the projects", reason));
  }, []);

  useEffect(() => {
    load();
    loadProjects();
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, [load, loadProjects]);

  useEngineEvents((event) => {
    if (event.type === "project_changed" || event.type === "resync") loadProjects();
    if (event.type !== "mailbox_changed" && event.type !== "resync") return;
    // An import reports often: one read for a burst of events.
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(load, 30);
  });

  const applyMailbox = useCallback((mailbox: Mailbox) => {
    // Loads already under way may predate this change: let them go.
    request.current += 1;
    setMailboxes((list) => sortMailboxes([...(list ?? []).filter((m) => m.accountId !== mailbox.accountId), mailbox]));
  }, []);

  const dropMailbox = useCallback((accountId: number) => {
    request.current += 1;
    setMailboxes((list) => (list ? list.filter((m) => m.accountId !== accountId) : list));
  }, []);

  return { mailboxes, projects, error, applyMailbox, dropMailbox };
}
