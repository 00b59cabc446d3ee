// The projects of the in-memory engine: each with its operator bot, its work
// group and its sources, as saved. Any token connects, as @demo_shop_bot; a
// proxy is checked for its shape as the engine checks it.
import type {
  AccountState,
  AccountStatus,
  ApiError,
  BotInput,
  BotState,
  ChannelAccount,
  Project,
  ProjectBot,
  ProjectInput,
  ProjectLanguage,
  Result,
  WorkGroup,
  WorkGroupCheck,
} from "./api";
import { demoWorkGroupTitle } from "./mock-seed";
import { fail, notFound, ok, type MockCore } from "./mock-shared";

/** The username every demo token connects as. */
export const DEMO_BOT_USERNAME = "demo_shop_bot";

/** The Bot API server a bot without one of its own talks to (not imported from api.ts: that module imports the mock). */
const DEFAULT_BOT_API_URL = "https://api.telegram.org";

/** The engine's refusal of a proxy it cannot use. */
const PROXY_SHAPE =
  "the proxy must look like socks5://host:port or http://host:port " +
  "(with user:password@ before the host when it asks for a login)";

/** Whether the engine takes `proxy`: SOCKS5 or HTTP(S), with a host and a port (HTTP(S) ones have a default). */
function proxyFits(proxy: string): boolean {
  let url: URL;
  try {
    url = new URL(proxy);
  } catch {
    return false;
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (!["socks5", "socks5h", "http", "https"].includes(scheme) || !url.hostname) return false;
  return url.port !== "" || scheme === "http" || scheme === "https";
}

type StoredProject = {
  id: number;
  name: string;
  language: ProjectLanguage;
  createdAt: number;
  bot: ProjectBot | null;
  workGroup: WorkGroup | null;
};

/** A bot's state in the one account model, as the engine's bot adapter reads it. */
const ACCOUNT_STATE: Record<BotState, AccountState> = {
  connecting: "connecting",
  online: "connected",
  offline: "offline",
  unauthorized: "bad_credentials",
  conflict: "error",
  stopped: "stopped",
};

export type ProjectOptions = {
  /** How long a connected bot stays "connecting" before it is "online". */
  botStartMs: number;
  /** When set, an online bot "finds" a work group this long after. */
  workGroupAfterMs?: number;
};

export function createMockProjects(core: MockCore, options: ProjectOptions) {
  const { accounts, conversations, emit, now, locale, moveAccount, addAccount } = core;
  const projects = new Map<number, StoredProject>();
  /** When each bot's account last came online. */
  const onlineAt = new Map<number, number>();
  let nextProjectId = 1;

  /** A bot's state changed (its poller's word): the engine says so of its channel account. */
  function setState(bot: ProjectBot, state: BotState, lastError: string | null = null) {
    if (state === "online" && bot.state !== "online") onlineAt.set(bot.accountId, now());
    bot.state = state;
    bot.lastError = lastError;
    emit({ type: "account_changed", account_id: bot.accountId });
  }

  const projectView = (p: StoredProject): Project => ({
    id: p.id,
    name: p.name,
    language: p.language,
    bot: p.bot ? { ...p.bot } : null,
    workGroup: p.workGroup
      ? { ...p.workGroup, check: p.workGroup.check && { ...p.workGroup.check, missing: [...p.workGroup.check.missing] } }
      : null,
    sources: accounts.filter((a) => a.projectId === p.id).map((a) => ({ ...a })),
    createdAt: p.createdAt,
  });

  /** Runs `change` on a stored project, says so with project_changed and answers the project. */
  async function update(projectId: number, change: (p: StoredProject) => void): Promise<Result<Project, ApiError>> {
    const project = projects.get(projectId);
    if (!project) return notFound(`project ${projectId}`);
    change(project);
    emit({ type: "project_changed", project_id: projectId });
    return ok(projectView(project));
  }

  function bindGroup(project: StoredProject, title: string, check: Partial<WorkGroupCheck> = {}) {
    project.workGroup = {
      chatId: -1_001_000_000_000 - project.id,
      title,
      check: { checkedAt: now(), missing: [], error: null, ...check },
    };
    emit({ type: "project_changed", project_id: project.id });
  }

  /** The poller's side: the bot comes online, and in the demo finds its work group. */
  function startBot(project: StoredProject, bot: ProjectBot) {
    setTimeout(() => {
      if (project.bot !== bot || bot.state !== "connecting") return;
      setState(bot, "online");
      if (options.workGroupAfterMs == null) return;
      setTimeout(() => {
        if (project.bot !== bot || project.workGroup || !projects.has(project.id)) return;
        bindGroup(project, demoWorkGroupTitle(locale), { missing: ["topics_disabled", "cannot_manage_topics"] });
      }, options.workGroupAfterMs);
    }, options.botStartMs);
  }

  function stopBot(project: StoredProject) {
    const account = accounts.find((a) => a.id === project.bot?.accountId);
    if (account) {
      account.enabled = false;
      emit({ type: "account_changed", account_id: account.id });
    }
    project.bot = null;
  }

  const commands = {
    async listProjects(): Promise<Result<Project[], ApiError>> {
      return ok([...projects.values()].map(projectView));
    },

    async createProject(input: ProjectInput): Promise<Result<Project, ApiError>> {
      const project: StoredProject = { id: nextProjectId++, ...input, createdAt: now(), bot: null, workGroup: null };
      projects.set(project.id, project);
      return update(project.id, () => undefined);
    },

    updateProject: (projectId: number, input: ProjectInput) => update(projectId, (p) => Object.assign(p, input)),

    async deleteProject(projectId: number): Promise<Result<null, ApiError>> {
      const project = projects.get(projectId);
      if (!project) return notFound(`project ${projectId}`);
      stopBot(project);
      // Its conversations and their history stay in the inbox.
      for (const a of accounts) if (a.projectId === projectId) moveAccount(a.id, null);
      for (const c of conversations.values()) {
        if (c.projectId === projectId) conversations.set(c.id, { ...c, projectId: null });
      }
      projects.delete(projectId);
      emit({ type: "project_changed", project_id: projectId });
      return ok(null);
    },

    async connectBot(projectId: number, input: BotInput): Promise<Result<Project, ApiError>> {
      const proxy = input.proxy?.trim() || null;
      if (proxy && !proxyFits(proxy)) return fail("invalid_input", PROXY_SHAPE);
      return update(projectId, (project) => {
        const username = DEMO_BOT_USERNAME;
        const account =
          accounts.find((a) => a.id === project.bot?.accountId) ?? addAccount("telegram_bot", `@${username}`);
        account.enabled = true;
        const apiUrl = input.apiUrl ?? DEFAULT_BOT_API_URL;
        const bot: ProjectBot = {
          accountId: account.id,
          username,
          apiUrl,
          state: "connecting",
          lastError: null,
          webhookUrl: null,
          proxied: proxy != null,
        };
        project.bot = bot;
        moveAccount(account.id, projectId);
        emit({ type: "account_changed", account_id: account.id });
        startBot(project, bot);
      });
    },

    setBotWebhook: (projectId: number, publicUrl: string | null) =>
      update(projectId, (p) => {
        if (p.bot) p.bot.webhookUrl = publicUrl;
      }),

    disconnectBot: (projectId: number) => update(projectId, stopBot),

    checkWorkGroup: (projectId: number) =>
      update(projectId, (p) => {
        // The demo group has whatever was missing fixed by the time someone checks again.
        if (p.workGroup) p.workGroup.check = { checkedAt: now(), missing: [], error: null };
      }),

    unbindWorkGroup: (projectId: number) =>
      update(projectId, (p) => {
        p.workGroup = null;
      }),

    setProjectSources: (projectId: number, accountIds: number[]) =>
      update(projectId, (p) => {
        for (const a of accounts) {
          if (a.projectId === projectId && !accountIds.includes(a.id) && a.id !== p.bot?.accountId) {
            moveAccount(a.id, null);
          }
        }
        for (const id of accountIds) moveAccount(id, projectId);
      }),

    async listChannelAccounts(): Promise<Result<ChannelAccount[], ApiError>> {
      return ok(accounts.map((a) => ({ ...a })));
    },
  };

  return {
    commands,
    hasProject: (projectId: number) => projects.has(projectId),
    /** The bot of the project (or of the first project that has one). */
    botUsername: (projectId: number | null): string | null =>
      [...projects.values()].find((p) => p.bot && (projectId == null || p.id === projectId))?.bot?.username ?? null,
    /** A project's language (what the default persona is written in). */
    language: (projectId: number): ProjectLanguage | null => projects.get(projectId)?.language ?? null,
    bindWorkGroup(projectId: number, title: string, check?: Partial<WorkGroupCheck>) {
      const project = projects.get(projectId);
      if (project) bindGroup(project, title, check);
    },
    setBotState(projectId: number, state: BotState, lastError: string | null = null) {
      const bot = projects.get(projectId)?.bot;
      if (bot) setState(bot, state, lastError);
    },
    /** A connected bot's state in the one account model (null when the account is no project's bot). */
    status(accountId: number): AccountStatus | null {
      const bot = [...projects.values()].find((p) => p.bot?.accountId === accountId)?.bot;
      if (!bot) return null;
      return {
        state: ACCOUNT_STATE[bot.state],
        detail: bot.state,
        lastError: bot.lastError,
        lastConnectedAt: onlineAt.get(bot.accountId) ?? null,
      };
    },
  };
}
