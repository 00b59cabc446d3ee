import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import { createPortal } from "react-dom";
import { useTranslation } from "react-i18next";
import { api, type CloudNumberAdded } from "../api";
import { useAction } from "../hooks";
import { AlertIcon, CheckIcon, CrossIcon } from "./Icon";

type Props = { onClose: () => void };

type Missing = { phoneNumberId: boolean; accessToken: boolean; appSecret: boolean };
type Optional = "verifyToken" | "businessAccountId";
const optional = (key: string): key is Optional => key === "verifyToken" || key === "businessAccountId";

/**
 * Adds a WhatsApp Business Cloud API number: its phone number ID, access
 * token, app secret, the webhook's verify token (made up when left empty)
 * and, optionally, its WhatsApp Business Account (for its templates). Once
 * added, the verify token is shown this one time with the address Meta's
 * webhooks must reach.
 */
export function WhatsAppCloudDialog({ onClose }: Props) {
  const { t } = useTranslation();
  const titleId = useId();
  const [phoneNumberId, setPhoneNumberId] = useState("");
  const [accessToken, setAccessToken] = useState("");
  const [appSecret, setAppSecret] = useState("");
  const [verifyToken, setVerifyToken] = useState("");
  const [businessAccountId, setBusinessAccountId] = useState("");
  const [missing, setMissing] = useState<Missing | null>(null);
  const [added, setAdded] = useState<CloudNumberAdded | null>(null);
  const { busy, error, run } = useAction();

  const close = useCallback(() => {
    if (!busy) onClose();
  }, [busy, onClose]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") close();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [close]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const empty = {
      phoneNumberId: phoneNumberId.trim() === "",
      accessToken: accessToken.trim() === "",
      appSecret: appSecret.trim() === "",
    };
    if (empty.phoneNumberId || empty.accessToken || empty.appSecret) {
      setMissing(empty);
      return;
    }
    setMissing(null);
    void run(async () => {
      const result = await api.addWhatsappCloudNumber({
        phoneNumberId: phoneNumberId.trim(),
        accessToken: accessToken.trim(),
        appSecret: appSecret.trim(),
        verifyToken: verifyToken.trim() || null,
        name: null,
        businessAccountId: businessAccountId.trim() || null,
        apiUrl: null,
      });
      // The secrets live in the keychain now; nothing here keeps them.
      setAccessToken("");
      setAppSecret("");
      setVerifyToken("");
      setAdded(result);
    });
  };

  const field = (
    key: keyof Missing | Optional,
    value: string,
    set: (value: string) => void,
    secret: boolean,
  ) => {
    const invalid = !optional(key) && missing?.[key];
    const errorId = `wa-cloud-${key}-error`;
    return (
      <label className="field">
        <span className="field-label">{t(`waCloud.${key}`)}</span>
        <input
          type={secret ? "password" : "text"}
          data-testid={`wa-cloud-${key}`}
          value={value}
          onChange={(e) => {
            set(e.target.value);
            if (!optional(key)) setMissing((m) => (m ? { ...m, [key]: false } : m));
          }}
          aria-invalid={invalid || undefined}
          aria-describedby={invalid ? errorId : undefined}
          autoComplete={secret ? "new-password" : "off"}
          inputMode={key === "phoneNumberId" || key === "businessAccountId" ? "numeric" : undefined}
          spellCheck={false}
          autoFocus={key === "phoneNumberId"}
        />
        {invalid && (
          <span className="field-error" id={errorId} data-testid={errorId}>
            {t("waCloud.required")}
          </span>
        )}
      </label>
    );
  };

  return createPortal(
    <div
      className="dialog-backdrop"
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) close();
      }}
    >
      <div
        className="dialog wa-cloud"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="wa-cloud-dialog"
        data-state={added ? "added" : "form"}
      >
        <div className="dialog-head">
          <h2 id={titleId}>{t("waCloud.title")}</h2>
          <button type="button" className="icon-button" onClick={close} aria-label={t("merge.close")} title={t("merge.close")}>
            <CrossIcon size={12} />
          </button>
        </div>
        {added ? (
          <AddedView added={added} onClose={onClose} />
        ) : (
          <form noValidate onSubmit={submit} data-testid="wa-cloud-form">
            <p className="dialog-text">{t("waCloud.intro")}</p>
            <fieldset className="form-grid" disabled={busy}>
              {field("phoneNumberId", phoneNumberId, setPhoneNumberId, false)}
              {field("accessToken", accessToken, setAccessToken, true)}
              {field("appSecret", appSecret, setAppSecret, true)}
              {field("verifyToken", verifyToken, setVerifyToken, false)}
              {field("businessAccountId", businessAccountId, setBusinessAccountId, false)}
            </fieldset>
            <p className="hint">{t("waCloud.verifyTokenHint")}</p>
            <p className="hint">{t("waCloud.businessAccountIdHint")}</p>
            <p className="hint">{t("waCloud.secretHint")}</p>
            {error && (
              <p className="form-error" data-testid="wa-cloud-error" role="alert">
                <AlertIcon size={14} />
                {error}
              </p>
            )}
            <div className="form-actions">
              <button type="submit" className="button button--primary" data-testid="wa-cloud-add" disabled={busy} aria-busy={busy}>
                {busy && <span className="spinner" aria-hidden="true" />}
                {busy ? t("waCloud.adding") : t("waCloud.add")}
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

/** What Meta's webhook settings need, shown once. */
function AddedView({ added, onClose }: { added: CloudNumberAdded; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <div data-testid="wa-cloud-added">
      <p className="dialog-text">
        <CheckIcon size={14} /> {t("waCloud.added", { id: added.number.phoneNumberId })}
      </p>
      <dl className="wa-cloud-facts">
        <dt>{t("waCloud.webhookUrl")}</dt>
        <dd className="selectable" data-testid="wa-cloud-webhook-url">
          {added.webhookUrl ?? t("waCloud.noLan", { path: added.number.webhookPath })}
        </dd>
        <dt>{t("waCloud.verifyToken")}</dt>
        <dd className="selectable" data-testid="wa-cloud-verify-token">
          {added.verifyToken}
        </dd>
      </dl>
      <p className="hint" data-testid="wa-cloud-shown-once">
        {t("waCloud.shownOnce")}
      </p>
      <p className="dialog-note" data-testid="wa-cloud-https-note">
        <AlertIcon size={14} /> {t("waCloud.httpsNote")}
      </p>
      <div className="form-actions">
        <button type="button" className="button button--primary" data-testid="wa-cloud-done" onClick={onClose}>
          {t("waCloud.done")}
        </button>
      </div>
    </div>
  );
}
