// Attachment files of the in-memory engine: kept as given, each under a
// `file:` address of its own, and "saved" to a demo Downloads folder.
import type { ApiError, Attachment, AttachmentKind, Result } from "./api";
import { notFound, ok } from "./mock-shared";

/** Bytes behind a base64 string. */
export function base64Size(base64: string): number {
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor((base64.length * 3) / 4) - padding);
}

/** The folder "Save" puts files in, as the desktop shell reports it. */
const DOWNLOADS = "/home/demo/Downloads";

export function createMockFiles() {
  /** Contents by address, as base64. */
  const files = new Map<string, string>();

  const put = (base64: string): string => {
    const url = `file:${(files.size + 1).toString(16).padStart(64, "0")}`;
    files.set(url, base64);
    return url;
  };

  /** An attachment for a file the engine keeps (seed messages use it). */
  const attach = (kind: AttachmentKind, name: string, mime: string | null, base64: string): Attachment => ({
    kind,
    name,
    mime,
    url: put(base64),
    size: base64Size(base64),
  });

  const commands = {
    async uploadAttachment(name: string, mime: string | null, base64: string): Promise<Result<Attachment, ApiError>> {
      return ok(attach("file", name, mime, base64));
    },

    async openExternal(): Promise<Result<null, ApiError>> {
      // A plain browser opens web links itself (the link's target).
      return ok(null);
    },

    async readAttachment(url: string): Promise<Result<string, ApiError>> {
      const content = files.get(url);
      return content == null ? notFound(url) : ok(content);
    },

    async saveAttachment(url: string, name: string): Promise<Result<string, ApiError>> {
      return files.has(url) ? ok(`${DOWNLOADS}/${name}`) : notFound(url);
    },
  };

  return { commands, attach };
}
