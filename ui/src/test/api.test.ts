import { afterEach, describe, expect, it } from "vitest";
import { api, ApiFailure, setBackend, subscribe, type EngineEvent, type MailboxInput } from "../api";
import { createMockBackend } from "../mock";

function collect() {
  const events: EngineEvent[] = [];
  const stop = subscribe((e) => events.push(e));
  return { events, stop };
}

const until = async (check: () => boolean, ms = 2000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("api over the in-memory engine", () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

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

    const reply = await api.sendReply(outcome.conversationId, "Hi Anna");
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

  it("follows the engine's status rules for a customer's new message", async () => {
    setBackend(createMockBackend({ locale: "en", seed: false }));
    const first = await api.simulateInbound("Anna", "Hello");
    await api.setConversationStatus(first.conversationId, "closed");
    await api.simulateInbound("Anna", "One more question");
    expect((await api.getConversation(first.conversationId)).conversation.status).toBe("awaiting_response");

    await api.setConversationStatus(first.conversationId, "needs_human");
    await api.simulateInbound("Anna", "Hello?");
    expect((await api.getConversation(first.conversationId)).conversation.status).toBe("needs_human");
  });

  it("rejects empty input", async () => {
    setBackend(createMockBackend({ seed: false }));
    await expect(api.simulateInbound("", "text")).rejects.toMatchObject({ error: { code: "invalid_input" } });
    await expect(api.simulateInbound("Anna", "  ")).rejects.toMatchObject({ error: { code: "invalid_input" } });
  });

  it("keeps projects as the engine does, and says so with project_changed", async () => {
    setBackend(createMockBackend({ locale: "en", botStartMs: 10 }));
    const sink = collect();
    stop = sink.stop;

    await expect(api.createProject({ name: "  ", language: "en" })).rejects.toMatchObject({
      error: { code: "invalid_input", message: "a project needs a name" },
    });
    const project = await api.createProject({ name: " Shop ", language: "ru" });
    expect(project).toMatchObject({ name: "Shop", language: "ru", bot: null, workGroup: null, sources: [] });
    await until(() => sink.events.some((e) => e.type === "project_changed" && e.project_id === project.id));

    await expect(api.connectBot(project.id, { token: "12345", apiUrl: null })).rejects.toMatchObject({
      error: { code: "invalid_input", message: expect.stringContaining("this does not look like a bot token") },
    });
    const connected = await api.connectBot(project.id, { token: "42:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", apiUrl: null });
    expect(connected.bot).toMatchObject({ username: "demo_shop_bot", state: "connecting", apiUrl: "https://api.telegram.org" });
    expect(connected.sources.map((a) => a.kind)).toEqual(["telegram_bot"]);
    await until(() => sink.events.filter((e) => e.type === "project_changed").length >= 3);
    expect((await api.listProjects())[0].bot?.state).toBe("online");
    // One bot serves one project.
    const other = await api.createProject({ name: "Other", language: "en" });
    await expect(
      api.connectBot(other.id, { token: "42:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", apiUrl: null }),
    ).rejects.toMatchObject({ error: { message: "@demo_shop_bot is already the bot of project “Shop”" } });

    const accounts = await api.listChannelAccounts();
    expect(accounts.find((a) => a.kind === "simulator")).toMatchObject({ name: "Test chat", projectId: null });
    await api.setProjectSources(project.id, [4]);
    const avito = await api.listConversations({ channel: "avito" });
    expect(avito.items.every((c) => c.projectId === project.id)).toBe(true);

    // Deleting a project leaves its conversations in the inbox.
    await api.deleteProject(project.id);
    expect((await api.listProjects()).map((p) => p.name)).toEqual(["Other"]);
    const after = await api.listConversations({});
    expect(after.total).toBe(6);
    expect(after.items.every((c) => c.projectId === null)).toBe(true);
    await expect(api.deleteProject(project.id)).rejects.toMatchObject({ error: { code: "not_found" } });
  });

  it("checks mailboxes as the engine does, and says so with mailbox_changed", async () => {
    setBackend(createMockBackend({ locale: "en", seed: false, mailStartMs: 5, mailImportMs: 20, mailProbeMs: 0 }));
    const sink = collect();
    stop = sink.stop;
    const servers = await api.guessMailServers("Anna@Outlook.com");
    expect(servers).toEqual({
      imap: { host: "outlook.office365.com", port: 993, security: "tls" },
      smtp: { host: "smtp.office365.com", port: 587, security: "starttls" },
    });
    const input: MailboxInput = {
      name: "Sales",
      address: "sales@shop.example",
      login: null,
      password: "secret",
      imap: { host: "imap.shop.example", port: 993, security: "tls" },
      smtp: { host: "smtp.shop.example", port: 465, security: "tls" },
      folder: null,
      moveTo: null,
      pollIntervalS: null,
      importDays: 0,
      projectId: null,
    };
    const refused = (patch: Partial<MailboxInput>) => api.addMailbox({ ...input, ...patch }).catch((e: unknown) => e);
    expect(await refused({ name: " " })).toMatchObject({ error: { code: "invalid_input", message: "a mailbox needs a name of 1 to 80 characters" } });
    expect(await refused({ address: "sales" })).toMatchObject({ error: { message: "`sales` is not an e-mail address" } });
    expect(await refused({ imap: { ...input.imap, host: "" } })).toMatchObject({ error: { message: "the IMAP server needs a host name" } });
    expect(await refused({ smtp: { ...input.smtp, port: 0 } })).toMatchObject({ error: { message: "the SMTP server needs a port" } });
    expect(await refused({ password: null })).toMatchObject({ error: { message: "the mailbox needs a password" } });
    expect(await refused({ pollIntervalS: 5 })).toMatchObject({ error: { message: expect.stringContaining("between 10 and 3600") } });
    expect(await refused({ smtp: { ...input.smtp, port: 587 } })).toMatchObject({
      error: { code: "unavailable", message: "SMTP: received corrupt message of type InvalidContentType" },
    });
    expect(await api.testMailbox({ ...input, folder: "Missing" }, null)).toEqual({
      imap: { problem: "folder", message: "Mailbox doesn't exist: Missing" },
      smtp: null,
    });

    const added = await api.addMailbox({ ...input, address: " Sales@Shop.example " });
    expect(added).toMatchObject({ address: "sales@shop.example", login: "sales@shop.example", folder: "INBOX", pollIntervalS: 60, state: "connecting" });
    await until(() => sink.events.some((e) => e.type === "mailbox_changed" && e.account_id === added.accountId));
    // Only new mail was asked for: no import, straight to listening.
    await until(() => sink.events.filter((e) => e.type === "mailbox_changed").length >= 2);
    expect((await api.listMailboxes()).find((m) => m.accountId === added.accountId)?.state).toBe("listening");
    await expect(api.addMailbox(input)).rejects.toMatchObject({ error: { message: "sales@shop.example is already connected" } });
    const accounts = await api.listChannelAccounts();
    expect(accounts.find((a) => a.id === added.accountId)).toMatchObject({ kind: "email", name: "Sales", enabled: true });

    await api.removeMailbox(added.accountId);
    expect((await api.listMailboxes()).map((m) => m.address)).toEqual(["shop@tuberry.example"]);
    await expect(api.removeMailbox(added.accountId)).rejects.toMatchObject({ error: { code: "not_found" } });
  });

  it("connects Avito accounts by the demo's rules, and says so with avito_changed", async () => {
    setBackend(createMockBackend({ locale: "en", seed: false, avitoStartMs: 10 }));
    const sink = collect();
    stop = sink.stop;
    const input = { clientId: "shop-1", clientSecret: "secret", apiUrl: null };
    await expect(api.connectAvito({ ...input, clientId: " " })).rejects.toMatchObject({ error: { code: "invalid_input" } });
    await expect(api.connectAvito({ ...input, apiUrl: "ftp://x" })).rejects.toMatchObject({
      error: { message: "`ftp://x` is not an http(s) address" },
    });
    expect(await api.connectAvito({ ...input, clientSecret: "wrong" })).toMatchObject({
      outcome: "refused",
      error: { problem: "credentials" },
    });
    expect(await api.connectAvito({ ...input, clientId: "offline-1" })).toMatchObject({
      outcome: "refused",
      error: { problem: "connect" },
    });

    const connected = await api.connectAvito(input);
    if (connected.outcome !== "connected") throw new Error("not connected");
    const { account } = connected;
    expect(account).toMatchObject({ name: "Demo Avito shop", clientId: "shop-1", state: "connecting", lastError: null });
    await until(() => sink.events.some((e) => e.type === "avito_changed" && e.account_id === account.id));
    await until(() => sink.events.filter((e) => e.type === "avito_changed").length >= 2);
    expect((await api.listAvitoAccounts()).find((a) => a.id === account.id)).toMatchObject({ state: "online" });
    expect(await api.connectAvito(input)).toMatchObject({ outcome: "refused", error: { problem: "duplicate" } });
    expect((await api.listChannelAccounts()).find((a) => a.id === account.id)).toMatchObject({ kind: "avito" });

    const basic = await api.connectAvito({ ...input, clientId: "basic-2" });
    expect(basic).toMatchObject({
      outcome: "connected",
      account: { name: "Demo Avito shop 2", state: "offline", lastError: { problem: "tariff" } },
    });

    expect(await api.setAvitoWebhook(account.id, "https://shop.example/")).toMatchObject({
      webhookUrl: "https://shop.example",
    });
    expect(await api.setAvitoWebhook(account.id, null)).toMatchObject({ webhookUrl: null });
    await api.removeAvito(account.id);
    expect((await api.listAvitoAccounts()).map((a) => a.name)).toEqual(["Avito · Furniture & goods", "Demo Avito shop 2"]);
    await expect(api.pollAvito(account.id)).rejects.toMatchObject({ error: { code: "not_found" } });
  });

  it("searches contacts and merges one into another as the engine does", async () => {
    setBackend(createMockBackend({ locale: "en", seed: false }));
    const anna = await api.simulateInbound("Anna", "Hello!");
    const other = await api.simulateInbound("Anna K", "Me again");
    const keep = (await api.getConversation(anna.conversationId)).contact.id;
    const merged = (await api.getConversation(other.conversationId)).contact.id;
    expect((await api.searchContacts("anna")).map((c) => c.displayName).sort()).toEqual(["Anna", "Anna K"]);
    await expect(api.mergeContacts(keep, keep)).rejects.toMatchObject({ error: { code: "invalid_input" } });

    const contact = await api.mergeContacts(keep, merged);
    expect(contact).toMatchObject({ id: keep, displayName: "Anna", conversationCount: 2 });
    expect(contact.identities.map((i) => i.value)).toEqual(["Anna", "Anna K"]);
    expect((await api.getConversation(other.conversationId)).conversation).toMatchObject({
      contactId: keep,
      contactName: "Anna",
    });
    expect((await api.searchContacts("")).map((c) => c.id)).toEqual([keep]);
    await expect(api.mergeContacts(keep, merged)).rejects.toMatchObject({ error: { code: "not_found" } });
  });

  it("keeps uploaded files and refuses replies with files it does not have", async () => {
    setBackend(createMockBackend({ locale: "en", seed: false, deliveryDelayMs: 5 }));
    const outcome = await api.simulateInbound("Anna", "Hello!");
    const file = await api.uploadAttachment("C:\\photos\\cat.jpg", "image/jpeg", "aGVsbG8=");
    expect(file).toMatchObject({ kind: "image", name: "cat.jpg", mime: "image/jpeg", size: 5, url: expect.stringMatching(/^file:[0-9a-f]{64}$/) });
    expect(await api.readAttachment(file.url!)).toBe("aGVsbG8=");
    await expect(api.uploadAttachment("empty.txt", null, "")).rejects.toMatchObject({ error: { message: "“empty.txt” is empty" } });
    await expect(api.sendReply(outcome.conversationId, "  ", [])).rejects.toMatchObject({ error: { message: "the reply is empty" } });
    await expect(
      api.sendReply(outcome.conversationId, "see", [{ ...file, url: "tg:123" }]),
    ).rejects.toMatchObject({ error: { message: "the file “cat.jpg” was not uploaded" } });
    const reply = await api.sendReply(outcome.conversationId, "", [file]);
    expect(reply.attachments).toEqual([file]);
    expect(await api.messageHtml(reply.id)).toBeNull();
  });
});
