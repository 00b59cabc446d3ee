// Backups in the in-memory engine: a few already taken in the default
// folder, "Back up now" adding one after a moment, and the folder they go
// to. As in the engine, the list shows the current folder's backups (the
// ones taken before a change stay in the old folder), and a folder that is
// not a full path is refused. Restoring one goes through the engine's steps
// (copying, checking, attachments) with its events and then "starts again",
// which the demo cannot: nothing changes. A file whose path says "junk" is
// refused as the engine refuses a file that is not a database. What the last
// restore did is none unless asked for (`?restored=ok` or `?restored=failed`).
import type { ApiError, Backup, BackupKind, RestoreOutcome, RestoreStage, Result } from "./api";
import { DAY, HOUR, MINUTE } from "./mock-seed";
import { fail, later, ok, type MockCore, type MockOptions } from "./mock-shared";

/** Where the demo's backups go unless the owner picks a folder. */
export const MOCK_DEFAULT_BACKUP_DIR = "(in memory)/backups";

/** The schema version a "before an update" backup was taken before. */
const SCHEMA_VERSION = 14;

/** `tuberry-20261206-045700-daily.sqlite3` (UTC), as the engine names them. */
function fileName(at: number, kind: BackupKind): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, "0");
  const time = `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}-${two(d.getUTCHours())}${two(
    d.getUTCMinutes(),
  )}${two(d.getUTCSeconds())}`;
  const label = kind === "before_migration" ? `before-v${SCHEMA_VERSION}` : kind;
  return `tuberry-${time}-${label}.sqlite3`;
}

/** A full path: `/…`, `C:\…` or `\\server\share…`. */
function isFullPath(dir: string): boolean {
  return dir.startsWith("/") || /^[A-Za-z]:[\\/]/.test(dir) || dir.startsWith("\\\\");
}

/** What the demo says the last restore did: the seeded daily backup of yesterday, or a failure at the start. */
function demoOutcome(core: MockCore, restored: "ok" | "failed"): RestoreOutcome {
  const at = core.now() - 3 * MINUTE;
  const source = `${MOCK_DEFAULT_BACKUP_DIR}/${fileName(core.now() - DAY - 2 * HOUR, "daily")}`;
  if (restored === "failed") {
    return {
      restored: {
        source,
        restoredAt: at,
        keptAside: null,
        filesCopied: 0,
        accounts: [],
        error: `${source} is damaged: database disk image is malformed`,
      },
      needsSecrets: [],
    };
  }
  // The kinds whose password or token the system keychain holds (not the backup).
  const secret = core.accounts.filter((a) => ["telegram_bot", "avito", "email"].includes(a.kind));
  return {
    restored: {
      source,
      restoredAt: at,
      keptAside: `(in memory)/tuberry.sqlite3.before-restore-${fileName(at, "manual").slice(8, 23)}`,
      filesCopied: 12,
      accounts: secret.map((a) => `${a.name} (${a.kind})`),
      error: null,
    },
    needsSecrets: secret.map((a) => ({ accountId: a.id, name: a.name, kind: a.kind })),
  };
}

export function createMockBackups(core: MockCore, mockOptions: MockOptions) {
  const options = {
    seed: mockOptions.seed !== false,
    backupMs: mockOptions.backupMs ?? 600,
    restoreStepMs: mockOptions.restoreStepMs ?? 250,
  };
  /** What the last restore did, until it is dismissed. */
  let outcome: RestoreOutcome | null = mockOptions.restored ? demoOutcome(core, mockOptions.restored) : null;
  /** What each folder holds, the newest first. */
  const folders = new Map<string, Backup[]>();
  let chosen: string | null = null;
  /** The database grows a little with every backup. */
  let size = 3_180_000;

  const dir = () => chosen ?? MOCK_DEFAULT_BACKUP_DIR;
  const make = (folder: string, kind: BackupKind, createdAt: number): Backup => {
    const name = fileName(createdAt, kind);
    return { path: `${folder}/${name}`, name, kind, createdAt, size };
  };
  const add = (backup: Backup, folder: string) => {
    const list = [backup, ...(folders.get(folder) ?? [])].sort((a, b) => b.createdAt - a.createdAt);
    folders.set(folder, list);
  };

  if (options.seed) {
    const start = core.now();
    const seeded: [BackupKind, number][] = [
      ["before_migration", 12 * DAY + 3 * HOUR],
      ["daily", 6 * DAY + 2 * HOUR],
      ["daily", 5 * DAY + 2 * HOUR],
      ["daily", 4 * DAY + 2 * HOUR],
      ["manual", 3 * DAY + 7 * HOUR],
      ["daily", 2 * DAY + 2 * HOUR],
      ["daily", DAY + 2 * HOUR],
      ["daily", 2 * HOUR + 14 * MINUTE],
    ];
    for (const [kind, ago] of seeded) {
      size += 23_400;
      add(make(MOCK_DEFAULT_BACKUP_DIR, kind, start - ago), MOCK_DEFAULT_BACKUP_DIR);
    }
  }

  const commands = {
    async listBackups(): Promise<Result<Backup[], ApiError>> {
      return ok((folders.get(dir()) ?? []).map((b) => ({ ...b })));
    },

    async backUpNow(): Promise<Result<Backup, ApiError>> {
      // Copying a big store takes a moment.
      await later(options.backupMs);
      size += 4_096;
      const folder = dir();
      const backup = make(folder, "manual", core.now());
      add(backup, folder);
      return ok({ ...backup });
    },

    async backupDir(): Promise<Result<string, ApiError>> {
      return ok(dir());
    },

    async setBackupDir(next: string | null): Promise<Result<string, ApiError>> {
      const trimmed = next?.trim() ?? "";
      if (trimmed && !isFullPath(trimmed)) return fail("invalid_input", `“${trimmed}” is not a full path to a folder`);
      chosen = trimmed || null;
      return ok(dir());
    },

    async restoreBackup(path: string): Promise<Result<null, ApiError>> {
      const step = (stage: RestoreStage, done: number, total: number) =>
        core.emit({ type: "restore_progress", step: { stage, done, total } });
      const bytes = size;
      for (const done of [0, Math.round(bytes * 0.45), bytes]) {
        step("copying", done, bytes);
        await later(options.restoreStepMs);
      }
      step("checking", 0, 1);
      await later(options.restoreStepMs);
      if (path.includes("junk")) return fail("invalid_input", `${path} is not a database: file is not a database`);
      for (const done of [0, 12]) {
        step("files", done, 12);
        await later(options.restoreStepMs);
      }
      step("ready", 1, 1);
      return ok(null);
    },

    async restoreOutcome(): Promise<Result<RestoreOutcome | null, ApiError>> {
      return ok(outcome && (JSON.parse(JSON.stringify(outcome)) as RestoreOutcome));
    },

    async dismissRestoreOutcome(): Promise<Result<null, ApiError>> {
      outcome = null;
      return ok(null);
    },
  };

  return { commands };
}
