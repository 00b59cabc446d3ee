import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { api, type ChannelAccount, type Project, type ProjectInput, type ProjectLanguage } from "../api";
import { apiMessage } from "../errors";
import { formatDate } from "../format";
import { useAction } from "../hooks";
import { LANGUAGE_NAMES, LANGUAGES } from "../i18n";
import { BotSection } from "./BotSection";
import { ChannelBadge } from "./ChannelBadge";
import { AlertIcon, SourcesIcon } from "./Icon";
import { ReadinessBadge } from "./ReadinessBadge";
import { TelegramAccountsSection } from "./TelegramAccountsSection";
import { WorkGroupSection } from "./WorkGroupSection";
import { DangerZone } from "./DangerZone";

type DetailProps = {
  project: Project;
  /** All projects, to name the one an account belongs to. */
  projects: Project[];
  accounts: ChannelAccount[];
  onChanged: (project: Project) => void;
  onDeleted: (projectId: number) => void;
};

/** One project's settings: name and language, bot, work group, sources. */
export function ProjectDetail({ project, projects, accounts, onChanged, onDeleted }: DetailProps) {
  const { t, i18n } = useTranslation();
  return (
    <div className="project-detail" data-testid="project-detail" data-project-id={project.id}>
      <header className="project-head">
        <div className="project-head-title">
          <h1>{project.name}</h1>
          <ReadinessBadge project={project} />
        </div>
        <p className="project-head-sub">
          {t("projects.createdAt", { date: formatDate(project.createdAt, i18n.language) })}
        </p>
      </header>

      <section className="card" aria-label={t("projects.settings")}>
        <ProjectForm
          value={{ name: project.name, language: project.language }}
          submitLabel={t("projects.save")}
          busyLabel={t("projects.saving")}
          onSubmit={async (input) => onChanged(await api.updateProject(project.id, input))}
        />
        <DeleteProject project={project} onDeleted={onDeleted} />
      </section>

      <BotSection project={project} onChanged={onChanged} />
      <WorkGroupSection project={project} onChanged={onChanged} />
      <TelegramAccountsSection project={project} projects={projects} />
      <SourcesSection project={project} projects={projects} accounts={accounts} onChanged={onChanged} />
    </div>
  );
}

// ---------- Name and language ----------

type FormProps = {
  value: ProjectInput;
  submitLabel: string;
  busyLabel: string;
  onSubmit: (input: ProjectInput) => Promise<void>;
  onCancel?: () => void;
  autoFocus?: boolean;
};

/** The project's name and the language its bot uses with operators. */
export function ProjectForm({ value, submitLabel, busyLabel, onSubmit, onCancel, autoFocus }: FormProps) {
  const { t } = useTranslation();
  // Null while untouched: then the form follows the project as the engine reports it.
  const [draft, setDraft] = useState<ProjectInput | null>(null);
  const { busy, error, run } = useAction();
  const shown = draft ?? value;
  const creating = onCancel != null;
  const changed = draft != null && (draft.name.trim() !== value.name || draft.language !== value.language);
  const canSubmit = !busy && shown.name.trim() !== "" && (creating || changed);

  const submit = async () => {
    if (!canSubmit) return;
    await run(async () => {
      await onSubmit({ name: shown.name.trim(), language: shown.language });
      setDraft(null);
    });
  };

  return (
    <form
      className="project-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="project-form-fields">
        <label className="field project-form-name">
          <span className="field-label">{t("projects.name")}</span>
          <input
            type="text"
            data-testid="project-name-input"
            value={shown.name}
            onChange={(e) => setDraft({ ...shown, name: e.target.value })}
            placeholder={t("projects.namePlaceholder")}
            maxLength={80}
            autoFocus={autoFocus}
            spellCheck={false}
          />
        </label>
        <label className="field">
          <span className="field-label">{t("projects.language")}</span>
          <select
            data-testid="project-language"
            value={shown.language}
            onChange={(e) => setDraft({ ...shown, language: e.target.value as ProjectLanguage })}
          >
            {LANGUAGES.map((language) => (
              <option key={language} value={language}>
                {LANGUAGE_NAMES[language]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="hint">{t("projects.languageHint")}</p>
      {error && (
        <p className="form-error" data-testid="project-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button--primary" data-testid="project-save" disabled={!canSubmit}>
          {busy ? busyLabel : submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="button" onClick={onCancel} disabled={busy}>
            {t("projects.cancel")}
          </button>
        )}
        {!creating && changed && !busy && (
          <button type="button" className="link-button" onClick={() => setDraft(null)}>
            {t("projects.cancel")}
          </button>
        )}
      </div>
    </form>
  );
}

function DeleteProject({ project, onDeleted }: { project: Project; onDeleted: (projectId: number) => void }) {
  const { t } = useTranslation();
  return (
    <DangerZone
      text={{
        action: t("projects.delete"),
        question: t("projects.deleteQuestion", { name: project.name }),
        explanation: t("projects.deleteText"),
        confirm: t("projects.deleteConfirm"),
        working: t("projects.deleting"),
        cancel: t("projects.cancel"),
        testId: "project-delete",
        confirmTestId: "project-delete-confirm",
        errorTestId: "project-error",
      }}
      onConfirm={async () => {
        await api.deleteProject(project.id);
        onDeleted(project.id);
      }}
    />
  );
}

export function SectionHead({
  icon,
  title,
  id,
  children,
}: {
  icon: ReactNode;
  title: string;
  /** Lets the section name itself after its title (aria-labelledby). */
  id?: string;
  children?: ReactNode;
}) {
  return (
    <div className="card-head">
      <span className="card-icon" aria-hidden="true">
        {icon}
      </span>
      <h2 id={id}>{title}</h2>
      {children}
    </div>
  );
}

// ---------- Sources ----------

export function SourcesSection({
  project,
  projects,
  accounts,
  onChanged,
}: {
  project: Project;
  projects: Project[];
  accounts: ChannelAccount[];
  onChanged: (project: Project) => void;
}) {
  const { t } = useTranslation();
  // The choice being saved, shown at once.
  const [pending, setPending] = useState<{ id: number; checked: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const botAccountId = project.bot?.accountId ?? null;

  const toggle = async (account: ChannelAccount, checked: boolean) => {
    const ids = new Set(
      accounts.filter((a) => a.projectId === project.id && a.id !== botAccountId).map((a) => a.id),
    );
    if (checked) ids.add(account.id);
    else ids.delete(account.id);
    setPending({ id: account.id, checked });
    setError(null);
    try {
      onChanged(await api.setProjectSources(project.id, [...ids]));
    } catch (reason) {
      setError(apiMessage(reason, t));
    } finally {
      setPending(null);
    }
  };

  return (
    <section className="card" data-testid="sources">
      <SectionHead icon={<SourcesIcon size={16} />} title={t("sources.title")} />
      <p className="card-text">{t("sources.intro")}</p>
      {accounts.length === 0 ? (
        <p className="card-text muted">{t("sources.none")}</p>
      ) : (
        <ul className="source-list">
          {accounts.map((account) => {
            const own = account.id === botAccountId;
            const checked =
              own || (pending?.id === account.id ? pending.checked : account.projectId === project.id);
            const other =
              account.projectId != null && account.projectId !== project.id
                ? projects.find((p) => p.id === account.projectId)
                : undefined;
            let hint: string | null = null;
            if (own) hint = t("sources.ownBot");
            else if (other) hint = t("sources.inProject", { name: other.name });
            return (
              <li key={account.id}>
                <label className={`source${own ? " is-own" : ""}${checked ? " is-checked" : ""}`}>
                  <input
                    type="checkbox"
                    data-testid="source-checkbox"
                    data-account-id={account.id}
                    checked={checked}
                    disabled={own || pending != null}
                    onChange={(e) => void toggle(account, e.target.checked)}
                  />
                  <span className="source-main">
                    <span className="source-line">
                      <span className="source-name">{account.name}</span>
                      <ChannelBadge kind={account.kind} long />
                      {!account.enabled && <span className="source-off">{t("sources.off")}</span>}
                    </span>
                    {hint && <span className="source-hint">{hint}</span>}
                  </span>
                </label>
              </li>
            );
          })}
        </ul>
      )}
      {error && (
        <p className="form-error" data-testid="sources-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </section>
  );
}
