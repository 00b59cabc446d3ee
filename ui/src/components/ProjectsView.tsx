import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Project } from "../api";
import { errorText } from "../errors";
import { currentLanguage } from "../i18n";
import { useProjects } from "../useProjects";
import { PlusIcon, ProjectsIcon } from "./Icon";
import { ProjectDetail, ProjectForm } from "./ProjectDetail";
import { ReadinessBadge } from "./ReadinessBadge";

type Selection = { kind: "none" } | { kind: "new" } | { kind: "project"; id: number };

/** The projects: a list on the left, the chosen one (or a new one) on the right. */
export function ProjectsView() {
  const { t } = useTranslation();
  const { projects, accounts, error, applyProject, removeProject } = useProjects();
  const [selection, setSelection] = useState<Selection>({ kind: "none" });

  const selected =
    selection.kind === "project" ? (projects?.find((p) => p.id === selection.id) ?? null) : null;

  // A project deleted while it is shown (here or by the engine): back to the list.
  useEffect(() => {
    if (selection.kind === "project" && projects && !projects.some((p) => p.id === selection.id)) {
      setSelection({ kind: "none" });
    }
  }, [selection, projects]);

  const startNew = () => setSelection({ kind: "new" });

  let pane;
  if (selection.kind === "new") {
    pane = (
      <NewProject
        onCreated={(project) => {
          applyProject(project);
          setSelection({ kind: "project", id: project.id });
        }}
        onCancel={() => setSelection({ kind: "none" })}
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
          setSelection({ kind: "none" });
        }}
      />
    );
  } else if (projects && projects.length === 0) {
    pane = (
      <div className="placeholder projects-empty" data-testid="projects-empty">
        <ProjectsIcon size={40} className="placeholder-icon" />
        <h2>{t("projects.emptyTitle")}</h2>
        <p>{t("projects.emptyText")}</p>
        <button type="button" className="button button--primary" onClick={startNew}>
          <PlusIcon size={14} />
          {t("projects.emptyCreate")}
        </button>
      </div>
    );
  } else if (projects) {
    pane = (
      <div className="placeholder">
        <ProjectsIcon size={40} className="placeholder-icon" />
        <h2>{t("projects.pickTitle")}</h2>
        <p>{t("projects.pickText")}</p>
      </div>
    );
  }

  return (
    <main className="projects-view" data-testid="projects-view" aria-label={t("projects.title")}>
      <section className="list-pane project-list-pane" aria-label={t("projects.title")}>
        <div className="project-list-head">
          <h2>{t("projects.title")}</h2>
          <button
            type="button"
            className={`button${selection.kind === "new" ? " is-active" : ""}`}
            data-testid="project-new"
            onClick={startNew}
          >
            <PlusIcon size={14} />
            {t("projects.new")}
          </button>
        </div>
        <div className="project-list-body">
          {projects && projects.length > 0 && (
            <ul className="project-list">
              {projects.map((project) => (
                <li key={project.id}>
                  <ProjectRow
                    project={project}
                    selected={project.id === selected?.id}
                    onSelect={() => setSelection({ kind: "project", id: project.id })}
                  />
                </li>
              ))}
            </ul>
          )}
          {projects == null && error == null && <div className="list-note">{t("projects.loading")}</div>}
          {projects == null && error != null && (
            <div className="list-note list-note--error" role="alert">
              {errorText(error, t)}
            </div>
          )}
        </div>
      </section>
      <section
        className={`project-pane${selected || selection.kind === "new" ? "" : " project-pane--placeholder"}`}
      >
        {pane}
      </section>
    </main>
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
