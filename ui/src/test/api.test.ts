import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { api, ApiFailure, setBackend, subscribe, type ConversationPage, type EngineEvent, type MailServers } from "../api";
import { commands as engineCommands } from "../bindings";
import { createMockBackend } from "../mock";

function collect() {
  const events: EngineEvent[] = [];
  const stop = subscribe((e) => events.push(e));
  return { events, stop };
}

const until = async (check: () => boolean | Promise<boolean>, ms = 2000) => {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("the api", () => {
  it("has every engine command of the bindings, and nothing else", () => {
    expect(Object.keys(api).sort()).toEqual(Object.keys(engineCommands).sort());
    // Typed from the bindings: a Result's data, or a plain answer as it is.
    expectTypeOf(api.listConversations).parameters.toEqualTypeOf<Parameters<typeof engineCommands.listConversations>>();
    expectTypeOf(api.listConversations).returns.resolves.toEqualTypeOf<ConversationPage>();
    expectTypeOf(api.markRead).returns.resolves.toEqualTypeOf<null>();
    expectTypeOf(api.guessMailServers).returns.resolves.toEqualTypeOf<MailServers>();
  });

  it("unwraps results and throws ApiFailure with the engine's code", async () => {
    setBackend(createMockBackend({ locale: "en" }));
    const page = await api.listConversations({ status: null, channel: null, search: null, offset: 0, limit: 100 });
    expect(page.total).toBe(6);
    expect(page.items).toHaveLength(6);
    // Newest first.
    const times = page.items.map((c) => c.lastMessageAt);
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const failure = await api.getConversation(9999).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiFailure);
    expect((failure as ApiFailure).code).toBe("not_found");
  });

  it("passes a command's plain answer through as it is", async () => {
    const backend = createMockBackend({ seed: false });
    setBackend(backend);
    const servers = {
      imap: { host: "outlook.office365.com", port: 993, security: "tls" as const },
      smtp: { host: "smtp.office365.com", port: 587, security: "starttls" as const },
    };
    backend.answerNext("guessMailServers", servers);
    expect(await api.guessMailServers("anna@outlook.com")).toEqual(servers);
  });

  it("calls the backend set last, even through a reference taken before", async () => {
    const first = createMockBackend({ seed: false });
    const second = createMockBackend({ seed: false });
    const listProjects = api.listProjects;
    setBackend(first);
    await api.createProject({ name: "First", language: "en" });
    setBackend(second);
    expect(await listProjects()).toEqual([]);
    setBackend(first);
    expect((await listProjects()).map((p) => p.name)).toEqual(["First"]);
  });
});

describe("scripting the in-memory engine", () => {
  it("answers a scripted refusal or result once, then as before", async () => {
    const backend = createMockBackend({ locale: "en" });
    setBackend(backend);
    backend.failNext("createProject", { code: "invalid_input", message: "a project needs a name" });
    await expect(api.createProject({ name: " ", language: "en" })).rejects.toMatchObject({
      error: { code: "invalid_input", message: "a project needs a name" },
    });
    expect(await api.listProjects()).toEqual([]);

    backend.answerNext("statusCounts", {
      status: "ok",
      data: { all: 1, awaitingResponse: 1, answeredByAssistant: 0, needsHuman: 0, closed: 0, snoozed: 0 },
    });
    expect((await api.statusCounts()).all).toBe(1);
    expect((await api.statusCounts()).all).toBe(6);
    expect((await api.createProject({ name: "Shop", language: "en" })).name).toBe("Shop");
  });
});

describe("the in-memory engine", () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it("pages and filters", async () => {
    setBackend(createMockBackend({ locale: "en", seed: false, bulk: 250 }));
    const second = await api.listConversations({ status: null, channel: null, search: null, offset: 100, limit: 100 });
    expect(second.total).toBe(250);
    expect(second.offset).toBe(100);
    expect(second.items).toHaveLength(100);
    const closed = await api.listConversations({ status: "closed", channel: null, search: null, offset: 0, limit: 500 });
    expect(closed.items.every((c) => c.status === "closed")).toBe(true);
    const counts = await api.statusCounts();
    expect(counts.closed).toBe(closed.total);
    expect(counts.all).toBe(250);
  });

  it("emits the same events as the engine for simulated messages and replies", async () => {
    setBackend(createMockBackend({ locale: "en", seed: false, deliveryDelayMs: 20 }));
    const sink = collect();
    stop = sink.stop;

    const outcome = await api.simulateInbound("Anna", "Hello!");
    await until(() => sink.events.length >= 3);
    expect(sink.events.map((e) => e.type).sort()).toEqual(["conversation_changed", "message_added", "simulator_entry"]);

    const reply = await api.sendReply(outcome.conversationId, "Hi Anna", [], null, null);
    expect(reply.delivery).toBe("pending");
    await until(() => sink.events.some((e) => e.type === "message_updated"));
    const updated = sink.events.find((e) => e.type === "message_updated");
    expect(updated?.type === "message_updated" && updated.message.delivery).toBe("sent");
    await until(() => sink.events.filter((e) => e.type === "simulator_entry").length === 2);

    const transcript = await api.simulatorTranscript("Anna");
    expect(transcript.map((e) => [e.direction, e.text])).toEqual([
      ["in", "Hello!"],
      ["out", "Hi Anna"],
    ]);
  });

  it("keeps projects, brings a connected bot online and says so of its account with account_changed", async () => {
    setBackend(createMockBackend({ locale: "en", botStartMs: 10 }));
    const sink = collect();
    stop = sink.stop;

    const project = await api.createProject({ name: "Shop", language: "ru" });
    expect(project).toMatchObject({ name: "Shop", language: "ru", bot: null, workGroup: null, sources: [] });
    await until(() => sink.events.some((e) => e.type === "project_changed" && e.project_id === project.id));

    const connected = await api.connectBot(project.id, { token: "42:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", apiUrl: null });
    expect(connected.bot).toMatchObject({ username: "demo_shop_bot", state: "connecting" });
    expect(connected.sources.map((a) => a.kind)).toEqual(["telegram_bot"]);
    const botAccount = connected.bot!.accountId;
    // The bot's state is its channel account's: online comes as account_changed, not project_changed.
    const projectEvents = () => sink.events.filter((e) => e.type === "project_changed").length;
    await until(async () => (await api.listProjects())[0].bot?.state === "online");
    await until(() => sink.events.filter((e) => e.type === "account_changed" && e.account_id === botAccount).length >= 2);
    // Created, and the bot connected; coming online was the account's change only.
    expect(projectEvents()).toBe(2);
    expect((await api.listAccounts()).find((a) => a.id === botAccount)?.status).toMatchObject({
      state: "connected",
      detail: "online",
      lastError: null,
      lastConnectedAt: expect.any(Number),
    });

    await api.setProjectSources(project.id, [4]);
    const avito = await api.listConversations({ channel: "avito" });
    expect(avito.items.every((c) => c.projectId === project.id)).toBe(true);

    // Deleting a project leaves its conversations in the inbox.
    await api.deleteProject(project.id);
    expect(await api.listProjects()).toEqual([]);
    const after = await api.listConversations({});
    expect(after.total).toBe(6);
    expect(after.items.every((c) => c.projectId === null)).toBe(true);
  });

  it("answers in the Test chat of a project with the demo's canned reply, unless a test scripted the turn", async () => {
    const backend = createMockBackend({ locale: "en", seed: false, deliveryDelayMs: 5, assistantDelayMs: 5 });
    setBackend(backend);
    const project = await api.createProject({ name: "Shop", language: "en" });
    await api.setTestChatProject(project.id);
    const { conversationId } = await api.testChatWrite({ customer: "Anna", text: "Hello!", channel: null });
    const runs = async (count: number) => (await api.assistantRuns(conversationId)).length === count;
    await until(() => runs(1));
    const [answer] = await api.assistantRuns(conversationId);
    expect(answer).toMatchObject({ outcome: "answered", text: expect.stringContaining("demo assistant") });
    expect((await api.getConversation(conversationId)).messages.at(-1)).toMatchObject({
      authorKind: "assistant",
      id: answer.messageId,
    });

    backend.assistantNext({ outcome: "handoff", text: "the customer asks for a person" });
    await api.testChatWrite({ customer: "Anna", text: "A person, please", channel: null });
    await until(() => runs(2));
    expect((await api.assistantRuns(conversationId))[1]).toMatchObject({
      outcome: "handoff",
      text: "the customer asks for a person",
      messageId: null,
    });
  });

  it("keeps uploaded files and sends them with a reply", async () => {
    setBackend(createMockBackend({ locale: "en", seed: false, deliveryDelayMs: 5 }));
    const outcome = await api.simulateInbound("Anna", "Hello!");
    const file = await api.uploadAttachment("cat.jpg", "image/jpeg", "aGVsbG8=");
    expect(file).toMatchObject({ name: "cat.jpg", mime: "image/jpeg", size: 5, url: expect.stringMatching(/^file:/) });
    expect(await api.readAttachment(file.url!)).toBe("aGVsbG8=");
    const reply = await api.sendReply(outcome.conversationId, "", [file], null, null);
    expect(reply.attachments).toEqual([file]);
    expect(await api.messageHtml(reply.id)).toBeNull();
  });
});
