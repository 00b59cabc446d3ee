// What the Dashboard screen computes from the engine's figures, without
// drawing anything: periods from the date inputs, durations in words,
// shares and the heat map's shades.
import type { TFunction } from "i18next";
import type { AgeBand, Dashboard, Period } from "./api";

/** The bands of waiting time, shortest first (the engine's order). */
export const AGE_BANDS: readonly AgeBand[] = ["under_quarter_hour", "under_hour", "under_four_hours", "under_day", "over_day"];

/** The periods offered as one click; "custom" takes two dates. */
export type PeriodChoice = "today" | "week" | "month" | "custom";
export const PERIOD_CHOICES: readonly PeriodChoice[] = ["today", "week", "month", "custom"];
/** How many last days (today included) each preset asks `lastDays` for. */
export const PERIOD_DAYS: Record<Exclude<PeriodChoice, "custom">, number> = { today: 1, week: 7, month: 30 };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A local date as a date input holds it: `YYYY-MM-DD`. */
export function dateInputValue(ts: number): string {
  const d = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local midnight at the start of a `YYYY-MM-DD` date; null when it is not one. */
export function localMidnight(date: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(d.getTime()) ? null : d.getTime();
}

/**
 * The period from the first chosen day's midnight up to the midnight after
 * the last chosen day (`to` is exclusive); null unless both dates are valid
 * and in order.
 */
export function customPeriod(first: string, last: string): Period | null {
  const from = localMidnight(first);
  const lastStart = localMidnight(last);
  if (from == null || lastStart == null || lastStart < from) return null;
  const after = new Date(lastStart);
  after.setDate(after.getDate() + 1);
  return { from, to: after.getTime() };
}

/** How long, in words: "40 s", "12 min", "3 h 5 min", "2 d 4 h"; a dash when unknown. */
export function formatDuration(ms: number | null, t: TFunction): string {
  if (ms == null || !Number.isFinite(ms)) return "—";
  if (ms < MINUTE) return t("dashboard.duration.seconds", { n: Math.max(0, Math.round(ms / 1000)) });
  if (ms < HOUR) return t("dashboard.duration.minutes", { n: Math.round(ms / MINUTE) });
  if (ms < DAY) {
    const minutes = Math.round(ms / MINUTE);
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m === 0 ? t("dashboard.duration.hours", { h }) : t("dashboard.duration.hoursMinutes", { h, m });
  }
  const hours = Math.round(ms / HOUR);
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  return h === 0 ? t("dashboard.duration.days", { d }) : t("dashboard.duration.daysHours", { d, h });
}

/** A whole percentage of `part` in `total` (0 when there is no total). */
export function percent(part: number, total: number): number {
  return total > 0 ? Math.round((part / total) * 100) : 0;
}

/** Nothing started in the period: the screen says so instead of empty charts. */
export function isEmptyPeriod(dashboard: Dashboard): boolean {
  return dashboard.figures.newConversations === 0 && dashboard.days.every((d) => d.messagesIn === 0 && d.messagesOut === 0);
}

/** The replies of the period by who wrote them, for the share chart. */
export function replyShares(dashboard: Dashboard) {
  const f = dashboard.figures;
  return [
    { key: "people", value: f.repliesByPeople },
    { key: "assistant", value: f.repliesByAssistant },
    { key: "autoReply", value: f.repliesByAutoReply },
  ] as const;
}

/** The largest count of the heat map (at least 1, so shades divide safely). */
export function heatMax(hours: number[][]): number {
  return Math.max(1, ...hours.flat());
}

/**
 * A cell's shade from 0 to 1: an empty hour is blank, any message shows at
 * least faintly, the busiest hour is full.
 */
export function heatLevel(count: number, max: number): number {
  if (count <= 0 || max <= 0) return 0;
  return Math.min(1, 0.12 + 0.88 * (count / max));
}

/** A `YYYY-MM-DD` day as a short local date for the chart's axis ("12 Mar"). */
export function shortDay(day: string, language: string): string {
  const ts = localMidnight(day);
  if (ts == null) return day;
  return new Intl.DateTimeFormat(language, { day: "numeric", month: "short" }).format(ts);
}
