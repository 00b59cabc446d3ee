import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type AvitoAccount } from "../api";
import { currentProblem } from "../avito";
import { formatDate, formatFull } from "../format";
import { useAction } from "../hooks";
import { AvitoErrorDetails, AvitoStateBadge } from "./AvitoRow";
import { DangerZone } from "./DangerZone";
import { ExternalLink, webAddress } from "./ExternalLink";
import { AlertIcon, AvitoIcon, ExternalIcon, LinkIcon, RefreshIcon } from "./Icon";
import { SectionHead } from "./ProjectDetail";

type Props = {
  account: AvitoAccount;
  onChanged: (account: AvitoAccount) => void;
  onRemoved: (accountId: number) => void;
};

/** One Avito account: how reading its chats is going, what it is, webhooks, disconnecting it. */
export function AvitoDetail({ account, onChanged, onRemoved }: Props) {
  const { t, i18n } = useTranslation();
  const problem = currentProblem(account);
  return (
    <div className="project-detail" data-testid="avito-detail" data-account-id={account.id}>
      <header className="project-head">
        <div className="project-head-title">
          <h1>{account.name}</h1>
          <AvitoStateBadge account={account} />
        </div>
        <p className="project-head-sub">
          {t("avito.connectedAt")} {formatDate(account.connectedAt, i18n.language)}
        </p>
      </header>

      {problem?.problem === "tariff" && (
        <section className="card tariff-card" data-testid="avito-tariff" role="alert">
          <div className="tariff-card-head">
            <AlertIcon size={18} className="tariff-note-icon" />
            <h2>{t("avito.problem.tariff")}</h2>
          </div>
          <p className="tariff-card-text">{t("avito.hint.tariff")}</p>
          {problem.message && (
            <p className="mail-problem-message selectable">{t("avito.avitoSaid", { message: problem.message })}</p>
          )}
        </section>
      )}

      <AvitoStatus account={account} />
      <WebhookSection account={account} onChanged={onChanged} />
      <AccountFacts account={account} onRemoved={onRemoved} />
    </div>
  );
}

/** The connection in a sentence, when the chats were last read, the problem if any, and "Check now". */
function AvitoStatus({ account }: { account: AvitoAccount }) {
  const { t, i18n } = useTranslation();
  const { busy, error, run } = useAction();
  const problem = currentProblem(account);
  return (
    <section className="card" data-testid="avito-status" data-state={account.state}>
      <SectionHead icon={<AvitoIcon size={16} />} title={t("avito.connection")}>
        <span className="card-head-spacer" />
        <button
          type="button"
          className="button"
          data-testid="avito-check"
          title={t("avito.checkHint")}
          disabled={busy}
          onClick={() =>
            void run(async () => {
              // Reads the account's chats now instead of at the next interval.
              await api.pollAvito(account.id);
            })
          }
        >
          <RefreshIcon size={14} />
          {busy ? t("avito.checking") : t("avito.check")}
        </button>
      </SectionHead>
      <p className="card-text">{t(`avito.stateText.${account.state}`)}</p>
      <p className="hint" data-testid="avito-last-poll">
        {account.lastPollAt != null
          ? t("avito.lastPoll", { time: formatFull(account.lastPollAt, i18n.language) })
          : t("avito.neverPolled")}
      </p>
      {/* The tariff problem has its own card above. */}
      {problem && problem.problem !== "tariff" && (
        <div className="problem" data-testid="avito-last-error">
          <AlertIcon size={15} className="problem-icon" />
          <AvitoErrorDetails error={problem} />
        </div>
      )}
      {error && (
        <p className="form-error" data-testid="avito-check-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </section>
  );
}

/** What the account is on Avito, how it was connected, and disconnecting it. */
function AccountFacts({ account, onRemoved }: { account: AvitoAccount; onRemoved: (accountId: number) => void }) {
  const { t } = useTranslation();
  const profile = webAddress(account.profileUrl);
  return (
    <section className="card" data-testid="avito-account">
      <SectionHead icon={<AvitoIcon size={16} />} title={t("avito.account")} />
      <dl className="facts avito-facts">
        <div className="fact">
          <dt>{t("avito.userId")}</dt>
          <dd className="selectable" data-testid="avito-user-id">
            {account.userId}
          </dd>
        </div>
        {profile && (
          <div className="fact">
            <dt>{t("avito.profile")}</dt>
            <dd>
              <ExternalLink href={profile} testId="avito-profile">
                {t("avito.openProfile")}
                <ExternalIcon size={12} />
              </ExternalLink>
            </dd>
          </div>
        )}
        <div className="fact">
          <dt>{t("avito.clientId")}</dt>
          <dd className="selectable" data-testid="avito-client-id-value">
            {account.clientId}
          </dd>
        </div>
        {account.apiUrl && (
          <div className="fact">
            <dt>{t("avito.apiUrl")}</dt>
            <dd className="selectable">{account.apiUrl}</dd>
          </div>
        )}
      </dl>
      <p className="hint">{t("avito.sourcesHint")}</p>
      <DisconnectAvito account={account} onRemoved={onRemoved} />
    </section>
  );
}

/** Webhooks: Avito posts new messages to the LAN endpoint through a public address. */
function WebhookSection({ account, onChanged }: { account: AvitoAccount; onChanged: (account: AvitoAccount) => void }) {
  const { t } = useTranslation();
  const [url, setUrl] = useState("");
  const { busy, error, run } = useAction();

  // Turns webhooks on with a public address, or off with null.
  const apply = (publicUrl: string | null) =>
    run(async () => {
      onChanged(await api.setAvitoWebhook(account.id, publicUrl));
      setUrl("");
    });

  return (
    <section className="card" data-testid="avito-webhook" data-on={account.webhookUrl ? "true" : "false"}>
      <SectionHead icon={<LinkIcon size={16} />} title={t("avito.webhook.title")} />
      <p className="card-text">{t("avito.webhook.polling")}</p>
      <p className="card-text">{t("avito.webhook.explain")}</p>
      {account.webhookUrl ? (
        <div className="webhook-on">
          <p className="webhook-state is-on selectable" data-testid="avito-webhook-url">
            {t("avito.webhook.active", { url: account.webhookUrl })}
          </p>
          <button
            type="button"
            className="button"
            data-testid="avito-webhook-off"
            disabled={busy}
            onClick={() => void apply(null)}
          >
            {t("avito.webhook.off")}
          </button>
        </div>
      ) : (
        <form
          className="webhook-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (url.trim()) void apply(url.trim());
          }}
        >
          <p className="webhook-state">{t("avito.webhook.offText")}</p>
          <label className="field">
            <span className="field-label">{t("avito.webhook.url")}</span>
            <span className="webhook-row">
              <input
                type="url"
                data-testid="avito-webhook-input"
                placeholder="https://shop.example.com:8443"
                value={url}
                onChange={(event) => setUrl(event.target.value)}
                spellCheck={false}
                disabled={busy}
              />
              <button
                type="submit"
                className="button"
                data-testid="avito-webhook-on"
                disabled={busy || !url.trim()}
              >
                {t("avito.webhook.on")}
              </button>
            </span>
          </label>
        </form>
      )}
      {error && (
        <p className="form-error" data-testid="avito-webhook-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </section>
  );
}

function DisconnectAvito({ account, onRemoved }: { account: AvitoAccount; onRemoved: (accountId: number) => void }) {
  const { t } = useTranslation();
  return (
    <DangerZone
      text={{
        action: t("avito.remove"),
        question: t("avito.removeQuestion", { name: account.name }),
        explanation: t("avito.removeText"),
        confirm: t("avito.removeConfirm"),
        working: t("avito.removing"),
        cancel: t("avito.cancel"),
        testId: "avito-remove",
        confirmTestId: "avito-remove-confirm",
        errorTestId: "avito-remove-error",
      }}
      onConfirm={async () => {
        await api.removeAvito(account.id);
        onRemoved(account.id);
      }}
    />
  );
}
