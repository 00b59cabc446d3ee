// End to end: a staff member connects their own Telegram account to the
// project that projects.test.mjs set up (bot and work group), by QR with
// the password. Telegram is the stand-in behind the account channel's
// interface (`tuberry-fakes telegram-user`, named in settings.toml by
// run.sh) and the fake Bot API for the work group; this test plays the
// phone and the customer through their control APIs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { byTestId, openApp, poll, shot, text } from "./window.mjs";

const artifacts = process.env.TUBERRY_E2E_ARTIFACTS;
const standIn = process.env.TUBERRY_FAKE_TELEGRAM_USER;
const telegram = process.env.TUBERRY_FAKE_TELEGRAM;
const MARINA = 5101;
let browser;

async function call(base, method, path, body) {
  const response = await fetch(`${base}/_control${path}`, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status}`);
  return response.json();
}

before(async () => {
  assert.ok(standIn, "run.sh starts the Telegram stand-in");
  await call(standIn, "POST", "/accounts", {
    userId: MARINA,
    firstName: "Marina",
    dc: 4,
    password: "rose garden",
    hint: "the garden",
  });
  browser = await openApp();
});

after(async () => {
  if (browser) await browser.deleteSession();
});

test("a staff member connects their own account by QR with the password, and its customer is answered from the topic", async () => {
  const group = (await readFile(join(artifacts, "group.txt"), "utf8")).trim();
  await (await browser.$(byTestId("nav-projects"))).click();
  // The project projects.test.mjs made (other files make projects of their own).
  const project = await poll("the project with the bot is listed", async () => {
    for (const row of await browser.$$(byTestId("project-row"))) {
      if ((await text(row)).includes("Цветочная лавка")) return row;
    }
    return null;
  });
  await project.click();
  const add = await browser.$(byTestId("tg-accounts-add"));
  await add.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => add.isEnabled(), {
    timeout: 10_000,
    timeoutMsg: "the project has its bot and work group, so an account can be added",
  });
  await add.click();

  // The owner's own application first.
  await (await browser.$(byTestId("tg-app-id"))).setValue("123456");
  await (await browser.$(byTestId("tg-app-hash"))).setValue("0123456789abcdef0123456789abcdef");
  await (await browser.$(byTestId("tg-app-save"))).click();
  await (await browser.$(byTestId("tg-login-start"))).click();
  const qr = await browser.$(byTestId("tg-login-qr"));
  await qr.waitForDisplayed({ timeout: 15_000 });

  // The QR code on the screen is the login link Telegram gave.
  await browser.pause(1_000);
  await shot(browser, "telegram-login");
  const decoded = spawnSync("zbarimg", ["--quiet", "--raw", join(artifacts, "telegram-login.png")], { encoding: "utf8" });
  assert.equal(decoded.status, 0, `the screenshot holds a readable QR code: ${decoded.stderr}`);
  const url = decoded.stdout.trim();
  assert.match(url, /^tg:\/\/login\?token=[A-Za-z0-9_-]+$/);
  const { url: issued } = await call(standIn, "GET", "/token");
  assert.equal(url, issued, "the code on the screen is the token Telegram issued");

  // The phone scans it; the account lives on another data centre and has a password.
  await call(standIn, "POST", "/scan", { userId: MARINA });
  const password = await browser.$(byTestId("tg-login-password"));
  await password.waitForDisplayed({ timeout: 15_000 });
  assert.match(await text(await browser.$(byTestId("tg-login-hint"))), /the garden/);
  await password.setValue("tulip field");
  await (await browser.$(byTestId("tg-login-submit"))).click();
  await (await browser.$(byTestId("tg-login-wrong"))).waitForDisplayed({ timeout: 10_000 });
  await password.setValue("rose garden");
  await (await browser.$(byTestId("tg-login-submit"))).click();
  await (await browser.$(byTestId("tg-login-connected"))).waitForDisplayed({ timeout: 15_000 });

  const row = await browser.$(byTestId("tg-account"));
  await row.waitForDisplayed({ timeout: 15_000 });
  assert.match(await text(await row.$(byTestId("tg-account-name"))), /Marina/);
  await browser.waitUntil(
    async () => (await (await row.$(byTestId("account-state"))).getAttribute("data-state")) === "connected",
    { timeout: 15_000, timeoutMsg: "the account is connected" },
  );

  // A customer writes to Marina: the inbox and the project's topic have it.
  await call(standIn, "POST", "/customer", {
    userId: MARINA,
    customerId: 7701,
    name: "Vera",
    text: "Are the peonies still there?",
  });
  await (await browser.$(byTestId("nav-inbox"))).click();
  await browser.waitUntil(
    async () => {
      for (const r of await browser.$$(byTestId("conversation-row"))) {
        if ((await text(r)).includes("Vera")) return true;
      }
      return false;
    },
    { timeout: 15_000, timeoutMsg: "the customer's conversation is in the inbox" },
  );
  const topic = await poll("the conversation has its topic", async () => {
    const topics = await call(telegram, "GET", `/groups/${group}/topics`);
    return topics.find((t) => t.name.includes("Vera"));
  });

  // An operator answers in the topic: it leaves from Marina's account.
  await call(telegram, "POST", `/groups/${group}/messages`, {
    thread_id: topic.thread_id,
    user: { id: 7002, first_name: "Oleg" },
    text: "Yes, until Sunday.",
  });
  await poll("the answer leaves from the account", async () => {
    const sent = await call(standIn, "GET", "/sent");
    return sent.some((s) => s.userId === MARINA && s.chatId === 7701 && s.text === "Yes, until Sunday.");
  });
  await writeFile(join(artifacts, "telegram-account.txt"), url);
});
