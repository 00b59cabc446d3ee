// End to end: a seller sets up operators in Telegram from the desktop app.
// Telegram is the local fake Bot API server (tests/fakes), started by run.sh;
// this test plays Telegram's side through the fake's control API: the owner
// adds the bot to a group, an operator answers in the conversation's topic.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { byTestId, customerWrites, openApp, poll, shot, text, waitForReplyToCustomer } from "./window.mjs";

const artifacts = process.env.TUBERRY_E2E_ARTIFACTS;
const telegram = process.env.TUBERRY_FAKE_TELEGRAM;
const TOKEN = "6660001234:AAE2eTestTokenForTheFakeBotApi0001";
let browser;

async function control(method, path, body) {
  const response = await fetch(`${telegram}/_control${path}`, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

before(async () => {
  assert.ok(telegram, "run.sh starts the fake Bot API server");
  await control("POST", "/bots", { token: TOKEN, username: "flowers_e2e_bot" });
  browser = await openApp();
});

after(async () => {
  if (browser) {
    await browser.deleteSession();
  }
  const violations = await control("GET", "/violations");
  assert.deepEqual(violations, [], "no call came before Telegram's retry_after");
  const specErrors = await control("GET", "/spec-errors");
  assert.deepEqual(specErrors, [], "every request matched the Bot API description");
});

test("a seller creates a project, connects the bot and binds the work group", async () => {
  const nav = await browser.$(byTestId("nav-projects"));
  await nav.waitForDisplayed({ timeout: 20_000 });
  await nav.click();
  await (await browser.$(byTestId("projects-view"))).waitForDisplayed({ timeout: 5_000 });

  await (await browser.$(byTestId("project-new"))).click();
  const name = await browser.$(byTestId("project-name-input"));
  await name.waitForDisplayed({ timeout: 5_000 });
  await name.setValue("Цветочная лавка");
  await (await browser.$(byTestId("project-save"))).click();
  const detail = await browser.$(byTestId("project-detail"));
  await detail.waitForDisplayed({ timeout: 10_000 });

  // A wrong token is explained; the right one connects the bot.
  const token = await browser.$(byTestId("bot-token-input"));
  await token.setValue("12345");
  await (await browser.$(byTestId("bot-connect"))).click();
  const error = await browser.$(byTestId("bot-error"));
  await error.waitForDisplayed({ timeout: 10_000 });
  assert.ok((await text(error)).length > 0);

  const apiUrl = await browser.$(byTestId("bot-api-url-input"));
  if (!(await apiUrl.isDisplayed())) {
    await (await browser.$(`${byTestId("bot-section")} summary`)).click();
  }
  await apiUrl.setValue(telegram);
  await token.clearValue();
  await token.setValue(TOKEN);
  // Typing into a field that is still settling after the refusal can keep a
  // few of the old characters: make sure it holds just the token.
  await browser.waitUntil(
    async () => {
      if ((await token.getValue()) === TOKEN) return true;
      await token.setValue(TOKEN);
      return false;
    },
    { timeout: 5_000, timeoutMsg: "the token field holds the token" },
  );
  await (await browser.$(byTestId("bot-connect"))).click();
  const username = await browser.$(byTestId("bot-username"));
  await username.waitForDisplayed({ timeout: 15_000 });
  assert.match(await text(username), /flowers_e2e_bot/);
  await browser.waitUntil(
    async () => (await (await browser.$(byTestId("bot-state"))).getAttribute("data-state")) === "online",
    { timeout: 15_000, timeoutMsg: "the bot never came online" },
  );

  // The app waits for the group and shows the steps.
  await (await browser.$(byTestId("work-group-waiting"))).waitForDisplayed({ timeout: 5_000 });

  // The owner adds the bot to a group without topics, as a plain member:
  // the app says exactly what is missing.
  const { chat_id: group } = await control("POST", "/groups", { title: "Операторы лавки", forum: false });
  await control("POST", `/groups/${group}/bots`, { token: TOKEN, admin: false, can_manage_topics: false });
  const missing = await browser.$(byTestId("work-group-missing"));
  await missing.waitForDisplayed({ timeout: 15_000 });
  const problems = await browser.$$(`${byTestId("work-group-missing")} li`);
  const names = [];
  for (const p of problems) names.push(await p.getAttribute("data-problem"));
  assert.deepEqual(names.sort(), ["not_admin", "topics_disabled"]);
  assert.match(await text(await browser.$(byTestId("work-group-title"))), /Операторы лавки/);

  // Topics on and the bot promoted: ready.
  await control("POST", `/groups/${group}/forum`, { forum: true }).catch(() => undefined);
  await control("POST", `/groups/${group}/bots`, { token: TOKEN, admin: true, can_manage_topics: true });
  await (await browser.$(byTestId("work-group-check"))).click();
  await (await browser.$(byTestId("work-group-ready"))).waitForDisplayed({ timeout: 15_000 });

  // The Test chat becomes a source of the project.
  const testChat = await browser.$(`${byTestId("source-checkbox")}:not([disabled])`);
  await testChat.waitForDisplayed({ timeout: 5_000 });
  if (!(await testChat.isSelected())) {
    await testChat.click();
  }
  await browser.waitUntil(async () => testChat.isSelected(), { timeout: 5_000 });
  await browser.pause(1_000);
  await shot(browser, "projects");
  process.env.E2E_GROUP = String(group);
  await writeFile(join(artifacts, "group.txt"), String(group));
});

test("a conversation appears as a topic and the operator's answer comes back", async () => {
  const group = process.env.E2E_GROUP;
  assert.ok(group, "the work group was bound");
  await (await browser.$(byTestId("nav-inbox"))).click();
  await customerWrites(browser, "Лена", "Соберёте букет из пионов к пятнице?");

  // Telegram side: the topic is created and the message mirrored into it.
  let topic;
  for (let i = 0; i < 75 && !topic; i++) {
    const topics = await control("GET", `/groups/${group}/topics`);
    topic = topics.find((t) => t.name.includes("Лена"));
    if (!topic) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(topic, "a topic was created for the conversation");
  let mirrored = false;
  for (let i = 0; i < 75 && !mirrored; i++) {
    const messages = await control("GET", `/chats/${group}/messages?thread_id=${topic.thread_id}`);
    mirrored = messages.some((m) => (m.text ?? "").includes("пионов"));
    if (!mirrored) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(mirrored, "the customer's message is in the topic");

  // An operator answers in the topic; the answer shows in the desktop thread.
  await control("POST", `/groups/${group}/messages`, {
    thread_id: topic.thread_id,
    user: { id: 7001, first_name: "Оля" },
    text: "Да, соберём! Во сколько удобно забрать?",
  });
  const row = await browser.$(`${byTestId("conversation-row")}*=Лена`);
  await row.waitForDisplayed({ timeout: 10_000 });
  await row.click();
  const answer = await browser.$(`${byTestId("thread")} ${byTestId("message")}[data-direction="out"]`);
  await answer.waitForDisplayed({ timeout: 15_000 });
  assert.match(await text(answer), /Во сколько удобно забрать/);
  await waitForReplyToCustomer(browser, "Во сколько", "the operator's answer never reached the customer");
  await browser.pause(1_000);
  await shot(browser, "operator-reply");
});

test("every connected account shows its state in one list", async () => {
  // This file connected the project's bot; the Test chat is always there
  // (the other files' mailbox and Avito account may be listed too).
  await (await browser.$(byTestId("nav-accounts"))).click();
  await (await browser.$(byTestId("accounts-view"))).waitForDisplayed({ timeout: 5_000 });
  const kinds = ["simulator", "telegram_bot"];
  await browser.waitUntil(
    async () => {
      for (const kind of kinds) {
        const row = await browser.$(`${byTestId("account-row")}[data-kind="${kind}"]`);
        if (!(await row.isExisting()) || (await row.getAttribute("data-state")) !== "connected") return false;
      }
      return true;
    },
    { timeout: 15_000, timeoutMsg: "the Test chat and the bot are connected" },
  );
  const bot = await browser.$(`${byTestId("account-row")}[data-kind="telegram_bot"]`);
  assert.match(await text(await bot.$(byTestId("account-name"))), /flowers_e2e_bot/);
  assert.match(await text(await bot.$(byTestId("account-project"))), /Цветочная лавка/);
  await shot(browser, "accounts");
});

/** Calls a Tauri command from inside the window, as the app's own code would. */
async function invoke(command, args) {
  return browser.execute((command, args) => window.__TAURI_INTERNALS__.invoke(command, args), command, args);
}

async function visible() {
  return invoke("plugin:window|is_visible", { label: "main" });
}

/** The notifications the app raised, as dbus-monitor recorded the Notify calls. */
async function notifications() {
  const log = await readFile(process.env.TUBERRY_E2E_NOTIFICATIONS, "utf8");
  return log
    .split(/^method call /m)
    .slice(1)
    .map((call) => {
      const strings = [...call.matchAll(/^ +string "([\s\S]*?)"$/gm)].map((m) => m[1]);
      const replaces = Number(/^ +uint32 (\d+)$/m.exec(call)?.[1] ?? 0);
      // app name, icon, summary, body, then the actions' keys and labels.
      const [app, , summary, body, ...actions] = strings;
      return { app, summary, body, actions, replaces };
    })
    .filter((n) => n.app === "Tuberry");
}

function dunstctl(...args) {
  const run = spawnSync("dunstctl", args, { encoding: "utf8" });
  assert.equal(run.status, 0, `dunstctl ${args.join(" ")}: ${run.stderr}`);
}

test("closing the window hides it, the app keeps relaying, and a second launch shows it again", async () => {
  const group = process.env.E2E_GROUP;
  assert.ok(group, "the work group was bound");
  // The close button: the window goes, the app stays.
  await invoke("plugin:window|close", { label: "main" });
  await browser.waitUntil(async () => (await visible()) === false, {
    timeout: 5_000,
    timeoutMsg: "the closed window is hidden, not gone",
  });

  // A customer writes to the bot itself while the window is closed: the app
  // mirrors it into a topic, and the operator's answer there reaches them.
  const customer = { id: 5551234, first_name: "Ира" };
  await control("POST", "/private", { token: TOKEN, user: customer, text: "Вы сегодня открыты?" });
  const topic = await poll("the message is mirrored into a topic", async () => {
    const topics = await control("GET", `/groups/${group}/topics`);
    return topics.find((t) => t.name.includes("Ира"));
  });
  await control("POST", `/groups/${group}/messages`, {
    thread_id: topic.thread_id,
    user: { id: 7001, first_name: "Оля" },
    text: "Да, до восьми!",
  });
  await poll("the operator's answer reaches the customer", async () => {
    const messages = await control("GET", `/chats/${customer.id}/messages`);
    return messages.some((m) => (m.text ?? "").includes("до восьми"));
  });
  assert.equal(await visible(), false, "the window stayed hidden meanwhile");

  // The first close said once where the app went, and the customer's message
  // was told through the notification daemon; clicking it opens the
  // conversation in the window.
  const told = await poll("the customer's message is told in a notification", async () => {
    const notes = await notifications();
    return notes.some((n) => n.summary.startsWith("Ира · ")) && notes;
  });
  const hints = told.filter((n) => /Tuberry (keeps running|работает дальше)/.test(n.summary));
  assert.equal(hints.length, 1, `the first close is explained once: ${JSON.stringify(told)}`);
  const ira = told.find((n) => n.summary.startsWith("Ира · "));
  assert.equal(ira.body, "Вы сегодня открыты?");
  assert.ok(ira.actions.includes("default"), "clicking it does something");
  dunstctl("close-all");
  // The customer writes twice more: the one notification counts what came
  // since the operator's answer.
  await control("POST", "/private", { token: TOKEN, user: customer, text: "Алло" });
  await control("POST", "/private", { token: TOKEN, user: customer, text: "Жду" });
  await poll("the burst updates the one notification", async () => {
    const notes = (await notifications()).filter((n) => n.summary.startsWith("Ира · "));
    const last = notes.at(-1);
    return last.body.startsWith("2 ") && last.body.endsWith("Жду") && last.replaces !== 0;
  });
  // The whole screen with the notification on it, for the README.
  spawnSync("import", ["-window", "root", join(artifacts, "notification.png")]);
  dunstctl("action", "0");
  await browser.waitUntil(async () => (await visible()) === true, {
    timeout: 10_000,
    timeoutMsg: "clicking the notification shows the window",
  });
  await browser.waitUntil(async () => (await text(await browser.$(byTestId("thread")))).includes("Жду"), {
    timeout: 10_000,
    timeoutMsg: "clicking the notification opens that conversation",
  });
  await shot(browser, "notification-opened");
  await invoke("plugin:window|close", { label: "main" });
  await browser.waitUntil(async () => (await visible()) === false, {
    timeout: 5_000,
    timeoutMsg: "the window hides again",
  });
  const hintsAfter = (await notifications()).filter((n) => /Tuberry (keeps running|работает дальше)/.test(n.summary));
  assert.equal(hintsAfter.length, 1, "the second close says nothing");

  // Starting the app again shows the running window instead of a second app.
  const second = spawnSync(process.env.TUBERRY_APP, [], { env: process.env, timeout: 30_000, encoding: "utf8" });
  assert.equal(second.status, 0, `the second launch hands over and ends: ${second.stderr}`);
  await browser.waitUntil(async () => (await visible()) === true, {
    timeout: 10_000,
    timeoutMsg: "the second launch shows the running window",
  });
});

test("starting at login is an option: the login entry starts Tuberry hidden in the tray", async () => {
  // Where the XDG autostart entries of this user live.
  const entry = join(homedir(), ".config", "autostart", "Tuberry.desktop");
  assert.equal(await invoke("start_at_login", {}), false, "off until chosen");
  assert.equal(await invoke("set_start_at_login", { enabled: true }), true);
  const desktop = await readFile(entry, "utf8");
  assert.match(desktop, /^Exec=.*tuberry-desktop.* --hidden/m, desktop);
  assert.equal(await invoke("start_at_login", {}), true);
  assert.equal(await invoke("set_start_at_login", { enabled: false }), false);
  await assert.rejects(stat(entry), "turning it off removes the login entry");
});
