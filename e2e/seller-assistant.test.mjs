// End to end: a seller sets up the assistant in the desktop app — the model
// server, a persona, a catalogue — talks to it in the Test chat as an Avito
// buyer, and turns on drafts and a night-time auto-reply. The model server is
// the local stand-in (`tuberry-fakes llm`, started by run.sh) that checks
// every request against OpenAI's chat completions schema; this test scripts
// its answers and reads what it was asked through its control API.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { byTestId, openApp, shot, text, waitForReplyToCustomer } from "./window.mjs";

const LLM = process.env.TUBERRY_FAKE_LLM;
const KEY = "sk-e2e-0123456789";
const PROJECT = "Sofa Town";
const PERSONA = "Ты — консультант «{BRAND}». Покупатель пишет в {CHANNEL}; отвечай коротко.";
const CATALOGUE = "Название;Цена;Наличие\nДиван Честер;45990;в наличии\nКресло Бостон;18990;под заказ\nСтол Лофт;23500;в наличии\n";
const QUESTION = "Сколько стоит диван Честер?";
const REPLY = "Диван Честер стоит 45 990 ₽, он в наличии.";
let browser;

async function control(method, path, body) {
  const response = await fetch(`${LLM}/_control${path}`, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

async function el(id, timeout = 10_000) {
  const element = await browser.$(byTestId(id));
  await element.waitForDisplayed({ timeout, timeoutMsg: `${id} is not shown` });
  return element;
}

async function openAssistant() {
  await (await el("nav-assistant", 20_000)).click();
}

async function openProject() {
  await openAssistant();
  const row = await browser.$(`${byTestId("assistant-project-row")}*=${PROJECT}`);
  await row.waitForDisplayed({ timeout: 10_000 });
  await row.click();
  await el("assistant-project");
}

before(async () => {
  assert.ok(LLM, "run.sh starts the model server stand-in");
  browser = await openApp();
});

after(async () => {
  if (browser) {
    await browser.deleteSession();
  }
  assert.deepEqual(await control("GET", "/spec-errors"), [], "every request fit OpenAI's schema");
});

test("a seller points the app at a model server, writes a persona and uploads a catalogue", async () => {
  await (await el("nav-projects", 20_000)).click();
  await (await el("project-new")).click();
  await (await el("project-name-input")).setValue(PROJECT);
  await (await el("project-save")).click();
  await el("project-detail");

  await openAssistant();
  await (await el("assistant-llm-row")).click();
  await (await el("llm-provider")).selectByAttribute("value", "openai_compatible");
  const baseUrl = await el("llm-base-url");
  await baseUrl.clearValue();
  await baseUrl.setValue(`${LLM}/v1`);
  await (await el("llm-api-key")).setValue(KEY);
  await (await el("llm-refresh")).click();
  const model = await browser.$(`select${byTestId("llm-model")}`);
  await browser.waitUntil(async () => (await model.isExisting()) && (await model.$("option[value='qwen2.5:7b']").isExisting()), {
    timeout: 10_000,
    timeoutMsg: "the server's models are never listed",
  });
  await model.selectByAttribute("value", "qwen2.5:7b");
  await (await el("llm-save")).click();
  await browser.waitUntil(async () => !(await (await el("llm-save")).isEnabled()), {
    timeout: 10_000,
    timeoutMsg: "the model settings are never saved",
  });

  await openProject();
  const persona = await el("persona-input");
  await persona.clearValue();
  await persona.setValue(PERSONA);
  await (await el("persona-save")).click();
  await el("persona-saved");

  // A file picked in the catalogue's file input.
  const input = await browser.$(byTestId("catalogue-file"));
  await browser.execute(
    (node, csv) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([csv], "прайс.csv", { type: "text/csv" }));
      node.files = transfer.files;
      node.dispatchEvent(new Event("change", { bubbles: true }));
    },
    input,
    CATALOGUE,
  );
  const rows = await el("catalogue-row-count", 20_000);
  await browser.waitUntil(async () => (await text(rows)).includes("3"), {
    timeout: 20_000,
    timeoutMsg: "the catalogue's three rows never show",
  });
  assert.match(await text(await el("catalogue-file-name")), /прайс\.csv/);
  await browser.pause(300);
  await shot(browser, "assistant");
});

test("the Test chat talks to the assistant as an Avito buyer and shows the catalogue rows it used", async () => {
  await control("POST", "/replies", { text: REPLY });
  await (await el("nav-inbox")).click();
  await (await el("test-chat-toggle")).click();
  await el("test-chat-panel");
  await (await el("test-chat-project")).selectByVisibleText(PROJECT);
  await (await el("test-chat-channel")).selectByAttribute("value", "avito");
  const name = await el("test-chat-customer");
  await name.clearValue();
  await name.setValue("Ирина");
  await (await el("test-chat-input")).setValue(QUESTION);
  await (await el("test-chat-send")).click();
  await waitForReplyToCustomer(browser, REPLY, "the assistant's answer never reaches the Test chat", 30_000);
  const used = await el("run-rows", 15_000);
  assert.equal(await used.getAttribute("data-count"), "1");

  const requests = await control("GET", "/requests");
  const asked = requests.at(-1);
  assert.equal(asked.authorization, `Bearer ${KEY}`);
  assert.equal(asked.body.model, "qwen2.5:7b");
  const system = asked.body.messages[0].content;
  assert.ok(system.startsWith("Ты — консультант «Sofa Town». Покупатель пишет в Avito;"), system);
  assert.ok(system.includes("Название: Диван Честер; Цена: 45990; Наличие: в наличии"), system);
  assert.ok(system.includes("answer in Russian"), system);
  assert.equal(asked.body.messages.at(-1).content, QUESTION);
  await browser.pause(300);
  await shot(browser, "test-chat-assistant");
  await (await el("test-chat-toggle")).click();
});

test("drafts and a night-time auto-reply are turned on and stay on", async () => {
  await openProject();
  await (await el("assistant-mode-drafts")).click();
  await browser.waitUntil(async () => (await text(await el("assistant-mode-badge"))).length > 0, { timeout: 5_000 });
  await (await el("auto-reply-mode")).selectByAttribute("value", "schedule");
  await (await el("schedule-preset")).click();
  await (await el("auto-reply-text")).setValue("Спасибо! Мы ответим утром.");
  await (await el("auto-reply-save")).click();
  await el("auto-reply-saved");

  // Away and back: what was saved is what is shown.
  await (await el("nav-inbox")).click();
  await openProject();
  assert.equal(await (await el("assistant-mode-drafts")).isSelected(), true, "drafts mode kept");
  assert.equal(await (await el("auto-reply-mode")).getValue(), "schedule");
  const intervals = await browser.$$(byTestId("schedule-interval"));
  assert.ok(intervals.length >= 2, `weeknights and weekends kept: ${intervals.length}`);
  assert.equal(await (await el("auto-reply-text")).getValue(), "Спасибо! Мы ответим утром.");
  await shot(browser, "auto-reply");
});
