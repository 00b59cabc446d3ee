// The assistant of the in-memory engine (as src/assistant): per-project
// settings, the app's language model, the auto-responder, and what the
// assistant does when a customer writes.
//
// The demo "model" answers by simple rules: a customer who asks for a person
// is handed to one; a question matching catalogue rows is answered by quoting
// the best one; a greeting is greeted back; anything else is handed to a
// person. The model server lists qwen2.5:7b and llama3.1:8b, unless its
// address contains "offline" (nothing answers there); the API key "wrong" is
// refused. In the Test chat the assistant of its project always answers; in
// a project in drafts mode, the newest customer message of a conversation
// gets a suggested reply when the conversation is opened.
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
  UsedRow,
} from "./api";
import { autoReplyActive, checkLlm, checkSettings, defaultSettings, settingsView } from "./mock-assistant-settings";
import { fail, ok, type MockCore, type MockInbox } from "./mock-shared";

const OLLAMA_URL = "http://127.0.0.1:11434/v1";
export const DEMO_MODELS = ["qwen2.5:7b", "llama3.1:8b"];

const ASKS_FOR_PERSON = [
  "оператор",
  "менеджер",
  "живой человек",
  "с человеком",
  "human",
  "real person",
  "operator",
  "manager",
  "live agent",
];
const GREETING =
  /^(hello|hi|hey|good (morning|afternoon|evening)|здравствуйте|привет|добрый (день|вечер)|доброе утро)\b/i;

type Outcome =
  | { kind: "reply"; text: string; rows: UsedRow[]; language: string }
  | { kind: "handoff"; reason: string }
  | { kind: "failed"; reason: string };

type Deps = {
  project: (projectId: number) => { name: string; language: ProjectLanguage } | null;
  search: (projectId: number, text: string) => UsedRow[];
  delayMs: number;
};

export function createMockAssistant(core: MockCore, inbox: MockInbox, deps: Deps) {
  const { conversations, emit, now } = core;
  const settings = new Map<number, AssistantSettingsInput>();
  const runs: AssistantRun[] = [];
  const lastAutoReply = new Map<number, number>();
  let nextRunId = 1;
  const llm = {
    provider: "ollama" as LlmSettings["provider"],
    baseUrl: OLLAMA_URL,
    model: DEMO_MODELS[0],
    key: null as string | null,
    contextTokens: 8192,
    maxTokens: 400,
    temperature: 0.7 as number | null,
  };

  const settingsOf = (projectId: number) => settings.get(projectId) ?? defaultSettings();
  const llmView = (): LlmSettings => {
    const { key, ...rest } = llm;
    return { ...rest, hasKey: key != null };
  };
  const copyRun = (run: AssistantRun): AssistantRun => ({
    ...run,
    catalogueRows: run.catalogueRows.map((r) => ({ ...r })),
  });

  /** Why the model cannot answer now, in the engine's words. */
  function modelProblem(): string | null {
    if (llm.baseUrl.toLowerCase().includes("offline"))
      return `nothing answers at ${llm.baseUrl} (is the model server running?)`;
    if (llm.key === "wrong") return "the model server refused the API key";
    if (!llm.model.trim()) return "no model is chosen";
    if (llm.provider === "ollama" && !DEMO_MODELS.includes(llm.model))
      return `the model server has no model “${llm.model}”`;
    return null;
  }

  /** What the demo model makes of the conversation's newest customer message. */
  function compose(conversation: ConversationSummary, projectId: number): Outcome | null {
    const project = deps.project(projectId);
    const incoming = (inbox.messages.get(conversation.id) ?? []).filter((m) => m.direction === "in");
    const last = incoming[incoming.length - 1];
    if (!project || !last) return null;
    const ru = project.language === "ru";
    if (ASKS_FOR_PERSON.some((w) => last.text.toLowerCase().includes(w))) {
      return { kind: "handoff", reason: ru ? "клиент просит человека" : "the customer asks for a person" };
    }
    const problem = modelProblem();
    if (problem) return { kind: "failed", reason: problem };
    const query = incoming
      .slice(-2)
      .map((m) => m.text)
      .join(" ");
    const language = /[а-яё]/i.test(query) ? "ru" : /[a-z]/i.test(query) ? "en" : project.language;
    const rows = deps.search(projectId, query);
    const s = settingsOf(projectId);
    if (rows.length > 0) {
      const row = rows[0].text;
      const text =
        language === "ru"
          ? `Да, есть: ${row}. Оформить заказ?`
          : `Yes, we have it: ${row}. Shall I reserve it for you?`;
      return { kind: "reply", text, rows, language };
    }
    if (GREETING.test(last.text.trim())) {
      const agent = s.agentName || (language === "ru" ? "консультант" : "a consultant");
      const brand = s.brand || project.name;
      const text =
        language === "ru"
          ? `Здравствуйте! Это ${agent} из «${brand}». Что вас интересует?`
          : `Hello! This is ${agent} from ${brand}. What are you looking for?`;
      return { kind: "reply", text, rows: [], language };
    }
    return { kind: "handoff", reason: ru ? "в каталоге об этом ничего нет" : "the catalogue has nothing about it" };
  }

  function record(
    conversationId: number,
    trigger: Message,
    outcome: AssistantRun["outcome"],
    text: string,
    rows: UsedRow[],
    extra: Partial<AssistantRun> = {},
  ) {
    const run: AssistantRun = {
      id: nextRunId++,
      conversationId,
      triggerMessageId: trigger.id,
      outcome,
      text,
      language: null,
      model: outcome === "failed" || outcome === "handoff" ? null : llm.model,
      catalogueRows: rows.map((r) => ({ ...r })),
      messageId: null,
      dismissed: false,
      createdAt: now(),
      ...extra,
    };
    runs.push(run);
    return run;
  }

  const answeredAfter = (conversationId: number, messageId: number, people = false) =>
    (inbox.messages.get(conversationId) ?? []).some(
      (m) =>
        m.id > messageId &&
        (people
          ? m.authorKind === "manager" || m.authorKind === "operator"
          : m.direction === "out" && m.delivery !== "failed"),
    );

  /** The assistant's turn on a customer message, as the engine's inbound job takes it. */
  function think(conversationId: number, trigger: Message, drafts: boolean) {
    const conversation = conversations.get(conversationId);
    const list = inbox.messages.get(conversationId) ?? [];
    if (!conversation?.projectId || !list.some((m) => m.id === trigger.id)) return;
    const newer = list.some((m) => m.id > trigger.id && m.direction === "in");
    if (newer || answeredAfter(conversationId, trigger.id, true)) return;
    const outcome = compose(conversation, conversation.projectId);
    if (!outcome) return;
    let run: AssistantRun;
    if (outcome.kind === "reply" && !drafts) {
      const message = inbox.reply(conversationId, "assistant", outcome.text);
      inbox.setStatus(conversationId, "answered_by_assistant");
      run = record(conversationId, trigger, "answered", outcome.text, outcome.rows, {
        language: outcome.language,
        messageId: message.id,
      });
    } else if (outcome.kind === "reply") {
      run = record(conversationId, trigger, "draft", outcome.text, outcome.rows, { language: outcome.language });
    } else {
      if (outcome.kind === "handoff" || !drafts) inbox.setStatus(conversationId, "needs_human");
      run = record(conversationId, trigger, outcome.kind, outcome.reason, []);
    }
    emit({ type: "assistant_run", run: copyRun(run) });
  }

  function autoReply(conversationId: number, trigger: Message, text: string, always: boolean) {
    if (!conversations.has(conversationId) || answeredAfter(conversationId, trigger.id)) return;
    const last = lastAutoReply.get(conversationId);
    if (last != null && now() - last < (always ? 24 : 12) * 60 * 60_000) return;
    lastAutoReply.set(conversationId, now());
    inbox.reply(conversationId, "auto_reply", text);
  }

  /** A customer wrote: the auto-responder and the assistant take their turns. */
  function onCustomerMessage(conversation: ConversationSummary, message: Message) {
    if (conversation.projectId == null) return;
    const s = settingsOf(conversation.projectId);
    if (autoReplyActive(s, message.createdAt)) {
      const text = s.autoReplyText;
      setTimeout(() => autoReply(conversation.id, message, text, s.autoReply === "always"), deps.delayMs * 2);
    }
    // The Test chat is where the owner tries the assistant out: it always answers there.
    const mode = conversation.channelKind === "simulator" ? "automatic" : s.mode;
    if (mode !== "off") setTimeout(() => think(conversation.id, message, mode === "drafts"), deps.delayMs);
  }

  /** The draft a conversation of a project in drafts mode has for its newest customer message. */
  function ensureDraft(conversation: ConversationSummary) {
    const projectId = conversation.projectId;
    if (projectId == null || conversation.channelKind === "simulator" || settingsOf(projectId).mode !== "drafts")
      return;
    const list = inbox.messages.get(conversation.id) ?? [];
    const last = list[list.length - 1];
    if (!last || last.direction !== "in" || runs.some((r) => r.triggerMessageId === last.id)) return;
    const outcome = compose(conversation, projectId);
    if (outcome?.kind === "reply") {
      record(conversation.id, last, "draft", outcome.text, outcome.rows, { language: outcome.language });
    }
  }

  const commands = {
    async assistantSettings(projectId: number): Promise<Result<AssistantSettings, ApiError>> {
      const project = deps.project(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      return ok(settingsView(projectId, settingsOf(projectId), project.language));
    },

    async saveAssistantSettings(
      projectId: number,
      input: AssistantSettingsInput,
    ): Promise<Result<AssistantSettings, ApiError>> {
      const checked = checkSettings(input);
      if (checked.status === "error") return checked;
      const project = deps.project(projectId);
      if (!project) return fail("not_found", `project ${projectId}`);
      settings.set(projectId, checked.data);
      emit({ type: "assistant_changed", project_id: projectId });
      return ok(settingsView(projectId, checked.data, project.language));
    },

    async llmSettings(): Promise<Result<LlmSettings, ApiError>> {
      return ok(llmView());
    },

    async saveLlmSettings(input: LlmSettingsInput): Promise<Result<LlmSettings, ApiError>> {
      const base = checkLlm(input, OLLAMA_URL);
      if (base.status === "error") return base;
      Object.assign(llm, {
        provider: input.provider,
        baseUrl: base.data,
        model: input.model.trim(),
        contextTokens: input.contextTokens,
        maxTokens: input.maxTokens,
        temperature: input.temperature,
      });
      if (input.apiKey != null) llm.key = input.apiKey.trim() || null;
      return ok(llmView());
    },

    async llmModels(input: LlmSettingsInput | null): Promise<Result<LlmModels, ApiError>> {
      let base = llm.baseUrl;
      let key = llm.key;
      if (input) {
        const checked = checkLlm(input, OLLAMA_URL);
        if (checked.status === "error") return checked;
        base = checked.data;
        if (input.apiKey != null) key = input.apiKey.trim() || null;
      }
      await new Promise((resolve) => setTimeout(resolve, deps.delayMs / 2));
      if (base.toLowerCase().includes("offline")) {
        return ok({
          models: [],
          problem: "not_running",
          detail: `nothing answers at ${base} (is the model server running?)`,
        });
      }
      if (key === "wrong")
        return ok({ models: [], problem: "unauthorized", detail: "the model server refused the API key" });
      return ok({ models: [...DEMO_MODELS], problem: null, detail: null });
    },

    async assistantRuns(conversationId: number): Promise<Result<AssistantRun[], ApiError>> {
      return ok(runs.filter((r) => r.conversationId === conversationId).map(copyRun));
    },

    async assistantDraft(conversationId: number): Promise<Result<AssistantRun | null, ApiError>> {
      const conversation = conversations.get(conversationId);
      if (!conversation) return fail("not_found", `conversation ${conversationId}`);
      ensureDraft(conversation);
      const mine = runs.filter((r) => r.conversationId === conversationId);
      const newest = mine[mine.length - 1];
      const answered =
        newest != null &&
        (inbox.messages.get(conversationId) ?? []).some((m) => m.direction === "out" && m.id > newest.triggerMessageId);
      return ok(newest && newest.outcome === "draft" && !newest.dismissed && !answered ? copyRun(newest) : null);
    },

    async dismissDraft(runId: number): Promise<Result<null, ApiError>> {
      const run = runs.find((r) => r.id === runId && r.outcome === "draft");
      if (!run) return fail("not_found", `draft ${runId}`);
      run.dismissed = true;
      emit({ type: "assistant_run", run: copyRun(run) });
      return ok(null);
    },
  };

  /** Forgets a conversation's runs (a Test chat customer was reset). */
  function forget(conversationId: number) {
    for (let i = runs.length - 1; i >= 0; i--) if (runs[i].conversationId === conversationId) runs.splice(i, 1);
    lastAutoReply.delete(conversationId);
  }

  return { commands, onCustomerMessage, forget };
}
