import { useCallback, useEffect, useRef, useState } from "react";
import { api, type ChannelAccount, type Project } from "./api";
import { useEngineEvents } from "./hooks";

export type ProjectsState = {
  /** Null until the first load. */
  projects: Project[] | null;
  accounts: ChannelAccount[] | null;
  /** Why the last load failed, if it did (what was loaded before stays). */
  error: unknown;
  /** Puts a project the window just got from a command into the list. */
  applyProject: (project: Project) => void;
  /** Takes a project the window just deleted out of the list. */
  removeProject: (projectId: number) => void;
};

function sortProjects(list: Project[]): Project[] {
  return [...list].sort(
    (a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id - b.id,
  );
}

/** Accounts as they are once `project` is what the engine says it is. */
function accountsWith(accounts: ChannelAccount[], project: Project): ChannelAccount[] {
  const sources = new Map(project.sources.map((a) => [a.id, a]));
  const next = accounts.map((a) => {
    const source = sources.get(a.id);
    if (source) return source;
    return a.projectId === project.id ? { ...a, projectId: null } : a;
  });
  for (const source of project.sources) if (!accounts.some((a) => a.id === source.id)) next.push(source);
  return next.sort((a, b) => a.id - b.id);
}

/**
 * The projects and the channel accounts, read again whenever the engine says
 * a project or a channel account (a bot, a mailbox, an Avito account) changed
 * (or that events were missed).
 */
export function useProjects(): ProjectsState {
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [accounts, setAccounts] = useState<ChannelAccount[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const request = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const load = useCallback(() => {
    const id = ++request.current;
    Promise.all([api.listProjects(), api.listChannelAccounts()])
      .then(([nextProjects, nextAccounts]) => {
        // A newer load, or a command's own answer, came after this one started.
        if (id !== request.current) return;
        setProjects(nextProjects);
        setAccounts(nextAccounts);
        setError(null);
      })
      .catch((reason: unknown) => {
        if (id === request.current) setError(reason);
      });
  }, []);

  useEffect(() => {
    load();
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, [load]);

  useEngineEvents((event) => {
    // A channel account added or removed is one a project can take as a source, and a
    // bot's state (online, offline…) comes as its account's change.
    const relevant = ["project_changed", "account_changed", "resync"];
    if (!relevant.includes(event.type)) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(load, 30);
  });

  const applyProject = useCallback((project: Project) => {
    // Loads already under way may predate this change: let them go.
    request.current += 1;
    setProjects((list) => sortProjects([...(list ?? []).filter((p) => p.id !== project.id), project]));
    setAccounts((list) => (list ? accountsWith(list, project) : list));
  }, []);

  const removeProject = useCallback((projectId: number) => {
    request.current += 1;
    setProjects((list) => (list ? list.filter((p) => p.id !== projectId) : list));
    setAccounts((list) =>
      list ? list.map((a) => (a.projectId === projectId ? { ...a, projectId: null } : a)) : list,
    );
  }, []);

  return { projects, accounts, error, applyProject, removeProject };
}
