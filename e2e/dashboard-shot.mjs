// The README's picture of the Dashboard: the real window on a seeded store
// (scripts/dashboard-screenshot.sh prepares the store and the display).
import { openApp, byTestId, shot } from "./window.mjs";

const browser = await openApp();
try {
  await (await browser.$(byTestId("nav-dashboard"))).waitForDisplayed({ timeout: 60_000 });
  await (await browser.$(byTestId("nav-dashboard"))).click();
  await (await browser.$("button=30 days")).waitForDisplayed({ timeout: 20_000 });
  await (await browser.$("button=30 days")).click();
  // The charts animate in.
  await browser.pause(3_000);
  await shot(browser, "dashboard");
} finally {
  await browser.deleteSession();
}
