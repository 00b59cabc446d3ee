import type { TFunction } from "i18next";
import { ApiFailure } from "./api";

/** A sentence for the person at the keyboard, in the current language. */
export function errorText(error: unknown, t: TFunction): string {
  if (error instanceof ApiFailure) return t(`errors.${error.code}`, { defaultValue: t("errors.unknown") });
  return t("errors.unknown");
}

/**
 * The engine's own words for a refusal (they say exactly what to fix, e.g. a
 * malformed bot token), or the translated sentence when it gave none.
 */
export function apiMessage(error: unknown, t: TFunction): string {
  if (error instanceof ApiFailure && error.error.message.trim()) return error.error.message;
  return errorText(error, t);
}
