import { useState } from "react";
import { useTranslation } from "react-i18next";
import { formatFull, formatWeekdayClock } from "../format";
import { parseDateTimeInput } from "../sendLater";
import { snoozePresets } from "../snooze";
import { Dropdown } from "./Dropdown";
import { MoonIcon } from "./Icon";
import { PickTimeItem } from "./PickTime";

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
  // A date and time of this computer's clock, in the future and within a year.
  const snoozeProblem = (value: string, at: number) => {
    const until = parseDateTimeInput(value);
    const problem = until == null ? "missing" : until <= at ? "past" : until - at > MAX_SNOOZE_MS ? "far" : null;
    return problem && t(`snooze.problem.${problem}`);
  };
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
      <PickTimeItem
        testId="snooze"
        submitTestId="snooze-submit"
        pickText={t("snooze.pick")}
        fieldLabel={t("snooze.pickLabel")}
        submitText={t("snooze.submit")}
        initialAfterMs={24 * 3_600_000}
        problemOf={snoozeProblem}
        onPick={onPick}
      />
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
