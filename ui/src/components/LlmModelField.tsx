import { useId } from "react";
import { useTranslation } from "react-i18next";
import type { LlmModels, LlmProblem, LlmProvider } from "../api";
import { AlertIcon, RefreshIcon } from "./Icon";

type Props = {
  provider: LlmProvider;
  /** The server's address as shown (for the sentences that name it). */
  baseUrl: string;
  model: string;
  /** The server's answer, null until it came. */
  models: LlmModels | null;
  listing: boolean;
  listError: string | null;
  onChange: (model: string) => void;
  onRefresh: () => void;
};

/** A language model's problem, as the person at the keyboard reads it. */
export function LlmProblemText({
  problem,
  provider,
  baseUrl,
  model,
}: {
  problem: LlmProblem;
  provider: LlmProvider;
  baseUrl: string;
  model: string;
}) {
  const { t } = useTranslation();
  if (problem === "not_running" && provider !== "ollama") return <>{t("llm.notRunningServer", { url: baseUrl })}</>;
  return <>{t(`llm.problem.${problem}`, { url: baseUrl, model })}</>;
}

/**
 * The model: picked from what the server offers (with "Refresh"), or typed in
 * when the server could not say; and why, when something is wrong.
 */
export function LlmModelField({ provider, baseUrl, model, models, listing, listError, onChange, onRefresh }: Props) {
  const { t } = useTranslation();
  const id = useId();
  const list = models?.models ?? [];
  // What is wrong with the chosen model, when the server could list its models.
  const problem: LlmProblem | null =
    models?.problem ??
    (list.length > 0 && !model.trim()
      ? "no_model"
      : list.length > 0 && !list.includes(model.trim())
        ? "model_missing"
        : null);

  return (
    <div className="field form-grid-wide">
      <label className="field-label" htmlFor={`${id}-model`}>
        {t("llm.model")}
      </label>
      <div className="model-row">
        {list.length > 0 ? (
          <select id={`${id}-model`} data-testid="llm-model" value={model} onChange={(e) => onChange(e.target.value)}>
            {!list.includes(model) && <option value={model}>{model || t("llm.pickModel")}</option>}
            {list.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        ) : (
          <input
            id={`${id}-model`}
            type="text"
            data-testid="llm-model"
            value={model}
            placeholder="qwen2.5:7b"
            onChange={(e) => onChange(e.target.value)}
            spellCheck={false}
          />
        )}
        <button
          type="button"
          className="button"
          data-testid="llm-refresh"
          onClick={onRefresh}
          disabled={listing}
          aria-busy={listing}
        >
          <RefreshIcon size={14} />
          {listing ? t("llm.refreshing") : t("llm.refresh")}
        </button>
      </div>
      <span className="hint" data-testid="llm-models-hint">
        {list.length > 0 ? t("llm.modelsFound", { count: list.length }) : t("llm.typeModel")}
      </span>
      {problem && !listing && (
        <div className="problem" data-testid="llm-problem" data-problem={problem} role="alert">
          <AlertIcon size={15} className="problem-icon" />
          <span className="problem-main">
            <span>
              <LlmProblemText problem={problem} provider={provider} baseUrl={baseUrl} model={model.trim()} />
            </span>
            {models?.problem && models.detail && (
              <span className="problem-detail selectable">{t("llm.serverSaid", { detail: models.detail })}</span>
            )}
          </span>
        </div>
      )}
      {listError && (
        <p className="form-error" data-testid="llm-models-error" role="alert">
          <AlertIcon size={14} />
          {listError}
        </p>
      )}
    </div>
  );
}
