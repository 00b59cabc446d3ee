import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, type CloudNumber } from "../api";
import { useAction } from "../hooks";
import { DangerZone } from "./DangerZone";
import { AlertIcon } from "./Icon";

type Draft = {
  name: string;
  businessAccountId: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
};

const SECRETS = ["accessToken", "appSecret", "verifyToken"] as const;

/**
 * What a Cloud API number's account row adds: its IDs at Meta, "Change"
 * (its name, its business account, a new token or secret: one left empty is
 * kept) and "Remove" (its secrets leave the keyring; its conversations stay).
 */
export function WhatsAppCloudNumberPanel({
  number,
  onChanged,
  onRemoved,
}: {
  number: CloudNumber;
  onChanged: (number: CloudNumber) => void;
  onRemoved: (accountId: number) => void;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Draft | null>(null);
  const { busy, error, run } = useAction();

  const edit = () =>
    setDraft({
      name: number.name,
      businessAccountId: number.businessAccountId ?? "",
      accessToken: "",
      appSecret: "",
      verifyToken: "",
    });

  const save = (event: FormEvent) => {
    event.preventDefault();
    if (!draft || busy) return;
    const secret = (value: string) => (value.trim() === "" ? null : value.trim());
    void run(async () => {
      const changed = await api.updateWhatsappCloudNumber(number.id, {
        name: draft.name.trim() === "" || draft.name.trim() === number.name ? null : draft.name.trim(),
        businessAccountId: draft.businessAccountId.trim(),
        accessToken: secret(draft.accessToken),
        appSecret: secret(draft.appSecret),
        verifyToken: secret(draft.verifyToken),
      });
      setDraft(null);
      onChanged(changed);
    });
  };

  return (
    <div className="wa-cloud-panel" data-testid="wa-cloud-number" data-account-id={number.id}>
      <div className="account-row-facts">
        <span data-testid="wa-cloud-number-id">{t("waCloudNumber.phoneNumberId", { id: number.phoneNumberId })}</span>
        {number.displayPhone && <span>+{number.displayPhone}</span>}
        {number.businessAccountId ? (
          <span data-testid="wa-cloud-number-waba">{t("waCloudNumber.waba", { id: number.businessAccountId })}</span>
        ) : (
          <span className="is-missing" data-testid="wa-cloud-number-waba">
            {t("waCloudNumber.noWaba")}
          </span>
        )}
      </div>
      {draft ? (
        <form noValidate onSubmit={save} data-testid="wa-cloud-edit">
          <fieldset className="form-grid" disabled={busy}>
            <label className="field">
              <span className="field-label">{t("waCloudNumber.name")}</span>
              <input
                type="text"
                data-testid="wa-cloud-edit-name"
                value={draft.name}
                onChange={(e) => setDraft({ ...draft, name: e.target.value })}
                autoFocus
              />
            </label>
            <label className="field">
              <span className="field-label">{t("waTemplate.wabaLabel")}</span>
              <input
                type="text"
                data-testid="wa-cloud-edit-businessAccountId"
                value={draft.businessAccountId}
                onChange={(e) => setDraft({ ...draft, businessAccountId: e.target.value })}
                inputMode="numeric"
                spellCheck={false}
                autoComplete="off"
              />
            </label>
            {SECRETS.map((key) => (
              <label className="field" key={key}>
                <span className="field-label">{t(`waCloudNumber.new.${key}`)}</span>
                <input
                  type={key === "verifyToken" ? "text" : "password"}
                  data-testid={`wa-cloud-edit-${key}`}
                  value={draft[key]}
                  onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
                  placeholder={t("waCloudNumber.keep")}
                  autoComplete="new-password"
                  spellCheck={false}
                />
              </label>
            ))}
          </fieldset>
          <p className="hint">{t("waCloudNumber.secretsHint")}</p>
          {error && (
            <p className="form-error" role="alert" data-testid="wa-cloud-edit-error">
              <AlertIcon size={14} />
              {error}
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="button button--primary" data-testid="wa-cloud-edit-save" disabled={busy} aria-busy={busy}>
              {t("waCloudNumber.save")}
            </button>
            <button type="button" className="button button--quiet" onClick={() => setDraft(null)} disabled={busy}>
              {t("waCloud.cancel")}
            </button>
          </div>
        </form>
      ) : (
        <div className="form-actions">
          <button type="button" className="button" data-testid="wa-cloud-number-change" onClick={edit}>
            {t("waCloudNumber.change")}
          </button>
          <DangerZone
            text={{
              action: t("waCloudNumber.remove"),
              question: t("waCloudNumber.removeQuestion", { name: number.name }),
              explanation: t("waCloudNumber.removeExplanation"),
              confirm: t("waCloudNumber.removeConfirm"),
              working: t("waCloudNumber.removing"),
              cancel: t("waCloud.cancel"),
              testId: "wa-cloud-number-remove",
              confirmTestId: "wa-cloud-number-remove-confirm",
              errorTestId: "wa-cloud-number-remove-error",
            }}
            onConfirm={async () => {
              await api.removeWhatsappCloudNumber(number.id);
              onRemoved(number.id);
            }}
          />
        </div>
      )}
    </div>
  );
}
