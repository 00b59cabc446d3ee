import { useTranslation } from "react-i18next";
import { AlertIcon } from "./Icon";

/**
 * The end of a form that makes something new (or changes something in
 * place, with `cancel`): the submit button (busy while the engine works),
 * Cancel after it when asked, and the engine's refusal under them. Test ids
 * are `testId` for the button and `${testId}-error` (or `errorTestId`) for
 * the refusal.
 */
export function CreateFooter({
  testId,
  label,
  working,
  valid,
  busy,
  error,
  errorTestId = `${testId}-error`,
  cancel,
}: {
  testId: string;
  label: string;
  /** The button's label while the form is sent. */
  working: string;
  valid: boolean;
  busy: boolean;
  error: string | null;
  errorTestId?: string;
  /** A Cancel link after the button, and its test id. */
  cancel?: { testId: string; onCancel: () => void };
}) {
  const { t } = useTranslation();
  return (
    <>
      <div className="form-actions">
        <button
          type="submit"
          className="button button--primary"
          data-testid={testId}
          disabled={!valid || busy}
          aria-busy={busy || undefined}
        >
          {busy ? working : label}
        </button>
        {cancel && (
          <button
            type="button"
            className="link-button"
            data-testid={cancel.testId}
            disabled={busy}
            onClick={cancel.onCancel}
          >
            {t("projects.cancel")}
          </button>
        )}
      </div>
      {error && (
        <p className="form-error" data-testid={errorTestId} role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </>
  );
}
