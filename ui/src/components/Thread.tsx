import { Fragment, useContext, useImperativeHandle, useLayoutEffect, useMemo, useRef, useState, type Ref } from "react";
import { useTranslation } from "react-i18next";
import { api, type ChannelKind, type ConversationDetail, type ConversationSummary, type Message } from "../api";
import type { ConversationState } from "../useConversation";
import type { Team } from "../useTeam";
import { daysBetween, formatDayHeading } from "../format";
import { errorText } from "../errors";
import { useNow } from "../hooks";
import { InboxContext } from "../inboxContext";
import { AssigneeSelect } from "./Assignment";
import { ChannelBadge } from "./ChannelBadge";
import { ConversationTools } from "./ConversationTools";
import { Composer, type ReplyTarget } from "./Composer";
import { DraftCard } from "./DraftCard";
import { ListingCard } from "./ListingCard";
import { AlertIcon, ChatIcon, CheckIcon, InboxIcon } from "./Icon";
import { MessageBubble } from "./MessageBubble";
import { ScheduledBanner, ScheduledReply, scheduledReplies } from "./ScheduledReply";
import { ReplyWindowBanner, useReplyWindow } from "./WhatsAppTemplates";

type Props = {
  state: ConversationState;
  applyMessage: (message: Message) => void;
  applySummary: (summary: ConversationSummary) => void;
  /** Puts a changed message in place (a reply edited, scheduled or sent). */
  updateMessage?: (message: Message) => void;
  /** Takes a message away (a scheduled reply cancelled). */
  removeMessage?: (message: Message) => void;
  noConversations: boolean;
  onOpenTestChat: () => void;
  /** The team: with one, the conversation is assigned to one of its people. */
  team: Team;
  /** What the keyboard shortcuts do with the open conversation. */
  handle?: Ref<ThreadHandle>;
};

/** The open conversation's part in the keyboard shortcuts (useShortcuts). */
export type ThreadHandle = {
  /** Closes the conversation, as its Close button does; nothing when it is closed already. */
  close: () => void;
  /** Puts the cursor in the composer. */
  focusComposer: () => void;
};

export function ThreadPane({
  state,
  applyMessage,
  applySummary,
  updateMessage = noMessageChange,
  removeMessage = noMessageChange,
  noConversations,
  onOpenTestChat,
  team,
  handle,
}: Props) {
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
      updateMessage={updateMessage}
      removeMessage={removeMessage}
      team={team}
      handle={handle}
    />
  );
}

/** Without a way to change the shown messages, the engine's events change them. */
const noMessageChange = () => undefined;

function Thread({
  detail,
  applyMessage,
  applySummary,
  updateMessage,
  removeMessage,
  team,
  handle,
}: {
  detail: ConversationDetail;
  applyMessage: (message: Message) => void;
  applySummary: (summary: ConversationSummary) => void;
  updateMessage: (message: Message) => void;
  removeMessage: (message: Message) => void;
  team: Team;
  handle?: Ref<ThreadHandle>;
}) {
  const { t } = useTranslation();
  const inbox = useContext(InboxContext);
  const { conversation, contact, messages, listing } = detail;
  // Replies scheduled for later wait at the end of the thread, apart from the conversation.
  const sentMessages = useMemo(() => messages.filter((m) => m.scheduledAt == null), [messages]);
  const scheduled = useMemo(() => scheduledReplies(messages), [messages]);
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

  const sectionRef = useRef<HTMLElement>(null);
  useImperativeHandle(handle, () => ({
    close: () => {
      if (!closed && !statusBusy) void changeStatus();
    },
    focusComposer: () => sectionRef.current?.querySelector<HTMLTextAreaElement>(".composer-input")?.focus(),
  }));

  return (
    <section ref={sectionRef} className="thread-pane" data-testid="thread" data-conversation-id={conversation.id}>
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
          <ConversationTools
            conversation={conversation}
            onChanged={applySummary}
            onError={setActionError}
            onSnoozed={inbox.onSnoozed}
            onManageLabels={inbox.onManageLabels}
          />
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
        messages={sentMessages}
        scheduled={scheduled}
        onScheduledChanged={updateMessage}
        onScheduledRemoved={removeMessage}
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
      <ScheduledBanner
        messages={messages}
        name={contact.displayName || conversation.contactName}
        onRemoved={removeMessage}
      />
      <DraftCard
        conversationId={conversation.id}
        messagesKey={messagesKey}
        onUse={(text) => setFill({ text })}
        onSent={applyMessage}
      />
      <Composer
        conversationId={conversation.id}
        projectId={conversation.projectId}
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
  scheduled,
  onScheduledChanged,
  onScheduledRemoved,
  onReply,
}: {
  conversationId: number;
  channelKind: ChannelKind;
  messages: Message[];
  /** Replies waiting to go later, shown after the messages. */
  scheduled: Message[];
  /** Puts a changed reply in place: a scheduled one, or one sent and edited. */
  onScheduledChanged: (message: Message) => void;
  onScheduledRemoved: (message: Message) => void;
  onReply: (message: Message) => void;
}) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const now = useNow(60_000);
  const scrollRef = useRef<HTMLDivElement>(null);
  const nearBottom = useRef(true);
  const shown = useRef(0);
  const shownScheduled = useRef(0);

  // Stay at the newest message: on opening, and when one arrives while the reader is at the bottom
  // (or it is our own reply).
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const count = messages.length + scheduled.length;
    const grew = count > shown.current;
    // Our own reply: sent, or scheduled for later (shown after the messages).
    const ownReply =
      scheduled.length > shownScheduled.current ||
      (messages.length > 0 && messages[messages.length - 1].direction === "out");
    if (shown.current === 0 || (grew && (nearBottom.current || ownReply))) {
      el.scrollTop = el.scrollHeight;
      nearBottom.current = true;
    }
    shown.current = count;
    shownScheduled.current = scheduled.length;
  }, [messages, scheduled.length, conversationId]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (el) nearBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  };

  return (
    <div className="messages" ref={scrollRef} onScroll={onScroll} role="log" aria-live="polite">
      {messages.length === 0 && scheduled.length === 0 && <p className="messages-empty">{t("thread.noMessages")}</p>}
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
              onEdited={onScheduledChanged}
            />
          </Fragment>
        );
      })}
      {scheduled.map((m) => (
        <ScheduledReply
          key={m.id}
          message={m}
          language={language}
          onChanged={onScheduledChanged}
          onRemoved={onScheduledRemoved}
        />
      ))}
    </div>
  );
}
