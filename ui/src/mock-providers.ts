// The providers in the in-memory engine: the shop's own systems (its website's
// chat, an app) posting their customers' messages into Tuberry and taking the
// replies back. Two are already made unless the demo starts empty. Each is a
// channel account of the "custom" kind (its id is the account's, and its place
// in the webhook's path); making one gives its token this once (`tbp_` and 64
// hex digits), and removing one turns its account off, its conversations
// staying in the inbox. As the engine does, a name of no or more than 100
// characters is refused, so is a reply URL that is not http:// or https://
// with a host (an empty one means no replies), and so is an unknown project;
// the list is the oldest first.
import type { ApiError, Provider, ProviderCreated, Result } from "./api";
import { DAY, HOUR } from "./mock-seed";
import { fail, notFound, ok, type MockCore } from "./mock-shared";

/** Every token starts so, as the engine's do. */
const TOKEN_PREFIX = "tbp_";

/** The longest name the engine takes for a provider (in characters). */
const MAX_NAME = 100;

/** 32 random bytes as 64 hex digits, as the engine makes a token. */
function randomHex(): string {
  const bytes = new Uint8Array(32);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The reply URL as the engine keeps it (normalized; none when empty), or its refusal. */
function checkedReplyUrl(raw: string | null): Result<string | null, ApiError> {
  const url = (raw ?? "").trim();
  if (!url) return ok(null);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail("invalid_input", `“${url}” is not a URL (http://… or https://…)`);
  }
  if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || !parsed.hostname) {
    return fail("invalid_input", "the reply URL starts with http:// or https:// and names a host");
  }
  return ok(parsed.href);
}

/** Where a provider posts its customers' messages, relative to the LAN endpoint. */
const webhookPath = (id: number) => `/api/v1/webhook/${id}`;

export function createMockProviders(
  core: MockCore,
  options: { seed: boolean; hasProject: (projectId: number) => boolean },
) {
  /** The oldest first, as the engine lists them. */
  const providers: Provider[] = [];

  const add = (name: string, projectId: number | null, replyUrl: string | null, createdAt: number): Provider => {
    const account = core.addAccount("custom", name);
    account.projectId = projectId;
    const provider: Provider = { id: account.id, name, projectId, replyUrl, createdAt };
    providers.push(provider);
    return provider;
  };

  if (options.seed) {
    const start = core.now();
    const ru = core.locale === "ru";
    add(ru ? "Чат на сайте" : "Website chat", null, "https://shop.example.com/tuberry/replies", start - 9 * DAY);
    add(ru ? "Приложение магазина" : "Shop app", null, null, start - 3 * DAY - 5 * HOUR);
  }

  const commands = {
    async listProviders(): Promise<Result<Provider[], ApiError>> {
      return ok(providers.map((p) => ({ ...p })));
    },

    async createProvider(
      name: string,
      projectId: number | null,
      replyUrl: string | null,
    ): Promise<Result<ProviderCreated, ApiError>> {
      const trimmed = name.trim();
      if (!trimmed || [...trimmed].length > MAX_NAME) {
        return fail("invalid_input", `a provider is named by 1 to ${MAX_NAME} characters`);
      }
      const checked = checkedReplyUrl(replyUrl);
      if (checked.status === "error") return { status: "error", error: checked.error };
      if (projectId != null && !options.hasProject(projectId)) return notFound(`project ${projectId}`);
      const provider = add(trimmed, projectId, checked.data, core.now());
      return ok({ provider: { ...provider }, token: `${TOKEN_PREFIX}${randomHex()}`, webhookPath: webhookPath(provider.id) });
    },

    async deleteProvider(providerId: number): Promise<Result<null, ApiError>> {
      const index = providers.findIndex((p) => p.id === providerId);
      if (index < 0) return notFound(`provider ${providerId}`);
      providers.splice(index, 1);
      // Its token stops working; its account (and its conversations) stay, turned off.
      const account = core.accounts.find((a) => a.id === providerId);
      if (account) account.enabled = false;
      return ok(null);
    },
  };

  return { commands };
}
