import { useCallback, useEffect, useRef, useState } from "react";
import {
  api,
  type AssistantRun,
  type AssistantSettings,
  type Catalogue,
  type EngineEvent,
  type OutboxGuard,
  type TestChat,
} from "./api";
import { useEngineEvents } from "./hooks";

export type EngineValue<T> = {
  /** Undefined until the first load. */
  value: T | undefined;
  /** Why the last load failed, if it did (what was loaded before stays). */
  error: unknown;
  /** Puts what a command just answered in place of the loaded value. */
  apply: (value: T) => void;
  reload: () => void;
};

/**
 * One thing the engine keeps, read when `key` changes and again whenever an
 * event says it changed (or that events were missed). Bursts of events cause
 * one read.
 */
export function useEngineValue<T>(
  load: () => Promise<T>,
  reloadOn: (event: EngineEvent) => boolean,
  key: unknown,
): EngineValue<T> {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const request = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef({ load, reloadOn });
  useEffect(() => {
    latest.current = { load, reloadOn };
  });

  const reload = useCallback(() => {
    const id = ++request.current;
    latest.current
      .load()
      .then((next) => {
        if (id !== request.current) return;
        setValue(next);
        setError(null);
      })
      .catch((reason: unknown) => {
        if (id === request.current) setError(reason);
      });
  }, []);

  useEffect(() => {
    setValue(undefined);
    setError(null);
    reload();
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, [key, reload]);

  useEngineEvents((event) => {
    if (event.type !== "resync" && !latest.current.reloadOn(event)) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(reload, 30);
  });

  const apply = useCallback((next: T) => {
    // Loads already under way may predate this change: let them go.
    request.current += 1;
    setValue(next);
    setError(null);
  }, []);

  return { value, error, apply, reload };
}

/** A project's assistant, auto-reply and persona (the defaults when never saved), kept current. */
export function useAssistantSettings(projectId: number): EngineValue<AssistantSettings> {
  return useEngineValue(
    () => api.assistantSettings(projectId),
    (e) => (e.type === "assistant_changed" && e.project_id === projectId) || e.type === "project_changed",
    projectId,
  );
}

/** A project's catalogue (null when it has none), kept current. */
export function useCatalogue(projectId: number): EngineValue<Catalogue | null> {
  return useEngineValue(
    () => api.getCatalogue(projectId),
    (e) => e.type === "assistant_changed" && e.project_id === projectId,
    projectId,
  );
}

export function useOutboxGuard(): EngineValue<OutboxGuard> {
  return useEngineValue(
    () => api.outboxGuard(),
    (e) => e.type === "guard_changed",
    "guard",
  );
}

/** Which project the Test chat speaks for. */
export function useTestChat(): EngineValue<TestChat> {
  return useEngineValue(
    () => api.testChat(),
    (e) => e.type === "project_changed",
    "test-chat",
  );
}

/** What the assistant did in a conversation (none while there is no conversation). */
export function useAssistantRuns(conversationId: number | null): AssistantRun[] {
  const { value } = useEngineValue(
    () => (conversationId == null ? Promise.resolve([]) : api.assistantRuns(conversationId)),
    (e) =>
      (e.type === "assistant_run" && e.run.conversationId === conversationId) ||
      (e.type === "message_added" && e.message.conversationId === conversationId),
    conversationId,
  );
  return value ?? [];
}

/**
 * The reply the assistant suggests in a conversation, read again when it
 * drafts or a draft is dismissed, and when `messagesKey` changes (a message
 * came or went out).
 */
export function useAssistantDraft(conversationId: number, messagesKey: unknown): EngineValue<AssistantRun | null> {
  const draft = useEngineValue(
    () => api.assistantDraft(conversationId),
    (e) => e.type === "assistant_run" && e.run.conversationId === conversationId,
    conversationId,
  );
  const { reload } = draft;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    reload();
  }, [messagesKey, reload]);
  return draft;
}
