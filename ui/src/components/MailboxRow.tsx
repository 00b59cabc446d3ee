import { useTranslation } from "react-i18next";
import type { MailError, Mailbox } from "../api";
import { stateTone } from "../mailboxes";

/** One mailbox in the list: its name, address and how its connection is doing. */
export function MailboxRow({
  mailbox,
  selected,
  onSelect,
}: {
  mailbox: Mailbox;
  selected: boolean;
  onSelect: () => void;
}) {
  const showError = mailbox.state === "offline" && mailbox.lastError;
  return (
    <button
      type="button"
      className={`project-row mailbox-row${selected ? " is-selected" : ""}`}
      data-testid="mailbox-row"
      data-state={mailbox.state}
      data-account-id={mailbox.accountId}
      aria-current={selected ? "true" : undefined}
      onClick={onSelect}
    >
      <span className="project-row-name">{mailbox.name}</span>
      {mailbox.name !== mailbox.address && <span className="mailbox-row-address">{mailbox.address}</span>}
      <span className="project-row-bottom">
        <MailboxStateBadge mailbox={mailbox} />
      </span>
      {mailbox.state === "importing" && <ImportBar mailbox={mailbox} />}
      {showError && (
        <span className="mailbox-row-error" title={mailbox.lastError?.message}>
          {mailbox.lastError?.message}
        </span>
      )}
    </button>
  );
}

/** The state in a few words: "Connected", "Importing 340 of 1200", "No connection"… */
export function MailboxStateBadge({ mailbox }: { mailbox: Mailbox }) {
  const { t } = useTranslation();
  const { state } = mailbox;
  let label: string;
  if (state === "polling") label = t("mailbox.state.polling", { n: mailbox.pollIntervalS });
  else if (state === "importing") {
    label = mailbox.import
      ? t("mailbox.state.importing", { done: mailbox.import.done, total: mailbox.import.total })
      : t("mailbox.importStarting");
  } else label = t(`mailbox.state.${state}`);
  return (
    <span
      className={`readiness readiness--${stateTone(state)}${state === "connecting" ? " is-live" : ""}`}
      data-testid="mailbox-state"
      data-state={state}
    >
      <span className="readiness-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

/** How far reading the existing mail has come. */
export function ImportBar({ mailbox }: { mailbox: Mailbox }) {
  const { t } = useTranslation();
  const progress = mailbox.import;
  const percent = progress && progress.total > 0 ? Math.min(100, (progress.done / progress.total) * 100) : 0;
  return (
    <span
      className="import-bar"
      role="progressbar"
      aria-label={t("mailbox.importProgress")}
      aria-valuemin={0}
      aria-valuemax={progress?.total ?? 0}
      aria-valuenow={progress?.done ?? 0}
      data-testid="mailbox-import-progress"
    >
      <span className="import-bar-fill" style={{ width: `${percent}%` }} />
    </span>
  );
}

/** A server's problem: what went wrong, in the server's words, and what to check (unless `hint` is false). */
export function MailErrorDetails({ error, hint = true }: { error: MailError; hint?: boolean }) {
  const { t } = useTranslation();
  return (
    <span className="mail-problem" data-problem={error.problem}>
      <span className="mail-problem-title">{t(`mail.problem.${error.problem}`)}</span>
      {error.message && (
        <span className="mail-problem-message selectable">{t("mail.serverSaid", { message: error.message })}</span>
      )}
      {hint && <span className="mail-problem-hint">{t(`mail.hint.${error.problem}`)}</span>}
    </span>
  );
}
