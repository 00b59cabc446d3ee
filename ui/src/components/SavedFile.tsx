import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api";
import { apiMessage } from "../errors";
import { AlertIcon, CheckIcon } from "./Icon";

/**
 * Saves a file with `save` (which answers its path; nothing to save while
 * `null`): whether it is saving, where it went, or why it could not; each
 * run forgets the last one's.
 */
export function useSaveFile(save: (() => Promise<string>) | null) {
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = () => {
    if (!save) return;
    setBusy(true);
    setSaved(null);
    setError(null);
    save()
      .then(setSaved)
      .catch(setError)
      .finally(() => setBusy(false));
  };
  return { busy, saved, error, run };
}

/**
 * Where a file the window just saved went (a Dashboard export, a support
 * bundle): the path, selectable to copy, and "Show in folder", which opens
 * the folder holding it in the system's file manager.
 */
export function SavedFile({ path, text, testId }: { path: string; text: string; testId: string }) {
  const { t } = useTranslation();
  const [error, setError] = useState<unknown>(null);
  const show = () => {
    setError(null);
    api.showSavedFile(path).catch(setError);
  };
  return (
    <span className="dash-saved selectable" role="status" data-testid={testId}>
      <CheckIcon size={13} />
      {text}
      <button type="button" className="link-button" data-testid={`${testId}-show`} onClick={show}>
        {t("files.showInFolder")}
      </button>
      {error != null && (
        <span className="form-error" role="alert" data-testid={`${testId}-show-error`}>
          <AlertIcon size={13} />
          {apiMessage(error, t)}
        </span>
      )}
    </span>
  );
}
