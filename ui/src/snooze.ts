// Times for snoozing a conversation, in this computer's local time, and the
// dates of the inbox's period filter.
import type { TFunction } from "i18next";

export type SnoozePreset = "laterToday" | "thisEvening" | "tomorrow" | "nextWeek";

const HOUR = 3_600_000;

/** `base`'s local day, `days` later, at `hour`:00. */
function atLocal(base: number, days: number, hour: number): number {
  const d = new Date(base);
  d.setDate(d.getDate() + days);
  d.setHours(hour, 0, 0, 0);
  return d.getTime();
}

/**
 * The snooze times offered at `now`: in 3 hours; this evening at 18:00 (only
 * before 17:00); tomorrow at 9:00; next week's Monday at 9:00.
 */
export function snoozePresets(now: number): { preset: SnoozePreset; at: number }[] {
  const presets: { preset: SnoozePreset; at: number }[] = [{ preset: "laterToday", at: now + 3 * HOUR }];
  if (new Date(now).getHours() < 17) presets.push({ preset: "thisEvening", at: atLocal(now, 0, 18) });
  presets.push({ preset: "tomorrow", at: atLocal(now, 1, 9) });
  // Sunday is 0: Monday is 1 day away then, 7 days away on a Monday.
  const day = new Date(now).getDay();
  presets.push({ preset: "nextWeek", at: atLocal(now, (8 - day) % 7 || 7, 9) });
  return presets;
}

/** The value a `date` input shows for `at`'s local day. */
export function dateInputValue(at: number): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The local midnight a `date` input's value starts (`days` later), or null when it is none. */
export function parseDateInput(value: string, days = 0): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const at = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days).getTime();
  return Number.isNaN(at) ? null : at;
}

/** How long a customer has waited since `since`: "5 min", "2 h", "3 d". */
export function waitedFor(since: number, now: number, t: TFunction): string {
  const minutes = Math.max(0, Math.floor((now - since) / 60_000));
  if (minutes < 60) return t("list.waitMinutes", { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t("list.waitHours", { n: hours });
  return t("list.waitDays", { n: Math.floor(hours / 24) });
}
