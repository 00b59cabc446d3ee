import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Fix } from "../api";
import { AlertIcon, CheckIcon } from "./Icon";
import { SectionHead } from "./ProjectDetail";

/** One card of the Health screen: a title and its rows. */
export function HealthSection({
  id,
  icon,
  title,
  testId,
  children,
}: {
  id: string;
  icon: ReactNode;
  title: string;
  testId: string;
  children: ReactNode;
}) {
  return (
    <section className="card health-section" data-testid={testId} aria-labelledby={id}>
      <SectionHead id={id} icon={icon} title={title} />
      <ul className="health-list">{children}</ul>
    </section>
  );
}

/** What to do about a problem, in words. */
export function FixText({ fix }: { fix: Fix | null }) {
  const { t } = useTranslation();
  if (!fix) return null;
  return <FixWords text={t(`health.fix.${fix}`)} fix={fix} />;
}

/** What to do, in words the row chose itself (a guardrail's advice). */
export function FixWords({ text, fix }: { text: string; fix?: string }) {
  const { t } = useTranslation();
  return (
    <p className="health-fix" data-testid="health-fix" data-fix={fix}>
      <span className="health-fix-lead">{t("health.fixLead")}</span> {text}
    </p>
  );
}

/**
 * One thing checked: an ok or problem mark, what it is, what it found, the
 * error as the service said it and the fix in words (an engine's fix, or
 * advice in the row's own words).
 */
export function HealthRow({
  ok,
  title,
  head,
  testId,
  error,
  fix,
  advice,
  actions,
  children,
  data,
}: {
  ok: boolean;
  title: ReactNode;
  /** Shown before the title (a channel badge). */
  head?: ReactNode;
  testId: string;
  error?: string | null;
  fix?: Fix | null;
  /** What to do when there is no engine fix, in words. */
  advice?: string | null;
  actions?: ReactNode;
  children?: ReactNode;
  data?: Record<`data-${string}`, string | number | boolean>;
}) {
  const { t } = useTranslation();
  return (
    <li className={`health-row ${ok ? "is-ok" : "is-problem"}`} data-testid={testId} data-ok={ok} {...data}>
      <span
        className="health-mark"
        role="img"
        aria-label={ok ? t("health.ok") : t("health.problem")}
        title={ok ? t("health.ok") : t("health.problem")}
      >
        {ok ? <CheckIcon size={13} /> : <AlertIcon size={14} />}
      </span>
      <div className="health-row-main">
        <div className="health-row-head">
          {head}
          <span className="health-row-title">{title}</span>
        </div>
        {children && <div className="health-row-facts">{children}</div>}
        {error && (
          <p className="health-row-error selectable" data-testid="health-error">
            {t("health.error", { error })}
          </p>
        )}
        {!ok && (fix == null && advice ? <FixWords text={advice} /> : <FixText fix={fix ?? null} />)}
        {actions}
      </div>
    </li>
  );
}
