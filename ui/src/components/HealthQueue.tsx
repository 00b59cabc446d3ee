import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type FailedJob, type QueueHealth } from "../api";
import { formatFull, formatSince } from "../format";
import { useAction } from "../hooks";
import { AlertIcon, ClockIcon } from "./Icon";
import { HealthRow, HealthSection } from "./HealthParts";

/** A job's kind in words ("outbox.send" → "Send a reply"); an unknown kind as it is. */
export function useJobKind() {
  const { t } = useTranslation();
  return (kind: string) => t(`health.jobKind.${kind.replace(/\./g, "_")}`, { defaultValue: kind });
}

/**
 * The queue: jobs waiting by kind, the oldest one's age, the replies the
 * outbox guard holds, and the jobs that failed for good, each to send again
 * or give up.
 */
export function HealthQueue({ queue, now, onChanged }: { queue: QueueHealth; now: number; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const jobKind = useJobKind();
  const waiting = queue.waiting.reduce((sum, [, n]) => sum + n, 0);

  return (
    <HealthSection id="health-queue-title" icon={<ClockIcon size={16} />} title={t("health.queue.title")} testId="health-queue">
      <HealthRow ok title={t("health.queue.waitingTitle")} testId="health-waiting">
        {waiting === 0 ? (
          <span>{t("health.queue.nothingWaiting")}</span>
        ) : (
          <>
            {queue.waiting.map(([kind, n]) => (
              <span key={kind} data-testid="health-waiting-kind" data-kind={kind}>
                {t("health.queue.kindCount", { kind: jobKind(kind), n })}
              </span>
            ))}
            {queue.oldestWaitingAt != null && (
              <span data-testid="health-oldest" title={formatFull(queue.oldestWaitingAt, i18n.language)}>
                {t("health.queue.oldest", { time: formatSince(queue.oldestWaitingAt, now, t, i18n.language) })}
              </span>
            )}
          </>
        )}
        <span data-testid="health-held">{t("health.queue.held", { n: queue.heldReplies })}</span>
      </HealthRow>
      {queue.failed.length === 0 ? (
        <HealthRow ok title={t("health.queue.noFailed")} testId="health-no-failed" />
      ) : (
        queue.failed.map((job) => <FailedJobRow key={job.id} job={job} now={now} onChanged={onChanged} />)
      )}
    </HealthSection>
  );
}

/** A job that failed for good: its error, Retry, and Discard behind a confirmation. */
function FailedJobRow({ job, now, onChanged }: { job: FailedJob; now: number; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const jobKind = useJobKind();
  const [asking, setAsking] = useState(false);
  const { busy, error, run } = useAction();
  const reply = job.messageId != null;

  const act = (action: (id: number) => Promise<null>) =>
    void run(async () => {
      await action(job.id);
      onChanged();
    });

  return (
    <HealthRow
      ok={false}
      title={t("health.queue.failedTitle", { kind: jobKind(job.kind) })}
      testId="health-failed-job"
      data={{ "data-job-id": job.id, "data-kind": job.kind }}
      error={job.lastError}
      actions={
        <>
          <p className="health-fix">{reply ? t("health.queue.retryReplyHint") : t("health.queue.retryHint")}</p>
          {error && (
            <p className="form-error" role="alert" data-testid="health-job-error">
              <AlertIcon size={14} />
              {error}
            </p>
          )}
          {asking ? (
            <div className="confirm" role="alertdialog" aria-label={t("health.queue.discardQuestion")}>
              <p className="confirm-question">{t("health.queue.discardQuestion")}</p>
              <p className="confirm-text">
                {reply ? t("health.queue.discardReplyText") : t("health.queue.discardText")}
              </p>
              <div className="form-actions">
                <button
                  type="button"
                  className="button button--danger"
                  data-testid="health-discard-confirm"
                  disabled={busy}
                  onClick={() => act(api.discardJob)}
                >
                  {busy ? t("health.queue.discarding") : t("health.queue.discardConfirm")}
                </button>
                <button type="button" className="button" disabled={busy} onClick={() => setAsking(false)}>
                  {t("projects.cancel")}
                </button>
              </div>
            </div>
          ) : (
            <div className="form-actions">
              <button
                type="button"
                className="button button--primary"
                data-testid="health-retry"
                disabled={busy}
                aria-busy={busy || undefined}
                onClick={() => act(api.retryJob)}
              >
                {busy ? t("health.queue.retrying") : t("health.queue.retry")}
              </button>
              <button
                type="button"
                className="link-button link-button--danger"
                data-testid="health-discard"
                disabled={busy}
                onClick={() => setAsking(true)}
              >
                {t("health.queue.discard")}
              </button>
            </div>
          )}
        </>
      }
    >
      <span>{t("health.queue.attempts", { n: job.attempts })}</span>
      <span title={formatFull(job.failedAt, i18n.language)}>
        {t("health.queue.failedAt", { time: formatSince(job.failedAt, now, t, i18n.language) })}
      </span>
    </HealthRow>
  );
}
