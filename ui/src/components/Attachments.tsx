import { useEffect, useRef, useState, type RefObject } from "react";
import { useTranslation } from "react-i18next";
import { api, type Attachment } from "../api";
import { apiMessage } from "../errors";
import { formatSize } from "../format";
import { DownloadIcon, PaperclipIcon } from "./Icon";

/** How long "Saved to …" stays under an attachment. */
const SAVED_NOTE_MS = 6000;

/** Attachments the engine keeps as files (others, e.g. `tg:`, are known by name only). */
const isStoredFile = (a: Attachment): a is Attachment & { url: string } => a.url?.startsWith("file:") ?? false;

const isImage = (a: Attachment) => a.kind === "image" || (a.mime?.startsWith("image/") ?? false);

export function AttachmentList({ attachments, language }: { attachments: Attachment[]; language: string }) {
  const { t } = useTranslation();
  return (
    <ul className="attachments" aria-label={t("thread.attachments")}>
      {attachments.map((a, i) => (
        <AttachmentItem key={`${a.url ?? a.name}-${i}`} attachment={a} language={language} />
      ))}
    </ul>
  );
}

function AttachmentItem({ attachment: a, language }: { attachment: Attachment; language: string }) {
  const { t } = useTranslation();
  const stored = isStoredFile(a);
  const [saving, setSaving] = useState(false);
  const [savedTo, setSavedTo] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!savedTo) return;
    const timer = setTimeout(() => setSavedTo(null), SAVED_NOTE_MS);
    return () => clearTimeout(timer);
  }, [savedTo]);

  const save = async () => {
    if (!a.url) return;
    setSaving(true);
    setError(null);
    setSavedTo(null);
    try {
      setSavedTo(await api.saveAttachment(a.url, a.name));
    } catch (reason) {
      setError(apiMessage(reason, t));
    } finally {
      setSaving(false);
    }
  };

  return (
    <li className={`attachment${stored && isImage(a) ? " attachment--image" : ""}`} data-testid="attachment" data-kind={a.kind}>
      {stored && isImage(a) && <Thumbnail url={a.url!} mime={a.mime} name={a.name} />}
      <div className="attachment-line">
        <PaperclipIcon size={14} />
        <span className="attachment-name" title={a.name}>
          {a.name}
        </span>
        {a.size != null && <span className="attachment-size">{formatSize(a.size, language)}</span>}
        {stored && (
          <button
            type="button"
            className="attachment-save"
            data-testid="attachment-save"
            onClick={() => void save()}
            disabled={saving}
            title={t("attachment.saveHint")}
          >
            <DownloadIcon size={13} />
            {saving ? t("attachment.saving") : t("attachment.save")}
          </button>
        )}
      </div>
      {savedTo && (
        <div className="attachment-note selectable" data-testid="attachment-saved" role="status">
          {t("attachment.saved", { path: savedTo })}
        </div>
      )}
      {error && (
        <div className="attachment-note attachment-note--error" role="alert">
          {error}
        </div>
      )}
    </li>
  );
}

/** Images already read, by url, as data URLs (the most recent few). */
const images = new Map<string, string>();
const IMAGE_CACHE = 60;

function remember(url: string, data: string) {
  images.delete(url);
  images.set(url, data);
  if (images.size > IMAGE_CACHE) images.delete(images.keys().next().value!);
}

/** True once the element has been on screen (at once where that cannot be known). */
function useSeen(ref: RefObject<HTMLElement | null>): boolean {
  const [seen, setSeen] = useState(() => typeof IntersectionObserver === "undefined");
  useEffect(() => {
    const el = ref.current;
    if (seen || !el) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setSeen(true);
      },
      { rootMargin: "200px" },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref, seen]);
  return seen;
}

/** A stored image, read from the engine when its message comes into view. */
function Thumbnail({ url, mime, name }: { url: string; mime: string | null; name: string }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLSpanElement>(null);
  const seen = useSeen(ref);
  const [src, setSrc] = useState(() => images.get(url) ?? null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    if (!seen || src) return;
    let active = true;
    api
      .readAttachment(url)
      .then((base64) => {
        const data = `data:${mime?.startsWith("image/") ? mime : "image/png"};base64,${base64}`;
        remember(url, data);
        if (active) setSrc(data);
      })
      .catch(() => {
        if (active) setFailed(true);
      });
    return () => {
      active = false;
    };
  }, [seen, src, url, mime]);

  if (failed) return null;
  return (
    <span ref={ref} className={`attachment-thumb${src ? "" : " is-loading"}`}>
      {src && <img src={src} alt={t("attachment.preview", { name })} data-testid="attachment-image" />}
    </span>
  );
}
