import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, type LanStatus, type Project, type Provider, type ProviderCreated } from "../api";
import { errorText } from "../errors";
import { formatFull } from "../format";
import { useAction } from "../hooks";
import { useProjectList } from "../useProjectList";
import { apiBaseUrl } from "./ApiTokensSection";
import { CreateFooter } from "./CreateFooter";
import { AlertIcon, CheckIcon, InboxIcon } from "./Icon";
import { InlineConfirm } from "./InlineConfirm";
import { SectionHead } from "./ProjectDetail";
import { SecretOnce } from "./SecretOnce";

/** The longest name the engine takes for a provider (in characters). */
export const MAX_PROVIDER_NAME = 100;

/** Where a provider posts its customers' messages, relative to the LAN endpoint (the engine's path). */
export const providerWebhookPath = (providerId: number) => `/api/v1/webhook/${providerId}`;

/** A customer's message as a provider posts it: the smallest the engine takes. */
export const SAMPLE_MESSAGE = '{"id":"m-1","from":{"id":"visitor-7","name":"Olga"},"text":"Hello"}';

/** How a provider posts a customer's message with its token, in one line. */
export const providerCurl = (token: string, url: string) =>
  `curl -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' -d '${SAMPLE_MESSAGE}' ${url}`;

/**
 * Providers: the shop's own systems (its website's chat, an app) post their
 * customers' messages to the LAN endpoint with a token of their own and get
 * the replies back at their reply URL, signed with the same token. Each is
 * made with its name, project and reply URL; its token is shown once, and a
 * provider is removed when asked (its conversations stay in the inbox).
 */
export function ProvidersSection({ lan }: { lan: LanStatus }) {
  const { t } = useTranslation();
  const id = useId();
  const projects = useProjectList();
  const [providers, setProviders] = useState<Provider[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  /** The provider just made, its token shown until "Done"; never kept anywhere else. */
  const [created, setCreated] = useState<ProviderCreated | null>(null);
  /** The provider made from here, marked as such in the list. */
  const [fresh, setFresh] = useState<number | null>(null);

  useEffect(() => {
    let live = true;
    api
      .listProviders()
      .then((list) => {
        if (!live) return;
        setProviders(list);
        setLoadError(null);
      })
      .catch((reason: unknown) => {
        if (live) setLoadError(reason);
      });
    return () => {
      live = false;
    };
  }, []);

  const onCreated = useCallback((made: ProviderCreated) => {
    setCreated(made);
    setFresh(made.provider.id);
    // The engine lists them the oldest first.
    setProviders((prev) => [...(prev ?? []).filter((x) => x.id !== made.provider.id), made.provider]);
  }, []);
  const onRemoved = useCallback((removed: Provider) => {
    setProviders((prev) => prev && prev.filter((x) => x.id !== removed.id));
  }, []);

  return (
    <section className="card providers" data-testid="settings-providers" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<InboxIcon size={16} />} title={t("providers.title")} />
      <p className="card-text">{t("providers.intro")}</p>
      {lan.listen == null && (
        <p className="hint api-tokens-lan-off" data-testid="providers-lan-off">
          <AlertIcon size={13} />
          {t("providers.lanOff")}
        </p>
      )}
      {providers == null && loadError == null && <p className="hint">{t("accounts.loading")}</p>}
      {providers == null && loadError != null && (
        <p className="form-error" role="alert" data-testid="providers-load-error">
          <AlertIcon size={14} />
          {errorText(loadError, t)}
        </p>
      )}
      {providers && (
        <>
          <ProviderList providers={providers} projects={projects} fresh={fresh} onRemoved={onRemoved} />
          {created ? (
            <CreatedProvider created={created} lan={lan} onDone={() => setCreated(null)} />
          ) : (
            <NewProviderForm projects={projects} onCreated={onCreated} />
          )}
        </>
      )}
    </section>
  );
}

/** The providers, the oldest first: name, project, where replies go, the path they post to, when made. */
function ProviderList({
  providers,
  projects,
  fresh,
  onRemoved,
}: {
  providers: Provider[];
  projects: Project[] | null;
  fresh: number | null;
  onRemoved: (provider: Provider) => void;
}) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const [asking, setAsking] = useState<number | null>(null);
  const { busy, error, run } = useAction();

  const remove = (provider: Provider) =>
    void run(async () => {
      await api.deleteProvider(provider.id);
      onRemoved(provider);
      setAsking(null);
    });

  return (
    <div className="api-tokens-list-block">
      <h3 className="team-subhead" id={`${id}-title`}>
        {t("providers.listTitle")}
      </h3>
      {providers.length === 0 ? (
        <p className="card-text muted" data-testid="providers-empty">
          {t("providers.none")}
        </p>
      ) : (
        <ul className="api-tokens-list" aria-labelledby={`${id}-title`} data-testid="providers-list">
          {providers.map((provider) => {
            // Named only once the projects are read (and while the project exists).
            const project =
              provider.projectId == null ? null : (projects?.find((p) => p.id === provider.projectId) ?? null);
            return (
              <li
                key={provider.id}
                className={`api-token-row provider-row${provider.id === fresh ? " is-new" : ""}`}
                data-testid="provider"
              >
                <div className="api-token-main">
                  <span className="api-token-name" data-testid="provider-name">
                    {provider.name}
                  </span>
                  {project && (
                    <span className="api-scope provider-project" data-testid="provider-project">
                      {project.name}
                    </span>
                  )}
                  <code className="api-token-prefix selectable" data-testid="provider-path">
                    {providerWebhookPath(provider.id)}
                  </code>
                </div>
                <p className="api-token-meta">
                  {provider.replyUrl ? (
                    <span className="provider-reply selectable" data-testid="provider-reply">
                      {t("providers.replyTo", { url: provider.replyUrl })}
                    </span>
                  ) : (
                    <span data-testid="provider-reply">{t("providers.noReplies")}</span>
                  )}
                  {" · "}
                  <span data-testid="provider-created">
                    {t("providers.created", { when: formatFull(provider.createdAt, i18n.language) })}
                  </span>
                </p>
                <div className="api-token-action">
                  {asking !== provider.id && (
                    <button
                      type="button"
                      className="button api-token-revoke"
                      data-testid="provider-remove"
                      aria-label={t("providers.removeNamed", { name: provider.name })}
                      disabled={busy}
                      onClick={() => setAsking(provider.id)}
                    >
                      {t("providers.remove")}
                    </button>
                  )}
                </div>
                {asking === provider.id && (
                  <InlineConfirm
                    testId="provider-confirm"
                    actionTestId="provider-remove"
                    text={{
                      question: t("providers.removeQuestion", { name: provider.name }),
                      explanation: t("providers.removeText"),
                      confirm: t("providers.removeConfirm"),
                      working: t("providers.removing"),
                    }}
                    busy={busy}
                    onConfirm={() => remove(provider)}
                    onCancel={() => setAsking(null)}
                  />
                )}
              </li>
            );
          })}
        </ul>
      )}
      {error && (
        <p className="form-error" data-testid="providers-remove-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </div>
  );
}

/** A new provider: its name, the project its conversations go to (if any), and where replies go (if anywhere). */
function NewProviderForm({
  projects,
  onCreated,
}: {
  projects: Project[] | null;
  onCreated: (made: ProviderCreated) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [name, setName] = useState("");
  /** The chosen project's id, "" for none. */
  const [projectId, setProjectId] = useState("");
  const [replyUrl, setReplyUrl] = useState("");
  const { busy, error, run } = useAction();
  const trimmed = name.trim();
  const valid = trimmed.length > 0 && [...trimmed].length <= MAX_PROVIDER_NAME;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!valid || busy) return;
    void run(async () => {
      onCreated(await api.createProvider(trimmed, projectId ? Number(projectId) : null, replyUrl.trim() || null));
    });
  };

  return (
    <form className="api-tokens-form" onSubmit={submit} noValidate data-testid="providers-form">
      <h3 className="team-subhead">{t("providers.newTitle")}</h3>
      <label className="field settings-field">
        <span className="field-label">{t("providers.name")}</span>
        <input
          type="text"
          data-testid="providers-name"
          value={name}
          maxLength={MAX_PROVIDER_NAME}
          required
          autoComplete="off"
          placeholder={t("providers.namePlaceholder")}
          disabled={busy}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <label className="field settings-field">
        <span className="field-label">{t("providers.project")}</span>
        <select
          data-testid="providers-project"
          value={projectId}
          aria-describedby={`${id}-project`}
          disabled={busy}
          onChange={(e) => setProjectId(e.target.value)}
        >
          <option value="">{t("providers.noProject")}</option>
          {(projects ?? []).map((project) => (
            <option key={project.id} value={String(project.id)}>
              {project.name}
            </option>
          ))}
        </select>
      </label>
      <p className="hint" id={`${id}-project`}>
        {t("providers.projectHint")}
      </p>
      <label className="field settings-field">
        <span className="field-label">{t("providers.replyUrl")}</span>
        <input
          type="text"
          inputMode="url"
          data-testid="providers-reply-url"
          value={replyUrl}
          spellCheck={false}
          autoComplete="off"
          placeholder="https://shop.example.com/tuberry/replies"
          aria-describedby={`${id}-reply`}
          disabled={busy}
          onChange={(e) => setReplyUrl(e.target.value)}
        />
      </label>
      <p className="hint" id={`${id}-reply`}>
        {t("providers.replyUrlHint")}
      </p>
      <CreateFooter
        testId="providers-create"
        label={t("providers.create")}
        working={t("providers.creating")}
        valid={valid}
        busy={busy}
        error={error}
      />
    </form>
  );
}

/**
 * The provider just made and its token, shown this once: copy it into the
 * shop's system with the address it posts to, then "Done" forgets it (the
 * window never shows it again).
 */
function CreatedProvider({ created, lan, onDone }: { created: ProviderCreated; lan: LanStatus; onDone: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  // The full address when the LAN endpoint's is known, else the path on it.
  const { url: base, placeholder } = apiBaseUrl(lan);
  const { provider, token, webhookPath } = created;

  return (
    <div className="api-tokens-created" data-testid="providers-created" aria-labelledby={`${id}-title`} role="group">
      <p className="api-tokens-created-title" id={`${id}-title`}>
        <CheckIcon size={14} />
        {t("providers.createdTitle", { name: provider.name })}
      </p>
      <SecretOnce
        secret={token}
        testId="providers"
        fieldTestId="providers-token"
        text={{
          label: t("providers.tokenLabel"),
          copy: t("providers.copy"),
          copied: t("providers.copied"),
          warning: t("providers.copyWarning"),
        }}
      />
      <div className="api-tokens-try" data-testid="providers-address">
        <p className="hint">{t("providers.postTo")}</p>
        <code className="api-tokens-command selectable" data-testid="providers-webhook-url">
          {placeholder ? webhookPath : `${base}${webhookPath}`}
        </code>
        {placeholder && (
          <p className="hint" data-testid="providers-webhook-path-hint">
            {t("providers.postToPath")}
          </p>
        )}
        <p className="hint" data-testid="providers-replies">
          {provider.replyUrl ? t("providers.repliesSigned", { url: provider.replyUrl }) : t("providers.noRepliesHint")}
        </p>
      </div>
      <div className="api-tokens-try" data-testid="providers-try">
        <p className="hint">{t("providers.tryIt")}</p>
        <pre className="api-tokens-command selectable" data-testid="providers-curl">
          {providerCurl(token, `${base}${webhookPath}`)}
        </pre>
        {placeholder && (
          <p className="hint" data-testid="providers-try-address">
            {placeholder === "address" ? t("apiTokens.tryItAddress") : t("apiTokens.tryItAddressPort")}
          </p>
        )}
      </div>
      <div className="form-actions">
        <button type="button" className="button button--primary" data-testid="providers-done" onClick={onDone}>
          {t("providers.done")}
        </button>
      </div>
    </div>
  );
}
