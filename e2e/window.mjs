// What the end-to-end tests share: a WebDriver session on the real desktop
// app, finding things by test id, reading their text, screenshots, and the
// Test chat's customer side.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { remote } from "webdriverio";

export const byTestId = (id) => `[data-testid="${id}"]`;

// WebKitWebDriver's visible-text reading skips text in ellipsized boxes; the
// DOM's text is what a person reads there.
export const text = async (element) => (await element.getProperty("textContent")) ?? "";

/** Starts the app (TUBERRY_APP) through tauri-driver on port 4444. */
export async function openApp() {
  const browser = await remote({
    hostname: "127.0.0.1",
    port: 4444,
    logLevel: "error",
    capabilities: { "tauri:options": { application: process.env.TUBERRY_APP } },
  });
  await browser.setTimeout({ implicit: 0 });
  return browser;
}

/** Calls `probe` every 200 ms until it answers something; fails after `tries`. */
export async function poll(what, probe, tries = 100) {
  for (let i = 0; i < tries; i++) {
    const found = await probe();
    if (found) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Saves what the window shows into TUBERRY_E2E_ARTIFACTS. */
export async function shot(browser, name) {
  const png = await browser.takeScreenshot();
  await writeFile(join(process.env.TUBERRY_E2E_ARTIFACTS, `${name}.png`), Buffer.from(png, "base64"));
}

/** Writes to the shop as a customer through the Test chat panel. */
export async function customerWrites(browser, customer, message) {
  await (await browser.$(byTestId("test-chat-toggle"))).click();
  await (await browser.$(byTestId("test-chat-panel"))).waitForDisplayed({ timeout: 5_000 });
  const name = await browser.$(byTestId("test-chat-customer"));
  await name.clearValue();
  await name.setValue(customer);
  await (await browser.$(byTestId("test-chat-input"))).setValue(message);
  await (await browser.$(byTestId("test-chat-send"))).click();
}

/** Waits until the Test chat's customer received a reply containing `needle`. */
export async function waitForReplyToCustomer(browser, needle, timeoutMsg, timeout = 15_000) {
  await browser.waitUntil(
    async () => {
      const lines = await browser.$$(`${byTestId("test-chat-entry")}[data-direction="out"]`);
      for (const line of lines) {
        if ((await text(line)).includes(needle)) return true;
      }
      return false;
    },
    { timeout, timeoutMsg },
  );
}
