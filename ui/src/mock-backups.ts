// Backups in the in-memory engine: a few already taken in the default
// folder, "Back up now" adding one after a moment, and the folder they go
// to. As in the engine, the list shows the current folder's backups (the
// ones taken before a change stay in the old folder), and a folder that is
// not a full path is refused.
import type { ApiError, Backup, BackupKind, Result } from "./api";
import { DAY, HOUR, MINUTE } from "./mock-seed";
import { fail, later, ok, type MockCore } from "./mock-shared";

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

export function createMockBackups(core: MockCore, options: { seed: boolean; backupMs: number }) {
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
  };

  return { commands };
}
