// The LAN API's tokens in the in-memory engine: a few already made (one used
// a moment ago, one revoked) unless the demo starts empty, creating one with
// its scopes (the token itself given this once, `tby_` and 64 hex digits,
// its list showing `tby_` and the next 8), and revoking one. As the engine
// does, a name that is empty or longer than 80 characters, or no scope, is
// refused, the scopes are kept sorted and once each, the list is the newest
// first and revoking a revoked token keeps its first revocation.
import type { ApiError, ApiToken, ApiTokenCreated, Result, Scope } from "./api";
import { DAY, HOUR, MINUTE } from "./mock-seed";
import { fail, notFound, ok, type MockCore } from "./mock-shared";

/** Every token starts so, as the engine's do. */
const TOKEN_PREFIX = "tby_";
/** How many characters after the prefix the list shows. */
const SHOWN = 8;
/** The longest name the engine takes. */
const MAX_NAME = 80;

/** 32 random bytes as 64 hex digits, as the engine makes a token. */
function randomHex(): string {
  const bytes = new Uint8Array(32);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** What the list shows of a token: `tby_ab12cd34…`. */
const prefixOf = (secret: string) => `${secret.slice(0, TOKEN_PREFIX.length + SHOWN)}…`;

const copy = (token: ApiToken): ApiToken => ({ ...token, scopes: [...token.scopes] });

export function createMockApiTokens(core: MockCore, options: { seed: boolean }) {
  /** The newest last; the list turns it around. */
  const tokens: ApiToken[] = [];
  let nextId = 1;

  const add = (name: string, scopes: Scope[], createdAt: number): { token: ApiToken; secret: string } => {
    const secret = `${TOKEN_PREFIX}${randomHex()}`;
    const token: ApiToken = {
      id: nextId++,
      name,
      scopes: [...new Set(scopes)].sort(),
      prefix: prefixOf(secret),
      createdAt,
      lastUsedAt: null,
      revokedAt: null,
    };
    tokens.push(token);
    return { token, secret };
  };

  if (options.seed) {
    const start = core.now();
    const ru = core.locale === "ru";
    const old = add(ru ? "Старая выгрузка в 1С" : "Old 1C export", ["read"], start - 40 * DAY).token;
    old.lastUsedAt = start - 31 * DAY;
    old.revokedAt = start - 30 * DAY;
    add("CRM", ["read"], start - 9 * DAY);
    const chat = add(ru ? "Чат на сайте" : "Website chat", ["send", "read"], start - 3 * DAY - 5 * HOUR).token;
    chat.lastUsedAt = start - 12 * MINUTE;
  }

  const commands = {
    async listApiTokens(): Promise<Result<ApiToken[], ApiError>> {
      return ok([...tokens].reverse().map(copy));
    },

    async createApiToken(name: string, scopes: Scope[]): Promise<Result<ApiTokenCreated, ApiError>> {
      const trimmed = name.trim();
      if (!trimmed || [...trimmed].length > MAX_NAME) {
        return fail("invalid_input", `a token needs a name of 1 to ${MAX_NAME} characters`);
      }
      if (scopes.length === 0) return fail("invalid_input", "a token needs at least one scope: send, read or admin");
      const { token, secret } = add(trimmed, scopes, core.now());
      return ok({ token: copy(token), secret });
    },

    async revokeApiToken(tokenId: number): Promise<Result<ApiToken, ApiError>> {
      const token = tokens.find((t) => t.id === tokenId);
      if (!token) return notFound(`API token ${tokenId}`);
      token.revokedAt ??= core.now();
      return ok(copy(token));
    },
  };

  return { commands };
}
