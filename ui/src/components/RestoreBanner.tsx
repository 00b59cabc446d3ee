import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type RestoreOutcome } from "../api";
import { formatFull } from "../format";
import { ChannelBadge } from "./ChannelBadge";
import { AlertIcon, CheckIcon } from "./Icon";

/** When a backup named the engine's way (`tuberry-20261206-045700-daily.sqlite3`, UTC) was taken. */
export function backupTakenAt(path: string): number | null {
  const m = /tuberry-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-[^\\/]*$/.exec(path);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

const fileName = (path: string) => path.split(/[\\/]/).pop() || path;

/**
 * What the last restore did, at the top of the window once the app started
 * again with it, until dismissed: the backup restored, where the database it
 * replaced is kept and the accounts whose password or token must be entered
 * again on this computer; or why the restore could not be finished (the
 * database was left as it was).
 */
export function RestoreBanner({ onOpenAccounts }: { onOpenAccounts: () => void }) {
  const { t, i18n } = useTranslation();
  const [outcome, setOutcome] = useState<RestoreOutcome | null>(null);

  useEffect(() => {
    let live = true;
    api.restoreOutcome().then(
      (answer) => {
        if (live) setOutcome(answer);
      },
      (error: unknown) => console.warn("Could not read what the last restore did", error),
    );
    return () => {
      live = false;
    };
  }, []);

  if (!outcome) return null;
  const { restored, needsSecrets } = outcome;

  const dismiss = () => {
    setOutcome(null);
    // Not dismissed in the engine: it is shown again at the next start.
    api.dismissRestoreOutcome().catch((error: unknown) => console.warn("Could not dismiss the restore", error));
  };
  const dismissButton = (
    <button type="button" className="button button--quiet" data-testid="restore-banner-dismiss" onClick={dismiss}>
      {t("restoreDone.dismiss")}
    </button>
  );

  if (restored.error) {
    return (
      <div
        className="restore-banner restore-banner--failed"
        role="alert"
        data-testid="restore-banner"
        data-outcome="failed"
      >
        <p className="restore-banner-text selectable" data-testid="restore-banner-text">
          <AlertIcon size={15} />
          <span>{t("restoreDone.failed", { error: restored.error })}</span>
        </p>
        {dismissButton}
      </div>
    );
  }

  const source = restored.source ?? "";
  const takenAt = backupTakenAt(source);
  const files = restored.filesCopied.toLocaleString(i18n.language);
  return (
    <section
      className="restore-banner"
      aria-label={t("restoreDone.label")}
      data-testid="restore-banner"
      data-outcome="restored"
    >
      <div className="restore-banner-main">
        <p className="restore-banner-text selectable" data-testid="restore-banner-text" title={source || undefined}>
          <CheckIcon size={15} />
          <span>
            {takenAt != null
              ? t("restoreDone.restoredOf", { date: formatFull(takenAt, i18n.language) })
              : t("restoreDone.restoredFile", { name: fileName(source) })}
            {restored.filesCopied > 0 && <> {t("restoreDone.filesBack", { files })}</>}
            {restored.keptAside && <> {t("restoreDone.keptAside", { path: restored.keptAside })}</>}
          </span>
        </p>
        {needsSecrets.length > 0 && (
          <div className="restore-banner-secrets" data-testid="restore-banner-secrets">
            <p>{t("restoreDone.needsSecrets")}</p>
            <ul>
              {needsSecrets.map((account) => (
                <li key={account.accountId} data-testid="restore-banner-account" data-kind={account.kind}>
                  <ChannelBadge kind={account.kind} long />
                  <span className="restore-banner-account">{account.name}</span>
                </li>
              ))}
            </ul>
            <button
              type="button"
              className="button"
              data-testid="restore-banner-open-accounts"
              onClick={onOpenAccounts}
            >
              {t("restoreDone.openAccounts")}
            </button>
          </div>
        )}
      </div>
      {dismissButton}
    </section>
  );
}
