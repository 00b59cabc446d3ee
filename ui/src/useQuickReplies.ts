import { useCallback } from "react";
import { api, type QuickReply } from "./api";
import { PLACEHOLDERS } from "./assistant";
import { useEngineValue, type EngineValue } from "./useAssistant";

/** The placeholders a quick reply may hold: the persona's, and the customer's name. */
export const QUICK_REPLY_PLACEHOLDERS = [...PLACEHOLDERS, "CUSTOMER_NAME"] as const;

/** The longest name (what follows `/`), as the engine keeps it. */
export const QUICK_REPLY_NAME_MAX = 32;

/** A name as the engine keeps it: no leading `/`, lower case. */
export const cleanQuickReplyName = (name: string) => name.trim().replace(/^\/+/, "").toLowerCase();

/** Whether the engine takes a name: letters (any script), digits, `_` and `-`, up to 32. */
export function validQuickReplyName(name: string): boolean {
  const clean = cleanQuickReplyName(name);
  return clean.length > 0 && [...clean].length <= QUICK_REPLY_NAME_MAX && /^[\p{L}\p{N}_-]+$/u.test(clean);
}

/**
 * The quick replies shown for what follows `/`: those whose name holds the
 * query, the names that start with it first, then those whose text holds it;
 * each group in the engine's order (by name).
 */
export function matchQuickReplies(replies: QuickReply[], query: string): QuickReply[] {
  const needle = query.trim().toLowerCase();
  if (!needle) return replies;
  const starts: QuickReply[] = [];
  const names: QuickReply[] = [];
  const texts: QuickReply[] = [];
  for (const reply of replies) {
    const name = reply.name.toLowerCase();
    if (name.startsWith(needle)) starts.push(reply);
    else if (name.includes(needle)) names.push(reply);
    else if (reply.text.toLowerCase().includes(needle)) texts.push(reply);
  }
  return [...starts, ...names, ...texts];
}

/**
 * Quick replies, read again whenever the engine says they changed: those a
 * project's conversation may use (its own and every project's), or every one
 * (`"all"`, the Settings card). A conversation in no project uses only those
 * of every project, as the engine's `/q name` in a topic does.
 */
export function useQuickReplies(projectId: number | null | "all"): EngineValue<QuickReply[]> {
  const load = useCallback(async () => {
    if (projectId === "all") return api.listQuickReplies(null);
    const list = await api.listQuickReplies(projectId);
    return list.filter((r) => r.projectId == null || r.projectId === projectId);
  }, [projectId]);
  return useEngineValue(load, (event) => event.type === "quick_replies_changed", projectId);
}
