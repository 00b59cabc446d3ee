// What the Health screen counts as a problem: something a person should do
// or at least know about. Accounts that connect or were stopped on purpose,
// jobs that merely wait and an endpoint that is off are not problems.
import type { AccountHealth, Health, LanStatus } from "./api";

export function accountProblem(account: AccountHealth): boolean {
  return account.fix != null || ["offline", "bad_credentials", "error"].includes(account.state);
}

/** On, yet not listening (the address is taken…). */
export function lanProblem(lan: LanStatus): boolean {
  return lan.listen != null && (lan.listening == null || lan.error != null);
}

export function databaseProblem(health: Health): boolean {
  return !health.database.intact || health.database.fix != null;
}

/** How many things need attention. */
export function healthProblems(health: Health): number {
  return (
    health.accounts.filter(accountProblem).length +
    health.queue.failed.length +
    health.workGroups.filter((g) => g.missing.length > 0).length +
    (health.keyring.ok ? 0 : 1) +
    (health.modelServer && !health.modelServer.ok ? 1 : 0) +
    (lanProblem(health.lan) ? 1 : 0) +
    (databaseProblem(health) ? 1 : 0) +
    (health.backupFix != null ? 1 : 0)
  );
}

/** A share (0.075) as a percent in the language's digits ("7.5", "7,5"). */
export function formatPercent(share: number | null, digits: number, language: string): string {
  return new Intl.NumberFormat(language, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(
    (share ?? 0) * 100,
  );
}
