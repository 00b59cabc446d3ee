// End to end: a seller connects the shop's mailbox in the desktop app and
// answers a customer's e-mail. The mail servers are real Dovecot and Postfix
// on loopback (`tuberry-fakes mail`, started by run.sh); this test plays the
// customer's side through their control API: it delivers the customer's mail
// and reads the customer's mailbox for the reply. Plain IMAP and SMTP with a
// login keep the app's trust store out of it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { byTestId, openApp, shot, text } from "./window.mjs";

const mail = process.env.TUBERRY_FAKE_MAIL ? JSON.parse(process.env.TUBERRY_FAKE_MAIL) : null;
const SHOP = "shop@shop.test";
const SHOP_PASSWORD = "shop-pw";
const IVAN = "ivan@customer.test";
const SUBJECT = "Delivery to Kazan?";
const MESSAGE_ID = `<kazan-${Date.now()}@customer.test>`;
const REPLY = "Yes, we deliver to Kazan within three days.";
let browser;

async function control(method, path, body) {
  const response = await fetch(`${mail.control}/_control${path}`, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

/** A header of a raw message, unfolded; undefined when it has none. */
function header(raw, name) {
  const head = raw.split(/\r?\n\r?\n/, 1)[0].replace(/\r?\n[ \t]+/g, " ");
  const prefix = `${name.toLowerCase()}:`;
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(prefix));
  return line?.slice(prefix.length).trim();
}

/** Types `value` into the input with test id `id` and waits until it shows it. */
async function fill(id, value) {
  const input = await browser.$(byTestId(id));
  await input.setValue(value);
  await browser.waitUntil(async () => (await input.getValue()) === value, {
    timeout: 5_000,
    timeoutMsg: `${id} does not show "${value}"`,
  });
}

/** Chooses the option `value` of the select with test id `id`. */
async function choose(id, value) {
  const select = await browser.$(byTestId(id));
  await select.selectByAttribute("value", value);
  await browser.waitUntil(async () => (await select.getValue()) === value, {
    timeout: 5_000,
    timeoutMsg: `${id} is not set to "${value}"`,
  });
}

/** Sets a server of the mailbox form to 127.0.0.1:`port` without TLS. */
async function plainServer(kind, port) {
  // The security first: changing it moves a standard port along.
  await choose(`${kind}-security`, "none");
  await fill(`${kind}-host`, "127.0.0.1");
  await fill(`${kind}-port`, String(port));
}

/**
 * Checks the Health screen again until the account row named `name` is as
 * `wanted` says, and answers that row. Looked for anew after each check:
 * the screen draws its rows again.
 */
async function healthAccountUntil(name, wanted, timeout, timeoutMsg) {
  let row;
  let seen = [];
  await browser
    .waitUntil(
      async () => {
        await (await browser.$(byTestId("health-check"))).click();
        await browser.pause(500);
        seen = [];
        for (const r of await browser.$$(byTestId("health-account"))) {
          const line = await text(r);
          seen.push(`${line} [${await r.getAttribute("data-state")}]`);
          if (line.includes(name) && (await wanted(r))) row = r;
        }
        return row !== undefined;
      },
      { timeout, interval: 2_000, timeoutMsg },
    )
    .catch((e) => {
      throw new Error(`${e.message}: ${seen.join(" | ")}`);
    });
  return row;
}

before(async () => {
  assert.ok(mail, "run.sh starts the mail servers");
  browser = await openApp();
});

after(async () => {
  if (browser) {
    await browser.deleteSession();
  }
});

test("a seller adds the shop's mailbox, tests it and it listens for mail", async () => {
  const nav = await browser.$(byTestId("nav-mailboxes"));
  await nav.waitForDisplayed({ timeout: 20_000 });
  await nav.click();
  await (await browser.$(byTestId("mailboxes-view"))).waitForDisplayed({ timeout: 5_000 });

  await (await browser.$(byTestId("mailbox-add"))).click();
  await (await browser.$(byTestId("mailbox-address"))).waitForDisplayed({ timeout: 5_000 });
  await fill("mailbox-address", SHOP);
  await fill("mailbox-name", "Shop mail");
  await fill("mailbox-password", SHOP_PASSWORD);
  await plainServer("imap", mail.imap);
  await plainServer("smtp", mail.submissionPlain);
  // Only mail that arrives from now on.
  await choose("mailbox-import", "none");

  await (await browser.$(byTestId("mailbox-test"))).click();
  const result = await browser.$(byTestId("mailbox-test-result"));
  await result.waitForDisplayed({ timeout: 20_000 });
  assert.equal(await result.getAttribute("data-ok"), "true", `the connection test found: ${await text(result)}`);
  for (const kind of ["imap", "smtp"]) {
    const verdict = await browser.$(byTestId(`mailbox-test-${kind}`));
    assert.equal(await verdict.getAttribute("data-problem"), "", `${kind}: ${await text(verdict)}`);
  }

  await (await browser.$(byTestId("mailbox-save"))).click();
  const row = await browser.$(`${byTestId("mailbox-row")}*=Shop mail`);
  await row.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => (await row.getAttribute("data-state")) === "listening", {
    timeout: 30_000,
    timeoutMsg: "the mailbox never started listening",
  });
  assert.match(await text(row), /shop@shop\.test/);
  await browser.pause(1_000);
  await shot(browser, "mailboxes");
});

test("a customer's e-mail reaches the inbox and the reply reaches the customer", async () => {
  const raw = [
    `From: Ivan Petrov <${IVAN}>`,
    `To: Shop <${SHOP}>`,
    `Subject: ${SUBJECT}`,
    `Message-ID: ${MESSAGE_ID}`,
    `Date: ${new Date().toUTCString()}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    "Hello! Do you deliver to Kazan? I would like two boxes of tea.",
    "",
    "Ivan",
    "",
  ].join("\r\n");
  await control("POST", "/deliver", { from: IVAN, to: SHOP, raw });

  await (await browser.$(byTestId("nav-inbox"))).click();
  const row = await browser.$(`${byTestId("conversation-row")}*=Ivan Petrov`);
  await row.waitForDisplayed({ timeout: 30_000 });
  await row.click();

  const thread = await browser.$(byTestId("thread"));
  await thread.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => (await text(thread)).includes(SUBJECT), {
    timeout: 10_000,
    timeoutMsg: "the thread does not show the subject",
  });
  const inbound = await browser.$(`${byTestId("thread")} ${byTestId("message")}[data-direction="in"]`);
  await inbound.waitForDisplayed({ timeout: 10_000 });
  assert.match(await text(inbound), /Do you deliver to Kazan\?/);

  await (await browser.$(byTestId("composer-input"))).setValue(REPLY);
  await (await browser.$(byTestId("composer-send"))).click();
  const sent = await browser.$(
    `${byTestId("thread")} ${byTestId("message")}[data-direction="out"][data-delivery="sent"]`,
  );
  await sent.waitForDisplayed({ timeout: 30_000 });
  assert.match(await text(sent), /within three days/);

  // The customer's side: the reply is in their INBOX, threaded to their mail.
  let reply;
  const deadline = Date.now() + 30_000;
  while (!reply && Date.now() < deadline) {
    const messages = await control("GET", `/messages?user=${encodeURIComponent(IVAN)}&folder=INBOX`);
    reply = messages.find((m) => (header(m.raw, "Subject") ?? "").includes(SUBJECT));
    if (!reply) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(reply, "the reply never reached the customer's mailbox");
  assert.equal(header(reply.raw, "Subject"), `Re: ${SUBJECT}`);
  assert.equal(header(reply.raw, "In-Reply-To"), MESSAGE_ID);
  assert.ok((header(reply.raw, "References") ?? "").includes(MESSAGE_ID), header(reply.raw, "References"));
  assert.match(header(reply.raw, "From") ?? "", /shop@shop\.test/);
  assert.match(reply.raw, /within three days/);

  await browser.pause(1_000);
  await shot(browser, "mail-thread");
});

test("the Dashboard draws the day's conversation and replies", async () => {
  await (await browser.$(byTestId("nav-dashboard"))).click();
  await (await browser.$(byTestId("dashboard-view"))).waitForDisplayed({ timeout: 10_000 });
  const card = await browser.$(byTestId("dashboard-card-new"));
  await card.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => /[1-9]/.test(await text(card)), {
    timeout: 10_000,
    timeoutMsg: `no new conversation counted: ${await text(card)}`,
  });
  for (const chart of ["dashboard-chart-new", "dashboard-chart-messages", "dashboard-chart-replies"]) {
    const drawn = await browser.$(`${byTestId(chart)} svg`);
    await drawn.waitForDisplayed({ timeout: 10_000 });
  }
  await browser.pause(1_000);
  await shot(browser, "dashboard");
});

test("a password changed at the provider shows on the Health screen with its fix", async () => {
  await control("POST", "/password", { user: SHOP, password: "changed-at-the-provider" });
  await (await browser.$(byTestId("nav-health"))).click();
  await (await browser.$(byTestId("health-view"))).waitForDisplayed({ timeout: 10_000 });
  const row = await healthAccountUntil(
    "Shop mail",
    async (r) => (await r.getAttribute("data-state")) === "bad_credentials",
    90_000,
    "the mailbox never showed its refused password",
  );
  assert.equal(await row.getAttribute("data-ok"), "false");
  const fix = await row.$(byTestId("health-fix"));
  assert.equal(await fix.getAttribute("data-fix"), "reconnect", await text(row));
  assert.match(await text(fix), /password or token again/);
  // The server's refusal in its own words, not the library's.
  assert.match(await text(row), /\[AUTHENTICATIONFAILED\] Authentication failed\./);
  assert.doesNotMatch(await text(row), /code: None|Some\(/);
  await shot(browser, "health");

  // The password back as it was: the mailbox connects again by itself.
  await control("POST", "/password", { user: SHOP, password: SHOP_PASSWORD });
  await healthAccountUntil(
    "Shop mail",
    async (r) => (await r.getAttribute("data-ok")) === "true",
    120_000,
    "the mailbox did not connect again",
  );
});
