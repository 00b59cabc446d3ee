import type { AssistantSettings, AssistantSettingsInput, ScheduleInterval, Weekday } from "./api";

/** The editable part of a project's settings, as the engine takes it back. */
export function inputOf(s: AssistantSettings): AssistantSettingsInput {
  return {
    mode: s.mode,
    persona: s.persona,
    agentName: s.agentName,
    brand: s.brand,
    city: s.city,
    whatsappLink: s.whatsappLink,
    catalogUrl: s.catalogUrl,
    currency: s.currency,
    autoReply: s.autoReply,
    autoReplyText: s.autoReplyText,
    autoReplyDelayS: s.autoReplyDelayS,
    schedule: s.schedule.map((i) => ({ ...i, days: [...i.days] })),
    timeZone: s.timeZone,
  };
}

/** What the persona's placeholders are filled from, in the order the legend lists them. */
export const PLACEHOLDERS = [
  "AGENT_NAME",
  "BRAND",
  "CITY",
  "CHANNEL",
  "WHATSAPP_LINK",
  "CATALOG_URL",
  "CURRENCY",
] as const;

const WEEKDAYS_ONLY: Weekday[] = ["mon", "tue", "wed", "thu", "fri"];

/** A new interval of the schedule: weeknights. */
export const newInterval = (): ScheduleInterval => ({ days: [...WEEKDAYS_ONLY], start: "19:00", end: "09:00" });

/** Off-hours of a shop open on weekdays: every weeknight, and whole weekends. */
export const nightsAndWeekends = (): ScheduleInterval[] => [
  { days: [...WEEKDAYS_ONLY], start: "19:00", end: "09:00" },
  { days: ["sat", "sun"], start: "00:00", end: "00:00" },
];

/** How an interval's end reads: the same day, the next day, or a whole day. */
export function intervalSpan(interval: ScheduleInterval): "same_day" | "next_day" | "whole_day" {
  if (interval.start === "00:00" && interval.end === "00:00") return "whole_day";
  return interval.end <= interval.start && interval.end !== "24:00" ? "next_day" : "same_day";
}

/** A number of seconds a person typed, or null when it is not one the engine takes. */
export function delaySeconds(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const n = Number(trimmed);
  return n <= 86_400 ? n : null;
}

/** Every IANA time zone this system knows, when it can say. */
export function knownTimeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf?.("timeZone") ?? [];
  } catch {
    return [];
  }
}
