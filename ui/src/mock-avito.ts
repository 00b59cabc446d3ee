// The Avito accounts of the in-memory engine (as src/avito): connecting,
// reading chats on request, webhooks and disconnecting, with a connection
// that goes connecting → online on its own.
//
// Avito answers the demo by simple rules, to show every outcome:
// - the client secret "wrong" is refused (credentials);
// - a client ID containing "offline" cannot reach Avito (connect);
// - a client ID containing "basic" connects, but its tariff has no Messenger
//   API: the account stays offline with the tariff problem;
// - a client ID that is connected already is refused (duplicate);
// - any other pair connects as "Demo Avito shop".
// Webhooks take any http(s) address (the demo has a LAN endpoint).
import type {
  ApiError,
  AvitoAccount,
  AvitoConnect,
  AvitoError,
  AvitoInput,
  AvitoState,
  Result,
} from "./api";
import { fail, ok, type MockCore } from "./mock-shared";

/** The name every new demo account connects as. */
export const DEMO_AVITO_NAME = "Demo Avito shop";

export type AvitoOptions = {
  /** How long a (re)started account stays "connecting", and how long reading its chats takes. */
  avitoStartMs: number;
};

type StoredAccount = Omit<AvitoAccount, "name" | "projectId"> & {
  secret: string;
  /** The tariff lacks the Messenger API: chats cannot be read. */
  basic: boolean;
  /** Bumped on every (re)start, so timers of an earlier run stop. */
  run: number;
};

const TARIFF_MESSAGE =
  "403 Forbidden: access to the Messenger API is not available for this account: the API is part of the Maximum tariff";

/** An http(s) address without its trailing slashes, or a refusal in the engine's words. */
function httpAddress(raw: string): Result<string, ApiError> {
  const trimmed = raw.trim().replace(/\/+$/, "");
  let url: URL | null = null;
  try {
    url = new URL(trimmed);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) {
    return fail("invalid_input", `\`${raw.trim()}\` is not an http(s) address`);
  }
  return ok(trimmed);
}

/** What a person typed, checked as the engine's `checked` does. */
function checked(input: AvitoInput): Result<AvitoInput, ApiError> {
  const clientId = input.clientId.trim();
  if (!clientId || /\s/.test(clientId)) {
    return fail(
      "invalid_input",
      "the client ID is the one from Avito's API settings (avito.ru/professionals/api), without spaces",
    );
  }
  const clientSecret = input.clientSecret.trim();
  if (!clientSecret || /\s/.test(clientSecret)) {
    return fail("invalid_input", "the client secret is the one from Avito's API settings, without spaces");
  }
  let apiUrl: string | null = null;
  if (input.apiUrl?.trim()) {
    const address = httpAddress(input.apiUrl);
    if (address.status === "error") return address;
    apiUrl = address.data;
  }
  return ok({ clientId, clientSecret, apiUrl });
}

/** Avito's verdict on a client ID and secret, by the demo's rules (see the top of this file). */
function refusal(input: AvitoInput): AvitoError | null {
  if (input.clientSecret === "wrong") {
    return { problem: "credentials", message: "invalid_client: client authentication failed" };
  }
  if (input.clientId.toLowerCase().includes("offline")) {
    return { problem: "connect", message: "connecting to api.avito.ru:443 timed out" };
  }
  return null;
}

export function createMockAvito(core: MockCore, options: AvitoOptions) {
  const { accounts, emit, now } = core;
  const stored = new Map<number, StoredAccount>();
  /** Accounts disconnected before, by client ID: connecting again brings the same account back. */
  const removed = new Map<string, number>();
  let nextUserId = 180_000_001;

  const changed = (accountId: number) => emit({ type: "avito_changed", account_id: accountId });

  function view(a: StoredAccount): AvitoAccount {
    const account = accounts.find((c) => c.id === a.id);
    return {
      id: a.id,
      name: account?.name ?? `Avito ${a.userId}`,
      userId: a.userId,
      profileUrl: a.profileUrl,
      clientId: a.clientId,
      apiUrl: a.apiUrl,
      projectId: account?.projectId ?? null,
      state: a.state,
      lastError: a.lastError ? { ...a.lastError } : null,
      lastPollAt: a.lastPollAt,
      webhookUrl: a.webhookUrl,
      connectedAt: a.connectedAt,
    };
  }

  function set(a: StoredAccount, state: AvitoState, lastError: AvitoError | null = null) {
    a.state = state;
    a.lastError = lastError;
    changed(a.id);
  }

  /** The poller's side: read the chats, or find that the tariff does not allow it. */
  function readChats(a: StoredAccount) {
    const run = ++a.run;
    setTimeout(() => {
      if (a.run !== run || stored.get(a.id) !== a) return;
      if (a.basic) return set(a, "offline", { problem: "tariff", message: TARIFF_MESSAGE });
      a.lastPollAt = now();
      set(a, "online");
    }, options.avitoStartMs);
  }

  const commands = {
    async listAvitoAccounts(): Promise<Result<AvitoAccount[], ApiError>> {
      return ok(
        [...stored.values()]
          .map(view)
          .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id - b.id),
      );
    },

    async connectAvito(input: AvitoInput): Promise<Result<AvitoConnect, ApiError>> {
      const typed = checked(input);
      if (typed.status === "error") return typed;
      const { clientId, clientSecret, apiUrl } = typed.data;
      await new Promise((resolve) => setTimeout(resolve, options.avitoStartMs / 2));
      const error = refusal(typed.data);
      if (error) return ok({ outcome: "refused", error });
      const connected = [...stored.values()].find((a) => a.clientId === clientId);
      if (connected) {
        return ok({
          outcome: "refused",
          error: {
            problem: "duplicate",
            message: `the Avito account “${view(connected).name}” is already connected`,
          },
        });
      }
      const count = [...stored.values()].filter((a) => view(a).name.startsWith(DEMO_AVITO_NAME)).length;
      const name = count === 0 ? DEMO_AVITO_NAME : `${DEMO_AVITO_NAME} ${count + 1}`;
      let account = accounts.find((c) => c.id === removed.get(clientId));
      if (account) account.enabled = true;
      else account = core.addAccount("avito", name);
      removed.delete(clientId);
      const userId = nextUserId++;
      const basic = clientId.toLowerCase().includes("basic");
      const a: StoredAccount = {
        id: account.id,
        userId,
        profileUrl: `https://www.avito.ru/user/${userId.toString(16)}/profile`,
        clientId,
        apiUrl,
        // As the engine does, an account without the Messenger API is connected
        // and says why it cannot read chats.
        state: basic ? "offline" : "connecting",
        lastError: basic ? { problem: "tariff", message: TARIFF_MESSAGE } : null,
        lastPollAt: null,
        webhookUrl: null,
        connectedAt: now(),
        secret: clientSecret,
        basic,
        run: 0,
      };
      stored.set(a.id, a);
      changed(a.id);
      if (!basic) readChats(a);
      return ok({ outcome: "connected", account: view(a) });
    },

    async removeAvito(accountId: number): Promise<Result<null, ApiError>> {
      const a = stored.get(accountId);
      if (!a) return fail("not_found", `Avito account ${accountId}`);
      stored.delete(accountId);
      a.run += 1;
      const account = accounts.find((c) => c.id === accountId);
      if (account) account.enabled = false;
      removed.set(a.clientId, accountId);
      changed(accountId);
      return ok(null);
    },

    async setAvitoWebhook(accountId: number, publicUrl: string | null): Promise<Result<AvitoAccount, ApiError>> {
      const a = stored.get(accountId);
      if (!a) return fail("not_found", `Avito account ${accountId}`);
      if (publicUrl?.trim()) {
        const address = httpAddress(publicUrl);
        if (address.status === "error") return address;
        a.webhookUrl = address.data;
      } else {
        a.webhookUrl = null;
      }
      changed(accountId);
      return ok(view(a));
    },

    async pollAvito(accountId: number): Promise<Result<null, ApiError>> {
      const a = stored.get(accountId);
      if (!a) return fail("not_found", `Avito account ${accountId}`);
      readChats(a);
      return ok(null);
    },
  };

  /** The demo's own Avito account, online, on an existing channel account. */
  function seed(accountId: number) {
    stored.set(accountId, {
      id: accountId,
      userId: 94_235_311,
      profileUrl: "https://www.avito.ru/user/59de0af/profile",
      clientId: "k7Qd2mWx9aPzR4tB",
      apiUrl: null,
      state: "online",
      lastError: null,
      lastPollAt: now() - 3 * 60_000,
      webhookUrl: null,
      connectedAt: now() - 45 * 24 * 60 * 60_000,
      secret: "demo",
      basic: false,
      run: 0,
    });
  }

  /** Changes an account's state as its poller would (tests, demos). */
  function setState(accountId: number, state: AvitoState, lastError: AvitoError | null = null) {
    const a = stored.get(accountId);
    if (!a) return;
    a.run += 1;
    set(a, state, lastError);
  }

  return { commands, seed, setState };
}
