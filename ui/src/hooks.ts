import { useEffect, useRef, useState } from "react";
import { api, subscribe, type EngineEvent, type StatusCounts } from "./api";

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
