import { useTranslation } from "react-i18next";
import { WEEKDAYS, type ScheduleInterval, type Weekday } from "../api";
import { intervalSpan, newInterval, nightsAndWeekends } from "../assistant";
import { CrossIcon, PlusIcon } from "./Icon";

type Props = {
  value: ScheduleInterval[];
  onChange: (next: ScheduleInterval[]) => void;
};

/** The weekly intervals the auto-reply is on in: days, a start and an end (the next day when not after the start). */
export function ScheduleEditor({ value, onChange }: Props) {
  const { t } = useTranslation();
  const change = (index: number, patch: Partial<ScheduleInterval>) =>
    onChange(value.map((interval, i) => (i === index ? { ...interval, ...patch } : interval)));
  const toggle = (index: number, day: Weekday) => {
    const days = value[index].days;
    change(index, {
      days: days.includes(day) ? days.filter((d) => d !== day) : WEEKDAYS.filter((d) => d === day || days.includes(d)),
    });
  };

  return (
    <div className="schedule" role="group" aria-label={t("schedule.title")} data-testid="schedule">
      <div className="schedule-head">
        <span className="field-label">{t("schedule.title")}</span>
        <button
          type="button"
          className="link-button"
          data-testid="schedule-preset"
          onClick={() => onChange(nightsAndWeekends())}
        >
          {t("schedule.preset")}
        </button>
      </div>
      {value.length === 0 ? (
        <p className="hint schedule-empty">{t("schedule.empty")}</p>
      ) : (
        <ol className="schedule-list">
          {value.map((interval, index) => {
            const n = index + 1;
            const span = intervalSpan(interval);
            return (
              <li
                key={index}
                className="schedule-row"
                data-testid="schedule-interval"
                role="group"
                aria-label={t("schedule.interval", { n })}
              >
                <div className="day-toggles" role="group" aria-label={t("schedule.days")}>
                  {WEEKDAYS.map((day) => {
                    const on = interval.days.includes(day);
                    return (
                      <button
                        key={day}
                        type="button"
                        className={`day-toggle${on ? " is-on" : ""}`}
                        data-day={day}
                        aria-pressed={on}
                        aria-label={t(`weekday.long.${day}`)}
                        title={t(`weekday.long.${day}`)}
                        onClick={() => toggle(index, day)}
                      >
                        {t(`weekday.short.${day}`)}
                      </button>
                    );
                  })}
                </div>
                <div className="schedule-times">
                  <label className="schedule-time">
                    <span className="field-label">{t("schedule.from")}</span>
                    <input
                      type="time"
                      data-testid="schedule-start"
                      value={interval.start}
                      onChange={(e) => change(index, { start: e.target.value })}
                    />
                  </label>
                  <label className="schedule-time">
                    <span className="field-label">{t("schedule.to")}</span>
                    <input
                      type="time"
                      data-testid="schedule-end"
                      value={interval.end}
                      onChange={(e) => change(index, { end: e.target.value })}
                    />
                  </label>
                  {span !== "same_day" && <span className="schedule-span">{t(`schedule.${span}`)}</span>}
                  {interval.days.length === 0 && <span className="field-error">{t("schedule.noDays")}</span>}
                </div>
                <button
                  type="button"
                  className="icon-button schedule-remove"
                  data-testid="schedule-remove"
                  aria-label={t("schedule.remove", { n })}
                  title={t("schedule.remove", { n })}
                  onClick={() => onChange(value.filter((_, i) => i !== index))}
                >
                  <CrossIcon size={12} />
                </button>
              </li>
            );
          })}
        </ol>
      )}
      <div className="form-actions">
        <button
          type="button"
          className="button"
          data-testid="schedule-add"
          onClick={() => onChange([...value, newInterval()])}
        >
          <PlusIcon size={14} />
          {t("schedule.add")}
        </button>
      </div>
      <p className="hint">{t("schedule.hint")}</p>
    </div>
  );
}
