import { useContext, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type ChannelKind, type Message } from "../api";
import { formatClock, formatFull } from "../format";
import { InboxContext } from "../inboxContext";
import { useAction } from "../hooks";
import { AttachmentList } from "./Attachments";
import { Highlighted } from "./Highlighted";
import {
  AlertIcon,
  CheckIcon,
  ClockIcon,
  CrossIcon,
  DoubleCheckIcon,
  PencilIcon,
  ReplyIcon,
  ShieldIcon,
  SparkIcon,
} from "./Icon";
import { EditReplyForm, canEditReply } from "./ReplyEdit";

type Props = {
  message: Message;
  grouped: boolean;
  language: string;
  /**
   * The conversation's channel: an e-mail's quoted text is the history below
   * it (folded away); a chat message's is the message it answers (shown above).
   */
  channelKind?: ChannelKind;
  /** Offers "Reply" on a customer's message: the composer answers that message. */
  onReply?: (message: Message) => void;
  /** The words to mark in the text (the inbox's search, by default). */
  highlight?: string;
  /** Puts a reply changed with "Edit" in place (the engine's event does it too). */
  onEdited?: (message: Message) => void;
};

/**
 * One message of the thread: the message it answers, its text, folded quoted
 * history, original HTML and attachments, its delivery and the customer's
 * reaction; a reply written while someone else had the conversation says who.
 * An edited message shows its original text on asking; the shop's own reply
 * can be edited in place, and says when the customer's copy stayed as it was.
 */
export function MessageBubble({ message: m, grouped, language, channelKind, onReply, highlight, onEdited }: Props) {
  const { t } = useTranslation();
  const inbox = useContext(InboxContext);
  const [htmlOpen, setHtmlOpen] = useState(false);
  const [originalOpen, setOriginalOpen] = useState(false);
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const editable = canEditReply(m);
  const hasOriginal = m.editedAt != null && m.originalText != null && m.originalText !== m.text;
  const closeEdit = () => {
    setEditing(false);
    // Back to where the person was (the Edit beside the bubble).
    requestAnimationFrame(() => editButton.current?.focus());
  };
  const author = m.authorName || t(`author.${m.authorKind}`);
  const automated = m.authorKind === "assistant" || m.authorKind === "auto_reply";
  const failed = m.delivery === "failed";
  const answers = m.quoted != null && channelKind != null && channelKind !== "email";
  const replyable = onReply != null && m.direction === "in" && m.authorKind === "customer" && m.deletedAt == null;
  return (
    <div
      className={`message message--${m.direction}${automated ? " message--automated" : ""}${
        grouped ? " message--grouped" : ""
      }${failed ? " message--failed" : ""}${m.held ? " message--held" : ""}${htmlOpen ? " message--wide" : ""}${
        m.deletedAt != null ? " message--deleted" : ""
      }${m.reaction ? " message--reacted" : ""}`}
      data-testid="message"
      data-direction={m.direction}
      data-delivery={m.delivery ?? ""}
      data-read={m.readAt != null || undefined}
      data-author={m.authorKind}
      data-held={m.held || undefined}
      data-message-id={m.id}
    >
      {editing ? (
        <EditReplyForm
          message={m}
          onSaved={(updated) => {
            onEdited?.(updated);
            closeEdit();
          }}
          onClose={closeEdit}
        />
      ) : (
        <div className="message-line">
          <div className="bubble">
            {answers && m.quoted && (
              <blockquote className="message-answers" data-testid="message-answers" aria-label={t("thread.inReplyTo")}>
                {m.quoted}
              </blockquote>
            )}
            <div className="message-text" data-testid="message-text">
              <Highlighted text={m.text} query={highlight ?? inbox.highlight} />
            </div>
            {hasOriginal && originalOpen && (
              <div className="message-original" data-testid="message-original">
                <span className="message-original-label">{t("thread.original")}</span>
                <span className="message-original-text selectable">{m.originalText}</span>
              </div>
            )}
            {!answers && m.quoted && <QuotedText text={m.quoted} />}
            {m.hasHtml && <HtmlOriginal messageId={m.id} open={htmlOpen} onToggle={setHtmlOpen} />}
            {m.attachments.length > 0 && <AttachmentList attachments={m.attachments} language={language} />}
            <div className="message-meta">
              {automated ? (
                <span className="message-who">
                  <span className={`message-tag message-tag--${m.authorKind}`} data-testid="message-tag">
                    {m.authorKind === "assistant" ? <SparkIcon size={11} /> : <ClockIcon size={11} />}
                    {t(`author.${m.authorKind}`)}
                  </span>
                  {m.authorName && <span className="message-author">{m.authorName}</span>}
                </span>
              ) : (
                <span className="message-author">{author}</span>
              )}
              {m.editedAt != null &&
                (hasOriginal ? (
                  <button
                    type="button"
                    className="message-changed message-changed--toggle"
                    data-testid="message-edited"
                    aria-expanded={originalOpen}
                    aria-label={originalOpen ? t("thread.editedHide") : t("thread.editedShow")}
                    title={`${formatFull(m.editedAt, language)} · ${
                      originalOpen ? t("thread.editedHide") : t("thread.editedShow")
                    }`}
                    onClick={() => setOriginalOpen((open) => !open)}
                  >
                    {t("thread.edited")}
                  </button>
                ) : (
                  <span className="message-changed" data-testid="message-edited" title={formatFull(m.editedAt, language)}>
                    {t("thread.edited")}
                  </span>
                ))}
              {m.deletedAt != null && (
                <span
                  className="message-changed message-changed--deleted"
                  data-testid="message-deleted"
                  title={formatFull(m.deletedAt, language)}
                >
                  {t("thread.deleted")}
                </span>
              )}
              <time dateTime={new Date(m.createdAt).toISOString()} title={formatFull(m.createdAt, language)}>
                {formatClock(m.createdAt, language)}
              </time>
              {m.direction === "out" && m.delivery && <DeliveryMark message={m} language={language} />}
            </div>
            {m.reaction && (
              <span
                className="message-reaction"
                data-testid="message-reaction"
                role="img"
                aria-label={t("thread.reaction", { emoji: m.reaction })}
                title={t("thread.reaction", { emoji: m.reaction })}
              >
                {m.reaction}
              </span>
            )}
          </div>
          {replyable && (
            <button
              type="button"
              className="icon-button message-reply"
              data-testid="message-reply"
              aria-label={t("thread.reply")}
              title={t("thread.replyHint")}
              onClick={() => onReply(m)}
            >
              <ReplyIcon size={14} />
            </button>
          )}
          {editable && (
            <button
              ref={editButton}
              type="button"
              className="icon-button message-reply message-edit"
              data-testid="message-edit"
              aria-label={t("thread.edit")}
              title={t("thread.editHint")}
              onClick={() => setEditing(true)}
            >
              <PencilIcon size={13} />
            </button>
          )}
        </div>
      )}
      {m.direction === "out" && m.assignedTo && (
        <div
          className="message-assigned"
          data-testid="message-assigned"
          title={t("assign.whileAssignedHint", { name: m.assignedTo })}
        >
          {t("assign.whileAssigned", { name: m.assignedTo })}
        </div>
      )}
      {failed && (
        <div className="message-error" role="note">
          {m.deliveryError ? t("delivery.failedWithReason", { reason: m.deliveryError }) : t("delivery.failed")}
        </div>
      )}
      {m.direction === "out" && m.editError && (
        <div className="message-error message-edit-error" role="note" data-testid="message-edit-error">
          <AlertIcon size={12} />
          <span>{t("thread.editError", { reason: m.editError })}</span>
        </div>
      )}
      {m.held && <HeldNote messageId={m.id} />}
    </div>
  );
}

/** A reply the outbox guard holds: what that means, and "Send anyway". */
function HeldNote({ messageId }: { messageId: number }) {
  const { t } = useTranslation();
  const { busy, error, run } = useAction();
  return (
    <div className="message-held" data-testid="message-held" role="note">
      <span className="held-badge">
        <ShieldIcon size={13} />
        {t("held.badge")}
      </span>
      <span className="held-text">{t("held.text")}</span>
      <button
        type="button"
        className="button held-send"
        data-testid="send-held"
        disabled={busy}
        onClick={() =>
          void run(async () => {
            // Sends it whatever the outbox guard says.
            await api.sendHeldReply(messageId);
          })
        }
      >
        {busy ? t("held.sending") : t("held.send")}
      </button>
      {error && (
        <span className="held-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** The history quoted below an e-mail reply, folded away until asked for. */
function QuotedText({ text }: { text: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <div className="message-quoted">
      <button
        type="button"
        className="message-fold-toggle"
        data-testid="message-quoted-toggle"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="message-fold-dots" aria-hidden="true">
          …
        </span>
        {open ? t("thread.hideQuoted") : t("thread.showQuoted")}
      </button>
      {open && (
        <div className="message-quoted-text selectable" data-testid="message-quoted">
          {text}
        </div>
      )}
    </div>
  );
}

type HtmlState =
  | { phase: "idle" }
  | { phase: "loading" }
  | { phase: "ready"; html: string }
  | { phase: "missing" }
  | { phase: "failed" };

/**
 * The e-mail as its sender formatted it. The engine has sanitized the HTML;
 * it is still shown in a frame with an empty sandbox (no scripts, no access to
 * the window), no remote content, and links that cannot navigate.
 */
function framedHtml(html: string): string {
  return [
    "<!doctype html><html><head><meta charset=\"utf-8\">",
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">",
    // Links would open a new window, which the sandbox forbids: they stay inert.
    "<base target=\"_blank\">",
    "<style>html{color-scheme:light}body{margin:10px 12px;font:14px/1.45 system-ui,sans-serif;color:#1c1c22;background:#fff;overflow-wrap:anywhere}img{max-width:100%;height:auto}</style>",
    "</head><body>",
    html,
    "</body></html>",
  ].join("");
}

function HtmlOriginal({
  messageId,
  open,
  onToggle,
}: {
  messageId: number;
  open: boolean;
  onToggle: (open: boolean) => void;
}) {
  const { t } = useTranslation();
  const [state, setState] = useState<HtmlState>({ phase: "idle" });

  const toggle = () => {
    onToggle(!open);
    if (open || state.phase === "ready" || state.phase === "loading") return;
    setState({ phase: "loading" });
    // The sanitized HTML of the e-mail, or null when it had none.
    api
      .messageHtml(messageId)
      .then((html) => setState(html == null ? { phase: "missing" } : { phase: "ready", html }))
      .catch(() => setState({ phase: "failed" }));
  };

  return (
    <div className="message-html">
      <button
        type="button"
        className="message-fold-toggle"
        data-testid="message-html-toggle"
        aria-expanded={open}
        onClick={toggle}
      >
        {open ? t("thread.hideHtml") : t("thread.showHtml")}
      </button>
      {open && state.phase === "loading" && <p className="message-html-note">{t("thread.htmlLoading")}</p>}
      {open && state.phase === "missing" && <p className="message-html-note">{t("thread.htmlMissing")}</p>}
      {open && state.phase === "failed" && (
        <p className="message-html-note message-html-note--error" role="alert">
          {t("thread.htmlFailed")}
        </p>
      )}
      {open && state.phase === "ready" && (
        <iframe
          className="message-html-frame"
          data-testid="message-html"
          title={t("thread.htmlTitle")}
          sandbox=""
          srcDoc={framedHtml(state.html)}
          referrerPolicy="no-referrer"
        />
      )}
    </div>
  );
}

function DeliveryMark({ message, language }: { message: Message; language: string }) {
  const { t } = useTranslation();
  const delivery = message.delivery;
  if (!delivery) return null;
  if (message.readAt != null && (delivery === "sent" || delivery === "delivered")) {
    const label = t("delivery.readAt", { time: formatFull(message.readAt, language) });
    return (
      <span className="delivery delivery--read" data-testid="delivery-read" title={label} aria-label={label} role="img">
        <DoubleCheckIcon size={15} />
      </span>
    );
  }
  if (message.held) {
    return (
      <span className="delivery delivery--held" title={t("held.badge")} aria-label={t("held.badge")} role="img">
        <ShieldIcon size={13} />
      </span>
    );
  }
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
