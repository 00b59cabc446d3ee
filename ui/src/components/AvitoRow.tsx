import { useTranslation } from "react-i18next";
import type { AvitoAccount, AvitoError } from "../api";
import { avitoStateTone, currentProblem } from "../avito";

/** One Avito account in the list: its name, how its connection is doing and its problem. */
export function AvitoRow({
  account,
  selected,
  onSelect,
}: {
  account: AvitoAccount;
  selected: boolean;
  onSelect: () => void;
}) {
  const { t } = useTranslation();
  const problem = currentProblem(account);
  return (
    <button
      type="button"
      className={`project-row avito-row${selected ? " is-selected" : ""}`}
      data-testid="avito-row"
      data-state={account.state}
      data-account-id={account.id}
      aria-current={selected ? "true" : undefined}
      onClick={onSelect}
    >
      <span className="project-row-name">{account.name}</span>
      <span className="project-row-bottom">
        <AvitoStateBadge account={account} />
      </span>
      {problem && (
        <span
          className={`mailbox-row-error${problem.problem === "tariff" ? " is-tariff" : ""}`}
          data-testid="avito-row-problem"
          data-problem={problem.problem}
          title={problem.message}
        >
          {t(`avito.problem.${problem.problem}`)}
        </span>
      )}
    </button>
  );
}

/** The state in a word or two: "Online", "Connecting…", "No connection"… */
export function AvitoStateBadge({ account }: { account: AvitoAccount }) {
  const { t } = useTranslation();
  const { state } = account;
  return (
    <span
      className={`readiness readiness--${avitoStateTone(state)}${state === "connecting" ? " is-live" : ""}`}
      data-testid="avito-state"
      data-state={state}
    >
      <span className="readiness-dot" aria-hidden="true" />
      {t(`avito.state.${state}`)}
    </span>
  );
}

/** Avito's problem: what went wrong and what to do, in plain words, with Avito's own words as details. */
export function AvitoErrorDetails({ error }: { error: AvitoError }) {
  const { t } = useTranslation();
  return (
    <span className="mail-problem" data-problem={error.problem}>
      <span className="mail-problem-title">{t(`avito.problem.${error.problem}`)}</span>
      <span className="mail-problem-hint">{t(`avito.hint.${error.problem}`)}</span>
      {error.message && (
        <span className="mail-problem-message selectable" data-testid="avito-said">
          {t("avito.avitoSaid", { message: error.message })}
        </span>
      )}
    </span>
  );
}
