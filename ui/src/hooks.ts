import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, subscribe, type EngineEvent, type StatusCounts } from "./api";
import { apiMessage } from "./errors";

/** Runs `handler` for each engine event; the latest handler is always used. */
export function useEngineEvents(handler: (event: EngineEvent) => void): void {
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => subscribe((event) => latest.current(event)), []);
}

export function useDebounced<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

/** The current time, refreshed every `everyMs` so relative times stay true. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** Conversation counts per status, refreshed whenever the engine reports a change. */
export function useStatusCounts(): StatusCounts | null {
  const [counts, setCounts] = useState<StatusCounts | null>(null);
  const request = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const refresh = useRef(() => {
    const id = ++request.current;
    api
      .statusCounts()
      .then((next) => {
        if (id === request.current) setCounts(next);
      })
      .catch((error: unknown) => console.error("Could not load status counts", error));
  });

  useEffect(() => {
    refresh.current();
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);

  useEngineEvents(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => refresh.current(), 30);
  });

  return counts;
}

/**
 * One engine call at a time for a form or a button: `busy` while it runs, and
 * its failure as the person reads it. Safe when the component goes away
 * before the call ends (a deleted project).
 */
export function useAction() {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(
    async (action: () => Promise<void>) => {
      setBusy(true);
      setError(null);
      try {
        await action();
      } catch (reason) {
        if (mounted.current) setError(apiMessage(reason, t));
      } finally {
        if (mounted.current) setBusy(false);
      }
    },
    [t],
  );
  return { busy, error, run };
}
