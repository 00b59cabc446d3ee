import { useTranslation } from "react-i18next";
import type { Project } from "../api";
import { readiness, readinessTone } from "../projects";

/** A project's readiness in a word: ready, no bot, group needs attention… */
export function ReadinessBadge({ project }: { project: Project }) {
  const { t } = useTranslation();
  const state = readiness(project);
  return (
    <span
      className={`readiness readiness--${readinessTone(state)}`}
      data-testid="project-readiness"
      data-readiness={state}
    >
      <span className="readiness-dot" aria-hidden="true" />
      {t(`readiness.${state}`)}
    </span>
  );
}
