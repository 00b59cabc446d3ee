// The webhook subscriptions in the in-memory engine: two already made unless
// the demo starts empty, subscribing a URL to events (its signing secret given
// this once, `whsec_` and 64 hex digits) and ending a subscription. As the
// engine does, a URL that is not http:// or https:// with a host, or carries a
// user or password, is refused, and so are no event and an unknown event; the
// events are kept once each in the order given, and the list is the oldest
// first.
import type { ApiError, Result, Webhook, WebhookCreated } from "./api";
import { DAY, HOUR } from "./mock-seed";
import { fail, notFound, ok, type MockCore } from "./mock-shared";

/** The events a subscription may follow: the engine's own list. */
const EVENTS = [
  "message.received",
  "message.sent",
  "message.delivered",
  "message.failed",
  "conversation.status_changed",
];

/** Every secret starts so, as the engine's do. */
const SECRET_PREFIX = "whsec_";

/** 32 random bytes as 64 hex digits, as the engine makes a secret. */
function randomHex(): string {
  const bytes = new Uint8Array(32);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The URL as the engine keeps it (normalized), or its refusal. */
function checkedUrl(raw: string): Result<string, ApiError> {
  const url = raw.trim();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail("invalid_input", `“${url}” is not a URL (http://… or https://…)`);
  }
  if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || !parsed.hostname) {
    return fail("invalid_input", "a webhook's URL starts with http:// or https:// and names a host");
  }
  if (parsed.username || parsed.password) {
    return fail("invalid_input", "a webhook's URL carries no user or password; receivers check the signature");
  }
  return ok(parsed.href);
}

/** The events once each, in the order given, or the refusal of an unknown one or of none. */
function checkedEvents(events: string[]): Result<string[], ApiError> {
  const chosen: string[] = [];
  for (const raw of events) {
    const event = raw.trim();
    if (!EVENTS.includes(event)) return fail("invalid_input", `unknown event “${event}” (one of: ${EVENTS.join(", ")})`);
    if (!chosen.includes(event)) chosen.push(event);
  }
  if (chosen.length === 0) return fail("invalid_input", "a webhook follows at least one event");
  return ok(chosen);
}

const copy = (webhook: Webhook): Webhook => ({ ...webhook, events: [...webhook.events] });

export function createMockWebhooks(core: MockCore, options: { seed: boolean }) {
  /** The oldest first, as the engine lists them. */
  const webhooks: Webhook[] = [];
  let nextId = 1;

  const add = (url: string, events: string[], createdAt: number): Webhook => {
    const webhook: Webhook = { id: nextId++, url, events, enabled: true, createdAt };
    webhooks.push(webhook);
    return webhook;
  };

  if (options.seed) {
    const start = core.now();
    add("https://crm.example.com/hooks/tuberry", ["message.received", "conversation.status_changed"], start - 12 * DAY);
    add("http://192.168.1.30:8080/1c/tuberry", ["message.sent", "message.failed"], start - 2 * DAY - 4 * HOUR);
  }

  const commands = {
    async listWebhooks(): Promise<Result<Webhook[], ApiError>> {
      return ok(webhooks.map(copy));
    },

    async createWebhook(url: string, events: string[]): Promise<Result<WebhookCreated, ApiError>> {
      const checked = checkedUrl(url);
      if (checked.status === "error") return { status: "error", error: checked.error };
      const chosen = checkedEvents(events);
      if (chosen.status === "error") return { status: "error", error: chosen.error };
      const webhook = add(checked.data, chosen.data, core.now());
      return ok({ webhook: copy(webhook), secret: `${SECRET_PREFIX}${randomHex()}` });
    },

    async deleteWebhook(webhookId: number): Promise<Result<null, ApiError>> {
      const index = webhooks.findIndex((w) => w.id === webhookId);
      if (index < 0) return notFound(`webhook ${webhookId}`);
      webhooks.splice(index, 1);
      return ok(null);
    },
  };

  return { commands };
}
