import { memo, type CSSProperties } from "react";
import { useTranslation } from "react-i18next";
import type { ConversationSummary } from "../api";
import { avatarHue, initials } from "../format";
import { ChannelBadge } from "./ChannelBadge";

type RowProps = {
  conversation: ConversationSummary;
  selected: boolean;
  onSelect: (id: number) => void;
  time: string;
  fullTime: string;
  language: string;
};

/** One conversation of the inbox list: who, when, the last message and who of the team has it. */
export const ConversationRow = memo(function ConversationRow({
  conversation: c,
  selected,
  onSelect,
  time,
  fullTime,
}: RowProps) {
  const { t } = useTranslation();
  const unread = c.unreadCount > 0;
  return (
    <div
      id={`conversation-${c.id}`}
      className={`row${selected ? " is-selected" : ""}${unread ? " is-unread" : ""}`}
      data-testid="conversation-row"
      data-conversation-id={c.id}
      data-status={c.status}
      role="option"
      aria-selected={selected}
      onClick={() => onSelect(c.id)}
    >
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
          <time className="row-time" dateTime={new Date(c.lastMessageAt).toISOString()} title={fullTime}>
            {time}
          </time>
        </div>
        <div className="row-bottom">
          <ChannelBadge kind={c.channelKind} />
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
