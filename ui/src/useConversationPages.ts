import { useCallback, useEffect, useRef, useState } from "react";
import {
  api,
  type AssigneeFilter,
  type ChannelKind,
  type ConversationSort,
  type ConversationStatus,
  type ConversationSummary,
} from "./api";

export const PAGE_SIZE = 100;

export type ListQuery = {
  status: ConversationStatus | null;
  channel: ChannelKind | null;
  /** The owner's conversations, or those assigned to nobody. */
  assignee: AssigneeFilter | null;
  search: string | null;
  /** Only conversations with this label. */
  labelId?: number | null;
  /** Only this customer's conversations. */
  contactId?: number | null;
  /** From this time on (the latest message's, or the matching message's when searching). */
  since?: number | null;
  /** Before this time. */
  until?: number | null;
  /** The snoozed conversations instead of the others. */
  snoozed?: boolean;
  /** Latest first when not given. */
  sort?: ConversationSort | null;
};

type Page = { epoch: number; generation: number; items: ConversationSummary[] };

type Store = {
  /** Bumped when the query changes: older answers are dropped. */
  epoch: number;
  /** Bumped when the engine reports a change: older pages are shown but refetched. */
  generation: number;
  totalGeneration: number;
  pages: Map<number, Page>;
  inflight: Map<number, { epoch: number; generation: number }>;
  range: [number, number];
};

/**
 * A page cache over listConversations for a virtualized list. Pages are fetched
 * on demand for the visible range; `invalidate` refetches what is on screen and
 * lets the rest refresh when it scrolls back into view.
 */
export function useConversationPages(query: ListQuery) {
  const store = useRef<Store>({
    epoch: 0,
    generation: 0,
    totalGeneration: 0,
    pages: new Map(),
    inflight: new Map(),
    range: [0, 0],
  });
  const queryRef = useRef(query);
  const [total, setTotal] = useState<number | null>(null);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<unknown>(null);

  const fetchPage = useCallback((page: number) => {
    const s = store.current;
    const { epoch, generation } = s;
    const running = s.inflight.get(page);
    if (running && running.epoch === epoch && running.generation >= generation) return;
    s.inflight.set(page, { epoch, generation });
    api
      .listConversations({ ...queryRef.current, offset: page * PAGE_SIZE, limit: PAGE_SIZE })
      .then((result) => {
        const current = s.inflight.get(page);
        if (current && current.epoch === epoch && current.generation === generation) s.inflight.delete(page);
        if (epoch !== s.epoch) return;
        // The first answer for a new query replaces everything kept from the old one.
        for (const [key, value] of s.pages) if (value.epoch !== epoch) s.pages.delete(key);
        const cached = s.pages.get(page);
        if (cached && cached.generation > generation) return;
        s.pages.set(page, { epoch, generation, items: result.items });
        if (generation >= s.totalGeneration) {
          s.totalGeneration = generation;
          setTotal(result.total);
        }
        setError(null);
        setVersion((v) => v + 1);
      })
      .catch((reason: unknown) => {
        const current = s.inflight.get(page);
        if (current && current.epoch === epoch && current.generation === generation) s.inflight.delete(page);
        if (epoch === s.epoch) setError(reason);
      });
  }, []);

  /** Makes sure rows `start..end` are loaded and current. */
  const ensureRange = useCallback(
    (start: number, end: number) => {
      const s = store.current;
      s.range = [start, end];
      const first = Math.floor(Math.max(0, start) / PAGE_SIZE);
      const last = Math.floor(Math.max(start, end, 0) / PAGE_SIZE);
      for (let page = first; page <= last; page++) {
        const cached = s.pages.get(page);
        if (!cached || cached.epoch !== s.epoch || cached.generation < s.generation) fetchPage(page);
      }
    },
    [fetchPage],
  );

  /** The engine changed something: refetch the rows on screen. */
  const invalidate = useCallback(() => {
    const s = store.current;
    s.generation += 1;
    ensureRange(s.range[0], s.range[1]);
  }, [ensureRange]);

  const key = [
    query.status,
    query.channel,
    query.assignee,
    query.search,
    query.labelId,
    query.contactId,
    query.since,
    query.until,
    query.snoozed ? "snoozed" : "",
    query.sort,
  ]
    .map((part) => part ?? "")
    .join("|");
  const lastKey = useRef(key);
  useEffect(() => {
    queryRef.current = query;
    if (lastKey.current === key) return;
    lastKey.current = key;
    const s = store.current;
    s.epoch += 1;
    s.generation += 1;
    s.totalGeneration = s.generation;
    s.inflight.clear();
    s.range = [0, 0];
    fetchPage(0);
    // `key` stands for `query`: a new object with the same fields is the same query.
  }, [key, fetchPage]);

  const rowAt = useCallback((index: number): ConversationSummary | undefined => {
    const page = store.current.pages.get(Math.floor(index / PAGE_SIZE));
    return page?.items[index % PAGE_SIZE];
  }, []);

  const indexOf = useCallback((id: number): number => {
    for (const [number, page] of store.current.pages) {
      if (page.epoch !== store.current.epoch) continue;
      const at = page.items.findIndex((c) => c.id === id);
      if (at >= 0) return number * PAGE_SIZE + at;
    }
    return -1;
  }, []);

  /** The rows loaded for the current query, in the list's order (gaps left out). */
  const loaded = useCallback((): ConversationSummary[] => {
    const s = store.current;
    return [...s.pages.entries()]
      .filter(([, page]) => page.epoch === s.epoch)
      .sort(([a], [b]) => a - b)
      .flatMap(([, page]) => page.items);
  }, []);

  // Nothing is on screen before the first answer, so ask for the first page.
  useEffect(() => {
    fetchPage(0);
  }, [fetchPage]);

  return { total, version, error, ensureRange, invalidate, rowAt, indexOf, loaded };
}
