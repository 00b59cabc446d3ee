import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ASSISTANT_MODES, type AssistantMode, type AssistantSettings, type Project } from "../api";
import { inputOf } from "../assistant";
import { errorText } from "../errors";
import { useAction } from "../hooks";
import { useAssistantSettings } from "../useAssistant";
import { AutoReplySection } from "./AutoReplySection";
import { CatalogueSection } from "./CatalogueSection";
import { AlertIcon, SparkIcon } from "./Icon";
import { PersonaSection } from "./PersonaSection";
import { SectionHead } from "./ProjectDetail";

/** One project's assistant: what it does, who it is, the auto-reply and the catalogue. */
export function AssistantProject({ project }: { project: Project }) {
  const { t } = useTranslation();
  const { value: settings, error, apply } = useAssistantSettings(project.id);
  return (
    <div className="project-detail" data-testid="assistant-project" data-project-id={project.id}>
      <header className="project-head">
        <div className="project-head-title">
          <h1>{project.name}</h1>
        </div>
        <p className="project-head-sub">{t("assistant.projectSub")}</p>
      </header>
      {settings ? (
        <>
          <ModeSection settings={settings} onSaved={apply} />
          <PersonaSection settings={settings} projectName={project.name} onSaved={apply} />
          <AutoReplySection settings={settings} onSaved={apply} />
        </>
      ) : error != null ? (
        <p className="form-error" role="alert">
          <AlertIcon size={14} />
          {errorText(error, t)}
        </p>
      ) : (
        <p className="card-text muted">{t("projects.loading")}</p>
      )}
      <CatalogueSection projectId={project.id} />
    </div>
  );
}

/** Off, drafts or automatic: saved as soon as it is chosen. */
function ModeSection({ settings, onSaved }: { settings: AssistantSettings; onSaved: (s: AssistantSettings) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const { busy, error, run } = useAction();
  const [pending, setPending] = useState<AssistantMode | null>(null);
  const shown = pending ?? settings.mode;

  const choose = (mode: AssistantMode) => {
    if (busy || mode === settings.mode) return;
    setPending(mode);
    void run(async () => {
      onSaved(await api.saveAssistantSettings(settings.projectId, { ...inputOf(settings), mode }));
    }).finally(() => setPending(null));
  };

  return (
    <section className="card" data-testid="assistant-mode" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<SparkIcon size={16} />} title={t("assistant.modeTitle")}>
        <span className="card-head-spacer" />
        {busy && <span className="saving-note">{t("projects.saving")}</span>}
      </SectionHead>
      <div className="choices" role="radiogroup" aria-labelledby={`${id}-title`}>
        {ASSISTANT_MODES.map((mode) => (
          <label key={mode} className={`choice${shown === mode ? " is-checked" : ""}`}>
            <input
              type="radio"
              name={`${id}-mode`}
              value={mode}
              data-testid={`assistant-mode-${mode}`}
              aria-label={t(`assistant.mode.${mode}`)}
              aria-describedby={`${id}-${mode}`}
              checked={shown === mode}
              disabled={busy}
              onChange={() => choose(mode)}
            />
            <span className="choice-main">
              <span className="choice-title">{t(`assistant.mode.${mode}`)}</span>
              <span className="choice-text" id={`${id}-${mode}`}>
                {t(`assistant.modeText.${mode}`)}
              </span>
            </span>
          </label>
        ))}
      </div>
      <p className="hint">{t("assistant.testChatHint")}</p>
      {error && (
        <p className="form-error" data-testid="assistant-mode-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </section>
  );
}
