import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api";
import { errorText } from "../errors";
import { useAction } from "../hooks";
import { useEngineValue } from "../useAssistant";
import { AlertIcon } from "./Icon";
import { SaveFooter } from "./SaveFooter";

/** What the field holds as minutes, or null when it is not a whole number of 0 or more. */
function minutesOf(text: string): number | null {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : null;
}

/**
 * The alerts the bot sends the owner and the admins in their private chat
 * with it: a channel down or back, a work group without the bot's rights,
 * and a customer waiting for a person longer than the owner's threshold,
 * which is set here (0: never). The engine refuses more than a week.
 */
export function TeamAlerts() {
  const { t } = useTranslation();
  const id = useId();
  const { value, error: loadError, apply } = useEngineValue(
    () => api.alertWaitingMinutes(),
    () => false,
    "alert-waiting-minutes",
  );
  const [draft, setDraft] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [invalid, setInvalid] = useState(false);
  const { busy, error, run } = useAction();
  const shown = draft ?? (value == null ? "" : String(value));
  const changed = draft != null && value != null && draft.trim() !== String(value);

  const save = () => {
    if (!changed || busy) return;
    const minutes = minutesOf(shown);
    if (minutes == null) {
      setInvalid(true);
      return;
    }
    void run(async () => {
      apply(await api.setAlertWaitingMinutes(minutes));
      setDraft(null);
      setSaved(true);
    });
  };

  return (
    <div className="team-alerts" data-testid="team-alerts">
      <h3 className="team-subhead">{t("team.alerts.title")}</h3>
      <p className="card-text">{t("team.alerts.intro")}</p>
      {value == null && loadError == null && <p className="hint">{t("accounts.loading")}</p>}
      {value == null && loadError != null && (
        <p className="form-error" role="alert" data-testid="team-alerts-load-error">
          <AlertIcon size={14} />
          {errorText(loadError, t)}
        </p>
      )}
      {value != null && (
        <form
          className="team-alerts-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <label className="team-alerts-line">
            <span>{t("team.alerts.before")}</span>
            <input
              type="text"
              inputMode="numeric"
              autoComplete="off"
              data-testid="team-alerts-minutes"
              value={shown}
              disabled={busy}
              aria-invalid={invalid || undefined}
              aria-describedby={`${id}-hint`}
              onChange={(e) => {
                setSaved(false);
                setInvalid(false);
                setDraft(e.target.value);
              }}
            />
            <span>{t("team.alerts.after")}</span>
          </label>
          <p className={invalid ? "field-error" : "hint"} id={`${id}-hint`} data-testid="team-alerts-hint">
            {invalid ? t("team.alerts.invalid") : t("team.alerts.hint")}
          </p>
          <SaveFooter
            testId="team-alerts"
            error={error}
            changed={changed}
            busy={busy}
            saved={saved}
            onCancel={() => {
              setDraft(null);
              setInvalid(false);
            }}
          />
        </form>
      )}
    </div>
  );
}
