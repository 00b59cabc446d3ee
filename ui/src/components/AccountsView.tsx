import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Account, Project } from "../api";
import { accountDetail, accountStateTone } from "../accounts";
import { errorText } from "../errors";
import { formatFull, formatSince } from "../format";
import { useNow } from "../hooks";
import { useAccounts } from "../useAccounts";
import { useWhatsappCloudNumbers } from "../useWhatsappCloudNumbers";
import { useWhatsappNumbers } from "../useWhatsappNumbers";
import { ChannelBadge } from "./ChannelBadge";
import { AccountsIcon, PlusIcon } from "./Icon";
import { TelegramLoginDialog } from "./TelegramLoginDialog";
import { WhatsAppCloudDialog } from "./WhatsAppCloudDialog";
import { WhatsAppCloudNumberPanel } from "./WhatsAppCloudNumber";
import { WhatsAppLinkDialog } from "./WhatsAppLinkDialog";
import { WhatsAppNumbersSection } from "./WhatsAppNumbersSection";
import { PanePlaceholder } from "./ListDetail";

/**
 * Every connected channel account of every kind (the Test chat, Telegram bots,
 * mailboxes, Avito accounts, WhatsApp numbers) with how its connection is
 * doing, in the same words and colours for every kind. The shop's WhatsApp
 * numbers linked as devices have a section of their own, with their flags.
 */
export function AccountsView() {
  const { t } = useTranslation();
  const { accounts, projects, error } = useAccounts();
  const [addingTelegram, setAddingTelegram] = useState(false);
  const [addingCloud, setAddingCloud] = useState(false);
  /** The dialog linking a WhatsApp number is open, for this project (or the first). */
  const [linking, setLinking] = useState<{ projectId: number | null } | null>(null);
  const whatsapp = useWhatsappNumbers();
  const linked = whatsapp.items ?? [];
  const cloud = useWhatsappCloudNumbers();
  const others = accounts?.filter((a) => !linked.some((n) => n.id === a.id)) ?? null;
  const noProjects = !projects || projects.length === 0;

  return (
    <main className="accounts-view" data-testid="accounts-view" aria-label={t("accounts.title")}>
      <div className="accounts-page">
        <header className="project-head accounts-head">
          <div>
            <h1>{t("accounts.title")}</h1>
            <p className="project-head-sub">{t("accounts.intro")}</p>
          </div>
          <button
            type="button"
            className="button"
            data-testid="accounts-add-telegram"
            disabled={!projects || projects.length === 0}
            title={projects && projects.length === 0 ? t("tgLogin.blocked.bot") : undefined}
            onClick={() => setAddingTelegram(true)}
          >
            <PlusIcon size={13} />
            {t("tgAccounts.add")}
          </button>
          <button
            type="button"
            className="button"
            data-testid="accounts-add-whatsapp"
            disabled={noProjects}
            title={projects && projects.length === 0 ? t("waLink.noProjects") : undefined}
            onClick={() => setLinking({ projectId: null })}
          >
            <PlusIcon size={13} />
            {t("waLink.add")}
          </button>
          <button
            type="button"
            className="button"
            data-testid="accounts-add-whatsapp-cloud"
            onClick={() => setAddingCloud(true)}
          >
            <PlusIcon size={13} />
            {t("waCloud.open")}
          </button>
        </header>
        {addingTelegram && projects && (
          <TelegramLoginDialog projects={projects} onClose={() => setAddingTelegram(false)} />
        )}
        {addingCloud && <WhatsAppCloudDialog onClose={() => setAddingCloud(false)} />}
        {linking && projects && (
          <WhatsAppLinkDialog
            projects={projects}
            projectId={linking.projectId ?? undefined}
            onClose={() => setLinking(null)}
          />
        )}
        {linked.length > 0 && (
          <WhatsAppNumbersSection
            numbers={linked}
            accounts={accounts}
            projects={projects}
            onLink={(projectId) => setLinking({ projectId })}
            onChanged={whatsapp.apply}
            onRemoved={whatsapp.drop}
          />
        )}
        {accounts == null && error == null && <div className="list-note">{t("accounts.loading")}</div>}
        {accounts == null && error != null && (
          <div className="list-note list-note--error" role="alert">
            {errorText(error, t)}
          </div>
        )}
        {others && others.length === 0 && linked.length === 0 && (
          <PanePlaceholder
            className="accounts-empty"
            testId="accounts-empty"
            icon={<AccountsIcon size={40} className="placeholder-icon" />}
            title={t("accounts.emptyTitle")}
            text={t("accounts.emptyText")}
          />
        )}
        {others && others.length > 0 && (
          <ul className="account-list" aria-label={t("accounts.title")}>
            {others.map((account) => (
              <li key={account.id}>
                <AccountRow account={account} projects={projects}>
                  {cloud.items
                    ?.filter((n) => n.id === account.id)
                    .map((n) => (
                      <WhatsAppCloudNumberPanel key={n.id} number={n} onChanged={cloud.apply} onRemoved={cloud.drop} />
                    ))}
                </AccountRow>
              </li>
            ))}
          </ul>
        )}
      </div>
    </main>
  );
}

function AccountRow({
  account,
  projects,
  children,
}: {
  account: Account;
  projects: Project[] | null;
  /** What the account's kind adds (a Cloud API number's IDs and actions). */
  children?: ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const now = useNow();
  const { status } = account;
  const detail = accountDetail(account);
  const project = account.projectId == null ? null : projects?.find((p) => p.id === account.projectId);
  const connectedAt = status.lastConnectedAt;

  return (
    <article
      className="card account-row"
      data-testid="account-row"
      data-account-id={account.id}
      data-kind={account.kind}
      data-state={status.state}
    >
      <div className="account-row-head">
        <ChannelBadge kind={account.kind} long />
        <span className="account-row-name" data-testid="account-name">
          {account.name}
        </span>
        <AccountStateBadge account={account} />
      </div>
      <div className="account-row-facts">
        {account.projectId == null ? (
          <span className="is-missing" data-testid="account-project">
            {t("accounts.noProject")}
          </span>
        ) : (
          project && (
            <span data-testid="account-project">{t("accounts.project", { name: project.name })}</span>
          )
        )}
        {detail && (
          <span data-testid="account-detail" data-detail={detail}>
            {t(`accounts.detail.${detail}`, { defaultValue: detail })}
          </span>
        )}
        <span
          data-testid="account-last-connected"
          title={connectedAt == null ? undefined : formatFull(connectedAt, i18n.language)}
        >
          {connectedAt == null
            ? t("accounts.neverConnected")
            : t("accounts.lastConnected", { time: formatSince(connectedAt, now, t, i18n.language) })}
        </span>
      </div>
      {status.lastError && (
        <p className="account-row-error selectable" data-testid="account-last-error">
          {t("accounts.lastError", { error: status.lastError })}
        </p>
      )}
      {children}
    </article>
  );
}

/** The state in the one model's words: "Connected", "Offline", "Bad credentials"… */
export function AccountStateBadge({ account }: { account: Account }) {
  const { t } = useTranslation();
  const { state } = account.status;
  return (
    <span
      className={`readiness readiness--${accountStateTone(state)}${state === "connecting" ? " is-live" : ""}`}
      data-testid="account-state"
      data-state={state}
      title={t(`accounts.stateHint.${state}`)}
    >
      <span className="readiness-dot" aria-hidden="true" />
      {t(`accounts.state.${state}`)}
    </span>
  );
}
