import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./en.json";
import ru from "./ru.json";
import { detectLanguage, LANGUAGE_STORAGE_KEY, type Language } from "./detect";

export { LANGUAGES, type Language } from "./detect";

export const LANGUAGE_NAMES: Record<Language, string> = {
  ru: "Русский",
  en: "English",
};

const initial = detectLanguage();

void i18n.use(initReactI18next).init({
  resources: {
    en: { translation: en },
    ru: { translation: ru },
  },
  lng: initial,
  fallbackLng: "en",
  initAsync: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});

if (typeof document !== "undefined") document.documentElement.lang = initial;

export function currentLanguage(): Language {
  return i18n.language === "ru" ? "ru" : "en";
}

export function setLanguage(language: Language): void {
  void i18n.changeLanguage(language);
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, language);
  } catch {
    // Not persisted; the choice still applies for this session.
  }
  document.documentElement.lang = language;
}

export default i18n;
