import { memo, type CSSProperties } from "react";
import { useTranslation } from "react-i18next";
import type { ConversationSummary, Label } from "../api";
import { avatarHue, formatFull, formatSoon, initials } from "../format";
import { ChannelBadge } from "./ChannelBadge";
import { ClockIcon, MoonIcon } from "./Icon";
import { LabelChips } from "./LabelChips";

type RowProps = {
  conversation: ConversationSummary;
  selected: boolean;
  onSelect: (id: number) => void;
  time: string;
  fullTime: string;
  language: string;
  /** Every label by id: the row shows its own. */
  labelsById?: ReadonlyMap<number, Label>;
  /** Ticked for a bulk action. */
  checked?: boolean;
  /** Some row is ticked: every row shows its box. */
  selecting?: boolean;
  /** Ticks or unticks the row; `range` with Shift held. */
  onCheck?: (id: number, range: boolean) => void;
  /** How long the customer has waited ("waiting 2 h"), in place of the time. */
  waiting?: string;
  /** When a snoozed conversation comes back, in place of the time. */
  snoozedUntil?: string;
};

/** One conversation of the inbox list: who, when, the last message and who of the team has it. */
export const ConversationRow = memo(function ConversationRow({
  conversation: c,
  selected,
  onSelect,
  time,
  fullTime,
  language,
  labelsById,
  checked = false,
  selecting = false,
  onCheck,
  waiting,
  snoozedUntil,
}: RowProps) {
  const { t } = useTranslation();
  const unread = c.unreadCount > 0;
  return (
    <div
      id={`conversation-${c.id}`}
      className={`row${selected ? " is-selected" : ""}${unread ? " is-unread" : ""}${checked ? " is-checked" : ""}${
        selecting ? " is-selecting" : ""
      }`}
      data-testid="conversation-row"
      data-conversation-id={c.id}
      data-status={c.status}
      role="option"
      aria-selected={selected}
      onClick={() => onSelect(c.id)}
    >
      {onCheck && (
        <span className="row-check" onClick={(e) => e.stopPropagation()}>
          <input
            type="checkbox"
            data-testid="row-check"
            checked={checked}
            aria-label={t("bulk.select", { name: c.contactName })}
            onChange={() => undefined}
            onClick={(e) => {
              e.stopPropagation();
              onCheck(c.id, e.shiftKey);
            }}
          />
        </span>
      )}
      <div className="avatar" style={{ "--hue": avatarHue(c.contactId) } as CSSProperties}>
        {initials(c.contactName)}
        <span
          className={`avatar-status dot dot--${c.status}`}
          title={t(`statusLong.${c.status}`)}
          aria-label={t(`statusLong.${c.status}`)}
        />
      </div>
      <div className="row-main">
        <div className="row-top">
          <span className="row-name">{c.contactName}</span>
          {c.assigneeName && (
            <span
              className="row-assignee"
              data-testid="row-assignee"
              title={t("assign.rowHint", { name: c.assigneeName })}
            >
              <span aria-hidden="true">→ </span>
              {c.assigneeName}
            </span>
          )}
          {labelsById && c.labelIds.length > 0 && <LabelChips ids={c.labelIds} byId={labelsById} max={2} />}
          {snoozedUntil ? (
            <span className="row-time row-snoozed" data-testid="row-snoozed" title={t("snooze.until", { time: snoozedUntil })}>
              <MoonIcon size={11} />
              {snoozedUntil}
            </span>
          ) : waiting ? (
            <span className="row-time row-waiting" data-testid="row-waiting" title={fullTime}>
              {t("list.waiting", { time: waiting })}
            </span>
          ) : (
            <time className="row-time" dateTime={new Date(c.lastMessageAt).toISOString()} title={fullTime}>
              {time}
            </time>
          )}
        </div>
        <div className="row-bottom">
          <ChannelBadge kind={c.channelKind} />
          {c.nextScheduledAt != null && (
            <ScheduledMark at={c.nextScheduledAt} language={language} />
          )}
          <span className="row-preview">
            {c.lastMessageDirection === "out" && <span className="row-you">{t("list.you")}</span>}
            {c.lastMessagePreview || t("list.noPreview")}
          </span>
          {unread && (
            <span className="unread-badge" title={t("list.unread", { n: c.unreadCount })}>
              {c.unreadCount > 99 ? "99+" : c.unreadCount}
            </span>
          )}
        </div>
      </div>
    </div>
  );
});

/** A reply scheduled for later waits in the conversation: a clock and when it goes. */
function ScheduledMark({ at, language }: { at: number; language: string }) {
  const { t } = useTranslation();
  const label = t("list.scheduled", { time: formatFull(at, language) });
  return (
    <span className="row-scheduled" data-testid="row-scheduled" role="img" aria-label={label} title={label}>
      <ClockIcon size={11} />
      <span aria-hidden="true">{formatSoon(at, Date.now(), language)}</span>
    </span>
  );
}
