import { useEffect, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { errorText } from "../errors";
import { PlusIcon } from "./Icon";

/** What the right-hand pane shows: nothing chosen, a new item's form, or an item. */
export type Selection = { kind: "none" } | { kind: "new" } | { kind: "item"; id: number };

/**
 * The chosen item of a list the engine keeps. An item that goes away while it
 * is shown (removed here or elsewhere) takes the pane back to the list.
 */
export function useSelection<T>(items: T[] | null, idOf: (item: T) => number) {
  const [selection, setSelection] = useState<Selection>({ kind: "none" });
  const selected = selection.kind === "item" ? (items?.find((i) => idOf(i) === selection.id) ?? null) : null;
  const gone = selection.kind === "item" && items != null && selected == null;

  useEffect(() => {
    if (gone) setSelection({ kind: "none" });
  }, [gone]);

  return {
    selection,
    selected,
    select: (id: number) => setSelection({ kind: "item", id }),
    startNew: () => setSelection({ kind: "new" }),
    clear: () => setSelection({ kind: "none" }),
  };
}

type LayoutProps<T> = {
  title: string;
  testId: string;
  /** The button above the list that opens a new item's form. */
  add?: { label: string; testId: string; active: boolean; onClick: () => void };
  /** What the list starts with, above its items (entries that are not items). */
  before?: ReactNode;
  items: T[] | null;
  error: unknown;
  loadingText: string;
  idOf: (item: T) => number;
  renderRow: (item: T) => ReactNode;
  /** Changes when another item (or the new-item form) is shown: the pane opens at its top. */
  paneKey: string | number;
  /** The pane shows a form or an item (not a placeholder). */
  paneFilled: boolean;
  children: ReactNode;
};

/** A list on the left (projects, mailboxes, Avito accounts, the assistant's projects), the chosen item on the right. */
export function ListDetailLayout<T>({
  title,
  testId,
  add,
  before,
  items,
  error,
  loadingText,
  idOf,
  renderRow,
  paneKey,
  paneFilled,
  children,
}: LayoutProps<T>) {
  const { t } = useTranslation();
  const paneRef = useRef<HTMLElement>(null);
  useEffect(() => {
    paneRef.current?.scrollTo?.({ top: 0 });
  }, [paneKey]);

  return (
    <main className="projects-view" data-testid={testId} aria-label={title}>
      <section className="list-pane project-list-pane" aria-label={title}>
        <div className="project-list-head">
          <h2>{title}</h2>
          {add && (
            <button
              type="button"
              className={`button${add.active ? " is-active" : ""}`}
              data-testid={add.testId}
              onClick={add.onClick}
            >
              <PlusIcon size={14} />
              {add.label}
            </button>
          )}
        </div>
        <div className="project-list-body">
          {before}
          {items && items.length > 0 && (
            <ul className="project-list">
              {items.map((item) => (
                <li key={idOf(item)}>{renderRow(item)}</li>
              ))}
            </ul>
          )}
          {items == null && error == null && <div className="list-note">{loadingText}</div>}
          {items == null && error != null && (
            <div className="list-note list-note--error" role="alert">
              {errorText(error, t)}
            </div>
          )}
        </div>
      </section>
      <section ref={paneRef} className={`project-pane${paneFilled ? "" : " project-pane--placeholder"}`}>
        {children}
      </section>
    </main>
  );
}

/**
 * The pane before anything is chosen: what the list is for, and how to start.
 * `icon` carries the class "placeholder-icon".
 */
export function PanePlaceholder({
  icon,
  title,
  text,
  action,
  className,
  testId,
}: {
  icon: ReactNode;
  title: string;
  text: string;
  action?: { label: string; onClick: () => void };
  className?: string;
  testId?: string;
}) {
  return (
    <div className={`placeholder${className ? ` ${className}` : ""}`} data-testid={testId}>
      {icon}
      <h2>{title}</h2>
      <p>{text}</p>
      {action && (
        <button type="button" className="button button--primary" onClick={action.onClick}>
          <PlusIcon size={14} />
          {action.label}
        </button>
      )}
    </div>
  );
}
