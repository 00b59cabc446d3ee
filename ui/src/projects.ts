import type { Project } from "./api";

/** How far a project is from working, as its list row shows it. */
export type Readiness = "ready" | "no_bot" | "connecting" | "bot_issue" | "no_group" | "group_issue";

export function readiness(project: Project): Readiness {
  const { bot, workGroup } = project;
  if (!bot) return "no_bot";
  if (bot.state === "connecting") return "connecting";
  if (bot.state !== "online") return "bot_issue";
  if (!workGroup) return "no_group";
  if (!workGroup.check || workGroup.check.missing.length > 0 || workGroup.check.error) return "group_issue";
  return "ready";
}

/** The colour family of a readiness badge. */
export function readinessTone(value: Readiness): "ok" | "pending" | "warn" | "none" {
  switch (value) {
    case "ready":
      return "ok";
    case "connecting":
      return "pending";
    case "no_bot":
      return "none";
    default:
      return "warn";
  }
}
