// End to end: the seller links the shop's WhatsApp number to the project
// that projects.test.mjs set up (bot and work group) by scanning the QR code
// in the dialog. WhatsApp is the stand-in behind the linked number's
// interface (`tuberry-fakes whatsapp-web`, named in settings.toml by
// run.sh) and the fake Bot API for the work group; this test plays the
// phone and the customer through their control APIs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { byTestId, openApp, poll, shot, text } from "./window.mjs";

const artifacts = process.env.TUBERRY_E2E_ARTIFACTS;
const standIn = process.env.TUBERRY_FAKE_WHATSAPP;
const telegram = process.env.TUBERRY_FAKE_TELEGRAM;
const SHOP = "+79990000001";
const CUSTOMER = "+79161234567";
const CHAT = "79161234567@s.whatsapp.net";
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
  assert.ok(standIn, "run.sh starts the WhatsApp stand-in");
  await call(standIn, "POST", "/add_number", { phone: SHOP, pushName: "Цветочная лавка" });
  browser = await openApp();
});

after(async () => {
  if (browser) await browser.deleteSession();
});

test("the seller links the shop's WhatsApp by QR, and its customer is answered from the inbox and the topic", async () => {
  const group = (await readFile(join(artifacts, "group.txt"), "utf8")).trim();
  await (await browser.$(byTestId("nav-accounts"))).click();
  await (await browser.$(byTestId("accounts-add-whatsapp"))).click();
  const project = await browser.$(byTestId("wa-link-project"));
  await project.waitForDisplayed({ timeout: 10_000 });
  await project.selectByVisibleText("Цветочная лавка");
  await (await browser.$(byTestId("wa-link-start"))).click();
  const qr = await browser.$(byTestId("wa-link-qr"));
  await qr.waitForDisplayed({ timeout: 15_000 });
  assert.match(await text(await browser.$(byTestId("wa-link-steps"))), /Linked devices|Связанные устройства/);

  // The QR code on the screen is the one WhatsApp gave.
  await browser.pause(1_000);
  await shot(browser, "whatsapp-link");
  const decoded = spawnSync("zbarimg", ["--quiet", "--raw", join(artifacts, "whatsapp-link.png")], { encoding: "utf8" });
  assert.equal(decoded.status, 0, `the screenshot holds a readable QR code: ${decoded.stderr}`);
  const codes = await call(standIn, "GET", "/qr_codes");
  assert.equal(decoded.stdout.trim(), codes.at(-1), "the code on the screen is WhatsApp's latest");

  // WhatsApp turns the code: the dialog shows the new one.
  await call(standIn, "POST", "/rotate_qr");
  const turned = await call(standIn, "GET", "/qr_codes");
  await browser.waitUntil(
    async () => {
      await shot(browser, "whatsapp-link-turned");
      const again = spawnSync("zbarimg", ["--quiet", "--raw", join(artifacts, "whatsapp-link-turned.png")], { encoding: "utf8" });
      return again.stdout.trim() === turned.at(-1);
    },
    { timeout: 15_000, interval: 1_000, timeoutMsg: "the rotated code is shown" },
  );

  // The phone scans it.
  await call(standIn, "POST", "/scan", { phone: SHOP });
  await (await browser.$(byTestId("wa-link-connected"))).waitForDisplayed({ timeout: 15_000 });
  await browser.keys("Escape");
  const row = await browser.$(byTestId("wa-number"));
  await row.waitForDisplayed({ timeout: 15_000 });
  assert.match(await text(await row.$(byTestId("wa-number-phone"))), /\+79990000001/);
  await browser.waitUntil(
    async () => (await (await row.$(byTestId("account-state"))).getAttribute("data-state")) === "connected",
    { timeout: 15_000, timeoutMsg: "the number is connected" },
  );

  // A customer writes: the inbox and the project's topic have it.
  const { id: asked } = await call(standIn, "POST", "/write_text", { shop: SHOP, customer: CUSTOMER, text: "Есть ли пионы?" });
  await (await browser.$(byTestId("nav-inbox"))).click();
  const conversation = await poll("the customer's conversation is in the inbox", async () => {
    for (const r of await browser.$$(byTestId("conversation-row"))) {
      if ((await text(r)).includes("Есть ли пионы?")) return r;
    }
    return null;
  });
  const topic = await poll("the conversation has its topic", async () => {
    const topics = await call(telegram, "GET", `/groups/${group}/topics`);
    return topics.find((t) => t.name.includes("1234") || t.name.includes("Customer"));
  });

  // The manager answers her message from the window, quoting it.
  await conversation.click();
  const question = await poll("her message is in the thread", async () => {
    for (const m of await browser.$$(byTestId("message"))) {
      if ((await text(m)).includes("Есть ли пионы?")) return m;
    }
    return null;
  });
  await question.moveTo();
  await (await question.$(byTestId("message-reply"))).click();
  await (await browser.$(byTestId("composer-input"))).setValue("Да, розовые и белые.");
  await (await browser.$(byTestId("composer-send"))).click();
  const reply = await poll("the manager's reply leaves from the number", async () => {
    const sent = await call(standIn, "GET", `/sent?phone=${encodeURIComponent(SHOP)}`);
    return sent.find((s) => s.chat === CHAT && s.text === "Да, розовые и белые.");
  });
  assert.equal(reply.replyTo?.id, asked, "the reply quotes her message on WhatsApp");

  // She reads it and puts a heart on her question.
  await call(standIn, "POST", "/receipt", { phone: SHOP, chat: CHAT, messageIds: [reply.id], read: true });
  await call(standIn, "POST", "/write", {
    shop: SHOP,
    message: {
      id: "3AREACTION0001",
      chat: CHAT,
      is_group: false,
      from_me: false,
      sender: CHAT,
      sender_phone: CUSTOMER,
      push_name: "Customer 4567",
      timestamp: Math.floor(Date.now() / 1000),
      content: { Reaction: { target_id: asked, emoji: "❤️" } },
      reply_to: null,
    },
  });
  await (await browser.$(byTestId("delivery-read"))).waitForDisplayed({ timeout: 15_000 });
  const reaction = await browser.$(byTestId("message-reaction"));
  await reaction.waitForDisplayed({ timeout: 15_000 });
  assert.match(await text(reaction), /❤/);

  // An operator answers in the topic: it leaves from the number too.
  await call(telegram, "POST", `/groups/${group}/messages`, {
    thread_id: topic.thread_id,
    user: { id: 7003, first_name: "Oleg" },
    text: "Привезём завтра.",
  });
  await poll("the operator's answer leaves from the number", async () => {
    const sent = await call(standIn, "GET", `/sent?phone=${encodeURIComponent(SHOP)}`);
    return sent.some((s) => s.chat === CHAT && s.text === "Привезём завтра.");
  });
  await shot(browser, "whatsapp-conversation");
});
