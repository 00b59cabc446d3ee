import { Fragment, useEffect, useLayoutEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type ConversationDetail, type ConversationSummary, type Message } from "../api";
import type { ConversationState } from "../useConversation";
import { daysBetween, formatClock, formatDayHeading, formatFull, formatSize } from "../format";
import { errorText } from "../errors";
import { useNow } from "../hooks";
import { ChannelBadge } from "./ChannelBadge";
import {
  AlertIcon,
  ChatIcon,
  CheckIcon,
  ClockIcon,
  CrossIcon,
  DoubleCheckIcon,
  InboxIcon,
  PaperclipIcon,
  SendIcon,
} from "./Icon";

type Props = {
  state: ConversationState;
  applyMessage: (message: Message) => void;
  applySummary: (summary: ConversationSummary) => void;
  noConversations: boolean;
  onOpenTestChat: () => void;
};

export function ThreadPane({ state, applyMessage, applySummary, noConversations, onOpenTestChat }: Props) {
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
    />
  );
}

/** Unsent text per conversation, kept while the window is open. */
const drafts = new Map<number, string>();

function Thread({
  detail,
  applyMessage,
  applySummary,
}: {
  detail: ConversationDetail;
  applyMessage: (message: Message) => void;
  applySummary: (summary: ConversationSummary) => void;
}) {
  const { t } = useTranslation();
  const { conversation, contact, messages } = detail;
  const [statusBusy, setStatusBusy] = useState(false);
  const [statusError, setStatusError] = useState<unknown>(null);
  const closed = conversation.status === "closed";

  const changeStatus = async () => {
    setStatusBusy(true);
    setStatusError(null);
    try {
      const next = await api.setConversationStatus(conversation.id, closed ? "awaiting_response" : "closed");
      applySummary(next);
    } catch (error) {
      setStatusError(error);
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
      </header>
      {statusError != null && (
        <div className="inline-error" role="alert">
          {errorText(statusError, t)}
          <button type="button" className="link-button" onClick={() => setStatusError(null)}>
            {t("errors.dismiss")}
          </button>
        </div>
      )}

      <MessageList conversationId={conversation.id} messages={messages} />

      {closed && <div className="closed-banner">{t("thread.closedBanner")}</div>}
      <Composer conversationId={conversation.id} onSent={applyMessage} />
    </section>
  );
}

function MessageList({ conversationId, messages }: { conversationId: number; messages: Message[] }) {
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
            <MessageBubble message={m} grouped={grouped} language={language} />
          </Fragment>
        );
      })}
    </div>
  );
}

function MessageBubble({ message: m, grouped, language }: { message: Message; grouped: boolean; language: string }) {
  const { t } = useTranslation();
  const author = m.authorName || t(`author.${m.authorKind}`);
  const automated = m.authorKind === "assistant" || m.authorKind === "auto_reply";
  const failed = m.delivery === "failed";
  return (
    <div
      className={`message message--${m.direction}${automated ? " message--automated" : ""}${
        grouped ? " message--grouped" : ""
      }${failed ? " message--failed" : ""}`}
      data-testid="message"
      data-direction={m.direction}
      data-delivery={m.delivery ?? ""}
      data-message-id={m.id}
    >
      <div className="bubble">
        <div className="message-text" data-testid="message-text">
          {m.text}
        </div>
        {m.attachments.length > 0 && (
          <ul className="attachments" aria-label={t("thread.attachments")}>
            {m.attachments.map((a, i) => (
              <li key={`${a.name}-${i}`} className="attachment">
                <PaperclipIcon size={14} />
                {a.url ? (
                  <a href={a.url} target="_blank" rel="noreferrer" className="attachment-name">
                    {a.name}
                  </a>
                ) : (
                  <span className="attachment-name">{a.name}</span>
                )}
                {a.size != null && <span className="attachment-size">{formatSize(a.size, language)}</span>}
              </li>
            ))}
          </ul>
        )}
        <div className="message-meta">
          <span className="message-author">{author}</span>
          <time dateTime={new Date(m.createdAt).toISOString()} title={formatFull(m.createdAt, language)}>
            {formatClock(m.createdAt, language)}
          </time>
          {m.direction === "out" && m.delivery && <DeliveryMark message={m} />}
        </div>
      </div>
      {failed && (
        <div className="message-error" role="note">
          {m.deliveryError ? t("delivery.failedWithReason", { reason: m.deliveryError }) : t("delivery.failed")}
        </div>
      )}
    </div>
  );
}

function DeliveryMark({ message }: { message: Message }) {
  const { t } = useTranslation();
  const delivery = message.delivery;
  if (!delivery) return null;
  const label =
    delivery === "failed" && message.deliveryError
      ? t("delivery.failedWithReason", { reason: message.deliveryError })
      : t(`delivery.${delivery}`);
  const icon =
    delivery === "pending" ? (
      <ClockIcon size={13} />
    ) : delivery === "sent" ? (
      <CheckIcon size={14} />
    ) : delivery === "delivered" ? (
      <DoubleCheckIcon size={15} />
    ) : (
      <CrossIcon size={12} />
    );
  return (
    <span className={`delivery delivery--${delivery}`} title={label} aria-label={label} role="img">
      {icon}
    </span>
  );
}

function Composer({ conversationId, onSent }: { conversationId: number; onSent: (message: Message) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(() => drafts.get(conversationId) ?? "");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (draft) drafts.set(conversationId, draft);
    else drafts.delete(conversationId);
  }, [conversationId, draft]);

  // Grow with the text, up to a limit.
  useLayoutEffect(() => {
    const el = inputRef.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 180)}px`;
  }, [draft]);

  const text = draft.trim();
  const canSend = text.length > 0 && !sending;

  const send = async () => {
    if (!canSend) return;
    setSending(true);
    setError(null);
    try {
      const message = await api.sendReply(conversationId, text);
      onSent(message);
      setDraft("");
    } catch (reason) {
      setError(reason);
    } finally {
      setSending(false);
      inputRef.current?.focus();
    }
  };

  return (
    <div className="composer">
      {error != null && (
        <div className="composer-error" role="alert" data-testid="composer-error">
          <AlertIcon size={14} />
          <span>{errorText(error, t)}</span>
        </div>
      )}
      <div className="composer-row">
        <textarea
          ref={inputRef}
          data-testid="composer-input"
          className="composer-input"
          value={draft}
          rows={1}
          placeholder={t("composer.placeholder")}
          aria-label={t("composer.label")}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              void send();
            }
          }}
        />
        <button
          type="button"
          className="button button--primary composer-send"
          data-testid="composer-send"
          disabled={!canSend}
          onClick={() => void send()}
        >
          <SendIcon size={15} />
          {t("composer.send")}
        </button>
      </div>
      <div className="composer-hint">{t("composer.hint")}</div>
    </div>
  );
}
