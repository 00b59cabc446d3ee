// End to end: a seller connects the shop's Avito account in the desktop app,
// a buyer writes about a listing, and the seller answers. Avito is the local
// stand-in (`tuberry-fakes avito`, started by run.sh) that checks every request
// against Avito's published API description; this test plays the buyer through
// its control API and reads what reached Avito.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { byTestId, openApp, shot, text } from "./window.mjs";

const AVITO = process.env.TUBERRY_FAKE_AVITO;
const SELLER = 94235311;
const CLIENT_ID = "e2e-client";
const CLIENT_SECRET = "e2e-secret-0123456789";
const QUESTION = "Is the corner sofa still available?";
const REPLY = "Yes, it is. Delivery in Moscow is free.";
let browser;

async function control(method, path, body) {
  const response = await fetch(`${AVITO}/_control${path}`, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

async function fill(id, value) {
  const input = await browser.$(byTestId(id));
  await input.setValue(value);
  await browser.waitUntil(async () => (await input.getValue()) === value, {
    timeout: 5_000,
    timeoutMsg: `${id} does not show "${value}"`,
  });
}

before(async () => {
  assert.ok(AVITO, "run.sh starts the Avito stand-in");
  await control("POST", "/accounts", {
    userId: SELLER,
    name: "Sofa Shop",
    email: "seller@example.com",
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
  });
  browser = await openApp();
});

after(async () => {
  if (browser) {
    await browser.deleteSession();
  }
});

test("a seller connects the Avito account and it comes online under its name", async () => {
  const nav = await browser.$(byTestId("nav-avito"));
  await nav.waitForDisplayed({ timeout: 20_000 });
  await nav.click();
  await (await browser.$(byTestId("avito-view"))).waitForDisplayed({ timeout: 5_000 });
  await (await browser.$(byTestId("avito-add"))).click();
  await (await browser.$(byTestId("avito-client-id"))).waitForDisplayed({ timeout: 5_000 });
  await fill("avito-client-id", CLIENT_ID);
  await fill("avito-client-secret", CLIENT_SECRET);
  await (await browser.$(`${byTestId("avito-advanced")} summary`)).click();
  await fill("avito-api-url", AVITO);
  await (await browser.$(byTestId("avito-connect"))).click();

  const row = await browser.$(`${byTestId("avito-row")}*=Sofa Shop`);
  await row.waitForDisplayed({ timeout: 20_000 });
  await browser.waitUntil(async () => (await row.getAttribute("data-state")) === "online", {
    timeout: 30_000,
    timeoutMsg: "the Avito account never came online",
  });
  assert.match(await text(await browser.$(byTestId("avito-user-id"))), new RegExp(String(SELLER)));
  await browser.pause(500);
  await shot(browser, "avito");
});

test("a buyer's question about a listing arrives and the answer reaches Avito", async () => {
  const written = await control("POST", "/buyer-writes", {
    userId: SELLER,
    buyer: { id: 555001, name: "Ivan Buyer" },
    item: {
      id: 1768287444,
      title: "Corner sofa",
      priceString: "25 000 ₽",
      url: "https://www.avito.ru/moskva/mebel/corner_sofa_1768287444",
      imageUrl: "https://00.img.avito.st/image/1/140x105/1768287444.jpg",
    },
    text: QUESTION,
  });

  await (await browser.$(byTestId("nav-inbox"))).click();
  const row = await browser.$(`${byTestId("conversation-row")}*=Ivan Buyer`);
  await row.waitForDisplayed({ timeout: 30_000 });
  await row.click();
  const thread = await browser.$(byTestId("thread"));
  await thread.waitForDisplayed({ timeout: 10_000 });
  const inbound = await browser.$(`${byTestId("thread")} ${byTestId("message")}[data-direction="in"]`);
  await inbound.waitForDisplayed({ timeout: 10_000 });
  assert.match(await text(inbound), /corner sofa still available/);
  const listing = await browser.$(byTestId("listing-card"));
  await listing.waitForDisplayed({ timeout: 10_000 });
  assert.match(await text(listing), /Corner sofa/);
  assert.match(await text(listing), /25 000/);

  await (await browser.$(byTestId("composer-input"))).setValue(REPLY);
  await (await browser.$(byTestId("composer-send"))).click();
  const sent = await browser.$(
    `${byTestId("thread")} ${byTestId("message")}[data-direction="out"][data-delivery="sent"]`,
  );
  await sent.waitForDisplayed({ timeout: 30_000 });

  const delivered = await control("GET", "/sent");
  const answer = delivered.find((m) => m.chatId === written.chatId);
  assert.ok(answer, `the answer never reached Avito: ${JSON.stringify(delivered)}`);
  assert.equal(answer.kind, "text");
  assert.equal(answer.text, REPLY);
  assert.deepEqual(await control("GET", "/spec-errors"), [], "requests outside Avito's API description");

  await browser.pause(1_000);
  await shot(browser, "avito-thread");
});
