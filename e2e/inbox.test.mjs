// End to end: the real desktop window, driven over WebDriver. A customer
// writes through the Test chat; the message appears in the inbox; a reply
// typed in the composer reaches the customer's transcript and shows as sent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { remote } from "webdriverio";

const app = process.env.TUBERRY_APP;
const artifacts = process.env.TUBERRY_E2E_ARTIFACTS;
let browser;

const byTestId = (id) => `[data-testid="${id}"]`;
// WebKitWebDriver's visible-text reading skips text in ellipsized boxes; the
// DOM's text is what a person reads there.
const text = async (element) => (await element.getProperty("textContent")) ?? "";

before(async () => {
  browser = await remote({
    hostname: "127.0.0.1",
    port: 4444,
    logLevel: "error",
    capabilities: { "tauri:options": { application: app } },
  });
  await browser.setTimeout({ implicit: 0 });
});

after(async () => {
  if (browser) {
    await browser.deleteSession();
  }
});

async function shot(name) {
  const png = await browser.takeScreenshot();
  await writeFile(join(artifacts, `${name}.png`), Buffer.from(png, "base64"));
}

test("a new user sees the empty inbox and what to do next", async () => {
  const empty = await browser.$(byTestId("empty-state"));
  await empty.waitForDisplayed({ timeout: 20_000 });
  assert.ok((await text(empty)).length > 0, "the empty state explains what to do");
});

test("a customer message reaches the inbox and a reply reaches the customer", async () => {
  await (await browser.$(byTestId("test-chat-toggle"))).click();
  await (await browser.$(byTestId("test-chat-panel"))).waitForDisplayed({ timeout: 5_000 });

  const name = await browser.$(byTestId("test-chat-customer"));
  await name.clearValue();
  await name.setValue("Мария");
  await (await browser.$(byTestId("test-chat-input"))).setValue("Здравствуйте! Есть ли доставка в субботу?");
  await (await browser.$(byTestId("test-chat-send"))).click();

  // The conversation appears in the inbox from the engine's event, no reload.
  const row = await browser.$(byTestId("conversation-row"));
  await row.waitForDisplayed({ timeout: 10_000 });
  assert.match(await text(row), /Мария/);
  await row.click();

  const inbound = await browser.$(`${byTestId("thread")} ${byTestId("message")}[data-direction="in"]`);
  await inbound.waitForDisplayed({ timeout: 10_000 });
  assert.match(await text(inbound), /доставка в субботу/);

  await (await browser.$(byTestId("composer-input"))).setValue("Да, доставляем по субботам с 10 до 18.");
  await (await browser.$(byTestId("composer-send"))).click();

  const sent = await browser.$(`${byTestId("thread")} ${byTestId("message")}[data-direction="out"][data-delivery="sent"]`);
  await sent.waitForDisplayed({ timeout: 15_000 });
  assert.match(await text(sent), /по субботам/);

  // The simulated customer received it.
  await browser.waitUntil(
    async () => {
      const lines = await browser.$$(`${byTestId("test-chat-entry")}[data-direction="out"]`);
      for (const line of lines) {
        if ((await text(line)).includes("по субботам")) return true;
      }
      return false;
    },
    { timeout: 10_000, timeoutMsg: "the reply never reached the Test chat transcript" },
  );
  // The manager's reply settles the conversation.
  await browser.waitUntil(async () => (await row.getAttribute("data-status")) === "closed", {
    timeout: 5_000,
    timeoutMsg: "the conversation did not move off awaiting_response",
  });
  // Give the compositor a moment so the picture shows the final state.
  await browser.pause(1_000);
  await shot("inbox");
});
