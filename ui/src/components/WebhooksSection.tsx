import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";
import {
  DEFAULT_WEBHOOK_EVENTS,
  WEBHOOK_EVENTS,
  api,
  type Webhook,
  type WebhookCreated,
  type WebhookEvent,
} from "../api";
import { errorText } from "../errors";
import { formatFull } from "../format";
import { useAction } from "../hooks";
import { CreateFooter } from "./CreateFooter";
import { AlertIcon, CheckIcon, SendIcon } from "./Icon";
import { InlineConfirm } from "./InlineConfirm";
import { SectionHead } from "./ProjectDetail";
import { SecretOnce } from "./SecretOnce";

/** The translation key of an event: `message.received` → `message_received` (a dot would nest). */
export const webhookEventKey = (event: string) => event.replace(/\./g, "_");

/** An event as the owner reads it; one the window does not know yet, as the engine names it. */
const eventLabel = (event: string, t: TFunction) => t(`webhooks.event.${webhookEventKey(event)}`, { defaultValue: event });

/** How a receiver checks a request, in one line (Node.js). */
export const VERIFY_EXAMPLE = 'crypto.createHmac("sha256", secret).update(`${t}.${body}`).digest("hex") === v1';

/**
 * Outgoing webhooks: other systems of the shop (a CRM, 1C, the website) are
 * told of Tuberry's events by signed POST requests to a URL of theirs. Each
 * subscription follows the events chosen for it; its signing secret is shown
 * once when it is made, and a subscription is removed when asked.
 */
export function WebhooksSection() {
  const { t } = useTranslation();
  const id = useId();
  const [webhooks, setWebhooks] = useState<Webhook[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  /** The subscription just made, its secret shown until "Done"; never kept anywhere else. */
  const [created, setCreated] = useState<WebhookCreated | null>(null);
  /** The subscription made from here, marked as such in the list. */
  const [fresh, setFresh] = useState<number | null>(null);

  useEffect(() => {
    let live = true;
    api
      .listWebhooks()
      .then((list) => {
        if (!live) return;
        setWebhooks(list);
        setLoadError(null);
      })
      .catch((reason: unknown) => {
        if (live) setLoadError(reason);
      });
    return () => {
      live = false;
    };
  }, []);

  const onCreated = useCallback((made: WebhookCreated) => {
    setCreated(made);
    setFresh(made.webhook.id);
    // The engine lists them the oldest first.
    setWebhooks((prev) => [...(prev ?? []).filter((x) => x.id !== made.webhook.id), made.webhook]);
  }, []);
  const onRemoved = useCallback((removed: Webhook) => {
    setWebhooks((prev) => prev && prev.filter((x) => x.id !== removed.id));
  }, []);

  return (
    <section className="card webhooks" data-testid="settings-webhooks" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<SendIcon size={16} />} title={t("webhooks.title")} />
      <p className="card-text">{t("webhooks.intro")}</p>
      {webhooks == null && loadError == null && <p className="hint">{t("accounts.loading")}</p>}
      {webhooks == null && loadError != null && (
        <p className="form-error" role="alert" data-testid="webhooks-load-error">
          <AlertIcon size={14} />
          {errorText(loadError, t)}
        </p>
      )}
      {webhooks && (
        <>
          <WebhookList webhooks={webhooks} fresh={fresh} onRemoved={onRemoved} />
          {created ? (
            <CreatedWebhook created={created} onDone={() => setCreated(null)} />
          ) : (
            <NewWebhookForm onCreated={onCreated} />
          )}
        </>
      )}
    </section>
  );
}

/** The subscriptions, the oldest first: where each goes, what it follows, when it was made. */
function WebhookList({
  webhooks,
  fresh,
  onRemoved,
}: {
  webhooks: Webhook[];
  fresh: number | null;
  onRemoved: (webhook: Webhook) => void;
}) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const [asking, setAsking] = useState<number | null>(null);
  const { busy, error, run } = useAction();

  const remove = (webhook: Webhook) =>
    void run(async () => {
      await api.deleteWebhook(webhook.id);
      onRemoved(webhook);
      setAsking(null);
    });

  return (
    <div className="api-tokens-list-block">
      <h3 className="team-subhead" id={`${id}-title`}>
        {t("webhooks.listTitle")}
      </h3>
      {webhooks.length === 0 ? (
        <p className="card-text muted" data-testid="webhooks-empty">
          {t("webhooks.none")}
        </p>
      ) : (
        <ul className="api-tokens-list" aria-labelledby={`${id}-title`} data-testid="webhooks-list">
          {webhooks.map((webhook) => (
            <li
              key={webhook.id}
              className={`api-token-row webhook-row${webhook.enabled ? "" : " is-revoked"}${webhook.id === fresh ? " is-new" : ""}`}
              data-testid="webhook"
              data-enabled={webhook.enabled}
            >
              <div className="api-token-main">
                <code className="api-token-name webhook-url selectable" data-testid="webhook-url">
                  {webhook.url}
                </code>
                <span className="api-token-scopes" data-testid="webhook-events">
                  {webhook.events.map((event) => (
                    <span key={event} className="api-scope webhook-event" data-event={event}>
                      {eventLabel(event, t)}
                    </span>
                  ))}
                </span>
              </div>
              <p className="api-token-meta">
                <span data-testid="webhook-created">
                  {t("webhooks.created", { when: formatFull(webhook.createdAt, i18n.language) })}
                </span>
                {!webhook.enabled && (
                  <>
                    {" · "}
                    <span data-testid="webhook-disabled">{t("webhooks.disabled")}</span>
                  </>
                )}
              </p>
              <div className="api-token-action">
                {asking !== webhook.id && (
                  <button
                    type="button"
                    className="button api-token-revoke"
                    data-testid="webhook-remove"
                    aria-label={t("webhooks.removeNamed", { url: webhook.url })}
                    disabled={busy}
                    onClick={() => setAsking(webhook.id)}
                  >
                    {t("webhooks.remove")}
                  </button>
                )}
              </div>
              {asking === webhook.id && (
                <InlineConfirm
                  testId="webhook-confirm"
                  actionTestId="webhook-remove"
                  text={{
                    question: t("webhooks.removeQuestion", { url: webhook.url }),
                    explanation: t("webhooks.removeText"),
                    confirm: t("webhooks.removeConfirm"),
                    working: t("webhooks.removing"),
                  }}
                  busy={busy}
                  onConfirm={() => remove(webhook)}
                  onCancel={() => setAsking(null)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="form-error" data-testid="webhooks-remove-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </div>
  );
}

/** A new subscription: the receiver's URL and the events it follows; at least one. */
function NewWebhookForm({ onCreated }: { onCreated: (made: WebhookCreated) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<Set<WebhookEvent>>(() => new Set(DEFAULT_WEBHOOK_EVENTS));
  const { busy, error, run } = useAction();
  const trimmed = url.trim();
  const valid = trimmed.length > 0 && events.size > 0;

  const toggle = (event: WebhookEvent, on: boolean) =>
    setEvents((prev) => {
      const next = new Set(prev);
      if (on) next.add(event);
      else next.delete(event);
      return next;
    });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid || busy) return;
    void run(async () => {
      onCreated(await api.createWebhook(trimmed, WEBHOOK_EVENTS.filter((x) => events.has(x))));
    });
  };

  return (
    <form className="api-tokens-form" onSubmit={submit} noValidate data-testid="webhooks-form">
      <h3 className="team-subhead">{t("webhooks.newTitle")}</h3>
      <label className="field settings-field">
        <span className="field-label">{t("webhooks.url")}</span>
        <input
          type="text"
          inputMode="url"
          data-testid="webhooks-url"
          value={url}
          required
          spellCheck={false}
          autoComplete="off"
          placeholder="https://crm.example.com/hooks/tuberry"
          aria-describedby={`${id}-url`}
          disabled={busy}
          onChange={(e) => setUrl(e.target.value)}
        />
      </label>
      <p className="hint" id={`${id}-url`}>
        {t("webhooks.urlHint")}
      </p>
      <fieldset className="plain-fieldset api-tokens-scopes" disabled={busy} aria-describedby={`${id}-events`}>
        <legend className="field-label">{t("webhooks.events")}</legend>
        {WEBHOOK_EVENTS.map((event) => (
          <label key={event} className="checkbox-line">
            <input
              type="checkbox"
              data-testid={`webhooks-event-${event}`}
              checked={events.has(event)}
              onChange={(e) => toggle(event, e.target.checked)}
            />
            <span>
              <span className="api-tokens-scope-name">{eventLabel(event, t)}</span>
              <span className="muted"> — {event}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <p className="hint" id={`${id}-events`}>
        {t("webhooks.eventsHint")}
      </p>
      <CreateFooter
        testId="webhooks-create"
        label={t("webhooks.create")}
        working={t("webhooks.creating")}
        valid={valid}
        busy={busy}
        error={error}
      />
    </form>
  );
}

/**
 * The subscription just made and its signing secret, shown this once: copy
 * it to the receiver, then "Done" forgets it (the window never shows it again).
 */
function CreatedWebhook({ created, onDone }: { created: WebhookCreated; onDone: () => void }) {
  const { t } = useTranslation();
  const id = useId();

  return (
    <div className="api-tokens-created" data-testid="webhooks-created" aria-labelledby={`${id}-title`} role="group">
      <p className="api-tokens-created-title" id={`${id}-title`}>
        <CheckIcon size={14} />
        {t("webhooks.createdTitle", { url: created.webhook.url })}
      </p>
      <SecretOnce
        secret={created.secret}
        testId="webhooks"
        text={{
          label: t("webhooks.secretLabel"),
          copy: t("webhooks.copy"),
          copied: t("webhooks.copied"),
          warning: t("webhooks.copyWarning"),
        }}
      />
      <div className="api-tokens-try" data-testid="webhooks-verify">
        <p className="hint">{t("webhooks.verify")}</p>
        <pre className="api-tokens-command selectable" data-testid="webhooks-verify-example">
          {VERIFY_EXAMPLE}
        </pre>
      </div>
      <div className="form-actions">
        <button type="button" className="button button--primary" data-testid="webhooks-done" onClick={onDone}>
          {t("webhooks.done")}
        </button>
      </div>
    </div>
  );
}
