import { useTranslation } from "react-i18next";
import { AlertIcon, CheckIcon } from "./Icon";

/**
 * The end of a settings form that saves as a whole: the engine's refusal,
 * Save, Cancel while there are changes, and "Saved" once they are stored.
 * Test ids are `${testId}-error`, `${testId}-save` and `${testId}-saved`.
 */
export function SaveFooter({
  testId,
  error,
  changed,
  busy,
  saved,
  onCancel,
}: {
  testId: string;
  error: string | null;
  changed: boolean;
  busy: boolean;
  saved: boolean;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      {error && (
        <p className="form-error" data-testid={`${testId}-error`} role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
      <div className="form-actions">
        <button
          type="submit"
          className="button button--primary"
          data-testid={`${testId}-save`}
          disabled={!changed || busy}
        >
          {busy ? t("projects.saving") : t("projects.save")}
        </button>
        {changed && !busy && (
          <button type="button" className="link-button" onClick={onCancel}>
            {t("projects.cancel")}
          </button>
        )}
        {saved && !changed && (
          <span className="form-saved" data-testid={`${testId}-saved`} role="status">
            <CheckIcon size={13} />
            {t("mailboxForm.saved")}
          </span>
        )}
      </div>
    </>
  );
}
