export const LANGUAGES = ["ru", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

export const LANGUAGE_STORAGE_KEY = "tuberry.language";

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

/** The saved choice first, then the system language: Russian for any "ru*", English otherwise. */
export function detectLanguage(): Language {
  try {
    const saved = globalThis.localStorage?.getItem(LANGUAGE_STORAGE_KEY);
    if (isLanguage(saved)) return saved;
  } catch {
    // Storage can be unavailable (private mode, locked-down webview); fall through.
  }
  const system = globalThis.navigator?.language ?? "";
  return system.toLowerCase().startsWith("ru") ? "ru" : "en";
}
