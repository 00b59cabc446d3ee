import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Account, type Project, type WhatsAppFlags, type WhatsAppNumber } from "../api";
import { useAction } from "../hooks";
import { AccountStateBadge } from "./AccountsView";
import { AlertIcon, ChatIcon } from "./Icon";
import { SectionHead } from "./ProjectDetail";

type Props = {
  numbers: WhatsAppNumber[];
  /** The accounts list, for each number's state. */
  accounts: Account[] | null;
  projects: Project[] | null;
  /** Opens the dialog to link a number (again) to a project. */
  onLink: (projectId: number | null) => void;
  /** The engine answered a change of the number (its flags). */
  onChanged: (number: WhatsAppNumber) => void;
  onRemoved: (accountId: number) => void;
};

/**
 * The shop's WhatsApp numbers linked as devices: the phone, its name and
 * project, how the connection is doing (or why WhatsApp ended the link),
 * which chats reach the inbox, and "Unlink".
 */
export function WhatsAppNumbersSection({ numbers, accounts, projects, onLink, onChanged, onRemoved }: Props) {
  const { t } = useTranslation();
  const titleId = useId();
  return (
    <section className="card wa-numbers" data-testid="wa-numbers" aria-labelledby={titleId}>
      <SectionHead icon={<ChatIcon size={16} />} title={t("waNumbers.title")} id={titleId} />
      <p className="card-text">{t("waNumbers.intro")}</p>
      <ul className="tg-account-list" aria-labelledby={titleId}>
        {numbers.map((number) => (
          <li key={number.id}>
            <WhatsAppNumberRow
              number={number}
              status={accounts?.find((a) => a.id === number.id) ?? null}
              project={projects?.find((p) => p.id === number.projectId) ?? null}
              onLinkAgain={() => onLink(number.projectId)}
              onChanged={onChanged}
              onRemoved={onRemoved}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}

function WhatsAppNumberRow({
  number,
  status,
  project,
  onLinkAgain,
  onChanged,
  onRemoved,
}: {
  number: WhatsAppNumber;
  status: Account | null;
  project: Project | null;
  onLinkAgain: () => void;
  onChanged: (number: WhatsAppNumber) => void;
  onRemoved: (accountId: number) => void;
}) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  const unlinked = number.unlinkedReason != null;
  const problem = number.unlinkedReason ?? status?.status.lastError ?? null;

  const setFlag = (key: keyof WhatsAppFlags, on: boolean) =>
    void run(async () => {
      onChanged(await api.setWhatsappFlags(number.id, { ...number.flags, [key]: on }));
    });

  return (
    <article
      className="tg-account wa-number"
      data-testid="wa-number"
      data-account-id={number.id}
      data-state={unlinked ? "unlinked" : (status?.status.state ?? "")}
      aria-label={number.phone}
    >
      <div className="tg-account-head">
        <span className="tg-account-name" data-testid="wa-number-phone">
          {number.phone}
        </span>
        {number.name !== number.phone && (
          <span className="muted" data-testid="wa-number-name">
            {number.name}
          </span>
        )}
        {unlinked ? (
          <span className="readiness readiness--off" data-testid="account-state" data-state="unlinked">
            <span className="readiness-dot" aria-hidden="true" />
            {t("waNumbers.unlinked")}
          </span>
        ) : status ? (
          <AccountStateBadge account={status} />
        ) : (
          <span className="readiness readiness--none" data-testid="account-state" data-state="none">
            <span className="readiness-dot" aria-hidden="true" />
            {t("waNumbers.notRunning")}
          </span>
        )}
      </div>
      <div className="account-row-facts">
        {project ? (
          <span data-testid="wa-number-project">{t("waNumbers.project", { name: project.name })}</span>
        ) : (
          <span className="is-missing" data-testid="wa-number-project">
            {t("waNumbers.noProject")}
          </span>
        )}
        {number.pushName && number.pushName !== number.name && (
          <span>{t("waNumbers.pushName", { name: number.pushName })}</span>
        )}
      </div>
      {problem && (
        <p className="account-row-error selectable" data-testid="wa-number-problem">
          {unlinked ? t("waNumbers.unlinkedReason", { reason: problem }) : t("accounts.lastError", { error: problem })}
        </p>
      )}
      <div className="tg-account-flags" role="group" aria-label={t("waNumbers.flags")}>
        {(["privateChats", "groups"] as const).map((key) => (
          <label className="checkbox-line" key={key}>
            <input
              type="checkbox"
              data-testid={`wa-flag-${key}`}
              checked={number.flags[key]}
              disabled={busy}
              onChange={(e) => setFlag(key, e.target.checked)}
            />
            {t(`waNumbers.flag.${key}`)}
          </label>
        ))}
      </div>
      {error && (
        <p className="form-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
      <div className="form-actions">
        {confirming ? (
          <>
            <span className="confirm-text">{t("waNumbers.removeQuestion")}</span>
            <button
              type="button"
              className="button button--danger"
              data-testid="wa-number-remove-confirm"
              disabled={busy}
              onClick={() =>
                void run(async () => {
                  await api.removeWhatsappNumber(number.id);
                  onRemoved(number.id);
                })
              }
            >
              {t("waNumbers.removeConfirm")}
            </button>
            <button type="button" className="link-button" onClick={() => setConfirming(false)}>
              {t("projects.cancel")}
            </button>
          </>
        ) : (
          <>
            {unlinked && (
              <button type="button" className="button" data-testid="wa-number-link-again" onClick={onLinkAgain}>
                {t("waNumbers.linkAgain")}
              </button>
            )}
            <button
              type="button"
              className="link-button"
              data-testid="wa-number-remove"
              onClick={() => setConfirming(true)}
            >
              {t("waNumbers.remove")}
            </button>
          </>
        )}
      </div>
    </article>
  );
}
