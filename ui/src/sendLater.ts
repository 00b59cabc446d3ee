// Times for replies sent later: the presets the engine offers in the shop's
// time zone, and the date and time a person picks (in this computer's).
import type { SendPreset } from "./api";

/** This computer's time zone (IANA name), or null when the system does not say. */
export function computerTimeZone(): string | null {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

/** Whether `zone` is another time zone than this computer's (it is then named next to the times). */
export function isOtherZone(zone: string): boolean {
  const here = computerTimeZone();
  if (!here || !zone) return false;
  if (here === zone) return false;
  // Two names of one zone (UTC and Etc/UTC) show the same clock.
  try {
    const probe = Date.UTC(2024, 0, 15, 12);
    const clock = (timeZone: string) =>
      new Intl.DateTimeFormat("en", { timeZone, hour: "numeric", minute: "numeric", month: "numeric", day: "numeric" });
    const winter = clock(zone).format(probe) === clock(here).format(probe);
    const summer = clock(zone).format(probe + 182 * 86_400_000) === clock(here).format(probe + 182 * 86_400_000);
    return !(winter && summer);
  } catch {
    return true;
  }
}

const zoned = (language: string, zone: string | null, options: Intl.DateTimeFormatOptions) => {
  try {
    return new Intl.DateTimeFormat(language, zone ? { ...options, timeZone: zone } : options);
  } catch {
    // A zone this system does not know: the computer's clock.
    return new Intl.DateTimeFormat(language, options);
  }
};

/** The clock time of `at` in `zone` ("18:00", "6:00 PM"). */
export function formatZonedClock(at: number, zone: string | null, language: string): string {
  return zoned(language, zone, { hour: "numeric", minute: "2-digit" }).format(at);
}

/** The date and time of `at` in `zone`, for a tooltip. */
export function formatZonedFull(at: number, zone: string | null, language: string): string {
  return zoned(language, zone, { weekday: "long", day: "numeric", month: "long", hour: "numeric", minute: "2-digit" }).format(
    at,
  );
}

/** The value a `datetime-local` input shows for `at` (this computer's time), to the minute. */
export function dateTimeInputValue(at: number): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The instant a `datetime-local` value means in this computer's time, or null when it is none. */
export function parseDateTimeInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const at = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0)).getTime();
  return Number.isNaN(at) ? null : at;
}

/** What is wrong with a picked time: nothing, none picked, or not in the future. */
export function pickedTimeProblem(value: string, now: number): "missing" | "past" | null {
  const at = parseDateTimeInput(value);
  if (at == null) return "missing";
  if (at <= now) return "past";
  return null;
}

/** The times the engine offers for sending later, as the menu names them. */
export const SEND_PRESETS: readonly SendPreset[] = ["in_an_hour", "this_evening", "tomorrow_morning", "monday"];
