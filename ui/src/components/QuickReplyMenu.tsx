import { useLayoutEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { QuickReply } from "../api";

/** A quick reply's text in one short line. */
function preview(text: string, max = 110): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

/** The id of a quick reply's option in the list (the composer points at the active one). */
export const quickReplyOptionId = (listId: string, reply: QuickReply) => `${listId}-${reply.id}`;

/**
 * The quick replies offered above the composer while `/name` is typed: each
 * one's name and the start of its text, the active one marked; ↑/↓ move,
 * Enter or Tab inserts (the composer handles the keys), a click inserts.
 */
export function QuickReplyMenu({
  id,
  replies,
  active,
  query,
  loading,
  none,
  onHover,
  onChoose,
}: {
  id: string;
  /** The matching quick replies, the best first. */
  replies: QuickReply[];
  active: number;
  query: string;
  loading: boolean;
  /** There is no quick reply at all (not only none matching). */
  none: boolean;
  onHover: (index: number) => void;
  onChoose: (reply: QuickReply) => void;
}) {
  const { t } = useTranslation();
  const listRef = useRef<HTMLUListElement>(null);

  // The active one stays in view while ↑/↓ move through a long list.
  useLayoutEffect(() => {
    listRef.current?.querySelector<HTMLElement>('[aria-selected="true"]')?.scrollIntoView({ block: "nearest" });
  }, [active]);

  return (
    <div className="quick-replies-popup" data-testid="quick-replies-popup">
      <div className="quick-replies-popup-head">{t("quickReplies.popupTitle")}</div>
      {loading ? (
        <p className="quick-replies-popup-note">{t("quickReplies.loading")}</p>
      ) : replies.length === 0 ? (
        <p className="quick-replies-popup-note" data-testid="quick-replies-empty">
          {none || !query ? t("quickReplies.popupNone") : t("quickReplies.noMatch", { query })}
        </p>
      ) : (
        <ul ref={listRef} id={id} className="quick-replies-list" role="listbox" aria-label={t("quickReplies.popupTitle")}>
          {replies.map((reply, index) => (
            <li
              key={reply.id}
              id={quickReplyOptionId(id, reply)}
              role="option"
              aria-selected={index === active}
              className={`quick-reply-option${index === active ? " is-active" : ""}`}
              data-testid="quick-reply-option"
              data-name={reply.name}
              // The cursor stays in the composer.
              onMouseDown={(e) => e.preventDefault()}
              onMouseEnter={() => onHover(index)}
              onClick={() => onChoose(reply)}
            >
              <span className="quick-reply-option-name">/{reply.name}</span>
              <span className="quick-reply-option-text">{preview(reply.text)}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="quick-replies-popup-hint">{t("quickReplies.keys")}</div>
    </div>
  );
}
