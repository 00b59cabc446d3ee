import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";
import { api, type Message } from "../api";
import { daysBetween, formatClock, formatFull } from "../format";
import { useAction, useNow } from "../hooks";
import { dateTimeInputValue, parseDateTimeInput, pickedTimeProblem } from "../sendLater";
import { AttachmentList } from "./Attachments";
import { CreateFooter } from "./CreateFooter";
import { AlertIcon, ClockIcon } from "./Icon";
import { InlineConfirm } from "./InlineConfirm";
import type { MessageEditProps } from "./ReplyEdit";

/** When a scheduled reply goes, for a sentence: "today at 18:00", "tomorrow at 9:00", "12 May at 9:00". */
export function formatSendTime(at: number, now: number, t: TFunction, language: string): string {
  const days = daysBetween(now, at);
  const time = formatClock(at, language);
  if (days === 0) return t("scheduled.today", { time });
  if (days === 1) return t("scheduled.tomorrow", { time });
  const sameYear = new Date(at).getFullYear() === new Date(now).getFullYear();
  const date = new Intl.DateTimeFormat(language, {
    day: "numeric",
    month: "long",
    ...(sameYear ? {} : { year: "numeric" }),
  }).format(at);
  return t("scheduled.later", { date, time });
}

/** "Will be sent today at 18:00", "Will be sent on 12 May at 9:00". */
function willSend(at: number, now: number, t: TFunction, language: string): string {
  const days = daysBetween(now, at);
  const when = formatSendTime(at, now, t, language);
  return days === 0 || days === 1 ? t("scheduled.willSend", { when }) : t("scheduled.willSendOn", { when });
}

/** The replies waiting to go, the soonest first. */
export const scheduledReplies = (messages: Message[]) =>
  messages.filter((m) => m.scheduledAt != null).sort((a, b) => a.scheduledAt! - b.scheduledAt! || a.id - b.id);

/**
 * A reply scheduled for later, at the end of the thread: a pending bubble
 * with a clock and when it goes; Edit changes its text and time in place,
 * Cancel (confirmed) takes it back before it goes.
 */
export function ScheduledReply({
  message: m,
  language,
  onChanged,
  onRemoved,
}: {
  message: Message;
  language: string;
  onChanged: (message: Message) => void;
  onRemoved: (message: Message) => void;
}) {
  const { t } = useTranslation();
  const now = useNow(60_000);
  const [editing, setEditing] = useState(false);
  const [asking, setAsking] = useState(false);
  const { busy, error, run } = useAction();
  const at = m.scheduledAt ?? m.createdAt;

  const cancel = () =>
    void run(async () => {
      await api.cancelScheduledReply(m.id);
      onRemoved(m);
    });

  return (
    <div
      className="message message--out message--scheduled"
      data-testid="scheduled-reply"
      data-message-id={m.id}
      data-scheduled-at={at}
    >
      {editing ? (
        <EditScheduled
          message={m}
          onSaved={(updated) => {
            setEditing(false);
            onChanged(updated);
          }}
          onClose={() => setEditing(false)}
        />
      ) : (
        <>
          <div className="message-line">
            <div className="bubble">
              <div className="message-text" data-testid="message-text">
                {m.text}
              </div>
              {m.attachments.length > 0 && <AttachmentList attachments={m.attachments} language={language} />}
              <div className="message-meta">
                <span className="scheduled-when" data-testid="scheduled-when" title={formatFull(at, language)}>
                  <ClockIcon size={12} />
                  {willSend(at, now, t, language)}
                </span>
              </div>
            </div>
          </div>
          {!asking && (
            <div className="scheduled-actions">
              <button
                type="button"
                className="link-button"
                data-testid="scheduled-edit"
                disabled={busy}
                onClick={() => setEditing(true)}
              >
                {t("scheduled.edit")}
              </button>
              <button
                type="button"
                className="link-button link-button--danger"
                data-testid="scheduled-cancel"
                disabled={busy}
                onClick={() => setAsking(true)}
              >
                {t("scheduled.cancel")}
              </button>
            </div>
          )}
          {asking && (
            <InlineConfirm
              testId="scheduled-confirm"
              actionTestId="scheduled-cancel"
              text={{
                question: t("scheduled.cancelQuestion"),
                explanation: t("scheduled.cancelText"),
                confirm: t("scheduled.cancelConfirm"),
                working: t("scheduled.cancelling"),
              }}
              busy={busy}
              onConfirm={cancel}
              onCancel={() => setAsking(false)}
            />
          )}
          {error && (
            <p className="form-error scheduled-error" role="alert" data-testid="scheduled-error">
              <AlertIcon size={13} />
              {error}
            </p>
          )}
        </>
      )}
    </div>
  );
}

/** A scheduled reply's text and time, changed in place; the time is this computer's and later than now. */
function EditScheduled({ message: m, onSaved, onClose }: MessageEditProps) {
  const { t } = useTranslation();
  const id = useId();
  const [text, setText] = useState(m.text);
  const [when, setWhen] = useState(() => dateTimeInputValue(m.scheduledAt ?? Date.now()));
  const [problem, setProblem] = useState<"missing" | "past" | "empty" | null>(null);
  const { busy, error, run } = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const found = text.trim() === "" && m.attachments.length === 0 ? "empty" : pickedTimeProblem(when, Date.now());
    setProblem(found);
    const at = parseDateTimeInput(when);
    if (found != null || at == null) return;
    void run(async () => {
      onSaved(await api.editScheduledReply(m.id, text.trim(), at));
    });
  };

  return (
    <form className="scheduled-edit" onSubmit={submit} noValidate data-testid="scheduled-edit-form">
      <label className="field">
        <span className="field-label">{t("scheduled.text")}</span>
        <textarea
          data-testid="scheduled-edit-text"
          value={text}
          rows={3}
          disabled={busy}
          autoFocus
          onChange={(e) => {
            setText(e.target.value);
            setProblem(null);
          }}
        />
      </label>
      <label className="field">
        <span className="field-label">{t("scheduled.when")}</span>
        <input
          type="datetime-local"
          data-testid="scheduled-edit-at"
          value={when}
          min={dateTimeInputValue(Date.now())}
          disabled={busy}
          aria-describedby={`${id}-problem`}
          aria-invalid={problem === "past" || problem === "missing" || undefined}
          onChange={(e) => {
            setWhen(e.target.value);
            setProblem(null);
          }}
        />
      </label>
      {(problem != null || error) && (
        <p className="form-error" role="alert" id={`${id}-problem`} data-testid="scheduled-edit-error">
          <AlertIcon size={13} />
          {problem === "empty"
            ? t("scheduled.empty")
            : problem === "past"
              ? t("sendLater.past")
              : problem === "missing"
                ? t("sendLater.missing")
                : error}
        </p>
      )}
      <CreateFooter
        testId="scheduled-save"
        label={t("scheduled.save")}
        working={t("scheduled.saving")}
        valid
        busy={busy}
        error={null}
        cancel={{ testId: "scheduled-edit-close", onCancel: onClose }}
      />
    </form>
  );
}

/**
 * Above the composer: the customer wrote after a reply was scheduled, which
 * may no longer fit. Cancel it, or keep it (the banner comes back when the
 * customer writes again).
 */
export function ScheduledBanner({
  messages,
  name,
  onRemoved,
}: {
  messages: Message[];
  /** The customer's name. */
  name: string;
  onRemoved: (message: Message) => void;
}) {
  const { t, i18n } = useTranslation();
  const now = useNow(60_000);
  const [kept, setKept] = useState<ReadonlySet<string>>(() => new Set());
  const { busy, error, run } = useAction();

  let found: { reply: Message; key: string } | null = null;
  for (const reply of scheduledReplies(messages)) {
    const after = messages.filter((x) => x.direction === "in" && x.createdAt > reply.createdAt);
    if (after.length === 0) continue;
    const key = `${reply.id}:${after[after.length - 1].id}`;
    if (!kept.has(key)) {
      found = { reply, key };
      break;
    }
  }
  if (!found) return null;
  const { reply, key } = found;
  const time = formatSendTime(reply.scheduledAt!, now, t, i18n.language);

  return (
    <div className="scheduled-banner" role="status" data-testid="scheduled-banner" data-message-id={reply.id}>
      <p className="scheduled-banner-text">
        <ClockIcon size={14} />
        <span>{t("scheduled.customerWrote", { name, time })}</span>
      </p>
      <div className="form-actions">
        <button
          type="button"
          className="button button--danger"
          data-testid="scheduled-banner-cancel"
          disabled={busy}
          aria-busy={busy || undefined}
          onClick={() =>
            void run(async () => {
              await api.cancelScheduledReply(reply.id);
              onRemoved(reply);
            })
          }
        >
          {busy ? t("scheduled.cancelling") : t("scheduled.bannerCancel")}
        </button>
        <button
          type="button"
          className="button"
          data-testid="scheduled-banner-keep"
          disabled={busy}
          onClick={() => setKept((prev) => new Set(prev).add(key))}
        >
          {t("scheduled.bannerKeep")}
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert" data-testid="scheduled-banner-error">
          <AlertIcon size={13} />
          {error}
        </p>
      )}
    </div>
  );
}
