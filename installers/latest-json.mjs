// Writes the update feed (`latest.json`) for the app's updater from the
// signed installers of a release: for every installer that has a `.sig`
// beside it, the platform keys the updater looks for, its address in the
// release and its signature.
//
//   node installers/latest-json.mjs DIR VERSION BASE_URL [NOTES] > latest.json
//
// DIR holds the release's files; BASE_URL is where they are downloaded from
// (https://github.com/OWNER/REPO/releases/download/vX.Y.Z).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Which updater platforms an installer serves, by its name. */
export function platformsOf(name) {
  if (name.endsWith(".AppImage")) return ["linux-x86_64", "linux-x86_64-appimage"];
  if (name.endsWith(".deb")) return ["linux-x86_64-deb"];
  if (name.endsWith(".rpm")) return ["linux-x86_64-rpm"];
  if (name.endsWith("-setup.exe")) return ["windows-x86_64", "windows-x86_64-nsis"];
  if (name.endsWith(".msi")) return ["windows-x86_64-msi"];
  // The universal macOS app serves both processors.
  if (name.endsWith(".app.tar.gz")) return ["darwin-aarch64", "darwin-x86_64", "darwin-aarch64-app", "darwin-x86_64-app"];
  return [];
}

/** The feed for the signed installers among `files` ({name, signature}). */
export function feed(files, version, baseUrl, notes, date = new Date()) {
  const platforms = {};
  for (const { name, signature } of files) {
    for (const platform of platformsOf(name)) {
      platforms[platform] = { signature: signature.trim(), url: `${baseUrl.replace(/\/$/, "")}/${encodeURIComponent(name)}` };
    }
  }
  if (Object.keys(platforms).length === 0) throw new Error("no signed installer: nothing to put in the feed");
  return { version: version.replace(/^v/, ""), notes, pub_date: date.toISOString(), platforms };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dir, version, baseUrl, notes = `Tuberry ${version.replace(/^v/, "")}`] = process.argv.slice(2);
  if (!dir || !version || !baseUrl) {
    console.error("usage: node installers/latest-json.mjs DIR VERSION BASE_URL [NOTES]");
    process.exit(2);
  }
  const names = readdirSync(dir);
  const files = names
    .filter((name) => names.includes(`${name}.sig`))
    .map((name) => ({ name, signature: readFileSync(join(dir, `${name}.sig`), "utf8") }));
  process.stdout.write(`${JSON.stringify(feed(files, version, baseUrl, notes), null, 2)}\n`);
}
