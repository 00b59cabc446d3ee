// Staff Telegram accounts in the in-memory engine: the accounts with their
// flags, the application's identity, and login attempts that stay where
// they are until a test moves them on (`moveTelegramLogin`) or, in a plain
// browser, until the demo "scans" the code after a few seconds.
import type {
  ApiError,
  DeliveryFlags,
  LoginAttempt,
  LoginStart,
  Result,
  TelegramAccount,
  TelegramApp,
  TelegramAppInput,
} from "./api";
import { fail, notFound, ok, type MockCore } from "./mock-shared";

/** A stand-in drawing for the demo's QR code (the engine draws the real one). */
export const DEMO_QR =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 7 7" shape-rendering="crispEdges">' +
  '<rect width="7" height="7" fill="#fff"/><path d="M0 0h3v3H0zM4 0h3v3H4zM0 4h3v3H0zM4 4h1v1H4zM6 6h1v1H6z" fill="#000"/></svg>';

export function createMockTelegramAccounts(core: MockCore, options: { scanAfterMs?: number }) {
  const accounts = new Map<number, TelegramAccount>();
  const attempts = new Map<string, LoginAttempt>();
  let app: TelegramApp = {
    source: "missing",
    apiId: null,
    deviceModel: "Tuberry Desktop",
    systemVersion: "Linux x86_64",
    appVersion: "0.1.0",
    langCode: "en",
  };
  let nextLogin = 1;

  const move = (id: string, change: Partial<LoginAttempt>) => {
    const attempt = attempts.get(id);
    if (!attempt) return;
    const next = { ...attempt, ...change };
    if (next.state === "connected" && next.accountId == null) {
      const name = next.accountName ?? "Marina";
      const account = core.addAccount("telegram_account", name);
      core.moveAccount(account.id, next.projectId);
      accounts.set(account.id, {
        id: account.id,
        projectId: next.projectId,
        name,
        userId: 500_000 + account.id,
        username: name.toLowerCase(),
        phone: null,
        flags: { privateChats: true, groups: false, channels: false },
        proxied: false,
        createdAt: core.now(),
      });
      next.accountId = account.id;
      next.accountName = name;
      next.qrUrl = null;
      next.qrSvg = null;
      core.emit({ type: "account_changed", account_id: account.id });
    }
    attempts.set(id, next);
    core.emit({ type: "login_changed", login_id: id });
  };

  const commands = {
    async listTelegramAccounts(): Promise<Result<TelegramAccount[], ApiError>> {
      return ok([...accounts.values()].map((a) => ({ ...a, flags: { ...a.flags } })));
    },

    async setTelegramAccountFlags(accountId: number, flags: DeliveryFlags): Promise<Result<TelegramAccount, ApiError>> {
      const account = accounts.get(accountId);
      if (!account) return notFound(`Telegram account ${accountId}`);
      account.flags = { ...flags };
      core.emit({ type: "account_changed", account_id: accountId });
      return ok({ ...account });
    },

    async removeTelegramAccount(accountId: number): Promise<Result<null, ApiError>> {
      if (!accounts.delete(accountId)) return notFound(`Telegram account ${accountId}`);
      core.emit({ type: "account_changed", account_id: accountId });
      return ok(null);
    },

    async telegramApp(): Promise<Result<TelegramApp, ApiError>> {
      return ok({ ...app });
    },

    async saveTelegramApp(input: TelegramAppInput): Promise<Result<TelegramApp, ApiError>> {
      app = {
        source: input.apiId != null ? "own" : "missing",
        apiId: input.apiId,
        deviceModel: input.deviceModel || app.deviceModel,
        systemVersion: input.systemVersion || app.systemVersion,
        appVersion: input.appVersion || app.appVersion,
        langCode: input.langCode || app.langCode,
      };
      return ok({ ...app });
    },

    async startTelegramLogin(start: LoginStart): Promise<Result<LoginAttempt, ApiError>> {
      if (app.source === "missing") return fail("invalid_input", "enter the api_id and api_hash first");
      const id = `login-${nextLogin++}`;
      const phone = start.method.method === "phone";
      const attempt: LoginAttempt = {
        id,
        kind: "telegram_account",
        projectId: start.projectId,
        state: phone ? "code_required" : "waiting_for_scan",
        qrUrl: phone ? null : "tg://login?token=ZGVtbw",
        qrSvg: phone ? null : DEMO_QR,
        pairCode: null,
        tokenExpiresAt: phone ? null : core.now() + 30_000,
        expiresAt: core.now() + 180_000,
        passwordHint: null,
        wrongAnswer: false,
        accountId: null,
        accountName: null,
        error: null,
      };
      attempts.set(id, attempt);
      if (options.scanAfterMs != null && !phone) {
        setTimeout(() => move(id, { state: "connected" }), options.scanAfterMs);
      }
      return ok({ ...attempt });
    },

    async telegramLogin(loginId: string): Promise<Result<LoginAttempt, ApiError>> {
      const attempt = attempts.get(loginId);
      return attempt ? ok({ ...attempt }) : notFound(`login attempt ${loginId}`);
    },

    async telegramLoginPassword(loginId: string): Promise<Result<LoginAttempt, ApiError>> {
      const attempt = attempts.get(loginId);
      return attempt ? ok({ ...attempt }) : notFound(`login attempt ${loginId}`);
    },

    async telegramLoginCode(loginId: string): Promise<Result<LoginAttempt, ApiError>> {
      const attempt = attempts.get(loginId);
      return attempt ? ok({ ...attempt }) : notFound(`login attempt ${loginId}`);
    },

    async cancelTelegramLogin(loginId: string): Promise<Result<null, ApiError>> {
      attempts.delete(loginId);
      return ok(null);
    },
  };

  return { commands, move, attempts: () => [...attempts.values()] };
}
