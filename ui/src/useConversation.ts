import { useCallback, useEffect, useRef, useState } from "react";
import {
  api,
  subscribe,
  type ConversationDetail,
  type ConversationSummary,
  type Message,
} from "./api";

export type ConversationState =
  | { phase: "idle" }
  | { phase: "loading"; id: number }
  | { phase: "ready"; id: number; detail: ConversationDetail }
  | { phase: "failed"; id: number; error: unknown };

function upsertMessage(list: Message[], message: Message): Message[] {
  const index = list.findIndex((m) => m.id === message.id);
  if (index < 0) return [...list, message];
  // A reply scheduled for later joins the conversation when it goes: after what came meanwhile.
  if (list[index].scheduledAt != null && message.scheduledAt == null) {
    return [...list.slice(0, index), ...list.slice(index + 1), message];
  }
  const next = list.slice();
  next[index] = message;
  return next;
}

const withoutMessage = (list: Message[], messageId: number) => list.filter((m) => m.id !== messageId);

/**
 * The open conversation: loads it, marks it read, and keeps it current from
 * engine events (new and updated messages, status and summary changes, the
 * team's changes).
 */
export function useConversation(id: number | null) {
  const [state, setState] = useState<ConversationState>({ phase: "idle" });
  // Reads the open conversation again, keeping it on screen meanwhile.
  const reloadRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    if (id == null) {
      setState({ phase: "idle" });
      return;
    }
    let active = true;
    // Events that arrive while the conversation is loading are applied on top of it.
    const early: Message[] = [];
    const earlyRemoved = new Set<number>();
    let earlySummary: ConversationSummary | null = null;
    let loaded = false;

    setState({ phase: "loading", id });

    const load = () => {
      api
        .getConversation(id)
        .then((detail) => {
          if (!active) return;
          loaded = true;
          let messages = detail.messages;
          for (const m of early) messages = upsertMessage(messages, m);
          early.length = 0;
          messages = messages.filter((m) => !earlyRemoved.has(m.id));
          earlyRemoved.clear();
          const conversation = earlySummary ?? detail.conversation;
          earlySummary = null;
          setState({ phase: "ready", id, detail: { ...detail, conversation, messages } });
        })
        .catch((error: unknown) => {
          // A failed reload keeps what is on screen.
          if (active && !loaded) setState({ phase: "failed", id, error });
        });
    };

    // Notes are written in a project's work group (/note); the engine reports
    // one as a change of the conversation. Only the notes are read again, so
    // messages that arrived meanwhile stay.
    const refreshNotes = () => {
      api
        .getConversation(id)
        .then((detail) => {
          if (!active) return;
          setState((s) =>
            s.phase === "ready" && s.id === id ? { ...s, detail: { ...s.detail, notes: detail.notes } } : s,
          );
        })
        .catch(() => undefined);
    };

    // A person removed from the team leaves their conversations to nobody; the
    // engine reports it as a change of the team, so the summary is read again.
    const refreshSummary = () => {
      api
        .getConversation(id)
        .then((detail) => {
          if (!active) return;
          setState((s) =>
            s.phase === "ready" && s.id === id
              ? { ...s, detail: { ...s.detail, conversation: detail.conversation } }
              : s,
          );
        })
        .catch(() => undefined);
    };

    const unsubscribe = subscribe((event) => {
      if (!active) return;
      if (event.type === "resync") {
        // Some events were missed: read the conversation again.
        load();
      } else if (event.type === "message_added" || event.type === "message_updated") {
        const message = event.message;
        if (message.conversationId !== id) return;
        if (!loaded) {
          early.push(message);
          return;
        }
        setState((s) =>
          s.phase === "ready" && s.id === id
            ? { ...s, detail: { ...s.detail, messages: upsertMessage(s.detail.messages, message) } }
            : s,
        );
        if (event.type === "message_added" && message.direction === "in") {
          api.markRead(id).catch(() => undefined);
        }
      } else if (event.type === "message_removed") {
        // A reply scheduled for later was cancelled.
        if (event.conversation_id !== id) return;
        if (!loaded) {
          earlyRemoved.add(event.message_id);
          return;
        }
        setState((s) =>
          s.phase === "ready" && s.id === id
            ? { ...s, detail: { ...s.detail, messages: withoutMessage(s.detail.messages, event.message_id) } }
            : s,
        );
      } else if (event.type === "conversation_changed") {
        const conversation = event.conversation;
        if (conversation.id !== id) return;
        if (!loaded) {
          earlySummary = conversation;
          return;
        }
        setState((s) =>
          s.phase === "ready" && s.id === id ? { ...s, detail: { ...s.detail, conversation } } : s,
        );
        if (conversation.projectId != null) refreshNotes();
      } else if (event.type === "team_changed" && loaded) {
        refreshSummary();
      }
    });

    load();
    api.markRead(id).catch(() => undefined);
    reloadRef.current = load;

    return () => {
      active = false;
      reloadRef.current = () => undefined;
      unsubscribe();
    };
  }, [id]);

  /**
   * Adds a message the window already has (the reply just sent) unless an
   * engine event brought it first; events always carry the newer state.
   */
  const applyMessage = useCallback((message: Message) => {
    setState((s) =>
      s.phase === "ready" &&
      s.id === message.conversationId &&
      !s.detail.messages.some((m) => m.id === message.id)
        ? { ...s, detail: { ...s.detail, messages: [...s.detail.messages, message] } }
        : s,
    );
  }, []);

  /** Puts a message the window just changed (a scheduled reply edited) in place of the one shown. */
  const updateMessage = useCallback((message: Message) => {
    setState((s) =>
      s.phase === "ready" && s.id === message.conversationId
        ? { ...s, detail: { ...s.detail, messages: upsertMessage(s.detail.messages, message) } }
        : s,
    );
  }, []);

  /** Takes away a message that is gone (a scheduled reply cancelled), unless its event did already. */
  const removeMessage = useCallback((message: Message) => {
    setState((s) =>
      s.phase === "ready" && s.id === message.conversationId
        ? { ...s, detail: { ...s.detail, messages: withoutMessage(s.detail.messages, message.id) } }
        : s,
    );
  }, []);

  const applySummary = useCallback((conversation: ConversationSummary) => {
    setState((s) =>
      s.phase === "ready" && s.id === conversation.id ? { ...s, detail: { ...s.detail, conversation } } : s,
    );
  }, []);

  /** Reads the conversation again (its contact changed: merged with another one). */
  const reload = useCallback(() => reloadRef.current(), []);

  return { state, applyMessage, applySummary, updateMessage, removeMessage, reload };
}
