// End to end: the owner links Telegram from the window through the bot of the
// project that projects.test.mjs set up, creates an invite, an operator joins
// with it in the bot's private chat and answers a customer in the topic; the
// thread shows the operator's name. Someone not in the team is told how to
// join and nothing of theirs reaches the customer. The operator takes the
// conversation with /take and the owner gives it back to nobody. At the end the owner
// unlinks, so that anyone in the work groups answers again for the files after.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { byTestId, openApp, poll, shot, text } from "./window.mjs";

const artifacts = process.env.TUBERRY_E2E_ARTIFACTS;
const telegram = process.env.TUBERRY_FAKE_TELEGRAM;
const TOKEN = "6660001234:AAE2eTestTokenForTheFakeBotApi0001";
const OWNER = { id: 7100, first_name: "Ольга", last_name: "Владелец" };
const OPERATOR = { id: 7101, first_name: "Пётр" };
const STRANGER = { id: 7102, first_name: "Гость" };
const CUSTOMER = { id: 7103, first_name: "Маша" };
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

/** What the bot wrote in its private chat with `user` (in the project's language). */
async function botSaid(user, pattern) {
  return poll(`the bot tells ${user.first_name} ${pattern}`, async () => {
    const messages = await control("GET", `/chats/${user.id}/messages`);
    return messages.find((m) => m.from_bot && pattern.test(m.text ?? ""));
  });
}

before(async () => {
  assert.ok(telegram, "run.sh starts the fake Bot API server");
  browser = await openApp();
});

after(async () => {
  if (browser) await browser.deleteSession();
  const specErrors = await control("GET", "/spec-errors");
  assert.deepEqual(specErrors, [], "every request matched the Bot API description");
});

test("the owner links Telegram, invites an operator, and only the team answers customers", async () => {
  const group = (await readFile(join(artifacts, "group.txt"), "utf8")).trim();
  await (await browser.$(byTestId("nav-settings"))).click();
  const team = await browser.$(byTestId("settings-team"));
  await team.waitForDisplayed({ timeout: 10_000 });
  await team.scrollIntoView();

  // The owner's link, opened in Telegram: /start with its token.
  await (await browser.$(byTestId("team-link-owner"))).click();
  const url = await browser.$(byTestId("team-owner-url"));
  await url.waitForDisplayed({ timeout: 10_000 });
  const link = (await text(url)).trim();
  const match = /^https:\/\/t\.me\/flowers_e2e_bot\?start=(own_[A-Za-z0-9]{24})$/.exec(link);
  assert.ok(match, `the owner's link goes through the project's bot: ${link}`);
  await control("POST", "/private", { token: TOKEN, user: OWNER, text: `/start ${match[1]}` });
  await botSaid(OWNER, /владелец|the owner/);
  const owner = await browser.$(byTestId("team-owner"));
  await owner.waitForDisplayed({ timeout: 15_000 });
  assert.match(await text(owner), /Ольга Владелец/);

  // An invite for an operator, used in the bot's private chat.
  await (await browser.$(byTestId("team-invite-create"))).click();
  const code = await browser.$(byTestId("team-invite-code"));
  await code.waitForDisplayed({ timeout: 10_000 });
  const invite = /(inv_[A-Za-z0-9]{24})/.exec(await text(code))[1];
  await shot(browser, "team-invite");
  await control("POST", "/private", { token: TOKEN, user: OPERATOR, text: `/start ${invite}` });
  await botSaid(OPERATOR, /в команде|in the team/);
  await browser.waitUntil(async () => (await browser.$$(byTestId("team-person"))).length === 2, {
    timeout: 15_000,
    timeoutMsg: "the operator is listed in the team",
  });
  const state = await browser.$(`${byTestId("team-invite")} ${byTestId("team-invite-state")}`);
  await browser.waitUntil(async () => /Использовано|Used up/.test(await text(state)), {
    timeout: 10_000,
    timeoutMsg: "the invite is used up",
  });

  // A customer writes to the bot; someone not in the team answers in the topic: not sent.
  await (await browser.$(byTestId("nav-inbox"))).click();
  await control("POST", "/private", { token: TOKEN, user: CUSTOMER, text: "Есть ли белые лилии?" });
  const topic = await poll("the topic is created", async () => {
    const topics = await control("GET", `/groups/${group}/topics`);
    return topics.find((t) => t.name.includes("Маша"));
  });
  await control("POST", `/groups/${group}/messages`, {
    thread_id: topic.thread_id,
    user: STRANGER,
    text: "Лилий нет",
  });
  await poll("the bot tells the stranger how to join", async () => {
    const messages = await control("GET", `/chats/${group}/messages?thread_id=${topic.thread_id}`);
    return messages.find((m) => m.from_bot && /приглашение|an invite/.test(m.text ?? ""));
  });

  // The operator answers: it reaches the customer under the operator's name.
  await control("POST", `/groups/${group}/messages`, {
    thread_id: topic.thread_id,
    user: OPERATOR,
    text: "Есть, привезли утром.",
  });
  await botSaid(CUSTOMER, /привезли утром/);
  const row = await browser.$(`${byTestId("conversation-row")}*=Маша`);
  await row.waitForDisplayed({ timeout: 10_000 });
  await row.click();
  const answer = await poll("the answer is in the thread", async () => {
    for (const m of await browser.$$(`${byTestId("thread")} ${byTestId("message")}[data-direction="out"]`)) {
      if ((await text(m)).includes("привезли утром")) return m;
    }
    return null;
  });
  assert.match(await text(answer), /Пётр/, "the thread shows who answered");
  for (const m of await browser.$$(`${byTestId("thread")} ${byTestId("message")}`)) {
    assert.ok(!(await text(m)).includes("Лилий нет"), "the stranger's words are no message of the conversation");
  }
  const toCustomer = await control("GET", `/chats/${CUSTOMER.id}/messages`);
  assert.ok(!toCustomer.some((m) => (m.text ?? "").includes("Лилий нет")), "nothing of the stranger's reached the customer");
  await shot(browser, "team-answer");

  // The operator takes the conversation in its topic: the row and the topic's
  // title say so. The owner gives it to nobody from the window.
  await control("POST", `/groups/${group}/messages`, {
    thread_id: topic.thread_id,
    user: OPERATOR,
    text: "/take",
  });
  const chip = await browser.$(`${byTestId("conversation-row")}*=Маша`).$(byTestId("row-assignee"));
  await chip.waitForDisplayed({ timeout: 15_000 });
  assert.match(await text(chip), /Пётр/);
  await poll("the topic's title names who has it", async () => {
    const topics = await control("GET", `/groups/${group}/topics`);
    return topics.find((t) => t.thread_id === topic.thread_id && /→ Пётр$/.test(t.name));
  });
  const select = await browser.$(byTestId("assignee-select"));
  await select.waitForDisplayed({ timeout: 10_000 });
  await select.selectByAttribute("value", "");
  await chip.waitForDisplayed({ timeout: 10_000, reverse: true });
  await poll("the topic's title names nobody", async () => {
    const topics = await control("GET", `/groups/${group}/topics`);
    return topics.find((t) => t.thread_id === topic.thread_id && !t.name.includes("→"));
  });

  // The owner unlinks: the team is dissolved and anyone in a work group answers again.
  await (await browser.$(byTestId("nav-settings"))).click();
  const unlink = await browser.$(byTestId("team-owner-unlink"));
  await unlink.waitForDisplayed({ timeout: 10_000 });
  await unlink.scrollIntoView();
  await unlink.click();
  await (await browser.$(byTestId("team-owner-unlink-confirm"))).click();
  await (await browser.$(byTestId("team-link-owner"))).waitForDisplayed({ timeout: 10_000 });
  await (await browser.$(byTestId("nav-inbox"))).click();
});
