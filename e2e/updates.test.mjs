// End to end: updates, in a build that carries an update feed and its
// public key (scripts/test.sh builds the app with a feed on this machine and
// the key in fixtures/). The feed here is a local server: it first offers
// nothing newer, then a newer version whose package does not match its
// signature. The app says it is up to date, then shows the new version and
// its notes, and refuses to install the changed package.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { byTestId, openApp, text } from "./window.mjs";

const FEED_PORT = 47811;
const fixture = (name) => new URL(`./fixtures/${name}`, import.meta.url);
let browser;
let server;
let announced = "0.0.9";
let downloads = 0;

before(async () => {
  const pkg = await readFile(fixture("update-package.txt"));
  const signature = (await readFile(fixture("update-package.txt.sig"), "utf8")).trim();
  server = createServer((req, res) => {
    if (req.url === "/latest.json") {
      const entry = { signature, url: `http://127.0.0.1:${FEED_PORT}/tuberry-update.bin` };
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          version: announced,
          notes: "Replies can be scheduled.",
          pub_date: "2026-12-01T10:00:00Z",
          platforms: { "linux-x86_64": entry, "linux-x86_64-deb": entry },
        }),
      );
    } else if (req.url === "/tuberry-update.bin") {
      downloads += 1;
      // Not what was signed: one byte changed on the way.
      const changed = Buffer.from(pkg);
      changed[0] ^= 1;
      res.end(changed);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(FEED_PORT, "127.0.0.1", resolve));
  browser = await openApp();
});

after(async () => {
  if (browser) await browser.deleteSession();
  server?.close();
});

async function statusSays(needle, timeoutMsg) {
  await browser.waitUntil(async () => (await text(await browser.$(byTestId("settings-update-status")))).includes(needle), {
    timeout: 15_000,
    timeoutMsg,
  });
}

test("the app finds a newer version in its feed and refuses a package that does not match its signature", async () => {
  const app = process.env.TUBERRY_APP;
  const before = (await stat(app)).mtimeMs;
  await (await browser.$(byTestId("nav-settings"))).click();
  await (await browser.$(byTestId("settings-updates"))).waitForDisplayed({ timeout: 10_000 });
  assert.equal(await text(await browser.$(byTestId("settings-version"))), "0.1.0");

  await (await browser.$(byTestId("settings-update-check"))).click();
  await statusSays("up to date", "an older version in the feed is not an update");

  announced = "9.9.9";
  await (await browser.$(byTestId("settings-update-check"))).click();
  await statusSays("Tuberry 9.9.9 is available", "the newer version is shown");
  assert.equal(await text(await browser.$(byTestId("settings-update-notes"))), "Replies can be scheduled.");

  await (await browser.$(byTestId("settings-update-install"))).click();
  await browser.waitUntil(async () => (await browser.$(byTestId("settings-update-error"))).isExisting(), {
    timeout: 15_000,
    timeoutMsg: "the changed package is refused",
  });
  const error = await text(await browser.$(byTestId("settings-update-error")));
  assert.match(error, /signature/i, error);
  assert.ok(downloads >= 1, "the package was downloaded and checked");
  assert.equal((await stat(app)).mtimeMs, before, "nothing was installed");
  // Still running, and the version is still offered.
  assert.ok(await (await browser.$(byTestId("settings-update-install"))).isExisting());
});
