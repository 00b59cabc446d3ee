// The assistant's settings as the in-memory engine checks them (as
// src/assistant/config.rs, schedule.rs and persona.rs): the same refusals in
// the engine's words, the default personas and the auto-reply schedule.
import type {
  ApiError,
  AssistantSettings,
  AssistantSettingsInput,
  LlmSettingsInput,
  ProjectLanguage,
  Result,
  ScheduleInterval,
  Weekday,
} from "./api";
import { fail, ok } from "./mock-shared";

const MAX_FIELD = 500;
const MAX_PERSONA = 20_000;
const MAX_AUTO_REPLY = 4_000;
const MAX_INTERVALS = 28;
const DAYS: Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export const DEFAULT_PERSONA: Record<ProjectLanguage, string> = {
  ru: `Ты — {AGENT_NAME}, консультант магазина «{BRAND}» (город: {CITY}). Ты отвечаешь покупателям в {CHANNEL}.

Как ты общаешься:
- Вежливо, по-деловому и коротко: 1–3 предложения, без канцелярита.
- Отвечаешь только на вопросы о товарах, ценах, наличии, доставке и оплате.
- Цены называешь в {CURRENCY} и только те, что есть в каталоге. Ничего не выдумываешь: если товара или цены нет в каталоге, так и говоришь и предлагаешь уточнить у менеджера.
- Полный каталог: {CATALOG_URL}
- Если покупателю удобнее в WhatsApp: {WHATSAPP_LINK}
- Не обещаешь скидок, сроков и условий, которых нет в каталоге.
`,
  en: `You are {AGENT_NAME}, a sales consultant of {BRAND} (city: {CITY}). You answer customers on {CHANNEL}.

How you talk:
- Politely, to the point and briefly: 1–3 sentences.
- You only answer questions about products, prices, availability, delivery and payment.
- You quote prices in {CURRENCY} and only those in the catalogue. You never make anything up: if a product or price is not in the catalogue, say so and offer to check with a manager.
- The full catalogue: {CATALOG_URL}
- If WhatsApp is more convenient for the customer: {WHATSAPP_LINK}
- You do not promise discounts, delivery dates or terms that are not in the catalogue.
`,
};

/** A project's settings before anything was saved. */
export function defaultSettings(): AssistantSettingsInput {
  return {
    mode: "off",
    persona: null,
    agentName: "",
    brand: "",
    city: "",
    whatsappLink: "",
    catalogUrl: "",
    currency: "₽",
    autoReply: "off",
    autoReplyText: "",
    autoReplyDelayS: 75,
    schedule: [],
    timeZone: "",
  };
}

/** The zone a schedule is read in: the named one, or this computer's. */
export function effectiveZone(timeZone: string): string {
  return timeZone.trim() || Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function settingsView(
  projectId: number,
  input: AssistantSettingsInput,
  language: ProjectLanguage,
): AssistantSettings {
  return {
    ...input,
    schedule: input.schedule.map((i) => ({ ...i, days: [...i.days] })),
    projectId,
    defaultPersona: DEFAULT_PERSONA[language],
    effectiveTimeZone: effectiveZone(input.timeZone),
  };
}

/** "HH:MM" → minutes after midnight; "24:00" only as an end. */
function minutes(text: string, allow24: boolean): number | null {
  const match = /^(\d{1,2}):(\d{1,2})$/.exec(text.trim());
  if (!match) return null;
  const [h, m] = [Number(match[1]), Number(match[2])];
  if (m > 59 || h > 24 || (h === 24 && (m !== 0 || !allow24))) return null;
  return h * 60 + m;
}

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;

function checkSchedule(intervals: ScheduleInterval[]): Result<ScheduleInterval[], ApiError> {
  if (intervals.length > MAX_INTERVALS)
    return fail("invalid_input", `a schedule has at most ${MAX_INTERVALS} intervals`);
  const out: ScheduleInterval[] = [];
  for (const i of intervals) {
    if (i.days.length === 0) return fail("invalid_input", "an interval of the schedule has no days");
    const start = minutes(i.start, false);
    if (start == null) return fail("invalid_input", `“${i.start}” is not a time of day (HH:MM)`);
    const end = minutes(i.end, true);
    if (end == null) return fail("invalid_input", `“${i.end}” is not a time of day (HH:MM)`);
    const days = DAYS.filter((d) => i.days.includes(d));
    out.push({ days, start: hhmm(start), end: hhmm(end) });
  }
  return ok(out);
}

function isZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function field(name: string, value: string, max: number): Result<string, ApiError> {
  const v = value.trim();
  return [...v].length > max ? fail("invalid_input", `${name} is longer than ${max} characters`) : ok(v);
}

function link(name: string, value: string): Result<string, ApiError> {
  const v = field(name, value, MAX_FIELD);
  if (v.status === "error" || !v.data) return v;
  let url: URL;
  try {
    url = new URL(v.data);
  } catch {
    return fail("invalid_input", `${name} “${v.data}” is not a link`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return fail("invalid_input", `${name} must start with https://`);
  return v;
}

/** What a person typed, checked in the engine's order and with its words. */
export function checkSettings(input: AssistantSettingsInput): Result<AssistantSettingsInput, ApiError> {
  const persona = input.persona?.trim() ? field("the persona", input.persona, MAX_PERSONA) : ok<string | null>(null);
  if (persona.status === "error") return persona;
  const text = field("the auto-reply", input.autoReplyText, MAX_AUTO_REPLY);
  if (text.status === "error") return text;
  if (input.autoReply !== "off" && !text.data)
    return fail("invalid_input", "the auto-reply is on but its text is empty");
  if (!Number.isInteger(input.autoReplyDelayS) || input.autoReplyDelayS < 0) {
    return fail("invalid_input", "the auto-reply delay is a whole number of seconds");
  }
  if (input.autoReplyDelayS > 86_400) return fail("invalid_input", "the auto-reply delay is longer than a day");
  const schedule = checkSchedule(input.schedule);
  if (schedule.status === "error") return schedule;
  if (input.autoReply === "schedule" && schedule.data.length === 0) {
    return fail("invalid_input", "the auto-reply follows a schedule that has no intervals");
  }
  if (input.timeZone.trim() && !isZone(input.timeZone.trim())) {
    return fail("invalid_input", `unknown time zone “${input.timeZone.trim()}”`);
  }
  const fields = [
    field("the agent's name", input.agentName, MAX_FIELD),
    field("the brand", input.brand, MAX_FIELD),
    field("the city", input.city, MAX_FIELD),
    link("the WhatsApp link", input.whatsappLink),
    link("the catalogue link", input.catalogUrl),
    field("the currency", input.currency, 16),
  ];
  const refused = fields.find((f) => f.status === "error");
  if (refused) return refused;
  const [agentName, brand, city, whatsappLink, catalogUrl, currency] = fields.map((f) =>
    f.status === "ok" ? f.data : "",
  );
  return ok({
    ...input,
    persona: persona.data,
    agentName,
    brand,
    city,
    whatsappLink,
    catalogUrl,
    currency,
    autoReplyText: text.data,
    schedule: schedule.data,
    timeZone: input.timeZone.trim(),
  });
}

/** The model server's address to store, or the engine's refusal. */
export function checkLlm(input: LlmSettingsInput, ollamaUrl: string): Result<string, ApiError> {
  let base = input.baseUrl.trim().replace(/\/+$/, "");
  if (!base && input.provider === "ollama") base = ollamaUrl;
  let url: URL | null = null;
  try {
    url = new URL(base);
  } catch {
    return fail("invalid_input", `“${base}” is not the address of a model server`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) {
    return fail("invalid_input", `“${base}” is not the address of a model server (http:// or https://)`);
  }
  if ([...input.model].length > 200) return fail("invalid_input", "the model's name is too long");
  if (!(input.contextTokens >= 1024 && input.contextTokens <= 1_048_576)) {
    return fail("invalid_input", "the context size must be between 1024 and 1048576 tokens");
  }
  if (!(input.maxTokens >= 16 && input.maxTokens <= 16_384) || input.maxTokens >= input.contextTokens) {
    return fail("invalid_input", "the answer length must be between 16 and 16384 tokens and smaller than the context");
  }
  if (input.temperature != null && !(input.temperature >= 0 && input.temperature <= 2)) {
    return fail("invalid_input", "the temperature must be between 0 and 2");
  }
  if (input.apiKey && (input.apiKey.length > 4096 || /\s/.test(input.apiKey.trim()))) {
    return fail("invalid_input", "the API key looks wrong (spaces or too long)");
  }
  return ok(base);
}

/** Weekday (0 = Monday) and minutes after midnight of an instant in a zone. */
function localTime(at: number, zone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(at));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(get("weekday"));
  return { day: Math.max(day, 0), minute: Number(get("hour")) * 60 + Number(get("minute")) };
}

/** Whether the auto-responder is on at `at`. */
export function autoReplyActive(settings: AssistantSettingsInput, at: number): boolean {
  if (settings.autoReply === "off" || !settings.autoReplyText.trim()) return false;
  if (settings.autoReply === "always") return true;
  const { day, minute } = localTime(at, effectiveZone(settings.timeZone));
  return settings.schedule.some((interval) => {
    const start = minutes(interval.start, false) ?? 0;
    const end = minutes(interval.end, true) ?? 0;
    return interval.days.some((d) => {
      const from = DAYS.indexOf(d);
      if (end > start) return day === from && minute >= start && minute < end;
      // Ends the next day ("19:00"–"09:00"; "00:00"–"00:00" is the whole day).
      return (day === from && minute >= start) || (day === (from + 1) % 7 && minute < end);
    });
  });
}
