import { useCallback, useEffect, useRef, useState } from "react";
import { MAX_BULK, type ConversationSummary } from "./api";

type Rows = {
  indexOf: (id: number) => number;
  rowAt: (index: number) => ConversationSummary | undefined;
  /** The rows loaded, in the list's order. */
  loaded: () => ConversationSummary[];
};

export type Selection = {
  /** The conversations chosen for a bulk action (at most MAX_BULK). */
  selected: ReadonlySet<number>;
  /** Ticks or unticks one; with Shift, ticks every loaded row from the last one ticked to this one. */
  toggle: (id: number, range: boolean) => void;
  /** Every loaded row (at most MAX_BULK). */
  selectAll: () => void;
  clear: () => void;
};

/**
 * The conversations ticked in the list for a bulk action. A new query (a
 * filter, the search, the order) starts with none.
 */
export function useSelection(rows: Rows, queryKey: string): Selection {
  const [selected, setSelected] = useState<ReadonlySet<number>>(() => new Set());
  /** The row ticked last: where a Shift-click's range starts. */
  const anchor = useRef<number | null>(null);
  const latest = useRef(rows);
  useEffect(() => {
    latest.current = rows;
  });

  useEffect(() => {
    setSelected((prev) => (prev.size ? new Set() : prev));
    anchor.current = null;
  }, [queryKey]);

  const toggle = useCallback((id: number, range: boolean) => {
    const { indexOf, rowAt } = latest.current;
    const from = anchor.current == null ? -1 : indexOf(anchor.current);
    const to = indexOf(id);
    if (range && from >= 0 && to >= 0) {
      const ids: number[] = [];
      for (let i = Math.min(from, to); i <= Math.max(from, to); i++) {
        const row = rowAt(i);
        if (row) ids.push(row.id);
      }
      setSelected((prev) => {
        const next = new Set(prev);
        for (const each of ids) if (next.size < MAX_BULK) next.add(each);
        return next;
      });
    } else {
      setSelected((prev) => {
        const next = new Set(prev);
        if (next.has(id)) next.delete(id);
        else if (next.size < MAX_BULK) next.add(id);
        return next;
      });
    }
    anchor.current = id;
  }, []);

  const selectAll = useCallback(() => {
    setSelected(new Set(latest.current.loaded().slice(0, MAX_BULK).map((row) => row.id)));
  }, []);

  const clear = useCallback(() => {
    setSelected((prev) => (prev.size ? new Set() : prev));
    anchor.current = null;
  }, []);

  return { selected, toggle, selectAll, clear };
}
