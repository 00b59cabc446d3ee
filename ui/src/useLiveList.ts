import { useCallback, useEffect, useRef, useState } from "react";
import type { EngineEvent } from "./api";
import { useEngineEvents } from "./hooks";

export type LiveList<T> = {
  /** Null until the first load. */
  items: T[] | null;
  /** Why the last load failed, if it did (what was loaded before stays). */
  error: unknown;
  /** Puts an item the window just got from a command into the list. */
  apply: (item: T) => void;
  /** Takes an item the window just removed out of the list. */
  drop: (id: number) => void;
};

type Source<T> = {
  load: () => Promise<T[]>;
  /** The engine events after which the list is read again ("resync" always is). */
  reloadOn: (event: EngineEvent) => boolean;
  idOf: (item: T) => number;
  /** The list's order, as the engine sorts it. */
  compare: (a: T, b: T) => number;
};

/**
 * A list of things the engine keeps (mailboxes, Avito accounts), read again
 * whenever the engine says one changed or that events were missed. Bursts of
 * events (an import's progress) cause one read.
 */
export function useLiveList<T>(source: Source<T>): LiveList<T> {
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const request = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // The source's functions are read when used, so callers need not keep them stable.
  const latest = useRef(source);
  useEffect(() => {
    latest.current = source;
  });

  const load = useCallback(() => {
    const id = ++request.current;
    latest.current
      .load()
      .then((next) => {
        // A newer load, or a command's own answer, came after this one started.
        if (id !== request.current) return;
        setItems(next);
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
    if (event.type !== "resync" && !latest.current.reloadOn(event)) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(load, 30);
  });

  const apply = useCallback((item: T) => {
    // Loads already under way may predate this change: let them go.
    request.current += 1;
    const { idOf, compare } = latest.current;
    setItems((list) => [...(list ?? []).filter((i) => idOf(i) !== idOf(item)), item].sort(compare));
  }, []);

  const drop = useCallback((id: number) => {
    request.current += 1;
    const { idOf } = latest.current;
    setItems((list) => (list ? list.filter((i) => idOf(i) !== id) : list));
  }, []);

  return { items, error, apply, drop };
}
