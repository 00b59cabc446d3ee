import { useMemo } from "react";
import { api, type Label } from "./api";
import { useLiveList } from "./useLiveList";

export type LabelsState = {
  /** By name, as the engine lists them; null until the first load. */
  labels: Label[] | null;
  /** Every label by its id (empty until loaded). */
  byId: ReadonlyMap<number, Label>;
  /** Why the last load failed, if it did. */
  error: unknown;
  /** Puts a label the window just got from a command into the list. */
  apply: (label: Label) => void;
  /** Takes a label the window just deleted out of the list. */
  drop: (labelId: number) => void;
};

/** Labels sort by name whatever its case, as the engine sorts them. */
export const compareLabels = (a: Label, b: Label) =>
  a.name.toLocaleLowerCase().localeCompare(b.name.toLocaleLowerCase()) || a.id - b.id;

const labelSource = {
  load: () => api.listLabels(),
  // Made, changed or deleted, or put on and taken off conversations (the counts).
  reloadOn: (event: { type: string }) => event.type === "labels_changed",
  idOf: (label: Label) => label.id,
  compare: compareLabels,
};

/** The shop's labels, read again whenever the engine says they changed. */
export function useLabels(): LabelsState {
  const { items, error, apply, drop } = useLiveList(labelSource);
  const byId = useMemo(() => new Map((items ?? []).map((label) => [label.id, label])), [items]);
  return { labels: items, byId, error, apply, drop };
}
