// End to end: restoring a backup from the window. A backup is taken, a
// customer writes after it, the backup is restored from Settings: the window
// shows the restore's progress, the app starts again by itself with the
// backup's database (the later conversation is gone) and says what it
// restored. Named to run last (the runner takes files in name order): the
// data directory goes back to the backup.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { byTestId, customerWrites, openApp, poll, shot, text } from "./window.mjs";

let browser;
/** The app started again by the restore: not the WebDriver's, stopped at the end. */
let restarted = null;

const lockHolder = async () => {
  const pid = Number((await readFile(join(process.env.TUBERRY_DATA_DIR, "tuberry.lock"), "utf8").catch(() => "")).trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
};
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

before(async () => {
  browser = await openApp();
});

after(async () => {
  if (restarted && alive(restarted)) process.kill(restarted, "SIGTERM");
  if (browser) await browser.deleteSession().catch(() => {});
});

async function openBackups() {
  await (await browser.$(byTestId("nav-settings"))).waitForDisplayed({ timeout: 20_000 });
  await (await browser.$(byTestId("nav-settings"))).click();
  const section = await browser.$(byTestId("settings-backups"));
  await section.waitForDisplayed({ timeout: 10_000 });
  await section.scrollIntoView();
  return section;
}

test("a backup restored from the window replaces the database after the app starts again by itself", async () => {
  await openBackups();
  await (await browser.$(byTestId("backups-now"))).click();
  await (await browser.$(byTestId("backups-taken"))).waitForDisplayed({ timeout: 20_000 });
  const first = await browser.$(byTestId("backups-row"));
  assert.equal(await first.getAttribute("data-kind"), "manual");

  // After the backup: a customer the backup does not know.
  await customerWrites(browser, "Late Visitor", "Written after the backup");
  await browser.waitUntil(
    async () => {
      for (const row of await browser.$$(byTestId("conversation-row"))) {
        if ((await text(row)).includes("Late Visitor")) return true;
      }
      return false;
    },
    { timeout: 10_000, timeoutMsg: "the later conversation is in the inbox" },
  );
  await (await browser.$(byTestId("test-chat-toggle"))).click();

  await openBackups();
  const before = await lockHolder();
  assert.ok(before && alive(before), "the app holds its data directory");
  await (await (await browser.$(byTestId("backups-row"))).$(byTestId("backups-restore-row"))).click();
  const confirm = await browser.$(byTestId("backups-restore-confirm"));
  await confirm.waitForDisplayed({ timeout: 5_000 });
  assert.match(await text(await browser.$(byTestId("backups-restore-question"))), /manual|Manual|вручную/i);
  await shot(browser, "restore-confirm");
  await (await browser.$(byTestId("backups-restore-go"))).click();

  // The backup is copied and checked (in a moment, for a store this small),
  // then the app starts again on its own.
  restarted = await poll(
    "the app started again",
    async () => {
      const now = await lockHolder();
      return now && now !== before && alive(now) ? now : null;
    },
    150,
  );
  // It holds the lock while it swaps the databases: stopping it is for
  // after the restore has finished (its outcome written, nothing pending).
  await poll(
    "the restarted app finished the restore",
    async () => {
      const dir = process.env.TUBERRY_DATA_DIR;
      const outcome = await readFile(join(dir, "restore-outcome.json"), "utf8").catch(() => null);
      const pending = await readFile(join(dir, "restore-pending.json"), "utf8").catch(() => null);
      return outcome !== null && pending === null;
    },
    150,
  );
  // The restarted app is not WebDriver's: stop it, and open a window on
  // the same data directory through WebDriver again.
  await browser.deleteSession().catch(() => {});
  browser = null;
  process.kill(restarted, "SIGTERM");
  await poll("the restarted app ended", async () => !alive(restarted));
  browser = await openApp();

  const banner = await browser.$(byTestId("restore-banner"));
  await banner.waitForDisplayed({ timeout: 20_000 });
  assert.equal(await banner.getAttribute("data-outcome"), "restored");
  assert.match(await text(await browser.$(byTestId("restore-banner-text"))), /before-restore/);
  await shot(browser, "restored");
  const names = [];
  for (const row of await browser.$$(byTestId("conversation-row"))) names.push(await text(row));
  assert.ok(!names.some((n) => n.includes("Late Visitor")), `the backup's inbox: ${names.join(" | ")}`);
  await (await browser.$(byTestId("restore-banner-dismiss"))).click();
  await browser.waitUntil(async () => !(await (await browser.$(byTestId("restore-banner"))).isExisting()), {
    timeout: 5_000,
    timeoutMsg: "the banner goes when dismissed",
  });
});
