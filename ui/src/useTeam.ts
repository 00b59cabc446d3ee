import { api, type Person, type Role } from "./api";
import { useLiveList } from "./useLiveList";

const ROLE_ORDER: Role[] = ["owner", "admin", "manager", "operator"];

const teamSource = {
  load: () => api.listPeople(),
  reloadOn: (event: { type: string }) => event.type === "team_changed",
  idOf: (person: Person) => person.id,
  compare: (a: Person, b: Person) =>
    ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) || a.linkedAt - b.linkedAt,
};

export type Team = {
  /** The people of the team; empty when there is no team, null until read. */
  people: Person[] | null;
  /** The owner, who answers from the window; null when not linked. */
  owner: Person | null;
};

/** The team's people, read again whenever the engine says the team changed. */
export function useTeam(): Team {
  const { items } = useLiveList(teamSource);
  return { people: items, owner: items?.find((p) => p.role === "owner") ?? null };
}

/** Whether the person works in the project's conversations (every project's when not limited). */
export function worksIn(person: Person, projectId: number | null): boolean {
  return person.projectIds == null || (projectId != null && person.projectIds.includes(projectId));
}
