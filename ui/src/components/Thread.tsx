import { Fragment, useLayoutEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type ChannelKind, type ConversationDetail, type ConversationSummary, type Message } from "../api";
import type { ConversationState } from "../useConversation";
import type { Team } from "../useTeam";
import { daysBetween, formatDayHeading } from "../format";
import { errorText } from "../errors";
import { useNow } from "../hooks";
import { AssigneeSelect } from "./Assignment";
import { ChannelBadge } from "./ChannelBadge";
import { Composer, type ReplyTarget } from "./Composer";
import { DraftCard } from "./DraftCard";
import { ListingCard } from "./ListingCard";
import { AlertIcon, ChatIcon, CheckIcon, InboxIcon } from "./Icon";
import { MessageBubble } from "./MessageBubble";
import { ReplyWindowBanner, useReplyWindow } from "./WhatsAppTemplates";

type Props = {
  state: ConversationState;
  applyMessage: (message: Message) => void;
  applySummary: (summary: ConversationSummary) => void;
  noConversations: boolean;
  onOpenTestChat: () => void;
  /** The team: with one, the conversation is assigned to one of its people. */
  team: Team;
};

export function ThreadPane({ state, applyMessage, applySummary, noConversations, onOpenTestChat, team }: Props) {
  const { t } = useTranslation();

  if (state.phase === "idle") {
    return (
      <section className="thread-pane thread-pane--placeholder" data-testid="thread-placeholder">
        {noConversations ? (
          <div className="placeholder">
            <ChatIcon size={40} className="placeholder-icon" />
            <h2>{t("thread.welcomeTitle")}</h2>
            <p>{t("thread.welcomeText")}</p>
            <button type="button" className="button button--primary" onClick={onOpenTestChat}>
              {t("empty.openTestChat")}
            </button>
          </div>
        ) : (
          <div className="placeholder">
            <InboxIcon size={40} className="placeholder-icon" />
            <h2>{t("thread.pickTitle")}</h2>
            <p>{t("thread.pickText")}</p>
          </div>
        )}
      </section>
    );
  }

  if (state.phase === "loading") {
    return (
      <section className="thread-pane thread-pane--placeholder" aria-busy="true">
        <div className="placeholder placeholder--quiet">{t("thread.loading")}</div>
      </section>
    );
  }

  if (state.phase === "failed") {
    return (
      <section className="thread-pane thread-pane--placeholder">
        <div className="placeholder" role="alert">
          <AlertIcon size={32} className="placeholder-icon placeholder-icon--error" />
          <p>{errorText(state.error, t)}</p>
        </div>
      </section>
    );
  }

  return (
    <Thread
      key={state.id}
      detail={state.detail}
      applyMessage={applyMessage}
      applySummary={applySummary}
      team={team}
    />
  );
}

function Thread({
  detail,
  applyMessage,
  applySummary,
  team,
}: {
  detail: ConversationDetail;
  applyMessage: (message: Message) => void;
  applySummary: (summary: ConversationSummary) => void;
  team: Team;
}) {
  const { t } = useTranslation();
  const { conversation, contact, messages, listing } = detail;
  const [statusBusy, setStatusBusy] = useState(false);
  // Why the last change of the conversation (its status, its assignee) was refused.
  const [actionError, setActionError] = useState<string | null>(null);
  const [fill, setFill] = useState<{ text: string } | null>(null);
  const [reply, setReply] = useState<ReplyTarget | null>(null);
  const closed = conversation.status === "closed";
  const last = messages[messages.length - 1];
  const messagesKey = `${messages.length}:${last?.id ?? 0}`;
  const replyWindow = useReplyWindow(conversation.id, conversation.channelKind, messagesKey);

  const changeStatus = async () => {
    setStatusBusy(true);
    setActionError(null);
    try {
      const next = await api.setConversationStatus(conversation.id, closed ? "awaiting_response" : "closed");
      applySummary(next);
    } catch (error) {
      setActionError(errorText(error, t));
    } finally {
      setStatusBusy(false);
    }
  };

  return (
    <section className="thread-pane" data-testid="thread" data-conversation-id={conversation.id}>
      <header className="thread-header">
        <div className="thread-title">
          <h1 className="thread-name">{contact.displayName || conversation.contactName}</h1>
          <div className="thread-sub">
            <ChannelBadge kind={conversation.channelKind} long />
            {conversation.channelName && conversation.channelName !== t(`channel.${conversation.channelKind}`) && (
              <span className="thread-channel-name">{conversation.channelName}</span>
            )}
            {conversation.subject && (
              <>
                <span className="sep" aria-hidden="true">
                  ·
                </span>
                <span className="thread-subject" title={conversation.subject}>
                  {conversation.subject}
                </span>
              </>
            )}
          </div>
        </div>
        <div className="thread-actions">
          <AssigneeSelect
            conversation={conversation}
            people={team.people}
            owner={team.owner}
            onAssigned={applySummary}
            onError={setActionError}
          />
          <span className={`status-pill status-pill--${conversation.status}`} data-testid="status-pill">
            <span className={`dot dot--${conversation.status}`} aria-hidden="true" />
            {t(`statusLong.${conversation.status}`)}
          </span>
          {closed ? (
            <button
              type="button"
              className="button"
              data-testid="status-reopen"
              onClick={changeStatus}
              disabled={statusBusy}
              title={t("thread.reopenHint")}
            >
              {t("thread.reopen")}
            </button>
          ) : (
            <button
              type="button"
              className="button"
              data-testid="status-close"
              onClick={changeStatus}
              disabled={statusBusy}
              title={t("thread.closeHint")}
            >
              <CheckIcon size={14} />
              {t("thread.close")}
            </button>
          )}
        </div>
        {listing && <ListingCard listing={listing} />}
      </header>
      {actionError != null && (
        <div className="inline-error" role="alert" data-testid="thread-error">
          {actionError}
          <button type="button" className="link-button" onClick={() => setActionError(null)}>
            {t("errors.dismiss")}
          </button>
        </div>
      )}

      <MessageList
        conversationId={conversation.id}
        channelKind={conversation.channelKind}
        messages={messages}
        onReply={(m) =>
          setReply({
            id: m.id,
            author: m.authorName || contact.displayName || conversation.contactName,
            text: m.text || m.attachments.map((a) => a.name).join(", "),
          })
        }
      />

      {closed && <div className="closed-banner">{t("thread.closedBanner")}</div>}
      {replyWindow.window && replyWindow.closed && (
        <ReplyWindowBanner
          conversationId={conversation.id}
          window={replyWindow.window}
          onSent={applyMessage}
          onChanged={replyWindow.refresh}
        />
      )}
      <DraftCard
        conversationId={conversation.id}
        messagesKey={messagesKey}
        onUse={(text) => setFill({ text })}
        onSent={applyMessage}
      />
      <Composer
        conversationId={conversation.id}
        onSent={applyMessage}
        fill={fill}
        reply={reply}
        onClearReply={() => setReply(null)}
      />
    </section>
  );
}

function MessageList({
  conversationId,
  channelKind,
  messages,
  onReply,
}: {
  conversationId: number;
  channelKind: ChannelKind;
  messages: Message[];
  onReply: (message: Message) => void;
}) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const now = useNow(60_000);
  const scrollRef = useRef<HTMLDivElement>(null);
  const nearBottom = useRef(true);
  const shown = useRef(0);

  // Stay at the newest message: on opening, and when one arrives while the reader is at the bottom
  // (or it is our own reply).
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const grew = messages.length > shown.current;
    const ownReply = messages.length > 0 && messages[messages.length - 1].direction === "out";
    if (shown.current === 0 || (grew && (nearBottom.current || ownReply))) {
      el.scrollTop = el.scrollHeight;
      nearBottom.current = true;
    }
    shown.current = messages.length;
  }, [messages, conversationId]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (el) nearBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  };

  return (
    <div className="messages" ref={scrollRef} onScroll={onScroll} role="log" aria-live="polite">
      {messages.length === 0 && <p className="messages-empty">{t("thread.noMessages")}</p>}
      {messages.map((m, i) => {
        const previous = messages[i - 1];
        const newDay = !previous || daysBetween(previous.createdAt, m.createdAt) !== 0;
        const grouped =
          !!previous &&
          !newDay &&
          previous.direction === m.direction &&
          previous.authorKind === m.authorKind &&
          m.createdAt - previous.createdAt < 5 * 60_000;
        return (
          <Fragment key={m.id}>
            {newDay && (
              <div className="day-divider">
                <span>{formatDayHeading(m.createdAt, now, t, language)}</span>
              </div>
            )}
            <MessageBubble
              message={m}
              grouped={grouped}
              language={language}
              channelKind={channelKind}
              onReply={channelKind === "email" ? undefined : onReply}
            />
          </Fragment>
        );
      })}
    </div>
  );
}
