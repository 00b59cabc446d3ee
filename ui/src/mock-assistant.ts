// The assistant of the in-memory engine: per-project settings and the app's
// language model as saved, and what the assistant did in each conversation.
//
// There is no model, persona or prompt here. When a customer writes in the
// Test chat of a project, or in a conversation of a project whose assistant
// is on, the assistant takes a turn: the demo's canned answer, or the turn a
// test scripted with `assistantNext`. In drafts mode the answer is a
// suggestion; a seeded conversation gets one when it is opened. Auto-replies
// are not sent (when to send one is the engine's schedule). The model server
// always lists the demo's models.
import type {
  ApiError,
  AssistantRun,
  AssistantSettings,
  AssistantSettingsInput,
  ConversationSummary,
  LlmModels,
  LlmSettings,
  LlmSettingsInput,
  Message,
  ProjectLanguage,
  Result,
} from "./api";
import { notFound, ok, type AssistantTurn, type MockCore, type MockInbox } from "./mock-shared";

export const DEMO_MODELS = ["qwen2.5:7b", "llama3.1:8b"];

/** The default persona the demo shows (the engine's own template is longer). */
const DEFAULT_PERSONA: Record<ProjectLanguage, string> = {
  ru: "Ты — {AGENT_NAME}, консультант магазина «{BRAND}» (город: {CITY}). Ты отвечаешь покупателям в {CHANNEL}.\nЦены называешь в {CURRENCY} и только те, что есть в каталоге: {CATALOG_URL}\n",
  en: "You are {AGENT_NAME}, a sales consultant of {BRAND} (city: {CITY}). You answer customers on {CHANNEL}.\nYou quote prices in {CURRENCY} and only those in the catalogue: {CATALOG_URL}\n",
};

/** The time zone "this computer" is in, for the demo. */
const DEMO_TIME_ZONE = "UTC";

/** A project's settings before anything was saved. */
const defaultSettings = (): AssistantSettingsInput => ({
  mode: "off",
  persona: null,
  agentName: "",
  brand: "",
  city: "",
  whatsappLink: "",
  catalogUrl: "",
  currency: "₽",
  autoReply: "off",
  autoReplyText: "",
  autoReplyDelayS: 75,
  schedule: [],
  timeZone: "",
});

const cannedTurn = (locale: "ru" | "en"): AssistantTurn => ({
  outcome: "answered",
  text:
    locale === "ru"
      ? "Здравствуйте! Это демо-ответ ассистента: в приложении здесь отвечает языковая модель по вашему каталогу."
      : "Hello! This is the demo assistant's canned answer: in the app, the language model answers here from your catalogue.",
});

type Deps = {
  language: (projectId: number) => ProjectLanguage | null;
  delayMs: number;
};

export function createMockAssistant(core: MockCore, inbox: MockInbox, deps: Deps) {
  const { conversations, emit, now } = core;
  const settings = new Map<number, AssistantSettingsInput>();
  let runs: AssistantRun[] = [];
  const turns: AssistantTurn[] = [];
  let nextRunId = 1;
  let llm: LlmSettings = {
    provider: "ollama",
    baseUrl: "http://127.0.0.1:11434/v1",
    model: DEMO_MODELS[0],
    hasKey: false,
    contextTokens: 8192,
    maxTokens: 400,
    temperature: 0.7,
  };

  const settingsOf = (projectId: number) => settings.get(projectId) ?? defaultSettings();
  const copyRun = (run: AssistantRun): AssistantRun => ({
    ...run,
    catalogueRows: run.catalogueRows.map((r) => ({ ...r })),
  });

  function view(projectId: number): Result<AssistantSettings, ApiError> {
    const language = deps.language(projectId);
    if (!language) return notFound(`project ${projectId}`);
    const input = settingsOf(projectId);
    return ok({
      ...input,
      schedule: input.schedule.map((i) => ({ ...i, days: [...i.days] })),
      projectId,
      defaultPersona: DEFAULT_PERSONA[language],
      effectiveTimeZone: input.timeZone || DEMO_TIME_ZONE,
    });
  }

  /** Records the assistant's turn on `trigger`: a reply sent, a suggestion, or why it did not answer. */
  function take(conversationId: number, trigger: Message, drafts: boolean): AssistantRun {
    const turn = turns.shift() ?? cannedTurn(core.locale);
    const answered = turn.outcome === "answered";
    const message = answered && !drafts ? inbox.reply(conversationId, "assistant", turn.text) : null;
    const run: AssistantRun = {
      id: nextRunId++,
      conversationId,
      triggerMessageId: trigger.id,
      outcome: answered && drafts ? "draft" : turn.outcome,
      text: turn.text,
      language: turn.language ?? null,
      model: answered ? llm.model : null,
      catalogueRows: (turn.catalogueRows ?? []).map((r) => ({ ...r })),
      messageId: message?.id ?? null,
      dismissed: false,
      createdAt: now(),
    };
    runs.push(run);
    return run;
  }

  /** A customer wrote: the assistant takes its turn a moment later. */
  function onCustomerMessage(conversation: ConversationSummary, message: Message) {
    if (conversation.projectId == null) return;
    // The Test chat is where the owner tries the assistant out: it always answers there.
    const mode = conversation.channelKind === "simulator" ? "automatic" : settingsOf(conversation.projectId).mode;
    if (mode === "off") return;
    setTimeout(() => {
      if (!conversations.has(conversation.id)) return;
      emit({ type: "assistant_run", run: copyRun(take(conversation.id, message, mode === "drafts")) });
    }, deps.delayMs);
  }

  /** The newest message of a conversation. */
  const newest = (conversationId: number) => inbox.messages.get(conversationId)?.at(-1);

  const commands = {
    assistantSettings: async (projectId: number) => view(projectId),

    async saveAssistantSettings(
      projectId: number,
      input: AssistantSettingsInput,
    ): Promise<Result<AssistantSettings, ApiError>> {
      if (!deps.language(projectId)) return notFound(`project ${projectId}`);
      settings.set(projectId, { ...input, schedule: input.schedule.map((i) => ({ ...i, days: [...i.days] })) });
      emit({ type: "assistant_changed", project_id: projectId });
      return view(projectId);
    },

    async llmSettings(): Promise<Result<LlmSettings, ApiError>> {
      return ok({ ...llm });
    },

    async saveLlmSettings({ apiKey, ...input }: LlmSettingsInput): Promise<Result<LlmSettings, ApiError>> {
      // No key keeps the stored one; an empty one removes it.
      llm = { ...input, hasKey: apiKey == null ? llm.hasKey : apiKey !== "" };
      return ok({ ...llm });
    },

    async llmModels(): Promise<Result<LlmModels, ApiError>> {
      return ok({ models: [...DEMO_MODELS], problem: null, detail: null });
    },

    async assistantRuns(conversationId: number): Promise<Result<AssistantRun[], ApiError>> {
      return ok(runs.filter((r) => r.conversationId === conversationId).map(copyRun));
    },

    async assistantDraft(conversationId: number): Promise<Result<AssistantRun | null, ApiError>> {
      const conversation = conversations.get(conversationId);
      if (!conversation) return notFound(`conversation ${conversationId}`);
      const last = newest(conversationId);
      const projectId = conversation.projectId;
      const drafting = projectId != null && conversation.channelKind !== "simulator" && settingsOf(projectId).mode === "drafts";
      // A seeded conversation's newest customer message gets its suggestion when it is first opened.
      if (drafting && last?.direction === "in" && !runs.some((r) => r.triggerMessageId === last.id)) {
        take(conversationId, last, true);
      }
      // The suggestion stands while nothing came or went after the message it answers.
      const draft = runs.find(
        (r) => r.conversationId === conversationId && r.outcome === "draft" && !r.dismissed && r.triggerMessageId === last?.id,
      );
      return ok(draft ? copyRun(draft) : null);
    },

    async dismissDraft(runId: number): Promise<Result<null, ApiError>> {
      const run = runs.find((r) => r.id === runId);
      if (!run) return notFound(`draft ${runId}`);
      run.dismissed = true;
      emit({ type: "assistant_run", run: copyRun(run) });
      return ok(null);
    },
  };

  /** Forgets a conversation's runs (a Test chat customer was reset). */
  function forget(conversationId: number) {
    runs = runs.filter((r) => r.conversationId !== conversationId);
  }

  return { commands, onCustomerMessage, forget, next: (turn: AssistantTurn) => turns.push(turn) };
}
