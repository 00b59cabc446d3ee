import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, type TelegramApp } from "../api";
import { useAction } from "../hooks";
import { AlertIcon, CheckIcon } from "./Icon";

/**
 * The application's identity at Telegram: the owner's own api_id and
 * api_hash (my.telegram.org → API development tools), unless this build
 * carries one, and how the app describes itself to Telegram.
 */
export function TelegramAppForm({ intro = false, onSaved }: { intro?: boolean; onSaved?: (app: TelegramApp) => void }) {
  const { t } = useTranslation();
  const [app, setApp] = useState<TelegramApp | null>(null);
  const [apiId, setApiId] = useState("");
  const [apiHash, setApiHash] = useState("");
  const [device, setDevice] = useState({ deviceModel: "", systemVersion: "", appVersion: "", langCode: "" });
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useAction();

  useEffect(() => {
    api
      .telegramApp()
      .then((loaded) => {
        setApp(loaded);
        setApiId(loaded.apiId?.toString() ?? "");
        setDevice({
          deviceModel: loaded.deviceModel,
          systemVersion: loaded.systemVersion,
          appVersion: loaded.appVersion,
          langCode: loaded.langCode,
        });
      })
      .catch((reason: unknown) => console.warn("Could not read the Telegram application", reason));
  }, []);

  if (!app) return null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const id = apiId.trim();
      const next = await api.saveTelegramApp({
        apiId: id ? Number(id) : null,
        apiHash: apiHash.trim() || null,
        ...device,
      });
      setApp(next);
      setApiHash("");
      setSaved(true);
      onSaved?.(next);
    });
  };

  return (
    <form className="tg-app" data-testid="tg-app" data-source={app.source} onSubmit={submit}>
      {intro && <p className="dialog-text">{t("tgApp.needed")}</p>}
      <p className="hint">
        {app.source === "built" ? t("tgApp.built") : t("tgApp.guide")}
      </p>
      <div className="tg-app-row">
        <label className="field">
          <span className="field-label">api_id</span>
          <input
            type="text"
            inputMode="numeric"
            data-testid="tg-app-id"
            value={apiId}
            onChange={(e) => {
              setApiId(e.target.value.replace(/\D/g, ""));
              setSaved(false);
            }}
          />
        </label>
        <label className="field">
          <span className="field-label">api_hash</span>
          <input
            type="password"
            data-testid="tg-app-hash"
            value={apiHash}
            autoComplete="off"
            placeholder={app.source === "own" ? t("tgApp.hashKept") : ""}
            onChange={(e) => {
              setApiHash(e.target.value);
              setSaved(false);
            }}
          />
        </label>
      </div>
      {!intro && (
        <div className="tg-app-row">
          {(
            [
              ["deviceModel", t("tgApp.deviceModel")],
              ["systemVersion", t("tgApp.systemVersion")],
              ["appVersion", t("tgApp.appVersion")],
              ["langCode", t("tgApp.langCode")],
            ] as const
          ).map(([key, label]) => (
            <label className="field" key={key}>
              <span className="field-label">{label}</span>
              <input
                type="text"
                data-testid={`tg-app-${key}`}
                value={device[key]}
                onChange={(e) => {
                  setDevice({ ...device, [key]: e.target.value });
                  setSaved(false);
                }}
              />
            </label>
          ))}
        </div>
      )}
      {error && (
        <p className="form-error" data-testid="tg-app-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button--primary" data-testid="tg-app-save" disabled={busy}>
          {intro ? t("tgApp.saveAndGo") : t("projects.save")}
        </button>
        {saved && (
          <span className="form-saved" role="status">
            <CheckIcon size={13} />
            {t("mailboxForm.saved")}
          </span>
        )}
      </div>
    </form>
  );
}
