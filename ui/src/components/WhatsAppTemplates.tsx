import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import { createPortal } from "react-dom";
import { useTranslation } from "react-i18next";
import { api, type ChannelKind, type CloudTemplate, type Message, type ReplyWindow } from "../api";
import { apiMessage } from "../errors";
import { useAction, useEngineEvents, useNow } from "../hooks";
import { AlertIcon, CrossIcon } from "./Icon";

/**
 * Meta's 24 hours of a conversation on a WhatsApp Cloud API number: read
 * again whenever its messages change (a customer's message opens it anew)
 * and when the number changes; closed once its time passes, without a call.
 */
export function useReplyWindow(conversationId: number, kind: ChannelKind, messagesKey: string) {
  const [window, setWindow] = useState<ReplyWindow | null>(null);
  const [version, setVersion] = useState(0);
  const now = useNow(30_000);

  useEffect(() => {
    if (kind !== "whatsapp") return;
    let live = true;
    api
      .whatsappReplyWindow(conversationId)
      .then((next) => {
        if (live) setWindow(next);
      })
      .catch((error: unknown) => console.error("Could not read the reply window", error));
    return () => {
      live = false;
    };
  }, [conversationId, kind, messagesKey, version]);

  useEngineEvents((event) => {
    if (window && event.type === "account_changed" && event.account_id === window.accountId) setVersion((v) => v + 1);
  });

  const refresh = useCallback(() => setVersion((v) => v + 1), []);
  if (kind !== "whatsapp" || !window) return { window: null, closed: false, refresh };
  const closed = window.closesAt == null || now >= window.closesAt;
  return { window, closed, refresh };
}

/** The body with its places filled in (an empty place shows as its number). */
export function filled(template: CloudTemplate, values: string[]): string {
  const body = template.body.replace(/\{\{(\d+)\}\}/g, (place, n: string) => values[Number(n) - 1]?.trim() || place);
  return [template.header, body, template.footer].filter((part) => part && part.trim() !== "").join("\n\n");
}

/**
 * Says that the 24 hours are over and offers what WhatsApp still takes: one
 * of the business account's approved templates, or, while the number has no
 * business account, the field to give it.
 */
export function ReplyWindowBanner({
  conversationId,
  window,
  onSent,
  onChanged,
}: {
  conversationId: number;
  window: ReplyWindow;
  onSent: (message: Message) => void;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const [choosing, setChoosing] = useState(false);
  const [waba, setWaba] = useState("");
  const { busy, error, run } = useAction();

  const save = (event: FormEvent) => {
    event.preventDefault();
    if (busy || waba.trim() === "") return;
    void run(async () => {
      await api.updateWhatsappCloudNumber(window.accountId, {
        name: null,
        businessAccountId: waba.trim(),
        accessToken: null,
        appSecret: null,
        verifyToken: null,
      });
      setWaba("");
      onChanged();
    });
  };

  return (
    <div className="window-banner" role="status" data-testid="wa-window-banner" data-templates={window.templates}>
      <p className="window-banner-text">
        <AlertIcon size={14} />
        {t("waTemplate.closed")}
      </p>
      {window.templates ? (
        <button
          type="button"
          className="button button--primary"
          data-testid="wa-template-open"
          onClick={() => setChoosing(true)}
        >
          {t("waTemplate.open")}
        </button>
      ) : (
        <form className="window-banner-form" onSubmit={save} data-testid="wa-waba-form">
          <label className="field">
            <span className="field-label">{t("waTemplate.wabaLabel")}</span>
            <input
              type="text"
              data-testid="wa-waba-input"
              value={waba}
              onChange={(e) => setWaba(e.target.value)}
              inputMode="numeric"
              spellCheck={false}
              autoComplete="off"
              disabled={busy}
            />
          </label>
          <button
            type="submit"
            className="button"
            data-testid="wa-waba-save"
            disabled={busy || waba.trim() === ""}
            aria-busy={busy}
          >
            {t("waTemplate.wabaSave")}
          </button>
          <p className="hint">{t("waTemplate.wabaHint")}</p>
          {error && (
            <p className="form-error" role="alert" data-testid="wa-waba-error">
              <AlertIcon size={14} />
              {error}
            </p>
          )}
        </form>
      )}
      {choosing && (
        <TemplateDialog
          conversationId={conversationId}
          accountId={window.accountId}
          onClose={() => setChoosing(false)}
          onSent={(message) => {
            setChoosing(false);
            onSent(message);
          }}
        />
      )}
    </div>
  );
}

type Loaded = { phase: "loading" } | { phase: "failed"; error: string } | { phase: "ready"; templates: CloudTemplate[] };

const keyOf = (template: CloudTemplate) => `${template.name}\u0000${template.language}`;

/** Picks an approved template, fills in its places and sends it. */
function TemplateDialog({
  conversationId,
  accountId,
  onClose,
  onSent,
}: {
  conversationId: number;
  accountId: number;
  onClose: () => void;
  onSent: (message: Message) => void;
}) {
  const { t } = useTranslation();
  const titleId = useId();
  const [loaded, setLoaded] = useState<Loaded>({ phase: "loading" });
  const [chosen, setChosen] = useState<string | null>(null);
  const [values, setValues] = useState<string[]>([]);
  const { busy, error, run } = useAction();
  const firstInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    let live = true;
    api
      .whatsappCloudTemplates(accountId)
      .then((templates) => {
        if (!live) return;
        setLoaded({ phase: "ready", templates });
        if (templates.length === 1) {
          setChosen(keyOf(templates[0]));
          setValues(Array.from({ length: templates[0].params }, () => ""));
        }
      })
      .catch((reason: unknown) => {
        if (live) setLoaded({ phase: "failed", error: apiMessage(reason, t) });
      });
    return () => {
      live = false;
    };
  }, [accountId, t]);

  const close = useCallback(() => {
    if (!busy) onClose();
  }, [busy, onClose]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") close();
    };
    globalThis.addEventListener("keydown", onKey);
    return () => globalThis.removeEventListener("keydown", onKey);
  }, [close]);

  const templates = loaded.phase === "ready" ? loaded.templates : [];
  const template = templates.find((candidate) => keyOf(candidate) === chosen) ?? null;
  const complete = template != null && values.length === template.params && values.every((v) => v.trim() !== "");

  useEffect(() => {
    if (template && template.params > 0) firstInput.current?.focus();
  }, [template]);

  const choose = (next: CloudTemplate) => {
    setChosen(keyOf(next));
    setValues(Array.from({ length: next.params }, () => ""));
  };

  const send = (event: FormEvent) => {
    event.preventDefault();
    if (!template || !complete || busy) return;
    void run(async () => {
      const message = await api.sendWhatsappTemplate({
        conversationId,
        name: template.name,
        language: template.language,
        params: values.map((v) => v.trim()),
      });
      onSent(message);
    });
  };

  return createPortal(
    <div
      className="dialog-backdrop"
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) close();
      }}
    >
      <div
        className="dialog wa-template-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="wa-template-dialog"
        data-phase={loaded.phase}
      >
        <div className="dialog-head">
          <h2 id={titleId}>{t("waTemplate.title")}</h2>
          <button type="button" className="icon-button" onClick={close} aria-label={t("merge.close")} title={t("merge.close")}>
            <CrossIcon size={12} />
          </button>
        </div>
        <p className="dialog-text">{t("waTemplate.intro")}</p>
        {loaded.phase === "loading" && <p className="dialog-note">{t("waTemplate.loading")}</p>}
        {loaded.phase === "failed" && (
          <p className="dialog-note dialog-note--error" role="alert" data-testid="wa-template-load-error">
            {loaded.error}
          </p>
        )}
        {loaded.phase === "ready" && templates.length === 0 && (
          <p className="dialog-note" data-testid="wa-template-none">
            {t("waTemplate.none")}
          </p>
        )}
        {templates.length > 0 && (
          <ul className="match-list wa-template-list" aria-label={t("waTemplate.title")}>
            {templates.map((candidate) => {
              const key = keyOf(candidate);
              return (
                <li key={key}>
                  <button
                    type="button"
                    className={`match wa-template${key === chosen ? " is-chosen" : ""}`}
                    aria-pressed={key === chosen}
                    data-testid="wa-template"
                    data-name={candidate.name}
                    data-language={candidate.language}
                    onClick={() => choose(candidate)}
                    disabled={busy}
                  >
                    <span className="match-name">{candidate.name}</span>
                    <span className="match-count">
                      {candidate.language} · {t(`waTemplate.category.${candidate.category}`, { defaultValue: candidate.category })}
                    </span>
                    <span className="match-reach">{candidate.body}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        )}
        {template && (
          <form noValidate onSubmit={send} data-testid="wa-template-form">
            {template.params > 0 && (
              <fieldset className="form-grid" disabled={busy}>
                {values.map((value, i) => (
                  <label className="field" key={`${chosen}-${i}`}>
                    <span className="field-label">{t("waTemplate.place", { n: i + 1 })}</span>
                    <input
                      ref={i === 0 ? firstInput : undefined}
                      type="text"
                      data-testid={`wa-template-param-${i + 1}`}
                      value={value}
                      maxLength={1024}
                      onChange={(e) => {
                        const next = [...values];
                        // WhatsApp takes a value on one line.
                        next[i] = e.target.value.replace(/[\r\n\t]+/g, " ");
                        setValues(next);
                      }}
                    />
                  </label>
                ))}
              </fieldset>
            )}
            <div className="wa-template-preview" data-testid="wa-template-preview" aria-label={t("waTemplate.preview")}>
              {filled(template, values)}
            </div>
            {error && (
              <p className="form-error" data-testid="wa-template-error" role="alert">
                <AlertIcon size={14} />
                {error}
              </p>
            )}
            <div className="form-actions">
              <button
                type="submit"
                className="button button--primary"
                data-testid="wa-template-send"
                disabled={!complete || busy}
                aria-busy={busy}
              >
                {busy && <span className="spinner" aria-hidden="true" />}
                {busy ? t("waTemplate.sending") : t("waTemplate.send")}
              </button>
              <button type="button" className="button button--quiet" onClick={close} disabled={busy}>
                {t("waCloud.cancel")}
              </button>
            </div>
          </form>
        )}
      </div>
    </div>,
    document.body,
  );
}
