import { useTranslation } from "react-i18next";
import type { RoleRights } from "../api";

/** What each role may do, from the engine's table. */
export function RightsTable({ rights }: { rights: RoleRights[] }) {
  const { t } = useTranslation();
  const actions = rights[0]?.actions ?? [];
  return (
    <details className="team-rights">
      <summary>{t("team.rights")}</summary>
      <table data-testid="team-rights">
        <thead>
          <tr>
            <th />
            {rights.map((r) => (
              <th key={r.role} scope="col">
                {t(`team.role.${r.role}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {actions.map((action) => (
            <tr key={action}>
              <th scope="row">{t(`team.action.${action}`)}</th>
              {rights.map((r) => (
                <td key={r.role} data-allowed={r.actions.includes(action)}>
                  {r.actions.includes(action) ? "✓" : "—"}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

const TOPIC_COMMANDS = ["close", "note", "take", "assign", "unassign"] as const;
const PRIVATE_COMMANDS = ["status", "stats", "unanswered", "invite"] as const;

/**
 * The bot's commands for people of the team: in a conversation's topic in
 * the work group, and in their private chat with the bot.
 */
export function BotCommands() {
  const { t } = useTranslation();
  return (
    <details className="team-rights team-commands" data-testid="team-commands">
      <summary>{t("team.commands.title")}</summary>
      <p className="team-commands-where">{t("team.commands.inTopic")}</p>
      <ul>
        {TOPIC_COMMANDS.map((command) => (
          <li key={command}>{t(`team.commands.${command}`)}</li>
        ))}
      </ul>
      <p className="team-commands-where">{t("team.commands.inPrivate")}</p>
      <ul>
        {PRIVATE_COMMANDS.map((command) => (
          <li key={command}>{t(`team.commands.${command}`)}</li>
        ))}
      </ul>
    </details>
  );
}
