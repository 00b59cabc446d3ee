import { useTranslation } from "react-i18next";
import { api, type Project } from "../api";
import { currentLanguage } from "../i18n";
import { useProjects } from "../useProjects";
import { ProjectsIcon } from "./Icon";
import { ListDetailLayout, PanePlaceholder, useSelection } from "./ListDetail";
import { ProjectDetail, ProjectForm } from "./ProjectDetail";
import { ReadinessBadge } from "./ReadinessBadge";

const idOf = (project: Project) => project.id;

/** The projects: a list on the left, the chosen one (or a new one) on the right. */
export function ProjectsView() {
  const { t } = useTranslation();
  const { projects, accounts, error, applyProject, removeProject } = useProjects();
  const { selection, selected, select, startNew, clear } = useSelection(projects, idOf);

  let pane;
  if (selection.kind === "new") {
    pane = (
      <NewProject
        onCreated={(project) => {
          applyProject(project);
          select(project.id);
        }}
        onCancel={clear}
      />
    );
  } else if (selected) {
    pane = (
      <ProjectDetail
        key={selected.id}
        project={selected}
        projects={projects ?? []}
        accounts={accounts ?? []}
        onChanged={applyProject}
        onDeleted={(id) => {
          removeProject(id);
          clear();
        }}
      />
    );
  } else if (projects && projects.length === 0) {
    pane = (
      <PanePlaceholder
        className="projects-empty"
        testId="projects-empty"
        icon={<ProjectsIcon size={40} className="placeholder-icon" />}
        title={t("projects.emptyTitle")}
        text={t("projects.emptyText")}
        action={{ label: t("projects.emptyCreate"), onClick: startNew }}
      />
    );
  } else if (projects) {
    pane = (
      <PanePlaceholder
        icon={<ProjectsIcon size={40} className="placeholder-icon" />}
        title={t("projects.pickTitle")}
        text={t("projects.pickText")}
      />
    );
  }

  return (
    <ListDetailLayout
      title={t("projects.title")}
      testId="projects-view"
      add={{ label: t("projects.new"), testId: "project-new", active: selection.kind === "new", onClick: startNew }}
      items={projects}
      error={error}
      loadingText={t("projects.loading")}
      idOf={idOf}
      renderRow={(project) => (
        <ProjectRow project={project} selected={project.id === selected?.id} onSelect={() => select(project.id)} />
      )}
      paneKey={selected ? selected.id : selection.kind}
      paneFilled={selected != null || selection.kind === "new"}
    >
      {pane}
    </ListDetailLayout>
  );
}

function ProjectRow({
  project,
  selected,
  onSelect,
}: {
  project: Project;
  selected: boolean;
  onSelect: () => void;
}) {
  const { t } = useTranslation();
  return (
    <button
      type="button"
      className={`project-row${selected ? " is-selected" : ""}`}
      data-testid="project-row"
      data-project-id={project.id}
      aria-current={selected ? "true" : undefined}
      onClick={onSelect}
    >
      <span className="project-row-name">{project.name}</span>
      <span className="project-row-bottom">
        <span className={`project-row-bot${project.bot ? "" : " is-missing"}`}>
          {project.bot ? `@${project.bot.username}` : t("projects.noBot")}
        </span>
        <ReadinessBadge project={project} />
      </span>
    </button>
  );
}

function NewProject({ onCreated, onCancel }: { onCreated: (project: Project) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="project-detail project-detail--new">
      <header className="project-head">
        <h1>{t("projects.newTitle")}</h1>
        <p className="project-head-sub">{t("projects.newText")}</p>
      </header>
      <section className="card">
        <ProjectForm
          value={{ name: "", language: currentLanguage() }}
          submitLabel={t("projects.create")}
          busyLabel={t("projects.creating")}
          autoFocus
          onSubmit={async (input) => onCreated(await api.createProject(input))}
          onCancel={onCancel}
        />
      </section>
    </div>
  );
}
