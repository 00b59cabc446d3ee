import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Account, type DeliveryFlags, type Project, type TelegramAccount } from "../api";
import { useAction } from "../hooks";
import { useAccounts } from "../useAccounts";
import { useTelegramAccounts } from "../useTelegramAccounts";
import { AccountStateBadge } from "./AccountsView";
import { AlertIcon, ChatIcon, PlusIcon } from "./Icon";
import { SectionHead } from "./ProjectDetail";
import { notReady, TelegramLoginDialog } from "./TelegramLoginDialog";

/**
 * A project's staff Telegram accounts: who is connected, which chats reach
 * the inbox, and "Add a Telegram account" once the project has its bot and
 * work group.
 */
export function TelegramAccountsSection({ project, projects }: { project: Project; projects: Project[] }) {
  const { t } = useTranslation();
  const { items } = useTelegramAccounts();
  const { accounts } = useAccounts();
  const [adding, setAdding] = useState(false);
  const mine = (items ?? []).filter((a) => a.projectId === project.id);
  const blocked = notReady(project);

  return (
    <section className="card" data-testid="tg-accounts" aria-label={t("tgAccounts.title")}>
      <SectionHead icon={<ChatIcon size={16} />} title={t("tgAccounts.title")}>
        <span className="card-head-spacer" />
        <button
          type="button"
          className="button"
          data-testid="tg-accounts-add"
          disabled={blocked != null}
          title={blocked ? t(`tgLogin.blocked.${blocked}`) : undefined}
          onClick={() => setAdding(true)}
        >
          <PlusIcon size={13} />
          {t("tgAccounts.add")}
        </button>
      </SectionHead>
      <p className="card-text">{t("tgAccounts.intro")}</p>
      {blocked && (
        <p className="hint" data-testid="tg-accounts-blocked">
          {t(`tgLogin.blocked.${blocked}`)}
        </p>
      )}
      {mine.length > 0 && (
        <ul className="tg-account-list">
          {mine.map((account) => (
            <li key={account.id}>
              <TelegramAccountRow account={account} status={accounts?.find((a) => a.id === account.id) ?? null} />
            </li>
          ))}
        </ul>
      )}
      {adding && <TelegramLoginDialog projects={projects} projectId={project.id} onClose={() => setAdding(false)} />}
    </section>
  );
}

export function TelegramAccountRow({ account, status }: { account: TelegramAccount; status: Account | null }) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  const setFlag = (key: keyof DeliveryFlags, on: boolean) =>
    void run(async () => {
      await api.setTelegramAccountFlags(account.id, { ...account.flags, [key]: on });
    });

  return (
    <article className="tg-account" data-testid="tg-account" data-account-id={account.id}>
      <div className="tg-account-head">
        <span className="tg-account-name" data-testid="tg-account-name">
          {account.name}
        </span>
        {account.username && <span className="muted">@{account.username}</span>}
        {status && <AccountStateBadge account={status} />}
      </div>
      {status?.status.lastError && <p className="hint">{status.status.lastError}</p>}
      <div className="tg-account-flags" role="group" aria-label={t("tgAccounts.flags")}>
        {(["privateChats", "groups", "channels"] as const).map((key) => (
          <label className="checkbox-line" key={key}>
            <input
              type="checkbox"
              data-testid={`tg-flag-${key}`}
              checked={account.flags[key]}
              disabled={busy}
              onChange={(e) => setFlag(key, e.target.checked)}
            />
            {t(`tgAccounts.flag.${key}`)}
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
            <span className="confirm-text">{t("tgAccounts.removeQuestion")}</span>
            <button
              type="button"
              className="button button--danger"
              data-testid="tg-account-remove-confirm"
              disabled={busy}
              onClick={() =>
                void run(async () => {
                  await api.removeTelegramAccount(account.id);
                })
              }
            >
              {t("tgAccounts.removeConfirm")}
            </button>
            <button type="button" className="link-button" onClick={() => setConfirming(false)}>
              {t("projects.cancel")}
            </button>
          </>
        ) : (
          <button type="button" className="link-button" data-testid="tg-account-remove" onClick={() => setConfirming(true)}>
            {t("tgAccounts.remove")}
          </button>
        )}
      </div>
    </article>
  );
}
