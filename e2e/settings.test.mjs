// End to end: the tray and the Settings screen of the real desktop app.
// The tray icon sits in a real StatusNotifierItem host (run.sh starts one):
// its menu counts the waiting conversations and opens Settings, and the
// launcher is told the count. In Settings a seller chooses Russian, turns
// notifications off, turns the LAN endpoint on, asks for detailed logs and
// lets Tuberry start at login; the app is started again and every choice is
// still there, in the window and in settings.toml.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { byTestId, customerWrites, openApp, shot, text } from "./window.mjs";

const settingsFile = join(process.env.TUBERRY_DATA_DIR, "settings.toml");
const loginEntry = join(homedir(), ".config", "autostart", "Tuberry.desktop");
let browser;

/** A port nothing listens on now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function openSettings() {
  await (await browser.$(byTestId("nav-settings"))).click();
  await (await browser.$(byTestId("settings-view"))).waitForDisplayed({ timeout: 10_000 });
  await (await browser.$(byTestId("settings-language"))).waitForDisplayed({ timeout: 10_000 });
}

const checked = async (id) => (await browser.$(byTestId(id))).isSelected();

async function waitText(id, needle, timeoutMsg) {
  await browser.waitUntil(async () => (await text(await browser.$(byTestId(id)))).includes(needle), {
    timeout: 10_000,
    timeoutMsg,
  });
}

before(async () => {
  browser = await openApp();
});

after(async () => {
  if (browser) await browser.deleteSession();
});

/** Calls a D-Bus method on the session bus; its answer as GVariant text. */
function gdbus(dest, path, method, ...args) {
  const run = spawnSync("gdbus", ["call", "--session", "--dest", dest, "--object-path", path, "--method", method, "--", ...args], {
    encoding: "utf8",
  });
  assert.equal(run.status, 0, `${method}: ${run.stderr}`);
  return run.stdout;
}

/** The tray's menu as the tray host reads it: [id, label, toggle state]. */
function trayMenu() {
  const items = gdbus(
    "org.kde.StatusNotifierWatcher",
    "/StatusNotifierWatcher",
    "org.freedesktop.DBus.Properties.Get",
    "org.kde.StatusNotifierWatcher",
    "RegisteredStatusNotifierItems",
  );
  const service = /'([^'/]+)/.exec(items)?.[1];
  assert.ok(service, `the tray icon is registered with the tray: ${items}`);
  const item = "/org/ayatana/NotificationItem/tray_icon_tray_app_main";
  const menuPath = /objectpath '([^']+)'/.exec(
    gdbus(service, item, "org.freedesktop.DBus.Properties.Get", "org.kde.StatusNotifierItem", "Menu"),
  )?.[1];
  assert.ok(menuPath, "the tray icon has a menu");
  const layout = gdbus(service, menuPath, "com.canonical.dbusmenu.GetLayout", "0", "-1", "@as []");
  const entries = [...layout.matchAll(/<\((\d+), \{([^}]*)\}/g)].map(([, id, props]) => [
    Number(id),
    /'label': <'([^']*)'>/.exec(props)?.[1] ?? null,
    /'toggle-state': <(\d)>/.exec(props)?.[1] ?? null,
  ]);
  return { service, menuPath, entries };
}

/** The count last told to the launcher (the taskbar badge). */
async function badge() {
  const log = await readFile(process.env.TUBERRY_E2E_BADGE, "utf8");
  const counts = [...log.matchAll(/string "count"\s+variant\s+int64 (\d+)/g)].map((m) => Number(m[1]));
  return counts.at(-1) ?? null;
}

test("the tray counts the waiting conversations, tells the launcher, and opens Settings", async () => {
  await customerWrites(browser, "Tray Tanya", "Do you have it in blue?");
  // The counts move as the assistant answers: the menu and the launcher
  // follow the engine's counts whatever they are when looked at.
  const counts = () => browser.execute(() => window.__TAURI_INTERNALS__.invoke("status_counts", {}));
  const lineOf = (c) => `Awaiting an answer: ${c.awaitingResponse} · need a person: ${c.needsHuman}`;
  await browser.waitUntil(async () => trayMenu().entries[0]?.[1] === lineOf(await counts()), {
    timeout: 10_000,
    timeoutMsg: `the menu's first line counts: ${JSON.stringify(trayMenu().entries)}`,
  });
  const labels = trayMenu().entries.map(([, label]) => label).filter(Boolean);
  assert.deepEqual(labels.slice(1), ["Open Tuberry", "Settings…", "Pause auto-replies", "Notifications", "Start at login", "Quit"]);
  const waiting = async () => {
    const c = await counts();
    return c.awaitingResponse + c.needsHuman;
  };
  assert.ok((await waiting()) > 0, "a conversation waits");
  await browser.waitUntil(async () => (await badge()) === (await waiting()), {
    timeout: 10_000,
    timeoutMsg: "the launcher is told how many wait",
  });
  const title = () => browser.execute(() => window.__TAURI_INTERNALS__.invoke("plugin:window|title", { label: "main" }));
  await browser.waitUntil(async () => (await title()) === `Tuberry (${await waiting()})`, {
    timeout: 10_000,
    timeoutMsg: "the window's title counts too",
  });

  // The menu as a person sees it: a right click on the icon in the tray.
  spawnSync("xdotool", ["mousemove", "1264", "864"]);
  spawnSync("xdotool", ["click", "3"]);
  await browser.pause(1_500);
  spawnSync("import", ["-window", "root", "-crop", "440x260+840+620", "+repage", join(process.env.TUBERRY_E2E_ARTIFACTS, "tray-menu.png")]);
  spawnSync("xdotool", ["key", "Escape"]);

  // "Settings…" opens the window on Settings.
  const { service, menuPath, entries } = trayMenu();
  const settings = entries.find(([, label]) => label === "Settings…")[0];
  gdbus(service, menuPath, "com.canonical.dbusmenu.Event", String(settings), "clicked", "<int32 0>", "0");
  await (await browser.$(byTestId("settings-view"))).waitForDisplayed({ timeout: 10_000 });
});

test("settings chosen in the window hold after the app starts again", async () => {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  await openSettings();
  // The screen as a seller first sees it, for the README.
  await browser.pause(1_000);
  await shot(browser, "settings-start");

  await (await browser.$(byTestId("settings-language"))).selectByAttribute("value", "ru");
  await browser.waitUntil(async () => (await text(await browser.$("h1"))).includes("Настройки"), {
    timeout: 5_000,
    timeoutMsg: "the window speaks Russian",
  });
  assert.equal(await checked("settings-notifications"), true, "notifications are on until turned off");
  await (await browser.$(byTestId("settings-notifications"))).click();
  await browser.waitUntil(async () => !(await checked("settings-notifications")), {
    timeout: 5_000,
    timeoutMsg: "notifications turn off",
  });
  await (await browser.$(byTestId("settings-start-at-login"))).click();
  await browser.waitUntil(async () => checked("settings-start-at-login"), {
    timeout: 5_000,
    timeoutMsg: "start at login turns on",
  });
  assert.ok(await stat(loginEntry), "the login entry is written");

  const field = await browser.$(byTestId("settings-lan-address"));
  await field.clearValue();
  await field.setValue(address);
  await (await browser.$(byTestId("settings-lan-save"))).click();
  await waitText("settings-lan-status", `Слушает ${address}`, "the LAN endpoint listens");
  const answer = await fetch(`http://${address}/`);
  assert.equal(answer.status, 404, "the endpoint answers on the network (nothing lives at /)");

  await (await browser.$(byTestId("settings-log-level"))).selectByAttribute("value", "debug");
  await browser.waitUntil(async () => (await (await browser.$(byTestId("settings-log-level"))).getValue()) === "debug", {
    timeout: 5_000,
    timeoutMsg: "the log level changes",
  });
  const file = await readFile(settingsFile, "utf8");
  assert.match(file, new RegExp(`listen = "${address.replaceAll(".", "\\.")}"`), file);
  assert.match(file, /level = "debug"/, file);
  assert.match(file, /poll_fast_s = 1/, `the rest of the file stays: ${file}`);
  // The webview paints a moment after the last change.
  await browser.pause(1_000);
  await shot(browser, "settings");

  // The app ends and starts again on the same data.
  await browser.deleteSession();
  browser = await openApp();
  await (await browser.$(byTestId("nav-settings"))).waitForDisplayed({ timeout: 15_000 });
  await openSettings();
  await browser.waitUntil(async () => (await text(await browser.$("h1"))).includes("Настройки"), {
    timeout: 10_000,
    timeoutMsg: "the window speaks Russian again",
  });
  assert.equal(await checked("settings-notifications"), false, "notifications stay off");
  assert.equal(await checked("settings-start-at-login"), true, "starting at login stays on");
  assert.equal(await (await browser.$(byTestId("settings-log-level"))).getValue(), "debug");
  await waitText("settings-lan-status", `Слушает ${address}`, "the LAN endpoint listens again");
  assert.equal((await fetch(`http://${address}/`)).status, 404);

  // Everything back as it was for the next tests.
  await (await browser.$(byTestId("settings-lan-off"))).click();
  await waitText("settings-lan-status", "Выключена", "the LAN endpoint turns off");
  await assert.rejects(fetch(`http://${address}/`), "nothing listens once it is off");
  await (await browser.$(byTestId("settings-notifications"))).click();
  await (await browser.$(byTestId("settings-start-at-login"))).click();
  await browser.waitUntil(async () => !(await checked("settings-start-at-login")), {
    timeout: 5_000,
    timeoutMsg: "start at login turns off",
  });
  await assert.rejects(stat(loginEntry), "turning it off removes the login entry");
  await (await browser.$(byTestId("settings-log-level"))).selectByAttribute("value", "info");
  await (await browser.$(byTestId("settings-language"))).selectByAttribute("value", "en");
  await browser.waitUntil(async () => (await text(await browser.$("h1"))).includes("Settings"), {
    timeout: 5_000,
    timeoutMsg: "the window speaks English again",
  });
});
