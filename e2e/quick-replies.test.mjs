// End to end: a day's work in the real window. A quick reply saved in
// Settings is inserted by typing `/` in the composer and reaches the
// customer filled in; a reply scheduled for a time goes at that time; a
// conversation snoozed until a time leaves the list and comes back then.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { byTestId, openApp, shot, text, waitForReplyToCustomer } from "./window.mjs";

let browser;

before(async () => {
  browser = await openApp();
});

after(async () => {
  if (browser) {
    await browser.deleteSession();
  }
});

/** Sets a controlled input's value the way typing would (datetime pickers have no keys to type). */
async function setValue(selector, value) {
  await browser.execute(
    (sel, v) => {
      const input = document.querySelector(sel);
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
      setter.call(input, v);
      input.dispatchEvent(new Event("input", { bubbles: true }));
    },
    selector,
    value,
  );
}

/** `YYYY-MM-DDTHH:MM` in this computer's time, as a datetime-local input takes it. */
function localMinute(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Opens the conversation of the contact named exactly `name` (not "Ольга Владелец" for "Ольга"). */
async function openConversation(name) {
  await browser.waitUntil(
    async () => {
      for (const row of await browser.$$(byTestId("conversation-row"))) {
        const shown = await text(await row.$(".row-name"));
        if (shown.trim() === name) {
          await row.click();
          return true;
        }
      }
      return false;
    },
    { timeout: 10_000, timeoutMsg: `${name}'s conversation never appeared` },
  );
}

/** Shows the Test chat of `customer` (what that customer has received). */
async function showCustomer(customer) {
  const panel = await browser.$(byTestId("test-chat-panel"));
  if (!(await panel.isDisplayed())) {
    await (await browser.$(byTestId("test-chat-toggle"))).click();
    await panel.waitForDisplayed({ timeout: 5_000 });
  }
  const name = await browser.$(byTestId("test-chat-customer"));
  await name.clearValue();
  await name.setValue(customer);
}

/** Writes to the shop as `customer` through the Test chat (opened if it is not). */
async function customerWrites(_browser, customer, message) {
  await showCustomer(customer);
  await (await browser.$(byTestId("test-chat-input"))).setValue(message);
  await (await browser.$(byTestId("test-chat-send"))).click();
}

async function rowNames() {
  const names = [];
  for (const row of await browser.$$(byTestId("conversation-row"))) names.push(await text(row));
  return names.join("\n");
}

test("a quick reply saved in Settings is inserted with / and reaches the customer filled in", async () => {
  await (await browser.$(byTestId("nav-settings"))).click();
  const card = await browser.$(byTestId("settings-quick-replies"));
  await card.waitForDisplayed({ timeout: 10_000 });
  await card.scrollIntoView();
  await (await browser.$(byTestId("quick-replies-form-name"))).setValue("hello");
  await (await browser.$(byTestId("quick-replies-form-text"))).setValue("Здравствуйте, {CUSTOMER_NAME}! Чем помочь?");
  await (await browser.$(byTestId("quick-replies-create"))).click();
  const saved = await browser.$(byTestId("quick-reply-name"));
  await saved.waitForDisplayed({ timeout: 10_000 });
  assert.match(await text(saved), /hello/);
  await shot(browser, "quick-replies-settings");

  await (await browser.$(byTestId("nav-inbox"))).click();
  await customerWrites(browser, "Ольга", "Добрый день, у вас есть пионы?");
  await openConversation("Ольга");
  const input = await browser.$(byTestId("composer-input"));
  await input.waitForDisplayed({ timeout: 10_000 });
  await input.setValue("/hel");
  const option = await browser.$(byTestId("quick-reply-option"));
  await option.waitForDisplayed({ timeout: 5_000 });
  assert.match(await text(option), /hello/);
  await shot(browser, "quick-reply-popup");
  await browser.keys("Enter");
  await browser.waitUntil(async () => (await input.getValue()) === "Здравствуйте, Ольга! Чем помочь?", {
    timeout: 5_000,
    timeoutMsg: "the quick reply was not inserted filled in",
  });
  await (await browser.$(byTestId("composer-send"))).click();
  await waitForReplyToCustomer(browser, "Здравствуйте, Ольга! Чем помочь?", "the quick reply never reached the customer");
});

test("a scheduled reply goes at its time and a snoozed conversation comes back at its time", async () => {
  // Both at the same minute, 30–90 s from now.
  const at = Math.floor((Date.now() + 90_000) / 60_000) * 60_000;

  await customerWrites(browser, "Пётр", "Напомните мне завтра про заказ");
  await openConversation("Пётр");
  await (await browser.$(byTestId("composer-input"))).setValue("Напоминаем: ваш заказ готов.");
  await (await browser.$(byTestId("composer-later"))).click();
  await (await browser.$(byTestId("send-later-pick"))).click();
  await (await browser.$(byTestId("send-later-at"))).waitForDisplayed({ timeout: 5_000 });
  await setValue(byTestId("send-later-at"), localMinute(at));
  await (await browser.$(byTestId("send-later-schedule"))).click();
  const waiting = await browser.$(byTestId("scheduled-reply"));
  await waiting.waitForDisplayed({ timeout: 10_000 });
  assert.match(await text(waiting), /ваш заказ готов/);
  await shot(browser, "scheduled-reply");

  await customerWrites(browser, "Инна", "Перезвоните после обеда");
  await openConversation("Инна");
  await (await browser.$(byTestId("thread-snooze"))).click();
  await (await browser.$(byTestId("snooze-pick"))).click();
  await (await browser.$(byTestId("snooze-at"))).waitForDisplayed({ timeout: 5_000 });
  await setValue(byTestId("snooze-at"), localMinute(at));
  await (await browser.$(byTestId("snooze-submit"))).click();
  await browser.waitUntil(async () => !(await rowNames()).includes("Инна"), {
    timeout: 10_000,
    timeoutMsg: "the snoozed conversation stayed in the list",
  });
  const snoozedTab = await browser.$(byTestId("status-filter-snoozed"));
  assert.match(await text(snoozedTab), /1/);
  await shot(browser, "snoozed");

  // Nothing went early.
  await showCustomer("Пётр");
  await browser.pause(1_000);
  const early = await browser.$$(`${byTestId("test-chat-entry")}[data-direction="out"]`);
  for (const line of early) assert.doesNotMatch(await text(line), /ваш заказ готов/);

  const wait = at - Date.now() + 30_000;
  await waitForReplyToCustomer(browser, "ваш заказ готов", "the scheduled reply never went", wait);
  assert.ok(Date.now() >= at - 1_000, "the scheduled reply went before its time");
  await browser.waitUntil(async () => (await rowNames()).includes("Инна"), {
    timeout: 30_000,
    timeoutMsg: "the snoozed conversation never came back",
  });
  await openConversation("Пётр");
  const sent = await browser.$(`${byTestId("thread")} ${byTestId("message")}[data-direction="out"][data-delivery="sent"]`);
  await sent.waitForDisplayed({ timeout: 10_000 });
  await shot(browser, "scheduled-sent");
});
