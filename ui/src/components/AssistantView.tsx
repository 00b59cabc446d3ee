import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Project } from "../api";
import { useAssistantSettings, useOutboxGuard } from "../useAssistant";
import { useProjects } from "../useProjects";
import { AssistantProject } from "./AssistantProject";
import { GuardSection } from "./GuardSection";
import { ChipIcon, ShieldIcon, SparkIcon } from "./Icon";
import { ListDetailLayout, PanePlaceholder, useSelection } from "./ListDetail";
import { LlmSection } from "./LlmSection";

const idOf = (project: Project) => project.id;

type AppPane = "llm" | "guard" | null;

/**
 * The assistant: the projects on the left (what each one's assistant does),
 * with the app-wide language model and outbox guard above them.
 */
export function AssistantView({ onOpenProjects }: { onOpenProjects: () => void }) {
  const { t } = useTranslation();
  const { projects, error } = useProjects();
  const { selected, select, clear } = useSelection(projects, idOf);
  const [appPane, setAppPane] = useState<AppPane>(null);

  const openApp = (pane: AppPane) => {
    clear();
    setAppPane(pane);
  };
  const openProject = (id: number) => {
    setAppPane(null);
    select(id);
  };

  let pane: ReactNode;
  if (appPane) {
    const llm = appPane === "llm";
    pane = (
      <div className="project-detail" data-testid={llm ? "assistant-llm" : "assistant-guard"}>
        <header className="project-head">
          <h1>{llm ? t("llm.title") : t("guard.title")}</h1>
          <p className="project-head-sub">{t("assistant.appWideSub")}</p>
        </header>
        {llm ? <LlmSection /> : <GuardSection />}
      </div>
    );
  } else if (selected) {
    pane = <AssistantProject key={selected.id} project={selected} />;
  } else if (projects && projects.length === 0) {
    pane = (
      <PanePlaceholder
        className="projects-empty"
        testId="assistant-no-projects"
        icon={<SparkIcon size={40} className="placeholder-icon" />}
        title={t("assistant.noProjectsTitle")}
        text={t("assistant.noProjectsText")}
        action={{ label: t("projects.emptyCreate"), onClick: onOpenProjects }}
      />
    );
  } else if (projects) {
    pane = (
      <PanePlaceholder
        className="projects-empty"
        icon={<SparkIcon size={40} className="placeholder-icon" />}
        title={t("assistant.pickTitle")}
        text={t("assistant.pickText")}
      />
    );
  }

  return (
    <ListDetailLayout
      title={t("assistant.title")}
      testId="assistant-view"
      before={<AppWideRows open={appPane} onOpen={openApp} hasProjects={(projects?.length ?? 0) > 0} />}
      items={projects}
      error={error}
      loadingText={t("projects.loading")}
      idOf={idOf}
      renderRow={(project) => (
        <AssistantProjectRow
          project={project}
          selected={project.id === selected?.id}
          onSelect={() => openProject(project.id)}
        />
      )}
      paneKey={appPane ?? (selected ? selected.id : "none")}
      paneFilled={appPane != null || selected != null}
    >
      {pane}
    </ListDetailLayout>
  );
}

/** The language model and the outbox guard: one for every project. */
function AppWideRows({
  open,
  onOpen,
  hasProjects,
}: {
  open: AppPane;
  onOpen: (pane: AppPane) => void;
  hasProjects: boolean;
}) {
  const { t } = useTranslation();
  const guard = useOutboxGuard().value;
  const row = (pane: "llm" | "guard", icon: ReactNode, title: string, sub: string) => (
    <li>
      <button
        type="button"
        className={`project-row assistant-app-row${open === pane ? " is-selected" : ""}`}
        data-testid={`assistant-${pane}-row`}
        aria-current={open === pane ? "true" : undefined}
        onClick={() => onOpen(pane)}
      >
        <span className="project-row-name assistant-app-row-name">
          {icon}
          {title}
        </span>
        <span className="project-row-bot">{sub}</span>
      </button>
    </li>
  );
  return (
    <>
      <h3 className="list-group-title">{t("assistant.appWide")}</h3>
      <ul className="project-list">
        {row("llm", <ChipIcon size={14} />, t("llm.title"), t("llm.rowHint"))}
        {row(
          "guard",
          <ShieldIcon size={14} />,
          t("guard.title"),
          guard ? `${t(`guard.mode.${guard.mode}`)} · ${t("guard.heldShort", { count: guard.held })}` : "",
        )}
      </ul>
      {hasProjects && <h3 className="list-group-title">{t("assistant.projects")}</h3>}
    </>
  );
}

function AssistantProjectRow({
  project,
  selected,
  onSelect,
}: {
  project: Project;
  selected: boolean;
  onSelect: () => void;
}) {
  const { t } = useTranslation();
  const settings = useAssistantSettings(project.id).value;
  return (
    <button
      type="button"
      className={`project-row${selected ? " is-selected" : ""}`}
      data-testid="assistant-project-row"
      data-project-id={project.id}
      aria-current={selected ? "true" : undefined}
      onClick={onSelect}
    >
      <span className="project-row-name">{project.name}</span>
      <span className="project-row-bottom">
        {settings && (
          <span
            className={`assistant-mode-badge assistant-mode-badge--${settings.mode}`}
            data-testid="assistant-mode-badge"
          >
            {t(`assistant.mode.${settings.mode}`)}
          </span>
        )}
        {settings && settings.autoReply !== "off" && <span className="project-row-bot">{t("autoReply.badge")}</span>}
      </span>
    </button>
  );
}
