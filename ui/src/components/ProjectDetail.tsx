import { useEffect, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import {
  api,
  DEFAULT_BOT_API_URL,
  type ChannelAccount,
  type Project,
  type ProjectBot,
  type ProjectInput,
  type ProjectLanguage,
  type WorkGroup,
} from "../api";
import { apiMessage } from "../errors";
import { formatDate, formatFull } from "../format";
import { useAction } from "../hooks";
import { LANGUAGE_NAMES, LANGUAGES } from "../i18n";
import { ChannelBadge } from "./ChannelBadge";
import { AlertIcon, BotIcon, CheckIcon, GroupIcon, SourcesIcon } from "./Icon";
import { ReadinessBadge } from "./ReadinessBadge";

type DetailProps = {
  project: Project;
  /** All projects, to name the one an account belongs to. */
  projects: Project[];
  accounts: ChannelAccount[];
  onChanged: (project: Project) => void;
  onDeleted: (projectId: number) => void;
};

/** One project's settings: name and language, bot, work group, sources. */
export function ProjectDetail({ project, projects, accounts, onChanged, onDeleted }: DetailProps) {
  const { t, i18n } = useTranslation();
  return (
    <div className="project-detail" data-testid="project-detail" data-project-id={project.id}>
      <header className="project-head">
        <div className="project-head-title">
          <h1>{project.name}</h1>
          <ReadinessBadge project={project} />
        </div>
        <p className="project-head-sub">
          {t("projects.createdAt", { date: formatDate(project.createdAt, i18n.language) })}
        </p>
      </header>

      <section className="card" aria-label={t("projects.settings")}>
        <ProjectForm
          value={{ name: project.name, language: project.language }}
          submitLabel={t("projects.save")}
          busyLabel={t("projects.saving")}
          onSubmit={async (input) => onChanged(await api.updateProject(project.id, input))}
        />
        <DeleteProject project={project} onDeleted={onDeleted} />
      </section>

      <BotSection project={project} onChanged={onChanged} />
      <WorkGroupSection project={project} onChanged={onChanged} />
      <SourcesSection project={project} projects={projects} accounts={accounts} onChanged={onChanged} />
    </div>
  );
}

// ---------- Name and language ----------

type FormProps = {
  value: ProjectInput;
  submitLabel: string;
  busyLabel: string;
  onSubmit: (input: ProjectInput) => Promise<void>;
  onCancel?: () => void;
  autoFocus?: boolean;
};

/** The project's name and the language its bot uses with operators. */
export function ProjectForm({ value, submitLabel, busyLabel, onSubmit, onCancel, autoFocus }: FormProps) {
  const { t } = useTranslation();
  // Null while untouched: then the form follows the project as the engine reports it.
  const [draft, setDraft] = useState<ProjectInput | null>(null);
  const { busy, error, run } = useAction();
  const shown = draft ?? value;
  const creating = onCancel != null;
  const changed = draft != null && (draft.name.trim() !== value.name || draft.language !== value.language);
  const canSubmit = !busy && shown.name.trim() !== "" && (creating || changed);

  const submit = async () => {
    if (!canSubmit) return;
    await run(async () => {
      await onSubmit({ name: shown.name.trim(), language: shown.language });
      setDraft(null);
    });
  };

  return (
    <form
      className="project-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="project-form-fields">
        <label className="field project-form-name">
          <span className="field-label">{t("projects.name")}</span>
          <input
            type="text"
            data-testid="project-name-input"
            value={shown.name}
            onChange={(e) => setDraft({ ...shown, name: e.target.value })}
            placeholder={t("projects.namePlaceholder")}
            maxLength={80}
            autoFocus={autoFocus}
            spellCheck={false}
          />
        </label>
        <label className="field">
          <span className="field-label">{t("projects.language")}</span>
          <select
            data-testid="project-language"
            value={shown.language}
            onChange={(e) => setDraft({ ...shown, language: e.target.value as ProjectLanguage })}
          >
            {LANGUAGES.map((language) => (
              <option key={language} value={language}>
                {LANGUAGE_NAMES[language]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="hint">{t("projects.languageHint")}</p>
      {error && (
        <p className="form-error" data-testid="project-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button--primary" data-testid="project-save" disabled={!canSubmit}>
          {busy ? busyLabel : submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="button" onClick={onCancel} disabled={busy}>
            {t("projects.cancel")}
          </button>
        )}
        {!creating && changed && !busy && (
          <button type="button" className="link-button" onClick={() => setDraft(null)}>
            {t("projects.cancel")}
          </button>
        )}
      </div>
    </form>
  );
}

function DeleteProject({ project, onDeleted }: { project: Project; onDeleted: (projectId: number) => void }) {
  const { t } = useTranslation();
  const [asking, setAsking] = useState(false);
  const { busy, error, run } = useAction();

  const remove = () =>
    run(async () => {
      await api.deleteProject(project.id);
      onDeleted(project.id);
    });

  return (
    <div className="danger-zone">
      {asking ? (
        <div className="confirm" role="alertdialog" aria-label={t("projects.deleteQuestion", { name: project.name })}>
          <p className="confirm-question">{t("projects.deleteQuestion", { name: project.name })}</p>
          <p className="confirm-text">{t("projects.deleteText")}</p>
          {error && (
            <p className="form-error" data-testid="project-error" role="alert">
              <AlertIcon size={14} />
              {error}
            </p>
          )}
          <div className="form-actions">
            <button
              type="button"
              className="button button--danger"
              data-testid="project-delete-confirm"
              onClick={() => void remove()}
              disabled={busy}
            >
              {busy ? t("projects.deleting") : t("projects.deleteConfirm")}
            </button>
            <button type="button" className="button" onClick={() => setAsking(false)} disabled={busy}>
              {t("projects.cancel")}
            </button>
          </div>
        </div>
      ) : (
        <button type="button" className="link-button link-button--danger" data-testid="project-delete" onClick={() => setAsking(true)}>
          {t("projects.delete")}
        </button>
      )}
    </div>
  );
}

// ---------- Bot ----------

function SectionHead({ icon, title, children }: { icon: ReactNode; title: string; children?: ReactNode }) {
  return (
    <div className="card-head">
      <span className="card-icon" aria-hidden="true">
        {icon}
      </span>
      <h2>{title}</h2>
      {children}
    </div>
  );
}

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

function ConnectBotForm({
  projectId,
  onChanged,
  again = false,
}: {
  projectId: number;
  onChanged: (project: Project) => void;
  again?: boolean;
}) {
  const { t } = useTranslation();
  const [token, setToken] = useState("");
  const [apiUrl, setApiUrl] = useState("");
  const { busy, error, run } = useAction();

  const connect = async () => {
    if (busy || !token.trim()) return;
    await run(async () => {
      const project = await api.connectBot(projectId, { token: token.trim(), apiUrl: apiUrl.trim() || null });
      // The token lives in the keychain now; nothing here keeps it.
      setToken("");
      setApiUrl("");
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
      {again && <h3 className="bot-form-title">{t("bot.reconnectTitle")}</h3>}
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
      <details className="disclosure">
        <summary>{t("bot.ownServer")}</summary>
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
      {bot.state === "unauthorized" && <ConnectBotForm projectId={project.id} onChanged={onChanged} again />}
      <WebhookSettings project={project} bot={bot} onChanged={onChanged} />
    </div>
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

// ---------- Work group ----------

export function WorkGroupSection({ project, onChanged }: { project: Project; onChanged: (project: Project) => void }) {
  const { t } = useTranslation();
  const { bot, workGroup } = project;

  let state: string;
  let body: ReactNode;
  if (!bot) {
    state = "no_bot";
    body = (
      <>
        <p className="card-text muted" data-testid="work-group-needs-bot">
          {t("workGroup.needBot")}
        </p>
        {workGroup && <BoundGroup project={project} group={workGroup} bot={null} onChanged={onChanged} />}
      </>
    );
  } else if (!workGroup) {
    state = "waiting";
    const listening = bot.state === "online" || bot.state === "connecting";
    body = (
      <>
        <p className="card-text">{t("workGroup.intro")}</p>
        <ol className="steps">
          <li>{t("workGroup.step1")}</li>
          <li>{t("workGroup.step2")}</li>
          <li>
            {t("workGroup.step3", { bot: bot.username })}
            <span className="step-alt">{t("workGroup.step3Alt")}</span>
          </li>
        </ol>
        <p className="waiting" data-testid="work-group-waiting" role="status" data-bot-state={bot.state}>
          <span className={`waiting-dot${listening ? " is-live" : ""}`} aria-hidden="true" />
          {listening ? t("workGroup.waiting", { bot: bot.username }) : t("workGroup.waitingOffline")}
        </p>
      </>
    );
  } else {
    const check = workGroup.check;
    state = !check ? "unchecked" : check.missing.length === 0 && !check.error ? "ready" : "missing";
    body = <BoundGroup project={project} group={workGroup} bot={bot} onChanged={onChanged} />;
  }

  return (
    <section className="card" data-testid="work-group" data-state={state}>
      <SectionHead icon={<GroupIcon size={16} />} title={t("workGroup.title")} />
      {body}
    </section>
  );
}

function BoundGroup({
  project,
  group,
  bot,
  onChanged,
}: {
  project: Project;
  group: WorkGroup;
  bot: ProjectBot | null;
  onChanged: (project: Project) => void;
}) {
  const { t, i18n } = useTranslation();
  const [busy, setBusy] = useState<"check" | "unbind" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const check = group.check;
  // Without a bot the fixes name no one; they would read "@".
  const botName = bot?.username ?? "";

  const run = async (what: "check" | "unbind") => {
    setBusy(what);
    setError(null);
    try {
      onChanged(
        await (what === "check" ? api.checkWorkGroup(project.id) : api.unbindWorkGroup(project.id)),
      );
    } catch (reason) {
      setError(apiMessage(reason, t));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="group-bound">
      <div className="group-title-line">
        <span className="group-title selectable" data-testid="work-group-title">
          {group.title}
        </span>
      </div>

      {bot &&
        (check == null ? (
          <p className="card-text muted">{t("workGroup.notChecked")}</p>
        ) : check.missing.length === 0 && !check.error ? (
          <p className="group-ready" data-testid="work-group-ready">
            <CheckIcon size={15} />
            {t("workGroup.ready")}
          </p>
        ) : (
          <div className="group-missing">
            <p className="group-missing-title">{t("workGroup.missingTitle")}</p>
            <ul className="problems" data-testid="work-group-missing">
              {check.missing.map((problem) => (
                <li key={problem} className="problem" data-problem={problem}>
                  <AlertIcon size={15} className="problem-icon" />
                  <span>
                    {t(`workGroup.problem.${problem}`, { bot: botName })}
                    {problem === "unreachable" && check.error && (
                      <span className="problem-detail selectable">
                        {t("workGroup.telegramSaid", { error: check.error })}
                      </span>
                    )}
                  </span>
                </li>
              ))}
              {check.error && !check.missing.includes("unreachable") && (
                <li className="problem" data-problem="unreachable">
                  <AlertIcon size={15} className="problem-icon" />
                  <span>
                    {t("workGroup.problem.unreachable")}
                    <span className="problem-detail selectable">
                      {t("workGroup.telegramSaid", { error: check.error })}
                    </span>
                  </span>
                </li>
              )}
            </ul>
            <p className="hint">{t("workGroup.afterFix")}</p>
          </div>
        ))}

      {error && (
        <p className="form-error" data-testid="work-group-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}

      <div className="form-actions group-actions">
        {bot && (
          <button
            type="button"
            className="button"
            data-testid="work-group-check"
            onClick={() => void run("check")}
            disabled={busy != null}
          >
            {busy === "check" && <span className="spinner" aria-hidden="true" />}
            {busy === "check" ? t("workGroup.checking") : t("workGroup.check")}
          </button>
        )}
        <button
          type="button"
          className="button button--quiet"
          data-testid="work-group-unbind"
          onClick={() => void run("unbind")}
          disabled={busy != null}
          title={t("workGroup.unbindHint")}
        >
          {t("workGroup.unbind")}
        </button>
        {check && (
          <span className="group-checked-at" data-testid="work-group-checked-at">
            {t("workGroup.checkedAt", { time: formatFull(check.checkedAt, i18n.language) })}
          </span>
        )}
      </div>
    </div>
  );
}

// ---------- Sources ----------

export function SourcesSection({
  project,
  projects,
  accounts,
  onChanged,
}: {
  project: Project;
  projects: Project[];
  accounts: ChannelAccount[];
  onChanged: (project: Project) => void;
}) {
  const { t } = useTranslation();
  // The choice being saved, shown at once.
  const [pending, setPending] = useState<{ id: number; checked: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const botAccountId = project.bot?.accountId ?? null;

  const toggle = async (account: ChannelAccount, checked: boolean) => {
    const ids = new Set(
      accounts.filter((a) => a.projectId === project.id && a.id !== botAccountId).map((a) => a.id),
    );
    if (checked) ids.add(account.id);
    else ids.delete(account.id);
    setPending({ id: account.id, checked });
    setError(null);
    try {
      onChanged(await api.setProjectSources(project.id, [...ids]));
    } catch (reason) {
      setError(apiMessage(reason, t));
    } finally {
      setPending(null);
    }
  };

  return (
    <section className="card" data-testid="sources">
      <SectionHead icon={<SourcesIcon size={16} />} title={t("sources.title")} />
      <p className="card-text">{t("sources.intro")}</p>
      {accounts.length === 0 ? (
        <p className="card-text muted">{t("sources.none")}</p>
      ) : (
        <ul className="source-list">
          {accounts.map((account) => {
            const own = account.id === botAccountId;
            const checked =
              own || (pending?.id === account.id ? pending.checked : account.projectId === project.id);
            const other =
              account.projectId != null && account.projectId !== project.id
                ? projects.find((p) => p.id === account.projectId)
                : undefined;
            let hint: string | null = null;
            if (own) hint = t("sources.ownBot");
            else if (other) hint = t("sources.inProject", { name: other.name });
            return (
              <li key={account.id}>
                <label className={`source${own ? " is-own" : ""}${checked ? " is-checked" : ""}`}>
                  <input
                    type="checkbox"
                    data-testid="source-checkbox"
                    data-account-id={account.id}
                    checked={checked}
                    disabled={own || pending != null}
                    onChange={(e) => void toggle(account, e.target.checked)}
                  />
                  <span className="source-main">
                    <span className="source-line">
                      <span className="source-name">{account.name}</span>
                      <ChannelBadge kind={account.kind} long />
                      {!account.enabled && <span className="source-off">{t("sources.off")}</span>}
                    </span>
                    {hint && <span className="source-hint">{hint}</span>}
                  </span>
                </label>
              </li>
            );
          })}
        </ul>
      )}
      {error && (
        <p className="form-error" data-testid="sources-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </section>
  );
}
