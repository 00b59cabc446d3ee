// Attachment files of the in-memory engine (as src/files.rs): kept once per
// content and referred to as `file:<64 hex digits>`. The demo's digest is a
// cheap one shaped like the engine's SHA-256.
import type { ApiError, Attachment, AttachmentKind, Result } from "./api";
import { fail, ok } from "./mock-shared";

/** The largest attachment accepted from the composer (the engine's MAX_SIZE). */
export const MAX_FILE_SIZE = 25 * 1024 * 1024;

const SCHEME = "file:";
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Bytes behind a base64 string. */
export function base64Size(base64: string): number {
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return Math.floor((base64.length * 3) / 4) - padding;
}

function digest(content: string): string {
  let out = "";
  for (let seed = 0; seed < 8; seed++) {
    // FNV-1a, once per seed: 8 × 8 hex digits.
    let hash = (0x811c9dc5 ^ (seed * 0x9e3779b9)) >>> 0;
    for (let i = 0; i < content.length; i++) {
      hash ^= content.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    out += hash.toString(16).padStart(8, "0");
  }
  return out;
}

function kindOf(mime: string | null): AttachmentKind {
  switch (mime?.split("/")[0]) {
    case "image":
      return "image";
    case "audio":
      return "audio";
    case "video":
      return "video";
    default:
      return "file";
  }
}

/** The folder "Save" puts files in, as the desktop shell reports it. */
const DOWNLOADS = "/home/demo/Downloads";

export function createMockFiles() {
  /** Contents by url, as base64. */
  const files = new Map<string, string>();
  /** Paths "saved" so far, so a second save of a name gets a number. */
  const saved = new Set<string>();

  const put = (base64: string): string => {
    const url = `${SCHEME}${digest(base64)}`;
    files.set(url, base64);
    return url;
  };

  const isStored = (url: string | null): boolean => url != null && files.has(url);

  /** An attachment for a file the engine keeps (seed messages use it). */
  const attach = (kind: AttachmentKind, name: string, mime: string, base64: string): Attachment => ({
    kind,
    name,
    mime,
    url: put(base64),
    size: base64Size(base64),
  });

  const stored = (url: string): Result<string, ApiError> => {
    const valid = url.startsWith(SCHEME) && /^[0-9a-f]{64}$/.test(url.slice(SCHEME.length));
    if (!valid) return fail("invalid_input", `\`${url}\` is not a stored file`);
    const content = files.get(url);
    if (content == null) return fail("internal", `${url}: No such file or directory`);
    return ok(content);
  };

  const commands = {
    async uploadAttachment(name: string, mime: string | null, base64: string): Promise<Result<Attachment, ApiError>> {
      const clean = (name.split(/[/\\]/).pop() ?? "").trim();
      if (!clean) return fail("invalid_input", "the file has no name");
      if (!BASE64.test(base64)) return fail("invalid_input", `“${clean}” could not be read`);
      const size = base64Size(base64);
      if (size === 0) return fail("invalid_input", `“${clean}” is empty`);
      if (size > MAX_FILE_SIZE) {
        return fail("invalid_input", `“${clean}” is larger than ${MAX_FILE_SIZE / 1024 / 1024} MB`);
      }
      const type = mime && mime.includes("/") && !/\s/.test(mime) ? mime : null;
      return ok({ kind: kindOf(type), name: clean, mime: type, url: put(base64), size });
    },

    // A plain browser opens web links itself (the link's target); the
    // desktop shell hands them to the system browser.
    async openExternal(url: string): Promise<Result<null, ApiError>> {
      return /^https?:\/\//.test(url) ? ok(null) : fail("invalid_input", "only web addresses are opened");
    },

    async readAttachment(url: string): Promise<Result<string, ApiError>> {
      return stored(url);
    },

    async saveAttachment(url: string, name: string): Promise<Result<string, ApiError>> {
      const content = stored(url);
      if (content.status === "error") return content;
      let base = (name.split(/[/\\]/).pop() ?? "").trim();
      if (!base || base.startsWith(".")) base = "file";
      const dot = base.lastIndexOf(".");
      const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ""];
      for (let n = 0; n < 1000; n++) {
        const path = `${DOWNLOADS}/${n === 0 ? base : `${stem} (${n})${ext}`}`;
        if (saved.has(path)) continue;
        saved.add(path);
        return ok(path);
      }
      return fail("invalid_input", `too many files named “${base}” in ${DOWNLOADS}`);
    },
  };

  return { commands, attach, isStored };
}
