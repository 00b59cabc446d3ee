import { AlertIcon } from "./Icon";

/**
 * The end of a form that makes something new: the submit button (busy while
 * the engine works) and the engine's refusal under it. Test ids are `testId`
 * for the button and `${testId}-error` for the refusal.
 */
export function CreateFooter({
  testId,
  label,
  working,
  valid,
  busy,
  error,
}: {
  testId: string;
  label: string;
  /** The button's label while the form is sent. */
  working: string;
  valid: boolean;
  busy: boolean;
  error: string | null;
}) {
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
      </div>
      {error && (
        <p className="form-error" data-testid={`${testId}-error`} role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </>
  );
}
