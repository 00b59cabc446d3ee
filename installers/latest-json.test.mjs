// The update feed written from a release's signed installers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { feed, platformsOf } from "./latest-json.mjs";

const base = "https://github.com/tuberry/tuberry/releases/download/v0.2.0";

test("every signed installer serves the platforms the updater asks for", () => {
  const files = [
    { name: "Tuberry_0.2.0_amd64.AppImage", signature: "sig-appimage\n" },
    { name: "Tuberry_0.2.0_amd64.deb", signature: "sig-deb" },
    { name: "Tuberry_0.2.0_x64-setup.exe", signature: "sig-nsis" },
    { name: "Tuberry.app.tar.gz", signature: "sig-mac" },
  ];
  const out = feed(files, "v0.2.0", `${base}/`, "Replies can be scheduled.", new Date("2026-12-01T10:00:00Z"));
  assert.equal(out.version, "0.2.0");
  assert.equal(out.pub_date, "2026-12-01T10:00:00.000Z");
  assert.deepEqual(out.platforms["linux-x86_64"], { signature: "sig-appimage", url: `${base}/Tuberry_0.2.0_amd64.AppImage` });
  assert.equal(out.platforms["linux-x86_64-deb"].url, `${base}/Tuberry_0.2.0_amd64.deb`);
  assert.equal(out.platforms["windows-x86_64"].signature, "sig-nsis");
  assert.equal(out.platforms["darwin-aarch64"].url, `${base}/Tuberry.app.tar.gz`);
  assert.equal(out.platforms["darwin-x86_64"].url, `${base}/Tuberry.app.tar.gz`);
  assert.equal(out.platforms["windows-x86_64-msi"], undefined, "no .msi was signed");
});

test("unsigned or unknown files are left out, and a feed of nothing is refused", () => {
  assert.deepEqual(platformsOf("Tuberry_0.2.0_universal.dmg"), [], "the .dmg is installed by hand, not by the updater");
  assert.throws(() => feed([{ name: "notes.txt", signature: "x" }], "0.2.0", base, ""), /no signed installer/);
});
