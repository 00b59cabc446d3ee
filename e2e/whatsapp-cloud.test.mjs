// End to end: the seller adds a WhatsApp Business Cloud API number to the
// project that projects.test.mjs set up (bot and work group), in the
// window's dialog. Meta is the fake of its Graph API (`tuberry-fakes
// whatsapp-cloud`, named in settings.toml by run.sh as
// `[whatsapp] cloud_api_url`) and Telegram the fake Bot API; this test plays
// Meta through the fake's control API: it checks the webhook address with the
// verify token, posts the customer's message signed with the app secret to
// the LAN endpoint, and reads what the number sent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { byTestId, openApp, poll, shot, text } from "./window.mjs";

const artifacts = process.env.TUBERRY_E2E_ARTIFACTS;
const graph = process.env.TUBERRY_FAKE_WHATSAPP_CLOUD;
const telegram = process.env.TUBERRY_FAKE_TELEGRAM;
const NUMBER = {
  phoneNumberId: "106540352242922",
  displayPhone: "15550783881",
  token: "EAAGflowersE2eToken0123456789abcdef",
};
const APP_SECRET = "4f9a2c1e8b7d6a5f4e3d2c1b0a998877";
const CUSTOMER = "79035550123";
const CUSTOMER_NAME = "Надежда Орлова";
/** A customer who wrote more than a day ago: only a template reaches her now. */
const LATE = { wa: "79035550456", name: "Вера Смирнова" };
const WABA = "102290129340398";
const TEMPLATES = [
  {
    name: "order_ready",
    language: "ru",
    status: "APPROVED",
    category: "UTILITY",
    header: null,
    body: "Здравствуйте, {{1}}! Ваш заказ {{2}} готов, ждём вас в лавке.",
    footer: "Цветочная лавка",
  },
  {
    name: "spring_sale",
    language: "ru",
    status: "REJECTED",
    category: "MARKETING",
    header: null,
    body: "Весенняя распродажа!",
    footer: null,
  },
];
let browser;

async function call(base, method, path, body) {
  const response = await fetch(`${base}/_control${path}`, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
  return response.status === 204 ? null : response.json();
}

/** A port nothing listens on now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A customer's text to the number, as Meta's webhook carries it (sent `agoMs` ago). */
function messageWebhook(id, body, customer = { wa: CUSTOMER, name: CUSTOMER_NAME }, agoMs = 0) {
  const timestamp = String(Math.floor((Date.now() - agoMs) / 1000));
  const value = {
    messaging_product: "whatsapp",
    metadata: { display_phone_number: NUMBER.displayPhone, phone_number_id: NUMBER.phoneNumberId },
    contacts: [{ profile: { name: customer.name }, wa_id: customer.wa }],
    messages: [{ from: customer.wa, id, timestamp, type: "text", text: { body } }],
  };
  return {
    object: "whatsapp_business_account",
    entry: [{ id: `waba-${NUMBER.phoneNumberId}`, changes: [{ field: "messages", value }] }],
  };
}

async function setLanEndpoint(listen) {
  await (await browser.$(byTestId("nav-settings"))).click();
  await (await browser.$(byTestId("settings-lan"))).waitForDisplayed({ timeout: 10_000 });
  const status = await browser.$(byTestId("settings-lan-status"));
  if (listen) {
    const field = await browser.$(byTestId("settings-lan-address"));
    await field.clearValue();
    await field.setValue(listen);
    await (await browser.$(byTestId("settings-lan-save"))).click();
    await browser.waitUntil(async () => (await text(status)).includes(listen), {
      timeout: 10_000,
      timeoutMsg: "the LAN endpoint listens",
    });
  } else {
    await (await browser.$(byTestId("settings-lan-off"))).click();
    await browser.waitUntil(async () => (await (await browser.$(byTestId("settings-lan"))).getAttribute("data-on")) === "false", {
      timeout: 10_000,
      timeoutMsg: "the LAN endpoint turns off",
    });
  }
}

/** The Graph API messages the number sent to the customer with `body`. */
async function sentText(body) {
  const sent = await call(graph, "GET", "/sent");
  return sent.find(
    (s) => s.phoneNumberId === NUMBER.phoneNumberId && s.body.to === CUSTOMER && s.body.text?.body === body,
  );
}

before(async () => {
  assert.ok(graph, "run.sh starts the fake Graph API");
  await call(graph, "POST", "/numbers", NUMBER);
  browser = await openApp();
});

after(async () => {
  if (browser) await browser.deleteSession();
  const specErrors = await call(graph, "GET", "/spec-errors");
  assert.deepEqual(specErrors, [], "every request and webhook matched Meta's description");
});

test("a Cloud API number is added in the window, and its customer is answered from the inbox and the topic", async () => {
  const group = (await readFile(join(artifacts, "group.txt"), "utf8")).trim();
  // Meta's webhooks need the LAN endpoint.
  const lan = `127.0.0.1:${await freePort()}`;
  await setLanEndpoint(lan);

  // The seller adds the number; the dialog shows what Meta's settings need.
  await (await browser.$(byTestId("nav-accounts"))).click();
  await (await browser.$(byTestId("accounts-add-whatsapp-cloud"))).click();
  const phoneNumberId = await browser.$(byTestId("wa-cloud-phoneNumberId"));
  await phoneNumberId.waitForDisplayed({ timeout: 10_000 });
  await phoneNumberId.setValue(NUMBER.phoneNumberId);
  await (await browser.$(byTestId("wa-cloud-accessToken"))).setValue(NUMBER.token);
  await (await browser.$(byTestId("wa-cloud-appSecret"))).setValue(APP_SECRET);
  await (await browser.$(byTestId("wa-cloud-add"))).click();
  await (await browser.$(byTestId("wa-cloud-added"))).waitForDisplayed({ timeout: 15_000 });
  const webhook = (await text(await browser.$(byTestId("wa-cloud-webhook-url")))).trim();
  const verifyToken = (await text(await browser.$(byTestId("wa-cloud-verify-token")))).trim();
  const match = new RegExp(`^http://${lan.replaceAll(".", "\\.")}/webhooks/whatsapp/(\\d+)$`).exec(webhook);
  assert.ok(match, `the webhook address is on the LAN endpoint: ${webhook}`);
  const accountId = match[1];
  assert.match(verifyToken, /^[A-Za-z0-9]{32}$/, "a verify token is made up when none is given");
  await browser.pause(1_000);
  await shot(browser, "whatsapp-cloud");

  // Meta checks the address with the verify token.
  const check = `${webhook}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(verifyToken)}&hub.challenge=1158201444`;
  const verified = await fetch(check);
  assert.equal(verified.status, 200);
  assert.equal(await verified.text(), "1158201444", "the challenge is echoed");
  const refused = await fetch(check.replace(verifyToken, "not-the-token"));
  assert.equal(refused.status, 403, "a wrong verify token is refused");

  await (await browser.$(byTestId("wa-cloud-done"))).click();
  const row = await browser.$(`${byTestId("account-row")}[data-account-id="${accountId}"]`);
  await row.waitForDisplayed({ timeout: 10_000 });
  assert.equal(await row.getAttribute("data-kind"), "whatsapp");
  await browser.waitUntil(async () => (await row.getAttribute("data-state")) === "connected", {
    timeout: 15_000,
    timeoutMsg: "the number is connected",
  });

  // The number becomes a source of the project with the work group.
  await (await browser.$(byTestId("nav-projects"))).click();
  const project = await poll("the project with the bot is listed", async () => {
    for (const r of await browser.$$(byTestId("project-row"))) {
      if ((await text(r)).includes("Цветочная лавка")) return r;
    }
    return null;
  });
  await project.click();
  const source = await browser.$(`${byTestId("source-checkbox")}[data-account-id="${accountId}"]`);
  await source.waitForDisplayed({ timeout: 10_000 });
  await source.click();
  await browser.waitUntil(async () => source.isSelected(), { timeout: 5_000, timeoutMsg: "the number is a source" });

  // The customer writes: Meta posts it signed with the app secret.
  const { status } = await call(graph, "POST", "/webhook", {
    url: webhook,
    appSecret: APP_SECRET,
    payload: messageWebhook("wamid.HBgLNzkwMzU1NTAxMjMVAgASGBQzQUZMT1dFUlMwMDAwMDAwMDAx", "Здравствуйте! Есть ли тюльпаны?"),
  });
  assert.equal(status, 200, "the app stores the delivery and answers 200");
  const forged = await call(graph, "POST", "/webhook", {
    url: webhook,
    appSecret: "0000000000000000000000000000dead",
    payload: messageWebhook("wamid.HBgLNzkwMzU1NTAxMjMVAgASGBQzQUZMT1dFUlMwMDAwMDAwMDAy", "Подделка"),
  });
  assert.notEqual(forged.status, 200, "a delivery signed with another secret is refused");

  // The inbox and the project's topic have it.
  await (await browser.$(byTestId("nav-inbox"))).click();
  const conversation = await poll("the customer's conversation is in the inbox", async () => {
    for (const r of await browser.$$(byTestId("conversation-row"))) {
      if ((await text(r)).includes("тюльпаны")) return r;
    }
    return null;
  });
  assert.match(await text(conversation), /Надежда/);
  const topic = await poll("the conversation has its topic", async () => {
    const topics = await call(telegram, "GET", `/groups/${group}/topics`);
    return topics.find((t) => t.name.includes("Надежда"));
  });
  await poll("her message is in the topic", async () => {
    const messages = await call(telegram, "GET", `/chats/${group}/messages?thread_id=${topic.thread_id}`);
    return messages.some((m) => (m.text ?? "").includes("тюльпаны"));
  });

  // The manager answers from the window: it leaves through the Graph API.
  await conversation.click();
  await poll("her message is in the thread", async () => {
    for (const m of await browser.$$(byTestId("message"))) {
      if ((await text(m)).includes("тюльпаны")) return m;
    }
    return null;
  });
  assert.ok(
    !(await text(await browser.$(byTestId("thread")))).includes("Подделка"),
    "nothing of the forged delivery is stored",
  );
  await (await browser.$(byTestId("composer-input"))).setValue("Да, жёлтые и красные.");
  await (await browser.$(byTestId("composer-send"))).click();
  await poll("the manager's reply leaves from the number", () => sentText("Да, жёлтые и красные."));

  // An operator answers in the topic: it leaves from the number too.
  await call(telegram, "POST", `/groups/${group}/messages`, {
    thread_id: topic.thread_id,
    user: { id: 7004, first_name: "Oleg" },
    text: "Можно забрать сегодня до восьми.",
  });
  await poll("the operator's answer leaves from the number", () => sentText("Можно забрать сегодня до восьми."));
  await browser.waitUntil(
    async () => (await text(await browser.$(byTestId("thread")))).includes("Можно забрать сегодня до восьми."),
    { timeout: 15_000, timeoutMsg: "the operator's answer shows in the thread" },
  );
  await shot(browser, "whatsapp-cloud-conversation");

  // A customer whose message is 25 hours old: Meta takes only an approved template.
  await call(graph, "POST", "/business-accounts", { id: WABA, phoneNumberIds: [NUMBER.phoneNumberId], templates: TEMPLATES });
  const late = await call(graph, "POST", "/webhook", {
    url: webhook,
    appSecret: APP_SECRET,
    payload: messageWebhook("wamid.HBgLNzkwMzU1NTA0NTYVAgASGBQzQUxBVEUwMDAwMDAwMDAwMDE", "Соберите букет из роз к пятнице", LATE, 25 * 3600_000),
  });
  assert.equal(late.status, 200);
  const lateRow = await poll("the late customer's conversation is in the inbox", async () => {
    for (const r of await browser.$$(byTestId("conversation-row"))) {
      if ((await text(r)).includes("букет из роз")) return r;
    }
    return null;
  });
  await lateRow.click();
  const banner = await browser.$(byTestId("wa-window-banner"));
  await banner.waitForDisplayed({ timeout: 10_000 });
  assert.equal(await banner.getAttribute("data-templates"), "false", "the number has no business account yet");
  await (await browser.$(byTestId("wa-waba-input"))).setValue(WABA);
  await (await browser.$(byTestId("wa-waba-save"))).click();
  const open = await browser.$(byTestId("wa-template-open"));
  await open.waitForDisplayed({ timeout: 10_000 });
  await open.click();
  const dialog = await browser.$(byTestId("wa-template-dialog"));
  await browser.waitUntil(async () => (await dialog.getAttribute("data-phase")) === "ready", {
    timeout: 15_000,
    timeoutMsg: "the templates are read from the Graph API",
  });
  const names = [];
  for (const t of await browser.$$(byTestId("wa-template"))) names.push(await t.getAttribute("data-name"));
  assert.deepEqual(names, ["order_ready"], "only the approved template is offered");
  await (await browser.$(byTestId("wa-template"))).click();
  await (await browser.$(byTestId("wa-template-param-1"))).setValue("Вера");
  await (await browser.$(byTestId("wa-template-param-2"))).setValue("№ 214");
  assert.equal(
    await text(await browser.$(byTestId("wa-template-preview"))),
    "Здравствуйте, Вера! Ваш заказ № 214 готов, ждём вас в лавке.\n\nЦветочная лавка",
  );
  await browser.pause(500);
  await shot(browser, "whatsapp-cloud-template");
  await (await browser.$(byTestId("wa-template-send"))).click();
  const template = await poll("the template leaves from the number", async () => {
    const sent = await call(graph, "GET", "/sent");
    return sent.find((s) => s.body.to === LATE.wa && s.body.type === "template");
  });
  assert.equal(template.body.template.name, "order_ready");
  assert.equal(template.body.template.language.code, "ru");
  assert.deepEqual(
    template.body.template.components,
    [{ type: "body", parameters: [{ type: "text", text: "Вера" }, { type: "text", text: "№ 214" }] }],
  );
  await browser.waitUntil(
    async () => (await text(await browser.$(byTestId("thread")))).includes("Ваш заказ № 214 готов"),
    { timeout: 15_000, timeoutMsg: "the template shows in the thread as sent" },
  );
  const lateTopic = await poll("the late customer's conversation has its topic", async () => {
    const topics = await call(telegram, "GET", `/groups/${group}/topics`);
    return topics.find((t) => t.name.includes("Вера"));
  });
  await poll("the template's text is in her topic", async () => {
    const messages = await call(telegram, "GET", `/chats/${group}/messages?thread_id=${lateTopic.thread_id}`);
    return messages.some((m) => (m.text ?? "").includes("Ваш заказ № 214 готов"));
  });

  // The LAN endpoint off again, as the next files expect it.
  await setLanEndpoint(null);
});
