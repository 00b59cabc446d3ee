// The projects of the in-memory engine (as src/telegram/projects.rs): each
// with its operator bot, its work group and its sources.
import type {
  ApiError,
  BotInput,
  BotState,
  ChannelAccount,
  Project,
  ProjectInput,
  ProjectLanguage,
  Result,
  WorkGroup,
  WorkGroupCheck,
} from "./api";
import { demoWorkGroupTitle } from "./mock-seed";
import { fail, ok, type MockCore } from "./mock-shared";

/** The username every demo token connects as. */
export const DEMO_BOT_USERNAME = "demo_shop_bot";

/** The engine's DEFAULT_API_URL (not imported from api.ts: that module imports the mock). */
const DEFAULT_BOT_API_URL = "https://api.telegram.org";
const TOKEN = /^\d+:[A-Za-z0-9_-]{20,}$/;
const MAX_PROJECT_NAME = 80;

type StoredProject = {
  id: number;
  name: string;
  language: ProjectLanguage;
  createdAt: number;
  botAccountId: number | null;
  workGroup: WorkGroup | null;
};

type StoredBot = {
  accountId: number;
  username: string;
  apiUrl: string;
  state: BotState;
  lastError: string | null;
  webhookUrl: string | null;
};

export type ProjectOptions = {
  /** How long a connected bot stays "connecting" before it is "online". */
  botStartMs: number;
  /** When set, an online bot "finds" a work group this long after. */
  workGroupAfterMs?: number;
};

export function createMockProjects(core: MockCore, options: ProjectOptions) {
  const { accounts, conversations, emit, now, locale, moveAccount, addAccount } = core;
  const { botStartMs } = options;
  const projects = new Map<number, StoredProject>();
  /** Connected bots by channel account. */
  const bots = new Map<number, StoredBot>();
  /** The Telegram id of each bot account, as the engine keys them. */
  const botIds = new Map<number, string>();
  let nextProjectId = 1;

  const projectChanged = (projectId: number) => emit({ type: "project_changed", project_id: projectId });

  function projectView(p: StoredProject): Project {
    const bot = p.botAccountId != null ? bots.get(p.botAccountId) : undefined;
    return {
      id: p.id,
      name: p.name,
      language: p.language,
      bot: bot
        ? {
            accountId: bot.accountId,
            username: bot.username,
            apiUrl: bot.apiUrl,
            state: bot.state,
            lastError: bot.lastError,
            webhookUrl: bot.webhookUrl,
          }
        : null,
      workGroup: p.workGroup
        ? {
            ...p.workGroup,
            check: p.workGroup.check ? { ...p.workGroup.check, missing: [...p.workGroup.check.missing] } : null,
          }
        : null,
      sources: accounts.filter((a) => a.projectId === p.id).map((a) => ({ ...a })),
      createdAt: p.createdAt,
    };
  }

  function checkProjectInput(input: ProjectInput): Result<string, ApiError> {
    const name = input.name.trim();
    if (!name) return fail("invalid_input", "a project needs a name");
    if ([...name].length > MAX_PROJECT_NAME) {
      return fail("invalid_input", `a project's name is at most ${MAX_PROJECT_NAME} characters`);
    }
    if (input.language !== "ru" && input.language !== "en") {
      return fail("invalid_input", `unknown language ${String(input.language)}`);
    }
    return ok(name);
  }

  function checkApiUrl(raw: string): Result<string, ApiError> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch (error) {
      return fail("invalid_input", `the Bot API address \`${raw}\` is not a URL: ${String(error)}`);
    }
    if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) {
      return fail("invalid_input", `the Bot API address \`${raw}\` must be an http or https URL`);
    }
    return ok(raw.replace(/\/+$/, ""));
  }

  function stopBot(accountId: number) {
    bots.delete(accountId);
    const stopped = accounts.find((a) => a.id === accountId);
    if (stopped) stopped.enabled = false;
  }

  /** The poller's side: the bot comes online, and in the demo finds its work group. */
  function startBot(projectId: number, accountId: number) {
    setTimeout(() => {
      const bot = bots.get(accountId);
      if (!bot || bot.state !== "connecting") return;
      bot.state = "online";
      projectChanged(projectId);
      if (options.workGroupAfterMs == null) return;
      setTimeout(() => {
        const project = projects.get(projectId);
        if (!project || project.botAccountId !== accountId || project.workGroup || !bots.has(accountId)) return;
        bindGroup(project, demoWorkGroupTitle(locale), { missing: ["topics_disabled", "cannot_manage_topics"] });
      }, options.workGroupAfterMs);
    }, botStartMs);
  }

  function bindGroup(project: StoredProject, title: string, check: Partial<WorkGroupCheck> = {}) {
    project.workGroup = {
      chatId: -1_001_000_000_000 - project.id,
      title,
      check: { checkedAt: now(), missing: [], error: null, ...check },
    };
    projectChanged(project.id);
  }

  function findProject(projectId: number): StoredProject | undefined {
    return projects.get(projectId);
  }

  const projectCommands = {
    async listProjects(): Promise<Result<Project[], ApiError>> {
      const list = [...projects.values()].sort(
        (a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id - b.id,
      );
      return ok(list.map(projectView));
    },

    async createProject(input: ProjectInput): Promise<Result<Project, ApiError>> {
      const name = checkProjectInput(input);
      if (name.status === "error") return name;
      const project: StoredProject = {
        id: nextProjectId++,
        name: name.data,
        language: input.language,
        createdAt: now(),
        botAccountId: null,
        workGroup: null,
      };
      projects.set(project.id, project);
      projectChanged(project.id);
      return ok(projectView(project));
    },

    async updateProject(projectId: number, input: ProjectInput): Promise<Result<Project, ApiError>> {
      const name = checkProjectInput(input);
      if (name.status === "error") return name;
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      project.name = name.data;
      project.language = input.language;
      projectChanged(projectId);
      return ok(projectView(project));
    },

    async deleteProject(projectId: number): Promise<Result<null, ApiError>> {
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      if (project.botAccountId != null) stopBot(project.botAccountId);
      // Its conversations and their history stay in the inbox.
      for (const a of accounts) if (a.projectId === projectId) moveAccount(a.id, null);
      for (const c of conversations.values()) {
        if (c.projectId === projectId) conversations.set(c.id, { ...c, projectId: null });
      }
      projects.delete(projectId);
      projectChanged(projectId);
      return ok(null);
    },

    async connectBot(projectId: number, input: BotInput): Promise<Result<Project, ApiError>> {
      const token = input.token.trim();
      if (!TOKEN.test(token)) {
        return fail(
          "invalid_input",
          "this does not look like a bot token: copy the whole token @BotFather gave, like 123456789:AAH…",
        );
      }
      const apiUrl = checkApiUrl(input.apiUrl?.trim() || DEFAULT_BOT_API_URL);
      if (apiUrl.status === "error") return apiUrl;
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      const botId = token.slice(0, token.indexOf(":"));
      const username = DEMO_BOT_USERNAME;
      const elsewhere = [...projects.values()].find(
        (p) => p.id !== projectId && p.botAccountId != null && botIds.get(p.botAccountId) === botId,
      );
      if (elsewhere) {
        return fail("invalid_input", `@${username} is already the bot of project “${elsewhere.name}”`);
      }

      let botAccount = accounts.find((a) => a.kind === "telegram_bot" && botIds.get(a.id) === botId);
      if (botAccount) {
        botAccount.name = `@${username}`;
        botAccount.enabled = true;
      } else {
        botAccount = addAccount("telegram_bot", `@${username}`);
        botIds.set(botAccount.id, botId);
      }
      const previous = project.botAccountId;
      if (previous != null && previous !== botAccount.id) {
        stopBot(previous);
        // Another bot cannot post into the old bot's topics.
        project.workGroup = null;
      }
      bots.set(botAccount.id, {
        accountId: botAccount.id,
        username,
        apiUrl: apiUrl.data,
        state: "connecting",
        lastError: null,
        webhookUrl: null,
      });
      project.botAccountId = botAccount.id;
      moveAccount(botAccount.id, projectId);
      startBot(projectId, botAccount.id);
      projectChanged(projectId);
      return ok(projectView(project));
    },

    async setBotWebhook(projectId: number, publicUrl: string | null): Promise<Result<Project, ApiError>> {
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      const bot = project.botAccountId != null ? bots.get(project.botAccountId) : undefined;
      if (!bot) return fail("invalid_input", "connect the project's bot first");
      const url = publicUrl?.trim().replace(/\/+$/, "") || null;
      if (url) {
        const checked = checkApiUrl(url);
        if (checked.status === "error") return checked;
        // The demo engine has no LAN endpoint.
        return fail(
          "invalid_input",
          "webhook mode needs the LAN endpoint: set [http] listen in settings.toml and restart",
        );
      }
      bots.set(bot.accountId, { ...bot, webhookUrl: null });
      projectChanged(projectId);
      return ok(projectView(project));
    },

    async disconnectBot(projectId: number): Promise<Result<Project, ApiError>> {
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      if (project.botAccountId == null) return ok(projectView(project));
      stopBot(project.botAccountId);
      project.botAccountId = null;
      projectChanged(projectId);
      return ok(projectView(project));
    },

    async checkWorkGroup(projectId: number): Promise<Result<Project, ApiError>> {
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      const bot = project.botAccountId != null ? bots.get(project.botAccountId) : undefined;
      if (!bot || !project.workGroup) return fail("invalid_input", "bind a work group to the project first");
      if (bot.state === "stopped" || bot.state === "unauthorized") {
        return fail("invalid_input", "the project's bot is not running");
      }
      // The demo group has whatever was missing fixed by the time someone checks again.
      project.workGroup = { ...project.workGroup, check: { checkedAt: now(), missing: [], error: null } };
      projectChanged(projectId);
      return ok(projectView(project));
    },

    async unbindWorkGroup(projectId: number): Promise<Result<Project, ApiError>> {
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      project.workGroup = null;
      projectChanged(projectId);
      return ok(projectView(project));
    },

    async setProjectSources(projectId: number, accountIds: number[]): Promise<Result<Project, ApiError>> {
      const project = findProject(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      const missing = accountIds.find((id) => !accounts.some((a) => a.id === id));
      if (missing != null) return fail("not_found", `channel account ${missing}`);
      for (const a of accounts) {
        if (a.projectId === projectId && !accountIds.includes(a.id) && a.id !== project.botAccountId) {
          moveAccount(a.id, null);
        }
      }
      for (const id of accountIds) moveAccount(id, projectId);
      projectChanged(projectId);
      return ok(projectView(project));
    },

    async listChannelAccounts(): Promise<Result<ChannelAccount[], ApiError>> {
      return ok([...accounts].sort((a, b) => a.id - b.id).map((a) => ({ ...a })));
    },
  };

  return {
    commands: projectCommands,
    hasProject: (projectId: number) => projects.has(projectId),
    /** A project's name and language (what the assistant's persona needs). */
    info(projectId: number): { name: string; language: ProjectLanguage } | null {
      const project = projects.get(projectId);
      return project ? { name: project.name, language: project.language } : null;
    },
    bindWorkGroup(projectId: number, title: string, check?: Partial<WorkGroupCheck>) {
      const project = findProject(projectId);
      if (project) bindGroup(project, title, check);
    },
    setBotState(projectId: number, state: BotState, lastError: string | null = null) {
      const project = findProject(projectId);
      const bot = project?.botAccountId != null ? bots.get(project.botAccountId) : undefined;
      if (!bot) return;
      bot.state = state;
      bot.lastError = lastError;
      projectChanged(projectId);
    },
  };
}
