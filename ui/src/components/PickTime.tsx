import { useId, useState, type FormEvent } from "react";
import { dateTimeInputValue, parseDateTimeInput } from "../sendLater";
import { AlertIcon } from "./Icon";

type PickTimeProps = {
  testId: string;
  submitTestId: string;
  /** The menu item's text. */
  pickText: string;
  fieldLabel: string;
  submitText: string;
  /** How long after now the field starts. */
  initialAfterMs: number;
  /** A line under the field. */
  hint?: string | null;
  /** What is wrong with the field's value (`datetime-local`) at `now`, for the person; null when nothing. */
  problemOf: (value: string, now: number) => string | null;
  onPick: (at: number) => void;
};

/**
 * The last item of a menu of times: "Pick a date and time…", which opens a
 * date and time of this computer's clock under it, picked when submitted and
 * `problemOf` finds nothing wrong with it. Test ids are `${testId}-pick` (the
 * item), `-form`, `-at` (the field) and `-problem`, and `submitTestId`.
 */
export function PickTimeItem(props: PickTimeProps) {
  const [picking, setPicking] = useState(false);
  if (picking) return <PickTimeForm {...props} />;
  return (
    <button
      type="button"
      role="menuitem"
      className="menu-item menu-item--separated"
      data-testid={`${props.testId}-pick`}
      onClick={() => setPicking(true)}
    >
      {props.pickText}
    </button>
  );
}

function PickTimeForm({ testId, submitTestId, fieldLabel, submitText, initialAfterMs, hint, problemOf, onPick }: PickTimeProps) {
  const id = useId();
  const [value, setValue] = useState(() => dateTimeInputValue(Date.now() + initialAfterMs));
  const [problem, setProblem] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = problemOf(value, Date.now());
    setProblem(found);
    const at = parseDateTimeInput(value);
    if (found == null && at != null) onPick(at);
  };

  const describedBy = [hint ? `${id}-hint` : null, problem != null ? `${id}-problem` : null].filter(Boolean).join(" ");
  return (
    <form className="menu-form" onSubmit={submit} noValidate data-testid={`${testId}-form`}>
      <label className="field">
        <span className="field-label">{fieldLabel}</span>
        <input
          type="datetime-local"
          data-testid={`${testId}-at`}
          value={value}
          min={dateTimeInputValue(Date.now())}
          aria-invalid={problem != null || undefined}
          aria-describedby={describedBy || undefined}
          autoFocus
          onChange={(e) => {
            setValue(e.target.value);
            setProblem(null);
          }}
        />
      </label>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {problem != null && (
        <p className="form-error" role="alert" id={`${id}-problem`} data-testid={`${testId}-problem`}>
          <AlertIcon size={13} />
          {problem}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button--primary" data-testid={submitTestId}>
          {submitText}
        </button>
      </div>
    </form>
  );
}
