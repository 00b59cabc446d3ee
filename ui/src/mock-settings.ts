// The Settings screen's part of the in-memory engine: the choices as saved
// (language, notifications, start at login, the LAN endpoint, the log
// level). It checks nothing: a test that wants a refusal scripts it with
// `failNext`, and a LAN endpoint that is turned on listens at once.
import type { ApiError, AppSettings, LanStatus, Language, Result, UpdateStatus } from "./api";
import { ok, type MockCore } from "./mock-shared";

const NO_UPDATES: UpdateStatus = {
  enabled: false,
  current: "0.1.0",
  checking: false,
  checkedAt: null,
  available: null,
  installing: false,
  error: null,
};

export function createMockSettings(core: MockCore) {
  let language: Language | null = null;
  let notifications = true;
  let startAtLogin = false;
  let lan: LanStatus = { listen: null, listening: null, error: null, https: false };
  let logLevel = "info";

  const changed = () => core.emit({ type: "settings_changed" });

  const commands = {
    async appSettings(): Promise<Result<AppSettings, ApiError>> {
      return ok({
        version: "0.1.0",
        dataDir: "(in memory)",
        settingsFile: "(in memory)/settings.toml",
        logDir: "(in memory)/logs",
        language,
        notifications,
        lan: { ...lan },
        logLevel,
        logLevelOverridden: false,
      });
    },

    async setAppLanguage(next: Language): Promise<Result<Language, ApiError>> {
      language = next;
      changed();
      return ok(next);
    },

    async notificationsEnabled(): Promise<Result<boolean, ApiError>> {
      return ok(notifications);
    },

    async setNotificationsEnabled(enabled: boolean): Promise<Result<boolean, ApiError>> {
      notifications = enabled;
      changed();
      return ok(enabled);
    },

    async startAtLogin(): Promise<Result<boolean, ApiError>> {
      return ok(startAtLogin);
    },

    async setStartAtLogin(enabled: boolean): Promise<Result<boolean, ApiError>> {
      startAtLogin = enabled;
      return ok(enabled);
    },

    async setLanEndpoint(listen: string | null): Promise<Result<LanStatus, ApiError>> {
      lan = { listen, listening: listen, error: null, https: false };
      changed();
      return ok({ ...lan });
    },

    async setLogLevel(level: string): Promise<Result<string, ApiError>> {
      logLevel = level;
      changed();
      return ok(level);
    },

    // The demo is a build without an update feed; a test scripts one.
    async updateStatus(): Promise<UpdateStatus> {
      return { ...NO_UPDATES };
    },

    async checkForUpdate(): Promise<Result<UpdateStatus, ApiError>> {
      return { status: "error", error: { code: "unavailable", message: "this copy of Tuberry is updated by its package manager" } };
    },

    async installUpdate(): Promise<Result<UpdateStatus, ApiError>> {
      return { status: "error", error: { code: "unavailable", message: "there is no update to install; look for one first" } };
    },

    // Only the desktop shell has a file manager to open.
    async openFolder(): Promise<Result<null, ApiError>> {
      return ok(null);
    },
  };

  return { commands };
}
