// The project's operator bot: connecting it (through a proxy if need be), its
// state, webhook mode.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, DEFAULT_BOT_API_URL, type Project, type ProjectBot } from "../api";
import { useAction } from "../hooks";
import { AlertIcon, BotIcon } from "./Icon";
import { SectionHead } from "./ProjectDetail";

export function BotSection({ project, onChanged }: { project: Project; onChanged: (project: Project) => void }) {
  const { t } = useTranslation();
  const bot = project.bot;
  return (
    <section className="card" data-testid="bot-section" data-connected={bot ? "true" : "false"}>
      <SectionHead icon={<BotIcon size={16} />} title={t("bot.title")} />
      {bot ? (
        <ConnectedBot project={project} bot={bot} onChanged={onChanged} />
      ) : (
        <>
          <p className="card-text">{t("bot.intro")}</p>
          <ol className="steps">
            <li>{t("bot.step1")}</li>
            <li>{t("bot.step2")}</li>
            <li>{t("bot.step3")}</li>
          </ol>
          <ConnectBotForm projectId={project.id} onChanged={onChanged} />
        </>
      )}
    </section>
  );
}

/**
 * The bot's token, and in a disclosure its own Bot API server and proxy. For a
 * connected bot (`current`) it connects it again: the way to change its token
 * or proxy, and connecting without a proxy removes the one it has.
 */
function ConnectBotForm({
  projectId,
  onChanged,
  title,
  current,
}: {
  projectId: number;
  onChanged: (project: Project) => void;
  title?: string;
  current?: ProjectBot;
}) {
  const { t } = useTranslation();
  const [token, setToken] = useState("");
  // Connecting again keeps the bot's own server unless it is changed here.
  const ownServer = current && current.apiUrl !== DEFAULT_BOT_API_URL ? current.apiUrl : "";
  const [apiUrl, setApiUrl] = useState(ownServer);
  const [proxy, setProxy] = useState("");
  const { busy, error, run } = useAction();
  const proxied = current?.proxied === true;

  const connect = async () => {
    if (busy || !token.trim()) return;
    await run(async () => {
      const project = await api.connectBot(projectId, {
        token: token.trim(),
        apiUrl: apiUrl.trim() || null,
        proxy: proxy.trim() || null,
      });
      // The token and the proxy live in the keychain now; nothing here keeps them.
      setToken("");
      setApiUrl("");
      setProxy("");
      onChanged(project);
    });
  };

  return (
    <form
      className="bot-form"
      onSubmit={(e) => {
        e.preventDefault();
        void connect();
      }}
    >
      {title && <h3 className="bot-form-title">{title}</h3>}
      <label className="field">
        <span className="field-label">{t("bot.token")}</span>
        <input
          type="password"
          data-testid="bot-token-input"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder={t("bot.tokenPlaceholder")}
          autoComplete="off"
          spellCheck={false}
          disabled={busy}
        />
      </label>
      <p className="hint">{t("bot.tokenHint")}</p>
      <details className="disclosure" data-testid="bot-connection-options" open={proxied || ownServer !== "" || undefined}>
        <summary>{t("bot.ownServerOrProxy")}</summary>
        <label className="field">
          <span className="field-label">{t("bot.apiUrl")}</span>
          <input
            type="url"
            data-testid="bot-api-url-input"
            value={apiUrl}
            onChange={(e) => setApiUrl(e.target.value)}
            placeholder={DEFAULT_BOT_API_URL}
            spellCheck={false}
            disabled={busy}
          />
        </label>
        <p className="hint">{t("bot.ownServerHint")}</p>
        <label className="field">
          <span className="field-label">{t("bot.proxy")}</span>
          <input
            type="text"
            data-testid="bot-proxy-input"
            value={proxy}
            onChange={(e) => setProxy(e.target.value)}
            placeholder="socks5://user:password@host:1080"
            autoComplete="off"
            spellCheck={false}
            disabled={busy}
          />
        </label>
        <p className="hint" data-testid="bot-proxy-hint">
          {t("bot.proxyHint")}
          {proxied && ` ${t("bot.proxyRemoveHint")}`}
        </p>
      </details>
      {error && (
        <p className="form-error" data-testid="bot-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
      <div className="form-actions">
        <button
          type="submit"
          className="button button--primary"
          data-testid="bot-connect"
          disabled={busy || !token.trim()}
          aria-busy={busy}
        >
          {busy && <span className="spinner" aria-hidden="true" />}
          {busy ? t("bot.connecting") : t("bot.connect")}
        </button>
      </div>
    </form>
  );
}

function ConnectedBot({
  project,
  bot,
  onChanged,
}: {
  project: Project;
  bot: ProjectBot;
  onChanged: (project: Project) => void;
}) {
  const { t } = useTranslation();
  const { busy, error, run } = useAction();
  const showError = bot.lastError && bot.state !== "online" && bot.state !== "connecting";

  const disconnect = () => run(async () => onChanged(await api.disconnectBot(project.id)));

  return (
    <div className="bot-connected">
      <div className="bot-line">
        <span className="bot-username selectable" data-testid="bot-username">
          @{bot.username}
        </span>
        <span className={`bot-state bot-state--${bot.state}`} data-testid="bot-state" data-state={bot.state}>
          <span className="bot-state-dot" aria-hidden="true" />
          {t(`bot.state.${bot.state}`)}
        </span>
        {/* Never the proxy's address: it may hold a password. */}
        {bot.proxied && (
          <span className="badge bot-proxied" data-testid="bot-proxied" title={t("bot.proxiedHint")}>
            {t("bot.proxied")}
          </span>
        )}
        <span className="card-head-spacer" />
        <button
          type="button"
          className="button"
          data-testid="bot-disconnect"
          onClick={() => void disconnect()}
          disabled={busy}
          title={t("bot.disconnectHint")}
        >
          {busy ? t("bot.disconnecting") : t("bot.disconnect")}
        </button>
      </div>
      <p className={`bot-state-text bot-state-text--${bot.state}`} data-testid="bot-state-text">
        {t(`bot.stateText.${bot.state}`)}
      </p>
      {showError && (
        <p className="bot-last-error selectable" data-testid="bot-last-error">
          {t("bot.lastError", { error: bot.lastError })}
        </p>
      )}
      {bot.apiUrl && bot.apiUrl !== DEFAULT_BOT_API_URL && (
        <p className="hint selectable">{t("bot.server", { url: bot.apiUrl })}</p>
      )}
      {error && (
        <p className="form-error" data-testid="bot-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
      {bot.state === "unauthorized" ? (
        <ConnectBotForm projectId={project.id} onChanged={onChanged} title={t("bot.reconnectTitle")} current={bot} />
      ) : (
        <Reconnect project={project} bot={bot} onChanged={onChanged} />
      )}
      <WebhookSettings project={project} bot={bot} onChanged={onChanged} />
    </div>
  );
}

/** Connecting a working bot again, folded away: how its token or proxy is changed. */
function Reconnect({
  project,
  bot,
  onChanged,
}: {
  project: Project;
  bot: ProjectBot;
  onChanged: (project: Project) => void;
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <details
      className="advanced"
      data-testid="bot-reconnect"
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary>{t("bot.reconnectToggle")}</summary>
      {/* Rendered only when open: the form's fields are not left lying around. */}
      {open && (
        <ConnectBotForm
          projectId={project.id}
          current={bot}
          onChanged={(changed) => {
            setOpen(false);
            onChanged(changed);
          }}
        />
      )}
    </details>
  );
}

/** Webhook mode: Telegram posts updates to the LAN endpoint through a public address. */
function WebhookSettings({
  project,
  bot,
  onChanged,
}: {
  project: Project;
  bot: ProjectBot;
  onChanged: (project: Project) => void;
}) {
  const { t } = useTranslation();
  const [url, setUrl] = useState("");
  const { busy, error, run } = useAction();

  const apply = (publicUrl: string | null) =>
    run(async () => {
      onChanged(await api.setBotWebhook(project.id, publicUrl));
      setUrl("");
    });

  return (
    <details className="advanced" data-testid="bot-webhook" open={bot.webhookUrl != null}>
      <summary>{t("bot.webhook.title")}</summary>
      {bot.webhookUrl ? (
        <div className="form-row">
          <p className="hint selectable" data-testid="bot-webhook-url">
            {t("bot.webhook.active", { url: bot.webhookUrl })}
          </p>
          <button
            type="button"
            className="button"
            data-testid="bot-webhook-off"
            disabled={busy}
            onClick={() => void apply(null)}
          >
            {t("bot.webhook.off")}
          </button>
        </div>
      ) : (
        <form
          className="form-row"
          onSubmit={(event) => {
            event.preventDefault();
            void apply(url);
          }}
        >
          <p className="hint">{t("bot.webhook.explain")}</p>
          <input
            className="input"
            type="url"
            data-testid="bot-webhook-input"
            placeholder="https://shop.example.com:8443"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
          />
          <button type="submit" className="button" data-testid="bot-webhook-on" disabled={busy || !url.trim()}>
            {t("bot.webhook.on")}
          </button>
        </form>
      )}
      {error && (
        <p className="form-error" data-testid="bot-webhook-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </details>
  );
}
