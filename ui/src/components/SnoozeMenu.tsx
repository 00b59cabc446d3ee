import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { formatFull, formatWeekdayClock } from "../format";
import { dateTimeInputValue, parseDateTimeInput } from "../sendLater";
import { snoozePresets } from "../snooze";
import { Dropdown } from "./Dropdown";
import { AlertIcon, MoonIcon } from "./Icon";

/** The longest snooze the engine takes. */
const MAX_SNOOZE_MS = 366 * 24 * 3_600_000;

/**
 * "Snooze ▾": later today (in 3 hours), this evening (18:00, offered before
 * 17:00), tomorrow at 9:00, next Monday at 9:00, or a picked date and time,
 * all in this computer's time; with `onUnsnooze`, "Unsnooze" too.
 */
export function SnoozeMenu({
  testId,
  disabled,
  onSnooze,
  onUnsnooze,
  align,
}: {
  testId: string;
  disabled?: boolean;
  onSnooze: (until: number) => void;
  onUnsnooze?: () => void;
  align?: "left" | "right";
}) {
  const { t } = useTranslation();
  return (
    <Dropdown
      label={t("snooze.menu")}
      content={
        <>
          <MoonIcon size={14} />
          {t("snooze.button")}
        </>
      }
      testId={testId}
      title={t("snooze.hint")}
      disabled={disabled}
      align={align}
      className="snooze"
    >
      {(close) => (
        <SnoozeChoices
          onPick={(until) => {
            close();
            onSnooze(until);
          }}
          onUnsnooze={
            onUnsnooze &&
            (() => {
              close();
              onUnsnooze();
            })
          }
        />
      )}
    </Dropdown>
  );
}

function SnoozeChoices({ onPick, onUnsnooze }: { onPick: (until: number) => void; onUnsnooze?: () => void }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  // The times are those of the moment the menu opened.
  const [now] = useState(() => Date.now());
  const [picking, setPicking] = useState(false);
  return (
    <>
      <div className="menu-title">{t("snooze.menu")}</div>
      {snoozePresets(now).map((p) => (
        <button
          key={p.preset}
          type="button"
          role="menuitem"
          className="menu-item"
          data-testid="snooze-preset"
          data-preset={p.preset}
          data-at={p.at}
          title={formatFull(p.at, language)}
          onClick={() => onPick(p.at)}
        >
          <span>{t(`snooze.preset.${p.preset}`)}</span>
          <span className="menu-item-aside">{formatWeekdayClock(p.at, language)}</span>
        </button>
      ))}
      {picking ? (
        <PickSnooze onPick={onPick} />
      ) : (
        <button
          type="button"
          role="menuitem"
          className="menu-item menu-item--separated"
          data-testid="snooze-pick"
          onClick={() => setPicking(true)}
        >
          {t("snooze.pick")}
        </button>
      )}
      {onUnsnooze && (
        <button
          type="button"
          role="menuitem"
          className="menu-item menu-item--separated"
          data-testid="snooze-unsnooze"
          onClick={onUnsnooze}
        >
          {t("snooze.unsnooze")}
        </button>
      )}
    </>
  );
}

/** A date and time of this computer's clock, in the future and within a year. */
function PickSnooze({ onPick }: { onPick: (until: number) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [value, setValue] = useState(() => dateTimeInputValue(Date.now() + 24 * 3_600_000));
  const [problem, setProblem] = useState<"missing" | "past" | "far" | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const at = parseDateTimeInput(value);
    const now = Date.now();
    const found = at == null ? "missing" : at <= now ? "past" : at - now > MAX_SNOOZE_MS ? "far" : null;
    setProblem(found);
    if (found == null && at != null) onPick(at);
  };

  return (
    <form className="menu-form" onSubmit={submit} noValidate data-testid="snooze-form">
      <label className="field">
        <span className="field-label">{t("snooze.pickLabel")}</span>
        <input
          type="datetime-local"
          data-testid="snooze-at"
          value={value}
          min={dateTimeInputValue(Date.now())}
          aria-invalid={problem != null || undefined}
          aria-describedby={problem ? `${id}-problem` : undefined}
          autoFocus
          onChange={(e) => {
            setValue(e.target.value);
            setProblem(null);
          }}
        />
      </label>
      {problem != null && (
        <p className="form-error" role="alert" id={`${id}-problem`} data-testid="snooze-problem">
          <AlertIcon size={13} />
          {t(`snooze.problem.${problem}`)}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button--primary" data-testid="snooze-submit">
          {t("snooze.submit")}
        </button>
      </div>
    </form>
  );
}
