import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Message } from "../api";
import { formatClock, formatFull } from "../format";
import { useAction } from "../hooks";
import { AttachmentList } from "./Attachments";
import { CheckIcon, ClockIcon, CrossIcon, DoubleCheckIcon, ShieldIcon, SparkIcon } from "./Icon";

/** One message of the thread: its text, folded quoted history, original HTML and attachments. */
export function MessageBubble({ message: m, grouped, language }: { message: Message; grouped: boolean; language: string }) {
  const { t } = useTranslation();
  const [htmlOpen, setHtmlOpen] = useState(false);
  const author = m.authorName || t(`author.${m.authorKind}`);
  const automated = m.authorKind === "assistant" || m.authorKind === "auto_reply";
  const failed = m.delivery === "failed";
  return (
    <div
      className={`message message--${m.direction}${automated ? " message--automated" : ""}${
        grouped ? " message--grouped" : ""
      }${failed ? " message--failed" : ""}${m.held ? " message--held" : ""}${htmlOpen ? " message--wide" : ""}${
        m.deletedAt != null ? " message--deleted" : ""
      }`}
      data-testid="message"
      data-direction={m.direction}
      data-delivery={m.delivery ?? ""}
      data-author={m.authorKind}
      data-held={m.held || undefined}
      data-message-id={m.id}
    >
      <div className="bubble">
        <div className="message-text" data-testid="message-text">
          {m.text}
        </div>
        {m.quoted && <QuotedText text={m.quoted} />}
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
          {m.editedAt != null && (
            <span className="message-changed" data-testid="message-edited" title={formatFull(m.editedAt, language)}>
              {t("thread.edited")}
            </span>
          )}
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
          {m.direction === "out" && m.delivery && <DeliveryMark message={m} />}
        </div>
      </div>
      {failed && (
        <div className="message-error" role="note">
          {m.deliveryError ? t("delivery.failedWithReason", { reason: m.deliveryError }) : t("delivery.failed")}
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

function DeliveryMark({ message }: { message: Message }) {
  const { t } = useTranslation();
  const delivery = message.delivery;
  if (!delivery) return null;
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
