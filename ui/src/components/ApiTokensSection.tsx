import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { API_SCOPES, api, type ApiToken, type ApiTokenCreated, type LanStatus, type Scope } from "../api";
import { errorText } from "../errors";
import { formatFull, formatSince } from "../format";
import { useAction, useNow } from "../hooks";
import { CreateFooter } from "./CreateFooter";
import { AlertIcon, CheckIcon, KeyIcon } from "./Icon";
import { InlineConfirm } from "./InlineConfirm";
import { SectionHead } from "./ProjectDetail";
import { SecretOnce } from "./SecretOnce";

/** The longest name the engine takes for a token. */
export const MAX_TOKEN_NAME = 80;

/** Hosts that mean "every network of this computer": another system cannot call them. */
const ANY_HOST = new Set(["", "0.0.0.0", "[::]", "::"]);

/**
 * Where the shop's other systems call the LAN API: the address the endpoint
 * listens on, with `ADDRESS` for this computer's address when it listens on
 * every network, or `ADDRESS:PORT` when it is off.
 */
export function apiBaseUrl(lan: LanStatus): { url: string; placeholder: "address" | "addressPort" | null } {
  const address = lan.listening ?? lan.listen;
  const colon = address?.lastIndexOf(":") ?? -1;
  const port = address?.slice(colon + 1) ?? "";
  const scheme = lan.https ? "https" : "http";
  if (!address || colon < 0 || !/^\d+$/.test(port)) return { url: `${scheme}://ADDRESS:PORT`, placeholder: "addressPort" };
  const host = address.slice(0, colon);
  if (ANY_HOST.has(host)) return { url: `${scheme}://ADDRESS:${port}`, placeholder: "address" };
  return { url: `${scheme}://${host}:${port}`, placeholder: null };
}

/**
 * The LAN API's tokens: the shop's other systems (the website's chat, a CRM,
 * 1C) call Tuberry on the LAN endpoint with one of them. Each is made with
 * what it may do and shown once (Tuberry keeps its hash only), listed by its
 * first characters, and revoked at once when asked.
 */
export function ApiTokensSection({ lan }: { lan: LanStatus }) {
  const { t } = useTranslation();
  const id = useId();
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  /** The token just made, its secret shown until "Done"; never kept anywhere else. */
  const [created, setCreated] = useState<ApiTokenCreated | null>(null);
  /** The token made from here, marked as such in the list. */
  const [fresh, setFresh] = useState<number | null>(null);

  useEffect(() => {
    let live = true;
    api
      .listApiTokens()
      .then((list) => {
        if (!live) return;
        setTokens(list);
        setLoadError(null);
      })
      .catch((reason: unknown) => {
        if (live) setLoadError(reason);
      });
    return () => {
      live = false;
    };
  }, []);

  const onCreated = useCallback((made: ApiTokenCreated) => {
    setCreated(made);
    setFresh(made.token.id);
    setTokens((prev) => [made.token, ...(prev ?? []).filter((x) => x.id !== made.token.id)]);
  }, []);
  const onRevoked = useCallback((revoked: ApiToken) => {
    setTokens((prev) => prev && prev.map((x) => (x.id === revoked.id ? revoked : x)));
  }, []);

  return (
    <section className="card api-tokens" data-testid="settings-api-tokens" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<KeyIcon size={16} />} title={t("apiTokens.title")} />
      <p className="card-text">{t("apiTokens.intro")}</p>
      {lan.listen == null && (
        <p className="hint api-tokens-lan-off" data-testid="api-tokens-lan-off">
          <AlertIcon size={13} />
          {t("apiTokens.lanOff")}
        </p>
      )}
      {tokens == null && loadError == null && <p className="hint">{t("accounts.loading")}</p>}
      {tokens == null && loadError != null && (
        <p className="form-error" role="alert" data-testid="api-tokens-load-error">
          <AlertIcon size={14} />
          {errorText(loadError, t)}
        </p>
      )}
      {tokens && (
        <>
          <TokenList tokens={tokens} fresh={fresh} onRevoked={onRevoked} />
          {created ? (
            <CreatedToken created={created} onDone={() => setCreated(null)} />
          ) : (
            <NewTokenForm onCreated={onCreated} />
          )}
          <TryIt lan={lan} />
        </>
      )}
    </section>
  );
}

/** The tokens, the newest first: what each may do, its first characters, when it was made and last used. */
function TokenList({
  tokens,
  fresh,
  onRevoked,
}: {
  tokens: ApiToken[];
  fresh: number | null;
  onRevoked: (token: ApiToken) => void;
}) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const now = useNow();
  const [asking, setAsking] = useState<number | null>(null);
  const { busy, error, run } = useAction();

  const revoke = (token: ApiToken) =>
    void run(async () => {
      onRevoked(await api.revokeApiToken(token.id));
      setAsking(null);
    });

  return (
    <div className="api-tokens-list-block">
      <h3 className="team-subhead" id={`${id}-title`}>
        {t("apiTokens.listTitle")}
      </h3>
      {tokens.length === 0 ? (
        <p className="card-text muted" data-testid="api-tokens-empty">
          {t("apiTokens.none")}
        </p>
      ) : (
        <ul className="api-tokens-list" aria-labelledby={`${id}-title`} data-testid="api-tokens-list">
          {tokens.map((token) => {
            const revoked = token.revokedAt != null;
            return (
              <li
                key={token.id}
                className={`api-token-row${revoked ? " is-revoked" : ""}${token.id === fresh ? " is-new" : ""}`}
                data-testid="api-token"
                data-revoked={revoked}
              >
                <div className="api-token-main">
                  <span className="api-token-name" data-testid="api-token-name">
                    {token.name}
                  </span>
                  <span className="api-token-scopes" data-testid="api-token-scopes">
                    {token.scopes.map((scope) => (
                      <span key={scope} className={`api-scope api-scope--${scope}`} data-scope={scope}>
                        {t(`apiTokens.scope.${scope}`)}
                      </span>
                    ))}
                  </span>
                  <code className="api-token-prefix selectable" data-testid="api-token-prefix">
                    {token.prefix}
                  </code>
                </div>
                <p className="api-token-meta">
                  <span data-testid="api-token-created">
                    {t("apiTokens.created", { when: formatFull(token.createdAt, i18n.language) })}
                  </span>
                  {" · "}
                  <span data-testid="api-token-used">
                    {token.lastUsedAt == null
                      ? t("apiTokens.neverUsed")
                      : t("apiTokens.lastUsed", { when: formatSince(token.lastUsedAt, now, t, i18n.language) })}
                  </span>
                </p>
                <div className="api-token-action">
                  {revoked ? (
                    <span className="api-token-revoked" data-testid="api-token-revoked">
                      {t("apiTokens.revoked", { when: formatFull(token.revokedAt ?? 0, i18n.language) })}
                    </span>
                  ) : (
                    asking !== token.id && (
                      <button
                        type="button"
                        className="button api-token-revoke"
                        data-testid="api-token-revoke"
                        aria-label={t("apiTokens.revokeNamed", { name: token.name })}
                        disabled={busy}
                        onClick={() => setAsking(token.id)}
                      >
                        {t("apiTokens.revoke")}
                      </button>
                    )
                  )}
                </div>
                {asking === token.id && !revoked && (
                  <InlineConfirm
                    testId="api-token-confirm"
                    actionTestId="api-token-revoke"
                    text={{
                      question: t("apiTokens.revokeQuestion", { name: token.name }),
                      explanation: t("apiTokens.revokeText"),
                      confirm: t("apiTokens.revokeConfirm"),
                      working: t("apiTokens.revoking"),
                    }}
                    busy={busy}
                    onConfirm={() => revoke(token)}
                    onCancel={() => setAsking(null)}
                  />
                )}
              </li>
            );
          })}
        </ul>
      )}
      {error && (
        <p className="form-error" data-testid="api-tokens-revoke-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </div>
  );
}

/** A new token: its name (for the owner) and what it may do; at least one scope. */
function NewTokenForm({ onCreated }: { onCreated: (made: ApiTokenCreated) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Set<Scope>>(() => new Set());
  const { busy, error, run } = useAction();
  const trimmed = name.trim();
  const valid = trimmed.length > 0 && [...trimmed].length <= MAX_TOKEN_NAME && scopes.size > 0;

  const toggle = (scope: Scope, on: boolean) =>
    setScopes((prev) => {
      const next = new Set(prev);
      if (on) next.add(scope);
      else next.delete(scope);
      return next;
    });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!valid || busy) return;
    void run(async () => {
      onCreated(await api.createApiToken(trimmed, API_SCOPES.filter((s) => scopes.has(s))));
    });
  };

  return (
    <form className="api-tokens-form" onSubmit={submit} noValidate data-testid="api-tokens-form">
      <h3 className="team-subhead">{t("apiTokens.newTitle")}</h3>
      <label className="field settings-field">
        <span className="field-label">{t("apiTokens.name")}</span>
        <input
          type="text"
          data-testid="api-tokens-name"
          value={name}
          maxLength={MAX_TOKEN_NAME}
          required
          autoComplete="off"
          placeholder={t("apiTokens.namePlaceholder")}
          disabled={busy}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <fieldset className="plain-fieldset api-tokens-scopes" disabled={busy} aria-describedby={`${id}-scopes`}>
        <legend className="field-label">{t("apiTokens.scopes")}</legend>
        {API_SCOPES.map((scope) => (
          <label key={scope} className="checkbox-line">
            <input
              type="checkbox"
              data-testid={`api-tokens-scope-${scope}`}
              checked={scopes.has(scope)}
              onChange={(e) => toggle(scope, e.target.checked)}
            />
            <span>
              <span className="api-tokens-scope-name">{t(`apiTokens.scope.${scope}`)}</span>
              <span className="muted"> — {t(`apiTokens.scopeHint.${scope}`)}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <p className="hint" id={`${id}-scopes`}>
        {t("apiTokens.scopesHint")}
      </p>
      <CreateFooter
        testId="api-tokens-create"
        label={t("apiTokens.create")}
        working={t("apiTokens.creating")}
        valid={valid}
        busy={busy}
        error={error}
      />
    </form>
  );
}

/**
 * The token just made, shown this once: copy it, then "Done" forgets it
 * (Tuberry keeps only its hash, so nobody can show it again).
 */
function CreatedToken({ created, onDone }: { created: ApiTokenCreated; onDone: () => void }) {
  const { t } = useTranslation();
  const id = useId();

  return (
    <div className="api-tokens-created" data-testid="api-tokens-created" aria-labelledby={`${id}-title`} role="group">
      <p className="api-tokens-created-title" id={`${id}-title`}>
        <CheckIcon size={14} />
        {t("apiTokens.createdTitle", { name: created.token.name })}
      </p>
      <SecretOnce
        secret={created.secret}
        testId="api-tokens"
        text={{
          label: t("apiTokens.secretLabel"),
          copy: t("apiTokens.copy"),
          copied: t("apiTokens.copied"),
          warning: t("apiTokens.copyWarning"),
        }}
      />
      <div className="form-actions">
        <button type="button" className="button button--primary" data-testid="api-tokens-done" onClick={onDone}>
          {t("apiTokens.done")}
        </button>
      </div>
    </div>
  );
}

/** How to try a token from another computer: curl against the health route. */
function TryIt({ lan }: { lan: LanStatus }) {
  const { t } = useTranslation();
  const { url, placeholder } = apiBaseUrl(lan);
  return (
    <div className="api-tokens-try" data-testid="api-tokens-try">
      <p className="hint">{t("apiTokens.tryIt")}</p>
      <pre className="api-tokens-command selectable" data-testid="api-tokens-curl">
        {`curl -H "Authorization: Bearer tby_…" ${url}/api/v1/health`}
      </pre>
      {placeholder && (
        <p className="hint" data-testid="api-tokens-try-address">
          {placeholder === "address" ? t("apiTokens.tryItAddress") : t("apiTokens.tryItAddressPort")}
        </p>
      )}
    </div>
  );
}
