// End to end: the real desktop window, driven over WebDriver. A customer
// writes through the Test chat; the message appears in the inbox; a reply
// typed in the composer reaches the customer's transcript and shows as sent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { byTestId, customerWrites, openApp, shot, text, waitForReplyToCustomer } from "./window.mjs";

let browser;

before(async () => {
  browser = await openApp();
});

after(async () => {
  if (browser) {
    await browser.deleteSession();
  }
});

test("a new user sees the empty inbox and what to do next", async () => {
  const empty = await browser.$(byTestId("empty-state"));
  await empty.waitForDisplayed({ timeout: 20_000 });
  assert.ok((await text(empty)).length > 0, "the empty state explains what to do");
});

test("a customer message reaches the inbox and a reply reaches the customer", async () => {
  await customerWrites(browser, "Мария", "Здравствуйте! Есть ли доставка в субботу?");

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
  await waitForReplyToCustomer(browser, "по субботам", "the reply never reached the Test chat transcript", 10_000);
  // The manager's reply settles the conversation.
  await browser.waitUntil(async () => (await row.getAttribute("data-status")) === "closed", {
    timeout: 5_000,
    timeoutMsg: "the conversation did not move off awaiting_response",
  });
  // Give the compositor a moment so the picture shows the final state.
  await browser.pause(1_000);
  await shot(browser, "inbox");
});
