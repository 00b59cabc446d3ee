// The language of the window, the tray and the notifications: chosen in the
// top bar or in Settings and kept by the engine, so that it holds across a
// restart and from the first moment of a start in the tray.
import { api } from "./api";
import { currentLanguage, setLanguage, type Language } from "./i18n";

/** Shows the window in `language` and keeps the choice. */
export async function chooseLanguage(language: Language): Promise<void> {
  setLanguage(language);
  await api.setAppLanguage(language);
}

/** Shows the window in the language chosen before, if one was. */
export async function restoreLanguage(): Promise<void> {
  const { language } = await api.appSettings();
  if (language && language !== currentLanguage()) setLanguage(language);
}
