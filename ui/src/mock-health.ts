// The Health report of the in-memory engine, and how the shop answered
// (the figures). Accounts, work groups, the LAN endpoint and the last backup
// come from the other parts of the demo; the queue holds a few waiting jobs
// and, in the demo, a failed reply (the seeded e-mail that was refused) and
// a failed read of an Avito chat. Retrying a failed reply sends it again;
// retrying or discarding a job takes it off the list. The demo's guardrails
// of the last 24 hours have one crossed (failed replies) and one without
// events; a support bundle answers where it would have been saved.
import type {
  Account,
  AccountHealth,
  AccountState,
  ApiError,
  Backup,
  EngineCommands,
  FailedJob,
  Figures,
  Fix,
  Guardrail,
  Health,
  Message,
  Result,
  WorkGroupHealth,
} from "./api";
import { dateInputValue } from "./dashboard";
import { DAY, HOUR, MINUTE } from "./mock-seed";
import { fail, notFound, ok, type MockCore } from "./mock-shared";

/** The fix the engine suggests for an account's state. */
function accountFix(state: AccountState): Fix | null {
  switch (state) {
    case "bad_credentials":
      return "reconnect";
    case "offline":
      return "wait";
    case "error":
      return "read_error";
    default:
      return null;
  }
}

type Deps = {
  messages: Map<number, Message[]>;
  /** The other commands of the demo engine (read when the report is made). */
  commands: () => EngineCommands;
  seed: boolean;
};

const data = async <T>(answer: Promise<Result<T, ApiError>>, fallback: T): Promise<T> => {
  const result = await answer;
  return result.status === "ok" ? result.data : fallback;
};

/** A guardrail as the engine makes it: crossed over its threshold with at least ten events. */
function guardrail(kind: Guardrail["kind"], events: number, total: number, threshold: number): Guardrail {
  const ratio = total === 0 ? 0 : events / total;
  return { kind, events, total, ratio, threshold, crossed: total >= 10 && ratio > threshold };
}

/** The demo's last 24 hours: failed replies over their threshold, no handovers yet. */
const guardrails = (seed: boolean): Guardrail[] => [
  guardrail("no_sender", 0, seed ? 57 : 0, 0.01),
  guardrail("failed_replies", seed ? 3 : 0, seed ? 40 : 0, 0.01),
  guardrail("late_mirrors", seed ? 1 : 0, seed ? 38 : 0, 0.05),
  guardrail("handovers", 0, 0, 0.35),
];

const median = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

export function createMockHealth(core: MockCore, deps: Deps) {
  const { messages } = deps;
  const { emit } = core;
  let nextJobId = 41;
  const failed: FailedJob[] = [];

  if (deps.seed) {
    const start = core.now();
    const refused = [...messages.values()].flat().find((m) => m.direction === "out" && m.delivery === "failed");
    if (refused) {
      failed.push({
        id: nextJobId++,
        kind: "outbox.send",
        attempts: 5,
        lastError: refused.deliveryError ?? "the server refused the message",
        failedAt: refused.createdAt + 40 * MINUTE,
        messageId: refused.id,
      });
    }
    failed.push({
      id: nextJobId++,
      kind: "avito.ingest",
      attempts: 5,
      lastError: core.locale === "ru" ? "Авито не ответил за 30 с" : "Avito did not answer within 30 s",
      failedAt: start - 3 * HOUR,
      messageId: null,
    });
  }

  const heldReplies = () => [...messages.values()].flat().filter((m) => m.held && m.delivery === "pending").length;

  async function workGroups(): Promise<WorkGroupHealth[]> {
    const projects = await data(deps.commands().listProjects(), []);
    return projects.flatMap((p) =>
      p.workGroup
        ? [
            {
              projectId: p.id,
              project: p.name,
              title: p.workGroup.title,
              missing: [...(p.workGroup.check?.missing ?? [])],
              checkedAt: p.workGroup.check?.checkedAt ?? null,
            },
          ]
        : [],
    );
  }

  function take(jobId: number): FailedJob | null {
    const index = failed.findIndex((j) => j.id === jobId);
    return index < 0 ? null : failed.splice(index, 1)[0];
  }

  const commands = {
    async health(): Promise<Result<Health, ApiError>> {
      const commands = deps.commands();
      const now = core.now();
      const accounts: Account[] = await data(commands.listAccounts(), []);
      const settings = await data(commands.appSettings(), null);
      const backups: Backup[] = await data(commands.listBackups(), []);
      const lastBackup = backups[0] ?? null;
      const accountHealth: AccountHealth[] = accounts.map((a) => ({
        id: a.id,
        kind: a.kind,
        name: a.name,
        state: a.status.state,
        lastError: a.status.lastError,
        fix: accountFix(a.status.state),
      }));
      const waiting: [string, number][] = deps.seed ? [["outbox.send", 1], ["telegram.mirror", 2]] : [];
      return ok({
        checkedAt: now,
        accounts: accountHealth,
        queue: {
          waiting,
          oldestWaitingAt: waiting.length ? now - 2 * MINUTE : null,
          failed: failed.map((j) => ({ ...j })),
          heldReplies: heldReplies(),
        },
        workGroups: await workGroups(),
        keyring: { ok: true, detail: "Secret Service", fix: null },
        modelServer: { ok: true, detail: "http://127.0.0.1:11434/v1", fix: null },
        lan: settings ? { ...settings.lan } : { listen: null, listening: null, error: null, https: false },
        database: {
          path: "(in memory)/tuberry.sqlite3",
          intact: true,
          sizeBytes: lastBackup?.size ?? 3_180_000,
          freeDiskBytes: 48_300_000_000,
          schemaVersion: 14,
          fix: null,
        },
        lastBackup,
        backupFix: lastBackup && now - lastBackup.createdAt < DAY ? null : "back_up",
        guardrails: guardrails(deps.seed),
      });
    },

    async supportBundle(folder: string | null): Promise<Result<string, ApiError>> {
      const now = new Date(core.now());
      const time = `${String(now.getHours()).padStart(2, "0")}${String(now.getMinutes()).padStart(2, "0")}`;
      const dir = folder ?? (core.locale === "ru" ? "/home/demo/Загрузки" : "/home/demo/Downloads");
      return ok(`${dir}/tuberry-support-${dateInputValue(now.getTime())}-${time}.zip`);
    },

    async showSavedFile(path: string): Promise<Result<null, ApiError>> {
      // The demo saves nothing: only a path it answered itself is "shown".
      if (!/\/tuberry-[^/]+$/.test(path)) return fail("invalid_input", `${path} is not a file Tuberry saved`);
      return ok(null);
    },

    async retryJob(jobId: number): Promise<Result<null, ApiError>> {
      const job = take(jobId);
      if (!job) return notFound(`job ${jobId}`);
      // A failed reply goes out again.
      for (const list of messages.values()) {
        const index = list.findIndex((m) => m.id === job.messageId);
        if (index < 0) continue;
        list[index] = { ...list[index], delivery: "sent", deliveryError: null, sentAt: core.now() };
        emit({ type: "message_updated", message: list[index] });
      }
      return ok(null);
    },

    async discardJob(jobId: number): Promise<Result<null, ApiError>> {
      return take(jobId) ? ok(null) : notFound(`job ${jobId}`);
    },

    async answerFigures(days: number, projectId: number | null): Promise<Result<Figures, ApiError>> {
      const now = core.now();
      const from = now - Math.max(1, days) * DAY;
      const started = [...core.conversations.values()].filter(
        (c) => c.createdAt >= from && (projectId == null || c.projectId === projectId),
      );
      const waits: number[] = [];
      const replies = { people: 0, assistant: 0, autoReply: 0 };
      for (const c of started) {
        const list = messages.get(c.id) ?? [];
        const firstIn = list.find((m) => m.direction === "in");
        const firstOut = list.find((m) => m.direction === "out" && (!firstIn || m.createdAt >= firstIn.createdAt));
        if (firstIn && firstOut) waits.push(firstOut.createdAt - firstIn.createdAt);
        for (const m of list) {
          if (m.direction !== "out" || m.createdAt < from) continue;
          if (m.authorKind === "assistant") replies.assistant += 1;
          else if (m.authorKind === "auto_reply") replies.autoReply += 1;
          else replies.people += 1;
        }
      }
      waits.sort((a, b) => a - b);
      return ok({
        period: { from, to: now },
        newConversations: started.length,
        answered: waits.length,
        firstResponseMedianMs: waits.length ? median(waits, 0.5) : null,
        firstResponseP90Ms: waits.length ? median(waits, 0.9) : null,
        repliesByPeople: replies.people,
        repliesByAssistant: replies.assistant,
        repliesByAutoReply: replies.autoReply,
      });
    },
  };

  return { commands };
}
