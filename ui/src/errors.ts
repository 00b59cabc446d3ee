import type { TFunction } from "i18next";
import { ApiFailure } from "./api";

/** A sentence for the person at the keyboard, in the current language. */
export function errorText(error: unknown, t: TFunction): string {
  if (error instanceof ApiFailure) return t(`errors.${error.code}`, { defaultValue: t("errors.unknown") });
  return t("errors.unknown");
}
