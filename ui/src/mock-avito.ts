// The Avito accounts of the in-memory engine: any client ID and secret
// connect (as "Demo Avito shop"), and the account goes connecting → online on
// its own; webhooks and disconnecting are kept as asked.
import type {
  AccountState,
  AccountStatus,
  ApiError,
  AvitoAccount,
  AvitoConnect,
  AvitoError,
  AvitoInput,
  AvitoState,
  Result,
} from "./api";
import { later, notFound, ok, type MockCore } from "./mock-shared";

/** The name every new demo account connects as. */
export const DEMO_AVITO_NAME = "Demo Avito shop";

export type AvitoOptions = {
  /** How long a (re)started account stays "connecting", and how long reading its chats takes. */
  avitoStartMs: number;
};

type StoredAccount = Omit<AvitoAccount, "name" | "projectId"> & {
  /** Bumped on every (re)start, so timers of an earlier run stop. */
  run: number;
  /** When it last came online. */
  onlineAt: number | null;
};

/** An account's state in the one account model, as the engine's Avito adapter reads it. */
function accountState(a: StoredAccount): AccountState {
  if (a.state === "online") return "connected";
  if (a.state === "offline") {
    if (a.lastError?.problem === "credentials") return "bad_credentials";
    return a.lastError?.problem === "tariff" ? "error" : "offline";
  }
  return a.state;
}

export function createMockAvito(core: MockCore, options: AvitoOptions) {
  const { accounts, emit, now } = core;
  const stored = new Map<number, StoredAccount>();
  let nextUserId = 180_000_001;

  const changed = (accountId: number) => emit({ type: "account_changed", account_id: accountId });

  function view(a: StoredAccount): AvitoAccount {
    const { run: _run, onlineAt: _onlineAt, ...rest } = a;
    const account = accounts.find((c) => c.id === a.id);
    return { ...rest, name: account?.name ?? `Avito ${a.userId}`, projectId: account?.projectId ?? null };
  }

  function set(a: StoredAccount, state: AvitoState, lastError: AvitoError | null = null) {
    if (state === "online" && a.state !== "online") a.onlineAt = now();
    a.state = state;
    a.lastError = lastError;
    changed(a.id);
  }

  /** The poller's side: the chats are read a moment later. */
  function readChats(a: StoredAccount) {
    const run = ++a.run;
    setTimeout(() => {
      if (a.run !== run || stored.get(a.id) !== a) return;
      a.lastPollAt = now();
      set(a, "online");
    }, options.avitoStartMs);
  }

  const commands = {
    async listAvitoAccounts(): Promise<Result<AvitoAccount[], ApiError>> {
      return ok([...stored.values()].map(view));
    },

    async connectAvito(input: AvitoInput): Promise<Result<AvitoConnect, ApiError>> {
      await later(options.avitoStartMs / 2);
      const count = [...stored.values()].filter((a) => view(a).name.startsWith(DEMO_AVITO_NAME)).length;
      const account = core.addAccount("avito", count === 0 ? DEMO_AVITO_NAME : `${DEMO_AVITO_NAME} ${count + 1}`);
      const userId = nextUserId++;
      const a: StoredAccount = {
        id: account.id,
        userId,
        profileUrl: `https://www.avito.ru/user/${userId.toString(16)}/profile`,
        clientId: input.clientId,
        apiUrl: input.apiUrl,
        state: "connecting",
        lastError: null,
        lastPollAt: null,
        webhookUrl: null,
        connectedAt: now(),
        run: 0,
        onlineAt: null,
      };
      stored.set(a.id, a);
      changed(a.id);
      readChats(a);
      return ok({ outcome: "connected", account: view(a) });
    },

    async removeAvito(accountId: number): Promise<Result<null, ApiError>> {
      if (!stored.delete(accountId)) return notFound(`Avito account ${accountId}`);
      const account = accounts.find((c) => c.id === accountId);
      if (account) account.enabled = false;
      changed(accountId);
      return ok(null);
    },

    async setAvitoWebhook(accountId: number, publicUrl: string | null): Promise<Result<AvitoAccount, ApiError>> {
      const a = stored.get(accountId);
      if (!a) return notFound(`Avito account ${accountId}`);
      a.webhookUrl = publicUrl;
      changed(accountId);
      return ok(view(a));
    },

    async pollAvito(accountId: number): Promise<Result<null, ApiError>> {
      const a = stored.get(accountId);
      if (!a) return notFound(`Avito account ${accountId}`);
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
      run: 0,
      onlineAt: now() - 5 * 60 * 60_000,
    });
  }

  /** An account's state in the one account model (null when it is no Avito account). */
  function status(accountId: number): AccountStatus | null {
    const a = stored.get(accountId);
    if (!a) return null;
    return {
      state: accountState(a),
      detail: a.lastError?.problem === "tariff" ? "tariff" : a.state,
      lastError: a.lastError?.message ?? null,
      lastConnectedAt: a.onlineAt,
    };
  }

  /** Changes an account's state as its poller would (tests, demos). */
  function setState(accountId: number, state: AvitoState, lastError: AvitoError | null = null) {
    const a = stored.get(accountId);
    if (!a) return;
    a.run += 1;
    set(a, state, lastError);
  }

  return { commands, seed, setState, status };
}
