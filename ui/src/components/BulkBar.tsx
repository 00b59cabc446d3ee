import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, MAX_BULK, type ConversationSummary, type Label } from "../api";
import { apiMessage } from "../errors";
import { Dropdown } from "./Dropdown";
import { CheckIcon, CrossIcon, TagIcon } from "./Icon";
import { LabelDot } from "./LabelChips";
import { SnoozeMenu } from "./SnoozeMenu";

/**
 * In place of the list's header while conversations are ticked: how many,
 * Close (Reopen in the Closed tab), Label ▾ (put on or take off), Snooze ▾
 * (Unsnooze too in the Snoozed tab), and Clear selection (also Escape).
 */
export function BulkBar({
  ids,
  rows,
  labels,
  closedTab,
  snoozedTab,
  onDone,
  onClear,
}: {
  ids: number[];
  /** The ticked rows that are loaded (their labels). */
  rows: ConversationSummary[];
  labels: Label[] | null;
  /** The list shows closed conversations: the bar reopens them. */
  closedTab: boolean;
  /** The list shows snoozed conversations: the bar brings them back too. */
  snoozedTab: boolean;
  /** An action that moves the conversations out of the list ended: the selection goes. */
  onDone: () => void;
  onClear: () => void;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const run = async (action: () => Promise<unknown>, done: boolean) => {
    setBusy(true);
    setProblem(null);
    try {
      await action();
      if (done) onDone();
    } catch (error) {
      setProblem(apiMessage(error, t));
    } finally {
      setBusy(false);
    }
  };

  /** How many of the ticked (loaded) rows carry the label. */
  const carrying = (label: Label) => rows.filter((r) => r.labelIds.includes(label.id)).length;

  return (
    <div className="bulk-bar" role="toolbar" aria-label={t("bulk.label")} data-testid="bulk-bar">
      <div className="bulk-bar-line">
        <span className="bulk-count" data-testid="bulk-count" aria-live="polite">
          {t("bulk.selected", { n: ids.length })}
        </span>
        <button
          type="button"
          className="icon-button bulk-clear"
          data-testid="bulk-clear"
          aria-label={t("bulk.clear")}
          title={t("bulk.clearHint")}
          onClick={onClear}
        >
          <CrossIcon size={12} />
        </button>
      </div>
      <div className="bulk-bar-line bulk-actions">
        <button
          type="button"
          className="button"
          data-testid="bulk-close"
          disabled={busy}
          onClick={() =>
            void run(() => api.setConversationsStatus(ids, closedTab ? "awaiting_response" : "closed"), true)
          }
        >
          {!closedTab && <CheckIcon size={14} />}
          {closedTab ? t("thread.reopen") : t("thread.close")}
        </button>
        <Dropdown
          label={t("bulk.labelMenu")}
          testId="bulk-label"
          align="left"
          disabled={busy}
          content={
            <>
              <TagIcon size={14} />
              {t("labels.button")}
            </>
          }
        >
          {(close) => (
            <>
              <div className="menu-title">{t("bulk.labelMenu")}</div>
              {labels != null && labels.length === 0 && <p className="menu-note">{t("labels.noneYet")}</p>}
              {labels?.map((label) => {
                const n = carrying(label);
                const all = rows.length > 0 && n === rows.length;
                return (
                  <button
                    key={label.id}
                    type="button"
                    role="menuitemcheckbox"
                    aria-checked={all ? true : n > 0 ? "mixed" : false}
                    className="menu-item"
                    data-testid="bulk-label-option"
                    data-label-id={label.id}
                    title={all ? t("bulk.labelOff", { name: label.name }) : t("bulk.labelOn", { name: label.name })}
                    onClick={() => {
                      close();
                      void run(() => api.labelConversations(ids, label.id, !all), false);
                    }}
                  >
                    <span className="menu-check" aria-hidden="true">
                      {all ? "✓" : n > 0 ? "–" : ""}
                    </span>
                    <LabelDot color={label.color} />
                    <span className="menu-item-text">{label.name}</span>
                  </button>
                );
              })}
            </>
          )}
        </Dropdown>
        <SnoozeMenu
          testId="bulk-snooze"
          align="left"
          disabled={busy}
          onSnooze={(until) => void run(() => api.snoozeConversations(ids, until), true)}
          onUnsnooze={snoozedTab ? () => void run(() => api.snoozeConversations(ids, null), true) : undefined}
        />
      </div>
      {ids.length >= MAX_BULK && (
        <p className="bulk-note" data-testid="bulk-limit">
          {t("bulk.limit", { n: MAX_BULK })}
        </p>
      )}
      {problem && (
        <p className="bulk-note bulk-note--error" role="alert" data-testid="bulk-error">
          {problem}
        </p>
      )}
    </div>
  );
}
