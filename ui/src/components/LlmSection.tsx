import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  api,
  DEFAULT_OLLAMA_URL,
  LLM_PROVIDERS,
  type LlmModels,
  type LlmProvider,
  type LlmSettings,
  type LlmSettingsInput,
} from "../api";
import { apiMessage } from "../errors";
import { useAction } from "../hooks";
import { useEngineValue } from "../useAssistant";
import { AlertIcon, CheckIcon, ChipIcon } from "./Icon";
import { LlmModelField } from "./LlmModelField";
import { SectionHead } from "./ProjectDetail";

type Draft = {
  provider: LlmProvider;
  baseUrl: string;
  model: string;
  /** Typed key; empty keeps the stored one. */
  apiKey: string;
  removeKey: boolean;
  contextTokens: string;
  maxTokens: string;
  temperature: string;
};

const draftOf = (s: LlmSettings): Draft => ({
  provider: s.provider,
  baseUrl: s.baseUrl,
  model: s.model,
  apiKey: "",
  removeKey: false,
  contextTokens: String(s.contextTokens),
  maxTokens: String(s.maxTokens),
  temperature: s.temperature == null ? "" : String(s.temperature),
});

function inputOf(d: Draft): LlmSettingsInput {
  return {
    provider: d.provider,
    baseUrl: d.baseUrl.trim(),
    model: d.model.trim(),
    apiKey: d.removeKey ? "" : d.apiKey.trim() || null,
    contextTokens: Number(d.contextTokens),
    maxTokens: Number(d.maxTokens),
    temperature: d.temperature.trim() === "" ? null : Number(d.temperature.replace(",", ".")),
  };
}

/** The language model every project's assistant writes with: the server, its key and the model. */
export function LlmSection() {
  const { t } = useTranslation();
  const id = useId();
  const { value: settings, apply } = useEngineValue(
    () => api.llmSettings(),
    () => false,
    "llm",
  );
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saved, setSaved] = useState(false);
  const [models, setModels] = useState<LlmModels | null>(null);
  const [listing, setListing] = useState(false);
  const [listError, setListError] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const request = useRef(0);

  /** The models of the stored server, or of `input` while it is being typed in. */
  const listModels = (input: LlmSettingsInput | null) => {
    const current = ++request.current;
    setListing(true);
    setListError(null);
    api
      .llmModels(input)
      .then((answer) => {
        if (current === request.current) setModels(answer);
      })
      .catch((reason: unknown) => {
        if (current === request.current) setListError(apiMessage(reason, t));
      })
      .finally(() => {
        if (current === request.current) setListing(false);
      });
  };

  useEffect(() => {
    listModels(null);
    // The stored server's models, once.
  }, []);

  if (!settings) return <p className="card-text muted">{t("projects.loading")}</p>;
  const value = draftOf(settings);
  const shown = draft ?? value;
  const changed = draft != null && JSON.stringify(draft) !== JSON.stringify(value);
  const openAi = shown.provider === "openai_compatible";

  const edit = (patch: Partial<Draft>) => {
    setSaved(false);
    setDraft({ ...shown, ...patch });
  };

  const changeProvider = (provider: LlmProvider) => {
    const baseUrl =
      provider === "ollama" && shown.baseUrl.trim() === ""
        ? DEFAULT_OLLAMA_URL
        : provider === "openai_compatible" && shown.baseUrl === DEFAULT_OLLAMA_URL
          ? ""
          : shown.baseUrl;
    edit({ provider, baseUrl });
  };

  const save = () => {
    if (!changed || busy) return;
    void run(async () => {
      const next = await api.saveLlmSettings(inputOf(shown));
      apply(next);
      setDraft(null);
      setSaved(true);
      listModels(null);
    });
  };

  return (
    <section className="card" data-testid="llm" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<ChipIcon size={16} />} title={t("llm.title")} />
      <p className="card-text">{t("llm.intro")}</p>
      <form
        className="project-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <fieldset className="form-grid" disabled={busy}>
          <label className="field">
            <span className="field-label">{t("llm.provider")}</span>
            <select
              data-testid="llm-provider"
              value={shown.provider}
              onChange={(e) => changeProvider(e.target.value as LlmProvider)}
            >
              {LLM_PROVIDERS.map((provider) => (
                <option key={provider} value={provider}>
                  {t(`llm.providerOption.${provider}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field-label">{t("llm.baseUrl")}</span>
            <input
              type="url"
              data-testid="llm-base-url"
              value={shown.baseUrl}
              placeholder={openAi ? "https://api.example.com/v1" : DEFAULT_OLLAMA_URL}
              onChange={(e) => edit({ baseUrl: e.target.value })}
              spellCheck={false}
            />
          </label>
          {(openAi || settings.hasKey) && (
            <label className="field">
              <span className="field-label">{t("llm.apiKey")}</span>
              <input
                type="password"
                data-testid="llm-api-key"
                value={shown.apiKey}
                placeholder={settings.hasKey ? t("llm.apiKeyKeep") : ""}
                onChange={(e) => edit({ apiKey: e.target.value, removeKey: false })}
                autoComplete="new-password"
                spellCheck={false}
              />
            </label>
          )}
          {settings.hasKey && (
            <label className="checkbox-line">
              <input
                type="checkbox"
                checked={shown.removeKey}
                onChange={(e) => edit({ removeKey: e.target.checked, apiKey: "" })}
              />
              {t("llm.removeKey")}
            </label>
          )}
          <LlmModelField
            provider={shown.provider}
            baseUrl={shown.baseUrl.trim() || DEFAULT_OLLAMA_URL}
            model={shown.model}
            models={models}
            listing={listing}
            listError={listError}
            onChange={(model) => edit({ model })}
            onRefresh={() => listModels(draft ? inputOf(shown) : null)}
          />
        </fieldset>
        <p className="hint">{openAi ? t("llm.keyHint") : t("llm.ollamaHint")}</p>
        <details className="disclosure">
          <summary>{t("llm.advanced")}</summary>
          <div className="form-grid llm-numbers">
            {(["contextTokens", "maxTokens", "temperature"] as const).map((field) => (
              <label key={field} className="field">
                <span className="field-label">{t(`llm.${field}`)}</span>
                <input
                  type="text"
                  inputMode="decimal"
                  data-testid={`llm-${field}`}
                  value={shown[field]}
                  onChange={(e) => edit({ [field]: e.target.value })}
                  disabled={busy}
                />
              </label>
            ))}
          </div>
          <p className="hint">{t("llm.advancedHint")}</p>
        </details>
        {error && (
          <p className="form-error" data-testid="llm-error" role="alert">
            <AlertIcon size={14} />
            {error}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="button button--primary" data-testid="llm-save" disabled={!changed || busy}>
            {busy ? t("projects.saving") : t("projects.save")}
          </button>
          {changed && !busy && (
            <button type="button" className="link-button" onClick={() => setDraft(null)}>
              {t("projects.cancel")}
            </button>
          )}
          {saved && !changed && (
            <span className="form-saved" role="status">
              <CheckIcon size={13} />
              {t("mailboxForm.saved")}
            </span>
          )}
        </div>
      </form>
    </section>
  );
}
