import type { TFunction } from "i18next";

const DAY = 24 * 60 * 60 * 1000;

// Building an Intl formatter costs far more than using one; the list formats many rows per frame.
const formatters = new Map<string, Intl.DateTimeFormat>();
function dateFormat(language: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${language}|${JSON.stringify(options)}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(language, options);
    formatters.set(key, format);
  }
  return format;
}

function startOfDay(ts: number): number {
  const d = new Date(ts);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Whole calendar days between two instants in local time (0 = same day). */
export function daysBetween(earlier: number, later: number): number {
  return Math.round((startOfDay(later) - startOfDay(earlier)) / DAY);
}

export function formatClock(ts: number, language: string): string {
  return dateFormat(language, { hour: "numeric", minute: "2-digit" }).format(ts);
}

export function formatFull(ts: number, language: string): string {
  return dateFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(ts);
}

export function formatDate(ts: number, language: string): string {
  return dateFormat(language, { dateStyle: "long" }).format(ts);
}

/** Short time for a list row: "now", "5 min", "14:05", "Yesterday", "Mon", "12 Mar", "12.03.2023". */
export function formatListTime(ts: number, now: number, t: TFunction, language: string): string {
  const diff = now - ts;
  if (diff < 60_000) return t("time.now");
  if (diff < 60 * 60_000) return t("time.minutes", { n: Math.floor(diff / 60_000) });
  const days = daysBetween(ts, now);
  if (days <= 0) return formatClock(ts, language);
  if (days === 1) return t("time.yesterday");
  if (days < 7) return dateFormat(language, { weekday: "short" }).format(ts);
  if (new Date(ts).getFullYear() === new Date(now).getFullYear()) {
    return dateFormat(language, { day: "numeric", month: "short" }).format(ts);
  }
  return dateFormat(language, { dateStyle: "short" }).format(ts);
}

/** When something happened, for a sentence: "just now", "5 min ago", or the local date and time. */
export function formatSince(ts: number, now: number, t: TFunction, language: string): string {
  const diff = now - ts;
  if (diff < 60_000) return t("time.justNow");
  if (diff < 60 * 60_000) return t("time.minutesAgo", { n: Math.floor(diff / 60_000) });
  return formatFull(ts, language);
}

/** Heading above a day's messages: "Today", "Yesterday" or the date. */
export function formatDayHeading(ts: number, now: number, t: TFunction, language: string): string {
  const days = daysBetween(ts, now);
  if (days === 0) return t("thread.today");
  if (days === 1) return t("thread.yesterday");
  return formatDate(ts, language);
}

export function formatSize(bytes: number | null, language: string): string {
  if (bytes == null) return "";
  const units = language === "ru" ? ["Б", "КБ", "МБ", "ГБ"] : ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${new Intl.NumberFormat(language, { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

export function initials(name: string): string {
  const words = name
    .replace(/[«»"“”()#\d]/g, " ")
    .split(/\s+/)
    .filter(Boolean);
  const letters = words.length >= 2 ? words[0][0] + words[1][0] : (words[0] ?? "?").slice(0, 2);
  return letters.toUpperCase();
}

/** A stable hue for an avatar, picked from the contact id. */
export function avatarHue(id: number): number {
  return (id * 137) % 360;
}

/** A time within the next days, short: "Tue 09:00" (the weekday and the clock). */
export function formatWeekdayClock(ts: number, language: string): string {
  return dateFormat(language, { weekday: "short", hour: "numeric", minute: "2-digit" }).format(ts);
}

/** A time to come, short: "9:00" today, "Tue 9:00" within the week, "12 May 9:00" later. */
export function formatSoon(ts: number, now: number, language: string): string {
  const days = daysBetween(now, ts);
  if (days === 0) return formatClock(ts, language);
  if (days > 0 && days < 7) return formatWeekdayClock(ts, language);
  return dateFormat(language, { day: "numeric", month: "short", hour: "numeric", minute: "2-digit" }).format(ts);
}
