import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type AvitoAccount, type AvitoError } from "../api";
import { useAction } from "../hooks";
import { AvitoErrorDetails } from "./AvitoRow";
import { AlertIcon } from "./Icon";

type Props = {
  onConnected: (account: AvitoAccount) => void;
  onCancel: () => void;
};

type Missing = { clientId: boolean; clientSecret: boolean };

/**
 * Connecting an Avito account: where its credentials come from, the client ID
 * and secret, and (for a stand-in of Avito's API only) the API address.
 */
export function AvitoForm({ onConnected, onCancel }: Props) {
  const { t } = useTranslation();
  const [clientId, setClientId] = useState("");
  const [clientSecret, setClientSecret] = useState("");
  const [apiUrl, setApiUrl] = useState("");
  // Shown once "Connect" was pressed with a field left empty, until it is filled.
  const [missing, setMissing] = useState<Missing | null>(null);
  const [refused, setRefused] = useState<AvitoError | null>(null);
  const { busy, error, run } = useAction();

  const connect = () => {
    if (busy) return;
    const empty = { clientId: clientId.trim() === "", clientSecret: clientSecret.trim() === "" };
    if (empty.clientId || empty.clientSecret) {
      setMissing(empty);
      return;
    }
    setMissing(null);
    setRefused(null);
    void run(async () => {
      // Connected, or refused with Avito's reason: a refusal is an answer, not a failure.
      const outcome = await api.connectAvito({
        clientId: clientId.trim(),
        clientSecret: clientSecret.trim(),
        apiUrl: apiUrl.trim() || null,
      });
      if (outcome.outcome === "refused") {
        setRefused(outcome.error);
        return;
      }
      // The secret lives in the keychain now; nothing here keeps it.
      setClientSecret("");
      onConnected(outcome.account);
    });
  };

  const edited = (field: keyof Missing) => {
    setRefused(null);
    setMissing((m) => (m ? { ...m, [field]: false } : m));
  };

  return (
    <form
      className="avito-form"
      data-testid="avito-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        connect();
      }}
    >
      <div className="avito-where">
        <p className="card-text">{t("avitoForm.intro")}</p>
        <ol className="steps">
          <li>{t("avitoForm.step1")}</li>
          <li>{t("avitoForm.step2")}</li>
          <li>{t("avitoForm.step3")}</li>
        </ol>
      </div>
      <p className="tariff-note" data-testid="avito-tariff-note">
        <AlertIcon size={15} className="tariff-note-icon" />
        <span>{t("avitoForm.tariff")}</span>
      </p>

      <fieldset className="form-grid" disabled={busy}>
        <label className="field">
          <span className="field-label">{t("avitoForm.clientId")}</span>
          <input
            type="text"
            data-testid="avito-client-id"
            value={clientId}
            onChange={(e) => {
              setClientId(e.target.value);
              edited("clientId");
            }}
            aria-invalid={missing?.clientId || undefined}
            aria-describedby={missing?.clientId ? "avito-client-id-error" : undefined}
            autoComplete="off"
            autoFocus
            spellCheck={false}
          />
          {missing?.clientId && (
            <span className="field-error" id="avito-client-id-error" data-testid="avito-client-id-error">
              {t("avitoForm.clientIdRequired")}
            </span>
          )}
        </label>
        <label className="field">
          <span className="field-label">{t("avitoForm.clientSecret")}</span>
          <input
            type="password"
            data-testid="avito-client-secret"
            value={clientSecret}
            onChange={(e) => {
              setClientSecret(e.target.value);
              edited("clientSecret");
            }}
            aria-invalid={missing?.clientSecret || undefined}
            aria-describedby={missing?.clientSecret ? "avito-client-secret-error" : undefined}
            autoComplete="new-password"
            spellCheck={false}
          />
          {missing?.clientSecret && (
            <span className="field-error" id="avito-client-secret-error" data-testid="avito-client-secret-error">
              {t("avitoForm.clientSecretRequired")}
            </span>
          )}
        </label>
      </fieldset>
      <p className="hint">{t("avitoForm.secretHint")}</p>

      <details className="disclosure" data-testid="avito-advanced">
        <summary>{t("avitoForm.advanced")}</summary>
        <label className="field">
          <span className="field-label">{t("avitoForm.apiUrl")}</span>
          <input
            type="url"
            data-testid="avito-api-url"
            value={apiUrl}
            onChange={(e) => {
              setApiUrl(e.target.value);
              setRefused(null);
            }}
            placeholder="https://api.avito.ru"
            spellCheck={false}
            disabled={busy}
          />
        </label>
        <p className="hint">{t("avitoForm.apiUrlHint")}</p>
      </details>

      {refused && (
        <div className="problem problem--refused" data-testid="avito-refused" role="alert">
          <AlertIcon size={15} className="problem-icon" />
          <span className="problem-main">
            <span className="problem-lead">{t("avitoForm.refused")}</span>
            <AvitoErrorDetails error={refused} />
          </span>
        </div>
      )}
      {error && (
        <p className="form-error" data-testid="avito-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
      <div className="form-actions">
        <button
          type="submit"
          className="button button--primary"
          data-testid="avito-connect"
          disabled={busy}
          aria-busy={busy}
        >
          {busy && <span className="spinner" aria-hidden="true" />}
          {busy ? t("avitoForm.connecting") : t("avitoForm.connect")}
        </button>
        <button type="button" className="button button--quiet" onClick={onCancel} disabled={busy}>
          {t("avitoForm.cancel")}
        </button>
      </div>
    </form>
  );
}
