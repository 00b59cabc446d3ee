import { describe, expect, it } from "vitest";
import { api, type AssistantSettingsInput } from "../api";
import { inputOf } from "../assistant";
import { base64, makeProject, PRICES_CSV, useMock } from "./assistant-fixtures";

const until = async (check: () => boolean | Promise<boolean>, ms = 2000) => {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

async function settingsWith(projectId: number, patch: Partial<AssistantSettingsInput>) {
  return { ...inputOf(await api.assistantSettings(projectId)), ...patch };
}

describe("the in-memory assistant", () => {
  it("starts a project with the defaults and refuses what the engine refuses, in its words", async () => {
    useMock();
    const project = await makeProject();
    const settings = await api.assistantSettings(project.id);
    expect(settings).toMatchObject({
      mode: "off",
      persona: null,
      currency: "₽",
      autoReply: "off",
      autoReplyDelayS: 75,
      schedule: [],
    });
    expect(settings.defaultPersona).toContain("{CATALOG_URL}");
    expect(settings.effectiveTimeZone).not.toBe("");

    const refusal = (patch: Partial<AssistantSettingsInput>) =>
      settingsWith(project.id, patch).then((input) =>
        api.saveAssistantSettings(project.id, input).catch((e: unknown) => e),
      );
    await expect(refusal({ autoReply: "always" })).resolves.toMatchObject({
      code: "invalid_input",
      message: "the auto-reply is on but its text is empty",
    });
    await expect(refusal({ autoReply: "schedule", autoReplyText: "Hi" })).resolves.toMatchObject({
      message: "the auto-reply follows a schedule that has no intervals",
    });
    await expect(refusal({ catalogUrl: "ftp://shop.example" })).resolves.toMatchObject({
      message: "the catalogue link must start with https://",
    });
    await expect(refusal({ schedule: [{ days: ["mon"], start: "25:00", end: "09:00" }] })).resolves.toMatchObject({
      message: "“25:00” is not a time of day (HH:MM)",
    });
    await expect(refusal({ timeZone: "Mars/Olympus" })).resolves.toMatchObject({
      message: "unknown time zone “Mars/Olympus”",
    });
    await expect(api.assistantSettings(999)).rejects.toMatchObject({ error: { code: "not_found" } });
  });

  it("sends the auto-reply once when the assistant cannot answer", async () => {
    useMock();
    const project = await makeProject();
    await api.saveAssistantSettings(
      project.id,
      await settingsWith(project.id, { autoReply: "always", autoReplyText: "We answer soon." }),
    );
    await api.setTestChatProject(project.id);
    const llm = await api.llmSettings();
    await api.saveLlmSettings({ ...llm, model: "", apiKey: null });
    const first = await api.testChatWrite({ customer: "Anna", text: "Hello?", channel: null });
    await until(async () => (await api.getConversation(first.conversationId)).messages.length === 2);
    const { messages, conversation } = await api.getConversation(first.conversationId);
    expect(messages[1]).toMatchObject({ authorKind: "auto_reply", text: "We answer soon.", held: false });
    expect(conversation.status).toBe("needs_human");
    const runs = await api.assistantRuns(first.conversationId);
    expect(runs).toMatchObject([{ outcome: "failed", text: "no model is chosen", messageId: null }]);

    await api.testChatWrite({ customer: "Anna", text: "Anyone?", channel: "whatsapp" });
    await until(async () => (await api.assistantRuns(first.conversationId)).length === 2);
    await new Promise((r) => setTimeout(r, 80));
    expect(
      (await api.getConversation(first.conversationId)).messages.filter((m) => m.authorKind === "auto_reply"),
    ).toHaveLength(1);
  });

  it("holds the team's replies when the guard covers people, and sends them when it opens", async () => {
    useMock();
    await api.setOutboxGuard("off", true);
    const { conversationId } = await api.simulateInbound("Anna", "Hello");
    // The Test chat is never held.
    expect((await api.sendReply(conversationId, "Hi")).held).toBe(false);
    const page = await api.listConversations({ search: "Igor" });
    const reply = await api.sendReply(page.items[0].id, "Your order is on its way");
    expect(reply).toMatchObject({ held: true, delivery: "pending" });
    expect((await api.outboxGuard()).held).toBe(2);
    await api.setOutboxGuard("on", true);
    await until(async () =>
      (await api.getConversation(page.items[0].id)).messages.some((m) => m.id === reply.id && m.delivery === "sent"),
    );
    expect((await api.outboxGuard()).held).toBe(0);
  });

  it("refuses catalogues it cannot take, with the limit", async () => {
    useMock();
    const project = await makeProject();
    await expect(api.importCatalogue(project.id, "prices.txt", base64(PRICES_CSV))).resolves.toMatchObject({
      result: "refused",
      problem: "unsupported",
    });
    await expect(api.importCatalogue(project.id, "prices.csv", "")).resolves.toMatchObject({ problem: "empty" });
    const huge = "A".repeat(Math.ceil((21 * 1024 * 1024 * 4) / 3));
    await expect(api.importCatalogue(project.id, "prices.xlsx", huge)).resolves.toMatchObject({
      problem: "too_large",
      max_bytes: 20 * 1024 * 1024,
    });
    await expect(api.importCatalogue(project.id, "prices.xlsx", base64("not a workbook"))).resolves.toMatchObject({
      problem: "unreadable",
    });
    const imported = await api.importCatalogue(project.id, "prices.xlsx", base64("PK\u0003\u0004demo"));
    expect(imported).toMatchObject({ result: "imported", catalogue: { format: "xlsx", rowCount: 5 } });
    const page = await api.catalogueRows(project.id, "sofa", 0, 10);
    expect(page.total).toBe(1);
    expect(page.rows[0]).toMatchObject({ sheet: "Sheet1", position: 0 });
  });
});
