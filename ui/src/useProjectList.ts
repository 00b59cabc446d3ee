import { useCallback, useEffect, useState } from "react";
import { api, type Project } from "./api";
import { useEngineEvents } from "./hooks";

/**
 * The projects, for views that only name them or offer them as a choice:
 * read again when the engine says a project changed or that events were
 * missed. Null until the first load.
 */
export function useProjectList(): Project[] | null {
  const [projects, setProjects] = useState<Project[] | null>(null);

  const load = useCallback(() => {
    api
      .listProjects()
      .then(setProjects)
      .catch((reason: unknown) => console.error("Could not load the projects", reason));
  }, []);

  useEffect(load, [load]);

  useEngineEvents((event) => {
    if (event.type === "project_changed" || event.type === "resync") load();
  });

  return projects;
}
